//! BuildKit gateway client (frontend mode): gRPC over stdin/stdout, option parsing,
//! caps checks and the `Return` of the build result. No conversion logic lives here.

mod attest_record;
mod build;
pub mod caps;
pub mod client;
mod csv;
pub mod error;
pub mod frontend;
pub mod load;
pub mod opts;
pub mod result;
pub mod subrequests;
pub mod transport;
mod values;
mod workers;

pub use client::{Bridge, Warning};
pub use error::BridgeError;
pub use result::{BuildResult, Refs};

#[cfg(test)]
mod bridge_tests;
#[cfg(test)]
mod fake_bridge;
#[cfg(test)]
mod frontend_tests;
