//! in-toto Statements (v0.1 and v1): subject, predicate type, predicate.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::{Location, RegistryError, Result};

/// `_type` of in-toto Statement v0.1.
pub const STATEMENT_V01: &str = "https://in-toto.io/Statement/v0.1";
/// `_type` of in-toto Statement v1.
pub const STATEMENT_V1: &str = "https://in-toto.io/Statement/v1";

/// Predicate type of SLSA provenance v0.2 (BuildKit's default).
pub const SLSA_V02: &str = "https://slsa.dev/provenance/v0.2";
/// Predicate type of SLSA provenance v1.
pub const SLSA_V1: &str = "https://slsa.dev/provenance/v1";
/// Predicate type of SPDX documents.
pub const SPDX: &str = "https://spdx.dev/Document";
/// Predicate type of CycloneDX BOMs.
pub const CYCLONEDX: &str = "https://cyclonedx.org/bom";
/// Predicate type of cosign's vulnerability scan reports.
pub const VULN: &str = "https://cosign.sigstore.dev/attestation/vuln/v1";

/// One subject of a statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subject {
    /// Name (an image reference or a path; may be empty).
    #[serde(default)]
    pub name: String,
    /// Digests by algorithm (`sha256` → hex).
    #[serde(default)]
    pub digest: BTreeMap<String, String>,
}

/// An in-toto Statement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Statement {
    /// `https://in-toto.io/Statement/v0.1` or `…/v1`.
    #[serde(rename = "_type")]
    pub statement_type: String,
    /// What the statement is about.
    #[serde(default)]
    pub subject: Vec<Subject>,
    /// The predicate's type URI.
    #[serde(rename = "predicateType")]
    pub predicate_type: String,
    /// The predicate document.
    #[serde(default)]
    pub predicate: serde_json::Value,
}

impl Statement {
    /// Parses a statement, accepting v0.1 and v1; `at` names the source in errors.
    pub fn parse(bytes: &[u8], at: impl Into<Location>) -> Result<Statement> {
        let at = at.into();
        let statement: Statement = serde_json::from_slice(bytes)
            .map_err(|e| RegistryError::json(at.clone(), "in-toto statement", &e))?;
        if statement.statement_type != STATEMENT_V01 && statement.statement_type != STATEMENT_V1 {
            return Err(RegistryError::MediaType {
                at,
                expected: format!(
                    "an in-toto statement with _type {STATEMENT_V01} or {STATEMENT_V1}"
                ),
                got: statement.statement_type,
            });
        }
        Ok(statement)
    }

    /// True when some subject has `digest` (`sha256:<hex>` form).
    pub fn names_digest(&self, digest: &str) -> bool {
        let Some((alg, hex)) = digest.split_once(':') else {
            return false;
        };
        self.subject.iter().any(|s| {
            s.digest
                .get(alg)
                .is_some_and(|h| h.eq_ignore_ascii_case(hex))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_versions() {
        for t in [STATEMENT_V01, STATEMENT_V1] {
            let text = format!(
                r#"{{"_type":"{t}","subject":[{{"name":"x","digest":{{"sha256":"ab"}}}}],"predicateType":"https://slsa.dev/provenance/v0.2","predicate":{{"a":1}}}}"#
            );
            let s = Statement::parse(text.as_bytes(), "l").unwrap();
            assert_eq!(s.predicate_type, "https://slsa.dev/provenance/v0.2");
            assert!(s.names_digest("sha256:ab"));
            assert!(!s.names_digest("sha256:cd"));
        }
    }

    #[test]
    fn rejects_other_documents() {
        let err = Statement::parse(br#"{"_type":"x","predicateType":"p"}"#, "l").unwrap_err();
        assert!(
            err.to_string().contains("unexpected media type \"x\""),
            "{err}"
        );
        let err = Statement::parse(b"{\"_type\": 1}", "l").unwrap_err();
        assert!(err.to_string().starts_with("l:1:"), "{err}");
    }
}
