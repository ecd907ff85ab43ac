//! Second pass: typed instructions from first-pass nodes (upstream's
//! `instructions.ParseInstruction`), with upstream's checks and messages.

use super::ast::{
    ArgDecl, CmdLine, Command, From, Healthcheck, KeyValue, Run, ShellDependentCmd, Span,
};
use super::error::Error;
use super::flags::FlagKind;
use super::instruction_ctx::Ctx;
use super::sources;
use super::suggest::closest;
use super::words::Word;

/// Every instruction keyword, upper-case, sorted.
pub(crate) const INSTRUCTIONS: &[&str] = &[
    "ADD",
    "ARG",
    "CMD",
    "COPY",
    "ENTRYPOINT",
    "ENV",
    "EXPOSE",
    "FROM",
    "HEALTHCHECK",
    "LABEL",
    "MAINTAINER",
    "ONBUILD",
    "RUN",
    "SHELL",
    "STOPSIGNAL",
    "USER",
    "VOLUME",
    "WORKDIR",
];

/// A typed instruction: a stage start or a command.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Parsed {
    /// `FROM`.
    From(From),
    /// Any other instruction.
    Command(Command),
}

/// `CMD requires at least one argument`, etc.
fn at_least_one(ctx: &Ctx, name: &str) -> Error {
    ctx.err(format!("{name} requires at least one argument"))
        .with_hint(format!("add the arguments of {name}"))
}

fn exactly_one<'a>(ctx: &Ctx<'a>, name: &str) -> Result<&'a str, Error> {
    match ctx.args() {
        [one] => Ok(&one.text),
        _ => Err(ctx
            .err(format!("{name} requires exactly one argument"))
            .with_hint(format!("write `{name} <value>` on one line"))),
    }
}

/// Parses one instruction (upstream's `ParseInstruction`).
pub(crate) fn parse_instruction(ctx: &Ctx) -> Result<Parsed, Error> {
    let cmd = |c| Ok(Parsed::Command(c));
    match ctx.node.keyword().as_str() {
        "add" => cmd(Command::Add(sources::parse_add(ctx)?)),
        "arg" => cmd(parse_arg(ctx)?),
        "cmd" => {
            ctx.flags(&[])?;
            cmd(Command::Cmd(shell_dependent(ctx, false)))
        }
        "copy" => cmd(Command::Copy(sources::parse_copy(ctx)?)),
        "entrypoint" => {
            ctx.flags(&[])?;
            cmd(Command::Entrypoint(shell_dependent(ctx, false)))
        }
        "env" => {
            ctx.flags(&[])?;
            cmd(Command::Env(key_values(ctx, "ENV")?))
        }
        "expose" => cmd(parse_expose(ctx)?),
        "from" => Ok(Parsed::From(parse_from(ctx)?)),
        "healthcheck" => cmd(Command::Healthcheck(parse_healthcheck(ctx)?)),
        "label" => {
            ctx.flags(&[])?;
            cmd(Command::Label(key_values(ctx, "LABEL")?))
        }
        "maintainer" => {
            let m = exactly_one(ctx, "MAINTAINER")?;
            ctx.flags(&[])?;
            cmd(Command::Maintainer(m.to_string()))
        }
        "onbuild" => cmd(parse_onbuild(ctx)?),
        "run" => cmd(Command::Run(parse_run(ctx)?)),
        "shell" => cmd(parse_shell(ctx)?),
        "stopsignal" => cmd(Command::StopSignal(
            exactly_one(ctx, "STOPSIGNAL")?.to_string(),
        )),
        "user" => {
            let u = exactly_one(ctx, "USER")?;
            ctx.flags(&[])?;
            cmd(Command::User(u.to_string()))
        }
        "volume" => cmd(parse_volume(ctx)?),
        "workdir" => {
            let w = exactly_one(ctx, "WORKDIR")?;
            ctx.flags(&[])?;
            cmd(Command::Workdir(w.to_string()))
        }
        _ => Err(unknown_instruction(ctx)),
    }
}

