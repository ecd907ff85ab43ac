//! The bridge to buildkitd: our client of the `LLBBridge` gRPC service, HTTP/2 over the
//! frontend's stdin/stdout, with the caps buildkitd announced in `Ping`.

pub mod caps;
mod client;
pub mod errdetails;
mod error;
mod fs;
mod result;
pub mod transport;

pub use client::{Bridge, CacheImport, Warning};
pub use error::BridgeError;
pub use fs::BridgeFs;
pub use result::{BuildResult, Refs};

#[cfg(test)]
pub(crate) mod fake_bridge;
#[cfg(test)]
mod tests;
