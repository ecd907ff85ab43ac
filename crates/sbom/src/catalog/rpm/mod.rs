//! RPM packages from the sqlite rpmdb (`var/lib/rpm/rpmdb.sqlite`, or
//! `usr/lib/sysimage/rpm/rpmdb.sqlite`): each row of table `Packages` holds a header blob.
//! Berkeley DB (`Packages`) and NDB (`Packages.db`) databases are reported, not read.

pub mod header;

use super::{Cataloger, Context, Package, PackageKind};
use crate::purl::purl;
use header::{tag, Header};

/// Where sqlite rpmdbs live.
pub const SQLITE_DBS: &[&str] = &[
    "var/lib/rpm/rpmdb.sqlite",
    "usr/lib/sysimage/rpm/rpmdb.sqlite",
];
const LEGACY_DBS: &[&str] = &[
    "var/lib/rpm/Packages",
    "var/lib/rpm/Packages.db",
    "usr/lib/sysimage/rpm/Packages",
    "usr/lib/sysimage/rpm/Packages.db",
];
const DB_CAP: u64 = 512 << 20;

/// Catalogs sqlite rpmdbs.
pub struct Rpm;

impl Cataloger for Rpm {
    fn name(&self) -> &'static str {
        "rpm-db-cataloger"
    }

    fn catalog(&self, cx: &Context<'_>) -> Vec<Package> {
        let mut out = Vec::new();
        for db in SQLITE_DBS {
            let Some(bytes) = cx.read(db, DB_CAP) else {
                continue;
            };
            match read_blobs(&bytes) {
                Ok(blobs) => {
                    for (hnum, blob) in blobs {
                        match Header::parse(&blob) {
                            Ok(h) => out.extend(self.package(cx, db, &h)),
                            Err(e) => cx
                                .warn(format!("{db}:Packages[{hnum}]"), format!("bad header: {e}")),
                        }
                    }
                }
                Err(e) => cx.warn(*db, format!("cannot read the rpm database: {e}")),
            }
        }
        for db in LEGACY_DBS {
            if cx.fs.stat(db).is_ok() {
                cx.warn(
                    *db,
                    "Berkeley DB / NDB rpm databases are not supported; only rpmdb.sqlite is read",
                );
            }
        }
        out
    }
}

impl Rpm {
    fn package(&self, cx: &Context<'_>, db: &str, h: &Header) -> Option<Package> {
        let name = h.string(tag::NAME).filter(|n| !n.is_empty())?;
        if name == "gpg-pubkey" {
            return None;
        }
        let version = h.string(tag::VERSION).unwrap_or("");
        let release = h.string(tag::RELEASE).unwrap_or("");
        let full = if release.is_empty() {
            version.to_string()
        } else {
            format!("{version}-{release}")
        };
        let arch = h.string(tag::ARCH).unwrap_or("");
        let epoch = h
            .ints(tag::EPOCH)
            .first()
            .map(u32::to_string)
            .unwrap_or_default();
        let namespace = match cx.distro.map(|d| d.id.as_str()) {
            Some("rhel") | None => "redhat",
            Some(id) => id,
        };
        let distro = cx.distro.map(|d| d.qualifier()).unwrap_or_default();
        let source = h.string(tag::SOURCERPM).unwrap_or("");
        let id = purl(
            "rpm",
            Some(namespace),
            name,
            &full,
            &[
                ("arch", arch),
                ("epoch", &epoch),
                ("distro", &distro),
                ("upstream", source),
            ],
        );
        let version_field = if epoch.is_empty() {
            full.clone()
        } else {
            format!("{epoch}:{full}")
        };
        let mut pkg = Package::new(PackageKind::Rpm, name, version_field, id, db, self.name())
            .with_license(h.string(tag::LICENSE).unwrap_or(""));
        pkg.files.extend(
            h.files()
                .into_iter()
                .map(|f| f.trim_start_matches('/').to_string()),
        );
        if !arch.is_empty() {
            pkg.properties.insert("arch".into(), arch.into());
        }
        if !source.is_empty() {
            pkg.properties.insert("source".into(), source.into());
        }
        if let Some(v) = h.string(tag::VENDOR) {
            pkg.properties.insert("vendor".into(), v.into());
        }
        Some(pkg)
    }
}

/// Copies the database to a file in a fresh private directory (sqlite needs a real file) and
/// reads every `(hnum, blob)` row of `Packages`. The directory has a random name and mode 0700,
/// and the file is created with `O_EXCL`, so nothing planted in the temp dir (a symlink at a
/// guessable name) can redirect the write.
fn read_blobs(bytes: &[u8]) -> Result<Vec<(i64, Vec<u8>)>, String> {
    use std::io::Write;
    let dir = tempfile::Builder::new()
        .prefix("stagetrail-rpmdb-")
        .tempdir()
        .map_err(|e| format!("creating a private temporary directory: {e}"))?;
    let tmp = dir.path().join("rpmdb.sqlite");
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&tmp)
        .map_err(|e| format!("creating {}: {e}", tmp.display()))?;
    file.write_all(bytes)
        .and_then(|()| file.flush())
        .map_err(|e| format!("writing {}: {e}", tmp.display()))?;
    drop(file);
    let result = query(&tmp).map_err(|e| e.to_string());
    drop(dir);
    result
}

fn query(path: &std::path::Path) -> rusqlite::Result<Vec<(i64, Vec<u8>)>> {
    use rusqlite::OpenFlags;
    let conn = rusqlite::Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    let mut stmt = conn.prepare("SELECT hnum, blob FROM Packages ORDER BY hnum")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    rows.collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Symlinks planted at every name the cataloger used to write (`/tmp/stagetrail-rpmdb-<pid>-<n>.sqlite`)
    /// must not be followed: the victim file stays as it was.
    #[test]
    fn temp_copy_does_not_follow_planted_symlinks() {
        let victim_dir = tempfile::tempdir().unwrap();
        let victim = victim_dir.path().join("victim");
        std::fs::write(&victim, b"precious").unwrap();
        let mut planted = Vec::new();
        for n in 0..64 {
            let link = std::env::temp_dir().join(format!(
                "stagetrail-rpmdb-{}-{n}.sqlite",
                std::process::id()
            ));
            let _ = std::fs::remove_file(&link);
            if std::os::unix::fs::symlink(&victim, &link).is_ok() {
                planted.push(link);
            }
        }
        // Not a database: the read fails, but only after the copy was written somewhere.
        let r = read_blobs(b"not a sqlite database, just bytes");
        for link in &planted {
            let _ = std::fs::remove_file(link);
        }
        assert!(r.is_err());
        assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
    }
}
