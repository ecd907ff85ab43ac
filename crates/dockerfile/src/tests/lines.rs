//! BOM, CRLF, continuations, comments, spans and `original`.

use super::super::ast::{CmdLine, Command};
use super::{ok, span, stage_cmds};

fn run_shell(c: &Command) -> &str {
    match c {
        Command::Run(r) => match &r.cmd.cmd {
            CmdLine::Shell(s) => s,
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    }
}

#[test]
fn bom_and_crlf() {
    let df = ok("\u{feff}FROM alpine\r\nRUN echo hi\r\n");
    assert_eq!(df.stages[0].from.base, "alpine");
    assert_eq!(df.stages[0].span, span(1, 1, 1));
    let inst = &df.stages[0].instructions[0];
    assert_eq!(run_shell(&inst.command), "echo hi");
    assert_eq!(inst.original, "RUN echo hi");
}

#[test]
fn continuation_joins_lines_and_keeps_inner_whitespace() {
    let df = ok("FROM a\nRUN echo a \\\n    b \\  \n\tc\n");
    let inst = &df.stages[0].instructions[0];
    assert_eq!(run_shell(&inst.command), "echo a     b \tc");
    assert_eq!(inst.span, span(2, 4, 1));
    assert_eq!(inst.original, "RUN echo a     b \tc");
}

#[test]
fn escaped_escape_does_not_continue() {
    let c = stage_cmds("RUN echo a\\\\\nRUN b\n");
    assert_eq!(c.len(), 2);
    assert_eq!(run_shell(&c[0]), "echo a\\\\");
}

#[test]
fn backtick_escape_continues() {
    let df = ok("# escape=`\nFROM a\nRUN dir c:\\ `\n  d:\\\n");
    assert_eq!(df.directives.escape, '`');
    assert_eq!(
        run_shell(&df.stages[0].instructions[0].command),
        "dir c:\\   d:\\"
    );
}

#[test]
fn comments_and_blank_lines_inside_continuation() {
    let df = ok("FROM a\nRUN a \\\n# comment \\\n   # indented comment\n  b \\\n\n   \n  c\n");
    let inst = &df.stages[0].instructions[0];
    assert_eq!(run_shell(&inst.command), "a   b   c");
    assert_eq!(inst.span, span(2, 8, 1));
    assert_eq!(df.warnings.len(), 1);
    assert_eq!(df.warnings[0].0, span(6, 6, 1));
    assert!(df.warnings[0]
        .1
        .starts_with("Empty continuation line found in: RUN a"));
}

#[test]
fn comment_ending_in_escape_is_not_a_continuation() {
    let c = stage_cmds("# hello \\\nRUN x\n");
    assert_eq!(run_shell(&c[0]), "x");
}

#[test]
fn continuation_at_end_of_file() {
    let df = ok("FROM a\nRUN x \\");
    assert_eq!(run_shell(&df.stages[0].instructions[0].command), "x");
    let df = ok("FROM a\nRUN x \\\n");
    assert_eq!(df.stages[0].instructions[0].span, span(2, 2, 1));
}

#[test]
fn lone_escape_line_continues() {
    let df = ok("FROM a\n\\\nRUN x\n");
    let inst = &df.stages[0].instructions[0];
    assert_eq!(run_shell(&inst.command), "x");
    assert_eq!(inst.span, span(2, 3, 1));
}

#[test]
fn indented_instructions_and_case_insensitive_keywords() {
    let df = ok("  from a\n\t  rUn x\n");
    assert_eq!(df.stages[0].span, span(1, 1, 3));
    let inst = &df.stages[0].instructions[0];
    assert_eq!(inst.span, span(2, 2, 4));
    assert_eq!(inst.original, "rUn x");
}

#[test]
fn trailing_whitespace_is_trimmed_from_original() {
    let df = ok("FROM a  \nRUN x  \n");
    assert_eq!(df.stages[0].original, "FROM a");
    assert_eq!(df.stages[0].instructions[0].original, "RUN x");
    assert_eq!(run_shell(&df.stages[0].instructions[0].command), "x");
}
