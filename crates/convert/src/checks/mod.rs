//! Build checks (upstream's Dockerfile linter): the rules ([`rules`]), their configuration
//! ([`Config`]), and the warnings a Dockerfile gets, in the order upstream reports them —
//! parse-time rules instruction by instruction, then stage names, then instruction casing,
//! then the `FROM` lines, the base images, and each stage's instructions as they are
//! dispatched.
//!
//! All 22 rules of BuildKit 0.25. Those that need no variable value are checked here on the
//! syntax tree: NoEmptyContinuation, MaintainerDeprecated, StageNameCasing, FromAsCasing,
//! InvalidDefinitionDescription (experimental), ReservedStageName, DuplicateStageName,
//! ConsistentInstructionCasing, LegacyKeyValueFormat, SecretsUsedInArgOrEnv,
//! MultipleInstructionsDisallowed, JSONArgsRecommended, WorkdirRelativePath,
//! ExposeProtoCasing, ExposeInvalidFormat. The conversion finds the others while it expands
//! words, resolves base images and reads `.dockerignore` ([`Finding`]s, see
//! `crate::convert_checked`): InvalidDefaultArgInFrom, UndefinedArgInFrom,
//! RedundantTargetPlatform, FromPlatformFlagConstDisallowed, InvalidBaseImagePlatform,
//! UndefinedVar, CopyIgnoredFile (experimental); [`check`] merges both in upstream's order.

mod config;
mod dispatch;
pub(crate) mod found;
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

/// When upstream reports a warning; warnings sort by it (stable, so those of one moment keep
/// the order they were found in).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum At {
    /// While parsing, and the stage-name and casing checks right after.
    Parse,
    /// The `FROM` lines, before any base image is resolved.
    From,
    /// A base image, once resolved.
    Base,
    /// An instruction as its stage is dispatched: the stage's index, the slot (0 for the
    /// ONBUILD triggers of its base, else the instruction's index + 1) and the step inside the
    /// instruction ([`Step`]).
    Dispatch(usize, usize, usize),
}

/// Steps inside one dispatched instruction ([`At::Dispatch`]), in upstream's order.
pub mod step {
    /// The instruction's words are expanded (UndefinedVar).
    pub const EXPAND: usize = 0;
    /// The instruction is dispatched (the syntax rules, CopyIgnoredFile).
    pub const DISPATCH: usize = 1;
    /// `ARG`: the `n`th declaration's name is checked (SecretsUsedInArgOrEnv)…
    pub fn arg_name(n: usize) -> usize {
        2 + 2 * n
    }
    /// …then its default expanded (UndefinedVar).
    pub fn arg_default(n: usize) -> usize {
        3 + 2 * n
    }
}

/// A warning the conversion found, with when upstream reports it. Unfiltered: [`check`]
/// applies the configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// When.
    pub at: At,
    /// What.
    pub warning: Warning,
}

impl Finding {
    /// `rule` at `span`, reported at `at`.
    pub fn new(at: At, rule: &'static Rule, span: Span, detail: String) -> Finding {
        Finding {
            at,
            warning: Warning { rule, detail, span },
        }
    }
}

/// Collects warnings under a configuration.
pub(crate) struct Sink<'a> {
    pub out: &'a mut Vec<(At, Warning)>,
    /// When the warnings reported now are reported upstream.
    pub at: At,
}

impl Sink<'_> {
    /// Reports `rule` at `span` when `cfg` enables it.
    pub fn report(&mut self, cfg: &Config, rule: &'static Rule, span: Span, detail: String) {
        if cfg.enabled(rule) {
            self.out.push((self.at, Warning { rule, detail, span }));
        }
    }
}

/// Every warning of `df` under `cfg`, every stage checked (what `--check` reports), with the
/// conversion's `found` (converted with every stage dispatched).
pub fn check(df: &Dockerfile, cfg: &Config, found: &[Finding]) -> Vec<Warning> {
    check_stages(df, cfg, &|_| true, found)
}

/// The warnings a build of the stages `built` (indices) reports: the rules of parse time for
/// the whole file, those of dispatch time for the built stages only, and the conversion's.
pub fn check_built(
    df: &Dockerfile,
    cfg: &Config,
    built: &[usize],
    found: &[Finding],
) -> Vec<Warning> {
    check_stages(df, cfg, &|i| built.contains(&i), found)
}

fn check_stages(
    df: &Dockerfile,
    cfg: &Config,
    dispatched: &dyn Fn(usize) -> bool,
    found: &[Finding],
) -> Vec<Warning> {
    let mut out = Vec::new();
    let mut sink = Sink {
        out: &mut out,
        at: At::Parse,
    };
    syntax::empty_continuations(df, cfg, &mut sink);
    syntax::parse_time(df, cfg, &mut sink);
    syntax::stage_names(df, cfg, &mut sink);
    syntax::instruction_casing(df, cfg, &mut sink);
    dispatch::stages(df, cfg, dispatched, &mut sink);
    out.extend(
        found
            .iter()
            .filter(|f| cfg.enabled(f.warning.rule))
            .map(|f| (f.at, f.warning.clone())),
    );
    out.sort_by_key(|(at, _)| *at);
    out.into_iter().map(|(_, w)| w).collect()
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
#[cfg(test)]
mod tests_found;
