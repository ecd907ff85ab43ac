//! The per-platform driver: plan the stages, resolve bases, dispatch every
//! reachable stage's instructions, then assemble the [`PlatformBuild`].

use std::collections::{BTreeMap, BTreeSet};

use super::checks::{step, Finding};
use super::context::main_context;
use super::ctx::{Ctx, Setup, MAX_EMITTED_BYTES, MAX_INHERITED_HISTORY};
use super::facts::InstructionFacts;
use super::outline::{self, Outline};
use super::platform::default_path_env;
use super::resolver::ResolvedImage;
use super::state::{StageBase, StageState, Step, StepKind};
use super::{
    err, lower_copy, lower_meta, lower_run, onbuild, Error, Options, PlatformBuild, StageBuild,
};
use stagetrail_dockerfile::ast::{doc_comment, Command, Instruction};
use stagetrail_dockerfile::expand::Lexer;
use stagetrail_llb as llb;
use stagetrail_llb::pb;
use stagetrail_oci::civil_time::rfc3339;

fn proxy_env(args: &BTreeMap<String, String>) -> Option<pb::ProxyEnv> {
    let mut pe = pb::ProxyEnv::default();
    let mut set = false;
    for (k, v) in args {
        let slot = match k.to_ascii_lowercase().as_str() {
            "http_proxy" => &mut pe.http_proxy,
            "https_proxy" => &mut pe.https_proxy,
            "ftp_proxy" => &mut pe.ftp_proxy,
            "no_proxy" => &mut pe.no_proxy,
            "all_proxy" => &mut pe.all_proxy,
            _ => continue,
        };
        slot.clone_from(v);
        set = true;
    }
    set.then_some(pe)
}

fn run_pass<'a>(
    s: &'a Setup<'a>,
    build_context: llb::State,
    cache: &'a mut BTreeMap<(String, String), Result<ResolvedImage, String>>,
    lint: &'a mut Vec<Finding>,
) -> Result<Ctx<'a>, Error> {
    lint.clear();
    let mut ctx = Ctx {
        s,
        lexer: Lexer::new(s.df.directives.escape),
        meta_args: Vec::new(),
        meta_outline: BTreeMap::new(),
        proxy: proxy_env(&s.opts.build_args),
        epoch: s.opts.source_date_epoch.map(rfc3339),
        states: Vec::new(),
        by_name: BTreeMap::new(),
        trigger_images: BTreeMap::new(),
        sources: BTreeMap::new(),
        target: 0,
        reachable: BTreeSet::new(),
        build_context,
        cache,
        inherited: 0,
        emitted: 0,
        lint,
        lint_slot: (0, 0),
    };
    ctx.plan()?;
    ctx.resolve_bases()?;
    if s.opts.dialect.plans_onbuild_sources() {
        while ctx.plan_trigger_sources()? {
            ctx.update_reachable();
            ctx.resolve_bases()?;
        }
    }
    for i in 0..ctx.states.len() {
        if (ctx.reachable.contains(&i) || s.opts.all_stages) && !ctx.states[i].done {
            dispatch_stage(&mut ctx, i)?;
        }
    }
    Ok(ctx)
}

/// Converts the Dockerfile for one target platform; `lint` gets the build checks it found.
pub(crate) fn build_platform(s: &Setup, lint: &mut Vec<Finding>) -> Result<PlatformBuild, Error> {
    let mut cache = BTreeMap::new();
    // First pass: learn which context paths are used (for `local.followpaths`).
    let used: BTreeSet<String> = {
        let ctx = run_pass(s, main_context(s.opts, &BTreeSet::new()), &mut cache, lint)?;
        ctx.states
            .iter()
            .filter(|d| ctx.reachable.contains(&d.index))
            .flat_map(|d| d.ctx_paths.iter().cloned())
            .collect()
    };
    let mut ctx = run_pass(s, main_context(s.opts, &used), &mut cache, lint)?;
    finish(&mut ctx)
}

