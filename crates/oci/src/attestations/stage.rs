//! Finding the Dockerfile stage a document is about: our `stagetrail:stage` marker, wherever a
//! format lets it be put.
//!
//! Looked for, shallowest first (breadth-first over the predicate, at most [`MAX_DEPTH`] levels):
//! a descriptor annotation `stagetrail:stage`; a key `stagetrail:stage` with a string value; a
//! `{"name": "stagetrail:stage", "value": …}` property (CycloneDX `metadata.component.properties`,
//! `metadata.properties`); text `stagetrail:stage=NAME` or `stagetrail:stage: NAME` in a `name`,
//! `comment` or `documentDescribes` string (SPDX document name, annotations, creationInfo comment).
//!
//! A CycloneDX BOM names its subject in `metadata` (`metadata.component.properties`,
//! `metadata.properties`) while each of its `components` may carry the stage it was installed in
//! (lineage): `metadata` is searched first, so key order (BuildKit re-serialises the predicate with
//! sorted keys, putting `components` before `metadata`) cannot make a package's stage win.

use std::collections::{BTreeMap, VecDeque};

use serde_json::Value;

use crate::media::STAGE;

/// How deep into a predicate the search goes.
pub const MAX_DEPTH: usize = 5;
/// How many JSON values the search looks at, at most.
const MAX_NODES: usize = 200_000;

/// The stage named by annotations, else by the predicate.
pub fn stage_of(
    annotations: &BTreeMap<String, String>,
    predicate: Option<&Value>,
) -> Option<String> {
    if let Some(s) = annotations.get(STAGE).filter(|s| !s.is_empty()) {
        return Some(s.clone());
    }
    let predicate = predicate?;
    if predicate.get("bomFormat").and_then(Value::as_str) == Some("CycloneDX") {
        if let Some(found) = predicate.get("metadata").and_then(search) {
            return Some(found);
        }
    }
    search(predicate)
}

fn search(root: &Value) -> Option<String> {
    let mut queue = VecDeque::from([(root, 0usize)]);
    let mut seen = 0usize;
    while let Some((value, depth)) = queue.pop_front() {
        seen += 1;
        if seen > MAX_NODES {
            return None;
        }
        match value {
            Value::Object(map) => {
                if let Some(found) = in_object(map) {
                    return Some(found);
                }
                if depth < MAX_DEPTH {
                    queue.extend(map.values().map(|v| (v, depth + 1)));
                }
            }
            Value::Array(items) if depth < MAX_DEPTH => {
                queue.extend(items.iter().map(|v| (v, depth + 1)))
            }
            _ => {}
        }
    }
    None
}

fn in_object(map: &serde_json::Map<String, Value>) -> Option<String> {
    if let Some(Value::String(s)) = map.get(STAGE) {
        return Some(s.clone()).filter(|s| !s.is_empty());
    }
    if map.get("name").and_then(Value::as_str) == Some(STAGE) {
        if let Some(v) = map
            .get("value")
            .and_then(Value::as_str)
            .filter(|v| !v.is_empty())
        {
            return Some(v.to_string());
        }
    }
    ["name", "comment", "documentDescribes"]
        .iter()
        .filter_map(|k| map.get(*k).and_then(Value::as_str))
        .find_map(in_text)
}

/// `…stagetrail:stage=NAME…` or `…stagetrail:stage: NAME…`.
fn in_text(text: &str) -> Option<String> {
    let i = text.find(STAGE)?;
    let rest = text[i + STAGE.len()..]
        .strip_prefix(['=', ':'])?
        .trim_start();
    let end = rest
        .find(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '"' | '\'' | ')'))
        .unwrap_or(rest.len());
    Some(rest[..end].to_string()).filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn stage(v: Value) -> Option<String> {
        stage_of(&BTreeMap::new(), Some(&v))
    }

    #[test]
    fn finds_markers_in_each_format() {
        assert_eq!(
            stage(json!({"stagetrail:stage": "build"})),
            Some("build".into())
        );
        let cdx = json!({"bomFormat": "CycloneDX", "metadata": {"component": {"name": "x",
            "properties": [{"name": "other", "value": "1"}, {"name": "stagetrail:stage", "value": "deps"}]}}});
        assert_eq!(stage(cdx), Some("deps".into()));
        let spdx_name = json!({"spdxVersion": "SPDX-2.3", "name": "app stagetrail:stage=final"});
        assert_eq!(stage(spdx_name), Some("final".into()));
        let spdx_ann = json!({"spdxVersion": "SPDX-2.3", "name": "app",
            "annotations": [{"annotationType": "OTHER", "comment": "stagetrail:stage: base"}]});
        assert_eq!(stage(spdx_ann), Some("base".into()));
        let mut ann = BTreeMap::new();
        ann.insert(STAGE.to_string(), "layer".to_string());
        assert_eq!(
            stage_of(&ann, Some(&json!({"stagetrail:stage": "build"}))),
            Some("layer".into())
        );
    }

    /// A CycloneDX BOM as BuildKit pushes it (keys sorted: `components` before `metadata`), whose
    /// packages carry the stage they were installed in.
    fn cdx_sorted(stage: &str, package_stages: &[&str]) -> Value {
        let components: Vec<Value> = package_stages
            .iter()
            .map(|s| {
                json!({"bom-ref": "pkg:npm/a@1", "name": "a", "properties": [
                {"name": "stagetrail:instruction-line", "value": "3"},
                {"name": "stagetrail:stage", "value": s}]})
            })
            .collect();
        json!({"bomFormat": "CycloneDX", "components": components,
            "dependencies": [{"dependsOn": [], "ref": "stagetrail-subject"}],
            "metadata": {"component": {"bom-ref": "stagetrail-subject", "name": "app",
                "properties": [{"name": "stagetrail:platform", "value": "linux/amd64"},
                               {"name": "stagetrail:stage", "value": stage}], "type": "container"},
                "tools": {"components": [{"name": "stagetrail", "type": "application"}]}},
            "specVersion": "1.6"})
    }

    #[test]
    fn cyclonedx_names_its_own_stage_not_its_packages_stage() {
        // A 4-stage build: every stage has packages from the first one (`node`).
        for s in ["deps", "builder", "node", "final"] {
            assert_eq!(stage(cdx_sorted(s, &["node", "node", s])), Some(s.into()));
        }
        // Without a subject stage, a package's is still better than nothing.
        let mut bare = cdx_sorted("x", &["node"]);
        bare["metadata"]["component"]["properties"] = json!([]);
        assert_eq!(stage(bare), Some("node".into()));
    }

    #[test]
    fn shallowest_wins_and_absence_is_none() {
        let v = json!({"a": {"b": {"stagetrail:stage": "deep"}}, "stagetrail:stage": "top"});
        assert_eq!(stage(v), Some("top".into()));
        assert_eq!(
            stage(json!({"buildType": "https://mobyproject.org/buildkit@v1"})),
            None
        );
        assert_eq!(stage(json!({"name": "stagetrail:stage="})), None);
        assert_eq!(stage_of(&BTreeMap::new(), None), None);
    }
}
