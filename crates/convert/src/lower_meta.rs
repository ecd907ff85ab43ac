//! Config-only instructions (ENV, LABEL, ARG, USER, CMD, ENTRYPOINT, EXPOSE,
//! VOLUME, STOPSIGNAL, SHELL, HEALTHCHECK, MAINTAINER, ONBUILD) and WORKDIR,
//! with upstream's expansion rules and history text.

use std::collections::BTreeSet;

use super::ctx::Ctx;
use super::dialect::Dialect;
use super::gitref::clean_abs;
use super::gofmt;
use super::image::{add_env, Healthcheck};
use super::lower_arg;
use super::names::{prefix_command, uppercase_cmd};
use super::state::StageState;
use super::{err, ranges, words, Error};
use stagetrail_dockerfile::ast::{
    CmdLine, Command, Healthcheck as AstHealthcheck, Instruction, ShellDependentCmd,
};
use stagetrail_llb as llb;

/// Upstream `NormalizeWorkdir` on Linux: relative paths join the current one.
pub(crate) fn normalize_workdir(current: &str, wd: &str) -> String {
    let parent = if current.is_empty() { "/" } else { current };
    let parent = if parent.starts_with('/') {
        parent.to_string()
    } else {
        clean_abs(parent)
    };
    let wd = if wd.is_empty() { parent.as_str() } else { wd };
    if wd.starts_with('/') {
        wd.to_string()
    } else {
        clean_abs(&format!("{parent}/{wd}"))
    }
}

/// The default shell for an image OS.
pub(crate) fn default_shell(os: &str) -> Vec<String> {
    if os == "windows" {
        vec!["cmd".into(), "/S".into(), "/C".into()]
    } else {
        vec!["/bin/sh".into(), "-c".into()]
    }
}

/// Upstream `withShell`: SHELL (or the default) plus the joined arguments.
pub(crate) fn with_shell(d: &StageState, args: &[String]) -> Vec<String> {
    let mut shell = if d.image.config.shell.is_empty() {
        default_shell(&d.image.os)
    } else {
        d.image.config.shell.clone()
    };
    shell.push(args.join(" "));
    shell
}

fn cmd_args(d: &StageState, cmd: &ShellDependentCmd) -> Vec<String> {
    match &cmd.cmd {
        CmdLine::Exec(v) => v.clone(),
        CmdLine::Shell(s) => with_shell(d, std::slice::from_ref(s)),
    }
}

const LINUX_SIGNALS: &[&str] = &[
    "ABRT", "ALRM", "BUS", "CHLD", "CLD", "CONT", "FPE", "HUP", "ILL", "INT", "IO", "IOT", "KILL",
    "PIPE", "POLL", "PROF", "PWR", "QUIT", "SEGV", "STKFLT", "STOP", "SYS", "TERM", "TRAP", "TSTP",
    "TTIN", "TTOU", "URG", "USR1", "USR2", "VTALRM", "WINCH", "XCPU", "XFSZ", "RTMIN", "RTMAX",
];

/// `signal.ParseSignal` on Linux.
fn parse_signal(raw: &str) -> Result<(), String> {
    if let Ok(n) = raw.parse::<i64>() {
        return if n == 0 {
            Err(format!("invalid signal: {raw}"))
        } else {
            Ok(())
        };
    }
    let up = raw.to_uppercase();
    let name = up.strip_prefix("SIG").unwrap_or(&up);
    let rt = |p: &str, lo: u32, hi: u32| {
        name.strip_prefix(p)
            .and_then(|n| n.parse::<u32>().ok())
            .is_some_and(|n| (lo..=hi).contains(&n))
    };
    if LINUX_SIGNALS.contains(&name) || rt("RTMIN+", 1, 15) || rt("RTMAX-", 1, 14) {
        Ok(())
    } else {
        Err(format!("invalid signal: {raw}"))
    }
}

