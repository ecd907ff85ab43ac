//! Build checks (upstream's Dockerfile linter): the rules ([`rules`]), their configuration
//! ([`Config`]), and the warnings a Dockerfile gets, in the order upstream reports them —
//! parse-time rules instruction by instruction, then stage names, then instruction casing,
//! then each stage's instructions as they are dispatched.
//!
//! Implemented: NoEmptyContinuation, MaintainerDeprecated, StageNameCasing, FromAsCasing,
//! InvalidDefinitionDescription (experimental), ReservedStageName, DuplicateStageName,
//! ConsistentInstructionCasing, LegacyKeyValueFormat, SecretsUsedInArgOrEnv,
//! MultipleInstructionsDisallowed, JSONArgsRecommended, WorkdirRelativePath,
//! ExposeProtoCasing, ExposeInvalidFormat. The rules that need variable values or base images
//! (UndefinedVar, UndefinedArgInFrom, InvalidDefaultArgInFrom, RedundantTargetPlatform,
//! FromPlatformFlagConstDisallowed, InvalidBaseImagePlatform, CopyIgnoredFile) are not yet.

mod config;
mod dispatch;
pub mod rules;
mod syntax;

pub use config::Config;
pub use rules::Rule;

use std::collections::BTreeMap;

use stagetrail_dockerfile::ast::{Dockerfile, Span};

/// The build arg that replaces the `# check=` directive.
pub const CHECK_ARG: &str = "BUILDKIT_DOCKERFILE_CHECK";

/// One finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warning {
    /// The rule.
    pub rule: &'static Rule,
    /// The message (upstream's `detail`).
    pub detail: String,
    /// Where: the instruction's lines.
    pub span: Span,
}

impl Warning {
    /// The one-line form of a build's warning: `Rule: detail (line N)`.
    pub fn short(&self) -> String {
        format!(
            "{}: {} (line {})",
            self.rule.name, self.detail, self.span.start_line
        )
    }
}

/// The configuration in effect: `BUILDKIT_DOCKERFILE_CHECK` when set, else the `# check=`
/// directive. The error is upstream's message.
pub fn config(df: &Dockerfile, build_args: &BTreeMap<String, String>) -> Result<Config, String> {
    match build_args.get(CHECK_ARG) {
        Some(v) => {
            Config::parse(v).map_err(|e| format!("failed to parse build-arg:{CHECK_ARG}: {e}"))
        }
        None => Config::parse(df.directives.check.as_deref().unwrap_or_default())
            .map_err(|e| format!("failed to parse check options: {e}")),
    }
}

/// Collects warnings under a configuration.
pub(crate) struct Sink<'a> {
    pub out: &'a mut Vec<Warning>,
}

impl Sink<'_> {
    /// Reports `rule` at `span` when `cfg` enables it.
    pub fn report(&mut self, cfg: &Config, rule: &'static Rule, span: Span, detail: String) {
        if cfg.enabled(rule) {
            self.out.push(Warning { rule, detail, span });
        }
    }
}

/// Every warning of `df` under `cfg`, every stage checked (what `--check` reports).
pub fn check(df: &Dockerfile, cfg: &Config) -> Vec<Warning> {
    check_stages(df, cfg, &|_| true)
}

/// The warnings a build of the stages `built` (indices) reports: the rules of parse time for
/// the whole file, those of dispatch time for the built stages only.
pub fn check_built(df: &Dockerfile, cfg: &Config, built: &[usize]) -> Vec<Warning> {
    check_stages(df, cfg, &|i| built.contains(&i))
}

fn check_stages(df: &Dockerfile, cfg: &Config, dispatched: &dyn Fn(usize) -> bool) -> Vec<Warning> {
    let mut out = Vec::new();
    let mut sink = Sink { out: &mut out };
    syntax::empty_continuations(df, cfg, &mut sink);
    syntax::parse_time(df, cfg, &mut sink);
    syntax::stage_names(df, cfg, &mut sink);
    syntax::instruction_casing(df, cfg, &mut sink);
    dispatch::stages(df, cfg, dispatched, &mut sink);
    out
}

/// Whether the configuration makes these warnings an error, and its message (upstream's
/// `lint violation found for rules: …`, rules in first-reported order).
pub fn error(cfg: &Config, warnings: &[Warning]) -> Option<String> {
    if !cfg.error || warnings.is_empty() {
        return None;
    }
    let mut names: Vec<&str> = Vec::new();
    for w in warnings {
        if !names.contains(&w.rule.name) {
            names.push(w.rule.name);
        }
    }
    Some(format!(
        "lint violation found for rules: {}",
        names.join(", ")
    ))
}

#[cfg(test)]
mod tests;
