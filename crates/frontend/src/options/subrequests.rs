//! Subrequests (`requestid`, used by `docker buildx build --call/--print`):
//! stagetrail answers only `frontend.subrequests.describe`.

use std::collections::BTreeMap;

use serde_json::json;

use crate::bridge::{BuildResult, Refs};

/// The subrequest that lists the supported subrequests.
pub const DESCRIBE: &str = "frontend.subrequests.describe";

/// The answer to `frontend.subrequests.describe`: only itself is supported.
pub fn describe() -> BuildResult {
    let list = json!([{
        "name": DESCRIBE,
        "version": "1.0.0",
        "type": "rpc",
        "description": "List available subrequest types",
        "opts": null,
        "inputs": null,
        "metadata": [
            {"name": "result.json", "description": ""},
            {"name": "result.txt", "description": ""}
        ],
        "refs": null
    }]);
    let text = "NAME                 VERSION DESCRIPTION\nsubrequests.describe 1.0.0   List available subrequest types\n";
    BuildResult {
        refs: Refs::Single(String::new()),
        metadata: BTreeMap::from([
            (
                "result.json".to_string(),
                serde_json::to_vec_pretty(&list).unwrap_or_default(),
            ),
            ("result.txt".to_string(), text.as_bytes().to_vec()),
            ("version".to_string(), b"1.0.0".to_vec()),
        ]),
        attestations: BTreeMap::new(),
    }
}

/// The error text for any other subrequest.
pub fn unsupported(request: &str) -> String {
    format!(
        "unsupported request {request}: subrequests (--call, --print) are not supported by stagetrail; run a normal build"
    )
}
