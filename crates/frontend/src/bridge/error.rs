//! Errors talking to buildkitd over the gateway API.

use prost::Message as _;

use crate::proto::google::rpc::Status;

/// A gateway call that failed, or a server that cannot do what we need.
#[derive(Debug, thiserror::Error)]
pub enum BridgeError {
    /// The channel could not be set up.
    #[error("cannot connect to buildkitd over stdio: {0}")]
    Connect(#[from] tonic::transport::Error),
    /// An RPC returned an error status.
    #[error("gateway {call} failed: {message}")]
    Rpc {
        /// The RPC name, e.g. `Solve`.
        call: &'static str,
        /// The status message from buildkitd.
        message: String,
        /// The gRPC code.
        code: tonic::Code,
        /// `google.rpc.Status.details` (for a failed Solve: BuildKit's Dockerfile location,
        /// vertex and exit code, which `docker buildx build` renders as the snippet box).
        details: Vec<prost_types::Any>,
    },
    /// The server lacks (or disabled) a capability we need.
    #[error("{0}")]
    MissingCap(String),
    /// The server answered something we cannot use.
    #[error("gateway {call}: {message}")]
    Protocol {
        /// The RPC name.
        call: &'static str,
        /// What was wrong with the answer.
        message: String,
    },
}

impl BridgeError {
    pub(crate) fn rpc(call: &'static str, status: tonic::Status) -> BridgeError {
        BridgeError::Rpc {
            call,
            message: status.message().to_string(),
            code: status.code(),
            details: status_details(&status),
        }
    }

    pub(crate) fn protocol(call: &'static str, message: impl Into<String>) -> BridgeError {
        BridgeError::Protocol {
            call,
            message: message.into(),
        }
    }
}

/// The typed details of `status` (tonic keeps the encoded `google.rpc.Status`; none when absent
/// or unreadable).
fn status_details(status: &tonic::Status) -> Vec<prost_types::Any> {
    Status::decode(status.details())
        .map(|s| s.details)
        .unwrap_or_default()
}
