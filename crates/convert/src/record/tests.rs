//! Build-record tests over real conversions.

use serde_json::{json, Value};

use super::*;
use crate::{MapResolver, Options, ResolvedImage};
use stagetrail_dockerfile as dockerfile;

const DOCKERFILE: &str = r#"ARG BASE=example.com/debian:bookworm
FROM ${BASE} AS deps
ARG API_TOKEN
ARG VERSION=1.0
RUN --mount=type=secret,id=tok --mount=type=cache,target=/var/cache/apt,id=apt \
    --mount=type=ssh echo hi
ADD --checksum=sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef https://u:pw@files.example.com/a.tgz /dl/
ADD https://example.com/repo.git#v1.2:sub /src

FROM example.com/tiny:1 AS tools
COPY tool.sh /usr/local/bin/

FROM deps AS final
COPY --from=tools /usr/local/bin/tool.sh /bin/
COPY --from=example.com/other:2 /x /y
RUN --mount=type=bind,from=tools,source=/usr,target=/t true
COPY a b /app/
"#;

fn digest(c: char) -> String {
    format!("sha256:{}", c.to_string().repeat(64))
}

fn record_of(args: &[(&str, &str)]) -> (crate::PlatformBuild, BuildRecord) {
    let df = dockerfile::parse(DOCKERFILE).unwrap();
    let mut o = Options {
        session_id: Some("sid".into()),
        ..Options::default()
    };
    for (k, v) in args {
        o.build_args.insert(k.to_string(), v.to_string());
    }
    let mut r = MapResolver::default();
    for (name, d) in [
        ("example.com/debian:bookworm", 'a'),
        ("example.com/tiny:1", 'b'),
        ("example.com/other:2", 'c'),
    ] {
        r.images.insert(
            name.into(),
            ResolvedImage {
                digest: Some(digest(d)),
                config: json!({"os": "linux", "architecture": "amd64"}),
            },
        );
    }
    let c = crate::convert(&df, &o, &r).unwrap();
    let ctx = RecordContext {
        filename: "Dockerfile".into(),
        dockerfile: DOCKERFILE.as_bytes().to_vec(),
        frontend_source: Some("reg/frontend:1".into()),
        vcs: [(
            "source".to_string(),
            "https://x:y@git.example.com/r".to_string(),
        )]
        .into(),
        named_contexts: Default::default(),
    };
    let rec = build_record(&c.builds[0], &ctx);
    (c.builds[0].clone(), rec)
}

fn json_of(rec: &BuildRecord, secrets: &[String]) -> Value {
    serde_json::from_slice(&rec.to_json(secrets)).unwrap()
}

#[test]
fn stages_bases_and_graph() {
    let (_, rec) = record_of(&[]);
    let v = json_of(&rec, &[]);
    assert_eq!(v["schemaVersion"], 1);
    assert_eq!(v["target"], json!({"index": 2, "name": "final"}));
    assert_eq!(v["vcs"]["source"], "https://x:[redacted]@git.example.com/r");
    let stages = v["stages"].as_array().unwrap();
    let names: Vec<_> = stages.iter().map(|s| s["name"].clone()).collect();
    assert_eq!(names, vec![json!("deps"), json!("tools"), json!("final")]);
    assert_eq!(
        stages[0]["base"],
        json!({"type": "image", "reference": "example.com/debian:bookworm", "digest": digest('a')})
    );
    assert_eq!(stages[0]["lines"], json!({"start": 2, "end": 2}));
    assert_eq!(stages[2]["base"], json!({"type": "stage", "index": 0}));
    assert_eq!(
        v["graph"],
        json!([
            {"from": 0, "to": 2, "kind": "base"},
            {"from": 1, "to": 2, "kind": "copy"},
            {"from": 1, "to": 2, "kind": "mount"}
        ])
    );
}

#[test]
fn instruction_inputs() {
    let (_, rec) = record_of(&[]);
    let v = json_of(&rec, &[]);
    let deps = &v["stages"][0]["instructions"];
    assert_eq!(deps[2]["keyword"], "RUN");
    assert_eq!(deps[2]["lines"], json!({"start": 5, "end": 6}));
    assert_eq!(
        deps[2]["inputs"],
        json!([
            {"kind": "secret", "id": "tok", "dest": "/run/secrets/tok"},
            {"kind": "cache", "id": "apt", "dest": "/var/cache/apt"},
            {"kind": "ssh", "id": "default"}
        ])
    );
    assert_eq!(
        deps[3]["inputs"],
        json!([{"kind": "add", "source": {"type": "http",
            "url": "https://u:[redacted]@files.example.com/a.tgz",
            "checksum": "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"},
            "dest": "/dl/"}])
    );
    assert_eq!(
        deps[4]["inputs"][0]["source"],
        json!({"type": "git", "remote": "https://example.com/repo.git", "ref": "v1.2", "subdir": "sub", "keepGitDir": false})
    );
    let fin = &v["stages"][2]["instructions"];
    assert_eq!(
        fin[0]["inputs"],
        json!([{"kind": "copy", "source": {"type": "stage", "index": 1},
            "paths": ["/usr/local/bin/tool.sh"], "dest": "/bin/"}])
    );
    assert_eq!(
        fin[1]["inputs"][0]["source"],
        json!({"type": "image", "reference": "example.com/other:2", "digest": digest('c')})
    );
    assert_eq!(
        fin[2]["inputs"],
        json!([{"kind": "bind", "source": {"type": "stage", "index": 1}, "paths": ["/usr"], "dest": "/t"}])
    );
    assert_eq!(
        fin[3]["inputs"],
        json!([{"kind": "copy", "source": {"type": "context"}, "paths": ["a", "b"], "dest": "/app/"}])
    );
}

#[test]
fn credential_args_are_redacted_and_warned() {
    let (build, rec) = record_of(&[("API_TOKEN", "tok-s3cr3t-value"), ("VERSION", "2")]);
    let secrets = secret_values(&build);
    assert_eq!(secrets, vec!["tok-s3cr3t-value".to_string()]);
    let bytes = rec.to_json(&secrets);
    assert!(!String::from_utf8_lossy(&bytes).contains("s3cr3t"));
    let v: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(
        v["stages"][0]["buildArgs"],
        json!([
            {"name": "API_TOKEN", "value": null, "redacted": true},
            {"name": "VERSION", "value": "2"}
        ])
    );
    let warned = credential_args(&build.stages);
    assert_eq!(warned.len(), 1);
    assert_eq!(warned[0].0.start_line, 3);
    assert_eq!(warned[0].1, "API_TOKEN");
    assert!(credential_warning("API_TOKEN").contains("--secret id=api_token"));
    // No value, no warning.
    let (build, _) = record_of(&[]);
    assert!(credential_args(&build.stages).is_empty());
}

#[test]
fn deterministic_and_sbom_hook() {
    let (_, mut a) = record_of(&[]);
    let (_, b) = record_of(&[]);
    assert_eq!(a.to_json(&[]), b.to_json(&[]));
    let doc = SbomDocument {
        path: "sbom-deps.spdx.json".into(),
        predicate_type: "https://spdx.dev/Document".into(),
        digest: digest('d'),
    };
    a.add_sboms(0, [doc.clone(), doc.clone()]);
    a.add_sboms(99, [doc.clone()]);
    let v = json_of(&a, &[]);
    assert_eq!(
        v["stages"][0]["sboms"],
        json!([{"path": "sbom-deps.spdx.json", "predicateType": "https://spdx.dev/Document", "digest": digest('d')}])
    );
    assert_eq!(v["stages"][1]["sboms"], json!([]));
}
