//! SBOM documents (CycloneDX 1.6 JSON, SPDX 2.3 JSON) built from a [`Catalog`], with optional
//! per-package lineage (stage, Dockerfile line, stage copied from) that the frontend attaches.
//!
//! Output is deterministic: packages come sorted by purl, ids derive from purls, the document
//! serial number / namespace is a UUIDv5 of the document's own content, and time comes from the
//! caller (`SOURCE_DATE_EPOCH` in the CLI). Without a time, CycloneDX leaves
//! `metadata.timestamp` out and SPDX uses `1970-01-01T00:00:00Z` (its `created` is required).

mod cyclonedx;
mod ids;
mod spdx;

pub use ids::uuid_v5;

use crate::catalog::{Catalog, Package};
use std::collections::BTreeMap;

/// The tool name and version written into documents.
pub const TOOL: &str = concat!("stagetrail-", env!("CARGO_PKG_VERSION"));

/// What the SBOM describes: an image stage or a directory.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Subject {
    /// Name shown as the document's component/package (stage name, image name, directory).
    pub name: String,
    /// The build stage, when the subject is one.
    pub stage: Option<String>,
    /// The platform (`linux/amd64`), when known.
    pub platform: Option<String>,
}

/// Where a package came from in the build, as the frontend knows it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lineage {
    /// The stage whose filesystem gained the package.
    pub stage: Option<String>,
    /// The Dockerfile line of the instruction that added it.
    pub instruction_line: Option<u32>,
    /// The stage it was copied from (`COPY --from`).
    pub copied_from_stage: Option<String>,
    /// The line of the `COPY --from` that brought it into the described stage.
    pub copied_at_line: Option<u32>,
}

impl Lineage {
    /// `(property name, value)` pairs, `stagetrail:`-prefixed, in a fixed order.
    fn properties(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if let Some(s) = &self.stage {
            out.push(("stagetrail:stage", s.clone()));
        }
        if let Some(l) = self.instruction_line {
            out.push(("stagetrail:instruction-line", l.to_string()));
        }
        if let Some(s) = &self.copied_from_stage {
            out.push(("stagetrail:copied-from-stage", s.clone()));
        }
        if let Some(l) = self.copied_at_line {
            out.push(("stagetrail:copied-at-line", l.to_string()));
        }
        out
    }
}

/// Builds SBOM documents for one subject from a catalog.
#[derive(Debug, Clone)]
pub struct SbomBuilder<'a> {
    subject: Subject,
    packages: &'a [Package],
    lineage: BTreeMap<String, Lineage>,
    created: Option<u64>,
}

impl<'a> SbomBuilder<'a> {
    /// A builder for `subject` holding the catalog's packages.
    pub fn new(subject: Subject, catalog: &'a Catalog) -> Self {
        SbomBuilder {
            subject,
            packages: &catalog.packages,
            lineage: BTreeMap::new(),
            created: None,
        }
    }

    /// Attaches lineage to the package with this purl (replacing earlier lineage).
    pub fn lineage(&mut self, purl: &str, lineage: Lineage) -> &mut Self {
        self.lineage.insert(purl.to_string(), lineage);
        self
    }

    /// Sets the creation time (Unix seconds), e.g. from `SOURCE_DATE_EPOCH`.
    pub fn created(&mut self, epoch_seconds: Option<u64>) -> &mut Self {
        self.created = epoch_seconds;
        self
    }

    /// The CycloneDX 1.6 JSON document.
    pub fn cyclonedx(&self) -> serde_json::Value {
        cyclonedx::document(self)
    }

    /// The SPDX 2.3 JSON document.
    pub fn spdx(&self) -> serde_json::Value {
        spdx::document(self)
    }

    fn lineage_of(&self, p: &Package) -> Option<&Lineage> {
        self.lineage.get(&p.purl)
    }
}

/// `SOURCE_DATE_EPOCH` as Unix seconds, when set to a number.
pub fn source_date_epoch() -> Option<u64> {
    std::env::var("SOURCE_DATE_EPOCH").ok()?.trim().parse().ok()
}

#[cfg(test)]
mod tests;
