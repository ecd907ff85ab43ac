//! Package URLs (`pkg:type/namespace/name@version?qualifiers`): built by the catalogers,
//! percent-encoded per the purl spec, and split again by the policy checks.

/// Builds a purl. `namespace` may hold `/`-separated segments (each encoded); qualifiers with
/// empty values are dropped and the rest sorted by key; an empty version is left out.
pub fn purl(
    ty: &str,
    namespace: Option<&str>,
    name: &str,
    version: &str,
    qualifiers: &[(&str, &str)],
) -> String {
    let mut s = format!("pkg:{}/", ty.to_ascii_lowercase());
    if let Some(ns) = namespace.filter(|n| !n.is_empty()) {
        for seg in ns.split('/').filter(|s| !s.is_empty()) {
            s.push_str(&encode(seg));
            s.push('/');
        }
    }
    s.push_str(&encode(name));
    if !version.is_empty() {
        s.push('@');
        s.push_str(&encode(version));
    }
    let mut q: Vec<(String, &str)> = qualifiers
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| (k.to_ascii_lowercase(), *v))
        .collect();
    q.sort();
    for (i, (k, v)) in q.iter().enumerate() {
        s.push(if i == 0 { '?' } else { '&' });
        s.push_str(k);
        s.push('=');
        s.push_str(&encode(v));
    }
    s
}

/// Percent-encodes everything but ASCII letters, digits, `.-_~` and `:` (which the spec says
/// must not be encoded).
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'~' | b':') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A purl split into its parts, percent-decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Purl {
    /// `pkg:type/namespace/name`.
    pub base: String,
    /// The type (`deb`, `npm`, …), lower-cased.
    pub kind: String,
    /// The namespace segments joined by `/` (`""` when there is none).
    pub namespace: String,
    /// The name.
    pub name: String,
    /// The version, when the purl has one.
    pub version: Option<String>,
    /// The qualifiers (`arch`, `distro`, …).
    pub qualifiers: std::collections::BTreeMap<String, String>,
}

impl Purl {
    /// Splits `purl`; `None` when it does not start with `pkg:` or has no name.
    pub fn parse(purl: &str) -> Option<Purl> {
        let rest = purl.trim().strip_prefix("pkg:")?;
        let rest = rest.split('#').next().unwrap_or(rest);
        let (path, qualifiers) = rest.split_once('?').unwrap_or((rest, ""));
        let (base, version) = match path.rsplit_once('@') {
            Some((b, v)) if b.contains('/') => (b, Some(percent_decode(v))),
            _ => (path, None),
        };
        let mut segments: Vec<String> = base.split('/').map(percent_decode).collect();
        let kind = segments.first()?.to_ascii_lowercase();
        let name = if segments.len() > 1 {
            segments.pop()?
        } else {
            String::new()
        };
        let namespace = segments.get(1..).unwrap_or_default().join("/");
        let qualifiers = qualifiers
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .map(|(k, v)| (k.to_ascii_lowercase(), percent_decode(v)))
            .collect();
        Some(Purl {
            base: format!("pkg:{}", percent_decode(base)),
            kind,
            namespace,
            name,
            version,
            qualifiers,
        })
    }
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("");
            if let Ok(v) = u8::from_str_radix(hex, 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::{purl, Purl};

    #[test]
    fn encodes_like_the_spec() {
        assert_eq!(
            purl(
                "deb",
                Some("debian"),
                "libc6",
                "2.36-9+deb12u4",
                &[("distro", "debian-12"), ("arch", "amd64")]
            ),
            "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12"
        );
        assert_eq!(
            purl("npm", Some("@babel"), "core", "7.0.0", &[]),
            "pkg:npm/%40babel/core@7.0.0"
        );
        assert_eq!(
            purl("golang", Some("github.com/pkg"), "errors", "v0.9.1", &[]),
            "pkg:golang/github.com/pkg/errors@v0.9.1"
        );
        assert_eq!(
            purl(
                "deb",
                Some("debian"),
                "openssh",
                "1:9.2p1-2",
                &[("upstream", "")]
            ),
            "pkg:deb/debian/openssh@1:9.2p1-2"
        );
    }

    #[test]
    fn purls_split_and_decode() {
        let p = Purl::parse("pkg:npm/%40babel/core@7.1.0?arch=x").unwrap();
        assert_eq!(p.base, "pkg:npm/@babel/core");
        assert_eq!(p.kind, "npm");
        assert_eq!(p.version.as_deref(), Some("7.1.0"));
        let p = Purl::parse("pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12")
            .unwrap();
        assert_eq!(p.base, "pkg:deb/debian/libssl3");
        assert_eq!(
            (p.namespace.as_str(), p.name.as_str()),
            ("debian", "libssl3")
        );
        assert_eq!(p.qualifiers["distro"], "debian-12");
        assert_eq!(p.version.as_deref(), Some("3.0.11-1~deb12u2"));
        assert_eq!(Purl::parse("pkg:generic/x").unwrap().version, None);
        assert!(Purl::parse("npm/x").is_none());
    }
}
