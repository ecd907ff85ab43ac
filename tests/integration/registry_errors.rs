//! Error paths of the registry client against a tiny fake registry: each answer a real registry may
//! give when things go wrong must end in a clear error, with bounded memory and no hang.

use crate::support::fake_registry as fake;

use std::future::Future;
use std::time::{Duration, Instant};

use fake::{serve, Body, Reply};
use stagetrail_oci::attestations::{discover, DiscoverOptions};
use stagetrail_oci::{
    ClientConfig, Descriptor, Digest, DockerCredentials, Limits, Reference, RegistryClient,
    RegistryError, RegistryImage, RetryPolicy,
};

const INDEX: &str = "application/vnd.oci.image.index.v1+json";
const MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";

/// Every test runs under this guard: a hang is a failure, not a stuck CI job.
async fn guarded<F: Future<Output = ()>>(f: F) {
    tokio::time::timeout(Duration::from_secs(30), f)
        .await
        .expect("test timed out: the client hung");
}

fn config() -> ClientConfig {
    ClientConfig {
        retry: RetryPolicy {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(10),
            max_backoff: Duration::from_millis(50),
            max_total: Duration::from_secs(2),
        },
        read_timeout: Duration::from_secs(5),
        ..ClientConfig::default()
    }
}

fn client(config: ClientConfig) -> RegistryClient {
    RegistryClient::new(config).unwrap()
}

fn reference(addr: &str) -> Reference {
    Reference::parse(&format!("{addr}/test/img:1")).unwrap()
}

fn blob_descriptor(bytes: &[u8], size: u64) -> Descriptor {
    Descriptor {
        media_type: "application/octet-stream".into(),
        digest: Digest::sha256_of(bytes),
        size,
        annotations: Default::default(),
        platform: None,
        artifact_type: None,
    }
}

