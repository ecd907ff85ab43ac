//! BuildKit gateway client (frontend mode): gRPC over stdin/stdout, option parsing,
//! caps checks and the `Return` of the build result. No conversion logic lives here.

mod attest_record;
mod bridge_fs;
mod build;
pub mod caps;
pub mod client;
mod csv;
mod errdetails;
mod error;
pub mod frontend;
pub mod load;
pub mod opts;
pub mod result;
pub mod sbom;
mod sbom_exec;
mod solve_errors;
pub mod subrequests;
pub mod transport;
mod values;
mod workers;

pub use bridge_fs::BridgeFs;
pub use client::{Bridge, Warning};
pub use error::BridgeError;
pub use result::{BuildResult, Refs};

#[cfg(test)]
mod bridge_tests;
#[cfg(test)]
mod fake_bridge;
#[cfg(test)]
mod frontend_tests;
