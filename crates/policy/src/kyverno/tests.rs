use super::condition::{apply, Key, Operator};
use super::*;
use serde_json::json;
use stagetrail_oci::Digest;

const EXAMPLE: &str = include_str!("../../../../examples/policies/kyverno.yaml");
/// The time the tests evaluate at: 2026-12-06T12:00:00Z.
const NOW: i64 = 1_796_558_400;
const KEY_NAME: &str =
    "check-image-attestations/sbom-and-provenance/verifyImages[0].attestations[0].attestors[0].entries[0]";

fn evidence(
    predicate_type: &str,
    platform: Option<&str>,
    signed: Signed,
    predicate: Value,
) -> Evidence {
    Evidence {
        kind: AttestationKind::CosignAtt,
        platform: platform.map(str::to_string),
        attached_to: Digest::sha256_of(b"index"),
        layer: Digest::sha256_of(predicate.to_string().as_bytes()),
        predicate_type: Some(predicate_type.into()),
        stage: None,
        subjects: Vec::new(),
        signed,
        builder_id: None,
        finished_on: None,
        stages: None,
        packages: Vec::new(),
        signed_digest: None,
        predicate: Some(predicate),
        error: None,
    }
}

fn facts(evidence: Vec<Evidence>) -> ImageFacts {
    ImageFacts {
        image: "reg/app:1".into(),
        digest: Digest::sha256_of(b"index"),
        media_type: "application/vnd.oci.image.index.v1+json".into(),
        platforms: Vec::new(),
        evidence,
    }
}

fn verified() -> Signed {
    Signed::Verified(KEY_NAME.into())
}

fn messages(r: &KyvernoReport) -> Vec<String> {
    r.findings.iter().map(ToString::to_string).collect()
}

#[test]
fn the_example_names_its_one_key_once() {
    let p = KyvernoPolicy::parse(EXAMPLE, "kyverno.yaml").unwrap();
    let keys = p.keys();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0].name, KEY_NAME);
}

#[test]
fn the_example_passes_signed_sbom_and_trusted_provenance() {
    let p = KyvernoPolicy::parse(EXAMPLE, "kyverno.yaml").unwrap();
    let good = facts(vec![
        evidence(SPDX_T, None, verified(), json!({})),
        evidence(
            SLSA_T,
            None,
            verified(),
            json!({"builder": {"id": "https://github.com/example/ci"},
                   "metadata": {"buildFinishedOn": "2026-12-05T12:00:00.5Z"}}),
        ),
    ]);
    let r = p.evaluate(&good, "reg/app:1", NOW);
    assert_eq!(messages(&r), Vec::<String>::new());
    assert!(
        r.notes[0].contains("Kyverno would pin reg/app:1 to sha256:"),
        "{:?}",
        r.notes
    );
}

const SPDX_T: &str = "https://spdx.dev/Document";
const SLSA_T: &str = "https://slsa.dev/provenance/v0.2";

#[test]
fn the_example_fails_unsigned_untrusted_and_misplaced() {
    let p = KyvernoPolicy::parse(EXAMPLE, "kyverno.yaml").unwrap();
    let bad = facts(vec![
        evidence(SPDX_T, None, Signed::Unsigned, json!({})),
        evidence(SLSA_T, None, verified(), json!({"builder": {"id": ""}})),
    ]);
    let m = messages(&p.evaluate(&bad, "reg/app:1", NOW));
    assert_eq!(m.len(), 2, "{m:?}");
    assert_eq!(m[0], "kyverno: check-image-attestations/sbom-and-provenance: verifyImages[0].attestations[0]: no https://spdx.dev/Document attestation signed by its attestors: 0 of 1 required attestor entries verified");
    assert!(
        m[1].ends_with(": the provenance's builder is not trusted"),
        "{m:?}"
    );

    let platform_only = facts(vec![evidence(
        SPDX_T,
        Some("linux/amd64"),
        verified(),
        json!({}),
    )]);
    let m = messages(&p.evaluate(&platform_only, "reg/app:1", NOW));
    assert!(
        m[0].contains("no https://spdx.dev/Document attestation on sha256:")
            && m[0].contains("(found on the platform manifest of linux/amd64 only;"),
        "{m:?}"
    );
}