fn unknown_instruction(ctx: &Ctx) -> Error {
    let name = &ctx.node.cmd.text;
    let hint = match closest(name, INSTRUCTIONS, false) {
        Some(m) => format!("did you mean {m}?"),
        None => format!("valid instructions: {}", INSTRUCTIONS.join(", ")),
    };
    ctx.err(format!("unknown instruction: {name}"))
        .with_hint(hint)
}

/// The command line of RUN/CMD/ENTRYPOINT: exec form or the joined shell form.
fn cmd_line(args: &[Word], json: bool) -> CmdLine {
    if json {
        CmdLine::Exec(args.iter().map(|w| w.text.clone()).collect())
    } else {
        CmdLine::Shell(
            args.iter()
                .map(|w| w.text.as_str())
                .collect::<Vec<_>>()
                .join(" "),
        )
    }
}

fn shell_dependent(ctx: &Ctx, with_heredocs: bool) -> ShellDependentCmd {
    ShellDependentCmd {
        cmd: cmd_line(ctx.args(), ctx.node.json),
        heredocs: if with_heredocs {
            ctx.ast_heredocs()
        } else {
            Vec::new()
        },
    }
}

/// `parseKvps` over alternating key/value words.
fn key_values(ctx: &Ctx, name: &str) -> Result<Vec<KeyValue>, Error> {
    let args = ctx.args();
    if args.is_empty() {
        return Err(at_least_one(ctx, name));
    }
    if args.len() % 2 != 0 {
        return Err(ctx.err(format!("Bad input to {name}, too many arguments")));
    }
    args.chunks(2)
        .map(|kv| {
            if kv[0].text.is_empty() {
                return Err(ctx
                    .err_at(kv[0].off, format!("{name} names can not be blank"))
                    .with_hint("write `name=value`"));
            }
            Ok(KeyValue {
                key: kv[0].text.clone(),
                value: kv[1].text.clone(),
            })
        })
        .collect()
}

fn parse_arg(ctx: &Ctx) -> Result<Command, Error> {
    let args = ctx.args();
    if args.is_empty() {
        return Err(at_least_one(ctx, "ARG"));
    }
    args.iter()
        .map(|w| match w.text.split_once('=') {
            Some(("", _)) => Err(ctx
                .err_at(w.off, "ARG names can not be blank")
                .with_hint("write `ARG name` or `ARG name=default`")),
            Some((k, v)) => Ok(ArgDecl {
                name: k.to_string(),
                default: Some(v.to_string()),
            }),
            None => Ok(ArgDecl {
                name: w.text.clone(),
                default: None,
            }),
        })
        .collect::<Result<_, _>>()
        .map(Command::Arg)
}

fn parse_expose(ctx: &Ctx) -> Result<Command, Error> {
    if ctx.args().is_empty() {
        return Err(at_least_one(ctx, "EXPOSE"));
    }
    ctx.flags(&[])?;
    let mut ports: Vec<String> = ctx.args().iter().map(|w| w.text.clone()).collect();
    ports.sort();
    Ok(Command::Expose(ports))
}

/// `^[a-z][a-z0-9-_.]*$`.
fn valid_stage_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_.".contains(c))
}

fn parse_from(ctx: &Ctx) -> Result<From, Error> {
    let args = ctx.args();
    let name = match args {
        [_] => None,
        [_, as_kw, name] if as_kw.text.eq_ignore_ascii_case("as") => {
            let lower = name.text.to_lowercase();
            if !valid_stage_name(&lower) {
                return Err(ctx
                    .err_at(
                        name.off,
                        format!(
                            "invalid name for build stage: {:?}, name can't start with a number or contain symbols",
                            name.text
                        ),
                    )
                    .with_hint("stage names match ^[a-z][a-z0-9-_.]*$"));
            }
            Some(lower)
        }
        _ => {
            return Err(ctx
                .err("FROM requires either one or three arguments")
                .with_hint("write `FROM image` or `FROM image AS name`"))
        }
    };
    let flags = ctx.flags(&[("platform", FlagKind::String)])?;
    Ok(From {
        base: args[0].text.clone(),
        name,
        platform: flags.nonempty("platform"),
    })
}

