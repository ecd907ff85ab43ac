use super::*;
use crate::options::workers::WorkerPlatform;
use pretty_assertions::assert_eq;
use stagetrail_llb::pb;

fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn parse(pairs: &[(&str, &str)]) -> Result<FrontendOpts, OptsError> {
    FrontendOpts::parse(&map(pairs), None, None)
}

#[test]
fn env_values_split_on_first_equals() {
    let env = map(&[
        ("BUILDKIT_FRONTEND_OPT_0", "build-arg:A=x=y"),
        ("BUILDKIT_FRONTEND_OPT_1", "no-cache"),
        ("BUILDKIT_FRONTEND_OPT_12", "target=final"),
        ("PATH", "/bin"),
    ]);
    assert_eq!(
        opts_from_env(&env),
        map(&[
            ("build-arg:A", "x=y"),
            ("no-cache", ""),
            ("target", "final")
        ])
    );
}

#[test]
fn defaults() {
    let o = parse(&[]).unwrap();
    assert_eq!(o.convert.filename, "Dockerfile");
    assert_eq!(o.dockerfile_key, "dockerfile");
    assert!(!o.force_local_dockerfile);
    assert_eq!(o.context_key, "context");
    assert_eq!(o.convert.main_context, MainContext::Local);
    assert!(o.convert.target_platforms.is_empty());
    assert!(!o.multi_platform);
    assert_eq!(o.convert.no_cache, None);
    assert_eq!(o.image_resolve_mode, ResolveMode::Default);
    assert_eq!(o.convert.build_platform, None);
}

