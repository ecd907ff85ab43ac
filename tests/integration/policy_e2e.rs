//! `verify`, `audit` and `attest-export` against the real stack: images built and pushed by the real
//! BuildKit with max-mode provenance, attestations signed by the real cosign 2.5 and checked by it.

use crate::support::push;
use crate::support::stack;

use std::path::{Path, PathBuf};

use push::{add_statements, cyclonedx, spdx, tamper_att, write};
use serde_json::{json, Value};
use stack::{stack, Stack};

const PW: [(&str, &str); 1] = [("COSIGN_PASSWORD", "")];

/// A fresh single-platform image `repo:1` with provenance; returns (dir, image, index digest).
fn image(s: &Stack, name: &str) -> (PathBuf, String, String) {
    let dir = s.context(name);
    let repo = format!("stagetrail-test/policy-{name}");
    let image = format!("{}/{repo}:1", s.registry);
    s.build_push(&dir, &image, None);
    let digest = s.digest_of(&repo, "1");
    s.run("cosign", &["generate-key-pair"], &dir, &PW);
    s.run(
        "cosign",
        &["generate-key-pair", "--output-key-prefix", "other"],
        &dir,
        &PW,
    );
    (dir, image, digest)
}

/// `cosign attest` of a SLSA v0.2 predicate (builder `https://ci.example/builder`, finished now).
fn cosign_attest(s: &Stack, dir: &Path, pinned: &str) {
    let now = s.run("date", &["-u", "+%Y-%m-%dT%H:%M:%SZ"], dir, &[]);
    let predicate = json!({
        "builder": {"id": "https://ci.example/builder"},
        "buildType": "https://mobyproject.org/buildkit@v1",
        "metadata": {"buildFinishedOn": String::from_utf8_lossy(&now.stdout).trim()},
    });
    write(dir, "prov.json", &predicate.to_string());
    s.run(
        "cosign",
        &[
            "attest",
            "--key",
            "cosign.key",
            "--tlog-upload=false",
            "--allow-insecure-registry",
            "-y",
            "--type",
            "slsaprovenance",
            "--predicate",
            "prov.json",
            pinned,
        ],
        dir,
        &PW,
    );
}

fn verify(s: &Stack, dir: &Path, image: &str, policy: &str, key: &str) -> (i32, String) {
    write(dir, "policy.yaml", policy);
    let (code, out, err) = s.stagetrail(
        &["verify", image, "--policy", "policy.yaml", "--key", key],
        dir,
    );
    (code, format!("{out}{err}"))
}

const SIGNED_PROVENANCE: &str = "required_predicate_types: [slsaprovenance]\n\
     trusted_builders: ['https://ci.example/*']\nmax_age: 1h\n";

#[test]
fn cosign_signed_attestation_verifies_and_a_wrong_key_fails() {
    let s = stack();
    let (dir, image, digest) = image(&s, "signed");
    let pinned = image.replace(":1", &format!("@{digest}"));
    cosign_attest(&s, &dir, &pinned);
    let (code, out) = verify(&s, &dir, &image, SIGNED_PROVENANCE, "cosign.pub");
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("passes policy.yaml"), "{out}");

    let (code, out) = verify(&s, &dir, &image, SIGNED_PROVENANCE, "other.pub");
    assert_eq!(code, 1, "{out}");
    assert!(
        out.lines().any(|l| l.starts_with("signatures: ")
            && l.contains("https://slsa.dev/provenance/v0.2 (cosign-att")
            && l.ends_with("the signature does not verify with other.pub")),
        "{out}"
    );
    assert!(
        out.contains("required_predicate_types: linux/amd64: no https://slsa.dev/provenance/v0.2 attestation signed by a trusted key"),
        "{out}"
    );
}

#[test]
fn a_tampered_payload_fails() {
    let s = stack();
    let (dir, image, digest) = image(&s, "tampered");
    let pinned = image.replace(":1", &format!("@{digest}"));
    cosign_attest(&s, &dir, &pinned);
    let repo = "stagetrail-test/policy-tampered";
    let tag = format!("{}.att", digest.replace(':', "-"));
    tamper_att(&s, repo, &tag, |st| {
        st["predicate"]["builder"]["id"] = json!("https://ci.example/evil")
    });
    let (code, out) = verify(&s, &dir, &image, SIGNED_PROVENANCE, "cosign.pub");
    assert_eq!(code, 1, "{out}");
    assert!(
        out.lines().any(|l| l.starts_with("signatures: ")
            && l.ends_with("the signature does not verify with cosign.pub")),
        "{out}"
    );
}

#[test]
fn a_subject_for_another_digest_fails() {
    let s = stack();
    let (dir, image, digest) = image(&s, "subject");
    let pinned = image.replace(":1", &format!("@{digest}"));
    cosign_attest(&s, &dir, &pinned);
    // A second image in the same repository gets a copy of the first one's .att manifest.
    let repo = "stagetrail-test/policy-subject";
    write(&dir, "data.txt", "another image\n");
    let other = format!("{}/{repo}:2", s.registry);
    s.build_push(&dir, &other, None);
    let other_digest = s.digest_of(repo, "2");
    let att = s.raw_manifest(repo, &format!("{}.att", digest.replace(':', "-")));
    push::put_manifest(
        &s,
        repo,
        &format!("{}.att", other_digest.replace(':', "-")),
        &att,
    );
    let (code, out) = verify(&s, &dir, &other, SIGNED_PROVENANCE, "cosign.pub");
    assert_eq!(code, 1, "{out}");
    assert!(
        out.lines().any(|l| l.starts_with("subjects_match: ")
            && l.contains(&format!("is about {digest}, not {other_digest}"))),
        "{out}"
    );
}

