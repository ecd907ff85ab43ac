//! The build: convert the Dockerfile, solve the platforms (concurrently), scan each stage for
//! SBOMs, add our own attestations (build record, custom), and map solve errors back to
//! Dockerfile lines.

mod attest_record;
#[allow(clippy::module_inception)]
mod build;
mod catch_panic;
mod check_warnings;
mod custom;
mod failure;
mod platforms;
mod record_attestation;
mod sbom;
mod sbom_exec;
pub mod serve;
mod solve_errors;
mod subrequest;
mod vulndb;

pub use failure::Failure;
