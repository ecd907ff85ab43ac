//! Shell-word expansion of Dockerfile arguments, as BuildKit v0.13.2's
//! `frontend/dockerfile/shell` lexer does it: `$v`, `${v}` and the `${v…}`
//! modifiers, single and double quotes, the configurable escape character and
//! splitting into words on unquoted whitespace.

mod env;
mod pattern;
mod quote;
mod word;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_upstream;

use std::collections::BTreeSet;

pub use env::Env;
pub use pattern::MAX_MATCH_STEPS;

/// The most `${…}` substitutions that may be nested inside one another. Upstream has no limit
/// (its goroutine stacks grow); real Dockerfiles nest two or three deep.
pub const MAX_NESTING: usize = 100;

/// The longest value one expansion may produce (1 MiB): `ENV A=${A}${A}` on every line or a
/// `${v//x/<long>}` replacement would otherwise double or multiply memory without bound.
pub const MAX_VALUE_BYTES: usize = 1 << 20;

/// The message when an expansion would exceed [`MAX_VALUE_BYTES`].
fn too_long() -> String {
    format!(
        "the expanded value is longer than {MAX_VALUE_BYTES} bytes: \
         shorten the variables or the substitution"
    )
}
pub use quote::{go_quote, go_quote_rune};

/// The result of expanding one word.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Expanded {
    /// The expanded, unquoted word.
    pub value: String,
    /// Names of the variables that were looked up and found.
    pub matched: BTreeSet<String>,
    /// Names of the variables that were looked up and not found.
    pub unmatched: BTreeSet<String>,
}

/// An expansion failure, worded as upstream words it, e.g.
/// `failed to process "${FOO:?}": FOO: is not allowed to be unset`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ExpandError {
    /// The full message, including upstream's `failed to process "<word>": ` prefix.
    pub message: String,
    /// Byte offset inside the word of the construct that failed: the `$` of a
    /// substitution or the opening quote of an unterminated quoted string.
    pub offset: usize,
}

/// The expansion settings, mirroring upstream's `shell.Lex`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lexer {
    /// The escape character: `\` by default, `` ` `` with `# escape=``.
    pub escape: char,
    /// Keep quote characters in the output instead of removing them.
    pub raw_quotes: bool,
    /// Keep escape characters in the output instead of removing them.
    pub raw_escapes: bool,
    /// Leave references to unset variables as they were written.
    pub skip_unset_env: bool,
}

impl Lexer {
    /// A lexer with the given escape character and all flags off.
    pub fn new(escape: char) -> Lexer {
        Lexer {
            escape,
            raw_quotes: false,
            raw_escapes: false,
            skip_unset_env: false,
        }
    }

    /// Expand and unquote one word (quotes removed, escapes processed).
    pub fn process_word(&self, word: &str, env: &dyn Env) -> Result<String, ExpandError> {
        Ok(word::process(self, word, env)?.value)
    }

    /// Same as [`Lexer::process_word`], also reporting which variables were
    /// found and which were not.
    pub fn process_word_with_matches(
        &self,
        word: &str,
        env: &dyn Env,
    ) -> Result<Expanded, ExpandError> {
        let out = word::process(self, word, env)?;
        Ok(Expanded {
            value: out.value,
            matched: out.matched,
            unmatched: out.unmatched,
        })
    }

    /// Expand and split into words on unquoted whitespace; whitespace that
    /// comes from a variable's value splits too, quoted whitespace does not.
    pub fn process_words(&self, word: &str, env: &dyn Env) -> Result<Vec<String>, ExpandError> {
        Ok(word::process(self, word, env)?
            .words
            .into_iter()
            .map(|(w, _)| w)
            .collect())
    }

    /// Same as [`Lexer::process_words`], each word paired with the byte offset
    /// in `word` of the element (character, quote, escape or `$`) that started it.
    pub fn process_words_with_offsets(
        &self,
        word: &str,
        env: &dyn Env,
    ) -> Result<Vec<(String, usize)>, ExpandError> {
        Ok(word::process(self, word, env)?.words)
    }
}
