//! Image reference normalization, as `github.com/distribution/reference`
//! (`ParseNormalizedNamed`, `TagNameOnly`, `WithDigest`, `FamiliarString`) does it.

use std::fmt;

const DEFAULT_DOMAIN: &str = "docker.io";
const LEGACY_DEFAULT_DOMAIN: &str = "index.docker.io";
const OFFICIAL_REPO_PREFIX: &str = "library/";

/// A fully qualified image reference: `domain/path[:tag][@digest]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reference {
    /// Registry host (and port), e.g. `docker.io`.
    pub domain: String,
    /// Repository path, e.g. `library/alpine`.
    pub path: String,
    /// Tag, if any.
    pub tag: Option<String>,
    /// Digest (`sha256:…`), if any.
    pub digest: Option<String>,
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.domain, self.path)?;
        if let Some(t) = &self.tag {
            write!(f, ":{t}")?;
        }
        if let Some(d) = &self.digest {
            write!(f, "@{d}")?;
        }
        Ok(())
    }
}

fn is_alnum_lower(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit()
}

/// `[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*`
fn is_path_component(s: &str) -> bool {
    let b: Vec<char> = s.chars().collect();
    if b.is_empty() || !is_alnum_lower(b[0]) || !is_alnum_lower(b[b.len() - 1]) {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        if is_alnum_lower(b[i]) {
            i += 1;
            continue;
        }
        // a separator: ".", "_", "__" or a run of "-"
        let start = i;
        if b[i] == '-' {
            while i < b.len() && b[i] == '-' {
                i += 1;
            }
        } else if b[i] == '.' {
            i += 1;
        } else if b[i] == '_' {
            i += 1;
            if i < b.len() && b[i] == '_' {
                i += 1;
            }
        } else {
            return false;
        }
        if i == start || i >= b.len() || !is_alnum_lower(b[i]) {
            return false;
        }
    }
    true
}

fn is_domain_component(s: &str) -> bool {
    !s.is_empty()
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

fn is_domain(s: &str) -> bool {
    let (host_ok, port) = if let Some(rest) = s.strip_prefix('[') {
        match rest.split_once(']') {
            Some((v6, port)) => (
                !v6.is_empty() && v6.chars().all(|c| c.is_ascii_hexdigit() || c == ':'),
                port,
            ),
            None => return false,
        }
    } else {
        let end = s.find(':').unwrap_or(s.len());
        (s[..end].split('.').all(is_domain_component), &s[end..])
    };
    let port_ok = match port.strip_prefix(':') {
        Some(p) => !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()),
        None => port.is_empty(),
    };
    host_ok && port_ok
}

fn is_tag(s: &str) -> bool {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) if c.is_ascii_alphanumeric() || c == '_' => {}
        _ => return false,
    }
    s.len() <= 128 && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '-')
}

fn is_digest(s: &str) -> bool {
    let Some((alg, hex)) = s.split_once(':') else {
        return false;
    };
    let alg_ok = alg.split(['-', '_', '+', '.']).all(|p| {
        let mut c = p.chars();
        matches!(c.next(), Some(f) if f.is_ascii_alphabetic())
            && c.all(|x| x.is_ascii_alphanumeric())
    });
    alg_ok && hex.len() >= 32 && hex.chars().all(|c| c.is_ascii_hexdigit())
}

fn split_docker_domain(name: &str) -> (String, String) {
    let (mut domain, mut remainder) = match name.find('/') {
        Some(i) => {
            let first = &name[..i];
            if !first.contains(['.', ':']) && first != "localhost" && first.to_lowercase() == first
            {
                (DEFAULT_DOMAIN.to_string(), name.to_string())
            } else {
                (first.to_string(), name[i + 1..].to_string())
            }
        }
        None => (DEFAULT_DOMAIN.to_string(), name.to_string()),
    };
    if domain == LEGACY_DEFAULT_DOMAIN {
        domain = DEFAULT_DOMAIN.to_string();
    }
    if domain == DEFAULT_DOMAIN && !remainder.contains('/') {
        remainder = format!("{OFFICIAL_REPO_PREFIX}{remainder}");
    }
    (domain, remainder)
}

