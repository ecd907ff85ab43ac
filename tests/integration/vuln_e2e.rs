//! Vulnerabilities per stage on the real stack, with the OSV fixture (`tests/fixtures/osv`): images
//! built through our frontend with `--sbom=true`, where stage `deps` installs a vulnerable lodash
//! that the final stage copies and stage `tools` has no SBOM (`BUILDKIT_SBOM_SCAN_STAGE=false`).
//! Build-time vuln/v1 statements from the `stagetrail-vulndb` named context, `audit --stages`
//! (table and JSON), and `vuln` over the image exported as an OCI layout folder and tar.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use crate::support::push::{get_blob, write};
use crate::support::stack::{stack, Stack};

const VULN: &str = "https://cosign.sigstore.dev/attestation/vuln/v1";

const DOCKERFILE: &str = "FROM scratch AS deps\nCOPY node_modules/ /app/node_modules/\n\
FROM scratch AS tools\nARG BUILDKIT_SBOM_SCAN_STAGE=false\nCOPY tool.txt /tool.txt\n\
FROM scratch\nCOPY --from=deps /app/ /app/\nCOPY --from=tools /tool.txt /tool.txt\n";

/// The OSV fixture database.
fn db() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/osv")
        .display()
        .to_string()
}

/// A fresh context holding [`DOCKERFILE`], lodash 4.17.20 and a tool.
fn context(s: &Stack, name: &str) -> PathBuf {
    let dir = s.context(name);
    write(&dir, "Dockerfile", DOCKERFILE);
    let lodash = dir.join("node_modules/lodash");
    std::fs::create_dir_all(&lodash).unwrap();
    write(
        &lodash,
        "package.json",
        r#"{"name": "lodash", "version": "4.17.20", "license": "MIT"}"#,
    );
    write(&dir, "tool.txt", &format!("tool of {}\n", dir.display()));
    dir
}

/// Builds `dir` through our frontend with SBOMs, max provenance and `extra` arguments.
fn build(s: &Stack, dir: &Path, extra: &[&str]) {
    let mut args = vec!["--sbom=true", "--provenance=mode=max"];
    args.extend_from_slice(extra);
    s.build(dir, &s.frontend(), &args);
}

