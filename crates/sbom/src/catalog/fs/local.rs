//! [`Fs`] over a local directory: symlinks resolve inside the root only.
//!
//! Directories the walk listed are remembered as real (no symlink on the way), so a later read
//! below one resolves only its last component; the last file opened for ranged reads stays open.

use super::{components, walk, DirEntry, FileKind, Fs, FsError, Metadata, Walked};
use crate::catalog::index::{self, Limits, Walk};
use std::collections::{HashSet, VecDeque};
use std::fs::File;
use std::io::Read;
use std::os::unix::fs::{FileExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, RwLock};

/// How many symlinks one lookup may follow before it is called a loop (as Linux's `ELOOP`).
const MAX_LINK_HOPS: usize = 40;

/// A local directory seen as the root of an image filesystem.
#[derive(Debug)]
pub struct LocalFs {
    root: PathBuf,
    /// Root-relative directories known to be real directories all the way down from the root.
    known: RwLock<HashSet<String>>,
    /// The file [`Fs::read_at`] read last, kept open: `(path, file, size)`.
    last: Mutex<Option<(String, File, u64)>>,
}

impl LocalFs {
    /// A view rooted at `root`.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        LocalFs {
            root: root.into(),
            known: RwLock::default(),
            last: Mutex::default(),
        }
    }

    /// The parallel walk with everything it found, not only regular files; `None` past
    /// `limits.max_files` files.
    pub fn walk_all(&self, limits: &Limits) -> Option<Walked> {
        let found = walk::parallel(&self.root, limits)?;
        if let Ok(mut known) = self.known.write() {
            known.extend(found.dirs.iter().cloned());
        }
        Some(found)
    }

    /// `lstat` of `path` in one call, for a path whose directories the caller knows hold no
    /// symlink (so the kernel's lookup cannot leave the root).
    pub fn lstat_below_real_dirs(&self, path: &str) -> Result<Metadata, FsError> {
        let comps = components(path);
        lstat(path, &self.host(&comps)).map(|m| metadata_of(&m))
    }

    /// The host path of root-relative `components`.
    fn host<S: AsRef<Path>>(&self, comps: &[S]) -> PathBuf {
        let mut p = self.root.clone();
        p.extend(comps);
        p
    }

    /// Resolves `path` to a host path whose every component is a real (non-symlink) entry inside
    /// the root, except a final symlink when `follow_final` is false, with the final component's
    /// `lstat` when it was taken. Absolute link targets are re-rooted; `..` stops at the root.
    fn resolve(
        &self,
        path: &str,
        follow_final: bool,
    ) -> Result<(PathBuf, Option<std::fs::Metadata>), FsError> {
        let comps = components(path);
        if let Some((_, dirs)) = comps.split_last() {
            let known = self
                .known
                .read()
                .is_ok_and(|k| k.contains(dirs.join("/").as_str()));
            if known {
                let host = self.host(&comps);
                let meta = lstat(path, &host)?;
                if !meta.file_type().is_symlink() || !follow_final {
                    return Ok((host, Some(meta)));
                }
            }
        }
        let mut todo: VecDeque<String> = comps.into_iter().map(String::from).collect();
        let mut done: Vec<String> = Vec::new();
        let mut last = None;
        let mut hops = 0;
        while let Some(c) = todo.pop_front() {
            if c == ".." {
                done.pop();
                continue;
            }
            if c.is_empty() || c == "." {
                continue;
            }
            done.push(c);
            let host = self.host(&done);
            let meta = lstat(path, &host)?;
            if !meta.file_type().is_symlink() || (todo.is_empty() && !follow_final) {
                last = todo.is_empty().then_some(meta);
                continue;
            }
            hops += 1;
            if hops > MAX_LINK_HOPS {
                return Err(FsError::Loop {
                    path: path.to_string(),
                });
            }
            let target = std::fs::read_link(&host).map_err(|e| io(path, &e))?;
            let target = target.to_string_lossy();
            done.pop();
            if target.starts_with('/') {
                done.clear();
            }
            for t in target.split('/').rev() {
                todo.push_front(t.to_string());
            }
            last = None;
        }
        Ok((self.host(&done), last))
    }

    /// Opens a resolved regular file.
    fn open(&self, path: &str) -> Result<(File, u64), FsError> {
        let (host, meta) = self.resolve(path, true)?;
        let meta = match meta {
            Some(m) => m,
            None => std::fs::metadata(&host).map_err(|e| io(path, &e))?,
        };
        if !meta.is_file() {
            return Err(FsError::WrongKind {
                path: path.to_string(),
                message: "not a regular file".into(),
            });
        }
        let f = File::open(&host).map_err(|e| io(path, &e))?;
        Ok((f, meta.len()))
    }
}

