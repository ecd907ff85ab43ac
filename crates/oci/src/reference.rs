//! Image references parsed and normalised as Docker's `distribution/reference` does it
//! (`ParseNormalizedNamed`, `TagNameOnly`, `FamiliarString`): `alpine` →
//! `docker.io/library/alpine:latest`, with upstream's error wording. The one reference type of
//! stagetrail: the converter names base images with it, the registry client fetches by it.

use std::fmt;
use std::str::FromStr;

use super::digest::Digest;
use super::error::{RegistryError, Result};

/// Docker Hub's canonical name.
pub const DOCKER_HUB: &str = "docker.io";
/// The host that actually serves Docker Hub's distribution API.
pub const DOCKER_HUB_API: &str = "registry-1.docker.io";
/// Docker Hub's old name, normalised to [`DOCKER_HUB`].
const LEGACY_DOCKER_HUB: &str = "index.docker.io";
/// The namespace of Docker Hub's official images.
const OFFICIAL_REPO_PREFIX: &str = "library/";

/// Why a reference does not parse, in `distribution/reference`'s words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReferenceError {
    /// A bare 64-digit hex string (an image ID, not a name).
    #[error("invalid repository name ({0}), cannot specify 64-byte hexadecimal strings")]
    HexName(String),
    /// Upper-case letters in the repository name.
    #[error("invalid reference format: repository name ({0}) must be lowercase")]
    Uppercase(String),
    /// `domain/path` is longer than 255 characters.
    #[error("repository name must not be more than 255 characters")]
    NameTooLong,
    /// Anything else that is not `[domain/]path[:tag][@digest]`.
    #[error("invalid reference format")]
    Format,
}

/// A normalised image reference: registry, repository, and a tag and/or digest.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Reference {
    /// Registry host with optional port, e.g. `docker.io`, `127.0.0.1:5000`, `[::1]:5000`.
    pub registry: String,
    /// Repository path, e.g. `library/alpine`.
    pub repository: String,
    /// The tag, if any (see [`Reference::tag_name_only`]).
    pub tag: Option<String>,
    /// The digest, when pinned.
    pub digest: Option<Digest>,
}

impl Reference {
    /// Parses a user-written reference and adds `:latest` when it names neither tag nor
    /// digest: what to fetch from a registry.
    pub fn parse(text: &str) -> Result<Reference> {
        Reference::parse_normalized(text)
            .map(Reference::tag_name_only)
            .map_err(|e| RegistryError::InvalidReference {
                at: text.into(),
                reason: e.to_string(),
            })
    }

    /// Parses a user-written reference (`alpine`, `ghcr.io/x/y:1@sha256:…`) into its
    /// normalised form without adding a tag (`ParseNormalizedNamed`).
    pub fn parse_normalized(s: &str) -> std::result::Result<Reference, ReferenceError> {
        if s.len() == 64 && s.chars().all(|c| matches!(c, 'a'..='f' | '0'..='9')) {
            return Err(ReferenceError::HexName(s.to_string()));
        }
        let (domain, remainder) = split_docker_domain(s);
        let remote_name = match remainder.find(':') {
            Some(i) => &remainder[..i],
            None => remainder.as_str(),
        };
        if remote_name.to_lowercase() != remote_name {
            return Err(ReferenceError::Uppercase(remote_name.to_string()));
        }
        let (rest, digest) = match remainder.split_once('@') {
            Some((r, d)) => (r, Some(d)),
            None => (remainder.as_str(), None),
        };
        let (path, tag) = match rest.rfind(':') {
            Some(i) if !rest[i..].contains('/') => (&rest[..i], Some(rest[i + 1..].to_string())),
            _ => (rest, None),
        };
        if path.is_empty() || !path.split('/').all(is_path_component) || !is_domain(&domain) {
            return Err(ReferenceError::Format);
        }
        if domain.len() + 1 + path.len() > 255 {
            return Err(ReferenceError::NameTooLong);
        }
        if tag.as_deref().is_some_and(|t| !is_tag(t)) {
            return Err(ReferenceError::Format);
        }
        let digest = match digest {
            Some(d) if is_digest(d) => {
                Some(Digest::parse(d, s).map_err(|_| ReferenceError::Format)?)
            }
            Some(_) => return Err(ReferenceError::Format),
            None => None,
        };
        Ok(Reference {
            registry: domain,
            repository: path.to_string(),
            tag,
            digest,
        })
    }

