//! The rules: [`evaluate`] turns a [`Policy`] and an image's [`ImageFacts`] into [`Finding`]s, one
//! per failed check, each explaining itself in one line.
//!
//! First every statement is vetted: one about another digest than the manifest it is attached to
//! (`subjects_match`) or with a signature that does not verify is a finding and is set aside; with
//! `signatures.attestations`, unsigned ones are set aside silently (and named when a requirement then
//! fails). The remaining statements of each platform (its own and those attached to the index) are
//! what the per-platform rules look at.

use std::fmt;

use serde::Serialize;

use super::coverage::coverage;
use super::evidence::{Evidence, ImageFacts, PlatformFacts, Signed};
use super::model::{Policy, StageSboms};
use super::package_match::glob_match;
use super::time::{parse_rfc3339, Duration};
use stagetrail_oci::attestations::statement::{CYCLONEDX, SLSA_V02, SLSA_V1, SPDX};
use stagetrail_oci::attestations::AttestationKind;
use stagetrail_sbom::purl::Purl;

/// One failed check.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Finding {
    /// The policy key that failed (`required_predicate_types`, `max_age`, …).
    pub rule: &'static str,
    /// The platform, when the check is per platform.
    pub platform: Option<String>,
    /// The explanation.
    pub message: String,
    /// The stage whose document the finding is about (`denied_packages`), when one is named.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
}

impl fmt::Display for Finding {
    /// `rule: [platform: ]message`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.platform {
            Some(p) => write!(f, "{}: {p}: {}", self.rule, self.message),
            None => write!(f, "{}: {}", self.rule, self.message),
        }
    }
}

/// Checks `facts` against `policy` at time `now` (Unix seconds); findings sorted, deduplicated.
pub fn evaluate(policy: &Policy, facts: &ImageFacts, now: i64) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut accepted = Vec::new();
    let mut set_aside: Vec<(&Evidence, String)> = Vec::new();
    for e in facts.evidence.iter().filter(|e| e.is_statement()) {
        if let Some(err) = &e.error {
            out.push(finding(
                "attestations",
                None,
                format!("{} cannot be read: {err}", e.describe()),
            ));
            continue;
        }
        if policy.subjects_match && !e.names(&e.attached_to) {
            let about = if e.subjects.is_empty() {
                "names no subject".to_string()
            } else {
                format!("is about {}", e.subjects.join(", "))
            };
            out.push(finding(
                "subjects_match",
                e.platform.clone(),
                format!(
                    "{} {about}, not {} it is attached to",
                    e.describe(),
                    e.attached_to
                ),
            ));
            continue;
        }
        match &e.signed {
            Signed::Invalid(why) => {
                out.push(finding(
                    "signatures",
                    e.platform.clone(),
                    format!("{}: {why}", e.describe()),
                ));
                continue;
            }
            Signed::Unsigned | Signed::Unchecked if policy.signed_only() => {
                set_aside.push((e, "not signed by a trusted key".into()));
                continue;
            }
            _ => {}
        }
        accepted.push(e);
    }
    for p in &facts.platforms {
        let mine = |e: &&Evidence| e.attached_to == p.digest || e.attached_to == facts.digest;
        let here: Vec<&Evidence> = accepted.iter().copied().filter(mine).collect();
        let aside: Vec<&(&Evidence, String)> = set_aside.iter().filter(|(e, _)| mine(e)).collect();
        platform_rules(policy, p, &here, &aside, now, &mut out);
    }
    if policy.signatures.as_ref().is_some_and(|s| s.image) {
        image_signature(facts, &mut out);
    }
    out.sort();
    out.dedup();
    out
}

fn finding(rule: &'static str, platform: Option<String>, message: String) -> Finding {
    Finding {
        rule,
        platform,
        message,
        stage: None,
    }
}

fn platform_rules(
    policy: &Policy,
    p: &PlatformFacts,
    here: &[&Evidence],
    aside: &[&(&Evidence, String)],
    now: i64,
    out: &mut Vec<Finding>,
) {
    let at = Some(p.platform.clone());
    let of_types = |types: &[&str]| -> Vec<&Evidence> {
        here.iter()
            .copied()
            .filter(|e| {
                e.predicate_type
                    .as_deref()
                    .is_some_and(|t| types.contains(&t))
            })
            .collect()
    };
    for req in policy.required_for(&p.platform) {
        let accepted: Vec<&str> = req.accepted.iter().map(String::as_str).collect();
        if !of_types(&accepted).is_empty() {
            continue;
        }
        let ignored: Vec<String> = aside
            .iter()
            .filter(|(e, _)| {
                e.predicate_type
                    .as_deref()
                    .is_some_and(|t| accepted.contains(&t))
            })
            .map(|(e, why)| format!("{} is {why}", e.describe()))
            .collect();
        let mut msg = format!("no {} attestation", accepted.join(" or "));
        if policy.signed_only() {
            msg.push_str(" signed by a trusted key");
        }
        if !ignored.is_empty() {
            msg.push_str(&format!(" ({})", ignored.join("; ")));
        }
        out.push(finding("required_predicate_types", at.clone(), msg));
    }
    let provenance = of_types(&[SLSA_V02, SLSA_V1]);
    let none = if policy.signed_only() {
        "no SLSA provenance signed by a trusted key"
    } else {
        "no SLSA provenance"
    };
    if let Some(trusted) = &policy.trusted_builders {
        if provenance.is_empty() {
            out.push(finding(
                "trusted_builders",
                at.clone(),
                format!("{none} to check the builder of"),
            ));
        }
        for e in &provenance {
            let id = e.builder_id.as_deref().unwrap_or("");
            if !trusted.iter().any(|t| glob_match(t, id)) {
                out.push(finding(
                    "trusted_builders",
                    at.clone(),
                    format!(
                        "{} names builder {id:?}, which is not trusted (trusted: {})",
                        e.describe(),
                        trusted.join(", ")
                    ),
                ));
            }
        }
    }
    if let Some(max) = policy.max_age {
        if provenance.is_empty() {
            out.push(finding(
                "max_age",
                at.clone(),
                format!("{none} to read the build time from"),
            ));
        }
        max_age(max, &provenance, now, &at, out);
    }
    if let Some(sboms) = &policy.sbom_per_stage {
        stage_sboms(sboms, here, &at, out);
    }
    for e in of_types(&[SPDX, CYCLONEDX]) {
        denied(policy, e, &at, out);
    }
}