/// EXPOSE values (`80`, `80/udp`, `8000-8002`) as `port/proto`, in the order given (upstream
/// `nat.ParsePortSpecs`, whose keys BuildKit 0.25's `parsePorts` lists in order).
fn parse_ports(specs: &[String]) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for raw in specs {
        let (port_part, proto) = match raw.split_once('/') {
            Some((p, "")) => (p, "tcp".to_string()),
            Some((p, proto)) => (p, proto.to_string()),
            None => (raw.as_str(), "tcp".to_string()),
        };
        let proto = proto.to_lowercase();
        if !matches!(proto.as_str(), "tcp" | "udp" | "sctp") {
            return Err(format!("invalid proto: {proto}"));
        }
        let container = port_part.rsplit(':').next().unwrap_or("");
        if container.is_empty() {
            return Err(format!("no port specified: {raw}<empty>"));
        }
        let bad = || format!("invalid containerPort: {container}");
        let (lo, hi) = match container.split_once('-') {
            Some((a, b)) => (
                a.parse::<u16>().map_err(|_| bad())?,
                b.parse::<u16>().map_err(|_| bad())?,
            ),
            None => {
                let p = container.parse::<u16>().map_err(|_| bad())?;
                (p, p)
            }
        };
        if hi < lo {
            return Err(bad());
        }
        out.extend((lo..=hi).map(|p| format!("{p}/{proto}")));
    }
    Ok(out)
}

/// EXPOSE's history text: Go's `%v` of a `nat.PortSet` for BuildKit 0.13 (`map[443/udp:{} 80/tcp:{}]`,
/// sorted, each port once), of the port list for 0.25 (`[8080/tcp 443/udp]`, in the order of the
/// words, which the parser sorts before expanding them: `${PORT}` before `443/udp`).
fn expose_history(dialect: Dialect, ports: &[String]) -> String {
    if dialect.exposes_in_order() {
        return format!("EXPOSE [{}]", ports.join(" "));
    }
    let set: BTreeSet<&String> = ports.iter().collect();
    let shown: Vec<String> = set.iter().map(|p| format!("{p}:{{}}")).collect();
    format!("EXPOSE map[{}]", shown.join(" "))
}

fn duration(flag: &str, v: &Option<String>) -> Result<i64, String> {
    let Some(s) = v.as_deref().filter(|s| !s.is_empty()) else {
        return Ok(0);
    };
    let d = gofmt::parse_duration(s)?;
    if d != 0 && d < 1_000_000 {
        return Err(format!("Interval {flag:?} cannot be less than 1ms"));
    }
    Ok(d)
}

fn healthcheck(h: &AstHealthcheck) -> Result<Healthcheck, String> {
    let AstHealthcheck::Cmd {
        cmd,
        interval,
        timeout,
        start_period,
        start_interval,
        retries,
    } = h
    else {
        return Ok(Healthcheck {
            test: vec!["NONE".into()],
            ..Healthcheck::default()
        });
    };
    let test = match cmd {
        CmdLine::Exec(v) if v.is_empty() => {
            return Err("Missing command after HEALTHCHECK CMD".into())
        }
        CmdLine::Exec(v) => std::iter::once("CMD".to_string())
            .chain(v.iter().cloned())
            .collect(),
        CmdLine::Shell(s) => vec!["CMD-SHELL".to_string(), s.clone()],
    };
    let retries = match retries.as_deref().filter(|s| !s.is_empty()) {
        None => 0,
        Some(r) => {
            let n: i64 = r
                .parse::<i32>()
                .map_err(|_| {
                    format!(
                        "strconv.ParseInt: parsing {}: invalid syntax",
                        gofmt::quote(r)
                    )
                })?
                .into();
            if n < 0 {
                return Err(format!("--retries cannot be negative ({n})"));
            }
            n
        }
    };
    Ok(Healthcheck {
        test,
        interval: duration("interval", interval)?,
        timeout: duration("timeout", timeout)?,
        start_period: duration("start-period", start_period)?,
        start_interval: duration("start-interval", start_interval)?,
        retries,
    })
}

fn healthcheck_history(h: &Healthcheck) -> String {
    format!(
        "HEALTHCHECK &{{{} {} {} {} {} {}}}",
        gofmt::quote_list(&h.test),
        gofmt::quote(&gofmt::format_duration(h.interval)),
        gofmt::quote(&gofmt::format_duration(h.timeout)),
        gofmt::quote(&gofmt::format_duration(h.start_period)),
        gofmt::quote(&gofmt::format_duration(h.start_interval)),
        gofmt::quote_rune(h.retries)
    )
}

