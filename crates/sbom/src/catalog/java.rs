//! Java archives (`.jar`, `.war`, `.ear`): every `META-INF/maven/**/pom.properties` is a package;
//! an archive without one is named from `META-INF/MANIFEST.MF` (or its file name). Archives
//! nested one level deep (`WEB-INF/lib/*.jar`, `BOOT-INF/lib/*.jar`…) are opened in memory.

use super::fs::FsReader;
use super::index::Entry;
use super::license::License;
use super::text::manifest;
use super::{Cataloger, Context, Package, PackageKind};
use crate::purl::purl;
use std::io::{BufReader, Read, Seek};

const ENTRY_CAP: u64 = 1 << 20;
const NESTED_CAP: u64 = 64 << 20;
const MAX_ENTRIES: usize = 200_000;
const MAX_DEPTH: usize = 2;

/// The end of central directory record: 22 bytes plus a comment of at most 65,535.
const EOCD_SEARCH: u64 = 22 + 0xffff;

/// Whether the zip end record's signature is in the archive's last [`EOCD_SEARCH`] bytes, where
/// a valid archive has it. The zip crate searches the whole file backwards for it, which reads
/// all of a 2 GB file of zeros; this reads at most 64 KiB. Leaves `r` at the start.
fn has_end_record<R: Read + Seek>(r: &mut R) -> std::io::Result<bool> {
    use std::io::SeekFrom;
    let len = r.seek(SeekFrom::End(0))?;
    let from = len.saturating_sub(EOCD_SEARCH);
    r.seek(SeekFrom::Start(from))?;
    let mut tail = Vec::new();
    r.by_ref().take(EOCD_SEARCH).read_to_end(&mut tail)?;
    r.seek(SeekFrom::Start(0))?;
    Ok(tail.windows(4).any(|w| w == b"PK\x05\x06"))
}

/// Catalogs Java archives.
pub struct Java;

fn is_archive(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.ends_with(".jar") || n.ends_with(".war") || n.ends_with(".ear")
}

impl Cataloger for Java {
    fn name(&self) -> &'static str {
        "java-archive-cataloger"
    }

    fn wants(&self, e: &Entry) -> bool {
        is_archive(&e.path)
    }

    fn per_file(&self) -> bool {
        true
    }

    fn catalog_file(&self, cx: &Context<'_>, e: &Entry) -> Vec<Package> {
        let mut out = Vec::new();
        let reader =
            BufReader::with_capacity(64 * 1024, FsReader::new(cx.fs, &e.path, e.meta.size));
        let file_name = e.path.rsplit('/').next().unwrap_or(&e.path);
        self.archive(cx, reader, &e.path, file_name, &e.path, 1, &mut out);
        out
    }
}

impl Java {
    /// Catalogs one archive; `shown` names it in warnings (`outer.war!/WEB-INF/lib/x.jar`),
    /// `location` is the file on disk the packages are attributed to.
    #[allow(clippy::too_many_arguments)]
    fn archive<R: Read + Seek>(
        &self,
        cx: &Context<'_>,
        reader: R,
        shown: &str,
        file_name: &str,
        location: &str,
        depth: usize,
        out: &mut Vec<Package>,
    ) {
        let mut reader = reader;
        match has_end_record(&mut reader) {
            Ok(true) => {}
            Ok(false) => {
                cx.warn(
                    shown,
                    "not a readable zip archive: no end of central directory record \
                     in its last 64 KiB",
                );
                return;
            }
            Err(e) => {
                cx.warn(shown, format!("not a readable zip archive: {e}"));
                return;
            }
        }
        let mut zip = match zip::ZipArchive::new(reader) {
            Ok(z) => z,
            Err(e) => {
                cx.warn(shown, format!("not a readable zip archive: {e}"));
                return;
            }
        };
        if zip.len() > MAX_ENTRIES {
            cx.warn(
                shown,
                format!("{} entries, over the {MAX_ENTRIES} read", zip.len()),
            );
        }
        let names: Vec<String> = zip
            .file_names()
            .take(MAX_ENTRIES)
            .map(String::from)
            .collect();
        let mut found_pom = false;
        let mut manifest_text = None;
        let mut nested = Vec::new();
        for name in &names {
            if name.starts_with("META-INF/maven/") && name.ends_with("/pom.properties") {
                if let Some(text) = entry(cx, &mut zip, shown, name, ENTRY_CAP) {
                    if let Some(p) = self.pom_package(&String::from_utf8_lossy(&text), location) {
                        found_pom = true;
                        out.push(p);
                    }
                }
            } else if name == "META-INF/MANIFEST.MF" {
                manifest_text = entry(cx, &mut zip, shown, name, ENTRY_CAP);
            } else if is_archive(name) && !name.ends_with('/') {
                nested.push(name.clone());
            }
        }
        let mf = manifest(&String::from_utf8_lossy(
            manifest_text.as_deref().unwrap_or(b""),
        ));
        if !found_pom {
            out.push(self.manifest_package(&mf, file_name, location));
        } else if let Some(l) = manifest_license(&mf) {
            for p in out
                .iter_mut()
                .filter(|p| p.license.is_none() && p.locations.contains(location))
            {
                p.license = Some(l.clone());
            }
        }
        if depth >= MAX_DEPTH {
            return;
        }
        for name in nested {
            let inner_shown = format!("{shown}!/{name}");
            if let Some(bytes) = entry(cx, &mut zip, shown, &name, NESTED_CAP) {
                let inner_name = name.rsplit('/').next().unwrap_or(&name);
                self.archive(
                    cx,
                    std::io::Cursor::new(bytes),
                    &inner_shown,
                    inner_name,
                    location,
                    depth + 1,
                    out,
                );
            }
        }
    }

