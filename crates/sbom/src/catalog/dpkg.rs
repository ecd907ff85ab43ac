//! Debian packages: `var/lib/dpkg/status` and distroless `var/lib/dpkg/status.d/*`, file lists
//! from `var/lib/dpkg/info/<pkg>[:arch].list`, licenses from machine-readable (DEP-5)
//! `usr/share/doc/<pkg>/copyright`.

use super::fs::join;
use super::license::License;
use super::text::{paragraphs, Paragraph};
use super::{Cataloger, Context, Package, PackageKind};
use crate::purl::purl;

/// The dpkg status file.
pub const STATUS: &str = "var/lib/dpkg/status";
/// Distroless per-package status files.
pub const STATUS_D: &str = "var/lib/dpkg/status.d";
const INFO: &str = "var/lib/dpkg/info";
const DB_CAP: u64 = 64 << 20;
const LIST_CAP: u64 = 16 << 20;
const COPYRIGHT_CAP: u64 = 8 << 20;
/// The most packages read from one database (real systems have a few thousand): past it the
/// SBOM of a forged 200,000-package database would take gigabytes.
#[cfg(not(test))]
pub const MAX_PACKAGES: usize = 50_000;
#[cfg(test)]
pub const MAX_PACKAGES: usize = 50;

/// The `Status` words (third of `want flag status`) whose packages have files on disk.
pub const PRESENT_STATES: &[&str] = &[
    "installed",
    "half-installed",
    "unpacked",
    "half-configured",
    "triggers-awaited",
    "triggers-pending",
];

/// Catalogs dpkg databases.
pub struct Dpkg;

impl Cataloger for Dpkg {
    fn name(&self) -> &'static str {
        "dpkg-db-cataloger"
    }

    fn catalog(&self, cx: &Context<'_>) -> Vec<Package> {
        let mut out = Vec::new();
        if let Some(text) = cx.read_text(STATUS, DB_CAP) {
            self.parse_db(cx, STATUS, &text, None, &mut out);
        }
        if let Ok(entries) = cx.fs.read_dir(STATUS_D) {
            for e in entries {
                if e.name.ends_with(".md5sums") || e.name.starts_with('.') {
                    continue;
                }
                let path = join(STATUS_D, &e.name);
                let Some(text) = cx.read_text(&path, DB_CAP) else {
                    continue;
                };
                let md5 = join(STATUS_D, &format!("{}.md5sums", e.name));
                self.parse_db(cx, &path, &text, Some(&md5), &mut out);
            }
        }
        out
    }
}

impl Dpkg {
    fn parse_db(
        &self,
        cx: &Context<'_>,
        path: &str,
        text: &str,
        md5sums: Option<&str>,
        out: &mut Vec<Package>,
    ) {
        let (paras, bad) = paragraphs(text);
        for (line, msg) in bad {
            cx.warn(format!("{path}:{line}"), msg);
        }
        let mut count = 0;
        for p in paras {
            if count == MAX_PACKAGES {
                cx.warn(
                    format!("{path}:{}", p.line),
                    format!("more than {MAX_PACKAGES} packages: the rest are not listed"),
                );
                break;
            }
            if let Some(pkg) = self.package(cx, path, &p, md5sums) {
                out.push(pkg);
                count += 1;
            }
        }
    }

    fn package(
        &self,
        cx: &Context<'_>,
        path: &str,
        p: &Paragraph,
        md5sums: Option<&str>,
    ) -> Option<Package> {
        let Some(name) = p.get("Package").filter(|n| !n.is_empty()) else {
            cx.warn(
                format!("{path}:{}", p.line),
                "paragraph without a Package field",
            );
            return None;
        };
        if let Some(status) = p.get("Status") {
            let state = status.split_whitespace().nth(2).unwrap_or("");
            if !PRESENT_STATES.contains(&state) {
                return None;
            }
        }
        let version = p.get("Version").unwrap_or("");
        if version.is_empty() {
            cx.warn(
                format!("{path}:{}", p.line),
                format!("package {name} has no Version"),
            );
        }
        let arch = p.get("Architecture").unwrap_or("");
        let (src_name, src_ver) = source(p.get("Source"));
        let upstream = match (&src_name, &src_ver) {
            (Some(n), Some(v)) => format!("{n}@{v}"),
            (Some(n), None) => n.clone(),
            _ => String::new(),
        };
        let namespace = cx.distro.map_or("debian", |d| d.id.as_str());
        let distro = cx.distro.map(|d| d.qualifier()).unwrap_or_default();
        let id = purl(
            "deb",
            Some(namespace),
            name,
            version,
            &[("arch", arch), ("distro", &distro), ("upstream", &upstream)],
        );
        let mut pkg = Package::new(PackageKind::Deb, name, version, id, path, self.name());
        if !arch.is_empty() {
            pkg.properties.insert("arch".into(), arch.into());
        }
        if let Some(s) = src_name {
            pkg.properties.insert("source".into(), s);
        }
        self.files(cx, &mut pkg, name, arch, md5sums);
        let copyright = format!("usr/share/doc/{name}/copyright");
        if let Some(text) = cx.read_text(&copyright, COPYRIGHT_CAP) {
            pkg.license = dep5_licenses(&text);
            if pkg.license.is_some() {
                pkg.locations.insert(copyright);
            }
        }
        Some(pkg)
    }

