//! The walk: index → platforms and BuildKit attestation manifests; per digest, cosign tags and referrers.

use std::collections::{BTreeMap, BTreeSet};

use super::content::Content;
use super::stage::stage_of;
use super::{Attestation, AttestationKind, DiscoverOptions, ImageAttestations, PlatformImage};
use crate::digest::Digest;
use crate::error::{RegistryError, Result};
use crate::manifest::{Descriptor, FetchedManifest, ImageConfig, ImageManifest, Manifest};
use crate::media;
use crate::source::ImageSource;

/// How deep image indexes may nest.
const MAX_INDEX_DEPTH: usize = 8;

/// Finds the platforms of the image `source` names and every attestation attached to them.
pub async fn discover<S: ImageSource>(
    source: &S,
    options: &DiscoverOptions,
) -> Result<ImageAttestations> {
    let root = source.root().await?;
    let root_digest = root.descriptor.digest.clone();
    let mut platforms: Vec<PlatformImage> = Vec::new();
    let mut index_atts = Vec::new();
    match &root.manifest {
        Manifest::Image(m) => {
            let platform = config_platform(source, m).await;
            platforms.push(PlatformImage {
                platform,
                manifest: root.descriptor.clone(),
                attestations: Vec::new(),
            });
        }
        Manifest::Index(_) => {
            let mut buildkit = Vec::new();
            let mut chain = vec![root_digest.clone()];
            collect(source, &root, &mut chain, &mut platforms, &mut buildkit).await?;
            for entry in buildkit {
                let atts = buildkit_attestations(source, &entry, options).await?;
                for att in atts {
                    match platforms
                        .iter_mut()
                        .find(|p| p.manifest.digest == att.attached_to)
                    {
                        Some(p) => p.attestations.push(att),
                        None => index_atts.push(att),
                    }
                }
            }
        }
    }
    if matches!(root.manifest, Manifest::Index(_)) {
        index_atts.extend(attached(source, &root_digest, options).await?);
    }
    for p in &mut platforms {
        let more = attached(source, &p.manifest.digest, options).await?;
        p.attestations.extend(more);
        sort(&mut p.attestations);
    }
    sort(&mut index_atts);
    platforms.sort_by(|a, b| {
        (a.platform_name(), &a.manifest.digest).cmp(&(b.platform_name(), &b.manifest.digest))
    });
    Ok(ImageAttestations {
        image: source.name(),
        digest: root_digest,
        media_type: root.descriptor.media_type.clone(),
        attestations: index_atts,
        platforms,
    })
}

fn sort(atts: &mut [Attestation]) {
    atts.sort_by(|a, b| {
        (a.kind, &a.predicate_type, &a.stage, &a.digest, &a.manifest).cmp(&(
            b.kind,
            &b.predicate_type,
            &b.stage,
            &b.digest,
            &b.manifest,
        ))
    });
}

/// Walks an index (and nested indexes): image manifests become platforms, attestation manifests are
/// returned in `buildkit`. `chain` holds the digests of the indexes being walked, for loop detection.
async fn collect<S: ImageSource>(
    source: &S,
    index: &FetchedManifest,
    chain: &mut Vec<Digest>,
    platforms: &mut Vec<PlatformImage>,
    buildkit: &mut Vec<Descriptor>,
) -> Result<()> {
    let Manifest::Index(idx) = &index.manifest else {
        return Ok(());
    };
    for entry in &idx.manifests {
        let mt = media::essence(&entry.media_type);
        if entry.annotation(media::REF_TYPE) == Some(media::REF_TYPE_ATTESTATION) {
            buildkit.push(entry.clone());
        } else if media::is_index(mt) {
            if chain.contains(&entry.digest) || chain.len() >= MAX_INDEX_DEPTH {
                return Err(loop_error(source, chain, &entry.digest));
            }
            let child = match source.manifest(entry).await {
                Err(RegistryError::DigestMismatch { actual, .. })
                    if chain.iter().any(|d| d.to_string() == actual) =>
                {
                    let mut e = loop_error(source, chain, &entry.digest);
                    if let RegistryError::IndexLoop { chain, .. } = &mut e {
                        chain.push_str(&format!(
                            "; {} was answered with the content of {actual}",
                            entry.digest
                        ));
                    }
                    return Err(e);
                }
                other => other?,
            };
            chain.push(entry.digest.clone());
            Box::pin(collect(source, &child, chain, platforms, buildkit)).await?;
            chain.pop();
        } else if media::is_manifest(mt) {
            if chain.contains(&entry.digest) {
                return Err(loop_error(source, chain, &entry.digest));
            }
            if !platforms.iter().any(|p| p.manifest.digest == entry.digest) {
                platforms.push(PlatformImage {
                    platform: entry.platform.clone(),
                    manifest: entry.clone(),
                    attestations: Vec::new(),
                });
            }
        }
    }
    Ok(())
}

