//! COPY/ADD → FileOp copies (upstream `dispatchCopy`): context, stage, image, git
//! and http sources, heredoc files, chown/chmod, `--link` (copy onto scratch then
//! MergeOp), `--parents`/`--exclude`, and the history entry.

use std::collections::BTreeMap;

use sha2::{Digest as _, Sha256};

use super::checks::{found, step};
use super::ctx::Ctx;
use super::facts::{Input, InputKind, InputSource};
use super::gitref::{clean_abs, git_source, parse_git_ref};
use super::names::{prefix_command, uppercase_cmd};
use super::state::{Step, StepKind};
use super::{err, ranges, words, Dialect, Error};
use stagetrail_dockerfile::ast::{Add, Copy, Heredoc, Instruction, SourcesAndDest};
use stagetrail_llb as llb;
use stagetrail_llb::pb;

/// The flags COPY and ADD share, after expansion.
struct CopyConfig {
    sources: Vec<String>,
    dest: String,
    heredocs: Vec<Heredoc>,
    is_add: bool,
    source: llb::State,
    chown: Option<String>,
    chmod: Option<String>,
    link: bool,
    parents: bool,
    keep_git_dir: bool,
    checksum: Option<String>,
    excludes: Vec<String>,
    unpack: Option<bool>,
    /// What `source` stands for (for the build record).
    from: InputSource,
}

/// `--chmod`: octal → mode, symbolic → modeStr (BuildKit ≥ 0.17 semantics).
fn parse_chmod(v: &str) -> Result<(Option<i32>, Option<String>), String> {
    let bad = || {
        format!("invalid chmod parameter: '{v}'. it should be octal string and between 0 and 07777")
    };
    if let Ok(p) = u32::from_str_radix(v, 8) {
        if p > 0o7777 {
            return Err(bad());
        }
        return Ok((Some(p as i32), None));
    }
    let clause_ok = |c: &str| {
        let who_end = c.find(|ch: char| !"ugoa".contains(ch)).unwrap_or(c.len());
        let rest = &c[who_end..];
        !rest.is_empty()
            && rest.starts_with(['+', '-', '='])
            && rest[1..].chars().all(|ch| "rwxXst".contains(ch))
    };
    if !v.is_empty() && v.split(',').all(clause_ok) {
        return Ok((None, Some(v.to_string())));
    }
    Err(bad())
}

/// go-digest `Parse` validation of `--checksum`.
fn check_digest(d: &str) -> Result<(), String> {
    let Some((alg, hex)) = d.split_once(':') else {
        return Err("invalid checksum digest format".into());
    };
    let len = match alg {
        "sha256" => 64,
        "sha384" => 96,
        "sha512" => 128,
        _ => return Err("unsupported digest algorithm".into()),
    };
    if hex.len() != len || !hex.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f')) {
        return Err("invalid checksum digest length".into());
    }
    Ok(())
}

/// Upstream's `--checksum` rules, in its order: ADD only, one source, an http(s) URL (or, from
/// BuildKit 0.23 on, a git URL, whose checksum is a commit); a download's checksum a digest —
/// which BuildKit 0.13 checks first, for any source.
fn check_checksum(
    sum: &str,
    cfg: &CopyConfig,
    dialect: Dialect,
) -> Result<(), (String, &'static str)> {
    let digest = || check_digest(sum).map_err(|m| (m, "use --checksum=sha256:<64 hex digits>"));
    if !dialect.checks_git_sources() {
        digest()?;
    }
    if !cfg.is_add {
        return Err((
            "checksum can't be specified for COPY".into(),
            "use ADD for checksummed downloads",
        ));
    }
    let [src] = cfg.sources.as_slice() else {
        return Err((
            "checksum can't be specified for multiple sources".into(),
            "use one ADD per checksummed URL",
        ));
    };
    let git = parse_git_ref(src).is_some();
    if dialect.checks_git_sources() {
        if !is_http(src) && !git {
            return Err((
                "checksum requires HTTP(S) or Git sources".into(),
                "--checksum applies to http(s) and git URLs",
            ));
        }
    } else if !is_http(src) {
        return Err((
            "checksum can't be specified for non-HTTP sources".into(),
            "--checksum applies to http(s) URLs",
        ));
    }
    if git {
        return Ok(());
    }
    digest()
}

