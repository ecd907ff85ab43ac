//! The parallel walk of a local directory behind [`super::LocalFs::walk`]: worker threads walk
//! depth-first and hand directories to each other through a queue when one runs out; each lists
//! a directory with `getdents` (`d_type` tells files, directories and symlinks apart without a
//! `stat`) and calls `statx` only for regular files, by name relative to the open directory. Symlinks are never followed, so nothing outside the root
//! is listed. Results are the same as [`crate::catalog::index::walk`] over the same tree.

use super::local::{io, metadata_of, read_dir_error};
use super::{join, FileKind};
use crate::catalog::index::{Entry, Limits};
use crate::catalog::Warning;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};

/// Most worker threads one walk starts.
const MAX_THREADS: usize = 8;

/// Directories waiting for a worker, and how many workers are waiting for one.
struct Queue {
    dirs: Vec<(String, usize)>,
    idle: usize,
}

/// What the workers share.
struct Shared<'a> {
    root: &'a Path,
    limits: &'a Limits,
    threads: usize,
    queue: Mutex<Queue>,
    wake: Condvar,
    /// Mirrors `queue.idle`, read without the lock to decide whether to share work.
    idle: AtomicUsize,
    count: AtomicUsize,
    over: AtomicBool,
}

/// What a walk found, unsorted; paths are root-relative.
#[derive(Debug, Default)]
pub struct Walked {
    /// Regular files.
    pub files: Vec<Entry>,
    /// Every directory listed (`""` for the root).
    pub dirs: Vec<String>,
    /// Everything else: symlinks, devices (an overlay whiteout is one), sockets, fifos.
    pub others: Vec<String>,
    /// Each symlink of `others` with its target, as stored.
    pub links: Vec<(String, String)>,
    /// Directories that could not be listed or were too deep.
    pub warnings: Vec<Warning>,
}

/// Walks `root` in parallel; `None` when there are more than `limits.max_files` files, so the
/// caller can take the sequential walk and its exact cut-off.
pub fn parallel(root: &Path, limits: &Limits) -> Option<Walked> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, MAX_THREADS);
    let shared = Shared {
        root,
        limits,
        threads,
        queue: Mutex::new(Queue {
            dirs: vec![(String::new(), 0)],
            idle: 0,
        }),
        wake: Condvar::new(),
        idle: AtomicUsize::new(0),
        count: AtomicUsize::new(0),
        over: AtomicBool::new(false),
    };
    let found: Vec<Walked> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads).map(|_| s.spawn(|| worker(&shared))).collect();
        workers
            .into_iter()
            .map(|w| w.join().unwrap_or_default())
            .collect()
    });
    if shared.over.load(Ordering::Relaxed) {
        return None;
    }
    let mut all = Walked::default();
    for f in found {
        all.files.extend(f.files);
        all.dirs.extend(f.dirs);
        all.others.extend(f.others);
        all.links.extend(f.links);
        all.warnings.extend(f.warnings);
    }
    Some(all)
}

/// Lists directories depth-first from a local stack, handing half of it to the queue while
/// another worker waits, and takes from the queue when the stack is empty.
fn worker(sh: &Shared<'_>) -> Walked {
    let mut found = Walked::default();
    let mut local: Vec<(String, usize)> = Vec::new();
    loop {
        let next = match local.pop() {
            Some(d) => Some(d),
            None => take(sh),
        };
        let Some((dir, depth)) = next else {
            return found;
        };
        let subdirs = list(sh, &dir, depth, &mut found);
        found.dirs.push(dir);
        local.extend(subdirs);
        if local.len() > 1 && sh.idle.load(Ordering::Relaxed) > 0 {
            let mut q = sh.queue.lock().unwrap_or_else(|p| p.into_inner());
            q.dirs.extend(local.drain(..local.len() / 2));
            sh.wake.notify_all();
        }
    }
}

/// The next directory from the queue; `None` once every worker is waiting and it is empty, or
/// the walk is over its file cap.
fn take(sh: &Shared<'_>) -> Option<(String, usize)> {
    let mut q = sh.queue.lock().unwrap_or_else(|p| p.into_inner());
    q.idle += 1;
    sh.idle.store(q.idle, Ordering::Relaxed);
    loop {
        if sh.over.load(Ordering::Relaxed) {
            sh.wake.notify_all();
            return None;
        }
        if let Some(d) = q.dirs.pop() {
            q.idle -= 1;
            sh.idle.store(q.idle, Ordering::Relaxed);
            return Some(d);
        }
        if q.idle == sh.threads {
            sh.wake.notify_all();
            return None;
        }
        q = sh.wake.wait(q).unwrap_or_else(|p| p.into_inner());
    }
}

/// Lists one directory into `found`; returns its subdirectories to walk.
fn list(sh: &Shared<'_>, dir: &str, depth: usize, found: &mut Walked) -> Vec<(String, usize)> {
    let (root, limits) = (sh.root, sh.limits);
    let mut subdirs = Vec::new();
    let cannot = |e: super::FsError| Warning {
        location: dir.to_string(),
        message: format!("cannot list directory: {e}"),
    };
    let rd = match std::fs::read_dir(root.join(dir)) {
        Ok(rd) => rd,
        Err(e) => {
            found.warnings.push(cannot(read_dir_error(dir, &e)));
            return subdirs;
        }
    };
    // A listing that fails part-way counts as failed whole, as in the sequential walk.
    let mut files = Vec::new();
    let mut others = Vec::new();
    let mut links = Vec::new();
    let mut warnings = Vec::new();
    for entry in rd {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                found.warnings.push(cannot(io(dir, &e)));
                return Vec::new();
            }
        };
        let Ok(ft) = entry.file_type() else { continue };
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = join(dir, &name);
        if ft.is_dir() {
            if depth == 0 && limits.skip_top.contains(&name) {
                continue;
            }
            if depth + 1 >= limits.max_depth {
                warnings.push(Warning {
                    location: path,
                    message: format!("not walked: deeper than {} levels", limits.max_depth),
                });
            } else {
                subdirs.push((path, depth + 1));
            }
        } else if ft.is_file() {
            let Ok(meta) = entry.metadata() else { continue };
            let meta = metadata_of(&meta);
            if meta.kind != FileKind::File {
                others.push(path);
                continue;
            }
            if sh.count.fetch_add(1, Ordering::Relaxed) >= limits.max_files {
                sh.over.store(true, Ordering::Relaxed);
                return Vec::new();
            }
            files.push(Entry { path, meta });
        } else {
            if ft.is_symlink() {
                if let Ok(target) = std::fs::read_link(entry.path()) {
                    links.push((path.clone(), target.to_string_lossy().into_owned()));
                }
            }
            others.push(path);
        }
    }
    found.files.extend(files);
    found.others.extend(others);
    found.links.extend(links);
    found.warnings.extend(warnings);
    subdirs
}
