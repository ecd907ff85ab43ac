//! The BuildKit gateway frontend, in upstream's three layers:
//!
//! - [`bridge`]: the gRPC client of buildkitd's `LLBBridge` over stdin/stdout — caps, solves,
//!   file reads of solved refs, warnings, and the `Return` of a result or error;
//! - [`options`]: what the frontend is asked to do — `BUILDKIT_FRONTEND_OPT_*`, workers,
//!   the Dockerfile and `.dockerignore` loaded through the bridge, subrequests;
//! - [`build`]: the build itself — convert, solve per platform, per-stage SBOMs and our own
//!   attestations, errors mapped back to Dockerfile lines.
//!
//! Each layer uses only the ones above it in this list. No conversion logic lives here: that
//! is `stagetrail_convert`.

pub mod bridge;
pub mod build;
pub mod options;
pub mod proto;

pub use build::serve::run;
