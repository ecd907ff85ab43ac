//! Where the image-reading commands (`inspect`, `verify`, `audit`, `attest-export`) find images:
//! the command-line flags, flattened into each command, and the one place that opens them.

use std::path::PathBuf;

use clap::Args;

use stagetrail_oci::{
    AnyImage, ClientConfig, Limits, OciLayout, OciTar, Reference, RegistryClient, RegistryError,
    RegistryImage,
};

/// How registries are spoken to.
#[derive(Args, Debug)]
pub struct RegistryArgs {
    /// Use plain HTTP for the registry even when it is not on loopback.
    #[arg(long)]
    pub insecure: bool,
}

impl RegistryArgs {
    /// A registry client with credentials from the Docker config and these flags.
    pub fn client(&self, limits: Limits) -> Result<RegistryClient, RegistryError> {
        RegistryClient::new(ClientConfig {
            insecure: self.insecure,
            limits,
            ..ClientConfig::from_environment()?
        })
    }

    /// The image `reference` in its registry.
    pub fn image(&self, reference: &str, limits: Limits) -> Result<RegistryImage, RegistryError> {
        Ok(RegistryImage::new(
            self.client(limits)?,
            Reference::parse(reference)?,
        ))
    }
}

/// One image: a reference in a registry, or an image inside an OCI layout folder or tar.
#[derive(Args, Debug)]
pub struct ImageArgs {
    /// Image reference (`alpine`, `host:5000/ns/app:1`, `…@sha256:…`); with --layout or --oci-tar, the
    /// name or digest of an image inside (optional when it holds one).
    #[arg(required_unless_present_any = ["layout", "oci_tar"])]
    pub image: Option<String>,
    #[command(flatten)]
    pub registry: RegistryArgs,
    /// Read an OCI image layout folder instead of a registry.
    #[arg(long, value_name = "DIR", conflicts_with = "oci_tar")]
    pub layout: Option<PathBuf>,
    /// Read an OCI image layout tar file instead of a registry.
    #[arg(long, value_name = "FILE")]
    pub oci_tar: Option<PathBuf>,
}

impl ImageArgs {
    /// Opens the image the flags name.
    pub fn open(&self, limits: Limits) -> Result<AnyImage, RegistryError> {
        let name = self.image.as_deref();
        if let Some(dir) = &self.layout {
            return Ok(AnyImage::Layout(OciLayout::open_dir(dir, name, limits)?));
        }
        if let Some(file) = &self.oci_tar {
            return Ok(AnyImage::Tar(OciTar::open_tar(file, name, limits)?));
        }
        let image = self.registry.image(name.unwrap_or_default(), limits)?;
        Ok(AnyImage::Registry(image))
    }
}
