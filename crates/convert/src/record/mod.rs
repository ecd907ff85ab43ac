//! The per-stage build record: what each stage of one platform build consumed
//! (base, contexts, stages, images, git and http sources, mounts by id, build args)
//! and the stage graph, built from the converter's [`PlatformBuild`].
//!
//! Secret values never enter a record: credential-like build args are redacted,
//! URL passwords removed, and [`BuildRecord::to_json`] scrubs any remaining copy of
//! a redacted value.

mod model;

use std::collections::{BTreeMap, BTreeSet};

use sha2::{Digest as _, Sha256};

use crate::redact::{is_credential_name, redact_url, scrub};
pub use model::{
    Base, BuildArg, BuildRecord, DockerfileRef, Edge, Frontend, Input, Instruction, Lines,
    SbomDocument, Source, Stage, StageRef,
};

use crate::{self as convert, InputKind, InputSource, PlatformBuild, StageBase, StageBuild};
use stagetrail_dockerfile::ast::Span;

/// What a record says besides the conversion result.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RecordContext {
    /// Dockerfile name.
    pub filename: String,
    /// Dockerfile bytes (only their digest is recorded).
    pub dockerfile: Vec<u8>,
    /// The frontend image reference (`source` option).
    pub frontend_source: Option<String>,
    /// `vcs:*` options.
    pub vcs: BTreeMap<String, String>,
    /// Named contexts: name → source as given.
    pub named_contexts: BTreeMap<String, String>,
}

/// Builds the record of one platform build.
pub fn build_record(build: &PlatformBuild, ctx: &RecordContext) -> BuildRecord {
    let stages: Vec<Stage> = build.stages.iter().map(stage).collect();
    let target = build
        .stages
        .last()
        .map(|s| StageRef {
            index: s.index,
            name: s.name.clone(),
        })
        .unwrap_or(StageRef {
            index: 0,
            name: None,
        });
    BuildRecord {
        schema_version: 1,
        dockerfile: DockerfileRef {
            filename: ctx.filename.clone(),
            digest: format!("sha256:{}", hex::encode(Sha256::digest(&ctx.dockerfile))),
        },
        frontend: Frontend {
            source: ctx.frontend_source.clone(),
        },
        vcs: ctx
            .vcs
            .iter()
            .map(|(k, v)| (k.clone(), redact_url(v)))
            .collect(),
        named_contexts: ctx
            .named_contexts
            .iter()
            .map(|(k, v)| (k.clone(), redact_url(v)))
            .collect(),
        platform: build.platform.id(),
        target,
        graph: graph(&stages),
        stages,
    }
}

/// The values of credential-like build args any stage of `build` declares.
pub fn secret_values(build: &PlatformBuild) -> Vec<String> {
    let mut out: BTreeSet<String> = BTreeSet::new();
    for s in &build.stages {
        for (name, value) in &s.build_args {
            if let Some(v) = value.as_ref().filter(|v| !v.is_empty()) {
                if is_credential_name(name) {
                    out.insert(v.clone());
                }
            }
        }
    }
    out.into_iter().collect()
}

/// Credential-like build args that a stage declares with a value: (ARG location, name),
/// sorted, once per name.
pub fn credential_args(stages: &[StageBuild]) -> Vec<(Span, String)> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for s in stages {
        for f in s.instructions.iter().filter(|f| f.keyword == "ARG") {
            for name in &f.args {
                let has_value = s
                    .build_args
                    .iter()
                    .any(|(n, v)| n == name && v.as_ref().is_some_and(|v| !v.is_empty()));
                if has_value && is_credential_name(name) && seen.insert(name.clone()) {
                    out.push((f.span, name.clone()));
                }
            }
        }
    }
    out
}

/// The warning shown for a credential-like build arg.
pub fn credential_warning(name: &str) -> String {
    format!(
        "build arg {name:?} looks like a credential: build args are stored in the image history and in BuildKit's provenance; pass it with `--secret id={}` and `RUN --mount=type=secret,id={}` instead",
        name.to_ascii_lowercase(),
        name.to_ascii_lowercase()
    )
}

impl BuildRecord {
    /// Adds SBOM documents to stage `index` (kept sorted); unknown stages are ignored.
    pub fn add_sboms(&mut self, index: usize, docs: impl IntoIterator<Item = SbomDocument>) {
        if let Some(s) = self.stages.iter_mut().find(|s| s.index == index) {
            s.sboms.extend(docs);
            s.sboms.sort();
            s.sboms.dedup();
        }
    }

