//! Parser directives (`# syntax=`, `# escape=`, `# check=`) at the top of a file.
//!
//! Upstream rules: only lines before anything else count; keys are
//! case-insensitive; each key at most once; the first line that is not a known
//! directive ends the directive block for good.

use super::ast::{Directives, Span};
use super::error::Error;
use super::lexer::char_len;

/// Go's `\s` in RE2: ASCII whitespace without `\v`.
fn is_re_space(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\x0c' | '\r' | ' ')
}

/// A directive line split into key, value and the value's byte offset.
fn match_directive(line: &str) -> Option<(&str, &str, usize)> {
    let after_hash = line.strip_prefix('#')?;
    let body = after_hash.trim_start_matches(is_re_space);
    let name_len = body
        .char_indices()
        .take_while(|&(i, c)| {
            if i == 0 {
                c.is_ascii_alphabetic()
            } else {
                c.is_ascii_alphanumeric()
            }
        })
        .count();
    if name_len == 0 {
        return None;
    }
    let (name, rest) = body.split_at(name_len);
    let after_eq = rest.trim_start_matches(is_re_space).strip_prefix('=')?;
    let value_part = after_eq.trim_start_matches(is_re_space);
    let value = if value_part.is_empty() {
        // `(.+?)\s*$` still matches one whitespace character when only whitespace is left.
        let last = after_eq.chars().last()?;
        &after_eq[after_eq.len() - last.len_utf8()..]
    } else {
        value_part.trim_end_matches(is_re_space)
    };
    let value_off = value.as_ptr() as usize - line.as_ptr() as usize;
    Some((name, value, value_off))
}

/// Collects directives line by line until the first non-directive line.
#[derive(Debug, Default)]
pub(crate) struct DirectiveParser {
    done: bool,
    seen_escape: bool,
    seen_syntax: bool,
    seen_check: bool,
    /// The directives found so far.
    pub directives: Directives,
}

impl DirectiveParser {
    /// Feeds one physical line (newline and leading whitespace removed);
    /// `line_no`/`col` locate its first character. `Ok(true)` when the line was a directive.
    pub fn feed(&mut self, line: &str, line_no: usize, col: usize) -> Result<bool, Error> {
        if self.done {
            return Ok(false);
        }
        let Some((name, value, value_off)) = match_directive(line) else {
            self.done = true;
            return Ok(false);
        };
        let key = name.to_ascii_lowercase();
        let at = |off: usize| Span {
            start_line: line_no,
            end_line: line_no,
            col: col + char_len(&line[..off]),
        };
        let seen = match key.as_str() {
            "escape" => &mut self.seen_escape,
            "syntax" => &mut self.seen_syntax,
            "check" => &mut self.seen_check,
            _ => {
                self.done = true;
                return Ok(false);
            }
        };
        if *seen {
            return Err(Error::new(
                at(0),
                format!("only one {key} parser directive can be used"),
            )
            .with_hint("remove the repeated directive"));
        }
        *seen = true;
        match key.as_str() {
            "escape" => {
                self.directives.escape = match value {
                    "\\" => '\\',
                    "`" => '`',
                    _ => {
                        return Err(Error::new(
                            at(value_off),
                            format!("invalid escape token '{value}' does not match ` or \\"),
                        )
                        .with_hint("use `# escape=\\` or `# escape=``"))
                    }
                }
            }
            "syntax" => self.directives.syntax = Some((value.to_string(), at(0))),
            _ => self.directives.check = Some(value.to_string()),
        }
        Ok(true)
    }
}
