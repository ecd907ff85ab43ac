//! `verify`, `audit` and `attest-export` without the stack: an OCI layout laid out as BuildKit pushes
//! an image (index, image manifest, attestation manifest with SLSA v1 provenance and a per-stage
//! CycloneDX SBOM), policies that pass and fail, exit codes and bad input.

use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine as _;
use serde_json::{json, Value};
use stagetrail_oci::Digest;

fn blob(root: &Path, media_type: &str, bytes: &[u8]) -> Value {
    let d = Digest::sha256_of(bytes);
    let dir = root.join("blobs/sha256");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(d.hex()), bytes).unwrap();
    json!({"mediaType": media_type, "digest": d.to_string(), "size": bytes.len()})
}

const DOCKERFILE: &str =
    "FROM alpine AS deps\nRUN true\nFROM scratch AS final\nCOPY --from=deps /a /a\n";

/// A layout holding `app:1`; returns (dir, image manifest digest).
fn layout() -> (tempfile::TempDir, String) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    std::fs::write(root.join("oci-layout"), r#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
    let config = blob(
        root,
        "application/vnd.oci.image.config.v1+json",
        br#"{"architecture":"amd64","os":"linux"}"#,
    );
    let image = serde_json::to_vec(
        &json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": config, "layers": []}),
    )
    .unwrap();
    let mut image_desc = blob(root, "application/vnd.oci.image.manifest.v1+json", &image);
    image_desc["platform"] = json!({"architecture": "amd64", "os": "linux"});
    let digest = image_desc["digest"].as_str().unwrap().to_string();
    let subject =
        json!([{"name": "app", "digest": {"sha256": digest.trim_start_matches("sha256:")}}]);
    let df = base64::engine::general_purpose::STANDARD.encode(DOCKERFILE);
    let provenance = json!({"_type": "https://in-toto.io/Statement/v1", "subject": subject,
        "predicateType": "https://slsa.dev/provenance/v1",
        "predicate": {"buildDefinition": {"buildType": "https://mobyproject.org/buildkit@v1"},
            "runDetails": {"builder": {"id": "https://ci.example/runner"},
                "metadata": {"finishedOn": "2024-05-01T10:00:00Z",
                    "buildkit_metadata": {"source": {"infos": [{"filename": "Dockerfile", "language": "Dockerfile", "data": df}]}}}}}});
    let sbom = json!({"_type": "https://in-toto.io/Statement/v1", "subject": subject,
        "predicateType": "https://cyclonedx.org/bom",
        "predicate": {"bomFormat": "CycloneDX", "specVersion": "1.6",
            "metadata": {"component": {"name": "deps", "properties": [{"name": "stagetrail:stage", "value": "deps"}]}},
            "components": [{"type": "library", "name": "lodash", "purl": "pkg:npm/lodash@4.17.20"}]}});
    let mut layers = Vec::new();
    for st in [&provenance, &sbom] {
        let mut l = blob(
            root,
            "application/vnd.in-toto+json",
            &serde_json::to_vec(st).unwrap(),
        );
        l["annotations"] = json!({"in-toto.io/predicate-type": st["predicateType"]});
        layers.push(l);
    }
    let att_config = blob(
        root,
        "application/vnd.oci.image.config.v1+json",
        br#"{"architecture":"unknown","os":"unknown"}"#,
    );
    let att = serde_json::to_vec(
        &json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": att_config, "layers": layers}),
    )
    .unwrap();
    let mut att_desc = blob(root, "application/vnd.oci.image.manifest.v1+json", &att);
    att_desc["platform"] = json!({"architecture": "unknown", "os": "unknown"});
    att_desc["annotations"] = json!({"vnd.docker.reference.type": "attestation-manifest", "vnd.docker.reference.digest": digest});
    let index = serde_json::to_vec(
        &json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [image_desc, att_desc]}),
    )
    .unwrap();
    let mut index_desc = blob(root, "application/vnd.oci.image.index.v1+json", &index);
    index_desc["annotations"] = json!({"org.opencontainers.image.ref.name": "1"});
    std::fs::write(
        root.join("index.json"),
        serde_json::to_vec(&json!({"schemaVersion": 2, "manifests": [index_desc]})).unwrap(),
    )
    .unwrap();
    (tmp, digest)
}

