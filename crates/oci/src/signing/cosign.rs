//! BuildKit attestations re-published as cosign attestations: each in-toto statement of an image's
//! BuildKit attestation manifests is wrapped in a DSSE envelope signed with a cosign key and appended
//! to the `sha256-<digest>.att` tag of the manifest the statement is about, in cosign's own layout:
//! an OCI manifest whose config is a minimal image config and whose layers are
//! `application/vnd.dsse.envelope.v1+json` blobs annotated `dev.cosignproject.cosign/signature: ""`
//! and `predicateType: <uri>`. `cosign verify-attestation --key cosign.pub` accepts them (with
//! `--insecure-ignore-tlog`, as no transparency log entry is made). Where they go: [`super::export`].

use std::collections::BTreeMap;

use p256::ecdsa::SigningKey;
use serde::Serialize;
use serde_json::json;

use super::dsse::sign_envelope;
use crate::attestations::dsse::IN_TOTO_PAYLOAD;
use crate::media;
use crate::{Descriptor, Digest, ImageManifest, RegistryError, RegistryImage};

/// One statement written by [`export`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Exported {
    /// The manifest the statement is about (its `.att` tag holds it).
    pub subject: Digest,
    /// The statement's predicate type.
    pub predicate_type: String,
    /// The DSSE layer's digest.
    pub layer: Digest,
    /// False when the `.att` manifest already held this exact layer.
    pub added: bool,
}

/// What [`export`] did: the statements, and the `.att` manifests it pushed.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportReport {
    /// Every BuildKit statement found, sorted by subject then predicate type.
    pub statements: Vec<Exported>,
    /// `(tag, manifest digest)` of each `.att` manifest pushed.
    pub pushed: Vec<(String, Digest)>,
}

/// The DSSE envelope bytes and layer annotations for one statement.
pub fn att_layer(
    key: &SigningKey,
    statement: &[u8],
    predicate_type: &str,
) -> (Vec<u8>, BTreeMap<String, String>) {
    let envelope = sign_envelope(key, IN_TOTO_PAYLOAD, statement);
    let bytes = serde_json::to_vec(&envelope).unwrap_or_default();
    let annotations = BTreeMap::from([
        (media::COSIGN_SIGNATURE.to_string(), String::new()),
        (
            media::COSIGN_PREDICATE_TYPE.to_string(),
            predicate_type.to_string(),
        ),
    ]);
    (bytes, annotations)
}

/// cosign's config blob for a signature or attestation manifest: an empty image config whose
/// `rootfs.diff_ids` are the layer digests.
pub fn att_config(layers: &[Descriptor]) -> Vec<u8> {
    let diff_ids: Vec<String> = layers.iter().map(|l| l.digest.to_string()).collect();
    let config = json!({
        "architecture": "",
        "created": "0001-01-01T00:00:00Z",
        "history": [{"created": "0001-01-01T00:00:00Z"}],
        "os": "",
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "config": {}
    });
    serde_json::to_vec(&config).unwrap_or_default()
}

/// The `.att` manifest bytes for `layers` with a config descriptor `config`.
pub fn att_manifest(config: Descriptor, layers: Vec<Descriptor>) -> Vec<u8> {
    let manifest = ImageManifest {
        schema_version: 2,
        media_type: Some(media::OCI_MANIFEST.to_string()),
        artifact_type: None,
        config,
        layers,
        subject: None,
        annotations: BTreeMap::new(),
    };
    serde_json::to_vec(&manifest).unwrap_or_default()
}

/// Signs every BuildKit attestation of `image` with `key` and appends it to the `.att` tag of the
/// manifest its statement is about (the platform manifest BuildKit attached it to) and of the index
/// ([`super::export::export_with`] with its defaults). Existing `.att` layers are kept; a layer
/// already present (same bytes) is not added twice.
pub async fn export(
    image: &RegistryImage,
    key: &SigningKey,
) -> Result<ExportReport, RegistryError> {
    super::export::export_with(image, key, &super::export::ExportOptions::default()).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attestations::dsse::Envelope;
    use crate::signing::dsse::{verify_envelope, SignatureCheck};
    use crate::signing::keys::PublicKey;

    #[test]
    fn layer_config_and_manifest_have_cosign_shape() {
        let key = SigningKey::from_slice(&[3u8; 32]).unwrap();
        let public = PublicKey {
            name: "k".into(),
            key: *key.verifying_key(),
        };
        let (bytes, ann) = att_layer(&key, b"{}", "https://slsa.dev/provenance/v0.2");
        let env = Envelope::parse(&bytes, "l").unwrap();
        assert_eq!(env.payload_type, "application/vnd.in-toto+json");
        assert_eq!(
            verify_envelope(&env, &[public]),
            SignatureCheck::Verified("k".into())
        );
        assert_eq!(ann["dev.cosignproject.cosign/signature"], "");
        assert_eq!(ann["predicateType"], "https://slsa.dev/provenance/v0.2");
        let layer = Descriptor {
            media_type: media::DSSE.into(),
            digest: Digest::sha256_of(&bytes),
            size: bytes.len() as u64,
            annotations: ann,
            platform: None,
            artifact_type: None,
        };
        let config: serde_json::Value =
            serde_json::from_slice(&att_config(std::slice::from_ref(&layer))).unwrap();
        assert_eq!(config["rootfs"]["diff_ids"][0], layer.digest.to_string());
        let config_d = Descriptor {
            media_type: media::OCI_CONFIG.into(),
            digest: Digest::sha256_of(b"c"),
            size: 1,
            annotations: BTreeMap::new(),
            platform: None,
            artifact_type: None,
        };
        let m: serde_json::Value =
            serde_json::from_slice(&att_manifest(config_d, vec![layer])).unwrap();
        assert_eq!(m["mediaType"], media::OCI_MANIFEST);
        assert_eq!(m["layers"][0]["mediaType"], media::DSSE);
        assert_eq!(
            m["layers"][0]["annotations"]["predicateType"],
            "https://slsa.dev/provenance/v0.2"
        );
    }
}
