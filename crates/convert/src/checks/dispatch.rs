//! The rules upstream runs while it dispatches each stage's instructions (every stage, in file
//! order, for `--check`): key/value format, credential-like names, repeated `CMD`/`ENTRYPOINT`/
//! `HEALTHCHECK`, shell-form `CMD`/`ENTRYPOINT`, the first relative `WORKDIR`, `EXPOSE` forms
//! (the ports sorted, as upstream parses them).
//! A stage built on another stage inherits its `SHELL` and whether a `WORKDIR` was set.

use std::collections::BTreeMap;

use super::rules::*;
use super::syntax::keyword;
use super::{step, At, Config, Sink};
use stagetrail_dockerfile::ast::{CmdLine, Command, Dockerfile, Healthcheck, Instruction, Span};

/// What later instructions of a stage (and stages built on it) depend on.
#[derive(Clone, Copy, Default)]
struct Inherited {
    shell_set: bool,
    workdir_set: bool,
}

/// Per stage: the last `CMD`, `ENTRYPOINT` and `HEALTHCHECK`.
#[derive(Default)]
struct UsedOnce {
    last: BTreeMap<&'static str, Span>,
}

impl UsedOnce {
    /// MultipleInstructionsDisallowed, reported at the earlier (ignored) instruction.
    fn see(&mut self, kind: &'static str, instr: &Instruction, cfg: &Config, sink: &mut Sink) {
        if let Some(prev) = self.last.insert(kind, instr.span) {
            let detail = format!(
                "Multiple {} instructions should not be used in the same stage because only the last one will be used",
                keyword(&instr.original)
            );
            sink.report(cfg, &MULTIPLE_INSTRUCTIONS_DISALLOWED, prev, detail);
        }
    }
}

/// Checks the instructions of the stages `dispatched` accepts (by index).
pub(super) fn stages(
    df: &Dockerfile,
    cfg: &Config,
    dispatched: &dyn Fn(usize) -> bool,
    sink: &mut Sink,
) {
    let mut by_name: BTreeMap<&str, Inherited> = BTreeMap::new();
    for (i, stage) in df.stages.iter().enumerate() {
        let mut state = by_name
            .get(stage.from.base.to_lowercase().as_str())
            .copied()
            .unwrap_or_default();
        let mut once = UsedOnce::default();
        if dispatched(i) {
            for (ii, instr) in stage.instructions.iter().enumerate() {
                sink.at = At::Dispatch(i, ii + 1, step::DISPATCH);
                instruction(instr, cfg, &mut state, &mut once, sink);
            }
        }
        if let Some(name) = stage.from.name.as_deref() {
            by_name.insert(name, state);
        }
    }
}

fn instruction(
    instr: &Instruction,
    cfg: &Config,
    state: &mut Inherited,
    once: &mut UsedOnce,
    sink: &mut Sink,
) {
    let name = keyword(&instr.original);
    match &instr.command {
        Command::Env(pairs) => {
            for kv in pairs {
                legacy_key_value(instr, cfg, sink);
                secret_name("ENV", &kv.key, instr.span, cfg, sink);
            }
        }
        Command::Label(_) => legacy_key_value(instr, cfg, sink),
        Command::Arg(decls) => {
            for (n, d) in decls.iter().enumerate() {
                if let At::Dispatch(stage, slot, _) = sink.at {
                    sink.at = At::Dispatch(stage, slot, step::arg_name(n));
                }
                secret_name("ARG", &d.name, instr.span, cfg, sink);
            }
        }
        Command::Cmd(c) | Command::Entrypoint(c) => {
            let kind = if matches!(instr.command, Command::Cmd(_)) {
                "cmd"
            } else {
                "entrypoint"
            };
            once.see(kind, instr, cfg, sink);
            if matches!(c.cmd, CmdLine::Shell(_)) && !state.shell_set {
                let detail = format!(
                    "JSON arguments recommended for {name} to prevent unintended behavior related to OS signals"
                );
                sink.report(cfg, &JSON_ARGS_RECOMMENDED, instr.span, detail);
            }
        }
        Command::Healthcheck(Healthcheck::Cmd { .. } | Healthcheck::None) => {
            once.see("healthcheck", instr, cfg, sink)
        }
        Command::Shell(_) => state.shell_set = true,
        Command::Workdir(path) => {
            if !state.workdir_set && !path.starts_with('/') && !path.contains('$') {
                let detail =
                    format!("Relative workdir {path:?} can have unexpected results if the base image changes");
                sink.report(cfg, &WORKDIR_RELATIVE_PATH, instr.span, detail);
            }
            state.workdir_set = true;
        }
        Command::Expose(ports) => {
            // Upstream parses the ports sorted.
            let mut sorted: Vec<&String> = ports.iter().filter(|p| !p.contains('$')).collect();
            sorted.sort();
            for p in sorted {
                expose(p, instr.span, cfg, sink);
            }
        }
        _ => {}
    }
}

/// LegacyKeyValueFormat: `ENV key value` / `LABEL key value` (the first word has no `=`).
fn legacy_key_value(instr: &Instruction, cfg: &Config, sink: &mut Sink) {
    let first = instr.original.split_whitespace().nth(1).unwrap_or_default();
    if !first.contains('=') {
        let name = keyword(&instr.original);
        let detail = format!(
            "\"{name} key=value\" should be used instead of legacy \"{name} key value\" format"
        );
        sink.report(cfg, &LEGACY_KEY_VALUE_FORMAT, instr.span, detail);
    }
}

/// Whether `word` is one of `tokens`, case-insensitively.
fn is_token(word: &str, tokens: &[&str]) -> bool {
    tokens.iter().any(|t| word.eq_ignore_ascii_case(t))
}

/// SecretsUsedInArgOrEnv: one of the `_`-separated words of the name is a credential word
/// and none is `public` (BuildKit 0.25's `(?i)(?:_|^)(?:word)(?:_|$)` patterns).
fn secret_name(instruction: &str, key: &str, span: Span, cfg: &Config, sink: &mut Sink) {
    const DENY: &[&str] = &[
        "apikey",
        "auth",
        "credential",
        "credentials",
        "key",
        "password",
        "pword",
        "passwd",
        "secret",
        "token",
    ];
    const ALLOW: &[&str] = &["public"];
    let anywhere = |tokens: &[&str]| key.split('_').any(|w| is_token(w, tokens));
    if anywhere(DENY) && !anywhere(ALLOW) {
        let detail = format!(
            "Do not use ARG or ENV instructions for sensitive data ({instruction} {key:?})"
        );
        sink.report(cfg, &SECRETS_USED_IN_ARG_OR_ENV, span, detail);
    }
}

/// ExposeProtoCasing and ExposeInvalidFormat for one `[ip:][host:]port[/proto]`.
fn expose(raw: &str, span: Span, cfg: &Config, sink: &mut Sink) {
    let (ports, proto) = raw.rsplit_once('/').unwrap_or((raw, "tcp"));
    if proto != proto.to_lowercase() {
        let detail = format!("Defined protocol '{raw}' in EXPOSE instruction should be lowercase");
        sink.report(cfg, &EXPOSE_PROTO_CASING, span, detail);
    }
    if ports.contains(':') {
        let detail = format!(
            "EXPOSE instruction should not define an IP address or host-port mapping, found '{raw}'"
        );
        sink.report(cfg, &EXPOSE_INVALID_FORMAT, span, detail);
    }
}
