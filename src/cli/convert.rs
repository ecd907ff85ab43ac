//! `stagetrail convert`: Dockerfile → LLB JSON dump or raw Definition bytes.

use anyhow::Context as _;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use serde_json::{json, Map, Value};

use stagetrail_convert::{
    self as convert, Dialect, MapResolver, NamedContext, NoResolver, Options, Platform, Resolver,
};
use stagetrail_dockerfile as dockerfile;
use stagetrail_llb as llb;

/// Output format of `convert`.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Format {
    /// `{"platforms": {"<id>": {"llb": [...], "image_config": {...}}}}`.
    Json,
    /// Raw `pb.Definition` bytes (single platform only).
    Llb,
}

/// Arguments of `stagetrail convert`.
#[derive(Args, Debug)]
pub struct ConvertArgs {
    /// The Dockerfile.
    #[arg(short = 'f', long = "file", default_value = "Dockerfile")]
    file: PathBuf,
    /// Target stage.
    #[arg(long)]
    target: Option<String>,
    /// Build argument `KEY=VALUE` (`KEY` alone takes the environment's value).
    #[arg(long = "build-arg", value_name = "KEY=VALUE")]
    build_args: Vec<String>,
    /// Target platform(s), repeatable or comma separated.
    #[arg(long = "platform")]
    platforms: Vec<String>,
    /// Named context `NAME=VALUE` (docker-image://…, a git/http URL, a directory…).
    #[arg(long = "build-context", value_name = "NAME=VALUE")]
    build_contexts: Vec<String>,
    /// Image label `KEY=VALUE`.
    #[arg(long = "label", value_name = "KEY=VALUE")]
    labels: Vec<String>,
    /// JSON file `{"<normalized ref>": {"digest": "sha256:…", "config": {…}}}`.
    #[arg(long = "resolve", value_name = "FILE.json")]
    resolve: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "json")]
    format: Format,
    /// The BuildKit release whose built-in frontend to imitate where images differ (history
    /// text, ARG scoping, op encoding): 0.13 or 0.25. As a frontend, stagetrail asks the daemon.
    #[arg(long, default_value = "0.13", value_name = "RELEASE")]
    dialect: Dialect,
}

fn fail(msg: impl std::fmt::Display) -> i32 {
    eprintln!("stagetrail: error: {msg}");
    1
}

fn key_value(s: &str, what: &str) -> anyhow::Result<(String, String)> {
    s.split_once('=')
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .ok_or_else(|| anyhow::anyhow!("invalid {what} {s:?}: expected KEY=VALUE"))
}

/// `<Dockerfile>.dockerignore`, else `.dockerignore` beside the Dockerfile. Read as bytes, like
/// upstream: bytes that are not UTF-8 become U+FFFD (upstream's JSON encoding of the exclude
/// patterns does the same), so a non-UTF-8 comment never drops the whole file. A file that
/// exists but cannot be read is an error, not an empty list.
fn read_dockerignore(file: &Path) -> anyhow::Result<Vec<String>> {
    let specific = PathBuf::from(format!("{}.dockerignore", file.display()));
    let beside = file
        .parent()
        .map(|d| d.join(".dockerignore"))
        .unwrap_or_else(|| PathBuf::from(".dockerignore"));
    for p in [specific, beside] {
        match std::fs::read(&p) {
            Ok(bytes) => {
                return Ok(dockerfile::dockerignore::parse(&String::from_utf8_lossy(
                    &bytes,
                )))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(e).with_context(|| {
                    format!("reading {} (fix its permissions or remove it)", p.display())
                })
            }
        }
    }
    Ok(Vec::new())
}

/// A `--build-context NAME=VALUE` as buildx sends it: a directory path becomes the
/// session directory named NAME (`local:NAME`), anything else is a context specifier.
fn named_context(name: &str, value: &str) -> NamedContext {
    NamedContext::parse(value).unwrap_or_else(|_| NamedContext::Local(name.to_string()))
}

