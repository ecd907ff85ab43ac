//! The entry point: both passes, then grouping into stages (upstream's
//! `instructions.Parse`).

use super::ast::{Command, Dockerfile, Instruction, Stage};
use super::error::Error;
use super::instruction_ctx::Ctx;
use super::instructions::{parse_instruction, Parsed};
use super::reader::read;

/// Parses a Dockerfile into its syntax tree.
///
/// File-level problems (directives, JSON arrays of non-strings, ENV/LABEL
/// syntax, unterminated heredocs) are reported before instruction-level ones,
/// as upstream does; every error carries a line and column.
pub fn parse(text: &str) -> Result<Dockerfile, Error> {
    if text.is_empty() {
        let first = super::ast::Span {
            start_line: 1,
            end_line: 1,
            col: 1,
        };
        return Err(Error::new(first, "the Dockerfile cannot be empty")
            .with_hint("a Dockerfile needs at least a FROM instruction"));
    }
    let raw = read(text)?;
    let mut meta_args = Vec::new();
    let mut stages: Vec<Stage> = Vec::new();
    for ri in &raw.instructions {
        let ctx = Ctx::of(ri);
        let original = ri.node.original.trim().to_string();
        match parse_instruction(&ctx)? {
            Parsed::From(from) => stages.push(Stage {
                from,
                span: ri.span,
                original,
                instructions: Vec::new(),
            }),
            Parsed::Command(command) => {
                let inst = Instruction {
                    span: ri.span,
                    original,
                    command,
                };
                match stages.last_mut() {
                    Some(stage) => stage.instructions.push(inst),
                    None if matches!(inst.command, Command::Arg(_)) => meta_args.push(inst),
                    None => {
                        return Err(ctx.err("no build stage in current context").with_hint(
                            "only ARG may come before the first FROM; add a FROM instruction above this line",
                        ))
                    }
                }
            }
        }
    }
    Ok(Dockerfile {
        directives: raw.directives,
        meta_args,
        stages,
        warnings: raw.warnings,
    })
}
