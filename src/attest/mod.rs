//! Attestation documents: SBOMs (CycloneDX 1.6, SPDX 2.3).

pub mod sbom;
