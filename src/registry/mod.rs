//! Image and attestation access: an OCI distribution client ([`RegistryClient`], [`RegistryImage`]),
//! OCI layout folders and tar files ([`OciLayout`], [`OciTar`]), all behind [`ImageSource`], and
//! attestation discovery ([`attestations::discover`]).
//!
//! Everything read is size-capped ([`Limits`]) and digest-verified; manifests are media-type checked.

pub mod attestations;
mod client;
pub mod credentials;
pub mod digest;
pub mod error;
pub mod local;
pub mod manifest;
pub mod media;
pub mod reference;
pub mod source;
mod tar;

pub use self::client::{ClientConfig, RegistryClient, RegistryImage, RetryPolicy, WarnFn};
pub use self::credentials::DockerCredentials;
pub use self::digest::Digest;
pub use self::error::{RegistryError, Result};
pub use self::local::{LocalImage, OciLayout, OciTar};
pub use self::manifest::{
    Descriptor, FetchedManifest, ImageIndex, ImageManifest, Manifest, Platform,
};
pub use self::reference::Reference;
pub use self::source::{ImageSource, Limits};
