//! Attestation discovery: for an image, its platforms and, for each, the attestations attached to it
//! by BuildKit (attestation manifests in the index), by cosign (`sha256-<hex>.att` / `.sig` tags) and
//! through the OCI 1.1 referrers API (or its `sha256-<hex>` tag fallback).
//!
//! ```no_run
//! # async fn f() -> stagetrail_oci::Result<()> {
//! use stagetrail_oci::{attestations, ClientConfig, Reference, RegistryClient, RegistryImage};
//! let client = RegistryClient::new(ClientConfig::from_environment()?)?;
//! let image = RegistryImage::new(client, Reference::parse("127.0.0.1:5000/app:1")?);
//! let found = attestations::discover(&image, &attestations::DiscoverOptions::default()).await?;
//! for att in found.all() {
//!     let content = att.load(&image).await?; // raw bytes, DSSE envelope, statement
//!     println!("{} {:?} {}", att.kind, att.predicate_type, content.raw.len());
//! }
//! # Ok(()) }
//! ```

mod content;
mod discover;
pub mod dsse;
pub mod stage;
pub mod statement;

use std::fmt;

use serde::Serialize;

pub use self::content::Content;
pub use self::discover::discover;
use self::statement::Subject;
use super::digest::Digest;
use super::error::Result;
use super::manifest::Descriptor;
use super::source::ImageSource;
use crate::Platform;

/// Where an attestation was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AttestationKind {
    /// A layer of a BuildKit attestation manifest in the image index.
    Buildkit,
    /// A DSSE layer of a cosign `sha256-<hex>.att` tag.
    CosignAtt,
    /// A signature layer of a cosign `sha256-<hex>.sig` tag.
    CosignSig,
    /// A layer of an OCI 1.1 referrer (referrers API or its tag fallback).
    Referrer,
}

impl fmt::Display for AttestationKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AttestationKind::Buildkit => "buildkit",
            AttestationKind::CosignAtt => "cosign-att",
            AttestationKind::CosignSig => "cosign-sig",
            AttestationKind::Referrer => "referrer",
        })
    }
}

/// One attestation (or signature) attached to an image manifest or index.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Attestation {
    /// Where it was found.
    pub kind: AttestationKind,
    /// The in-toto predicate type (from annotations, else from the statement); `None` for signatures.
    pub predicate_type: Option<String>,
    /// The Dockerfile stage the document names (see [`stage`]).
    pub stage: Option<String>,
    /// Media type of the layer holding it.
    pub media_type: String,
    /// Size of that layer.
    pub size: u64,
    /// Digest of that layer.
    pub digest: Digest,
    /// Digest of the manifest holding the layer (attestation manifest, `.att`/`.sig` manifest, referrer).
    pub manifest: Digest,
    /// Digest of the image manifest or index it is attached to.
    pub attached_to: Digest,
    /// True when it carries a signature (DSSE signature, cosign signature annotation, Sigstore bundle).
    /// Not verified here.
    pub signed: bool,
    /// The statement's subjects, when the content was read.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub subjects: Vec<Subject>,
    /// Why the content could not be read or does not agree with its annotations.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The layer's descriptor (to fetch the raw bytes).
    #[serde(skip)]
    pub descriptor: Descriptor,
    /// The content, kept when [`DiscoverOptions::keep_content`] is set.
    #[serde(skip)]
    pub content: Option<Content>,
}

impl Attestation {
    /// Its content: raw bytes, DSSE envelope and statement (fetched and verified unless kept).
    pub async fn load<S: ImageSource>(&self, source: &S) -> Result<Content> {
        if let Some(c) = &self.content {
            return Ok(c.clone());
        }
        let raw = source.blob(&self.descriptor).await?;
        Content::parse(
            raw,
            &self.descriptor,
            &format!("{} {}", source.name(), self.digest),
        )
    }
}

/// One platform's image manifest and its attestations.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlatformImage {
    /// `os/arch[/variant]`, `None` when neither the index nor the config says.
    pub platform: Option<Platform>,
    /// The image manifest.
    pub manifest: Descriptor,
    /// Its attestations, sorted by kind, predicate type, stage, digest.
    pub attestations: Vec<Attestation>,
}

impl PlatformImage {
    /// The platform as `os/arch[/variant]`, or `unknown`.
    pub fn platform_name(&self) -> String {
        self.platform
            .as_ref()
            .map_or_else(|| "unknown".to_string(), Platform::to_string)
    }
}

/// Everything found for one image.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageAttestations {
    /// The image as the source names it.
    pub image: String,
    /// Digest of the top manifest (index or image manifest).
    pub digest: Digest,
    /// Media type of the top manifest.
    pub media_type: String,
    /// Attestations attached to the index itself (cosign on the index digest, its referrers).
    pub attestations: Vec<Attestation>,
    /// The platforms, sorted by platform then digest.
    pub platforms: Vec<PlatformImage>,
}

impl ImageAttestations {
    /// Every attestation: the index's first, then each platform's.
    pub fn all(&self) -> impl Iterator<Item = &Attestation> {
        self.attestations
            .iter()
            .chain(self.platforms.iter().flat_map(|p| p.attestations.iter()))
    }

    /// How many attestations have an [`Attestation::error`].
    pub fn error_count(&self) -> usize {
        self.all().filter(|a| a.error.is_some()).count()
    }
}

/// What [`discover`] looks at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiscoverOptions {
    /// Read each attestation's content (for predicate type, stage, subjects, signed); else annotations only.
    pub read_content: bool,
    /// Keep the content in [`Attestation::content`] (memory grows with the documents).
    pub keep_content: bool,
    /// Look for cosign `.att` / `.sig` tags.
    pub cosign: bool,
    /// Look for OCI 1.1 referrers.
    pub referrers: bool,
}

impl Default for DiscoverOptions {
    /// Everything, reading content but not keeping it.
    fn default() -> Self {
        DiscoverOptions {
            read_content: true,
            keep_content: false,
            cosign: true,
            referrers: true,
        }
    }
}
