//! The exec reader: the frontend's own image runs `stagetrail scan` in one ExecOp per
//! filesystem, which writes that filesystem's catalog to `/run/cat` — BuildKit caches it like any
//! step, keyed by the stage it reads, so a rebuild catalogs only the stages that changed — and
//! one more ExecOp that renders the documents from those catalogs and the plan
//! (`/run/plan/plan.json`): each stage's SPDX and CycloneDX documents in `/run/out`, each returned
//! as one InToto attestation. With the build's OSV database
//! ([`super::vulndb`]) mounted at `/run/vulndb`, a third output, `/run/out-vuln`, holds one cosign
//! vuln/v1 statement per stage, returned as a Bundle.
//! A stage in [`ScanPlan::diffs`] is cataloged from its parent's catalog (`/run/parent`) and the
//! DiffOp of the two (`/run/diff`). The final stage is cataloged by the rendering exec itself
//! ([`rendered_here`]): it changes with every rebuild, so its own exec would only add a container
//! start and a catalog file to the end of every build. When its catalog may be composed from
//! others' ([`composing_exec`]), a rendering exec that does not mount it is tried first.

use std::collections::BTreeMap;

use tonic::Code;

use super::failure::Failure;
use crate::bridge::caps::{ids, llb_ids};
use crate::bridge::Bridge;
use crate::options::FrontendOpts;
use crate::proto::{gateway as gw, pb};
use stagetrail_convert::Platform;
use stagetrail_llb::{self as llb, Exec, Mount, MountKind};
use stagetrail_oci::attestations::statement::VULN;
use stagetrail_oci::Reference;
use stagetrail_sbom::stages::{files, ScanPlan};

/// Where the plan is mounted.
pub const PLAN_DIR: &str = "/run/plan";
/// Where a cataloging exec's filesystem is mounted.
pub const SRC_DIR: &str = "/run/src";
/// Where the composing exec finds the filesystems it catalogs itself (`<key>/`).
pub const HERE_DIR: &str = "/run/here";
/// Where the composing exec finds the changes of a filesystem it catalogs over its parent's
/// (`<key>/`).
pub const CHANGES_DIR: &str = "/run/changes";
/// Where a cataloging exec writes its catalog.
pub const CATALOG_OUT: &str = "/run/cat";
/// Where a cataloging exec finds its parent's catalog.
pub const PARENT_DIR: &str = "/run/parent";
/// Where a cataloging exec finds its filesystem's changes over the parent's.
pub const DIFF_DIR: &str = "/run/diff";
/// Where the rendering exec finds each key's catalog (`<key>/`).
pub const CATALOGS_DIR: &str = "/run/catalogs";
/// Where the SBOM documents are written (`<stem>.spdx.json`, `<stem>.cdx.json`).
pub const OUT_SBOM: &str = "/run/out";
/// Where the OSV database is mounted.
pub const VULNDB_DIR: &str = "/run/vulndb";
/// Where vulnerability statements are written.
pub const OUT_VULN: &str = "/run/out-vuln";

fn internal(m: impl Into<String>) -> Failure {
    Failure::new(Code::Internal, m)
}

/// How BuildKit caches the scanner execs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExecCache {
    /// Run them again whatever the cache holds (upstream does so when the target or a scanned
    /// stage is `--no-cache`).
    pub ignore: bool,
    /// Key them by the mounted states' own cache keys, not by a checksum of every file they hold
    /// (which BuildKit computes for each read-only bind unless told otherwise, reading every byte
    /// of every stage: most of what `--sbom=true` used to cost). Needs the engine's
    /// `exec.mount.cache.content` cap. Local sources (the context, a local named context, the
    /// OSV database) keep the checksum: their own key names the client session, which changes
    /// with every build, so without it an unchanged rebuild would scan them again.
    pub no_content_hash: bool,
}

/// Which stages the execs catalog from their parent's catalog and the DiffOp of the two
/// ([`ScanPlan::diffs`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Diffs {
    /// None: the engine has no DiffOp.
    None,
    /// Only the sources the composing exec catalogs
    /// ([`stagetrail_sbom::stages::Composition::leaves`]) that start from another stage: the
    /// default. Their diff holds what the stage itself added (an application's sources and build
    /// output), small next to the stage; a stage on an image would diff everything its steps
    /// installed, which engine 28 materializes at a cost that grows with it.
    Leaves,
    /// Every stage with a parent (`STAGETRAIL_SBOM_INCREMENTAL`).
    All,
}