#[test]
fn every_listed_option() {
    let o = FrontendOpts::parse(
        &map(&[
            ("filename", "docker/Dockerfile.prod"),
            ("dockerfilekey", "df"),
            ("contextkey", "ctx"),
            ("ctx", "https://example.com/ctx.tar"),
            ("target", "final"),
            ("platform", "linux/amd64, linux/arm64/v8,linux/arm/v7"),
            ("build-arg:A", "1"),
            ("build-arg:SOURCE_DATE_EPOCH", "1700000000"),
            ("label:org.x", "y"),
            ("context:base", "docker-image://alpine:3.19"),
            ("context:base::linux/arm64", "docker-image://arm64v8/alpine"),
            ("context:src", "local:srcdir"),
            ("no-cache", "Build,test"),
            ("image-resolve-mode", "pull"),
            ("add-hosts", "Db=10.0.0.1,\"v6=::1\""),
            ("force-network-mode", "none"),
            ("hostname", "box"),
            ("shm-size", "67108864"),
            ("ulimit", "nofile=1024:2048,nproc=10"),
            ("cgroup-parent", "/ci"),
            (
                "cache-imports",
                r#"[{"Type":"registry","Attrs":{"ref":"r/c:1"}}]"#,
            ),
            ("cache-from", "r/c:2"),
            ("attest:sbom", "generator=x/y"),
            ("build-arg:BUILDKIT_ATTEST_PROVENANCE", "mode=max"),
            ("requestid", "frontend.outline"),
            ("frontend.caps", "moby.buildkit.frontend.inputs, moby.buildkit.frontend.contexts"),
            ("source", "docker.io/me/stagetrail:1"),
            ("cmdline", "me/stagetrail:1"),
            ("vcs:source", "https://git/x"),
            ("vcs:revision", "abc"),
        ]),
        Some("sess".into()),
        Some(
            r#"[{"id":"w0","labels":{},"platforms":[{"architecture":"arm64","os":"linux"},{"architecture":"amd64","os":"linux"}],
                "gcPolicy":null,"buildkitVersion":{"package":"github.com/moby/buildkit","version":"v0.13.2","revision":"r"},"cdiDevices":null}]"#,
        ),
    )
    .unwrap();
    assert_eq!(o.convert.session_id.as_deref(), Some("sess"));
    assert_eq!(
        o.convert.build_platform.as_ref().unwrap().id(),
        "linux/arm64"
    );
    assert_eq!(o.buildkit_version(), Some("v0.13.2"));
    assert_eq!(o.convert.filename, "docker/Dockerfile.prod");
    assert_eq!(o.dockerfile_key, "df");
    assert!(o.force_local_dockerfile);
    assert_eq!(
        o.convert.main_context,
        MainContext::Http {
            url: "https://example.com/ctx.tar".into(),
            archive: false
        }
    );
    assert_eq!(o.convert.target.as_deref(), Some("final"));
    let ids: Vec<_> = o
        .convert
        .target_platforms
        .iter()
        .map(Platform::id)
        .collect();
    assert_eq!(ids, ["linux/amd64", "linux/arm64", "linux/arm/v7"]);
    assert!(o.multi_platform);
    assert_eq!(
        o.convert.build_args,
        map(&[
            ("A", "1"),
            ("BUILDKIT_ATTEST_PROVENANCE", "mode=max"),
            ("SOURCE_DATE_EPOCH", "1700000000")
        ])
    );
    assert_eq!(o.convert.source_date_epoch, Some(1_700_000_000));
    assert_eq!(o.convert.labels, map(&[("org.x", "y")]));
    assert_eq!(
        o.convert.named_contexts.get("base"),
        Some(&NamedContext::Image("alpine:3.19".into()))
    );
    assert_eq!(
        o.convert.named_contexts.get("base::linux/arm64"),
        Some(&NamedContext::Image("arm64v8/alpine".into()))
    );
    assert_eq!(
        o.convert.named_contexts.get("src"),
        Some(&NamedContext::Local("srcdir".into()))
    );
    assert_eq!(
        o.convert.no_cache,
        Some(vec!["Build".into(), "test".into()])
    );
    assert_eq!(o.image_resolve_mode.as_str(), "pull");
    assert_eq!(
        o.convert.extra_hosts,
        [
            ("db".into(), "10.0.0.1".into()),
            ("v6".into(), "::1".into())
        ]
    );
    assert_eq!(o.convert.network_mode.as_deref(), Some("none"));
    assert_eq!(o.convert.hostname.as_deref(), Some("box"));
    assert_eq!(o.convert.shm_size, Some(67_108_864));
    assert_eq!(
        o.convert.ulimits,
        [
            pb::Ulimit {
                name: "nofile".into(),
                soft: 1024,
                hard: 2048
            },
            pb::Ulimit {
                name: "nproc".into(),
                soft: 10,
                hard: 10
            },
        ]
    );
    assert_eq!(o.convert.cgroup_parent.as_deref(), Some("/ci"));
    let refs: Vec<_> = o
        .cache_imports
        .iter()
        .map(|c| (c.kind.as_str(), c.attrs["ref"].as_str()))
        .collect();
    assert_eq!(refs, [("registry", "r/c:1"), ("registry", "r/c:2")]);
    assert_eq!(
        o.attests,
        map(&[("provenance", "mode=max"), ("sbom", "generator=x/y")])
    );
    assert_eq!(o.request_id.as_deref(), Some("frontend.outline"));
    assert_eq!(
        o.frontend_caps,
        [
            "moby.buildkit.frontend.inputs",
            "moby.buildkit.frontend.contexts"
        ]
    );
    assert_eq!(o.source.as_deref(), Some("docker.io/me/stagetrail:1"));
    assert_eq!(o.cmdline.as_deref(), Some("me/stagetrail:1"));
    assert_eq!(
        o.vcs,
        map(&[("revision", "abc"), ("source", "https://git/x")])
    );
}

#[test]
fn no_cache_empty_means_all_stages() {
    assert_eq!(
        parse(&[("no-cache", "")]).unwrap().convert.no_cache,
        Some(vec![])
    );
}

#[test]
fn sandbox_hostname_build_arg_wins() {
    let o = parse(&[
        ("hostname", "a"),
        ("build-arg:BUILDKIT_SANDBOX_HOSTNAME", "b"),
    ])
    .unwrap();
    assert_eq!(o.convert.hostname.as_deref(), Some("b"));
}

#[test]
fn multi_platform_flag() {
    assert!(parse(&[("multi-platform", "true")]).unwrap().multi_platform);
    assert!(
        parse(&[("build-arg:BUILDKIT_MULTI_PLATFORM", "1")])
            .unwrap()
            .multi_platform
    );
    let e = parse(&[
        ("platform", "linux/amd64,linux/arm64"),
        ("multi-platform", "false"),
    ])
    .unwrap_err();
    assert!(e.to_string().contains("conflicting config"), "{e}");
}

