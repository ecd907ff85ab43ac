//! The word processor: one pass over a word, expanding `$…`, removing quotes
//! and escapes and collecting whitespace-split words, like upstream's
//! `shellWord` in `shell/lex.go` at v0.13.2.

use std::collections::BTreeSet;

use super::pattern;
use super::quote::go_quote;
use super::{Env, ExpandError, Lexer, MAX_NESTING, MAX_VALUE_BYTES};

/// Everything one run over a word produces.
pub(super) struct Processed {
    pub value: String,
    /// The split words with the byte offset in the input where each starts.
    pub words: Vec<(String, usize)>,
    pub matched: BTreeSet<String>,
    pub unmatched: BTreeSet<String>,
}

/// Processes `word` with `lexer`'s settings, looking variables up in `env`.
pub(super) fn process(lexer: &Lexer, word: &str, env: &dyn Env) -> Result<Processed, ExpandError> {
    let mut sw = ShellWord {
        src: word,
        // Go's text/scanner skips a byte-order mark at the very start.
        pos: if word.starts_with('\u{feff}') { 3 } else { 0 },
        env,
        lexer,
        raw_escapes: lexer.raw_escapes,
        matched: BTreeSet::new(),
        unmatched: BTreeSet::new(),
        depth: 0,
    };
    match sw.stop_on(None, lexer.raw_escapes) {
        Ok((value, words)) => Ok(Processed {
            value,
            words,
            matched: sw.matched,
            unmatched: sw.unmatched,
        }),
        Err(e) => Err(ExpandError {
            message: format!("failed to process {}: {}", quote_shown(word), e.message),
            offset: e.offset,
        }),
    }
}

/// The word as upstream quotes it in errors; a word longer than 200 characters is cut to its
/// first 100 and `…` (the error still points at its line).
fn quote_shown(word: &str) -> String {
    if word.chars().nth(200).is_none() {
        return go_quote(word);
    }
    let head: String = word.chars().take(100).collect();
    format!("{}…", go_quote(&head))
}

/// Collects words split on unquoted whitespace, each with the byte offset of
/// the element (character, quoted string, escape or `$…`) that started it.
#[derive(Default)]
struct Words {
    word: String,
    start: usize,
    words: Vec<(String, usize)>,
    in_word: bool,
}

impl Words {
    fn add_char(&mut self, c: char, at: usize) {
        if c.is_whitespace() {
            if self.in_word && !self.word.is_empty() {
                self.words
                    .push((std::mem::take(&mut self.word), self.start));
                self.in_word = false;
            }
        } else {
            self.add_raw_char(c, at);
        }
    }

    fn add_raw_char(&mut self, c: char, at: usize) {
        self.add_raw_string(c.encode_utf8(&mut [0; 4]), at);
    }

    fn add_string(&mut self, s: &str, at: usize) {
        s.chars().for_each(|c| self.add_char(c, at));
    }

    fn add_raw_string(&mut self, s: &str, at: usize) {
        if self.word.is_empty() {
            self.start = at;
        }
        self.word.push_str(s);
        self.in_word = true;
    }

    fn finish(mut self) -> Vec<(String, usize)> {
        if !self.word.is_empty() {
            self.words.push((self.word, self.start));
        }
        self.words
    }
}

/// The scanning state over one word.
struct ShellWord<'a> {
    src: &'a str,
    pos: usize,
    env: &'a dyn Env,
    lexer: &'a Lexer,
    raw_escapes: bool,
    matched: BTreeSet<String>,
    unmatched: BTreeSet<String>,
    /// How many `${…}` enclose the current position (bounded by [`MAX_NESTING`]).
    depth: usize,
}

type Res<T> = Result<T, ExpandError>;

fn err<T>(offset: usize, message: impl Into<String>) -> Res<T> {
    Err(ExpandError {
        message: message.into(),
        offset,
    })
}

/// Go renders the end of input as U+FFFD when it is turned into a string.
fn rune_str(c: Option<char>) -> char {
    c.unwrap_or('\u{fffd}')
}

