//! Alpine packages: `lib/apk/db/installed` (`K:value` lines, one blank-line-separated record per
//! package; `F:` directories and `R:` files give the file list).

use super::{Cataloger, Context, Package, PackageKind};
use crate::purl::purl;

/// The apk installed-packages database.
pub const INSTALLED: &str = "lib/apk/db/installed";
const DB_CAP: u64 = 64 << 20;
/// Linux's `PATH_MAX`: a longer `F:` directory or file path cannot exist, so it is skipped.
const PATH_MAX: usize = 4096;
/// The most bytes of file paths kept for the whole database (a few MB on real images): an
/// `F:` directory repeated by thousands of `R:` lines must not multiply into gigabytes.
const FILE_PATHS_CAP: usize = 64 << 20;

/// Catalogs the apk database.
pub struct Apk;

#[derive(Default)]
struct Record {
    line: usize,
    name: String,
    version: String,
    arch: String,
    license: String,
    origin: String,
    files: Vec<String>,
    dir: String,
    /// The too-long-path warning was given for the current `F:` directory.
    long_warned: bool,
}

impl Cataloger for Apk {
    fn name(&self) -> &'static str {
        "apk-db-cataloger"
    }

    fn catalog(&self, cx: &Context<'_>) -> Vec<Package> {
        let Some(text) = cx.read_text(INSTALLED, DB_CAP) else {
            return Vec::new();
        };
        let mut records = Vec::new();
        let mut cur = Record::default();
        let mut path_bytes = 0usize;
        let mut capped = false;
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                if cur.line != 0 {
                    records.push(std::mem::take(&mut cur));
                }
                continue;
            }
            if cur.line == 0 {
                cur.line = i + 1;
            }
            let Some((k, v)) = line.split_once(':').filter(|(k, _)| k.len() == 1) else {
                cx.warn(
                    format!("{INSTALLED}:{}", i + 1),
                    format!("not a `K:value` line: {line:.60}"),
                );
                continue;
            };
            match k {
                "P" => cur.name = v.to_string(),
                "V" => cur.version = v.to_string(),
                "A" => cur.arch = v.to_string(),
                "L" => cur.license = v.to_string(),
                "o" => cur.origin = v.to_string(),
                "F" => {
                    cur.dir = v.to_string();
                    cur.long_warned = false;
                }
                "R" => {
                    let len = cur.dir.len() + 1 + v.len();
                    if len > PATH_MAX {
                        if std::mem::replace(&mut cur.long_warned, true) {
                            continue;
                        }
                        cx.warn(
                            format!("{INSTALLED}:{}", i + 1),
                            format!(
                                "file path of {len} bytes is longer than {PATH_MAX}: \
                                 skipped, with the rest of this directory's long paths"
                            ),
                        );
                        continue;
                    }
                    path_bytes += len;
                    if path_bytes > FILE_PATHS_CAP {
                        if !capped {
                            capped = true;
                            cx.warn(
                                format!("{INSTALLED}:{}", i + 1),
                                format!(
                                    "more than {FILE_PATHS_CAP} bytes of file paths: \
                                     the remaining files are not listed"
                                ),
                            );
                        }
                        continue;
                    }
                    if cur.dir.is_empty() {
                        cur.files.push(v.to_string());
                    } else {
                        cur.files.push(format!("{}/{v}", cur.dir));
                    }
                }
                _ => {}
            }
        }
        if cur.line != 0 {
            records.push(cur);
        }
        records
            .into_iter()
            .filter_map(|r| self.package(cx, r))
            .collect()
    }
}

impl Apk {
    fn package(&self, cx: &Context<'_>, r: Record) -> Option<Package> {
        if r.name.is_empty() {
            cx.warn(
                format!("{INSTALLED}:{}", r.line),
                "record without a P: (name) line",
            );
            return None;
        }
        let namespace = cx.distro.map_or("alpine", |d| d.id.as_str());
        let distro = cx.distro.map(|d| d.qualifier()).unwrap_or_default();
        let upstream = if r.origin != r.name {
            r.origin.as_str()
        } else {
            ""
        };
        let id = purl(
            "apk",
            Some(namespace),
            &r.name,
            &r.version,
            &[
                ("arch", &r.arch),
                ("distro", &distro),
                ("upstream", upstream),
            ],
        );
        let mut pkg = Package::new(
            PackageKind::Apk,
            &r.name,
            &r.version,
            id,
            INSTALLED,
            self.name(),
        )
        .with_license(&r.license);
        pkg.files.extend(r.files);
        if !r.arch.is_empty() {
            pkg.properties.insert("arch".into(), r.arch);
        }
        if !r.origin.is_empty() {
            pkg.properties.insert("source".into(), r.origin);
        }
        Some(pkg)
    }
}

#[cfg(test)]
mod tests {
    use crate::catalog::{fs::LocalFs, scan};

    /// One 64 KB `F:` directory followed by 20,000 `R:` lines used to build 1.3 GB of paths.
    #[test]
    fn long_directory_paths_do_not_multiply() {
        let root = tempfile::tempdir().unwrap();
        let db = root.path().join(super::INSTALLED);
        std::fs::create_dir_all(db.parent().unwrap()).unwrap();
        let mut text = String::from("P:evil\nV:1\nF:");
        text.push_str(&"d".repeat(64 << 10));
        text.push('\n');
        for i in 0..20_000 {
            text.push_str(&format!("R:f{i}\n"));
        }
        text.push_str("F:usr/bin\nR:ok\n");
        std::fs::write(&db, text).unwrap();
        let c = scan(&LocalFs::new(root.path()));
        let evil = c.packages.iter().find(|p| p.name == "evil").unwrap();
        assert_eq!(evil.files.iter().collect::<Vec<_>>(), ["usr/bin/ok"]);
        let long: Vec<_> = c
            .warnings
            .iter()
            .filter(|w| w.message.contains("longer than 4096"))
            .collect();
        assert_eq!(long.len(), 1, "{:?}", c.warnings);
        assert!(
            long[0].location.ends_with("installed:4"),
            "{}",
            long[0].location
        );
    }
}
