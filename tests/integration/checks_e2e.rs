//! Build checks through our frontend against the engine's built-in Dockerfile frontend, on the
//! real stack: every Dockerfile of `tests/e2e-checks/` with `--call=check,format=json` (the
//! same warnings, sources and build error; the source's LLB definition names the client
//! session, so only its presence is compared) and as text, with the same exit status; the
//! `BUILDKIT_DOCKERFILE_CHECK` build arg; and the warnings a normal build prints, and its
//! failure under `error=true`. Engine 26's buildx 0.13 and BuildKit 0.13 have no lint
//! subrequest: there the built-in frontend refuses it, ours answers it and buildx 0.13 prints our
//! `result.txt` (nothing for a clean file).

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::record_e2e::buildx;
use crate::subrequests_e2e::{call, context, Called};
use crate::support::stack::{stack, Stack};

fn corpus() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/e2e-checks");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "Dockerfile"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|p| {
            let name = p.file_stem().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(p).unwrap())
        })
        .collect()
}

/// The JSON result with each source's definition replaced by whether it was there.
fn normalized(c: &Called, what: &str) -> Value {
    let mut v: Value = serde_json::from_str(c.stdout.trim())
        .unwrap_or_else(|e| panic!("{what}: not JSON ({e}):\n{}\n{}", c.stdout, c.stderr));
    for s in v["sources"].as_array_mut().into_iter().flatten() {
        let present = s.get("definition").is_some_and(|d| d["def"].is_array());
        s["definition"] = Value::Bool(present);
    }
    v
}

fn assert_same_check(s: &Stack, ours: &str, name: &str, dir: &Path, extra: &[&str]) {
    let builtin = call(s, dir, None, "check,format=json", extra);
    let got = call(s, dir, Some(ours), "check,format=json", extra);
    let what = format!("{name} {extra:?}");
    pretty_assertions::assert_eq!(
        normalized(&got, &what),
        normalized(&builtin, &what),
        "{what}: JSON"
    );
    assert_eq!(
        got.code, builtin.code,
        "{what}: exit status\n{}",
        got.stderr
    );
    let builtin_text = call(s, dir, None, "check", extra);
    let got_text = call(s, dir, Some(ours), "check", extra);
    pretty_assertions::assert_eq!(got_text.stdout, builtin_text.stdout, "{what}: text");
    assert_eq!(got_text.code, builtin_text.code, "{what}: text exit status");
}

#[test]
fn check_corpus_e2e() {
    let s = stack();
    let ours = s.frontend();
    let corpus = corpus();
    assert!(corpus.len() >= 10, "{} files", corpus.len());
    if s.engine_major() < 28 {
        let mut with_warnings = 0;
        for (name, text) in &corpus {
            let dir = context(&format!("check-{name}"), text);
            let builtin = call(&s, &dir, None, "lint,format=json", &[]);
            assert_ne!(builtin.code, 0, "{name}: BuildKit 0.13 has no lint");
            assert!(
                builtin.stderr.contains("unsupported request frontend.lint"),
                "{name}: {}",
                builtin.stderr
            );
            let got = call(&s, &dir, Some(&ours), "lint,format=json", &[]);
            assert_eq!(got.code, 0, "{name}: {}", got.stderr);
            if got.stdout.is_empty() {
                assert!(name.contains("clean") || name.contains("shell"), "{name}");
            } else {
                assert!(
                    got.stdout.starts_with("\nWARNING: "),
                    "{name}: {}",
                    got.stdout
                );
                with_warnings += 1;
            }
        }
        assert!(with_warnings >= 10, "{with_warnings}");
        return;
    }
    for (name, text) in &corpus {
        let dir = context(&format!("check-{name}"), text);
        assert_same_check(&s, &ours, name, &dir, &[]);
    }
}

