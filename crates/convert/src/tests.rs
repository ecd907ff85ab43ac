//! End-to-end conversion tests: scoping, expansion per instruction, output shapes.

use serde_json::{json, Value};

use super::*;
use stagetrail_dockerfile as dockerfile;

fn opts() -> Options {
    Options {
        session_id: Some("sid".into()),
        ..Options::default()
    }
}

fn conv_with(text: &str, o: &Options, r: &dyn Resolver) -> Result<Converted, Error> {
    let df = dockerfile::parse(text)?;
    convert(&df, o, r)
}

fn conv(text: &str) -> Converted {
    conv_with(text, &opts(), &NoResolver).expect("conversion succeeds")
}

fn conv_err(text: &str, o: &Options) -> Error {
    conv_with(text, o, &NoResolver).expect_err("conversion fails")
}

/// The dumped ops of the first platform.
fn ops(c: &Converted) -> Vec<Value> {
    llb::dump_json(&c.builds[0].definition)
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn names(c: &Converted) -> Vec<String> {
    ops(c)
        .iter()
        .filter_map(|o| o.pointer("/metadata/description/llb.customname"))
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect()
}

fn execs(c: &Converted) -> Vec<Value> {
    ops(c)
        .into_iter()
        .filter_map(|o| o.pointer("/op/exec").cloned())
        .collect()
}

fn env_of(exec: &Value) -> Vec<String> {
    exec.pointer("/meta/env")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn history(c: &Converted) -> Vec<String> {
    c.builds[0].image_config["history"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|h| h["created_by"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn global_args_scope_to_from_and_redeclared_args() {
    let c = conv("ARG V=3.19\nARG G=global\nFROM alpine:${V}\nRUN echo $G\nARG G\nRUN echo $G\n");
    let names = names(&c);
    assert!(names.contains(&"[1/3] FROM docker.io/library/alpine:3.19".to_string()));
    let ex = execs(&c);
    assert!(!env_of(&ex[0]).iter().any(|e| e.starts_with("G=")));
    assert!(env_of(&ex[1]).contains(&"G=global".to_string()));
    assert!(
        names.contains(&"[3/3] RUN echo global".to_string()),
        "{names:?}"
    );
    let h = history(&c);
    assert_eq!(h[0], "RUN /bin/sh -c echo $G # buildkit");
    assert_eq!(h[2], "RUN |1 G=global /bin/sh -c echo $G # buildkit");
}

#[test]
fn build_args_override_and_platform_args() {
    let mut o = opts();
    o.build_args.insert("A".into(), "cli".into());
    o.build_args
        .insert("HTTP_PROXY".into(), "http://proxy".into());
    let c = conv_with(
        "FROM scratch\nARG A=file\nARG TARGETARCH\nARG UNSET\nRUN x\n",
        &o,
        &NoResolver,
    )
    .unwrap();
    let ex = &execs(&c)[0];
    let env = env_of(ex);
    assert!(env.contains(&"A=cli".to_string()));
    assert!(env.contains(&"TARGETARCH=amd64".to_string()));
    assert!(!env
        .iter()
        .any(|e| e.starts_with("UNSET") || e.contains("PROXY")));
    assert_eq!(
        ex.pointer("/meta/proxy_env/http_proxy"),
        Some(&json!("http://proxy"))
    );
    assert_eq!(
        history(&c)[3],
        "RUN |3 A=cli TARGETARCH=amd64 UNSET= /bin/sh -c x # buildkit"
    );
}

#[test]
fn env_expansion_uses_the_env_before_the_instruction() {
    let c = conv("FROM scratch\nENV A=1\nENV A=2 B=$A\nRUN x\n");
    let env = env_of(&execs(&c)[0]);
    assert!(env.contains(&"B=1".to_string()), "{env:?}");
    assert_eq!(history(&c)[1], "ENV A=2 B=1");
}

#[test]
fn copy_from_is_not_expanded_and_unknown_names_are_images() {
    let c = conv("FROM scratch\nCOPY --from=busybox /bin/sh /sh\n");
    let ids: Vec<String> = ops(&c)
        .iter()
        .filter_map(|o| {
            o.pointer("/op/source/identifier")
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .collect();
    assert_eq!(ids, vec!["docker-image://docker.io/library/busybox:latest"]);
    let e = conv_err("ARG X=a\nFROM scratch\nCOPY --from=$X /a /b\n", &opts());
    assert!(
        e.message.contains("failed to parse stage name"),
        "{}",
        e.message
    );
    assert_eq!(e.span.start_line, 3);
}

#[test]
fn target_selection_and_reachability() {
    let text =
        "FROM alpine AS a\nRUN a\nFROM debian AS b\nRUN b\nFROM scratch AS c\nCOPY --from=a / /\n";
    let c = conv(text);
    let all = names(&c).join("\n");
    assert!(all.contains("alpine") && !all.contains("debian"), "{all}");
    assert_eq!(
        c.builds[0]
            .stages
            .iter()
            .map(|s| s.index)
            .collect::<Vec<_>>(),
        vec![0, 2]
    );
    assert_eq!(c.builds[0].stages[1].copy_from, vec![0]);
    let mut o = opts();
    o.target = Some("b".into());
    let c = conv_with(text, &o, &NoResolver).unwrap();
    assert!(names(&c).join("\n").contains("debian"));
    o.target = Some("nope".into());
    let e = conv_err(text, &o);
    assert_eq!(e.message, "target stage \"nope\" could not be found");
    assert_eq!(e.hint.as_deref(), Some("available stages: a, b, c"));
}

#[test]
fn cycles_and_forward_references_fail() {
    let e = conv_err("FROM alpine AS a\nCOPY --from=a /x /y\n", &opts());
    assert!(
        e.message
            .starts_with("circular dependency detected on stage: a"),
        "{}",
        e.message
    );
    assert!(e.hint.is_some());
    let e = conv_err(
        "FROM alpine AS a\nCOPY --from=b /x /y\nFROM alpine AS b\nCOPY --from=a /x /y\n",
        &opts(),
    );
    assert!(e.message.contains("circular dependency"), "{}", e.message);
}

#[test]
fn errors_carry_spans() {
    let e = conv_err("FROM scratch\nENV A=${NOPE:?}\n", &opts());
    assert_eq!(e.span.start_line, 2);
    assert!(e.message.contains("NOPE"), "{}", e.message);
    let e = conv_err("FROM --platform=linux/nope/x/y scratch\n", &opts());
    assert!(
        e.message.starts_with("failed to parse platform"),
        "{}",
        e.message
    );
    let e = conv_err("FROM scratch\nCOPY --chmod=rwx a /b\n", &opts());
    assert!(
        e.message.contains("invalid chmod parameter"),
        "{}",
        e.message
    );
    let e = conv_err(
        "FROM scratch\nHEALTHCHECK --interval=5x CMD true\n",
        &opts(),
    );
    assert!(e.message.contains("unknown unit"), "{}", e.message);
    let e = conv_err("FROM scratch\nRUN --network=bogus x\n", &opts());
    assert!(e.message.contains("network mode"), "{}", e.message);
    assert_eq!(e.span.start_line, 2);
}

#[test]
fn image_config_follows_upstream() {
    let mut o = opts();
    o.source_date_epoch = Some(0);
    o.labels.insert("l".into(), "v".into());
    let c = conv_with(
        "FROM scratch\nCMD [\"a\"]\nENTRYPOINT [\"e\"]\nEXPOSE 80 53/udp\nUSER app\nVOLUME /data\nSTOPSIGNAL SIGINT\nHEALTHCHECK --interval=30s CMD curl x\nLABEL a=b\nSHELL [\"/bin/bash\", \"-c\"]\nCMD run\n",
        &o,
        &NoResolver,
    )
    .unwrap();
    let img = &c.builds[0].image_config;
    let cfg = &img["config"];
    assert_eq!(cfg["Entrypoint"], json!(["e"]));
    assert_eq!(cfg["Cmd"], json!(["/bin/bash", "-c", "run"]));
    assert_eq!(cfg["ExposedPorts"], json!({"53/udp": {}, "80/tcp": {}}));
    assert_eq!(cfg["Labels"], json!({"a": "b", "l": "v"}));
    assert_eq!(
        cfg["Healthcheck"],
        json!({"Test": ["CMD-SHELL", "curl x"], "Interval": 30_000_000_000i64})
    );
    assert_eq!(img["history"][0]["created"], json!("1970-01-01T00:00:00Z"));
    let h = history(&c);
    assert_eq!(h[2], "EXPOSE map[53/udp:{} 80/tcp:{}]");
    assert_eq!(h[1], "ENTRYPOINT [\"e\"]");
    assert_eq!(h[5], "STOPSIGNAL SIGINT");
    let c = conv("FROM scratch\nCMD [\"a\"]\nFROM 0\nENTRYPOINT [\"e\"]\n");
    assert!(c.builds[0].image_config["config"].get("Cmd").is_none());
}

#[test]
fn resolver_pins_digests_and_inherits_config() {
    let d = format!("sha256:{}", "a".repeat(64));
    let r = MapResolver::from_json(&json!({
        "docker.io/library/alpine:3.19": {"digest": d, "config": {
            "architecture": "arm64", "os": "linux",
            "config": {"Env": ["PATH=/bin", "X=1"], "WorkingDir": "/w", "User": "nobody",
                       "OnBuild": ["RUN echo trigger"]},
            "rootfs": {"type": "layers", "diff_ids": ["sha256:1"]}}}
    }))
    .unwrap();
    let c = conv_with("FROM alpine:3.19\nRUN x\n", &opts(), &r).unwrap();
    let src = ops(&c)[0]["op"]["source"]["identifier"].clone();
    assert_eq!(
        src,
        json!(format!("docker-image://docker.io/library/alpine:3.19@{d}"))
    );
    let ex = execs(&c);
    assert_eq!(ex.len(), 2, "ONBUILD trigger runs first");
    assert_eq!(ex[0]["meta"]["args"][2], json!("echo trigger"));
    assert_eq!(ex[1]["meta"]["cwd"], json!("/w"));
    assert_eq!(ex[1]["meta"]["user"], json!("nobody"));
    assert_eq!(env_of(&ex[1]), vec!["PATH=/bin", "X=1"]);
    let img = &c.builds[0].image_config;
    assert_eq!(
        img["architecture"],
        json!("arm64"),
        "implicit target keeps base platform"
    );
    assert!(img["config"].get("OnBuild").is_none());
}

#[test]
fn the_target_carries_its_base_image_config() {
    let created = "2026-12-06T10:00:00Z";
    let r = MapResolver::from_json(&json!({
        "docker.io/library/alpine:3.19": {"digest": null, "config": {
            "created": created, "architecture": "amd64", "os": "linux",
            "rootfs": {"type": "layers", "diff_ids": ["sha256:1"]},
            "history": [{"created": created, "created_by": "import"}]}}
    }))
    .unwrap();
    // Through a base stage, with the base's own timestamps (upstream's immutable `baseImg`).
    let df = "FROM alpine:3.19 AS base\nRUN x\nFROM base\nRUN y\n";
    let c = conv_with(df, &opts(), &r).unwrap();
    let base = c.builds[0].base_config.as_ref().expect("a base config");
    assert_eq!(base["created"], json!(created));
    assert_eq!(base["history"][0]["created_by"], json!("import"));
    assert_eq!(base["rootfs"]["diff_ids"], json!(["sha256:1"]));
    assert_eq!(
        c.builds[0].image_config["history"].as_array().map(Vec::len),
        Some(3)
    );
    let c = conv_with(
        "FROM alpine:3.19 AS a\nFROM scratch\nCOPY --from=a / /\n",
        &opts(),
        &r,
    )
    .unwrap();
    assert_eq!(c.builds[0].base_config, None);
}

#[test]
fn multi_platform_fans_out_with_prefixed_names() {
    let mut o = opts();
    o.target_platforms = vec![
        Platform::parse("linux/amd64").unwrap(),
        Platform::parse("linux/arm64").unwrap(),
    ];
    let c = conv_with(
        "FROM --platform=$BUILDPLATFORM alpine AS b\nARG TARGETARCH\nRUN make\n",
        &o,
        &NoResolver,
    )
    .unwrap();
    assert_eq!(c.builds.len(), 2);
    let second: Vec<String> = llb::dump_json(&c.builds[1].definition)
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|o| {
            o.pointer("/metadata/description/llb.customname")
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .collect();
    assert!(
        second.contains(&"[linux/amd64->arm64 2/2] RUN make".to_string()),
        "{second:?}"
    );
    assert_eq!(c.builds[1].image_config["architecture"], json!("arm64"));
}

#[test]
fn copy_link_heredoc_and_mounts() {
    let c = conv("FROM alpine\nCOPY --link --chown=1:2 a /b/\nCOPY <<EOF /f\nhi $X\nEOF\nRUN --mount=type=secret,id=s --mount=type=bind,from=alpine,source=/etc,target=/e x\n");
    let all = ops(&c);
    assert!(
        all.iter().any(|o| o.pointer("/op/merge").is_some()),
        "--link gives a merge"
    );
    assert!(
        names(&c).contains(&"[stage-0 2/4] LINK COPY --link --chown=1:2 a /b/".to_string()),
        "{:?}",
        names(&c)
    );
    let mkfile = all
        .iter()
        .find_map(|o| o.pointer("/op/file/actions/0/mkfile"))
        .unwrap();
    assert_eq!(mkfile["path"], json!("/EOF"));
    let ex = &execs(&c)[0];
    let mounts = ex["mounts"].as_array().unwrap();
    assert!(mounts
        .iter()
        .any(|m| m["dest"] == json!("/run/secrets/s") && m["mountType"] == json!("SECRET")));
    assert!(mounts
        .iter()
        .any(|m| m["dest"] == json!("/e") && m["selector"] == json!("/etc")));
    assert_eq!(
        history(&c),
        vec![
            "COPY --chown=1:2 a /b/ # buildkit",
            "COPY <<EOF /f # buildkit",
            "RUN /bin/sh -c x # buildkit"
        ]
    );
}

#[test]
fn run_heredoc_and_add_sources() {
    let c = conv("FROM alpine\nRUN <<EOF\necho a\necho b\nEOF\nADD --checksum=sha256:0000000000000000000000000000000000000000000000000000000000000000 https://x.io/f.tgz /d/\nADD https://github.com/a/b.git#v1 /src\n");
    let ex = &execs(&c)[0];
    assert_eq!(
        ex["meta"]["args"],
        json!(["/bin/sh", "-c", "echo a\necho b\n"])
    );
    assert!(
        names(&c).contains(&"[2/4] RUN <<EOF (echo a...)".to_string()),
        "{:?}",
        names(&c)
    );
    let srcs: Vec<Value> = ops(&c)
        .iter()
        .filter_map(|o| o.pointer("/op/source").cloned())
        .collect();
    let http = srcs
        .iter()
        .find(|s| s["identifier"] == json!("https://x.io/f.tgz"))
        .unwrap();
    assert_eq!(http["attrs"]["http.filename"], json!("f.tgz"));
    assert!(http["attrs"]["http.checksum"]
        .as_str()
        .unwrap()
        .starts_with("sha256:"));
    assert!(srcs
        .iter()
        .any(|s| s["identifier"] == json!("git://github.com/a/b.git#v1")));
    let e = conv_err("FROM alpine\nCOPY https://x.io/f /d\n", &opts());
    assert_eq!(e.message, "source can't be a URL for COPY");
}

#[test]
fn dockerfile_source_and_locations() {
    let mut o = opts();
    o.dockerfile_source = Some(b"FROM alpine\nRUN a \\\n  b\n".to_vec());
    let c = conv_with("FROM alpine\nRUN a \\\n  b\n", &o, &NoResolver).unwrap();
    let src = c.builds[0].definition.source.clone().unwrap();
    assert_eq!(src.infos[0].filename, "Dockerfile");
    assert_eq!(src.infos[0].language, "Dockerfile");
    let run = ops(&c)
        .into_iter()
        .find(|o| o.pointer("/op/exec").is_some())
        .unwrap();
    let ranges = run["locations"][0]["ranges"].as_array().unwrap().clone();
    assert_eq!(ranges.len(), 2);
    assert_eq!(ranges[0]["start"]["line"], json!(2));
    assert_eq!(ranges[1]["start"]["line"], json!(3));
}

#[test]
fn named_contexts_replace_images_and_stages() {
    let mut o = opts();
    o.named_contexts
        .insert("alpine".into(), NamedContext::Image("busybox:1".into()));
    o.named_contexts
        .insert("deps".into(), NamedContext::Local("depsdir".into()));
    let c = conv_with("FROM alpine\nCOPY --from=deps /a /a\n", &o, &NoResolver).unwrap();
    let ids: Vec<String> = ops(&c)
        .iter()
        .filter_map(|o| {
            o.pointer("/op/source/identifier")
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .collect();
    assert!(
        ids.contains(&"docker-image://docker.io/library/busybox:1".to_string()),
        "{ids:?}"
    );
    assert!(ids.contains(&"local://depsdir".to_string()), "{ids:?}");
}

/// The two dialects on one Dockerfile: global ARG, build-arg overriding a default with "",
/// a re-declared ARG, a stage built from a stage, EXPOSE with a port twice (the parser sorts the
/// words as written, BuildKit 0.25 lists them in that order).
fn dialects(dialect: Dialect) -> Converted {
    let mut o = opts();
    o.dialect = dialect;
    o.build_args.insert("EMPTY".into(), String::new());
    let text = "ARG G=global\nFROM scratch AS first\nARG G\nARG EMPTY=default L=a\n\
                ARG L=b\nRUN x\nEXPOSE 80 53/udp 80\nFROM first\nRUN y\n";
    conv_with(text, &o, &NoResolver).unwrap()
}

#[test]
fn dialect_0_13_history() {
    assert_eq!(
        history(&dialects(Dialect::V0_13)),
        vec![
            "ARG G",
            "ARG EMPTY=default L=a",
            "ARG L=b",
            "RUN |4 G=global EMPTY= L=b L=b /bin/sh -c x # buildkit",
            "EXPOSE map[53/udp:{} 80/tcp:{}]",
            "RUN /bin/sh -c y # buildkit",
        ]
    );
}

#[test]
fn dialect_0_25_history() {
    assert_eq!(
        history(&dialects(Dialect::V0_25)),
        vec![
            "ARG G=global",
            "ARG EMPTY= L=a",
            "ARG L=b",
            "RUN |3 G=global EMPTY= L=b /bin/sh -c x # buildkit",
            "EXPOSE [53/udp 80/tcp 80/tcp]",
            "RUN |3 G=global EMPTY= L=b /bin/sh -c y # buildkit",
        ]
    );
}

#[test]
fn automatic_stage_and_os_version_args_are_0_25_only() {
    let df = "FROM scratch AS base\nARG TARGETSTAGE TARGETOSVERSION BUILDOSVERSION\nRUN x\n\
              FROM base AS app\n";
    let run_env = |dialect: Dialect, target: Option<&str>| {
        let o = Options {
            dialect,
            target: target.map(str::to_string),
            ..opts()
        };
        let c = conv_with(df, &o, &NoResolver).expect("converts");
        env_of(&execs(&c)[0])
    };
    let env = run_env(Dialect::V0_25, None);
    for var in ["TARGETSTAGE=app", "TARGETOSVERSION=", "BUILDOSVERSION="] {
        assert!(env.contains(&var.to_string()), "{var}: {env:?}");
    }
    let env = run_env(Dialect::V0_25, Some("base"));
    assert!(env.contains(&"TARGETSTAGE=base".to_string()), "{env:?}");
    let env = run_env(Dialect::V0_13, None);
    assert!(
        !env.iter()
            .any(|e| e.starts_with("TARGETSTAGE") || e.contains("OSVERSION")),
        "{env:?}"
    );
}

#[test]
fn dialects_differ_in_op_digests_not_in_ops() {
    let (old, new) = (dialects(Dialect::V0_13), dialects(Dialect::V0_25));
    let without_digests = |c: &Converted| -> Vec<Value> {
        ops(c)
            .into_iter()
            .map(|mut o| {
                if let Some(m) = o.as_object_mut() {
                    m.remove("digest");
                    m.remove("inputs");
                }
                o
            })
            .collect()
    };
    assert_eq!(without_digests(&old), without_digests(&new));
    assert_ne!(old.builds[0].definition.def, new.builds[0].definition.def);
    let located = |c: &Converted| {
        let def = &c.builds[0].definition;
        let src = def.source.clone().unwrap_or_default();
        let digests: Vec<String> = def.def.iter().map(|b| llb::digest(b)).collect();
        src.locations.keys().all(|k| digests.contains(k))
    };
    assert!(located(&old) && located(&new));
}

#[test]
fn run_device_is_refused_as_each_engines_frontend_refuses_it() {
    let text = "FROM scratch\nCOPY a /a\nRUN --device=vendor.com/gpu=all true\n";
    for (dialect, message) in [
        (Dialect::V0_13, "unknown flag: --device"),
        (
            Dialect::V0_25,
            "device feature is only supported in Dockerfile frontend 1.14.0-labs or later",
        ),
    ] {
        let o = Options { dialect, ..opts() };
        let e = conv_err(text, &o);
        assert_eq!((e.message.as_str(), e.span.start_line), (message, 3));
    }
}

#[test]
fn onbuild_copy_from_a_stage_makes_it_a_dependency_in_0_25() {
    let r = MapResolver::from_json(&json!({
        "docker.io/library/base:1": {"config": {
            "architecture": "amd64", "os": "linux",
            "config": {"OnBuild": ["COPY --from=assets /a /a", "COPY --from=busybox:1 /b /b"]},
            "rootfs": {"type": "layers", "diff_ids": ["sha256:1"]}}},
        "docker.io/library/busybox:1": {"config": {
            "architecture": "amd64", "os": "linux", "config": {},
            "rootfs": {"type": "layers", "diff_ids": ["sha256:2"]}}}
    }))
    .unwrap();
    let text = "FROM scratch AS assets\nCOPY a /a\nFROM base:1 AS child\nCOPY c /c\n";
    let new = Options {
        dialect: Dialect::V0_25,
        ..opts()
    };
    let c = conv_with(text, &new, &r).unwrap();
    let stages = &c.builds[0].stages;
    let child = stages.iter().find(|s| s.name.as_deref() == Some("child"));
    assert_eq!(
        child.unwrap().copy_from,
        vec![0],
        "the trigger copies from assets"
    );
    let sources: Vec<Value> = ops(&c)
        .iter()
        .filter_map(|o| o["op"]["source"]["identifier"].as_str().map(Value::from))
        .collect();
    assert!(
        sources.contains(&json!("docker-image://docker.io/library/busybox:1")),
        "{sources:?}"
    );
    let e = conv_with(text, &opts(), &r).expect_err("0.13 never dispatched assets");
    assert_eq!(e.span.start_line, 3);
    assert!(
        e.message.contains("cannot copy from stage \"assets\""),
        "{}",
        e.message
    );
}

#[test]
fn add_checksum_of_a_git_source_by_dialect() {
    let commit = "0123456789abcdef0123456789abcdef01234567";
    let text =
        format!("FROM scratch\nADD --checksum={commit} https://github.com/a/b.git#v1 /src\n");
    let new = Options {
        dialect: Dialect::V0_25,
        ..opts()
    };
    let c = conv_with(&text, &new, &NoResolver).unwrap();
    let git = ops(&c)
        .into_iter()
        .find(|o| o["op"]["source"]["identifier"] == json!("git://github.com/a/b.git#v1"))
        .expect("a git source");
    assert_eq!(git["op"]["source"]["attrs"]["git.checksum"], json!(commit));
    let local = format!(
        "FROM scratch\nADD --checksum=sha256:{} a /a\n",
        "0".repeat(64)
    );
    for (dialect, message) in [
        (Dialect::V0_25, "checksum requires HTTP(S) or Git sources"),
        (
            Dialect::V0_13,
            "checksum can't be specified for non-HTTP sources",
        ),
    ] {
        let o = Options { dialect, ..opts() };
        assert_eq!(conv_err(&local, &o).message, message);
    }
    // BuildKit 0.13 checks the digest first: a commit is no digest.
    assert_eq!(
        conv_err(&text, &opts()).message,
        "invalid checksum digest format"
    );
}

#[test]
fn copies_of_a_stage_path_onto_itself_are_marked() {
    let c = conv(
        "FROM scratch AS a\nFROM scratch AS b\nFROM scratch\nWORKDIR /app\n\
         COPY --from=a /app/node_modules ./node_modules\n\
         COPY --link --chown=1:1 --from=a /app/dist/ /app/dist/\n\
         COPY --from=a /x /y\n\
         COPY --from=a /app/* /app/\n\
         COPY --chmod=755 --from=a /bin/tool /bin/tool\n\
         COPY --from=a /f /f/\n\
         COPY --from=a /a /b /a\n\
         COPY --exclude=*.md --from=a /doc /doc\n\
         COPY /ctx /ctx\n",
    );
    let marks: Vec<bool> = c.builds[0]
        .stages
        .last()
        .unwrap()
        .steps
        .iter()
        .map(|s| {
            matches!(
                s.kind,
                StepKind::Copy {
                    onto_itself: true,
                    ..
                }
            )
        })
        .collect();
    assert_eq!(
        marks,
        [true, true, false, false, false, false, false, false, false]
    );
}
