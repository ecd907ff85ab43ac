//! Physical lines and logical lines: BOM, CRLF, comments, line continuations.
//!
//! Mirrors upstream's line handling: the first physical line of an instruction
//! has its leading whitespace removed, continuation lines keep theirs, comment
//! lines and whitespace-only lines inside a continuation are skipped (the latter
//! with a warning). Every byte of a logical line remembers its physical position.

use super::ast::Span;

/// One physical line of the file, its line ending included.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PhysLine<'a> {
    /// 1-based line number.
    pub no: usize,
    /// The text including `\n` (and `\r`) when present.
    pub raw: &'a str,
}

impl<'a> PhysLine<'a> {
    /// The line without its trailing `\r`/`\n` characters.
    pub fn trimmed(&self) -> &'a str {
        trim_newline(self.raw)
    }
}

/// Iterator over the physical lines of a Dockerfile (UTF-8 BOM removed).
pub(crate) struct Lines<'a> {
    rest: &'a str,
    no: usize,
}

impl<'a> Lines<'a> {
    /// Starts reading `text`.
    pub fn new(text: &'a str) -> Self {
        Lines {
            rest: text.strip_prefix('\u{feff}').unwrap_or(text),
            no: 0,
        }
    }

    /// Number of the last line handed out (0 before the first).
    pub fn current(&self) -> usize {
        self.no
    }
}

impl<'a> Iterator for Lines<'a> {
    type Item = PhysLine<'a>;

    fn next(&mut self) -> Option<PhysLine<'a>> {
        if self.rest.is_empty() {
            return None;
        }
        let end = self.rest.find('\n').map_or(self.rest.len(), |i| i + 1);
        let (raw, rest) = self.rest.split_at(end);
        self.rest = rest;
        self.no += 1;
        Some(PhysLine { no: self.no, raw })
    }
}

/// Removes all trailing `\r` and `\n` characters.
pub(crate) fn trim_newline(s: &str) -> &str {
    s.trim_end_matches(['\r', '\n'])
}

/// True when the line (after leading whitespace) starts with `#`.
pub(crate) fn is_comment(raw: &str) -> bool {
    trim_newline(raw).trim_start().starts_with('#')
}

/// True when the line holds only whitespace.
pub(crate) fn is_blank(raw: &str) -> bool {
    trim_newline(raw).trim_start().is_empty()
}

/// Strips a trailing line-continuation escape (plus spaces/tabs after it).
///
/// Returns the remaining text and whether the line continues. An escape that is
/// itself escaped (`\\` at the end) does not continue the line, as upstream.
pub(crate) fn strip_continuation(line: &str, escape: char) -> (&str, bool) {
    let trimmed = line.trim_end_matches([' ', '\t']);
    let Some(before) = trimmed.strip_suffix(escape) else {
        return (line, false);
    };
    if before.is_empty() || !before.ends_with(escape) {
        (before, true)
    } else {
        (line, false)
    }
}

/// A logical line: an instruction with its continuation lines joined.
#[derive(Debug, Clone, Default)]
pub(crate) struct LogicalLine {
    /// The joined text (continuation escapes removed).
    pub text: String,
    /// Physical `(line, column)` of every byte of `text`.
    pos: Vec<(usize, usize)>,
    /// First physical line.
    pub start_line: usize,
    /// Last physical line read for this instruction so far.
    pub end_line: usize,
}

impl LogicalLine {
    /// An empty logical line starting at `line`.
    pub fn new(line: usize) -> Self {
        LogicalLine {
            start_line: line,
            end_line: line,
            ..Default::default()
        }
    }

    /// Appends `seg`, whose first character sits at physical `line`, column `col`.
    pub fn push(&mut self, seg: &str, line: usize, col: usize) {
        for (i, ch) in seg.chars().enumerate() {
            for _ in 0..ch.len_utf8() {
                self.pos.push((line, col + i));
            }
            self.text.push(ch);
        }
    }

    /// Physical `(line, col)` of byte offset `off` (clamped to the text).
    pub fn position(&self, off: usize) -> (usize, usize) {
        match self.pos.get(off) {
            Some(p) => *p,
            None => match self.pos.last() {
                Some(&(l, c)) => (l, c + 1),
                None => (self.start_line, 1),
            },
        }
    }

    /// A one-line span at byte offset `off`.
    pub fn span_at(&self, off: usize) -> Span {
        let (line, col) = self.position(off);
        Span {
            start_line: line,
            end_line: line,
            col,
        }
    }
}

/// Number of characters in `s` (a column delta).
pub(crate) fn char_len(s: &str) -> usize {
    s.chars().count()
}
