//! [`BridgeFs`]: the catalogers' read-only [`Fs`] view of a solved ref, over the gateway's
//! `ReadFile` / `ReadDir` / `StatFile`. The trait is synchronous, so each call blocks the
//! current worker thread (`block_in_place`) on the async RPC: use a multi-thread runtime.

use std::sync::atomic::{AtomicU64, Ordering};

use tokio::runtime::Handle;

use super::{Bridge, BridgeError};
use crate::proto::fsutil::types::Stat;
use stagetrail_sbom::catalog::fs::{components, parent, DirEntry, FileKind, Fs, FsError, Metadata};

/// Go `os.FileMode` type bits as fsutil sends them.
const MODE_DIR: u32 = 1 << 31;
const MODE_SYMLINK: u32 = 1 << 27;
const MODE_TYPE: u32 =
    MODE_DIR | MODE_SYMLINK | (1 << 26) | (1 << 25) | (1 << 24) | (1 << 21) | (1 << 19);

/// A solved ref seen as a filesystem; the empty ref id is an empty filesystem.
pub struct BridgeFs<'a> {
    bridge: &'a Bridge,
    ref_id: String,
    handle: Handle,
    calls: &'a AtomicU64,
}

impl<'a> BridgeFs<'a> {
    /// A view of `ref_id` (from `Solve`) that counts its gateway calls in `calls`; must be
    /// created inside the runtime.
    pub fn new(bridge: &'a Bridge, ref_id: impl Into<String>, calls: &'a AtomicU64) -> Self {
        BridgeFs {
            bridge,
            ref_id: ref_id.into(),
            handle: Handle::current(),
            calls,
        }
    }

    fn block<T>(&self, f: impl std::future::Future<Output = T>) -> T {
        self.calls.fetch_add(1, Ordering::Relaxed);
        tokio::task::block_in_place(|| self.handle.block_on(f))
    }

    fn empty(&self) -> bool {
        self.ref_id.is_empty()
    }
}

/// A clean root-relative path for the gateway (`""` is the root).
fn clean(path: &str) -> String {
    components(path).join("/")
}

/// Maps a gateway failure on `path` to an [`FsError`].
fn fs_error(path: &str, e: BridgeError) -> FsError {
    let message = e.to_string();
    let lower = message.to_lowercase();
    let path = path.to_string();
    if lower.contains("no such file") || lower.contains("not found") || lower.contains("not exist")
    {
        FsError::NotFound { path }
    } else if lower.contains("too many levels of symbolic links") {
        FsError::Loop { path }
    } else if lower.contains("is a directory") || lower.contains("not a directory") {
        FsError::WrongKind { path, message }
    } else {
        FsError::Io { path, message }
    }
}

/// The catalogers' metadata of an fsutil stat record.
pub fn metadata(st: &Stat) -> Metadata {
    let kind = match st.mode & MODE_TYPE {
        0 => FileKind::File,
        m if m & MODE_DIR != 0 => FileKind::Dir,
        m if m & MODE_SYMLINK != 0 => FileKind::Symlink,
        _ => FileKind::Other,
    };
    Metadata {
        kind,
        size: if kind == FileKind::File {
            u64::try_from(st.size).unwrap_or(0)
        } else {
            0
        },
        mode: st.mode & 0o7777,
    }
}

/// The last component of an fsutil path.
fn base_name(p: &str) -> &str {
    p.trim_end_matches('/').rsplit('/').next().unwrap_or(p)
}

