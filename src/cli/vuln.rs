//! `stagetrail vuln IMAGE --db DIR [--attach --key cosign.key]`: per-stage vulnerability reports from
//! the image's SBOMs (in a registry, an OCI layout folder or an OCI tar) and an offline OSV
//! database; with `--attach` (registry images only), signed and pushed as cosign vulnerability
//! attestations (`cosign verify-attestation --type vuln`). Exit 0 (1 with `--fail-on-findings` when
//! something is found), 2 error.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use serde_json::json;

use stagetrail_oci::attestations::statement::VULN;
use stagetrail_oci::civil_time::rfc3339;
use stagetrail_oci::signing::export::{append_att, NewLayer};
use stagetrail_oci::signing::keys::{read_signing_key, KeyError};
use stagetrail_oci::{AnyImage, ImageSource as _, Limits, RegistryError};
use stagetrail_policy::vuln::osv::OsvDb;
use stagetrail_policy::vuln::{predicate, scan, StageScan, VulnError};
use stagetrail_policy::{gather, Distill};

use super::image_args::ImageArgs;

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// One line per finding.
    Table,
    /// The per-stage scans as JSON.
    Json,
}

/// Arguments of `stagetrail vuln`.
#[derive(Args, Debug)]
pub struct VulnArgs {
    #[command(flatten)]
    pub image: ImageArgs,
    /// The OSV database: a directory of OSV JSON files and/or per-ecosystem `all.zip` exports.
    #[arg(long, value_name = "DIR")]
    pub db: PathBuf,
    /// Sign each stage's report with --key and push it as a cosign vuln attestation of its platform
    /// manifest (a registry image only).
    #[arg(long, requires = "key")]
    pub attach: bool,
    /// The cosign private key for --attach (password from COSIGN_PASSWORD).
    #[arg(long, value_name = "FILE")]
    pub key: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Exit 1 when any stage has a finding.
    #[arg(long)]
    pub fail_on_findings: bool,
}

/// Why `vuln` could not run.
#[derive(Debug, thiserror::Error)]
enum VulnCommandError {
    #[error(transparent)]
    Db(#[from] VulnError),
    #[error(transparent)]
    Registry(#[from] RegistryError),
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error("{image}: no SBOM attestations to scan (build with --sbom, or attach SPDX/CycloneDX statements)")]
    NoSboms { image: String },
    #[error("--attach pushes to the image's registry; {0} is not one (scan it there: stagetrail vuln REGISTRY/IMAGE --attach …)")]
    AttachNeedsRegistry(String),
}

/// Runs the command; returns the exit code.
pub fn run(args: VulnArgs) -> i32 {
    super::exit_code(vuln(&args))
}

fn now() -> String {
    rfc3339(super::verify::now())
}

async fn vuln(args: &VulnArgs) -> Result<i32, VulnCommandError> {
    let db = OsvDb::read(&args.db)?;
    let key = match (&args.attach, &args.key) {
        (true, Some(k)) => {
            let password = std::env::var("COSIGN_PASSWORD").unwrap_or_default();
            Some(read_signing_key(k, password.as_bytes())?)
        }
        _ => None,
    };
    let image = args.image.open(Limits::default())?;
    let shown = image.name();
    let registry_image = match (&key, &image) {
        (None, _) => None,
        (Some(_), AnyImage::Registry(r)) => Some(r),
        (Some(_), _) => return Err(VulnCommandError::AttachNeedsRegistry(shown)),
    };
    let started = now();
    let how = Distill {
        keys: Vec::new(),
        packages: true,
        predicates: false,
    };
    let facts = gather(&image, &how).await?;
    let scans = scan(&facts, &db);
    let finished = now();
    if scans.is_empty() {
        return Err(VulnCommandError::NoSboms { image: shown });
    }
    print(&scans, args.format);
    let count: usize = scans.iter().map(|s| s.findings.len()).sum();
    eprintln!(
        "vuln: {} stage scan(s), {count} finding(s); OSV {} ({} advisories, modified {})",
        scans.len(),
        db.digest,
        db.len(),
        db.modified.as_deref().unwrap_or("-")
    );
    if let (Some(key), Some(image)) = (&key, registry_image) {
        let name = image.reference.name();
        let db_name = db.path.display().to_string();
        let mut report = stagetrail_oci::signing::cosign::ExportReport::default();
        let mut per_platform: std::collections::BTreeMap<String, Vec<NewLayer>> =
            std::collections::BTreeMap::new();
        for s in &scans {
            let (alg, hex) = s.digest.split_once(':').unwrap_or(("sha256", &s.digest));
            let statement = json!({
                "_type": "https://in-toto.io/Statement/v0.1",
                "predicateType": VULN,
                "subject": [{"name": name, "digest": {alg: hex}}],
                "predicate": predicate(s, &db, &db_name, &started, &finished),
            });
            let bytes = serde_json::to_vec(&statement).unwrap_or_default();
            per_platform
                .entry(s.digest.clone())
                .or_default()
                .push(NewLayer::signed(key, &bytes, VULN));
        }
        for (digest, layers) in per_platform {
            let subject = stagetrail_oci::Digest::parse(&digest, digest.as_str())?;
            append_att(image, &subject, layers, &mut report).await?;
        }
        for s in &report.statements {
            eprintln!(
                "vuln: {name}@{} {} {} {}",
                s.subject,
                s.predicate_type,
                s.layer,
                if s.added { "added" } else { "already present" }
            );
        }
    }
    Ok(if args.fail_on_findings && count > 0 {
        1
    } else {
        0
    })
}

fn print(scans: &[StageScan], format: Format) {
    if format == Format::Json {
        println!(
            "{}",
            serde_json::to_string_pretty(scans).unwrap_or_default()
        );
        return;
    }
    let mut rows = vec![[
        "PLATFORM".to_string(),
        "STAGE".into(),
        "ID".into(),
        "PACKAGE".into(),
        "VERSION".into(),
        "FIXED".into(),
    ]];
    for s in scans {
        let stage = s.stage.clone().unwrap_or_else(|| "-".into());
        if s.findings.is_empty() {
            rows.push([
                s.platform.clone(),
                stage.clone(),
                "-".into(),
                format!("({} packages, none affected)", s.packages),
                String::new(),
                String::new(),
            ]);
        }
        for f in &s.findings {
            let package = f
                .purl
                .split(['@', '?'])
                .next()
                .unwrap_or(&f.purl)
                .to_string();
            rows.push([
                s.platform.clone(),
                stage.clone(),
                f.id.clone(),
                package,
                f.version.clone(),
                f.fixed.clone().unwrap_or_else(|| "-".into()),
            ]);
        }
    }
    print!("{}", stagetrail_policy::audit::aligned(&rows));
}
