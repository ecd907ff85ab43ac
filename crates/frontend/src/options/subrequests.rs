//! Subrequests (`requestid`, used by `docker buildx build --call/--print/--check`): their
//! names and definitions, and the documents they answer with — upstream's
//! `frontend/subrequests`: `result.json` (Go's `json.MarshalIndent`), `result.txt` (the text
//! buildx prints) and `version` metadata, no refs.

mod gojson;
pub mod lint;
pub mod outline;
mod tabwriter;
pub mod targets;

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::bridge::{BuildResult, Refs};

/// The subrequest that lists the supported subrequests.
pub const DESCRIBE: &str = "frontend.subrequests.describe";
/// The subrequest that lists a target's build args, secrets and ssh sockets.
pub const OUTLINE: &str = "frontend.outline";
/// The subrequest that lists the stages.
pub const TARGETS: &str = "frontend.targets";
/// The subrequest that runs the build checks.
pub const LINT: &str = "frontend.lint";

/// A subrequest stagetrail answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Request {
    /// `frontend.subrequests.describe`.
    Describe,
    /// `frontend.outline`.
    Outline,
    /// `frontend.targets`.
    Targets,
    /// `frontend.lint`.
    Lint,
}

impl Request {
    /// The request named by a `requestid` option, `None` when unsupported.
    pub fn parse(id: &str) -> Option<Request> {
        match id {
            DESCRIBE => Some(Request::Describe),
            OUTLINE => Some(Request::Outline),
            TARGETS => Some(Request::Targets),
            LINT => Some(Request::Lint),
            _ => None,
        }
    }
}

/// One request definition as `describe` lists it (upstream's `subrequests.Request`).
fn definition(name: &str, description: &str, opts: Value) -> Value {
    json!({
        "name": name,
        "version": "1.0.0",
        "type": "rpc",
        "description": description,
        "opts": opts,
        "inputs": null,
        "metadata": [
            {"name": "result.json", "description": ""},
            {"name": "result.txt", "description": ""}
        ],
        "refs": null
    })
}

/// The answer to `frontend.subrequests.describe`: outline, targets and describe itself, as
/// upstream's Dockerfile frontend lists them.
pub fn describe() -> BuildResult {
    let list = [
        definition(
            OUTLINE,
            "List all parameters current build target supports",
            json!([{"name": "target", "description": "Target build stage"}]),
        ),
        definition(
            TARGETS,
            "List all targets current build supports",
            json!([]),
        ),
        definition(DESCRIBE, "List available subrequest types", Value::Null),
    ];
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|d| {
            let name = d["name"].as_str().unwrap_or_default();
            vec![
                name.trim_start_matches("frontend.").to_string(),
                "1.0.0".to_string(),
                d["description"].as_str().unwrap_or_default().to_string(),
            ]
        })
        .collect();
    let mut text = String::new();
    tabwriter::table(&mut text, 1, &["NAME", "VERSION", "DESCRIPTION"], &rows);
    result(gojson::marshal_indent(&Value::from(list.to_vec())), text)
}

/// A subrequest's result: `result.json`, `result.txt` and the version.
fn result(json: Vec<u8>, text: String) -> BuildResult {
    BuildResult {
        refs: Refs::Single(String::new()),
        metadata: BTreeMap::from([
            ("result.json".to_string(), json),
            ("result.txt".to_string(), text.into_bytes()),
            ("version".to_string(), b"1.0.0".to_vec()),
        ]),
        attestations: BTreeMap::new(),
    }
}

/// The error text for any other subrequest (upstream's `UnsupportedSubrequestError`, with what
/// to do).
pub fn unsupported(request: &str) -> String {
    format!(
        "unsupported request {request}: stagetrail answers {OUTLINE}, {TARGETS}, {LINT} and \
         {DESCRIBE}; run a normal build or one of those"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describe_lists_outline_targets_and_itself() {
        let r = describe();
        let text = String::from_utf8(r.metadata["result.txt"].clone()).unwrap();
        assert_eq!(
            text,
            "NAME                 VERSION DESCRIPTION\n\
             outline              1.0.0   List all parameters current build target supports\n\
             targets              1.0.0   List all targets current build supports\n\
             subrequests.describe 1.0.0   List available subrequest types\n"
        );
        let list: Value = serde_json::from_slice(&r.metadata["result.json"]).unwrap();
        assert_eq!(list[0]["opts"][0]["name"], "target");
        assert_eq!(list[1]["opts"], json!([]));
        assert_eq!(list[2]["opts"], Value::Null);
        assert_eq!(Request::parse("frontend.convertllb"), None);
        assert_eq!(Request::parse(TARGETS), Some(Request::Targets));
    }
}
