//! Provenance, the per-stage build record, secret hygiene and custom attestations, end to end on the
//! real stack (`eval "$(scripts/stack up)"`): a multi-stage build through our frontend with a git
//! source (a `git daemon` on 127.0.0.1), a checksummed http source (a std::net server on 127.0.0.1),
//! two base images from the stack's registry, a `--secret` and a credential-like build arg.
//!
//! The frontend under test is `$STAGETRAIL_E2E_FRONTEND` when set, else
//! `scripts/frontend-image $STAGETRAIL_REGISTRY/stagetrail/frontend:record-e2e` (built once per run).

use crate::support::stack;
#[allow(dead_code)]
use stagetrail_oci::attestations::statement::SLSA_V02;

use crate::support::schema;

use crate::support::servers;

use std::collections::BTreeSet;
use std::io::Read as _;
use std::path::Path;
use std::process::Command;

use serde_json::Value;
use servers::{git, scratch, serve_file, GitDaemon};
use sha2::{Digest as _, Sha256};
use stack::{stack, Stack};

const RECORD_TYPE: &str = "https://stagetrail.dev/build-record/v1";
const CUSTOM_TYPE: &str = "https://example.com/compliance/v1";
const SECRET_FILE_VALUE: &str = "file-s3cr3t-4c1d-never-in-blobs";
const TOKEN_ARG_VALUE: &str = "arg-t0k3n-9f2e-never-in-our-output";

/// `docker buildx build --progress=plain ARGS`: (success, combined output).
pub fn buildx(s: &Stack, dir: &Path, args: &[&str]) -> (bool, String) {
    let out = Command::new("docker")
        .args(["buildx", "build", "--progress=plain"])
        .args(args)
        .current_dir(dir)
        .env("DOCKER_HOST", &s.docker_host)
        .output()
        .unwrap_or_else(|e| panic!("cannot run docker buildx: {e}"));
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), log)
}

fn blob(s: &Stack, repository: &str, digest: &str) -> Vec<u8> {
    let url = format!("http://{}/v2/{repository}/blobs/{digest}", s.registry);
    s.run("curl", &["-fsS", &url], Path::new("/"), &[]).stdout
}

