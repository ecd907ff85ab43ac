//! Per-stage vulnerability reports from an image's SBOMs and an offline OSV database, as cosign
//! vulnerability attestations (`https://cosign.sigstore.dev/attestation/vuln/v1`).
//!
//! Each SBOM's packages (purls) are looked up by ecosystem and name; a version is affected per the
//! OSV range semantics, with the ecosystem's ordering: Debian/Ubuntu dpkg, Alpine apk, npm semver,
//! PyPI PEP 440 ([`pep440`]); Go and crates.io the semver-like ordering of `denied_packages`. Matching per stage and
//! platform; SBOMs naming the same stage (BuildKit's and its exported copies) are merged.

pub mod osv;
pub mod pep440;

use stagetrail_sbom::purl::Purl;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::Serialize;
use serde_json::{json, Value};

use self::osv::OsvDb;
use super::evidence::ImageFacts;
use stagetrail_oci::attestations::statement::{CYCLONEDX, SPDX};

/// Why a scan could not run.
#[derive(Debug, thiserror::Error)]
pub enum VulnError {
    /// A file could not be read.
    #[error("{at}: {message}")]
    Io {
        /// The file.
        at: String,
        /// What failed.
        message: String,
    },
    /// A database file is not valid OSV JSON; `at` is `file[:line:col]` (`archive.zip!entry.json`).
    #[error("{at}: {message}")]
    Db {
        /// Where.
        at: String,
        /// What is wrong.
        message: String,
    },
}

impl VulnError {
    fn io(path: &Path, e: std::io::Error) -> VulnError {
        VulnError::Io {
            at: path.display().to_string(),
            message: e.to_string(),
        }
    }
}

/// One affected package in one stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    /// The advisory id.
    pub id: String,
    /// Its aliases.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// Its summary.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub summary: String,
    /// The package's purl.
    pub purl: String,
    /// The installed version.
    pub version: String,
    /// The first fixed version after it, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fixed: Option<String>,
}

/// The scan of one stage on one platform.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StageScan {
    /// `os/arch`.
    pub platform: String,
    /// The platform manifest's digest (the attestation's subject).
    pub digest: String,
    /// The stage its SBOM names (`None`: an SBOM without a stage, i.e. the final image).
    pub stage: Option<String>,
    /// How many packages were looked up.
    pub packages: usize,
    /// What was found, sorted by id then purl.
    pub findings: Vec<Finding>,
}

/// `(OSV ecosystem, name, version)` of a purl; `None` for types without an OSV ecosystem.
pub fn osv_package(purl: &str) -> Option<(String, String, String)> {
    let Purl {
        kind,
        namespace,
        name,
        version,
        qualifiers,
        ..
    } = Purl::parse(purl)?;
    let version = version?;
    if name.is_empty() {
        return None;
    }
    let qualifier = |k: &str| qualifiers.get(k).cloned();
    let (ecosystem, name) = match kind.as_str() {
        "deb" => {
            let distro = if namespace.eq_ignore_ascii_case("ubuntu") {
                "Ubuntu"
            } else {
                "Debian"
            };
            // distro=debian-12 → Debian:12
            let release = qualifier("distro")
                .and_then(|d| d.rsplit_once('-').map(|(_, r)| r.to_string()))
                .filter(|r| r.chars().all(|c| c.is_ascii_digit() || c == '.'));
            let eco = release.map_or_else(|| distro.to_string(), |r| format!("{distro}:{r}"));
            (eco, name)
        }
        "apk" => ("Alpine".to_string(), name),
        "npm" if namespace.is_empty() => ("npm".to_string(), name),
        "npm" => ("npm".to_string(), format!("{namespace}/{name}")),
        "pypi" => (
            "PyPI".to_string(),
            name.to_ascii_lowercase().replace('_', "-"),
        ),
        "golang" if namespace.is_empty() => ("Go".to_string(), name),
        "golang" => ("Go".to_string(), format!("{namespace}/{name}")),
        "cargo" => ("crates.io".to_string(), name),
        "gem" => ("RubyGems".to_string(), name),
        "maven" => ("Maven".to_string(), format!("{namespace}:{name}")),
        _ => return None,
    };
    Some((ecosystem, name, version))
}

/// Scans every SBOM of `facts` (read with packages) per platform and stage.
pub fn scan(facts: &ImageFacts, db: &OsvDb) -> Vec<StageScan> {
    let mut stages: BTreeMap<(String, Option<String>), BTreeSet<&str>> = BTreeMap::new();
    for p in &facts.platforms {
        for e in facts.evidence.iter().filter(|e| {
            e.error.is_none()
                && matches!(e.predicate_type.as_deref(), Some(SPDX | CYCLONEDX))
                && (e.platform.is_none() || e.platform.as_deref() == Some(&p.platform))
        }) {
            stages
                .entry((p.platform.clone(), e.stage.clone()))
                .or_default()
                .extend(e.packages.iter().map(String::as_str));
        }
    }
    let mut out = Vec::new();
    for ((platform, stage), purls) in stages {
        let digest = facts
            .platforms
            .iter()
            .find(|p| p.platform == platform)
            .map(|p| p.digest.to_string())
            .unwrap_or_default();
        let findings = findings(purls.iter().copied(), db);
        out.push(StageScan {
            platform,
            digest,
            stage,
            packages: purls.len(),
            findings,
        });
    }
    out
}

/// What `db` finds in the packages `purls`, sorted by id then purl.
pub fn findings<'a>(purls: impl IntoIterator<Item = &'a str>, db: &OsvDb) -> Vec<Finding> {
    let mut findings = Vec::new();
    for purl in purls {
        let Some((eco, name, version)) = osv_package(purl) else {
            continue;
        };
        for hit in db.affecting(&eco, &name, &version) {
            findings.push(Finding {
                id: hit.advisory.id.clone(),
                aliases: hit.advisory.aliases.clone(),
                summary: hit.advisory.summary.clone(),
                purl: purl.to_string(),
                version: version.clone(),
                fixed: hit.fixed,
            });
        }
    }
    findings.sort_by(|a, b| (&a.id, &a.purl).cmp(&(&b.id, &b.purl)));
    findings
}

/// cosign's vuln/v1 predicate for one stage scan (`scanStartedOn`/`scanFinishedOn` RFC 3339);
/// `db_name` says where the database came from (`invocation.parameters.db`).
pub fn predicate(
    scan: &StageScan,
    db: &OsvDb,
    db_name: &str,
    started: &str,
    finished: &str,
) -> Value {
    json!({
        "invocation": {
            "parameters": {"db": db_name, "stage": scan.stage, "platform": scan.platform},
            "uri": "",
            "event_id": "",
            "builder.id": "",
        },
        "scanner": {
            "uri": format!("pkg:generic/stagetrail@{}", env!("CARGO_PKG_VERSION")),
            "version": env!("CARGO_PKG_VERSION"),
            "db": {
                "uri": format!("osv+file://{}", db.path.display()),
                "version": db.digest,
                "modified": db.modified,
                "advisories": db.len(),
            },
            "result": {
                "stagetrail:stage": scan.stage,
                "platform": scan.platform,
                "packages": scan.packages,
                "findings": scan.findings,
            },
        },
        "metadata": {"scanStartedOn": started, "scanFinishedOn": finished},
    })
}

#[cfg(test)]
mod tests;
