//! The entry point: both passes, then grouping into stages (upstream's
//! `instructions.Parse`).

use super::ast::{Command, Dockerfile, Instruction, Stage};
use super::error::Error;
use super::instruction_ctx::Ctx;
use super::instructions::{parse_instruction, Parsed};
use super::reader::read;

/// The most instructions a Dockerfile may have (upstream has no limit; real ones have tens).
pub const MAX_INSTRUCTIONS: usize = 10_000;
/// The most build stages (`FROM` lines) a Dockerfile may have.
pub const MAX_STAGES: usize = 1_000;
/// The most `--flag`s one instruction may have (`RUN --mount=…` repeated).
pub const MAX_FLAGS: usize = 256;
/// The most arguments one instruction may have (`COPY` sources, `EXPOSE` ports…).
pub const MAX_ARGS: usize = 4_096;

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
    for (n, ri) in raw.instructions.iter().enumerate() {
        let ctx = Ctx::of(ri);
        check_limits(&ctx, ri, n, stages.len())?;
        let original = ri.node.original.trim().to_string();
        match parse_instruction(&ctx)? {
            Parsed::From(from) => stages.push(Stage {
                from,
                span: ri.span,
                original,
                comments: ri.comments.clone(),
                instructions: Vec::new(),
            }),
            Parsed::Command(command) => {
                let inst = Instruction {
                    span: ri.span,
                    original,
                    command,
                    comments: ri.comments.clone(),
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

/// Refuses the `n`th instruction when it goes past [`MAX_INSTRUCTIONS`], [`MAX_STAGES`],
/// [`MAX_FLAGS`] or [`MAX_ARGS`], before it is parsed any further.
fn check_limits(
    ctx: &Ctx<'_>,
    ri: &super::reader::RawInstruction,
    n: usize,
    stages: usize,
) -> Result<(), Error> {
    if n >= MAX_INSTRUCTIONS {
        return Err(ctx
            .err(format!("more than {MAX_INSTRUCTIONS} instructions"))
            .with_hint("split the build into several Dockerfiles, or merge RUN lines with &&"));
    }
    let node = match (&ri.node.sub, ri.node.keyword().as_str()) {
        (Some(sub), "onbuild") => sub,
        _ => &ri.node,
    };
    if stages >= MAX_STAGES && node.keyword() == "from" {
        return Err(ctx
            .err(format!("more than {MAX_STAGES} build stages"))
            .with_hint("split the build into several Dockerfiles"));
    }
    let flags = ri.node.flags.len() + ri.node.sub.as_ref().map_or(0, |s| s.flags.len());
    if flags > MAX_FLAGS {
        return Err(ctx
            .err(format!(
                "{flags} flags, more than the {MAX_FLAGS} allowed on one instruction"
            ))
            .with_hint("split the instruction into several"));
    }
    let args = ri.node.args.len().max(node.args.len());
    if args > MAX_ARGS {
        return Err(ctx
            .err(format!(
                "{args} arguments, more than the {MAX_ARGS} allowed on one instruction"
            ))
            .with_hint("split the instruction into several, or copy a directory"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> Error {
        parse(text).expect_err("the parse fails")
    }

    #[test]
    fn instruction_stage_flag_and_argument_limits() {
        let runs: String = (0..=MAX_INSTRUCTIONS)
            .map(|i| format!("RUN echo {i}\n"))
            .collect();
        let e = err(&format!("FROM scratch\n{runs}"));
        assert_eq!(e.span.start_line, MAX_INSTRUCTIONS + 1, "{e}");
        assert!(e.message.contains("more than 10000 instructions"), "{e}");

        let stages: String = (0..=MAX_STAGES).map(|_| "FROM scratch\n").collect();
        let e = err(&stages);
        assert_eq!(e.span.start_line, MAX_STAGES + 1, "{e}");
        assert!(e.message.contains("more than 1000 build stages"), "{e}");

        let mounts: String = (0..=MAX_FLAGS)
            .map(|i| format!("--mount=type=cache,target=/c{i} "))
            .collect();
        let e = err(&format!("FROM scratch\n\nRUN {mounts}true\n"));
        assert_eq!((e.span.start_line, e.span.col), (3, 1), "{e}");
        assert!(e.message.contains("flags, more than the 256"), "{e}");

        let e = err(&format!("FROM scratch\nCOPY {}a\n", "a ".repeat(MAX_ARGS)));
        assert_eq!(e.span.start_line, 2, "{e}");
        assert!(e.message.contains("arguments, more than the 4096"), "{e}");

        // At the limits, all is well.
        let runs: String = (1..MAX_INSTRUCTIONS)
            .map(|i| format!("RUN echo {i}\n"))
            .collect();
        assert!(parse(&format!("FROM scratch\n{runs}")).is_ok());
    }
}
