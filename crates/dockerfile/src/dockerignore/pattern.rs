//! One ignore pattern, compiled like `patternmatcher.Pattern`: exact, prefix
//! (`dir/**`), suffix (`**/name`) or a wildcard program standing for
//! upstream's regexp (`*` and `?` never match `/`, `**` matches any depth).
//!
//! Known differences from upstream's regexp route: inside `[…]` a `*` or `?`
//! is a plain member (upstream splices regexp text into the class), POSIX
//! `[:name:]` classes are not recognised, and `\` before a letter or digit
//! escapes it literally instead of meaning a regexp escape like `\d`.

/// A compiled pattern element.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Lit(char),
    /// `?`: one character but `/`.
    NotSlash,
    /// `*`: any run without `/`.
    NotSlashRun,
    /// `**` at the end (after other text): anything but a newline.
    AnyRun,
    /// `**/` or `**` mid-pattern: nothing, or any text ending in `/`.
    AnyDirs,
    /// `[…]`: ranges, possibly negated with `^`.
    Class {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
    /// A bare `^`, which upstream's regexp reads as start of text.
    Start,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    Exact,
    Prefix,
    Suffix,
    Wild(Vec<Tok>),
}

/// A compiled ignore pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Pattern {
    pub(super) exclusion: bool,
    cleaned: String,
    kind: Kind,
}

/// An invalid pattern (what Go's `filepath.Match` calls a bad pattern).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct BadPattern;

impl Pattern {
    /// Compiles a cleaned pattern (without its `!`).
    pub(super) fn compile(cleaned: &str, exclusion: bool) -> Result<Pattern, BadPattern> {
        let chars: Vec<char> = cleaned.chars().collect();
        let mut toks = Vec::new();
        let mut kind = Kind::Exact;
        let mut wild = false;
        let mut k = 0;
        let mut first = true;
        while k < chars.len() {
            let c = chars[k];
            k += 1;
            match c {
                '*' if chars.get(k) == Some(&'*') => {
                    k += 1;
                    if chars.get(k) == Some(&'/') {
                        k += 1;
                    }
                    if k == chars.len() {
                        if !wild && kind == Kind::Exact {
                            kind = Kind::Prefix;
                        } else {
                            toks.push(Tok::AnyRun);
                            wild = true;
                        }
                    } else {
                        toks.push(Tok::AnyDirs);
                        wild = true;
                    }
                    if first {
                        kind = Kind::Suffix;
                        wild = false;
                    }
                }
                '*' => {
                    toks.push(Tok::NotSlashRun);
                    wild = true;
                }
                '?' => {
                    toks.push(Tok::NotSlash);
                    wild = true;
                }
                '\\' => {
                    let e = *chars.get(k).ok_or(BadPattern)?;
                    k += 1;
                    toks.push(Tok::Lit(e));
                    wild = true;
                }
                '[' => {
                    let (tok, next) = class(&chars, k)?;
                    toks.push(tok);
                    k = next;
                    wild = true;
                }
                ']' => {
                    toks.push(Tok::Lit(']'));
                    wild = true;
                }
                '^' => toks.push(Tok::Start),
                c => toks.push(Tok::Lit(c)),
            }
            first = false;
        }
        if wild {
            kind = Kind::Wild(toks);
        }
        Ok(Pattern {
            exclusion,
            cleaned: cleaned.to_string(),
            kind,
        })
    }

    /// Whether `path` (cleaned, slash-separated) matches.
    pub(super) fn matches(&self, path: &str) -> bool {
        match &self.kind {
            Kind::Exact => path == self.cleaned,
            Kind::Prefix => path.starts_with(&self.cleaned[..self.cleaned.len() - 2]),
            Kind::Suffix => {
                let suffix = &self.cleaned[2..];
                path.ends_with(suffix) || suffix.strip_prefix('/').is_some_and(|s| path == s)
            }
            Kind::Wild(toks) => {
                let text: Vec<char> = path.chars().collect();
                let mut memo = std::collections::HashMap::new();
                run(toks, &text, 0, 0, &mut memo)
            }
        }
    }
}

/// Parses a bracket expression after its `[` with `filepath.Match`'s rules;
/// returns the class and the index after the closing `]`.
fn class(chars: &[char], mut k: usize) -> Result<(Tok, usize), BadPattern> {
    let negated = chars.get(k) == Some(&'^');
    if negated {
        k += 1;
    }
    let mut ranges = Vec::new();
    loop {
        if chars.get(k) == Some(&']') && !ranges.is_empty() {
            return Ok((Tok::Class { negated, ranges }, k + 1));
        }
        let (lo, next) = class_char(chars, k)?;
        k = next;
        let mut hi = lo;
        if chars.get(k) == Some(&'-') {
            let (h, next) = class_char(chars, k + 1)?;
            hi = h;
            k = next;
        }
        ranges.push((lo, hi));
    }
}

/// One (possibly escaped) class member; something must follow it.
fn class_char(chars: &[char], mut k: usize) -> Result<(char, usize), BadPattern> {
    match chars.get(k) {
        None | Some('-') | Some(']') => return Err(BadPattern),
        Some('\\') => k += 1,
        Some(_) => {}
    }
    let c = *chars.get(k).ok_or(BadPattern)?;
    if k + 1 >= chars.len() {
        return Err(BadPattern);
    }
    Ok((c, k + 1))
}

/// Whole-text match of `toks[pi..]` against `text[ti..]`, memoised.
fn run(
    toks: &[Tok],
    text: &[char],
    ti: usize,
    pi: usize,
    memo: &mut std::collections::HashMap<(usize, usize), bool>,
) -> bool {
    let Some(tok) = toks.get(pi) else {
        return ti == text.len();
    };
    if let Some(&done) = memo.get(&(ti, pi)) {
        return done;
    }
    let one = |ok: bool| ok && ti < text.len();
    let found = match tok {
        Tok::Lit(c) => one(text.get(ti) == Some(c)) && run(toks, text, ti + 1, pi + 1, memo),
        Tok::NotSlash => one(text.get(ti) != Some(&'/')) && run(toks, text, ti + 1, pi + 1, memo),
        Tok::Class { negated, ranges } => {
            one(text
                .get(ti)
                .is_some_and(|&c| ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi) != *negated))
                && run(toks, text, ti + 1, pi + 1, memo)
        }
        Tok::Start => ti == 0 && run(toks, text, ti, pi + 1, memo),
        Tok::NotSlashRun => {
            let n = text[ti..].iter().take_while(|&&c| c != '/').count();
            (0..=n).any(|k| run(toks, text, ti + k, pi + 1, memo))
        }
        Tok::AnyRun => {
            let n = text[ti..].iter().take_while(|&&c| c != '\n').count();
            (0..=n).any(|k| run(toks, text, ti + k, pi + 1, memo))
        }
        Tok::AnyDirs => {
            let n = text[ti..].iter().take_while(|&&c| c != '\n').count();
            run(toks, text, ti, pi + 1, memo)
                || (1..=n).any(|k| text[ti + k - 1] == '/' && run(toks, text, ti + k, pi + 1, memo))
        }
    };
    memo.insert((ti, pi), found);
    found
}