impl ShellWord<'_> {
    fn peek(&self) -> Option<char> {
        self.src[self.pos..].chars().next()
    }

    fn next(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    /// Processes until `stop` (consumed) or the end of the word, with
    /// `raw_escapes` in force meanwhile.
    fn stop_on(
        &mut self,
        stop: Option<char>,
        raw_escapes: bool,
    ) -> Res<(String, Vec<(String, usize)>)> {
        let saved = std::mem::replace(&mut self.raw_escapes, raw_escapes);
        let out = self.stop_on_inner(stop);
        self.raw_escapes = saved;
        out
    }

    fn stop_on_inner(&mut self, stop: Option<char>) -> Res<(String, Vec<(String, usize)>)> {
        let mut result = String::new();
        let mut words = Words::default();
        while let Some(c) = self.peek() {
            let at = self.pos;
            if Some(c) == stop {
                self.next();
                return Ok((result, words.finish()));
            }
            match c {
                '$' => {
                    let tmp = self.dollar()?;
                    if result.len() + tmp.len() > MAX_VALUE_BYTES {
                        return err(at, super::too_long());
                    }
                    result.push_str(&tmp);
                    words.add_string(&tmp, at);
                }
                '\'' | '"' => {
                    let tmp = self.quoted()?;
                    if result.len() + tmp.len() > MAX_VALUE_BYTES {
                        return err(at, super::too_long());
                    }
                    result.push_str(&tmp);
                    words.add_raw_string(&tmp, at);
                }
                _ => {
                    self.next();
                    if c == self.lexer.escape {
                        if self.raw_escapes {
                            words.add_raw_char(c, at);
                            result.push(c);
                        }
                        // An escape at the end of the word is dropped.
                        let Some(escaped) = self.next() else { break };
                        words.add_raw_char(escaped, at);
                        result.push(escaped);
                    } else {
                        words.add_char(c, at);
                        result.push(c);
                    }
                }
            }
        }
        if let Some(stop) = stop {
            return err(
                self.pos,
                format!("unexpected end of statement while looking for matching {stop}"),
            );
        }
        Ok((result, words.finish()))
    }

    /// A quoted string, at its opening quote. Inside `'…'` everything is
    /// literal and a `'` cannot be escaped; inside `"…"` `$` expands and the
    /// escape character escapes only `"`, `$` and itself.
    fn quoted(&mut self) -> Res<String> {
        let start = self.pos;
        let quote = self.next().unwrap_or_default();
        let double = quote == '"';
        let mut result = String::new();
        if self.lexer.raw_quotes {
            result.push(quote);
        }
        loop {
            let Some(c) = self.peek() else {
                let name = if double {
                    "double-quote"
                } else {
                    "single-quote"
                };
                return err(
                    start,
                    format!("unexpected end of statement while looking for matching {name}"),
                );
            };
            if double && c == '$' {
                let at = self.pos;
                let tmp = self.dollar()?;
                if result.len() + tmp.len() > MAX_VALUE_BYTES {
                    return err(at, super::too_long());
                }
                result.push_str(&tmp);
                continue;
            }
            self.next();
            if c == quote {
                if self.lexer.raw_quotes {
                    result.push(quote);
                }
                return Ok(result);
            }
            if double && c == self.lexer.escape {
                self.escape_in_double_quotes(&mut result);
            } else {
                result.push(c);
            }
        }
    }

    /// After the escape character inside `"…"`: an escaped `"`, `$` or escape
    /// character stands for itself, before anything else the escape is kept
    /// (twice with raw escapes, as upstream writes it).
    fn escape_in_double_quotes(&mut self, result: &mut String) {
        let escape = self.lexer.escape;
        if self.raw_escapes {
            result.push(escape);
        }
        match self.peek() {
            None => {}
            Some(n) if n == '"' || n == '$' || n == escape => {
                self.next();
                result.push(n);
            }
            Some(_) => result.push(escape),
        }
    }

    /// Looks `name` up, recording it as matched or unmatched.
    fn get_env(&mut self, name: &str) -> Option<String> {
        let found = self.env.get(name);
        let set = if found.is_some() {
            &mut self.matched
        } else {
            &mut self.unmatched
        };
        set.insert(name.to_string());
        found
    }

    /// `$name`, `${name}` or `${name<modifier>…}`, at the `$`.
    fn dollar(&mut self) -> Res<String> {
        let start = self.pos;
        self.next();
        if self.peek() != Some('{') {
            let name = self.name();
            if name.is_empty() {
                return Ok("$".to_string());
            }
            return Ok(match self.get_env(&name) {
                Some(v) => v,
                None if self.lexer.skip_unset_env => format!("${name}"),
                None => String::new(),
            });
        }
        self.next();
        if self.depth >= MAX_NESTING {
            return err(
                start,
                format!(
                    "more than {MAX_NESTING} nested ${{…}} substitutions: \
                     flatten the expression into several ARG or ENV steps"
                ),
            );
        }
        self.depth += 1;
        let out = self.braced(start);
        self.depth -= 1;
        out
    }

    /// `${…}` after the `{`.
    fn braced(&mut self, start: usize) -> Res<String> {
        match self.peek() {
            None => return err(start, "syntax error: missing '}'"),
            Some('{' | '}' | ':') => return err(start, "syntax error: bad substitution"),
            Some(_) => {}
        }
        let name = self.name();
        let first = self.next();
        let mut chs = rune_str(first).to_string();
        match first {
            Some('}') => Ok(match self.get_env(&name) {
                Some(v) => v,
                None if self.lexer.skip_unset_env => format!("${{{name}}}"),
                None => String::new(),
            }),
            Some(':' | '+' | '-' | '?' | '#' | '%') => {
                let null_is_unset = first == Some(':');
                let op = if null_is_unset {
                    let op = self.next();
                    chs.push(rune_str(op));
                    op
                } else {
                    first
                };
                self.modifier(start, &name, op, null_is_unset, &chs)
            }
            Some('/') => self.substitute(start, &name),
            _ => err(
                start,
                format!("unsupported modifier ({chs}) in substitution"),
            ),
        }
    }

    /// The word part of `${name<op>word}` and what `op` does with it.
    fn modifier(
        &mut self,
        start: usize,
        name: &str,
        op: Option<char>,
        null_is_unset: bool,
        chs: &str,
    ) -> Res<String> {
        let raw = matches!(op, Some('#' | '%'));
        let word = self.word_until(start, '}', raw, "syntax error: missing '}'")?;
        let value = self.get_env(name);
        if self.lexer.skip_unset_env && value.is_none() {
            return Ok(format!("${{{name}{chs}{word}}}"));
        }
        let null = match &value {
            None => true,
            Some(v) => null_is_unset && v.is_empty(),
        };
        match op {
            Some('-') => Ok(if null {
                word
            } else {
                value.unwrap_or_default()
            }),
            Some('+') => Ok(if null { String::new() } else { word }),
            Some('?') => match value {
                None => err(start, mandatory(name, &word, "is not allowed to be unset")),
                Some(v) if null_is_unset && v.is_empty() => {
                    err(start, mandatory(name, &word, "is not allowed to be empty"))
                }
                Some(v) => Ok(v),
            },
            Some(c @ ('#' | '%')) => {
                let value = value.unwrap_or_default();
                let (pat, greedy) = match word.strip_prefix(c) {
                    Some(rest) => (rest, true),
                    None => (word.as_str(), false),
                };
                let out = if c == '%' {
                    pattern::trim_suffix(pat, &value, greedy)
                } else {
                    pattern::trim_prefix(pat, &value, greedy)
                };
                out.or_else(|m| err(start, m))
            }
            _ => err(
                start,
                format!("unsupported modifier ({chs}) in substitution"),
            ),
        }
    }

    /// `${name/pattern/replacement}` and `${name//pattern/replacement}`.
    fn substitute(&mut self, start: usize, name: &str) -> Res<String> {
        let all = self.peek() == Some('/');
        if all {
            self.next();
        }
        let pat = self.word_until(start, '/', true, "syntax error: missing '/' in ${}")?;
        let replacement = self.word_until(start, '}', true, "syntax error: missing '}'")?;
        let value = match self.get_env(name) {
            Some(v) => v,
            None if self.lexer.skip_unset_env => {
                return Ok(format!("${{{name}/{pat}/{replacement}}}"))
            }
            None => String::new(),
        };
        pattern::replace(&pat, &value, &replacement, all).or_else(|m| err(start, m))
    }

    /// Processes a nested word up to `stop`; running off the end of the word
    /// becomes `eof_message` at `start`.
    fn word_until(
        &mut self,
        start: usize,
        stop: char,
        raw: bool,
        eof_message: &str,
    ) -> Res<String> {
        match self.stop_on(Some(stop), raw) {
            Ok((word, _)) => Ok(word),
            Err(_) if self.peek().is_none() => err(start, eof_message),
            Err(e) => Err(e),
        }
    }

    /// A variable name: a run of digits, one special parameter character, or
    /// letters, digits and `_`.
    fn name(&mut self) -> String {
        let mut name = String::new();
        while let Some(c) = self.peek() {
            if name.is_empty() && is_digit(c) {
                while let Some(d) = self.peek().filter(|&d| is_digit(d)) {
                    self.next();
                    name.push(d);
                }
                return name;
            }
            if name.is_empty() && is_special_param(c) {
                self.next();
                return c.to_string();
            }
            if !(c.is_alphabetic() || is_digit(c) || c == '_') {
                break;
            }
            self.next();
            name.push(c);
        }
        name
    }
}