fn options(args: &ConvertArgs, source: &[u8]) -> anyhow::Result<Options> {
    let mut opts = Options {
        filename: args
            .file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "Dockerfile".into()),
        target: args.target.clone(),
        dockerfile_source: Some(source.to_vec()),
        context_excludes: read_dockerignore(&args.file)?,
        dialect: args.dialect,
        ..Options::default()
    };
    for a in &args.build_args {
        match a.split_once('=') {
            Some((k, v)) => {
                opts.build_args.insert(k.to_string(), v.to_string());
            }
            None => {
                if let Ok(v) = std::env::var(a) {
                    opts.build_args.insert(a.clone(), v);
                }
            }
        }
    }
    for l in &args.labels {
        let (k, v) = key_value(l, "label")?;
        opts.labels.insert(k, v);
    }
    for c in &args.build_contexts {
        let (k, v) = key_value(c, "build context")?;
        let context = named_context(&k, &v);
        opts.named_contexts.insert(k, context);
    }
    for p in args.platforms.iter().flat_map(|p| p.split(',')) {
        let parsed = Platform::parse(p.trim())
            .with_context(|| format!("failed to parse target platform {p}"))?;
        if !opts.target_platforms.contains(&parsed) {
            opts.target_platforms.push(parsed);
        }
    }
    let epoch = opts
        .build_args
        .get("SOURCE_DATE_EPOCH")
        .cloned()
        .or_else(|| std::env::var("SOURCE_DATE_EPOCH").ok())
        .filter(|v| !v.is_empty());
    if let Some(v) = epoch {
        opts.source_date_epoch = Some(
            v.parse()
                .map_err(|_| anyhow::anyhow!("invalid SOURCE_DATE_EPOCH: {v}"))?,
        );
    }
    Ok(opts)
}

fn resolver(args: &ConvertArgs) -> anyhow::Result<Box<dyn Resolver>> {
    let Some(path) = &args.resolve else {
        return Ok(Box::new(NoResolver));
    };
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let v: Value =
        serde_json::from_str(&text).with_context(|| format!("{}: invalid JSON", path.display()))?;
    Ok(Box::new(
        MapResolver::from_json(&v).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?,
    ))
}

/// Runs `convert`; returns the exit code.
pub fn run(args: &ConvertArgs) -> i32 {
    let source = match std::fs::read(&args.file) {
        Ok(s) => s,
        Err(e) => return fail(format_args!("cannot read {}: {e}", args.file.display())),
    };
    let opts = match options(args, &source) {
        Ok(o) => o,
        Err(e) => return fail(format_args!("{e:#}")),
    };
    let resolver = match resolver(args) {
        Ok(r) => r,
        Err(e) => return fail(format_args!("{e:#}")),
    };
    let name = opts.filename().to_string();
    let text = String::from_utf8_lossy(&source);
    let converted =
        dockerfile::parse(&text).and_then(|df| convert::convert(&df, &opts, resolver.as_ref()));
    let converted = match converted {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{}", e.render(&name));
            return 1;
        }
    };
    for (span, w) in &converted.warnings {
        eprintln!("{name}:{}:{}: warning: {w}", span.start_line, span.col);
    }
    let mut out = std::io::stdout().lock();
    let written = match args.format {
        Format::Llb => {
            if converted.builds.len() != 1 {
                return fail("--format llb writes one Definition: pass a single --platform");
            }
            out.write_all(&llb::to_bytes(&converted.builds[0].definition))
        }
        Format::Json => {
            let mut platforms = Map::new();
            let mut sorted: BTreeMap<String, Value> = BTreeMap::new();
            for b in &converted.builds {
                sorted.insert(
                    b.platform.id(),
                    json!({"llb": llb::dump_json(&b.definition), "image_config": b.image_config}),
                );
            }
            platforms.extend(sorted);
            let doc = json!({ "platforms": platforms });
            let text = serde_json::to_string_pretty(&doc).unwrap_or_default();
            writeln!(out, "{text}")
        }
    };
    match written {
        Ok(()) => 0,
        Err(e) => fail(format_args!("cannot write output: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_utf8_dockerignore_is_not_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("Dockerfile");
        std::fs::write(&file, "FROM scratch\n").unwrap();
        std::fs::write(dir.path().join(".dockerignore"), b"secret.env\n# caf\xe9\n").unwrap();
        assert_eq!(
            read_dockerignore(&file).unwrap(),
            vec!["secret.env".to_string()]
        );
    }

    #[test]
    fn unreadable_dockerignore_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("Dockerfile");
        std::fs::create_dir(dir.path().join(".dockerignore")).unwrap();
        let err = read_dockerignore(&file).unwrap_err();
        assert!(format!("{err:#}").contains(".dockerignore"), "{err:#}");
    }
}
