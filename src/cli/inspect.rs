//! `stagetrail inspect IMAGE`: the platforms of an image and the attestations attached to each, as a
//! tree or JSON; with `--predicate-type T`, the in-toto statements of that type.
//!
//! Output of `--predicate-type`: one compact JSON statement per line (tree format) or a JSON array
//! (`--format json`). Exit codes: 0 success, 2 error (including attestations that could not be read).

use std::io::Write;

use clap::{Args, ValueEnum};

use stagetrail_oci::attestations::{self, Attestation, DiscoverOptions, ImageAttestations};
use stagetrail_oci::{ImageSource, Limits, RegistryError};

use super::image_args::ImageArgs;

/// Output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// An indented tree for people.
    Tree,
    /// JSON for programs.
    Json,
}

/// Arguments of `stagetrail inspect`.
#[derive(Args, Debug)]
pub struct InspectArgs {
    #[command(flatten)]
    pub source: ImageArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Tree)]
    pub format: Format,
    /// Print the in-toto statements with this predicate type instead of the tree.
    #[arg(long, value_name = "URI")]
    pub predicate_type: Option<String>,
    /// Largest blob (attestation document) read, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = Limits::default().blob)]
    pub max_blob_size: u64,
}

/// Runs the command; returns the exit code.
pub fn run(args: InspectArgs) -> i32 {
    super::exit_code(inspect(&args))
}

async fn inspect(args: &InspectArgs) -> Result<i32, RegistryError> {
    let limits = Limits {
        blob: args.max_blob_size,
        ..Limits::default()
    };
    report(&args.source.open(limits)?, args).await
}

async fn report<S: ImageSource>(source: &S, args: &InspectArgs) -> Result<i32, RegistryError> {
    let keep = args.predicate_type.is_some();
    let options = DiscoverOptions {
        keep_content: keep,
        ..DiscoverOptions::default()
    };
    let found = attestations::discover(source, &options).await?;
    let mut out = std::io::stdout().lock();
    let written = match (&args.predicate_type, args.format) {
        (Some(t), format) => print_statements(&found, t, format, &mut out),
        (None, Format::Json) => serde_json::to_string_pretty(&found)
            .map_err(std::io::Error::from)
            .and_then(|s| writeln!(out, "{s}")),
        (None, Format::Tree) => write!(out, "{}", tree(&found)),
    };
    if let Err(e) = written {
        eprintln!("error: writing the output: {e}");
        return Ok(2);
    }
    let errors = found.error_count();
    if errors > 0 {
        eprintln!("error: {errors} attestation(s) could not be read; see `error` above");
        return Ok(2);
    }
    Ok(0)
}

fn print_statements(
    found: &ImageAttestations,
    predicate_type: &str,
    format: Format,
    out: &mut impl Write,
) -> std::io::Result<()> {
    let statements: Vec<&stagetrail_oci::attestations::statement::Statement> = found
        .all()
        .filter(|a| a.predicate_type.as_deref() == Some(predicate_type))
        .filter_map(|a| a.content.as_ref().and_then(|c| c.statement.as_ref()))
        .collect();
    match format {
        Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(&statements)?),
        Format::Tree => statements
            .iter()
            .try_for_each(|s| writeln!(out, "{}", serde_json::to_string(s)?)),
    }
}

/// The tree: the image, attestations on the index, then each platform and its attestations.
pub fn tree(found: &ImageAttestations) -> String {
    let mut s = format!("{} {} ({})\n", found.image, found.digest, found.media_type);
    let mut groups: Vec<(String, &[Attestation])> = Vec::new();
    if !found.attestations.is_empty() {
        groups.push(("index".to_string(), &found.attestations));
    }
    for p in &found.platforms {
        groups.push((
            format!("{} {}", p.platform_name(), p.manifest.digest),
            &p.attestations,
        ));
    }
    for (gi, (title, atts)) in groups.iter().enumerate() {
        let last_group = gi + 1 == groups.len();
        s.push_str(if last_group {
            "└── "
        } else {
            "├── "
        });
        s.push_str(title);
        s.push('\n');
        let indent = if last_group { "    " } else { "│   " };
        if atts.is_empty() {
            s.push_str(&format!("{indent}└── (no attestations)\n"));
        }
        for (ai, a) in atts.iter().enumerate() {
            let branch = if ai + 1 == atts.len() {
                "└── "
            } else {
                "├── "
            };
            s.push_str(&format!("{indent}{branch}{}\n", line(a)));
        }
    }
    s
}

fn line(a: &Attestation) -> String {
    let mut l = format!(
        "{} {} stage={} size={} {} {}",
        a.kind,
        a.predicate_type.as_deref().unwrap_or(&a.media_type),
        a.stage.as_deref().unwrap_or("-"),
        a.size,
        a.digest,
        if a.signed { "signed" } else { "unsigned" }
    );
    if let Some(e) = &a.error {
        l.push_str(&format!(" error: {e}"));
    }
    l
}
