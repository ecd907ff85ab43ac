//! Shell patterns for `${v#p}`, `${v%p}` and `${v/p/r}`.
//!
//! Upstream converts the pattern to a Go regexp (`*` → `.*` or `.*?`,
//! `?` → `.`, everything else literal, no bracket expressions) and uses
//! leftmost-first matching; `.` does not match a newline. This module matches
//! the same language directly with a Pike VM (threads in priority order, as Go's
//! own matcher), which gives the same leftmost-first results in
//! O(text × pattern) time and O(pattern) memory, without recursion: a
//! 100,000-character pattern cannot overflow the stack. The work is bounded by
//! [`MAX_MATCH_STEPS`].

use std::cell::Cell;

use super::MAX_VALUE_BYTES;

/// The most thread steps one substitution may take (a step is one pattern position tried
/// against one character): beyond it the substitution fails instead of running for minutes.
pub const MAX_MATCH_STEPS: usize = 5_000_000;

/// One element of a compiled pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok {
    /// A literal character.
    Lit(char),
    /// `?`: any character but a newline.
    Any,
    /// `*`: any run of characters without a newline.
    Star,
}

/// A compiled shell pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Pattern {
    toks: Vec<Tok>,
    /// `*` prefers the longest run when true, the shortest when false.
    greedy: bool,
    /// Only match at the start of the text.
    anchored: bool,
    /// Thread steps left before [`MAX_MATCH_STEPS`] is reached.
    budget: Cell<usize>,
}

/// Compiles `pattern`; fails with upstream's `invalid escape '\x'` text.
/// A `\` before `}` or `/` is dropped (it only protected the `${}` syntax).
fn compile(pattern: &str, greedy: bool, anchored: bool) -> Result<Pattern, String> {
    let mut chars = pattern
        .strip_prefix('\u{feff}')
        .unwrap_or(pattern)
        .chars()
        .peekable();
    let mut toks = Vec::new();
    while let Some(c) = chars.next() {
        match c {
            '*' => toks.push(Tok::Star),
            '?' => toks.push(Tok::Any),
            '\\' => {
                if matches!(chars.peek(), Some('}') | Some('/')) {
                    continue;
                }
                match chars.next() {
                    Some(e @ ('*' | '?' | '\\')) => toks.push(Tok::Lit(e)),
                    other => {
                        return Err(format!(
                            "invalid escape '\\{}'",
                            other.unwrap_or('\u{fffd}')
                        ))
                    }
                }
            }
            c => toks.push(Tok::Lit(c)),
        }
    }
    Ok(Pattern {
        toks,
        greedy,
        anchored,
        budget: Cell::new(MAX_MATCH_STEPS),
    })
}

/// The error when a substitution would take more than [`MAX_MATCH_STEPS`].
fn too_expensive() -> String {
    format!(
        "the pattern is too expensive to match (more than {MAX_MATCH_STEPS} steps): \
         use a shorter pattern or value"
    )
}

impl Pattern {
    /// Adds the epsilon closure of state `p` to `list`, in priority order: a `*` either
    /// consumes (stays at `p`) or is skipped (goes on to `p + 1`); greedy prefers consuming.
    /// States already in the list for this generation are skipped (they have higher priority).
    fn add(
        &self,
        list: &mut Vec<(usize, usize)>,
        seen: &mut [usize],
        generation: usize,
        p: usize,
        start: usize,
    ) {
        let m = self.toks.len();
        let mut q = p;
        let first = list.len();
        loop {
            if seen[q] == generation {
                break;
            }
            seen[q] = generation;
            list.push((q, start));
            if q == m || self.toks[q] != Tok::Star {
                break;
            }
            q += 1;
        }
        if !self.greedy {
            list[first..].reverse();
        }
    }

    /// The leftmost-first match at or after char index `from`, as char indexes.
    fn find(&self, text: &[char], from: usize) -> Result<Option<(usize, usize)>, String> {
        if self.anchored && from != 0 {
            return Ok(None);
        }
        let m = self.toks.len();
        let mut seen = vec![usize::MAX; m + 1];
        let mut clist: Vec<(usize, usize)> = Vec::new();
        let mut nlist: Vec<(usize, usize)> = Vec::new();
        let mut best = None;
        let mut i = from;
        loop {
            if best.is_none() && (!self.anchored || i == from) {
                self.add(&mut clist, &mut seen, i, 0, i);
            }
            if clist.is_empty() {
                break;
            }
            let left = self
                .budget
                .get()
                .checked_sub(clist.len())
                .ok_or_else(too_expensive)?;
            self.budget.set(left);
            let c = text.get(i).copied();
            for &(st, start) in &clist {
                if st == m {
                    // Lower-priority threads are cut; higher-priority ones went on.
                    best = Some((start, i));
                    break;
                }
                let Some(c) = c else { continue };
                let next = match self.toks[st] {
                    Tok::Lit(l) => (l == c).then_some(st + 1),
                    Tok::Any => (c != '\n').then_some(st + 1),
                    Tok::Star => (c != '\n').then_some(st),
                };
                if let Some(nx) = next {
                    self.add(&mut nlist, &mut seen, i + 1, nx, start);
                }
            }
            if i >= text.len() {
                break;
            }
            std::mem::swap(&mut clist, &mut nlist);
            nlist.clear();
            i += 1;
        }
        Ok(best)
    }
}

