//! The build record as an in-toto attestation: its predicate type, file name, and
//! when it is attached.

use std::collections::BTreeMap;

/// In-toto predicate type of the per-stage build record (schema:
/// `docs/build-record.schema.json`). A breaking change gets a new version segment.
pub const PREDICATE_TYPE: &str = "https://stagetrail.dev/build-record/v1";

/// Attestation path (file name in the attestation's ref; the local exporter writes
/// the statement under this name).
pub const PATH: &str = "stagetrail-record.json";

/// Whether a build with these `attest:*` requests (type → CSV params) gets a record:
/// whenever provenance or an SBOM is requested and not `disabled=true`.
pub fn wanted(attests: &BTreeMap<String, String>) -> bool {
    ["provenance", "sbom"].iter().any(|k| {
        attests.get(*k).is_some_and(|csv| {
            !csv.split(',')
                .any(|f| f.trim().eq_ignore_ascii_case("disabled=true"))
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wanted_for_provenance_or_sbom() {
        let m = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<BTreeMap<_, _>>()
        };
        assert!(!wanted(&m(&[])));
        assert!(wanted(&m(&[("provenance", "mode=max")])));
        assert!(wanted(&m(&[("sbom", "")])));
        assert!(!wanted(&m(&[("provenance", "disabled=true")])));
        assert!(wanted(&m(&[("provenance", "disabled=true"), ("sbom", "")])));
    }
}
