//! Integration tests: run the `stagetrail convert` binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn dir(name: &str, dockerfile: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("stagetrail-cli-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join("Dockerfile"), dockerfile).unwrap();
    d
}

fn run(d: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_stagetrail"))
        .arg("convert")
        .args(args)
        .current_dir(d)
        .env_remove("SOURCE_DATE_EPOCH")
        .output()
        .unwrap()
}

fn json(out: &Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn json_output_is_keyed_by_platform_and_deterministic() {
    let d = dir(
        "json",
        "FROM alpine AS b\nCOPY . /src\nRUN make\nCMD [\"app\"]\n",
    );
    std::fs::write(d.join(".dockerignore"), "# c\nnode_modules\n").unwrap();
    let a = run(&d, &[]);
    let b = run(&d, &[]);
    assert_eq!(a.stdout, b.stdout);
    let v = json(&a);
    let p = &v["platforms"]["linux/amd64"];
    assert_eq!(
        p["image_config"]["config"]["Cmd"],
        serde_json::json!(["app"])
    );
    let text = serde_json::to_string(&p["llb"]).unwrap();
    assert!(
        text.contains("node_modules"),
        "dockerignore reaches local.excludepatterns"
    );
}

#[test]
fn several_platforms_and_build_args() {
    let d = dir("multi", "FROM scratch\nARG V\nLABEL v=$V\n");
    let v = json(&run(
        &d,
        &[
            "--platform",
            "linux/amd64,linux/arm64",
            "--build-arg",
            "V=7",
            "--label",
            "x=y",
        ],
    ));
    let p = v["platforms"].as_object().unwrap();
    assert_eq!(
        p.keys().cloned().collect::<Vec<_>>(),
        vec!["linux/amd64", "linux/arm64"]
    );
    assert_eq!(
        v["platforms"]["linux/arm64"]["image_config"]["config"]["Labels"],
        serde_json::json!({"v": "7", "x": "y"})
    );
}

#[test]
fn resolve_file_pins_digest() {
    let d = dir("resolve", "FROM alpine:3.19\n");
    let digest = format!("sha256:{}", "b".repeat(64));
    std::fs::write(
        d.join("r.json"),
        format!(r#"{{"docker.io/library/alpine:3.19": {{"digest": "{digest}", "config": {{"os": "linux", "architecture": "amd64"}}}}}}"#),
    )
    .unwrap();
    let v = json(&run(&d, &["--resolve", "r.json"]));
    let text = serde_json::to_string(&v).unwrap();
    assert!(text.contains(&format!(
        "docker-image://docker.io/library/alpine:3.19@{digest}"
    )));
}

#[test]
fn llb_format_writes_protobuf_for_one_platform() {
    let d = dir("llb", "FROM alpine\nRUN true\n");
    let out = run(&d, &["--format", "llb"]);
    assert!(out.status.success());
    assert!(
        !out.stdout.is_empty() && out.stdout[0] == 0x0a,
        "Definition starts with field 1 bytes"
    );
    let out = run(
        &d,
        &[
            "--format",
            "llb",
            "--platform",
            "linux/amd64",
            "--platform",
            "linux/arm64",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn errors_are_located_with_hints() {
    let d = dir("err", "FROM alpine AS a\nRUN x\n");
    let out = run(&d, &["--target", "nope"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("Dockerfile:1:1: target stage \"nope\" could not be found"),
        "{err}"
    );
    assert!(err.contains("\n  hint: available stages: a"), "{err}");
    let d = dir("err2", "FROM scratch\nENV A=${B:?}\n");
    let err = String::from_utf8_lossy(&run(&d, &[]).stderr).into_owned();
    assert!(err.starts_with("Dockerfile:2:"), "{err}");
    let out = run(&d, &["-f", "missing"]);
    assert_eq!(out.status.code(), Some(1));
}