/// The `${name?word}` failure text: the word if given, else the default.
fn mandatory(name: &str, word: &str, default: &str) -> String {
    let msg = if word.is_empty() { default } else { word };
    format!("{name}: {msg}")
}

/// Approximates Go's `unicode.IsDigit` (exact for ASCII).
fn is_digit(c: char) -> bool {
    c.is_ascii_digit() || (!c.is_ascii() && c.is_numeric())
}

/// POSIX special parameters; never set in a Dockerfile.
fn is_special_param(c: char) -> bool {
    matches!(c, '@' | '*' | '#' | '?' | '-' | '$' | '!' | '0')
}

#[cfg(test)]
mod tests {
    use super::super::{Lexer, MAX_NESTING};
    use std::collections::BTreeMap;

    fn expand(word: &str, env: &[(&str, &str)]) -> Result<String, super::ExpandError> {
        let env: BTreeMap<String, String> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Lexer::new('\\').process_word(word, &env)
    }

    /// `${a:-` nested 9,500 deep overflowed the stack; now any modifier stops at the limit.
    #[test]
    fn nesting_is_bounded() {
        for open in ["${a:-", "${a:+", "${a-", "${a#", "\"${a%"] {
            let deep = format!("{}x{}", open.repeat(9_500), "}".repeat(9_500));
            let e = expand(&deep, &[("a", "1")]).unwrap_err();
            assert!(
                e.message.contains("more than 100 nested"),
                "{open}: {}",
                &e.message[..200.min(e.message.len())]
            );
            assert!(e.message.len() < 400, "{}", e.message.len());
        }
        let ok = format!(
            "{}x{}",
            "${a:-".repeat(MAX_NESTING),
            "}".repeat(MAX_NESTING)
        );
        assert_eq!(expand(&ok, &[]).unwrap(), "x");
    }

    /// `ENV A=${A}${A}` doubles per line: the value stops at 1 MiB with a clear error.
    #[test]
    fn values_are_bounded() {
        let half = "x".repeat(600 << 10);
        let e = expand("${A}${A}", &[("A", &half)]).unwrap_err();
        assert!(
            e.message.contains("longer than 1048576 bytes"),
            "{}",
            e.message
        );
        assert_eq!(expand("${A}", &[("A", &half)]).unwrap().len(), 600 << 10);
    }
}
