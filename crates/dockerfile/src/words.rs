//! Word splitting used by the instruction line parsers (no expansion).

/// A word of a logical line and the byte offset where it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Word {
    /// The word's text.
    pub text: String,
    /// Byte offset of its first character in the logical line.
    pub off: usize,
}

impl Word {
    /// A word at `off`.
    pub fn new(text: impl Into<String>, off: usize) -> Self {
        Word {
            text: text.into(),
            off,
        }
    }
}

/// A problem found while splitting a line: at a word, or (`off: None`) about
/// the whole instruction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WordError {
    /// Byte offset of the offending word in the logical line, if any.
    pub off: Option<usize>,
    /// Upstream's message.
    pub message: String,
    /// What to do about it.
    pub hint: Option<String>,
}

impl WordError {
    /// An error about the word at `off`.
    pub fn at(off: usize, message: impl Into<String>) -> Self {
        WordError {
            off: Some(off),
            message: message.into(),
            hint: None,
        }
    }

    /// An error about the whole instruction.
    pub fn instr(message: impl Into<String>) -> Self {
        WordError {
            off: None,
            message: message.into(),
            hint: None,
        }
    }

    /// Adds a hint.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

/// The whitespace class upstream splits on: `[\t\v\f\r ]`.
pub(crate) fn is_split_space(c: char) -> bool {
    matches!(c, '\t' | '\x0b' | '\x0c' | '\r' | ' ')
}

/// Splits on runs of `[\t\v\f\r ]` like upstream's `reWhitespace.Split(s, -1)`,
/// so leading/trailing separators yield empty words. `base` is the offset of `s`.
pub(crate) fn split_whitespace(s: &str, base: usize) -> Vec<Word> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut iter = s.char_indices().peekable();
    while let Some((i, c)) = iter.next() {
        if is_split_space(c) {
            out.push(Word::new(&s[start..i], base + start));
            let mut end = i + c.len_utf8();
            while let Some(&(j, d)) = iter.peek() {
                if !is_split_space(d) {
                    break;
                }
                end = j + d.len_utf8();
                iter.next();
            }
            start = end;
        }
    }
    out.push(Word::new(&s[start..], base + start));
    out
}

/// Splits `s` in two at the first run of `[\t\v\f\r ]` (`reWhitespace.Split(s, 2)`).
/// Returns the first part and, if there was a separator, the rest with its offset.
pub(crate) fn split_once_whitespace(s: &str) -> (&str, Option<(&str, usize)>) {
    match s.find(is_split_space) {
        None => (s, None),
        Some(i) => {
            let after = &s[i..];
            let rest = after.trim_start_matches(is_split_space);
            (&s[..i], Some((rest, s.len() - rest.len())))
        }
    }
}

/// Upstream's `parseWords`: splits on whitespace, keeping quotes and escapes in
/// the words (they are removed later by expansion). `base` is the offset of `rest`.
pub(crate) fn parse_words(rest: &str, escape: char, base: usize) -> Vec<Word> {
    #[derive(PartialEq)]
    enum Phase {
        Spaces,
        Word,
        Quote,
    }
    let chars: Vec<(usize, char)> = rest.char_indices().collect();
    let mut words = Vec::new();
    let mut phase = Phase::Spaces;
    let mut word = String::new();
    let mut start = 0;
    let mut quote = '\0';
    let mut blank_ok = false;
    let mut k = 0;
    while k < chars.len() {
        let (pos, mut ch) = chars[k];
        if phase == Phase::Spaces {
            if ch.is_whitespace() {
                k += 1;
                continue;
            }
            phase = Phase::Word;
            start = pos;
        }
        if phase == Phase::Word {
            if ch.is_whitespace() {
                phase = Phase::Spaces;
                if blank_ok || !word.is_empty() {
                    words.push(Word::new(std::mem::take(&mut word), base + start));
                }
                word.clear();
                blank_ok = false;
                k += 1;
                continue;
            }
            if ch == '\'' || ch == '"' {
                quote = ch;
                blank_ok = true;
                phase = Phase::Quote;
            }
            if ch == escape {
                if k + 1 == chars.len() {
                    k += 1;
                    continue;
                }
                word.push(ch);
                k += 1;
                ch = chars[k].1;
            }
            word.push(ch);
            k += 1;
            continue;
        }
        // Phase::Quote
        if ch == quote {
            phase = Phase::Word;
        }
        if ch == escape && quote != '\'' {
            if k + 1 == chars.len() {
                phase = Phase::Word;
                k += 1;
                continue;
            }
            k += 1;
            word.push(ch);
            ch = chars[k].1;
        }
        word.push(ch);
        k += 1;
    }
    if phase != Phase::Spaces && (blank_ok || !word.is_empty()) {
        words.push(Word::new(word, base + start));
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(w: &[Word]) -> Vec<&str> {
        w.iter().map(|w| w.text.as_str()).collect()
    }

    #[test]
    fn parse_words_keeps_quotes_and_escapes() {
        let w = parse_words(r#"a="b c" d\ e 'f\' g"#, '\\', 4);
        assert_eq!(texts(&w), vec![r#"a="b c""#, r"d\ e", r"'f\'", "g"]);
        assert_eq!(w[0].off, 4);
        assert_eq!(w[1].off, 12);
        assert_eq!(w[3].off, 4 + 18);
    }

    #[test]
    fn parse_words_blank_quoted_word_and_trailing_escape() {
        let w = parse_words(r#"'' x\"#, '\\', 0);
        assert_eq!(texts(&w), vec!["''", "x"]);
        let w = parse_words("a`\"b c\"", '`', 0);
        assert_eq!(texts(&w), vec!["a`\"b", "c\""]);
    }

    #[test]
    fn split_whitespace_like_regexp_split() {
        let w = split_whitespace("a  b\tc", 10);
        assert_eq!(texts(&w), vec!["a", "b", "c"]);
        assert_eq!(w[1].off, 13);
        assert_eq!(texts(&split_whitespace("", 0)), vec![""]);
        assert_eq!(split_once_whitespace("K  v w"), ("K", Some(("v w", 3))));
        assert_eq!(split_once_whitespace("K"), ("K", None));
    }
}
