//! Each rule on a small Dockerfile: what it reports, where, and what silences it.

use super::*;

/// The conversion's findings for `--check` (every stage dispatched, no image known).
pub(super) fn found(
    df: &Dockerfile,
    opts: crate::Options,
    r: &dyn crate::Resolver,
) -> Vec<Finding> {
    let opts = crate::Options {
        all_stages: true,
        ..opts
    };
    crate::convert_checked(df, &opts, r).1
}

fn run(text: &str) -> Vec<(&'static str, String, usize)> {
    let df = stagetrail_dockerfile::parse(text).expect("parses");
    let cfg = config(&df, &BTreeMap::new()).expect("config");
    let found = found(&df, Default::default(), &crate::NoResolver);
    check(&df, &cfg, &found)
        .into_iter()
        .map(|w| (w.rule.name, w.detail, w.span.start_line))
        .collect()
}

fn names(text: &str) -> Vec<&'static str> {
    run(text).into_iter().map(|(n, _, _)| n).collect()
}

#[test]
fn clean_file_has_no_warnings() {
    let text = "FROM alpine AS build\nWORKDIR /src\nENV A=1\nCMD [\"x\"]\nFROM build\nCOPY a /a\n";
    assert_eq!(run(text), vec![]);
}

#[test]
fn stage_name_and_from_as_casing() {
    assert_eq!(
        run("from alpine AS Base\n"),
        vec![
            (
                "StageNameCasing",
                "Stage name 'Base' should be lowercase".into(),
                1
            ),
            (
                "FromAsCasing",
                "'AS' and 'from' keywords' casing do not match".into(),
                1
            ),
        ]
    );
    assert_eq!(names("FROM alpine as base\n"), ["FromAsCasing"]);
    assert_eq!(
        names("From alpine as base\n"),
        ["ConsistentInstructionCasing"]
    );
}

#[test]
fn empty_continuation_at_the_instructions_last_line() {
    assert_eq!(
        run("FROM alpine\nRUN echo \\\n\n  hi\n"),
        vec![("NoEmptyContinuation", "Empty continuation line".into(), 4)]
    );
}

#[test]
fn instruction_casing_follows_the_majority() {
    assert_eq!(
        run("FROM alpine\nrun true\nCOPY a /a\n"),
        vec![(
            "ConsistentInstructionCasing",
            "Command 'run' should match the case of the command majority (uppercase)".into(),
            2
        )]
    );
}

#[test]
fn duplicate_and_reserved_stage_names() {
    assert_eq!(
        run("FROM alpine AS a\nFROM alpine AS a\nFROM alpine AS scratch\n"),
        vec![
            (
                "DuplicateStageName",
                "Duplicate stage name \"a\", stage names should be unique".into(),
                2
            ),
            (
                "ReservedStageName",
                "Stage name should not use the same name as reserved stage \"scratch\"".into(),
                3
            ),
        ]
    );
}

#[test]
fn json_args_and_multiple_instructions() {
    assert_eq!(
        run("FROM alpine\nCMD echo a\nCMD [\"b\"]\nENTRYPOINT x\n"),
        vec![
            ("JSONArgsRecommended", "JSON arguments recommended for CMD to prevent unintended behavior related to OS signals".into(), 2),
            ("MultipleInstructionsDisallowed", "Multiple CMD instructions should not be used in the same stage because only the last one will be used".into(), 2),
            ("JSONArgsRecommended", "JSON arguments recommended for ENTRYPOINT to prevent unintended behavior related to OS signals".into(), 4),
        ]
    );
    assert_eq!(
        names("FROM alpine AS a\nSHELL [\"sh\", \"-c\"]\nFROM a\nCMD echo\n"),
        Vec::<&str>::new()
    );
}

#[test]
fn maintainer_legacy_key_value_and_secrets() {
    assert_eq!(
        names("FROM alpine\nMAINTAINER me\nENV A 1\nLABEL b 2\nARG GITHUB_TOKEN\nENV PUBLIC_KEY=x VERSION_TOKEN=y\n"),
        ["MaintainerDeprecated", "LegacyKeyValueFormat", "LegacyKeyValueFormat", "SecretsUsedInArgOrEnv", "SecretsUsedInArgOrEnv"]
    );
    assert_eq!(
        run("FROM alpine\nARG password\n")[0].1,
        "Do not use ARG or ENV instructions for sensitive data (ARG \"password\")"
    );
}

#[test]
fn workdir_and_expose() {
    assert_eq!(
        run("FROM alpine\nWORKDIR app\nWORKDIR more\nEXPOSE 80/TCP 127.0.0.1:8080:80\n"),
        vec![
            ("WorkdirRelativePath", "Relative workdir \"app\" can have unexpected results if the base image changes".into(), 2),
            ("ExposeInvalidFormat", "EXPOSE instruction should not define an IP address or host-port mapping, found '127.0.0.1:8080:80'".into(), 4),
            ("ExposeProtoCasing", "Defined protocol '80/TCP' in EXPOSE instruction should be lowercase".into(), 4),
        ]
    );
}

#[test]
fn skip_experimental_error_and_the_build_arg() {
    let text = "# check=skip=StageNameCasing;error=true\nFROM alpine AS Base\nMAINTAINER me\n";
    let df = stagetrail_dockerfile::parse(text).unwrap();
    let cfg = config(&df, &BTreeMap::new()).unwrap();
    let warnings = check(&df, &cfg, &[]);
    assert_eq!(warnings.len(), 1);
    assert_eq!(
        error(&cfg, &warnings).as_deref(),
        Some("lint violation found for rules: MaintainerDeprecated")
    );
    assert_eq!(warnings[0].short(), "MaintainerDeprecated: Maintainer instruction is deprecated in favor of using label (line 3)");
    let args = BTreeMap::from([(CHECK_ARG.to_string(), "experimental=all".to_string())]);
    let cfg = config(&df, &args).unwrap();
    assert!(!cfg.error);
    let text = "FROM alpine\n# the value\nARG VALUE=1\n";
    let df = stagetrail_dockerfile::parse(text).unwrap();
    let got: Vec<&str> = check(&df, &config(&df, &args).unwrap(), &[])
        .iter()
        .map(|w| w.rule.name)
        .collect();
    assert_eq!(got, ["InvalidDefinitionDescription"]);
    let bad = BTreeMap::from([(CHECK_ARG.to_string(), "bogus".to_string())]);
    assert_eq!(
        config(&df, &bad).unwrap_err(),
        "failed to parse build-arg:BUILDKIT_DOCKERFILE_CHECK: invalid check option \"bogus\""
    );
}

#[test]
fn a_build_checks_only_the_instructions_of_its_stages() {
    let df =
        stagetrail_dockerfile::parse("FROM alpine AS a\nCMD x\nFROM alpine AS B\nCMD y\n").unwrap();
    let cfg = Config::default();
    let got: Vec<(&str, usize)> = check_built(&df, &cfg, &[1], &[])
        .iter()
        .map(|w| (w.rule.name, w.span.start_line))
        .collect();
    assert_eq!(got, [("StageNameCasing", 3), ("JSONArgsRecommended", 4)]);
}
