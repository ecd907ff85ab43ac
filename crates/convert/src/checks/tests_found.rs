//! The rules the conversion finds, each on a small Dockerfile: what it reports, where, in
//! which order among the others, and what does not trigger it (upstream's lint tests).

use super::tests::found;
use super::*;
use crate::{MapResolver, Options, ResolvedImage, Resolver};

/// (rule, detail, line) of every warning of `text` with build `args`, `.dockerignore`
/// `excludes` and images from `r`.
fn lint(
    text: &str,
    args: &[(&str, &str)],
    excludes: &[&str],
    r: &dyn Resolver,
) -> Vec<(&'static str, String, usize)> {
    let df = stagetrail_dockerfile::parse(text).expect("parses");
    let opts = Options {
        build_args: args
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        context_excludes: excludes.iter().map(|e| e.to_string()).collect(),
        ..Options::default()
    };
    let cfg = config(&df, &opts.build_args).expect("config");
    check(&df, &cfg, &found(&df, opts, r))
        .into_iter()
        .map(|w| (w.rule.name, w.detail, w.span.start_line))
        .collect()
}

fn run(text: &str) -> Vec<(&'static str, String, usize)> {
    lint(text, &[], &[], &crate::NoResolver)
}

fn one(rule: &'static str, detail: &str, line: usize) -> Vec<(&'static str, String, usize)> {
    vec![(rule, detail.to_string(), line)]
}

#[test]
fn undefined_var_before_its_definition() {
    let text = "FROM alpine\nCOPY $foo .\nARG foo=bar\nRUN echo $foo\n";
    assert_eq!(
        run(text),
        one("UndefinedVar", "Usage of undefined variable '$foo'", 2)
    );
    let text = "FROM alpine\nARG DIR_ASSETS=assets/\nCOPY $DIR_ASSET .\n";
    assert_eq!(
        run(text),
        one(
            "UndefinedVar",
            "Usage of undefined variable '$DIR_ASSET' (did you mean $DIR_ASSETS?)",
            3
        )
    );
    assert_eq!(
        run("FROM alpine\nENV PATH=$PAHT:/tmp/bin\n"),
        one(
            "UndefinedVar",
            "Usage of undefined variable '$PAHT' (did you mean $PATH?)",
            2
        )
    );
    // Declared without a value, inherited from the base stage, a RUN command: not reported.
    for clean in [
        "FROM scratch\nARG foo\nCOPY Dockerfile${foo} .\n",
        "FROM alpine AS base\nARG foo=Dockerfile\nFROM base\nCOPY $foo .\n",
        "FROM alpine\nRUN echo $nope\n",
    ] {
        assert_eq!(run(clean), vec![], "{clean}");
    }
}

#[test]
fn undefined_var_in_arg_defaults_mounts_and_flags() {
    assert_eq!(
        run("FROM alpine\nARG API_TOKEN=$NOPE\n"),
        vec![
            (
                "SecretsUsedInArgOrEnv",
                "Do not use ARG or ENV instructions for sensitive data (ARG \"API_TOKEN\")".into(),
                2
            ),
            (
                "UndefinedVar",
                "Usage of undefined variable '$NOPE'".into(),
                2
            ),
        ]
    );
    let text =
        "FROM alpine\nRUN --mount=type=cache,target=/c$CACHE true\nCOPY a /$DEST\nWORKDIR /$DIR\n";
    let got: Vec<(String, usize)> = run(text).into_iter().map(|(_, d, l)| (d, l)).collect();
    assert_eq!(
        got,
        [
            ("Usage of undefined variable '$CACHE'".to_string(), 2),
            ("Usage of undefined variable '$DEST'".to_string(), 3),
            ("Usage of undefined variable '$DIR'".to_string(), 4),
        ]
    );
}

#[test]
fn undefined_arg_in_from() {
    let text = "ARG tag=latest\nFROM busybox:${tag}${version} AS b\n";
    assert_eq!(
        run(text),
        one(
            "UndefinedArgInFrom",
            "FROM argument 'version' is not declared",
            2
        )
    );
    let df = stagetrail_dockerfile::parse("FROM --platform=$BULIDPLATFORM scratch\n").unwrap();
    let opts = Options {
        all_stages: true,
        ..Options::default()
    };
    let (converted, found) = crate::convert_checked(&df, &opts, &crate::NoResolver);
    assert!(converted.is_err());
    assert_eq!(
        found[0].warning.detail,
        "FROM argument 'BULIDPLATFORM' is not declared (did you mean BUILDPLATFORM?)"
    );
    for clean in [
        "ARG base=scratch\nFROM $base\n",
        "FROM --platform=$BUILDPLATFORM scratch\n",
        "ARG DEBUG\nFROM scra${DEBUG:-tch}\n",
    ] {
        assert_eq!(run(clean), vec![], "{clean}");
    }
}