#[test]
fn expired_untrusted_and_missing_types_fail_with_their_reasons() {
    let s = stack();
    let (dir, image, _) = image(&s, "rules");
    std::thread::sleep(std::time::Duration::from_secs(2));
    write(
        &dir,
        "p.yaml",
        "required_predicate_types: [slsaprovenance, cyclonedx]\n\
         trusted_builders: ['https://ci.example/*']\nmax_age: 1s\nsbom_per_stage: true\n",
    );
    let (code, out, err) = s.stagetrail(&["verify", &image, "--policy", "p.yaml"], &dir);
    assert_eq!(code, 1, "{out}{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 4, "{out}");
    assert!(
        lines[0].starts_with("max_age: linux/amd64: built ")
            && lines[0].contains("older than max_age 1s"),
        "{out}"
    );
    assert_eq!(
        lines[1], "required_predicate_types: linux/amd64: no https://cyclonedx.org/bom attestation",
        "{out}"
    );
    assert!(
        lines[2].starts_with("sbom_per_stage: linux/amd64: stage(s) \"0\" have no SBOM"),
        "{out}"
    );
    assert!(
        lines[3].starts_with(
            "trusted_builders: linux/amd64: https://slsa.dev/provenance/v0.2 (buildkit "
        ) && lines[3]
            .ends_with("names builder \"\", which is not trusted (trusted: https://ci.example/*)"),
        "{out}"
    );
    assert!(err.contains("4 rule violation(s)"), "{err}");

    // The OPA input has the BuildKit provenance; a broken policy is an error (exit 2).
    write(&dir, "ok.yaml", "required_predicate_types: [provenance]\n");
    let (code, _, err) = s.stagetrail(
        &[
            "verify",
            &image,
            "--policy",
            "ok.yaml",
            "--opa-input",
            "opa.json",
        ],
        &dir,
    );
    assert_eq!(code, 0, "{err}");
    let opa: Value = serde_json::from_slice(&std::fs::read(dir.join("opa.json")).unwrap()).unwrap();
    assert_eq!(
        opa["predicateTypes"],
        json!(["https://slsa.dev/provenance/v0.2"])
    );
    assert_eq!(opa["attestations"][0]["predicate"]["builder"]["id"], "");
    assert_eq!(opa["attestations"][0]["subjectMatches"], true);
    write(&dir, "bad.yaml", "max_age: soon\n");
    let (code, _, err) = s.stagetrail(&["verify", &image, "--policy", "bad.yaml"], &dir);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("bad.yaml:1:"), "{err}");
}

const MULTI_STAGE: &str = "FROM 127.0.0.1:REG/library/debian:bookworm AS base\nRUN echo base > /base\n\
FROM base AS build\nRUN echo build > /build\nFROM scratch AS final\nCOPY --from=build /build /build\nCOPY data.txt /\n";

/// Builds [`MULTI_STAGE`] in a fresh context named `name` and pushes it as `repo:1`; returns the
/// context and the image.
fn push_multi_stage(s: &Stack, name: &str, repo: &str) -> (PathBuf, String) {
    let dir = s.context(name);
    let port = s.registry.rsplit(':').next().unwrap();
    write(&dir, "Dockerfile", &MULTI_STAGE.replace("REG", port));
    let image = format!("{}/{repo}:1", s.registry);
    s.build_push(&dir, &image, None);
    (dir, image)
}

