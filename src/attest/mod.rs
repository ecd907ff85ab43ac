//! Attestation documents: SBOMs (CycloneDX 1.6, SPDX 2.3) and per-stage SBOM generation,
//! cosign-compatible keys and DSSE signatures, the export of BuildKit attestations as
//! cosign attestations, the per-stage build record's predicate type, and user-supplied
//! (custom) attestations.

pub mod cosign;
pub mod custom;
pub mod dsse;
pub mod export;
pub mod keys;
pub mod record;
pub mod sbom;
pub mod stages;