fn loop_error<S: ImageSource>(source: &S, chain: &[Digest], next: &Digest) -> RegistryError {
    let mut names: Vec<String> = chain.iter().map(Digest::to_string).collect();
    names.push(next.to_string());
    let chain = if chain.len() >= MAX_INDEX_DEPTH && !chain.contains(next) {
        format!(
            "{} (nested deeper than {MAX_INDEX_DEPTH} indexes)",
            names.join(" -> ")
        )
    } else {
        format!("{} (an index refers back to itself)", names.join(" -> "))
    };
    RegistryError::IndexLoop {
        at: source.name().into(),
        chain,
    }
}

/// The platform an image manifest's config names; `None` when the config is not an image config or unreadable.
async fn config_platform<S: ImageSource>(
    source: &S,
    manifest: &ImageManifest,
) -> Option<crate::Platform> {
    let mt = media::essence(&manifest.config.media_type);
    if mt != media::OCI_CONFIG && mt != media::DOCKER_CONFIG {
        return None;
    }
    let bytes = source.blob(&manifest.config).await.ok()?;
    let config: ImageConfig = serde_json::from_slice(&bytes).ok()?;
    Some(config.platform()).filter(|p| !p.os.is_empty())
}

/// The layers of one BuildKit attestation manifest.
async fn buildkit_attestations<S: ImageSource>(
    source: &S,
    entry: &Descriptor,
    options: &DiscoverOptions,
) -> Result<Vec<Attestation>> {
    let fetched = source.manifest(entry).await?;
    let Manifest::Image(m) = &fetched.manifest else {
        return Err(RegistryError::MediaType {
            at: format!("{} {}", source.name(), entry.digest).into(),
            expected: "an image manifest for a BuildKit attestation manifest".into(),
            got: fetched.descriptor.media_type.clone(),
        });
    };
    let attached_to = match entry.annotation(media::REF_DIGEST) {
        Some(d) => Digest::parse(
            d,
            format!(
                "{} {} annotation {}",
                source.name(),
                entry.digest,
                media::REF_DIGEST
            ),
        )?,
        None => fetched.descriptor.digest.clone(),
    };
    let mut out = Vec::new();
    for layer in &m.layers {
        if media::essence(&layer.media_type) == media::IN_TOTO {
            out.push(
                attestation(
                    source,
                    AttestationKind::Buildkit,
                    layer,
                    &fetched.descriptor.digest,
                    &attached_to,
                    &m.annotations,
                    options,
                )
                .await,
            );
        }
    }
    Ok(out)
}

