//! Tests for reading and matching ignore patterns.

use super::{clean_path, matches, parse};

fn pats(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[test]
fn parse_rules() {
    let text = "\u{feff}# comment\n\n  node_modules  \r\n/abs/path\n!/keep//me/\n  # not a comment\n./a/../b\n!\n/\n*.md\n";
    assert_eq!(
        parse(text),
        [
            "node_modules",
            "abs/path",
            "!keep/me",
            "# not a comment",
            "b",
            "!",
            "/",
            "*.md"
        ]
    );
    assert_eq!(parse("a\nb"), ["a", "b"]);
    assert_eq!(parse("! x/./y "), ["!x/y"]);
    assert!(parse("").is_empty());
}

#[test]
fn clean_like_go() {
    for (p, want) in [
        ("", "."),
        (".", "."),
        ("a//b/./c/", "a/b/c"),
        ("a/../..", ".."),
        ("/../a", "/a"),
        ("/", "/"),
        ("../../x/..", "../.."),
    ] {
        assert_eq!(clean_path(p), want, "{p}");
    }
}

#[test]
fn exact_prefix_and_parent_dirs() {
    let p = pats(&["foo", "dir/**"]);
    assert!(matches(&p, "foo"));
    assert!(matches(&p, "foo/bar/baz"));
    assert!(!matches(&p, "foobar"));
    assert!(!matches(&p, "x/foo"));
    assert!(matches(&p, "dir/a"));
    assert!(!matches(&p, "dirx"));
    assert!(!matches(&p, "."));
    assert!(matches(&p, "./foo/"));
}

#[test]
fn wildcards() {
    let p = pats(&["*.md", "src/?.rs", "[a-c]x", "[^a-c]y", "lit\\*"]);
    assert!(matches(&p, "README.md"));
    assert!(!matches(&p, "docs/README.md"));
    assert!(matches(&p, "src/a.rs"));
    assert!(!matches(&p, "src/ab.rs"));
    assert!(matches(&p, "bx"));
    assert!(!matches(&p, "dx"));
    assert!(matches(&p, "dy"));
    assert!(!matches(&p, "ay"));
    assert!(matches(&p, "lit*"));
    assert!(!matches(&p, "litx"));
    // `*` does not cross `/`, but a matching parent directory counts.
    assert!(matches(&pats(&["a*"]), "abc/d/e"));
}

#[test]
fn double_star() {
    let p = pats(&["**/*.go"]);
    assert!(matches(&p, "main.go"));
    assert!(matches(&p, "a/b/c.go"));
    assert!(!matches(&p, "a/b/c.rs"));
    let p = pats(&["a/**/b"]);
    assert!(matches(&p, "a/b"));
    assert!(matches(&p, "a/x/y/b"));
    assert!(!matches(&p, "a/xb"));
    assert!(matches(&pats(&["**"]), "anything/at/all"));
    // A leading `**` followed only by literals is a suffix match upstream.
    let p = pats(&["**/foo"]);
    assert!(matches(&p, "foo"));
    assert!(matches(&p, "x/y/foo"));
    assert!(matches(&pats(&["**foo"]), "barfoo"));
    assert!(matches(&pats(&["**/a/**"]), "x/a/b"));
}

#[test]
fn exclusions() {
    let p = pats(&["*.md", "!README.md"]);
    assert!(matches(&p, "CHANGES.md"));
    assert!(!matches(&p, "README.md"));
    let p = pats(&["*.md", "!README.md", "README*"]);
    assert!(matches(&p, "README.md"));
    let p = pats(&["docs", "!docs/keep.txt"]);
    assert!(matches(&p, "docs/x"));
    assert!(!matches(&p, "docs/keep.txt"));
}

#[test]
fn invalid_patterns_match_nothing() {
    for bad in ["[", "[]", "a[", "[a-]", "[^]", "x\\", "!"] {
        assert!(!matches(&pats(&["*", bad]), "a"), "{bad}");
    }
    assert!(matches(&pats(&["[\\]]"]), "]"));
    assert!(matches(&pats(&["[!a]"]), "!"));
}
