//! What the frontend is asked to do: the frontend options and workers from the environment,
//! the Dockerfile and `.dockerignore` read through the bridge, and subrequests.

pub mod load;
mod opts;
pub mod subrequests;
mod values;
pub(crate) mod workers;

pub use opts::{FrontendOpts, OptsError, ResolveMode};
