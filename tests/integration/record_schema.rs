//! The build record's JSON Schema (`docs/build-record.schema.json`) accepts the records the
//! converter produces for varied Dockerfiles, and rejects broken ones.

use crate::support::schema;

use serde_json::{json, Value};
use stagetrail_convert::record::{build_record, secret_values, RecordContext, SbomDocument};
use stagetrail_convert::{self as convert, MapResolver, Options, ResolvedImage};
use stagetrail_dockerfile as dockerfile;

const DOCKERFILES: &[(&str, &str)] = &[
    (
        "multistage",
        "FROM example.com/debian:bookworm AS build\nARG API_TOKEN\nARG V=1\n\
         RUN --mount=type=secret,id=tok,env=TOK --mount=type=cache,target=/c --mount=type=ssh \
         --mount=type=tmpfs,target=/t --mount=type=bind,source=src,target=/s make\n\
         ADD --checksum=sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef \
         https://example.com/a.tgz /a/\n\
         ADD --keep-git-dir https://example.com/r.git#0123456789abcdef0123456789abcdef01234567:sub /r\n\
         COPY <<EOF /etc/x\nhi\nEOF\n\
         FROM scratch AS out\nCOPY --from=build /a /a\nCOPY --from=example.com/tiny:1 /t /t\n\
         RUN --mount=type=bind,from=build,target=/b true\n",
    ),
    (
        "contexts",
        "FROM base AS b\nCOPY --from=extra /x /x\nFROM b\nCOPY . /app\n",
    ),
];

fn record(name: &str, text: &str) -> Vec<u8> {
    let df = dockerfile::parse(text).unwrap();
    let mut o = Options {
        session_id: Some("sid".into()),
        ..Options::default()
    };
    o.build_args.insert("API_TOKEN".into(), "s3cr3t".into());
    o.named_contexts.insert(
        "base".into(),
        convert::NamedContext::parse("docker-image://example.com/debian:bookworm").unwrap(),
    );
    o.named_contexts.insert(
        "extra".into(),
        convert::NamedContext::parse("local:extra").unwrap(),
    );
    let mut r = MapResolver::default();
    r.images.insert(
        "example.com/debian:bookworm".into(),
        ResolvedImage {
            digest: Some(format!("sha256:{}", "a".repeat(64))),
            config: json!({"os": "linux", "architecture": "amd64"}),
        },
    );
    let c = convert::convert(&df, &o, &r).unwrap();
    let ctx = RecordContext {
        filename: format!("{name}.Dockerfile"),
        dockerfile: text.as_bytes().to_vec(),
        frontend_source: Some("reg/frontend:1".into()),
        vcs: [("revision".to_string(), "abc".to_string())].into(),
        named_contexts: [("extra".to_string(), "local:extra".to_string())].into(),
    };
    let mut rec = build_record(&c.builds[0], &ctx);
    rec.add_sboms(
        0,
        [SbomDocument {
            path: "sbom-build.spdx.json".into(),
            predicate_type: "https://spdx.dev/Document".into(),
            digest: format!("sha256:{}", "b".repeat(64)),
        }],
    );
    let bytes = rec.to_json(&secret_values(&c.builds[0]));
    assert!(!String::from_utf8_lossy(&bytes).contains("s3cr3t"));
    bytes
}

fn dir(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("record-schema-{name}"))
}

#[test]
fn schema_accepts_produced_records() {
    let docs: Vec<(String, Vec<u8>)> = DOCKERFILES
        .iter()
        .map(|(n, t)| (format!("{n}.json"), record(n, t)))
        .collect();
    if let Err(e) = schema::validate(&dir("ok"), &docs) {
        panic!("the schema rejects produced records:\n{e}");
    }
}

#[test]
fn schema_rejects_broken_records() {
    let good: Value = serde_json::from_slice(&record(DOCKERFILES[0].0, DOCKERFILES[0].1)).unwrap();
    let broken = |f: &dyn Fn(&mut Value)| {
        let mut v = good.clone();
        f(&mut v);
        serde_json::to_vec(&v).unwrap()
    };
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("no-stages", broken(&|v| v["stages"] = json!([]))),
        (
            "secret-value",
            broken(&|v| v["stages"][0]["buildArgs"][0]["value"] = json!("leak")),
        ),
        (
            "secret-source",
            broken(&|v| {
                v["stages"][0]["instructions"][2]["inputs"][0]["source"] =
                    json!({"type": "context"})
            }),
        ),
        (
            "bad-digest",
            broken(&|v| v["dockerfile"]["digest"] = json!("md5:x")),
        ),
        ("extra-field", broken(&|v| v["extra"] = json!(1))),
    ];
    for (name, bytes) in cases {
        assert!(
            schema::validate(&dir(name), &[(format!("{name}.json"), bytes)]).is_err(),
            "the schema accepts a broken record: {name}"
        );
    }
}
