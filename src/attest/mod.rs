//! Attestation documents: SBOMs (CycloneDX 1.6, SPDX 2.3) and per-stage SBOM generation.

pub mod sbom;
pub mod stages;
