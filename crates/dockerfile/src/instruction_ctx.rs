//! What one instruction is parsed from ([`Ctx`]): its node, logical line and heredoc bodies,
//! with located errors and flag parsing. Shared by the instruction parsers.

use super::ast::{Heredoc, Span};
use super::error::Error;
use super::flags::{parse_flags, FlagKind, Flags};
use super::heredoc::chomp_content;
use super::lexer::LogicalLine;
use super::line_parsers::Node;
use super::reader::{locate, BodyHeredoc, RawInstruction};
use super::words::{Word, WordError};

/// What an instruction is parsed from: a node, its line, its heredoc bodies.
pub(crate) struct Ctx<'a> {
    /// The node (the trigger's node for ONBUILD triggers).
    pub node: &'a Node,
    /// The logical line the node's offsets refer to.
    pub line: &'a LogicalLine,
    /// Heredoc bodies read after the line.
    pub heredocs: &'a [BodyHeredoc],
    /// The instruction's span.
    pub span: Span,
}

impl<'a> Ctx<'a> {
    /// The context of a whole raw instruction.
    pub fn of(raw: &'a RawInstruction) -> Self {
        Ctx {
            node: &raw.node,
            line: &raw.line,
            heredocs: &raw.heredocs,
            span: raw.span,
        }
    }

    /// An error about the whole instruction.
    pub fn err(&self, message: impl Into<String>) -> Error {
        Error::new(self.span, message)
    }

    /// An error about the word at byte offset `off`.
    pub fn err_at(&self, off: usize, message: impl Into<String>) -> Error {
        Error::new(self.line.span_at(off), message)
    }

    /// Parses this node's flags against `specs`.
    pub fn flags(&self, specs: &[(&str, FlagKind)]) -> Result<Flags, Error> {
        parse_flags(&self.node.flags, specs).map_err(|e| self.locate(e))
    }

    fn locate(&self, e: WordError) -> Error {
        locate(e, self.line, self.span)
    }

    pub(crate) fn args(&self) -> &'a [Word] {
        &self.node.args
    }

    /// The heredocs as AST nodes (tabs stripped for `<<-`).
    pub fn ast_heredocs(&self) -> Vec<Heredoc> {
        self.heredocs.iter().map(to_ast_heredoc).collect()
    }
}

/// A body heredoc as an AST [`Heredoc`].
pub(crate) fn to_ast_heredoc(h: &BodyHeredoc) -> Heredoc {
    Heredoc {
        name: h.word.name.clone(),
        content: if h.word.chomp {
            chomp_content(&h.content)
        } else {
            h.content.clone()
        },
        raw: h.content.clone(),
        expand: h.word.expand,
        chomp: h.word.chomp,
    }
}
