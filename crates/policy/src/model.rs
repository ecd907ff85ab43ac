//! The policy document (YAML or JSON, see `docs/policy.md`) and its parsing with line:col errors.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::error::PolicyError;
use super::package_match::VersionRange;
use super::time::Duration;
use stagetrail_oci::attestations::statement::{CYCLONEDX, SLSA_V02, SLSA_V1, SPDX, VULN};

/// A verification policy.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Format version; only 1 exists.
    #[serde(default = "one")]
    pub version: u32,
    /// Predicate types every platform must have (URIs or aliases, see [`PredicateRequirement`]).
    #[serde(default)]
    pub required_predicate_types: Vec<PredicateRequirement>,
    /// Extra rules for single platforms, by `os/arch[/variant]`.
    #[serde(default)]
    pub platforms: BTreeMap<String, PlatformRules>,
    /// Builder ids (`*` globs) a provenance's builder must match.
    #[serde(default)]
    pub trusted_builders: Option<Vec<String>>,
    /// Oldest acceptable build, from the provenance's finish time.
    #[serde(default)]
    pub max_age: Option<Duration>,
    /// Every built stage must have an SBOM.
    #[serde(default)]
    pub sbom_per_stage: Option<StageSboms>,
    /// Packages that must not appear in any SBOM.
    #[serde(default)]
    pub denied_packages: Vec<DeniedPackage>,
    /// Statements must name the manifest they are attached to (default true).
    #[serde(default = "yes")]
    pub subjects_match: bool,
    /// Signature requirements.
    #[serde(default)]
    pub signatures: Option<Signatures>,
}

fn one() -> u32 {
    1
}

fn yes() -> bool {
    true
}

/// Rules for one platform.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlatformRules {
    /// Predicate types this platform must have in addition to the global ones.
    #[serde(default)]
    pub required_predicate_types: Vec<PredicateRequirement>,
}

/// A required predicate type: a URI, or an alias standing for one or more URIs (any satisfies it):
/// `slsaprovenance` / `slsaprovenance02` (v0.2), `slsaprovenance1` (v1), `provenance` (either),
/// `spdx` / `spdxjson`, `cyclonedx`, `sbom` (SPDX or CycloneDX), `vuln` (cosign's vuln/v1).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct PredicateRequirement {
    /// As written.
    pub name: String,
    /// The URIs that satisfy it.
    pub accepted: Vec<String>,
}

impl TryFrom<String> for PredicateRequirement {
    type Error = String;
    fn try_from(name: String) -> Result<Self, String> {
        let accepted: Vec<&str> = match name.as_str() {
            "slsaprovenance" | "slsaprovenance02" => vec![SLSA_V02],
            "slsaprovenance1" => vec![SLSA_V1],
            "provenance" => vec![SLSA_V02, SLSA_V1],
            "spdx" | "spdxjson" => vec![SPDX],
            "cyclonedx" => vec![CYCLONEDX],
            "sbom" => vec![SPDX, CYCLONEDX],
            "vuln" => vec![VULN],
            uri if uri.contains(':') => vec![uri],
            other => {
                return Err(format!(
                    "unknown predicate type {other:?}: write a URI or one of slsaprovenance, \
                     slsaprovenance1, provenance, spdx, cyclonedx, sbom, vuln"
                ))
            }
        };
        Ok(PredicateRequirement {
            accepted: accepted.into_iter().map(str::to_string).collect(),
            name,
        })
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Duration;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a duration like 30d, 12h, 90m, 45s, or a number of seconds")
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Duration, E> {
                Ok(Duration(v))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Duration, E> {
                Duration::parse(v).map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

/// `sbom_per_stage: true`, or with the stage list given: `sbom_per_stage: {stages: [a, b]}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StageSboms {
    /// On (true) or off (false); the stages come from the image's attestations.
    Enabled(bool),
    /// The stages to check.
    Stages {
        /// Stage names.
        stages: Vec<String>,
    },
}

impl<'de> Deserialize<'de> for StageSboms {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Listed {
            stages: Vec<String>,
        }
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = StageSboms;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("true, false, or {stages: [names]}")
            }
            fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<StageSboms, E> {
                Ok(StageSboms::Enabled(v))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<StageSboms, A::Error> {
                let l = Listed::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
                Ok(StageSboms::Stages { stages: l.stages })
            }
        }
        d.deserialize_any(V)
    }
}

/// A denied package: `"pkg:npm/lodash@<4.17.21"`, or `{purl, version, reason}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeniedPackage {
    /// The purl pattern without version (`*` globs).
    pub purl: String,
    /// Versions denied; `None` means all.
    pub version: Option<VersionRange>,
    /// Why (shown in the failure line).
    pub reason: Option<String>,
}

