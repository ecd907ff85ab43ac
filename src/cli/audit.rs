//! `stagetrail audit [IMAGE…] [--file F] [-]`: attestation coverage of many images as a table or JSON,
//! with a progress bar on stderr when it is a terminal. Images come from the arguments, a file and
//! stdin (`-`), split on whitespace, deduplicated in first-seen order. `--stages` gives one line per
//! platform and stage instead: its SBOMs, and with `--db` the OSV database's findings in them.
//!
//! Exit codes: 0 all read (and passing the policy when given), 1 some image fails the policy,
//! 2 some image could not be read or bad arguments.

use anyhow::Context as _;
use std::collections::BTreeSet;
use std::io::{IsTerminal, Read};
use std::path::PathBuf;
use std::sync::Arc;

use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::verify::{now, policy_and_keys};
use stagetrail_oci::Limits;

use super::image_args::RegistryArgs;
use stagetrail_policy::audit::{audit_all, for_each_bounded, table, AuditOptions, AuditRow};
use stagetrail_policy::stage_audit::{audit_stages_one, stage_table, ImageStages};
use stagetrail_policy::vuln::osv::OsvDb;

/// Output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// An aligned table, then one line per error or failed rule.
    Table,
    /// A JSON array of rows.
    Json,
}

/// Arguments of `stagetrail audit`.
#[derive(Args, Debug)]
pub struct AuditArgs {
    /// Image references; `-` reads more from stdin (e.g. `kubectl get pods -o jsonpath=… | stagetrail audit -`).
    pub images: Vec<String>,
    /// Read image references from this file (whitespace separated).
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Check each image against this policy.
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// A trusted cosign public key (PEM); repeatable.
    #[arg(long = "key", value_name = "FILE")]
    pub keys: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// One line per platform and stage: its SBOMs, vulnerabilities (with --db) and policy findings.
    #[arg(long)]
    pub stages: bool,
    /// With --stages: look the stages' packages up in this offline OSV database (a directory of OSV
    /// JSON files and/or per-ecosystem `all.zip` exports).
    #[arg(long, value_name = "DIR", requires = "stages")]
    pub db: Option<PathBuf>,
    /// Images read at once.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub concurrency: u16,
    #[command(flatten)]
    pub registry: RegistryArgs,
}

/// Runs the command; returns the exit code.
pub fn run(args: AuditArgs) -> i32 {
    match audit(&args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            2
        }
    }
}

/// The image list: arguments, then the file, then stdin for `-`; deduplicated in first-seen order.
fn images(args: &AuditArgs) -> anyhow::Result<Vec<String>> {
    let mut words: Vec<String> = Vec::new();
    let mut stdin = false;
    for a in &args.images {
        if a == "-" {
            stdin = true;
        } else {
            words.push(a.clone());
        }
    }
    if let Some(f) = &args.file {
        let text = std::fs::read_to_string(f)
            .with_context(|| format!("{}: cannot read the image list", f.display()))?;
        words.extend(text.split_whitespace().map(str::to_string));
    }
    if stdin {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .context("<stdin>: cannot read the image list")?;
        words.extend(text.split_whitespace().map(str::to_string));
    }
    let mut seen = BTreeSet::new();
    words.retain(|w| seen.insert(w.clone()));
    if words.is_empty() {
        return Err(anyhow::anyhow!(
            "no images: give references, --file FILE, or - for stdin"
        ));
    }
    Ok(words)
}

fn audit(args: &AuditArgs) -> anyhow::Result<i32> {
    let images = images(args)?;
    let mut options = AuditOptions {
        concurrency: usize::from(args.concurrency),
        now: now(),
        ..AuditOptions::default()
    };
    if let Some(p) = &args.policy {
        let (policy, keys) = policy_and_keys(p, &args.keys)?;
        options.policy = Some(policy);
        options.keys = keys;
    } else {
        options.keys = args
            .keys
            .iter()
            .map(|k| stagetrail_oci::signing::keys::PublicKey::read(k))
            .collect::<Result<_, _>>()?;
    }
    let client = args.registry.client(Limits::default())?;
    let bar = ProgressBar::with_draw_target(
        Some(images.len() as u64),
        if std::io::stderr().is_terminal() {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        },
    );
    if let Ok(style) = ProgressStyle::with_template("{bar:30} {pos}/{len} {elapsed} {wide_msg}") {
        bar.set_style(style);
    }
    let code = if args.stages {
        let db = args.db.as_deref().map(OsvDb::read).transpose()?;
        let done = ticker(&bar, |r: &ImageStages| &r.image);
        let one = |image| audit_stages_one(&client, image, &options, db.as_ref());
        let rows = super::block_on(for_each_bounded(&images, options.concurrency, one, done))?;
        bar.finish_and_clear();
        print(
            args.format,
            || stage_table(&rows),
            || serde_json::to_string_pretty(&rows),
        )?;
        outcome(rows.iter().map(|r| (r.error.is_some(), r.policy)))
    } else {
        let done = ticker(&bar, |r: &AuditRow| &r.image);
        let rows = super::block_on(audit_all(&client, &images, &options, done))?;
        bar.finish_and_clear();
        print(
            args.format,
            || table(&rows),
            || serde_json::to_string_pretty(&rows),
        )?;
        outcome(rows.iter().map(|r| (r.error.is_some(), r.policy)))
    };
    Ok(code)
}

/// Advances `bar` by one image, showing its name.
fn ticker<R: 'static>(bar: &ProgressBar, image: fn(&R) -> &String) -> Arc<dyn Fn(&R)> {
    let bar = bar.clone();
    Arc::new(move |row: &R| {
        bar.set_message(image(row).clone());
        bar.inc(1);
    })
}

/// Prints the table, or the JSON array.
fn print(
    format: Format,
    table: impl FnOnce() -> String,
    json: impl FnOnce() -> serde_json::Result<String>,
) -> anyhow::Result<()> {
    match format {
        Format::Table => print!("{}", table()),
        Format::Json => println!("{}", json()?),
    }
    Ok(())
}

/// The exit code of `(read failed, policy result)` per image: 2 when any could not be read, else 1
/// when any fails the policy, else 0.
fn outcome(rows: impl Iterator<Item = (bool, Option<&'static str>)>) -> i32 {
    let mut code = 0;
    for (error, policy) in rows {
        if error {
            return 2;
        }
        if policy == Some("fail") {
            code = 1;
        }
    }
    code
}
