//! The policy module's errors: a bad policy file, a key, or the image could not be read. Policy
//! *failures* are not errors: they are [`super::Finding`]s.

use stagetrail_oci::signing::keys::KeyError;
use stagetrail_oci::RegistryError;

/// Why a policy could not be checked.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// The policy file is not valid; `at` is `file:line:col`.
    #[error("{at}: {message}")]
    Syntax {
        /// `file:line:col`.
        at: String,
        /// What is wrong.
        message: String,
    },
    /// A file could not be read or written.
    #[error("{at}: {message}")]
    Io {
        /// The file.
        at: String,
        /// What failed.
        message: String,
    },
    /// A command-line option is not usable.
    #[error("{message}")]
    Usage {
        /// What is wrong.
        message: String,
    },
    /// A key file is unusable.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// The image or its attestations could not be read.
    #[error(transparent)]
    Registry(#[from] RegistryError),
}