fn run(args: &[&str], dir: &Path) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_stagetrail"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn policy(dir: &Path, text: &str) -> PathBuf {
    let p = dir.join("policy.yaml");
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn a_passing_policy_exits_0_and_writes_the_opa_input() {
    let (tmp, digest) = layout();
    let dir = tmp.path();
    policy(dir, "required_predicate_types: [slsaprovenance1, cyclonedx]\ntrusted_builders: ['https://ci.example/*']\n\
                 max_age: 100000d\ndenied_packages: ['pkg:npm/lodash@<4.17.20']\n");
    let (code, out, err) = run(
        &[
            "verify",
            "1",
            "--layout",
            ".",
            "--policy",
            "policy.yaml",
            "--opa-input",
            "opa.json",
        ],
        dir,
    );
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(out, "");
    assert!(err.contains("passes policy.yaml"), "{err}");
    let opa: Value = serde_json::from_slice(&std::fs::read(dir.join("opa.json")).unwrap()).unwrap();
    assert_eq!(
        opa["platforms"],
        json!([{"platform": "linux/amd64", "digest": digest}])
    );
    assert_eq!(
        opa["predicateTypes"],
        json!([
            "https://cyclonedx.org/bom",
            "https://slsa.dev/provenance/v1"
        ])
    );
    let sbom = &opa["attestations"][0];
    assert_eq!(sbom["stage"], "deps");
    assert_eq!(sbom["predicate"]["components"][0]["name"], "lodash");
    assert_eq!(
        opa["attestations"][1]["predicate"]["runDetails"]["builder"]["id"],
        "https://ci.example/runner"
    );
}

#[test]
fn failing_rules_exit_1_with_one_line_each() {
    let (tmp, _) = layout();
    let dir = tmp.path();
    policy(dir, "required_predicate_types: [spdx]\ntrusted_builders: ['https://other/*']\nmax_age: 30d\n\
                 sbom_per_stage: true\ndenied_packages: [{purl: 'pkg:npm/lodash', version: '<4.17.21', reason: CVE-2021-23337}]\n");
    let (code, out, err) = run(&["verify", "--layout", ".", "--policy", "policy.yaml"], dir);
    assert_eq!(code, 1, "{out}{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 5, "{out}");
    assert!(
        lines[0].starts_with(
            "denied_packages: linux/amd64: https://cyclonedx.org/bom stage deps (buildkit sha256:"
        ) && lines[0].ends_with(
            "contains pkg:npm/lodash@4.17.20, denied by pkg:npm/lodash <4.17.21: CVE-2021-23337"
        ),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].starts_with("max_age: linux/amd64: built 2024-05-01T10:00:00Z, ")
            && lines[1].contains("older than max_age 30d"),
        "{}",
        lines[1]
    );
    assert_eq!(
        lines[2],
        "required_predicate_types: linux/amd64: no https://spdx.dev/Document attestation"
    );
    assert_eq!(lines[3], "sbom_per_stage: linux/amd64: stage(s) \"final\" have no SBOM (stages: deps, final; SBOMs for: deps)");
    assert!(lines[4].starts_with("trusted_builders: linux/amd64: https://slsa.dev/provenance/v1 (buildkit ")
        && lines[4].ends_with("names builder \"https://ci.example/runner\", which is not trusted (trusted: https://other/*)"), "{}", lines[4]);
    assert!(err.contains("5 rule violation(s)"), "{err}");
}

#[test]
fn signatures_required_without_signed_statements_fail() {
    let (tmp, _) = layout();
    let dir = tmp.path();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/keys/cosign-test.pub"),
        dir.join("cosign.pub"),
    )
    .unwrap();
    policy(dir, "required_predicate_types: [provenance]\n");
    let (code, out, _) = run(
        &[
            "verify",
            "--layout",
            ".",
            "--policy",
            "policy.yaml",
            "--key",
            "cosign.pub",
        ],
        dir,
    );
    assert_eq!(code, 1);
    assert!(out.starts_with("required_predicate_types: linux/amd64: no https://slsa.dev/provenance/v0.2 or https://slsa.dev/provenance/v1 attestation signed by a trusted key (https://slsa.dev/provenance/v1 (buildkit sha256:"), "{out}");
    assert!(out.contains("is not signed by a trusted key)"), "{out}");
}

