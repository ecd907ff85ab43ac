//! `frontend.lint` (`docker buildx build --check`, `--call=check`): the build-check warnings as
//! upstream's `lint.LintResults` document (`warnings`, `sources`, `buildError`), a text
//! rendering, and `result.statuscode` 1 when anything was found.

use serde_json::{json, Map, Value};

use super::gojson::{location, marshal_indent, source_info};
use super::result;
use crate::bridge::BuildResult;
use stagetrail_convert::checks::Warning;
use stagetrail_dockerfile::ast::Span;
use stagetrail_llb::pb;

/// A failure that stops the build, as the lint result reports it.
pub struct BuildError {
    /// The message.
    pub message: String,
    /// Where, when known.
    pub span: Option<Span>,
}

/// The answer for `lint`: `warnings` in the order found, the Dockerfile as source 0.
pub fn answer(
    warnings: &[Warning],
    error: Option<BuildError>,
    source: &pb::SourceInfo,
) -> BuildResult {
    let list: Vec<Value> = warnings.iter().map(warning).collect();
    let mut doc = Map::new();
    doc.insert(
        "warnings".into(),
        if list.is_empty() {
            Value::Null
        } else {
            Value::from(list)
        },
    );
    doc.insert("sources".into(), json!([source_info(source)]));
    if let Some(e) = &error {
        let location = e.span.map_or_else(|| json!({}), location);
        doc.insert(
            "buildError".into(),
            json!({"message": e.message, "location": location}),
        );
    }
    let mut r = result(marshal_indent(&Value::Object(doc)), text(warnings));
    let failed = !warnings.is_empty() || error.is_some();
    r.metadata.insert(
        "result.statuscode".into(),
        if failed { b"1".to_vec() } else { b"0".to_vec() },
    );
    r
}

fn warning(w: &Warning) -> Value {
    let mut v = Map::new();
    v.insert("ruleName".into(), json!(w.rule.name));
    v.insert("description".into(), json!(w.rule.description));
    if !w.rule.url.is_empty() {
        v.insert("url".into(), json!(w.rule.url));
    }
    v.insert("detail".into(), json!(w.detail));
    v.insert("location".into(), location(w.span));
    Value::Object(v)
}

/// The warnings by line, each as `WARNING: Rule - URL` and its message (buildx prints its own
/// rendering with the Dockerfile lines from `result.json`).
fn text(warnings: &[Warning]) -> String {
    let mut sorted: Vec<&Warning> = warnings.iter().collect();
    sorted.sort_by_key(|w| w.span.start_line);
    let mut out = String::new();
    for w in sorted {
        out.push_str(&format!("\nWARNING: {}", w.rule.name));
        if !w.rule.url.is_empty() {
            out.push_str(&format!(" - {}", w.rule.url));
        }
        out.push_str(&format!("\n{}\n", w.detail));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use stagetrail_convert::checks::rules::MAINTAINER_DEPRECATED;

    #[test]
    fn no_warnings_is_null_and_status_zero() {
        let source = pb::SourceInfo {
            filename: "Dockerfile".into(),
            data: b"FROM x\n".to_vec(),
            definition: None,
            language: "Dockerfile".into(),
        };
        let r = answer(&[], None, &source);
        let doc: Value = serde_json::from_slice(&r.metadata["result.json"]).unwrap();
        assert_eq!(doc["warnings"], Value::Null);
        assert_eq!(doc["sources"][0]["data"], "RlJPTSB4Cg==");
        assert_eq!(r.metadata["result.statuscode"], b"0");

        let w = Warning {
            rule: &MAINTAINER_DEPRECATED,
            detail: "Maintainer instruction is deprecated in favor of using label".into(),
            span: Span::line(2),
        };
        let error = BuildError {
            message: "lint violation found for rules: MaintainerDeprecated".into(),
            span: None,
        };
        let r = answer(&[w], Some(error), &source);
        let doc: Value = serde_json::from_slice(&r.metadata["result.json"]).unwrap();
        assert_eq!(doc["warnings"][0]["ruleName"], "MaintainerDeprecated");
        assert_eq!(doc["buildError"]["location"], json!({}));
        assert_eq!(r.metadata["result.statuscode"], b"1");
        let text = String::from_utf8(r.metadata["result.txt"].clone()).unwrap();
        assert!(
            text.starts_with("\nWARNING: MaintainerDeprecated - https://"),
            "{text}"
        );
    }
}
