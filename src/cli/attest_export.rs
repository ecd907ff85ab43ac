//! `stagetrail attest-export IMAGE --key cosign.key`: signs the BuildKit attestations of an image with
//! a cosign key and pushes them as cosign attestations (`sha256-<digest>.att` of each platform manifest
//! and of the index; with `--referrers` also as OCI 1.1 referrers), so that
//! `cosign verify-attestation --key cosign.pub --type slsaprovenance|spdxjson|cyclonedx` and Kyverno
//! see them. The key password comes from `COSIGN_PASSWORD` (empty when unset).
//! Exit codes: 0 success, 2 error.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args;

use stagetrail_oci::signing::export::{export_with, ExportOptions};
use stagetrail_oci::signing::keys::read_signing_key;
use stagetrail_oci::Limits;

use super::image_args::RegistryArgs;

/// Arguments of `stagetrail attest-export`.
#[derive(Args, Debug)]
pub struct AttestExportArgs {
    /// Image reference (tag or digest).
    pub image: String,
    /// The cosign private key (`cosign generate-key-pair`'s cosign.key, or a PKCS#8 PEM EC key).
    #[arg(long, value_name = "FILE")]
    pub key: PathBuf,
    #[command(flatten)]
    pub registry: RegistryArgs,
    /// Also push each signed statement as an OCI 1.1 referrer of its subject (through the
    /// `sha256-<digest>` tag-schema fallback index when the registry has no referrers API).
    #[arg(long)]
    pub referrers: bool,
}

/// Runs the command; returns the exit code.
pub fn run(args: AttestExportArgs) -> i32 {
    match attest_export(&args) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("error: {e:#}");
            2
        }
    }
}

fn attest_export(args: &AttestExportArgs) -> anyhow::Result<()> {
    let password = std::env::var("COSIGN_PASSWORD").unwrap_or_default();
    let key = read_signing_key(&args.key, password.as_bytes())?;
    let image = args.registry.image(&args.image, Limits::default())?;
    let options = ExportOptions {
        referrers: args.referrers,
        ..ExportOptions::default()
    };
    let report = super::block_on(export_with(&image, &key, &options))?
        .with_context(|| format!("{}: exporting the attestations", args.image))?;
    if report.statements.is_empty() {
        anyhow::bail!(
            "{}: no BuildKit attestations to export (build with --provenance / --sbom and --push)",
            args.image
        );
    }
    let repository = image.reference.name();
    for s in &report.statements {
        println!(
            "{repository}@{} {} {} {}",
            s.subject,
            s.predicate_type,
            s.layer,
            if s.added { "added" } else { "already present" }
        );
    }
    for (tag, digest) in &report.pushed {
        eprintln!("attest-export: pushed {repository}:{tag} ({digest})");
    }
    Ok(())
}