/// The plan the execs run: its [`ScanPlan::diffs`] kept as `diffs` says.
pub fn with_diffs(plan: &ScanPlan, diffs: Diffs) -> ScanPlan {
    let mut plan = plan.clone();
    match diffs {
        Diffs::None => plan.diffs.clear(),
        Diffs::Leaves => {
            let leaves = plan.composition().map(|c| c.leaves).unwrap_or_default();
            let stages: Vec<String> = plan.stages.iter().map(|s| s.key()).collect();
            plan.diffs
                .retain(|key, parent| leaves.contains(key) && stages.contains(parent));
        }
        Diffs::All => {}
    }
    plan
}

/// Builds the scanner image's ExecOps.
struct Scanner<'a> {
    root: llb::State,
    binary: &'a str,
    platform: &'a Platform,
    cache: ExecCache,
}

impl Scanner<'_> {
    /// A read-only bind of `source` at `dest`.
    fn read_only(&self, dest: String, source: llb::State) -> Mount {
        let local = source
            .source_identifier()
            .is_some_and(|id| id.starts_with("local://"));
        let kind = if self.cache.no_content_hash && !local {
            MountKind::BindNoContentCache
        } else {
            MountKind::Bind
        };
        Mount {
            dest,
            source,
            selector: String::new(),
            readonly: true,
            kind,
        }
    }

    /// Runs `stagetrail scan ARGS` with `mounts` plus one empty writable mount per `outputs`
    /// directory; the states of those outputs, in order.
    fn run(
        &self,
        args: &[&str],
        mut mounts: Vec<Mount>,
        outputs: &[&str],
        name: String,
    ) -> Result<Vec<llb::State>, String> {
        for dest in outputs {
            mounts.push(Mount {
                dest: (*dest).into(),
                source: llb::State::scratch(),
                selector: String::new(),
                readonly: false,
                kind: MountKind::Bind,
            });
        }
        let mut op_meta = llb::OpMeta::named(name);
        op_meta.ignore_cache = self.cache.ignore;
        let mut argv = vec![self.binary.to_string(), "scan".into()];
        argv.extend(args.iter().map(|a| a.to_string()));
        let exec = Exec {
            meta: pb::Meta {
                args: argv,
                env: vec!["PATH=/usr/local/bin:/usr/bin:/bin".into()],
                cwd: "/".into(),
                ..Default::default()
            },
            mounts,
            network: pb::NetMode::None,
            platform: Some(pb::Platform::from(self.platform)),
            op_meta,
            ..Default::default()
        };
        let out = self.root.run(exec);
        let first = out.mounts.len() - outputs.len();
        (first..out.mounts.len())
            .map(|i| {
                out.mounts
                    .get(i)
                    .cloned()
                    .flatten()
                    .ok_or_else(|| "the scanner exec has no output mounts".to_string())
            })
            .collect()
    }

    /// The exec cataloging `state` (plan key `key`), from `parent` — the parent's catalog and
    /// the DiffOp of the two — when given; its `/run/cat` output.
    fn catalog(
        &self,
        plan: &ScanPlan,
        key: &str,
        state: &llb::State,
        parent: Option<(llb::State, llb::State)>,
    ) -> Result<llb::State, String> {
        let mut args = vec!["--key", key, "--src", SRC_DIR, "--catalog-out", CATALOG_OUT];
        let mut mounts = vec![self.read_only(SRC_DIR.into(), state.clone())];
        if let Some((catalog, diff)) = parent {
            args.extend(["--parent", PARENT_DIR, "--diff", DIFF_DIR]);
            mounts.push(self.read_only(PARENT_DIR.into(), catalog));
            mounts.push(self.read_only(DIFF_DIR.into(), diff));
        }
        let name = format!(
            "[{}] stagetrail: cataloging {}",
            plan.platform,
            describe(plan, key)
        );
        let mut out = self.run(&args, mounts, &[CATALOG_OUT], name)?;
        Ok(out.remove(0))
    }
}

/// A plan key as the progress names it: `stage-1 (deps)`, `base-0 (FROM of node)`, `context`.
fn describe(plan: &ScanPlan, key: &str) -> String {
    let stage = |i: &str| i.parse().ok().and_then(|i| plan.stage(i));
    if let Some(st) = key.strip_prefix("stage-").and_then(stage) {
        return format!("{key} ({})", st.name);
    }
    if let Some(st) = key.strip_prefix("base-").and_then(stage) {
        return format!("{key} (FROM of {})", st.name);
    }
    key.to_string()
}

/// The key the rendering exec catalogs itself: the final stage's, unless it is cataloged
/// incrementally or is a parent in [`ScanPlan::diffs`] (both need its own exec's catalog).
pub fn rendered_here(plan: &ScanPlan) -> Option<String> {
    let key = plan.stages.iter().find(|s| s.is_final)?.key();
    let in_diffs = plan.diffs.contains_key(&key) || plan.diffs.values().any(|p| *p == key);
    (plan.scanned_keys().contains(&key) && !in_diffs).then_some(key)
}