/// The ONBUILD text without the keyword, heredoc bodies appended (`Expression`).
fn onbuild_expression(ctx: &Ctx) -> String {
    let original = ctx.node.original.trim_start();
    let rest = original
        .get(..7)
        .filter(|k| k.eq_ignore_ascii_case("onbuild"))
        .map_or(original, |_| &original[7..]);
    let mut expr = rest
        .trim_start_matches(['\t', '\n', '\x0c', '\r', ' '])
        .to_string();
    for h in ctx.heredocs {
        expr.push('\n');
        expr.push_str(&h.content);
        expr.push_str(&h.word.name);
    }
    expr
}

fn parse_onbuild(ctx: &Ctx) -> Result<Command, Error> {
    let Some(sub) = ctx.node.sub.as_deref() else {
        return Err(at_least_one(ctx, "ONBUILD"));
    };
    ctx.flags(&[])?;
    let trigger = sub.cmd.text.trim().to_uppercase();
    match trigger.as_str() {
        "ONBUILD" => {
            return Err(ctx
                .err_at(
                    sub.cmd.off,
                    "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed",
                )
                .with_hint("use a single ONBUILD"))
        }
        "MAINTAINER" | "FROM" => {
            return Err(ctx
                .err_at(
                    sub.cmd.off,
                    format!("{trigger} isn't allowed as an ONBUILD trigger"),
                )
                .with_hint(
                    "ONBUILD triggers run in the child image's stage; use another instruction",
                ))
        }
        _ => {}
    }
    let sub_ctx = Ctx {
        node: sub,
        line: ctx.line,
        heredocs: ctx.heredocs,
        span: Span {
            col: ctx.line.position(sub.cmd.off).1,
            ..ctx.span
        },
    };
    let Parsed::Command(command) = parse_instruction(&sub_ctx)? else {
        return Err(sub_ctx.err("FROM isn't allowed as an ONBUILD trigger"));
    };
    Ok(Command::Onbuild {
        expression: onbuild_expression(ctx),
        trigger: Box::new(super::ast::Instruction {
            span: sub_ctx.span,
            original: sub.original.trim().to_string(),
            command,
            comments: Vec::new(),
        }),
    })
}

fn parse_run(ctx: &Ctx) -> Result<Run, Error> {
    let flags = ctx.flags(&[
        ("mount", FlagKind::Strings),
        ("network", FlagKind::String),
        ("security", FlagKind::String),
        ("device", FlagKind::Strings),
    ])?;
    let cmd = shell_dependent(ctx, true);
    let flag_at = |name: &str| {
        let prefix = format!("--{name}=");
        ctx.node
            .flags
            .iter()
            .rev()
            .find(|w| w.text.starts_with(&prefix))
            .map_or(ctx.node.cmd.off, |w| w.off)
    };
    let network = flags.string("network");
    if let Some(n) = network.as_deref() {
        if !matches!(n, "default" | "none" | "host") {
            return Err(ctx
                .err_at(flag_at("network"), format!("invalid network mode {n:?}"))
                .with_hint("use --network=default, none or host"));
        }
    }
    let security = flags.string("security");
    if let Some(s) = security.as_deref() {
        if !matches!(s, "sandbox" | "insecure") {
            return Err(ctx
                .err_at(flag_at("security"), format!("security {s:?} is not valid"))
                .with_hint("use --security=sandbox or insecure"));
        }
    }
    let devices = flags.strings("device");
    for d in &devices {
        check_device(d).map_err(|e| {
            ctx.err_at(flag_at("device"), e)
                .with_hint("write --device=VENDOR/CLASS=NAME[,required=true]")
        })?;
    }
    Ok(Run {
        cmd,
        mounts: flags.strings("mount"),
        network,
        security,
        devices,
    })
}