fn max_age(
    max: Duration,
    provenance: &[&Evidence],
    now: i64,
    at: &Option<String>,
    out: &mut Vec<Finding>,
) {
    for e in provenance {
        let Some(text) = &e.finished_on else {
            out.push(finding(
                "max_age",
                at.clone(),
                format!("{} has no build finish time", e.describe()),
            ));
            continue;
        };
        let Some(t) = parse_rfc3339(text) else {
            out.push(finding(
                "max_age",
                at.clone(),
                format!("{} has an unreadable finish time {text:?}", e.describe()),
            ));
            continue;
        };
        let age = now.saturating_sub(t);
        // In i128: a max_age of 2^63 seconds or more must not wrap to a negative age limit.
        if i128::from(age) > i128::from(max.0) {
            out.push(finding(
                "max_age",
                at.clone(),
                format!(
                    "built {text}, {} ago, older than max_age {max} ({})",
                    Duration(age as u64),
                    e.describe()
                ),
            ));
        }
    }
}

fn stage_sboms(
    sboms: &StageSboms,
    here: &[&Evidence],
    at: &Option<String>,
    out: &mut Vec<Finding>,
) {
    let explicit = match sboms {
        StageSboms::Enabled(false) => return,
        StageSboms::Stages { stages } => Some(stages.as_slice()),
        StageSboms::Enabled(true) => None,
    };
    let Some(c) = coverage(explicit, here) else {
        out.push(finding(
            "sbom_per_stage",
            at.clone(),
            "the stage list is unknown: no stagetrail build record and no Dockerfile in the provenance \
             (build with --provenance=mode=max, or list them in sbom_per_stage.stages)"
                .into(),
        ));
        return;
    };
    let missing: Vec<String> = c.missing().iter().map(|s| format!("{s:?}")).collect();
    if !missing.is_empty() {
        let covered: Vec<&str> = c.covered.iter().map(String::as_str).collect();
        out.push(finding(
            "sbom_per_stage",
            at.clone(),
            format!(
                "stage(s) {} have no SBOM (stages: {}; SBOMs for: {})",
                missing.join(", "),
                c.stages.join(", "),
                if covered.is_empty() {
                    "none".to_string()
                } else {
                    covered.join(", ")
                }
            ),
        ));
    }
}

fn denied(policy: &Policy, e: &Evidence, at: &Option<String>, out: &mut Vec<Finding>) {
    for purl in &e.packages {
        let Some(p) = Purl::parse(purl) else { continue };
        for rule in &policy.denied_packages {
            if !glob_match(&rule.purl, &p.base) {
                continue;
            }
            let hit = match (&rule.version, &p.version) {
                (None, _) => true,
                (Some(r), Some(v)) => r.contains(&p.kind, v),
                (Some(_), None) => false,
            };
            if hit {
                let range = rule
                    .version
                    .as_ref()
                    .map_or_else(String::new, |r| format!(" {}", r.as_str()));
                let reason = rule
                    .reason
                    .as_ref()
                    .map_or_else(String::new, |r| format!(": {r}"));
                out.push(Finding {
                    stage: e.stage.clone(),
                    ..finding(
                        "denied_packages",
                        at.clone(),
                        format!(
                            "{} contains {purl}, denied by {}{range}{reason}",
                            e.describe(),
                            rule.purl
                        ),
                    )
                });
            }
        }
    }
}

fn image_signature(facts: &ImageFacts, out: &mut Vec<Finding>) {
    let sigs: Vec<&Evidence> = facts
        .evidence
        .iter()
        .filter(|e| e.kind == AttestationKind::CosignSig)
        .collect();
    let good = |digest: &stagetrail_oci::Digest| {
        sigs.iter().any(|e| {
            e.attached_to == *digest
                && matches!(e.signed, Signed::Verified(_))
                && e.signed_digest.as_deref() == Some(digest.to_string().as_str())
        })
    };
    if good(&facts.digest) {
        return;
    }
    for p in &facts.platforms {
        if good(&p.digest) {
            continue;
        }
        let problems: Vec<String> = sigs
            .iter()
            .filter(|e| e.attached_to == p.digest || e.attached_to == facts.digest)
            .map(|e| match &e.signed {
                Signed::Invalid(why) => format!("{}: {why}", e.describe()),
                Signed::Verified(_) => format!("{} names {:?}", e.describe(), e.signed_digest),
                _ => format!("{} is unsigned", e.describe()),
            })
            .collect();
        let mut msg = format!(
            "image {} has no cosign signature by a trusted key",
            p.digest
        );
        if !problems.is_empty() {
            msg.push_str(&format!(" ({})", problems.join("; ")));
        }
        out.push(finding("signatures", Some(p.platform.clone()), msg));
    }
}

#[cfg(test)]
mod tests;
