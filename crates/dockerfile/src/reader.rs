//! First pass over the whole file (upstream's `parser.Parse`): directives,
//! logical lines, heredoc bodies. Produces one [`RawInstruction`] per instruction.

use super::ast::{Directives, Span};
use super::directives::DirectiveParser;
use super::error::Error;
use super::heredoc::{heredocs_from_line, HeredocWord};
use super::lexer::{
    char_len, is_blank, is_comment, strip_continuation, trim_newline, Lines, LogicalLine,
};
use super::line_parsers::{new_node, Node};
use super::words::WordError;

/// A heredoc word with its body as read (tabs not yet stripped).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BodyHeredoc {
    /// The word that opened it.
    pub word: HeredocWord,
    /// The body lines, line endings kept.
    pub content: String,
}

/// An instruction after the first pass.
#[derive(Debug, Clone)]
pub(crate) struct RawInstruction {
    /// The joined line with positions.
    pub line: LogicalLine,
    /// Keyword, flags and arguments.
    pub node: Node,
    /// Heredoc bodies following the line, in order.
    pub heredocs: Vec<BodyHeredoc>,
    /// Lines covered (continuations and heredoc bodies included), keyword column.
    pub span: Span,
    /// The comment lines above it (upstream's `PrevComment`).
    pub comments: Vec<String>,
}

/// Everything the first pass finds.
#[derive(Debug)]
pub(crate) struct RawFile {
    /// Parser directives.
    pub directives: Directives,
    /// Instructions in file order.
    pub instructions: Vec<RawInstruction>,
    /// Warnings with their spans.
    pub warnings: Vec<(Span, String)>,
}

/// Converts a first-pass error into an [`Error`] located in `line`.
pub(crate) fn locate(e: WordError, line: &LogicalLine, whole: Span) -> Error {
    let span = e.off.map_or(whole, |off| line.span_at(off));
    let err = Error::new(span, e.message);
    match e.hint {
        Some(h) => err.with_hint(h),
        None => err,
    }
}

/// Reads `text` into raw instructions.
pub(crate) fn read(text: &str) -> Result<RawFile, Error> {
    let mut lines = Lines::new(text);
    let mut directives = DirectiveParser::default();
    let mut instructions = Vec::new();
    let mut warnings = Vec::new();
    let mut comments: Vec<String> = Vec::new();

    while let Some(pl) = lines.next() {
        let trimmed = pl.trimmed();
        let stripped = trimmed.trim_start();
        let col = 1 + char_len(&trimmed[..trimmed.len() - stripped.len()]);
        if stripped.starts_with('#') {
            // Upstream drops the line's first byte (the `#` unless indented), then trims.
            let mut chars = trimmed.chars();
            chars.next();
            match chars.as_str().trim() {
                "" => comments.clear(),
                c => comments.push(c.to_string()),
            }
        }
        if directives.feed(stripped, pl.no, col)? {
            comments.pop();
        }
        let escape = directives.directives.escape;
        let first = if stripped.starts_with('#') {
            ""
        } else {
            stripped
        };
        let (seg, mut continues) = strip_continuation(first, escape);
        if !continues && seg.is_empty() {
            continue;
        }
        let mut line = LogicalLine::new(pl.no);
        line.push(seg, pl.no, col);

        let mut empty_continuation = None;
        while continues {
            let Some(next) = lines.next() else { break };
            line.end_line = next.no;
            if is_comment(next.raw) {
                continue;
            }
            if is_blank(next.raw) {
                empty_continuation.get_or_insert(next.no);
                continue;
            }
            let (seg, more) = strip_continuation(next.trimmed(), escape);
            line.push(seg, next.no, 1);
            continues = more;
        }
        if let Some(no) = empty_continuation {
            warnings.push((
                Span {
                    start_line: no,
                    end_line: no,
                    col: 1,
                },
                format!("Empty continuation line found in: {}", line.text),
            ));
        }

        let whole = |line: &LogicalLine, col: usize| Span {
            start_line: line.start_line,
            end_line: line.end_line,
            col,
        };
        let node =
            new_node(&line.text, 0, escape).map_err(|e| locate(e, &line, whole(&line, col)))?;
        let col = line.position(node.cmd.off).1;

        let mut heredocs = Vec::new();
        if node.can_contain_heredoc() {
            let words = heredocs_from_line(&line.text)
                .map_err(|(msg, off)| Error::new(line.span_at(off), msg))?;
            for word in words {
                let mut content = String::new();
                let mut terminated = false;
                for body in lines.by_ref() {
                    line.end_line = body.no;
                    let mut candidate = trim_newline(body.raw);
                    if word.chomp {
                        candidate = candidate.trim_start_matches('\t');
                    }
                    if candidate == word.name {
                        terminated = true;
                        break;
                    }
                    content.push_str(body.raw);
                }
                if !terminated {
                    return Err(Error::new(line.span_at(word.off), "unterminated heredoc")
                        .with_hint(format!(
                            "end the heredoc with a line containing only `{}`",
                            word.name
                        )));
                }
                heredocs.push(BodyHeredoc { word, content });
            }
        }
        let span = whole(&line, col);
        instructions.push(RawInstruction {
            line,
            node,
            heredocs,
            span,
            comments: std::mem::take(&mut comments),
        });
    }

    if instructions.is_empty() {
        let no = lines.current().max(1);
        return Err(Error::new(
            Span {
                start_line: no,
                end_line: no,
                col: 1,
            },
            "file with no instructions",
        )
        .with_hint("a Dockerfile needs at least a FROM instruction"));
    }
    Ok(RawFile {
        directives: directives.directives,
        instructions,
        warnings,
    })
}
