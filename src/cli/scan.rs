//! `stagetrail scan`: the scanner side of per-stage SBOMs. Two ways in:
//!
//! - `--plan FILE --src DIR --out DIR [--out-cyclonedx DIR]`: the frontend's exec reader; each
//!   plan key is a directory under `--src`; writes one SPDX and one CycloneDX in-toto statement
//!   per document (`<stem>.spdx.json`, `<stem>.cdx.json`), lineage included; with
//!   `--vulndb DIR --out-vuln DIR` also a cosign vuln/v1 statement per stage ([`super::scan_vuln`]).
//! - no `--plan`: BuildKit's SBOM scanner protocol (`docs/attestations/sbom-protocol.md`):
//!   `BUILDKIT_SCAN_SOURCE` (the image, named by its basename), every directory in
//!   `BUILDKIT_SCAN_SOURCE_EXTRAS`, SPDX statements to `BUILDKIT_SCAN_DESTINATION/<name>.spdx.json`.

use anyhow::Context as _;
use std::path::{Path, PathBuf};

use stagetrail_oci::attestations::statement::{CYCLONEDX, SPDX};
use stagetrail_sbom::catalog::{self, fs::LocalFs};
use stagetrail_sbom::document::{source_date_epoch, SbomBuilder, Subject};
use stagetrail_sbom::stages::{self, statement, ScanPlan, StageDocuments};

/// Arguments of `stagetrail scan`.
#[derive(Debug, Default, clap::Args)]
pub struct Args {
    /// The scan plan (JSON) written by the frontend.
    #[arg(long)]
    pub plan: Option<PathBuf>,
    /// Directory holding one filesystem per plan key.
    #[arg(long, default_value = "/run/src")]
    pub src: PathBuf,
    /// Directory holding, per key of the plan's `diffs`, that stage's changes over its parent
    /// (cataloged incrementally from the parent's scan).
    #[arg(long)]
    pub diffs: Option<PathBuf>,
    /// Where SPDX statements go.
    #[arg(long, default_value = "/run/out")]
    pub out: PathBuf,
    /// Where CycloneDX statements go (default: `--out`).
    #[arg(long)]
    pub out_cyclonedx: Option<PathBuf>,
    /// An offline OSV database (the build's `stagetrail-vulndb` context) to scan each stage with.
    #[arg(long, value_name = "DIR", requires = "out_vuln")]
    pub vulndb: Option<PathBuf>,
    /// Where the vulnerability statements go.
    #[arg(long, value_name = "DIR", requires = "vulndb")]
    pub out_vuln: Option<PathBuf>,
}

/// The environment of BuildKit's scanner protocol.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProtocolEnv {
    /// `BUILDKIT_SCAN_SOURCE`.
    pub source: Option<PathBuf>,
    /// `BUILDKIT_SCAN_SOURCE_EXTRAS`.
    pub extras: Option<PathBuf>,
    /// `BUILDKIT_SCAN_DESTINATION`.
    pub destination: PathBuf,
}

impl ProtocolEnv {
    /// Read from the process environment; `None` unless `BUILDKIT_SCAN_DESTINATION` is set.
    pub fn from_env() -> Option<ProtocolEnv> {
        let var = |k: &str| {
            std::env::var_os(k)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        Some(ProtocolEnv {
            destination: var("BUILDKIT_SCAN_DESTINATION")?,
            source: var("BUILDKIT_SCAN_SOURCE"),
            extras: var("BUILDKIT_SCAN_SOURCE_EXTRAS"),
        })
    }
}

/// Runs the command; exit code 0, or 1 with a message on stderr.
pub fn run(args: &Args) -> i32 {
    let outcome = match &args.plan {
        Some(plan) => run_plan(plan, args),
        None => match ProtocolEnv::from_env() {
            Some(env) => run_protocol(&env),
            None => Err(anyhow::anyhow!("give --plan FILE, or set BUILDKIT_SCAN_DESTINATION (BuildKit's SBOM scanner protocol)")),
        },
    };
    match outcome {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("stagetrail scan: {e:#}");
            1
        }
    }
}

