//! `stagetrail scan`: the scanner side of per-stage SBOMs. Three ways in:
//!
//! - `--catalog-out DIR --src DIR [--parent DIR --diff DIR]`: the frontend's exec reader runs one
//!   per filesystem; writes its catalog (and what a child's incremental scan needs) to
//!   `DIR/catalog.json`; with `--parent` (a parent's `--catalog-out` directory) and `--diff` (the
//!   changes of `--src` over that parent), cataloged incrementally.
//! - `--plan FILE --catalogs DIR --out DIR`: renders the plan's documents from each key's catalog
//!   (`DIR/<key>/catalog.json`, or the filesystem at `DIR` cataloged here for each
//!   `--scan KEY=DIR`; with `--compose`, the final stage's composed from its parent's and its
//!   sources', [`ScanPlan::composition`]): one SPDX and one CycloneDX document per stage
//!   ([`ScanPlan::document_stems`]: `<stem>.spdx.json`, `<stem>.cdx.json`), lineage included, each
//!   the predicate of one InToto attestation the frontend returns, and their digests
//!   ([`files::SUMS_FILE`]); with `--vulndb DIR --out-vuln DIR` also a cosign vuln/v1 statement
//!   per stage ([`super::scan_vuln`]), returned as a Bundle.
//! - no `--plan`: BuildKit's SBOM scanner protocol (`docs/attestations/sbom-protocol.md`):
//!   `BUILDKIT_SCAN_SOURCE` (the image, named by its basename), every directory in
//!   `BUILDKIT_SCAN_SOURCE_EXTRAS`, SPDX statements to `BUILDKIT_SCAN_DESTINATION/<name>.spdx.json`.

use anyhow::Context as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use stagetrail_oci::attestations::statement::SPDX;
use stagetrail_oci::signing::keys::read_regular_file;
use std::collections::BTreeMap;

use stagetrail_sbom::catalog::incremental::Scanned;
use stagetrail_sbom::catalog::{self, fs::LocalFs, Catalog};
use stagetrail_sbom::document::{source_date_epoch, SbomBuilder, Subject};
use stagetrail_sbom::parallel;
use stagetrail_sbom::stages::{self, files, statement, Composition, ScanPlan, StageDocuments};

