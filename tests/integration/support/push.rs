//! Writing to the stack's registry with curl (independently of our client): blobs, manifests, and
//! BuildKit-style SBOM statements added to an image's attestation manifest.

use std::path::Path;
use std::process::Command;

use base64::Engine as _;
use serde_json::{json, Value};
use sha2::{Digest as _, Sha256};

use crate::support::stack::Stack;

/// `sha256:<hex>` of `bytes`.
pub fn sha256(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

fn curl(args: &[&str], body: Option<&[u8]>) -> Vec<u8> {
    let tmp = tempfile::NamedTempFile::new().unwrap();
    let mut all: Vec<String> = vec!["-fsS".into()];
    if let Some(b) = body {
        std::fs::write(tmp.path(), b).unwrap();
        all.push("--data-binary".into());
        all.push(format!("@{}", tmp.path().display()));
    }
    all.extend(args.iter().map(|a| a.to_string()));
    let out = Command::new("curl").args(&all).output().unwrap();
    assert!(
        out.status.success(),
        "curl {all:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// A blob's bytes.
pub fn get_blob(s: &Stack, repo: &str, digest: &str) -> Vec<u8> {
    curl(
        &[
            "-L",
            &format!("http://{}/v2/{repo}/blobs/{digest}", s.registry),
        ],
        None,
    )
}

/// Uploads a blob (monolithic) and returns its digest.
pub fn push_blob(s: &Stack, repo: &str, bytes: &[u8]) -> String {
    let digest = sha256(bytes);
    let headers = String::from_utf8(curl(
        &[
            "-X",
            "POST",
            "-D",
            "-",
            "-o",
            "/dev/null",
            &format!("http://{}/v2/{repo}/blobs/uploads/", s.registry),
        ],
        None,
    ))
    .unwrap();
    let location = headers
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("location")
                .then(|| v.trim().to_string())
        })
        .expect("upload Location");
    let url = if location.starts_with('/') {
        format!("http://{}{location}", s.registry)
    } else {
        location
    };
    let sep = if url.contains('?') { '&' } else { '?' };
    curl(
        &[
            "-X",
            "PUT",
            "-H",
            "Content-Type: application/octet-stream",
            &format!("{url}{sep}digest={digest}"),
        ],
        Some(bytes),
    );
    digest
}

/// Puts a manifest at `reference` (tag or digest) and returns its digest.
pub fn put_manifest(s: &Stack, repo: &str, reference: &str, value: &Value) -> String {
    let bytes = serde_json::to_vec(value).unwrap();
    let media_type = value["mediaType"].as_str().unwrap();
    curl(
        &[
            "-X",
            "PUT",
            "-H",
            &format!("Content-Type: {media_type}"),
            &format!("http://{}/v2/{repo}/manifests/{reference}", s.registry),
        ],
        Some(&bytes),
    );
    sha256(&bytes)
}

/// Adds in-toto statements (`(predicate type, predicate)`) about the platform manifest to the
/// BuildKit attestation manifest of the single-platform image `repo:tag`, as BuildKit lays out SBOM
/// attestations, and re-points the tag at the new index. Returns the platform manifest digest.
pub fn add_statements(s: &Stack, repo: &str, tag: &str, statements: &[(&str, Value)]) -> String {
    let mut index = s.raw_manifest(repo, tag);
    let entries = index["manifests"].as_array().unwrap().clone();
    let platform = entries
        .iter()
        .find(|e| e["annotations"]["vnd.docker.reference.type"].is_null())
        .unwrap()["digest"]
        .as_str()
        .unwrap()
        .to_string();
    let pos = entries
        .iter()
        .position(|e| e["annotations"]["vnd.docker.reference.type"] == "attestation-manifest")
        .unwrap();
    let mut att = s.raw_manifest(repo, entries[pos]["digest"].as_str().unwrap());
    for (predicate_type, predicate) in statements {
        let statement = json!({
            "_type": "https://in-toto.io/Statement/v0.1",
            "predicateType": predicate_type,
            "subject": [{"name": "image", "digest": {"sha256": platform.trim_start_matches("sha256:")}}],
            "predicate": predicate,
        });
        let bytes = serde_json::to_vec(&statement).unwrap();
        let digest = push_blob(s, repo, &bytes);
        att["layers"].as_array_mut().unwrap().push(json!({
            "mediaType": "application/vnd.in-toto+json",
            "digest": digest,
            "size": bytes.len(),
            "annotations": {"in-toto.io/predicate-type": predicate_type},
        }));
    }
    let att_bytes = serde_json::to_vec(&att).unwrap();
    let att_digest = put_manifest(s, repo, &sha256(&att_bytes), &att);
    index["manifests"][pos]["digest"] = json!(att_digest);
    index["manifests"][pos]["size"] = json!(att_bytes.len());
    put_manifest(s, repo, tag, &index);
    platform
}

/// An SPDX 2.3 document naming `stage` (as our per-stage SBOMs do) with packages of these purls.
pub fn spdx(stage: &str, purls: &[&str]) -> Value {
    let packages: Vec<Value> = purls
        .iter()
        .enumerate()
        .map(|(i, p)| {
            json!({"name": format!("p{i}"), "SPDXID": format!("SPDXRef-p{i}"), "downloadLocation": "NOASSERTION",
                   "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": p}]})
        })
        .collect();
    json!({"spdxVersion": "SPDX-2.3", "dataLicense": "CC0-1.0", "SPDXID": "SPDXRef-DOCUMENT",
           "name": format!("app stagetrail:stage={stage}"), "documentNamespace": format!("https://example.com/{stage}"),
           "creationInfo": {"created": "2026-01-01T00:00:00Z", "creators": ["Tool: test"]}, "packages": packages})
}

/// A CycloneDX 1.6 BOM naming no stage (like BuildKit's scan of the final image).
pub fn cyclonedx(purls: &[&str]) -> Value {
    let components: Vec<Value> = purls
        .iter()
        .map(|p| json!({"type": "library", "name": p, "purl": p}))
        .collect();
    json!({"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1, "components": components})
}

/// Replaces the payload of the first DSSE layer of `repo:tag` (a cosign `.att` manifest) with
/// `edit(statement)`, keeping the old signature, and re-points the tag.
pub fn tamper_att(s: &Stack, repo: &str, tag: &str, edit: impl Fn(&mut Value)) {
    let mut manifest = s.raw_manifest(repo, tag);
    let layer = manifest["layers"][0]["digest"]
        .as_str()
        .unwrap()
        .to_string();
    let mut envelope: Value = serde_json::from_slice(&get_blob(s, repo, &layer)).unwrap();
    let b64 = base64::engine::general_purpose::STANDARD;
    let mut statement: Value =
        serde_json::from_slice(&b64.decode(envelope["payload"].as_str().unwrap()).unwrap())
            .unwrap();
    edit(&mut statement);
    envelope["payload"] = json!(b64.encode(serde_json::to_vec(&statement).unwrap()));
    let bytes = serde_json::to_vec(&envelope).unwrap();
    let digest = push_blob(s, repo, &bytes);
    manifest["layers"][0]["digest"] = json!(digest);
    manifest["layers"][0]["size"] = json!(bytes.len());
    put_manifest(s, repo, tag, &manifest);
}

/// Writes a file in `dir`.
pub fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}