#[test]
fn attest_export_is_accepted_by_cosign_for_provenance_spdx_and_cyclonedx() {
    let s = stack();
    let repo = "stagetrail-test/policy-export";
    let (dir, image) = push_multi_stage(&s, "export", repo);
    let platform = add_statements(
        &s,
        repo,
        "1",
        &[
            (
                "https://spdx.dev/Document",
                spdx("base", &["pkg:deb/debian/openssl@3.0.11-1?arch=amd64"]),
            ),
            ("https://spdx.dev/Document", spdx("build", &[])),
            (
                "https://cyclonedx.org/bom",
                cyclonedx(&["pkg:npm/lodash@4.17.21"]),
            ),
        ],
    );
    s.run("cosign", &["generate-key-pair"], &dir, &PW);
    let pinned = format!("{}/{repo}@{platform}", s.registry);
    // Something cosign attached before: attest-export must append to it.
    write(&dir, "custom.json", "{\"ok\":true}");
    s.run(
        "cosign",
        &[
            "attest",
            "--key",
            "cosign.key",
            "--tlog-upload=false",
            "--allow-insecure-registry",
            "-y",
            "--type",
            "https://example.com/custom/v1",
            "--predicate",
            "custom.json",
            &pinned,
        ],
        &dir,
        &PW,
    );

    let (code, out, err) = s.stagetrail(
        &[
            "attest-export",
            &image,
            "--key",
            "cosign.key",
            "--referrers",
        ],
        &dir,
    );
    assert_eq!(code, 0, "{out}{err}");
    // Each statement on the platform manifest and on the index.
    let index = s.digest_of(repo, "1");
    let index_pinned = format!("{}/{repo}@{index}", s.registry);
    assert_eq!(out.lines().count(), 8, "{out}");
    assert_eq!(
        out.lines().filter(|l| l.starts_with(&pinned)).count(),
        4,
        "{out}"
    );
    assert_eq!(
        out.lines().filter(|l| l.starts_with(&index_pinned)).count(),
        4,
        "{out}"
    );
    assert!(out.lines().all(|l| l.ends_with(" added")), "{out}");
    let att = s.raw_manifest(repo, &format!("{}.att", platform.replace(':', "-")));
    let layers = att["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 5, "{att}");
    assert_eq!(
        layers[0]["annotations"]["predicateType"],
        "https://example.com/custom/v1"
    );
    for l in layers {
        assert_eq!(l["mediaType"], "application/vnd.dsse.envelope.v1+json");
        assert_eq!(l["annotations"]["dev.cosignproject.cosign/signature"], "");
    }
    // cosign finds them at the platform digest and at the tag (the index).
    for target in [&pinned, &image] {
        for kind in ["slsaprovenance", "spdxjson", "cyclonedx"] {
            s.cosign_verifies(&dir, kind, target);
        }
    }
    // The referrers, through the tag-schema fallback (distribution 2.8 has no referrers API).
    let fallback = s.raw_manifest(repo, &platform.replace(':', "-"));
    let entries = fallback["manifests"].as_array().unwrap();
    assert_eq!(entries.len(), 4, "{fallback}");
    assert!(
        entries
            .iter()
            .all(|e| e["artifactType"] == "application/vnd.in-toto+json"),
        "{fallback}"
    );
    let referrer = s.raw_manifest(repo, entries[0]["digest"].as_str().unwrap());
    assert_eq!(
        referrer["subject"]["digest"],
        platform.as_str(),
        "{referrer}"
    );
    let index_fallback = s.raw_manifest(repo, &index.replace(':', "-"));
    assert_eq!(index_fallback["manifests"].as_array().unwrap().len(), 4);
    let (code, tree, err) = s.stagetrail(&["inspect", &image], &dir);
    assert_eq!(code, 0, "{err}");
    let referrers: Vec<&str> = tree
        .lines()
        .filter(|l| l.contains(" referrer https://"))
        .collect();
    assert_eq!(referrers.len(), 8, "{tree}");
    assert!(
        referrers
            .iter()
            .any(|l| l.contains("referrer https://spdx.dev/Document stage=base ")),
        "{tree}"
    );
    // Exporting again adds nothing (ECDSA signatures are deterministic, RFC 6979).
    let (code, out, _) = s.stagetrail(&["attest-export", &image, "--key", "cosign.key"], &dir);
    assert_eq!(code, 0);
    assert!(
        out.lines().all(|l| l.ends_with(" already present")),
        "{out}"
    );

    // Our verify accepts the exported signatures, sees every stage's SBOM, and finds the denied package.
    let policy = "required_predicate_types: [slsaprovenance, spdx, cyclonedx]\nsbom_per_stage: true\n\
                  denied_packages: [{purl: 'pkg:deb/*/openssl', version: '<3.0.12', reason: CVE-2023-5678}]\n";
    write(&dir, "p.yaml", policy);
    let (code, out, err) = s.stagetrail(
        &[
            "verify",
            &image,
            "--policy",
            "p.yaml",
            "--key",
            "cosign.pub",
        ],
        &dir,
    );
    assert_eq!(code, 1, "{out}{err}");
    // The SBOM is attached (and reported) on the platform manifest, the index, and as referrers.
    assert!(out.lines().count() >= 2, "{out}");
    assert!(out.lines().all(|l| l.starts_with("denied_packages: linux/amd64: https://spdx.dev/Document stage base (")
        && l.ends_with("contains pkg:deb/debian/openssl@3.0.11-1?arch=amd64, denied by pkg:deb/*/openssl <3.0.12: CVE-2023-5678")), "{out}");
    assert!(out.contains("(cosign-att "), "{out}");
    write(&dir, "p.yaml", &policy.replace("<3.0.12", "<3.0.11"));
    let (code, out, err) = s.stagetrail(
        &[
            "verify",
            &image,
            "--policy",
            "p.yaml",
            "--key",
            "cosign.pub",
        ],
        &dir,
    );
    assert_eq!(code, 0, "{out}{err}");
}

#[test]
fn audit_reads_arguments_files_and_stdin() {
    let s = stack();
    let (dir, image, _) = image(&s, "audit");
    write(
        &dir,
        "list.txt",
        &format!(
            "{image}\n{image} {}/stagetrail-test/policy-missing:1\n",
            s.registry
        ),
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_stagetrail"))
        .args(["audit", "--file", "list.txt", "-", "--format", "json"])
        .current_dir(&dir)
        .stdin(std::fs::File::open(dir.join("list.txt")).unwrap())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[0]["image"], image.as_str());
    assert_eq!(rows[0]["provenance"], 1);
    assert_eq!(rows[0]["signature"], "none");
    assert_eq!(
        rows[0]["stageSboms"],
        json!({"covered": 0, "stages": 1, "missing": ["0"]})
    );
    assert!(
        rows[1]["error"]
            .as_str()
            .unwrap()
            .contains("not found (HTTP 404)"),
        "{}",
        rows[1]
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).is_empty(),
        "no progress bar when stderr is not a tty"
    );

    s.run(
        "cosign",
        &[
            "sign",
            "--key",
            "cosign.key",
            "--tlog-upload=false",
            "--allow-insecure-registry",
            "-y",
            &image,
        ],
        &dir,
        &PW,
    );
    write(
        &dir,
        "p.yaml",
        "required_predicate_types: [provenance]\nsignatures: {image: true, attestations: false}\n",
    );
    let (code, out, err) = s.stagetrail(
        &["audit", &image, "--policy", "p.yaml", "--key", "cosign.pub"],
        &dir,
    );
    assert_eq!(code, 0, "{out}{err}");
    let row = out.lines().nth(1).unwrap();
    let cells: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(
        cells,
        [image.as_str(), "verified", "0/1", "0", "1", "0/1", "pass"],
        "{out}"
    );
}

