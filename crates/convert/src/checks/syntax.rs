//! The rules upstream runs while parsing and right after (no variable values needed):
//! empty continuation lines, `MAINTAINER`, stage-name and `FROM … AS` casing, definition
//! comments, reserved and duplicate stage names, instruction keyword casing.

use super::rules::*;
use super::{Config, Sink};
use stagetrail_dockerfile::ast::{Command, Dockerfile, Instruction, Span, Stage};

/// The keyword of an instruction as written.
pub(super) fn keyword(original: &str) -> &str {
    original.split_whitespace().next().unwrap_or_default()
}

/// The words of a `FROM` line after the keyword and its flags (upstream's `req.args`).
fn from_args(original: &str) -> Vec<&str> {
    original
        .split_whitespace()
        .skip(1)
        .skip_while(|w| w.starts_with("--"))
        .collect()
}

/// Every instruction in file order: global ARGs, then each stage's `FROM` (as `None`) and
/// instructions.
fn all(df: &Dockerfile) -> impl Iterator<Item = (Option<&Instruction>, Span)> {
    df.meta_args
        .iter()
        .map(|i| (Some(i), i.span))
        .chain(df.stages.iter().flat_map(|s| {
            std::iter::once((None, s.span)).chain(s.instructions.iter().map(|i| (Some(i), i.span)))
        }))
}

/// NoEmptyContinuation, at the last line of the instruction (as upstream locates it).
pub(super) fn empty_continuations(df: &Dockerfile, cfg: &Config, sink: &mut Sink) {
    for (span, _) in &df.warnings {
        let end = all(df)
            .map(|(_, s)| s)
            .find(|s| s.start_line <= span.start_line && span.start_line <= s.end_line)
            .map_or(span.start_line, |s| s.end_line);
        sink.report(
            cfg,
            &NO_EMPTY_CONTINUATION,
            Span::line(end),
            "Empty continuation line".into(),
        );
    }
}

/// MaintainerDeprecated, StageNameCasing, FromAsCasing, InvalidDefinitionDescription.
pub(super) fn parse_time(df: &Dockerfile, cfg: &Config, sink: &mut Sink) {
    for instr in &df.meta_args {
        instruction(instr, cfg, sink);
    }
    for stage in &df.stages {
        from(stage, cfg, sink);
        for instr in &stage.instructions {
            instruction(instr, cfg, sink);
        }
    }
}

fn instruction(instr: &Instruction, cfg: &Config, sink: &mut Sink) {
    match &instr.command {
        Command::Maintainer(_) => sink.report(
            cfg,
            &MAINTAINER_DEPRECATED,
            instr.span,
            "Maintainer instruction is deprecated in favor of using label".into(),
        ),
        Command::Arg(decls) => {
            let keys: Vec<&str> = decls.iter().map(|d| d.name.as_str()).collect();
            definition_description("ARG", &keys, &instr.comments, instr.span, cfg, sink);
        }
        _ => {}
    }
}

fn from(stage: &Stage, cfg: &Config, sink: &mut Sink) {
    let args = from_args(&stage.original);
    let command = keyword(&stage.original);
    if args.len() == 3 && args[2] != args[2].to_lowercase() {
        let detail = format!("Stage name '{}' should be lowercase", args[2]);
        sink.report(cfg, &STAGE_NAME_CASING, stage.span, detail);
    }
    if args.len() >= 3 {
        let lower = command == command.to_lowercase();
        let upper = command == command.to_uppercase();
        let mismatch = (lower && args[1] != args[1].to_lowercase())
            || (!lower && upper && args[1] != args[1].to_uppercase());
        if mismatch {
            let detail = format!(
                "'{}' and '{command}' keywords' casing do not match",
                args[1]
            );
            sink.report(cfg, &FROM_AS_CASING, stage.span, detail);
        }
    }
    if let Some(name) = &stage.from.name {
        definition_description("FROM", &[name], &stage.comments, stage.span, cfg, sink);
    }
}

/// InvalidDefinitionDescription: the comment right above names none of `keys`.
fn definition_description(
    instruction: &str,
    keys: &[&str],
    comments: &[String],
    span: Span,
    cfg: &Config,
    sink: &mut Sink,
) {
    let (Some(last), Some(first)) = (comments.last(), keys.first()) else {
        return;
    };
    let word = last.split(' ').next().unwrap_or_default();
    if keys.contains(&word) {
        return;
    }
    let example = if keys.len() > 1 { "<arg_key>" } else { first };
    let detail =
        format!("Comment for {instruction} should follow the format: `# {example} <description>`");
    sink.report(cfg, &INVALID_DEFINITION_DESCRIPTION, span, detail);
}

/// ReservedStageName and DuplicateStageName.
pub(super) fn stage_names(df: &Dockerfile, cfg: &Config, sink: &mut Sink) {
    let mut seen: Vec<&str> = Vec::new();
    for stage in &df.stages {
        let Some(name) = stage.from.name.as_deref() else {
            continue;
        };
        if matches!(name, "context" | "scratch") {
            let detail =
                format!("Stage name should not use the same name as reserved stage {name:?}");
            sink.report(cfg, &RESERVED_STAGE_NAME, stage.span, detail);
        }
        if seen.contains(&name) {
            let detail = format!("Duplicate stage name {name:?}, stage names should be unique");
            sink.report(cfg, &DUPLICATE_STAGE_NAME, stage.span, detail);
        }
        seen.push(name);
    }
}

/// ConsistentInstructionCasing: against the majority of the stages' keywords (global ARGs do
/// not count, as upstream).
pub(super) fn instruction_casing(df: &Dockerfile, cfg: &Config, sink: &mut Sink) {
    let keywords: Vec<(&str, Span)> = df
        .stages
        .iter()
        .flat_map(|s| {
            std::iter::once((keyword(&s.original), s.span)).chain(
                s.instructions
                    .iter()
                    .map(|i| (keyword(&i.original), i.span)),
            )
        })
        .collect();
    let (mut lower, mut upper) = (0, 0);
    for (k, _) in &keywords {
        if *k == k.to_lowercase() {
            lower += 1;
        } else if *k == k.to_uppercase() {
            upper += 1;
        }
    }
    let majority_lower = lower > upper;
    for (k, span) in keywords {
        let casing = if majority_lower && k != k.to_lowercase() {
            "lowercase"
        } else if !majority_lower && k != k.to_uppercase() {
            "uppercase"
        } else {
            continue;
        };
        let detail =
            format!("Command '{k}' should match the case of the command majority ({casing})");
        sink.report(cfg, &CONSISTENT_INSTRUCTION_CASING, span, detail);
    }
}
