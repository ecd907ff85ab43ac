//! The platforms of a multi-platform build, solved concurrently (as upstream's `dockerui`
//! builds each target platform in its own goroutine): one tokio task per platform over the one
//! gateway connection — clones of the [`Bridge`] share it — each solving its definition and,
//! with `--sbom`, scanning its stages. Results come back in the order the platforms were asked
//! for, so the returned refs and metadata are the same as when they were solved one by one.

use std::sync::Arc;

use tokio::task::JoinHandle;
use tonic::Code;

use super::catch_panic::internal_error;
use super::failure::Failure;
use super::sbom::{self, SbomRequest};
use crate::bridge::{Bridge, BridgeError, CacheImport};
use crate::options::FrontendOpts;
use crate::proto::gateway as gw;
use stagetrail_convert::PlatformBuild;

/// What every platform's solve shares.
pub(super) struct SolveSpec {
    /// The build's options (cache imports, SBOM scanner settings).
    pub opts: Arc<FrontendOpts>,
    /// Build before answering (`SolveRequest.evaluate`).
    pub evaluate: bool,
    /// The SBOM request, when `--sbom` asked for one.
    pub sbom: Option<SbomRequest>,
}

/// One platform, solved.
pub(super) struct Solved {
    /// The platform's conversion, handed back.
    pub build: PlatformBuild,
    /// The ref of its result.
    pub ref_id: String,
    /// Its SBOM attestations, when asked for.
    pub sbom_docs: Option<Vec<gw::Attestation>>,
}

/// Why a platform failed.
pub(super) enum PlatformError {
    /// The Solve of its definition failed (the caller maps it to a Dockerfile line).
    Solve(BridgeError),
    /// Anything after it (the SBOM scan), or the task itself.
    Failed(Failure),
}

/// Solves every build at once and returns them in the order given. The first failure in that
/// order is returned (the same error whatever finishes first); the platforms still running
/// are then cancelled.
pub(super) async fn solve_all(
    bridge: &Bridge,
    spec: Arc<SolveSpec>,
    builds: Vec<PlatformBuild>,
) -> Result<Vec<Solved>, PlatformError> {
    let mut tasks: Vec<JoinHandle<Result<Solved, PlatformError>>> = builds
        .into_iter()
        .map(|b| tokio::spawn(solve_one(bridge.clone(), Arc::clone(&spec), b)))
        .collect();
    let mut solved = Vec::with_capacity(tasks.len());
    for i in 0..tasks.len() {
        let outcome = match (&mut tasks[i]).await {
            Ok(outcome) => outcome,
            Err(e) if e.is_panic() => Err(PlatformError::Failed(Failure::new(
                Code::Internal,
                internal_error(e.into_panic().as_ref()),
            ))),
            Err(e) => Err(PlatformError::Failed(Failure::new(
                Code::Cancelled,
                format!("a platform's build was cancelled: {e}"),
            ))),
        };
        match outcome {
            Ok(s) => solved.push(s),
            Err(e) => {
                for rest in &tasks[i + 1..] {
                    rest.abort();
                }
                return Err(e);
            }
        }
    }
    Ok(solved)
}

/// One platform: Solve and its SBOMs at once, so BuildKit catalogs each stage as soon as it is
/// built. A build failure is reported before an SBOM failure (which it usually causes).
async fn solve_one(
    bridge: Bridge,
    spec: Arc<SolveSpec>,
    build: PlatformBuild,
) -> Result<Solved, PlatformError> {
    let cache: &[CacheImport] = &spec.opts.cache_imports;
    let solve = bridge.solve_with(build.definition.clone(), cache, spec.evaluate);
    let sbom = async {
        match &spec.sbom {
            Some(req) => Some(sbom::attest(&bridge, req, &spec.opts, &build).await),
            None => None,
        }
    };
    let (ref_id, sbom_docs) = tokio::join!(solve, sbom);
    let ref_id = ref_id.map_err(PlatformError::Solve)?;
    let sbom_docs = sbom_docs.transpose().map_err(PlatformError::Failed)?;
    Ok(Solved {
        build,
        ref_id,
        sbom_docs,
    })
}