/// The DiffOp of `parent` and `state` (plan key `key`): what the stage added or changed.
fn changes(plan: &ScanPlan, key: &str, parent: &llb::State, state: &llb::State) -> llb::State {
    let name = format!("[{}] stagetrail: changes of {key}", plan.platform);
    llb::State::diff(parent, state, llb::OpMeta::named(name))
}

/// The catalog of every key `plan` scans but `skip`, each from its own exec (parents first, so a
/// stage in [`ScanPlan::diffs`] can mount its parent's catalog).
fn catalog_states(
    scanner: &Scanner<'_>,
    plan: &ScanPlan,
    states: &BTreeMap<String, llb::State>,
    skip: &[String],
) -> Result<BTreeMap<String, llb::State>, String> {
    let mut catalogs: BTreeMap<String, llb::State> = BTreeMap::new();
    for key in plan.scan_order() {
        if skip.contains(&key) {
            continue;
        }
        let Some(state) = states.get(&key) else {
            return Err(format!("the scan plan names {key}, which has no state"));
        };
        let parent = plan.diffs.get(&key).and_then(|p| {
            let diff = changes(plan, &key, states.get(p)?, state);
            Some((catalogs.get(p)?.clone(), diff))
        });
        let catalog = scanner.catalog(plan, &key, state, parent)?;
        catalogs.insert(key, catalog);
    }
    Ok(catalogs)
}

/// The scanner's outputs.
pub struct ScannerOutputs {
    /// The SBOM documents from the composing exec ([`composing_exec`]), when the final stage's
    /// catalog may compose; else, or when it does not, [`ScannerOutputs::sboms`].
    pub composed: Option<llb::State>,
    /// The SBOM documents ([`OUT_SBOM`]).
    pub sboms: llb::State,
    /// The vuln/v1 statements ([`OUT_VULN`]), when the build has an OSV database.
    pub vuln: Option<llb::State>,
}

/// The scanner's outputs: the SBOM documents and, with `vulndb` (the OSV database's filesystem),
/// the vuln/v1 statements.
pub fn scanner_states(
    image: &str,
    binary: &str,
    platform: &Platform,
    plan: &ScanPlan,
    states: &BTreeMap<String, llb::State>,
    vulndb: Option<&llb::State>,
    cache: ExecCache,
) -> Result<ScannerOutputs, String> {
    let scanner = Scanner {
        root: llb::State::source(
            &format!("docker-image://{image}"),
            BTreeMap::new(),
            Some(pb::Platform::from(platform)),
            llb::OpMeta::named(format!("[internal] stagetrail scanner {image}")),
        ),
        binary,
        platform,
        cache,
    };
    let plan_json = serde_json::to_vec(plan).map_err(|e| format!("cannot encode the plan: {e}"))?;
    let plan_state = llb::State::scratch().file(
        llb::FileActions::new().mkfile(llb::MkfileInfo {
            path: "/plan.json".into(),
            mode: 0o644,
            data: plan_json,
            owner: None,
            timestamp: Some(0),
        }),
        llb::OpMeta::named(format!("[{}] stagetrail: SBOM scan plan", plan.platform)),
    );
    let composed = match vulndb {
        None => composing_exec(&scanner, plan, states, &plan_state)?,
        Some(_) => None,
    };
    let mut mounts = vec![scanner.read_only(PLAN_DIR.into(), plan_state)];
    let here = rendered_here(plan);
    let skip: Vec<String> = here.iter().cloned().collect();
    for (key, catalog) in catalog_states(&scanner, plan, states, &skip)? {
        mounts.push(scanner.read_only(format!("{CATALOGS_DIR}/{key}"), catalog));
    }
    let plan_file = format!("{PLAN_DIR}/plan.json");
    let mut args = vec![
        "--plan",
        &plan_file,
        "--catalogs",
        CATALOGS_DIR,
        "--out",
        OUT_SBOM,
    ];
    let scan_here = here.as_ref().map(|key| format!("{key}={SRC_DIR}"));
    if let (Some(key), Some(arg)) = (&here, &scan_here) {
        let Some(state) = states.get(key) else {
            return Err(format!("the scan plan names {key}, which has no state"));
        };
        mounts.push(scanner.read_only(SRC_DIR.into(), state.clone()));
        args.extend(["--scan", arg]);
    }
    let mut dirs = vec![OUT_SBOM];
    if let Some(db) = vulndb {
        mounts.push(scanner.read_only(VULNDB_DIR.into(), db.clone()));
        args.extend(["--vulndb", VULNDB_DIR, "--out-vuln", OUT_VULN]);
        dirs.push(OUT_VULN);
    }
    let name = format!("[{}] stagetrail: SBOM documents", plan.platform);
    let mut states = scanner.run(&args, mounts, &dirs, name)?.into_iter();
    Ok(ScannerOutputs {
        composed,
        sboms: states.next().ok_or("the scanner exec has no SBOM output")?,
        vuln: states.next(),
    })
}