fn finish(ctx: &mut Ctx) -> Result<PlatformBuild, Error> {
    let s = ctx.s;
    let t = ctx.target;
    let target_platform = s.target_platform.clone();
    {
        let img = &mut ctx.states[t].image;
        for (k, v) in &s.opts.labels {
            img.config.labels.insert(k.clone(), v.clone());
        }
        if !s.implicit_target || img.os.is_empty() || img.architecture.is_empty() {
            img.os.clone_from(&target_platform.os);
            img.architecture.clone_from(&target_platform.architecture);
            img.variant = target_platform.variant_str().to_string();
            img.os_version.clear();
        }
    }
    let definition = llb::marshal_as(
        &ctx.states[t].state,
        source_info(s.opts),
        s.opts.dialect.op_encoding(),
    );
    let stages = ctx
        .states
        .iter()
        .filter(|d| d.stage.is_some() && ctx.reachable.contains(&d.index))
        .map(|d| StageBuild {
            index: d.stage.unwrap_or_default(),
            name: d.name.clone(),
            state: d.state.clone(),
            base: d.base_kind.clone(),
            copy_from: d
                .deps
                .iter()
                .filter_map(|(dep, _)| ctx.states[*dep].stage)
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect(),
            span: d.span,
            platform: d.platform_or(&target_platform),
            build_args: d.build_args.clone(),
            instructions: d.facts.clone(),
            from_state: d.from_state.clone(),
            steps: d.steps.clone(),
            sbom_scan_stage: sbom_arg(ctx, d, SBOM_SCAN_STAGE),
            sbom_scan_context: sbom_arg(ctx, d, SBOM_SCAN_CONTEXT),
        })
        .collect();
    Ok(PlatformBuild {
        platform: target_platform,
        definition,
        image_config: ctx.states[t].image.to_json(),
        base_config: ctx.states[t].base_img.as_ref().map(|img| img.to_json()),
        stages,
        context: ctx.build_context.clone(),
        outline: target_outline(ctx),
    })
}

/// The outline of the target stage.
fn target_outline(ctx: &Ctx) -> Outline {
    let nodes: Vec<outline::Node> = ctx
        .states
        .iter()
        .map(|d| outline::Node {
            capture: &d.outline,
            base: d.base,
            deps: d.deps.iter().map(|(dep, _)| *dep).collect(),
        })
        .collect();
    let (args, secrets, ssh) = outline::gather(&nodes, ctx.target);
    let t = &ctx.states[ctx.target];
    let description = match (t.stage, &t.name) {
        (Some(i), Some(name)) => doc_comment(&ctx.s.df.stages[i].comments, name),
        _ => String::new(),
    };
    Outline {
        name: t.name.clone(),
        description,
        args,
        secrets,
        ssh,
    }
}

/// The ARG that picks the stages BuildKit scans for SBOMs.
const SBOM_SCAN_STAGE: &str = "BUILDKIT_SBOM_SCAN_STAGE";
/// The ARG that asks for an SBOM of the build context.
const SBOM_SCAN_CONTEXT: &str = "BUILDKIT_SBOM_SCAN_CONTEXT";

/// The value of `key` as a stage sees it (upstream: global ARGs, then the stage's ARGs, inherited
/// ones first, the last declaration winning); a `build-arg:` without any ARG declaring it counts too.
fn sbom_arg(ctx: &Ctx, d: &StageState, key: &str) -> Option<String> {
    ctx.meta_args
        .iter()
        .chain(&d.inherited_args)
        .chain(&d.build_args)
        .rfind(|(k, _)| k == key)
        .map(|(_, v)| v.clone().unwrap_or_default())
        .or_else(|| ctx.s.opts.build_args.get(key).cloned())
}

/// `Definition.Source.infos[0]`: the Dockerfile, with the definition that loads it.
fn source_info(opts: &Options) -> Option<pb::SourceInfo> {
    let data = opts.dockerfile_source.clone()?;
    let name = opts.filename();
    let mut follow = vec![name.to_string(), format!("{name}.dockerignore")];
    if name.rsplit('/').next() == Some("Dockerfile") {
        let dir = name.strip_suffix("Dockerfile").unwrap_or("");
        let lower = format!("{dir}dockerfile");
        follow.push(lower.trim_start_matches("./").to_string());
    }
    let mut attrs = BTreeMap::new();
    attrs.insert(
        "local.followpaths".to_string(),
        super::gofmt::json_string_list(&follow),
    );
    attrs.insert("local.sharedkeyhint".into(), "dockerfile".into());
    attrs.insert("local.differ".into(), "none".into());
    if let Some(sid) = &opts.session_id {
        attrs.insert("local.session".into(), sid.clone());
    }
    let st = llb::State::source(
        "local://dockerfile",
        attrs,
        None,
        llb::OpMeta::named(format!("[internal] load build definition from {name}")),
    );
    Some(pb::SourceInfo {
        filename: name.to_string(),
        data,
        definition: Some(llb::marshal(&st, None)),
        language: "Dockerfile".into(),
    })
}

