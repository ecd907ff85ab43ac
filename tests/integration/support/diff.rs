//! Readable differences between two builds: filesystem paths (content, owner, mode, xattrs,
//! hard links, and mtimes where a case pins them), layer boundaries, image-config JSON, and the
//! media types and annotations of the index, manifest and layers.

use crate::support::oci::Image;
use crate::support::tree::{Entry, Tree};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// At most this many lines per difference section.
const MAX_LINES: usize = 60;

/// The config with what legitimately differs between two builds taken out: `created` and
/// `history[].created` (unless `times`: a case that pins `SOURCE_DATE_EPOCH`), and the layer
/// digests (`rootfs.diff_ids` becomes a layer count, since layer bytes carry mtimes; the trees and
/// layer boundaries are compared separately).
pub fn normalize_config(config: &Value, times: bool) -> Value {
    let mut v = config.clone();
    if let Some(obj) = v.as_object_mut() {
        if !times {
            obj.remove("created");
        }
        if let Some(history) = obj
            .get_mut("history")
            .and_then(Value::as_array_mut)
            .filter(|_| !times)
        {
            for h in history {
                if let Some(h) = h.as_object_mut() {
                    h.remove("created");
                }
            }
        }
        if let Some(ids) = obj.get_mut("rootfs").and_then(|r| r.get_mut("diff_ids")) {
            let count = ids.as_array().map_or(0, Vec::len);
            *ids = Value::String(format!("<{count} layers>"));
        }
    }
    v
}

/// The descriptors without the `org.opencontainers.image.created` annotations (the export time)
/// unless `times`.
pub fn normalize_descriptors(descriptors: &Value, times: bool) -> Value {
    let mut v = descriptors.clone();
    if !times {
        drop_key(&mut v, "org.opencontainers.image.created");
    }
    v
}

/// The platforms in the order the index lists them.
fn index_order(images: &BTreeMap<String, Image>) -> Vec<&str> {
    let mut order: Vec<(usize, &str)> = images
        .iter()
        .map(|(platform, image)| (image.position, platform.as_str()))
        .collect();
    order.sort();
    order.into_iter().map(|(_, platform)| platform).collect()
}

fn drop_key(v: &mut Value, key: &str) {
    match v {
        Value::Object(map) => {
            map.remove(key);
            map.values_mut().for_each(|c| drop_key(c, key));
        }
        Value::Array(items) => items.iter_mut().for_each(|c| drop_key(c, key)),
        _ => {}
    }
}

/// Every difference between the builtin and our images, platform by platform; empty when equal.
/// `times`: timestamps (config `created`, history, file mtimes) must be equal too.
pub fn compare(
    builtin: &BTreeMap<String, Image>,
    ours: &BTreeMap<String, Image>,
    times: bool,
) -> Vec<String> {
    let mut out = Vec::new();
    let (b, o) = (index_order(builtin), index_order(ours));
    if b != o {
        out.push(format!(
            "the index lists other platforms or another order: builtin {b:?}, ours {o:?}"
        ));
    }
    let platforms: BTreeSet<&String> = builtin.keys().chain(ours.keys()).collect();
    for platform in platforms {
        match (builtin.get(platform), ours.get(platform)) {
            (Some(b), Some(o)) => {
                let tree = tree_diff(&b.tree, &o.tree, times);
                if !tree.is_empty() {
                    out.push(format!(
                        "{platform}: root filesystem differs (- builtin, + ours):"
                    ));
                    out.extend(tree);
                }
                let layers = layers_diff(&b.layers, &o.layers);
                if !layers.is_empty() {
                    out.push(format!(
                        "{platform}: layer boundaries differ (- builtin, + ours):"
                    ));
                    out.extend(layers);
                }
                let descriptors = json_diff(
                    &normalize_descriptors(&b.descriptors, times),
                    &normalize_descriptors(&o.descriptors, times),
                );
                if !descriptors.is_empty() {
                    out.push(format!(
                        "{platform}: media types or annotations differ (- builtin, + ours):"
                    ));
                    out.extend(descriptors);
                }
                let config = json_diff(
                    &normalize_config(&b.config, times),
                    &normalize_config(&o.config, times),
                );
                if !config.is_empty() {
                    out.push(format!(
                        "{platform}: image config differs (- builtin, + ours):"
                    ));
                    out.extend(config);
                }
            }
            (Some(_), None) => out.push(format!(
                "{platform}: only the builtin frontend produced this platform"
            )),
            (None, Some(_)) => out.push(format!(
                "{platform}: only our frontend produced this platform"
            )),
            (None, None) => {}
        }
    }
    out
}

