//! Where `attest-export` puts the signed statements: the `.att` tag of each platform manifest (the
//! statement's own subject), the `.att` tag of the index (a copy of the statement that also names the
//! index as a subject, since cosign and Kyverno verify the digest a tag resolves to and check that a
//! statement names it), and optionally OCI 1.1 referrers of both (`--referrers`), listed through the
//! referrers API or, on registries without it (distribution 2.8), the `sha256-<hex>` tag-schema
//! fallback index.

use std::collections::{BTreeMap, BTreeSet};

use p256::ecdsa::SigningKey;
use serde_json::{json, Value};

use super::cosign::{att_config, att_layer, att_manifest, ExportReport, Exported};
use crate::attestations::{self, AttestationKind, DiscoverOptions};
use crate::media;
use crate::{
    Descriptor, Digest, ImageIndex, ImageManifest, ImageSource, Manifest, RegistryError,
    RegistryImage,
};

/// The artifact type of the referrers `attest-export --referrers` pushes.
pub const REFERRER_ARTIFACT_TYPE: &str = media::IN_TOTO;
/// OCI's empty config descriptor media type.
pub const EMPTY_CONFIG: &str = "application/vnd.oci.empty.v1+json";

/// What [`export_with`] writes besides the platform manifests' `.att` tags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExportOptions {
    /// Also attach to the index (when the image is one).
    pub index: bool,
    /// Also push every statement as an OCI 1.1 referrer of its subject.
    pub referrers: bool,
}

impl Default for ExportOptions {
    fn default() -> Self {
        ExportOptions {
            index: true,
            referrers: false,
        }
    }
}

/// A signed DSSE layer waiting to be pushed.
pub struct NewLayer {
    /// The statement's predicate type.
    pub predicate_type: String,
    /// The envelope.
    pub bytes: Vec<u8>,
    /// The layer's annotations.
    pub annotations: BTreeMap<String, String>,
}

impl NewLayer {
    /// `statement` signed with `key` as a cosign attestation layer.
    pub fn signed(key: &SigningKey, statement: &[u8], predicate_type: &str) -> NewLayer {
        let (bytes, annotations) = att_layer(key, statement, predicate_type);
        NewLayer {
            predicate_type: predicate_type.to_string(),
            bytes,
            annotations,
        }
    }
}

/// Signs every BuildKit attestation of `image` with `key` and appends it to the `.att` tag of the
/// manifest its statement is about, and (see [`ExportOptions`]) of the index and as referrers.
/// Existing `.att` layers and referrers are kept; one already present is not added twice.
pub async fn export_with(
    image: &RegistryImage,
    key: &SigningKey,
    options: &ExportOptions,
) -> Result<ExportReport, RegistryError> {
    let discover = DiscoverOptions {
        read_content: false,
        keep_content: false,
        cosign: true,
        referrers: false,
    };
    let found = attestations::discover(image, &discover).await?;
    let root = image.root().await?;
    let is_index = matches!(root.manifest, Manifest::Index(_));
    let mut subjects: BTreeMap<Digest, Descriptor> = found
        .platforms
        .iter()
        .map(|p| (p.manifest.digest.clone(), p.manifest.clone()))
        .collect();
    subjects.insert(root.descriptor.digest.clone(), root.descriptor.clone());
    let mut per_subject: BTreeMap<Digest, Vec<NewLayer>> = BTreeMap::new();
    for att in found.all().filter(|a| a.kind == AttestationKind::Buildkit) {
        let content = att.load(image).await?;
        let Some(statement) = &content.statement else {
            continue;
        };
        let t = &statement.predicate_type;
        let (bytes, annotations) = att_layer(key, &content.raw, t);
        per_subject
            .entry(att.attached_to.clone())
            .or_default()
            .push(NewLayer {
                predicate_type: t.clone(),
                bytes,
                annotations,
            });
        if options.index && is_index && att.attached_to != root.descriptor.digest {
            let Some(raw) = also_about(&content.raw, &image.reference.name(), &found.digest) else {
                continue;
            };
            let (bytes, annotations) = att_layer(key, &raw, t);
            per_subject
                .entry(root.descriptor.digest.clone())
                .or_default()
                .push(NewLayer {
                    predicate_type: t.clone(),
                    bytes,
                    annotations,
                });
        }
    }
    let mut report = ExportReport::default();
    for (subject, new_layers) in per_subject {
        let pushed = append_att(image, &subject, new_layers, &mut report).await?;
        if options.referrers {
            if let Some(descriptor) = subjects.get(&subject) {
                for layer in pushed {
                    push_referrer(image, descriptor, layer, &mut report).await?;
                }
            }
        }
    }
    report.statements.sort_by(|a, b| {
        (&a.subject, &a.predicate_type, &a.layer).cmp(&(&b.subject, &b.predicate_type, &b.layer))
    });
    Ok(report)
}

