//! Command-line interface.

mod sbom;

use clap::{Parser, Subcommand};

/// stagetrail: a BuildKit Dockerfile frontend that attests every stage.
#[derive(Debug, Parser)]
#[command(name = "stagetrail", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Catalog the packages of a root filesystem directory and print an SBOM.
    Sbom(sbom::Args),
}

/// Runs the CLI and returns the process exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { 2 } else { 0 };
        }
    };
    match cli.command {
        Command::Sbom(args) => sbom::run(&args),
    }
}
