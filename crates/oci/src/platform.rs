//! Platforms (`linux/arm64`) as OCI descriptors and image configs spell them, parsed and
//! normalized the way containerd's `platforms.Parse` + `platforms.Normalize` do.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A platform like "linux/arm64/v8", normalized as containerd does (arm64 variant v8
/// dropped, arm gets v7 by default, x86_64 → amd64 …).
/// Serialized as in OCI descriptors: `architecture`, `os`, `variant`, `os.version`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Platform {
    /// CPU architecture, e.g. `amd64` (`unknown` on attestation manifests).
    #[serde(default)]
    pub architecture: String,
    /// Operating system, e.g. `linux`.
    #[serde(default)]
    pub os: String,
    /// CPU variant, e.g. `v7`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    /// OS version (Windows).
    #[serde(
        default,
        rename = "os.version",
        skip_serializing_if = "Option::is_none"
    )]
    pub os_version: Option<String>,
}

/// Why a platform specifier does not parse, in containerd's words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlatformError {
    /// `*` in the specifier.
    #[error("{0:?}: wildcards not yet supported: invalid argument")]
    Wildcard(String),
    /// A part that is not `[A-Za-z0-9_-]+`.
    #[error("{spec:?}: invalid path component {component:?} in \"{spec}\": must be of the form os/arch/variant")]
    Component {
        /// The whole specifier.
        spec: String,
        /// The offending part.
        component: String,
    },
    /// A single part that is neither a known OS nor a known architecture.
    #[error("{0:?}: unknown operating system or architecture: invalid argument")]
    Unknown(String),
    /// More than `os/arch/variant`.
    #[error("{0:?}: cannot parse platform specifier: invalid argument")]
    TooManyParts(String),
}

impl fmt::Display for Platform {
    /// `os/arch[/variant]`, as containerd's `platforms.Format` and `--platform`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.os, self.architecture)?;
        if let Some(v) = &self.variant {
            write!(f, "/{v}")?;
        }
        Ok(())
    }
}

impl Default for Platform {
    fn default() -> Self {
        Platform::linux_amd64()
    }
}

const KNOWN_OS: &[&str] = &[
    "aix",
    "android",
    "darwin",
    "dragonfly",
    "freebsd",
    "hurd",
    "illumos",
    "ios",
    "js",
    "linux",
    "nacl",
    "netbsd",
    "openbsd",
    "plan9",
    "solaris",
    "windows",
    "zos",
];

const KNOWN_ARCH: &[&str] = &[
    "386",
    "amd64",
    "amd64p32",
    "arm",
    "armbe",
    "arm64",
    "arm64be",
    "ppc64",
    "ppc64le",
    "loong64",
    "mips",
    "mipsle",
    "mips64",
    "mips64le",
    "mips64p32",
    "mips64p32le",
    "ppc",
    "riscv",
    "riscv64",
    "s390",
    "s390x",
    "sparc",
    "sparc64",
    "wasm",
];

fn normalize_os(os: &str) -> String {
    let os = os.to_ascii_lowercase();
    if os == "macos" {
        "darwin".into()
    } else {
        os
    }
}

/// containerd's `normalizeArch`: canonical architecture and variant.
fn normalize_arch(arch: &str, variant: &str) -> (String, String) {
    let arch = arch.to_ascii_lowercase();
    let mut variant = variant.to_ascii_lowercase();
    let arch = match arch.as_str() {
        "i386" => {
            variant.clear();
            "386".to_string()
        }
        "x86_64" | "x86-64" | "amd64" => {
            if variant == "v1" {
                variant.clear();
            }
            "amd64".into()
        }
        "aarch64" | "arm64" => {
            if variant == "8" || variant == "v8" {
                variant.clear();
            }
            "arm64".into()
        }
        "armhf" => {
            variant = "v7".into();
            "arm".into()
        }
        "armel" => {
            variant = "v6".into();
            "arm".into()
        }
        "arm" => {
            match variant.as_str() {
                "" | "7" => variant = "v7".into(),
                "5" | "6" | "8" => variant = format!("v{variant}"),
                _ => {}
            }
            "arm".into()
        }
        _ => arch,
    };
    (arch, variant)
}

/// The first component, `os` or `os(version)`: the OS and a non-empty version.
fn split_os_version(part: &str) -> Option<(&str, Option<&str>)> {
    let (os, version) = match part.split_once('(') {
        Some((os, rest)) => (os, Some(rest.strip_suffix(')')?)),
        None => (part, None),
    };
    let version_ok = version.is_none_or(|v| {
        v.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
    });
    (is_specifier_part(os) && version_ok).then_some((os, version.filter(|v| !v.is_empty())))
}