/// The error text upstream gives for a bad pattern.
fn invalid(pattern: &str, err: String) -> String {
    format!("invalid pattern ({pattern}) in substitution: {err}")
}

/// `${v#p}` / `${v##p}`: removes the shortest (longest when `greedy`) prefix
/// of `value` matching `pattern`.
pub(super) fn trim_prefix(pattern: &str, value: &str, greedy: bool) -> Result<String, String> {
    let pat = compile(pattern, greedy, true).map_err(|e| invalid(pattern, e))?;
    let text: Vec<char> = value.chars().collect();
    Ok(match pat.find(&text, 0)? {
        Some((_, end)) => text[end..].iter().collect(),
        None => value.to_string(),
    })
}

/// `${v%p}` / `${v%%p}`: removes the shortest (longest when `greedy`) suffix.
/// Like upstream, both sides are reversed and a prefix is trimmed, so a bad
/// pattern is reported reversed.
pub(super) fn trim_suffix(pattern: &str, value: &str, greedy: bool) -> Result<String, String> {
    let trimmed = trim_prefix(&reverse_pattern(pattern), &reverse(value), greedy)?;
    Ok(reverse(&trimmed))
}

/// `${v/p/r}` (first match) and `${v//p/r}` (`all`): `*` is greedy. With `all`
/// the replacement is a Go regexp template: `$0`/`${0}` is the match, `$$` is
/// `$`, other group references are empty.
pub(super) fn replace(
    pattern: &str,
    value: &str,
    replacement: &str,
    all: bool,
) -> Result<String, String> {
    let pat = compile(pattern, true, false).map_err(|e| invalid(pattern, e))?;
    let text: Vec<char> = value.chars().collect();
    let slice = |a: usize, b: usize| text[a..b].iter().collect::<String>();
    if !all {
        return Ok(match pat.find(&text, 0)? {
            Some((a, b)) => format!("{}{replacement}{}", slice(0, a), slice(b, text.len())),
            None => value.to_string(),
        });
    }
    let mut out = String::new();
    let (mut last_end, mut search) = (0, 0);
    while search <= text.len() {
        let Some((a, b)) = pat.find(&text, search)? else {
            break;
        };
        out.push_str(&slice(last_end, a));
        // An empty match right after the previous match is not replaced.
        if b > last_end || a == 0 {
            out.push_str(&expand_template(replacement, &slice(a, b)));
        }
        if out.len() > MAX_VALUE_BYTES {
            return Err(super::too_long());
        }
        last_end = b;
        search = if search + 1 > b { search + 1 } else { b };
    }
    out.push_str(&slice(last_end, text.len()));
    Ok(out)
}

/// Go's `Regexp.Expand` for a regexp whose only group is the whole match.
fn expand_template(template: &str, whole: &str) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        rest = &rest[i + 1..];
        if let Some(after) = rest.strip_prefix('$') {
            out.push('$');
            rest = after;
            continue;
        }
        match group_ref(rest) {
            Some((is_whole, after)) => {
                if is_whole {
                    out.push_str(whole);
                }
                rest = after;
            }
            None => out.push('$'),
        }
    }
    out.push_str(rest);
    out
}

/// Parses `name` or `{name}` after a `$`; returns whether it names group 0
/// and the text after it, or `None` when malformed.
fn group_ref(s: &str) -> Option<(bool, &str)> {
    let (braced, body) = match s.strip_prefix('{') {
        Some(b) => (true, b),
        None => (false, s),
    };
    let len: usize = body
        .chars()
        .take_while(|&c| c.is_alphanumeric() || c == '_')
        .map(char::len_utf8)
        .sum();
    if len == 0 {
        return None;
    }
    let name = &body[..len];
    let mut after = &body[len..];
    if braced {
        after = after.strip_prefix('}')?;
    }
    Some((name == "0", after))
}

/// Reverses a pattern, keeping each `\x` escape pair in order (`a\*c` → `c\*a`).
fn reverse_pattern(pattern: &str) -> String {
    let chars: Vec<char> = pattern.chars().collect();
    let mut units: Vec<&[char]> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let n = if chars[i] == '\\' && i + 1 < chars.len() {
            2
        } else {
            1
        };
        units.push(&chars[i..i + n]);
        i += n;
    }
    units.iter().rev().flat_map(|u| u.iter()).collect()
}

