//! [`Fs`] over a local directory: symlinks resolve inside the root only.

use super::{components, DirEntry, FileKind, Fs, FsError, Metadata};
use std::collections::VecDeque;
use std::io::{Read, Seek, SeekFrom};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// How many symlinks one lookup may follow before it is called a loop (as Linux's `ELOOP`).
const MAX_LINK_HOPS: usize = 40;

/// A local directory seen as the root of an image filesystem.
#[derive(Debug, Clone)]
pub struct LocalFs {
    root: PathBuf,
}

impl LocalFs {
    /// A view rooted at `root`.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        LocalFs { root: root.into() }
    }

    /// The host path of root-relative `components`.
    fn host(&self, comps: &[String]) -> PathBuf {
        let mut p = self.root.clone();
        p.extend(comps);
        p
    }

    /// Resolves `path` to a host path whose every component is a real (non-symlink) entry inside
    /// the root, except a final symlink when `follow_final` is false. Absolute link targets are
    /// re-rooted; `..` stops at the root.
    fn resolve(&self, path: &str, follow_final: bool) -> Result<PathBuf, FsError> {
        let mut todo: VecDeque<String> = components(path).into_iter().map(String::from).collect();
        let mut done: Vec<String> = Vec::new();
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
            let meta = match std::fs::symlink_metadata(&host) {
                Ok(m) => m,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    return Err(FsError::NotFound {
                        path: path.to_string(),
                    })
                }
                Err(e) => return Err(io(path, &e)),
            };
            if !meta.file_type().is_symlink() || (todo.is_empty() && !follow_final) {
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
        }
        Ok(self.host(&done))
    }

    /// Opens a resolved regular file.
    fn open(&self, path: &str) -> Result<(std::fs::File, u64), FsError> {
        let host = self.resolve(path, true)?;
        let meta = std::fs::metadata(&host).map_err(|e| io(path, &e))?;
        if !meta.is_file() {
            return Err(FsError::WrongKind {
                path: path.to_string(),
                message: "not a regular file".into(),
            });
        }
        let f = std::fs::File::open(&host).map_err(|e| io(path, &e))?;
        Ok((f, meta.len()))
    }
}

fn io(path: &str, e: &std::io::Error) -> FsError {
    FsError::Io {
        path: path.to_string(),
        message: e.to_string(),
    }
}

fn metadata_of(m: &std::fs::Metadata) -> Metadata {
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

fn stat_host(path: &str, host: &Path) -> Result<Metadata, FsError> {
    match std::fs::symlink_metadata(host) {
        Ok(m) => Ok(metadata_of(&m)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(FsError::NotFound {
            path: path.to_string(),
        }),
        Err(e) => Err(io(path, &e)),
    }
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
        let (mut f, size) = self.open(path)?;
        let len = len.min(size.saturating_sub(offset));
        f.seek(SeekFrom::Start(offset)).map_err(|e| io(path, &e))?;
        let mut buf = Vec::with_capacity(len as usize);
        f.take(len)
            .read_to_end(&mut buf)
            .map_err(|e| io(path, &e))?;
        Ok(buf)
    }

    fn read_dir(&self, path: &str) -> Result<Vec<DirEntry>, FsError> {
        let host = self.resolve(path, true)?;
        let rd = std::fs::read_dir(&host).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => FsError::NotFound {
                path: path.to_string(),
            },
            std::io::ErrorKind::NotADirectory => FsError::WrongKind {
                path: path.to_string(),
                message: "not a directory".into(),
            },
            _ => io(path, &e),
        })?;
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
        stat_host(path, &self.resolve(path, true)?)
    }

    fn lstat(&self, path: &str) -> Result<Metadata, FsError> {
        stat_host(path, &self.resolve(path, false)?)
    }

    fn read_link(&self, path: &str) -> Result<String, FsError> {
        let host = self.resolve(path, false)?;
        std::fs::read_link(&host)
            .map(|t| t.to_string_lossy().into_owned())
            .map_err(|e| io(path, &e))
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
}
