//! Composed catalogs: a stage whose only changes are `COPY --from=<stage> PATH PATH` (a path
//! copied onto the same path) cataloged without reading it — its parent's index plus the copied
//! parts of the sources' indexes, the per-file findings reused from both, and the parent's
//! whole-filesystem findings (dpkg, apk, rpm, Python, the distro), which no copy can reach.
//!
//! That is the full scan's result only when each copy lands where nothing of the parent can
//! tell: [`Scanned::compose`] refuses (`None`) whenever a copy could replace or hide a file the
//! parent's catalogers read, or reach one through a symlink, and the caller scans in full.

use super::super::fs::{components, parent};
use super::super::index::{Entry, Index, Limits};
use super::super::{catalogers, merge, Catalog, Cataloger, FileFindings, Findings};
use super::{Scanned, Specials};

/// Paths the whole-filesystem catalogers and the distro detection read by name, not from the
/// index (dpkg's status, file lists and copyrights; apk's and rpm's databases; `os-release`).
const READ_BY_NAME: &[&str] = &[
    "etc/os-release",
    "usr/lib/os-release",
    "var/lib/dpkg",
    "usr/share/doc",
    "lib/apk",
    "var/lib/rpm",
    "usr/lib/sysimage/rpm",
];

/// True when `a` is `b` or one of its ancestors, or the other way round.
fn overlaps(a: &str, b: &str) -> bool {
    let within = |inner: &str, outer: &str| {
        outer.is_empty()
            || inner == outer
            || inner
                .strip_prefix(outer)
                .is_some_and(|r| r.starts_with('/'))
    };
    within(a, b) || within(b, a)
}

/// True when `path` is under `dir` (or is it).
fn under(path: &str, dir: &str) -> bool {
    path == dir || path.strip_prefix(dir).is_some_and(|r| r.starts_with('/'))
}

/// Where symlink `link` (root-relative) points, root-relative; `..` stops at the root.
fn link_target(link: &str, target: &str) -> String {
    let joined = if target.starts_with('/') {
        target.to_string()
    } else {
        format!("{}/{target}", parent(link))
    };
    components(&joined).join("/")
}

impl Scanned {
    /// The catalog of this filesystem after each `(source, path)` of `copies`, in order, copied
    /// `path` of `source` onto the same `path` (root-relative, no leading `/`); the same catalog
    /// as a full scan of the result. `None` when that cannot be known without reading it.
    pub fn compose(&self, copies: &[(&Scanned, &str)]) -> Option<Scanned> {
        let mine = self.specials.as_ref()?;
        let limits = Limits::default();
        let cats = catalogers();
        let whole: Vec<&dyn Cataloger> = cats
            .iter()
            .filter(|c| !c.per_file())
            .map(|c| c.as_ref())
            .collect();
        let mut files = self.files;
        for (i, (source, path)) in copies.iter().enumerate() {
            let theirs = source.specials.as_ref()?;
            files += source.files;
            let reachable = |s: &Specials| s.others.iter().any(|o| overlaps(o, path));
            let clean = self.clean_walk && source.clean_walk && components(path).join("/") == *path;
            if !clean
                || path.is_empty()
                || files > limits.max_files
                || reachable(mine)
                || theirs.others.iter().any(|o| under(path, o))
                || READ_BY_NAME.iter().any(|f| overlaps(f, path))
                || mine
                    .links
                    .iter()
                    .any(|(l, t)| overlaps(&link_target(l, t), path))
                || self.index.files().iter().any(|e| under(&e.path, path))
                || copies[..i].iter().any(|(_, p)| overlaps(p, path))
                || self.whole_reads_near(&whole, path)
                || source.wanted_under(&whole, path)
            {
                return None;
            }
        }
        let mut entries: Vec<Entry> = self.index.files().to_vec();
        let mut found = self.found.clone();
        let mut specials = mine.clone();
        for (source, path) in copies {
            let copied = |p: &str| under(p, path);
            entries.extend(
                source
                    .index
                    .files()
                    .iter()
                    .filter(|e| copied(&e.path))
                    .cloned(),
            );
            for (cataloger, per_file) in &source.found {
                let into = found.entry(cataloger.clone()).or_default();
                for (p, f) in per_file.iter().filter(|(p, _)| copied(p)) {
                    into.insert(p.clone(), f.clone());
                }
            }
            let Some(theirs) = &source.specials else {
                continue;
            };
            specials
                .others
                .extend(theirs.others.iter().filter(|o| copied(o)).cloned());
            specials.links.extend(
                theirs
                    .links
                    .iter()
                    .filter(|(l, _)| copied(l))
                    .map(|(l, t)| (l.clone(), t.clone())),
            );
        }
        specials.others.sort();
        let index = Index::new(entries);
        let catalog = self.composed_catalog(&index, &found, &cats);
        Some(Scanned {
            catalog,
            index,
            found,
            whole: self.whole.clone(),
            specials: Some(specials),
            files,
            clean_walk: true,
        })
    }

    /// True when one of the `whole`-filesystem catalogers read a file of this filesystem's index
    /// next to `path` (Python reads `RECORD` beside `METADATA`): a copy there could change what it
    /// reads.
    fn whole_reads_near(&self, whole: &[&dyn Cataloger], path: &str) -> bool {
        self.index
            .files()
            .iter()
            .filter(|e| whole.iter().any(|c| c.wants(e)))
            .any(|e| overlaps(parent(&e.path), path))
    }

    /// True when one of `catalogers` wants a file of this index under `path`.
    fn wanted_under(&self, catalogers: &[&dyn Cataloger], path: &str) -> bool {
        self.index
            .files()
            .iter()
            .any(|e| under(&e.path, path) && catalogers.iter().any(|c| c.wants(e)))
    }

    /// The catalog of `index` as [`super::super::catalog_index`] makes it, from the findings
    /// alone: each cataloger in order, the whole-filesystem ones' packages as this filesystem
    /// gave them, the per-file ones' findings file by file in index order.
    fn composed_catalog(
        &self,
        index: &Index,
        found: &FileFindings,
        cats: &[Box<dyn Cataloger>],
    ) -> Catalog {
        let mut packages = Vec::new();
        let mut warnings = self.whole.warnings.clone();
        let none = Findings::default();
        for c in cats {
            if !c.per_file() {
                if let Some(p) = self.whole.packages.get(c.name()) {
                    packages.extend(p.iter().cloned());
                }
                continue;
            }
            let mine = found.get(c.name());
            for e in index.files().iter().filter(|e| c.wants(e)) {
                let f = mine.and_then(|m| m.get(&e.path)).unwrap_or(&none);
                packages.extend(f.packages.iter().cloned());
                warnings.extend(f.warnings.iter().cloned());
            }
        }
        warnings.sort();
        warnings.dedup();
        Catalog {
            packages: merge(packages),
            warnings,
            distro: self.catalog.distro.clone(),
        }
    }
}

#[cfg(test)]
mod tests;