/// The statement `raw` with `digest` added to its subjects (named `name`); `None` when it is not
/// a JSON object with a subject list.
pub fn also_about(raw: &[u8], name: &str, digest: &Digest) -> Option<Vec<u8>> {
    let mut statement: Value = serde_json::from_slice(raw).ok()?;
    let subjects = statement.get_mut("subject")?.as_array_mut()?;
    let entry = json!({"name": name, "digest": {digest.algorithm().name(): digest.hex()}});
    if !subjects.contains(&entry) {
        subjects.push(entry);
    }
    serde_json::to_vec(&statement).ok()
}

/// Appends `new_layers` to `subject`'s `.att` manifest; returns the descriptors of all of them
/// (pushed now or already there).
pub async fn append_att(
    image: &RegistryImage,
    subject: &Digest,
    new_layers: Vec<NewLayer>,
    report: &mut ExportReport,
) -> Result<Vec<Descriptor>, RegistryError> {
    let tag = format!("{}.att", subject.tag_form());
    let mut layers: Vec<Descriptor> = match image.tagged(&tag).await? {
        Some(fetched) => match fetched.manifest {
            Manifest::Image(m) => m.layers,
            Manifest::Index(_) => Vec::new(),
        },
        None => Vec::new(),
    };
    let mut present: BTreeSet<Digest> = layers.iter().map(|l| l.digest.clone()).collect();
    let mut changed = false;
    let mut out = Vec::new();
    for NewLayer {
        predicate_type,
        bytes,
        annotations,
    } in new_layers
    {
        let mut d = image
            .client
            .push_blob(&image.reference, &bytes, media::DSSE)
            .await?;
        d.annotations = annotations;
        let added = present.insert(d.digest.clone());
        report.statements.push(Exported {
            subject: subject.clone(),
            predicate_type,
            layer: d.digest.clone(),
            added,
        });
        out.push(d.clone());
        if added {
            layers.push(d);
            changed = true;
        }
    }
    if changed {
        let config = image
            .client
            .push_blob(&image.reference, &att_config(&layers), media::OCI_CONFIG)
            .await?;
        let manifest = att_manifest(config, layers);
        let digest = image
            .client
            .push_manifest(
                &image.reference.with_tag(&tag),
                &manifest,
                media::OCI_MANIFEST,
            )
            .await?;
        report.pushed.push((tag, digest));
    }
    Ok(out)
}

/// The referrer manifest for one DSSE layer about `subject`.
pub fn referrer_manifest(subject: &Descriptor, config: Descriptor, layer: Descriptor) -> Vec<u8> {
    let mut annotations = BTreeMap::new();
    if let Some(t) = layer.annotation(media::COSIGN_PREDICATE_TYPE) {
        annotations.insert(media::PREDICATE_TYPE.to_string(), t.to_string());
    }
    let manifest = ImageManifest {
        schema_version: 2,
        media_type: Some(media::OCI_MANIFEST.to_string()),
        artifact_type: Some(REFERRER_ARTIFACT_TYPE.to_string()),
        config,
        layers: vec![layer],
        subject: Some(Descriptor {
            media_type: subject.media_type.clone(),
            digest: subject.digest.clone(),
            size: subject.size,
            annotations: BTreeMap::new(),
            platform: None,
            artifact_type: None,
        }),
        annotations,
    };
    serde_json::to_vec(&manifest).unwrap_or_default()
}