fn is_http(s: &str) -> bool {
    s.starts_with("http://") || s.starts_with("https://")
}

/// `path.Base` of a URL's path, `__unnamed__` when there is none.
fn url_filename(src: &str) -> String {
    let rest = src.split_once("://").map(|(_, r)| r).unwrap_or(src);
    let path = rest.find('/').map(|i| &rest[i..]).unwrap_or("");
    let path = path.split(['?', '#']).next().unwrap_or("");
    let trimmed = path.trim_end_matches('/');
    match trimmed.rsplit('/').next() {
        Some(b) if !b.is_empty() && b != "." => b.to_string(),
        _ => "__unnamed__".into(),
    }
}

/// NormalizePath("/", p): relative paths become absolute and clean; absolute stay.
fn abs(p: &str) -> String {
    if p.starts_with('/') {
        p.to_string()
    } else {
        clean_abs(p)
    }
}

fn owner(chown: &Option<String>, base: &llb::State) -> Option<pb::ChownOpt> {
    let c = chown.as_deref().filter(|c| !c.is_empty())?;
    let (u, g) = match c.split_once(':') {
        Some((u, g)) => (u, Some(g)),
        None => (c, None),
    };
    Some(llb::chown_by_name(u, g, base))
}

/// A progress-group id derived from the step (upstream uses a random one).
fn group_id(seed: &str) -> String {
    let h = Sha256::digest(seed.as_bytes());
    const ALPHA: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    h.iter()
        .take(25)
        .map(|b| ALPHA[(*b as usize) % 36] as char)
        .collect()
}

/// Dispatches COPY on state `i`; `sources` holds the `--from` state, if any.
pub(crate) fn dispatch_copy(
    ctx: &mut Ctx,
    i: usize,
    instr: &Instruction,
    c: &Copy,
    sources: &[usize],
) -> Result<(), Error> {
    let mut source = ctx.build_context.clone();
    let mut from = InputSource::Context;
    if let Some(&src) = sources.first() {
        from = ctx.states[src].as_source();
        if !ctx.states[src].done {
            return Err(err(
                instr.span,
                format!(
                    "cannot copy from stage {:?}, it needs to be defined before current stage {:?}",
                    c.from.clone().unwrap_or_default(),
                    ctx.states[i].display_name
                ),
                "move the stage you copy from above this one",
            ));
        }
        source = ctx.states[src].state.clone();
    }
    let perms = Perms {
        chown: &c.chown,
        chmod: &c.chmod,
    };
    let cfg = expand(ctx, i, instr, &c.paths, perms, None, false, source)?;
    let cfg = CopyConfig {
        link: c.link,
        parents: c.parents,
        excludes: c.exclude.clone(),
        from,
        ..cfg
    };
    let from_context = sources.is_empty();
    let srcs = cfg.sources.clone();
    let from_stage = sources.first().and_then(|&s| ctx.states[s].stage);
    lower(ctx, i, instr, cfg, from_stage)?;
    if from_context {
        for s in srcs {
            ctx.states[i].ctx_paths.insert(clean_abs(&s));
        }
    }
    Ok(())
}

/// Dispatches ADD on state `i`.
pub(crate) fn dispatch_add(
    ctx: &mut Ctx,
    i: usize,
    instr: &Instruction,
    a: &Add,
) -> Result<(), Error> {
    let source = ctx.build_context.clone();
    let cfg = expand(
        ctx,
        i,
        instr,
        &a.paths,
        Perms {
            chown: &a.chown,
            chmod: &a.chmod,
        },
        a.checksum.as_ref(),
        true,
        source,
    )?;
    let cfg = CopyConfig {
        link: a.link,
        keep_git_dir: a.keep_git_dir,
        excludes: a.exclude.clone(),
        unpack: a.unpack,
        ..cfg
    };
    let srcs = cfg.sources.clone();
    lower(ctx, i, instr, cfg, None)?;
    for s in srcs.iter().filter(|s| !is_http(s)) {
        ctx.states[i].ctx_paths.insert(clean_abs(s));
    }
    Ok(())
}

