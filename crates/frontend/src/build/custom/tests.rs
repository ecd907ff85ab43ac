//! Custom attestation request parsing and file checks.

use std::collections::BTreeMap;

use super::*;

fn reqs(pairs: &[(&str, &str)]) -> Result<Vec<CustomRequest>, CustomError> {
    let args: BTreeMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    requests(&args)
}

fn message(pairs: &[(&str, &str)]) -> String {
    reqs(pairs).unwrap_err().to_string()
}

#[test]
fn parses_requests_in_arg_order() {
    let got = reqs(&[
        (
            "STAGETRAIL_ATTEST_CUSTOM_2",
            "path=b.json,predicate-type=urn:b",
        ),
        (
            "STAGETRAIL_ATTEST_CUSTOM",
            "predicate-type=https://example.com/compliance/v1,path=./docs/../compliance.json",
        ),
        ("STAGETRAIL_ATTEST_CUSTOMX", "ignored"),
        ("OTHER", "x"),
        ("STAGETRAIL_ATTEST_CUSTOM_EMPTY", ""),
    ])
    .unwrap();
    assert_eq!(
        got,
        vec![
            CustomRequest {
                arg: "STAGETRAIL_ATTEST_CUSTOM".into(),
                predicate_type: "https://example.com/compliance/v1".into(),
                path: "compliance.json".into(),
            },
            CustomRequest {
                arg: "STAGETRAIL_ATTEST_CUSTOM_2".into(),
                predicate_type: "urn:b".into(),
                path: "b.json".into(),
            },
        ]
    );
}

#[test]
fn bad_requests_say_why() {
    let a = "STAGETRAIL_ATTEST_CUSTOM";
    assert_eq!(
        message(&[(a, "path=x.json")]),
        "custom attestation build-arg STAGETRAIL_ATTEST_CUSTOM: predicate-type=<uri> is missing"
    );
    assert!(message(&[(a, "predicate-type=urn:x")])
        .contains("path=<file in the build context> is missing"));
    assert!(
        message(&[(a, "predicate-type=urn:x,path=../x.json")]).contains("inside the build context")
    );
    assert!(message(&[(a, "predicate-type=urn:x,path=x,color=red")])
        .contains("unknown field \"color=red\""));
    assert!(message(&[(a, "predicate-type=compliance,path=x")]).contains("not a URI"));
    let slsa = message(&[(a, "predicate-type=https://slsa.dev/provenance/v1,path=x")]);
    assert!(slsa.contains("only BuildKit may write"), "{slsa}");
    assert!(message(&[(
        a,
        "predicate-type=https://stagetrail.dev/build-record/v1,path=x"
    )])
    .contains("stagetrail's own build record"));
}

#[test]
fn file_checks() {
    let r = reqs(&[(
        "STAGETRAIL_ATTEST_CUSTOM",
        "predicate-type=urn:x,path=c.json",
    )])
    .unwrap();
    let r = &r[0];
    assert!(r.check_size(MAX_BYTES).is_ok());
    let big = r.check_size(MAX_BYTES + 1).unwrap_err().to_string();
    assert!(big.contains("c.json") && big.contains("40 MiB"), "{big}");
    assert!(r.check_content(br#"{"ok": true}"#).is_ok());
    let e = r.check_content(b"{\n  \"a\": ,\n}").unwrap_err();
    assert_eq!(e.location, "c.json:2:8");
    assert!(e.message.starts_with("not valid JSON"), "{e}");
    assert!(r
        .check_content(b"[1]")
        .unwrap_err()
        .to_string()
        .contains("JSON object"));
}