/// The exec rendering every document without the final stage's filesystem, when its catalog
/// may compose ([`ScanPlan::composition`]: it only copies stages' paths onto the same paths):
/// `stagetrail scan --compose` reads the other keys' catalogs, catalogs the sources no other
/// stage uses itself (they change with the final stage; from their parent's catalog and
/// [`changes`] when in [`ScanPlan::diffs`]) and composes the final stage's catalog, so it runs
/// beside the final stage's own steps. `None` without a composition, or when the final stage
/// is not cataloged by the rendering exec (it is in [`ScanPlan::diffs`]).
fn composing_exec(
    scanner: &Scanner<'_>,
    plan: &ScanPlan,
    states: &BTreeMap<String, llb::State>,
    plan_state: &llb::State,
) -> Result<Option<llb::State>, String> {
    let Some(c) = plan.composition() else {
        return Ok(None);
    };
    if rendered_here(plan).as_deref() != Some(c.key.as_str()) {
        return Ok(None);
    }
    let mut skip = c.leaves.clone();
    skip.push(c.key.clone());
    let mut mounts = vec![scanner.read_only(PLAN_DIR.into(), plan_state.clone())];
    for (key, catalog) in catalog_states(scanner, plan, states, &skip)? {
        mounts.push(scanner.read_only(format!("{CATALOGS_DIR}/{key}"), catalog));
    }
    let plan_file = format!("{PLAN_DIR}/plan.json");
    let state = |key: &str| {
        states
            .get(key)
            .ok_or_else(|| format!("the scan plan names {key}, which has no state"))
    };
    let mut scans = Vec::new();
    for key in &c.leaves {
        mounts.push(scanner.read_only(format!("{HERE_DIR}/{key}"), state(key)?.clone()));
        scans.push(("--scan", format!("{key}={HERE_DIR}/{key}")));
        if let Some(parent) = plan.diffs.get(key) {
            let diff = changes(plan, key, state(parent)?, state(key)?);
            mounts.push(scanner.read_only(format!("{CHANGES_DIR}/{key}"), diff));
            scans.push(("--changes", format!("{key}={CHANGES_DIR}/{key}")));
        }
    }
    let mut args = vec![
        "--plan",
        &plan_file,
        "--catalogs",
        CATALOGS_DIR,
        "--compose",
    ];
    for (flag, value) in &scans {
        args.extend([*flag, value.as_str()]);
    }
    args.extend(["--out", OUT_SBOM]);
    let name = format!("[{}] stagetrail: SBOM documents", plan.platform);
    let mut out = scanner.run(&args, mounts, &[OUT_SBOM], name)?;
    Ok(Some(out.remove(0)))
}

/// The image's entrypoint binary (its first `Entrypoint` word).
fn entrypoint(config: &[u8]) -> Result<String, String> {
    let v: serde_json::Value =
        serde_json::from_slice(config).map_err(|e| format!("image config is not JSON: {e}"))?;
    v["config"]["Entrypoint"][0]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| "the image has no Entrypoint".into())
}