/// `--chown` and `--chmod` as written.
struct Perms<'a> {
    chown: &'a Option<String>,
    chmod: &'a Option<String>,
}

/// Upstream `Expand`/`ExpandRaw` of COPY/ADD: sources, dest, chown, chmod (BuildKit ≥ 0.16),
/// checksum and heredoc bodies marked for expansion.
#[allow(clippy::too_many_arguments)]
fn expand(
    ctx: &Ctx,
    i: usize,
    instr: &Instruction,
    paths: &SourcesAndDest,
    perms: Perms,
    checksum: Option<&String>,
    is_add: bool,
    source: llb::State,
) -> Result<CopyConfig, Error> {
    let env = &ctx.states[i].env;
    let hint = "check the variables this instruction uses";
    let x = |w: &str| words::word(&ctx.lexer, w, env).map_err(|e| err(instr.span, e, hint));
    let sources = paths
        .sources
        .iter()
        .map(|s| x(s))
        .collect::<Result<Vec<_>, _>>()?;
    let dest = x(&paths.dest)?;
    let chown = perms.chown.as_deref().map(&x).transpose()?;
    let chmod = perms.chmod.as_deref().map(&x).transpose()?;
    let checksum = checksum
        .map(|c| x(c))
        .transpose()?
        .filter(|c| !c.is_empty());
    let mut heredocs = paths.heredocs.clone();
    for h in &mut heredocs {
        if h.expand {
            h.content =
                words::heredoc_body(&h.content, env).map_err(|e| err(instr.span, e, hint))?;
        }
    }
    Ok(CopyConfig {
        sources,
        dest,
        heredocs,
        is_add,
        source,
        chown,
        chmod,
        link: false,
        parents: false,
        keep_git_dir: false,
        checksum,
        excludes: Vec::new(),
        unpack: None,
        from: InputSource::Context,
    })
}

