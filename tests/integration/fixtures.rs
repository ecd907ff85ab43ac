//! The conversion corpus: every `tests/fixtures/ok/*` Dockerfile must convert to exactly its
//! `golden.json` (and deterministically, in both output formats); every `tests/fixtures/bad/*`
//! Dockerfile must fail with the location and message in its `expect.json`.
//!
//! `UPDATE_GOLDEN=1 cargo test --test integration fixtures` rewrites the goldens from the current output.
//! Failures are collected over the whole corpus and reported together.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Fewest fixtures each corpus must hold, so a lost directory cannot shrink the test silently.
const MIN_OK: usize = 60;
const MIN_BAD: usize = 30;

fn corpus(kind: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(kind);
    let mut dirs: Vec<PathBuf> = fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", root.display()))
        .map(|entry| entry.expect("readable directory entry").path())
        .filter(|p| p.join("Dockerfile").is_file())
        .collect();
    dirs.sort();
    dirs
}

fn name(dir: &Path) -> String {
    dir.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Extra CLI arguments from the fixture's optional `args.json` (`{"args": [...]}`).
fn extra_args(dir: &Path) -> Result<Vec<String>, String> {
    let path = dir.join("args.json");
    if !path.exists() {
        return Ok(Vec::new());
    }
    let text = fs::read_to_string(&path).map_err(|e| format!("args.json: {e}"))?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("args.json: {e}"))?;
    value["args"]
        .as_array()
        .ok_or("args.json: no \"args\" array")?
        .iter()
        .map(|a| {
            a.as_str()
                .map(str::to_owned)
                .ok_or_else(|| "args.json: non-string argument".to_owned())
        })
        .collect()
}

fn convert(dir: &Path, format: &str, args: &[String]) -> Result<Output, String> {
    Command::new(env!("CARGO_BIN_EXE_stagetrail"))
        .current_dir(dir)
        .args(["convert", "--format", format])
        .args(args)
        .env_remove("SOURCE_DATE_EPOCH")
        .output()
        .map_err(|e| format!("cannot run stagetrail: {e}"))
}

/// Runs `convert` and returns stdout, failing unless it exits 0 without a panic.
fn convert_ok(dir: &Path, format: &str, args: &[String]) -> Result<Vec<u8>, String> {
    let out = convert(dir, format, args)?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() || stderr.contains("panicked") {
        return Err(format!(
            "--format {format} exited with {}: {}",
            out.status,
            stderr.trim_end()
        ));
    }
    Ok(out.stdout)
}

fn check_ok(dir: &Path, update: bool) -> Result<(), String> {
    let args = extra_args(dir)?;
    let json = convert_ok(dir, "json", &args)?;
    if convert_ok(dir, "json", &args)? != json {
        return Err("--format json differs between two runs".into());
    }
    // `--format llb` writes a single Definition, so it only applies to one-platform builds.
    if args.iter().filter(|a| *a == "--platform").count() <= 1 {
        let llb = convert_ok(dir, "llb", &args)?;
        if llb.is_empty() {
            return Err("--format llb printed nothing".into());
        }
        if convert_ok(dir, "llb", &args)? != llb {
            return Err("--format llb differs between two runs".into());
        }
    }
    let golden = dir.join("golden.json");
    if update {
        return fs::write(&golden, &json).map_err(|e| format!("cannot write golden.json: {e}"));
    }
    let expected = fs::read(&golden)
        .map_err(|e| format!("golden.json: {e} (run with UPDATE_GOLDEN=1 to create it)"))?;
    if expected != json {
        return Err(first_difference(&expected, &json));
    }
    Ok(())
}

/// Describes where the output first departs from the golden file, by line.
fn first_difference(expected: &[u8], actual: &[u8]) -> String {
    let expected = String::from_utf8_lossy(expected);
    let actual = String::from_utf8_lossy(actual);
    let mut exp_lines = expected.lines();
    let mut act_lines = actual.lines();
    let mut line = 1;
    loop {
        match (exp_lines.next(), act_lines.next()) {
            (Some(e), Some(a)) if e == a => line += 1,
            (e, a) => {
                return format!(
                    "output differs from golden.json at line {line}:\n      golden: {}\n      actual: {}",
                    e.unwrap_or("<end>"),
                    a.unwrap_or("<end>")
                )
            }
        }
    }
}

fn check_bad(dir: &Path) -> Result<(), String> {
    let text =
        fs::read_to_string(dir.join("expect.json")).map_err(|e| format!("expect.json: {e}"))?;
    let expect: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("expect.json: {e}"))?;
    let line = expect["line"].as_u64().ok_or("expect.json: no line")?;
    let col = expect["col"].as_u64().ok_or("expect.json: no col")?;
    let message = expect["message_contains"]
        .as_str()
        .ok_or("expect.json: no message_contains")?;

    let args = extra_args(dir)?;
    let out = convert(dir, "json", &args)?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    let mut problems = Vec::new();
    if out.status.code() != Some(1) {
        problems.push(format!("exit status {} (want 1)", out.status));
    }
    if stderr.contains("panicked") {
        problems.push("panicked".to_owned());
    }
    let prefix = format!("Dockerfile:{line}:{col}:");
    if !stderr.starts_with(&prefix) {
        problems.push(format!("stderr does not start with {prefix:?}"));
    }
    if !stderr.contains(message) {
        problems.push(format!("stderr lacks {message:?}"));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{}; stderr: {}",
            problems.join(", "),
            stderr.trim_end()
        ))
    }
}

fn report(kind: &str, dirs: &[PathBuf], check: impl Fn(&Path) -> Result<(), String>) {
    let failures: Vec<String> = dirs
        .iter()
        .filter_map(|dir| check(dir).err().map(|e| format!("  {}: {e}", name(dir))))
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} {kind} fixtures failed:\n{}",
        failures.len(),
        dirs.len(),
        failures.join("\n")
    );
}

#[test]
fn ok_fixtures_convert_to_their_goldens() {
    let dirs = corpus("ok");
    assert!(
        dirs.len() >= MIN_OK,
        "only {} ok fixtures (want at least {MIN_OK})",
        dirs.len()
    );
    let update = std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1");
    report("ok", &dirs, |dir| check_ok(dir, update));
}

#[test]
fn bad_fixtures_fail_with_located_errors() {
    let dirs = corpus("bad");
    assert!(
        dirs.len() >= MIN_BAD,
        "only {} bad fixtures (want at least {MIN_BAD})",
        dirs.len()
    );
    report("bad", &dirs, check_bad);
}
