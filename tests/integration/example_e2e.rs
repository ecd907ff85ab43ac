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
