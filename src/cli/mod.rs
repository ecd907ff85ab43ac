//! Command-line interface: one file per command.

mod attest_export;
mod audit;
mod convert;
mod frontend;
mod image_args;
mod inspect;
mod sbom;
mod scan;
mod scan_vuln;
mod verify;
mod verify_with;
mod vuln;

use anyhow::Context as _;
use clap::{Parser, Subcommand};

/// A BuildKit Dockerfile frontend that attests every stage.
#[derive(Parser, Debug)]
#[command(name = "stagetrail", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Commands,
}

#[derive(Subcommand, Debug)]
enum Commands {
    /// Convert a Dockerfile to LLB (as BuildKit's built-in frontend would).
    Convert(convert::ConvertArgs),
    /// Run as a BuildKit gateway frontend (the image's entrypoint; gRPC on stdin/stdout).
    Frontend,
    /// Catalog the packages of a root filesystem directory and print an SBOM.
    Sbom(sbom::Args),
    /// Catalog stage filesystems for the frontend's SBOM exec, or as a BuildKit SBOM generator.
    Scan(scan::Args),
    /// List an image's platforms and attestations (like `cosign tree`), or print its statements.
    Inspect(inspect::InspectArgs),
    /// Check an image's attestations against a policy (exit 0 pass, 1 fail, 2 error).
    Verify(verify::VerifyArgs),
    /// Attestation coverage of many images (signature, SBOMs, provenance, stages, policy).
    Audit(audit::AuditArgs),
    /// Sign an image's BuildKit attestations with a cosign key and push them as cosign attestations.
    AttestExport(attest_export::AttestExportArgs),
    /// Per-stage vulnerability reports from the image's SBOMs and an offline OSV database.
    Vuln(vuln::VulnArgs),
}

/// Runs the CLI and returns the process exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    match cli.command {
        Commands::Convert(args) => convert::run(&args),
        Commands::Frontend => match scan::ProtocolEnv::from_env() {
            Some(_) => scan::run(&scan::Args::default()),
            None => frontend::main(),
        },
        Commands::Scan(args) => scan::run(&args),
        Commands::Sbom(args) => sbom::run(&args),
        Commands::Inspect(args) => inspect::run(args),
        Commands::Verify(args) => verify::run(args),
        Commands::Audit(args) => audit::run(args),
        Commands::AttestExport(args) => attest_export::run(args),
        Commands::Vuln(args) => vuln::run(args),
    }
}

/// Runs `fut` to completion on a current-thread tokio runtime.
fn block_on<F: std::future::Future>(fut: F) -> anyhow::Result<F::Output> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    Ok(runtime.block_on(fut))
}

/// Runs a command's future and turns its outcome into an exit code: its own code,
/// or 2 after printing the error.
fn exit_code<E>(fut: impl std::future::Future<Output = Result<i32, E>>) -> i32
where
    E: std::error::Error + Send + Sync + 'static,
{
    match block_on(fut).and_then(|r| r.map_err(anyhow::Error::from)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            2
        }
    }
}
