//! Answers the subrequests that need the Dockerfile: `frontend.outline` converts it (base
//! images resolved as for a build, nothing solved) and reports the target's outline;
//! `frontend.targets` lists its stages; `frontend.lint` runs the build checks on every stage
//! and reports them with the conversion's error, if any.

use super::build::{convert_options, dialect, BridgeResolver};
use super::failure::Failure;
use crate::bridge::{Bridge, BuildResult};
use crate::options::load::{context_excludes, LoadedDockerfile};
use crate::options::subrequests::lint::{self, BuildError};
use crate::options::subrequests::{outline, targets, Request};
use crate::options::FrontendOpts;
use stagetrail_convert::{self as convert, checks};
use stagetrail_dockerfile::ast::Dockerfile;
use stagetrail_llb::pb;

/// The result of `request` for the parsed Dockerfile `df`.
pub async fn answer(
    bridge: &Bridge,
    opts: &FrontendOpts,
    request: Request,
    loaded: &LoadedDockerfile,
    df: &Dockerfile,
    source: &pb::SourceInfo,
) -> Result<BuildResult, Failure> {
    match request {
        Request::Outline => {
            let options = convert_options(opts, loaded, Vec::new(), dialect(bridge));
            let resolver = BridgeResolver::new(bridge, opts);
            let converted = convert::convert(df, &options, &resolver)
                .map_err(|e| Failure::dockerfile(&e, source))?;
            let first = converted.builds.first().map(|b| &b.outline);
            Ok(outline::answer(
                first.unwrap_or(&Default::default()),
                &loaded.data,
            ))
        }
        Request::Targets => Ok(targets::answer(df, &loaded.data)),
        Request::Lint => lint_answer(bridge, opts, loaded, df, source).await,
        Request::Describe => Ok(crate::options::subrequests::describe()),
    }
}

/// `frontend.lint`: the warnings of every stage (converted with every stage dispatched and the
/// `.dockerignore` read); a Dockerfile that does not convert, or warnings under `error=true`,
/// give the result's `buildError`.
async fn lint_answer(
    bridge: &Bridge,
    opts: &FrontendOpts,
    loaded: &LoadedDockerfile,
    df: &Dockerfile,
    source: &pb::SourceInfo,
) -> Result<BuildResult, Failure> {
    let build_args = &opts.convert.build_args;
    let cfg = match checks::config(df, build_args) {
        Ok(cfg) => cfg,
        // An invalid build arg fails the request; an invalid directive is the lint's error.
        Err(message) if build_args.contains_key(checks::CHECK_ARG) => {
            return Err(Failure::new(tonic::Code::InvalidArgument, message))
        }
        Err(message) => {
            let error = BuildError {
                message,
                span: None,
            };
            return Ok(lint::answer(&[], Some(error), source));
        }
    };
    let excludes = context_excludes(bridge, opts, loaded).await?;
    let options = convert::Options {
        all_stages: true,
        ..convert_options(opts, loaded, excludes, dialect(bridge))
    };
    let resolver = BridgeResolver::new(bridge, opts);
    let (converted, found) = convert::convert_checked(df, &options, &resolver);
    let warnings = checks::check(df, &cfg, &found);
    let error = match converted {
        Err(e) => Some(BuildError {
            message: e.message,
            span: Some(e.span),
        }),
        Ok(_) => checks::error(&cfg, &warnings).map(|message| BuildError {
            message,
            span: None,
        }),
    };
    Ok(lint::answer(&warnings, error, source))
}