fn sha256(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

/// Every blob under a pushed single-platform index, as (media type, predicate type, bytes),
/// gzip layers decompressed; plus the image manifest digest.
fn all_blobs(s: &Stack, repository: &str, tag: &str) -> (String, Vec<(String, String, Vec<u8>)>) {
    let index = s.raw_manifest(repository, tag);
    let mut out = vec![(
        "index".to_string(),
        String::new(),
        serde_json::to_vec(&index).unwrap(),
    )];
    let mut image = String::new();
    for m in index["manifests"].as_array().unwrap() {
        let digest = m["digest"].as_str().unwrap();
        if m["annotations"]["vnd.docker.reference.type"] != "attestation-manifest" {
            image = digest.to_string();
        }
        let manifest = s.raw_manifest(repository, digest);
        out.push((
            "manifest".into(),
            String::new(),
            serde_json::to_vec(&manifest).unwrap(),
        ));
        let config = manifest["config"]["digest"].as_str().unwrap();
        out.push(("config".into(), String::new(), blob(s, repository, config)));
        for l in manifest["layers"].as_array().unwrap() {
            let media = l["mediaType"].as_str().unwrap().to_string();
            let predicate = l["annotations"]["in-toto.io/predicate-type"]
                .as_str()
                .unwrap_or("")
                .to_string();
            let mut bytes = blob(s, repository, l["digest"].as_str().unwrap());
            if media.ends_with("gzip") {
                let mut plain = Vec::new();
                flate2::read::GzDecoder::new(bytes.as_slice())
                    .read_to_end(&mut plain)
                    .unwrap();
                bytes = plain;
            }
            out.push((media, predicate, bytes));
        }
    }
    (image, out)
}

/// The predicate's bytes in a statement blob as BuildKit writes it (`_type`, `predicateType`,
/// `subject`, then `predicate`).
fn raw_predicate(statement: &[u8]) -> Option<&[u8]> {
    let text = std::str::from_utf8(statement).ok()?.trim_end();
    let key = "],\"predicate\":";
    let start = text.find(key)? + key.len();
    text.strip_suffix('}')?.get(start..).map(str::as_bytes)
}

fn statement(blobs: &[(String, String, Vec<u8>)], predicate_type: &str) -> Value {
    let found: Vec<_> = blobs.iter().filter(|b| b.1 == predicate_type).collect();
    assert_eq!(found.len(), 1, "one {predicate_type} statement expected");
    serde_json::from_slice(&found[0].2).unwrap()
}

/// `docker buildx imagetools inspect --format '{{json .Provenance}}'`'s SLSA predicate.
fn provenance(s: &Stack, image: &str) -> Value {
    let out = s.run(
        "docker",
        &[
            "buildx",
            "imagetools",
            "inspect",
            image,
            "--format",
            "{{json .Provenance}}",
        ],
        Path::new("/"),
        &[],
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    v["SLSA"].clone()
}

/// Materials as `uri@digest` strings.
fn materials(p: &Value) -> BTreeSet<String> {
    p["materials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            let digest = m["digest"].as_object().unwrap();
            let (alg, hex) = digest.iter().next().unwrap();
            format!(
                "{}@{alg}:{}",
                m["uri"].as_str().unwrap(),
                hex.as_str().unwrap()
            )
        })
        .collect()
}

/// The dockerd log (where our frontend's stderr lands) from `offset` on.
fn dockerd_log_since(offset: u64) -> String {
    let dir = std::env::var("STAGETRAIL_STACK_DIR")
        .ok()
        .filter(|d| !d.is_empty());
    let dir = dir.unwrap_or_else(|| format!("{}/.stack", env!("CARGO_MANIFEST_DIR")));
    let bytes = std::fs::read(Path::new(&dir).join("docker/dockerd.log")).unwrap_or_default();
    String::from_utf8_lossy(&bytes[(offset as usize).min(bytes.len())..]).into_owned()
}

fn dockerd_log_len() -> u64 {
    dockerd_log_since(0).len() as u64
}

struct Fixture {
    dir: std::path::PathBuf,
    dockerfile: String,
    git: GitDaemon,
    http_url: String,
    http_sum: String,
}

fn fixture(s: &Stack) -> Fixture {
    let dir = scratch("graph");
    let daemon = GitDaemon::start(&dir.join("git"));
    let payload = format!("payload {}\n", dir.display()).into_bytes();
    let http_sum = sha256(&payload);
    let http_url = format!("{}/payload.txt", serve_file(payload));
    let ctx = dir.join("ctx");
    std::fs::create_dir_all(&ctx).unwrap();
    let reg = &s.registry;
    let dockerfile = format!(
        "FROM {reg}/library/tiny:1 AS tools\n\
         COPY tool.txt /tool.txt\n\
         \n\
         FROM {reg}/library/debian:bookworm AS build\n\
         ARG API_TOKEN\n\
         ADD {git}#main /src\n\
         ADD --checksum={http_sum} {http_url} /dl/payload.txt\n\
         RUN --mount=type=secret,id=tok --mount=type=cache,target=/cache,id=apt-cache \\\n    \
         sha256sum /run/secrets/tok > /secret.sum && test -n \"$API_TOKEN\"\n\
         \n\
         FROM build AS final\n\
         COPY --from=tools /tool.txt /tool.txt\n",
        git = daemon.url,
    );
    std::fs::write(ctx.join("Dockerfile"), &dockerfile).unwrap();
    std::fs::write(ctx.join("tool.txt"), "tool\n").unwrap();
    std::fs::write(
        ctx.join("compliance.json"),
        "{\"compliant\": true, \"controls\": [1, 2]}\n",
    )
    .unwrap();
    std::fs::write(dir.join("secret.txt"), SECRET_FILE_VALUE).unwrap();
    // A git work tree with a remote, so buildx sends vcs:source and vcs:revision.
    git(&ctx, &["init", "-q", "-b", "main"]);
    git(
        &ctx,
        &[
            "remote",
            "add",
            "origin",
            "https://git.example.com/stagetrail/record-e2e.git",
        ],
    );
    git(&ctx, &["add", "."]);
    git(&ctx, &["commit", "-q", "-m", "context"]);
    Fixture {
        dir,
        dockerfile,
        git: daemon,
        http_url,
        http_sum,
    }
}

fn build_args<'a>(f: &'a Fixture, secret: &'a str, tag: &'a str) -> Vec<String> {
    vec![
        "--secret".into(),
        format!("id=tok,src={secret}"),
        "--build-arg".into(),
        format!("API_TOKEN={TOKEN_ARG_VALUE}"),
        "--provenance=mode=max".into(),
        "--push".into(),
        "-t".into(),
        tag.into(),
        f.dir.join("ctx").to_str().unwrap().into(),
    ]
}