/// Dispatches a non-filesystem instruction (and WORKDIR).
pub(crate) fn dispatch_meta(ctx: &mut Ctx, i: usize, instr: &Instruction) -> Result<(), Error> {
    let span = instr.span;
    let epoch = ctx.epoch.clone();
    let created = epoch.as_deref();
    let lexer = ctx.lexer.clone();
    let env = ctx.states[i].env.clone();
    let x = |w: &str| {
        words::word(&lexer, w, &env)
            .map_err(|e| err(span, e, "check the variables this instruction uses"))
    };
    let d = &mut ctx.states[i];
    match &instr.command {
        Command::Env(kvs) => {
            let mut msg = String::from("ENV");
            let mut expanded = Vec::new();
            for kv in kvs {
                expanded.push((x(&kv.key)?, x(&kv.value)?));
            }
            // Release the shared copy first, so adding does not copy the whole list.
            drop(env);
            for (k, v) in expanded {
                msg.push_str(&format!(" {k}={v}"));
                d.env.add(&k, &v);
                add_env(&mut d.image.config.env, &k, &v);
            }
            d.image.commit(&msg, false, false, created);
        }
        Command::Label(kvs) => {
            let mut msg = String::from("LABEL");
            let mut expanded = Vec::new();
            for kv in kvs {
                expanded.push((x(&kv.key)?, x(&kv.value)?));
            }
            for (k, v) in expanded {
                msg.push_str(&format!(" {k}={v}"));
                d.image.config.labels.insert(k, v);
            }
            d.image.commit(&msg, false, false, created);
        }
        Command::Maintainer(m) => {
            d.image.author.clone_from(m);
            d.image
                .commit(&format!("MAINTAINER {m}"), false, false, created);
        }
        Command::Onbuild { expression, .. } => d.image.config.on_build.push(expression.clone()),
        Command::Cmd(c) => {
            let args = cmd_args(d, c);
            d.image.commit(
                &format!("CMD {}", gofmt::quote_list(&args)),
                false,
                false,
                created,
            );
            d.image.config.cmd = args;
            d.image.config.args_escaped = true;
            d.cmd_set = true;
        }
        Command::Entrypoint(c) => {
            let args = cmd_args(d, c);
            d.image.commit(
                &format!("ENTRYPOINT {}", gofmt::quote_list(&args)),
                false,
                false,
                created,
            );
            d.image.config.entrypoint = args;
            if !d.cmd_set {
                d.image.config.cmd.clear();
            }
        }
        Command::Healthcheck(h) => {
            let hc = healthcheck(h).map_err(|e| {
                err(
                    span,
                    e,
                    "durations look like 30s or 1m30s; retries is a number",
                )
            })?;
            let msg = healthcheck_history(&hc);
            d.image.config.healthcheck = Some(hc);
            d.image.commit(&msg, false, false, created);
        }
        Command::Expose(ports) => {
            let mut list = Vec::new();
            for p in ports {
                list.extend(
                    lexer
                        .process_words(p, &env)
                        .map_err(|e| err(span, e.message, "check the variables EXPOSE uses"))?,
                );
            }
            let ports = parse_ports(&list).map_err(|e| {
                err(
                    span,
                    e,
                    "EXPOSE takes ports like 80, 80/tcp or 8000-8010/udp",
                )
            })?;
            let msg = expose_history(ctx.s.opts.dialect, &ports);
            let d = &mut ctx.states[i];
            for p in ports {
                d.image.config.exposed_ports.insert(p, Default::default());
            }
            d.image.commit(&msg, false, false, created);
        }
        Command::User(u) => {
            let u = x(u)?;
            d.user.clone_from(&u);
            d.image.config.user.clone_from(&u);
            d.image.commit(&format!("USER {u}"), false, false, created);
        }
        Command::Volume(vols) => {
            let mut list = Vec::new();
            for v in vols {
                let v = x(v)?;
                if v.is_empty() {
                    return Err(err(
                        span,
                        "VOLUME specified can not be an empty string",
                        "give VOLUME a path",
                    ));
                }
                list.push(v);
            }
            for v in &list {
                d.image.config.volumes.insert(v.clone(), Default::default());
            }
            d.image.commit(
                &format!("VOLUME {}", gofmt::list(&list)),
                false,
                false,
                created,
            );
        }
        Command::StopSignal(sig) => {
            let sig = x(sig)?;
            parse_signal(&sig)
                .map_err(|e| err(span, e, "use a signal name like SIGTERM or a number"))?;
            d.image.config.stop_signal.clone_from(&sig);
            d.image
                .commit(&format!("STOPSIGNAL {sig}"), false, false, created);
        }
        Command::Shell(sh) => {
            d.image.config.shell.clone_from(sh);
            d.image
                .commit(&format!("SHELL {}", gofmt::list(sh)), false, false, created);
        }
        Command::Arg(decls) => {
            // Release the snapshot first, so adding to the environment does not copy it.
            drop(env);
            lower_arg::dispatch_arg(ctx, i, span, decls, &instr.comments)?
        }
        Command::Workdir(p) => {
            let p = x(p)?;
            dispatch_workdir(ctx, i, instr, &p)?;
        }
        Command::Run(_) | Command::Copy(_) | Command::Add(_) => {}
    }
    Ok(())
}

