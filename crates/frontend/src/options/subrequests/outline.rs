//! `frontend.outline`: the target's build args, secrets and ssh sockets as upstream's
//! `outline.Outline` document and its text table.

use base64::Engine as _;
use serde_json::{json, Map, Value};

use super::gojson::{location, marshal_indent};
use super::{result, tabwriter};
use crate::bridge::BuildResult;
use stagetrail_convert::outline::{Outline, OutlineMount};

/// The answer for `outline` of the Dockerfile `source`.
pub fn answer(outline: &Outline, source: &[u8]) -> BuildResult {
    result(marshal_indent(&document(outline, source)), text(outline))
}

fn document(o: &Outline, source: &[u8]) -> Value {
    let mut doc = Map::new();
    if let Some(name) = o.name.as_ref().filter(|n| !n.is_empty()) {
        doc.insert("name".into(), json!(name));
    }
    if !o.description.is_empty() {
        doc.insert("description".into(), json!(o.description));
    }
    if !o.args.is_empty() {
        let args: Vec<Value> = o
            .args
            .iter()
            .map(|a| {
                let mut v = Map::new();
                v.insert("name".into(), json!(a.name));
                if !a.description.is_empty() {
                    v.insert("description".into(), json!(a.description));
                }
                if !a.value.is_empty() {
                    v.insert("value".into(), json!(a.value));
                }
                v.insert("location".into(), location(a.span));
                Value::Object(v)
            })
            .collect();
        doc.insert("args".into(), Value::from(args));
    }
    for (key, mounts) in [("secrets", &o.secrets), ("ssh", &o.ssh)] {
        if !mounts.is_empty() {
            doc.insert(key.into(), mounts.iter().map(mount).collect());
        }
    }
    let data = base64::engine::general_purpose::STANDARD.encode(source);
    doc.insert("sources".into(), json!([data]));
    Value::Object(doc)
}

fn mount(m: &OutlineMount) -> Value {
    let mut v = Map::new();
    v.insert("name".into(), json!(m.id));
    if m.required {
        v.insert("required".into(), json!(true));
    }
    v.insert("location".into(), location(m.span));
    Value::Object(v)
}

/// Upstream's `PrintOutline`.
fn text(o: &Outline) -> String {
    let mut out = String::new();
    let name = o.name.clone().unwrap_or_default();
    if !name.is_empty() || !o.description.is_empty() {
        let shown = if name.is_empty() { "(default)" } else { &name };
        let mut rows = Vec::new();
        if !o.description.is_empty() {
            rows.push(vec!["DESCRIPTION:".to_string(), o.description.clone()]);
        }
        tabwriter::table(&mut out, 1, &["TARGET:", shown], &rows);
        out.push('\n');
    }
    if !o.args.is_empty() {
        let rows: Vec<Vec<String>> = o
            .args
            .iter()
            .map(|a| vec![a.name.clone(), a.value.clone(), a.description.clone()])
            .collect();
        tabwriter::table(&mut out, 3, &["BUILD ARG", "VALUE", "DESCRIPTION"], &rows);
        out.push('\n');
    }
    for (title, mounts) in [("SECRET", &o.secrets), ("SSH", &o.ssh)] {
        if mounts.is_empty() {
            continue;
        }
        let rows: Vec<Vec<String>> = mounts
            .iter()
            .map(|m| vec![m.id.clone(), if m.required { "true" } else { "" }.into()])
            .collect();
        tabwriter::table(&mut out, 3, &[title, "REQUIRED"], &rows);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use stagetrail_convert::outline::OutlineArg;
    use stagetrail_dockerfile::ast::Span;

    #[test]
    fn document_omits_empty_fields_and_text_has_one_table_per_kind() {
        let o = Outline {
            name: Some("app".into()),
            description: "the app".into(),
            args: vec![OutlineArg {
                name: "V".into(),
                description: String::new(),
                value: "1".into(),
                span: Span::line(2),
            }],
            secrets: vec![OutlineMount {
                id: "tok".into(),
                required: true,
                span: Span::line(4),
            }],
            ssh: Vec::new(),
        };
        let doc = document(&o, b"FROM x\n");
        assert_eq!(
            doc,
            json!({
                "name": "app",
                "description": "the app",
                "args": [{"name": "V", "value": "1",
                          "location": {"ranges": [{"start": {"line": 2}, "end": {"line": 2}}]}}],
                "secrets": [{"name": "tok", "required": true,
                             "location": {"ranges": [{"start": {"line": 4}, "end": {"line": 4}}]}}],
                "sources": ["RlJPTSB4Cg=="]
            })
        );
        assert_eq!(
            text(&o),
            "TARGET:      app\nDESCRIPTION: the app\n\n\
             BUILD ARG   VALUE   DESCRIPTION\nV           1       \n\n\
             SECRET   REQUIRED\ntok      true\n\n"
        );
        assert_eq!(text(&Outline::default()), "");
    }
}
