//! Parser tests over whole Dockerfiles.

mod directives;
mod errors;
mod heredocs;
mod instructions;
mod lines;
mod robustness;
mod stages;

use super::ast::{Command, Dockerfile, Span};
use super::{parse, Error};

/// Parses `text`, panicking with the error.
fn ok(text: &str) -> Dockerfile {
    parse(text).unwrap_or_else(|e| panic!("{}", e.render("Dockerfile")))
}

/// Parses `text`, expecting an error.
fn err(text: &str) -> Error {
    match parse(text) {
        Ok(df) => panic!("expected an error, got {df:#?}"),
        Err(e) => e,
    }
}

/// Asserts message and `line:col` of the error of `text`.
fn assert_err(text: &str, message: &str, line: usize, col: usize) -> Error {
    let e = err(text);
    assert_eq!(e.message, message, "{text:?}");
    assert_eq!(
        (e.span.start_line, e.span.col),
        (line, col),
        "{text:?}: {e:?}"
    );
    e
}

/// The commands of the first stage of `FROM scratch\n` + `body`.
fn stage_cmds(body: &str) -> Vec<Command> {
    let df = ok(&format!("FROM scratch\n{body}"));
    df.stages[0]
        .instructions
        .iter()
        .map(|i| i.command.clone())
        .collect()
}

/// The only command of `FROM scratch\n` + `line`.
fn one(line: &str) -> Command {
    let mut c = stage_cmds(line);
    assert_eq!(c.len(), 1, "{line:?}");
    c.remove(0)
}

fn span(start_line: usize, end_line: usize, col: usize) -> Span {
    Span {
        start_line,
        end_line,
        col,
    }
}
