//! The rules the conversion checks while it works, because they need what only it knows: the
//! global ARGs' values (InvalidDefaultArgInFrom, UndefinedArgInFrom, RedundantTargetPlatform,
//! FromPlatformFlagConstDisallowed), the resolved base image (InvalidBaseImagePlatform), each
//! stage's environment as instructions are dispatched (UndefinedVar) and `.dockerignore`
//! (CopyIgnoredFile). Each function returns the warnings of one moment, as BuildKit 0.25's
//! `dockerfile2llb` finds them; the conversion wraps them in [`super::Finding`]s.

use std::collections::BTreeSet;

use super::rules::*;
use super::Warning;
use stagetrail_dockerfile::ast::{Command, SourcesAndDest, Span};
use stagetrail_dockerfile::expand::{go_quote, Env, Lexer};
use stagetrail_dockerfile::{csv, dockerignore, suggest};
use stagetrail_oci::reference::Reference;
use stagetrail_oci::Platform;

fn warning(rule: &'static Rule, span: Span, detail: String) -> Warning {
    Warning { rule, detail, span }
}

/// InvalidDefaultArgInFrom: a `FROM` whose base, expanded with the global ARGs' defaults
/// (`defaults`; no build arg), is no valid image reference. `bases` are the stages' `FROM`
/// words as written; an expansion error stops the check (the build fails on it later).
pub fn invalid_default_bases(
    lexer: &Lexer,
    bases: &[(&str, Span)],
    defaults: &dyn Env,
) -> Vec<Warning> {
    let mut out = Vec::new();
    for (base, span) in bases {
        let Ok(name) = lexer.process_word(base, defaults) else {
            break;
        };
        if Reference::parse_normalized(&name).is_err() {
            let detail =
                format!("Default value for ARG {base} results in empty or invalid base image name");
            out.push(warning(&INVALID_DEFAULT_ARG_IN_FROM, *span, detail));
        }
    }
    out
}

/// UndefinedArgInFrom: the variables of a `FROM` word (`unmatched`) that no global ARG
/// declares (`declared`: every global ARG and predefined platform ARG).
pub fn undeclared_in_from(
    unmatched: &BTreeSet<String>,
    declared: &[&str],
    span: Span,
) -> Vec<Warning> {
    unmatched
        .iter()
        .filter(|v| !declared.contains(&v.as_str()))
        .map(|v| {
            let mut detail = format!("FROM argument '{v}' is not declared");
            if let Some(s) = suggest::closest(v, declared, true) {
                detail.push_str(&format!(" (did you mean {s}?)"));
            }
            warning(&UNDEFINED_ARG_IN_FROM, span, detail)
        })
        .collect()
}

/// RedundantTargetPlatform and FromPlatformFlagConstDisallowed for `FROM --platform=raw`:
/// `value` is its expansion, `matched`/`unmatched` the variables it used, `target` the value of
/// `TARGETPLATFORM`, `stage` the stage's name ("" when unnamed).
pub fn platform_flag(
    raw: &str,
    value: &str,
    matched: &BTreeSet<String>,
    unmatched: &BTreeSet<String>,
    target: Option<&str>,
    stage: &str,
    span: Span,
) -> Vec<Warning> {
    let mut out = Vec::new();
    if matched.len() == 1
        && unmatched.is_empty()
        && matched.contains("TARGETPLATFORM")
        && target == Some(value)
    {
        let detail = format!(
            "Setting platform to predefined {raw} in FROM is redundant as this is the default behavior"
        );
        out.push(warning(&REDUNDANT_TARGET_PLATFORM, span, detail));
    }
    if matched.is_empty() && unmatched.is_empty() {
        if let Ok(p) = Platform::parse(value) {
            if !stage.contains(&p.os) && !stage.contains(&p.architecture) {
                let detail = format!(
                    "FROM --platform flag should not use constant value {}",
                    go_quote(value)
                );
                out.push(warning(&FROM_PLATFORM_FLAG_CONST_DISALLOWED, span, detail));
            }
        }
    }
    out
}

/// InvalidBaseImagePlatform: the image `name` (as the `FROM` line names it, expanded) resolved
/// for `expected` has a config of another OS or architecture. A config that names neither
/// (an unknown image: no resolver) is not checked.
pub fn base_platform(
    name: &str,
    expected: &Platform,
    config: &serde_json::Value,
    span: Span,
) -> Option<Warning> {
    let field = |k: &str| config.get(k).and_then(|v| v.as_str()).unwrap_or_default();
    let (os, arch, variant) = (field("os"), field("architecture"), field("variant"));
    if (os.is_empty() && arch.is_empty()) || (os == expected.os && arch == expected.architecture) {
        return None;
    }
    let written = [os, arch, variant].join("/");
    let written = written.trim_end_matches('/');
    let actual = Platform::parse(written).map_or_else(|_| written.to_string(), |p| p.id());
    let detail = format!(
        "Base image {name} was pulled with platform {}, expected {} for current build",
        go_quote(&actual),
        go_quote(&expected.id())
    );
    Some(warning(&INVALID_BASE_IMAGE_PLATFORM, span, detail))
}

