//! `frontend.targets`: every stage of the Dockerfile as upstream's `targets.List` document
//! and its text table.

use base64::Engine as _;
use serde_json::{json, Map, Value};

use super::gojson::{location, marshal_indent};
use super::{result, tabwriter};
use crate::bridge::BuildResult;
use stagetrail_dockerfile::ast::{doc_comment, Dockerfile, Stage};

/// The answer for `targets` of `df`, parsed from `source`.
pub fn answer(df: &Dockerfile, source: &[u8]) -> BuildResult {
    let last = df.stages.len().saturating_sub(1);
    let targets: Vec<Value> = df
        .stages
        .iter()
        .enumerate()
        .map(|(i, s)| target(s, i == last))
        .collect();
    let data = base64::engine::general_purpose::STANDARD.encode(source);
    let doc = json!({ "targets": targets, "sources": [data] });
    let rows: Vec<Vec<String>> = df
        .stages
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let name = s.from.name.clone().unwrap_or_default();
            let shown = match (name.is_empty(), i == last) {
                (true, true) => "(default)".to_string(),
                (false, true) => format!("{name} (default)"),
                _ => name,
            };
            vec![shown, description(s)]
        })
        .collect();
    let mut text = String::new();
    tabwriter::table(&mut text, 1, &["TARGET", "DESCRIPTION"], &rows);
    result(marshal_indent(&doc), text)
}

fn description(s: &Stage) -> String {
    doc_comment(&s.comments, s.from.name.as_deref().unwrap_or_default())
}

fn target(s: &Stage, default: bool) -> Value {
    let mut v = Map::new();
    if let Some(name) = s.from.name.as_ref().filter(|n| !n.is_empty()) {
        v.insert("name".into(), json!(name));
    }
    if default {
        v.insert("default".into(), json!(true));
    }
    let description = description(s);
    if !description.is_empty() {
        v.insert("description".into(), json!(description));
    }
    if !s.from.base.is_empty() {
        v.insert("base".into(), json!(s.from.base));
    }
    if let Some(p) = s.from.platform.as_ref().filter(|p| !p.is_empty()) {
        v.insert("platform".into(), json!(p));
    }
    v.insert("location".into(), location(s.span));
    Value::Object(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_stage_the_last_one_default() {
        let src = "# base the base\nFROM --platform=$BUILDPLATFORM alpine AS base\nFROM base\n";
        let df = stagetrail_dockerfile::parse(src).unwrap();
        let r = answer(&df, src.as_bytes());
        let doc: Value = serde_json::from_slice(&r.metadata["result.json"]).unwrap();
        assert_eq!(
            doc["targets"],
            json!([
                {"name": "base", "description": "the base", "base": "alpine",
                 "platform": "$BUILDPLATFORM",
                 "location": {"ranges": [{"start": {"line": 2}, "end": {"line": 2}}]}},
                {"default": true, "base": "base",
                 "location": {"ranges": [{"start": {"line": 3}, "end": {"line": 3}}]}}
            ])
        );
        let text = String::from_utf8(r.metadata["result.txt"].clone()).unwrap();
        assert_eq!(
            text,
            "TARGET    DESCRIPTION\nbase      the base\n(default) \n"
        );
    }
}
