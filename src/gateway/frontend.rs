//! `stagetrail frontend`: the gateway frontend's life — connect, Ping, check caps,
//! answer subrequests, read the Dockerfile, build, and `Return` exactly once.

use tonic::Code;

use super::build::build;
use super::caps::ids;
use super::errdetails::source_detail;
use super::load::{load_context_dockerignore, load_dockerfile, LoadedDockerfile};
use super::opts::{FrontendOpts, OptsError};
use super::result::BuildResult;
use super::{subrequests, transport, Bridge, BridgeError, Warning};
use crate::dockerfile::{self, dockerignore};
use crate::proto::pb;

/// Caps without which stagetrail cannot build at all.
const REQUIRED_CAPS: &[&str] = &[
    ids::SOLVE_BASE,
    ids::READ_FILE,
    ids::RESOLVE_IMAGE,
    ids::RETURN,
];

/// Why a build failed: the gRPC code, the text `docker buildx build` shows, and
/// typed details (the Dockerfile location) BuildKit renders as a snippet.
#[derive(Clone, Debug, PartialEq)]
pub struct Failure {
    /// The gRPC status code sent in `Return{error}`.
    pub code: Code,
    /// The message, e.g. `Dockerfile:3:1: unknown instruction: FORM`.
    pub message: String,
    /// `google.rpc.Status.details`, e.g. an `errdefs.Source`.
    pub details: Vec<prost_types::Any>,
}

impl Failure {
    /// A failure with `code` and `message`.
    pub fn new(code: Code, message: impl Into<String>) -> Failure {
        Failure {
            code,
            message: message.into(),
            details: Vec::new(),
        }
    }

    /// A Dockerfile error: `FILE:LINE:COL: message` plus a source detail, sent with
    /// code Unknown as BuildKit's own frontend does (no code prefix in the output).
    pub fn dockerfile(err: &dockerfile::Error, source: &pb::SourceInfo) -> Failure {
        Failure {
            code: Code::Unknown,
            message: err.render(&source.filename),
            details: vec![source_detail(source, err.span)],
        }
    }
}

impl From<BridgeError> for Failure {
    fn from(e: BridgeError) -> Failure {
        let code = match &e {
            BridgeError::Rpc { code, .. } => *code,
            BridgeError::MissingCap(_) => Code::Unimplemented,
            _ => Code::Unknown,
        };
        Failure::new(code, e.to_string())
    }
}

impl From<OptsError> for Failure {
    fn from(e: OptsError) -> Failure {
        Failure::new(Code::InvalidArgument, e.to_string())
    }
}

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
        Err(panic) => Err(Failure::new(
            Code::Internal,
            format!(
                "internal error in the stagetrail frontend: {}; please report it with the \
                 Dockerfile",
                panic_message(panic.as_ref())
            ),
        )),
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

/// Polls a future, turning a panic inside it into `Err` (what `futures`' `catch_unwind` does).
struct CatchUnwind<F: std::future::Future>(std::pin::Pin<Box<F>>);

impl<F: std::future::Future> std::future::Future for CatchUnwind<F> {
    type Output = std::thread::Result<F::Output>;

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        let inner = self.0.as_mut();
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| inner.poll(cx))) {
            Ok(poll) => poll.map(Ok),
            Err(panic) => std::task::Poll::Ready(Err(panic)),
        }
    }
}

/// The text of a panic payload.
fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".into())
}

async fn build_or_fail(
    bridge: &Bridge,
    opts: Result<FrontendOpts, OptsError>,
) -> Result<BuildResult, Failure> {
    bridge.require_caps(REQUIRED_CAPS)?;
    let opts = opts?;
    if let Some(req) = &opts.request_id {
        if req == subrequests::DESCRIBE {
            return Ok(subrequests::describe());
        }
        return Err(Failure::new(
            Code::Unimplemented,
            subrequests::unsupported(req),
        ));
    }
    if let Some(ctx) = &opts.main_context {
        return Err(Failure::new(
            Code::Unimplemented,
            format!(
                "build context {ctx:?} (git or URL) is not supported by stagetrail yet; build from a local directory"
            ),
        ));
    }
    let loaded = load_dockerfile(bridge, &opts).await?;
    let text = String::from_utf8_lossy(&loaded.data).into_owned();
    let source = source_info(&opts, &loaded);
    let parsed = dockerfile::parse(&text).map_err(|e| Failure::dockerfile(&e, &source))?;
    let ignore = match &loaded.dockerignore {
        Some(d) => d.clone(),
        None => load_context_dockerignore(bridge, &opts).await?,
    };
    let excludes = dockerignore::parse(&String::from_utf8_lossy(&ignore));
    build(bridge, &opts, &loaded, &parsed, excludes, &source).await
}

/// The Dockerfile as a `SourceInfo` (for warnings).
pub fn source_info(opts: &FrontendOpts, loaded: &LoadedDockerfile) -> pb::SourceInfo {
    pb::SourceInfo {
        filename: opts.filename.clone(),
        data: loaded.data.clone(),
        definition: Some(loaded.definition.clone()),
        language: "Dockerfile".to_string(),
    }
}

/// Sends one warning at `span` to the build output (logged to stderr when that fails).
pub async fn warn(
    bridge: &Bridge,
    vertex: &str,
    source: &pb::SourceInfo,
    span: dockerfile::ast::Span,
    message: &str,
) {
    let pos = |line: usize| pb::Position {
        line: i32::try_from(line).unwrap_or(i32::MAX),
        character: 0,
    };
    let w = Warning {
        level: 1,
        short: message.to_string(),
        info: Some(source.clone()),
        ranges: vec![pb::Range {
            start: Some(pos(span.start_line)),
            end: Some(pos(span.end_line)),
        }],
        ..Warning::default()
    };
    if let Err(e) = bridge.warn(vertex, w).await {
        tracing::warn!("{message} (and the Warn call failed: {e})");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_while_building_becomes_an_error() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let out = rt.block_on(CatchUnwind(Box::pin(async {
            if std::hint::black_box(true) {
                panic!("limit hit at Dockerfile:3");
            }
            1
        })));
        let panic = out.unwrap_err();
        assert_eq!(panic_message(panic.as_ref()), "limit hit at Dockerfile:3");
        let ok = rt.block_on(CatchUnwind(Box::pin(async { 2 })));
        assert_eq!(ok.unwrap(), 2);
    }
}
