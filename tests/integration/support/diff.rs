//! Readable differences between two builds: filesystem paths and image-config JSON.

use crate::support::oci::Image;
use crate::support::tree::Tree;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// At most this many lines per difference section.
const MAX_LINES: usize = 60;

/// The config with what legitimately differs between two builds taken out: `created`,
/// `history[].created`, and the layer digests (`rootfs.diff_ids` becomes a layer count, since layer
/// bytes carry mtimes; the trees are compared separately).
pub fn normalize_config(config: &Value) -> Value {
    let mut v = config.clone();
    if let Some(obj) = v.as_object_mut() {
        obj.remove("created");
        if let Some(history) = obj.get_mut("history").and_then(Value::as_array_mut) {
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

/// Every difference between the builtin and our images, platform by platform; empty when equal.
pub fn compare(builtin: &BTreeMap<String, Image>, ours: &BTreeMap<String, Image>) -> Vec<String> {
    let mut out = Vec::new();
    let platforms: BTreeSet<&String> = builtin.keys().chain(ours.keys()).collect();
    for platform in platforms {
        match (builtin.get(platform), ours.get(platform)) {
            (Some(b), Some(o)) => {
                let tree = tree_diff(&b.tree, &o.tree);
                if !tree.is_empty() {
                    out.push(format!(
                        "{platform}: root filesystem differs (- builtin, + ours):"
                    ));
                    out.extend(tree);
                }
                let config = json_diff(&normalize_config(&b.config), &normalize_config(&o.config));
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

/// `- path: entry` / `+ path: entry` lines for paths that are missing or different.
pub fn tree_diff(builtin: &Tree, ours: &Tree) -> Vec<String> {
    let paths: BTreeSet<&String> = builtin.keys().chain(ours.keys()).collect();
    let mut lines = Vec::new();
    for path in paths {
        let (b, o) = (builtin.get(path), ours.get(path));
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
        let lines = json_diff(&normalize_config(&b), &normalize_config(&o));
        assert_eq!(
            lines,
            ["  - config.Env[0] = \"A=1\"", "  + config.Env[0] = \"A=2\""]
        );
    }
}
