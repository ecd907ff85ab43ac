//! ONBUILD triggers: parsed from the base image's config (or the base stage's `ONBUILD`
//! instructions), and — in dialects that plan them — the stages and images they copy or mount
//! from added to the stage's dependencies before dispatch, as upstream's `initOnBuildTriggers`.

use super::ctx::Ctx;
use super::Error;
use stagetrail_dockerfile::ast::{Command, Instruction, Span};

/// One trigger (`COPY --from=assets /a /b`) as an instruction; its span is line 0.
pub(crate) fn parse_trigger(trigger: &str) -> Result<Instruction, Error> {
    let parsed = stagetrail_dockerfile::parse(&format!("FROM scratch\n{trigger}\n"))?;
    let mut instrs: Vec<Instruction> = parsed
        .stages
        .into_iter()
        .flat_map(|s| s.instructions)
        .collect();
    if instrs.len() != 1 {
        return Err(Error::new(
            Default::default(),
            "onbuild trigger should be a single expression",
        ));
    }
    let mut instr = instrs.remove(0);
    instr.span.start_line -= 1;
    instr.span.end_line -= 1;
    Ok(instr)
}

/// A trigger's error, at the stage's `FROM`.
pub(crate) fn trigger_failed(span: Span, trigger: &str, e: Error) -> Error {
    Error::new(
        span,
        format!(
            "ONBUILD trigger {trigger:?} of the base image failed: {}",
            e.message
        ),
    )
    .with_hint(
        e.hint
            .unwrap_or_else(|| "fix or rebuild the base image".into()),
    )
}

impl Ctx<'_> {
    /// Adds the sources of the triggers of every reachable stage not planned yet; true when
    /// a stage got new dependencies (reachability and base resolution must then run again).
    pub(crate) fn plan_trigger_sources(&mut self) -> Result<bool, Error> {
        let mut added = false;
        for i in self.reachable.clone() {
            if self.states[i].triggers_planned || self.states[i].stage.is_none() {
                continue;
            }
            self.states[i].triggers_planned = true;
            let span = self.states[i].span;
            for trigger in self.triggers_of(i) {
                let failed = |e| trigger_failed(span, &trigger, e);
                let instr = parse_trigger(&trigger).map_err(failed)?;
                for src in self.trigger_sources(&instr).map_err(failed)? {
                    added |= !self.states[i].deps.iter().any(|(d, _)| *d == src);
                    self.states[i].add_dep(src, span);
                }
            }
        }
        Ok(added)
    }

    /// The triggers a stage runs first: its base stage's `ONBUILD` instructions, or its base
    /// image's `OnBuild` list.
    fn triggers_of(&self, i: usize) -> Vec<String> {
        match self.states[i].base {
            Some(b) => self.states[b]
                .stage
                .map(|si| {
                    self.s.df.stages[si]
                        .instructions
                        .iter()
                        .filter_map(|ins| match &ins.command {
                            Command::Onbuild { expression, .. } => Some(expression.clone()),
                            _ => None,
                        })
                        .collect()
                })
                .unwrap_or_default(),
            None => self.states[i].image.config.on_build.clone(),
        }
    }
}
