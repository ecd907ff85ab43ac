//! OCI layout folders and tar files: image selection, referrers stored in `index.json`, and
//! verification of what is read.

use std::path::{Path, PathBuf};

use serde_json::json;
use stagetrail_oci::attestations::{discover, AttestationKind, DiscoverOptions};
use stagetrail_oci::{Digest, ImageSource, Limits, OciLayout, OciTar};

fn temp(name: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let dir = std::env::temp_dir().join(format!(
        "stagetrail-layout-{name}-{}-{nanos}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Writes a blob and returns its descriptor JSON.
fn blob(root: &Path, media_type: &str, bytes: &[u8]) -> serde_json::Value {
    let d = Digest::sha256_of(bytes);
    let dir = root.join("blobs/sha256");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(d.hex()), bytes).unwrap();
    json!({"mediaType": media_type, "digest": d.to_string(), "size": bytes.len()})
}

/// A layout with one arm64 image (tag `v1`) and an in-toto referrer naming stage `deps`.
/// Returns (layout dir, image manifest digest, statement layer digest).
fn layout(name: &str) -> (PathBuf, String, String) {
    let root = temp(name);
    std::fs::write(root.join("oci-layout"), r#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
    let config = blob(
        &root,
        "application/vnd.oci.image.config.v1+json",
        br#"{"architecture":"arm64","os":"linux"}"#,
    );
    let image = serde_json::to_vec(&json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json", "config": config, "layers": []})).unwrap();
    let mut image_desc = blob(&root, "application/vnd.oci.image.manifest.v1+json", &image);
    let statement = json!({"_type": "https://in-toto.io/Statement/v1", "subject": [{"name": "img", "digest": {"sha256": image_desc["digest"].as_str().unwrap().trim_start_matches("sha256:")}}],
        "predicateType": "https://cyclonedx.org/bom", "predicate": {"bomFormat": "CycloneDX", "metadata": {"component": {"properties": [{"name": "stagetrail:stage", "value": "deps"}]}}}});
    let layer = blob(
        &root,
        "application/vnd.in-toto+json",
        &serde_json::to_vec(&statement).unwrap(),
    );
    let empty = blob(&root, "application/vnd.oci.empty.v1+json", b"{}");
    let referrer = serde_json::to_vec(&json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "artifactType": "application/vnd.in-toto+json", "config": empty, "layers": [layer], "subject": image_desc})).unwrap();
    let referrer_desc = blob(
        &root,
        "application/vnd.oci.image.manifest.v1+json",
        &referrer,
    );
    image_desc["annotations"] = json!({"org.opencontainers.image.ref.name": "v1"});
    let index = json!({"schemaVersion": 2, "manifests": [image_desc, referrer_desc]});
    std::fs::write(root.join("index.json"), serde_json::to_vec(&index).unwrap()).unwrap();
    (
        root,
        image_desc["digest"].as_str().unwrap().to_string(),
        layer["digest"].as_str().unwrap().to_string(),
    )
}

async fn check_source<S: ImageSource>(source: &S, image: &str, layer: &str) {
    let found = discover(source, &DiscoverOptions::default()).await.unwrap();
    assert_eq!(found.digest.to_string(), image);
    assert_eq!(found.platforms.len(), 1);
    let p = &found.platforms[0];
    assert_eq!(p.platform_name(), "linux/arm64");
    assert_eq!(p.attestations.len(), 1);
    let a = &p.attestations[0];
    assert_eq!(a.kind, AttestationKind::Referrer);
    assert_eq!(
        a.predicate_type.as_deref(),
        Some("https://cyclonedx.org/bom")
    );
    assert_eq!(a.stage.as_deref(), Some("deps"));
    assert_eq!(a.digest.to_string(), layer);
    assert_eq!(a.error, None);
    let content = a.load(source).await.unwrap();
    assert!(content.statement.unwrap().names_digest(image));
}

#[tokio::test]
async fn layout_folder_selection_and_referrers() {
    let (root, image, layer) = layout("dir");
    let source = OciLayout::open_dir(&root, Some("v1"), Limits::default()).unwrap();
    check_source(&source, &image, &layer).await;
    let by_digest = OciLayout::open_dir(&root, Some(&image), Limits::default()).unwrap();
    assert_eq!(
        by_digest
            .root()
            .await
            .unwrap()
            .descriptor
            .digest
            .to_string(),
        image
    );

    let unnamed = OciLayout::open_dir(&root, None, Limits::default()).unwrap();
    let err = unnamed.root().await.unwrap_err().to_string();
    assert!(
        err.contains("index.json: the layout holds 2 images; name one; it has: v1, sha256:"),
        "{err}"
    );
    let missing = OciLayout::open_dir(&root, Some("v2"), Limits::default()).unwrap();
    assert!(missing
        .root()
        .await
        .unwrap_err()
        .to_string()
        .contains("no image named \"v2\""));
    let _ = std::fs::remove_dir_all(&root);
}

#[tokio::test]
async fn layout_tar_file() {
    let (root, image, layer) = layout("tar");
    let tar = root.with_extension("tar");
    let status = std::process::Command::new("tar")
        .args(["-cf"])
        .arg(&tar)
        .args(["-C"])
        .arg(&root)
        .arg(".")
        .status()
        .unwrap();
    assert!(status.success());
    let source = OciTar::open_tar(&tar, Some("v1"), Limits::default()).unwrap();
    check_source(&source, &image, &layer).await;
    let _ = std::fs::remove_file(&tar);
    let _ = std::fs::remove_dir_all(&root);
}

#[tokio::test]
async fn tampered_and_oversized_blobs_are_reported() {
    let (root, _, layer) = layout("tampered");
    let path = root
        .join("blobs/sha256")
        .join(layer.trim_start_matches("sha256:"));
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[10] ^= 1;
    std::fs::write(&path, &bytes).unwrap();
    let source = OciLayout::open_dir(&root, Some("v1"), Limits::default()).unwrap();
    let found = discover(&source, &DiscoverOptions::default())
        .await
        .unwrap();
    let err = found.platforms[0].attestations[0].error.clone().unwrap();
    assert!(
        err.contains("digest mismatch: expected ") && err.contains(&layer),
        "{err}"
    );
    assert_eq!(found.error_count(), 1);

    let small = OciLayout::open_dir(
        &root,
        Some("v1"),
        Limits {
            blob: 16,
            ..Limits::default()
        },
    )
    .unwrap();
    let found = discover(&small, &DiscoverOptions::default()).await.unwrap();
    let err = found.platforms[0].attestations[0].error.clone().unwrap();
    assert!(err.contains("exceeds the limit of 16 bytes"), "{err}");
    let _ = std::fs::remove_dir_all(&root);
}

#[tokio::test]
async fn not_a_layout() {
    let root = temp("empty");
    let err = OciLayout::open_dir(&root, None, Limits::default())
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.ends_with("oci-layout: missing: not an OCI image layout"),
        "{err}"
    );
    let file = root.join("x.tar");
    std::fs::write(&file, vec![7u8; 2048]).unwrap();
    let err = OciTar::open_tar(&file, None, Limits::default())
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("not a tar file"), "{err}");
    let _ = std::fs::remove_dir_all(&root);
}