/// Cosign tags and referrers attached to `subject`.
async fn attached<S: ImageSource>(
    source: &S,
    subject: &Digest,
    options: &DiscoverOptions,
) -> Result<Vec<Attestation>> {
    let mut out = Vec::new();
    if options.cosign {
        for (suffix, kind) in [
            ("att", AttestationKind::CosignAtt),
            ("sig", AttestationKind::CosignSig),
        ] {
            let tag = format!("{}.{suffix}", subject.tag_form());
            if let Some(fetched) = source.tagged(&tag).await? {
                if let Manifest::Image(m) = &fetched.manifest {
                    for layer in &m.layers {
                        out.push(
                            attestation(
                                source,
                                kind,
                                layer,
                                &fetched.descriptor.digest,
                                subject,
                                &m.annotations,
                                options,
                            )
                            .await,
                        );
                    }
                }
            }
        }
    }
    if options.referrers {
        let referrers = match source.referrers(subject).await? {
            Some(list) => list,
            None => match source.tagged(&subject.tag_form()).await? {
                Some(FetchedManifest {
                    manifest: Manifest::Index(idx),
                    ..
                }) => idx.manifests,
                _ => Vec::new(),
            },
        };
        let mut seen = BTreeSet::new();
        for entry in referrers {
            if !media::is_manifest(media::essence(&entry.media_type))
                || !seen.insert(entry.digest.clone())
            {
                continue;
            }
            let fetched = source.manifest(&entry).await?;
            let Manifest::Image(m) = &fetched.manifest else {
                continue;
            };
            let mut annotations = entry.annotations.clone();
            annotations.extend(m.annotations.clone());
            if m.layers.is_empty() {
                let mut d = entry.clone();
                d.media_type = m
                    .artifact_type
                    .clone()
                    .or(entry.artifact_type.clone())
                    .unwrap_or(d.media_type);
                out.push(bare(
                    AttestationKind::Referrer,
                    &d,
                    &fetched.descriptor.digest,
                    subject,
                ));
            }
            for layer in &m.layers {
                out.push(
                    attestation(
                        source,
                        AttestationKind::Referrer,
                        layer,
                        &fetched.descriptor.digest,
                        subject,
                        &annotations,
                        options,
                    )
                    .await,
                );
            }
        }
    }
    Ok(out)
}

fn bare(
    kind: AttestationKind,
    layer: &Descriptor,
    manifest: &Digest,
    attached_to: &Digest,
) -> Attestation {
    Attestation {
        kind,
        predicate_type: None,
        stage: None,
        media_type: layer.media_type.clone(),
        size: layer.size,
        digest: layer.digest.clone(),
        manifest: manifest.clone(),
        attached_to: attached_to.clone(),
        signed: false,
        subjects: Vec::new(),
        error: None,
        descriptor: layer.clone(),
        content: None,
    }
}

/// Builds one attestation from a layer, reading its content when asked; content problems are recorded
/// in [`Attestation::error`] rather than failing the discovery.
async fn attestation<S: ImageSource>(
    source: &S,
    kind: AttestationKind,
    layer: &Descriptor,
    manifest: &Digest,
    attached_to: &Digest,
    manifest_annotations: &BTreeMap<String, String>,
    options: &DiscoverOptions,
) -> Attestation {
    let mut att = bare(kind, layer, manifest, attached_to);
    let annotated = layer
        .annotation(media::PREDICATE_TYPE)
        .or(layer.annotation(media::COSIGN_PREDICATE_TYPE))
        .or(manifest_annotations
            .get(media::PREDICATE_TYPE)
            .map(String::as_str))
        .filter(|t| !t.is_empty())
        .map(str::to_string);
    att.predicate_type = annotated.clone();
    att.signed = layer
        .annotation(media::COSIGN_SIGNATURE)
        .is_some_and(|s| !s.is_empty());
    let mut annotations = manifest_annotations.clone();
    annotations.extend(layer.annotations.clone());
    att.stage = stage_of(&annotations, None);
    let readable = matches!(
        media::essence(&layer.media_type),
        media::IN_TOTO | media::DSSE
    ) || media::essence(&layer.media_type)
        .starts_with(media::SIGSTORE_BUNDLE_PREFIX);
    if !options.read_content || !readable {
        return att;
    }
    let content = match source.blob(layer).await {
        Ok(raw) => Content::parse(raw, layer, &format!("{} {}", source.name(), layer.digest)),
        Err(e) => Err(e),
    };
    match content {
        Ok(content) => {
            att.signed |= content.signed;
            if let Some(st) = &content.statement {
                match &annotated {
                    Some(t) if *t != st.predicate_type => {
                        att.error = Some(format!(
                            "annotation says predicate type {t}, the statement says {}",
                            st.predicate_type
                        ));
                    }
                    _ => att.predicate_type = Some(st.predicate_type.clone()),
                }
                att.subjects = st.subject.clone();
                att.stage = stage_of(&annotations, Some(&st.predicate));
            }
            if options.keep_content {
                att.content = Some(content);
            }
        }
        Err(e) => att.error = Some(e.to_string()),
    }
    att
}