#[test]
fn keyless_is_never_passed_and_references_and_digests_are_checked() {
    let text = r#"
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: keyless}
spec:
  rules:
    - name: r
      verifyImages:
        - imageReferences: ["ghcr.io/*", "reg/app*"]
          skipImageReferences: ["reg/app:skip"]
          mutateDigest: false
          attestors:
            - entries:
                - keyless:
                    subject: "https://github.com/example/*"
                    issuer: https://token.actions.githubusercontent.com
"#;
    let p = KyvernoPolicy::parse(text, "k.yaml").unwrap();
    let signed = facts(vec![]);
    let m = messages(&p.evaluate(&signed, "reg/app:1", NOW));
    assert_eq!(m, [
        "kyverno: keyless/r: verifyImages[0].attestors[0]: no cosign signature on the image",
        "kyverno: keyless/r: verifyImages[0]: reg/app:1 is not pinned by digest (verifyDigest), and mutateDigest is false",
    ]);
    let mut sig = evidence("x", None, Signed::Unchecked, json!({}));
    sig.kind = AttestationKind::CosignSig;
    sig.predicate_type = None;
    let pinned = format!("reg/app@{}", Digest::sha256_of(b"index"));
    let m = messages(&p.evaluate(&facts(vec![sig]), &pinned, NOW));
    assert_eq!(m, ["kyverno: keyless/r: verifyImages[0].attestors[0]: image signature not verified: 0 of 1 required attestor entries verified; entries[0] (keyless) is not checkable offline"]);
    let r = p.evaluate(&facts(vec![]), "reg/app:skip", NOW);
    assert!(r.findings.is_empty());
    assert!(
        r.notes[0].starts_with("no verifyImages rule of k.yaml matches reg/app:skip"),
        "{:?}",
        r.notes
    );
}

#[test]
fn errors_have_locations() {
    let bad_op = "kind: ClusterPolicy\nspec:\n  rules:\n    - name: r\n      verifyImages:\n        - attestations:\n            - type: x\n              conditions:\n                - all:\n                    - key: a\n                      operator: Bigger\n                      value: 1\n";
    let e = KyvernoPolicy::parse(bad_op, "k.yaml")
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("k.yaml:11:"), "{e}");
    assert!(e.contains("Bigger"), "{e}");
    let bad_key = "kind: ClusterPolicy\nspec:\n  rules:\n    - name: r\n      verifyImages:\n        - attestors:\n            - entries:\n                - keys:\n                    publicKeys: not a key\n";
    let e = KyvernoPolicy::parse(bad_key, "k.yaml")
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("k.yaml:9:"), "{e}");
    let e = KyvernoPolicy::parse("kind: ConfigMap\n", "k.yaml")
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        "k.yaml:1:1: no ClusterPolicy or Policy with verifyImages rules"
    );
    let bad_expr = "kind: Policy\nspec:\n  rules:\n    - verifyImages:\n        - attestations:\n            - type: x\n              conditions:\n                - any:\n                    - key: \"{{ a | b }}\"\n                      operator: Equals\n";
    let e = KyvernoPolicy::parse(bad_expr, "k.yaml")
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("k.yaml:9:"), "{e}");
}