/// The in-toto statements of `repo:tag`'s attestation manifest, read with curl.
fn pushed_statements(s: &Stack, repo: &str, tag: &str) -> Vec<Value> {
    let index = s.raw_manifest(repo, tag);
    let att = index["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["annotations"]["vnd.docker.reference.type"] == "attestation-manifest")
        .expect("an attestation manifest")["digest"]
        .as_str()
        .unwrap()
        .to_string();
    let att = s.raw_manifest(repo, &att);
    att["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| serde_json::from_slice(&get_blob(s, repo, l["digest"].as_str().unwrap())).unwrap())
        .collect()
}

#[test]
fn the_vulndb_context_adds_a_vuln_statement_per_scanned_stage() {
    let s = stack();
    let dir = context(&s, "vulndb");
    let repo = "verify13/vuln-build";

    // Without the context: no vuln statements.
    let plain = format!("{}/{repo}:plain", s.registry);
    build(&s, &dir, &["--push", "-t", &plain]);
    let types: Vec<Value> = pushed_statements(&s, repo, "plain")
        .iter()
        .map(|st| st["predicateType"].clone())
        .collect();
    assert!(!types.contains(&json!(VULN)), "{types:?}");

    let image = format!("{}/{repo}:1", s.registry);
    let context = format!("stagetrail-vulndb={}", db());
    build(
        &s,
        &dir,
        &["--build-context", &context, "--push", "-t", &image],
    );
    let statements = pushed_statements(&s, repo, "1");
    let spdx_subjects: Vec<&Value> = statements
        .iter()
        .filter(|st| st["predicateType"] == "https://spdx.dev/Document")
        .map(|st| &st["subject"])
        .collect();
    let mut vulns: Vec<&Value> = statements
        .iter()
        .filter(|st| st["predicateType"] == VULN)
        .collect();
    vulns.sort_by_key(|st| st["predicate"]["scanner"]["result"]["stagetrail:stage"].to_string());
    let stages: Vec<&str> = vulns
        .iter()
        .map(|st| {
            st["predicate"]["scanner"]["result"]["stagetrail:stage"]
                .as_str()
                .unwrap()
        })
        .collect();
    // `tools` has no SBOM, so no vuln statement either.
    assert_eq!(stages, ["deps", "stage-2"], "{statements:?}");
    for st in &vulns {
        // The same subject as the SBOM statements (the platform manifest).
        assert_eq!(&st["subject"], spdx_subjects[0], "{st}");
        let p = &st["predicate"];
        let findings = p["scanner"]["result"]["findings"].as_array().unwrap();
        assert_eq!(findings.len(), 1, "{p}");
        assert_eq!(findings[0]["id"], "GHSA-35jh-r3h4-6jhm");
        assert_eq!(findings[0]["purl"], "pkg:npm/lodash@4.17.20");
        assert_eq!(findings[0]["fixed"], "4.17.21");
        // The database's identity: the same as `stagetrail vuln --db` reports.
        assert_eq!(p["scanner"]["db"]["modified"], "2026-11-01T00:00:00Z");
        assert_eq!(p["scanner"]["db"]["advisories"], 3);
        assert!(
            p["scanner"]["db"]["version"]
                .as_str()
                .unwrap()
                .starts_with("sha256:"),
            "{p}"
        );
        assert_eq!(
            p["invocation"]["parameters"]["db"],
            "context:stagetrail-vulndb"
        );
    }
    let (code, _, err) = s.stagetrail(&["vuln", &image, "--db", &db()], &dir);
    assert_eq!(code, 0, "{err}");
    let version = vulns[0]["predicate"]["scanner"]["db"]["version"]
        .as_str()
        .unwrap();
    assert!(
        err.contains(&format!("OSV {version} (3 advisories")),
        "{err}"
    );

    let (code, tree, err) = s.stagetrail(&["inspect", &image], &dir);
    assert_eq!(code, 0, "{err}");
    for stage in ["deps", "stage-2"] {
        assert!(
            tree.contains(&format!("buildkit {VULN} stage={stage} ")),
            "{tree}"
        );
    }

    // Signed by attest-export, cosign accepts them at the platform digest.
    let pw = [("COSIGN_PASSWORD", "")];
    s.run("cosign", &["generate-key-pair"], &dir, &pw);
    let (code, out, err) = s.stagetrail(&["attest-export", &image, "--key", "cosign.key"], &dir);
    assert_eq!(code, 0, "{out}{err}");
    let platform = out
        .lines()
        .find(|l| l.contains(VULN))
        .and_then(|l| l.split_whitespace().next())
        .expect("an exported vuln statement")
        .to_string();
    s.cosign_verifies(&dir, "vuln", &platform);
}

#[test]
fn audit_stages_lists_missing_sboms_vulnerabilities_and_findings_per_stage() {
    let s = stack();
    let dir = context(&s, "audit-stages");
    let image = format!("{}/verify13/audit-stages:1", s.registry);
    build(&s, &dir, &["--push", "-t", &image]);
    write(
        &dir,
        "p.yaml",
        "sbom_per_stage: true\ndenied_packages: [{purl: 'pkg:npm/lodash', version: '<4.17.21', reason: CVE-2021-23337}]\n",
    );
    let db = db();
    let args = [
        "audit", &image, "--stages", "--db", &db, "--policy", "p.yaml",
    ];
    let (code, out, err) = s.stagetrail(&args, &dir);
    assert_eq!(code, 1, "{out}{err}");
    let lines: Vec<&str> = out.lines().collect();
    let cells = |i: usize| lines[i].split_whitespace().collect::<Vec<_>>();
    assert_eq!(
        cells(0),
        [
            "IMAGE",
            "PLATFORM",
            "STAGE",
            "SBOM",
            "VULNERABILITIES",
            "FINDINGS"
        ]
    );
    let img = image.as_str();
    assert_eq!(
        cells(1),
        [img, "linux/amd64", "deps", "cyclonedx,spdx", "1", "2"]
    );
    assert_eq!(cells(2), [img, "linux/amd64", "tools", "missing", "0", "0"]);
    assert_eq!(
        cells(3),
        [img, "linux/amd64", "stage-2", "cyclonedx,spdx", "1", "2"]
    );
    let details = &lines[4..];
    assert_eq!(details.len(), 7, "{out}");
    for stage in ["deps", "stage-2"] {
        let at = format!("{img}: linux/amd64 {stage}: ");
        assert!(
            details.contains(
                &format!("{at}GHSA-35jh-r3h4-6jhm pkg:npm/lodash@4.17.20 (fixed in 4.17.21)")
                    .as_str()
            ),
            "{out}"
        );
        let denied = details
            .iter()
            .filter(|l| {
                l.starts_with(&format!("{at}denied_packages: linux/amd64: "))
                    && l.ends_with("contains pkg:npm/lodash@4.17.20, denied by pkg:npm/lodash <4.17.21: CVE-2021-23337")
            })
            .count();
        assert_eq!(denied, 2, "{out}");
    }
    assert!(
        details[6].starts_with(&format!(
            "{img}: sbom_per_stage: linux/amd64: stage(s) \"tools\" have no SBOM"
        )),
        "{out}"
    );

    let mut json_args = args.to_vec();
    json_args.extend(["--format", "json"]);
    let (code, out, err) = s.stagetrail(&json_args, &dir);
    assert_eq!(code, 1, "{err}");
    let rows: Value = serde_json::from_str(&out).unwrap();
    let row = &rows[0];
    assert_eq!(row["image"], img);
    assert_eq!(row["policy"], "fail");
    let stages = row["stages"].as_array().unwrap();
    let summary: Vec<(&str, Value, usize, usize)> = stages
        .iter()
        .map(|st| {
            (
                st["stage"].as_str().unwrap(),
                st["sboms"].clone(),
                st["vulnerabilities"].as_array().unwrap().len(),
                st["findings"].as_array().unwrap().len(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("deps", json!(["cyclonedx", "spdx"]), 1, 2),
            ("tools", json!([]), 0, 0),
            ("stage-2", json!(["cyclonedx", "spdx"]), 1, 2),
        ]
    );
    assert_eq!(stages[0]["vulnerabilities"][0]["id"], "GHSA-35jh-r3h4-6jhm");
    assert_eq!(stages[0]["platform"], "linux/amd64");
    assert_eq!(row["findings"].as_array().unwrap().len(), 1, "{row}");

    // Without --db and --policy: SBOM coverage only, and exit 0.
    let (code, out, err) = s.stagetrail(&["audit", &image, "--stages"], &dir);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        out.lines()
            .nth(2)
            .unwrap()
            .split_whitespace()
            .collect::<Vec<_>>(),
        [img, "linux/amd64", "tools", "missing", "-", "-"]
    );
    // --db needs --stages.
    let (code, _, err) = s.stagetrail(&["audit", &image, "--db", &db], &dir);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--stages"), "{err}");
}

#[test]
fn vuln_reads_oci_layouts_and_tars_and_attach_needs_a_registry() {
    let s = stack();
    let dir = context(&s, "vuln-layout");
    build(&s, &dir, &["--output", "type=oci,tar=false,dest=layout"]);
    build(&s, &dir, &["--output", "type=oci,dest=image.tar"]);
    let db = db();
    let expected = [
        vec![
            "linux/amd64",
            "deps",
            "GHSA-35jh-r3h4-6jhm",
            "pkg:npm/lodash",
            "4.17.20",
            "4.17.21",
        ],
        vec![
            "linux/amd64",
            "stage-2",
            "GHSA-35jh-r3h4-6jhm",
            "pkg:npm/lodash",
            "4.17.20",
            "4.17.21",
        ],
    ];
    for source in [["--layout", "layout"], ["--oci-tar", "image.tar"]] {
        let (code, out, err) = s.stagetrail(&["vuln", source[0], source[1], "--db", &db], &dir);
        assert_eq!(code, 0, "{source:?}: {out}{err}");
        let rows: Vec<Vec<&str>> = out
            .lines()
            .skip(1)
            .map(|l| l.split_whitespace().collect())
            .collect();
        assert_eq!(rows, expected, "{source:?}: {out}");
        assert!(err.contains("2 stage scan(s), 2 finding(s)"), "{err}");
    }
    s.run(
        "cosign",
        &["generate-key-pair"],
        &dir,
        &[("COSIGN_PASSWORD", "")],
    );
    let (code, out, err) = s.stagetrail(
        &[
            "vuln",
            "--layout",
            "layout",
            "--db",
            &db,
            "--attach",
            "--key",
            "cosign.key",
        ],
        &dir,
    );
    assert_eq!(code, 2, "{out}{err}");
    assert!(out.is_empty(), "{out}");
    assert!(
        err.contains("--attach pushes to the image's registry;") && err.contains("is not one"),
        "{err}"
    );
}
