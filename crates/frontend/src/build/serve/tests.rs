//! The frontend's life against a fake buildkitd: caps errors, option errors,
//! subrequests, Dockerfile errors, and `Return` exactly once.

use std::collections::BTreeMap;

use prost::Message as _;

use super::serve;
use crate::bridge::fake_bridge::Fake;
use crate::options::FrontendOpts;
use crate::proto::gateway::{result::Result as R, ReturnRequest};
use stagetrail_llb::pb;

fn opts(pairs: &[(&str, &str)]) -> FrontendOpts {
    let map: BTreeMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    FrontendOpts::parse(&map, Some("sess-1".into()), None).expect("valid opts")
}

/// Runs the frontend against `fake` and returns the single Return it sent.
async fn run(fake: &Fake, o: Result<FrontendOpts, crate::options::OptsError>) -> ReturnRequest {
    let bridge = fake.start().await;
    serve(&bridge, o).await.expect("Return succeeded");
    let mut log = fake.log.lock().expect("log");
    assert_eq!(log.returns.len(), 1, "Return must be called exactly once");
    log.returns.remove(0)
}

fn error_of(r: &ReturnRequest) -> (i32, String) {
    assert!(r.result.is_none(), "result and error are exclusive");
    let e = r.error.as_ref().expect("an error");
    (e.code, e.message.clone())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_caps_name_the_cap_and_the_version() {
    let fake = Fake {
        caps: vec!["return", "readfile", "resolveimage"],
        version: "v0.3.4".into(),
        ..Fake::default()
    };
    let r = run(&fake, Ok(opts(&[]))).await;
    let (code, msg) = error_of(&r);
    assert_eq!(code, tonic::Code::Unimplemented as i32);
    assert!(msg.contains("\"solve.base\""), "{msg}");
    assert!(msg.contains("v0.3.4"), "{msg}");
    assert!(fake.log.lock().expect("log").solves.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_option_is_returned_as_an_error() {
    let fake = Fake::full(&[]);
    let bad = FrontendOpts::parse(
        &BTreeMap::from([("shm-size".to_string(), "big".to_string())]),
        None,
        None,
    );
    let (code, msg) = error_of(&run(&fake, bad).await);
    assert_eq!(code, tonic::Code::InvalidArgument as i32);
    assert!(msg.contains("\"shm-size\""), "{msg}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parse_error_names_dockerfile_line() {
    let fake = Fake::full(&[("Dockerfile", "FROM alpine\nFORM scratch\n")]);
    let (_, msg) = error_of(&run(&fake, Ok(opts(&[]))).await);
    assert!(msg.starts_with("Dockerfile:2:"), "{msg}");

    let log = fake.log.lock().expect("log");
    let def = log.solves[0].definition.as_ref().expect("definition");
    let op = pb::Op::decode(def.def[0].as_slice()).expect("op");
    let Some(pb::op::Op::Source(src)) = op.op else {
        panic!("first op is not a source: {op:?}");
    };
    assert_eq!(src.identifier, "local://dockerfile");
    assert_eq!(src.attrs["local.session"], "sess-1");
    assert_eq!(src.attrs["local.sharedkeyhint"], "dockerfile");
    assert_eq!(src.attrs["local.differ"], "none");
    assert_eq!(
        src.attrs["local.followpaths"],
        r#"["Dockerfile","Dockerfile.dockerignore","dockerfile"]"#
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn custom_filename_in_errors() {
    let fake = Fake::full(&[("build/App.df", "FROM alpine\nFORM x\n")]);
    let (_, msg) = error_of(&run(&fake, Ok(opts(&[("filename", "build/App.df")]))).await);
    assert!(msg.starts_with("build/App.df:2:"), "{msg}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_dockerfile_is_a_clear_error() {
    let fake = Fake::full(&[]);
    let (_, msg) = error_of(&run(&fake, Ok(opts(&[]))).await);
    assert!(
        msg.contains("ReadFile") && msg.contains("Dockerfile"),
        "{msg}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subrequests() {
    let fake = Fake::full(&[]);
    let (code, msg) =
        error_of(&run(&fake, Ok(opts(&[("requestid", "frontend.convertllb")]))).await);
    assert_eq!(code, tonic::Code::Unimplemented as i32);
    assert!(
        msg.starts_with("unsupported request frontend.convertllb"),
        "{msg}"
    );

    let fake = Fake::full(&[("Dockerfile", "# app the app\nFROM alpine AS app\n")]);
    let r = run(&fake, Ok(opts(&[("requestid", "frontend.targets")]))).await;
    let res = r.result.expect("a result");
    let doc: serde_json::Value =
        serde_json::from_slice(&res.metadata["result.json"]).expect("json");
    assert_eq!(doc["targets"][0]["description"], "the app");
    assert!(
        fake.log.lock().expect("log").solves.len() == 1,
        "only the Dockerfile is solved"
    );

    let fake = Fake::full(&[]);
    let r = run(
        &fake,
        Ok(opts(&[("requestid", "frontend.subrequests.describe")])),
    )
    .await;
    let res = r.result.expect("a result");
    let list: serde_json::Value =
        serde_json::from_slice(&res.metadata["result.json"]).expect("json");
    assert_eq!(list[2]["name"], "frontend.subrequests.describe");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn returns_ref_config_and_platforms() {
    let fake = Fake::full(&[
        ("Dockerfile", "FROM alpine\n"),
        (".dockerignore", "*.log\n"),
    ]);
    let r = run(&fake, Ok(opts(&[]))).await;
    let res = r.result.expect("a result");
    assert!(matches!(res.result, Some(R::Ref(_))), "{res:?}");
    assert!(res.metadata.contains_key("containerimage.config"));
    // The base image's config goes to the exporter, as the built-in frontend sends it.
    let base: serde_json::Value =
        serde_json::from_slice(&res.metadata["containerimage.base.config"]).expect("json");
    assert_eq!(base["architecture"], "amd64");
    let platforms: serde_json::Value =
        serde_json::from_slice(&res.metadata["refs.platforms"]).expect("json");
    assert_eq!(platforms["Platforms"][0]["ID"], "linux/amd64");
    let log = fake.log.lock().expect("log");
    assert!(log.reads.contains(&".dockerignore".to_string()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scratch_has_no_base_config() {
    let fake = Fake::full(&[(
        "Dockerfile",
        "FROM alpine AS a\nFROM scratch\nCOPY --from=a / /\n",
    )]);
    let res = run(&fake, Ok(opts(&[]))).await.result.expect("a result");
    assert!(res.metadata.contains_key("containerimage.config"));
    assert!(!res.metadata.contains_key("containerimage.base.config"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conversion_error_names_dockerfile_line() {
    let df = "FROM alpine AS a\nCOPY --from=b / /\nFROM alpine AS b\nCOPY --from=a / /\n";
    let fake = Fake::full(&[("Dockerfile", df)]);
    let (_, msg) = error_of(&run(&fake, Ok(opts(&[]))).await);
    assert!(msg.starts_with("Dockerfile:"), "{msg}");
    assert!(msg.contains("circular dependency"), "{msg}");
    assert!(
        fake.log.lock().expect("log").solves.len() <= 2,
        "no build solve"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unresolvable_base_image_names_its_from_line() {
    let df = "FROM alpine\nRUN true\n\nFROM doesnotexist/img:1\n";
    let fake = Fake::full(&[("Dockerfile", df)]);
    let (_, msg) = error_of(&run(&fake, Ok(opts(&[]))).await);
    assert!(msg.starts_with("Dockerfile:4:"), "{msg}");
    assert!(msg.contains("doesnotexist/img:1"), "{msg}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn multi_platform_returns_refs_per_platform() {
    let fake = Fake::full(&[("Dockerfile", "FROM alpine\nRUN echo hi\n")]);
    let r = run(&fake, Ok(opts(&[("platform", "linux/amd64,linux/arm64")]))).await;
    let res = r.result.expect("a result");
    let Some(R::Refs(refs)) = &res.result else {
        panic!("expected refs: {res:?}");
    };
    let keys: Vec<_> = refs.refs.keys().cloned().collect();
    assert_eq!(keys, ["linux/amd64", "linux/arm64"]);
    assert!(res
        .metadata
        .contains_key("containerimage.config/linux/arm64"));
    assert!(res
        .metadata
        .contains_key("containerimage.base.config/linux/arm64"));
    let platforms: serde_json::Value =
        serde_json::from_slice(&res.metadata["refs.platforms"]).expect("json");
    assert_eq!(
        platforms["Platforms"][1]["Platform"]["architecture"],
        "arm64"
    );
    let log = fake.log.lock().expect("log");
    let resolved: Vec<_> = log.resolves.iter().map(String::as_str).collect();
    assert!(
        resolved.contains(&"docker.io/library/alpine:latest"),
        "{resolved:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn platforms_are_solved_at_the_same_time() {
    // Each platform's Solve is held until all three are in flight: one after another, the
    // first would never see the others.
    let fake = Fake {
        hold_builds: Some(3),
        ..Fake::full(&[("Dockerfile", "FROM alpine\nRUN echo hi\n")])
    };
    let requested = ["linux/arm/v7", "linux/amd64", "linux/arm64"];
    let r = run(&fake, Ok(opts(&[("platform", &requested.join(","))]))).await;
    assert_eq!(
        fake.build_solves.most_at_once(),
        3,
        "the Solves did not overlap"
    );
    let res = r.result.expect("a result");
    let Some(R::Refs(refs)) = &res.result else {
        panic!("expected refs: {res:?}");
    };
    assert_eq!(refs.refs.len(), 3);
    // Whichever finished first, the result lists the platforms in the order asked for.
    let platforms: serde_json::Value =
        serde_json::from_slice(&res.metadata["refs.platforms"]).expect("json");
    let ids: Vec<&str> = platforms["Platforms"]
        .as_array()
        .expect("platforms")
        .iter()
        .map(|p| p["ID"].as_str().expect("ID"))
        .collect();
    assert_eq!(ids, requested);
    for id in requested {
        let config: serde_json::Value =
            serde_json::from_slice(&res.metadata[&format!("containerimage.config/{id}")])
                .expect("config");
        assert_eq!(
            format!(
                "{}/{}",
                config["os"].as_str().unwrap_or(""),
                config["architecture"].as_str().unwrap_or("")
            ),
            id.trim_end_matches("/v7")
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_warning_is_sent_once_with_its_source() {
    let df = "FROM alpine\nRUN echo a \\\n\n  b\n";
    let fake = Fake::full(&[("Dockerfile", df)]);
    let r = run(&fake, Ok(opts(&[]))).await;
    assert!(r.result.is_some(), "{r:?}");
    let log = fake.log.lock().expect("log");
    assert_eq!(log.warns.len(), 1, "{:?}", log.warns);
    let w = &log.warns[0];
    assert_eq!(
        String::from_utf8_lossy(&w.short),
        "NoEmptyContinuation: Empty continuation line (line 4)"
    );
    assert_eq!(w.level, 1);
    assert_eq!(
        w.url,
        "https://docs.docker.com/go/dockerfile/rule/no-empty-continuation/"
    );
    assert_eq!(w.info.as_ref().expect("info").filename, "Dockerfile");
    assert_eq!(w.ranges[0].start.expect("start").line, 4);
    let def = log.solves[0].definition.as_ref().expect("definition");
    assert_eq!(w.digest, crate::options::load::head_digest(def));
}

/// The source identifiers of every op of solve `i`.
fn solved_sources(fake: &Fake, i: usize) -> Vec<String> {
    let log = fake.log.lock().expect("log");
    let def = log.solves[i].definition.as_ref().expect("a definition");
    def.def
        .iter()
        .filter_map(|b| pb::Op::decode(b.as_slice()).ok())
        .filter_map(|op| match op.op {
            Some(pb::op::Op::Source(s)) => Some(s.identifier),
            _ => None,
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn git_context_is_read_and_built_from_the_repository() {
    let fake = Fake::full(&[
        ("Dockerfile", "FROM scratch\nCOPY . /\n"),
        (".dockerignore", "*\n"),
    ]);
    let url = "git://127.0.0.1:9418/repo.git#main:sub";
    let r = run(&fake, Ok(opts(&[("context", url)]))).await;
    assert!(r.result.is_some(), "{:?}", r.error);
    assert_eq!(solved_sources(&fake, 0), [url]);
    let last = fake.log.lock().expect("log").solves.len() - 1;
    assert_eq!(solved_sources(&fake, last), [url]);
    let reads = fake.log.lock().expect("log").reads.clone();
    assert!(
        !reads.contains(&".dockerignore".to_string()),
        "upstream applies no .dockerignore to a git context: {reads:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_download_that_is_no_archive_is_the_dockerfile() {
    let fake = Fake::full(&[("context", "FROM scratch\nLABEL a=b\n")]);
    let url = "http://127.0.0.1:1/Dockerfile";
    let r = run(&fake, Ok(opts(&[("context", url)]))).await;
    assert!(r.result.is_some(), "{:?}", r.error);
    assert_eq!(solved_sources(&fake, 0), [url]);
    let reads = fake.log.lock().expect("log").reads.clone();
    assert_eq!(reads[..2], ["context", "context"]);
}
