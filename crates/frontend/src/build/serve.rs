//! `stagetrail frontend`: the gateway frontend's life — connect, Ping, check caps,
//! answer subrequests, read the Dockerfile, build, and `Return` exactly once.

use tonic::Code;

use super::build::build;
use super::catch_panic::{internal_error, CatchUnwind};
use crate::bridge::caps::ids;

use super::failure::{source_info, Failure};
use super::subrequest;
use crate::bridge::BuildResult;
use crate::bridge::{transport, Bridge, BridgeError};
use crate::options::load::{context_excludes, load_dockerfile, settle_http_context};
use crate::options::subrequests::{self, Request};
use crate::options::{FrontendOpts, OptsError};
use stagetrail_dockerfile as dockerfile;

/// Caps without which stagetrail cannot build at all.
const REQUIRED_CAPS: &[&str] = &[
    ids::SOLVE_BASE,
    ids::READ_FILE,
    ids::RESOLVE_IMAGE,
    ids::RETURN,
];

/// Runs the frontend over stdin/stdout with options from the environment.
/// `Ok` once a result or an error was handed back with `Return`.
pub async fn run() -> Result<(), BridgeError> {
    let opts = FrontendOpts::from_env();
    let version = opts.as_ref().ok().and_then(|o| o.buildkit_version());
    let channel = transport::connect_stdio().await?;
    let bridge = Bridge::connect(channel, version).await?;
    serve(&bridge, opts).await
}

/// Builds with a connected `bridge` and hands the outcome back with `Return` (once).
pub async fn serve(
    bridge: &Bridge,
    opts: Result<FrontendOpts, OptsError>,
) -> Result<(), BridgeError> {
    // A panic must come back to BuildKit as an error, not as a dead frontend process.
    let outcome = match CatchUnwind(Box::pin(build_or_fail(bridge, opts))).await {
        Ok(outcome) => outcome,
        Err(panic) => Err(Failure::new(Code::Internal, internal_error(panic.as_ref()))),
    };
    match outcome {
        Ok(res) => bridge.return_result(res).await,
        Err(f) => {
            tracing::error!("{}", f.message);
            bridge
                .return_error(f.code as i32, &f.message, f.details)
                .await
        }
    }
}

async fn build_or_fail(
    bridge: &Bridge,
    opts: Result<FrontendOpts, OptsError>,
) -> Result<BuildResult, Failure> {
    bridge.require_caps(REQUIRED_CAPS)?;
    let mut opts = opts?;
    let request = match opts.request_id.as_deref().map(|r| (r, Request::parse(r))) {
        None => None,
        Some((_, Some(Request::Describe))) => return Ok(subrequests::describe()),
        Some((_, Some(r))) => Some(r),
        Some((r, None)) => {
            return Err(Failure::new(
                Code::Unimplemented,
                subrequests::unsupported(r),
            ))
        }
    };
    settle_http_context(bridge, &mut opts).await?;
    let loaded = load_dockerfile(bridge, &opts).await?;
    let text = String::from_utf8_lossy(&loaded.data).into_owned();
    let source = source_info(&opts, &loaded);
    let parsed = dockerfile::parse(&text).map_err(|e| Failure::dockerfile(&e, &source))?;
    if let Some(request) = request {
        return subrequest::answer(bridge, &opts, request, &loaded, &parsed, &source).await;
    }
    let excludes = context_excludes(bridge, &opts, &loaded).await?;
    build(bridge, &opts, &loaded, &parsed, excludes, &source).await
}

#[cfg(test)]
mod tests;
