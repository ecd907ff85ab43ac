//! `stagetrail verify IMAGE --policy FILE`: checks an image's attestations against a policy
//! (`docs/policy.md`). Prints one line per failed rule; exit 0 pass, 1 policy failure, 2 error.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use clap::Args;

use stagetrail_oci::signing::keys::PublicKey;
use stagetrail_oci::{ImageSource, Limits};

use super::image_args::ImageArgs;
use stagetrail_policy::model::Signatures;
use stagetrail_policy::{evaluate, gather, opa, Distill, Policy, PolicyError};

/// Arguments of `stagetrail verify`.
#[derive(Args, Debug)]
pub struct VerifyArgs {
    #[command(flatten)]
    pub source: ImageArgs,
    /// The policy file (YAML or JSON).
    #[arg(long, value_name = "FILE", required_unless_present_any = ["rego", "kyverno"])]
    pub policy: Option<PathBuf>,
    /// A Rego or Kyverno policy instead.
    #[command(flatten)]
    pub foreign: super::verify_with::ForeignPolicy,
    /// A trusted cosign public key (PEM); repeatable. Implies `signatures.attestations: true`.
    #[arg(long = "key", value_name = "FILE")]
    pub keys: Vec<PathBuf>,
    /// Also write the input document for an OPA policy to this file.
    #[arg(long, value_name = "OUT.json")]
    pub opa_input: Option<PathBuf>,
}

/// Runs the command; returns the exit code.
pub fn run(args: VerifyArgs) -> i32 {
    super::exit_code(verify(&args))
}

/// The policy with `extra` keys added, and the trusted keys read.
pub fn policy_and_keys(
    path: &Path,
    extra: &[PathBuf],
) -> Result<(Policy, Vec<PublicKey>), PolicyError> {
    let mut policy = Policy::read(path)?;
    if !extra.is_empty() {
        let s = policy.signatures.get_or_insert_with(|| Signatures {
            attestations: true,
            ..Signatures::default()
        });
        s.keys.extend(extra.iter().cloned());
    }
    let keys = policy
        .signatures
        .as_ref()
        .map(|s| s.keys.iter().map(|k| PublicKey::read(k)).collect())
        .transpose()?
        .unwrap_or_default();
    Ok((policy, keys))
}

/// Now, in Unix seconds.
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

async fn verify(args: &VerifyArgs) -> Result<i32, PolicyError> {
    let Some(policy_file) = args.policy.as_deref().filter(|_| !args.foreign.given()) else {
        return super::verify_with::verify(args).await;
    };
    let (policy, keys) = policy_and_keys(policy_file, &args.keys)?;
    let how = Distill {
        keys,
        packages: policy.needs_packages(),
        predicates: args.opa_input.is_some(),
    };
    let image = args.source.open(Limits::default())?;
    check(&image, &policy, &how, args).await
}

async fn check<S: ImageSource>(
    source: &S,
    policy: &Policy,
    how: &Distill,
    args: &VerifyArgs,
) -> Result<i32, PolicyError> {
    let facts = gather(source, how).await?;
    if let Some(out) = &args.opa_input {
        let text = serde_json::to_string_pretty(&opa::opa_input(&facts)).unwrap_or_default();
        std::fs::write(out, text + "\n").map_err(|e| PolicyError::Io {
            at: out.display().to_string(),
            message: format!("cannot write the OPA input: {e}"),
        })?;
    }
    let findings = evaluate(policy, &facts, now());
    for f in &findings {
        println!("{f}");
    }
    if findings.is_empty() {
        eprintln!(
            "verify: {} ({}) passes {}",
            facts.image,
            facts.digest,
            args.policy.as_deref().unwrap_or(Path::new("")).display()
        );
        Ok(0)
    } else {
        eprintln!(
            "verify: {} ({}) fails {}: {} rule violation(s)",
            facts.image,
            facts.digest,
            args.policy.as_deref().unwrap_or(Path::new("")).display(),
            findings.len()
        );
        Ok(1)
    }
}
