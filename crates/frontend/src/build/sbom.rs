//! `--sbom=true` in frontend mode: per-stage SBOM attestations for every platform build.
//!
//! [`SbomRequest::from_opts`] reads `attest:sbom` (or `build-arg:BUILDKIT_ATTEST_SBOM`);
//! [`plan`] turns a converted platform build into an [`attest::stages::ScanPlan`] honouring
//! `BUILDKIT_SBOM_SCAN_STAGE` / `BUILDKIT_SBOM_SCAN_CONTEXT`; [`attest`] reads the stage
//! filesystems with the chosen [`Reader`] and returns the attestations of one platform.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use super::failure::Failure;
use super::sbom_exec::{self, Diffs};
use super::vulndb;
use crate::bridge::caps::llb_ids;
use crate::bridge::Bridge;
use crate::bridge::BridgeFs;
use crate::options::FrontendOpts;
use crate::proto::gateway as gw;
use stagetrail_convert::{PlatformBuild, StageBase, StepKind};
use stagetrail_llb as llb;
use stagetrail_sbom::catalog::fs::Fs;
use stagetrail_sbom::stages::{
    self, files, PlanBase, PlanStage, PlanStep, ScanPlan, StageDocuments, CONTEXT_KEY,
};

/// The build-arg that picks how stage filesystems are read (`exec` or `gateway`).
pub const READER_ARG: &str = "STAGETRAIL_SBOM_READER";
/// The most document bytes the gateway reader returns: its documents travel inline in the LLB
/// (a FileOp), which BuildKit 0.13's gateway and the clients it answers take up to 4 MiB at a time.
const MAX_INLINE_BYTES: usize = 3 << 20;

/// The build-arg that turns on incremental catalogs (a stage from its parent's catalog and a
/// `DiffOp`): off by default, since the engine materializes a diff of large layers at a cost
/// above a full scan's (README, "Per-stage SBOMs").
pub const INCREMENTAL_ARG: &str = "STAGETRAIL_SBOM_INCREMENTAL";

/// How the frontend reads stage filesystems.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    /// One exec of the frontend's own image with every filesystem mounted read-only
    /// (`stagetrail scan`); BuildKit caches it like any step.
    Exec,
    /// `ReadDir` / `ReadFile` / `StatFile` on solved refs, from the frontend process.
    Gateway,
}

/// What the client asked for with `attest:sbom`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SbomRequest {
    /// The filesystem reader.
    pub reader: Reader,
    /// Document time: `SOURCE_DATE_EPOCH` (build-arg, else the frontend's environment).
    pub epoch: Option<u64>,
    /// The image to run the scanner from (the frontend's own image, opt `source`).
    pub scanner_image: Option<String>,
    /// Catalog a stage from its parent's catalog and their `DiffOp` (exec reader, engines with
    /// the `diffop` cap), `STAGETRAIL_SBOM_INCREMENTAL`.
    pub incremental: bool,
}

impl SbomRequest {
    /// `None` unless SBOMs were asked for. The reader defaults to [`Reader::Exec`] when the
    /// frontend knows its own image, else [`Reader::Gateway`]; `STAGETRAIL_SBOM_READER`
    /// (build-arg) or the `reader=` attest parameter overrides it.
    pub fn from_opts(opts: &FrontendOpts) -> Result<Option<SbomRequest>, Failure> {
        let Some(params) = opts.attests.get("sbom") else {
            return Ok(None);
        };
        let param = params
            .split(',')
            .filter_map(|f| f.split_once('='))
            .find(|(k, _)| k.trim() == "reader")
            .map(|(_, v)| v.trim().to_string());
        let chosen = opts.convert.build_args.get(READER_ARG).cloned().or(param);
        let scanner_image = opts.source.clone().filter(|s| !s.is_empty());
        let reader = match chosen.as_deref() {
            None | Some("") if scanner_image.is_some() => Reader::Exec,
            None | Some("") => Reader::Gateway,
            Some("exec") if scanner_image.is_some() => Reader::Exec,
            Some("exec") => {
                return Err(Failure::new(
                    tonic::Code::InvalidArgument,
                    format!("{READER_ARG}=exec needs the frontend image (opt \"source\"); use the frontend through # syntax= or BUILDKIT_SYNTAX"),
                ))
            }
            Some("gateway") => Reader::Gateway,
            Some(other) => {
                return Err(Failure::new(
                    tonic::Code::InvalidArgument,
                    format!("{READER_ARG}={other:?}: use exec or gateway"),
                ))
            }
        };
        let epoch = opts
            .convert
            .source_date_epoch
            .and_then(|e| u64::try_from(e).ok())
            .or_else(stagetrail_sbom::document::source_date_epoch);
        let incremental = opts
            .convert
            .build_args
            .get(INCREMENTAL_ARG)
            .and_then(|v| parse_bool(v))
            .unwrap_or(false);
        Ok(Some(SbomRequest {
            reader,
            epoch,
            scanner_image,
            incremental,
        }))
    }
}

