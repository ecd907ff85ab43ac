//! `audit --stages`: for each image, one line per platform and stage — the SBOMs that describe the
//! stage, the vulnerabilities an offline OSV database finds in them, and the policy findings about
//! its documents — as a table or JSON.
//!
//! The stages are those of [`coverage`] (the policy's list, else the stagetrail build record's, else
//! the Dockerfile in a max-mode provenance), then any other stage an SBOM names. An SBOM naming no
//! stage (BuildKit's own scan of the final image) describes the last stage.

use std::collections::BTreeSet;

use serde::Serialize;

use super::audit::{aligned, gather_one, AuditOptions};
use super::coverage::{coverage, is_sbom};
use super::evaluate::{evaluate, Finding};
use super::evidence::{Evidence, ImageFacts};
use super::model::{Policy, StageSboms};
use super::vuln::{self, osv::OsvDb, StageScan};
use stagetrail_oci::attestations::statement::{CYCLONEDX, SPDX};
use stagetrail_oci::RegistryClient;

/// The stage name used when the stage list is unknown and an SBOM names no stage.
const UNKNOWN_STAGE: &str = "-";

/// One stage of one platform.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StageLine {
    /// `os/arch[/variant]`.
    pub platform: String,
    /// The stage name (`AS` name, else `stage-<index>`, or `"0"` from a provenance's Dockerfile).
    pub stage: String,
    /// The SBOM formats that describe it (`spdx`, `cyclonedx`); empty when it has no SBOM.
    pub sboms: Vec<&'static str>,
    /// What the OSV database finds in its SBOMs (`None` without a database).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vulnerabilities: Option<Vec<vuln::Finding>>,
    /// The policy's findings about its documents (`None` without a policy).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub findings: Option<Vec<String>>,
}

/// One image of a per-stage audit.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageStages {
    /// The image as given.
    pub image: String,
    /// Its top manifest digest.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    /// Its stages, per platform.
    pub stages: Vec<StageLine>,
    /// `pass` or `fail` when a policy is given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy: Option<&'static str>,
    /// Policy findings about no single stage.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<String>,
    /// Why the image could not be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl ImageStages {
    fn failed(image: &str, error: String) -> ImageStages {
        ImageStages {
            image: image.to_string(),
            digest: None,
            stages: Vec::new(),
            policy: None,
            findings: Vec::new(),
            error: Some(error),
        }
    }

    /// The stage lines of `facts` (read with packages when `db` is given), checked against the
    /// options' policy.
    pub fn of(
        image: &str,
        facts: &ImageFacts,
        options: &AuditOptions,
        db: Option<&OsvDb>,
    ) -> ImageStages {
        let statements: Vec<&Evidence> = facts
            .evidence
            .iter()
            .filter(|e| e.is_statement() && e.error.is_none())
            .collect();
        let explicit = match options
            .policy
            .as_ref()
            .and_then(|p| p.sbom_per_stage.as_ref())
        {
            Some(StageSboms::Stages { stages }) => Some(stages.as_slice()),
            _ => None,
        };
        let scans = db.map(|db| vuln::scan(facts, db));
        let mut unplaced: Vec<Finding> = options
            .policy
            .as_ref()
            .map(|p| evaluate(p, facts, options.now))
            .unwrap_or_default();
        let policy = options
            .policy
            .as_ref()
            .map(|_| if unplaced.is_empty() { "pass" } else { "fail" });
        let mut stages = Vec::new();
        for p in &facts.platforms {
            let here: Vec<&Evidence> = statements
                .iter()
                .copied()
                .filter(|e| e.attached_to == p.digest || e.attached_to == facts.digest)
                .collect();
            let sboms: Vec<&Evidence> = here.iter().copied().filter(|e| is_sbom(e)).collect();
            let mut names = coverage(explicit, &here)
                .map(|c| c.stages)
                .unwrap_or_default();
            if names.is_empty() && sboms.iter().any(|e| e.stage.is_none()) {
                names.push(UNKNOWN_STAGE.to_string());
            }
            let last = names.last().cloned();
            let named: BTreeSet<String> = sboms.iter().filter_map(|e| e.stage.clone()).collect();
            for extra in named {
                if !names.contains(&extra) {
                    names.push(extra);
                }
            }
            // A document without a stage describes the last stage of the list.
            let describes = |stage: &Option<String>, name: &str| match stage {
                Some(s) => s == name,
                None => last.as_deref() == Some(name),
            };
            for name in names {
                let formats: BTreeSet<&'static str> = sboms
                    .iter()
                    .filter(|e| describes(&e.stage, &name))
                    .filter_map(|e| match e.predicate_type.as_deref() {
                        Some(SPDX) => Some("spdx"),
                        Some(CYCLONEDX) => Some("cyclonedx"),
                        _ => None,
                    })
                    .collect();
                let vulnerabilities = scans.as_deref().map(|scans| {
                    stage_vulnerabilities(scans, &p.platform, |s| describes(s, &name))
                });
                let findings = options.policy.as_ref().map(|_| {
                    let (mine, rest): (Vec<Finding>, Vec<Finding>) =
                        std::mem::take(&mut unplaced).into_iter().partition(|f| {
                            f.platform.as_deref() == Some(p.platform.as_str())
                                && f.stage.as_deref() == Some(name.as_str())
                        });
                    unplaced = rest;
                    mine.iter().map(ToString::to_string).collect()
                });
                stages.push(StageLine {
                    platform: p.platform.clone(),
                    stage: name,
                    sboms: formats.into_iter().collect(),
                    vulnerabilities,
                    findings,
                });
            }
        }
        ImageStages {
            image: image.to_string(),
            digest: Some(facts.digest.to_string()),
            stages,
            policy,
            findings: unplaced.iter().map(ToString::to_string).collect(),
            error: None,
        }
    }
}

