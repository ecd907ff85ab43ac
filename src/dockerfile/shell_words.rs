//! Shell-style word splitting with no variables set, as upstream's `shell.Lex`
//! with `SkipUnsetEnv` (unset variables are kept literally). Only used to find
//! heredoc words; real expansion lives elsewhere.

/// Options of the lexer (upstream's `RawQuotes` / `RawEscapes`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct LexOptions {
    /// Keep quote characters in the output.
    pub raw_quotes: bool,
    /// Keep escape characters in the output.
    pub raw_escapes: bool,
}

/// A word and the byte offset of the element that started it.
pub(crate) type OffsetWord = (String, usize);

/// Splits `src` into words (escape token `\`). The error text is upstream's.
pub(crate) fn process_words(src: &str, opts: LexOptions) -> Result<Vec<OffsetWord>, String> {
    let mut lx = Lexer {
        chars: src.char_indices().collect(),
        len: src.len(),
        i: 0,
        raw_quotes: opts.raw_quotes,
        raw_escapes: opts.raw_escapes,
    };
    lx.process_stop_on(None, opts.raw_escapes)
        .map(|(_, words)| words)
        .map_err(|e| format!("failed to process {src:?}: {e}"))
}

/// Upstream's `wordsStruct`.
#[derive(Default)]
struct Words {
    word: String,
    start: usize,
    words: Vec<OffsetWord>,
    in_word: bool,
}

impl Words {
    fn add_char(&mut self, ch: char, at: usize) {
        if ch.is_whitespace() {
            if self.in_word && !self.word.is_empty() {
                self.words
                    .push((std::mem::take(&mut self.word), self.start));
                self.in_word = false;
            }
        } else {
            self.add_raw_str(ch.encode_utf8(&mut [0; 4]), at);
        }
    }

    fn add_raw_str(&mut self, s: &str, at: usize) {
        if self.word.is_empty() {
            self.start = at;
        }
        self.word.push_str(s);
        self.in_word = true;
    }

    fn finish(mut self) -> Vec<OffsetWord> {
        if !self.word.is_empty() {
            self.words.push((self.word, self.start));
        }
        self.words
    }
}

struct Lexer {
    chars: Vec<(usize, char)>,
    len: usize,
    i: usize,
    raw_quotes: bool,
    raw_escapes: bool,
}

const ESCAPE: char = '\\';