fn is_specifier_part(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

impl Platform {
    /// `linux/amd64`, the default build platform.
    pub fn linux_amd64() -> Platform {
        Platform {
            os: "linux".into(),
            architecture: "amd64".into(),
            variant: None,
            os_version: None,
        }
    }

    /// Parses a platform specifier (`os`, `arch`, `os/arch`, `os/arch/variant`, the OS
    /// optionally with its version as `os(version)`, as containerd's `platforms.Parse`) and
    /// normalizes it. A lone OS uses amd64; a lone architecture uses linux.
    pub fn parse(s: &str) -> Result<Platform, PlatformError> {
        if s.contains('*') {
            return Err(PlatformError::Wildcard(s.to_string()));
        }
        let mut parts: Vec<&str> = s.split('/').collect();
        let component = |p: &str| PlatformError::Component {
            spec: s.to_string(),
            component: p.to_string(),
        };
        let (first, os_version) = split_os_version(parts[0]).ok_or_else(|| component(parts[0]))?;
        parts[0] = first;
        if let Some(bad) = parts[1..].iter().find(|p| !is_specifier_part(p)) {
            return Err(component(bad));
        }
        let (os, arch, variant) = match parts.as_slice() {
            [one] => {
                let lower = normalize_os(one);
                if KNOWN_OS.contains(&lower.as_str()) {
                    (lower, "amd64".to_string(), String::new())
                } else {
                    let (a, v) = normalize_arch(one, "");
                    if !KNOWN_ARCH.contains(&a.as_str()) || os_version.is_some() {
                        return Err(PlatformError::Unknown(s.to_string()));
                    }
                    ("linux".to_string(), a, v)
                }
            }
            [os, arch] => {
                let (a, v) = normalize_arch(arch, "");
                (normalize_os(os), a, v)
            }
            [os, arch, variant] => {
                let (a, v) = normalize_arch(arch, variant);
                (normalize_os(os), a, v)
            }
            _ => return Err(PlatformError::TooManyParts(s.to_string())),
        };
        Ok(Platform {
            os,
            architecture: arch,
            variant: if variant.is_empty() {
                None
            } else {
                Some(variant)
            },
            os_version: os_version.map(str::to_string),
        })
    }

    /// `os/arch[/variant]`, as containerd's `platforms.Format`.
    pub fn id(&self) -> String {
        self.to_string()
    }

    /// The variant or "".
    pub fn variant_str(&self) -> &str {
        self.variant.as_deref().unwrap_or("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> String {
        Platform::parse(s).unwrap().id()
    }

    #[test]
    fn an_os_version_in_parentheses() {
        let p = Platform::parse("windows(10.0.17763)/amd64").unwrap();
        assert_eq!(
            (p.id(), p.os_version.as_deref()),
            ("windows/amd64".to_string(), Some("10.0.17763"))
        );
        let p = Platform::parse("linux()/arm64").unwrap();
        assert_eq!((p.id(), p.os_version), ("linux/arm64".to_string(), None));
        assert_eq!(
            Platform::parse("linux(5.1)").unwrap().os_version.as_deref(),
            Some("5.1")
        );
        for bad in [
            "linux(5.1/amd64",
            "linux(a b)/amd64",
            "arm64(1)",
            "linux/amd64(1)",
        ] {
            assert!(Platform::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn normalizes_like_containerd() {
        assert_eq!(id("linux/amd64"), "linux/amd64");
        assert_eq!(id("linux/arm64/v8"), "linux/arm64");
        assert_eq!(id("linux/aarch64"), "linux/arm64");
        assert_eq!(id("linux/arm"), "linux/arm/v7");
        assert_eq!(id("linux/arm/v6"), "linux/arm/v6");
        assert_eq!(id("linux/armhf"), "linux/arm/v7");
        assert_eq!(id("Linux/x86_64"), "linux/amd64");
        assert_eq!(id("arm64"), "linux/arm64");
        assert_eq!(id("linux"), "linux/amd64");
        assert_eq!(id("macos/arm64"), "darwin/arm64");
        assert_eq!(id("linux/i386"), "linux/386");
    }

    #[test]
    fn rejects_garbage() {
        assert!(Platform::parse("").is_err());
        assert!(Platform::parse("linux/*").is_err());
        assert!(Platform::parse("a/b/c/d").is_err());
        assert!(Platform::parse("nosuchthing").is_err());
        assert!(Platform::parse("linux/amd 64").is_err());
    }
}
