//! Alpine packages: `lib/apk/db/installed` (`K:value` lines, one blank-line-separated record per
//! package; `F:` directories and `R:` files give the file list).

use super::{Cataloger, Context, Package, PackageKind};
use crate::purl::purl;

/// The apk installed-packages database.
pub const INSTALLED: &str = "lib/apk/db/installed";
const DB_CAP: u64 = 64 << 20;

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
                "F" => cur.dir = v.to_string(),
                "R" if cur.dir.is_empty() => cur.files.push(v.to_string()),
                "R" => cur.files.push(format!("{}/{v}", cur.dir)),
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
