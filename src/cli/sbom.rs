//! `stagetrail sbom <dir>`: catalog a local root filesystem and print an SBOM or a table.

use stagetrail_sbom::catalog::{self, fs::LocalFs, Catalog};
use stagetrail_sbom::document::{source_date_epoch, SbomBuilder, Subject};
use std::io::Write;
use std::path::PathBuf;

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// CycloneDX 1.6 JSON.
    Cyclonedx,
    /// SPDX 2.3 JSON.
    Spdx,
    /// A human-readable table.
    Table,
}

/// Arguments of `stagetrail sbom`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Root directory to catalog (symlinks resolve inside it).
    pub dir: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value = "cyclonedx")]
    pub format: Format,
    /// Subject name written into the document (default: the directory's name).
    #[arg(long)]
    pub name: Option<String>,
}

/// Runs the command: the document on stdout, warnings on stderr; exit 1 when `dir` is not a
/// directory.
pub fn run(args: &Args) -> i32 {
    if !args.dir.is_dir() {
        eprintln!("stagetrail sbom: {}: not a directory", args.dir.display());
        return 1;
    }
    let catalog = catalog::scan(&LocalFs::new(&args.dir));
    for w in &catalog.warnings {
        eprintln!("warning: {w}");
    }
    let name = args.name.clone().unwrap_or_else(|| {
        args.dir
            .canonicalize()
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "rootfs".into())
    });
    let out = match args.format {
        Format::Table => table(&catalog),
        Format::Cyclonedx | Format::Spdx => {
            let mut b = SbomBuilder::new(
                Subject {
                    name,
                    ..Subject::default()
                },
                &catalog,
            );
            b.created(source_date_epoch());
            let doc = if args.format == Format::Spdx {
                b.spdx()
            } else {
                b.cyclonedx()
            };
            let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
            s.push('\n');
            s
        }
    };
    match std::io::stdout().write_all(out.as_bytes()) {
        Ok(()) => 0,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => 0,
        Err(e) => {
            eprintln!("stagetrail sbom: writing output: {e}");
            1
        }
    }
}

/// `NAME  VERSION  TYPE  LICENSE` columns, aligned, one package a line.
fn table(c: &Catalog) -> String {
    let rows: Vec<[String; 4]> = c
        .packages
        .iter()
        .map(|p| {
            [
                p.name.clone(),
                p.version.clone(),
                p.kind.as_str().to_string(),
                p.license
                    .as_ref()
                    .map(|l| l.expression.clone())
                    .unwrap_or_default(),
            ]
        })
        .collect();
    let header = ["NAME", "VERSION", "TYPE", "LICENSE"].map(String::from);
    let mut widths = [0usize; 4];
    for r in std::iter::once(&header).chain(&rows) {
        for (w, cell) in widths.iter_mut().zip(r) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut s = String::new();
    for r in std::iter::once(&header).chain(&rows) {
        let line = format!(
            "{:w0$}  {:w1$}  {:w2$}  {}",
            r[0],
            r[1],
            r[2],
            r[3],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2]
        );
        s.push_str(line.trim_end());
        s.push('\n');
    }
    s
}