    /// The record as predicate JSON bytes, with every copy of `secrets` replaced.
    pub fn to_json(&self, secrets: &[String]) -> Vec<u8> {
        let mut v = serde_json::to_value(self).unwrap_or_default();
        scrub(&mut v, secrets);
        serde_json::to_vec(&v).unwrap_or_default()
    }
}

fn lines(span: Span) -> Lines {
    Lines {
        start: span.start_line,
        end: span.end_line.max(span.start_line),
    }
}

fn stage(s: &StageBuild) -> Stage {
    Stage {
        index: s.index,
        name: s.name.clone(),
        platform: s.platform.id(),
        lines: lines(s.span),
        base: match &s.base {
            StageBase::Image { reference, digest } => Base::Image {
                reference: reference.clone(),
                digest: digest.clone(),
            },
            StageBase::Stage(i) => Base::Stage { index: *i },
            StageBase::Scratch => Base::Scratch,
            StageBase::Context(name) => Base::Context { name: name.clone() },
        },
        build_args: s
            .build_args
            .iter()
            .map(|(name, value)| {
                let redacted = is_credential_name(name) && value.is_some();
                BuildArg {
                    name: name.clone(),
                    value: if redacted { None } else { value.clone() },
                    redacted,
                }
            })
            .collect(),
        instructions: s
            .instructions
            .iter()
            .map(|f| Instruction {
                keyword: f.keyword.clone(),
                lines: lines(f.span),
                onbuild: f.onbuild,
                inputs: f.inputs.iter().map(input).collect(),
            })
            .collect(),
        sboms: Vec::new(),
    }
}

fn kind_name(k: InputKind) -> &'static str {
    match k {
        InputKind::Copy => "copy",
        InputKind::Add => "add",
        InputKind::BindMount => "bind",
        InputKind::CacheMount => "cache",
        InputKind::TmpfsMount => "tmpfs",
        InputKind::SecretMount => "secret",
        InputKind::SshMount => "ssh",
    }
}

fn is_commit(r: &str) -> bool {
    (r.len() == 40 || r.len() == 64) && r.chars().all(|c| c.is_ascii_hexdigit())
}

fn input(i: &convert::Input) -> Input {
    Input {
        kind: kind_name(i.kind),
        source: i.source.as_ref().map(source),
        id: i.id.clone(),
        paths: i.paths.clone(),
        dest: tidy_dest(&i.dest),
    }
}

/// A destination with one trailing slash at most (the LLB keeps upstream's `dir//`).
fn tidy_dest(d: &str) -> String {
    let trimmed = d.trim_end_matches('/');
    match (trimmed.is_empty(), trimmed.len() < d.len()) {
        (true, _) if !d.is_empty() => "/".to_string(),
        (false, true) => format!("{trimmed}/"),
        _ => d.to_string(),
    }
}

fn source(s: &InputSource) -> Source {
    match s {
        InputSource::Context => Source::Context,
        InputSource::NamedContext(name) => Source::NamedContext { name: name.clone() },
        InputSource::Stage(index) => Source::Stage { index: *index },
        InputSource::Image { reference, digest } => Source::Image {
            reference: reference.clone(),
            digest: digest.clone(),
        },
        InputSource::Git {
            remote,
            reference,
            subdir,
            keep_git_dir,
        } => Source::Git {
            remote: redact_url(remote),
            reference: reference.clone(),
            commit: is_commit(reference).then(|| reference.clone()),
            subdir: subdir.clone(),
            keep_git_dir: *keep_git_dir,
        },
        InputSource::Http { url, checksum } => Source::Http {
            url: redact_url(url),
            checksum: checksum.clone(),
        },
        InputSource::Scratch => Source::Scratch,
        InputSource::Heredoc(name) => Source::Heredoc { name: name.clone() },
    }
}

/// Stage edges: `base` from the base stage, `copy`/`add`/`mount` from inputs.
fn graph(stages: &[Stage]) -> Vec<Edge> {
    let mut edges = BTreeSet::new();
    for s in stages {
        if let Base::Stage { index } = s.base {
            edges.insert(Edge {
                from: index,
                to: s.index,
                kind: "base",
            });
        }
        for i in s.instructions.iter().flat_map(|i| &i.inputs) {
            if let Some(Source::Stage { index }) = i.source {
                let kind = match i.kind {
                    "copy" | "add" => i.kind,
                    _ => "mount",
                };
                edges.insert(Edge {
                    from: index,
                    to: s.index,
                    kind,
                });
            }
        }
    }
    edges.into_iter().collect()
}

#[cfg(test)]
mod tests;
