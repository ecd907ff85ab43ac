//! Attestation documents: SBOMs (CycloneDX 1.6, SPDX 2.3), the per-stage build
//! record's predicate type, and user-supplied (custom) attestations.

pub mod custom;
pub mod record;
pub mod sbom;