/// Peak resident memory (kB) of a child, sampled from /proc until it exits (VmHWM is a high-water mark).
fn run_measured(
    cmd: &mut std::process::Command,
) -> (std::process::Output, u64, std::time::Duration) {
    use std::io::Read;
    let start = std::time::Instant::now();
    let mut child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        stdout.read_to_end(&mut v).unwrap();
        v
    });
    while child.try_wait().unwrap().is_none() {
        if let Ok(text) = std::fs::read_to_string(&status_file) {
            if let Some(kb) = text.lines().find_map(|l| l.strip_prefix("VmHWM:")) {
                peak = peak.max(
                    kb.trim()
                        .trim_end_matches(" kB")
                        .trim()
                        .parse()
                        .unwrap_or(0),
                );
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let elapsed = start.elapsed();
    let stdout = reader.join().unwrap();
    let mut output = child.wait_with_output().unwrap();
    output.stdout = stdout;
    (output, peak, elapsed)
}

#[test]
fn audit_of_50_images_is_fast_and_small() {
    let s = stack();
    let (dir, _, _) = image(&s, "audit50");
    let repo = "stagetrail-test/policy-audit50";
    let index = s.raw_manifest(repo, "1");
    let mut names = Vec::new();
    for i in 0..50 {
        // Distinct indexes (an annotation each) over the same platform manifest and provenance.
        let mut copy = index.clone();
        copy["annotations"] = json!({"org.example.copy": i.to_string()});
        push::put_manifest(&s, repo, &format!("copy-{i}"), &copy);
        names.push(format!("{}/{repo}:copy-{i}", s.registry));
    }
    write(&dir, "images.txt", &names.join("\n"));
    write(
        &dir,
        "p.yaml",
        "required_predicate_types: [provenance]\nmax_age: 1d\n",
    );
    let (out, peak_kb, elapsed) = run_measured(
        std::process::Command::new(env!("CARGO_BIN_EXE_stagetrail"))
            .args(["audit", "--file", "images.txt", "--policy", "p.yaml"])
            .current_dir(&dir),
    );
    let table = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{table}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(table.lines().count(), 51, "{table}");
    assert!(
        table
            .lines()
            .skip(1)
            .all(|l| l.trim_end().ends_with("pass")),
        "{table}"
    );
    eprintln!(
        "audit of 50 images: {:.2} s, peak RSS {} kB",
        elapsed.as_secs_f64(),
        peak_kb
    );
    assert!(peak_kb < 100 * 1024, "peak RSS {peak_kb} kB");
}

/// The example Rego policy (`examples/policies/policy.rego`), copied into `dir`.
fn rego_example(dir: &Path) {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/policies/policy.rego"),
    )
    .unwrap();
    write(dir, "policy.rego", &text);
}

/// Builds and pushes `dir` as `image` with max-mode provenance naming `builder_id`.
fn build_with_builder(s: &Stack, dir: &Path, image: &str, builder_id: &str) {
    let provenance = format!("--provenance=mode=max,builder-id={builder_id}");
    s.run(
        "docker",
        &[
            "buildx",
            "build",
            &provenance,
            "--sbom=false",
            "--push",
            "-t",
            image,
            ".",
        ],
        dir,
        &[],
    );
}

#[test]
fn rego_example_passes_a_fresh_trusted_image_with_an_sbom_and_fails_the_others() {
    let s = stack();
    let dir = s.context("rego");
    rego_example(&dir);
    let repo = "stagetrail-test/policy-rego";
    let sbom = [(
        "https://spdx.dev/Document",
        spdx("0", &["pkg:generic/data@1"]),
    )];

    // Trusted builder, an SPDX SBOM: passes.
    let good = format!("{}/{repo}:good", s.registry);
    build_with_builder(&s, &dir, &good, "https://github.com/example/ci");
    add_statements(&s, repo, "good", &sbom);
    let (code, out, err) = s.stagetrail(&["verify", &good, "--rego", "policy.rego"], &dir);
    assert_eq!(code, 0, "{out}{err}");
    assert!(err.contains("passes policy.rego"), "{err}");

    // SLSA v1 provenance (runDetails.metadata.finishedOn; BuildKit 0.13 writes only v0.2): a
    // cosign-signed one, and with --key only signed attestations are evaluated, as cosign does.
    s.run("cosign", &["generate-key-pair"], &dir, &PW);
    let now = s.run("date", &["-u", "+%Y-%m-%dT%H:%M:%SZ"], &dir, &[]);
    let v1 = json!({
        "buildDefinition": {"buildType": "https://mobyproject.org/buildkit@v1"},
        "runDetails": {"builder": {"id": "https://github.com/example/ci"},
                       "metadata": {"finishedOn": String::from_utf8_lossy(&now.stdout).trim()}},
    });
    write(&dir, "v1.json", &v1.to_string());
    let v1_image = format!("{}/{repo}:v1", s.registry);
    write(&dir, "data.txt", "v1\n");
    s.build_push(&dir, &v1_image, None);
    add_statements(&s, repo, "v1", &sbom);
    let v1_pinned = format!("{}/{repo}@{}", s.registry, s.digest_of(repo, "v1"));
    s.run(
        "cosign",
        &[
            "attest",
            "--key",
            "cosign.key",
            "--tlog-upload=false",
            "--allow-insecure-registry",
            "-y",
            "--type",
            "slsaprovenance1",
            "--predicate",
            "v1.json",
            &v1_pinned,
        ],
        &dir,
        &PW,
    );
    let (code, out, err) = s.stagetrail(
        &[
            "verify",
            &v1_image,
            "--rego",
            "policy.rego",
            "--key",
            "cosign.pub",
        ],
        &dir,
    );
    assert_eq!(code, 0, "{out}{err}");
    // Without --key the unsigned BuildKit provenance (builder "") is evaluated as well.
    let (code, out, _) = s.stagetrail(&["verify", &v1_image, "--rego", "policy.rego"], &dir);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.trim_end().ends_with("): builder \"\" is not trusted"),
        "{out}"
    );

    // No SBOM: fails, saying so.
    let bare = format!("{}/{repo}:no-sbom", s.registry);
    write(&dir, "data.txt", "no sbom\n");
    build_with_builder(&s, &dir, &bare, "https://github.com/example/ci");
    let (code, out, err) = s.stagetrail(&["verify", &bare, "--rego", "policy.rego"], &dir);
    assert_eq!(code, 1, "{out}{err}");
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(
        out.starts_with("rego: linux/amd64: https://slsa.dev/provenance/v0.2 (buildkit ")
            && out
                .trim_end()
                .ends_with("): no SPDX SBOM attestation (https://spdx.dev/Document) on the image"),
        "{out}"
    );

    // An untrusted builder (BuildKit's default empty id): fails with the builder named.
    let untrusted = format!("{}/{repo}:untrusted", s.registry);
    write(&dir, "data.txt", "untrusted\n");
    s.build_push(&dir, &untrusted, None);
    add_statements(&s, repo, "untrusted", &sbom);
    let (code, out, err) = s.stagetrail(&["verify", &untrusted, "--rego", "policy.rego"], &dir);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.trim_end().ends_with("): builder \"\" is not trusted"),
        "{out}"
    );

    // An old build: a cosign-signed provenance finished 8 days ago; with --key only it is evaluated.
    let digest = s.digest_of(repo, "good");
    let pinned = format!("{}/{repo}@{digest}", s.registry);
    let old = attest_old_provenance(&s, &dir, "https://github.com/example/ci", &pinned);
    let (code, out, err) = s.stagetrail(
        &[
            "verify",
            &good,
            "--rego",
            "policy.rego",
            "--key",
            "cosign.pub",
        ],
        &dir,
    );
    assert_eq!(code, 1, "{out}{err}");
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(
        out.contains("(cosign-att ")
            && out
                .trim_end()
                .ends_with(&format!("): built {old}, more than 7 days ago")),
        "{out}"
    );
    // Without keys the BuildKit provenance is evaluated too (and passes): the old one still fails.
    let (code, out, _) = s.stagetrail(&["verify", &good, "--rego", "policy.rego"], &dir);
    assert_eq!(code, 1, "{out}");
    assert_eq!(out.lines().count(), 1, "{out}");

    // Another type: the policy on the SPDX statement, with a custom query.
    write(
        &dir,
        "sbom.rego",
        "package sbom\nimport rego.v1\nhas_packages if count(input.predicate.packages) > 0\n\
         deny contains \"empty SBOM\" if not has_packages\n",
    );
    let (code, out, err) = s.stagetrail(
        &[
            "verify",
            &good,
            "--rego",
            "sbom.rego",
            "--type",
            "spdx",
            "--query",
            "data.sbom.has_packages",
        ],
        &dir,
    );
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, _) = s.stagetrail(
        &[
            "verify",
            &bare,
            "--rego",
            "sbom.rego",
            "--type",
            "spdx",
            "--query",
            "data.sbom.has_packages",
        ],
        &dir,
    );
    assert_eq!(code, 1, "{out}");
    assert_eq!(
        out.trim_end(),
        "rego: linux/amd64: no spdx attestation",
        "{out}"
    );

    // A broken policy is an error with its location.
    write(
        &dir,
        "bad.rego",
        "package bad\n\nallow if {\n  input.x ==\n}\n",
    );
    let (code, _, err) = s.stagetrail(&["verify", &good, "--rego", "bad.rego"], &dir);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("error: bad.rego:"), "{err}");
}