fn lower(
    ctx: &mut Ctx,
    i: usize,
    instr: &Instruction,
    cfg: CopyConfig,
    from_stage: Option<usize>,
) -> Result<(), Error> {
    let span = instr.span;
    if cfg.from == InputSource::Context {
        let ignored: Vec<_> = cfg
            .sources
            .iter()
            .filter(|s| !(is_http(s) || cfg.is_add && parse_git_ref(s).is_some()))
            .filter_map(|s| {
                found::ignored_source(cfg.is_add, s, &ctx.s.opts.context_excludes, span)
            })
            .collect();
        ctx.found_at_step(step::DISPATCH, ignored);
    }
    let e = |m: String, h: &str| err(span, m, h);
    let dialect = ctx.s.opts.dialect;
    let platform = ctx.platform_of(i);
    let multi = ctx.s.multi_platform;
    let lexer = ctx.lexer.clone();
    let created = ctx.epoch.clone();
    let d = &mut ctx.states[i];

    let mut dest = if cfg.dest.is_empty() {
        d.dir.clone()
    } else if cfg.dest.starts_with('/') {
        cfg.dest.clone()
    } else {
        clean_abs(&format!("{}/{}", d.dir, cfg.dest))
    };
    if cfg.dest.is_empty() || cfg.dest == "." || cfg.dest.ends_with('/') {
        dest.push('/');
    }
    let (mode, mode_str) = match cfg.chmod.as_deref().filter(|c| !c.is_empty()) {
        Some(c) => parse_chmod(c)
            .map_err(|m| e(m, "use an octal mode like 0755 or a symbolic one like u+x"))?,
        None => (None, None),
    };
    if let Some(sum) = &cfg.checksum {
        check_checksum(sum, &cfg, dialect).map_err(|(m, h)| e(m, h))?;
    }

    let mut msg = String::from(if cfg.is_add { "ADD" } else { "COPY" });
    if cfg.parents {
        msg.push_str(" --parents");
    }
    if let Some(c) = &cfg.chown {
        if !c.is_empty() {
            msg.push_str(&format!(" --chown={c}"));
        }
    }
    if let Some(c) = cfg.chmod.as_deref().filter(|c| !c.is_empty()) {
        msg.push_str(&format!(" --chmod={c}"));
    }

    let env = d.env.clone();
    let name = uppercase_cmd(&words::plain_cmd_env(&lexer, instr.original.trim(), &env));
    let pg_name = prefix_command(d, &name, multi, Some(&platform), &env);
    let link = cfg.link && cfg.chmod.as_deref().unwrap_or("").is_empty();
    let base = if link {
        llb::State::scratch()
    } else {
        d.state.clone()
    };
    let own = owner(&cfg.chown, &base);
    let simple = |src: String| llb::CopyInfo {
        src,
        dest: dest.clone(),
        owner: own.clone(),
        mode,
        mode_str: mode_str.clone(),
        create_dest_path: true,
        exclude_patterns: cfg.excludes.clone(),
        ..llb::CopyInfo::default()
    };

    let kind = if cfg.is_add {
        InputKind::Add
    } else {
        InputKind::Copy
    };
    let fact = |source: InputSource, paths: Vec<String>| Input {
        kind,
        source: Some(source),
        id: None,
        paths,
        dest: dest.clone(),
    };
    let mut inputs = Vec::new();
    let mut plain = Vec::new();
    let mut actions = llb::FileActions::new();
    for src in &cfg.sources {
        msg.push(' ');
        msg.push_str(src);
        if let Some(g) = parse_git_ref(src) {
            if !cfg.is_add {
                return Err(e(
                    "source can't be a git ref for COPY".into(),
                    "use ADD for git sources",
                ));
            }
            let mut reference = g.commit.clone();
            if !g.subdir.is_empty() {
                reference = format!("{reference}:{}", g.subdir);
            }
            inputs.push(fact(
                InputSource::Git {
                    remote: g.remote.clone(),
                    reference: g.commit.clone(),
                    subdir: g.subdir.clone(),
                    keep_git_dir: cfg.keep_git_dir,
                },
                Vec::new(),
            ));
            let (id, mut attrs) = git_source(&g.remote, &reference, cfg.keep_git_dir);
            if let Some(sum) = cfg
                .checksum
                .as_ref()
                .filter(|_| dialect.checks_git_sources())
            {
                attrs.insert("git.checksum".into(), sum.clone());
            }
            let st = llb::State::source(&id, attrs, None, llb::OpMeta::named(pg_name.clone()));
            actions = actions.copy(&st, simple("/".into()));
        } else if is_http(src) {
            if !cfg.is_add {
                return Err(e(
                    "source can't be a URL for COPY".into(),
                    "use ADD for URLs",
                ));
            }
            let f = url_filename(src);
            inputs.push(fact(
                InputSource::Http {
                    url: src.clone(),
                    checksum: cfg.checksum.clone(),
                },
                Vec::new(),
            ));
            let mut attrs = BTreeMap::new();
            if let Some(sum) = &cfg.checksum {
                attrs.insert("http.checksum".to_string(), sum.clone());
            }
            attrs.insert("http.filename".to_string(), f.clone());
            let mut meta = llb::OpMeta::named(pg_name.clone());
            meta.description
                .insert("com.docker.dockerfile.v1.command".into(), String::new());
            let st = llb::State::source(src, attrs, None, meta);
            actions = actions.copy(&st, simple(f));
        } else {
            plain.push(src.clone());
            let mut src_path = src.clone();
            let mut include = Vec::new();
            if cfg.parents {
                let pattern = match src.split_once("/./") {
                    Some((parent, pattern)) => {
                        src_path = parent.to_string();
                        pattern.to_string()
                    }
                    None => {
                        src_path = "/".into();
                        src.clone()
                    }
                };
                include.push(abs(&pattern).trim_start_matches('/').to_string());
            }
            let info = llb::CopyInfo {
                src: abs(&src_path),
                follow_symlink: true,
                dir_copy_contents: true,
                include_patterns: include,
                attempt_unpack: cfg.is_add && cfg.unpack != Some(false),
                allow_wildcard: true,
                allow_empty_wildcard: true,
                ..simple(String::new())
            };
            actions = actions.copy(&cfg.source, info);
        }
    }
    if !plain.is_empty() {
        inputs.insert(0, fact(cfg.from.clone(), plain));
    }
    for h in &cfg.heredocs {
        inputs.push(fact(InputSource::Heredoc(h.name.clone()), Vec::new()));
        msg.push_str(&format!(" <<{}", h.name));
        let st = llb::State::scratch().file(
            llb::FileActions::new().mkfile(llb::MkfileInfo {
                path: h.name.clone(),
                mode: 0o644,
                data: h.content.clone().into_bytes(),
                owner: None,
                timestamp: None,
            }),
            llb::OpMeta::named("[internal] preparing inline document"),
        );
        actions = actions.copy(&st, simple(h.name.clone()));
    }
    msg.push(' ');
    msg.push_str(&cfg.dest);

    let mut file_meta = llb::OpMeta::named(pg_name.clone());
    file_meta.locations = ranges(span);
    file_meta.ignore_cache = d.ignore_cache;
    if link {
        d.cmd_index -= 1;
        let group_name = prefix_command(d, &name, multi, Some(&platform), &env);
        let id = group_id(&format!("{}:{}:{group_name}", d.index, span.start_line));
        let mut copy_meta = file_meta.clone();
        copy_meta.progress_group = Some(pb::ProgressGroup {
            id: id.clone(),
            name: group_name.clone(),
            weak: true,
        });
        let copied = llb::State::scratch().file(actions, copy_meta);
        d.cmd_index -= 1;
        let mut merge_meta = file_meta;
        merge_meta.custom_name = Some(prefix_command(
            d,
            &format!("LINK {name}"),
            multi,
            Some(&platform),
            &env,
        ));
        merge_meta.progress_group = Some(pb::ProgressGroup {
            id,
            name: group_name,
            weak: false,
        });
        d.state = llb::State::merge(&[d.state.clone(), copied], merge_meta);
    } else {
        d.state = d.state.file(actions, file_meta);
    }
    d.image.commit(&msg, true, true, created.as_deref());
    for input in inputs {
        d.record_input(input);
    }
    let onto_itself = from_stage.is_some()
        && !cfg.is_add
        && !cfg.parents
        && cfg.excludes.is_empty()
        && cfg.heredocs.is_empty()
        && mode.is_none()
        && match cfg.sources.as_slice() {
            [src] => {
                !src.contains(['*', '?', '[', '\\'])
                    && clean_abs(src) == clean_abs(&dest)
                    && (!dest.ends_with('/') || src.ends_with('/'))
            }
            _ => false,
        };
    d.steps.push(Step {
        line: span.start_line,
        kind: StepKind::Copy {
            dest,
            from_stage,
            onto_itself,
        },
        text: instr.original.trim().to_string(),
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chmod_forms() {
        assert_eq!(parse_chmod("755").unwrap(), (Some(0o755), None));
        assert_eq!(parse_chmod("0644").unwrap(), (Some(0o644), None));
        assert_eq!(
            parse_chmod("u+x,g-w").unwrap(),
            (None, Some("u+x,g-w".into()))
        );
        assert!(parse_chmod("99999").is_err());
        assert!(parse_chmod("rwx").is_err());
        assert!(parse_chmod("17777").is_err());
    }

    #[test]
    fn url_names_and_digests() {
        assert_eq!(url_filename("https://x.io/a/b.tar.gz?x=1"), "b.tar.gz");
        assert_eq!(url_filename("https://x.io/"), "__unnamed__");
        assert_eq!(url_filename("https://x.io"), "__unnamed__");
        assert!(check_digest(&format!("sha256:{}", "a".repeat(64))).is_ok());
        assert!(check_digest("sha256:abc").is_err());
        assert!(check_digest("md5:abc").is_err());
        assert!(check_digest("nocolon").is_err());
        assert_eq!(group_id("x").len(), 25);
    }
}
