//! Incremental catalogs: a filesystem built on another one (a stage on its `FROM`) cataloged
//! from its parent's index plus what changed, with the same result as a full scan.
//!
//! The changes come from a directory holding only what the child added or modified (BuildKit's
//! `DiffOp` of parent and child, mounted): it is walked whole; deletions are not visible in it, so
//! each file the parent's index kept is looked up again in the child. Catalogers then run over
//! the merged index exactly as in a full scan, reading files from the child. A cataloger sees only
//! the files it [`Cataloger::wants`], so the index holds only those, and a child's index is
//! exactly the one its own walk would have kept.
//!
//! Whenever the result could differ from a full scan's (the parent's or the diff's walk had a
//! warning, the file cap could be reached, the diff cannot be walked), it is a full scan.

use std::collections::{BTreeMap, HashSet};

use super::fs::{parent, FileKind, Fs, LocalFs};
use super::index::{Entry, Index, Limits, Walk};
use super::{
    catalog_index, catalogers, wanted_by, Catalog, Cataloger, FileFindings, Reuse, WholeFindings,
};

mod compose;

/// A filesystem's catalog with what a child's incremental scan needs.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Scanned {
    /// The packages and warnings, as [`super::scan`] returns them.
    pub catalog: Catalog,
    /// The files some cataloger wants.
    index: Index,
    /// What each file gave the per-file catalogers, reused for the files a child keeps.
    found: FileFindings,
    /// What the other catalogers gave, reused by a composed catalog ([`Scanned::compose`]).
    whole: WholeFindings,
    /// The filesystem's symlinks and other special files, when known: its own walk saw them all,
    /// or (a child's) its parent's were looked up again and its diff's walked.
    specials: Option<Specials>,
    /// At least as many regular files as the filesystem holds (for the walk's file cap).
    files: usize,
    /// The walk gave no warning, so a child's walk warnings are exactly its diff's.
    clean_walk: bool,
}

impl Scanned {
    /// The scan of an empty filesystem (`FROM scratch`).
    pub fn empty() -> Scanned {
        Scanned {
            catalog: Catalog::default(),
            index: Index::default(),
            found: FileFindings::default(),
            whole: WholeFindings::default(),
            specials: Some(Specials::default()),
            files: 0,
            clean_walk: true,
        }
    }

    /// A full scan of `fs` with every cataloger.
    pub fn full(fs: &dyn Fs) -> Scanned {
        Scanned::full_with(fs, &catalogers(), &Limits::default())
    }

    /// A full scan of `fs` with `catalogers` within `limits`.
    pub fn full_with(fs: &dyn Fs, catalogers: &[Box<dyn Cataloger>], limits: &Limits) -> Scanned {
        let (index, walk, files) = Index::build(fs, limits, wanted_by(catalogers));
        let Walk {
            others,
            links,
            warnings,
            ..
        } = walk;
        let clean_walk = warnings.is_empty();
        let (catalog, found, whole) = catalog_index(fs, &index, catalogers, warnings, None);
        let mut others = others;
        others.sort();
        Scanned {
            catalog,
            index,
            found,
            whole,
            specials: Some(Specials {
                others,
                links: links.into_iter().collect(),
            }),
            files,
            clean_walk,
        }
    }

    /// The scan of `child`, a filesystem that is this one plus the files under `diff` (its
    /// additions and changes) minus deletions; the same catalog as [`Scanned::full`] of `child`.
    /// Also says whether it was incremental (else it fell back to a full scan).
    pub fn child(&self, child: &LocalFs, diff: &LocalFs) -> (Scanned, bool) {
        let limits = Limits::default();
        let cats = catalogers();
        let changes = match diff.walk_all(&limits) {
            Some(c) if self.clean_walk && c.warnings.is_empty() => c,
            _ => return (Scanned::full_with(child, &cats, &limits), false),
        };
        let files = self.files + changes.files.len();
        if files > limits.max_files {
            return (Scanned::full_with(child, &cats, &limits), false);
        }
        let changed: HashSet<&str> = changes.files.iter().map(|e| e.path.as_str()).collect();
        let not_dirs: HashSet<&str> = changes.others.iter().map(String::as_str).collect();
        // A kept file's directories are the parent's real directories, unless the diff replaced
        // one with a symlink or a file (then the file is gone), so one lstat tells whether the
        // child still has it.
        let below_replaced = |path: &str| {
            let mut dir = parent(path);
            while !dir.is_empty() {
                if not_dirs.contains(dir) || changed.contains(dir) {
                    return true;
                }
                dir = parent(dir);
            }
            false
        };
        let wanted = wanted_by(&cats);
        let mut kept: HashSet<String> = HashSet::new();
        let mut entries: Vec<Entry> = Vec::new();
        for e in self.index.files() {
            if changed.contains(e.path.as_str())
                || not_dirs.contains(e.path.as_str())
                || below_replaced(&e.path)
            {
                continue;
            }
            if let Ok(meta) = child.lstat_below_real_dirs(&e.path) {
                let entry = Entry {
                    path: e.path.clone(),
                    meta,
                };
                if entry.meta.kind == FileKind::File && wanted(&entry) {
                    kept.insert(entry.path.clone());
                    entries.push(entry);
                }
            }
        }
        let specials = self.specials.as_ref().map(|mine| {
            let candidates = mine.others.iter().chain(&changes.others);
            let kept = candidates.filter(|p| !changed.contains(p.as_str()) && !below_replaced(p));
            let changed_links: BTreeMap<&str, &str> = changes
                .links
                .iter()
                .map(|(l, t)| (l.as_str(), t.as_str()))
                .collect();
            mine.child(kept, child, &changed_links)
        });
        entries.extend(changes.files.into_iter().filter(|e| wanted(e)));
        let index = Index::new(entries);
        let reuse = Reuse {
            parent: &self.found,
            kept: &kept,
        };
        let (catalog, found, whole) = catalog_index(child, &index, &cats, Vec::new(), Some(reuse));
        let scanned = Scanned {
            catalog,
            index,
            found,
            whole,
            specials,
            files,
            clean_walk: true,
        };
        (scanned, true)
    }
}

/// A filesystem's paths that are neither directories nor regular files.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct Specials {
    /// Every such path, sorted.
    others: Vec<String>,
    /// Each symlink among them with its target, as stored.
    links: BTreeMap<String, String>,
}

impl Specials {
    /// A child's special files: those of `candidates` (this filesystem's and its diff's, none
    /// below a directory the diff replaced) that `child` still has as neither directory nor
    /// regular file — one `lstat` each, as deletions are not in the diff. A link keeps the target
    /// the diff shows, else this filesystem's (a link the diff does not show is unchanged), else
    /// the one read from `child`.
    fn child<'a>(
        &self,
        candidates: impl Iterator<Item = &'a String>,
        child: &LocalFs,
        changed_links: &BTreeMap<&str, &str>,
    ) -> Specials {
        let mut others: Vec<String> = candidates
            .filter(|p| {
                child
                    .lstat_below_real_dirs(p)
                    .is_ok_and(|m| !matches!(m.kind, FileKind::File | FileKind::Dir))
            })
            .cloned()
            .collect();
        others.sort();
        others.dedup();
        let links = others
            .iter()
            .filter_map(|p| {
                let target = match changed_links.get(p.as_str()) {
                    Some(t) => Some(t.to_string()),
                    None => self.links.get(p).cloned(),
                }
                .or_else(|| child.read_link(p).ok())?;
                Some((p.clone(), target))
            })
            .collect();
        Specials { others, links }
    }
}

#[cfg(test)]
mod tests;