    fn pom_package(&self, text: &str, location: &str) -> Option<Package> {
        let mut g = "";
        let mut a = "";
        let mut v = "";
        for line in text.lines() {
            let line = line.trim();
            if line.starts_with('#') {
                continue;
            }
            match line.split_once('=') {
                Some(("groupId", x)) => g = x.trim(),
                Some(("artifactId", x)) => a = x.trim(),
                Some(("version", x)) => v = x.trim(),
                _ => {}
            }
        }
        if a.is_empty() {
            return None;
        }
        let mut p = Package::new(
            PackageKind::Java,
            a,
            v,
            purl("maven", Some(g), a, v, &[]),
            location,
            self.name(),
        );
        if !g.is_empty() {
            p.properties.insert("groupId".into(), g.into());
        }
        Some(p)
    }

    fn manifest_package(
        &self,
        mf: &super::text::Paragraph,
        file_name: &str,
        location: &str,
    ) -> Package {
        let (stem_name, stem_version) = split_file_name(file_name);
        let name = mf
            .get("Implementation-Title")
            .or_else(|| {
                mf.get("Bundle-SymbolicName")
                    .map(|s| s.split(';').next().unwrap_or(s))
            })
            .filter(|n| !n.is_empty() && !n.contains(' '))
            .unwrap_or(stem_name);
        let version = mf
            .get("Implementation-Version")
            .or_else(|| mf.get("Bundle-Version"))
            .unwrap_or(stem_version);
        let group = mf.get("Implementation-Vendor-Id").unwrap_or(name);
        let mut p = Package::new(
            PackageKind::Java,
            name,
            version,
            purl("maven", Some(group), name, version, &[]),
            location,
            self.name(),
        );
        p.license = manifest_license(mf);
        p
    }
}

/// Reads one zip entry of at most `cap` bytes (decompressed), warning on failure.
fn entry<R: Read + Seek>(
    cx: &Context<'_>,
    zip: &mut zip::ZipArchive<R>,
    shown: &str,
    name: &str,
    cap: u64,
) -> Option<Vec<u8>> {
    let f = match zip.by_name(name) {
        Ok(f) => f,
        Err(e) => {
            cx.warn(format!("{shown}!/{name}"), format!("unreadable entry: {e}"));
            return None;
        }
    };
    if f.size() > cap {
        cx.warn(
            format!("{shown}!/{name}"),
            format!("{} bytes, over the {cap}-byte cap", f.size()),
        );
        return None;
    }
    let mut buf = Vec::new();
    match f.take(cap).read_to_end(&mut buf) {
        Ok(_) => Some(buf),
        Err(e) => {
            cx.warn(format!("{shown}!/{name}"), format!("unreadable entry: {e}"));
            None
        }
    }
}

/// `Bundle-License`: an SPDX-ish name, or one of the common license URLs.
fn manifest_license(mf: &super::text::Paragraph) -> Option<License> {
    let raw = mf.get("Bundle-License")?.split(';').next()?.trim();
    const URLS: &[(&str, &str)] = &[
        ("apache.org/licenses/license-2.0", "Apache-2.0"),
        ("opensource.org/licenses/mit", "MIT"),
        ("eclipse.org/legal/epl-2.0", "EPL-2.0"),
        ("eclipse.org/legal/epl-v10", "EPL-1.0"),
        ("opensource.org/licenses/bsd-3-clause", "BSD-3-Clause"),
    ];
    let lower = raw.to_ascii_lowercase();
    match URLS.iter().find(|(u, _)| lower.contains(u)) {
        Some((_, id)) => License::parse(id),
        None => License::parse(raw),
    }
}

/// `commons-io-2.11.0.jar` → (`commons-io`, `2.11.0`): the version starts at the first `-digit`.
fn split_file_name(file: &str) -> (&str, &str) {
    let stem = file.rsplit_once('.').map_or(file, |(s, _)| s);
    let bytes = stem.as_bytes();
    for i in 0..bytes.len().saturating_sub(1) {
        if bytes[i] == b'-' && bytes[i + 1].is_ascii_digit() {
            return (&stem[..i], &stem[i + 1..]);
        }
    }
    (stem, "")
}

#[cfg(test)]
mod tests {
    use super::{has_end_record, split_file_name};

    #[test]
    fn splits_versioned_file_names() {
        assert_eq!(
            split_file_name("commons-io-2.11.0.jar"),
            ("commons-io", "2.11.0")
        );
        assert_eq!(split_file_name("app.jar"), ("app", ""));
    }

    /// A 2 GB sparse file of zeros named `.jar` was read whole (56 s) before the zip crate gave
    /// up; now only its tail is read.
    #[test]
    fn huge_non_zip_jar_is_rejected_from_its_tail() {
        use crate::catalog::{fs::LocalFs, scan};
        let root = tempfile::tempdir().unwrap();
        let jar = root.path().join("app.jar");
        std::fs::File::create(&jar)
            .unwrap()
            .set_len(2 << 30)
            .unwrap();
        let t = std::time::Instant::now();
        let c = scan(&LocalFs::new(root.path()));
        assert!(
            t.elapsed() < std::time::Duration::from_secs(1),
            "{:?}",
            t.elapsed()
        );
        assert!(
            c.warnings.iter().any(|w| w.location == "app.jar"
                && w.message.contains("no end of central directory record")),
            "{:?}",
            c.warnings
        );
        let mut tiny = std::io::Cursor::new(b"PK\x05\x06".to_vec());
        assert!(has_end_record(&mut tiny).unwrap());
    }
}
