//! Our own expansion tests: exact error texts and offsets, the lexer flags,
//! the backtick escape and the matched/unmatched sets.

use std::collections::BTreeMap;

use super::{ExpandError, Lexer};

fn env(list: &[(&str, &str)]) -> BTreeMap<String, String> {
    list.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn word(lex: &Lexer, input: &str) -> Result<String, ExpandError> {
    lex.process_word(
        input,
        &env(&[("A", "a b"), ("E", ""), ("P", "/x/y.tar.gz")]),
    )
}

fn fails(lex: &Lexer, input: &str) -> (String, usize) {
    let e = word(lex, input).expect_err(input);
    (e.message, e.offset)
}

#[test]
fn error_texts_and_offsets() {
    let lex = Lexer::new('\\');
    let cases: &[(&str, &str, usize)] = &[
        ("x${A", "unsupported modifier (\u{fffd}) in substitution", 1),
        ("${", "syntax error: missing '}'", 0),
        ("${}", "syntax error: bad substitution", 0),
        ("${:-a}", "syntax error: bad substitution", 0),
        ("ab${A:-x", "syntax error: missing '}'", 2),
        ("${A/x}", "syntax error: missing '/' in ${}", 0),
        ("${A/x/y", "syntax error: missing '}'", 0),
        ("${A:x}", "unsupported modifier (:x) in substitution", 0),
        ("${A:=x}", "unsupported modifier (:=) in substitution", 0),
        ("${A=x}", "unsupported modifier (=) in substitution", 0),
        ("${.}", "unsupported modifier (.) in substitution", 0),
        ("${B?}", "B: is not allowed to be unset", 0),
        ("${E:?}", "E: is not allowed to be empty", 0),
        ("${B:?}", "B: is not allowed to be unset", 0),
        ("${B?custom $A}", "B: custom a b", 0),
        (
            "a'bc",
            "unexpected end of statement while looking for matching single-quote",
            1,
        ),
        (
            "ab\"c",
            "unexpected end of statement while looking for matching double-quote",
            2,
        ),
        (
            "${A:-${B:x}}",
            "unsupported modifier (:x) in substitution",
            5,
        ),
        (
            r"${A#\x}",
            r"invalid pattern (\x) in substitution: invalid escape '\x'",
            0,
        ),
        (
            r"${A/\x/}",
            r"invalid pattern (\x) in substitution: invalid escape '\x'",
            0,
        ),
    ];
    for &(input, msg, offset) in cases {
        let (got, at) = fails(&lex, input);
        let quoted = super::quote::go_quote(input);
        assert_eq!(got, format!("failed to process {quoted}: {msg}"), "{input}");
        assert_eq!(at, offset, "{input}");
    }
}

#[test]
fn error_display_is_message() {
    let e = word(&Lexer::new('\\'), "${B:?}").unwrap_err();
    assert_eq!(
        e.to_string(),
        r#"failed to process "${B:?}": B: is not allowed to be unset"#
    );
}

#[test]
fn dollar_without_name_is_literal() {
    let lex = Lexer::new('\\');
    assert_eq!(word(&lex, "a$").unwrap(), "a$");
    assert_eq!(word(&lex, "$ $/ $.").unwrap(), "$ $/ $.");
    assert_eq!(word(&lex, "\"$\"").unwrap(), "$");
}

#[test]
fn trim_modifiers() {
    let lex = Lexer::new('\\');
    assert_eq!(word(&lex, "${P#*/}").unwrap(), "x/y.tar.gz");
    assert_eq!(word(&lex, "${P##*/}").unwrap(), "y.tar.gz");
    assert_eq!(word(&lex, "${P%.*}").unwrap(), "/x/y.tar");
    assert_eq!(word(&lex, "${P%%.*}").unwrap(), "/x/y");
    assert_eq!(word(&lex, "${P/./-}").unwrap(), "/x/y-tar.gz");
    assert_eq!(word(&lex, "${P//./-}").unwrap(), "/x/y-tar-gz");
    assert_eq!(word(&lex, "${B#x}${B%x}${B/x/y}").unwrap(), "");
    // v0.13.2 accepts `:` before `#`/`%` and ignores it (HEAD rejects it).
    assert_eq!(word(&lex, "${P:##*/}").unwrap(), "y.tar.gz");
    assert_eq!(word(&lex, "${P:%.*}").unwrap(), "/x/y.tar");
    // An empty pattern removes nothing (v0.13.2 crashes here; HEAD's behaviour).
    assert_eq!(word(&lex, "${P#}${P%}").unwrap(), "/x/y.tar.gz/x/y.tar.gz");
    // The pattern part is expanded and may be quoted.
    assert_eq!(word(&lex, "${P#'/x'}").unwrap(), "/y.tar.gz");
}

#[test]
fn backtick_escape() {
    let lex = Lexer::new('`');
    assert_eq!(word(&lex, r"C:\dir\$A").unwrap(), r"C:\dir\a b");
    assert_eq!(word(&lex, "`$A").unwrap(), "$A");
    assert_eq!(word(&lex, "\"`\"x`$A``\"").unwrap(), "\"x$A`");
    assert_eq!(word(&lex, "a``").unwrap(), "a`");
    assert_eq!(word(&lex, "a`").unwrap(), "a");
    assert_eq!(word(&lex, "${B:-`}}").unwrap(), "}");
}

#[test]
fn raw_quotes_keep_quotes() {
    let lex = Lexer {
        raw_quotes: true,
        ..Lexer::new('\\')
    };
    assert_eq!(word(&lex, r#"'a $A' "b $A""#).unwrap(), r#"'a $A' "b a b""#);
    let words = lex.process_words(r#"x "y z" 'w'"#, &env(&[])).unwrap();
    assert_eq!(words, [r"x", r#""y z""#, r"'w'"]);
}

#[test]
fn raw_escapes_keep_escapes() {
    let lex = Lexer {
        raw_escapes: true,
        ..Lexer::new('\\')
    };
    assert_eq!(word(&lex, r"a\ b\$A").unwrap(), r"a\ b\$A");
    // Inside double quotes upstream writes a non-escaping `\` twice.
    assert_eq!(word(&lex, r#""\"\x""#).unwrap(), r#"\"\\x"#);
    assert_eq!(word(&lex, r"a\").unwrap(), r"a\");
    // Nested `${…:-word}` words are processed without raw escapes.
    assert_eq!(word(&lex, r"${B:-\$}").unwrap(), "$");
}

#[test]
fn skip_unset_env_keeps_references() {
    let lex = Lexer {
        skip_unset_env: true,
        ..Lexer::new('\\')
    };
    let cases = [
        ("$B", "$B"),
        ("${B}", "${B}"),
        ("${B:-x}", "${B:-x}"),
        ("${B-$A}", "${B-a b}"),
        ("${B:+x}", "${B:+x}"),
        ("${B?x}", "${B?x}"),
        ("${B#x}", "${B#x}"),
        ("${B//x/y}", "${B/x/y}"),
        ("${B:YY}", "${B:YY}"),
        ("$A ${E:-z}", "a b z"),
    ];
    for (input, want) in cases {
        assert_eq!(word(&lex, input).unwrap(), want, "{input}");
    }
}

#[test]
fn matched_and_unmatched() {
    let lex = Lexer::new('\\');
    let got = lex
        .process_word_with_matches("$A ${B:-$C} ${E+x} $1 '$Q'", &env(&[("A", "1"), ("E", "")]))
        .unwrap();
    assert_eq!(got.value, "1  x  $Q");
    let names = |s: &std::collections::BTreeSet<String>| s.iter().cloned().collect::<Vec<_>>();
    assert_eq!(names(&got.matched), ["A", "E"]);
    assert_eq!(names(&got.unmatched), ["1", "B", "C"]);
}

#[test]
fn words_split_only_on_unquoted_whitespace() {
    let lex = Lexer::new('\\');
    let e = env(&[("V", " a  b "), ("T", "x\ty")]);
    assert_eq!(
        lex.process_words("  one   two  ", &e).unwrap(),
        ["one", "two"]
    );
    assert_eq!(lex.process_words("$V", &e).unwrap(), ["a", "b"]);
    assert_eq!(lex.process_words("\"$V\"", &e).unwrap(), [" a  b "]);
    assert_eq!(lex.process_words("$T", &e).unwrap(), ["x", "y"]);
    // Empty quotes make no word of their own.
    assert_eq!(lex.process_words("'' a", &e).unwrap(), ["a"]);
    assert_eq!(lex.process_words("", &e).unwrap(), Vec::<String>::new());
    // process_word keeps the whitespace.
    assert_eq!(lex.process_word("  $V ", &e).unwrap(), "   a  b  ");
}

#[test]
fn leading_byte_order_mark_is_skipped() {
    let lex = Lexer::new('\\');
    assert_eq!(word(&lex, "\u{feff}$A").unwrap(), "a b");
    assert_eq!(word(&lex, "x\u{feff}").unwrap(), "x\u{feff}");
}

#[test]
fn word_offsets_point_at_the_starting_element() {
    let lex = Lexer::new('\\');
    let e = env(&[("V", " a  b "), ("E", "")]);
    let got = |input: &str| lex.process_words_with_offsets(input, &e).unwrap();
    let pairs = |list: &[(&str, usize)]| {
        list.iter()
            .map(|&(w, o)| (w.to_string(), o))
            .collect::<Vec<_>>()
    };
    assert_eq!(got("ab  cd"), pairs(&[("ab", 0), ("cd", 4)]));
    // A quote, an escape or a `$` starts the word at its own offset.
    assert_eq!(got(" 'x y' \\ z"), pairs(&[("x y", 1), (" z", 7)]));
    // Words from one variable's value all start at its `$`.
    assert_eq!(got("x $V"), pairs(&[("x", 0), ("a", 2), ("b", 2)]));
    // Elements that add nothing do not start a word.
    assert_eq!(got("'' $E b"), pairs(&[("b", 6)]));
    assert_eq!(got("\u{feff}é ü"), pairs(&[("é", 3), ("ü", 6)]));
    assert_eq!(
        lex.process_words("x $V", &e).unwrap(),
        got("x $V").into_iter().map(|(w, _)| w).collect::<Vec<_>>()
    );
}
