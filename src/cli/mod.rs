//! Command-line interface.

mod inspect;

use clap::{Parser, Subcommand};

/// stagetrail: a BuildKit Dockerfile frontend that attests every stage, and the tools to check it.
#[derive(Parser)]
#[command(name = "stagetrail", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List an image's platforms and attestations (like `cosign tree`), or print its statements.
    Inspect(inspect::InspectArgs),
}

/// Runs the CLI and returns the process exit code (0 success, 2 error).
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { 2 } else { 0 };
        }
    };
    match cli.command {
        Command::Inspect(args) => inspect::run(args),
    }
}