/// WORKDIR: sets the directory and creates it (owned by USER) unless it is `/`.
fn dispatch_workdir(ctx: &mut Ctx, i: usize, instr: &Instruction, path: &str) -> Result<(), Error> {
    let multi = ctx.s.multi_platform;
    let platform = ctx.platform_of(i);
    let lexer = ctx.lexer.clone();
    let created = ctx.epoch.clone();
    let d = &mut ctx.states[i];
    let wd = normalize_workdir(&d.image.config.working_dir, path);
    d.image.config.working_dir.clone_from(&wd);
    d.dir.clone_from(&wd);
    let mut with_layer = false;
    if wd != "/" {
        let owner = (!d.image.config.user.is_empty()).then(|| {
            let (u, g) = match d.image.config.user.split_once(':') {
                Some((u, g)) => (u.to_string(), Some(g.to_string())),
                None => (d.image.config.user.clone(), None),
            };
            llb::chown_by_name(&u, g.as_deref(), &d.state)
        });
        let env = d.env.clone();
        let name = uppercase_cmd(&words::plain_cmd_env(&lexer, instr.original.trim(), &env));
        let mut meta = llb::OpMeta::named(prefix_command(d, &name, multi, Some(&platform), &env));
        meta.locations = ranges(instr.span);
        let actions = llb::FileActions::new().mkdir(llb::MkdirInfo {
            path: wd.clone(),
            mode: 0o755,
            make_parents: true,
            owner,
            timestamp: None,
        });
        d.state = d.state.file(actions, meta);
        with_layer = true;
    }
    d.image.commit(
        &format!("WORKDIR {wd}"),
        with_layer,
        false,
        created.as_deref(),
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workdirs_join_and_keep_absolute_as_written() {
        assert_eq!(normalize_workdir("/", "app"), "/app");
        assert_eq!(normalize_workdir("/app", "../src"), "/src");
        assert_eq!(normalize_workdir("/app", "/x/"), "/x/");
        assert_eq!(normalize_workdir("", "a"), "/a");
    }

    #[test]
    fn ports_and_signals() {
        let p = parse_ports(&["80".into(), "53/UDP".into(), "8000-8001".into()]).unwrap();
        assert_eq!(p, vec!["80/tcp", "53/udp", "8000/tcp", "8001/tcp"]);
        assert!(parse_ports(&["x".into()]).is_err());
        assert!(parse_ports(&["80/foo".into()]).is_err());
        assert!(parse_signal("SIGTERM").is_ok());
        assert!(parse_signal("kill").is_ok());
        assert!(parse_signal("9").is_ok());
        assert!(parse_signal("RTMIN+3").is_ok());
        assert_eq!(
            parse_signal("SIGNOPE"),
            Err("invalid signal: SIGNOPE".into())
        );
    }

    #[test]
    fn expose_history_per_dialect() {
        let ports: Vec<String> = ["8080/tcp", "443/udp", "80/tcp", "8080/tcp"]
            .map(String::from)
            .to_vec();
        assert_eq!(
            expose_history(Dialect::V0_13, &ports),
            "EXPOSE map[443/udp:{} 80/tcp:{} 8080/tcp:{}]"
        );
        assert_eq!(
            expose_history(Dialect::V0_25, &ports),
            "EXPOSE [8080/tcp 443/udp 80/tcp 8080/tcp]"
        );
    }

    #[test]
    fn healthcheck_history_is_go_formatted() {
        let h = Healthcheck {
            test: vec!["CMD-SHELL".into(), "curl -f http://x/".into()],
            interval: 300_000_000_000,
            timeout: 3_000_000_000,
            retries: 3,
            ..Healthcheck::default()
        };
        assert_eq!(
            healthcheck_history(&h),
            r#"HEALTHCHECK &{["CMD-SHELL" "curl -f http://x/"] "5m0s" "3s" "0s" "0s" '\x03'}"#
        );
        assert_eq!(
            duration("interval", &Some("1ns".into())),
            Err("Interval \"interval\" cannot be less than 1ms".into())
        );
        assert!(duration("interval", &Some("5x".into())).is_err());
    }
}
