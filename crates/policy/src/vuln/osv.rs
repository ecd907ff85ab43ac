//! A pinned, offline OSV database: a directory of OSV JSON files and/or the per-ecosystem `all.zip`
//! exports (`https://osv-vulnerabilities.storage.googleapis.com/<ecosystem>/all.zip`), read once,
//! identified by a digest over its files.

use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use sha2::{Digest as _, Sha256};

use super::VulnError;
use crate::package_match;

/// Compares versions as the ecosystem whose purl type is `kind` orders them.
fn compare_versions(kind: &str, a: &str, b: &str) -> std::cmp::Ordering {
    if kind == "pypi" {
        return super::pep440::compare(a, b);
    }
    package_match::compare_versions(kind, a, b)
}

/// One OSV advisory (the fields matching reads).
#[derive(Debug, Clone, Deserialize)]
pub struct Advisory {
    /// `CVE-…`, `GHSA-…`, `DSA-…`.
    pub id: String,
    /// Other ids.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// One line.
    #[serde(default)]
    pub summary: String,
    /// RFC 3339.
    #[serde(default)]
    pub modified: String,
    /// Affected packages.
    #[serde(default)]
    pub affected: Vec<Affected>,
}

/// One affected package of an advisory.
#[derive(Debug, Clone, Deserialize)]
pub struct Affected {
    /// Ecosystem and name.
    pub package: Package,
    /// Version ranges.
    #[serde(default)]
    pub ranges: Vec<Range>,
    /// Explicit versions.
    #[serde(default)]
    pub versions: Vec<String>,
}

/// An OSV package.
#[derive(Debug, Clone, Deserialize)]
pub struct Package {
    /// `Debian:12`, `npm`, `PyPI`, …
    pub ecosystem: String,
    /// The package name in the ecosystem.
    pub name: String,
}

/// An OSV range.
#[derive(Debug, Clone, Deserialize)]
pub struct Range {
    /// `ECOSYSTEM`, `SEMVER` or `GIT` (not matched).
    #[serde(rename = "type")]
    pub range_type: String,
    /// The events.
    #[serde(default)]
    pub events: Vec<Event>,
}

/// An OSV range event (one field set).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Event {
    /// Affected from this version (`0`: from the start).
    pub introduced: Option<String>,
    /// Fixed in this version.
    pub fixed: Option<String>,
    /// Affected up to and including this version.
    pub last_affected: Option<String>,
    /// Not affected from this version on (upper bound of the range).
    pub limit: Option<String>,
}

/// The loaded database.
#[derive(Debug, Clone)]
pub struct OsvDb {
    /// Where it was read from.
    pub path: PathBuf,
    /// `sha256:` over the sorted (file name, file digest) list.
    pub digest: String,
    /// The newest `modified` of its advisories.
    pub modified: Option<String>,
    advisories: Vec<Advisory>,
    /// (ecosystem without release, name) → advisory indexes.
    index: HashMap<(String, String), Vec<usize>>,
}

/// A package version an advisory affects.
#[derive(Debug, Clone)]
pub struct Hit<'a> {
    /// The advisory.
    pub advisory: &'a Advisory,
    /// The first `fixed` version after the package's, when known.
    pub fixed: Option<String>,
}

impl OsvDb {
    /// Reads every `*.json` and `*.zip` under `path` (a directory, or one such file).
    pub fn read(path: &Path) -> Result<OsvDb, VulnError> {
        let mut files = Vec::new();
        collect(path, &mut files)?;
        files.sort();
        let mut advisories = Vec::new();
        let mut listing = Sha256::new();
        for f in &files {
            let bytes = std::fs::read(f).map_err(|e| VulnError::io(f, e))?;
            let name = f.strip_prefix(path).unwrap_or(f).display().to_string();
            listing.update(format!("{name}\0{}\n", hex::encode(Sha256::digest(&bytes))));
            if f.extension().is_some_and(|e| e == "zip") {
                read_zip(f, &bytes, &mut advisories)?;
            } else {
                advisories.push(parse(&bytes, &f.display().to_string())?);
            }
        }
        Ok(OsvDb::from_advisories(
            path,
            format!("sha256:{}", hex::encode(listing.finalize())),
            advisories,
        ))
    }

    /// A database of `advisories` (tests, and [`OsvDb::read`]).
    pub fn from_advisories(path: &Path, digest: String, advisories: Vec<Advisory>) -> OsvDb {
        let mut index: HashMap<(String, String), Vec<usize>> = HashMap::new();
        for (i, a) in advisories.iter().enumerate() {
            for af in &a.affected {
                let key = (
                    base_ecosystem(&af.package.ecosystem),
                    af.package.name.clone(),
                );
                let list = index.entry(key).or_default();
                if list.last() != Some(&i) {
                    list.push(i);
                }
            }
        }
        let modified = advisories.iter().map(|a| a.modified.clone()).max();
        OsvDb {
            path: path.to_path_buf(),
            digest,
            modified,
            advisories,
            index,
        }
    }

    /// How many advisories it holds.
    pub fn len(&self) -> usize {
        self.advisories.len()
    }

    /// True when it holds none.
    pub fn is_empty(&self) -> bool {
        self.advisories.is_empty()
    }

