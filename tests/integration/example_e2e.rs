//! The README's first example on the real stack: `examples/multistage` built through our frontend
//! with per-stage SBOMs and max provenance, pushed, then checked with the example YAML policy and
//! with the guide's Rego policy (`examples/policies/policy.rego`) — which passes a fresh image from
//! a trusted builder and names the reason when the builder is not trusted.

use std::path::Path;

use crate::support::stack::stack;

const TRUSTED: &str = "https://github.com/example/ci";

#[test]
fn the_example_passes_its_policies_and_the_rego_guide_names_untrusted_builders() {
    let s = stack();
    let frontend = s.frontend();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = repo.join("examples/multistage");
    let policies = repo.join("examples/policies");
    let push = |tag: &str, provenance: &str| {
        let image = format!("{}/examples/multistage:{tag}", s.registry);
        s.build(
            &dir,
            &frontend,
            &["--sbom=true", provenance, "--push", "-t", &image],
        );
        image
    };
    let trusted = push(
        "trusted",
        &format!("--provenance=mode=max,builder-id={TRUSTED}"),
    );
    let untrusted = push("untrusted", "--provenance=mode=max");

    let policy = policies.join("example.yaml");
    let (code, out, err) = s.stagetrail(
        &["verify", &trusted, "--policy", policy.to_str().unwrap()],
        repo,
    );
    assert_eq!(code, 0, "example.yaml must pass:\n{out}\n{err}");

    let rego = policies.join("policy.rego");
    let (code, out, err) = s.stagetrail(
        &["verify", &trusted, "--rego", rego.to_str().unwrap()],
        repo,
    );
    assert_eq!(
        code, 0,
        "policy.rego must pass a fresh image from {TRUSTED}:\n{out}\n{err}"
    );

    let (code, out, err) = s.stagetrail(
        &["verify", &untrusted, "--rego", rego.to_str().unwrap()],
        repo,
    );
    assert_eq!(
        code, 1,
        "policy.rego must fail an untrusted builder:\n{out}\n{err}"
    );
    assert!(
        out.contains("builder \"\" is not trusted") || err.contains("builder \"\" is not trusted"),
        "the denial names the builder:\n{out}\n{err}"
    );
}

/// The guide's acceptance on images built through our frontend: after `attest-export` signs their
/// BuildKit attestations, `policy.rego` (with `--key`, as `cosign verify-attestation --key --policy`
/// evaluates only signed attestations) and the Kyverno ClusterPolicy pass a fresh image from a
/// trusted builder and fail, each with its reason, an untrusted builder and an image without SBOMs;
/// both also fail the image once a signed provenance says it was built 8 days ago (the
/// ClusterPolicy's `time_since` condition).
#[test]
fn the_guides_policies_fail_stagetrail_images_for_their_reasons() {
    use crate::policy_e2e::{attest_old_provenance, kyverno_example};

    let s = stack();
    let frontend = s.frontend();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let example = repo.join("examples/multistage");
    let dir = s.context("guide");
    let pw = [("COSIGN_PASSWORD", "")];
    s.run("cosign", &["generate-key-pair"], &dir, &pw);
    kyverno_example(&dir);
    std::fs::copy(
        repo.join("examples/policies/policy.rego"),
        dir.join("policy.rego"),
    )
    .unwrap();
    let trusted_provenance = format!("--provenance=mode=max,builder-id={TRUSTED}");
    // cosign keys attestations by digest: a label per image and run keeps the three platform
    // manifests (and their `.att` tags) apart.
    let push = |tag: &str, args: &[&str]| {
        let image = format!("{}/verify13/guide:{tag}", s.registry);
        let label = format!("org.example.variant={tag} {}", dir.display());
        let mut all = args.to_vec();
        all.extend(["--label", &label, "--push", "-t", &image]);
        s.build(&example, &frontend, &all);
        let (code, out, err) =
            s.stagetrail(&["attest-export", &image, "--key", "cosign.key"], &dir);
        assert_eq!(code, 0, "attest-export {image}: {out}{err}");
        image
    };
    let fresh = push("fresh", &["--sbom=true", &trusted_provenance]);
    let untrusted = push("untrusted", &["--sbom=true", "--provenance=mode=max"]);
    let no_sbom = push("no-sbom", &["--sbom=false", &trusted_provenance]);
    let rego = |image: &str| {
        let (code, out, err) = s.stagetrail(
            &[
                "verify",
                image,
                "--rego",
                "policy.rego",
                "--key",
                "cosign.pub",
            ],
            &dir,
        );
        (code, format!("{out}{err}"))
    };
    let kyverno = |image: &str| {
        let (code, out, err) = s.stagetrail(&["verify", image, "--kyverno", "kyverno.yaml"], &dir);
        (code, format!("{out}{err}"))
    };

    let (code, out) = rego(&fresh);
    assert_eq!(code, 0, "{out}");
    let (code, out) = kyverno(&fresh);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("passes kyverno.yaml"), "{out}");

    let (code, out) = rego(&untrusted);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("(cosign-att "), "{out}");
    assert!(out.contains("): builder \"\" is not trusted"), "{out}");
    let (code, out) = kyverno(&untrusted);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("): the provenance's builder is not trusted"),
        "{out}"
    );

    let (code, out) = rego(&no_sbom);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("): no SPDX SBOM attestation (https://spdx.dev/Document) on the image"),
        "{out}"
    );
    let (code, out) = kyverno(&no_sbom);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("attestations[0]: no https://spdx.dev/Document attestation on sha256:"),
        "{out}"
    );

    // Old: a signed provenance of the fresh image that finished 8 days ago.
    let digest = s.digest_of("verify13/guide", "fresh");
    let pinned = format!("{}/verify13/guide@{digest}", s.registry);
    let old = attest_old_provenance(&s, &dir, TRUSTED, &pinned);
    let (code, out) = rego(&fresh);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(&format!("): built {old}, more than 7 days ago")),
        "{out}"
    );
    let (code, out) = kyverno(&fresh);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("): the image was built more than 7 days ago"),
        "{out}"
    );
}
