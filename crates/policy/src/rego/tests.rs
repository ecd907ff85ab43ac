use super::*;
use serde_json::json;

const EXAMPLE: &str = include_str!("../../../../examples/policies/policy.rego");

fn example() -> RegoPolicy {
    RegoPolicy::parse(EXAMPLE, "policy.rego", None).unwrap()
}

fn rfc3339_days_ago(days: i64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    stagetrail_oci::civil_time::rfc3339(now - days * 86_400)
}

fn v02(builder: &str, finished: &str, types: &[&str]) -> Value {
    json!({
        "predicateType": "https://slsa.dev/provenance/v0.2",
        "predicate": {"builder": {"id": builder}, "metadata": {"buildFinishedOn": finished}},
        "predicateTypes": types,
    })
}

const TYPES: [&str; 2] = [
    "https://slsa.dev/provenance/v0.2",
    "https://spdx.dev/Document",
];

#[test]
fn example_allows_a_fresh_trusted_build_with_an_sbom() {
    let mut p = example();
    assert_eq!(p.package, "data.attestations");
    assert_eq!(p.query, "data.attestations.allow");
    let input = v02(
        "https://github.com/example/ci",
        &rfc3339_days_ago(1),
        &TYPES,
    );
    assert_eq!(p.decide(&input).unwrap(), Verdict::Allowed);
    let v1 = json!({
        "predicateType": "https://slsa.dev/provenance/v1",
        "predicate": {"runDetails": {"builder": {"id": "https://github.com/example/ci"},
                      "metadata": {"finishedOn": rfc3339_days_ago(2)}}},
        "predicateTypes": ["https://slsa.dev/provenance/v1", "https://spdx.dev/Document"],
    });
    assert_eq!(p.decide(&v1).unwrap(), Verdict::Allowed);
}

#[test]
fn example_denies_with_reasons() {
    let mut p = example();
    let old = rfc3339_days_ago(8);
    let input = v02("", &old, &TYPES[..1]);
    let Verdict::Denied(mut reasons) = p.decide(&input).unwrap() else {
        panic!("allowed")
    };
    reasons.sort();
    assert_eq!(
        reasons,
        [
            "builder \"\" is not trusted".to_string(),
            format!("built {old}, more than 7 days ago"),
            "no SPDX SBOM attestation (https://spdx.dev/Document) on the image".to_string(),
        ]
    );
    let no_time = json!({"predicateType": "https://slsa.dev/provenance/v0.2",
        "predicate": {"builder": {"id": "https://github.com/example/ci"}}, "predicateTypes": TYPES});
    assert_eq!(
        p.decide(&no_time).unwrap(),
        Verdict::Denied(vec!["the provenance has no build finish time".into()])
    );
}

#[test]
fn v0_syntax_custom_queries_and_no_reasons() {
    let v0 = "package signature\n\nallow {\n  input.predicate.ok == true\n}\n";
    let mut p = RegoPolicy::parse(v0, "v0.rego", None).unwrap();
    assert_eq!(p.query, "data.signature.allow");
    assert_eq!(
        p.decide(&json!({"predicate": {"ok": true}})).unwrap(),
        Verdict::Allowed
    );
    assert_eq!(
        p.decide(&json!({"predicate": {}})).unwrap(),
        Verdict::Denied(vec![])
    );
    let text = "package x\nimport rego.v1\nok if input.n > 1\nviolation contains {\"msg\": \"small\"} if input.n <= 1\n";
    let mut p = RegoPolicy::parse(text, "x.rego", Some("data.x.ok")).unwrap();
    assert_eq!(p.decide(&json!({"n": 2})).unwrap(), Verdict::Allowed);
    assert_eq!(
        p.decide(&json!({"n": 0})).unwrap(),
        Verdict::Denied(vec!["small".into()])
    );
}

#[test]
fn syntax_errors_have_a_location() {
    let err = RegoPolicy::parse(
        "package x\n\nallow if {\n  input.a ==\n}\n",
        "bad.rego",
        None,
    )
    .unwrap_err();
    let text = err.to_string();
    assert!(text.starts_with("bad.rego:"), "{text}");
    let PolicyError::Syntax { at, .. } = err else {
        panic!("{text}")
    };
    assert_eq!(at.split(':').count(), 3, "{at}");
}

#[test]
fn a_query_for_an_undeclared_rule_is_an_error() {
    let text = "package only_deny\nimport rego.v1\ndeny contains \"no\" if true\n";
    let err = RegoPolicy::parse(text, "d.rego", None)
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "d.rego:1:1: the policy declares no rule `allow` in data.only_deny (query data.only_deny.allow); give --query"
    );
    let err = RegoPolicy::parse(EXAMPLE, "policy.rego", Some("data.attestations.alow"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("no rule `alow`"), "{err}");
    // Other queries are not checked.
    assert!(RegoPolicy::parse(text, "d.rego", Some("count(data.only_deny.deny) == 0")).is_ok());
    assert!(RegoPolicy::parse(EXAMPLE, "policy.rego", Some("data.attestations.deny")).is_ok());
}
