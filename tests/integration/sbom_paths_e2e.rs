//! The documented SBOM paths `sbom_e2e` does not take, on the real stack: the gateway reader
//! (`STAGETRAIL_SBOM_READER=gateway`) against the exec reader, `BUILDKIT_SBOM_SCAN_CONTEXT`,
//! `stagetrail verify`'s every-stage rule on the SBOMs our frontend attached, a base image shared
//! by stages cataloged once, and our image as the built-in frontend's SBOM generator
//! (`--attest type=sbom,generator=IMAGE`, BuildKit's scanner protocol).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::Value;
use stagetrail_oci::attestations::statement::{CYCLONEDX, SPDX};

use crate::sbom_e2e::{self, put};
use crate::support::stack::{stack, Stack};

const EPOCH: &str = "SOURCE_DATE_EPOCH=1700000000";

/// `sbom_e2e`'s context (an npm tree, a Python package, a `Cargo.lock`) with `dockerfile`.
fn context(name: &str, dockerfile: &str) -> PathBuf {
    let dir = sbom_e2e::context(&format!("paths-{name}"));
    put(&dir, "Dockerfile", dockerfile);
    dir
}

/// The purls of an SPDX document's packages.
fn spdx_purls(doc: &Value) -> BTreeSet<String> {
    doc["packages"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["externalRefs"].as_array().cloned().unwrap_or_default())
        .filter_map(|r| r["referenceLocator"].as_str().map(str::to_string))
        .collect()
}

/// Builds `dir` through `frontend` with SBOMs (no provenance) and `extra` arguments, pushes it as
/// `image`; the build log.
fn push_with_sboms(s: &Stack, dir: &Path, frontend: &str, image: &str, extra: &[&str]) -> String {
    let mut args = vec![
        "--build-arg",
        EPOCH,
        "--sbom=true",
        "--provenance=false",
        "--push",
        "-t",
        image,
    ];
    args.extend_from_slice(extra);
    String::from_utf8_lossy(&s.build(dir, frontend, &args).stderr).into_owned()
}

/// Asserts that `image`'s SPDX and CycloneDX documents, `stages` of each, are those of `full`
/// (whose stages were scanned whole), predicate for predicate.
fn same_documents(s: &Stack, full: &str, image: &str, stages: usize) {
    for predicate_type in [SPDX, CYCLONEDX] {
        let want = s.statements(full, predicate_type);
        let got = s.statements(image, predicate_type);
        assert_eq!(want.len(), stages, "{predicate_type}: {:?}", want.keys());
        for (stage, doc) in &want {
            assert_eq!(
                Some(&doc["predicate"]),
                got.get(stage).map(|d| &d["predicate"]),
                "{predicate_type}: stage {stage}: {image}'s documents differ from the full scan's"
            );
        }
    }
}

const SCRATCH_STAGES: &str = "FROM scratch AS npm\nCOPY npm/ /app/\nFROM scratch AS rust\nCOPY rust/Cargo.lock /src/Cargo.lock\nFROM scratch\nCOPY --from=npm /app/node_modules /app/node_modules\nCOPY --from=rust /src/Cargo.lock /src/Cargo.lock\n";

