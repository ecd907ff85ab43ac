//! `stagetrail inspect` and the registry client against the real stack: images built and pushed by the
//! real BuildKit (max-mode provenance, multi-platform), attested by the real cosign, with referrers
//! attached by the real oras, and exported as OCI tar / layout.

use crate::support::stack;
use stagetrail_oci::attestations::statement::SLSA_V02;

use std::path::Path;

use serde_json::Value;
use stack::{stack, Stack};

/// (image manifest digest, attestation layer digest) per platform of a pushed index, read with curl.
fn provenance_layers(s: &Stack, repository: &str, tag: &str) -> Vec<(String, String)> {
    let index = s.raw_manifest(repository, tag);
    let mut out = Vec::new();
    for entry in index["manifests"].as_array().unwrap() {
        if entry["annotations"]["vnd.docker.reference.type"] == "attestation-manifest" {
            let att = s.raw_manifest(repository, entry["digest"].as_str().unwrap());
            let layer = att["layers"][0]["digest"].as_str().unwrap().to_string();
            assert_eq!(
                att["layers"][0]["annotations"]["in-toto.io/predicate-type"],
                SLSA_V02
            );
            out.push((
                entry["annotations"]["vnd.docker.reference.digest"]
                    .as_str()
                    .unwrap()
                    .to_string(),
                layer,
            ));
        }
    }
    out.sort();
    out
}

fn inspect_ok(s: &Stack, args: &[&str], dir: &Path) -> String {
    let (code, stdout, stderr) = s.stagetrail(args, dir);
    assert_eq!(code, 0, "stagetrail {args:?} failed:\n{stdout}\n{stderr}");
    stdout
}