/// Go's `strconv.ParseBool`.
fn parse_bool(value: &str) -> Option<bool> {
    match value {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// strconv.ParseBool, else a comma list naming `stage` (upstream `isEnabledForStage`).
pub fn enabled_for_stage(stage: &str, value: &str) -> bool {
    parse_bool(value).unwrap_or_else(|| value.split(',').any(|v| v == stage))
}

/// The stage's report name: its `AS` name, else `stage-<index>`.
fn stage_name(name: &Option<String>, index: usize) -> String {
    name.clone().unwrap_or_else(|| format!("stage-{index}"))
}

/// The scan plan of one platform build, and the LLB state behind every key.
pub fn plan(b: &PlatformBuild, epoch: Option<u64>) -> (ScanPlan, BTreeMap<String, llb::State>) {
    let target = b.stages.last().map(|s| s.index);
    let mut states = BTreeMap::new();
    let mut stages = Vec::new();
    for st in &b.stages {
        let name = stage_name(&st.name, st.index);
        let is_final = Some(st.index) == target;
        let emit = is_final
            || st
                .sbom_scan_stage
                .as_deref()
                .is_none_or(|v| enabled_for_stage(&name, v));
        let base = match &st.base {
            StageBase::Scratch => PlanBase::Scratch,
            StageBase::Stage(i) => PlanBase::Stage(*i),
            StageBase::Image { .. } | StageBase::Context(_) => PlanBase::Image,
        };
        let steps = st
            .steps
            .iter()
            .map(|s| match &s.kind {
                StepKind::Run => PlanStep {
                    line: s.line,
                    dest: None,
                    from_stage: None,
                    onto_itself: false,
                    text: s.text.clone(),
                },
                StepKind::Copy {
                    dest,
                    from_stage,
                    onto_itself,
                } => PlanStep {
                    line: s.line,
                    dest: Some(dest.clone()),
                    from_stage: *from_stage,
                    onto_itself: *onto_itself,
                    text: s.text.clone(),
                },
            })
            .collect();
        let ps = PlanStage {
            index: st.index,
            name,
            emit,
            is_final,
            from_line: st.span.start_line,
            base,
            steps,
        };
        states.insert(ps.key(), st.state.clone());
        if ps.base == PlanBase::Image {
            states.insert(ps.base_key(), st.from_state.clone());
        }
        stages.push(ps);
    }
    let context = b.stages.last().is_some_and(|t| {
        t.sbom_scan_context
            .as_deref()
            .is_some_and(|v| enabled_for_stage(&stage_name(&t.name, t.index), v))
    });
    if context {
        states.insert(CONTEXT_KEY.to_string(), b.context.clone());
    }
    let same = same_filesystems(&mut states);
    let diffs = parents(&stages, &same, &states);
    let plan = ScanPlan {
        platform: b.platform.id(),
        epoch,
        stages,
        context,
        same,
        diffs,
    };
    (plan, states)
}

/// Each scanned stage key mapped to the scanned key of what it starts from (its image base or
/// `FROM` stage), for incremental catalogs ([`ScanPlan::diffs`]).
fn parents(
    stages: &[PlanStage],
    same: &BTreeMap<String, String>,
    states: &BTreeMap<String, llb::State>,
) -> BTreeMap<String, String> {
    let scanned = |key: String| {
        let key = same.get(&key).cloned().unwrap_or(key);
        states.contains_key(&key).then_some(key)
    };
    stages
        .iter()
        .filter_map(|st| {
            let parent = match st.base {
                PlanBase::Scratch => return None,
                PlanBase::Image => st.base_key(),
                PlanBase::Stage(i) => stages::stage_key(i),
            };
            let child = st.key();
            let parent = scanned(parent)?;
            (states.contains_key(&child) && parent != child).then_some((child, parent))
        })
        .collect()
}

/// Keys whose state is an earlier key's (in key order) — the same output of the same op, by
/// digest, so the same filesystem whatever the ops' names — mapped to that key and removed
/// from `states`, so each distinct filesystem is read once.
fn same_filesystems(states: &mut BTreeMap<String, llb::State>) -> BTreeMap<String, String> {
    let mut first: BTreeMap<(Option<String>, Option<i64>), String> = BTreeMap::new();
    let mut same = BTreeMap::new();
    for (key, st) in states.iter() {
        let id = (st.digest().map(str::to_string), st.output_index());
        match first.get(&id) {
            Some(k) => {
                same.insert(key.clone(), k.clone());
            }
            None => {
                first.insert(id, key.clone());
            }
        }
    }
    states.retain(|k, _| !same.contains_key(k));
    same
}

/// The metadata every SBOM attestation carries.
fn metadata() -> BTreeMap<String, Vec<u8>> {
    BTreeMap::from([
        ("reason".to_string(), b"sbom".to_vec()),
        ("sbom-core".to_string(), b"sbom".to_vec()),
    ])
}

/// The SBOM attestations of one platform build.
pub async fn attest(
    bridge: &Bridge,
    req: &SbomRequest,
    opts: &FrontendOpts,
    b: &PlatformBuild,
) -> Result<Vec<gw::Attestation>, Failure> {
    let (plan, states) = plan(b, req.epoch);
    let db = vulndb::state(opts)?;
    let started = Instant::now();
    let out = match (req.reader, &req.scanner_image) {
        (Reader::Exec, Some(image)) => {
            let db = db.as_ref();
            let diffs = match (bridge.has_llb_cap(llb_ids::DIFF_OP), req.incremental) {
                (false, _) => Diffs::None,
                (true, false) => Diffs::Leaves,
                (true, true) => Diffs::All,
            };
            let plan = sbom_exec::with_diffs(&plan, diffs);
            sbom_exec::attest(bridge, opts, image, &plan, &states, db, metadata()).await?
        }
        _ if db.is_some() => return Err(vulndb::needs_exec()),
        _ => gateway_attest(bridge, &plan, &states).await?,
    };
    tracing::info!(
        "stagetrail: SBOMs of {} ({} stages, reader {:?}) in {} ms",
        plan.platform,
        plan.stages.len(),
        req.reader,
        started.elapsed().as_millis()
    );
    Ok(out)
}

/// Reads every filesystem over the gateway, renders the documents in this process and
/// returns one InToto attestation per document (predicate files in one solved FileOp, at most
/// [`MAX_INLINE_BYTES`]).
async fn gateway_attest(
    bridge: &Bridge,
    plan: &ScanPlan,
    states: &BTreeMap<String, llb::State>,
) -> Result<Vec<gw::Attestation>, Failure> {
    let mut refs = BTreeMap::new();
    for (key, st) in states {
        let id = if st.is_scratch() {
            String::new()
        } else {
            bridge.solve(llb::marshal(st, None)).await?
        };
        refs.insert(key.clone(), id);
    }
    let started = Instant::now();
    let calls = AtomicU64::new(0);
    let docs = {
        let mut open = |key: &str| -> Result<Box<dyn Fs + '_>, String> {
            let id = refs.get(key).cloned().unwrap_or_default();
            Ok(Box::new(BridgeFs::new(bridge, id, &calls)))
        };
        stages::generate(plan, &mut open)
    };
    tracing::info!(
        "stagetrail: gateway reader cataloged {} filesystems with {} gateway calls in {} ms",
        refs.len(),
        calls.load(Ordering::Relaxed),
        started.elapsed().as_millis()
    );
    log_warnings(&docs);
    let internal = |m: String| Failure::new(tonic::Code::Internal, m);
    let files = files::document_files(&docs)
        .map_err(|e| internal(format!("cannot encode an SBOM document: {e}")))?;
    let total: usize = files.iter().map(|f| f.data.len()).sum();
    if total > MAX_INLINE_BYTES {
        return Err(internal(format!(
            "the SBOM documents are {total} bytes, more than the gateway reader can return \
             ({MAX_INLINE_BYTES}: they travel inside the LLB, which BuildKit 0.13 and its \
             clients take up to 4 MiB at a time); use the exec reader ({READER_ARG}=exec)"
        )));
    }
    let state = predicate_files(&files, plan.epoch);
    let id = bridge.solve(llb::marshal(&state, None)).await?;
    Ok(sbom_exec::sbom_attestations(
        &id,
        &plan.document_stems(),
        &metadata(),
    ))
}

/// Writes a few warnings per document to the build log.
pub fn log_warnings(docs: &[StageDocuments]) {
    for d in docs {
        for w in d.warnings.iter().take(5) {
            tracing::warn!("{}: {w}", d.stem);
        }
        if d.warnings.len() > 5 {
            tracing::warn!("{}: {} more warnings", d.stem, d.warnings.len() - 5);
        }
    }
}

/// A FileOp writing `files` at its root, dated `epoch`.
fn predicate_files(files: &[files::DocumentFile], epoch: Option<u64>) -> llb::State {
    let timestamp = epoch
        .and_then(|e| i64::try_from(e).ok())
        .map(|e| e * 1_000_000_000);
    let mut actions = llb::FileActions::new();
    for f in files {
        actions = actions.mkfile(llb::MkfileInfo {
            path: format!("/{}", f.name),
            mode: 0o644,
            data: f.data.clone(),
            owner: None,
            timestamp,
        });
    }
    llb::State::scratch().file(
        actions,
        llb::OpMeta::named("[internal] stagetrail: SBOM documents"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scan_stage_values_follow_upstream() {
        assert!(enabled_for_stage("build", "true"));
        assert!(enabled_for_stage("build", "1"));
        assert!(!enabled_for_stage("build", "false"));
        assert!(enabled_for_stage("build", "deps,build"));
        assert!(!enabled_for_stage("build", "deps"));
        assert!(!enabled_for_stage("build", ""));
    }

    #[test]
    fn a_base_image_shared_by_stages_is_read_once() {
        let image = |r: &str, name: &str| {
            llb::State::source(r, BTreeMap::new(), None, llb::OpMeta::named(name))
        };
        let debian = "docker-image://docker.io/library/debian:bookworm";
        let mut states = BTreeMap::from([
            ("base-0".to_string(), image(debian, "[a 1/2] FROM debian")),
            ("base-2".to_string(), image(debian, "[b 1/1] FROM debian")),
            (
                "stage-0".to_string(),
                image("docker-image://docker.io/library/alpine:3", "x"),
            ),
            ("stage-2".to_string(), image(debian, "[b 1/1] FROM debian")),
        ]);
        let same = same_filesystems(&mut states);
        assert_eq!(
            same,
            BTreeMap::from([
                ("base-2".to_string(), "base-0".to_string()),
                ("stage-2".to_string(), "base-0".to_string()),
            ])
        );
        assert_eq!(states.keys().collect::<Vec<_>>(), ["base-0", "stage-0"]);
    }

    #[test]
    fn each_stage_is_diffed_against_what_it_starts_from() {
        let stage = |index, base| PlanStage {
            index,
            name: format!("s{index}"),
            emit: true,
            is_final: false,
            from_line: 1,
            base,
            steps: Vec::new(),
        };
        let stages = vec![
            stage(0, PlanBase::Image),
            stage(1, PlanBase::Stage(0)),
            stage(2, PlanBase::Scratch),
            stage(3, PlanBase::Image),
            stage(4, PlanBase::Stage(1)),
        ];
        let st = |name: &str| {
            llb::State::source(
                &format!("docker-image://{name}"),
                BTreeMap::new(),
                None,
                llb::OpMeta::default(),
            )
        };
        let states: BTreeMap<String, llb::State> =
            ["base-0", "stage-0", "stage-1", "stage-2", "stage-3"]
                .into_iter()
                .map(|k| (k.to_string(), st(k)))
                .collect();
        // base-3 is base-0's image; stage-4 only changed metadata, so it is stage-1.
        let same = BTreeMap::from([
            ("base-3".to_string(), "base-0".to_string()),
            ("stage-4".to_string(), "stage-1".to_string()),
        ]);
        let want = BTreeMap::from([
            ("stage-0".to_string(), "base-0".to_string()),
            ("stage-1".to_string(), "stage-0".to_string()),
            ("stage-3".to_string(), "base-0".to_string()),
        ]);
        assert_eq!(parents(&stages, &same, &states), want);
    }
}
