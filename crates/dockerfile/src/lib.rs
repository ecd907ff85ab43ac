//! Dockerfile parsing: directives, line continuations, heredocs, the typed
//! instruction tree with spans, variable expansion and `.dockerignore` patterns.
//! Knows nothing about LLB or gRPC.
//!
//! Parsing follows upstream BuildKit v0.13.2 in two passes: [`reader`] turns
//! the text into logical lines with heredoc bodies, [`instructions`] types them.

pub mod ast;
pub mod csv;
pub mod dockerignore;
pub mod error;
pub mod expand;
pub mod mount;

mod directives;
mod flags;
mod heredoc;
mod instruction_ctx;
mod instructions;
mod json_form;
mod lexer;
mod line_parsers;
mod parser;
mod reader;
mod sources;
mod split_command;
pub mod suggest;
mod words;

#[cfg(test)]
mod tests;

pub use error::Error;
pub use parser::{parse, MAX_ARGS, MAX_FLAGS, MAX_INSTRUCTIONS, MAX_STAGES};