/// Arguments of `stagetrail scan`.
#[derive(Debug, Default, clap::Args)]
pub struct Args {
    /// The scan plan (JSON) written by the frontend: render its documents.
    #[arg(long, conflicts_with = "catalog_out")]
    pub plan: Option<PathBuf>,
    /// Directory holding each plan key's catalog (`<key>/catalog.json`, from `--catalog-out`).
    #[arg(long, default_value = "/run/catalogs")]
    pub catalogs: PathBuf,
    /// With `--plan`: catalog plan key KEY from the filesystem at DIR here, instead of reading
    /// its catalog from `--catalogs` (repeatable).
    #[arg(long, value_name = "KEY=DIR", requires = "plan")]
    pub scan: Vec<String>,
    /// With `--scan KEY=…` of a key in the plan's `diffs`: catalog it from its parent's catalog
    /// (in `--catalogs`) and its changes over that parent at DIR (a DiffOp), as `--parent` and
    /// `--diff` do (repeatable).
    #[arg(long, value_name = "KEY=DIR", requires = "scan")]
    pub changes: Vec<String>,
    /// With `--plan`: compose the final stage's catalog from its parent's and its sources'
    /// ([`ScanPlan::composition`]) instead of reading it; when they do not compose, write no
    /// documents but [`files::NOT_COMPOSED`], saying why.
    #[arg(long, requires = "plan")]
    pub compose: bool,
    /// Catalog the filesystem at `--src` into `DIR/catalog.json`.
    #[arg(long, value_name = "DIR")]
    pub catalog_out: Option<PathBuf>,
    /// The filesystem to catalog.
    #[arg(long, default_value = "/run/src")]
    pub src: PathBuf,
    /// A parent filesystem's `--catalog-out` directory: catalog `--src` from it and `--diff`.
    #[arg(long, value_name = "DIR", requires = "diff")]
    pub parent: Option<PathBuf>,
    /// What `--src` added or changed over `--parent` (BuildKit's DiffOp of the two, mounted).
    #[arg(long, value_name = "DIR", requires = "parent")]
    pub diff: Option<PathBuf>,
    /// The filesystem's name in log lines (its plan key).
    #[arg(long, default_value = "filesystem")]
    pub key: String,
    /// Where the documents go.
    #[arg(long, default_value = "/run/out")]
    pub out: PathBuf,
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
    let outcome = match (&args.plan, &args.catalog_out) {
        (Some(plan), _) => run_plan(plan, args),
        (None, Some(out)) => catalog_one(args, out),
        (None, None) => match ProtocolEnv::from_env() {
            Some(env) => run_protocol(&env),
            None => Err(anyhow::anyhow!("give --catalog-out DIR or --plan FILE, or set BUILDKIT_SCAN_DESTINATION (BuildKit's SBOM scanner protocol)")),
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

/// The name of a cataloged filesystem's file in its `--catalog-out` directory.
const CATALOG_FILE: &str = "catalog.json";
/// The largest catalog read back (a 2,000,000-file walk's index fits).
const MAX_CATALOG_BYTES: u64 = 1 << 30;
/// The largest plan read.
const MAX_PLAN_BYTES: u64 = 64 << 20;

/// Reads a regular file of at most `max` bytes (a FIFO or device is refused, not waited on).
fn read_input(path: &Path, max: u64) -> anyhow::Result<Vec<u8>> {
    read_regular_file(path, max).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

/// Reads a `--catalog-out` directory's catalog.
fn read_scanned(dir: &Path) -> anyhow::Result<Scanned> {
    let path = dir.join(CATALOG_FILE);
    let bytes = read_input(&path, MAX_CATALOG_BYTES)?;
    serde_json::from_slice(&bytes).map_err(|e| {
        anyhow::anyhow!(
            "{}:{}:{}: not a catalog written by `stagetrail scan --catalog-out`: {e}",
            path.display(),
            e.line(),
            e.column()
        )
    })
}

/// `--catalog-out`: one filesystem's catalog.
fn catalog_one(args: &Args, out: &Path) -> anyhow::Result<()> {
    let started = Instant::now();
    let parent = match (&args.parent, &args.diff) {
        (Some(parent), Some(diff)) => Some((read_scanned(parent)?, diff)),
        _ => None,
    };
    let incremental = parent.as_ref().map(|(p, d)| (p, d.as_path()));
    let scanned = catalog_here(&args.key, &args.src, incremental, started);
    let bytes = serde_json::to_vec(&scanned).context("cannot encode the catalog")?;
    std::fs::create_dir_all(out).with_context(|| format!("{}", out.display()))?;
    let path = out.join(CATALOG_FILE);
    std::fs::write(&path, bytes).with_context(|| format!("{}", path.display()))?;
    Ok(())
}

/// The log line of one cataloged filesystem (`scripts/bench-sbom` reads it).
fn log_cataloged(key: &str, catalog: &Catalog, from: Option<&str>, started: Instant) {
    eprintln!(
        "stagetrail scan: {key}: {} packages{}, peak RSS {}, in {} ms",
        catalog.packages.len(),
        from.unwrap_or_default(),
        peak_rss(),
        started.elapsed().as_millis()
    );
}

/// `--FLAG KEY=DIR` values as a map; every KEY must be one of `keys` (the plan's `what`).
fn key_dirs<'a>(
    flag: &str,
    values: &'a [String],
    keys: &[String],
    what: &str,
) -> anyhow::Result<BTreeMap<&'a str, &'a Path>> {
    let mut dirs = BTreeMap::new();
    for v in values {
        let (key, dir) = v
            .split_once('=')
            .filter(|(k, d)| !k.is_empty() && !d.is_empty())
            .ok_or_else(|| anyhow::anyhow!("--{flag} {v:?}: expected KEY=DIR"))?;
        if !keys.iter().any(|k| k == key) {
            anyhow::bail!("--{flag} {v:?}: {key:?} is not one of the plan's {what} {keys:?}");
        }
        dirs.insert(key, Path::new(dir));
    }
    Ok(dirs)
}

/// Catalogs `dir` for plan key `key`, from a parent's catalog and the changes over it when
/// `incremental`; logs it with the time since `started`.
fn catalog_here(
    key: &str,
    dir: &Path,
    incremental: Option<(&Scanned, &Path)>,
    started: Instant,
) -> Scanned {
    let fs = LocalFs::new(dir);
    let (scanned, from) = match incremental {
        Some((parent, changes)) => {
            let (s, incremental) = parent.child(&fs, &LocalFs::new(changes));
            (s, incremental.then_some(" from its parent and their diff"))
        }
        None => (Scanned::full(&fs), None),
    };
    log_cataloged(key, &scanned.catalog, from, started);
    scanned
}

fn run_plan(plan_path: &Path, args: &Args) -> anyhow::Result<()> {
    let text = read_input(plan_path, MAX_PLAN_BYTES)?;
    let plan: ScanPlan = serde_json::from_slice(&text).map_err(|e| {
        anyhow::anyhow!(
            "{}:{}:{}: invalid plan: {e}",
            plan_path.display(),
            e.line(),
            e.column()
        )
    })?;
    let here = key_dirs("scan", &args.scan, &plan.scanned_keys(), "scanned keys")?;
    let with_parents: Vec<String> = plan.diffs.keys().cloned().collect();
    let changes = key_dirs(
        "changes",
        &args.changes,
        &with_parents,
        "keys with a parent (diffs)",
    )?;
    if let Some(key) = changes.keys().find(|k| !here.contains_key(*k)) {
        anyhow::bail!("--changes {key}=…: give --scan {key}=DIR too");
    }
    let started = Instant::now();
    let composition = match args.compose {
        true => Some(plan.composition().ok_or_else(|| {
            anyhow::anyhow!("--compose: the plan's final stage does not compose")
        })?),
        false => None,
    };
    // Every catalog at once, read back or (`--scan`) cataloged here, then those cataloged from
    // their parent's (`--changes`); the time spent cataloging is left out of the rendering time.
    let mut keys = plan.scanned_keys();
    keys.retain(|k| composition.as_ref().is_none_or(|c| *k != c.key));
    let (later, first): (Vec<String>, Vec<String>) = keys
        .into_iter()
        .partition(|k| changes.contains_key(k.as_str()));
    let loaded = parallel::map(&first, |key| match here.get(key.as_str()) {
        Some(dir) => {
            let scan_started = Instant::now();
            let scanned = catalog_here(key, dir, None, scan_started);
            Ok((scanned, scan_started.elapsed()))
        }
        None => read_scanned(&args.catalogs.join(key)).map(|s| (s, Duration::ZERO)),
    });
    let mut scans = BTreeMap::new();
    let mut scanning = Duration::ZERO;
    for (key, result) in first.into_iter().zip(loaded) {
        let (scanned, took) = result?;
        scanning = scanning.max(took);
        scans.insert(key, scanned);
    }
    let scan_started = Instant::now();
    for key in plan.scan_order().into_iter().filter(|k| later.contains(k)) {
        let parent = &plan.diffs[&key];
        let parent = scans.get(parent).ok_or_else(|| {
            anyhow::anyhow!("--changes {key}=…: no catalog of its parent {parent}")
        })?;
        let incremental = Some((parent, changes[key.as_str()]));
        let scanned = catalog_here(&key, here[key.as_str()], incremental, Instant::now());
        scans.insert(key, scanned);
    }
    scanning += scan_started.elapsed();
    if let Some(c) = &composition {
        let composed_started = Instant::now();
        match compose(c, &scans) {
            Ok(scanned) => {
                let from = Some(" composed from its parent's and its sources' catalogs");
                log_cataloged(&c.key, &scanned.catalog, from, composed_started);
                scans.insert(c.key.clone(), scanned);
            }
            Err(why) => {
                eprintln!("stagetrail scan: {}: not composed: {why}", c.key);
                std::fs::create_dir_all(&args.out)
                    .with_context(|| format!("{}", args.out.display()))?;
                let path = args.out.join(files::NOT_COMPOSED);
                std::fs::write(&path, format!("{why}\n"))
                    .with_context(|| format!("{}", path.display()))?;
                return Ok(());
            }
        }
    }
    let catalogs = scans.into_iter().map(|(k, s)| (k, s.catalog)).collect();
    let docs = stages::render(&plan, catalogs);
    warn(&docs);
    let files = files::document_files(&docs).context("cannot encode the documents")?;
    std::fs::create_dir_all(&args.out).with_context(|| format!("{}", args.out.display()))?;
    let written = parallel::map(&files, |f| {
        let path = args.out.join(&f.name);
        std::fs::write(&path, &f.data).with_context(|| format!("{}", path.display()))
    });
    written.into_iter().collect::<anyhow::Result<()>>()?;
    if let (Some(db), Some(out)) = (&args.vulndb, &args.out_vuln) {
        super::scan_vuln::write_statements(&plan, &docs, db, out)?;
    }
    eprintln!(
        "stagetrail scan: {} documents for {} in {} ms, peak RSS {}",
        docs.len() * 2,
        plan.platform,
        started.elapsed().saturating_sub(scanning).as_millis(),
        peak_rss()
    );
    Ok(())
}

/// The final stage's catalog composed as `c` says from `scans`, or why it cannot be.
fn compose(c: &Composition, scans: &BTreeMap<String, Scanned>) -> Result<Scanned, String> {
    let get = |key: &str| scans.get(key).ok_or_else(|| format!("no catalog of {key}"));
    let empty = Scanned::empty();
    let parent = match &c.parent {
        Some(key) => get(key)?,
        None => &empty,
    };
    let copies = c
        .copies
        .iter()
        .map(|(key, path)| Ok((get(key)?, path.as_str())))
        .collect::<Result<Vec<_>, String>>()?;
    parent.compose(&copies)
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

/// Writes `doc` wrapped in an in-toto statement of `predicate_type` to `dir/name`.
fn write(
    dir: &Path,
    name: &str,
    predicate_type: &str,
    doc: &serde_json::Value,
) -> anyhow::Result<()> {
    write_json(dir, name, &statement(predicate_type, doc))
}

/// Writes `value` as compact JSON to `dir/name`, creating `dir`.
fn write_json(dir: &Path, name: &str, value: &serde_json::Value) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("{}", dir.display()))?;
    let path = dir.join(name);
    let bytes =
        serde_json::to_vec(value).with_context(|| format!("{}: cannot encode", path.display()))?;
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

    #[test]
    fn a_parent_catalog_that_is_not_one_is_an_error_with_its_location() {
        let t = tempfile::tempdir().unwrap();
        let (src, parent, diff) = (t.path().join("src"), t.path().join("p"), t.path().join("d"));
        for d in [&src, &parent, &diff] {
            std::fs::create_dir_all(d).unwrap();
        }
        let args = Args {
            src: src.clone(),
            parent: Some(parent.clone()),
            diff: Some(diff),
            key: "stage-1".into(),
            ..Args::default()
        };
        let out = t.path().join("out");
        std::fs::write(parent.join(CATALOG_FILE), "{\"catalog\": [").unwrap();
        let err = catalog_one(&args, &out).unwrap_err().to_string();
        assert!(
            err.contains("catalog.json:1:") && err.contains("not a catalog"),
            "{err}"
        );
        // A FIFO is refused, not waited on; nothing is written.
        std::fs::remove_file(parent.join(CATALOG_FILE)).unwrap();
        let made = std::process::Command::new("mkfifo")
            .arg(parent.join(CATALOG_FILE))
            .status()
            .unwrap();
        assert!(made.success());
        let err = catalog_one(&args, &out).unwrap_err().to_string();
        assert!(err.contains("not a regular file"), "{err}");
        assert!(!out.exists());
        // A full scan (no parent) writes the catalog a child reads back.
        let full = Args {
            src,
            ..Args::default()
        };
        catalog_one(&full, &out).unwrap();
        assert!(read_scanned(&out).unwrap().catalog.packages.is_empty());
    }

    #[test]
    fn a_filesystem_scanned_while_rendering_gives_the_documents_of_its_catalog() {
        let t = tempfile::tempdir().unwrap();
        let src = t.path().join("src");
        std::fs::create_dir_all(src.join("app")).unwrap();
        std::fs::write(
            src.join("app/Cargo.lock"),
            "version = 3\n\n[[package]]\nname = \"x\"\nversion = \"1.0.0\"\n",
        )
        .unwrap();
        let plan = t.path().join("plan.json");
        std::fs::write(
            &plan,
            r#"{"platform":"linux/amd64","epoch":1,"stages":[{"index":0,"name":"app","emit":true,
               "is_final":true,"from_line":1,"base":{"kind":"scratch"},"steps":[]}]}"#,
        )
        .unwrap();
        let cataloged = Args {
            src: src.clone(),
            key: "stage-0".into(),
            ..Args::default()
        };
        catalog_one(&cataloged, &t.path().join("catalogs/stage-0")).unwrap();
        let render = |out: &str, scan: Vec<String>| {
            let args = Args {
                catalogs: t.path().join("catalogs"),
                out: t.path().join(out),
                scan,
                ..Args::default()
            };
            run_plan(&plan, &args).map(|()| {
                let spdx = std::fs::read(t.path().join(out).join("sbom.spdx.json")).unwrap();
                let cdx = std::fs::read(t.path().join(out).join("sbom.cdx.json")).unwrap();
                (spdx, cdx)
            })
        };
        let from_catalog = render("a", Vec::new()).unwrap();
        let scanned = render("b", vec![format!("stage-0={}", src.display())]).unwrap();
        assert!(String::from_utf8_lossy(&from_catalog.0).contains("pkg:cargo/x@1.0.0"));
        assert_eq!(from_catalog, scanned);
        for (bad, says) in [
            (
                "stage-9=/x",
                "\"stage-9\" is not one of the plan's scanned keys",
            ),
            ("stage-0", "expected KEY=DIR"),
        ] {
            let err = render("c", vec![bad.into()]).unwrap_err().to_string();
            assert!(err.contains(says), "{err}");
        }
        assert!(!t.path().join("c").exists());
    }

    #[test]
    fn a_filesystem_scanned_here_from_its_parent_and_changes_gives_the_full_scans_documents() {
        let t = tempfile::tempdir().unwrap();
        let lock = |dir: &Path, name: &str| {
            std::fs::create_dir_all(dir).unwrap();
            let text =
                format!("version = 3\n\n[[package]]\nname = \"{name}\"\nversion = \"1.0.0\"\n");
            std::fs::write(dir.join("Cargo.lock"), text).unwrap();
        };
        let (parent, child, diff) = (t.path().join("p"), t.path().join("c"), t.path().join("d"));
        lock(&parent.join("a"), "x");
        lock(&child.join("a"), "x");
        lock(&child.join("b"), "y");
        lock(&diff.join("b"), "y");
        let plan = t.path().join("plan.json");
        std::fs::write(
            &plan,
            r#"{"platform":"linux/amd64","epoch":1,"diffs":{"stage-1":"stage-0"},"stages":[
               {"index":0,"name":"base","emit":true,"from_line":1,"base":{"kind":"scratch"},"steps":[]},
               {"index":1,"name":"app","emit":true,"is_final":true,"from_line":3,
                "base":{"kind":"stage","stage":0},"steps":[]}]}"#,
        )
        .unwrap();
        let base = Args {
            src: parent.clone(),
            key: "stage-0".into(),
            ..Args::default()
        };
        catalog_one(&base, &t.path().join("catalogs/stage-0")).unwrap();
        let render = |out: &str, scan: &[String], changes: &[String]| {
            let args = Args {
                catalogs: t.path().join("catalogs"),
                out: t.path().join(out),
                scan: scan.to_vec(),
                changes: changes.to_vec(),
                ..Args::default()
            };
            run_plan(&plan, &args)
                .map(|()| std::fs::read(t.path().join(out).join("sbom.spdx.json")).unwrap())
        };
        let here = [format!("stage-1={}", child.display())];
        let changes = [format!("stage-1={}", diff.display())];
        let full = render("full", &here, &[]).unwrap();
        let incremental = render("incremental", &here, &changes).unwrap();
        assert_eq!(full, incremental);
        let text = String::from_utf8_lossy(&full);
        assert!(text.contains("pkg:cargo/x@1.0.0") && text.contains("pkg:cargo/y@1.0.0"));
        let err = render("bad", &[], &changes).unwrap_err().to_string();
        assert!(err.contains("give --scan stage-1=DIR too"), "{err}");
        let not_in_diffs = [format!("stage-0={}", diff.display())];
        let err = render("bad", &here, &not_in_diffs).unwrap_err().to_string();
        assert!(
            err.contains("the plan's keys with a parent (diffs) [\"stage-1\"]"),
            "{err}"
        );
        assert!(!t.path().join("bad").exists());
    }
}
