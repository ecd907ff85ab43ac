//! Python distributions: `*.dist-info/METADATA` (+ `RECORD` for files) and `*.egg-info/PKG-INFO`
//! (or an `*.egg-info` file), wherever they are (site-packages, dist-packages, virtualenvs).

use super::fs::{components, parent};
use super::index::Entry;
use super::license::License;
use super::text::rfc822;
use super::{Cataloger, Context, Package, PackageKind};
use crate::purl::purl;

const METADATA_CAP: u64 = 4 << 20;
const RECORD_CAP: u64 = 16 << 20;

/// Catalogs installed Python distributions.
pub struct Python;

/// PEP 503 name normalisation: lower case, runs of `-_.` become `-`.
pub fn normalize_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !out.ends_with('-') {
                out.push('-');
            }
        } else {
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

impl Cataloger for Python {
    fn name(&self) -> &'static str {
        "python-installed-package-cataloger"
    }

    fn wants(&self, e: &Entry) -> bool {
        let p = e.path.as_str();
        let dir = parent(p);
        (p.ends_with("/METADATA") && dir.ends_with(".dist-info"))
            || (p.ends_with("/PKG-INFO") && dir.ends_with(".egg-info"))
            || p.ends_with(".egg-info")
    }

    fn catalog(&self, cx: &Context<'_>) -> Vec<Package> {
        let mut out = Vec::new();
        for e in cx.files_for(self) {
            let Some(text) = cx.read_text(&e.path, METADATA_CAP) else {
                continue;
            };
            let head = rfc822(&text);
            let (Some(name), Some(version)) = (head.get("Name"), head.get("Version")) else {
                cx.warn(&e.path, "metadata without Name and Version");
                continue;
            };
            let id = purl("pypi", None, &normalize_name(name), version, &[]);
            let mut pkg =
                Package::new(PackageKind::Python, name, version, id, &e.path, self.name());
            pkg.license = license(
                head.get("License-Expression"),
                head.get("License"),
                head.all("Classifier"),
            );
            if e.path.ends_with("/METADATA") {
                self.record(cx, &mut pkg, parent(&e.path));
            }
            out.push(pkg);
        }
        out
    }
}

impl Python {
    /// Adds the files listed in `RECORD` (paths relative to the directory holding the dist-info).
    fn record(&self, cx: &Context<'_>, pkg: &mut Package, dist_info: &str) {
        let record = format!("{dist_info}/RECORD");
        let Some(text) = cx.read_text(&record, RECORD_CAP) else {
            return;
        };
        let base = parent(dist_info);
        for line in text.lines() {
            let path = match line.strip_prefix('"') {
                Some(q) => q.split_once('"').map_or(q, |(p, _)| p),
                None => line.split(',').next().unwrap_or(""),
            };
            if path.is_empty() {
                continue;
            }
            let full = if path.starts_with('/') {
                path.to_string()
            } else {
                format!("{base}/{path}")
            };
            pkg.files.insert(components(&full).join("/"));
        }
        pkg.locations.insert(record);
    }
}

/// PEP 639 `License-Expression`, else a one-line `License`, else the `License ::` classifiers
/// (a choice among them).
fn license<'a>(
    expression: Option<&str>,
    field: Option<&str>,
    classifiers: impl Iterator<Item = &'a str>,
) -> Option<License> {
    if let Some(l) = expression.and_then(License::parse) {
        return Some(l);
    }
    if let Some(l) = field
        .filter(|f| !f.contains('\n') && f.len() <= 100)
        .and_then(License::parse)
    {
        return Some(l);
    }
    License::any(
        classifiers
            .filter(|c| c.starts_with("License ::"))
            .filter_map(|c| c.rsplit("::").next())
            .filter_map(|c| License::parse(c.trim())),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_and_reads_classifiers() {
        assert_eq!(normalize_name("Foo_Bar.baz"), "foo-bar-baz");
        let l = license(
            None,
            Some("UNKNOWN"),
            ["License :: OSI Approved :: MIT License"].into_iter(),
        );
        assert_eq!(l.unwrap().expression, "MIT");
        let l = license(Some("Apache-2.0 OR MIT"), Some("BSD"), std::iter::empty());
        assert_eq!(l.unwrap().expression, "Apache-2.0 OR MIT");
    }
}