/// `cosign attest --key cosign.key` of a SLSA v0.2 provenance by `builder` that finished 8 days ago
/// (`dir/old.json`) on `pinned`; returns the finish time.
pub(crate) fn attest_old_provenance(s: &Stack, dir: &Path, builder: &str, pinned: &str) -> String {
    let old = s.run(
        "date",
        &["-u", "-d", "8 days ago", "+%Y-%m-%dT%H:%M:%SZ"],
        dir,
        &[],
    );
    let old = String::from_utf8_lossy(&old.stdout).trim().to_string();
    let predicate = json!({
        "builder": {"id": builder},
        "buildType": "https://mobyproject.org/buildkit@v1",
        "metadata": {"buildFinishedOn": old},
    });
    write(dir, "old.json", &predicate.to_string());
    attest_with(s, dir, "cosign.key", "slsaprovenance", "old.json", pinned);
    old
}

/// `cosign attest --key KEY --type TYPE --predicate FILE IMAGE` (no transparency log).
fn attest_with(s: &Stack, dir: &Path, key: &str, kind: &str, predicate: &str, image: &str) {
    s.run(
        "cosign",
        &[
            "attest",
            "--key",
            key,
            "--tlog-upload=false",
            "--allow-insecure-registry",
            "-y",
            "--type",
            kind,
            "--predicate",
            predicate,
            image,
        ],
        dir,
        &PW,
    );
}

