//! Heredoc words (`<<EOF`, `<<-EOF`, `<<"EOF"`) as upstream's `ParseHeredoc`
//! and `heredocsFromLine`.

use super::expand::{ExpandError, Lexer};

/// Splits `src` into words the way upstream's heredoc code does: escape `\`,
/// no variables set and references to them kept as written.
fn words(
    src: &str,
    raw_quotes: bool,
    raw_escapes: bool,
) -> Result<Vec<(String, usize)>, ExpandError> {
    let lexer = Lexer {
        escape: '\\',
        raw_quotes,
        raw_escapes,
        skip_unset_env: true,
    };
    lexer.process_words_with_offsets(src, &Vec::new())
}

/// A heredoc word found on an instruction line (body not read yet).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HeredocWord {
    /// Delimiter with quotes removed.
    pub name: String,
    /// False when any part of the delimiter was quoted.
    pub expand: bool,
    /// True for `<<-`.
    pub chomp: bool,
    /// Byte offset of the word in the line it was found in.
    pub off: usize,
}

/// Matches `^(\d*)<<(-?)([^<]*)$` and returns `(chomp, rest)`.
fn match_heredoc(src: &str) -> Option<(bool, &str)> {
    let s = src.trim_start_matches(|c: char| c.is_ascii_digit());
    let s = s.strip_prefix("<<")?;
    let (chomp, rest) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s),
    };
    (!rest.contains('<')).then_some((chomp, rest))
}

/// Upstream's `ParseHeredoc`: `Ok(None)` when `src` is not a heredoc word.
pub(crate) fn parse_heredoc(src: &str) -> Result<Option<HeredocWord>, String> {
    let Some((chomp, rest)) = match_heredoc(src) else {
        return Ok(None);
    };
    if rest.is_empty() {
        return Ok(None);
    }
    let cooked = words(rest, false, false).map_err(|e| e.message)?;
    if cooked.len() != 1 {
        return Ok(None);
    }
    let raw = words(rest, true, false).map_err(|e| e.message)?;
    if raw.len() != cooked.len() {
        return Err(format!(
            "internal lexing of heredoc produced inconsistent results: {rest}"
        ));
    }
    let quotes = |s: &str| s.chars().filter(|&c| c == '\'' || c == '"').count();
    let name = cooked[0].0.clone();
    Ok(Some(HeredocWord {
        expand: quotes(&name) == quotes(&raw[0].0),
        name,
        chomp,
        off: 0,
    }))
}

/// True when `src` is a heredoc word; lexing errors count as "no" (`MustParseHeredoc`).
pub(crate) fn is_heredoc(src: &str) -> Option<HeredocWord> {
    parse_heredoc(src).ok().flatten()
}

/// Upstream's `heredocsFromLine`: every heredoc word of `line`, in order.
/// A line the shell lexer cannot split has no heredocs.
pub(crate) fn heredocs_from_line(line: &str) -> Result<Vec<HeredocWord>, (String, usize)> {
    let line_words = words(line, true, true).unwrap_or_default();
    let mut docs = Vec::new();
    for (word, off) in line_words {
        if let Some(mut h) = parse_heredoc(&word).map_err(|e| (e, off))? {
            h.off = off;
            docs.push(h);
        }
    }
    Ok(docs)
}

/// Removes leading tabs from every line (`<<-`).
pub(crate) fn chomp_content(src: &str) -> String {
    src.split_inclusive('\n')
        .map(|l| l.trim_start_matches('\t'))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(name: &str, expand: bool, chomp: bool, off: usize) -> HeredocWord {
        HeredocWord {
            name: name.into(),
            expand,
            chomp,
            off,
        }
    }

    #[test]
    fn heredoc_words() {
        assert_eq!(
            parse_heredoc("<<EOF").unwrap(),
            Some(doc("EOF", true, false, 0))
        );
        assert_eq!(
            parse_heredoc("<<-EOF").unwrap(),
            Some(doc("EOF", true, true, 0))
        );
        assert_eq!(
            parse_heredoc("<<'EOF'").unwrap(),
            Some(doc("EOF", false, false, 0))
        );
        assert_eq!(
            parse_heredoc("<<\"EOF\"").unwrap(),
            Some(doc("EOF", false, false, 0))
        );
        assert_eq!(
            parse_heredoc("<<E\"O\"F").unwrap(),
            Some(doc("EOF", false, false, 0))
        );
        assert_eq!(
            parse_heredoc("2<<EOF").unwrap(),
            Some(doc("EOF", true, false, 0))
        );
        assert_eq!(
            parse_heredoc("<<EOF>out").unwrap(),
            Some(doc("EOF>out", true, false, 0))
        );
    }

    #[test]
    fn not_heredoc_words() {
        for w in ["<<", "<<-", "cat<<EOF", "<<<EOF", "EOF", "<<'a b'x y"] {
            assert_eq!(parse_heredoc(w).unwrap(), None, "{w}");
        }
    }

    #[test]
    fn heredocs_on_a_line() {
        let docs = heredocs_from_line("RUN cat <<A <<-\"B\" > /x").unwrap();
        assert_eq!(
            docs,
            vec![doc("A", true, false, 8), doc("B", false, true, 12)]
        );
        // unbalanced quotes: the line has no heredocs at all
        assert!(heredocs_from_line("RUN echo \"<<EOF").unwrap().is_empty());
        assert!(heredocs_from_line("RUN echo '<<EOF'").unwrap().is_empty());
    }

    fn split(src: &str, raw: bool) -> Vec<String> {
        let words = words(src, raw, raw).unwrap();
        words.into_iter().map(|w| w.0).collect()
    }

    #[test]
    fn raw_words_keep_quotes_and_escapes() {
        assert_eq!(
            split(r#"RUN cat <<"EOF" a\ b 'c d'"#, true),
            vec!["RUN", "cat", "<<\"EOF\"", r"a\ b", "'c d'"]
        );
        let w = words("ab  <<E", true, true).unwrap();
        assert_eq!(w[1], ("<<E".to_string(), 4));
    }

    #[test]
    fn cooked_words_drop_quotes() {
        assert_eq!(split(r#""EOF""#, false), vec!["EOF"]);
        assert_eq!(split(r"E\OF", false), vec!["EOF"]);
        assert_eq!(split("a''b", false), vec!["ab"]);
    }

    #[test]
    fn unset_variables_stay_literal() {
        assert_eq!(
            split("$A ${B} ${C:-x} $", false),
            vec!["$A", "${B}", "${C:-x}", "$"]
        );
        assert_eq!(split("${A//x/y}", false), vec!["${A/x/y}"]);
        assert_eq!(split("${A:-x y}", false), vec!["${A:-x", "y}"]);
    }

    #[test]
    fn lexing_errors_as_upstream() {
        assert_eq!(
            words("'a", false, false).unwrap_err().message,
            "failed to process \"'a\": unexpected end of statement while looking for matching single-quote"
        );
        for src in ["\"a", "${", "${}", "${a b}", "${a:-b"] {
            assert!(words(src, false, false).is_err(), "{src}");
        }
    }

    #[test]
    fn chomp_removes_leading_tabs_per_line() {
        assert_eq!(chomp_content("\t\ta\n\tb\tc\n d\n"), "a\nb\tc\n d\n");
    }
}
