//! RUN → ExecOp (upstream `dispatchRun`): shell/exec form, heredocs, env, mounts,
//! network/security, host options and the history entry with `|N ARG=v`.

use std::collections::BTreeMap;

use super::ctx::Ctx;
use super::lower_arg;
use super::lower_meta::with_shell;
use super::lower_mount::run_mounts;
use super::names::{prefix_command, uppercase_cmd};
use super::{err, ranges, words, Error};
use crate::redact::{is_credential_name, REDACTED};
use stagetrail_dockerfile::ast::{CmdLine, Instruction, Run};
use stagetrail_llb as llb;
use stagetrail_llb::pb;

/// Whether a shell-form command is only a heredoc marker (`<<EOF`, `<<-"EOF"`).
fn is_lone_heredoc(cmd: &str) -> bool {
    let t = cmd.trim();
    let Some(rest) = t.strip_prefix("<<") else {
        return false;
    };
    let rest = rest.strip_prefix('-').unwrap_or(rest);
    let word = rest.trim_matches(|c| c == '"' || c == '\'');
    !word.is_empty() && !rest.contains('<') && !word.chars().any(char::is_whitespace)
}

/// Upstream `summarizeHeredoc`.
fn summarize(doc: &str) -> String {
    let doc = doc.trim().replace("\r\n", "\n");
    let mut lines = doc.split('\n');
    let first = lines.next().unwrap_or("").to_string();
    if lines.next().is_some() {
        first + "..."
    } else {
        first
    }
}

/// Upstream `runCommandString`: `|N A=b … args`; unlike upstream, the values of
/// credential-like args (`record::redact::is_credential_name`) are redacted.
fn run_command_string(
    args: &[String],
    build_args: &[(String, Option<String>)],
    env: &BTreeMap<String, String>,
) -> String {
    let mut parts: Vec<String> = build_args
        .iter()
        .map(|(k, v)| {
            let v = env
                .get(k)
                .cloned()
                .unwrap_or_else(|| v.clone().unwrap_or_default());
            if !v.is_empty() && is_credential_name(k) {
                return format!("{k}={REDACTED}");
            }
            format!("{k}={v}")
        })
        .collect();
    if !parts.is_empty() {
        parts.insert(0, format!("|{}", parts.len()));
    }
    parts.extend(args.iter().cloned());
    parts.join(" ")
}

