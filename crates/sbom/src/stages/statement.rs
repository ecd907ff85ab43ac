//! in-toto statements around SBOM predicates (for bundles and the scanner protocol).

use serde_json::{json, Value};

/// The statement `_type` BuildKit v0.13 writes and reads.
pub const STATEMENT_TYPE: &str = "https://in-toto.io/Statement/v0.1";
/// SPDX predicate type.
pub const SPDX_PREDICATE: &str = "https://spdx.dev/Document";
/// CycloneDX predicate type.
pub const CYCLONEDX_PREDICATE: &str = "https://cyclonedx.org/bom";

/// A statement with no subjects (BuildKit then names the image itself as the subject).
pub fn statement(predicate_type: &str, predicate: &Value) -> Value {
    json!({
        "_type": STATEMENT_TYPE,
        "predicateType": predicate_type,
        "subject": [],
        "predicate": predicate,
    })
}
