//! `stagetrail sbom <dir>` end to end, on a handmade tree.

use crate::support::trees;
use std::process::Command;

fn sbom(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_stagetrail"))
        .arg("sbom")
        .args(args)
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn prints_each_format() {
    let root = trees::alpine("cli-alpine");
    let dir = root.to_str().unwrap();
    let (code, table, warnings) = sbom(&[dir, "--format", "table"]);
    assert_eq!(code, 0);
    assert!(table.starts_with("NAME"), "{table}");
    assert!(
        table
            .lines()
            .any(|l| l.starts_with("musl ") && l.ends_with("MIT")),
        "{table}"
    );
    assert!(
        warnings.contains("/lib/apk/db/installed:24: not a `K:value` line"),
        "{warnings}"
    );

    let (code, cdx, _) = sbom(&[dir, "--name", "alpine-test"]);
    assert_eq!(code, 0);
    let doc: serde_json::Value = serde_json::from_str(&cdx).unwrap();
    assert_eq!(doc["specVersion"], "1.6");
    assert_eq!(doc["metadata"]["timestamp"], "2023-11-14T22:13:20Z");
    assert_eq!(doc["metadata"]["component"]["name"], "alpine-test");
    assert_eq!(doc["components"].as_array().unwrap().len(), 3);
    let (_, again, _) = sbom(&[dir, "--name", "alpine-test"]);
    assert_eq!(cdx, again);

    let (code, spdx, _) = sbom(&[dir, "--format", "spdx"]);
    assert_eq!(code, 0);
    let doc: serde_json::Value = serde_json::from_str(&spdx).unwrap();
    assert_eq!(doc["spdxVersion"], "SPDX-2.3");
    assert_eq!(doc["name"], "cli-alpine");
}

#[test]
fn missing_directory_is_an_error() {
    let (code, _, err) = sbom(&["/nonexistent/stagetrail-root"]);
    assert_eq!(code, 1);
    assert!(err.contains("not a directory"), "{err}");
}