#[test]
fn keys_in_the_jmespath_subset() {
    let doc = json!({"builder": {"id": "b"}, "materials": [{"uri": "u1"}, {"uri": "u2"}, {"x": 1}],
                     "a-b": {"c": 3}, "n": "7"});
    let eval = |k: &str| Key::parse(json!(k)).unwrap().eval(&doc, NOW);
    assert_eq!(eval("{{ builder.id }}"), json!("b"));
    assert_eq!(eval("{{builder.missing.deeper}}"), Value::Null);
    assert_eq!(eval("{{ materials[*].uri }}"), json!(["u1", "u2"]));
    assert_eq!(eval("{{ materials[].uri }}"), json!(["u1", "u2"]));
    assert_eq!(eval("{{ materials[-1].x }}"), json!(1));
    assert_eq!(eval("{{ \"a-b\".c }}"), json!(3));
    assert_eq!(eval("{{ length(materials) }}"), json!(3));
    assert_eq!(eval("id={{ builder.id }}/{{ \"a-b\".c }}"), json!("id=b/3"));
    assert_eq!(eval("plain"), json!("plain"));
    let since = |from: &str| eval(&format!("{{{{ time_since('', '{from}', '') }}}}"));
    assert_eq!(since("2026-11-28T11:59:55Z"), json!("192h0m5s"));
    assert_eq!(since("2026-12-06T12:00:00Z"), json!("0s"));
    assert_eq!(since("not a time"), Value::Null);
    assert_eq!(
        eval("{{ time_since('', '2026-12-01T00:00:00Z', '2026-12-01T01:30:00+01:00') }}"),
        json!("30m0s")
    );
    let doc = json!({"metadata": {"buildFinishedOn": "2026-12-06T11:00:00Z"}});
    let key = Key::parse(json!("{{ time_since('', metadata.buildFinishedOn, '') }}")).unwrap();
    assert_eq!(key.eval(&doc, NOW), json!("1h0m0s"));
    for bad in [
        "{{ time_since('', '{{ metadata.buildFinishedOn }}', '') }}",
        "{{ time_since('', metadata.buildFinishedOn) }}",
        "{{ time_since('2006-01-02', metadata.buildFinishedOn, '') }}",
        "{{ time_since('', 'x, '') }}",
    ] {
        assert!(Key::parse(json!(bad)).is_err(), "{bad}");
    }
    assert!(Key::parse(json!("{{ a || b }}")).is_err());
    assert!(Key::parse(json!("{{ a")).is_err());
}

#[test]
fn operators() {
    use Operator::*;
    assert!(apply(
        Equals,
        &json!("https://github.com/x/y"),
        &json!("https://github.com/*")
    ));
    assert!(apply(Equals, &json!("v1.2"), &json!("v1.?")));
    assert!(apply(NotEquals, &json!("a"), &json!("b")));
    assert!(apply(Equals, &json!(3), &json!("3")));
    assert!(apply(In, &json!("a"), &json!(["a", "b"])));
    assert!(apply(In, &json!(["a", "b"]), &json!(["a", "b", "c"])));
    assert!(!apply(In, &json!(["a", "z"]), &json!(["a", "b"])));
    assert!(apply(NotIn, &json!(["a", "z"]), &json!(["a", "b"])));
    assert!(apply(AnyIn, &json!(["z", "b"]), &json!(["a", "b*"])));
    assert!(apply(AllIn, &json!(["a", "b"]), &json!(["a", "b"])));
    assert!(apply(AnyNotIn, &json!(["a", "z"]), &json!(["a", "b"])));
    assert!(apply(AllNotIn, &json!(["y", "z"]), &json!(["a", "b"])));
    assert!(!apply(AllNotIn, &json!(["a", "z"]), &json!(["a", "b"])));
    assert!(apply(GreaterThan, &json!(3), &json!(2)));
    assert!(apply(GreaterThanOrEquals, &json!("7"), &json!(7)));
    assert!(apply(LessThan, &json!(1.5), &json!("2")));
    assert!(apply(LessThanOrEquals, &json!(2), &json!(2)));
    assert!(!apply(GreaterThan, &json!("x"), &json!(2)));
    assert!(apply(LessThan, &json!("167h59m59s"), &json!("168h")));
    assert!(!apply(LessThan, &json!("192h0m5s"), &json!("168h")));
    assert!(apply(GreaterThanOrEquals, &json!("1.5h"), &json!("90m")));
    assert!(!apply(LessThan, &json!("7d"), &json!("168h")));
}
