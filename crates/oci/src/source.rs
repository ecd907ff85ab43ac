//! The [`ImageSource`] trait: one image, read from a registry, an OCI layout folder or an OCI tar file.

use std::future::Future;

use super::digest::Digest;
use super::error::Result;
use super::manifest::{Descriptor, FetchedManifest};

/// Size limits applied to everything read from any source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest manifest or index accepted (default 4 MiB, as registries enforce).
    pub manifest: u64,
    /// Largest blob accepted (default 64 MiB).
    pub blob: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            manifest: 4 << 20,
            blob: 64 << 20,
        }
    }
}

/// Read access to one image and the artifacts stored beside it (cosign tags, referrers).
///
/// Every method verifies what it returns: digests match, sizes are within [`Limits`], manifests have
/// a manifest media type. Implemented by [`super::RegistryImage`], [`super::OciLayout`] and
/// [`super::OciTar`].
pub trait ImageSource: Sync {
    /// A human-readable name of the image and where it is read from (for messages and output).
    fn name(&self) -> String;

    /// The image's top manifest (index or image manifest), as named by the source's reference.
    fn root(&self) -> impl Future<Output = Result<FetchedManifest>> + Send;

    /// A manifest or index by descriptor (its media type must be a manifest media type).
    fn manifest(
        &self,
        descriptor: &Descriptor,
    ) -> impl Future<Output = Result<FetchedManifest>> + Send;

    /// A blob by descriptor, read with a cap of [`Limits::blob`] and the descriptor's size.
    fn blob(&self, descriptor: &Descriptor) -> impl Future<Output = Result<Vec<u8>>> + Send;

    /// The manifest at `tag` in the same repository, `None` when there is no such tag.
    fn tagged(&self, tag: &str) -> impl Future<Output = Result<Option<FetchedManifest>>> + Send;

    /// The OCI 1.1 referrers of `subject`; `None` when the source has no referrers API (then the
    /// tag-schema fallback `sha256-<hex>` applies).
    fn referrers(
        &self,
        subject: &Digest,
    ) -> impl Future<Output = Result<Option<Vec<Descriptor>>>> + Send;
}

/// One image from whichever source the user named: a registry, an OCI layout folder or an OCI
/// layout tar (what `--layout` / `--oci-tar` choose on the command line).
pub enum AnyImage {
    /// An image in a registry.
    Registry(super::RegistryImage),
    /// An image in an OCI layout folder.
    Layout(super::OciLayout),
    /// An image in an OCI layout tar file.
    Tar(super::OciTar),
}

/// Runs `$body` with `$image` bound to whichever source `$any` holds.
macro_rules! with_source {
    ($any:expr, $image:ident => $body:expr) => {
        match $any {
            AnyImage::Registry($image) => $body,
            AnyImage::Layout($image) => $body,
            AnyImage::Tar($image) => $body,
        }
    };
}

impl ImageSource for AnyImage {
    fn name(&self) -> String {
        with_source!(self, i => i.name())
    }

    async fn root(&self) -> Result<FetchedManifest> {
        with_source!(self, i => i.root().await)
    }

    async fn manifest(&self, descriptor: &Descriptor) -> Result<FetchedManifest> {
        with_source!(self, i => i.manifest(descriptor).await)
    }

    async fn blob(&self, descriptor: &Descriptor) -> Result<Vec<u8>> {
        with_source!(self, i => i.blob(descriptor).await)
    }

    async fn tagged(&self, tag: &str) -> Result<Option<FetchedManifest>> {
        with_source!(self, i => i.tagged(tag).await)
    }

    async fn referrers(&self, subject: &Digest) -> Result<Option<Vec<Descriptor>>> {
        with_source!(self, i => i.referrers(subject).await)
    }
}
