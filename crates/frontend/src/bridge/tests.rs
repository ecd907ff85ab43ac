//! [`Bridge`] against a fake buildkitd: each RPC, ref forms by caps, and Return once.

use std::collections::BTreeMap;

use super::fake_bridge::Fake;
use super::{BuildResult, Refs};
use crate::proto::gateway::result::Result as R;
use stagetrail_llb::pb;

fn result(refs: Refs) -> BuildResult {
    BuildResult {
        refs,
        metadata: BTreeMap::from([("k".to_string(), b"v".to_vec())]),
        attestations: BTreeMap::new(),
    }
}

#[tokio::test]
async fn rpcs_round_trip() {
    let fake = Fake::full(&[("a.txt", "hello")]);
    let bridge = fake.start().await;
    assert!(bridge.has_cap("solve.base"));
    assert!(!bridge.has_cap("frontend.inputs"));
    assert!(bridge.has_llb_cap("source.local"));
    assert_eq!(bridge.buildkit_version(), Some("v0.13.2"));

    let id = bridge.solve(pb::Definition::default()).await.unwrap();
    assert_eq!(id, "ref1");
    let data = bridge.read_file(&id, "a.txt", Some((0, 3))).await.unwrap();
    assert_eq!(data, b"hello");
    let missing = bridge.read_file(&id, "b.txt", None).await.unwrap_err();
    assert!(missing.to_string().contains("ReadFile failed"), "{missing}");
    let dir = bridge.read_dir(&id, "/", None).await.unwrap();
    assert_eq!(dir[0].path, "a.txt");
    assert_eq!(bridge.stat_file(&id, "a.txt").await.unwrap().size, 5);
    let (digest, config) = bridge
        .resolve_image_config("docker.io/library/alpine:3.19", None, "default")
        .await
        .unwrap();
    assert_eq!(digest, "sha256:0123");
    assert!(config.starts_with(b"{"));
    let e = bridge.inputs().await.unwrap_err();
    assert!(e.to_string().contains("frontend.inputs"), "{e}");
}

#[tokio::test]
async fn return_happens_once() {
    let fake = Fake::full(&[]);
    let bridge = fake.start().await;
    bridge
        .return_result(result(Refs::Single("r".into())))
        .await
        .unwrap();
    let again = bridge
        .return_error(2, "late", Vec::new())
        .await
        .unwrap_err();
    assert!(again.to_string().contains("already returned"), "{again}");
    let log = fake.log.lock().unwrap();
    assert_eq!(log.returns.len(), 1);
    let res = log.returns[0].result.as_ref().unwrap();
    assert!(matches!(&res.result, Some(R::Ref(r)) if r.id == "r"));
    assert_eq!(res.metadata["k"], b"v");
}

#[tokio::test]
async fn deprecated_ref_forms_without_refarray() {
    let mut fake = Fake::full(&[]);
    fake.caps.retain(|c| *c != "proto.refarray");
    let bridge = fake.start().await;
    let refs = BTreeMap::from([("linux/amd64".to_string(), "r1".to_string())]);
    bridge
        .return_result(result(Refs::PerPlatform(refs)))
        .await
        .unwrap();
    let log = fake.log.lock().unwrap();
    let res = log.returns[0].result.as_ref().unwrap();
    assert!(matches!(&res.result, Some(R::RefsDeprecated(m)) if m.refs["linux/amd64"] == "r1"));
}

#[tokio::test]
async fn multi_platform_needs_returnmap() {
    let mut fake = Fake::full(&[]);
    fake.caps.retain(|c| *c != "returnmap");
    let bridge = fake.start().await;
    let e = bridge
        .return_result(result(Refs::PerPlatform(BTreeMap::new())))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("returnmap"), "{e}");
    let log = fake.log.lock().unwrap();
    assert_eq!(log.returns.len(), 1, "the cap error itself is returned");
    assert!(log.returns[0]
        .error
        .as_ref()
        .unwrap()
        .message
        .contains("returnmap"));
}

#[tokio::test]
async fn empty_caps_mean_the_pre_caps_defaults() {
    let fake = Fake {
        caps: vec![],
        ..Fake::default()
    };
    let bridge = fake.start().await;
    assert!(bridge.has_cap("solve.base"));
    assert!(bridge.has_cap("readfile"));
    assert!(!bridge.has_cap("return"));
    let e = bridge.require_caps(&["return"]).unwrap_err();
    assert!(e.to_string().contains("version unknown"), "{e}");
}

#[tokio::test]
async fn warn_sends_the_warning() {
    let fake = Fake::full(&[]);
    let bridge = fake.start().await;
    let w = super::Warning {
        level: 1,
        short: "careful".into(),
        ..Default::default()
    };
    bridge.warn("sha256:ab", w).await.unwrap();
    let log = fake.log.lock().unwrap();
    assert_eq!(log.warns[0].short, b"careful");
    assert_eq!(log.warns[0].digest, "sha256:ab");
}
