//! The conversion context of one platform build: its inputs ([`Setup`]) and the state every
//! lowering step reads and writes ([`Ctx`]): stages, names, sources, reachability, resolved
//! images. The planning, resolving and lowering modules each add methods to [`Ctx`].

use std::collections::{BTreeMap, BTreeSet};

use super::checks::found::Scope;
use super::checks::{At, Finding, Warning};
use super::lower_arg::NON_ENV_ARGS;
use super::options::Options;
use super::outline::ArgInfo;
use super::platform::Platform;
use super::resolver::{ResolvedImage, Resolver};
use super::state::{EnvList, StageState};
use stagetrail_dockerfile::ast::Dockerfile;
use stagetrail_dockerfile::expand::Lexer;
use stagetrail_llb as llb;
use stagetrail_llb::pb;

/// Inputs of one platform build.
pub(crate) struct Setup<'a> {
    pub df: &'a Dockerfile,
    pub opts: &'a Options,
    pub resolver: &'a dyn Resolver,
    pub build_platform: Platform,
    pub target_platform: Platform,
    /// No `--platform` was requested: image platform comes from the base image.
    pub implicit_target: bool,
    /// Several target platforms: progress names get a platform prefix.
    pub multi_platform: bool,
}

/// Mutable conversion state for one pass over one platform.
pub(crate) struct Ctx<'a> {
    pub s: &'a Setup<'a>,
    pub lexer: Lexer,
    /// Global ARGs (platform args first), values after build-arg overrides.
    pub meta_args: Vec<(String, Option<String>)>,
    /// The global ARG definitions, for the outline.
    pub meta_outline: BTreeMap<String, ArgInfo>,
    pub proxy: Option<pb::ProxyEnv>,
    /// History `created` time.
    pub epoch: Option<String>,
    pub states: Vec<StageState>,
    pub by_name: BTreeMap<String, usize>,
    /// The image states ONBUILD triggers' `--from` names made, by name as written.
    pub trigger_images: BTreeMap<String, usize>,
    /// Source states of `COPY --from` / `RUN --mount`, per (state, instruction).
    pub sources: BTreeMap<(usize, usize), Vec<usize>>,
    pub target: usize,
    pub reachable: BTreeSet<usize>,
    pub build_context: llb::State,
    pub cache: &'a mut BTreeMap<(String, String), Result<ResolvedImage, String>>,
    /// History entries copied so far from base stages (bounded by [`MAX_INHERITED_HISTORY`]).
    pub inherited: usize,
    /// Bytes of environment copied into exec ops and of history text written so far (bounded
    /// by [`MAX_EMITTED_BYTES`]).
    pub emitted: usize,
    /// The build checks this pass found (they outlive a failed pass).
    pub lint: &'a mut Vec<Finding>,
    /// The stage and slot ([`At::Dispatch`]) of the instruction being dispatched.
    pub lint_slot: (usize, usize),
}

/// The most bytes of environment (copied into every `RUN`) and history text one conversion
/// may produce: a 1 MiB `ENV` value and 10,000 `RUN`s would otherwise make 10 GB of LLB, far
/// past what BuildKit accepts in one request anyway.
pub const MAX_EMITTED_BYTES: usize = 16 << 20;

/// The most image history entries that stages may copy from the stages they start from, in
/// total: each `FROM <stage>` copies the whole history of its base, so a long chain of stages
/// over a long stage would otherwise need memory quadratic in the Dockerfile's length.
pub const MAX_INHERITED_HISTORY: usize = 200_000;

impl Ctx<'_> {
    /// Records build-check warnings found at `at`.
    pub fn found(&mut self, at: At, warnings: impl IntoIterator<Item = Warning>) {
        self.lint
            .extend(warnings.into_iter().map(|warning| Finding { at, warning }));
    }

    /// What UndefinedVar looks variables up in for state `i`: `env` (else the state's
    /// environment); the ARGs the state declared are never reported.
    pub fn lint_scope<'c>(&'c self, i: usize, env: Option<&'c EnvList>) -> Scope<'c> {
        let d = &self.states[i];
        let env = env.unwrap_or(&d.env);
        Scope {
            lexer: &self.lexer,
            env,
            names: env.0.iter().map(|(k, _)| k.as_str()).collect(),
            declared: d
                .inherited_args
                .iter()
                .chain(&d.build_args)
                .map(|(k, _)| k.as_str())
                .chain(NON_ENV_ARGS.iter().copied())
                .collect(),
        }
    }

    /// Records warnings found at `step` of the instruction being dispatched.
    pub fn found_at_step(&mut self, step: usize, warnings: impl IntoIterator<Item = Warning>) {
        let (stage, slot) = self.lint_slot;
        self.found(At::Dispatch(stage, slot, step), warnings);
    }

    /// Resolves an image once per reference and platform.
    pub fn resolve(
        &mut self,
        reference: &str,
        platform: &Platform,
    ) -> Result<ResolvedImage, String> {
        let key = (reference.to_string(), platform.id());
        if let Some(r) = self.cache.get(&key) {
            return r.clone();
        }
        let r = self.s.resolver.resolve(reference, platform);
        self.cache.insert(key, r.clone());
        r
    }

    /// The global ARGs as an expansion environment (unset values are "").
    pub fn meta_env(&self) -> BTreeMap<String, String> {
        self.meta_args
            .iter()
            .map(|(k, v)| (k.clone(), v.clone().unwrap_or_default()))
            .collect()
    }

    /// The stage's platform (target platform until set).
    pub fn platform_of(&self, i: usize) -> Platform {
        self.states[i].platform_or(&self.s.target_platform)
    }
}
