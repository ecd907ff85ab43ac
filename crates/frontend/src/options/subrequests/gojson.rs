//! JSON as Go's `encoding/json` writes upstream's documents: `MarshalIndent` with two spaces,
//! `<`, `>`, `&`, U+2028 and U+2029 escaped; source locations as `pb.Location` marshals.

use base64::Engine as _;
use serde_json::{json, Map, Value};
use stagetrail_dockerfile::ast::Span;
use stagetrail_llb::pb;

/// `json.MarshalIndent(v, "", "  ")`.
pub fn marshal_indent(v: &Value) -> Vec<u8> {
    let text = serde_json::to_string_pretty(v).unwrap_or_default();
    // These characters only occur inside strings, where Go writes them escaped.
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out.into_bytes()
}

/// A `pb.Location` of source 0 (omitted, as zero values are): one range per line of `span`,
/// characters 0 (omitted), upstream's `toRanges`.
pub fn location(span: Span) -> Value {
    let ranges: Vec<Value> = (span.start_line..=span.end_line.max(span.start_line))
        .map(|l| json!({"start": {"line": l}, "end": {"line": l}}))
        .collect();
    json!({ "ranges": ranges })
}

fn b64(bytes: &[u8]) -> Value {
    json!(base64::engine::general_purpose::STANDARD.encode(bytes))
}

/// A `pb.SourceInfo` as `encoding/json` writes the Go struct (zero fields omitted).
pub fn source_info(info: &pb::SourceInfo) -> Value {
    let mut v = Map::new();
    v.insert("filename".into(), json!(info.filename));
    if !info.data.is_empty() {
        v.insert("data".into(), b64(&info.data));
    }
    if let Some(def) = &info.definition {
        v.insert("definition".into(), definition(def));
    }
    if !info.language.is_empty() {
        v.insert("language".into(), json!(info.language));
    }
    Value::Object(v)
}

fn definition(def: &pb::Definition) -> Value {
    let mut v = Map::new();
    if !def.def.is_empty() {
        v.insert("def".into(), def.def.iter().map(|d| b64(d)).collect());
    }
    if !def.metadata.is_empty() {
        let metadata: Map<String, Value> = def
            .metadata
            .iter()
            .map(|(k, m)| (k.clone(), op_metadata(m)))
            .collect();
        v.insert("metadata".into(), Value::Object(metadata));
    }
    if let Some(source) = &def.source {
        let mut s = Map::new();
        if !source.locations.is_empty() {
            let locations: Map<String, Value> = source
                .locations
                .iter()
                .map(|(k, l)| {
                    let list: Vec<Value> = l.locations.iter().map(pb_location).collect();
                    let body = if list.is_empty() {
                        json!({})
                    } else {
                        json!({ "locations": list })
                    };
                    (k.clone(), body)
                })
                .collect();
            s.insert("locations".into(), Value::Object(locations));
        }
        if !source.infos.is_empty() {
            s.insert(
                "infos".into(),
                source.infos.iter().map(source_info).collect(),
            );
        }
        v.insert("Source".into(), Value::Object(s));
    }
    Value::Object(v)
}

fn op_metadata(m: &pb::OpMetadata) -> Value {
    let mut v = Map::new();
    if m.ignore_cache {
        v.insert("ignore_cache".into(), json!(true));
    }
    if !m.description.is_empty() {
        v.insert("description".into(), json!(m.description));
    }
    if let Some(e) = &m.export_cache {
        v.insert(
            "export_cache".into(),
            if e.value {
                json!({"Value": true})
            } else {
                json!({})
            },
        );
    }
    if !m.caps.is_empty() {
        v.insert("caps".into(), json!(m.caps));
    }
    if let Some(g) = &m.progress_group {
        let mut pg = Map::new();
        for (k, val) in [("id", &g.id), ("name", &g.name)] {
            if !val.is_empty() {
                pg.insert(k.into(), json!(val));
            }
        }
        if g.weak {
            pg.insert("weak".into(), json!(true));
        }
        v.insert("progress_group".into(), Value::Object(pg));
    }
    Value::Object(v)
}

fn pb_position(p: &Option<pb::Position>) -> Value {
    let mut v = Map::new();
    if let Some(p) = p {
        if p.line != 0 {
            v.insert("line".into(), json!(p.line));
        }
        if p.character != 0 {
            v.insert("character".into(), json!(p.character));
        }
    }
    Value::Object(v)
}

/// A `pb.Location` (source index and ranges, zeros omitted).
pub fn pb_location(l: &pb::Location) -> Value {
    let mut v = Map::new();
    if l.source_index != 0 {
        v.insert("sourceIndex".into(), json!(l.source_index));
    }
    if !l.ranges.is_empty() {
        let ranges: Vec<Value> = l
            .ranges
            .iter()
            .map(|r| json!({"start": pb_position(&r.start), "end": pb_position(&r.end)}))
            .collect();
        v.insert("ranges".into(), Value::from(ranges));
    }
    Value::Object(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_html_characters_and_indents_by_two() {
        let got = marshal_indent(&json!({"a": "<b>&"}));
        assert_eq!(
            String::from_utf8(got).unwrap(),
            "{\n  \"a\": \"\\u003cb\\u003e\\u0026\"\n}"
        );
        let loc = location(Span {
            start_line: 2,
            end_line: 3,
            col: 1,
        });
        assert_eq!(loc["ranges"][1]["end"]["line"], 3);
    }
}
