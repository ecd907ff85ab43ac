//! Typed error details BuildKit understands, so `docker buildx build` prints the
//! Dockerfile snippet of a failed build the way it does for the built-in frontend.
//!
//! BuildKit's `grpcerrors` decodes `google.rpc.Status.details` whose type URL was
//! registered with `typeurl.Register`; the value is the detail's Go JSON encoding.
//! `errdefs.Source` is registered as `github.com/moby/buildkit/errdefs.Source+json`
//! (solver/errdefs/vertex.go) with fields `info` (pb.SourceInfo) and `ranges` (pb.Range).

use base64::Engine as _;
use serde_json::{json, Value};

use stagetrail_dockerfile::ast::Span;
use stagetrail_llb::pb;

/// The type URL of BuildKit's `errdefs.Source` error detail.
pub const SOURCE_TYPE_URL: &str = "github.com/moby/buildkit/errdefs.Source+json";

/// An `errdefs.Source` detail pointing at `span` of the Dockerfile in `source`.
pub fn source_detail(source: &pb::SourceInfo, span: Span) -> prost_types::Any {
    let value = source_json(source, span);
    prost_types::Any {
        type_url: SOURCE_TYPE_URL.to_string(),
        value: serde_json::to_vec(&value).unwrap_or_default(),
    }
}

/// The Go JSON form of `errdefs.Source{Info, Ranges}` (omitempty fields left out;
/// the definition is not needed to print the snippet).
fn source_json(source: &pb::SourceInfo, span: Span) -> Value {
    let mut info = serde_json::Map::new();
    if !source.filename.is_empty() {
        info.insert("filename".into(), json!(source.filename));
    }
    if !source.data.is_empty() {
        let data = base64::engine::general_purpose::STANDARD.encode(&source.data);
        info.insert("data".into(), json!(data));
    }
    if !source.language.is_empty() {
        info.insert("language".into(), json!(source.language));
    }
    json!({
        "info": info,
        "ranges": [{
            "start": {"line": span.start_line},
            "end": {"line": span.end_line},
        }],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_detail_is_go_json_of_errdefs_source() {
        let source = pb::SourceInfo {
            filename: "Dockerfile".into(),
            data: b"FROM a\nRUNN x\n".to_vec(),
            definition: None,
            language: "Dockerfile".into(),
        };
        let span = Span {
            start_line: 2,
            end_line: 2,
            col: 1,
        };
        let any = source_detail(&source, span);
        assert_eq!(any.type_url, SOURCE_TYPE_URL);
        let v: Value = serde_json::from_slice(&any.value).unwrap();
        assert_eq!(
            v,
            json!({
                "info": {"filename": "Dockerfile", "data": "RlJPTSBhClJVTk4geAo=", "language": "Dockerfile"},
                "ranges": [{"start": {"line": 2}, "end": {"line": 2}}],
            })
        );
    }
}