/// Dispatches RUN on state `i`; `sources` are the mount source states.
pub(crate) fn dispatch_run(
    ctx: &mut Ctx,
    i: usize,
    instr: &Instruction,
    run: &Run,
    sources: &[usize],
) -> Result<(), Error> {
    let span = instr.span;
    if !run.devices.is_empty() {
        return Err(if ctx.s.opts.dialect.knows_run_device() {
            err(
                span,
                "device feature is only supported in Dockerfile frontend 1.14.0-labs or later",
                "remove --device: BuildKit's stable Dockerfile frontend does not run CDI devices",
            )
        } else {
            err(
                span,
                "unknown flag: --device",
                "remove --device: this BuildKit (before 0.20) has no CDI devices",
            )
        });
    }
    let platform = ctx.platform_of(i);
    let mut custom = instr.original.trim().to_string();
    let mut extra_mounts = Vec::new();
    let (mut args, prepend_shell) = match &run.cmd.cmd {
        CmdLine::Exec(v) => (v.clone(), false),
        CmdLine::Shell(s) => (vec![s.clone()], true),
    };
    if let Some(first) = run.cmd.heredocs.first() {
        if args.len() != 1 || !prepend_shell {
            return Err(err(
                span,
                format!(
                    "parsing produced an invalid run command: {}",
                    super::gofmt::list(&args)
                ),
                "heredocs work with the shell form of RUN",
            ));
        }
        if is_lone_heredoc(&args[0]) {
            if ctx.states[i].image.os != "windows" && first.content.starts_with("#!") {
                let actions = llb::FileActions::new().mkfile(llb::MkfileInfo {
                    path: format!("/{}", first.name),
                    mode: 0o755,
                    data: first.content.clone().into_bytes(),
                    owner: None,
                    timestamp: None,
                });
                let st = llb::State::scratch().file(
                    actions,
                    llb::OpMeta::named("[internal] preparing inline document"),
                );
                extra_mounts.push(llb::Mount {
                    dest: "/dev/pipes/".into(),
                    source: st,
                    selector: "/".into(),
                    readonly: true,
                    kind: llb::MountKind::Bind,
                });
                args = vec![format!("/dev/pipes/{}", first.name)];
            } else {
                args = vec![first.content.clone()];
            }
            custom.push_str(&format!(" ({})", summarize(&first.content)));
        } else {
            let mut full = args[0].clone();
            for h in &run.cmd.heredocs {
                full.push('\n');
                // Upstream passes the body as written: `<<-` tabs are the shell's to strip.
                full.push_str(&h.raw);
                full.push_str(&h.name);
            }
            args = vec![full];
        }
    }
    if prepend_shell {
        args = with_shell(&ctx.states[i], &args);
    }

    let (mounts, secret_env) = run_mounts(ctx, i, span, &run.mounts, sources)
        .map_err(|e| err(span, e, "check the --mount options"))?;
    let network = match run.network.as_deref() {
        None | Some("default") => ctx.states[i].network,
        Some("none") => pb::NetMode::None,
        Some("host") => pb::NetMode::Host,
        Some(other) => {
            return Err(err(
                span,
                format!("unsupported network mode {other:?}"),
                "use --network=default, none or host",
            ))
        }
    };
    let security = match run.security.as_deref() {
        None | Some("sandbox") => pb::SecurityMode::Sandbox,
        Some("insecure") => pb::SecurityMode::Insecure,
        Some(other) => {
            return Err(err(
                span,
                format!("security {other:?} is not valid"),
                "use --security=sandbox or insecure",
            ))
        }
    };

    let opts = ctx.s.opts;
    let multi = ctx.s.multi_platform;
    let lexer = ctx.lexer.clone();
    let proxy = ctx.proxy.clone();
    let created = ctx.epoch.clone();
    let d = &mut ctx.states[i];
    let env = d.env.clone();
    let mut all_mounts = extra_mounts;
    all_mounts.extend(mounts);
    if let Some(size) = opts.shm_size.filter(|s| *s > 0) {
        all_mounts.push(llb::Mount {
            dest: "/dev/shm".into(),
            source: llb::State::scratch(),
            selector: String::new(),
            readonly: false,
            kind: llb::MountKind::Tmpfs { size },
        });
    }
    let meta = pb::Meta {
        args: args.clone(),
        env: env.to_strings(),
        cwd: d.dir.clone(),
        user: d.user.clone(),
        proxy_env: proxy,
        extra_hosts: opts
            .extra_hosts
            .iter()
            .map(|(h, ip)| pb::HostIp {
                host: h.clone(),
                ip: ip.clone(),
            })
            .collect(),
        hostname: d.hostname.clone(),
        ulimit: opts.ulimits.clone(),
        cgroup_parent: opts.cgroup_parent.clone().unwrap_or_default(),
        remove_mount_stubs_recursive: true,
    };
    let name = uppercase_cmd(&words::cmd_env(&lexer, &custom, &env));
    let mut op_meta = llb::OpMeta::named(prefix_command(d, &name, multi, Some(&platform), &env));
    op_meta.description.insert(
        "com.docker.dockerfile.v1.command".into(),
        instr.original.trim().to_string(),
    );
    op_meta.ignore_cache = d.ignore_cache;
    op_meta.locations = ranges(span);
    let out = d.state.run(llb::Exec {
        meta,
        mounts: all_mounts,
        network,
        security,
        secret_env,
        platform: Some(pb::Platform::from(&platform)),
        op_meta,
    });
    d.state = out.root;
    let env_map: BTreeMap<String, String> = env.0.iter().cloned().collect();
    let history_args = lower_arg::run_args(opts.dialect, &d.inherited_args, &d.build_args);
    let msg = format!("RUN {}", run_command_string(&args, &history_args, &env_map));
    d.image.commit(&msg, true, true, created.as_deref());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heredoc_detection_and_summary() {
        assert!(is_lone_heredoc("<<EOF"));
        assert!(is_lone_heredoc("<<-\"EOT\""));
        assert!(!is_lone_heredoc("python3 <<EOF"));
        assert!(!is_lone_heredoc("<<EOF | sh"));
        assert_eq!(summarize("  echo a\necho b\n"), "echo a...");
        assert_eq!(summarize("echo a\n"), "echo a");
    }

    #[test]
    fn history_lists_build_args() {
        let env: BTreeMap<String, String> = [("A".to_string(), "env".to_string())].into();
        let args = vec!["/bin/sh".into(), "-c".into(), "make".into()];
        let ba = vec![
            ("A".to_string(), Some("x".to_string())),
            ("B".to_string(), None),
        ];
        assert_eq!(
            run_command_string(&args, &ba, &env),
            "|2 A=env B= /bin/sh -c make"
        );
        assert_eq!(run_command_string(&args, &[], &env), "/bin/sh -c make");
        let secret = vec![("API_TOKEN".to_string(), Some("s3cr3t".to_string()))];
        assert_eq!(
            run_command_string(&args, &secret, &env),
            "|1 API_TOKEN=[redacted] /bin/sh -c make"
        );
    }
}
