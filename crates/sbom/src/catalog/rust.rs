//! Rust crates: `Cargo.lock` files, and the `cargo auditable` dependency list that
//! [`super::binary`] extracts from an ELF `.dep-v0` section (zlib-compressed JSON).

use super::index::{glob_match, Entry};
use super::{Cataloger, Context, Package, PackageKind};
use crate::purl::purl;
use std::io::Read;

const LOCK_CAP: u64 = 16 << 20;
/// Largest decompressed `.dep-v0` accepted.
const AUDIT_CAP: u64 = 8 << 20;

/// Catalogs `Cargo.lock` files (not those of crates unpacked in a cargo registry cache).
pub struct CargoLock;

/// Cataloger name for crates found in `cargo auditable` binaries.
pub const AUDITABLE: &str = "cargo-auditable-binary-cataloger";

fn crate_package(
    name: &str,
    version: &str,
    source: &str,
    location: &str,
    cataloger: &str,
) -> Package {
    let mut pkg = Package::new(
        PackageKind::Cargo,
        name,
        version,
        purl("cargo", None, name, version, &[]),
        location,
        cataloger,
    );
    if !source.is_empty() {
        pkg.properties.insert("source".into(), source.into());
    }
    pkg
}

impl Cataloger for CargoLock {
    fn name(&self) -> &'static str {
        "rust-cargo-lock-cataloger"
    }

    fn wants(&self, e: &Entry) -> bool {
        glob_match("**/Cargo.lock", &e.path)
    }

    fn per_file(&self) -> bool {
        true
    }

    fn catalog_file(&self, cx: &Context<'_>, e: &Entry) -> Vec<Package> {
        let mut out = Vec::new();
        if e.path.contains(".cargo/registry/") || e.path.contains(".cargo/git/") {
            return out;
        }
        let Some(text) = cx.read_text(&e.path, LOCK_CAP) else {
            return out;
        };
        for (line, name, version, source) in parse_lock(&text) {
            if name.is_empty() || version.is_empty() {
                cx.warn(
                    format!("{}:{line}", e.path),
                    "[[package]] without name and version",
                );
                continue;
            }
            out.push(crate_package(
                &name,
                &version,
                &source,
                &e.path,
                self.name(),
            ));
        }
        out
    }
}

/// `(line, name, version, source)` of each `[[package]]` table of a `Cargo.lock`.
fn parse_lock(text: &str) -> Vec<(usize, String, String, String)> {
    let mut out: Vec<(usize, String, String, String)> = Vec::new();
    let mut in_package = false;
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.starts_with('[') {
            in_package = line == "[[package]]";
            if in_package {
                out.push((i + 1, String::new(), String::new(), String::new()));
            }
            continue;
        }
        let (Some(cur), true) = (out.last_mut(), in_package) else {
            continue;
        };
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        let v = v.trim();
        let Some(v) = v.strip_prefix('"').and_then(|v| v.strip_suffix('"')) else {
            continue;
        };
        match k.trim() {
            "name" => cur.1 = v.to_string(),
            "version" => cur.2 = v.to_string(),
            "source" => cur.3 = v.to_string(),
            _ => {}
        }
    }
    out
}

#[derive(serde::Deserialize)]
struct AuditInfo {
    packages: Vec<AuditPackage>,
}

#[derive(serde::Deserialize)]
struct AuditPackage {
    name: String,
    version: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    kind: Option<String>,
}

/// Decodes a `.dep-v0` section: zlib-compressed JSON `{"packages": [{name, version, source,
/// kind?, dependencies?, root?}]}`. Build-only dependencies are left out (not in the binary).
pub fn auditable(section: &[u8], location: &str) -> Result<Vec<Package>, String> {
    let mut json = Vec::new();
    flate2::read::ZlibDecoder::new(section)
        .take(AUDIT_CAP + 1)
        .read_to_end(&mut json)
        .map_err(|e| format!("cannot decompress .dep-v0: {e}"))?;
    if json.len() as u64 > AUDIT_CAP {
        return Err(format!(
            ".dep-v0 decompresses to more than {AUDIT_CAP} bytes"
        ));
    }
    let info: AuditInfo = serde_json::from_slice(&json)
        .map_err(|e| format!(".dep-v0 JSON {}:{}: {e}", e.line(), e.column()))?;
    Ok(info
        .packages
        .into_iter()
        .filter(|p| p.kind.as_deref() != Some("build"))
        .map(|p| crate_package(&p.name, &p.version, &p.source, location, AUDITABLE))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn parses_lock_tables() {
        let lock = "version = 3\n\n[[package]]\nname = \"a\"\nversion = \"1.0.0\"\nsource = \"registry+x\"\ndependencies = [\n \"b\",\n]\n\n[metadata]\nname = \"z\"\n\n[[package]]\nname = \"b\"\nversion = \"0.1.0\"\n";
        let got = parse_lock(lock);
        assert_eq!(got.len(), 2);
        assert_eq!((got[0].1.as_str(), got[0].3.as_str()), ("a", "registry+x"));
        assert_eq!((got[1].0, got[1].2.as_str()), (14, "0.1.0"));
    }

    #[test]
    fn decodes_auditable_and_rejects_garbage() {
        let json = br#"{"packages":[{"name":"app","version":"0.1.0","source":"local","root":true},{"name":"cc","version":"1.0.0","source":"crates.io","kind":"build"},{"name":"serde","version":"1.0.1","source":"crates.io"}]}"#;
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(json).unwrap();
        let pkgs = auditable(&z.finish().unwrap(), "usr/bin/app").unwrap();
        let names: Vec<_> = pkgs.iter().map(|p| p.purl.as_str()).collect();
        assert_eq!(names, ["pkg:cargo/app@0.1.0", "pkg:cargo/serde@1.0.1"]);
        assert!(auditable(b"not zlib", "x").is_err());
    }
}
