//! Image and attestation access: an OCI distribution client ([`RegistryClient`], [`RegistryImage`]),
//! OCI layout folders and tar files ([`OciLayout`], [`OciTar`]), all behind [`ImageSource`], and
//! attestation discovery ([`attestations::discover`]).
//!
//! Everything read is size-capped ([`Limits`]) and digest-verified; manifests are media-type checked.
//!
//! # Building on it (verify, audit, attest-export)
//!
//! - Open an image: `RegistryImage::new(RegistryClient::new(ClientConfig::from_environment()?)?,
//!   Reference::parse(text)?)`, or [`OciLayout::open_dir`] / [`OciTar::open_tar`]. A [`RegistryClient`] is
//!   cheap to clone and shares connections and tokens: make one per run, not per image.
//! - [`attestations::discover`] returns [`attestations::ImageAttestations`]: the top digest, the
//!   attestations on the index itself (cosign on the index digest, its referrers), and per platform the
//!   image manifest and its attestations. Each [`attestations::Attestation`] has kind, predicate type,
//!   stage, layer descriptor, the manifest holding it, `attached_to` (the digest it hangs off), `signed`
//!   (a signature is present; not verified) and the statement's subjects. Content problems (too large,
//!   tampered, unparsable) land in `Attestation::error` rather than failing the whole discovery.
//! - [`attestations::Attestation::load`] gives the raw bytes, the DSSE envelope
//!   ([`attestations::dsse::Envelope`], with [`attestations::dsse::Envelope::pae`] for signature checks)
//!   and the in-toto [`attestations::statement::Statement`]. Set `DiscoverOptions::keep_content` to
//!   keep them from the discovery pass instead of fetching again.
//! - Writing (attest-export): [`RegistryClient::push_blob`] and [`RegistryClient::push_manifest`] (token
//!   scope `pull,push`); cosign's layout is a manifest tagged `sha256-<hex>.att` ([`Digest::tag_form`])
//!   whose layers are DSSE envelopes ([`media::DSSE`]) annotated with [`media::COSIGN_PREDICATE_TYPE`].
//! - Errors are [`RegistryError`]: each names its URL or path; [`RegistryError::is_not_found`] tells a
//!   missing tag or manifest apart.

pub mod attestations;
pub mod civil_time;
mod client;
pub mod credentials;
pub mod digest;
pub mod error;
pub mod local;
pub mod manifest;
pub mod media;
pub mod platform;
pub mod reference;
pub mod signing;
pub mod source;
mod tar;

pub use self::client::{ClientConfig, RegistryClient, RegistryImage, RetryPolicy, WarnFn};
pub use self::credentials::DockerCredentials;
pub use self::digest::Digest;
pub use self::error::{RegistryError, Result};
pub use self::local::{LocalImage, OciLayout, OciTar};
pub use self::manifest::{Descriptor, FetchedManifest, ImageIndex, ImageManifest, Manifest};
pub use self::platform::{Platform, PlatformError};
pub use self::reference::Reference;
pub use self::source::{AnyImage, ImageSource, Limits};
pub use self::tar::starts_with_header as starts_with_tar_header;