fn run_plan(plan_path: &Path, args: &Args) -> anyhow::Result<()> {
    let text = std::fs::read(plan_path)
        .with_context(|| format!("{}: cannot read the plan", plan_path.display()))?;
    let plan: ScanPlan = serde_json::from_slice(&text).map_err(|e| {
        anyhow::anyhow!(
            "{}:{}:{}: invalid plan: {e}",
            plan_path.display(),
            e.line(),
            e.column()
        )
    })?;
    let started = std::time::Instant::now();
    let mut scanned = |scan: stages::Scan<'_>, cat: &catalog::Catalog| {
        let from = scan
            .from
            .map(|p| format!(" from {p} and its changes"))
            .unwrap_or_default();
        eprintln!(
            "stagetrail scan: {}: {} packages{from} in {} ms",
            scan.key,
            cat.packages.len(),
            scan.took.as_millis()
        );
    };
    let docs = stages::generate_local(&plan, &args.src, args.diffs.as_deref(), &mut scanned);
    warn(&docs);
    let cdx_dir = args
        .out_cyclonedx
        .clone()
        .unwrap_or_else(|| args.out.clone());
    for d in &docs {
        write(&args.out, &format!("{}.spdx.json", d.stem), SPDX, &d.spdx)?;
        write(
            &cdx_dir,
            &format!("{}.cdx.json", d.stem),
            CYCLONEDX,
            &d.cyclonedx,
        )?;
    }
    if let (Some(db), Some(out)) = (&args.vulndb, &args.out_vuln) {
        super::scan_vuln::write_statements(&plan, &docs, db, out)?;
    }
    eprintln!(
        "stagetrail scan: {} documents for {} in {} ms, peak RSS {}",
        docs.len() * 2,
        plan.platform,
        started.elapsed().as_millis(),
        peak_rss()
    );
    Ok(())
}

/// This process's peak resident set size (`VmHWM` of `/proc/self/status`), as written there.
fn peak_rss() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .map(|v| v.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into())
}

/// The scanner protocol: the core source and every extra, SPDX only.
pub fn run_protocol(env: &ProtocolEnv) -> anyhow::Result<()> {
    let mut targets: Vec<(String, PathBuf)> = Vec::new();
    if let Some(src) = &env.source {
        let name = src
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "sbom".into());
        targets.push((name, src.clone()));
    }
    if let Some(dir) = env.extras.as_ref().filter(|d| d.is_dir()) {
        let entries = std::fs::read_dir(dir).with_context(|| format!("{}", dir.display()))?;
        let mut extras: Vec<(String, PathBuf)> = entries
            .filter_map(Result::ok)
            .filter(|e| e.path().is_dir())
            .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
            .collect();
        extras.sort();
        targets.extend(extras);
    }
    for (name, dir) in targets {
        let cat = catalog::scan(&LocalFs::new(&dir));
        for w in cat.warnings.iter().take(5) {
            eprintln!("warning: {name}: {w}");
        }
        let stage = name.strip_prefix("sbom-").map(str::to_string);
        let mut b = SbomBuilder::new(
            Subject {
                name: name.clone(),
                stage,
                platform: None,
            },
            &cat,
        );
        b.created(source_date_epoch());
        write(
            &env.destination,
            &format!("{name}.spdx.json"),
            SPDX,
            &b.spdx(),
        )?;
    }
    Ok(())
}

fn warn(docs: &[StageDocuments]) {
    for d in docs {
        for w in d.warnings.iter().take(5) {
            eprintln!("warning: {}: {w}", d.stem);
        }
    }
}

fn write(
    dir: &Path,
    name: &str,
    predicate_type: &str,
    doc: &serde_json::Value,
) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("{}", dir.display()))?;
    let path = dir.join(name);
    let bytes = serde_json::to_vec(&statement(predicate_type, doc))
        .with_context(|| format!("{}: cannot encode", path.display()))?;
    std::fs::write(&path, bytes).with_context(|| format!("{}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocol_scans_core_and_extras() {
        let t = tempfile::tempdir().unwrap();
        let core = t.path().join("src/core/sbom");
        let extra = t.path().join("src/extras/sbom-build");
        for d in [&core, &extra] {
            std::fs::create_dir_all(d.join("app")).unwrap();
        }
        std::fs::write(
            extra.join("app/Cargo.lock"),
            "version = 3\n\n[[package]]\nname = \"x\"\nversion = \"1.0.0\"\n",
        )
        .unwrap();
        let env = ProtocolEnv {
            source: Some(core),
            extras: Some(t.path().join("src/extras")),
            destination: t.path().join("out"),
        };
        run_protocol(&env).unwrap();
        let mut names: Vec<_> = std::fs::read_dir(t.path().join("out"))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(names, ["sbom-build.spdx.json", "sbom.spdx.json"]);
        let st: serde_json::Value = serde_json::from_slice(
            &std::fs::read(t.path().join("out/sbom-build.spdx.json")).unwrap(),
        )
        .unwrap();
        assert_eq!(st["predicateType"], SPDX);
        assert!(st["predicate"]["packages"]
            .to_string()
            .contains("pkg:cargo/x@1.0.0"));
    }
}
