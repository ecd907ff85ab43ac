//! Matching packages for `denied_packages`: purl patterns and version ranges.
//!
//! A pattern is `pkg:<type>/<namespace>/<name>` with `*` matching any run of characters (also `/`),
//! compared with the package's purl without version, qualifiers and subpath, both percent-decoded.
//! A range is `||`-separated alternatives of comma- or space-separated constraints
//! `<`, `<=`, `>`, `>=`, `=`, `!=` (a bare version means `=`; `*` means any).
//! Versions of `deb` and `rpm` packages compare as dpkg does (epoch, `~` before anything); all other
//! types compare semver-like: a leading `v` and `+build` are ignored, and a `-pre-release` sorts
//! before the release.

use std::cmp::Ordering;

/// `*`-glob match of the whole text.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || text.len() < first.len() + last.len() || !text.ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle) {
            Some(i) => rest = &rest[i + middle.len()..],
            None => return false,
        }
    }
    true
}

/// One comparison of a range.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Constraint {
    op: Ordering,
    or_equal: bool,
    negate: bool,
    version: String,
}

/// A version range: alternatives (`||`) of constraints that must all hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionRange {
    text: String,
    alternatives: Vec<Vec<Constraint>>,
}

impl VersionRange {
    /// Parses `<1.2.3`, `>=1.0, <2.0`, `1.4.2`, `<1 || >=3`, `*`.
    pub fn parse(text: &str) -> Result<VersionRange, String> {
        let mut alternatives = Vec::new();
        for alt in text.split("||") {
            let mut all = Vec::new();
            for part in alt
                .split([',', ' '])
                .map(str::trim)
                .filter(|p| !p.is_empty())
            {
                if part == "*" {
                    continue;
                }
                let (op, or_equal, negate, v) = if let Some(v) = part.strip_prefix(">=") {
                    (Ordering::Greater, true, false, v)
                } else if let Some(v) = part.strip_prefix("<=") {
                    (Ordering::Less, true, false, v)
                } else if let Some(v) = part.strip_prefix("!=") {
                    (Ordering::Equal, true, true, v)
                } else if let Some(v) = part.strip_prefix("==") {
                    (Ordering::Equal, true, false, v)
                } else if let Some(v) = part.strip_prefix('>') {
                    (Ordering::Greater, false, false, v)
                } else if let Some(v) = part.strip_prefix('<') {
                    (Ordering::Less, false, false, v)
                } else if let Some(v) = part.strip_prefix('=') {
                    (Ordering::Equal, true, false, v)
                } else {
                    (Ordering::Equal, true, false, part)
                };
                let v = v.trim();
                if v.is_empty() || v.contains(['<', '>', '=', '!']) {
                    return Err(format!(
                        "version range {text:?}: {part:?} is not <op><version> (ops: < <= > >= = !=)"
                    ));
                }
                all.push(Constraint {
                    op,
                    or_equal,
                    negate,
                    version: v.to_string(),
                });
            }
            alternatives.push(all);
        }
        Ok(VersionRange {
            text: text.trim().to_string(),
            alternatives,
        })
    }

    /// True when `version` of a package of purl type `kind` is in the range.
    pub fn contains(&self, kind: &str, version: &str) -> bool {
        self.alternatives.iter().any(|all| {
            all.iter().all(|c| {
                let ord = compare_versions(kind, version, &c.version);
                let hit = ord == c.op || (c.or_equal && ord == Ordering::Equal);
                hit != c.negate
            })
        })
    }

    /// The range as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

/// Compares two versions of purl type `kind` (see the module docs).
pub fn compare_versions(kind: &str, a: &str, b: &str) -> Ordering {
    if matches!(kind, "deb" | "rpm" | "apk" | "alpm") {
        return compare_dpkg(a, b);
    }
    let clean = |v: &str| {
        let v = v.trim();
        let v = v.strip_prefix(['v', 'V']).unwrap_or(v);
        let v = v.split('+').next().unwrap_or(v);
        match v.split_once('-') {
            Some((core, pre)) => (core.to_string(), Some(pre.to_string())),
            None => (v.to_string(), None),
        }
    };
    let (core_a, pre_a) = clean(a);
    let (core_b, pre_b) = clean(b);
    verrevcmp(&core_a, &core_b).then_with(|| match (pre_a, pre_b) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
        (Some(x), Some(y)) => verrevcmp(&x, &y),
    })
}

