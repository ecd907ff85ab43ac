//! OCI / Docker schema 2 manifests, indexes, descriptors and platforms as serde types.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::digest::Digest;
use super::error::{Location, RegistryError, Result};
use super::media;
use super::platform::Platform;

/// An OCI content descriptor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Descriptor {
    /// Media type of the content.
    pub media_type: String,
    /// Digest of the content.
    pub digest: Digest,
    /// Size in bytes.
    pub size: u64,
    /// Annotations (sorted).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
    /// Platform, on index entries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<Platform>,
    /// Artifact type, on referrers entries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifact_type: Option<String>,
}

impl Descriptor {
    /// An annotation's value.
    pub fn annotation(&self, key: &str) -> Option<&str> {
        self.annotations.get(key).map(String::as_str)
    }
}

/// An image manifest (OCI or Docker schema 2).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageManifest {
    /// Always 2.
    pub schema_version: u32,
    /// The manifest's own media type, when it states one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    /// Artifact type (OCI 1.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifact_type: Option<String>,
    /// The config blob.
    pub config: Descriptor,
    /// The layers.
    #[serde(default)]
    pub layers: Vec<Descriptor>,
    /// The manifest this one refers to (OCI 1.1 referrers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<Descriptor>,
    /// Annotations.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

/// An image index or Docker manifest list.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageIndex {
    /// Always 2.
    pub schema_version: u32,
    /// The index's own media type, when it states one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    /// The entries.
    #[serde(default)]
    pub manifests: Vec<Descriptor>,
    /// Annotations.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

/// The parts of an image config we read.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ImageConfig {
    /// CPU architecture.
    #[serde(default)]
    pub architecture: String,
    /// Operating system.
    #[serde(default)]
    pub os: String,
    /// Variant.
    #[serde(default)]
    pub variant: Option<String>,
    /// Creation time (RFC 3339).
    #[serde(default)]
    pub created: Option<String>,
}

impl ImageConfig {
    /// The platform this config describes.
    pub fn platform(&self) -> Platform {
        Platform {
            architecture: self.architecture.clone(),
            os: self.os.clone(),
            variant: self.variant.clone(),
            os_version: None,
        }
    }
}

/// A parsed manifest: an index or an image manifest.
#[derive(Debug, Clone)]
pub enum Manifest {
    /// An image index / manifest list.
    Index(ImageIndex),
    /// An image manifest (boxed: it is much larger than an index).
    Image(Box<ImageManifest>),
}

/// A manifest as fetched: its descriptor (digest verified, media type checked), raw bytes, and parsed form.
#[derive(Debug, Clone)]
pub struct FetchedManifest {
    /// Descriptor of the bytes (media type from the response or the document).
    pub descriptor: Descriptor,
    /// The exact bytes, as hashed.
    pub bytes: Vec<u8>,
    /// The parsed document.
    pub manifest: Manifest,
}

impl FetchedManifest {
    /// Parses `bytes`, whose transport said `media_type` (may be empty), checking that both agree.
    pub fn parse(
        bytes: Vec<u8>,
        media_type: &str,
        digest: Digest,
        at: impl Into<Location>,
    ) -> Result<FetchedManifest> {
        let at = at.into();
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Probe {
            #[serde(default)]
            media_type: Option<String>,
            #[serde(default)]
            manifests: Option<serde::de::IgnoredAny>,
            #[serde(default)]
            config: Option<serde::de::IgnoredAny>,
        }
        let probe: Probe = serde_json::from_slice(&bytes)
            .map_err(|e| RegistryError::json(at.clone(), "manifest", &e))?;
        let declared = probe
            .media_type
            .as_deref()
            .map(media::essence)
            .unwrap_or("");
        let transport = media::essence(media_type);
        let accepted = media::MANIFEST_ACCEPT.join(", ");
        let chosen = match (transport, declared) {
            ("", "") if probe.manifests.is_some() => media::OCI_INDEX,
            ("", "") if probe.config.is_some() => media::OCI_MANIFEST,
            ("", "") => {
                return Err(RegistryError::MediaType {
                    at,
                    expected: accepted,
                    got: "(none)".into(),
                });
            }
            (t, "") => t,
            ("", d) => d,
            (t, d) if t != d && !(t == "application/json" || t == "application/octet-stream") => {
                return Err(RegistryError::MediaType {
                    at,
                    expected: format!("the document's own mediaType {d}"),
                    got: t.to_string(),
                });
            }
            (_, d) => d,
        };
        let manifest = if media::is_index(chosen) {
            Manifest::Index(
                serde_json::from_slice(&bytes)
                    .map_err(|e| RegistryError::json(at.clone(), "image index", &e))?,
            )
        } else if media::is_manifest(chosen) {
            Manifest::Image(
                serde_json::from_slice(&bytes)
                    .map_err(|e| RegistryError::json(at.clone(), "image manifest", &e))?,
            )
        } else {
            return Err(RegistryError::MediaType {
                at,
                expected: accepted,
                got: chosen.to_string(),
            });
        };
        let descriptor = Descriptor {
            media_type: chosen.to_string(),
            digest,
            size: bytes.len() as u64,
            annotations: BTreeMap::new(),
            platform: None,
            artifact_type: None,
        };
        Ok(FetchedManifest {
            descriptor,
            bytes,
            manifest,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dig(b: &[u8]) -> Digest {
        Digest::sha256_of(b)
    }

    #[test]
    fn parses_index_and_manifest() {
        let idx = br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}"#;
        let m = FetchedManifest::parse(idx.to_vec(), "", dig(idx), "t").unwrap();
        assert!(matches!(m.manifest, Manifest::Index(_)));
        let man = br#"{"schemaVersion":2,"config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855","size":0},"layers":[]}"#;
        let m = FetchedManifest::parse(man.to_vec(), media::OCI_MANIFEST, dig(man), "t").unwrap();
        assert!(matches!(m.manifest, Manifest::Image(_)));
        assert_eq!(m.descriptor.media_type, media::OCI_MANIFEST);
    }

    #[test]
    fn rejects_wrong_media_types() {
        let idx = br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}"#;
        let err =
            FetchedManifest::parse(idx.to_vec(), media::OCI_MANIFEST, dig(idx), "t").unwrap_err();
        assert!(matches!(err, RegistryError::MediaType { .. }), "{err}");
        let err = FetchedManifest::parse(b"{}".to_vec(), "text/html", dig(b"{}"), "t").unwrap_err();
        assert!(err.to_string().contains("text/html"), "{err}");
        let err = FetchedManifest::parse(b"{\n x".to_vec(), "", dig(b"{"), "t").unwrap_err();
        assert!(err.to_string().starts_with("t:2:"), "{err}");
    }

    #[test]
    fn platform_display() {
        let p = Platform {
            architecture: "arm".into(),
            os: "linux".into(),
            variant: Some("v7".into()),
            os_version: None,
        };
        assert_eq!(p.to_string(), "linux/arm/v7");
    }
}
