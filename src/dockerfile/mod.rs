//! Dockerfile parsing: directives, line continuations, heredocs, the typed
//! instruction tree with spans, variable expansion and `.dockerignore` patterns.
//! Knows nothing about LLB or gRPC.

pub mod ast;
pub mod error;
pub mod expand;

pub use error::Error;
