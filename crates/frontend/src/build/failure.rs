//! How a build fails or warns: [`Failure`] (gRPC code, message, Dockerfile location) and
//! [`warn`], a warning at a Dockerfile span sent with the Warn RPC.

use tonic::Code;

use crate::bridge::errdetails::source_detail;
use crate::bridge::{Bridge, BridgeError, Warning};
use crate::options::{load::LoadedDockerfile, FrontendOpts, OptsError};
use stagetrail_dockerfile as dockerfile;
use stagetrail_llb::pb;

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
    /// A gateway error; one that carries BuildKit's typed details (a failed Solve: the
    /// Dockerfile location, vertex and exit code) is passed on as BuildKit sent it, so the
    /// build fails with the same text and snippet as when BuildKit evaluates the result itself.
    fn from(e: BridgeError) -> Failure {
        if let BridgeError::Rpc {
            code,
            message,
            details,
            ..
        } = &e
        {
            if !details.is_empty() {
                return Failure {
                    code: *code,
                    message: message.clone(),
                    details: details.clone(),
                };
            }
        }
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

/// The Dockerfile as a `SourceInfo` (for warnings).
pub fn source_info(opts: &FrontendOpts, loaded: &LoadedDockerfile) -> pb::SourceInfo {
    pb::SourceInfo {
        filename: opts.convert.filename.clone(),
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
