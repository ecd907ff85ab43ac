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
    /// The file must be a regular file of at most [`MAX_POLICY_BYTES`], in UTF-8.
    pub fn read(path: &Path) -> Result<Policy, PolicyError> {
        let at = path.display().to_string();
        let bytes = stagetrail_oci::signing::keys::read_regular_file(path, MAX_POLICY_BYTES)
            .map_err(|e| PolicyError::Io {
                at: at.clone(),
                message: format!("cannot read the policy: {e}"),
            })?;
        let text = utf8(bytes, &at)?;
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
        let syntax = |(line, col): (usize, usize), message: String| PolicyError::Syntax {
            at: format!("{at}:{line}:{col}"),
            message,
        };
        check_nesting(text).map_err(|(place, m)| syntax(place, m))?;
        let policy: Policy = if text.trim_start().starts_with('{') {
            serde_json::from_str(text).map_err(|e| PolicyError::Syntax {
                at: format!("{at}:{}:{}", e.line(), e.column()),
                message: e.to_string(),
            })?
        } else {
            serde_yaml_ng::from_str(text).map_err(|e| {
                let message = e.to_string();
                let place = yaml_error_place(text, &e, &message);
                syntax(place, message)
            })?
        };
        if policy.version != 1 {
            return Err(syntax(
                (1, 1),
                format!(
                    "policy version {} is not supported (only 1)",
                    policy.version
                ),
            ));
        }
        for key in policy.platforms.keys() {
            if !is_platform(key) {
                return Err(syntax(
                    key_place(text, key, (1, 1)),
                    format!(
                        "platforms: {key:?} is not a platform: write os/arch or os/arch/variant \
                         (e.g. linux/arm64)"
                    ),
                ));
            }
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

/// The largest policy file read (1 MiB).
pub const MAX_POLICY_BYTES: u64 = 1 << 20;

/// How deeply `[…]` and `{…}` may nest in a policy (the YAML parser is quadratic in it).
pub const MAX_POLICY_NESTING: usize = 64;

/// The text of a policy file, or an error at the line:col of its first byte that is not UTF-8.
fn utf8(bytes: Vec<u8>, at: &str) -> Result<String, PolicyError> {
    String::from_utf8(bytes).map_err(|e| {
        let bytes = e.as_bytes();
        let bad = e.utf8_error().valid_up_to();
        let before = &bytes[..bad];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        let col = String::from_utf8_lossy(&before[line_start..])
            .chars()
            .count()
            + 1;
        PolicyError::Syntax {
            at: format!("{at}:{line}:{col}"),
            message: "the policy is not UTF-8 text: save it as UTF-8".into(),
        }
    })
}

/// Refuses flow collections nested deeper than [`MAX_POLICY_NESTING`], at the bracket that goes
/// too deep. Quoted strings and comments are skipped.
fn check_nesting(text: &str) -> Result<(), ((usize, usize), String)> {
    // Compact block nesting on one line: `- - - - x` (or `? ? x`) opens one level per marker.
    for (i, l) in text.lines().enumerate() {
        let mut markers = 0;
        let mut rest = l.trim_start();
        while let Some(after) = rest.strip_prefix("- ").or_else(|| rest.strip_prefix("? ")) {
            markers += 1;
            if markers > MAX_POLICY_NESTING {
                let col = l.len() - rest.len() + 1;
                return Err((
                    (i + 1, col),
                    format!(
                        "the policy nests lists and maps more than {MAX_POLICY_NESTING} \
                         deep: flatten it"
                    ),
                ));
            }
            rest = after.trim_start();
        }
    }
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let (mut line, mut col) = (1, 0);
    let mut prev = '\n';
    let mut comment = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        col += 1;
        if c == '\n' {
            (line, col, comment) = (line + 1, 0, false);
            if quote == Some('\'') || quote == Some('"') {
                // Quoted scalars may span lines; keep going.
            }
            prev = c;
            continue;
        }
        if comment {
            continue;
        }
        match quote {
            Some(q) => {
                if c == '\\' && q == '"' {
                    chars.next();
                    col += 1;
                } else if c == q {
                    quote = None;
                }
            }
            None => match c {
                '#' if prev.is_whitespace() => comment = true,
                '\'' | '"' if prev.is_whitespace() || "[{,:-".contains(prev) => quote = Some(c),
                '[' | '{' => {
                    depth += 1;
                    if depth > MAX_POLICY_NESTING {
                        return Err((
                            (line, col),
                            format!(
                                "the policy nests lists and maps more than {MAX_POLICY_NESTING} \
                                 deep: flatten it"
                            ),
                        ));
                    }
                }
                ']' | '}' => depth = depth.saturating_sub(1),
                _ => {}
            },
        }
        prev = c;
    }
    Ok(())
}

/// Where a YAML error is: its own location, else (a second document, a duplicated key) the line
/// that causes it, else 1:1.
fn yaml_error_place(text: &str, e: &serde_yaml_ng::Error, message: &str) -> (usize, usize) {
    let reported = e.location().map(|l| (l.line(), l.column()));
    if let Some(field) = message
        .strip_prefix("duplicate field `")
        .or_else(|| message.split("duplicate field `").nth(1))
        .and_then(|r| r.split('`').next())
    {
        // The parser reports the map; point at the second occurrence of the key after it.
        let from = reported.unwrap_or((1, 1));
        let first = key_place(text, field, (0, 0));
        if first != (0, 0) {
            let second = key_place_after(text, field, first.0);
            if second != (0, 0) {
                return second;
            }
        }
        return from;
    }
    if let Some(place) = reported {
        return place;
    }
    if message.contains("more than one document") {
        let mut content = false;
        for (i, l) in text.lines().enumerate() {
            if l == "---" || l.starts_with("--- ") || l == "..." {
                if content {
                    return (i + 1, 1);
                }
                content |= l.len() > 4;
            } else if !l.trim().is_empty() && !l.trim_start().starts_with('#') {
                content = true;
            }
        }
    }
    (1, 1)
}

/// The line:col of the first `key:` (plain or quoted) in `text`, else `default`.
fn key_place(text: &str, key: &str, default: (usize, usize)) -> (usize, usize) {
    let p = key_place_after(text, key, 0);
    if p == (0, 0) {
        default
    } else {
        p
    }
}

/// The line:col of the first `key:` on a line after line `after` (1-based), else `(0, 0)`.
fn key_place_after(text: &str, key: &str, after: usize) -> (usize, usize) {
    let forms = [
        format!("{key}:"),
        format!("\"{key}\":"),
        format!("'{key}':"),
    ];
    for (i, l) in text.lines().enumerate().skip(after) {
        for f in &forms {
            for (byte, _) in l.match_indices(f.as_str()) {
                let before = l[..byte].chars().next_back();
                if before.is_none_or(|c| c.is_whitespace() || "{,-".contains(c)) {
                    return (i + 1, l[..byte].chars().count() + 1);
                }
            }
        }
    }
    (0, 0)
}

/// `os/arch` or `os/arch/variant`, each part of letters, digits, `_`, `-` or `.`.
fn is_platform(key: &str) -> bool {
    let parts: Vec<&str> = key.split('/').collect();
    (2..=3).contains(&parts.len())
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        })
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

    #[test]
    fn hostile_policies_get_a_place_and_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("p.yaml");
        std::fs::write(&p, b"version: 1\nmax_age: 3d # caf\xe9\n").unwrap();
        let e = Policy::read(&p).unwrap_err().to_string();
        assert!(
            e.ends_with("p.yaml:2:18: the policy is not UTF-8 text: save it as UTF-8"),
            "{e}"
        );

        let e = Policy::parse("version: 1\n---\nversion: 1\n", "p.yaml")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("p.yaml:2:1: "), "{e}");

        let e = Policy::parse("version: 1\nmax_age: 1d\nmax_age: 2d\n", "p.yaml")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("p.yaml:3:1: ") && e.contains("duplicate"),
            "{e}"
        );

        let e = Policy::parse(
            "platforms: {1: {required_predicate_types: [sbom]}}\n",
            "p.yaml",
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.starts_with("p.yaml:1:13: ") && e.contains("not a platform"),
            "{e}"
        );
        assert!(Policy::parse("platforms: {linux/arm/v7: {}}\n", "p.yaml").is_ok());

        let deep = format!("max_age: {}1{}\n", "[".repeat(40_000), "]".repeat(40_000));
        let t = std::time::Instant::now();
        let e = Policy::parse(&deep, "p.yaml").unwrap_err().to_string();
        assert!(t.elapsed() < std::time::Duration::from_secs(1));
        assert!(
            e.starts_with("p.yaml:1:74: ") && e.contains("more than 64 deep"),
            "{e}"
        );

        let compact = format!("required_predicate_types:\n{}x\n", "- ".repeat(40_000));
        let e = Policy::parse(&compact, "p.yaml").unwrap_err().to_string();
        assert!(
            e.starts_with("p.yaml:2:129: ") && e.contains("more than 64 deep"),
            "{e}"
        );

        std::fs::File::create(&p)
            .unwrap()
            .set_len(MAX_POLICY_BYTES + 1)
            .unwrap();
        assert!(Policy::read(&p)
            .unwrap_err()
            .to_string()
            .contains("more than"));
        assert!(Policy::read(Path::new("/dev/zero"))
            .unwrap_err()
            .to_string()
            .contains("not a regular file"));
    }
}