#[test]
fn invalid_default_arg_in_from() {
    let got = lint(
        "ARG VERSION\nFROM busybox:$VERSION\n",
        &[("VERSION", "latest")],
        &[],
        &crate::NoResolver,
    );
    let detail =
        "Default value for ARG busybox:$VERSION results in empty or invalid base image name";
    assert_eq!(got, one("InvalidDefaultArgInFrom", detail, 2));
    let got = lint(
        "ARG IMAGE\nFROM $IMAGE\n",
        &[("IMAGE", "busybox")],
        &[],
        &crate::NoResolver,
    );
    assert_eq!(
        got[0].1,
        "Default value for ARG $IMAGE results in empty or invalid base image name"
    );
    assert_eq!(run("ARG V\nFROM busybox:stable${V}\n"), vec![]);
}

#[test]
fn platform_flag_rules() {
    assert_eq!(
        run("FROM --platform=${TARGETPLATFORM} scratch\n"),
        one(
            "RedundantTargetPlatform",
            "Setting platform to predefined ${TARGETPLATFORM} in FROM is redundant as this is the default behavior",
            1
        )
    );
    assert_eq!(
        run("FROM --platform=linux/amd64 scratch\n"),
        one(
            "FromPlatformFlagConstDisallowed",
            "FROM --platform flag should not use constant value \"linux/amd64\"",
            1
        )
    );
    assert_eq!(
        run("FROM --platform=linux/amd64 scratch AS my_amd64_stage\n"),
        vec![]
    );
    assert_eq!(
        run("FROM --platform=linux/amd64 scratch AS linux\n"),
        vec![]
    );
}

#[test]
fn base_image_of_another_platform() {
    let arm = ResolvedImage {
        digest: None,
        config: serde_json::json!({"os": "linux", "architecture": "arm64", "variant": "v8",
            "rootfs": {"type": "layers", "diff_ids": ["sha256:aa"]}}),
    };
    let r = MapResolver {
        images: [("docker.io/library/busybox:latest".to_string(), arm)].into(),
    };
    assert_eq!(
        lint("FROM busybox\nCOPY a /a\n", &[], &[], &r),
        one(
            "InvalidBaseImagePlatform",
            "Base image busybox was pulled with platform \"linux/arm64\", expected \"linux/amd64\" for current build",
            1
        )
    );
    // An unknown image (no resolver) is not checked.
    assert_eq!(run("FROM busybox\n"), vec![]);
}

#[test]
fn copy_ignored_file_is_experimental() {
    let text = "FROM scratch\nCOPY Dockerfile .\nADD ./Dockerfile /windy\n";
    let r = &crate::NoResolver;
    assert_eq!(lint(text, &[], &["Dockerfile"], r), vec![]);
    let got = lint(
        &format!("# check=experimental=CopyIgnoredFile\n{text}"),
        &[],
        &["Dockerfile"],
        r,
    );
    assert_eq!(
        got,
        vec![
            (
                "CopyIgnoredFile",
                "Attempting to Copy file \"Dockerfile\" that is excluded by .dockerignore".into(),
                3
            ),
            (
                "CopyIgnoredFile",
                "Attempting to Add file \"./Dockerfile\" that is excluded by .dockerignore".into(),
                4
            ),
        ]
    );
    let text = "# check=experimental=all\nFROM scratch AS base\nCOPY Dockerfile /foobar\nFROM base\nCOPY --from=base /foobar /Dockerfile\n";
    assert_eq!(lint(text, &[], &["foobar"], r), vec![]);
}

#[test]
fn conversion_findings_merge_in_upstream_order() {
    let text = "FROM --platform=linux/amd64 scratch AS Base\nMAINTAINER me\nENV A $X\n";
    let got: Vec<(&str, usize)> = run(text).into_iter().map(|(n, _, l)| (n, l)).collect();
    assert_eq!(
        got,
        [
            ("StageNameCasing", 1),
            ("MaintainerDeprecated", 2),
            ("FromPlatformFlagConstDisallowed", 1),
            ("UndefinedVar", 3),
            ("LegacyKeyValueFormat", 3),
        ]
    );
}