    fn files(
        &self,
        cx: &Context<'_>,
        pkg: &mut Package,
        name: &str,
        arch: &str,
        md5sums: Option<&str>,
    ) {
        let candidates = [
            format!("{INFO}/{name}:{arch}.list"),
            format!("{INFO}/{name}.list"),
        ];
        for list in &candidates {
            if let Some(text) = cx.read_text(list, LIST_CAP) {
                pkg.files.extend(
                    text.lines()
                        .map(|l| l.trim().trim_start_matches('/'))
                        .filter(|l| !l.is_empty() && *l != ".")
                        .map(String::from),
                );
                pkg.locations.insert(list.clone());
                return;
            }
        }
        if let Some(md5) = md5sums {
            if let Some(text) = cx.read_text(md5, LIST_CAP) {
                pkg.files.extend(
                    text.lines()
                        .filter_map(|l| l.split_once("  ").map(|(_, f)| f.trim_start_matches('/')))
                        .map(String::from),
                );
                pkg.locations.insert(md5.to_string());
            }
        }
    }
}

/// `Source: name (version)` → name and version.
fn source(field: Option<&str>) -> (Option<String>, Option<String>) {
    let Some(f) = field.map(str::trim).filter(|f| !f.is_empty()) else {
        return (None, None);
    };
    match f.split_once(' ') {
        Some((n, v)) => (
            Some(n.to_string()),
            Some(
                v.trim()
                    .trim_start_matches('(')
                    .trim_end_matches(')')
                    .to_string(),
            ),
        ),
        None => (Some(f.to_string()), None),
    }
}

/// The licenses of a machine-readable (DEP-5) copyright file: the first line of each `License:`
/// field in `Files:` paragraphs (or the header's when no paragraph has one), all of them at once.
/// Free-form copyright files declare nothing we can trust: `None`.
pub fn dep5_licenses(text: &str) -> Option<License> {
    let (paras, _) = paragraphs(text);
    let header = paras.first()?;
    let format = header.get("Format")?;
    if !(format.contains("copyright-format") || format.contains("dep5") || format.contains("DEP-5"))
    {
        return None;
    }
    let short = |p: &Paragraph| {
        p.get("License")
            .and_then(|l| l.lines().next())
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .and_then(License::parse)
    };
    let mut found: Vec<License> = paras
        .iter()
        .filter(|p| p.get("Files").is_some())
        .filter_map(short)
        .collect();
    if found.is_empty() {
        found.extend(short(header));
    }
    License::all(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_dep5() {
        let text = "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\
            Upstream-Name: x\n\nFiles: *\nCopyright: me\nLicense: GPL-2+\n text\n\n\
            Files: debian/*\nLicense: public-domain\n\nLicense: GPL-2+\n full text\n";
        let l = dep5_licenses(text).unwrap();
        assert_eq!(
            l.expression,
            "GPL-2.0-or-later AND LicenseRef-public-domain"
        );
        assert!(dep5_licenses("This is free-form.\n").is_none());
    }

    #[test]
    fn splits_source_field() {
        assert_eq!(
            source(Some("glibc (2.36-9)")),
            (Some("glibc".into()), Some("2.36-9".into()))
        );
    }

    #[test]
    fn package_count_is_bounded() {
        use crate::catalog::{fs::LocalFs, scan};
        let root = tempfile::tempdir().unwrap();
        let status = root.path().join(STATUS);
        std::fs::create_dir_all(status.parent().unwrap()).unwrap();
        let text: String = (0..MAX_PACKAGES + 10)
            .map(|i| format!("Package: p{i}\nStatus: install ok installed\nVersion: 1\n\n"))
            .collect();
        std::fs::write(&status, text).unwrap();
        let c = scan(&LocalFs::new(root.path()));
        assert_eq!(c.packages.len(), MAX_PACKAGES);
        assert!(
            c.warnings.iter().any(
                |w| w.location == format!("{STATUS}:{}", 4 * MAX_PACKAGES + 1)
                    && w.message.contains("more than 50 packages")
            ),
            "{:?}",
            c.warnings
        );
    }
}
