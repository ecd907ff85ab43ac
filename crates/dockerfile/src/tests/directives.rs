//! `# syntax=`, `# escape=`, `# check=`.

use super::{assert_err, ok, span};

#[test]
fn all_three_directives() {
    let df =
        ok("# syntax=docker/dockerfile:1.7\n#ESCAPE = `\n#  check=skip=all;error=true\nFROM a\n");
    let d = &df.directives;
    assert_eq!(
        d.syntax,
        Some(("docker/dockerfile:1.7".to_string(), span(1, 1, 1)))
    );
    assert_eq!(d.escape, '`');
    assert_eq!(d.check.as_deref(), Some("skip=all;error=true"));
}

#[test]
fn defaults() {
    let df = ok("FROM a\n");
    assert_eq!(df.directives.syntax, None);
    assert_eq!(df.directives.escape, '\\');
    assert_eq!(df.directives.check, None);
}

#[test]
fn indented_directive_and_trailing_spaces() {
    let df = ok("  # syntax = example/x   \nFROM a\n");
    assert_eq!(
        df.directives.syntax,
        Some(("example/x".to_string(), span(1, 1, 3)))
    );
}

#[test]
fn directives_stop_at_first_other_line() {
    // a comment ends the directive block
    let df = ok("# hello\n# escape=`\nFROM a\n");
    assert_eq!(df.directives.escape, '\\');
    // a blank line ends it too
    let df = ok("\n# syntax=x\nFROM a\n");
    assert_eq!(df.directives.syntax, None);
    // an unknown directive ends it
    let df = ok("# foo=bar\n# syntax=x\nFROM a\n");
    assert_eq!(df.directives.syntax, None);
    // after an instruction, it is a comment
    let df = ok("FROM a\n# escape=`\nRUN x \\\n y\n");
    assert_eq!(df.directives.escape, '\\');
    assert_eq!(df.stages[0].instructions.len(), 1);
}

#[test]
fn repeated_directive_after_the_block_is_a_comment() {
    let df = ok("# escape=`\n\n# escape=\\\nFROM a\n");
    assert_eq!(df.directives.escape, '`');
}

#[test]
fn invalid_escape() {
    let e = assert_err(
        "# escape=x\nFROM a\n",
        "invalid escape token 'x' does not match ` or \\",
        1,
        10,
    );
    assert!(e.hint.is_some());
}

#[test]
fn duplicate_directive() {
    assert_err(
        "# syntax=a\n# Syntax=b\nFROM a\n",
        "only one syntax parser directive can be used",
        2,
        1,
    );
    assert_err(
        "# check=a\n# escape=\\\n# CHECK=b\nFROM a\n",
        "only one check parser directive can be used",
        3,
        1,
    );
}

#[test]
fn escape_changes_continuation_and_word_escapes() {
    let df = ok("# escape=`\nFROM a\nENV A=b`\"c B=d\n");
    match &df.stages[0].instructions[0].command {
        super::Command::Env(kv) => {
            assert_eq!(kv.len(), 2);
            assert_eq!(kv[0].value, "b`\"c");
        }
        other => panic!("{other:?}"),
    }
}