/// Runs the scanner execs for one platform and returns their attestations: SPDX and CycloneDX
/// (with `metadata`) and, with `vulndb`, vuln/v1.
pub async fn attest(
    bridge: &Bridge,
    opts: &FrontendOpts,
    image: &str,
    plan: &ScanPlan,
    states: &BTreeMap<String, llb::State>,
    vulndb: Option<&llb::State>,
    metadata: BTreeMap<String, Vec<u8>>,
) -> Result<Vec<gw::Attestation>, Failure> {
    let platform = opts.convert.build_platform.clone().unwrap_or_default();
    let reference = Reference::parse_normalized(image)
        .map_err(|e| internal(format!("frontend image {image:?}: {e}")))?
        .tag_name_only();
    let (digest, config) = bridge
        .resolve_image_config(
            &reference.to_string(),
            Some(pb::Platform::from(&platform)),
            opts.image_resolve_mode.as_str(),
        )
        .await?;
    let binary =
        entrypoint(&config).map_err(|e| internal(format!("frontend image {image}: {e}")))?;
    let pinned = if digest.is_empty() || reference.to_string().contains('@') {
        reference.to_string()
    } else {
        format!("{reference}@{digest}")
    };
    let cache = ExecCache {
        ignore: opts
            .convert
            .no_cache
            .as_ref()
            .is_some_and(|l| l.is_empty() || plan.stages.iter().any(|s| l.contains(&s.name))),
        no_content_hash: bridge.has_llb_cap(llb_ids::EXEC_MOUNT_CONTENT_CACHE),
    };
    let outputs = scanner_states(&pinned, &binary, &platform, plan, states, vulndb, cache)
        .map_err(internal)?;
    // Evaluated, so BuildKit runs the catalog execs now, each as soon as its filesystem is built
    // and beside the image's later steps; a lazy result would wait for the exporter, after the
    // whole image.
    let evaluate = bridge.has_cap(ids::SOLVE_EVALUATE);
    let solve =
        |st: &llb::State| bridge.solve_with(llb::marshal(st, None), &opts.cache_imports, evaluate);
    if let Some(composed) = &outputs.composed {
        let id = solve(composed).await?;
        if composed_documents(bridge, &id).await? {
            return Ok(sbom_attestations(&id, &plan.document_stems(), &metadata));
        }
    }
    let sboms = solve(&outputs.sboms).await?;
    let mut out = sbom_attestations(&sboms, &plan.document_stems(), &metadata);
    if let Some(vuln) = &outputs.vuln {
        out.push(attestation(
            gw::AttestationKind::Bundle,
            solve(vuln).await?,
            String::new(),
            VULN,
            BTreeMap::new(),
        ));
    }
    Ok(out)
}

/// True when the composing exec's output `id` holds the documents; else (the catalogs did not
/// compose) its reason goes to the log and the documents are rendered with the final stage.
async fn composed_documents(bridge: &Bridge, id: &str) -> Result<bool, Failure> {
    let listing = bridge.read_dir(id, "/", None).await?;
    if listing.iter().any(|e| e.path == files::SUMS_FILE) {
        return Ok(true);
    }
    let why = bridge
        .read_file(id, &format!("/{}", files::NOT_COMPOSED), None)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_string())
        .unwrap_or_else(|e| format!("no documents and no reason ({e})"));
    tracing::info!("stagetrail: the final stage's catalog is not composed: {why}");
    Ok(false)
}

/// One SPDX and one CycloneDX InToto attestation per document stem, each the predicate file
/// `<stem>.spdx.json` / `<stem>.cdx.json` of ref `id` — BuildKit wraps it as it is, where a
/// Bundle's statements would be decoded and encoded again. Both readers return their documents so.
pub(super) fn sbom_attestations(
    id: &str,
    stems: &[String],
    metadata: &BTreeMap<String, Vec<u8>>,
) -> Vec<gw::Attestation> {
    files::document_names(stems)
        .into_iter()
        .map(|(path, predicate)| {
            attestation(
                gw::AttestationKind::InToto,
                id.to_string(),
                path,
                predicate,
                metadata.clone(),
            )
        })
        .collect()
}

