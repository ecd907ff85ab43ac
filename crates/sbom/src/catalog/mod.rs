//! Package catalogers over a read-only filesystem view ([`fs::Fs`]), and their result.
//!
//! [`scan`] walks the tree once (bounded) into an [`index::Index`] of regular files, then each
//! ecosystem's [`Cataloger`] picks the paths it knows from the index and reads only those. No
//! cataloger touches the network; every problem becomes a [`Warning`], never a panic.

pub mod apk;
pub mod binary;
pub mod distro;
pub mod dpkg;
pub mod fs;
pub mod gem;
pub mod golang;
pub mod incremental;
pub mod index;
pub mod java;
pub mod license;
pub mod npm;
mod package;
pub mod python;
pub mod rpm;
pub mod rust;
pub mod text;

pub use package::{Package, PackageKind};

use fs::{Fs, FsError};
use index::{Entry, Index};
use std::cell::RefCell;
use std::collections::{BTreeMap, HashSet};

/// Something a cataloger could not read or understand; the scan goes on.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct Warning {
    /// Where: a root-relative path, with `:line` when known.
    pub location: String,
    /// What went wrong.
    pub message: String,
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "/{}: {}", self.location, self.message)
    }
}

/// The packages found in one filesystem, sorted by purl and deduplicated, plus warnings.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Catalog {
    /// Packages, sorted by purl; one per purl (locations and catalogers merged).
    pub packages: Vec<Package>,
    /// Problems met on the way, sorted.
    pub warnings: Vec<Warning>,
    /// The distribution, from `etc/os-release`, when there is one.
    pub distro: Option<distro::Distro>,
}

/// What a cataloger sees: the filesystem, the index of its files, the distro, a warning sink.
pub struct Context<'a> {
    /// The filesystem being scanned.
    pub fs: &'a dyn Fs,
    /// Every regular file found by the bounded walk.
    pub index: &'a Index,
    /// The distribution, when `etc/os-release` names one.
    pub distro: Option<&'a distro::Distro>,
    warnings: RefCell<Vec<Warning>>,
}

impl<'a> Context<'a> {
    /// A context over `fs` and its `index`.
    pub fn new(fs: &'a dyn Fs, index: &'a Index, distro: Option<&'a distro::Distro>) -> Self {
        Context {
            fs,
            index,
            distro,
            warnings: RefCell::new(Vec::new()),
        }
    }

    /// Records a warning at `location`.
    pub fn warn(&self, location: impl Into<String>, message: impl Into<String>) {
        self.warnings.borrow_mut().push(Warning {
            location: location.into(),
            message: message.into(),
        });
    }

    /// Reads a file of at most `cap` bytes; a missing file is `None` silently, any other
    /// failure is `None` plus a warning.
    pub fn read(&self, path: &str, cap: u64) -> Option<Vec<u8>> {
        match self.fs.read_file(path, cap) {
            Ok(b) => Some(b),
            Err(FsError::NotFound { .. }) => None,
            Err(e) => {
                self.warn(path, e.reason());
                None
            }
        }
    }

    /// Reads a text file (lossy UTF-8) of at most `cap` bytes, as [`Context::read`].
    pub fn read_text(&self, path: &str, cap: u64) -> Option<String> {
        self.read(path, cap)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
    }

    /// The indexed files `cataloger` wants, by path.
    pub fn files_for<'b, C: Cataloger + ?Sized>(
        &'b self,
        cataloger: &'b C,
    ) -> impl Iterator<Item = &'b Entry> + 'b {
        self.index
            .files()
            .iter()
            .filter(move |e| cataloger.wants(e))
    }

    /// The warnings recorded so far.
    pub fn into_warnings(self) -> Vec<Warning> {
        self.warnings.into_inner()
    }
}

/// One ecosystem's package finder.
pub trait Cataloger {
    /// The cataloger's name, recorded in each package's `found_by` (Syft's names where they exist).
    fn name(&self) -> &'static str;
    /// Finds packages; problems go to [`Context::warn`]. By default [`Cataloger::catalog_file`]
    /// over every file it wants, in index order.
    fn catalog(&self, cx: &Context<'_>) -> Vec<Package> {
        cx.files_for(self)
            .flat_map(|e| self.catalog_file(cx, e))
            .collect()
    }
    /// The indexed files this cataloger looks at ([`Context::files_for`]); files it reads by a
    /// fixed path need not be wanted. The index keeps only files some cataloger wants, and an
    /// incremental scan ([`incremental`]) relies on a cataloger seeing no other index entry.
    fn wants(&self, _entry: &Entry) -> bool {
        false
    }
    /// True when [`Cataloger::catalog`] is [`Cataloger::catalog_file`] over each file it wants
    /// and what one file yields (packages, warnings) depends on that file alone: an incremental
    /// scan then reuses the parent's findings for every file the child did not change.
    fn per_file(&self) -> bool {
        false
    }
    /// The packages of one file it wants (catalogers that are [`Cataloger::per_file`]).
    fn catalog_file(&self, _cx: &Context<'_>, _entry: &Entry) -> Vec<Package> {
        Vec::new()
    }
}

