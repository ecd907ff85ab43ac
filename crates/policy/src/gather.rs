//! Reading an image's attestations into [`ImageFacts`]: discovery by annotations, then each
//! attestation's content fetched, distilled and dropped, one at a time (memory stays at one document).

use super::evidence::{Distill, Evidence, ImageFacts, PlatformFacts};
use stagetrail_oci::attestations::{self, Attestation, AttestationKind, DiscoverOptions};
use stagetrail_oci::{media, ImageSource, RegistryError};

/// Discovers and reads everything attached to the image `source` names.
pub async fn gather<S: ImageSource>(
    source: &S,
    how: &Distill,
) -> Result<ImageFacts, RegistryError> {
    let options = DiscoverOptions {
        read_content: false,
        keep_content: false,
        cosign: true,
        referrers: true,
    };
    let found = attestations::discover(source, &options).await?;
    let mut evidence = Vec::new();
    for att in &found.attestations {
        evidence.push(read(source, att, None, how).await);
    }
    let mut platforms = Vec::new();
    for p in &found.platforms {
        let name = p.platform_name();
        for att in &p.attestations {
            evidence.push(read(source, att, Some(name.clone()), how).await);
        }
        platforms.push(PlatformFacts {
            platform: name,
            digest: p.manifest.digest.clone(),
        });
    }
    Ok(ImageFacts {
        image: found.image,
        digest: found.digest,
        media_type: found.media_type,
        platforms,
        evidence,
    })
}

/// True for layers whose content the rules read.
fn readable(att: &Attestation) -> bool {
    let mt = media::essence(&att.media_type);
    att.kind == AttestationKind::CosignSig && mt == media::COSIGN_SIMPLESIGNING
        || mt == media::IN_TOTO
        || mt == media::DSSE
        || mt.starts_with(media::SIGSTORE_BUNDLE_PREFIX)
}

async fn read<S: ImageSource>(
    source: &S,
    att: &Attestation,
    platform: Option<String>,
    how: &Distill,
) -> Evidence {
    let mut e = Evidence::bare(att, platform);
    if !readable(att) {
        return e;
    }
    match att.load(source).await {
        Ok(content) => e.read(att, content, how),
        Err(err) => e.error = Some(err.to_string()),
    }
    e
}