/// Checks a `RUN --device` value as upstream's parser does: CSV fields, the device name first
/// (or `name=`), `required` alone or `required=BOOL`; the error is upstream's message.
pub fn check_device(value: &str) -> Result<(), String> {
    let fields =
        crate::csv::first_record(value).map_err(|e| format!("failed to parse csv devices: {e}"))?;
    let mut name: Option<&str> = None;
    for field in &fields {
        let (key, val) = match field.split_once('=') {
            Some((k, v)) => (k.to_lowercase(), Some(v)),
            None => (field.to_lowercase(), None),
        };
        match (key.as_str(), val, name) {
            ("required", None, _) => {}
            ("required", Some(v), _) => {
                crate::mount::parse_bool(v)
                    .ok_or_else(|| format!("invalid value for required: {v}"))?;
            }
            ("name", Some(_), Some(set)) => {
                return Err(format!("device name already set to {set}"))
            }
            ("name", Some(v), None) => name = Some(v),
            (_, _, None) => name = Some(field),
            (_, None, Some(_)) => {
                return Err(format!("invalid field '{field}' must be a key=value pair"))
            }
            (_, Some(_), Some(_)) => return Err(format!("unexpected key '{key}' in '{field}'")),
        }
    }
    Ok(())
}

fn parse_healthcheck(ctx: &Ctx) -> Result<Healthcheck, Error> {
    let Some((typ_word, rest)) = ctx.args().split_first() else {
        return Err(at_least_one(ctx, "HEALTHCHECK"));
    };
    let typ = typ_word.text.to_uppercase();
    if typ == "NONE" {
        if !rest.is_empty() {
            return Err(ctx
                .err("HEALTHCHECK NONE takes no arguments")
                .with_hint("write `HEALTHCHECK NONE` alone"));
        }
        return Ok(Healthcheck::None);
    }
    let flags = ctx.flags(&[
        ("interval", FlagKind::String),
        ("timeout", FlagKind::String),
        ("start-period", FlagKind::String),
        ("start-interval", FlagKind::String),
        ("retries", FlagKind::String),
    ])?;
    if typ != "CMD" {
        return Err(ctx
            .err_at(
                typ_word.off,
                format!("Unknown type {typ:?} in HEALTHCHECK (try CMD)"),
            )
            .with_hint("write `HEALTHCHECK [options] CMD command` or `HEALTHCHECK NONE`"));
    }
    if rest.is_empty() {
        return Err(ctx
            .err("Missing command after HEALTHCHECK CMD")
            .with_hint("add the command to run"));
    }
    Ok(Healthcheck::Cmd {
        cmd: cmd_line(rest, ctx.node.json),
        interval: flags.nonempty("interval"),
        timeout: flags.nonempty("timeout"),
        start_period: flags.nonempty("start-period"),
        start_interval: flags.nonempty("start-interval"),
        retries: flags.nonempty("retries"),
    })
}

fn parse_volume(ctx: &Ctx) -> Result<Command, Error> {
    if ctx.args().is_empty() {
        return Err(at_least_one(ctx, "VOLUME"));
    }
    ctx.flags(&[])?;
    ctx.args()
        .iter()
        .map(|w| {
            let v = w.text.trim();
            if v.is_empty() {
                Err(ctx
                    .err_at(w.off, "VOLUME specified can not be an empty string")
                    .with_hint("remove the empty path"))
            } else {
                Ok(v.to_string())
            }
        })
        .collect::<Result<_, _>>()
        .map(Command::Volume)
}

fn parse_shell(ctx: &Ctx) -> Result<Command, Error> {
    ctx.flags(&[])?;
    if ctx.args().is_empty() {
        return Err(at_least_one(ctx, "SHELL"));
    }
    if !ctx.node.json {
        return Err(ctx
            .err("SHELL requires the arguments to be in JSON form")
            .with_hint("write e.g. SHELL [\"/bin/sh\", \"-c\"]"));
    }
    Ok(Command::Shell(
        ctx.args().iter().map(|w| w.text.clone()).collect(),
    ))
}
