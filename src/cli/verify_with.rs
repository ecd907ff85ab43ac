//! `stagetrail verify IMAGE --rego FILE` and `--kyverno FILE`: policies users already have, checked
//! in process and offline (`docs/policy.md`). Exit 0 pass, 1 policy failure, 2 error.

use std::path::PathBuf;

use clap::Args;

use super::verify::VerifyArgs;
use stagetrail_oci::signing::keys::PublicKey;
use stagetrail_oci::{ImageSource, Limits};
use stagetrail_policy::kyverno::KyvernoPolicy;
use stagetrail_policy::model::PredicateRequirement;
use stagetrail_policy::rego::RegoPolicy;
use stagetrail_policy::{gather, Distill, Finding, ImageFacts, PolicyError};

/// The policy languages other than stagetrail's own.
#[derive(Args, Debug, Default)]
pub struct ForeignPolicy {
    /// A Rego policy, evaluated in process once per attestation of --type on every platform (like
    /// `cosign verify-attestation --type T --policy FILE`).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["policy", "opa_input"])]
    pub rego: Option<PathBuf>,
    /// The Rego query that must be true for each attestation (default `data.<package>.allow`).
    #[arg(long, value_name = "QUERY", requires = "rego")]
    pub query: Option<String>,
    /// The attestations the Rego policy is evaluated on: provenance (default; SLSA v0.2 or v1),
    /// slsaprovenance, slsaprovenance1, spdx, cyclonedx, vuln, or a predicate type URI.
    #[arg(long = "type", value_name = "TYPE", requires = "rego")]
    pub predicate_type: Option<String>,
    /// A Kyverno ClusterPolicy or Policy: its verifyImages rules are checked offline (keyless
    /// attestors are reported as not checkable, never as passed).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["policy", "opa_input", "rego"])]
    pub kyverno: Option<PathBuf>,
}

impl ForeignPolicy {
    /// True when one of them is given.
    pub fn given(&self) -> bool {
        self.rego.is_some() || self.kyverno.is_some()
    }
}

enum Checker {
    Rego {
        policy: Box<RegoPolicy>,
        selected: PredicateRequirement,
        keys_given: bool,
    },
    Kyverno(Box<KyvernoPolicy>),
}

impl Checker {
    fn name(&self) -> &str {
        match self {
            Checker::Rego { policy, .. } => &policy.at,
            Checker::Kyverno(p) => &p.at,
        }
    }

    fn check(&mut self, facts: &ImageFacts, reference: &str) -> Result<Vec<Finding>, PolicyError> {
        match self {
            Checker::Rego {
                policy,
                selected,
                keys_given,
            } => policy.evaluate(facts, selected, *keys_given),
            Checker::Kyverno(p) => {
                let report = p.evaluate(facts, reference, super::verify::now());
                for note in &report.notes {
                    eprintln!("verify: {note}");
                }
                Ok(report.findings)
            }
        }
    }
}

/// Runs `verify` with `--rego` or `--kyverno`.
pub async fn verify(args: &VerifyArgs) -> Result<i32, PolicyError> {
    let foreign = &args.foreign;
    let mut keys = args
        .keys
        .iter()
        .map(|k| PublicKey::read(k))
        .collect::<Result<Vec<_>, _>>()?;
    let mut checker = if let Some(path) = &foreign.rego {
        let name = foreign.predicate_type.as_deref().unwrap_or("provenance");
        let selected = PredicateRequirement::try_from(name.to_string()).map_err(|message| {
            PolicyError::Usage {
                message: format!("--type: {message}"),
            }
        })?;
        Checker::Rego {
            policy: Box::new(RegoPolicy::read(path, foreign.query.as_deref())?),
            selected,
            keys_given: !keys.is_empty(),
        }
    } else if let Some(path) = &foreign.kyverno {
        let policy = KyvernoPolicy::read(path)?;
        keys.extend(policy.keys());
        Checker::Kyverno(Box::new(policy))
    } else {
        return Err(PolicyError::Usage {
            message: "give --policy, --rego or --kyverno".into(),
        });
    };
    let how = Distill {
        keys,
        packages: false,
        predicates: true,
    };
    let image = args.source.open(Limits::default())?;
    let name = args.source.image.as_deref().unwrap_or_default();
    check(&image, &how, &mut checker, name).await
}

async fn check<S: ImageSource>(
    source: &S,
    how: &Distill,
    checker: &mut Checker,
    reference: &str,
) -> Result<i32, PolicyError> {
    let facts = gather(source, how).await?;
    let findings = checker.check(&facts, reference)?;
    for f in &findings {
        println!("{f}");
    }
    if findings.is_empty() {
        eprintln!(
            "verify: {} ({}) passes {}",
            facts.image,
            facts.digest,
            checker.name()
        );
        Ok(0)
    } else {
        eprintln!(
            "verify: {} ({}) fails {}: {} violation(s)",
            facts.image,
            facts.digest,
            checker.name(),
            findings.len()
        );
        Ok(1)
    }
}