/// The example Kyverno policy with the example key replaced by `dir/cosign.pub`.
pub(crate) fn kyverno_example(dir: &Path) {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/policies/kyverno.yaml"),
    )
    .unwrap();
    let ours = std::fs::read_to_string(dir.join("cosign.pub")).unwrap();
    let ours: Vec<&str> = ours.trim().lines().collect();
    let mut out = Vec::new();
    let mut skipping = false;
    for line in text.lines() {
        let trimmed = line.trim_start();
        let indent = &line[..line.len() - trimmed.len()];
        if trimmed == "-----BEGIN PUBLIC KEY-----" {
            skipping = true;
            out.extend(ours.iter().map(|l| format!("{indent}{l}")));
        } else if trimmed == "-----END PUBLIC KEY-----" {
            skipping = false;
        } else if !skipping {
            out.push(line.to_string());
        }
    }
    write(dir, "kyverno.yaml", &(out.join("\n") + "\n"));
}

#[test]
fn kyverno_policy_passes_key_signed_attestations_and_fails_the_others() {
    let s = stack();
    let (dir, image, digest) = image(&s, "kyverno");
    kyverno_example(&dir);
    let repo = "stagetrail-test/policy-kyverno";
    let pinned = format!("{}/{repo}@{digest}", s.registry);
    write(
        &dir,
        "sbom.json",
        &spdx("0", &["pkg:generic/data@1"]).to_string(),
    );
    // Finished now: the example's build-age condition (< 168h) holds.
    let finished = s.run("date", &["-u", "+%Y-%m-%dT%H:%M:%SZ"], &dir, &[]);
    let finished = String::from_utf8_lossy(&finished.stdout).trim().to_string();
    let prov = |builder: &str| {
        json!({"builder": {"id": builder}, "buildType": "https://mobyproject.org/buildkit@v1",
               "metadata": {"buildFinishedOn": finished}})
        .to_string()
    };
    write(&dir, "trusted.json", &prov("https://github.com/example/ci"));
    write(&dir, "untrusted.json", &prov("https://ci.example/evil"));

    // Nothing signed yet: both attestations missing.
    let (code, out, err) = s.stagetrail(&["verify", &image, "--kyverno", "kyverno.yaml"], &dir);
    assert_eq!(code, 1, "{out}{err}");
    assert_eq!(out.lines().count(), 2, "{out}");
    assert!(
        out.contains("attestations[0]: no https://spdx.dev/Document attestation on sha256:"),
        "{out}"
    );
    assert!(err.contains("Kyverno would pin"), "{err}");

    // Signed SBOM and trusted provenance on the index: passes, also pinned by digest.
    attest_with(&s, &dir, "cosign.key", "spdxjson", "sbom.json", &pinned);
    attest_with(
        &s,
        &dir,
        "cosign.key",
        "slsaprovenance",
        "trusted.json",
        &pinned,
    );
    let (code, out, err) = s.stagetrail(&["verify", &image, "--kyverno", "kyverno.yaml"], &dir);
    assert_eq!(code, 0, "{out}{err}");
    assert!(err.contains("passes kyverno.yaml"), "{err}");
    let (code, out, err) = s.stagetrail(&["verify", &pinned, "--kyverno", "kyverno.yaml"], &dir);
    assert_eq!(code, 0, "{out}{err}");
    assert!(!err.contains("Kyverno would pin"), "{err}");

    // An untrusted builder's provenance, signed by the key: fails on the condition.
    attest_with(
        &s,
        &dir,
        "cosign.key",
        "slsaprovenance",
        "untrusted.json",
        &pinned,
    );
    let (code, out, err) = s.stagetrail(&["verify", &image, "--kyverno", "kyverno.yaml"], &dir);
    assert_eq!(code, 1, "{out}{err}");
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(
        out.starts_with("kyverno: check-image-attestations/sbom-and-provenance: verifyImages[0].attestations[1]: https://slsa.dev/provenance/v0.2 (cosign-att ")
            && out.trim_end().ends_with("): the provenance's builder is not trusted"),
        "{out}"
    );

    // Attestations signed by another key do not count.
    let (other_dir, other_image, other_digest) = self::image(&s, "kyverno-other");
    let other_pinned = format!(
        "{}/stagetrail-test/policy-kyverno-other@{other_digest}",
        s.registry
    );
    std::fs::copy(dir.join("kyverno.yaml"), other_dir.join("kyverno.yaml")).unwrap();
    write(&other_dir, "sbom.json", &spdx("0", &[]).to_string());
    write(
        &other_dir,
        "trusted.json",
        &prov("https://github.com/example/ci"),
    );
    attest_with(
        &s,
        &other_dir,
        "other.key",
        "spdxjson",
        "sbom.json",
        &other_pinned,
    );
    attest_with(
        &s,
        &other_dir,
        "other.key",
        "slsaprovenance",
        "trusted.json",
        &other_pinned,
    );
    let (code, out, err) = s.stagetrail(
        &["verify", &other_image, "--kyverno", "kyverno.yaml"],
        &other_dir,
    );
    assert_eq!(code, 1, "{out}{err}");
    assert_eq!(out.lines().count(), 2, "{out}");
    assert!(
        out.lines().all(|l| l.ends_with(
            "attestation signed by its attestors: 0 of 1 required attestor entries verified"
        )),
        "{out}"
    );

    // A keyless rule cannot be checked offline: reported, never passed.
    write(
        &dir,
        "keyless.yaml",
        "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata: {name: keyless}\nspec:\n  rules:\n  - name: signed\n    verifyImages:\n    - imageReferences: ['*']\n      attestors:\n      - entries:\n        - keyless:\n            subject: 'https://github.com/example/*'\n            issuer: https://token.actions.githubusercontent.com\n",
    );
    s.run(
        "cosign",
        &[
            "sign",
            "--key",
            "cosign.key",
            "--tlog-upload=false",
            "--allow-insecure-registry",
            "-y",
            &pinned,
        ],
        &dir,
        &PW,
    );
    let (code, out, err) = s.stagetrail(&["verify", &image, "--kyverno", "keyless.yaml"], &dir);
    assert_eq!(code, 1, "{out}{err}");
    assert_eq!(
        out.trim_end(),
        "kyverno: keyless/signed: verifyImages[0].attestors[0]: image signature not verified: 0 of 1 required attestor entries verified; entries[0] (keyless) is not checkable offline"
    );

    // A broken policy is an error with its location.
    write(&dir, "bad.yaml", "kind: ClusterPolicy\nspec:\n  rules:\n  - name: r\n    verifyImages:\n    - attestations:\n      - type: x\n        conditions:\n        - all:\n          - key: a\n            operator: Bigger\n");
    let (code, _, err) = s.stagetrail(&["verify", &image, "--kyverno", "bad.yaml"], &dir);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("error: bad.yaml:11:"), "{err}");
}