impl Lexer {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.i).map(|&(_, c)| c)
    }

    fn offset(&self) -> usize {
        self.chars.get(self.i).map_or(self.len, |&(o, _)| o)
    }

    fn next(&mut self) -> Option<char> {
        let c = self.peek();
        if c.is_some() {
            self.i += 1;
        }
        c
    }

    fn process_stop_on(
        &mut self,
        stop: Option<char>,
        raw_escapes: bool,
    ) -> Result<(String, Vec<OffsetWord>), String> {
        let saved = std::mem::replace(&mut self.raw_escapes, raw_escapes);
        let r = self.process_stop_on_inner(stop);
        self.raw_escapes = saved;
        r
    }

    fn process_stop_on_inner(
        &mut self,
        stop: Option<char>,
    ) -> Result<(String, Vec<OffsetWord>), String> {
        let mut result = String::new();
        let mut words = Words::default();
        while let Some(ch) = self.peek() {
            let at = self.offset();
            if Some(ch) == stop {
                self.next();
                return Ok((result, words.finish()));
            }
            match ch {
                '$' => {
                    let tmp = self.process_dollar()?;
                    result.push_str(&tmp);
                    for c in tmp.chars() {
                        words.add_char(c, at);
                    }
                }
                '\'' | '"' => {
                    let tmp = if ch == '\'' {
                        self.process_single_quote()?
                    } else {
                        self.process_double_quote()?
                    };
                    result.push_str(&tmp);
                    words.add_raw_str(&tmp, at);
                }
                _ => {
                    let mut ch = ch;
                    self.next();
                    if ch == ESCAPE {
                        if self.raw_escapes {
                            words.add_raw_str("\\", at);
                            result.push(ch);
                        }
                        let Some(escaped) = self.next() else { break };
                        ch = escaped;
                        words.add_raw_str(ch.encode_utf8(&mut [0; 4]), at);
                    } else {
                        words.add_char(ch, at);
                    }
                    result.push(ch);
                }
            }
        }
        if let Some(stop) = stop {
            return Err(format!(
                "unexpected end of statement while looking for matching {stop}"
            ));
        }
        Ok((result, words.finish()))
    }

    fn process_single_quote(&mut self) -> Result<String, String> {
        let mut result = String::new();
        let open = self.next().unwrap_or('\'');
        if self.raw_quotes {
            result.push(open);
        }
        loop {
            match self.next() {
                None => {
                    return Err(
                        "unexpected end of statement while looking for matching single-quote"
                            .into(),
                    )
                }
                Some('\'') => {
                    if self.raw_quotes {
                        result.push('\'');
                    }
                    return Ok(result);
                }
                Some(c) => result.push(c),
            }
        }
    }

    fn process_double_quote(&mut self) -> Result<String, String> {
        let mut result = String::new();
        let open = self.next().unwrap_or('"');
        if self.raw_quotes {
            result.push(open);
        }
        loop {
            match self.peek() {
                None => {
                    return Err(
                        "unexpected end of statement while looking for matching double-quote"
                            .into(),
                    )
                }
                Some('"') => {
                    self.next();
                    if self.raw_quotes {
                        result.push('"');
                    }
                    return Ok(result);
                }
                Some('$') => result.push_str(&self.process_dollar()?),
                Some(mut ch) => {
                    self.next();
                    if ch == ESCAPE {
                        if self.raw_escapes {
                            result.push(ch);
                        }
                        match self.peek() {
                            None => continue,
                            Some('"' | '$' | ESCAPE) => ch = self.next().unwrap_or(ch),
                            Some(_) => {}
                        }
                    }
                    result.push(ch);
                }
            }
        }
    }

    fn process_dollar(&mut self) -> Result<String, String> {
        self.next();
        if self.peek() != Some('{') {
            let name = self.process_name();
            return Ok(format!("${name}"));
        }
        self.next();
        match self.peek() {
            None => return Err("syntax error: missing '}'".into()),
            Some('{' | '}' | ':') => return Err("syntax error: bad substitution".into()),
            Some(_) => {}
        }
        let name = self.process_name();
        let ch = self.next();
        let (modifier, chs) = match ch {
            Some('}') => return Ok(format!("${{{name}}}")),
            Some(':') => {
                let c = self.next();
                let mut chs = String::from(":");
                chs.push(c.unwrap_or('\u{fffd}'));
                (c, chs)
            }
            Some(c @ ('+' | '-' | '?' | '#' | '%')) => (Some(c), c.to_string()),
            Some('/') => {
                if self.peek() == Some('/') {
                    self.next();
                }
                let (pattern, _) = self
                    .process_stop_on(Some('/'), true)
                    .map_err(|e| self.missing_or(e, "syntax error: missing '/' in ${}"))?;
                let (replacement, _) = self
                    .process_stop_on(Some('}'), true)
                    .map_err(|e| self.missing_or(e, "syntax error: missing '}'"))?;
                return Ok(format!("${{{name}/{pattern}/{replacement}}}"));
            }
            other => {
                let chs = other.map_or('\u{fffd}'.to_string(), String::from);
                return Err(format!("unsupported modifier ({chs}) in substitution"));
            }
        };
        let raw = matches!(modifier, Some('#' | '%'));
        let (word, _) = self
            .process_stop_on(Some('}'), raw)
            .map_err(|e| self.missing_or(e, "syntax error: missing '}'"))?;
        Ok(format!("${{{name}{chs}{word}}}"))
    }

    /// Upstream replaces a nested error by `missing` when the input ran out.
    fn missing_or(&self, err: String, missing: &str) -> String {
        if self.peek().is_none() {
            missing.to_string()
        } else {
            err
        }
    }

    fn process_name(&mut self) -> String {
        let mut name = String::new();
        while let Some(ch) = self.peek() {
            if name.is_empty() && ch.is_numeric() {
                while let Some(d) = self.peek().filter(|d| d.is_numeric()) {
                    name.push(d);
                    self.next();
                }
                return name;
            }
            if name.is_empty() && matches!(ch, '@' | '*' | '#' | '?' | '-' | '$' | '!' | '0') {
                self.next();
                return ch.to_string();
            }
            if !ch.is_alphanumeric() && ch != '_' {
                break;
            }
            name.push(ch);
            self.next();
        }
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RAW: LexOptions = LexOptions {
        raw_quotes: true,
        raw_escapes: true,
    };
    const COOKED: LexOptions = LexOptions {
        raw_quotes: false,
        raw_escapes: false,
    };

    fn words(s: &str, o: LexOptions) -> Vec<String> {
        process_words(s, o)
            .unwrap()
            .into_iter()
            .map(|w| w.0)
            .collect()
    }

    #[test]
    fn raw_words_keep_quotes_and_escapes() {
        assert_eq!(
            words(r#"RUN cat <<"EOF" a\ b 'c d'"#, RAW),
            vec!["RUN", "cat", "<<\"EOF\"", r"a\ b", "'c d'"]
        );
        let w = process_words("ab  <<E", RAW).unwrap();
        assert_eq!(w[1], ("<<E".to_string(), 4));
    }

    #[test]
    fn cooked_words_drop_quotes() {
        assert_eq!(words(r#""EOF""#, COOKED), vec!["EOF"]);
        assert_eq!(words(r"E\OF", COOKED), vec!["EOF"]);
        assert_eq!(words("a''b", COOKED), vec!["ab"]);
    }

    #[test]
    fn unset_variables_stay_literal() {
        assert_eq!(
            words("$A ${B} ${C:-x} $", COOKED),
            vec!["$A", "${B}", "${C:-x}", "$"]
        );
        assert_eq!(words("${A//x/y}", COOKED), vec!["${A/x/y}"]);
        assert_eq!(words("${A:-x y}", COOKED), vec!["${A:-x", "y}"]);
    }

    #[test]
    fn errors_as_upstream() {
        assert_eq!(
            process_words("'a", COOKED).unwrap_err(),
            "failed to process \"'a\": unexpected end of statement while looking for matching single-quote"
        );
        assert!(process_words("\"a", COOKED).is_err());
        assert!(process_words("${", COOKED).is_err());
        assert!(process_words("${}", COOKED).is_err());
        assert!(process_words("${a b}", COOKED).is_err());
        assert!(process_words("${a:-b", COOKED).is_err());
    }
}
