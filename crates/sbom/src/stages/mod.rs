//! Per-stage SBOMs of one platform build: a [`ScanPlan`] says which filesystems exist (every
//! reachable stage, image bases, the context) and what each stage's instructions did; [`generate`]
//! catalogs each filesystem once, works out every package's lineage ([`lineage`]) and renders one
//! CycloneDX and one SPDX document per stage that is to be reported.
//!
//! The same code runs in the frontend (filesystems read over the gateway) and in the scanner
//! exec (`stagetrail scan`, filesystems mounted at `/run/src/<key>`).

pub mod files;
pub mod lineage;
mod plan;
mod statement;

pub use plan::{stage_key, Composition, PlanBase, PlanStage, PlanStep, ScanPlan};
pub use statement::statement;

use std::collections::BTreeMap;

use crate::catalog::fs::Fs;
use crate::catalog::{self, Catalog, Warning};
use crate::document::{SbomBuilder, Subject};

/// The key of the build context's filesystem.
pub const CONTEXT_KEY: &str = "context";
/// The file stem of the build context's documents.
pub const CONTEXT_STEM: &str = "sbom-context";

/// One stage's pair of documents.
#[derive(Debug, Clone, PartialEq)]
pub struct StageDocuments {
    /// File stem: `sbom` for the final image, `sbom-<stage>`, `sbom-context`.
    pub stem: String,
    /// The SPDX 2.3 document.
    pub spdx: serde_json::Value,
    /// The CycloneDX 1.6 document.
    pub cyclonedx: serde_json::Value,
    /// Cataloger warnings of this filesystem.
    pub warnings: Vec<Warning>,
}

/// Opens the filesystem stored under a plan key (`stage-<i>`, `base-<i>`, `context`).
pub type Opener<'a> = dyn FnMut(&str) -> Result<Box<dyn Fs + 'a>, String> + 'a;

/// Catalogs every filesystem the plan names and renders the documents it asks for ([`render`]).
/// A filesystem that cannot be opened yields an empty catalog with a warning.
pub fn generate(plan: &ScanPlan, open: &mut Opener<'_>) -> Vec<StageDocuments> {
    let mut catalogs: BTreeMap<String, Catalog> = BTreeMap::new();
    for key in plan.scanned_keys() {
        let cat = match open(&key) {
            Ok(fs) => catalog::scan(fs.as_ref()),
            Err(message) => unreadable(&key, &message),
        };
        catalogs.insert(key, cat);
    }
    render(plan, catalogs)
}

/// An empty catalog saying why filesystem `key` could not be read.
fn unreadable(key: &str, message: &str) -> Catalog {
    Catalog {
        warnings: vec![Warning {
            location: String::new(),
            message: format!("cannot read filesystem {key}: {message}"),
        }],
        ..Catalog::default()
    }
}

/// Renders the documents the plan asks for from each scanned key's catalog, final image first,
/// then stages in plan order, then the context. Keys in [`ScanPlan::same`] take the catalog of
/// the key they name.
pub fn render(plan: &ScanPlan, mut catalogs: BTreeMap<String, Catalog>) -> Vec<StageDocuments> {
    for (key, same) in &plan.same {
        let cat = catalogs.get(same).cloned().unwrap_or_else(|| Catalog {
            warnings: vec![Warning {
                location: String::new(),
                message: format!("cannot read filesystem {key}: the plan names it the same as {same}, which it does not scan"),
            }],
            ..Catalog::default()
        });
        catalogs.insert(key.clone(), cat);
    }
    for key in plan.keys() {
        let missing = unreadable(&key, "its catalog is missing");
        catalogs.entry(key).or_insert(missing);
    }
    let tracer = lineage::Tracer::new(plan, &catalogs);
    // Each document pair: its stem, subject, catalog and (for a stage) the index lineage is
    // traced from.
    let mut pairs: Vec<(String, Subject, &Catalog, Option<usize>)> = plan
        .documented()
        .iter()
        .map(|st| {
            let subject = Subject {
                name: st.name.clone(),
                stage: Some(st.name.clone()),
                platform: Some(plan.platform.clone()),
            };
            (st.stem(), subject, &catalogs[&st.key()], Some(st.index))
        })
        .collect();
    if plan.context {
        let subject = Subject {
            name: CONTEXT_KEY.into(),
            stage: None,
            platform: Some(plan.platform.clone()),
        };
        pairs.push((CONTEXT_STEM.into(), subject, &catalogs[CONTEXT_KEY], None));
    }
    // Each pair on its own core: the rendering is on the critical path of a rebuild.
    crate::parallel::map(&pairs, |(stem, subject, cat, index)| {
        let mut b = SbomBuilder::new(subject.clone(), cat);
        b.created(plan.epoch);
        if let Some(index) = *index {
            for p in &cat.packages {
                b.lineage(&p.purl, tracer.trace(index, p));
            }
        }
        StageDocuments {
            stem: stem.clone(),
            spdx: b.spdx(),
            cyclonedx: b.cyclonedx(),
            warnings: cat.warnings.clone(),
        }
    })
}

#[cfg(test)]
mod tests;