fn manifest_json() -> Vec<u8> {
    let config = Digest::sha256_of(b"{}");
    format!(r#"{{"schemaVersion":2,"mediaType":"{MANIFEST}","config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{config}","size":2}},"layers":[]}}"#)
        .into_bytes()
}

#[tokio::test]
async fn unauthorized_token_endpoint_is_a_clear_error() {
    guarded(async {
        let fake = serve(|req, addr| {
            if req.path.starts_with("/token") {
                Reply::json(
                    401,
                    "application/json",
                    br#"{"errors":[{"code":"UNAUTHORIZED","message":"bad credentials"}]}"#,
                )
            } else {
                Reply::new(401, b"").with(
                    "WWW-Authenticate",
                    &format!(r#"Bearer realm="http://{addr}/token",service="fake""#),
                )
            }
        })
        .await;
        let err = client(config())
            .manifest(&reference(&fake.addr))
            .await
            .unwrap_err();
        assert!(
            matches!(err, RegistryError::Unauthorized { status: 401, .. }),
            "{err}"
        );
        let text = err.to_string();
        assert!(
            text.contains("/token?service=fake&scope=repository%3Atest%2Fimg%3Apull"),
            "{text}"
        );
        assert!(
            text.contains("UNAUTHORIZED: bad credentials") && text.contains("docker login"),
            "{text}"
        );
    })
    .await;
}

#[tokio::test]
async fn unauthorized_without_challenge_is_a_clear_error() {
    guarded(async {
        let fake = serve(|_, _| Reply::new(401, b"go away")).await;
        let err = client(config())
            .manifest(&reference(&fake.addr))
            .await
            .unwrap_err();
        assert!(
            err.to_string().contains("unauthorized (HTTP 401): go away"),
            "{err}"
        );
        assert_eq!(fake.hits(), 1);
    })
    .await;
}

#[tokio::test]
async fn bearer_token_flow_sends_docker_config_credentials() {
    guarded(async {
        let manifest = manifest_json();
        let fake = serve(move |req, addr| {
            if req.path.starts_with("/token") {
                // "u:p" in base64, from the docker config below.
                if req.header("authorization") == Some("Basic dTpw")
                    && req.path.contains("scope=repository%3Atest%2Fimg%3Apull")
                {
                    Reply::json(200, "application/json", br#"{"access_token":"T"}"#)
                } else {
                    Reply::new(401, b"no")
                }
            } else if req.header("authorization") == Some("Bearer T") {
                Reply::json(200, MANIFEST, &manifest)
            } else {
                Reply::new(401, b"").with(
                    "WWW-Authenticate",
                    &format!(r#"Bearer realm="http://{addr}/token",service="fake""#),
                )
            }
        })
        .await;
        let cfg = format!(r#"{{"auths":{{"{}":{{"auth":"dTpw"}}}}}}"#, fake.addr);
        let credentials = DockerCredentials::parse(cfg.as_bytes(), "config.json").unwrap();
        let c = client(ClientConfig {
            credentials,
            ..config()
        });
        let m = c.manifest(&reference(&fake.addr)).await.unwrap();
        assert_eq!(m.descriptor.media_type, MANIFEST);
        // The token is cached: a second fetch makes one request.
        let before = fake.hits();
        c.manifest(&reference(&fake.addr)).await.unwrap();
        assert_eq!(fake.hits(), before + 1);
    })
    .await;
}

#[tokio::test]
async fn basic_auth_flow() {
    guarded(async {
        let manifest = manifest_json();
        let fake = serve(move |req, _| match req.header("authorization") {
            Some("Basic dTpw") => Reply::json(200, MANIFEST, &manifest),
            _ => Reply::new(401, b"").with("WWW-Authenticate", r#"Basic realm="fake""#),
        })
        .await;
        let cfg = format!(
            r#"{{"auths":{{"http://{}":{{"username":"u","password":"p"}}}}}}"#,
            fake.addr
        );
        let credentials = DockerCredentials::parse(cfg.as_bytes(), "config.json").unwrap();
        let c = client(ClientConfig {
            credentials,
            ..config()
        });
        c.manifest(&reference(&fake.addr)).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn not_found_names_the_url_and_the_registry_error() {
    guarded(async {
        let fake = serve(|_, _| {
            Reply::json(
                404,
                "application/json",
                br#"{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}"#,
            )
        })
        .await;
        let err = client(config())
            .manifest(&reference(&fake.addr))
            .await
            .unwrap_err();
        assert!(err.is_not_found());
        let text = err.to_string();
        assert!(
            text.starts_with(&format!(
                "http://{}/v2/test/img/manifests/1: not found",
                fake.addr
            )),
            "{text}"
        );
        assert!(
            text.contains("MANIFEST_UNKNOWN: manifest unknown"),
            "{text}"
        );
        assert_eq!(fake.hits(), 1, "404 is not retried");
    })
    .await;
}

#[tokio::test]
async fn rate_limited_then_served() {
    guarded(async {
        let manifest = manifest_json();
        let count = std::sync::atomic::AtomicUsize::new(0);
        let fake = serve(move |_, _| {
            if count.fetch_add(1, std::sync::atomic::Ordering::SeqCst) < 2 {
                Reply::new(429, b"slow down").with("Retry-After", "0")
            } else {
                Reply::json(200, MANIFEST, &manifest)
            }
        })
        .await;
        client(config())
            .manifest(&reference(&fake.addr))
            .await
            .unwrap();
        assert_eq!(fake.hits(), 3);
    })
    .await;
}

#[tokio::test]
async fn rate_limited_forever_gives_up_after_the_bounded_attempts() {
    guarded(async {
        let fake = serve(|_, _| Reply::new(429, b"slow down")).await;
        let start = Instant::now();
        let err = client(config())
            .manifest(&reference(&fake.addr))
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                RegistryError::Http {
                    status: 429,
                    attempts: 3,
                    ..
                }
            ),
            "{err}"
        );
        assert!(
            err.to_string()
                .contains("HTTP 429 after 3 attempt(s): slow down"),
            "{err}"
        );
        assert_eq!(fake.hits(), 3);
        assert!(start.elapsed() < Duration::from_secs(2));
    })
    .await;
}

#[tokio::test]
async fn retry_after_beyond_the_budget_fails_at_once() {
    guarded(async {
        let fake = serve(|_, _| Reply::new(429, b"").with("Retry-After", "3600")).await;
        let start = Instant::now();
        let err = client(config())
            .manifest(&reference(&fake.addr))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("(Retry-After 3600 s)"), "{err}");
        assert_eq!(fake.hits(), 1);
        assert!(start.elapsed() < Duration::from_secs(1));
    })
    .await;
}

#[tokio::test]
async fn server_errors_are_retried_then_reported() {
    guarded(async {
        let fake = serve(|_, _| Reply::new(500, b"boom")).await;
        let err = client(config())
            .manifest(&reference(&fake.addr))
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                RegistryError::Http {
                    status: 500,
                    attempts: 3,
                    ..
                }
            ),
            "{err}"
        );
        assert_eq!(fake.hits(), 3);
    })
    .await;
}

#[tokio::test]
async fn connection_refused_is_not_retried() {
    guarded(async {
        let addr = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().to_string()
        };
        let start = Instant::now();
        let err = client(config())
            .manifest(&reference(&addr))
            .await
            .unwrap_err();
        assert!(matches!(err, RegistryError::Transport { .. }), "{err}");
        assert!(start.elapsed() < Duration::from_secs(1));
    })
    .await;
}

#[tokio::test]
async fn truncated_blob() {
    guarded(async {
        let fake = serve(|_, _| Reply {
            status: 200,
            headers: vec![],
            body: Body::Short {
                announce: 1000,
                send: vec![1; 10],
            },
        })
        .await;
        let d = blob_descriptor(&[1; 1000], 1000);
        let err = client(config())
            .blob(&reference(&fake.addr), &d)
            .await
            .unwrap_err();
        assert!(
            matches!(err, RegistryError::Truncated { expected: 1000, .. }),
            "{err}"
        );
        assert!(err.to_string().contains("truncated content"), "{err}");
    })
    .await;
}

#[tokio::test]
async fn blob_with_other_content_fails_the_digest_check() {
    guarded(async {
        let fake = serve(|_, _| Reply::new(200, b"evil")).await;
        let d = blob_descriptor(b"good", 4);
        let err = client(config())
            .blob(&reference(&fake.addr), &d)
            .await
            .unwrap_err();
        assert!(matches!(err, RegistryError::DigestMismatch { .. }), "{err}");
    })
    .await;
}

#[tokio::test]
async fn wrong_manifest_media_type() {
    guarded(async {
        let manifest = manifest_json();
        let fake = serve(move |_, _| Reply::json(200, "text/html", &manifest)).await;
        let err = client(config())
            .manifest(&reference(&fake.addr))
            .await
            .unwrap_err();
        assert!(matches!(err, RegistryError::MediaType { .. }), "{err}");
        assert!(
            err.to_string()
                .contains("unexpected media type \"text/html\""),
            "{err}"
        );
    })
    .await;
}

#[tokio::test]
async fn index_entry_that_is_not_a_manifest_media_type() {
    guarded(async {
        let fake = serve(|_, _| Reply::new(500, b"never asked")).await;
        let mut d = blob_descriptor(b"x", 1);
        d.media_type = "application/vnd.oci.image.layer.v1.tar+gzip".into();
        let err = client(config())
            .manifest_by(&reference(&fake.addr), &d)
            .await
            .unwrap_err();
        assert!(matches!(err, RegistryError::MediaType { .. }), "{err}");
        assert_eq!(fake.hits(), 0, "refused before any request");
    })
    .await;
}

#[tokio::test]
async fn index_pointing_at_itself() {
    guarded(async {
        // The index lists an index entry; the registry answers that digest with the index itself.
        let child = Digest::sha256_of(b"child");
        let make = |size: usize| {
            format!(r#"{{"schemaVersion":2,"mediaType":"{INDEX}","manifests":[{{"mediaType":"{INDEX}","digest":"{child}","size":{size}}}]}}"#)
        };
        let mut index = make(0);
        while make(index.len()).len() != index.len() {
            index = make(index.len());
        }
        let index = make(index.len());
        let fake = serve(move |_, _| Reply::json(200, INDEX, index.as_bytes())).await;
        let image = RegistryImage::new(client(config()), reference(&fake.addr));
        let err = discover(&image, &DiscoverOptions::default()).await.unwrap_err();
        assert!(matches!(err, RegistryError::IndexLoop { .. }), "{err}");
        let text = err.to_string();
        assert!(text.contains("image index loop") && text.contains("an index refers back to itself"), "{text}");
        assert!(text.contains(&format!("{child} was answered with the content of sha256:")), "{text}");
        assert!(fake.hits() <= 2, "{:?}", fake.log());
    })
    .await;
}

#[tokio::test]
async fn two_gigabyte_blob_in_the_descriptor_is_refused_before_asking() {
    guarded(async {
        let fake = serve(|_, _| Reply {
            status: 200,
            headers: vec![],
            body: Body::Flood {
                announce: 2_000_000_000,
            },
        })
        .await;
        let d = blob_descriptor(b"big", 2_000_000_000);
        let err = client(config())
            .blob(&reference(&fake.addr), &d)
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                RegistryError::TooLarge {
                    size: 2_000_000_000,
                    limit: 67_108_864,
                    ..
                }
            ),
            "{err}"
        );
        assert_eq!(fake.hits(), 0);
    })
    .await;
}

#[tokio::test]
async fn two_gigabyte_content_length_is_refused_before_reading() {
    guarded(async {
        let fake = serve(|_, _| Reply {
            status: 200,
            headers: vec![],
            body: Body::Flood {
                announce: 2_000_000_000,
            },
        })
        .await;
        // A descriptor that lies small-but-unknown: the registry announces 2 GB for a manifest.
        let start = Instant::now();
        let err = client(config())
            .manifest(&reference(&fake.addr))
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                RegistryError::TooLarge {
                    what: "manifest",
                    size: 2_000_000_000,
                    ..
                }
            ),
            "{err}"
        );
        assert!(start.elapsed() < Duration::from_secs(2));
    })
    .await;
}

