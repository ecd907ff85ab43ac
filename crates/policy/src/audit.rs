//! `audit`: attestation coverage of many images, read with bounded concurrency; one [`AuditRow`] per
//! image (signature, SBOMs, provenance, per-stage SBOM coverage, policy result), as a table or JSON.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use serde::Serialize;

use super::coverage::{coverage, is_sbom};
use super::evaluate::evaluate;
use super::evidence::{Distill, Evidence, ImageFacts, Signed};
use super::gather::gather;
use super::model::{Policy, StageSboms};
use stagetrail_oci::attestations::statement::{SLSA_V02, SLSA_V1};
use stagetrail_oci::attestations::AttestationKind;
use stagetrail_oci::signing::keys::PublicKey;
use stagetrail_oci::{Reference, RegistryClient, RegistryImage};

/// How to audit.
#[derive(Clone, Default)]
pub struct AuditOptions {
    /// Images read at once.
    pub concurrency: usize,
    /// The policy to check each image against.
    pub policy: Option<Policy>,
    /// Trusted keys (signatures are reported unchecked without).
    pub keys: Vec<PublicKey>,
    /// Now, in Unix seconds (for `max_age`).
    pub now: i64,
}

/// Per-stage SBOM coverage over an image's platforms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StageCoverage {
    /// Stages with an SBOM (summed over platforms).
    pub covered: usize,
    /// Stages built (summed over platforms).
    pub stages: usize,
    /// Stages without one (`platform:stage` when the image has several platforms).
    pub missing: Vec<String>,
}

/// One image's line of the audit.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditRow {
    /// The image as given.
    pub image: String,
    /// Its top manifest digest.
    pub digest: Option<String>,
    /// `verified`, `signed` (present, unchecked), `invalid` or `none`: the cosign image signature.
    pub signature: &'static str,
    /// Statements with a signature (verified ones when keys are given).
    pub signed_attestations: usize,
    /// All statements.
    pub attestations: usize,
    /// SBOM statements (SPDX, CycloneDX).
    pub sboms: usize,
    /// SLSA provenance statements.
    pub provenance: usize,
    /// Per-stage SBOM coverage; `None` when the stage list is unknown.
    pub stage_sboms: Option<StageCoverage>,
    /// `pass` or `fail` when a policy is given.
    pub policy: Option<&'static str>,
    /// The failed rules.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<String>,
    /// Why the image could not be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl AuditRow {
    fn failed(image: &str, error: String) -> AuditRow {
        AuditRow {
            image: image.to_string(),
            digest: None,
            signature: "-",
            signed_attestations: 0,
            attestations: 0,
            sboms: 0,
            provenance: 0,
            stage_sboms: None,
            policy: None,
            findings: Vec::new(),
            error: Some(error),
        }
    }

    /// The row for `facts`, checked against the options' policy.
    pub fn of(image: &str, facts: &ImageFacts, options: &AuditOptions) -> AuditRow {
        let statements: Vec<&Evidence> =
            facts.evidence.iter().filter(|e| e.is_statement()).collect();
        let sigs: Vec<&Evidence> = facts
            .evidence
            .iter()
            .filter(|e| e.kind == AttestationKind::CosignSig)
            .collect();
        let signature = if sigs.iter().any(|e| matches!(e.signed, Signed::Verified(_))) {
            "verified"
        } else if sigs.iter().any(|e| matches!(e.signed, Signed::Invalid(_))) {
            "invalid"
        } else if sigs.iter().any(|e| e.signed == Signed::Unchecked) {
            "signed"
        } else {
            "none"
        };
        let signed_attestations = statements
            .iter()
            .filter(|e| match &e.signed {
                Signed::Verified(_) => true,
                Signed::Unchecked => options.keys.is_empty(),
                _ => false,
            })
            .count();
        let explicit = match options
            .policy
            .as_ref()
            .and_then(|p| p.sbom_per_stage.as_ref())
        {
            Some(StageSboms::Stages { stages }) => Some(stages.as_slice()),
            _ => None,
        };
        let mut stage_sboms: Option<StageCoverage> = None;
        for p in &facts.platforms {
            let here: Vec<&Evidence> = statements
                .iter()
                .copied()
                .filter(|e| e.attached_to == p.digest || e.attached_to == facts.digest)
                .collect();
            if let Some(c) = coverage(explicit, &here) {
                let acc = stage_sboms.get_or_insert(StageCoverage {
                    covered: 0,
                    stages: 0,
                    missing: Vec::new(),
                });
                acc.covered += c.covered_count();
                acc.stages += c.stages.len();
                acc.missing.extend(c.missing().into_iter().map(|s| {
                    if facts.platforms.len() > 1 {
                        format!("{}:{s}", p.platform)
                    } else {
                        s.clone()
                    }
                }));
            }
        }
        let findings: Option<Vec<String>> = options.policy.as_ref().map(|p| {
            evaluate(p, facts, options.now)
                .iter()
                .map(ToString::to_string)
                .collect()
        });
        AuditRow {
            image: image.to_string(),
            digest: Some(facts.digest.to_string()),
            signature,
            signed_attestations,
            attestations: statements.len(),
            sboms: statements.iter().filter(|e| is_sbom(e)).count(),
            provenance: statements
                .iter()
                .filter(|e| matches!(e.predicate_type.as_deref(), Some(t) if t == SLSA_V02 || t == SLSA_V1))
                .count(),
            stage_sboms,
            policy: findings.as_ref().map(|f| if f.is_empty() { "pass" } else { "fail" }),
            findings: findings.unwrap_or_default(),
            error: None,
        }
    }
}