fn reverse(s: &str) -> String {
    s.chars().rev().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    // Upstream TestConvertShellPatternToRegex, expressed as compiled tokens.
    #[test]
    fn compiles_like_upstream() {
        use Tok::*;
        assert_eq!(compile("*", true, true).unwrap().toks, vec![Star]);
        assert_eq!(compile("?", true, true).unwrap().toks, vec![Any]);
        assert_eq!(compile("\\*", true, true).unwrap().toks, vec![Lit('*')]);
        let toks = compile("(()[]{\\}^$.\\*\\?|\\\\", true, true).unwrap().toks;
        let lits: String = toks
            .iter()
            .map(|t| match t {
                Lit(c) => *c,
                _ => '!',
            })
            .collect();
        assert_eq!(lits, "(()[]{}^$.*?|\\");
        for bad in ["\\", "\\x", "\\\\\\"] {
            assert!(compile(bad, true, true).is_err(), "{bad}");
        }
        assert_eq!(
            compile("\\x", true, true).unwrap_err(),
            "invalid escape '\\x'"
        );
        assert_eq!(
            compile("\\", true, true).unwrap_err(),
            "invalid escape '\\\u{fffd}'"
        );
    }

    #[test]
    fn reverses_like_upstream() {
        assert_eq!(reverse("54321"), "12345");
        assert_eq!(reverse("🖖🚀👽"), "👽🚀🖖");
        for (p, want) in [
            ("a\\*c", "c\\*a"),
            ("\\\\\\ab", "b\\a\\\\"),
            ("ab\\", "\\ba"),
            ("👽\\🚀🖖", "🖖\\🚀👽"),
            ("\\\\b", "b\\\\"),
        ] {
            assert_eq!(reverse_pattern(p), want, "{p}");
        }
    }

    #[test]
    fn leftmost_first_semantics() {
        assert_eq!(trim_prefix("*x", "axbxc", false).unwrap(), "bxc");
        assert_eq!(trim_prefix("*x", "axbxc", true).unwrap(), "c");
        assert_eq!(trim_suffix("x*", "axbxc", false).unwrap(), "axb");
        assert_eq!(trim_suffix("x*", "axbxc", true).unwrap(), "a");
        assert_eq!(trim_prefix("", "abc", false).unwrap(), "abc");
        // `*` and `?` do not cross a newline, like Go's `.`.
        assert_eq!(trim_prefix("*b", "a\nb", true).unwrap(), "a\nb");
        assert_eq!(trim_prefix("?", "\nb", true).unwrap(), "\nb");
        assert_eq!(replace("b*", "abcb", "X", false).unwrap(), "aX");
        assert_eq!(replace("b", "abcb", "X", true).unwrap(), "aXcX");
        assert_eq!(replace("q", "abc", "X", true).unwrap(), "abc");
    }

    #[test]
    fn replace_all_empty_matches_and_templates() {
        assert_eq!(replace("", "ab", "-", true).unwrap(), "-a-b-");
        assert_eq!(replace("", "ab", "-", false).unwrap(), "-ab");
        assert_eq!(replace("b", "abc", "[$0]", true).unwrap(), "a[b]c");
        assert_eq!(replace("b", "abc", "[${0}]", true).unwrap(), "a[b]c");
        assert_eq!(replace("b", "abc", "$$", true).unwrap(), "a$c");
        assert_eq!(replace("b", "abc", "$1x", true).unwrap(), "ac");
        assert_eq!(replace("b", "abc", "$-", true).unwrap(), "a$-c");
        assert_eq!(replace("b", "abc", "${0", true).unwrap(), "a${0c");
        // Single replacement is literal.
        assert_eq!(replace("b", "abc", "$0", false).unwrap(), "a$0c");
    }

    #[test]
    fn bad_pattern_messages() {
        assert_eq!(
            trim_prefix("a\\x", "v", false).unwrap_err(),
            "invalid pattern (a\\x) in substitution: invalid escape '\\x'"
        );
        // Upstream reports the reversed pattern for `%`.
        assert_eq!(
            trim_suffix("a\\xb", "v", false).unwrap_err(),
            "invalid pattern (b\\xa) in substitution: invalid escape '\\x'"
        );
    }

    #[test]
    fn long_patterns_do_not_recurse() {
        let long = "x".repeat(58_000);
        assert_eq!(trim_prefix(&long, "b", false).unwrap(), "b");
        let any = "?".repeat(58_000);
        assert_eq!(trim_suffix(&any, "b", false).unwrap(), "b");
        assert_eq!(trim_prefix(&"*".repeat(58_000), "abc", true).unwrap(), "");
        assert_eq!(
            trim_prefix(&"*".repeat(58_000), "abc", false).unwrap(),
            "abc"
        );
    }

    #[test]
    fn star_search_is_not_quadratic() {
        let value = "a".repeat(100_000);
        let t = std::time::Instant::now();
        assert_eq!(replace("*b", &value, "x", false).unwrap(), value);
        assert!(
            t.elapsed() < std::time::Duration::from_secs(1),
            "{:?}",
            t.elapsed()
        );
    }

    #[test]
    fn expensive_matches_and_huge_results_fail_clearly() {
        let value = "a".repeat(20_000);
        let e = replace(&format!("{}b", "?".repeat(5_000)), &value, "x", false).unwrap_err();
        assert!(e.contains("too expensive"), "{e}");
        let e = replace("a", &"a".repeat(100_000), &"y".repeat(10_000), true).unwrap_err();
        assert!(e.contains("longer than"), "{e}");
    }
}