    /// Adds `:latest` when neither tag nor digest is present (`reference.TagNameOnly`).
    pub fn tag_name_only(mut self) -> Reference {
        if self.tag.is_none() && self.digest.is_none() {
            self.tag = Some("latest".into());
        }
        self
    }

    /// The short form users write (`alpine`, `user/app:1`), `:latest` trimmed, as the
    /// named-context lookup uses it.
    pub fn familiar_without_latest(&self) -> String {
        let mut name = if self.registry == DOCKER_HUB {
            match self.repository.strip_prefix(OFFICIAL_REPO_PREFIX) {
                Some(short) if !short.contains('/') => short.to_string(),
                _ => self.repository.clone(),
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
            name.push_str(&d.to_string());
        }
        name.strip_suffix(":latest")
            .map(str::to_string)
            .unwrap_or(name)
    }

    /// The same repository pinned to `digest` (tag dropped).
    pub fn with_digest(&self, digest: Digest) -> Reference {
        Reference {
            registry: self.registry.clone(),
            repository: self.repository.clone(),
            tag: None,
            digest: Some(digest),
        }
    }

    /// The same repository at `tag` (digest dropped).
    pub fn with_tag(&self, tag: &str) -> Reference {
        Reference {
            registry: self.registry.clone(),
            repository: self.repository.clone(),
            tag: Some(tag.to_string()),
            digest: None,
        }
    }

    /// `registry/repository` without tag or digest.
    pub fn name(&self) -> String {
        format!("{}/{}", self.registry, self.repository)
    }

    /// What to ask the registry for: the digest when pinned, else the tag.
    pub fn object(&self) -> String {
        match (&self.digest, &self.tag) {
            (Some(d), _) => d.to_string(),
            (None, Some(t)) => t.clone(),
            (None, None) => "latest".to_string(),
        }
    }

    /// The host serving the distribution API (`registry-1.docker.io` for Docker Hub).
    pub fn api_host(&self) -> &str {
        if self.registry == DOCKER_HUB {
            DOCKER_HUB_API
        } else {
            &self.registry
        }
    }

    /// True when the registry host is loopback (`localhost`, `127.0.0.0/8`, `::1`).
    pub fn is_loopback(&self) -> bool {
        is_loopback_host(&self.registry)
    }
}

/// True when `host` (with optional port) is a loopback name or address.
pub fn is_loopback_host(host: &str) -> bool {
    let bare = if let Some(rest) = host.strip_prefix('[') {
        rest.split(']').next().unwrap_or(rest)
    } else {
        host.rsplit_once(':').map_or(host, |(h, _)| h)
    };
    if bare.eq_ignore_ascii_case("localhost") {
        return true;
    }
    bare.parse::<std::net::IpAddr>()
        .is_ok_and(|ip| ip.is_loopback())
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.registry, self.repository)?;
        if let Some(tag) = &self.tag {
            write!(f, ":{tag}")?;
        }
        if let Some(d) = &self.digest {
            write!(f, "@{d}")?;
        }
        Ok(())
    }
}