/// A CycloneDX BOM of our frontend's shape for `stage`, keys sorted as BuildKit re-serialises them
/// (`components` before `metadata`); every package came from the first stage, `base`.
fn cyclonedx_of_stage(stage: &str) -> Value {
    json!({"bomFormat": "CycloneDX",
           "components": [{"bom-ref": "pkg:deb/debian/bash@5.2", "name": "bash", "type": "library",
                           "properties": [{"name": "stagetrail:stage", "value": "base"}]}],
           "metadata": {"component": {"bom-ref": "stagetrail-subject", "name": "app", "type": "container",
                        "properties": [{"name": "stagetrail:stage", "value": stage}]}},
           "specVersion": "1.6", "version": 1})
}

#[test]
fn inspect_names_the_stage_of_each_cyclonedx_document() {
    let s = stack();
    let repo = "stagetrail-test/policy-cdx-stages";
    let (dir, image) = push_multi_stage(&s, "cdx-stages", repo);
    let cdx = "https://cyclonedx.org/bom";
    add_statements(
        &s,
        repo,
        "1",
        &[
            (cdx, cyclonedx_of_stage("base")),
            (cdx, cyclonedx_of_stage("build")),
            (cdx, cyclonedx_of_stage("final")),
            ("https://spdx.dev/Document", spdx("build", &[])),
        ],
    );
    let (code, out, err) = s.stagetrail(&["inspect", &image], &dir);
    assert_eq!(code, 0, "{out}{err}");
    let stages = |t: &str| -> Vec<String> {
        out.lines()
            .filter(|l| l.contains(&format!(" {t} ")))
            .filter_map(|l| l.split_whitespace().find_map(|w| w.strip_prefix("stage=")))
            .map(str::to_string)
            .collect()
    };
    assert_eq!(stages(cdx), ["base", "build", "final"], "{out}");
    assert_eq!(stages("https://spdx.dev/Document"), ["build"], "{out}");
}