impl BridgeFs<'_> {
    fn read_range(&self, path: &str, offset: u64, len: u64) -> Result<Vec<u8>, FsError> {
        if self.empty() {
            return Err(FsError::NotFound { path: path.into() });
        }
        let p = clean(path);
        let range = Some((
            i64::try_from(offset).unwrap_or(i64::MAX),
            i64::try_from(len).unwrap_or(i64::MAX),
        ));
        self.block(self.bridge.read_file(&self.ref_id, &p, range))
            .map_err(|e| fs_error(path, e))
    }

    fn list(&self, path: &str, pattern: Option<&str>) -> Result<Vec<DirEntry>, FsError> {
        if self.empty() {
            return if clean(path).is_empty() {
                Ok(Vec::new())
            } else {
                Err(FsError::NotFound { path: path.into() })
            };
        }
        let p = clean(path);
        let stats = self
            .block(self.bridge.read_dir(&self.ref_id, &p, pattern))
            .map_err(|e| fs_error(path, e))?;
        let mut out: Vec<DirEntry> = stats
            .iter()
            .map(|st| DirEntry {
                name: base_name(&st.path).to_string(),
                meta: metadata(st),
            })
            .filter(|e| !e.name.is_empty())
            .collect();
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    /// The stat record of `path` itself, from its parent's listing.
    fn lstat_raw(&self, path: &str) -> Result<Stat, FsError> {
        let p = clean(path);
        let name = base_name(&p).to_string();
        if self.empty() || name.is_empty() {
            return Err(FsError::NotFound { path: path.into() });
        }
        let glob = name.contains(['*', '?', '[', '\\']);
        let pattern = (!glob).then_some(name.as_str());
        let stats = self
            .block(self.bridge.read_dir(&self.ref_id, parent(&p), pattern))
            .map_err(|e| fs_error(path, e))?;
        stats
            .into_iter()
            .find(|st| base_name(&st.path) == name)
            .ok_or_else(|| FsError::NotFound { path: path.into() })
    }
}

impl Fs for BridgeFs<'_> {
    fn read_file(&self, path: &str, cap: u64) -> Result<Vec<u8>, FsError> {
        let data = self.read_range(path, 0, cap.saturating_add(1))?;
        if data.len() as u64 > cap {
            let size = self.stat(path).map_or(data.len() as u64, |m| m.size);
            return Err(FsError::TooLarge {
                path: path.into(),
                size,
                cap,
            });
        }
        Ok(data)
    }

    fn read_at(&self, path: &str, offset: u64, len: u64) -> Result<Vec<u8>, FsError> {
        self.read_range(path, offset, len)
    }

    fn read_dir(&self, path: &str) -> Result<Vec<DirEntry>, FsError> {
        self.list(path, None)
    }

    fn stat(&self, path: &str) -> Result<Metadata, FsError> {
        let p = clean(path);
        if p.is_empty() {
            return Ok(Metadata {
                kind: FileKind::Dir,
                size: 0,
                mode: 0o755,
            });
        }
        if self.empty() {
            return Err(FsError::NotFound { path: path.into() });
        }
        let st = self
            .block(self.bridge.stat_file(&self.ref_id, &p))
            .map_err(|e| fs_error(path, e))?;
        Ok(metadata(&st))
    }

    fn lstat(&self, path: &str) -> Result<Metadata, FsError> {
        if clean(path).is_empty() {
            return self.stat(path);
        }
        self.lstat_raw(path).map(|st| metadata(&st))
    }

    fn read_link(&self, path: &str) -> Result<String, FsError> {
        let st = self.lstat_raw(path)?;
        if metadata(&st).kind != FileKind::Symlink {
            return Err(FsError::WrongKind {
                path: path.into(),
                message: "not a symbolic link".into(),
            });
        }
        Ok(st.linkname)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stat(mode: u32, size: i64) -> Stat {
        Stat {
            mode,
            size,
            ..Stat::default()
        }
    }

    #[test]
    fn go_file_modes_map_to_kinds() {
        assert_eq!(metadata(&stat(0o644, 5)).kind, FileKind::File);
        assert_eq!(metadata(&stat(0o644, 5)).size, 5);
        assert_eq!(metadata(&stat(MODE_DIR | 0o755, 4096)).kind, FileKind::Dir);
        assert_eq!(metadata(&stat(MODE_DIR | 0o755, 4096)).size, 0);
        assert_eq!(
            metadata(&stat(MODE_SYMLINK | 0o777, 3)).kind,
            FileKind::Symlink
        );
        assert_eq!(metadata(&stat(1 << 25, 0)).kind, FileKind::Other);
        assert!(metadata(&stat(0o755, 1)).is_executable());
        assert_eq!(base_name("a/b/c"), "c");
        assert_eq!(clean("/usr/../etc/./x"), "etc/x");
    }

    #[test]
    fn gateway_errors_become_fs_errors() {
        let e = |m: &str| BridgeError::Rpc {
            call: "ReadFile",
            message: m.into(),
            code: tonic::Code::Unknown,
            details: Vec::new(),
        };
        assert!(matches!(
            fs_error("x", e("open /x: no such file or directory")),
            FsError::NotFound { .. }
        ));
        assert!(matches!(
            fs_error("x", e("read /x: is a directory")),
            FsError::WrongKind { .. }
        ));
        assert!(matches!(fs_error("x", e("boom")), FsError::Io { .. }));
    }
}