/// What [`undefined_vars`] looks variables up in.
pub struct Scope<'a> {
    /// The stage's lexer.
    pub lexer: &'a Lexer,
    /// The stage's environment (image `ENV`, `ENV`s, ARG values) before the instruction.
    pub env: &'a dyn Env,
    /// Its names, for suggestions.
    pub names: Vec<&'a str>,
    /// ARGs the stage declared (with or without a value) and ARGs that never become
    /// environment variables: never reported.
    pub declared: Vec<&'a str>,
}

impl Scope<'_> {
    /// UndefinedVar for the variables `word` uses that are unset.
    pub fn undefined_in(&self, word: &str, span: Span) -> Vec<Warning> {
        self.report(self.lexer.process_word_with_matches(word, self.env), span)
    }

    fn report(
        &self,
        expanded: Result<
            stagetrail_dockerfile::expand::Expanded,
            stagetrail_dockerfile::expand::ExpandError,
        >,
        span: Span,
    ) -> Vec<Warning> {
        let Ok(x) = expanded else {
            return Vec::new();
        };
        x.unmatched
            .iter()
            .filter(|v| !self.declared.contains(&v.as_str()))
            .map(|v| {
                let mut detail = format!("Usage of undefined variable '${v}'");
                if let Some(s) = suggest::closest(v, &self.names, true) {
                    detail.push_str(&format!(" (did you mean ${s}?)"));
                }
                warning(&UNDEFINED_VAR, span, detail)
            })
            .collect()
    }

    /// UndefinedVar for the words upstream's `Expand`/`ExpandRaw` of `cmd` expand, in their
    /// order (`ARG` defaults are checked as each is dispatched).
    pub fn undefined_vars(&self, cmd: &Command, span: Span) -> Vec<Warning> {
        let mut words: Vec<&str> = Vec::new();
        let mut raw: Vec<&str> = Vec::new();
        match cmd {
            Command::Env(kvs) | Command::Label(kvs) => {
                for kv in kvs {
                    words.extend([kv.key.as_str(), kv.value.as_str()]);
                }
            }
            Command::Add(a) => {
                let flags = [&a.chown, &a.chmod, &a.checksum];
                copy_words(&flags, &a.paths, &mut words, &mut raw);
            }
            Command::Copy(c) => copy_words(&[&c.chown, &c.chmod], &c.paths, &mut words, &mut raw),
            Command::Run(r) => {
                let fields: Vec<String> = r
                    .mounts
                    .iter()
                    .filter_map(|m| csv::first_record(m).ok())
                    .flatten()
                    .filter_map(|f| f.split_once('=').map(|(_, v)| v.to_string()))
                    .collect();
                return fields
                    .iter()
                    .flat_map(|w| self.undefined_in(w, span))
                    .collect();
            }
            Command::Workdir(w) | Command::User(w) | Command::StopSignal(w) => words.push(w),
            Command::Volume(v) => words.extend(v.iter().map(String::as_str)),
            _ => {}
        }
        let mut out: Vec<Warning> = words
            .iter()
            .flat_map(|w| self.undefined_in(w, span))
            .collect();
        let body = Lexer::new('\\');
        for r in raw {
            let guarded = crate::words::guard_quotes(r);
            out.extend(self.report(body.process_word_with_matches(&guarded, self.env), span));
        }
        out
    }
}

/// The words of `COPY`/`ADD` upstream expands: the `flags` in order, the sources, the
/// destination; and the heredoc bodies it expands raw.
fn copy_words<'c>(
    flags: &[&'c Option<String>],
    paths: &'c SourcesAndDest,
    words: &mut Vec<&'c str>,
    raw: &mut Vec<&'c str>,
) {
    words.extend(flags.iter().filter_map(|f| f.as_deref()));
    words.extend(paths.sources.iter().map(String::as_str));
    words.push(&paths.dest);
    let bodies = paths.heredocs.iter().filter(|h| h.expand);
    raw.extend(bodies.map(|h| h.content.as_str()));
}

/// CopyIgnoredFile: a context source (`COPY`/`ADD` without `--from`, expanded; no URL) that
/// the `.dockerignore` `patterns` exclude.
pub fn ignored_source(is_add: bool, src: &str, patterns: &[String], span: Span) -> Option<Warning> {
    if patterns.is_empty() || !dockerignore::matches(patterns, src) {
        return None;
    }
    let cmd = if is_add { "Add" } else { "Copy" };
    let detail = format!(
        "Attempting to {cmd} file {} that is excluded by .dockerignore",
        go_quote(src)
    );
    Some(warning(&COPY_IGNORED_FILE, span, detail))
}