/// The stack's registry as the engine's BuildKit spells it in an image material's purl: 0.13
/// (Docker 26) escapes the port's colon (`127.0.0.1%3A5000`), 0.25 (Docker 28) writes it as is.
fn purl_registry(s: &Stack) -> String {
    if s.engine_major() >= 28 {
        s.registry.clone()
    } else {
        s.registry.replace(':', "%3A")
    }
}

#[test]
fn provenance_record_secrets_and_custom_attestation() {
    let s = stack();
    let fe = s.frontend();
    let f = fixture(&s);
    let secret = f.dir.join("secret.txt");
    let secret = secret.to_str().unwrap();
    let stamp = f
        .dir
        .file_name()
        .unwrap()
        .to_string_lossy()
        .rsplit('-')
        .next()
        .unwrap()
        .to_string();
    let repository = "stagetrail-test/record";
    let ours_tag = format!("ours-{stamp}");
    let ours = format!("{}/{repository}:{ours_tag}", s.registry);
    let log_offset = dockerd_log_len();
    let mut args = vec![
        "--build-arg".to_string(),
        format!("BUILDKIT_SYNTAX={fe}"),
        "--build-arg".into(),
        format!("STAGETRAIL_ATTEST_CUSTOM=predicate-type={CUSTOM_TYPE},path=compliance.json"),
        "--sbom=true".into(),
    ];
    args.extend(build_args(&f, secret, &ours));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (ok, log) = buildx(&s, &f.dir, &args);
    assert!(ok, "our build failed:\n{log}");
    let frontend_log = dockerd_log_since(log_offset);

    // 3. The warning for the credential-like build arg, pointing to --secret.
    assert!(
        log.contains("build arg \"API_TOKEN\" looks like a credential") && log.contains("--secret"),
        "no credential warning in the build output:\n{log}"
    );

    // 1. Provenance: every base image, the frontend, the git commit and the http checksum.
    let prov = provenance(&s, &ours);
    let mats = materials(&prov);
    let has = |prefix: &str| mats.iter().find(|m| m.starts_with(prefix)).cloned();
    let registry = purl_registry(&s);
    let debian = has(&format!("pkg:docker/{registry}/library/debian@bookworm"))
        .unwrap_or_else(|| panic!("no debian material: {mats:?}"));
    let tiny = has(&format!("pkg:docker/{registry}/library/tiny@1"))
        .unwrap_or_else(|| panic!("no tiny material: {mats:?}"));
    let fe_repo = fe
        .rsplit_once(':')
        .unwrap()
        .0
        .replace(&s.registry, &registry);
    assert!(
        has(&format!("pkg:docker/{fe_repo}@")).is_some(),
        "no frontend material: {mats:?}"
    );
    assert!(
        mats.contains(&format!("{}#main@sha1:{}", f.git.url, f.git.commit)),
        "{mats:?}"
    );
    assert!(
        mats.contains(&format!("{}@{}", f.http_url, f.http_sum)),
        "{mats:?}"
    );
    assert_eq!(
        prov["invocation"]["configSource"]["entryPoint"],
        "Dockerfile"
    );
    let meta = &prov["metadata"]["https://mobyproject.org/buildkit@v1#metadata"];
    let info = &meta["source"]["infos"][0];
    assert_eq!(info["filename"], "Dockerfile");
    assert_eq!(info["language"], "Dockerfile");
    use base64::Engine as _;
    let data = base64::engine::general_purpose::STANDARD
        .decode(info["data"].as_str().unwrap())
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&data), f.dockerfile);
    assert!(!meta["source"]["locations"].as_object().unwrap().is_empty());
    assert_eq!(
        meta["vcs"]["source"],
        "https://git.example.com/stagetrail/record-e2e.git"
    );
    let revision = git(&f.dir.join("ctx"), &["rev-parse", "HEAD"]);
    assert!(
        meta["vcs"]["revision"]
            .as_str()
            .unwrap()
            .starts_with(&revision),
        "{}",
        meta["vcs"]
    );

    // Ours lists at least everything the built-in frontend lists (its own image aside).
    let builtin = format!("{}/{repository}:builtin-{stamp}", s.registry);
    let bargs = build_args(&f, secret, &builtin);
    let bargs: Vec<&str> = bargs.iter().map(String::as_str).collect();
    let (ok, blog) = buildx(&s, &f.dir, &bargs);
    assert!(ok, "the built-in frontend's build failed:\n{blog}");
    let missing: Vec<_> = materials(&provenance(&s, &builtin))
        .difference(&mats)
        .cloned()
        .collect();
    assert!(
        missing.is_empty(),
        "materials the built-in frontend lists and ours does not: {missing:?}"
    );

    // 2. The build record, stage by stage.
    let (image, blobs) = all_blobs(&s, repository, &ours_tag);
    let rec_stmt = statement(&blobs, RECORD_TYPE);
    assert_eq!(
        rec_stmt["subject"][0]["digest"]["sha256"],
        image.trim_start_matches("sha256:")
    );
    let rec = &rec_stmt["predicate"];
    let digest_of = |material: &str| material.rsplit_once('@').unwrap().1.to_string();
    let stages = rec["stages"].as_array().unwrap();
    let summary: Vec<(u64, &str)> = stages
        .iter()
        .map(|st| (st["index"].as_u64().unwrap(), st["name"].as_str().unwrap()))
        .collect();
    assert_eq!(summary, vec![(0, "tools"), (1, "build"), (2, "final")]);
    assert_eq!(
        rec["target"],
        serde_json::json!({"index": 2, "name": "final"})
    );
    assert_eq!(stages[0]["base"]["digest"], digest_of(&tiny));
    assert_eq!(stages[1]["base"]["digest"], digest_of(&debian));
    assert_eq!(
        stages[2]["base"],
        serde_json::json!({"type": "stage", "index": 1})
    );
    assert_eq!(
        stages[0]["instructions"][0]["inputs"][0]["source"]["type"],
        "context"
    );
    assert_eq!(
        stages[0]["instructions"][0]["inputs"][0]["paths"][0],
        "tool.txt"
    );
    let build = stages[1]["instructions"].as_array().unwrap();
    let kinds: Vec<&str> = build
        .iter()
        .map(|i| i["keyword"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, vec!["ARG", "ADD", "ADD", "RUN"]);
    assert_eq!(
        build[1]["inputs"][0]["source"]["remote"],
        f.git.url.as_str()
    );
    assert_eq!(build[1]["inputs"][0]["source"]["ref"], "main");
    assert_eq!(build[2]["inputs"][0]["source"]["url"], f.http_url.as_str());
    assert_eq!(
        build[2]["inputs"][0]["source"]["checksum"],
        f.http_sum.as_str()
    );
    assert_eq!(build[3]["lines"], serde_json::json!({"start": 8, "end": 9}));
    assert_eq!(
        build[3]["inputs"][0],
        serde_json::json!({"kind": "secret", "id": "tok", "dest": "/run/secrets/tok"})
    );
    assert_eq!(
        build[3]["inputs"][1],
        serde_json::json!({"kind": "cache", "id": "apt-cache", "dest": "/cache"})
    );
    assert_eq!(
        stages[1]["buildArgs"],
        serde_json::json!([{"name": "API_TOKEN", "value": null, "redacted": true}])
    );
    assert_eq!(
        stages[2]["instructions"][0]["inputs"][0]["source"],
        serde_json::json!({"type": "stage", "index": 0})
    );
    assert_eq!(
        rec["graph"],
        serde_json::json!([{"from": 0, "to": 2, "kind": "copy"}, {"from": 1, "to": 2, "kind": "base"}])
    );
    // The SBOM pipeline's documents of the image are named in the target stage, by digest.
    let sboms = stages[2]["sboms"].as_array().unwrap();
    assert!(
        !sboms.is_empty(),
        "no SBOM documents in the final stage's record"
    );
    for d in sboms {
        let digest = d["digest"].as_str().unwrap();
        let t = d["predicateType"].as_str().unwrap();
        assert!(blobs.iter().any(|b| b.1 == t), "no {t} statement for {d}");
        // The digest names the predicate as stored (BuildKit embeds the file unchanged), but for
        // the image's SPDX document, to which BuildKit adds a creator and layer ids.
        if d["path"] != "sbom.spdx.json" {
            assert!(
                blobs
                    .iter()
                    .filter(|b| b.1 == t)
                    .any(|b| raw_predicate(&b.2).is_some_and(|p| sha256(p) == digest)),
                "no stored {t} predicate has the record's digest {digest} ({d})"
            );
        }
    }
    assert_eq!(
        rec["vcs"]["source"],
        "https://git.example.com/stagetrail/record-e2e.git"
    );
    assert_eq!(rec["frontend"]["source"], fe);
    if let Err(e) = schema::validate(
        &f.dir.join("schema"),
        &[("record.json".into(), serde_json::to_vec(rec).unwrap())],
    ) {
        panic!("the emitted record does not match docs/build-record.schema.json:\n{e}");
    }

    // 4. The custom attestation: right predicate type, subject = the image, predicate = the file.
    let custom = statement(&blobs, CUSTOM_TYPE);
    assert_eq!(
        custom["subject"][0]["digest"]["sha256"],
        image.trim_start_matches("sha256:")
    );
    assert_eq!(
        custom["predicate"],
        serde_json::json!({"compliant": true, "controls": [1, 2]})
    );

    // 3. Neither secret in any blob we or the image produced (BuildKit's provenance records
    //    build-arg values itself: it is the one exception for the arg), nor in our stderr.
    for (media, predicate, bytes) in &blobs {
        let text = String::from_utf8_lossy(bytes);
        assert!(
            !text.contains(SECRET_FILE_VALUE),
            "the secret file's value is in a {media} {predicate} blob"
        );
        if predicate != SLSA_V02 {
            assert!(
                !text.contains(TOKEN_ARG_VALUE),
                "the API_TOKEN value is in a {media} {predicate} blob"
            );
        }
    }
    let config = blobs
        .iter()
        .find(|b| b.0 == "config" && String::from_utf8_lossy(&b.2).contains("history"))
        .unwrap();
    assert!(String::from_utf8_lossy(&config.2).contains("API_TOKEN=[redacted]"));
    assert!(!frontend_log.contains(SECRET_FILE_VALUE) && !frontend_log.contains(TOKEN_ARG_VALUE));
    let _ = std::fs::remove_dir_all(&f.dir);
}

