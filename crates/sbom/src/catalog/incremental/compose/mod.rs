//! Composed catalogs: a stage whose only changes are `COPY --from=<stage> PATH PATH` (a path
//! copied onto the same path) cataloged without reading it — its parent's index plus the copied
//! parts of the sources' indexes, the per-file findings reused from both, and the parent's
//! whole-filesystem findings (dpkg, apk, rpm, Python, the distro), which no copy can reach.
//!
//! That is the full scan's result only when each copy lands where nothing of the parent can
//! tell: [`Scanned::compose`] refuses (with the reason) whenever a copy could replace or hide a
//! file the parent's catalogers read, or reach one through a symlink, and the caller scans in
//! full.

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
    /// as a full scan of the result. Else why that cannot be known without reading it.
    pub fn compose(&self, copies: &[(&Scanned, &str)]) -> Result<Scanned, String> {
        let mine = self
            .specials
            .as_ref()
            .ok_or("the parent's special files are not known")?;
        let limits = Limits::default();
        let cats = catalogers();
        let whole: Vec<&dyn Cataloger> = cats
            .iter()
            .filter(|c| !c.per_file())
            .map(|c| c.as_ref())
            .collect();
        let mut files = self.files;
        for (i, (source, path)) in copies.iter().enumerate() {
            files += source.files;
            if files > limits.max_files {
                return Err(format!("/{path}: more than {} files", limits.max_files));
            }
            if let Some(why) = self.refusal(mine, source, path, &copies[..i], &whole) {
                return Err(format!("/{path}: {why}"));
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
        Ok(Scanned {
            catalog,
            index,
            found,
            whole: self.whole.clone(),
            specials: Some(specials),
            files,
            clean_walk: true,
        })
    }

    /// Why copying `path` of `source` here, after the `earlier` copies, could change what a full
    /// scan finds beyond the copied files; `None` when it cannot. `mine`: this filesystem's
    /// special files; `whole`: the whole-filesystem catalogers.
    fn refusal(
        &self,
        mine: &Specials,
        source: &Scanned,
        path: &str,
        earlier: &[(&Scanned, &str)],
        whole: &[&dyn Cataloger],
    ) -> Option<String> {
        let Some(theirs) = &source.specials else {
            return Some("the source's special files are not known".into());
        };
        if !(self.clean_walk && source.clean_walk) {
            return Some("a walk had warnings".into());
        }
        if path.is_empty() || components(path).join("/") != path {
            return Some("not a clean path below the root".into());
        }
        if let Some(f) = READ_BY_NAME.iter().find(|f| overlaps(f, path)) {
            return Some(format!("overlaps /{f}, read by name"));
        }
        if let Some(o) = mine.others.iter().find(|o| overlaps(o, path)) {
            return Some(format!(
                "overlaps /{o}, a symlink or special file of the parent"
            ));
        }
        let leads_in = |(l, t): &(&String, &String)| overlaps(&link_target(l, t), path);
        if let Some((l, _)) = mine.links.iter().find(leads_in) {
            return Some(format!("the parent's symlink /{l} leads into or above it"));
        }
        if let Some(o) = theirs.others.iter().find(|o| under(path, o)) {
            return Some(format!("/{o} is a symlink or special file of the source"));
        }
        if let Some(e) = self.index.files().iter().find(|e| under(&e.path, path)) {
            let covered = &e.path;
            return Some(format!(
                "would cover /{covered}, which the parent's catalogers read"
            ));
        }
        if let Some((_, p)) = earlier.iter().find(|(_, p)| overlaps(p, path)) {
            return Some(format!("overlaps the earlier copy of /{p}"));
        }
        if self.whole_reads_near(whole, path) || source.wanted_under(whole, path) {
            return Some(
                "beside or holding files a whole-filesystem cataloger reads (Python's \
                         METADATA and RECORD)"
                    .into(),
            );
        }
        None
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