#[test]
fn bad_input_exits_2_with_a_location() {
    let (tmp, _) = layout();
    let dir = tmp.path();
    policy(
        dir,
        "required_predicate_types: [slsaprovenance]\nmax_age: [1]\n",
    );
    let (code, _, err) = run(&["verify", "--layout", ".", "--policy", "policy.yaml"], dir);
    assert_eq!(code, 2);
    assert!(err.starts_with("error: policy.yaml:2:"), "{err}");
    let (code, _, err) = run(&["verify", "--layout", ".", "--policy", "nope.yaml"], dir);
    assert_eq!(code, 2);
    assert!(err.contains("nope.yaml: cannot read the policy"), "{err}");
    policy(dir, "{}\n");
    std::fs::write(dir.join("k.pub"), "not a key").unwrap();
    let (code, _, err) = run(
        &[
            "verify",
            "--layout",
            ".",
            "--policy",
            "policy.yaml",
            "--key",
            "k.pub",
        ],
        dir,
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("k.pub: not an ECDSA P-256 public key"),
        "{err}"
    );
    let (code, _, err) = run(
        &["verify", "--layout", "missing", "--policy", "policy.yaml"],
        dir,
    );
    assert_eq!(code, 2, "{err}");
    std::fs::write(dir.join("empty.txt"), "\n").unwrap();
    let (code, _, err) = run(&["audit", "--file", "empty.txt"], dir);
    assert_eq!(code, 2);
    assert!(err.contains("no images"), "{err}");
    std::fs::write(dir.join("cosign.key"), "-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n").unwrap();
    let (code, _, err) = run(
        &["attest-export", "127.0.0.1:1/x:1", "--key", "cosign.key"],
        dir,
    );
    assert_eq!(code, 2);
    assert!(
        err.starts_with("error: cosign.key: encrypted key JSON"),
        "{err}"
    );
}

#[test]
fn rego_and_kyverno_on_a_layout() {
    let (tmp, _) = layout();
    let dir = tmp.path();
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/policies");
    let rego = examples.join("policy.rego");
    let rego = rego.to_str().unwrap();
    // SLSA v1 provenance from an untrusted builder, finished in 2024, no SPDX SBOM.
    let (code, out, err) = run(&["verify", "1", "--layout", ".", "--rego", rego], dir);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.starts_with("rego: linux/amd64: https://slsa.dev/provenance/v1 (buildkit sha256:"),
        "{out}"
    );
    assert!(
        out.trim_end().ends_with(
            "): builder \"https://ci.example/runner\" is not trusted; built 2024-05-01T10:00:00Z, \
             more than 7 days ago; no SPDX SBOM attestation (https://spdx.dev/Document) on the image"
        ),
        "{out}"
    );
    // The CycloneDX SBOM names its stage.
    std::fs::write(
        dir.join("stage.rego"),
        "package s\nimport rego.v1\nallow if input.stage == \"deps\"\n",
    )
    .unwrap();
    let (code, out, err) = run(
        &[
            "verify",
            "1",
            "--layout",
            ".",
            "--rego",
            "stage.rego",
            "--type",
            "cyclonedx",
        ],
        dir,
    );
    assert_eq!(code, 0, "{out}{err}");
    // Kyverno reads the digest the reference resolves to: BuildKit's attestations are on the
    // platform manifest only.
    let kyverno = examples.join("kyverno.yaml");
    let (code, out, err) = run(
        &[
            "verify",
            "1",
            "--layout",
            ".",
            "--kyverno",
            kyverno.to_str().unwrap(),
        ],
        dir,
    );
    assert_eq!(code, 1, "{out}{err}");
    assert_eq!(out.lines().count(), 2, "{out}");
    assert!(
        out.lines().nth(1).unwrap().contains(
            "attestations[1]: no https://slsa.dev/provenance/v0.2 attestation on sha256:"
        ),
        "{out}"
    );
    assert!(
        out.lines()
            .all(|l| !l.contains("found on the platform manifest")),
        "{out}"
    );
    std::fs::write(
        dir.join("cdx.yaml"),
        "kind: ClusterPolicy\nmetadata: {name: p}\nspec:\n  rules:\n  - name: sbom\n    verifyImages:\n    - imageReferences: ['*']\n      attestations:\n      - type: https://cyclonedx.org/bom\n",
    )
    .unwrap();
    let (code, out, err) = run(
        &["verify", "1", "--layout", ".", "--kyverno", "cdx.yaml"],
        dir,
    );
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.starts_with("kyverno: p/sbom: verifyImages[0].attestations[0]: no https://cyclonedx.org/bom attestation on sha256:")
            && out.trim_end().ends_with(
                "(found on the platform manifest of linux/amd64 only; Kyverno reads the digest the reference resolves to)"
            ),
        "{out}"
    );
    // One policy language at a time.
    policy(dir, "required_predicate_types: [provenance]\n");
    let (code, _, err) = run(
        &[
            "verify",
            "1",
            "--layout",
            ".",
            "--policy",
            "policy.yaml",
            "--rego",
            rego,
        ],
        dir,
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("cannot be used with"), "{err}");
}