#[test]
fn bad_custom_attestation_requests_fail_the_build() {
    let s = stack();
    let fe = s.frontend();
    let dir = scratch("bad");
    std::fs::write(
        dir.join("Dockerfile"),
        "FROM scratch\nCOPY ok.json /ok.json\n",
    )
    .unwrap();
    std::fs::write(dir.join("ok.json"), "{}").unwrap();
    std::fs::write(dir.join("broken.json"), "{\n  \"a\": ,\n}\n").unwrap();
    std::fs::write(dir.join("list.json"), "[1, 2]").unwrap();
    let big = std::fs::File::create(dir.join("big.json")).unwrap();
    big.set_len((40 << 20) + 1).unwrap();
    let cases = [
        (
            "path=missing.json",
            "custom attestation missing.json: not found in the build context",
        ),
        (
            "path=broken.json",
            "custom attestation broken.json:2:8: not valid JSON",
        ),
        (
            "path=list.json",
            "custom attestation list.json:1:1: the predicate must be a JSON object",
        ),
        (
            "path=big.json",
            "custom attestation big.json: the file is 41943041 bytes",
        ),
        (
            "path=ok.json,predicate-type=https://slsa.dev/provenance/v1",
            "is SLSA provenance, which only BuildKit may write",
        ),
        (
            "predicate-type=urn:x",
            "path=<file in the build context> is missing",
        ),
    ];
    for (request, expected) in cases {
        let value = if request.contains("predicate-type") {
            request.to_string()
        } else {
            format!("predicate-type={CUSTOM_TYPE},{request}")
        };
        let (ok, log) = buildx(
            &s,
            &dir,
            &[
                "--build-arg",
                &format!("BUILDKIT_SYNTAX={fe}"),
                "--build-arg",
                &format!("STAGETRAIL_ATTEST_CUSTOM={value}"),
                "--provenance=false",
                ".",
            ],
        );
        assert!(!ok, "{request}: the build succeeded:\n{log}");
        assert!(
            log.contains(expected),
            "{request}: expected {expected:?} in:\n{log}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