/// What one file gave a per-file cataloger ([`Cataloger::per_file`]).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Findings {
    /// Its packages, as the cataloger returned them.
    pub packages: Vec<Package>,
    /// Its warnings.
    pub warnings: Vec<Warning>,
}

/// Per-file catalogers' findings by cataloger name and file path; files with none are left out.
pub type FileFindings = BTreeMap<String, BTreeMap<String, Findings>>;

/// Findings an incremental scan may reuse: the parent's, and the files it kept unchanged.
pub struct Reuse<'a> {
    /// The parent's per-file findings.
    pub parent: &'a FileFindings,
    /// Files of the parent's index that the child has unchanged.
    pub kept: &'a HashSet<String>,
}

/// Every cataloger, in a fixed order.
pub fn catalogers() -> Vec<Box<dyn Cataloger>> {
    vec![
        Box::new(dpkg::Dpkg),
        Box::new(apk::Apk),
        Box::new(rpm::Rpm),
        Box::new(npm::NpmLock),
        Box::new(npm::NodeModules),
        Box::new(python::Python),
        Box::new(rust::CargoLock),
        Box::new(binary::Binaries),
        Box::new(java::Java),
        Box::new(gem::Gems),
    ]
}

/// Catalogs `fs` with every cataloger.
pub fn scan(fs: &dyn Fs) -> Catalog {
    scan_with(fs, &catalogers(), &index::Limits::default())
}

/// Catalogs `fs` with the given catalogers and walk limits.
pub fn scan_with(
    fs: &dyn Fs,
    catalogers: &[Box<dyn Cataloger>],
    limits: &index::Limits,
) -> Catalog {
    incremental::Scanned::full_with(fs, catalogers, limits).catalog
}

/// True for an indexed file some of `catalogers` wants.
fn wanted_by(catalogers: &[Box<dyn Cataloger>]) -> impl Fn(&Entry) -> bool + '_ {
    move |e| catalogers.iter().any(|c| c.wants(e))
}

/// What the catalogers that are not [`Cataloger::per_file`] found.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct WholeFindings {
    /// Their packages by cataloger name, as each returned them.
    pub packages: BTreeMap<String, Vec<Package>>,
    /// Their warnings.
    pub warnings: Vec<Warning>,
}

/// Runs `catalogers` over `index` of `fs`, reusing `reuse`'s findings for the files it kept;
/// `warnings` are the walk's. Also returns the per-file catalogers' findings and the others'.
fn catalog_index(
    fs: &dyn Fs,
    index: &Index,
    catalogers: &[Box<dyn Cataloger>],
    mut warnings: Vec<Warning>,
    reuse: Option<Reuse<'_>>,
) -> (Catalog, FileFindings, WholeFindings) {
    let distro = distro::Distro::detect(fs);
    let cx = Context::new(fs, index, distro.as_ref());
    let mut packages = Vec::new();
    let mut found = FileFindings::new();
    let mut whole = WholeFindings::default();
    for c in catalogers {
        if !c.per_file() {
            let mine = c.catalog(&cx);
            packages.extend(mine.iter().cloned());
            whole.packages.insert(c.name().to_string(), mine);
            continue;
        }
        let before = reuse.as_ref().map(|r| (r.parent.get(c.name()), r.kept));
        let mine = found.entry(c.name().to_string()).or_default();
        for e in cx.files_for(c.as_ref()) {
            let findings = match before {
                Some((parent, kept)) if kept.contains(&e.path) => parent
                    .and_then(|p| p.get(&e.path))
                    .cloned()
                    .unwrap_or_default(),
                _ => {
                    let one = Context::new(fs, index, distro.as_ref());
                    let packages = c.catalog_file(&one, e);
                    Findings {
                        packages,
                        warnings: one.into_warnings(),
                    }
                }
            };
            packages.extend(findings.packages.iter().cloned());
            warnings.extend(findings.warnings.iter().cloned());
            if !findings.packages.is_empty() || !findings.warnings.is_empty() {
                mine.insert(e.path.clone(), findings);
            }
        }
    }
    found.retain(|_, files| !files.is_empty());
    whole.warnings = cx.into_warnings();
    warnings.extend(whole.warnings.iter().cloned());
    warnings.sort();
    warnings.dedup();
    let catalog = Catalog {
        packages: merge(packages),
        warnings,
        distro,
    };
    (catalog, found, whole)
}

/// Sorts packages by purl and merges those with the same purl (locations, files and
/// catalogers are united; the first declared license wins).
pub fn merge(packages: Vec<Package>) -> Vec<Package> {
    let mut by_purl: BTreeMap<String, Package> = BTreeMap::new();
    for p in packages {
        match by_purl.get_mut(&p.purl) {
            None => {
                by_purl.insert(p.purl.clone(), p);
            }
            Some(have) => {
                have.locations.extend(p.locations);
                have.files.extend(p.files);
                have.found_by.extend(p.found_by);
                if have.license.is_none() {
                    have.license = p.license;
                }
                for (k, v) in p.properties {
                    have.properties.entry(k).or_insert(v);
                }
            }
        }
    }
    by_purl.into_values().collect()
}
