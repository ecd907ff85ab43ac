//! Errors from parsing and expanding a Dockerfile, each with a location and a hint.

use super::ast::Span;

/// A Dockerfile problem the user must fix, located at `span`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct Error {
    /// Where the problem is.
    pub span: Span,
    /// What is wrong, in one sentence.
    pub message: String,
    /// What to do about it, when we can tell.
    pub hint: Option<String>,
}

impl Error {
    /// A new error at `span`.
    pub fn new(span: Span, message: impl Into<String>) -> Self {
        Error {
            span,
            message: message.into(),
            hint: None,
        }
    }

    /// Adds a hint telling the user what to do.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Renders as `FILE:LINE:COL: message` plus an indented hint line.
    pub fn render(&self, file: &str) -> String {
        let mut s = format!(
            "{file}:{}:{}: {}",
            self.span.start_line, self.span.col, self.message
        );
        if let Some(h) = &self.hint {
            s.push_str("\n  hint: ");
            s.push_str(h);
        }
        s
    }
}