#[test]
fn check_build_arg_and_error_e2e() {
    let s = stack();
    let ours = s.frontend();
    let text = "FROM scratch AS Base\nMAINTAINER me\nCMD echo\n";
    let dir = context("check-arg", text);
    if s.engine_major() < 28 {
        let arg = ["--build-arg", "BUILDKIT_DOCKERFILE_CHECK=skip=all"];
        let builtin = call(&s, &dir, None, "lint", &arg);
        assert!(
            builtin.stderr.contains("unsupported request frontend.lint"),
            "{}",
            builtin.stderr
        );
        let got = call(&s, &dir, Some(&ours), "lint,format=json", &arg);
        assert_eq!((got.code, got.stdout.as_str()), (0, ""), "{}", got.stderr);
        return;
    }
    for arg in [
        "BUILDKIT_DOCKERFILE_CHECK=skip=MaintainerDeprecated,StageNameCasing",
        "BUILDKIT_DOCKERFILE_CHECK=skip=all",
        "BUILDKIT_DOCKERFILE_CHECK=skip=StageNameCasing,JSONArgsRecommended;error=true",
    ] {
        assert_same_check(&s, &ours, "check-arg", &dir, &["--build-arg", arg]);
    }
    let clean = context("check-clean", "FROM scratch\nCOPY a /a\n");
    let c = call(&s, &clean, Some(&ours), "check", &[]);
    assert_eq!(c.code, 0, "{}", c.stderr);
    assert!(
        format!("{}{}", c.stdout, c.stderr).contains("Check complete, no warnings found."),
        "{}{}",
        c.stdout,
        c.stderr
    );
}

/// `docker buildx build --progress=plain` of `dir`: (success, the sorted ` - Rule: …` warning
/// lines of buildx's summary, the whole output).
fn plain_build(s: &Stack, dir: &Path, frontend: Option<&str>) -> (bool, Vec<String>, String) {
    let syntax = frontend.map(|image| format!("BUILDKIT_SYNTAX={image}"));
    let args: Vec<&str> = match &syntax {
        Some(arg) => vec!["--build-arg", arg, "."],
        None => vec!["."],
    };
    let (ok, log) = buildx(s, dir, &args);
    let mut lines: Vec<String> = log
        .lines()
        .map(|l| l.trim_start_matches("\u{1b}[0m"))
        .filter(|l| l.starts_with(" - "))
        .map(str::to_string)
        .collect();
    lines.sort();
    (ok, lines, log)
}

#[test]
fn warnings_of_a_normal_build_e2e() {
    let s = stack();
    let ours = s.frontend();
    let text = "from scratch AS Base\nMAINTAINER me\nCOPY a /a\nCMD echo hi\nEXPOSE 80/TCP\nFROM scratch AS unused\nCMD echo\n";
    let dir = context("check-build", text);
    std::fs::write(dir.join("a"), "a\n").unwrap();
    let (builtin_ok, builtin, log) = plain_build(&s, &dir, None);
    assert!(builtin_ok, "{log}");
    let (ok, got, log) = plain_build(&s, &dir, Some(&ours));
    assert!(ok, "{log}");
    if s.engine_major() >= 28 {
        assert!(builtin.len() >= 5, "{builtin:?}");
        assert_eq!(got, builtin);
    } else {
        // BuildKit 0.13's own frontend reports no build checks; ours does.
        assert!(builtin.is_empty(), "{builtin:?}");
        assert!(
            got.iter().any(|l| l.contains("MaintainerDeprecated")),
            "{got:?}"
        );
    }

    let dir = context(
        "check-build-error",
        "# check=error=true\nFROM scratch\nMAINTAINER me\n",
    );
    let (ok, _, log) = plain_build(&s, &dir, Some(&ours));
    assert!(!ok, "{log}");
    assert!(
        log.contains("lint violation found for rules: MaintainerDeprecated"),
        "{log}"
    );
    if s.engine_major() >= 28 {
        let (builtin_ok, _, builtin_log) = plain_build(&s, &dir, None);
        assert!(!builtin_ok, "{builtin_log}");
        assert!(builtin_log.contains("lint violation found for rules: MaintainerDeprecated"));
    }
}