/// The findings of the scans of `platform` whose stage `describes` picks, by id then purl, once each.
fn stage_vulnerabilities(
    scans: &[StageScan],
    platform: &str,
    describes: impl Fn(&Option<String>) -> bool,
) -> Vec<vuln::Finding> {
    let mut out: Vec<vuln::Finding> = scans
        .iter()
        .filter(|s| s.platform == platform && describes(&s.stage))
        .flat_map(|s| s.findings.iter().cloned())
        .collect();
    out.sort_by(|a, b| (&a.id, &a.purl).cmp(&(&b.id, &b.purl)));
    out.dedup();
    out
}

/// Audits the stages of one image reference.
pub async fn audit_stages_one(
    client: &RegistryClient,
    image: &str,
    options: &AuditOptions,
    db: Option<&OsvDb>,
) -> ImageStages {
    let packages = db.is_some() || options.policy.as_ref().is_some_and(Policy::needs_packages);
    match gather_one(client, image, options, packages).await {
        Ok(facts) => ImageStages::of(image, &facts, options, db),
        Err(e) => ImageStages::failed(image, e),
    }
}

/// The per-stage audit as an aligned table (`-` in VULNERABILITIES without a database and in
/// FINDINGS without a policy), then one line per vulnerability, finding and error.
pub fn stage_table(images: &[ImageStages]) -> String {
    let mut cells: Vec<[String; 6]> = vec![[
        "IMAGE",
        "PLATFORM",
        "STAGE",
        "SBOM",
        "VULNERABILITIES",
        "FINDINGS",
    ]
    .map(str::to_string)];
    let count = |n: Option<usize>| n.map_or_else(|| "-".to_string(), |n| n.to_string());
    for i in images {
        if i.error.is_some() {
            cells.push([
                i.image.clone(),
                "-".into(),
                "-".into(),
                "error".into(),
                "-".into(),
                "-".into(),
            ]);
        }
        for s in &i.stages {
            cells.push([
                i.image.clone(),
                s.platform.clone(),
                s.stage.clone(),
                if s.sboms.is_empty() {
                    "missing".into()
                } else {
                    s.sboms.join(",")
                },
                count(s.vulnerabilities.as_ref().map(Vec::len)),
                count(s.findings.as_ref().map(Vec::len)),
            ]);
        }
    }
    let mut out = aligned(&cells);
    for i in images {
        if let Some(e) = &i.error {
            out.push_str(&format!("{}: error: {e}\n", i.image));
        }
        for s in &i.stages {
            let at = format!("{}: {} {}", i.image, s.platform, s.stage);
            for v in s.vulnerabilities.iter().flatten() {
                let fixed = v
                    .fixed
                    .as_ref()
                    .map_or_else(String::new, |f| format!(" (fixed in {f})"));
                out.push_str(&format!("{at}: {} {}{fixed}\n", v.id, v.purl));
            }
            for f in s.findings.iter().flatten() {
                out.push_str(&format!("{at}: {f}\n"));
            }
        }
        for f in &i.findings {
            out.push_str(&format!("{}: {f}\n", i.image));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use stagetrail_oci::attestations::AttestationKind;
    use stagetrail_oci::Digest;

    fn digest(c: char) -> Digest {
        let hex: String = std::iter::repeat_n(c, 64).collect();
        Digest::parse(&format!("sha256:{hex}"), "test").unwrap()
    }

    fn statement(predicate_type: &str, stage: Option<&str>, packages: &[&str]) -> Evidence {
        Evidence {
            kind: AttestationKind::Buildkit,
            platform: Some("linux/amd64".into()),
            attached_to: digest('b'),
            layer: digest('c'),
            predicate_type: Some(predicate_type.into()),
            stage: stage.map(str::to_string),
            subjects: vec![digest('b').to_string()],
            signed: crate::Signed::Unsigned,
            builder_id: None,
            finished_on: None,
            stages: None,
            packages: packages.iter().map(|p| p.to_string()).collect(),
            signed_digest: None,
            predicate: None,
            error: None,
        }
    }

    fn facts(evidence: Vec<Evidence>) -> ImageFacts {
        ImageFacts {
            image: "reg/app:1".into(),
            digest: digest('a'),
            media_type: stagetrail_oci::media::OCI_INDEX.into(),
            platforms: vec![crate::PlatformFacts {
                platform: "linux/amd64".into(),
                digest: digest('b'),
            }],
            evidence,
        }
    }

    #[test]
    fn each_stage_of_the_record_gets_a_line() {
        let mut record = statement("https://stagetrail.dev/build-record/v1", None, &[]);
        record.stages = Some(vec!["deps".into(), "tools".into(), "stage-2".into()]);
        let lodash = "pkg:npm/lodash@4.17.20";
        let facts = facts(vec![
            record,
            statement(SPDX, Some("deps"), &[lodash]),
            statement(CYCLONEDX, Some("deps"), &[lodash]),
            statement(SPDX, Some("stage-2"), &[]),
        ]);
        let policy: Policy = Policy::parse(
            "denied_packages: ['pkg:npm/lodash@<4.17.21']\nsbom_per_stage: true\n",
            "p.yaml",
        )
        .unwrap();
        let options = AuditOptions {
            policy: Some(policy),
            ..AuditOptions::default()
        };
        let advisory: vuln::osv::Advisory = serde_json::from_str(
            r#"{"id": "GHSA-1", "affected": [{"package": {"ecosystem": "npm", "name": "lodash"},
                "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "4.17.21"}]}]}]}"#,
        )
        .unwrap();
        let db = OsvDb::from_advisories(
            std::path::Path::new("db"),
            "sha256:0".into(),
            vec![advisory],
        );
        let audit = ImageStages::of("reg/app:1", &facts, &options, Some(&db));
        let lines: Vec<(&str, Vec<&str>, usize, usize)> = audit
            .stages
            .iter()
            .map(|s| {
                (
                    s.stage.as_str(),
                    s.sboms.clone(),
                    s.vulnerabilities.as_ref().unwrap().len(),
                    s.findings.as_ref().unwrap().len(),
                )
            })
            .collect();
        assert_eq!(
            lines,
            [
                ("deps", vec!["cyclonedx", "spdx"], 1, 2),
                ("tools", vec![], 0, 0),
                ("stage-2", vec!["spdx"], 0, 0),
            ]
        );
        assert_eq!(audit.policy, Some("fail"));
        assert_eq!(audit.findings.len(), 1, "{:?}", audit.findings);
        assert!(audit.findings[0].starts_with("sbom_per_stage: linux/amd64: stage(s) \"tools\""));
        let table = stage_table(&[audit]);
        let rows: Vec<&str> = table.lines().collect();
        assert_eq!(
            rows[2].split_whitespace().collect::<Vec<_>>(),
            ["reg/app:1", "linux/amd64", "tools", "missing", "0", "0"]
        );
        assert!(
            rows.contains(
                &"reg/app:1: linux/amd64 deps: GHSA-1 pkg:npm/lodash@4.17.20 (fixed in 4.17.21)"
            ),
            "{table}"
        );
    }

    #[test]
    fn a_document_without_a_stage_describes_the_last_stage() {
        let mut prov = statement(stagetrail_oci::attestations::statement::SLSA_V02, None, &[]);
        prov.stages = Some(vec!["0".into(), "1".into()]);
        let facts = facts(vec![prov, statement(SPDX, None, &[])]);
        let audit = ImageStages::of("reg/app:1", &facts, &AuditOptions::default(), None);
        let sboms: Vec<(&str, &[&str])> = audit
            .stages
            .iter()
            .map(|s| (s.stage.as_str(), s.sboms.as_slice()))
            .collect();
        assert_eq!(sboms, [("0", &[][..]), ("1", &["spdx"][..])]);
        assert!(audit
            .stages
            .iter()
            .all(|s| s.vulnerabilities.is_none() && s.findings.is_none()));
        let table = stage_table(&[audit]);
        assert!(
            table
                .lines()
                .nth(1)
                .unwrap()
                .ends_with("missing  -                -"),
            "{table}"
        );
    }
}
