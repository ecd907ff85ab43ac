//! Reads an OCI image layout folder (as written by `--output type=oci,tar=false`): index → manifests →
//! config and layers, one image per platform.

use crate::support::tree::{apply_layer, Tree};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

/// One platform's image: its config JSON, merged root filesystem, layer boundaries and the
/// media types and annotations of its descriptors.
pub struct Image {
    /// The image config blob, parsed.
    pub config: Value,
    /// All layers applied in order.
    pub tree: Tree,
    /// Each layer's own paths (sorted), bottom layer first.
    pub layers: Vec<Vec<String>>,
    /// Media types and annotations of the index(es), manifest, config and layers (no digests,
    /// no sizes: those follow from the bytes compared elsewhere).
    pub descriptors: Value,
    /// Where the index lists this image among the layout's images (0 first; attestation
    /// manifests are not counted).
    pub position: usize,
}

/// Every image of the layout, keyed by platform (`linux/amd64`, `linux/arm/v7`).
pub fn read_layout(dir: &Path) -> Result<BTreeMap<String, Image>, String> {
    let index = read_json(&dir.join("index.json"))?;
    let mut images = BTreeMap::new();
    walk(dir, &index, &[], &mut images)?;
    if images.is_empty() {
        return Err(format!(
            "{}: no image manifest in the layout",
            dir.display()
        ));
    }
    Ok(images)
}

/// `indexes` holds the media type and annotations of every index above `index`.
fn walk(
    dir: &Path,
    index: &Value,
    indexes: &[Value],
    out: &mut BTreeMap<String, Image>,
) -> Result<(), String> {
    let manifests = index["manifests"]
        .as_array()
        .ok_or("index without manifests")?;
    let mut indexes = indexes.to_vec();
    indexes.push(json!({"mediaType": index["mediaType"], "annotations": index["annotations"]}));
    for desc in manifests {
        if desc["annotations"]["vnd.docker.reference.type"].as_str() == Some("attestation-manifest")
        {
            continue;
        }
        let digest = desc["digest"].as_str().ok_or("descriptor without digest")?;
        let blob = read_json(&blob_path(dir, digest)?)?;
        let media = desc["mediaType"]
            .as_str()
            .or(blob["mediaType"].as_str())
            .unwrap_or("");
        if media.contains("index") || media.contains("manifest.list") {
            walk(dir, &blob, &indexes, out)?;
            continue;
        }
        let mut image = read_image(dir, &blob).map_err(|e| format!("manifest {digest}: {e}"))?;
        image.descriptors = json!({
            "indexes": indexes,
            "descriptor": {"mediaType": desc["mediaType"], "annotations": desc["annotations"]},
            "manifest": {"mediaType": blob["mediaType"], "annotations": blob["annotations"]},
            "config": {"mediaType": blob["config"]["mediaType"]},
            "layers": blob["layers"].as_array().map(|layers| layers.iter()
                .map(|l| json!({"mediaType": l["mediaType"], "annotations": l["annotations"]}))
                .collect::<Vec<_>>()),
        });
        image.position = out.len();
        let platform = platform_of(&desc["platform"])
            .unwrap_or_else(|| platform_of(&image.config).unwrap_or_default());
        if out.insert(platform.clone(), image).is_some() {
            return Err(format!("two manifests for platform {platform}"));
        }
    }
    Ok(())
}

fn read_image(dir: &Path, manifest: &Value) -> Result<Image, String> {
    let config_digest = manifest["config"]["digest"]
        .as_str()
        .ok_or("manifest without config")?;
    let config = read_json(&blob_path(dir, config_digest)?)?;
    let mut tree = Tree::new();
    let mut layers = Vec::new();
    for layer in manifest["layers"]
        .as_array()
        .ok_or("manifest without layers")?
    {
        let digest = layer["digest"].as_str().ok_or("layer without digest")?;
        let path = blob_path(dir, digest)?;
        let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let result = match bytes.get(..4) {
            Some([0x1f, 0x8b, _, _]) => {
                apply_layer(&mut tree, flate2::read::GzDecoder::new(bytes.as_slice()))
            }
            Some([0x28, 0xb5, 0x2f, 0xfd]) => {
                Err("zstd layers are not supported by this reader".into())
            }
            _ => apply_layer(&mut tree, bytes.as_slice()),
        };
        layers.push(result.map_err(|e| format!("layer {digest}: {e}"))?);
    }
    Ok(Image {
        config,
        tree,
        layers,
        descriptors: Value::Null,
        position: 0,
    })
}

/// `os/architecture[/variant]` from a descriptor's `platform` or an image config.
fn platform_of(v: &Value) -> Option<String> {
    let os = v["os"].as_str()?;
    let arch = v["architecture"].as_str()?;
    Some(match v["variant"].as_str() {
        Some(variant) if !variant.is_empty() => format!("{os}/{arch}/{variant}"),
        _ => format!("{os}/{arch}"),
    })
}

fn blob_path(dir: &Path, digest: &str) -> Result<std::path::PathBuf, String> {
    let (algo, hex) = digest
        .split_once(':')
        .ok_or_else(|| format!("bad digest {digest}"))?;
    Ok(dir.join("blobs").join(algo).join(hex))
}

fn read_json(path: &Path) -> Result<Value, String> {
    let mut text = String::new();
    std::fs::File::open(path)
        .and_then(|mut f| f.read_to_string(&mut text))
        .map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}