/// `lstat` of a host path, errors named by the root-relative `path`.
fn lstat(path: &str, host: &Path) -> Result<std::fs::Metadata, FsError> {
    std::fs::symlink_metadata(host).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => FsError::NotFound {
            path: path.to_string(),
        },
        _ => io(path, &e),
    })
}

/// A failed directory listing as an [`FsError`].
pub(super) fn read_dir_error(path: &str, e: &std::io::Error) -> FsError {
    match e.kind() {
        std::io::ErrorKind::NotFound => FsError::NotFound {
            path: path.to_string(),
        },
        std::io::ErrorKind::NotADirectory => FsError::WrongKind {
            path: path.to_string(),
            message: "not a directory".into(),
        },
        _ => io(path, e),
    }
}

/// Any other I/O failure as an [`FsError`].
pub(super) fn io(path: &str, e: &std::io::Error) -> FsError {
    FsError::Io {
        path: path.to_string(),
        message: e.to_string(),
    }
}

/// Our [`Metadata`] of a host file's `lstat`.
pub(super) fn metadata_of(m: &std::fs::Metadata) -> Metadata {
    let ft = m.file_type();
    let kind = if ft.is_symlink() {
        FileKind::Symlink
    } else if ft.is_dir() {
        FileKind::Dir
    } else if ft.is_file() {
        FileKind::File
    } else {
        FileKind::Other
    };
    Metadata {
        kind,
        size: if kind == FileKind::File { m.len() } else { 0 },
        mode: m.permissions().mode() & 0o7777,
    }
}

fn stat_host(
    path: &str,
    (host, meta): (PathBuf, Option<std::fs::Metadata>),
) -> Result<Metadata, FsError> {
    match meta {
        Some(m) => Ok(metadata_of(&m)),
        None => lstat(path, &host).map(|m| metadata_of(&m)),
    }
}

/// Reads up to `len` bytes at `offset` (fewer at end of file) with `pread`.
fn pread(f: &File, path: &str, offset: u64, len: u64) -> Result<Vec<u8>, FsError> {
    let mut buf = vec![0; len as usize];
    let mut got = 0;
    while got < buf.len() {
        match f.read_at(&mut buf[got..], offset + got as u64) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(io(path, &e)),
        }
    }
    buf.truncate(got);
    Ok(buf)
}

impl Fs for LocalFs {
    fn read_file(&self, path: &str, cap: u64) -> Result<Vec<u8>, FsError> {
        let (f, size) = self.open(path)?;
        if size > cap {
            return Err(FsError::TooLarge {
                path: path.to_string(),
                size,
                cap,
            });
        }
        let mut buf = Vec::with_capacity(size as usize);
        f.take(cap + 1)
            .read_to_end(&mut buf)
            .map_err(|e| io(path, &e))?;
        if buf.len() as u64 > cap {
            return Err(FsError::TooLarge {
                path: path.to_string(),
                size: buf.len() as u64,
                cap,
            });
        }
        Ok(buf)
    }

