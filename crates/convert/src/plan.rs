//! The stage DAG: global ARGs, FROM expansion, stage names, `--from`/`--mount from=`
//! edges (implicit image states for unknown names), target selection, cycle check
//! and reachability — upstream `toDispatchState` up to image resolution.

use std::collections::{BTreeMap, BTreeSet};

use super::checks::{found, At};
use super::ctx::Ctx;
use super::outline::{arg_info, Capture};
use super::platform::{platform_args, Platform};
use super::state::{StageBase, StageState};
use super::{err, words, Error};
use stagetrail_dockerfile::ast::{Command, Instruction, Span};

/// The `from=` value of a raw `--mount` (unexpanded), as upstream's parse-time pass.
fn mount_from(raw: &str) -> Result<Option<String>, String> {
    for field in raw.split(',') {
        let field = field.trim_matches('"');
        if let Some((k, v)) = field.split_once('=') {
            if k.eq_ignore_ascii_case("from") {
                let b = v.as_bytes();
                if b.windows(2).any(|w| w[0] == b'$') {
                    return Err(
                        "'from' doesn't support variable expansion, define alias stage instead"
                            .into(),
                    );
                }
                return Ok((!v.is_empty()).then(|| v.to_string()));
            }
        }
    }
    Ok(None)
}

/// Go's `strconv.Atoi` acceptance: optional sign, then digits.
fn parse_index(s: &str) -> Option<i64> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// What a `--from` naming no stage becomes.
#[derive(Clone, Copy)]
enum Implicit {
    /// A new image state.
    New,
    /// The image state of that name made earlier, else a new one.
    Reuse,
    /// An error.
    Refuse,
}