    /// The advisories affecting `version` of `name` in `ecosystem` (`Debian:12`: the release must
    /// agree when both name one), sorted by id.
    pub fn affecting(&self, ecosystem: &str, name: &str, version: &str) -> Vec<Hit<'_>> {
        let (base, release) = split_ecosystem(ecosystem);
        let kind = purl_kind(&base);
        let mut out = Vec::new();
        let Some(ids) = self.index.get(&(base.clone(), name.to_string())) else {
            return out;
        };
        for &i in ids {
            let a = &self.advisories[i];
            for af in &a.affected {
                let (b, r) = split_ecosystem(&af.package.ecosystem);
                if b != base || af.package.name != name {
                    continue;
                }
                if let (Some(want), Some(have)) = (&release, &r) {
                    if want != have {
                        continue;
                    }
                }
                if let Some(fixed) = affected(kind, af, version) {
                    out.push(Hit { advisory: a, fixed });
                    break;
                }
            }
        }
        out.sort_by(|a, b| a.advisory.id.cmp(&b.advisory.id));
        out
    }
}

/// `Some(first fix after version)` when `af` affects `version`.
fn affected(kind: &str, af: &Affected, version: &str) -> Option<Option<String>> {
    if af.versions.iter().any(|v| v == version) {
        return Some(first_fix(kind, af, version));
    }
    let cmp = |a: &str, b: &str| compare_versions(kind, a, b);
    for r in af.ranges.iter().filter(|r| r.range_type != "GIT") {
        let mut events: Vec<&Event> = r.events.iter().collect();
        let key = |e: &Event| {
            e.introduced
                .clone()
                .or(e.fixed.clone())
                .or(e.last_affected.clone())
                .or(e.limit.clone())
                .unwrap_or_default()
        };
        events.sort_by(|a, b| {
            let (ka, kb) = (key(a), key(b));
            match (ka.as_str(), kb.as_str()) {
                ("0", "0") => std::cmp::Ordering::Equal,
                ("0", _) => std::cmp::Ordering::Less,
                (_, "0") => std::cmp::Ordering::Greater,
                _ => cmp(&ka, &kb),
            }
        });
        let mut hit = false;
        for e in events {
            if let Some(i) = &e.introduced {
                if i == "0" || cmp(version, i).is_ge() {
                    hit = true;
                }
            } else if let Some(f) = &e.fixed {
                if cmp(version, f).is_ge() {
                    hit = false;
                }
            } else if let Some(l) = &e.last_affected {
                if cmp(version, l).is_gt() {
                    hit = false;
                }
            } else if let Some(l) = &e.limit {
                if cmp(version, l).is_ge() {
                    hit = false;
                }
            }
        }
        if hit {
            return Some(first_fix(kind, af, version));
        }
    }
    None
}

fn first_fix(kind: &str, af: &Affected, version: &str) -> Option<String> {
    af.ranges
        .iter()
        .flat_map(|r| &r.events)
        .filter_map(|e| e.fixed.clone())
        .filter(|f| compare_versions(kind, f, version).is_gt())
        .min_by(|a, b| compare_versions(kind, a, b))
}

/// `Debian:12` → (`Debian`, `Some("12")`).
fn split_ecosystem(e: &str) -> (String, Option<String>) {
    match e.split_once(':') {
        Some((b, r)) => (b.to_string(), Some(r.to_string())),
        None => (e.to_string(), None),
    }
}

fn base_ecosystem(e: &str) -> String {
    split_ecosystem(e).0
}

/// The purl type whose version ordering an ecosystem uses.
fn purl_kind(ecosystem: &str) -> &'static str {
    match ecosystem {
        "Debian" | "Ubuntu" => "deb",
        "Alpine" => "apk",
        "npm" => "npm",
        "PyPI" => "pypi",
        "Go" => "golang",
        "crates.io" => "cargo",
        _ => "generic",
    }
}

fn parse(bytes: &[u8], at: &str) -> Result<Advisory, VulnError> {
    serde_json::from_slice(bytes).map_err(|e| VulnError::Db {
        at: format!("{at}:{}:{}", e.line(), e.column()),
        message: e.to_string(),
    })
}

fn read_zip(path: &Path, bytes: &[u8], out: &mut Vec<Advisory>) -> Result<(), VulnError> {
    let at = path.display().to_string();
    let bad = |message: String| VulnError::Db {
        at: at.clone(),
        message,
    };
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| bad(format!("not a zip archive: {e}")))?;
    let mut names: BTreeMap<String, usize> = BTreeMap::new();
    for i in 0..zip.len() {
        let entry = zip.by_index(i).map_err(|e| bad(e.to_string()))?;
        if entry.name().ends_with(".json") {
            names.insert(entry.name().to_string(), i);
        }
    }
    for (name, i) in names {
        let mut entry = zip.by_index(i).map_err(|e| bad(e.to_string()))?;
        let mut text = Vec::new();
        entry
            .read_to_end(&mut text)
            .map_err(|e| bad(format!("{name}: {e}")))?;
        out.push(parse(&text, &format!("{at}!{name}"))?);
    }
    Ok(())
}

fn collect(path: &Path, out: &mut Vec<PathBuf>) -> Result<(), VulnError> {
    let meta = std::fs::metadata(path).map_err(|e| VulnError::io(path, e))?;
    if meta.is_file() {
        out.push(path.to_path_buf());
        return Ok(());
    }
    for entry in std::fs::read_dir(path).map_err(|e| VulnError::io(path, e))? {
        let p = entry.map_err(|e| VulnError::io(path, e))?.path();
        if p.is_dir() {
            collect(&p, out)?;
        } else if p.extension().is_some_and(|e| e == "json" || e == "zip") {
            out.push(p);
        }
    }
    Ok(())
}