/// `- path: entry` / `+ path: entry` lines for paths that are missing or different; mtimes
/// count only with `times`.
pub fn tree_diff(builtin: &Tree, ours: &Tree, times: bool) -> Vec<String> {
    let paths: BTreeSet<&String> = builtin.keys().chain(ours.keys()).collect();
    let mut lines = Vec::new();
    let seen = |e: Option<&Entry>| e.map(|e| if times { e.clone() } else { e.timeless() });
    for path in paths {
        let (b, o) = (seen(builtin.get(path)), seen(ours.get(path)));
        if b == o {
            continue;
        }
        if let Some(b) = b {
            lines.push(format!("  - /{path}: {b}"));
        }
        if let Some(o) = o {
            lines.push(format!("  + /{path}: {o}"));
        }
    }
    cap(lines)
}

/// `layer N: - path` / `layer N: + path` for each layer whose own paths differ (a different
/// layer count shows as layers only one side has).
pub fn layers_diff(builtin: &[Vec<String>], ours: &[Vec<String>]) -> Vec<String> {
    let mut lines = Vec::new();
    if builtin.len() != ours.len() {
        lines.push(format!(
            "  {} layers in the builtin image, {} in ours",
            builtin.len(),
            ours.len()
        ));
    }
    let empty = Vec::new();
    for n in 0..builtin.len().max(ours.len()) {
        let b: BTreeSet<&String> = builtin.get(n).unwrap_or(&empty).iter().collect();
        let o: BTreeSet<&String> = ours.get(n).unwrap_or(&empty).iter().collect();
        lines.extend(b.difference(&o).map(|p| format!("  layer {n}: - /{p}")));
        lines.extend(o.difference(&b).map(|p| format!("  layer {n}: + /{p}")));
    }
    cap(lines)
}

/// `- key = value` / `+ key = value` lines over the flattened JSON documents.
pub fn json_diff(builtin: &Value, ours: &Value) -> Vec<String> {
    let (mut b, mut o) = (BTreeMap::new(), BTreeMap::new());
    flatten("", builtin, &mut b);
    flatten("", ours, &mut o);
    let keys: BTreeSet<&String> = b.keys().chain(o.keys()).collect();
    let mut lines = Vec::new();
    for key in keys {
        let (bv, ov) = (b.get(key), o.get(key));
        if bv == ov {
            continue;
        }
        if let Some(v) = bv {
            lines.push(format!("  - {key} = {v}"));
        }
        if let Some(v) = ov {
            lines.push(format!("  + {key} = {v}"));
        }
    }
    cap(lines)
}

/// `a.b[0].c = "x"` for every leaf; empty objects and arrays are leaves too.
fn flatten(prefix: &str, v: &Value, out: &mut BTreeMap<String, String>) {
    match v {
        Value::Object(map) if !map.is_empty() => {
            for (k, child) in map {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, child, out);
            }
        }
        Value::Array(items) if !items.is_empty() => {
            for (i, child) in items.iter().enumerate() {
                flatten(&format!("{prefix}[{i}]"), child, out);
            }
        }
        leaf => {
            out.insert(prefix.to_string(), leaf.to_string());
        }
    }
}

fn cap(mut lines: Vec<String>) -> Vec<String> {
    if lines.len() > MAX_LINES {
        let more = lines.len() - MAX_LINES;
        lines.truncate(MAX_LINES);
        lines.push(format!("  … and {more} more lines"));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn config_diff_ignores_timestamps_and_names_changed_keys() {
        let b = json!({"created": "1", "config": {"Env": ["A=1"]}, "history": [{"created": "x", "created_by": "RUN a"}],
                       "rootfs": {"type": "layers", "diff_ids": ["sha256:1"]}});
        let o = json!({"created": "2", "config": {"Env": ["A=2"]}, "history": [{"created": "y", "created_by": "RUN a"}],
                       "rootfs": {"type": "layers", "diff_ids": ["sha256:2"]}});
        let lines = json_diff(&normalize_config(&b, false), &normalize_config(&o, false));
        assert_eq!(
            lines,
            ["  - config.Env[0] = \"A=1\"", "  + config.Env[0] = \"A=2\""]
        );
        let pinned = json_diff(&normalize_config(&b, true), &normalize_config(&o, true));
        assert!(
            pinned.contains(&"  - history[0].created = \"x\"".to_string()),
            "{pinned:?}"
        );
    }

    #[test]
    fn layer_boundaries_name_the_layer_and_paths() {
        let b = vec![
            vec!["a".to_string()],
            vec!["b".to_string(), "c".to_string()],
        ];
        let o = vec![
            vec!["a".to_string(), "b".to_string()],
            vec!["c".to_string()],
        ];
        assert_eq!(layers_diff(&b, &o), ["  layer 0: + /b", "  layer 1: - /b"]);
        assert_eq!(
            layers_diff(&b, &b[..1]).first().unwrap(),
            "  2 layers in the builtin image, 1 in ours"
        );
    }
}
