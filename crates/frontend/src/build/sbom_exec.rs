//! The exec reader: one ExecOp of the frontend's own image runs `stagetrail scan` with every
//! stage filesystem mounted read-only at `/run/src/<key>` and the plan at `/run/plan/plan.json`;
//! it writes full in-toto statements to `/run/out` (SPDX) and `/run/out-cdx` (CycloneDX), which
//! come back as two Bundle attestations (the scanner protocol, docs/architecture.md). With the
//! build's OSV database ([`super::vulndb`]) mounted at `/run/vulndb`, a third output, `/run/out-vuln`,
//! holds one cosign vuln/v1 statement per stage.

use std::collections::BTreeMap;

use tonic::Code;

use super::failure::Failure;
use crate::bridge::caps::llb_ids;
use crate::bridge::Bridge;
use crate::options::FrontendOpts;
use crate::proto::{gateway as gw, pb};
use stagetrail_convert::Platform;
use stagetrail_llb::{self as llb, Exec, Mount, MountKind};
use stagetrail_oci::attestations::statement::{CYCLONEDX, SPDX, VULN};
use stagetrail_oci::Reference;
use stagetrail_sbom::stages::ScanPlan;

/// Where the plan is mounted.
pub const PLAN_DIR: &str = "/run/plan";
/// Where the filesystems are mounted.
pub const SRC_DIR: &str = "/run/src";
/// Where each stage's changes over its parent ([`ScanPlan::diffs`]) are mounted.
pub const DIFF_DIR: &str = "/run/diff";
/// Where SPDX statements are written.
pub const OUT_SPDX: &str = "/run/out";
/// Where CycloneDX statements are written.
pub const OUT_CDX: &str = "/run/out-cdx";
/// Where the OSV database is mounted.
pub const VULNDB_DIR: &str = "/run/vulndb";
/// Where vulnerability statements are written.
pub const OUT_VULN: &str = "/run/out-vuln";

fn internal(m: impl Into<String>) -> Failure {
    Failure::new(Code::Internal, m)
}

/// The scanner's command line: the image's entrypoint binary with `scan` arguments.
fn command(binary: &str, vulndb: bool, diffs: bool) -> Vec<String> {
    let mut args = [
        binary,
        "scan",
        "--plan",
        &format!("{PLAN_DIR}/plan.json"),
        "--src",
        SRC_DIR,
        "--out",
        OUT_SPDX,
        "--out-cyclonedx",
        OUT_CDX,
    ]
    .map(str::to_string)
    .to_vec();
    if vulndb {
        args.extend(["--vulndb", VULNDB_DIR, "--out-vuln", OUT_VULN].map(str::to_string));
    }
    if diffs {
        args.extend(["--diffs", DIFF_DIR].map(str::to_string));
    }
    args
}

/// How BuildKit caches the scanner exec.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExecCache {
    /// Run it again whatever the cache holds (upstream does so when the target or a scanned
    /// stage is `--no-cache`).
    pub ignore: bool,
    /// Key it by the mounted states' own cache keys, not by a checksum of every file they hold
    /// (which BuildKit computes for each read-only bind unless told otherwise, reading every byte
    /// of every stage: most of what `--sbom=true` used to cost). Needs the engine's
    /// `exec.mount.cache.content` cap. Local sources (the context, a local named context, the
    /// OSV database) keep the checksum: their own key names the client session, which changes
    /// with every build, so without it an unchanged rebuild would scan them again.
    pub no_content_hash: bool,
}

/// The plan the exec runs: without [`ScanPlan::diffs`] unless `diffs` (incremental catalogs
/// asked for, and the engine has DiffOp).
pub fn with_diffs(plan: &ScanPlan, diffs: bool) -> ScanPlan {
    let mut plan = plan.clone();
    if !diffs {
        plan.diffs.clear();
    }
    plan
}