/// Pushes `layer` as a referrer of `subject`; on registries without the referrers API, adds it to the
/// `sha256-<hex>` fallback index.
async fn push_referrer(
    image: &RegistryImage,
    subject: &Descriptor,
    layer: Descriptor,
    report: &mut ExportReport,
) -> Result<(), RegistryError> {
    let config = image
        .client
        .push_blob(&image.reference, b"{}", EMPTY_CONFIG)
        .await?;
    let annotations = layer.annotations.clone();
    let bytes = referrer_manifest(subject, config, layer);
    let digest = Digest::sha256_of(&bytes);
    let pinned = crate::Reference {
        digest: Some(digest.clone()),
        tag: None,
        ..image.reference.clone()
    };
    image
        .client
        .push_manifest(&pinned, &bytes, media::OCI_MANIFEST)
        .await?;
    report
        .pushed
        .push((format!("referrer of {}", subject.digest), digest.clone()));
    if image.referrers(&subject.digest).await?.is_some() {
        return Ok(());
    }
    let tag = subject.digest.tag_form();
    let mut index = match image.tagged(&tag).await? {
        Some(fetched) => match fetched.manifest {
            Manifest::Index(idx) => idx,
            Manifest::Image(_) => empty_index(),
        },
        None => empty_index(),
    };
    if index.manifests.iter().any(|d| d.digest == digest) {
        return Ok(());
    }
    let mut entry_annotations = BTreeMap::new();
    if let Some(t) = annotations.get(media::COSIGN_PREDICATE_TYPE) {
        entry_annotations.insert(media::PREDICATE_TYPE.to_string(), t.clone());
    }
    index.manifests.push(Descriptor {
        media_type: media::OCI_MANIFEST.to_string(),
        digest: digest.clone(),
        size: bytes.len() as u64,
        annotations: entry_annotations,
        platform: None,
        artifact_type: Some(REFERRER_ARTIFACT_TYPE.to_string()),
    });
    let index_bytes = serde_json::to_vec(&index).unwrap_or_default();
    let pushed = image
        .client
        .push_manifest(
            &image.reference.with_tag(&tag),
            &index_bytes,
            media::OCI_INDEX,
        )
        .await?;
    report.pushed.push((tag, pushed));
    Ok(())
}

fn empty_index() -> ImageIndex {
    ImageIndex {
        schema_version: 2,
        media_type: Some(media::OCI_INDEX.to_string()),
        manifests: Vec::new(),
        annotations: BTreeMap::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_index_copy_names_both_subjects_once() {
        let platform = Digest::sha256_of(b"p");
        let index = Digest::sha256_of(b"i");
        let raw = serde_json::to_vec(&json!({"_type": "https://in-toto.io/Statement/v0.1",
            "subject": [{"name": "x", "digest": {"sha256": platform.hex()}}],
            "predicateType": "t", "predicate": {}}))
        .unwrap();
        let once = also_about(&raw, "reg/app", &index).unwrap();
        let twice = also_about(&once, "reg/app", &index).unwrap();
        assert_eq!(once, twice);
        let v: Value = serde_json::from_slice(&once).unwrap();
        assert_eq!(v["subject"][0]["digest"]["sha256"], platform.hex());
        assert_eq!(v["subject"][1]["digest"]["sha256"], index.hex());
        assert_eq!(v["subject"][1]["name"], "reg/app");
        assert!(also_about(b"[]", "reg/app", &index).is_none());
    }

    #[test]
    fn referrer_manifests_name_their_subject_and_type() {
        let d = |mt: &str, b: &[u8]| Descriptor {
            media_type: mt.into(),
            digest: Digest::sha256_of(b),
            size: b.len() as u64,
            annotations: BTreeMap::new(),
            platform: None,
            artifact_type: None,
        };
        let mut layer = d(media::DSSE, b"envelope");
        layer.annotations.insert(
            media::COSIGN_PREDICATE_TYPE.into(),
            "https://spdx.dev/Document".into(),
        );
        let subject = d(media::OCI_MANIFEST, b"platform");
        let m: Value =
            serde_json::from_slice(&referrer_manifest(&subject, d(EMPTY_CONFIG, b"{}"), layer))
                .unwrap();
        assert_eq!(m["artifactType"], media::IN_TOTO);
        assert_eq!(m["subject"]["digest"], subject.digest.to_string());
        assert_eq!(m["subject"]["mediaType"], media::OCI_MANIFEST);
        assert_eq!(m["config"]["mediaType"], EMPTY_CONFIG);
        assert_eq!(
            m["annotations"]["in-toto.io/predicate-type"],
            "https://spdx.dev/Document"
        );
        assert_eq!(m["layers"][0]["mediaType"], media::DSSE);
    }
}
