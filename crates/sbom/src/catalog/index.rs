//! One bounded walk of the filesystem into a sorted list of regular files, and glob matching.

use super::fs::{join, FileKind, Fs, Metadata};
use super::Warning;

/// Bounds on the walk.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Stop after indexing this many files.
    pub max_files: usize,
    /// Do not descend below this depth.
    pub max_depth: usize,
    /// Top-level directories not walked (kernel filesystems).
    pub skip_top: Vec<String>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_files: 2_000_000,
            max_depth: 64,
            skip_top: ["proc", "sys", "dev"].map(String::from).to_vec(),
        }
    }
}

/// A regular file found by the walk.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Entry {
    /// Root-relative path without a leading `/`.
    pub path: String,
    /// Its metadata (never a symlink: the walk does not follow links).
    pub meta: Metadata,
}

/// What a walk found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Walk {
    /// Every regular file (unsorted).
    pub files: Vec<Entry>,
    /// Every path that is neither a directory nor a regular file (symlinks, devices, fifos).
    pub others: Vec<String>,
    /// Each symlink of `others` with its target, as stored.
    pub links: Vec<(String, String)>,
    /// Directories that could not be listed or were too deep, and where the file cap cut it.
    pub warnings: Vec<Warning>,
}

/// Every regular file of a filesystem, sorted by path.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Index {
    files: Vec<Entry>,
}

impl Index {
    /// Walks `fs` from its root without following symlinks (so it cannot loop), within `limits`
    /// ([`Fs::walk`]: [`walk`], or a faster walk of the same result), keeping the files `keep`
    /// accepts. Also returns the rest of the walk (its `files` empty) and how many regular files
    /// it found.
    pub fn build(
        fs: &dyn Fs,
        limits: &Limits,
        keep: impl Fn(&Entry) -> bool,
    ) -> (Index, Walk, usize) {
        let mut walk = fs.walk(limits);
        let files = std::mem::take(&mut walk.files);
        let found = files.len();
        (
            Index::new(files.into_iter().filter(keep).collect()),
            walk,
            found,
        )
    }

    /// An index of `files`, in any order.
    pub fn new(mut files: Vec<Entry>) -> Index {
        files.sort_by(|a, b| a.path.cmp(&b.path));
        Index { files }
    }

    /// Every indexed file.
    pub fn files(&self) -> &[Entry] {
        &self.files
    }
}

/// The sequential walk with [`Fs::read_dir`]. At the file past `limits.max_files` it stops with a
/// warning naming that file.
pub fn walk<F: Fs + ?Sized>(fs: &F, limits: &Limits) -> Walk {
    let mut files = Vec::new();
    let mut others = Vec::new();
    let mut links = Vec::new();
    let mut warnings = Vec::new();
    let mut stack: Vec<(String, usize)> = vec![(String::new(), 0)];
    while let Some((dir, depth)) = stack.pop() {
        let entries = match fs.read_dir(&dir) {
            Ok(e) => e,
            Err(e) => {
                warnings.push(Warning {
                    location: dir.clone(),
                    message: format!("cannot list directory: {e}"),
                });
                continue;
            }
        };
        for e in entries {
            let path = join(&dir, &e.name);
            match e.meta.kind {
                FileKind::Dir if depth == 0 && limits.skip_top.contains(&e.name) => {}
                FileKind::Dir if depth + 1 >= limits.max_depth => warnings.push(Warning {
                    location: path,
                    message: format!("not walked: deeper than {} levels", limits.max_depth),
                }),
                FileKind::Dir => stack.push((path, depth + 1)),
                FileKind::File if files.len() >= limits.max_files => {
                    warnings.push(Warning {
                        location: path,
                        message: format!("walk stopped: more than {} files", limits.max_files),
                    });
                    stack.clear();
                    break;
                }
                FileKind::File => files.push(Entry { path, meta: e.meta }),
                FileKind::Symlink => {
                    if let Ok(target) = fs.read_link(&path) {
                        links.push((path.clone(), target));
                    }
                    others.push(path);
                }
                FileKind::Other => others.push(path),
            }
        }
    }
    Walk {
        files,
        others,
        links,
        warnings,
    }
}

/// Matches a `/`-separated path against a pattern: `**` is any number of segments (also none),
/// `*` any run of characters within a segment, `?` one character.
pub fn glob_match(pattern: &str, path: &str) -> bool {
    let pat: Vec<&str> = pattern.split('/').collect();
    let path: Vec<&str> = path.split('/').collect();
    match_segments(&pat, &path)
}

fn match_segments(pat: &[&str], path: &[&str]) -> bool {
    match pat.split_first() {
        None => path.is_empty(),
        Some((&"**", rest)) => (0..=path.len()).any(|i| match_segments(rest, &path[i..])),
        Some((p, rest)) => match path.split_first() {
            Some((s, prest)) => {
                match_segment(p.as_bytes(), s.as_bytes()) && match_segments(rest, prest)
            }
            None => false,
        },
    }
}

fn match_segment(p: &[u8], s: &[u8]) -> bool {
    match p.split_first() {
        None => s.is_empty(),
        Some((b'*', rest)) => (0..=s.len()).any(|i| match_segment(rest, &s[i..])),
        Some((b'?', rest)) => !s.is_empty() && match_segment(rest, &s[1..]),
        Some((c, rest)) => s.first() == Some(c) && match_segment(rest, &s[1..]),
    }
}

#[cfg(test)]
mod tests {
    use super::glob_match;

    #[test]
    fn globs() {
        assert!(glob_match(
            "**/*.dist-info/METADATA",
            "usr/lib/python3/dist-packages/a-1.dist-info/METADATA"
        ));
        assert!(glob_match("**/package-lock.json", "package-lock.json"));
        assert!(!glob_match(
            "**/*.dist-info/METADATA",
            "a.dist-info/x/METADATA"
        ));
        assert!(glob_match(
            "var/lib/dpkg/status.d/*",
            "var/lib/dpkg/status.d/base"
        ));
        assert!(!glob_match(
            "var/lib/dpkg/status.d/*",
            "var/lib/dpkg/status.d/a/b"
        ));
        assert!(glob_match("**/*.?ar", "app/lib/x.jar"));
    }
}