#[test]
fn context_sources() {
    let o = parse(&[
        ("context:a", "git@github.com:x/y.git"),
        ("context:b", "https://x/y.tar"),
        ("context:c", "oci-layout://store@sha256:abc"),
        ("context:d", "input:in0"),
        ("context:e", "docker-image://scratch"),
    ])
    .unwrap();
    assert_eq!(
        o.convert.named_contexts["a"],
        NamedContext::Git("git@github.com:x/y.git".into())
    );
    assert_eq!(
        o.convert.named_contexts["b"],
        NamedContext::Http("https://x/y.tar".into())
    );
    assert_eq!(
        o.convert.named_contexts["c"],
        NamedContext::OciLayout("store@sha256:abc".into())
    );
    assert_eq!(
        o.convert.named_contexts["d"],
        NamedContext::Input("in0".into())
    );
    assert_eq!(
        o.convert.named_contexts["e"],
        NamedContext::Image("scratch".into())
    );
}

/// Each bad value names its option and says what is wrong.
#[test]
fn bad_values_are_clear_errors() {
    let cases: &[(&str, &str, &str)] = &[
        ("platform", "linux/amd64,", "empty platform"),
        ("platform", "linux/amd64/v2/x", "cannot parse platform"),
        ("multi-platform", "yes", "not a boolean"),
        ("image-resolve-mode", "always", "invalid mode \"always\""),
        ("add-hosts", "db", "invalid key-value pair"),
        ("add-hosts", "db=300.1.1.1", "failed to parse IP"),
        ("force-network-mode", "bridge", "invalid network mode"),
        ("shm-size", "64m", "not a whole number"),
        ("ulimit", "nofile", "expected name=soft[:hard]"),
        ("ulimit", "files=1", "invalid ulimit type"),
        ("ulimit", "nofile=10:5", "soft limit must be less"),
        ("cache-imports", "{", "not a JSON list"),
        ("context:x", "ftp://h/x", "unsupported context source"),
        ("context:x", "alpine", "invalid context specifier"),
        ("context:", "docker-image://alpine", "empty context name"),
        ("attest:vex", "", "unknown attestation type \"vex\""),
        (
            "build-arg:SOURCE_DATE_EPOCH",
            "yesterday",
            "not a whole number",
        ),
    ];
    for (key, value, want) in cases {
        let e = parse(&[(key, value)]).unwrap_err();
        assert_eq!(&e.key, key);
        let text = e.to_string();
        assert!(text.contains(want), "{key}={value}: {text}");
        assert!(text.contains(key), "{text}");
    }
}

#[test]
fn bad_workers_json_is_an_error() {
    let e = FrontendOpts::parse(&BTreeMap::new(), None, Some("[{")).unwrap_err();
    assert_eq!(e.key, "BUILDKIT_WORKERS");
    let o = FrontendOpts::parse(&BTreeMap::new(), None, Some("null")).unwrap();
    assert!(o.workers.is_empty());
}

#[test]
fn worker_platform_ids() {
    let p = WorkerPlatform {
        architecture: "arm".into(),
        os: "linux".into(),
        variant: Some("v7".into()),
    };
    assert_eq!(p.id(), "linux/arm/v7");
    let platform = stagetrail_convert::Platform::parse(&p.id()).unwrap();
    assert_eq!(pb::Platform::from(&platform).variant, "v7");
}

#[test]
fn remote_main_contexts() {
    let o = parse(&[
        ("context", "git://127.0.0.1:9418/repo.git#main:sub"),
        ("build-arg:BUILDKIT_CONTEXT_KEEP_GIT_DIR", "1"),
        ("contextsubdir", "app"),
    ])
    .unwrap();
    assert_eq!(
        o.convert.main_context,
        MainContext::Git {
            url: "git://127.0.0.1:9418/repo.git#main:sub".into(),
            keep_git_dir: true
        }
    );
    assert_eq!(o.convert.context_subdir.as_deref(), Some("app"));
    let o = parse(&[
        ("context", "git@github.com:a/b.git"),
        ("build-arg:BUILDKIT_CONTEXT_KEEP_GIT_DIR", "maybe"),
    ])
    .unwrap();
    assert!(matches!(
        o.convert.main_context,
        MainContext::Git {
            keep_git_dir: false,
            ..
        }
    ));
    let e = parse(&[("context", "git://127.0.0.1/repo.git?ref=main#x")]).unwrap_err();
    assert!(e.message.contains("URL#ref:subdir"), "{}", e.message);
    let e = parse(&[("context", "ftp://example.com/ctx")]).unwrap_err();
    assert_eq!(e.key, "context");
    assert!(e.message.contains("neither a git URL nor an http(s) URL"));
}