#[test]
fn inspect_lists_buildkit_provenance_of_a_single_platform_image() {
    let s = stack();
    let dir = s.context("single");
    let repository = "stagetrail-test/inspect-single";
    let image = format!("{}/{repository}:1", s.registry);
    s.build_push(&dir, &image, None);
    let layers = provenance_layers(&s, repository, "1");
    assert_eq!(layers.len(), 1);
    let (manifest, layer) = &layers[0];
    let tree = inspect_ok(&s, &["inspect", &image], &dir);
    let index = s.digest_of(repository, "1");
    assert!(
        tree.starts_with(&format!(
            "{image} {index} (application/vnd.oci.image.index.v1+json)\n"
        )),
        "{tree}"
    );
    assert!(
        tree.contains(&format!("└── linux/amd64 {manifest}\n")),
        "{tree}"
    );
    let line = format!("buildkit {SLSA_V02} stage=- size=");
    assert!(
        tree.contains(&line) && tree.contains(&format!("{layer} unsigned")),
        "{tree}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn inspect_lists_provenance_per_platform_of_a_multi_platform_image() {
    let s = stack();
    let dir = s.context("multi");
    let repository = "stagetrail-test/inspect-multi";
    let image = format!("{}/{repository}:1", s.registry);
    s.build_push(&dir, &image, Some("linux/amd64,linux/arm64"));
    let layers = provenance_layers(&s, repository, "1");
    assert_eq!(layers.len(), 2);

    let json: Value = serde_json::from_str(&inspect_ok(
        &s,
        &["inspect", &image, "--format", "json"],
        &dir,
    ))
    .unwrap();
    assert_eq!(json["digest"], s.digest_of(repository, "1").as_str());
    let platforms = json["platforms"].as_array().unwrap();
    let names: Vec<String> = platforms
        .iter()
        .map(|p| {
            format!(
                "{}/{}",
                p["platform"]["os"].as_str().unwrap(),
                p["platform"]["architecture"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(names, ["linux/amd64", "linux/arm64"]);
    for p in platforms {
        let digest = p["manifest"]["digest"].as_str().unwrap();
        let atts = p["attestations"].as_array().unwrap();
        assert_eq!(atts.len(), 1, "{p}");
        let a = &atts[0];
        assert_eq!(a["kind"], "buildkit");
        assert_eq!(a["predicateType"], SLSA_V02);
        assert_eq!(a["attachedTo"], digest);
        assert_eq!(a["signed"], false);
        let expected = layers
            .iter()
            .find(|(m, _)| m == digest)
            .map(|(_, l)| l.as_str())
            .unwrap();
        assert_eq!(a["digest"], expected);
        assert_eq!(
            a["subjects"][0]["digest"]["sha256"],
            digest.trim_start_matches("sha256:")
        );
    }

    let lines = inspect_ok(&s, &["inspect", &image, "--predicate-type", SLSA_V02], &dir);
    let statements: Vec<Value> = lines
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(statements.len(), 2, "{lines}");
    for st in &statements {
        assert_eq!(st["predicateType"], SLSA_V02);
        assert_eq!(
            st["predicate"]["buildType"],
            "https://mobyproject.org/buildkit@v1"
        );
    }
    let array: Value = serde_json::from_str(&inspect_ok(
        &s,
        &[
            "inspect",
            &image,
            "--predicate-type",
            SLSA_V02,
            "--format",
            "json",
        ],
        &dir,
    ))
    .unwrap();
    assert_eq!(array.as_array().unwrap().len(), 2);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn inspect_shows_cosign_attestation_and_signature() {
    let s = stack();
    let dir = s.context("cosign");
    let repository = "stagetrail-test/inspect-cosign";
    let image = format!("{}/{repository}:1", s.registry);
    s.build_push(&dir, &image, None);
    let digest = s.digest_of(repository, "1");
    let pinned = format!("{}/{repository}@{digest}", s.registry);
    let pw = [("COSIGN_PASSWORD", "")];
    s.run("cosign", &["generate-key-pair"], &dir, &pw);
    let predicate = r#"{"spdxVersion":"SPDX-2.3","dataLicense":"CC0-1.0","SPDXID":"SPDXRef-DOCUMENT","name":"app",
        "documentNamespace":"https://example.com/app","creationInfo":{"created":"2024-01-01T00:00:00Z","creators":["Tool: test"]},
        "annotations":[{"annotationType":"OTHER","annotator":"Tool: stagetrail","annotationDate":"2024-01-01T00:00:00Z","comment":"stagetrail:stage=build"}],
        "packages":[]}"#;
    std::fs::write(dir.join("p.json"), predicate).unwrap();
    let common = [
        "--key",
        "cosign.key",
        "--tlog-upload=false",
        "--allow-insecure-registry",
        "-y",
    ];
    let mut attest = vec!["attest"];
    attest.extend(common);
    attest.extend(["--type", "spdxjson", "--predicate", "p.json", &pinned]);
    s.run("cosign", &attest, &dir, &pw);
    let mut sign = vec!["sign"];
    sign.extend(common);
    sign.push(&pinned);
    s.run("cosign", &sign, &dir, &pw);

    let tag = digest.replace(':', "-");
    let att = s.raw_manifest(repository, &format!("{tag}.att"));
    let att_layer = att["layers"][0]["digest"].as_str().unwrap();
    assert_eq!(
        att["layers"][0]["mediaType"],
        "application/vnd.dsse.envelope.v1+json"
    );
    let sig = s.raw_manifest(repository, &format!("{tag}.sig"));
    let sig_layer = sig["layers"][0]["digest"].as_str().unwrap();

    let tree = inspect_ok(&s, &["inspect", &image], &dir);
    assert!(tree.contains("├── index\n"), "{tree}");
    let att_line = tree
        .lines()
        .find(|l| l.contains(att_layer))
        .unwrap_or_else(|| panic!("no .att layer {att_layer}:\n{tree}"));
    assert!(
        att_line.contains("cosign-att https://spdx.dev/Document stage=build size="),
        "{att_line}"
    );
    assert!(
        att_line.ends_with(&format!("{att_layer} signed")),
        "{att_line}"
    );
    let sig_line = tree
        .lines()
        .find(|l| l.contains(sig_layer))
        .unwrap_or_else(|| panic!("no .sig layer:\n{tree}"));
    assert!(
        sig_line.contains("cosign-sig application/vnd.dev.cosign.simplesigning.v1+json")
            && sig_line.ends_with("signed"),
        "{sig_line}"
    );
    assert!(
        tree.contains(&format!("buildkit {SLSA_V02} stage=-")),
        "{tree}"
    );

    let statement: Value = serde_json::from_str(
        inspect_ok(
            &s,
            &[
                "inspect",
                &image,
                "--predicate-type",
                "https://spdx.dev/Document",
            ],
            &dir,
        )
        .trim(),
    )
    .unwrap();
    assert_eq!(statement["predicate"]["spdxVersion"], "SPDX-2.3");
    assert_eq!(
        statement["subject"][0]["digest"]["sha256"],
        digest.trim_start_matches("sha256:")
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn inspect_finds_referrers_through_the_tag_fallback() {
    let s = stack();
    let dir = s.context("referrers");
    let repository = "stagetrail-test/inspect-referrers";
    let image = format!("{}/{repository}:1", s.registry);
    s.build_push(&dir, &image, None);
    let (manifest, _) = provenance_layers(&s, repository, "1").remove(0);
    let statement = format!(
        r#"{{"_type":"https://in-toto.io/Statement/v1","subject":[{{"name":"app","digest":{{"sha256":"{}"}}}}],"predicateType":"https://example.com/custom/v1","predicate":{{"stagetrail:stage":"deps"}}}}"#,
        manifest.trim_start_matches("sha256:")
    );
    std::fs::write(dir.join("stmt.json"), statement).unwrap();
    let target = format!("{}/{repository}@{manifest}", s.registry);
    s.run(
        "oras",
        &[
            "attach",
            "--plain-http",
            "--artifact-type",
            "application/vnd.example+json",
            &target,
            "stmt.json:application/vnd.in-toto+json",
        ],
        &dir,
        &[],
    );
    let tree = inspect_ok(&s, &["inspect", &image], &dir);
    assert!(
        tree.contains("referrer https://example.com/custom/v1 stage=deps size="),
        "{tree}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn inspect_reads_oci_tar_and_layout_exports() {
    let s = stack();
    let dir = s.context("oci");
    s.run(
        "docker",
        &[
            "buildx",
            "build",
            "--provenance=mode=max",
            "--sbom=false",
            "--output",
            "type=oci,dest=out.tar",
            ".",
        ],
        &dir,
        &[],
    );
    let from_tar = inspect_ok(&s, &["inspect", "--oci-tar", "out.tar"], &dir);
    assert!(
        from_tar.contains(&format!("buildkit {SLSA_V02} stage=-")),
        "{from_tar}"
    );
    assert!(from_tar.contains("└── linux/amd64 sha256:"), "{from_tar}");
    std::fs::create_dir_all(dir.join("layout")).unwrap();
    s.run("tar", &["-xf", "out.tar", "-C", "layout"], &dir, &[]);
    let from_layout = inspect_ok(&s, &["inspect", "--layout", "layout"], &dir);
    let body = |t: &str| t.lines().skip(1).map(str::to_string).collect::<Vec<_>>();
    assert_eq!(body(&from_tar), body(&from_layout));
    let json: Value = serde_json::from_str(&inspect_ok(
        &s,
        &["inspect", "--oci-tar", "out.tar", "--format", "json"],
        &dir,
    ))
    .unwrap();
    assert_eq!(json["platforms"][0]["attestations"][0]["kind"], "buildkit");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn pushed_blobs_and_manifests_read_back() {
    use stagetrail_oci::{ClientConfig, Reference, RegistryClient};
    let s = stack();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let reference =
        Reference::parse(&format!("{}/stagetrail-test/push:t{nanos}", s.registry)).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let digest = runtime.block_on(async {
        let client = RegistryClient::new(ClientConfig::default()).unwrap();
        let config = client
            .push_blob(&reference, b"{}", "application/vnd.oci.empty.v1+json")
            .await
            .unwrap();
        let payload = format!(r#"{{"n":{nanos}}}"#);
        let layer = client
            .push_blob(
                &reference,
                payload.as_bytes(),
                "application/vnd.in-toto+json",
            )
            .await
            .unwrap();
        // Pushing the same blob again is a no-op.
        client
            .push_blob(
                &reference,
                payload.as_bytes(),
                "application/vnd.in-toto+json",
            )
            .await
            .unwrap();
        let manifest = serde_json::json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": config,
            "layers": [layer],
        });
        let bytes = serde_json::to_vec(&manifest).unwrap();
        let digest = client
            .push_manifest(
                &reference,
                &bytes,
                "application/vnd.oci.image.manifest.v1+json",
            )
            .await
            .unwrap();
        let fetched = client.manifest(&reference).await.unwrap();
        assert_eq!(fetched.descriptor.digest, digest);
        assert_eq!(fetched.bytes, bytes);
        assert_eq!(
            client.blob(&reference, &layer).await.unwrap(),
            payload.as_bytes()
        );
        digest
    });
    assert_eq!(
        s.digest_of("stagetrail-test/push", reference.tag.as_deref().unwrap()),
        digest.to_string()
    );
}