fn dispatch_stage(ctx: &mut Ctx, i: usize) -> Result<(), Error> {
    ctx.states[i].done = true;
    if let Some(b) = ctx.states[i].base {
        // Only what the stage inherits: cloning the whole base state (its facts and steps
        // too) made a chain of stages quadratic in memory.
        let base = &ctx.states[b];
        ctx.inherited += base.image.history.len();
        if ctx.inherited > MAX_INHERITED_HISTORY {
            return Err(err(
                ctx.states[i].span,
                format!(
                    "the stages copy more than {MAX_INHERITED_HISTORY} history entries from \
                     the stages they start from"
                ),
                "start fewer stages FROM long stages, or use fewer instructions",
            ));
        }
        let base = &ctx.states[b];
        let (state, platform, image, base_img) = (
            base.state.clone(),
            base.platform.clone(),
            base.image.clone(),
            base.base_img.clone(),
        );
        let (env, dir, user, hostname, network) = (
            base.env.clone(),
            base.dir.clone(),
            base.user.clone(),
            base.hostname.clone(),
            base.network,
        );
        let base_kind = StageBase::Stage(base.stage.unwrap_or(b));
        let inherited_args = ctx.s.opts.dialect.inherits_stage_args().then(|| {
            let mut args = base.inherited_args.clone();
            args.extend(base.build_args.iter().cloned());
            args
        });
        let d = &mut ctx.states[i];
        d.state = state;
        d.platform = platform;
        d.image = image;
        d.base_img = base_img;
        d.env = env;
        d.dir = dir;
        d.user = user;
        d.hostname = hostname;
        d.network = network;
        d.base_kind = base_kind;
        if let Some(args) = inherited_args {
            d.inherited_args = args;
        }
    }
    let platform = ctx.platform_of(i);
    let span = ctx.states[i].span;
    {
        let d = &mut ctx.states[i];
        d.platform = Some(platform.clone());
        if !d
            .image
            .config
            .env
            .iter()
            .any(|e| e.split('=').next() == Some("PATH"))
        {
            d.image
                .config
                .env
                .push(format!("PATH={}", default_path_env(&platform.os)));
        }
        for e in d.image.config.env.clone() {
            let (k, v) = e.split_once('=').unwrap_or((e.as_str(), ""));
            d.env.add(k, v);
        }
        if let Some(h) = &ctx.s.opts.hostname {
            d.hostname.clone_from(h);
        }
        if !d.image.config.working_dir.is_empty() {
            let wd = lower_meta::normalize_workdir(
                &d.image.config.working_dir,
                &d.image.config.working_dir.clone(),
            );
            d.image.config.working_dir.clone_from(&wd);
            d.dir = wd;
        }
        if !d.image.config.user.is_empty() {
            d.user.clone_from(&d.image.config.user);
        }
        d.network = network_mode(ctx.s.opts.network_mode.as_deref())
            .map_err(|e| err(span, e, "use sandbox, host or none"))?;
    }
    let triggers = std::mem::take(&mut ctx.states[i].image.config.on_build);
    let onbuild_steps = ctx.s.opts.dialect.names_onbuild_steps();
    if onbuild_steps {
        ctx.states[i].cmd_total += triggers.len();
    }
    ctx.lint_slot = (ctx.states[i].stage.unwrap_or(i), 0);
    for trigger in &triggers {
        dispatch_trigger(ctx, i, trigger, onbuild_steps)
            .map_err(|e| onbuild::trigger_failed(span, trigger, e))?;
    }
    let Some(si) = ctx.states[i].stage else {
        return Ok(());
    };
    ctx.states[i].from_state = ctx.states[i].state.clone();
    let df = ctx.s.df;
    for (ii, instr) in df.stages[si].instructions.iter().enumerate() {
        ctx.lint_slot = (si, ii + 1);
        let sources = ctx.sources.get(&(i, ii)).cloned().unwrap_or_default();
        dispatch(ctx, i, instr, &sources)?;
    }
    Ok(())
}

/// `force-network-mode` as upstream `parseNetMode`.
fn network_mode(v: Option<&str>) -> Result<pb::NetMode, String> {
    match v.unwrap_or("") {
        "" | "sandbox" => Ok(pb::NetMode::Unset),
        "host" => Ok(pb::NetMode::Host),
        "none" => Ok(pb::NetMode::None),
        other => Err(format!("invalid netmode {other}")),
    }
}