impl Ctx<'_> {
    /// The hint that lists the named stages.
    pub(super) fn stage_names(&self) -> String {
        let names: Vec<&str> = self
            .states
            .iter()
            .filter_map(|d| d.name.as_deref())
            .collect();
        if names.is_empty() {
            "the Dockerfile has no named stages (use FROM … AS name)".into()
        } else {
            format!("available stages: {}", names.join(", "))
        }
    }

    fn add_state(&mut self, mut ds: StageState) -> usize {
        let idx = self.states.len();
        ds.index = idx;
        if ds.stage.is_some() && !ds.done {
            if let Some(&b) = self.by_name.get(&ds.base_name) {
                ds.base = Some(b);
            }
        }
        if let Some(n) = &ds.name {
            self.by_name.insert(n.to_lowercase(), idx);
        }
        self.states.push(ds);
        idx
    }

    fn implicit_state(&mut self, base_name: &str, span: Span) -> usize {
        let mut ds = StageState::new(0, span);
        ds.base_name = base_name.to_string();
        ds.unregistered = true;
        self.add_state(ds)
    }

    /// The predefined platform ARGs (and, by dialect, `TARGETSTAGE` and the OS versions),
    /// build args overriding them.
    fn platform_meta(&self) -> Vec<(String, Option<String>)> {
        let s = self.s;
        // Upstream names the target stage by `--target` as given, else the last stage's name.
        let target_stage = s
            .opts
            .target
            .as_deref()
            .filter(|t| !t.is_empty())
            .or_else(|| s.df.stages.last().and_then(|st| st.from.name.as_deref()));
        platform_args(
            &s.build_platform,
            &s.target_platform,
            s.opts.dialect,
            target_stage,
        )
        .into_iter()
        .map(|(k, v)| {
            let v = s.opts.build_args.get(&k).cloned().unwrap_or(v);
            (k, Some(v))
        })
        .collect()
    }

    /// InvalidDefaultArgInFrom: each stage's base expanded with the global ARGs' defaults, as
    /// if no build arg were given (upstream `validateBaseImagesWithDefaultArgs`).
    fn check_default_bases(&mut self) {
        let s = self.s;
        let mut env: BTreeMap<String, String> = self
            .platform_meta()
            .into_iter()
            .map(|(k, v)| (k, v.unwrap_or_default()))
            .collect();
        for instr in &s.df.meta_args {
            let Command::Arg(decls) = &instr.command else {
                continue;
            };
            for d in decls.iter() {
                let Some(default) = &d.default else { continue };
                let Ok(v) = self.lexer.process_word(default, &env) else {
                    return;
                };
                env.insert(d.name.clone(), v);
            }
        }
        let bases: Vec<(&str, Span)> =
            s.df.stages
                .iter()
                .map(|st| (st.from.base.as_str(), st.span))
                .collect();
        let warnings = found::invalid_default_bases(&self.lexer, &bases, &env);
        self.found(At::From, warnings);
    }

    fn global_args(&mut self) {
        let s = self.s;
        let mut meta = self.platform_meta();
        // The expansion environment, kept up to date as ARGs are declared (rebuilding it for
        // each ARG made N global ARGs cost N² map inserts).
        let mut env: std::collections::BTreeMap<String, String> = meta
            .iter()
            .map(|(k, v)| (k.clone(), v.clone().unwrap_or_default()))
            .collect();
        for instr in &s.df.meta_args {
            let Command::Arg(decls) = &instr.command else {
                continue;
            };
            for d in decls {
                let mut deps = BTreeSet::new();
                let value = match s.opts.build_args.get(&d.name) {
                    Some(v) => Some(v.clone()),
                    None => d.default.as_ref().map(|v| {
                        let (value, matched) =
                            words::word_with_matches(&self.lexer, v, &env).unwrap_or_default();
                        deps = matched;
                        value
                    }),
                };
                if deps.remove(&d.name) {
                    // `ARG A=$A:x` keeps what the earlier `A` used.
                    if let Some(old) = self.meta_outline.get(&d.name) {
                        deps.extend(old.deps().iter().cloned());
                    }
                }
                let info = arg_info(d, &instr.comments, value.as_deref(), instr.span, deps);
                self.meta_outline.insert(d.name.clone(), info);
                env.insert(d.name.clone(), value.clone().unwrap_or_default());
                meta.push((d.name.clone(), value));
            }
        }
        self.meta_args = meta;
    }

    /// Builds the states, picks the target, adds edges and checks for cycles.
    pub(crate) fn plan(&mut self) -> Result<(), Error> {
        self.global_args();
        self.check_default_bases();
        let s = self.s;
        let meta_env = self.meta_env();
        let declared: BTreeSet<String> = self
            .meta_outline
            .keys()
            .chain(meta_env.keys())
            .cloned()
            .collect();
        let declared: Vec<&str> = declared.iter().map(String::as_str).collect();
        for (i, st) in s.df.stages.iter().enumerate() {
            let hint = "global ARGs used in FROM must be declared before the first FROM";
            let expanded = self
                .lexer
                .process_word_with_matches(&st.from.base, &meta_env);
            if let Ok(x) = &expanded {
                let warnings = found::undeclared_in_from(&x.unmatched, &declared, st.span);
                self.found(At::From, warnings);
            }
            let (base, mut used) = expanded
                .map(|x| (x.value, x.matched))
                .map_err(|e| err(st.span, e.message, hint))?;
            if base.is_empty() {
                return Err(err(
                    st.span,
                    format!("base name ({}) should not be blank", st.from.base),
                    "give FROM an image, a stage name or scratch; check the ARGs it uses",
                ));
            }
            let mut ds = StageState::new(0, st.span);
            ds.stage = Some(i);
            ds.name = st.from.name.as_ref().map(|n| n.to_lowercase());
            ds.base_name = base;
            ds.source_code = st.original.trim().to_string();
            ds.has_location = true;
            if let Some(p) = &st.from.platform {
                let expanded = self.lexer.process_word_with_matches(p, &meta_env);
                if let Ok(x) = &expanded {
                    let mut warnings = found::undeclared_in_from(&x.unmatched, &declared, st.span);
                    let stage = st.from.name.as_deref().unwrap_or_default().to_lowercase();
                    let target = meta_env.get("TARGETPLATFORM").map(String::as_str);
                    warnings.extend(found::platform_flag(
                        p,
                        &x.value,
                        &x.matched,
                        &x.unmatched,
                        target,
                        &stage,
                        st.span,
                    ));
                    self.found(At::From, warnings);
                }
                let (v, matched) = expanded.map(|x| (x.value, x.matched)).map_err(|e| {
                    err(
                        st.span,
                        format!(
                            "failed to process arguments for platform {p}: {}",
                            e.message
                        ),
                        hint,
                    )
                })?;
                used.extend(matched);
                let parsed = Platform::parse(&v).map_err(|e| {
                    err(
                        st.span,
                        format!("failed to parse platform {v}: {e}"),
                        "use a platform like linux/amd64, linux/arm64 or linux/arm/v7",
                    )
                })?;
                ds.platform = Some(parsed);
            }
            if let Some(name) = ds.name.clone() {
                let platform = ds.platform_or(&s.target_platform);
                if let Some(c) = self.named_context(&name, &platform, st.span)? {
                    ds.display_name = name.clone();
                    ds.done = true;
                    ds.state = c.state;
                    if let Some(img) = c.image {
                        if !img.architecture.is_empty() && !img.os.is_empty() {
                            ds.platform = Some(Platform {
                                os: img.os.clone(),
                                architecture: img.architecture.clone(),
                                variant: (!img.variant.is_empty()).then(|| img.variant.clone()),
                                os_version: None,
                            });
                        }
                        ds.image = img;
                    }
                    ds.base_kind = StageBase::Context(name);
                    self.add_state(ds);
                    continue;
                }
            }
            ds.display_name = ds.name.clone().unwrap_or_else(|| format!("stage-{i}"));
            let idx = self.add_state(ds);
            let mut capture = match self.states[idx].base {
                Some(b) => self.states[b].outline.clone(),
                None => Capture::with_globals(&self.meta_outline),
            };
            capture.use_names(&used);
            let d = &mut self.states[idx];
            d.outline = capture;
            let mut total = usize::from(d.base_name != "scratch" && d.base.is_none());
            total += st
                .instructions
                .iter()
                .filter(|ins| {
                    matches!(
                        ins.command,
                        Command::Add(_) | Command::Copy(_) | Command::Run(_) | Command::Workdir(_)
                    )
                })
                .count();
            d.cmd_total = total;
            d.ignore_cache = s.opts.is_no_cache(d.name.as_deref().unwrap_or(""));
        }
        if self.states.is_empty() {
            // Point at the first instruction (an ARG-only file), else at 1:1.
            let span = s.df.meta_args.first().map(|i| i.span).unwrap_or(Span {
                start_line: 1,
                end_line: 1,
                col: 1,
            });
            return Err(err(
                span,
                "the Dockerfile has no FROM instruction",
                "start the Dockerfile with FROM <image>",
            ));
        }
        self.target = match &s.opts.target {
            None => self.states.len() - 1,
            Some(t) => match self.by_name.get(&t.to_lowercase()) {
                Some(&i) => i,
                None => {
                    return Err(err(
                        Span {
                            start_line: 1,
                            end_line: 1,
                            col: 1,
                        },
                        format!("target stage {t:?} could not be found"),
                        self.stage_names(),
                    ))
                }
            },
        };
        self.add_edges()?;
        self.check_cycles()?;
        if self.states.len() == 1 {
            self.states[0].display_name.clear();
        }
        self.update_reachable();
        Ok(())
    }

    /// Recomputes the states the target needs.
    pub(crate) fn update_reachable(&mut self) {
        self.reachable = self.reachable_from(self.target);
    }

    /// Source states of one instruction (creating implicit ones as needed).
    fn command_sources(
        &mut self,
        instr: &Instruction,
        implicit: Implicit,
    ) -> Result<Vec<usize>, Error> {
        let mut out = Vec::new();
        match &instr.command {
            Command::Copy(c) => {
                if let Some(from) = &c.from {
                    let src = if let Some(n) = parse_index(from) {
                        if n < 0 || n as usize >= self.states.len() {
                            return Err(err(
                                instr.span,
                                format!("invalid stage index {n}"),
                                "stage indices count FROM lines from 0",
                            ));
                        }
                        n as usize
                    } else if let Some(&i) = self.by_name.get(&from.to_lowercase()) {
                        i
                    } else {
                        self.lookup_or_new(from, instr.span, implicit)?
                    };
                    out.push(src);
                }
            }
            Command::Run(r) => {
                for m in &r.mounts {
                    let from = mount_from(m).map_err(|e| {
                        err(
                            instr.span,
                            e,
                            "add a stage `FROM <image> AS <name>` and mount from it",
                        )
                    })?;
                    let from = from.unwrap_or_else(|| "scratch".into());
                    let src = match self.by_name.get(&from.to_lowercase()) {
                        Some(&i) => i,
                        None => self.lookup_or_new(&from, instr.span, implicit)?,
                    };
                    out.push(src);
                }
            }
            _ => {}
        }
        Ok(out)
    }

    fn lookup_or_new(
        &mut self,
        name: &str,
        span: Span,
        implicit: Implicit,
    ) -> Result<usize, Error> {
        match implicit {
            Implicit::New => Ok(self.implicit_state(name, span)),
            Implicit::Reuse => match self.trigger_images.get(name) {
                Some(&i) => Ok(i),
                None => {
                    let i = self.implicit_state(name, span);
                    self.trigger_images.insert(name.to_string(), i);
                    Ok(i)
                }
            },
            Implicit::Refuse => Err(err(
                span,
                format!(
                    "cannot copy from stage {name:?}, it needs to be defined before current stage"
                ),
                "ONBUILD triggers can only use stages of the building Dockerfile",
            )),
        }
    }

    /// Sources for an ONBUILD trigger. Where the dialect plans them, an image name is a state
    /// of its own (the one planning created); before, only existing states can be used
    /// (upstream failed on new implicit ones because they were never initialized).
    pub(crate) fn trigger_sources(&mut self, instr: &Instruction) -> Result<Vec<usize>, Error> {
        let implicit = if self.s.opts.dialect.plans_onbuild_sources() {
            Implicit::Reuse
        } else {
            Implicit::Refuse
        };
        self.command_sources(instr, implicit)
    }

    fn add_edges(&mut self) -> Result<(), Error> {
        let df = self.s.df;
        let registered = self.states.len();
        for i in 0..registered {
            let Some(si) = self.states[i].stage else {
                continue;
            };
            for (ii, instr) in df.stages[si].instructions.iter().enumerate() {
                let sources = self.command_sources(instr, Implicit::New)?;
                let mut has_location = false;
                if let Command::Copy(_) = instr.command {
                    has_location = true;
                }
                for &src in &sources {
                    if self.states[src].unregistered && has_location {
                        self.states[src].has_location = true;
                    }
                    self.states[i].add_dep(src, instr.span);
                }
                if !sources.is_empty() {
                    self.sources.insert((i, ii), sources);
                }
            }
        }
        Ok(())
    }

    fn check_cycles(&self) -> Result<(), Error> {
        fn visit(
            ctx: &Ctx,
            i: usize,
            visited: &mut BTreeSet<usize>,
            path: &mut Vec<usize>,
        ) -> Option<Span> {
            if !visited.insert(i) {
                return None;
            }
            path.push(i);
            for &(dep, span) in &ctx.states[i].deps {
                if path.contains(&dep) {
                    return Some(span);
                }
                if let Some(s) = visit(ctx, dep, visited, path) {
                    return Some(s);
                }
            }
            path.pop();
            None
        }
        let mut visited = BTreeSet::new();
        for i in 0..self.states.len() {
            let mut path = Vec::new();
            if let Some(span) = visit(self, i, &mut visited, &mut path) {
                return Err(err(
                    span,
                    format!(
                        "circular dependency detected on stage: {}",
                        self.states[i].display_name
                    ),
                    "a stage cannot copy or mount from itself or from a stage that depends on it",
                ));
            }
        }
        Ok(())
    }

    fn reachable_from(&self, from: usize) -> BTreeSet<usize> {
        let mut seen = BTreeSet::new();
        let mut stack = vec![from];
        while let Some(i) = stack.pop() {
            if !seen.insert(i) {
                continue;
            }
            let d = &self.states[i];
            stack.extend(d.base);
            stack.extend(d.deps.iter().map(|(dep, _)| *dep));
        }
        seen
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mount_from_values() {
        assert_eq!(mount_from("type=cache,target=/x").unwrap(), None);
        assert_eq!(
            mount_from("from=build,target=/x").unwrap().as_deref(),
            Some("build")
        );
        assert!(mount_from("from=$X,target=/x").is_err());
    }

    #[test]
    fn stage_indices_parse_like_atoi() {
        assert_eq!(parse_index("0"), Some(0));
        assert_eq!(parse_index("+1"), Some(1));
        assert_eq!(parse_index("-1"), Some(-1));
        assert_eq!(parse_index("builder"), None);
        assert_eq!(parse_index("1a"), None);
    }

    fn convert_text(text: &str) -> Result<crate::Converted, crate::Error> {
        let df = stagetrail_dockerfile::parse(text)?;
        crate::convert(&df, &crate::Options::default(), &crate::NoResolver)
    }

    #[test]
    fn arg_only_dockerfile_points_at_its_first_instruction() {
        let e = convert_text("\n# comment\nARG A=1\nARG B=2\n").unwrap_err();
        assert_eq!((e.span.start_line, e.span.col), (3, 1), "{e}");
        assert!(e.message.contains("no FROM"), "{e}");
    }

    #[test]
    fn many_global_args_convert_in_linear_time() {
        let mut text: String = (0..5000)
            .map(|i| format!("ARG A{i}=${{A{}}}x\n", i / 2))
            .collect();
        text.push_str("FROM scratch\n");
        let t = std::time::Instant::now();
        convert_text(&text).unwrap();
        assert!(
            t.elapsed() < std::time::Duration::from_secs(2),
            "{:?}",
            t.elapsed()
        );
    }
}