/// The scanner exec's outputs with the predicate type of their statements: SPDX, CycloneDX and,
/// with `vulndb` (the OSV database's filesystem), vuln/v1.
pub fn scanner_states(
    image: &str,
    binary: &str,
    platform: &Platform,
    plan: &ScanPlan,
    states: &BTreeMap<String, llb::State>,
    vulndb: Option<&llb::State>,
    cache: ExecCache,
) -> Result<Vec<(llb::State, &'static str)>, String> {
    let read_only = |st: &llb::State| {
        let local = st
            .source_identifier()
            .is_some_and(|id| id.starts_with("local://"));
        if cache.no_content_hash && !local {
            MountKind::BindNoContentCache
        } else {
            MountKind::Bind
        }
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
    let root = llb::State::source(
        &format!("docker-image://{image}"),
        BTreeMap::new(),
        Some(pb::Platform::from(platform)),
        llb::OpMeta::named(format!("[internal] stagetrail scanner {image}")),
    );
    let mut mounts = vec![Mount {
        kind: read_only(&plan_state),
        dest: PLAN_DIR.into(),
        source: plan_state,
        selector: String::new(),
        readonly: true,
    }];
    for (key, st) in states {
        mounts.push(Mount {
            dest: format!("{SRC_DIR}/{key}"),
            source: st.clone(),
            selector: String::new(),
            readonly: true,
            kind: read_only(st),
        });
    }
    for (key, parent) in &plan.diffs {
        let (Some(lower), Some(upper)) = (states.get(parent), states.get(key)) else {
            continue;
        };
        let diff = llb::State::diff(
            lower,
            upper,
            llb::OpMeta::named(format!("[{}] stagetrail: changes of {key}", plan.platform)),
        );
        mounts.push(Mount {
            dest: format!("{DIFF_DIR}/{key}"),
            kind: read_only(&diff),
            source: diff,
            selector: String::new(),
            readonly: true,
        });
    }
    if let Some(db) = vulndb {
        mounts.push(Mount {
            dest: VULNDB_DIR.into(),
            source: db.clone(),
            selector: String::new(),
            readonly: true,
            kind: read_only(db),
        });
    }
    let mut outputs = vec![(OUT_SPDX, SPDX), (OUT_CDX, CYCLONEDX)];
    if vulndb.is_some() {
        outputs.push((OUT_VULN, VULN));
    }
    for (dest, _) in &outputs {
        mounts.push(Mount {
            dest: (*dest).into(),
            source: llb::State::scratch(),
            selector: String::new(),
            readonly: false,
            kind: MountKind::Bind,
        });
    }
    let mut op_meta = llb::OpMeta::named(format!(
        "[{}] stagetrail: cataloging {} filesystems",
        plan.platform,
        states.len()
    ));
    op_meta.ignore_cache = cache.ignore;
    let exec = Exec {
        meta: pb::Meta {
            args: command(binary, vulndb.is_some(), !plan.diffs.is_empty()),
            env: vec!["PATH=/usr/local/bin:/usr/bin:/bin".into()],
            cwd: "/".into(),
            ..Default::default()
        },
        mounts,
        network: pb::NetMode::None,
        platform: Some(pb::Platform::from(platform)),
        op_meta,
        ..Default::default()
    };
    let out = root.run(exec);
    let first = out.mounts.len() - outputs.len();
    outputs
        .iter()
        .enumerate()
        .map(
            |(i, (_, predicate))| match out.mounts.get(first + i).cloned().flatten() {
                Some(st) => Ok((st, *predicate)),
                None => Err("the scanner exec has no output mounts".to_string()),
            },
        )
        .collect()
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

/// Runs the scanner exec for one platform and returns its Bundle attestations: SPDX, CycloneDX
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
    let mut out = Vec::new();
    for (st, predicate) in outputs {
        let id = bridge.solve(llb::marshal(&st, None)).await?;
        out.push(gw::Attestation {
            kind: gw::AttestationKind::Bundle as i32,
            metadata: if predicate == VULN {
                BTreeMap::new()
            } else {
                metadata.clone()
            },
            r#ref: Some(gw::Ref { id, def: None }),
            path: String::new(),
            in_toto_predicate_type: predicate.to_string(),
            in_toto_subjects: Vec::new(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entrypoints_and_commands() {
        let cfg = br#"{"config":{"Entrypoint":["/bin/stagetrail","frontend"]}}"#;
        assert_eq!(entrypoint(cfg).unwrap(), "/bin/stagetrail");
        assert!(entrypoint(br#"{"config":{}}"#).is_err());
        assert!(entrypoint(b"nope").is_err());
        assert_eq!(command("/bin/stagetrail", false, false)[1], "scan");
        assert!(!command("/bin/stagetrail", false, false).contains(&"--vulndb".to_string()));
        assert!(command("/bin/stagetrail", true, false).ends_with(&[
            "--vulndb".to_string(),
            VULNDB_DIR.into(),
            "--out-vuln".into(),
            OUT_VULN.into()
        ]));
    }

    #[test]
    fn scanner_exec_mounts_every_filesystem_read_only() {
        let plan = ScanPlan {
            platform: "linux/amd64".into(),
            ..ScanPlan::default()
        };
        let img = llb::State::source(
            "docker-image://docker.io/library/debian:bookworm",
            BTreeMap::new(),
            None,
            llb::OpMeta::default(),
        );
        let states = BTreeMap::from([("stage-0".to_string(), img)]);
        let run_with = |db, cache| {
            scanner_states(
                "example.com/stagetrail:1",
                "/bin/stagetrail",
                &Platform::linux_amd64(),
                &plan,
                &states,
                db,
                cache,
            )
            .unwrap()
        };
        let run = |db| run_with(db, ExecCache::default());
        let outputs = run(None);
        let types: Vec<&str> = outputs.iter().map(|o| o.1).collect();
        assert_eq!(types, [SPDX, CYCLONEDX]);
        let def = llb::marshal(&outputs[0].0, None);
        let dump = llb::dump_json(&def).to_string();
        assert!(dump.contains("/run/src/stage-0"), "{dump}");
        assert!(dump.contains("docker-image://example.com/stagetrail:1"));
        assert!(dump.contains("\"readonly\":true"));
        assert!(!dump.contains(VULNDB_DIR), "{dump}");
        assert!(!dump.contains(DIFF_DIR), "{dump}");
        assert!(!dump.contains("contentCache"), "{dump}");

        // With the OSV database: mounted read-only, and a third output for the statements.
        let db = llb::State::source(
            "local://stagetrail-vulndb",
            BTreeMap::new(),
            None,
            llb::OpMeta::default(),
        );
        let outputs = run(Some(&db));
        let types: Vec<&str> = outputs.iter().map(|o| o.1).collect();
        assert_eq!(types, [SPDX, CYCLONEDX, VULN]);
        let dump = llb::dump_json(&llb::marshal(&outputs[2].0, None)).to_string();
        assert!(dump.contains("local://stagetrail-vulndb"), "{dump}");
        assert!(dump.contains(OUT_VULN), "{dump}");

        // On an engine with the cap, no read-only mount is checksummed for the cache key but
        // the local OSV database's (its source key changes with every client session).
        let cache = ExecCache {
            no_content_hash: true,
            ..ExecCache::default()
        };
        let def = llb::marshal(&run_with(Some(&db), cache)[0].0, None);
        let dump = llb::dump_json(&def);
        let exec = dump
            .as_array()
            .unwrap()
            .iter()
            .find(|op| op["op"]["exec"].is_object())
            .unwrap();
        for m in exec["op"]["exec"]["mounts"].as_array().unwrap() {
            let off = m["contentCache"] == "OFF";
            let unhashed = m["readonly"] == true && m["dest"] != VULNDB_DIR;
            assert_eq!(off, unhashed, "{m}");
        }
    }

    #[test]
    fn a_stage_with_a_parent_gets_its_changes_mounted() {
        let image = |r: &str| {
            llb::State::source(
                &format!("docker-image://{r}"),
                BTreeMap::new(),
                None,
                llb::OpMeta::default(),
            )
        };
        let base = image("docker.io/library/debian:bookworm");
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
        let states = BTreeMap::from([("base-0".to_string(), base), ("stage-0".to_string(), stage)]);
        let plan = ScanPlan {
            platform: "linux/amd64".into(),
            diffs: BTreeMap::from([("stage-0".to_string(), "base-0".to_string())]),
            ..ScanPlan::default()
        };
        let dump = |plan: &ScanPlan| {
            let out = scanner_states(
                "example.com/stagetrail:1",
                "/bin/stagetrail",
                &Platform::linux_amd64(),
                plan,
                &states,
                None,
                ExecCache::default(),
            )
            .unwrap();
            llb::dump_json(&llb::marshal(&out[0].0, None)).to_string()
        };
        let with = dump(&with_diffs(&plan, true));
        assert!(with.contains("/run/diff/stage-0"), "{with}");
        assert!(with.contains("\"diff\""), "{with}");
        let without = dump(&with_diffs(&plan, false));
        assert!(!without.contains("/run/diff/stage-0"), "{without}");
        assert!(!without.contains("\"diff\""), "{without}");
    }
}
