//! Build checks through our frontend against the engine's built-in Dockerfile frontend, on the
//! real stack: every `NAME.Dockerfile` of `tests/e2e-checks/` (built as `Dockerfile` of a
//! context that holds `NAME.dockerignore` as its `.dockerignore` when there is one, with the
//! build arg `BASE` naming the stack's Debian image) with `--call=check,format=json` (the
//! same warnings, sources and build error; the source's LLB definition names the client
//! session, so only its presence is compared) and as text, with the same exit status — and
//! the corpus shows every one of upstream's 22 rules in at least two files; the
//! `BUILDKIT_DOCKERFILE_CHECK` build arg; and the warnings a normal build prints, and its
//! failure under `error=true`. Engine 26's buildx 0.13 and BuildKit 0.13 have no lint
//! subrequest: there the built-in frontend refuses it, ours answers it and buildx 0.13 prints our
//! `result.txt` (nothing for a clean file).

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::record_e2e::buildx;
use crate::subrequests_e2e::{call, context, Called};
use crate::support::stack::{stack, Stack};

/// Every rule of BuildKit 0.25's Dockerfile frontend.
const RULES: [&str; 22] = [
    "StageNameCasing",
    "FromAsCasing",
    "NoEmptyContinuation",
    "ConsistentInstructionCasing",
    "DuplicateStageName",
    "ReservedStageName",
    "JSONArgsRecommended",
    "MaintainerDeprecated",
    "UndefinedArgInFrom",
    "WorkdirRelativePath",
    "UndefinedVar",
    "MultipleInstructionsDisallowed",
    "LegacyKeyValueFormat",
    "InvalidBaseImagePlatform",
    "RedundantTargetPlatform",
    "SecretsUsedInArgOrEnv",
    "InvalidDefaultArgInFrom",
    "FromPlatformFlagConstDisallowed",
    "CopyIgnoredFile",
    "InvalidDefinitionDescription",
    "ExposeProtoCasing",
    "ExposeInvalidFormat",
];

/// (name, Dockerfile) of the corpus, sorted.
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

/// The build context of corpus file `name`: its Dockerfile and `NAME.dockerignore`, if any.
fn corpus_context(name: &str, text: &str) -> PathBuf {
    let dir = context(&format!("check-{name}"), text);
    let ignore = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/e2e-checks")
        .join(format!("{name}.dockerignore"));
    if let Ok(patterns) = std::fs::read_to_string(ignore) {
        std::fs::write(dir.join(".dockerignore"), patterns).unwrap();
    }
    dir
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

/// Asserts equal `--call=check` answers (JSON and text); the built-in frontend's JSON.
fn assert_same_check(s: &Stack, ours: &str, name: &str, dir: &Path, extra: &[&str]) -> Value {
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
    normalized(&builtin, &what)
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
            let dir = corpus_context(name, text);
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
    let mut files_of: std::collections::BTreeMap<&str, Vec<&str>> = Default::default();
    for (name, text) in &corpus {
        let dir = corpus_context(name, text);
        let builtin = assert_same_check(&s, &ours, name, &dir, &[]);
        for w in builtin["warnings"].as_array().into_iter().flatten() {
            let rule = w["ruleName"].as_str().unwrap_or_default();
            let files = files_of
                .entry(RULES.iter().find(|r| **r == rule).unwrap_or(&"?"))
                .or_default();
            if !files.contains(&name.as_str()) {
                files.push(name);
            }
        }
    }
    for rule in RULES {
        let files = files_of.get(rule).cloned().unwrap_or_default();
        assert!(files.len() >= 2, "{rule} is in {files:?} only");
    }
    assert!(
        !files_of.contains_key("?"),
        "a rule not in RULES: {files_of:?}"
    );
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

/// Builds `text` (with a file `a` in its context) with both frontends, which must succeed:
/// (the built-in frontend's warning lines, ours).
fn both_build(s: &Stack, ours: &str, name: &str, text: &str) -> (Vec<String>, Vec<String>) {
    let dir = context(name, text);
    std::fs::write(dir.join("a"), "a\n").unwrap();
    let (builtin_ok, builtin, log) = plain_build(s, &dir, None);
    assert!(builtin_ok, "{log}");
    let (ok, got, log) = plain_build(s, &dir, Some(ours));
    assert!(ok, "{log}");
    (builtin, got)
}

#[test]
fn warnings_of_a_normal_build_e2e() {
    let s = stack();
    let ours = s.frontend();
    let text = "from scratch AS Base\nMAINTAINER me\nCOPY a /a\nCMD echo hi\nEXPOSE 80/TCP\nFROM scratch AS unused\nCMD echo\n";
    let (builtin, got) = both_build(&s, &ours, "check-build", text);
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

    // The rules the conversion finds: from the FROM lines and the dispatched instructions.
    let text = "FROM --platform=linux/amd64 scratch${version} AS build\nCOPY a$undefined /a\n\
                FROM --platform=$TARGETPLATFORM scratch\nARG V=$NOPE\nCOPY --from=build /a /a\n";
    let (builtin, got) = both_build(&s, &ours, "check-build-values", text);
    if s.engine_major() >= 28 {
        assert_eq!(builtin.len(), 5, "{builtin:?}");
        assert_eq!(got, builtin);
    } else {
        assert!(builtin.is_empty(), "{builtin:?}");
        assert_eq!(got.len(), 5, "{got:?}");
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
