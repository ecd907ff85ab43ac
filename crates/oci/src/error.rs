//! The registry module's error type: every variant names where it happened (a URL, a file, a reference).

use std::fmt;

/// Where a registry error happened: a URL, a file path, or an image reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location(pub String);

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for Location {
    fn from(s: &str) -> Self {
        Location(s.to_string())
    }
}

impl From<String> for Location {
    fn from(s: String) -> Self {
        Location(s)
    }
}

/// Errors of image and attestation access.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// An image reference could not be parsed.
    #[error("{at}: invalid image reference: {reason}")]
    InvalidReference {
        /// The reference text.
        at: Location,
        /// What is wrong with it.
        reason: String,
    },
    /// A digest string is malformed or uses an unsupported algorithm.
    #[error("{at}: invalid digest: {reason}")]
    InvalidDigest {
        /// Where the digest was read.
        at: Location,
        /// What is wrong with it.
        reason: String,
    },
    /// The registry refused the credentials, or wants credentials we do not have.
    #[error("{at}: unauthorized (HTTP {status}): {message}; hint: log in with `docker login` or check ~/.docker/config.json")]
    Unauthorized {
        /// The URL.
        at: Location,
        /// 401 or 403.
        status: u16,
        /// The registry's message.
        message: String,
    },
    /// The manifest, blob or repository does not exist.
    #[error("{at}: not found (HTTP 404): {message}")]
    NotFound {
        /// The URL or path.
        at: Location,
        /// The registry's message.
        message: String,
    },
    /// Any other unexpected HTTP status (after retries where they apply).
    #[error("{at}: HTTP {status} after {attempts} attempt(s): {message}")]
    Http {
        /// The URL.
        at: Location,
        /// The final status.
        status: u16,
        /// How many requests were made.
        attempts: u32,
        /// The registry's message.
        message: String,
    },
    /// The connection failed (refused, reset, timed out, TLS).
    #[error(
        "{at}: {message}; hint: for a plain-HTTP registry that is not on loopback, pass --insecure"
    )]
    Transport {
        /// The URL.
        at: Location,
        /// What failed.
        message: String,
    },
    /// A manifest or blob is announced or found to be larger than the configured limit.
    #[error("{at}: {what} of {size} bytes exceeds the limit of {limit} bytes")]
    TooLarge {
        /// The URL or path.
        at: Location,
        /// "manifest" or "blob".
        what: &'static str,
        /// The announced or read size.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// The content ended before its announced size.
    #[error("{at}: truncated content: got {got} of {expected} bytes")]
    Truncated {
        /// The URL or path.
        at: Location,
        /// Bytes announced.
        expected: u64,
        /// Bytes received.
        got: u64,
    },
    /// The content is longer than its descriptor says.
    #[error("{at}: size mismatch: the descriptor says {expected} bytes, got {got} or more")]
    SizeMismatch {
        /// The URL or path.
        at: Location,
        /// Bytes in the descriptor.
        expected: u64,
        /// Bytes announced or received.
        got: u64,
    },
    /// The content does not hash to the digest it was fetched by.
    #[error("{at}: digest mismatch: expected {expected}, content hashes to {actual}")]
    DigestMismatch {
        /// The URL or path.
        at: Location,
        /// The digest asked for.
        expected: String,
        /// The digest of what arrived.
        actual: String,
    },
    /// A manifest, index or layer has a media type we cannot use here.
    #[error("{at}: unexpected media type {got:?}; expected {expected}")]
    MediaType {
        /// The URL or path.
        at: Location,
        /// What was acceptable.
        expected: String,
        /// What arrived.
        got: String,
    },
    /// A JSON document could not be parsed.
    #[error("{at}:{line}:{column}: invalid {what}: {message}")]
    Json {
        /// The URL or path.
        at: Location,
        /// What was being parsed ("image index", "in-toto statement"…).
        what: &'static str,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The parser's message.
        message: String,
    },
    /// An image index refers back to itself, directly or through other indexes.
    #[error("{at}: image index loop: {chain}")]
    IndexLoop {
        /// The reference being resolved.
        at: Location,
        /// The digests on the cycle, joined by " -> ".
        chain: String,
    },
    /// An authentication challenge or token answer was malformed.
    #[error("{at}: authentication failed: {message}")]
    Auth {
        /// The token URL or registry.
        at: Location,
        /// What went wrong.
        message: String,
    },
    /// A local file (OCI layout, OCI tar, docker config) could not be read or is malformed.
    #[error("{at}: {message}")]
    Local {
        /// The path.
        at: Location,
        /// What went wrong.
        message: String,
    },
    /// The operation is not available for this source (e.g. the referrers API on a tar file).
    #[error("{at}: {message}")]
    Unsupported {
        /// The source.
        at: Location,
        /// What is not supported.
        message: String,
    },
}

impl RegistryError {
    /// Builds a [`RegistryError::Json`] from a serde_json error.
    pub fn json(at: impl Into<Location>, what: &'static str, err: &serde_json::Error) -> Self {
        RegistryError::Json {
            at: at.into(),
            what,
            line: err.line(),
            column: err.column(),
            message: without_position(&err.to_string()),
        }
    }

    /// True for a missing manifest/blob/tag (HTTP 404 or a missing file).
    pub fn is_not_found(&self) -> bool {
        matches!(self, RegistryError::NotFound { .. })
    }
}

/// Result alias of the registry module.
pub type Result<T> = std::result::Result<T, RegistryError>;

/// serde_json appends " at line L column C" to its messages; the location is reported separately.
fn without_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}