/// dpkg's comparison: epoch, then upstream version, then revision (after the last `-`).
fn compare_dpkg(a: &str, b: &str) -> Ordering {
    let split = |v: &str| {
        let (epoch, rest) = match v.split_once(':') {
            Some((e, r)) if e.bytes().all(|c| c.is_ascii_digit()) => {
                (e.parse::<u64>().unwrap_or(0), r)
            }
            _ => (0, v),
        };
        let (upstream, revision) = rest.rsplit_once('-').unwrap_or((rest, ""));
        (epoch, upstream.to_string(), revision.to_string())
    };
    let (ea, ua, ra) = split(a.trim());
    let (eb, ub, rb) = split(b.trim());
    ea.cmp(&eb)
        .then_with(|| verrevcmp(&ua, &ub))
        .then_with(|| verrevcmp(&ra, &rb))
}

/// Character weight in the non-digit parts: `~` first, then end of string, letters, other characters.
fn weight(c: Option<u8>) -> i32 {
    match c {
        None => 0,
        Some(b'~') => -1,
        Some(c) if c.is_ascii_digit() => 0,
        Some(c) if c.is_ascii_alphabetic() => i32::from(c),
        Some(c) => i32::from(c) + 256,
    }
}

/// Alternating non-digit / digit runs, compared as dpkg's `verrevcmp`.
fn verrevcmp(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        while (i < a.len() && !a[i].is_ascii_digit()) || (j < b.len() && !b[j].is_ascii_digit()) {
            let wa = weight(a.get(i).copied().filter(|c| !c.is_ascii_digit()));
            let wb = weight(b.get(j).copied().filter(|c| !c.is_ascii_digit()));
            if wa != wb {
                return wa.cmp(&wb);
            }
            if i < a.len() && !a[i].is_ascii_digit() {
                i += 1;
            }
            if j < b.len() && !b[j].is_ascii_digit() {
                j += 1;
            }
        }
        while i < a.len() && a[i] == b'0' {
            i += 1;
        }
        while j < b.len() && b[j] == b'0' {
            j += 1;
        }
        let si = i;
        let sj = j;
        while i < a.len() && a[i].is_ascii_digit() {
            i += 1;
        }
        while j < b.len() && b[j].is_ascii_digit() {
            j += 1;
        }
        let (da, db) = (&a[si..i], &b[sj..j]);
        let ord = da.len().cmp(&db.len()).then_with(|| da.cmp(db));
        if ord != Ordering::Equal {
            return ord;
        }
    }
    Ordering::Equal
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match(
            "pkg:deb/*/openssl*",
            "pkg:deb/debian/openssl-provider"
        ));
        assert!(glob_match("pkg:npm/lodash", "pkg:npm/lodash"));
        assert!(!glob_match("pkg:npm/lodash", "pkg:npm/lodash.merge"));
        assert!(glob_match("*", "anything"));
        assert!(!glob_match("a*b*c", "acb"));
        assert!(glob_match("a*b*c", "aXbYc"));
    }

    #[test]
    fn version_order() {
        use Ordering::*;
        assert_eq!(compare_versions("npm", "1.2.3", "1.2.10"), Less);
        assert_eq!(compare_versions("npm", "1.0.0-rc.1", "1.0.0"), Less);
        assert_eq!(compare_versions("golang", "v1.2.0", "1.2.0"), Equal);
        assert_eq!(compare_versions("deb", "1:1.0", "2.0"), Greater);
        assert_eq!(compare_versions("deb", "1.0~rc1-1", "1.0-1"), Less);
        assert_eq!(
            compare_versions("deb", "3.0.11-1~deb12u2", "3.0.11-1"),
            Less
        );
        assert_eq!(
            compare_versions("deb", "2.36-9+deb12u4", "2.36-9+deb12u10"),
            Less
        );
        assert_eq!(compare_versions("pypi", "2.0", "2.0.0"), Less);
    }

    #[test]
    fn ranges() {
        let r = VersionRange::parse("<1.2.3").unwrap();
        assert!(r.contains("npm", "1.2.2") && !r.contains("npm", "1.2.3"));
        let r = VersionRange::parse(">=1.0, <2.0").unwrap();
        assert!(r.contains("cargo", "1.5.0") && !r.contains("cargo", "2.0.0"));
        let r = VersionRange::parse("<1 || >=3").unwrap();
        assert!(r.contains("npm", "0.9") && r.contains("npm", "3.1") && !r.contains("npm", "2"));
        assert!(VersionRange::parse("1.4.2")
            .unwrap()
            .contains("npm", "1.4.2"));
        assert!(VersionRange::parse("!=1.4.2")
            .unwrap()
            .contains("npm", "1.4.3"));
        assert!(VersionRange::parse("*").unwrap().contains("npm", "0"));
        assert!(VersionRange::parse("<<1")
            .unwrap_err()
            .contains("not <op><version>"));
    }
}