impl Reference {
    /// Parses a user-written reference (`alpine`, `ghcr.io/x/y:1@sha256:…`) into its
    /// normalized form, with upstream's error wording.
    pub fn parse_normalized(s: &str) -> Result<Reference, String> {
        if s.len() == 64 && s.chars().all(|c| matches!(c, 'a'..='f' | '0'..='9')) {
            return Err(format!(
                "invalid repository name ({s}), cannot specify 64-byte hexadecimal strings"
            ));
        }
        let (domain, remainder) = split_docker_domain(s);
        let remote_name = match remainder.find(':') {
            Some(i) => &remainder[..i],
            None => remainder.as_str(),
        };
        if remote_name.to_lowercase() != remote_name {
            return Err(format!(
                "invalid reference format: repository name ({remote_name}) must be lowercase"
            ));
        }
        let (rest, digest) = match remainder.split_once('@') {
            Some((r, d)) => (r, Some(d.to_string())),
            None => (remainder.as_str(), None),
        };
        let (path, tag) = match rest.rfind(':') {
            Some(i) if !rest[i..].contains('/') => (&rest[..i], Some(rest[i + 1..].to_string())),
            _ => (rest, None),
        };
        let invalid = || Err("invalid reference format".to_string());
        if path.is_empty() || !path.split('/').all(is_path_component) || !is_domain(&domain) {
            return invalid();
        }
        if domain.len() + 1 + path.len() > 255 {
            return Err("repository name must not be more than 255 characters".into());
        }
        if tag.as_deref().is_some_and(|t| !is_tag(t))
            || digest.as_deref().is_some_and(|d| !is_digest(d))
        {
            return invalid();
        }
        Ok(Reference {
            domain,
            path: path.to_string(),
            tag,
            digest,
        })
    }

    /// `domain/path` without tag or digest.
    pub fn name(&self) -> String {
        format!("{}/{}", self.domain, self.path)
    }

    /// Adds `:latest` when neither tag nor digest is present (`reference.TagNameOnly`).
    pub fn tag_name_only(mut self) -> Reference {
        if self.tag.is_none() && self.digest.is_none() {
            self.tag = Some("latest".into());
        }
        self
    }

    /// Pins the reference to `digest`, keeping its tag (`reference.WithDigest`).
    pub fn with_digest(mut self, digest: &str) -> Reference {
        self.digest = Some(digest.to_string());
        self
    }

    /// The short form users write (`alpine`, `user/app:1`), `:latest` trimmed, as the
    /// named-context lookup uses it.
    pub fn familiar_without_latest(&self) -> String {
        let mut name = if self.domain == DEFAULT_DOMAIN {
            match self.path.strip_prefix(OFFICIAL_REPO_PREFIX) {
                Some(short) if !short.contains('/') => short.to_string(),
                _ => self.path.clone(),
            }
        } else {
            self.name()
        };
        if let Some(t) = &self.tag {
            name.push(':');
            name.push_str(t);
        }
        if let Some(d) = &self.digest {
            name.push('@');
            name.push_str(d);
        }
        name.strip_suffix(":latest")
            .map(str::to_string)
            .unwrap_or(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(s: &str) -> String {
        Reference::parse_normalized(s)
            .unwrap()
            .tag_name_only()
            .to_string()
    }

    #[test]
    fn normalizes_docker_hub_names() {
        assert_eq!(norm("alpine"), "docker.io/library/alpine:latest");
        assert_eq!(norm("alpine:3.19"), "docker.io/library/alpine:3.19");
        assert_eq!(norm("user/app"), "docker.io/user/app:latest");
        assert_eq!(
            norm("index.docker.io/alpine"),
            "docker.io/library/alpine:latest"
        );
        assert_eq!(norm("ghcr.io/a/b:1"), "ghcr.io/a/b:1");
        assert_eq!(norm("localhost/app"), "localhost/app:latest");
        assert_eq!(norm("localhost:5000/app:x"), "localhost:5000/app:x");
        let d = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        assert_eq!(
            norm(&format!("alpine@{d}")),
            format!("docker.io/library/alpine@{d}")
        );
        assert_eq!(
            norm(&format!("alpine:3@{d}")),
            format!("docker.io/library/alpine:3@{d}")
        );
    }

    #[test]
    fn pins_digest_and_familiar() {
        let r = Reference::parse_normalized("alpine:3.19")
            .unwrap()
            .with_digest("sha256:ab");
        assert_eq!(r.to_string(), "docker.io/library/alpine:3.19@sha256:ab");
        let f = |s: &str| {
            Reference::parse_normalized(s)
                .unwrap()
                .tag_name_only()
                .familiar_without_latest()
        };
        assert_eq!(f("alpine"), "alpine");
        assert_eq!(f("docker.io/library/alpine:3"), "alpine:3");
        assert_eq!(f("user/app"), "user/app");
        assert_eq!(f("ghcr.io/a/b"), "ghcr.io/a/b");
    }

    #[test]
    fn rejects_invalid() {
        assert!(Reference::parse_normalized("Alpine")
            .unwrap_err()
            .contains("must be lowercase"));
        assert!(Reference::parse_normalized("alpine:").is_err());
        assert!(Reference::parse_normalized("a b").is_err());
        assert!(Reference::parse_normalized("$FOO").is_err());
        assert!(Reference::parse_normalized("").is_err());
        assert!(Reference::parse_normalized(&"a".repeat(64))
            .unwrap_err()
            .contains("64-byte"));
    }
}
