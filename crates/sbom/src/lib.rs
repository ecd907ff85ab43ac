//! Software bills of materials: package catalogers over a root filesystem ([`catalog`]),
//! CycloneDX 1.6 and SPDX 2.3 documents ([`document`]), and the per-stage SBOMs of a build
//! with their lineage across `COPY --from` ([`stages`]).

pub mod catalog;
pub mod document;
pub mod parallel;
pub mod purl;
pub mod stages;