#[tokio::test]
async fn endless_body_stops_at_the_cap() {
    guarded(async {
        let fake = serve(|_, _| Reply {
            status: 200,
            headers: vec![],
            body: Body::Endless,
        })
        .await;
        let limits = Limits {
            blob: 1 << 20,
            ..Limits::default()
        };
        let c = client(ClientConfig { limits, ..config() });
        let err = c.manifest(&reference(&fake.addr)).await.unwrap_err();
        assert!(
            matches!(
                err,
                RegistryError::TooLarge {
                    what: "manifest",
                    limit: 4_194_304,
                    ..
                }
            ),
            "{err}"
        );
        let d = blob_descriptor(b"x", 1 << 20);
        let err = c.blob(&reference(&fake.addr), &d).await.unwrap_err();
        assert!(
            matches!(
                err,
                RegistryError::SizeMismatch {
                    expected: 1_048_576,
                    ..
                }
            ),
            "{err}"
        );
    })
    .await;
}

#[tokio::test]
async fn oversized_attestation_layer_is_reported_not_fetched() {
    guarded(async {
        let image = manifest_json();
        let image_digest = Digest::sha256_of(&image);
        let big = Digest::sha256_of(b"big");
        let att = format!(
            r#"{{"schemaVersion":2,"mediaType":"{MANIFEST}","config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{}","size":2}},"layers":[{{"mediaType":"application/vnd.in-toto+json","digest":"{big}","size":2000000000,"annotations":{{"in-toto.io/predicate-type":"https://slsa.dev/provenance/v0.2"}}}}]}}"#,
            Digest::sha256_of(b"{}")
        );
        let att_digest = Digest::sha256_of(att.as_bytes());
        let index = format!(
            r#"{{"schemaVersion":2,"mediaType":"{INDEX}","manifests":[{{"mediaType":"{MANIFEST}","digest":"{image_digest}","size":{},"platform":{{"architecture":"amd64","os":"linux"}}}},{{"mediaType":"{MANIFEST}","digest":"{att_digest}","size":{},"annotations":{{"vnd.docker.reference.type":"attestation-manifest","vnd.docker.reference.digest":"{image_digest}"}},"platform":{{"architecture":"unknown","os":"unknown"}}}}]}}"#,
            image.len(),
            att.len()
        );
        let fake = serve(move |req, _| {
            if req.path.ends_with("/manifests/1") {
                Reply::json(200, INDEX, index.as_bytes())
            } else if req.path.ends_with(&format!("/manifests/{image_digest}")) {
                Reply::json(200, MANIFEST, &image)
            } else if req.path.ends_with(&format!("/manifests/{att_digest}")) {
                Reply::json(200, MANIFEST, att.as_bytes())
            } else if req.path.contains("/blobs/") {
                Reply { status: 200, headers: vec![], body: Body::Flood { announce: 2_000_000_000 } }
            } else {
                Reply::new(404, b"")
            }
        })
        .await;
        let img = RegistryImage::new(client(config()), reference(&fake.addr));
        let found = discover(&img, &DiscoverOptions::default()).await.unwrap();
        let att = &found.platforms[0].attestations[0];
        assert_eq!(att.predicate_type.as_deref(), Some("https://slsa.dev/provenance/v0.2"));
        assert!(att.error.as_deref().unwrap().contains("exceeds the limit"), "{att:?}");
        assert!(!fake.log().iter().any(|l| l.contains(&big.to_string())), "{:?}", fake.log());
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inspect_exits_2_with_the_error() {
    guarded(async {
        let fake = serve(|_, _| {
            Reply::json(
                404,
                "application/json",
                br#"{"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known"}]}"#,
            )
        })
        .await;
        let image = format!("{}/test/img:1", fake.addr);
        let out = tokio::task::spawn_blocking(move || {
            std::process::Command::new(env!("CARGO_BIN_EXE_stagetrail"))
                .args(["inspect", &image])
                .output()
                .unwrap()
        })
        .await
        .unwrap();
        assert_eq!(out.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("not found (HTTP 404): NAME_UNKNOWN: repository name not known"),
            "{stderr}"
        );
    })
    .await;
}

#[tokio::test]
async fn referrers_api_answers_are_used_and_checked() {
    guarded(async {
        let image = manifest_json();
        let image_digest = Digest::sha256_of(&image);
        let statement = format!(
            r#"{{"_type":"https://in-toto.io/Statement/v1","subject":[{{"name":"x","digest":{{"sha256":"{}"}}}}],"predicateType":"https://example.com/p","predicate":{{}}}}"#,
            image_digest.hex()
        );
        let layer = Digest::sha256_of(statement.as_bytes());
        let referrer = format!(
            r#"{{"schemaVersion":2,"mediaType":"{MANIFEST}","artifactType":"application/vnd.in-toto+json","config":{{"mediaType":"application/vnd.oci.empty.v1+json","digest":"{}","size":2}},"layers":[{{"mediaType":"application/vnd.in-toto+json","digest":"{layer}","size":{}}}],"subject":{{"mediaType":"{MANIFEST}","digest":"{image_digest}","size":{}}}}}"#,
            Digest::sha256_of(b"{}"),
            statement.len(),
            image.len()
        );
        let referrer_digest = Digest::sha256_of(referrer.as_bytes());
        let list = format!(
            r#"{{"schemaVersion":2,"mediaType":"{INDEX}","manifests":[{{"mediaType":"{MANIFEST}","digest":"{referrer_digest}","size":{},"artifactType":"application/vnd.in-toto+json"}}]}}"#,
            referrer.len()
        );
        let content_type = std::sync::Arc::new(std::sync::Mutex::new(INDEX.to_string()));
        let ct = content_type.clone();
        let referrer_path = format!("/manifests/{referrer_digest}");
        let fake = serve(move |req, _| {
            let p = req.path.as_str();
            if p.ends_with("/manifests/1") {
                Reply::json(200, MANIFEST, &image)
            } else if p.contains("/referrers/") {
                Reply::json(200, &ct.lock().unwrap(), list.as_bytes())
            } else if p.ends_with(&referrer_path) {
                Reply::json(200, MANIFEST, referrer.as_bytes())
            } else if p.ends_with(&format!("/blobs/{layer}")) {
                Reply::new(200, statement.as_bytes())
            } else {
                Reply::new(404, b"")
            }
        })
        .await;
        let img = RegistryImage::new(client(config()), reference(&fake.addr));
        let found = discover(&img, &DiscoverOptions::default()).await.unwrap();
        let atts = &found.platforms[0].attestations;
        assert_eq!(atts.len(), 1, "{atts:?}");
        assert_eq!(atts[0].predicate_type.as_deref(), Some("https://example.com/p"));
        assert_eq!(atts[0].manifest, referrer_digest);
        assert_eq!(atts[0].attached_to, image_digest);
        assert!(!fake.log().iter().any(|l| l.ends_with(&format!("/manifests/{}", image_digest.tag_form()))), "no tag fallback");

        *content_type.lock().unwrap() = "text/plain".into();
        let err = discover(&img, &DiscoverOptions::default()).await.unwrap_err();
        assert!(err.to_string().contains("unexpected media type \"text/plain\""), "{err}");
    })
    .await;
}
