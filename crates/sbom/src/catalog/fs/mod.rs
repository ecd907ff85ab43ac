//! A read-only view of a root filesystem, as the catalogers see it.
//!
//! Paths are root-relative and `/`-separated (`usr/lib/os-release`; a leading `/` is ignored).
//! [`LocalFs`] implements the view over a local directory; the frontend implements it over a
//! solved BuildKit reference (gateway `ReadDir` / `ReadFile` / `StatFile`).

mod local;
mod reader;
mod walk;

pub use local::LocalFs;
pub use reader::FsReader;
pub use walk::Walked;

use super::index::{Limits, Walk};

/// What kind of file a path names.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum FileKind {
    /// A regular file.
    File,
    /// A directory.
    Dir,
    /// A symbolic link (only from [`Fs::lstat`] and [`Fs::read_dir`]).
    Symlink,
    /// A device, socket or fifo.
    Other,
}

/// What [`Fs::stat`] and [`Fs::read_dir`] tell about one path.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Metadata {
    /// The file's kind.
    pub kind: FileKind,
    /// Size in bytes (0 for directories).
    pub size: u64,
    /// Unix permission bits (`0o755`…).
    pub mode: u32,
}

impl Metadata {
    /// True for a regular file with any execute bit set.
    pub fn is_executable(&self) -> bool {
        self.kind == FileKind::File && self.mode & 0o111 != 0
    }
}

/// One entry of a directory listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirEntry {
    /// The entry's file name (no `/`).
    pub name: String,
    /// The entry's metadata, not following a symlink.
    pub meta: Metadata,
}

/// Why a filesystem call failed; each carries the root-relative path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FsError {
    /// No such file or directory.
    #[error("{path}: not found")]
    NotFound {
        /// The path asked for.
        path: String,
    },
    /// The file is larger than the caller's cap.
    #[error("{path}: {size} bytes, over the {cap}-byte cap")]
    TooLarge {
        /// The path asked for.
        path: String,
        /// The file's size.
        size: u64,
        /// The cap it exceeds.
        cap: u64,
    },
    /// Symlinks chain too deep or loop.
    #[error("{path}: too many levels of symbolic links")]
    Loop {
        /// The path asked for.
        path: String,
    },
    /// The path is of the wrong kind for the call (a directory read as a file…).
    #[error("{path}: {message}")]
    WrongKind {
        /// The path asked for.
        path: String,
        /// What was expected.
        message: String,
    },
    /// Any other I/O failure.
    #[error("{path}: {message}")]
    Io {
        /// The path asked for.
        path: String,
        /// The underlying error.
        message: String,
    },
}

impl FsError {
    /// What went wrong, without the path (for messages already located at it).
    pub fn reason(&self) -> String {
        let full = self.to_string();
        match full.split_once(": ") {
            Some((_, r)) => r.to_string(),
            None => full,
        }
    }
}

/// A read-only filesystem view; object-safe so catalogers take `&dyn Fs`.
pub trait Fs {
    /// Reads a whole file (following symlinks), failing with [`FsError::TooLarge`] above `cap` bytes.
    fn read_file(&self, path: &str, cap: u64) -> Result<Vec<u8>, FsError>;
    /// Reads up to `len` bytes from `offset` (fewer at end of file).
    fn read_at(&self, path: &str, offset: u64, len: u64) -> Result<Vec<u8>, FsError>;
    /// Lists a directory (following symlinks to it), sorted by name.
    fn read_dir(&self, path: &str) -> Result<Vec<DirEntry>, FsError>;
    /// Metadata of the file a path names, following symlinks.
    fn stat(&self, path: &str) -> Result<Metadata, FsError>;
    /// Metadata of the path itself, not following a final symlink.
    fn lstat(&self, path: &str) -> Result<Metadata, FsError>;
    /// The target of a symlink, as stored.
    fn read_link(&self, path: &str) -> Result<String, FsError>;
    /// Every regular file and every other non-directory under the root (unsorted), not following
    /// symlinks, within `limits`, and the warnings met; by default [`super::index::walk`] over
    /// [`Fs::read_dir`].
    fn walk(&self, limits: &Limits) -> Walk {
        super::index::walk(self, limits)
    }
}

/// Normalises a root-relative path: drops empty and `.` components, resolves `..` without leaving
/// the root, and returns the components.
pub fn components(path: &str) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    for c in path.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out
}

/// Joins `dir` and `name` into a root-relative path without a leading `/`.
pub fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}

/// The directory part of a root-relative path (`""` for a top-level name).
pub fn parent(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(d, _)| d)
}