#[test]
fn vuln_reports_per_stage_and_cosign_accepts_the_attached_attestations() {
    let s = stack();
    let repo = "stagetrail-test/policy-vuln";
    let (dir, image) = push_multi_stage(&s, "vuln", repo);
    let platform = add_statements(
        &s,
        repo,
        "1",
        &[
            (
                "https://spdx.dev/Document",
                spdx(
                    "base",
                    &["pkg:deb/debian/openssl@3.0.11-1~deb12u1?arch=amd64&distro=debian-12"],
                ),
            ),
            (
                "https://spdx.dev/Document",
                spdx(
                    "build",
                    &[
                        "pkg:npm/lodash@4.17.20",
                        "pkg:npm/%40example/parser@1.0.0-beta.11",
                    ],
                ),
            ),
            (
                "https://spdx.dev/Document",
                spdx("final", &["pkg:npm/lodash@4.17.21"]),
            ),
        ],
    );
    let db = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/osv");
    let db = db.to_str().unwrap();
    let (code, out, err) = s.stagetrail(&["vuln", &image, "--db", db], &dir);
    assert_eq!(code, 0, "{out}{err}");
    let rows: Vec<Vec<&str>> = out
        .lines()
        .skip(1)
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(
        rows,
        [
            vec![
                "linux/amd64",
                "base",
                "DSA-0001-1",
                "pkg:deb/debian/openssl",
                "3.0.11-1~deb12u1",
                "3.0.11-1~deb12u2"
            ],
            vec![
                "linux/amd64",
                "build",
                "GHSA-0000-scop-ed00",
                "pkg:npm/%40example/parser",
                "1.0.0-beta.11",
                "1.0.0-rc.2"
            ],
            vec![
                "linux/amd64",
                "build",
                "GHSA-35jh-r3h4-6jhm",
                "pkg:npm/lodash",
                "4.17.20",
                "4.17.21"
            ],
            vec![
                "linux/amd64",
                "final",
                "-",
                "(1",
                "packages,",
                "none",
                "affected)"
            ],
        ],
        "{out}"
    );
    assert!(
        err.contains("3 stage scan(s), 3 finding(s); OSV sha256:"),
        "{err}"
    );
    let (code, _, _) = s.stagetrail(&["vuln", &image, "--db", db, "--fail-on-findings"], &dir);
    assert_eq!(code, 1);

    // Attached, signed: cosign accepts them at the platform digest.
    s.run("cosign", &["generate-key-pair"], &dir, &PW);
    let (code, out, err) = s.stagetrail(
        &[
            "vuln",
            &image,
            "--db",
            db,
            "--attach",
            "--key",
            "cosign.key",
        ],
        &dir,
    );
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        err.lines()
            .filter(
                |l| l.contains("https://cosign.sigstore.dev/attestation/vuln/v1")
                    && l.ends_with(" added")
            )
            .count(),
        3,
        "{err}"
    );
    let pinned = format!("{}/{repo}@{platform}", s.registry);
    s.cosign_verifies(&dir, "vuln", &pinned);
    let (_, tree, _) = s.stagetrail(&["inspect", &image], &dir);
    for stage in ["base", "build", "final"] {
        assert!(
            tree.contains(&format!(
                "cosign-att https://cosign.sigstore.dev/attestation/vuln/v1 stage={stage} "
            )),
            "{tree}"
        );
    }

    // A Rego policy over them: no stage may have a finding.
    write(
        &dir,
        "novuln.rego",
        "package novuln\nimport rego.v1\ndefault allow := false\nallow if count(deny) == 0\n\
         deny contains sprintf(\"stage %s: %s\", [input.stage, f.id]) if {\n  some f in input.predicate.scanner.result.findings\n}\n",
    );
    let (code, out, err) = s.stagetrail(
        &[
            "verify",
            &image,
            "--rego",
            "novuln.rego",
            "--type",
            "vuln",
            "--key",
            "cosign.pub",
        ],
        &dir,
    );
    assert_eq!(code, 1, "{out}{err}");
    assert_eq!(out.lines().count(), 2, "{out}");
    assert!(out.contains("): stage base: DSA-0001-1"), "{out}");
    assert!(
        out.contains("): stage build: GHSA-0000-scop-ed00; stage build: GHSA-35jh-r3h4-6jhm"),
        "{out}"
    );
}

#[test]
fn rego_is_evaluated_per_attestation_on_every_platform() {
    let s = stack();
    let dir = s.context("rego-platforms");
    let repo = "stagetrail-test/policy-rego-platforms";
    let image = format!("{}/{repo}:1", s.registry);
    s.build_push(&dir, &image, Some("linux/amd64,linux/arm64"));
    write(
        &dir,
        "amd64.rego",
        "package only\nimport rego.v1\nallow if input.platform == \"linux/amd64\"\n\
         deny contains sprintf(\"%s is not allowed (%s)\", [input.platform, input.predicateType]) if not allow\n",
    );
    let (code, out, err) = s.stagetrail(&["verify", &image, "--rego", "amd64.rego"], &dir);
    assert_eq!(code, 1, "{out}{err}");
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(
        out.starts_with("rego: linux/arm64: https://slsa.dev/provenance/v0.2 (buildkit ")
            && out
                .trim_end()
                .ends_with("): linux/arm64 is not allowed (https://slsa.dev/provenance/v0.2)"),
        "{out}"
    );
    // Every platform must have at least one attestation of the type.
    let (code, out, _) = s.stagetrail(
        &[
            "verify",
            &image,
            "--rego",
            "amd64.rego",
            "--type",
            "cyclonedx",
        ],
        &dir,
    );
    assert_eq!(code, 1, "{out}");
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        [
            "rego: linux/amd64: no cyclonedx attestation",
            "rego: linux/arm64: no cyclonedx attestation"
        ]
    );
    // A query that holds everywhere passes.
    write(
        &dir,
        "any.rego",
        "package any\nimport rego.v1\nallow if input.predicate.buildType\n",
    );
    let (code, out, err) = s.stagetrail(&["verify", &image, "--rego", "any.rego"], &dir);
    assert_eq!(code, 0, "{out}{err}");
    // An unknown --type is an error.
    let (code, _, err) = s.stagetrail(
        &["verify", &image, "--rego", "any.rego", "--type", "sboms"],
        &dir,
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("--type: unknown predicate type \"sboms\""),
        "{err}"
    );
}
