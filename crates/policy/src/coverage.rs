//! Per-stage SBOM coverage of one platform: which of the build's stages have an SBOM.
//!
//! The stage list is the policy's explicit one, else a stagetrail build record's, else the one read
//! from the Dockerfile in a max-mode provenance. An SBOM naming no stage (BuildKit's own scanner,
//! which scans the final image) covers the last stage.

use std::collections::BTreeSet;

use serde::Serialize;

use super::evidence::Evidence;
use stagetrail_oci::attestations::statement::{CYCLONEDX, SPDX};

/// Which stages have an SBOM.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Coverage {
    /// The stages of the build, in build-file order.
    pub stages: Vec<String>,
    /// The stages with an SBOM (also stages outside `stages` that SBOMs name).
    pub covered: BTreeSet<String>,
}

impl Coverage {
    /// The stages without an SBOM, in order.
    pub fn missing(&self) -> Vec<&String> {
        self.stages
            .iter()
            .filter(|s| !self.covered.contains(*s))
            .collect()
    }

    /// How many of `stages` are covered.
    pub fn covered_count(&self) -> usize {
        self.stages.len() - self.missing().len()
    }
}

/// True for SPDX and CycloneDX statements.
pub fn is_sbom(e: &Evidence) -> bool {
    matches!(e.predicate_type.as_deref(), Some(t) if t == SPDX || t == CYCLONEDX)
}

/// The coverage of `evidence` (one platform's accepted statements); `None` when the stage list is
/// unknown.
pub fn coverage(explicit: Option<&[String]>, evidence: &[&Evidence]) -> Option<Coverage> {
    let stages = match explicit {
        Some(s) => s.to_vec(),
        None => {
            let record = evidence.iter().find(|e| {
                e.stages.is_some()
                    && e.predicate_type
                        .as_deref()
                        .is_some_and(|t| t.contains("stagetrail"))
            });
            record
                .or_else(|| evidence.iter().find(|e| e.stages.is_some()))
                .and_then(|e| e.stages.clone())?
        }
    };
    let docs: Vec<&&Evidence> = evidence.iter().filter(|e| is_sbom(e)).collect();
    let mut covered: BTreeSet<String> = docs.iter().filter_map(|e| e.stage.clone()).collect();
    if docs.iter().any(|e| e.stage.is_none()) {
        if let Some(last) = stages.last() {
            covered.insert(last.clone());
        }
    }
    Some(Coverage { stages, covered })
}