/// Audits one image reference.
pub async fn audit_one(client: &RegistryClient, image: &str, options: &AuditOptions) -> AuditRow {
    let packages = options.policy.as_ref().is_some_and(Policy::needs_packages);
    match gather_one(client, image, options, packages).await {
        Ok(facts) => AuditRow::of(image, &facts, options),
        Err(e) => AuditRow::failed(image, e),
    }
}

/// Reads the image reference `image` with the options' keys (and SBOM packages when `packages`);
/// the error as text.
pub async fn gather_one(
    client: &RegistryClient,
    image: &str,
    options: &AuditOptions,
    packages: bool,
) -> Result<ImageFacts, String> {
    let reference = Reference::parse(image).map_err(|e| e.to_string())?;
    let source = RegistryImage::new(client.clone(), reference);
    let how = Distill {
        keys: options.keys.clone(),
        packages,
        predicates: false,
    };
    gather(&source, &how).await.map_err(|e| e.to_string())
}

/// Audits `images` with at most `options.concurrency` in flight (on the current thread); rows come
/// back in the order of `images`. `done` is called after each image.
pub async fn audit_all(
    client: &RegistryClient,
    images: &[String],
    options: &AuditOptions,
    done: Arc<dyn Fn(&AuditRow)>,
) -> Vec<AuditRow> {
    let one = |image| audit_one(client, image, options);
    for_each_bounded(images, options.concurrency, one, done).await
}

/// Runs `one` on each of `images`, at most `concurrency` at once (on the current thread); results
/// come back in the order of `images`. `done` is called after each image.
pub async fn for_each_bounded<'a, R, F, Fut>(
    images: &'a [String],
    concurrency: usize,
    one: F,
    done: Arc<dyn Fn(&R)>,
) -> Vec<R>
where
    F: Fn(&'a str) -> Fut,
    Fut: std::future::Future<Output = R>,
{
    let next = Rc::new(RefCell::new(0usize));
    let results: Rc<RefCell<Vec<Option<R>>>> =
        Rc::new(RefCell::new((0..images.len()).map(|_| None).collect()));
    let one = &one;
    let workers = (0..concurrency.max(1)).map(|_| {
        let (next, results, done) = (next.clone(), results.clone(), done.clone());
        async move {
            loop {
                let i = {
                    let mut n = next.borrow_mut();
                    let i = *n;
                    *n += 1;
                    i
                };
                let Some(image) = images.get(i) else { break };
                let r = one(image).await;
                done(&r);
                results.borrow_mut()[i] = Some(r);
            }
        }
    });
    join_all(workers.collect()).await;
    let results = results.take();
    // Every slot is filled: the workers run until the list is exhausted.
    results.into_iter().flatten().collect()
}

/// Runs futures concurrently on the current task until all finish.
async fn join_all<F: std::future::Future<Output = ()>>(futures: Vec<F>) {
    let mut futures: Vec<std::pin::Pin<Box<F>>> = futures.into_iter().map(Box::pin).collect();
    std::future::poll_fn(move |cx| {
        futures.retain_mut(|f| f.as_mut().poll(cx).is_pending());
        if futures.is_empty() {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await
}

/// `cells` as lines of columns padded to their widest cell, two spaces apart.
pub fn aligned<const N: usize>(cells: &[[String; N]]) -> String {
    let widths: Vec<usize> = (0..N)
        .map(|c| {
            cells
                .iter()
                .map(|row| row[c].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in cells {
        let line: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(cell, w)| format!("{cell:<w$}"))
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    out
}

/// The rows as an aligned text table; errors and failed rules follow it, one per line.
pub fn table(rows: &[AuditRow]) -> String {
    let header = [
        "IMAGE",
        "SIGNATURE",
        "SIGNED",
        "SBOM",
        "PROVENANCE",
        "STAGE SBOMS",
        "POLICY",
    ];
    let mut cells: Vec<[String; 7]> = vec![header.map(str::to_string)];
    for r in rows {
        let stages = match &r.stage_sboms {
            Some(c) => format!("{}/{}", c.covered, c.stages),
            None if r.error.is_some() => "-".into(),
            None => "unknown".into(),
        };
        cells.push([
            r.image.clone(),
            if r.error.is_some() {
                "error".into()
            } else {
                r.signature.into()
            },
            format!("{}/{}", r.signed_attestations, r.attestations),
            r.sboms.to_string(),
            r.provenance.to_string(),
            stages,
            r.policy.unwrap_or("-").to_string(),
        ]);
    }
    let mut out = aligned(&cells);
    for r in rows {
        if let Some(e) = &r.error {
            out.push_str(&format!("{}: error: {e}\n", r.image));
        }
        for f in &r.findings {
            out.push_str(&format!("{}: {f}\n", r.image));
        }
    }
    out
}
