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

/// Columns are padded to the longest cell, but to no more than this many characters: a longer
/// cell (a 100 KB dpkg field, say) is printed whole and pushes its own line out instead of
/// padding every line of the table to its length.
const MAX_COLUMN_WIDTH: usize = 100;

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
            *w = (*w).max(cell.chars().count().min(MAX_COLUMN_WIDTH));
        }
    }
    let mut s = String::new();
    for r in std::iter::once(&header).chain(&rows) {
        // Padding by hand: `{:w$}` panics on widths over 65,535.
        let mut line = String::new();
        for (i, cell) in r.iter().enumerate() {
            line.push_str(cell);
            if i + 1 < r.len() {
                let pad = widths[i].saturating_sub(cell.chars().count());
                line.extend(std::iter::repeat_n(' ', pad + 2));
            }
        }
        s.push_str(line.trim_end());
        s.push('\n');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use stagetrail_sbom::catalog::{Package, PackageKind};

    #[test]
    fn table_takes_fields_longer_than_the_format_width_limit() {
        let long = "n".repeat(70_000);
        let mut c = Catalog::default();
        for name in [long.as_str(), "short"] {
            c.packages.push(Package::new(
                PackageKind::Deb,
                name,
                "1.0",
                format!("pkg:deb/{name}"),
                "var/lib/dpkg/status",
                "dpkg-db-cataloger",
            ));
        }
        let out = table(&c);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[1].starts_with(&long));
        // The long cell does not widen the column for everyone else.
        assert!(lines[2].len() < 200, "{}", lines[2]);
        assert!(lines[2].starts_with("short  "));
    }
}
