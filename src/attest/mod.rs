//! Attestation documents: SBOMs (CycloneDX 1.6, SPDX 2.3) and per-stage SBOM generation,
//! cosign-compatible keys and DSSE signatures, and the export of BuildKit attestations as
//! cosign attestations.

pub mod cosign;
pub mod dsse;
pub mod keys;
pub mod sbom;
pub mod stages;