impl FromStr for Reference {
    type Err = RegistryError;
    fn from_str(s: &str) -> Result<Reference> {
        Reference::parse(s)
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
                (DOCKER_HUB.to_string(), name.to_string())
            } else {
                (first.to_string(), name[i + 1..].to_string())
            }
        }
        None => (DOCKER_HUB.to_string(), name.to_string()),
    };
    if domain == LEGACY_DOCKER_HUB {
        domain = DOCKER_HUB.to_string();
    }
    if domain == DOCKER_HUB && !remainder.contains('/') {
        remainder = format!("{OFFICIAL_REPO_PREFIX}{remainder}");
    }
    (domain, remainder)
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: &str = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    fn norm(s: &str) -> String {
        Reference::parse(s).unwrap().to_string()
    }

    #[test]
    fn normalises_like_docker() {
        assert_eq!(norm("alpine"), "docker.io/library/alpine:latest");
        assert_eq!(norm("alpine:3.19"), "docker.io/library/alpine:3.19");
        assert_eq!(norm("user/app"), "docker.io/user/app:latest");
        assert_eq!(
            norm("index.docker.io/library/busybox"),
            "docker.io/library/busybox:latest"
        );
        assert_eq!(
            norm("docker.io/busybox"),
            "docker.io/library/busybox:latest"
        );
        assert_eq!(norm("localhost/app"), "localhost/app:latest");
        assert_eq!(norm("127.0.0.1:5000/ns/x:1"), "127.0.0.1:5000/ns/x:1");
        assert_eq!(
            norm(&format!("host:5000/ns/x@{D}")),
            format!("host:5000/ns/x@{D}")
        );
        assert_eq!(
            norm(&format!("alpine:1@{D}")),
            format!("docker.io/library/alpine:1@{D}")
        );
        assert_eq!(
            norm("[::1]:5000/a/b-c__d.e"),
            "[::1]:5000/a/b-c__d.e:latest"
        );
        assert_eq!(norm("Foo.io/a"), "Foo.io/a:latest");
    }

    #[test]
    fn parts_and_hosts() {
        let r = Reference::parse("alpine").unwrap();
        assert_eq!(r.api_host(), DOCKER_HUB_API);
        assert_eq!(r.object(), "latest");
        assert!(!r.is_loopback());
        let r = Reference::parse(&format!("127.0.0.1:5000/ns/x@{D}")).unwrap();
        assert!(r.is_loopback());
        assert_eq!(r.object(), D);
        assert_eq!(r.name(), "127.0.0.1:5000/ns/x");
        assert!(is_loopback_host("localhost:5000"));
        assert!(is_loopback_host("[::1]:5000"));
        assert!(is_loopback_host("127.1.2.3"));
        assert!(!is_loopback_host("10.0.0.1:5000"));
    }

    #[test]
    fn rejects_bad_references() {
        for bad in [
            "",
            "Alpine",
            "a//b",
            "a/-b",
            "a:",
            "a:.x",
            "a@sha256:12",
            "host:port/x",
            "a/b_",
            "[::1/x",
        ] {
            let err = Reference::parse(bad).unwrap_err();
            assert!(err.to_string().contains("invalid"), "{bad}: {err}");
        }
    }

    // distribution/reference behaviour, as the converter relies on it.

    fn normalized(s: &str) -> String {
        Reference::parse_normalized(s)
            .unwrap()
            .tag_name_only()
            .to_string()
    }

    #[test]
    fn normalizes_docker_hub_names() {
        assert_eq!(normalized("alpine"), "docker.io/library/alpine:latest");
        assert_eq!(normalized("alpine:3.19"), "docker.io/library/alpine:3.19");
        assert_eq!(normalized("user/app"), "docker.io/user/app:latest");
        assert_eq!(
            normalized("index.docker.io/alpine"),
            "docker.io/library/alpine:latest"
        );
        assert_eq!(normalized("ghcr.io/a/b:1"), "ghcr.io/a/b:1");
        assert_eq!(normalized("localhost/app"), "localhost/app:latest");
        assert_eq!(normalized("localhost:5000/app:x"), "localhost:5000/app:x");
        let d = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        assert_eq!(
            normalized(&format!("alpine@{d}")),
            format!("docker.io/library/alpine@{d}")
        );
        assert_eq!(
            normalized(&format!("alpine:3@{d}")),
            format!("docker.io/library/alpine:3@{d}")
        );
    }

    #[test]
    fn familiar_names() {
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
            .to_string()
            .contains("must be lowercase"));
        assert!(Reference::parse_normalized("alpine:").is_err());
        assert!(Reference::parse_normalized("a b").is_err());
        assert!(Reference::parse_normalized("$FOO").is_err());
        assert!(Reference::parse_normalized("").is_err());
        assert!(Reference::parse_normalized(&"a".repeat(64))
            .unwrap_err()
            .to_string()
            .contains("64-byte"));
    }
}
