//! npm packages: `package-lock.json` (lockfile v1 `dependencies` tree, v2/v3 `packages` map) and
//! installed `node_modules/[@scope/]name/package.json` manifests.

use super::index::{glob_match, Entry};
use super::license::License;
use super::{Cataloger, Context, Package, PackageKind};
use crate::purl::purl;
use serde_json::Value;

const LOCK_CAP: u64 = 64 << 20;
const MANIFEST_CAP: u64 = 4 << 20;
/// The most packages read from one lockfile's `packages` (the same bound as dpkg's).
const MAX_PACKAGES: usize = super::dpkg::MAX_PACKAGES;

/// Catalogs `package-lock.json` files outside `node_modules`.
pub struct NpmLock;

/// Catalogs `package.json` manifests of installed packages under `node_modules`.
pub struct NodeModules;

/// The purl of an npm package name (`@scope/name` puts the scope in the namespace).
pub fn npm_purl(name: &str, version: &str) -> String {
    match name.split_once('/') {
        Some((scope, n)) if scope.starts_with('@') => purl("npm", Some(scope), n, version, &[]),
        _ => purl("npm", None, name, version, &[]),
    }
}

/// The license a manifest or lock entry declares: `license` as a string or `{type}`, or the
/// legacy `licenses` array (a choice among them).
pub fn declared_license(v: &Value) -> Option<License> {
    let one = |l: &Value| match l {
        Value::String(s) => License::parse(s),
        Value::Object(o) => o
            .get("type")
            .and_then(Value::as_str)
            .and_then(License::parse),
        _ => None,
    };
    if let Some(l) = v.get("license") {
        return one(l);
    }
    match v.get("licenses") {
        Some(Value::Array(a)) => License::any(a.iter().filter_map(one)),
        Some(l) => one(l),
        None => None,
    }
}

/// Reads a JSON file of at most `cap` bytes; `None` (with a warning at `path:line:col` when it
/// is not JSON) when it cannot be read.
fn read_json(cx: &Context<'_>, path: &str, cap: u64) -> Option<Value> {
    let bytes = cx.read(path, cap)?;
    match serde_json::from_slice(&bytes) {
        Ok(v) => Some(v),
        Err(err) => {
            cx.warn(
                format!("{path}:{}:{}", err.line(), err.column()),
                format!("invalid JSON: {err}"),
            );
            None
        }
    }
}

impl Cataloger for NpmLock {
    fn name(&self) -> &'static str {
        "javascript-lock-cataloger"
    }

    fn wants(&self, e: &Entry) -> bool {
        glob_match("**/package-lock.json", &e.path)
    }

    fn per_file(&self) -> bool {
        true
    }

    fn catalog_file(&self, cx: &Context<'_>, e: &Entry) -> Vec<Package> {
        let mut out = Vec::new();
        if e.path.split('/').any(|s| s == "node_modules") {
            return out;
        }
        let Some(lock) = read_json(cx, &e.path, LOCK_CAP) else {
            return out;
        };
        if let Some(Value::Object(pkgs)) = lock.get("packages") {
            if pkgs.len() > MAX_PACKAGES {
                cx.warn(
                    &e.path,
                    format!(
                        "{} packages, more than {MAX_PACKAGES}: the rest are not listed",
                        pkgs.len()
                    ),
                );
            }
            for (key, entry) in pkgs.iter().take(MAX_PACKAGES) {
                let Some(idx) = key.rfind("node_modules/") else {
                    continue;
                };
                if entry.get("link").and_then(Value::as_bool) == Some(true) {
                    continue;
                }
                let name = entry
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or(&key[idx + "node_modules/".len()..]);
                out.push(self.package(&e.path, name, entry));
            }
        } else if let Some(deps) = lock.get("dependencies") {
            self.v1(&e.path, deps, &mut out);
        } else {
            cx.warn(
                &e.path,
                "neither `packages` nor `dependencies`: not a package-lock.json",
            );
        }
        out
    }
}

impl NpmLock {
    fn package(&self, path: &str, name: &str, entry: &Value) -> Package {
        let version = entry.get("version").and_then(Value::as_str).unwrap_or("");
        let mut pkg = Package::new(
            PackageKind::Npm,
            name,
            version,
            npm_purl(name, version),
            path,
            self.name(),
        );
        pkg.license = declared_license(entry);
        pkg
    }

    /// Lockfile v1: `dependencies: {name: {version, dependencies: {…}}}`, nested.
    fn v1(&self, path: &str, deps: &Value, out: &mut Vec<Package>) {
        let Value::Object(map) = deps else { return };
        for (name, entry) in map {
            out.push(self.package(path, name, entry));
            if let Some(nested) = entry.get("dependencies") {
                self.v1(path, nested, out);
            }
        }
    }
}

/// True for `…/node_modules/name/package.json` and `…/node_modules/@scope/name/package.json`.
fn is_installed_manifest(path: &str) -> bool {
    let segs: Vec<&str> = path.split('/').collect();
    let n = segs.len();
    n >= 3
        && segs[n - 1] == "package.json"
        && (segs[n - 3] == "node_modules"
            || (n >= 4 && segs[n - 4] == "node_modules" && segs[n - 3].starts_with('@')))
}

impl Cataloger for NodeModules {
    fn name(&self) -> &'static str {
        "javascript-package-cataloger"
    }

    fn wants(&self, e: &Entry) -> bool {
        is_installed_manifest(&e.path)
    }

    fn per_file(&self) -> bool {
        true
    }

    fn catalog_file(&self, cx: &Context<'_>, e: &Entry) -> Vec<Package> {
        let mut out = Vec::new();
        let Some(manifest) = read_json(cx, &e.path, MANIFEST_CAP) else {
            return out;
        };
        let (Some(name), Some(version)) = (
            manifest.get("name").and_then(Value::as_str),
            manifest.get("version").and_then(Value::as_str),
        ) else {
            cx.warn(&e.path, "package.json without name and version");
            return out;
        };
        let mut pkg = Package::new(
            PackageKind::Npm,
            name,
            version,
            npm_purl(name, version),
            &e.path,
            self.name(),
        );
        pkg.license = declared_license(&manifest);
        out.push(pkg);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_installed_manifests_only() {
        assert!(is_installed_manifest("app/node_modules/a/package.json"));
        assert!(is_installed_manifest("node_modules/@s/b/package.json"));
        assert!(!is_installed_manifest(
            "app/node_modules/a/lib/package.json"
        ));
        assert!(!is_installed_manifest("app/package.json"));
        assert_eq!(
            npm_purl("@babel/core", "7.1.0"),
            "pkg:npm/%40babel/core@7.1.0"
        );
    }

    #[test]
    fn reads_license_shapes() {
        let v: Value = serde_json::json!({"licenses": [{"type": "MIT"}, {"type": "Apache-2.0"}]});
        assert_eq!(
            declared_license(&v).unwrap().expression,
            "Apache-2.0 OR MIT"
        );
        let v: Value = serde_json::json!({"license": {"type": "ISC"}});
        assert_eq!(declared_license(&v).unwrap().expression, "ISC");
    }
}