    fn read_at(&self, path: &str, offset: u64, len: u64) -> Result<Vec<u8>, FsError> {
        let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        let (name, f, size) = match last.take() {
            Some(open) if open.0 == path => open,
            _ => {
                let (f, size) = self.open(path)?;
                (path.to_string(), f, size)
            }
        };
        let data = pread(&f, path, offset, len.min(size.saturating_sub(offset)));
        *last = Some((name, f, size));
        data
    }

    fn read_dir(&self, path: &str) -> Result<Vec<DirEntry>, FsError> {
        let (host, _) = self.resolve(path, true)?;
        let rd = std::fs::read_dir(&host).map_err(|e| read_dir_error(path, &e))?;
        let mut out = Vec::new();
        for entry in rd {
            let entry = entry.map_err(|e| io(path, &e))?;
            let Ok(meta) = entry.metadata() else { continue };
            out.push(DirEntry {
                name: entry.file_name().to_string_lossy().into_owned(),
                meta: metadata_of(&meta),
            });
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    fn stat(&self, path: &str) -> Result<Metadata, FsError> {
        stat_host(path, self.resolve(path, true)?)
    }

    fn lstat(&self, path: &str) -> Result<Metadata, FsError> {
        stat_host(path, self.resolve(path, false)?)
    }

    fn read_link(&self, path: &str) -> Result<String, FsError> {
        let (host, _) = self.resolve(path, false)?;
        std::fs::read_link(&host)
            .map(|t| t.to_string_lossy().into_owned())
            .map_err(|e| io(path, &e))
    }

    fn walk(&self, limits: &Limits) -> Walk {
        let Some(found) = self.walk_all(limits) else {
            return index::walk(self, limits);
        };
        Walk {
            files: found.files,
            others: found.others,
            links: found.links,
            warnings: found.warnings,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn tree() -> (tempfile::TempDir, LocalFs) {
        let d = tempfile::tempdir().unwrap();
        let r = d.path();
        std::fs::create_dir_all(r.join("etc")).unwrap();
        std::fs::write(r.join("etc/os-release"), "ID=debian\n").unwrap();
        symlink("/etc", r.join("abs")).unwrap();
        symlink("../../../../etc/os-release", r.join("etc/up")).unwrap();
        symlink("loop2", r.join("loop1")).unwrap();
        symlink("loop1", r.join("loop2")).unwrap();
        let fs = LocalFs::new(r);
        (d, fs)
    }

    #[test]
    fn absolute_links_are_rerooted() {
        let (_d, fs) = tree();
        assert_eq!(fs.read_file("abs/os-release", 100).unwrap(), b"ID=debian\n");
        assert_eq!(fs.lstat("abs").unwrap().kind, FileKind::Symlink);
        assert_eq!(fs.stat("/abs").unwrap().kind, FileKind::Dir);
        assert_eq!(fs.read_link("abs").unwrap(), "/etc");
    }

    #[test]
    fn dotdot_cannot_escape() {
        let (_d, fs) = tree();
        assert_eq!(fs.read_file("etc/up", 100).unwrap(), b"ID=debian\n");
        assert_eq!(
            fs.read_file("../../etc/os-release", 100).unwrap(),
            b"ID=debian\n"
        );
    }

    #[test]
    fn loops_and_caps_are_errors() {
        let (_d, fs) = tree();
        assert!(matches!(
            fs.read_file("loop1", 10),
            Err(FsError::Loop { .. })
        ));
        assert!(matches!(
            fs.read_file("etc/os-release", 3),
            Err(FsError::TooLarge { size: 10, .. })
        ));
        assert_eq!(fs.read_at("etc/os-release", 3, 100).unwrap(), b"debian\n");
        assert!(matches!(
            fs.read_file("nope", 10),
            Err(FsError::NotFound { .. })
        ));
        let names: Vec<_> = fs
            .read_dir("")
            .unwrap()
            .into_iter()
            .map(|e| e.name)
            .collect();
        assert_eq!(names, ["abs", "etc", "loop1", "loop2"]);
    }

    /// The sequential walk over [`Fs::read_dir`], sorted, for comparison.
    fn sequential(fs: &LocalFs, limits: &Limits) -> Sorted {
        sorted(index::walk(fs, limits))
    }

    fn parallel(fs: &LocalFs, limits: &Limits) -> Sorted {
        sorted(fs.walk(limits))
    }

    type Sorted = (
        Vec<crate::catalog::index::Entry>,
        Vec<crate::catalog::Warning>,
        Vec<String>,
        Vec<(String, String)>,
    );

    fn sorted(mut w: Walk) -> Sorted {
        w.files.sort_by(|a, b| a.path.cmp(&b.path));
        w.warnings.sort();
        w.others.sort();
        w.links.sort();
        (w.files, w.warnings, w.others, w.links)
    }

    #[test]
    fn the_parallel_walk_finds_what_the_sequential_walk_finds() {
        let (d, _) = tree();
        let r = d.path();
        for i in 0..40 {
            let dir = r.join(format!("usr/lib/m{i}/deep/er"));
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join("f.js"), "x").unwrap();
            std::fs::write(r.join(format!("usr/lib/m{i}/package.json")), "{}").unwrap();
        }
        std::fs::create_dir_all(r.join("proc/1")).unwrap();
        std::fs::write(r.join("proc/1/status"), "x").unwrap();
        std::fs::create_dir_all(r.join("a/b/c/d/e/f/g")).unwrap();
        std::fs::write(r.join("a/b/c/d/e/f/g/too-deep"), "x").unwrap();
        symlink("/usr", r.join("usr/lib/m0/up")).unwrap();
        let limits = Limits {
            max_depth: 6,
            ..Limits::default()
        };
        let fs = LocalFs::new(r);
        let want = sequential(&fs, &limits);
        assert_eq!(want.0.len(), 81, "{:?}", want.0);
        assert!(
            want.1.iter().any(|w| w.location == "a/b/c/d/e/f"),
            "{:?}",
            want.1
        );
        assert!(
            want.3
                .contains(&("usr/lib/m0/up".to_string(), "/usr".to_string())),
            "{:?}",
            want.3
        );
        assert_eq!(parallel(&fs, &limits), want);
        // Past the file cap the walk is the sequential one, cut at the same file.
        let capped = Limits {
            max_files: 10,
            ..limits.clone()
        };
        assert_eq!(parallel(&fs, &capped), sequential(&fs, &capped));
        // An unreadable root is one warning in both.
        let gone = LocalFs::new(r.join("nope"));
        assert_eq!(parallel(&gone, &limits), sequential(&gone, &limits));
        assert_eq!(parallel(&gone, &limits).1.len(), 1);
    }

    #[test]
    fn reads_below_walked_directories_still_stay_inside_the_root() {
        let (d, fs) = tree();
        std::fs::create_dir_all(d.path().join("usr/bin")).unwrap();
        symlink("../../etc/os-release", d.path().join("usr/bin/rel")).unwrap();
        symlink("/etc/os-release", d.path().join("usr/bin/abs")).unwrap();
        fs.walk(&Limits::default());
        assert_eq!(fs.read_file("usr/bin/rel", 100).unwrap(), b"ID=debian\n");
        assert_eq!(fs.read_file("usr/bin/abs", 100).unwrap(), b"ID=debian\n");
        assert_eq!(fs.lstat("usr/bin/abs").unwrap().kind, FileKind::Symlink);
        assert_eq!(fs.read_at("usr/bin/abs", 3, 3).unwrap(), b"deb");
        assert_eq!(fs.read_at("etc/os-release", 0, 2).unwrap(), b"ID");
        assert_eq!(fs.read_at("usr/bin/abs", 9, 100).unwrap(), b"\n");
        assert!(matches!(
            fs.read_file("etc/loop1", 10),
            Err(FsError::NotFound { .. })
        ));
        assert!(matches!(
            fs.read_file("loop1", 10),
            Err(FsError::Loop { .. })
        ));
    }
}