impl DeniedPackage {
    fn new(purl: String, version: Option<String>, reason: Option<String>) -> Result<Self, String> {
        if !purl.starts_with("pkg:") || !purl.contains('/') {
            return Err(format!(
                "denied package {purl:?} is not a purl pattern like pkg:npm/lodash or pkg:deb/*/openssl*"
            ));
        }
        let version = version.map(|v| VersionRange::parse(&v)).transpose()?;
        Ok(DeniedPackage {
            purl,
            version,
            reason,
        })
    }
}

impl<'de> Deserialize<'de> for DeniedPackage {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Full {
            purl: String,
            #[serde(default)]
            version: Option<String>,
            #[serde(default)]
            reason: Option<String>,
        }
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = DeniedPackage;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a purl pattern (pkg:npm/lodash@<4.17.21) or {purl, version, reason}")
            }
            fn visit_str<E: serde::de::Error>(self, t: &str) -> Result<DeniedPackage, E> {
                let (purl, version) = match t.rsplit_once('@') {
                    Some((p, v)) if p.contains('/') => (p.to_string(), Some(v.to_string())),
                    _ => (t.to_string(), None),
                };
                DeniedPackage::new(purl, version, None).map_err(E::custom)
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<DeniedPackage, A::Error> {
                let f = Full::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
                DeniedPackage::new(f.purl, f.version, f.reason).map_err(serde::de::Error::custom)
            }
        }
        d.deserialize_any(V)
    }
}

/// Signature requirements. Keys are PEM files relative to the policy file; `--key` adds more.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signatures {
    /// Public key files.
    #[serde(default)]
    pub keys: Vec<PathBuf>,
    /// Only attestations signed by a trusted key count (default true).
    #[serde(default = "yes")]
    pub attestations: bool,
    /// The image (index or every platform manifest) must have a cosign signature by a trusted key.
    #[serde(default)]
    pub image: bool,
}