/// Parses and dispatches one ONBUILD trigger of the base image (upstream
/// `dispatchOnBuildTriggers`; its locations are lines of the trigger text).
/// `named`: its steps read `[n/m] ONBUILD …`.
fn dispatch_trigger(ctx: &mut Ctx, i: usize, trigger: &str, named: bool) -> Result<(), Error> {
    let instr = onbuild::parse_trigger(trigger)?;
    let sources = ctx.trigger_sources(&instr)?;
    ctx.states[i].cmd_is_onbuild = named;
    let dispatched = dispatch(ctx, i, &instr, &sources);
    ctx.states[i].cmd_is_onbuild = false;
    dispatched?;
    if let Some(f) = ctx.states[i].facts.last_mut() {
        f.onbuild = true;
    }
    Ok(())
}

/// Dispatches one instruction on state `i`.
pub(crate) fn dispatch(
    ctx: &mut Ctx,
    i: usize,
    instr: &Instruction,
    sources: &[usize],
) -> Result<(), Error> {
    ctx.states[i].facts.push(InstructionFacts::new(instr));
    undefined_vars(ctx, i, instr);
    let before = ctx.states[i].image.history.len();
    match &instr.command {
        Command::Run(r) => {
            lower_run::dispatch_run(ctx, i, instr, r, sources)?;
            ctx.states[i].steps.push(Step {
                line: instr.span.start_line,
                kind: StepKind::Run,
                text: instr.original.trim().to_string(),
            });
            // The whole environment is copied into the exec op.
            ctx.emitted += ctx.states[i]
                .env
                .0
                .iter()
                .map(|(k, v)| k.len() + v.len() + 1)
                .sum::<usize>();
        }
        Command::Copy(c) => lower_copy::dispatch_copy(ctx, i, instr, c, sources)?,
        Command::Add(a) => lower_copy::dispatch_add(ctx, i, instr, a)?,
        _ => lower_meta::dispatch_meta(ctx, i, instr)?,
    }
    let d = &ctx.states[i];
    ctx.emitted += d.image.history[before.min(d.image.history.len())..]
        .iter()
        .map(|h| h.created_by.len())
        .sum::<usize>();
    if ctx.emitted > MAX_EMITTED_BYTES {
        return Err(err(
            instr.span,
            format!(
                "the build's steps and history would hold more than {MAX_EMITTED_BYTES} bytes \
                 of expanded text"
            ),
            "use shorter ARG/ENV values: every RUN copies the whole environment",
        ));
    }
    Ok(())
}

/// UndefinedVar for the words of `instr` expanded before it is dispatched (`ARG` defaults are
/// checked as each is dispatched).
fn undefined_vars(ctx: &mut Ctx, i: usize, instr: &Instruction) {
    let warnings = ctx
        .lint_scope(i, None)
        .undefined_vars(&instr.command, instr.span);
    ctx.found_at_step(step::EXPAND, warnings);
}

#[cfg(test)]
mod tests {
    use crate::{convert, NoResolver, Options};

    fn convert_text(text: &str) -> Result<crate::Converted, crate::Error> {
        convert(
            &stagetrail_dockerfile::parse(text)?,
            &Options::default(),
            &NoResolver,
        )
    }

    /// A 1 MiB environment copied into thousands of RUNs is refused at the RUN that goes past
    /// the budget, instead of building gigabytes of LLB.
    #[test]
    fn environment_copies_are_bounded() {
        let text = format!(
            "FROM busybox\nENV A={}\n{}{}",
            "x".repeat(480),
            "ENV A=${A}${A}\n".repeat(11),
            "RUN true\n".repeat(5000)
        );
        let e = convert_text(&text).unwrap_err();
        assert_eq!(e.span.start_line, 29, "{e}");
        assert!(e.message.contains("more than 16777216 bytes"), "{e}");
    }

    /// A chain of stages over a long stage copies its history each time: bounded in total.
    #[test]
    fn inherited_history_is_bounded() {
        let mut text = String::from("FROM busybox AS s0\n");
        text.push_str(&"RUN true\n".repeat(2_000));
        for i in 0..200 {
            text.push_str(&format!("FROM s{i} AS s{}\n", i + 1));
        }
        let e = convert_text(&text).unwrap_err();
        assert!(
            e.message.contains("more than 200000 history entries"),
            "{e}"
        );
        assert!(e.span.start_line > 2_001, "{e}");
    }
}
