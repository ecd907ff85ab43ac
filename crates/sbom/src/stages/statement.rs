//! in-toto statements around SBOM predicates (for bundles and the scanner protocol).

use serde_json::{json, Value};

use stagetrail_oci::attestations::statement::STATEMENT_V01;

/// A statement with no subjects (BuildKit then names the image itself as the subject).
pub fn statement(predicate_type: &str, predicate: &Value) -> Value {
    json!({
        "_type": STATEMENT_V01,
        "predicateType": predicate_type,
        "subject": [],
        "predicate": predicate,
    })
}