impl Policy {
    /// Reads and parses a policy file; relative key paths are resolved against its folder.
    pub fn read(path: &Path) -> Result<Policy, PolicyError> {
        let at = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| PolicyError::Io {
            at: at.clone(),
            message: format!("cannot read the policy: {e}"),
        })?;
        let mut policy = Policy::parse(&text, &at)?;
        let dir = path.parent().unwrap_or(Path::new("."));
        if let Some(s) = &mut policy.signatures {
            for k in &mut s.keys {
                if k.is_relative() {
                    *k = dir.join(&*k);
                }
            }
        }
        Ok(policy)
    }

    /// Parses policy text (JSON when it starts with `{`, else YAML); `at` names it in errors.
    pub fn parse(text: &str, at: &str) -> Result<Policy, PolicyError> {
        let policy: Policy = if text.trim_start().starts_with('{') {
            serde_json::from_str(text).map_err(|e| PolicyError::Syntax {
                at: format!("{at}:{}:{}", e.line(), e.column()),
                message: e.to_string(),
            })?
        } else {
            serde_yaml_ng::from_str(text).map_err(|e| {
                let place = e
                    .location()
                    .map_or_else(String::new, |l| format!(":{}:{}", l.line(), l.column()));
                PolicyError::Syntax {
                    at: format!("{at}{place}"),
                    message: e.to_string(),
                }
            })?
        };
        if policy.version != 1 {
            return Err(PolicyError::Syntax {
                at: format!("{at}:1:1"),
                message: format!(
                    "policy version {} is not supported (only 1)",
                    policy.version
                ),
            });
        }
        Ok(policy)
    }

    /// The predicate types `platform` must have: the global ones, then its own.
    pub fn required_for(&self, platform: &str) -> Vec<&PredicateRequirement> {
        let mut out: Vec<&PredicateRequirement> = self.required_predicate_types.iter().collect();
        if let Some(p) = self.platforms.get(platform) {
            out.extend(&p.required_predicate_types);
        }
        out
    }

    /// True when the policy needs SBOM package lists.
    pub fn needs_packages(&self) -> bool {
        !self.denied_packages.is_empty()
    }

    /// True when only attestations signed by a trusted key count.
    pub fn signed_only(&self) -> bool {
        self.signatures.as_ref().is_some_and(|s| s.attestations)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_example() {
        let yaml = r#"
version: 1
required_predicate_types: [slsaprovenance, https://example.com/custom/v1]
platforms:
  linux/arm64:
    required_predicate_types: [sbom]
trusted_builders: ["https://github.com/*/actions/*"]
max_age: 30d
sbom_per_stage: true
denied_packages:
  - pkg:npm/lodash@<4.17.21
  - purl: pkg:deb/*/openssl*
    version: ">=3.0.0, <3.0.12"
    reason: CVE-2023-5678
signatures:
  keys: [cosign.pub]
  image: true
"#;
        let p = Policy::parse(yaml, "p.yaml").unwrap();
        assert_eq!(p.required_predicate_types[0].accepted, [SLSA_V02]);
        assert_eq!(p.required_for("linux/arm64").len(), 3);
        assert_eq!(p.required_for("linux/amd64").len(), 2);
        assert_eq!(p.max_age, Some(Duration(30 * 86_400)));
        assert_eq!(p.sbom_per_stage, Some(StageSboms::Enabled(true)));
        assert_eq!(p.denied_packages[0].purl, "pkg:npm/lodash");
        assert_eq!(
            p.denied_packages[0].version.as_ref().unwrap().as_str(),
            "<4.17.21"
        );
        assert_eq!(
            p.denied_packages[1].reason.as_deref(),
            Some("CVE-2023-5678")
        );
        assert!(p.subjects_match && p.signed_only());
        assert!(p.signatures.unwrap().image);
    }

    #[test]
    fn json_and_stage_lists() {
        let p = Policy::parse(
            r#"{"sbom_per_stage": {"stages": ["build", "final"]}, "max_age": 3600}"#,
            "p.json",
        )
        .unwrap();
        assert_eq!(
            p.sbom_per_stage,
            Some(StageSboms::Stages {
                stages: vec!["build".into(), "final".into()]
            })
        );
        assert_eq!(p.max_age, Some(Duration(3600)));
    }

    #[test]
    fn errors_name_line_and_column() {
        let e = Policy::parse("max_age: 3y\n", "p.yaml")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("p.yaml:1:"), "{e}");
        assert!(e.contains("unknown unit 'y'"), "{e}");
        let e = Policy::parse("version: 1\nrequired_predicate_types: [slsa]\n", "p.yaml")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("p.yaml:2:") && e.contains("unknown predicate type"),
            "{e}"
        );
        let e = Policy::parse("trusted_builder: []\n", "p.yaml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("unknown field `trusted_builder`"), "{e}");
        let e = Policy::parse("{\"max_age\": }", "p.json")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("p.json:1:"), "{e}");
        let e = Policy::parse("denied_packages: [lodash]\n", "p.yaml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("not a purl pattern"), "{e}");
        let e = Policy::parse("version: 2\n", "p.yaml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("version 2 is not supported"), "{e}");
    }
}
