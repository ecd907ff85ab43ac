//! Shared helpers of the catalog/SBOM integration tests: handmade fixture trees.

pub mod trees;