/// An attestation of `kind` from ref `id` (`path` in it).
fn attestation(
    kind: gw::AttestationKind,
    id: String,
    path: String,
    predicate: &str,
    metadata: BTreeMap<String, Vec<u8>>,
) -> gw::Attestation {
    gw::Attestation {
        kind: kind as i32,
        metadata,
        r#ref: Some(gw::Ref { id, def: None }),
        path,
        in_toto_predicate_type: predicate.to_string(),
        in_toto_subjects: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;
    use stagetrail_oci::attestations::statement::{CYCLONEDX, SPDX};
    use stagetrail_sbom::stages::{PlanBase, PlanStage, PlanStep};

    #[test]
    fn entrypoints() {
        let cfg = br#"{"config":{"Entrypoint":["/bin/stagetrail","frontend"]}}"#;
        assert_eq!(entrypoint(cfg).unwrap(), "/bin/stagetrail");
        assert!(entrypoint(br#"{"config":{}}"#).is_err());
        assert!(entrypoint(b"nope").is_err());
    }

    /// A one-stage plan (`FROM debian` + a mkdir) with its two filesystems.
    fn one_stage() -> (ScanPlan, BTreeMap<String, llb::State>) {
        let base = llb::State::source(
            "docker-image://docker.io/library/debian:bookworm",
            BTreeMap::new(),
            None,
            llb::OpMeta::default(),
        );
        let stage = base.file(
            llb::FileActions::new().mkdir(llb::MkdirInfo {
                path: "/app".into(),
                mode: 0o755,
                make_parents: true,
                owner: None,
                timestamp: None,
            }),
            llb::OpMeta::default(),
        );
        let plan = ScanPlan {
            platform: "linux/amd64".into(),
            stages: vec![PlanStage {
                index: 0,
                name: "app".into(),
                emit: true,
                is_final: true,
                from_line: 1,
                base: PlanBase::Image,
                steps: Vec::new(),
            }],
            diffs: BTreeMap::from([("stage-0".to_string(), "base-0".to_string())]),
            ..ScanPlan::default()
        };
        let states = BTreeMap::from([("base-0".to_string(), base), ("stage-0".to_string(), stage)]);
        (plan, states)
    }

    /// Each ExecOp's arguments and mounts.
    type Execs = Vec<(Vec<String>, Vec<Value>)>;

    /// Every ExecOp of the LLB behind `outputs[0]`, and the outputs' predicate types.
    fn execs(
        plan: &ScanPlan,
        states: &BTreeMap<String, llb::State>,
        db: Option<&llb::State>,
        cache: ExecCache,
    ) -> (Execs, bool) {
        let outputs = scanner_states(
            "example.com/stagetrail:1",
            "/bin/stagetrail",
            &Platform::linux_amd64(),
            plan,
            states,
            db,
            cache,
        )
        .unwrap();
        (exec_list(&outputs.sboms), outputs.vuln.is_some())
    }

    /// Every ExecOp of the LLB behind `state`.
    fn exec_list(state: &llb::State) -> Execs {
        let dump = llb::dump_json(&llb::marshal(state, None));
        dump.as_array()
            .unwrap()
            .iter()
            .filter_map(|op| op["op"]["exec"].as_object())
            .map(|e| {
                let args = e["meta"]["args"].as_array().unwrap();
                let args = args
                    .iter()
                    .map(|a| a.as_str().unwrap().to_string())
                    .collect();
                (args, e["mounts"].as_array().unwrap().clone())
            })
            .collect()
    }

    /// Mount destinations, sorted (BuildKit's order puts output mounts first).
    fn dests(mounts: &[Value]) -> Vec<&str> {
        let mut d: Vec<&str> = mounts.iter().map(|m| m["dest"].as_str().unwrap()).collect();
        d.sort();
        d
    }

    #[test]
    fn one_exec_catalogs_each_filesystem_and_the_rendering_one_the_final_stage() {
        let (plan, states) = one_stage();
        let plan = with_diffs(&plan, Diffs::None);
        assert_eq!(rendered_here(&plan).as_deref(), Some("stage-0"));
        let (execs, vuln) = execs(&plan, &states, None, ExecCache::default());
        assert!(!vuln);
        assert_eq!(execs.len(), 2, "{execs:?}");
        let (catalogers, render): (Vec<_>, Vec<_>) = execs
            .iter()
            .partition(|(args, _)| args.contains(&"--catalog-out".into()));
        let (args, mounts) = catalogers[0];
        assert_eq!(args[..4], ["/bin/stagetrail", "scan", "--key", "base-0"]);
        assert_eq!(dests(mounts), ["/", CATALOG_OUT, SRC_DIR], "{args:?}");
        let src = mounts.iter().find(|m| m["dest"] == SRC_DIR).unwrap();
        assert_eq!(src["readonly"], true);
        let (args, mounts) = render[0];
        assert!(args.contains(&"--plan".into()) && !args.contains(&"--vulndb".into()));
        assert!(args.ends_with(&["--scan".into(), format!("stage-0={SRC_DIR}")]));
        assert_eq!(
            dests(mounts),
            ["/", "/run/catalogs/base-0", OUT_SBOM, PLAN_DIR, SRC_DIR,]
        );
        assert!(!format!("{execs:?}").contains("contentCache"));
    }

    #[test]
    fn the_osv_database_adds_an_output_and_keeps_its_checksum() {
        let (plan, states) = one_stage();
        let db = llb::State::source(
            "local://stagetrail-vulndb",
            BTreeMap::new(),
            None,
            llb::OpMeta::default(),
        );
        let cache = ExecCache {
            no_content_hash: true,
            ..ExecCache::default()
        };
        let (execs, vuln) = execs(&plan, &states, Some(&db), cache);
        assert!(vuln);
        let (args, mounts) = execs
            .iter()
            .find(|(a, _)| a.contains(&"--plan".into()))
            .unwrap();
        assert!(args.ends_with(&[
            "--vulndb".into(),
            VULNDB_DIR.into(),
            "--out-vuln".into(),
            OUT_VULN.into()
        ]));
        // On an engine with the cap no read-only mount is checksummed for the cache key but the
        // local OSV database's (its source key changes with every client session).
        assert!(mounts.iter().any(|m| m["dest"] == VULNDB_DIR));
        for m in execs.iter().flat_map(|(_, mounts)| mounts) {
            let off = m["contentCache"] == "OFF";
            let unhashed = m["readonly"] == true && m["dest"] != VULNDB_DIR;
            assert_eq!(off, unhashed, "{m}");
        }
    }

    #[test]
    fn a_stage_with_a_parent_is_cataloged_from_its_catalog_and_their_diff() {
        let (plan, states) = one_stage();
        let (execs, _) = execs(
            &with_diffs(&plan, Diffs::All),
            &states,
            None,
            ExecCache::default(),
        );
        let stage = execs
            .iter()
            .find(|(a, _)| a.contains(&"stage-0".into()))
            .unwrap();
        assert_eq!(
            dests(&stage.1),
            ["/", CATALOG_OUT, DIFF_DIR, PARENT_DIR, SRC_DIR]
        );
        assert!(stage.0.ends_with(&[
            "--parent".into(),
            PARENT_DIR.into(),
            "--diff".into(),
            DIFF_DIR.into()
        ]));
        let base = execs
            .iter()
            .find(|(a, _)| a.contains(&"base-0".into()))
            .unwrap();
        assert_eq!(dests(&base.1), ["/", CATALOG_OUT, SRC_DIR]);
        // A stage cataloged from a diff keeps its own exec: the rendering one reads its catalog.
        let render = execs.iter().find(|(a, _)| a.contains(&"--plan".into()));
        assert!(!render.unwrap().0.contains(&"--scan".into()));
    }

    #[test]
    fn each_sbom_file_is_one_in_toto_attestation_of_the_output() {
        let (plan, _) = one_stage();
        let stems = plan.document_stems();
        assert_eq!(stems, ["sbom"]);
        let metadata = BTreeMap::from([("sbom-core".to_string(), b"sbom".to_vec())]);
        let atts = sbom_attestations("r1", &stems, &metadata);
        let files: Vec<(&str, &str)> = atts
            .iter()
            .map(|a| (a.path.as_str(), a.in_toto_predicate_type.as_str()))
            .collect();
        assert_eq!(
            files,
            [("sbom.spdx.json", SPDX), ("sbom.cdx.json", CYCLONEDX)]
        );
        for a in &atts {
            assert_eq!(a.kind, gw::AttestationKind::InToto as i32);
            assert_eq!(a.metadata, metadata);
            assert_eq!(a.r#ref.as_ref().unwrap().id, "r1");
        }
    }

    #[test]
    fn a_composed_final_stage_is_rendered_without_its_filesystem() {
        let (mut plan, mut states) = one_stage();
        plan.diffs.clear();
        // `app` also copies /app/dist of a `build` stage (index 1) that nothing else uses.
        let build = states["base-0"].file(
            llb::FileActions::new().mkdir(llb::MkdirInfo {
                path: "/app/dist".into(),
                mode: 0o755,
                make_parents: true,
                owner: None,
                timestamp: None,
            }),
            llb::OpMeta::default(),
        );
        states.insert("stage-1".into(), build);
        states.insert("base-1".into(), states["base-0"].clone());
        plan.same.insert("base-1".into(), "base-0".into());
        plan.stages.insert(
            0,
            PlanStage {
                index: 1,
                name: "build".into(),
                emit: true,
                is_final: false,
                from_line: 1,
                base: PlanBase::Image,
                steps: Vec::new(),
            },
        );
        plan.stages[1].steps.push(PlanStep {
            line: 3,
            dest: Some("/app/dist".into()),
            from_stage: Some(1),
            onto_itself: true,
            text: "COPY --from=build /app/dist /app/dist".into(),
        });
        let outputs = scanner_states(
            "example.com/stagetrail:1",
            "/bin/stagetrail",
            &Platform::linux_amd64(),
            &plan,
            &states,
            None,
            ExecCache::default(),
        )
        .unwrap();
        let execs = exec_list(&outputs.composed.expect("a composing exec"));
        let (rendering, catalogs): (Execs, Execs) = execs
            .into_iter()
            .partition(|(args, _)| args.contains(&"--compose".into()));
        let (args, mounts) = &rendering[0];
        assert!(
            args.windows(2)
                .any(|w| w == ["--scan", "stage-1=/run/here/stage-1"]),
            "{args:?}"
        );
        // The final stage is not mounted: the exec runs beside its steps.
        assert_eq!(
            dests(mounts),
            [
                "/",
                "/run/catalogs/base-0",
                "/run/here/stage-1",
                "/run/out",
                "/run/plan"
            ]
        );
        // Only the shared base image has its own catalog exec.
        assert_eq!(catalogs.len(), 1, "{catalogs:?}");
        assert!(catalogs[0].0.contains(&"base-0".into()));
        // With an OSV database the documents are rendered with the final stage.
        let db = llb::State::scratch();
        let cache = ExecCache::default();
        let platform = Platform::linux_amd64();
        let with_db = scanner_states("i", "/b", &platform, &plan, &states, Some(&db), cache);
        assert!(with_db.unwrap().composed.is_none());
    }

    #[test]
    fn a_composed_stages_source_on_a_stage_is_cataloged_from_its_changes() {
        // deps (on an image) ← build (FROM deps); app (on the same image) copies
        // /app/node_modules of deps and /app/dist of build onto themselves.
        let (_, states) = one_stage();
        let mkdir = |st: &llb::State, path: &str| {
            st.file(
                llb::FileActions::new().mkdir(llb::MkdirInfo {
                    path: path.into(),
                    mode: 0o755,
                    make_parents: true,
                    owner: None,
                    timestamp: None,
                }),
                llb::OpMeta::default(),
            )
        };
        let base = states["base-0"].clone();
        let deps = mkdir(&base, "/app/node_modules");
        let build = mkdir(&deps, "/app/dist");
        let app = mkdir(&base, "/srv");
        let states = BTreeMap::from([
            ("base-0".to_string(), base),
            ("stage-0".to_string(), deps),
            ("stage-1".to_string(), build),
            ("stage-2".to_string(), app),
        ]);
        let stage = |index: usize, name: &str, base: PlanBase, steps: Vec<PlanStep>| PlanStage {
            index,
            name: name.into(),
            emit: true,
            is_final: index == 2,
            from_line: 1,
            base,
            steps,
        };
        let copy = |from: usize, path: &str| PlanStep {
            line: 9,
            dest: Some(path.into()),
            from_stage: Some(from),
            onto_itself: true,
            text: format!("COPY --from={from} {path} {path}"),
        };
        let plan = ScanPlan {
            platform: "linux/amd64".into(),
            stages: vec![
                stage(0, "deps", PlanBase::Image, Vec::new()),
                stage(1, "build", PlanBase::Stage(0), Vec::new()),
                stage(
                    2,
                    "app",
                    PlanBase::Image,
                    vec![copy(0, "/app/node_modules"), copy(1, "/app/dist")],
                ),
            ],
            same: BTreeMap::from([("base-2".to_string(), "base-0".to_string())]),
            diffs: BTreeMap::from([
                ("stage-0".to_string(), "base-0".to_string()),
                ("stage-1".to_string(), "stage-0".to_string()),
                ("stage-2".to_string(), "base-0".to_string()),
            ]),
            ..ScanPlan::default()
        };
        let leaves = with_diffs(&plan, Diffs::Leaves);
        assert_eq!(
            leaves.diffs,
            BTreeMap::from([("stage-1".to_string(), "stage-0".to_string())])
        );
        let composed = |plan: &ScanPlan| {
            let platform = Platform::linux_amd64();
            let cache = ExecCache::default();
            let out = scanner_states("i", "/b", &platform, plan, &states, None, cache).unwrap();
            out.composed.map(|c| exec_list(&c))
        };
        let execs = composed(&leaves).expect("a composing exec");
        let (rendering, catalogs): (Execs, Execs) = execs
            .into_iter()
            .partition(|(args, _)| args.contains(&"--compose".into()));
        let (args, mounts) = &rendering[0];
        for pair in [
            ["--scan", "stage-1=/run/here/stage-1"],
            ["--changes", "stage-1=/run/changes/stage-1"],
        ] {
            assert!(
                args.windows(2).any(|w| w == pair),
                "{pair:?} not in {args:?}"
            );
        }
        assert_eq!(
            dests(mounts),
            [
                "/",
                "/run/catalogs/base-0",
                "/run/catalogs/stage-0",
                "/run/changes/stage-1",
                "/run/here/stage-1",
                "/run/out",
                "/run/plan"
            ]
        );
        // The image and deps have their own exec, each a full scan.
        assert_eq!(catalogs.len(), 2, "{catalogs:?}");
        assert!(catalogs
            .iter()
            .all(|(a, _)| !a.contains(&"--parent".into())));
        // Every stage incremental: the final stage is cataloged from its parent, not composed.
        assert!(composed(&with_diffs(&plan, Diffs::All)).is_none());
        assert!(with_diffs(&plan, Diffs::None).diffs.is_empty());
    }
}
