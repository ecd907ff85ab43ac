//! Dockerfile → LLB conversion: stage DAG, ARG/ENV scoping, lowering, image config.
//!
//! Behaviour follows BuildKit v0.13.2's built-in frontend
//! (`frontend/dockerfile/dockerfile2llb`, `frontend/dockerui`), or v0.25's where
//! [`Options::dialect`] asks for it: one [`PlatformBuild`] per target platform, each
//! with the LLB definition of the target stage and its image config.

pub mod checks;
mod context;
mod ctx;
mod dialect;
mod dispatch;
mod facts;
mod gitref;
mod gofmt;
mod image;
mod lower_arg;
mod lower_copy;
mod lower_meta;
mod lower_mount;
mod lower_run;
mod names;
mod onbuild;
mod options;
pub mod outline;
mod plan;
mod platform;
pub mod record;
pub mod redact;
pub mod remote;
mod resolve;
mod resolver;
mod state;
mod words;

pub use dialect::{Dialect, UnknownDialect};
pub use facts::{Input, InputKind, InputSource, InstructionFacts};
pub use image::Image;
pub use options::{NamedContext, Options};
pub use platform::Platform;
pub use remote::MainContext;
pub use resolver::{MapResolver, NoResolver, ResolvedImage, Resolver};
pub use state::{StageBase, Step, StepKind};

use stagetrail_dockerfile::ast::{Dockerfile, Span};
use stagetrail_llb as llb;
use stagetrail_llb::pb;

/// Conversion errors: a Dockerfile [`stagetrail_dockerfile::Error`] (span, message, hint).
pub type Error = stagetrail_dockerfile::Error;

/// Per-platform result.
#[derive(Clone, Debug)]
pub struct PlatformBuild {
    /// The target platform.
    pub platform: Platform,
    /// Final target stage, marshalled.
    pub definition: pb::Definition,
    /// Image config JSON (`dockerspec.DockerOCIImage` layout, Go field order).
    pub image_config: serde_json::Value,
    /// The config of the image the target stage starts from (through its base stages), as
    /// resolved; `None` for `scratch`. The exporter keeps that image's layers and history
    /// timestamps out of `SOURCE_DATE_EPOCH` rewriting.
    pub base_config: Option<serde_json::Value>,
    /// Every stage reachable from the target, dependency order, target last.
    pub stages: Vec<StageBuild>,
    /// The main build context as the build used it.
    pub context: llb::State,
    /// What the target stage takes from its user (`frontend.outline`).
    pub outline: outline::Outline,
}

/// One stage (for per-stage solves, SBOMs and the build record).
#[derive(Clone, Debug)]
pub struct StageBuild {
    /// Stage index in the Dockerfile.
    pub index: usize,
    /// `AS` name.
    pub name: Option<String>,
    /// The stage's final filesystem.
    pub state: llb::State,
    /// What the stage starts from.
    pub base: StageBase,
    /// Stage indices this stage copies or mounts from.
    pub copy_from: Vec<usize>,
    /// The FROM line.
    pub span: Span,
    /// The stage's platform.
    pub platform: Platform,
    /// `ARG`s declared in the stage, values after `--build-arg` overrides (raw: redact
    /// before showing them anywhere).
    pub build_args: Vec<(String, Option<String>)>,
    /// What each instruction read, in dispatch order (ONBUILD triggers first).
    pub instructions: Vec<InstructionFacts>,
    /// The filesystem right after `FROM`.
    pub from_state: llb::State,
    /// Filesystem-changing instructions (`RUN`, `COPY`, `ADD`), in order.
    pub steps: Vec<Step>,
    /// `BUILDKIT_SBOM_SCAN_STAGE` as this stage sees it, when set.
    pub sbom_scan_stage: Option<String>,
    /// `BUILDKIT_SBOM_SCAN_CONTEXT` as this stage sees it, when set.
    pub sbom_scan_context: Option<String>,
}

/// The conversion result.
#[derive(Clone, Debug)]
pub struct Converted {
    /// One build per target platform, in the order requested.
    pub builds: Vec<PlatformBuild>,
    /// Parser and conversion warnings.
    pub warnings: Vec<(Span, String)>,
}

/// Converts an already parsed Dockerfile for every target platform.
pub fn convert(
    df: &Dockerfile,
    opts: &Options,
    resolver: &dyn Resolver,
) -> Result<Converted, Error> {
    convert_checked(df, opts, resolver).0
}

/// [`convert`], and the build checks the conversion of the first platform found (upstream
/// warns for the first platform only) — also those found before it failed. Merge them with
/// [`checks::check`] or [`checks::check_built`].
pub fn convert_checked(
    df: &Dockerfile,
    opts: &Options,
    resolver: &dyn Resolver,
) -> (Result<Converted, Error>, Vec<checks::Finding>) {
    let build_platform = opts.build_platform.clone().unwrap_or_default();
    let implicit = opts.target_platforms.is_empty();
    let targets = if implicit {
        vec![build_platform.clone()]
    } else {
        opts.target_platforms.clone()
    };
    let multi = targets.len() > 1;
    let mut builds = Vec::with_capacity(targets.len());
    let mut found = Vec::new();
    for (n, target) in targets.into_iter().enumerate() {
        let setup = ctx::Setup {
            df,
            opts,
            resolver,
            build_platform: build_platform.clone(),
            target_platform: target,
            implicit_target: implicit,
            multi_platform: multi,
        };
        let mut lint = Vec::new();
        let build = dispatch::build_platform(&setup, &mut lint);
        if n == 0 {
            found = lint;
        }
        match build {
            Ok(b) => builds.push(b),
            Err(e) => return (Err(e), found),
        }
    }
    let converted = Converted {
        builds,
        warnings: df.warnings.clone(),
    };
    (Ok(converted), found)
}

/// The stages a build of `df` runs for `target` (else the last stage) — those reachable from
/// it through `FROM`, `COPY --from` and `RUN --mount from=` — in file order, each by its `AS`
/// name, else its index. Base images are not resolved.
pub fn stages_built(df: &Dockerfile, target: Option<&str>) -> Result<Vec<String>, Error> {
    let opts = Options {
        target: target.map(str::to_string),
        ..Options::default()
    };
    let converted = convert(df, &opts, &NoResolver)?;
    let mut stages: Vec<(usize, String)> = converted.builds[0]
        .stages
        .iter()
        .map(|s| {
            (
                s.index,
                s.name.clone().unwrap_or_else(|| s.index.to_string()),
            )
        })
        .collect();
    stages.sort();
    Ok(stages.into_iter().map(|(_, name)| name).collect())
}

/// A located error with a hint.
pub(crate) fn err(span: Span, message: impl Into<String>, hint: impl Into<String>) -> Error {
    Error::new(span, message).with_hint(hint)
}

/// `pb.Range`s for a span: one per line, 1-based, character 0 (upstream `toRanges`).
pub(crate) fn ranges(span: Span) -> Vec<pb::Range> {
    let end = span.end_line.max(span.start_line);
    (span.start_line..=end)
        .map(|l| {
            let pos = pb::Position {
                line: l as i32,
                character: 0,
            };
            pb::Range {
                start: Some(pos),
                end: Some(pos),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests;