#[test]
fn gateway_reader_scan_context_and_verify_every_stage() {
    let s = stack();
    let frontend = s.frontend();
    let dir = context("readers", SCRATCH_STAGES);
    let image = |tag: &str| format!("{}/sbom10-paths/readers:{tag}", s.registry);
    let build = |tag: &str, extra: &[&str]| {
        let mut args = vec!["--build-arg", "BUILDKIT_SBOM_SCAN_CONTEXT=true"];
        args.extend_from_slice(extra);
        push_with_sboms(&s, &dir, &frontend, &image(tag), &args);
    };
    build("exec", &[]);
    build(
        "gateway",
        &["--build-arg", "STAGETRAIL_SBOM_READER=gateway"],
    );

    // Both readers give the same documents, the build context's included.
    for predicate_type in [SPDX, CYCLONEDX] {
        let exec = s.statements(&image("exec"), predicate_type);
        let gateway = s.statements(&image("gateway"), predicate_type);
        // Keyed by `stagetrail:stage`, else the document's name (the context's has no stage).
        let names: BTreeSet<&str> = exec.keys().map(String::as_str).collect();
        let context = if predicate_type == SPDX {
            "context"
        } else {
            ""
        };
        assert!(
            names.contains(context) && names.contains("npm") && names.contains("rust"),
            "{predicate_type}: {names:?}"
        );
        assert_eq!(names.len(), 4, "{predicate_type}: {names:?}");
        let predicates = |m: &BTreeMap<String, Value>| -> BTreeMap<String, Value> {
            m.iter()
                .map(|(k, v)| (k.clone(), v["predicate"].clone()))
                .collect()
        };
        assert_eq!(
            predicates(&exec),
            predicates(&gateway),
            "{predicate_type}: the gateway reader's documents differ from the exec reader's"
        );
    }
    let spdx = s.statements(&image("exec"), SPDX);
    let context = spdx_purls(&spdx["context"]["predicate"]);
    for purl in [
        "pkg:npm/left-pad@1.3.0",
        "pkg:npm/ms@2.1.3",
        "pkg:cargo/serde@1.0.200",
    ] {
        assert!(context.contains(purl), "{purl} not in {context:?}");
    }

    // verify's every-stage rule passes on our SBOMs, and names the stages a build left out.
    put(
        &dir,
        "p.yaml",
        "required_predicate_types: [spdx, cyclonedx]\nsbom_per_stage: true\n",
    );
    let (code, out, err) = s.stagetrail(&["verify", &image("exec"), "--policy", "p.yaml"], &dir);
    assert_eq!(code, 0, "{out}{err}");
    build("partial", &["--build-arg", "BUILDKIT_SBOM_SCAN_STAGE=rust"]);
    let (code, out, err) = s.stagetrail(&["verify", &image("partial"), "--policy", "p.yaml"], &dir);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.lines()
            .any(|l| l.starts_with("sbom_per_stage: linux/amd64: stage(s) \"npm\" have no SBOM")),
        "{out}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A final stage on a Debian base that only copies stages' paths onto the same paths: `npm` is
/// also a base of `tools`, `rust` and `tools` are used by the final stage alone (`tools` is
/// cataloged from `npm`'s catalog and its changes, `rust` walked: it starts from an image).
const COMPOSED_STAGES: &str = "ARG BASE\nFROM ${BASE} AS npm\nCOPY npm/ /app/\n\
    FROM ${BASE} AS rust\nCOPY rust/Cargo.lock /src/Cargo.lock\n\
    FROM npm AS tools\nRUN echo tools > /tools\n\
    FROM ${BASE}\nWORKDIR /app\nCOPY --from=npm /app/node_modules ./node_modules\n\
    COPY --link --from=rust /src/Cargo.lock /src/Cargo.lock\nCOPY --from=tools /tools /tools\n";

#[test]
fn a_composed_final_stage_has_the_full_scans_documents() {
    let s = stack();
    let frontend = s.frontend();
    let dir = context("composed", COMPOSED_STAGES);
    let image = |tag: &str| format!("{}/sbom10-paths/composed:{tag}", s.registry);
    let log = push_with_sboms(&s, &dir, &frontend, &image("exec"), &["--no-cache"]);
    assert!(
        log.lines()
            .any(|l| l.contains("stagetrail scan: stage-3: ") && l.contains("composed from")),
        "the final stage's catalog is not composed:\n{log}"
    );
    // `tools` (FROM npm, used by the final stage alone) is cataloged from npm's catalog and the
    // DiffOp of the two, where the final stage's catalog is composed.
    assert!(
        log.lines().any(|l| l.contains("stagetrail scan: stage-2: ")
            && l.contains("from its parent and their diff")),
        "tools is not cataloged from its changes:\n{log}"
    );
    // The same filesystems, the last copy through a wildcard: not composed, each walked whole.
    let full_scan = COMPOSED_STAGES.replace(
        "COPY --from=tools /tools /tools",
        "COPY --from=tools /tool[s] /tools",
    );
    put(&dir, "Dockerfile", &full_scan);
    let log = push_with_sboms(&s, &dir, &frontend, &image("full"), &["--no-cache"]);
    assert!(
        !log.contains("composed from") && !log.contains("from its parent"),
        "{log}"
    );
    same_documents(&s, &image("full"), &image("exec"), 4);
    let spdx = s.statements(&image("exec"), SPDX);
    let last = spdx_purls(&spdx["stage-3"]["predicate"]);
    for purl in ["pkg:npm/left-pad@1.3.0", "pkg:cargo/serde@1.0.200"] {
        assert!(last.contains(purl), "{purl} not in {last:?}");
    }
    assert!(
        last.iter().any(|p| p.starts_with("pkg:deb/debian/")),
        "{last:?}"
    );

    // A copy onto what dpkg reads by name is not composed: the final stage is scanned in full.
    put(
        &dir,
        "Dockerfile",
        "ARG BASE\nFROM ${BASE} AS docs\nRUN mkdir -p /usr/share/doc/extra\nFROM ${BASE}\n\
         COPY --from=docs /usr/share/doc /usr/share/doc\n",
    );
    let log = push_with_sboms(&s, &dir, &frontend, &image("refused"), &["--no-cache"]);
    let why = "stage-1: not composed: /usr/share/doc: overlaps /usr/share/doc, read by name";
    assert!(log.contains(why), "{log}");
    let spdx = s.statements(&image("refused"), SPDX);
    assert!(
        spdx_purls(&spdx["stage-1"]["predicate"])
            .iter()
            .any(|p| p.starts_with("pkg:deb/debian/")),
        "{:?}",
        spdx.keys()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Stages on a Debian base that install, upgrade, remove and overwrite packages.
const CHANGING_STAGES: &str = r#"ARG BASE
FROM ${BASE} AS base
COPY npm/ /app/
FROM base AS changed
COPY rust/Cargo.lock /src/Cargo.lock
RUN rm -rf /app/node_modules/ms && dpkg --purge --force-all hostname \
 && sed -i 's/"version": *"[^"]*"/"version": "9.9.9"/' /app/node_modules/left-pad/package.json
FROM changed AS overwritten
COPY npm/node_modules/left-pad/package.json /app/node_modules/ms/package.json
COPY npm/package.json /app/node_modules/left-pad/package.json
"#;

#[test]
fn incremental_catalogs_equal_full_scans() {
    let s = stack();
    let frontend = s.frontend();
    let dir = context("incremental", CHANGING_STAGES);
    let image = |tag: &str| format!("{}/sbom10-paths/incremental:{tag}", s.registry);
    // --no-cache: the scanner runs (and logs) on every run of the test.
    let build = |tag: &str, extra: &[&str]| {
        let mut args = vec!["--no-cache"];
        args.extend_from_slice(extra);
        push_with_sboms(&s, &dir, &frontend, &image(tag), &args)
    };
    let full = build("full", &[]);
    assert!(!full.contains("from its parent and their diff"), "{full}");
    let log = build(
        "incremental",
        &["--build-arg", "STAGETRAIL_SBOM_INCREMENTAL=1"],
    );
    // Every stage is cataloged from its parent and the DiffOp of the two.
    for key in ["stage-0", "stage-1", "stage-2"] {
        let line = format!("stagetrail scan: {key}: ");
        assert!(
            log.lines()
                .any(|l| l.contains(&line) && l.contains("from its parent and their diff")),
            "{key} is not cataloged incrementally:\n{log}"
        );
    }
    same_documents(&s, &image("full"), &image("incremental"), 3);
    // The changes are in the documents: an upgrade, a removal, a purge, an overwrite.
    let spdx = s.statements(&image("incremental"), SPDX);
    let purls = |stage: &str| spdx_purls(&spdx[stage]["predicate"]);
    assert!(purls("base")
        .iter()
        .any(|p| p.starts_with("pkg:deb/debian/hostname@")));
    assert!(!purls("changed")
        .iter()
        .any(|p| p.starts_with("pkg:deb/debian/hostname@")));
    assert!(
        purls("changed").contains("pkg:npm/left-pad@9.9.9"),
        "{:?}",
        purls("changed")
    );
    assert!(purls("changed").contains("pkg:cargo/serde@1.0.200"));
    assert_ne!(purls("changed"), purls("overwritten"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn builtin_frontend_with_our_image_as_generator_and_a_shared_base() {
    let s = stack();
    let frontend = s.frontend();
    let dir = context(
        "generator",
        "ARG BASE\nFROM ${BASE} AS npm\nARG BUILDKIT_SBOM_SCAN_STAGE=true\nCOPY npm/ /app/\nFROM ${BASE} AS rust\nARG BUILDKIT_SBOM_SCAN_STAGE=true\nCOPY rust/Cargo.lock /src/Cargo.lock\nFROM ${BASE}\nCOPY --from=npm /app /app\nCOPY --from=rust /src /src\n",
    );
    let ours = format!("{}/sbom10-paths/generator:ours", s.registry);
    let builtin = format!("{}/sbom10-paths/generator:builtin", s.registry);
    let base = format!("BASE={}/library/debian:bookworm", s.registry);

    // Our frontend: three stages on one base image, so three filesystems are read, not six: the
    // base image by its own catalog exec; `npm` and `rust`, which only the final stage uses, by
    // the rendering exec, which composes the final stage's catalog (it only copies their paths).
    // By key only: BuildKit shows a vertex that another test's build shares (same op digest)
    // under that build's name, "base-0 (FROM of <its stage>)".
    let log = push_with_sboms(&s, &dir, &frontend, &ours, &[]);
    let cataloged: BTreeSet<&str> = log
        .lines()
        .filter_map(|l| l.split_once("stagetrail: cataloging ").map(|(_, key)| key))
        .map(|key| key.split(' ').next().unwrap_or(key))
        .collect();
    assert_eq!(
        cataloged,
        BTreeSet::from(["base-0"]),
        "the base image is read once: {cataloged:?}\n{log}"
    );
    for key in ["stage-0", "stage-1"] {
        assert!(
            log.contains(&format!("stagetrail scan: {key}: ")),
            "{key}:\n{log}"
        );
    }
    assert!(
        log.contains("stage-2: ") && log.contains("composed from its parent's"),
        "{log}"
    );

    // The built-in frontend with our image as its generator, every stage scanned (upstream counts
    // BUILDKIT_SBOM_SCAN_STAGE only where an ARG declares it).
    let generator = format!("type=sbom,generator={frontend}");
    s.run(
        "docker",
        &[
            "buildx",
            "build",
            "--progress=plain",
            "--build-arg",
            &base,
            "--build-arg",
            EPOCH,
            "--attest",
            &generator,
            "--provenance=false",
            "--push",
            "-t",
            &builtin,
            ".",
        ],
        &dir,
        &[],
    );
    let theirs = s.statements(&builtin, SPDX);
    let mine = s.statements(&ours, SPDX);
    let names: BTreeSet<&str> = theirs.keys().map(String::as_str).collect();
    assert!(
        names.contains("sbom") && names.contains("sbom-npm") && names.contains("sbom-rust"),
        "generator documents: {names:?}"
    );
    for (generated, stage) in [
        ("sbom", "stage-2"),
        ("sbom-npm", "npm"),
        ("sbom-rust", "rust"),
    ] {
        let want = spdx_purls(&mine[stage]["predicate"]);
        assert!(want.len() > 50, "{stage}: {} packages", want.len());
        assert_eq!(
            spdx_purls(&theirs[generated]["predicate"]),
            want,
            "{generated}: the generator's packages differ from our frontend's {stage}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
