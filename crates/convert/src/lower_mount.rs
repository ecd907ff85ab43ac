//! `RUN --mount` lowering (upstream `dispatchRunMounts`, `dispatchSecret`,
//! `dispatchSSH`): bind/cache/tmpfs/secret/ssh mounts with their defaults.

use super::ctx::Ctx;
use super::facts::{Input, InputKind, InputSource};
use super::gitref::clean_abs;
use super::words;
use stagetrail_dockerfile::ast::Span;
use stagetrail_dockerfile::mount::{parse_mount, MountSpec, MountType, Sharing};
use stagetrail_llb as llb;
use stagetrail_llb::pb;

/// Whether the raw mount value names an `id` itself (upstream passes the ssh id
/// through as written, empty when absent).
fn has_explicit_id(raw: &str) -> bool {
    raw.split(',')
        .filter_map(|f| f.split_once('='))
        .any(|(k, _)| k.trim_matches('"').eq_ignore_ascii_case("id"))
}

/// `path.Base`.
fn base(p: &str) -> String {
    let t = p.trim_end_matches('/');
    if t.is_empty() {
        return if p.is_empty() { ".".into() } else { "/".into() };
    }
    t.rsplit('/').next().unwrap_or(t).to_string()
}

/// Lowers the mounts of a RUN on state `i`; `sources[k]` is the state of mount `k`.
pub(crate) fn run_mounts(
    ctx: &mut Ctx,
    i: usize,
    span: Span,
    raw_mounts: &[String],
    sources: &[usize],
) -> Result<(Vec<llb::Mount>, Vec<pb::SecretEnv>), String> {
    let lexer = ctx.lexer.clone();
    let env = ctx.states[i].env.clone();
    let expand = |w: &str| words::word(&lexer, w, &env);
    let ns = ctx
        .s
        .opts
        .build_args
        .get("BUILDKIT_CACHE_MOUNT_NS")
        .cloned()
        .unwrap_or_default();
    let mut mounts = Vec::new();
    let mut secret_env = Vec::new();
    for (k, raw) in raw_mounts.iter().enumerate() {
        let m: MountSpec = parse_mount(raw, &expand)?;
        match m.kind {
            MountType::Secret => {
                let id = m.id.clone().unwrap_or_default();
                ctx.states[i].outline.secret(&id, m.required, span);
                let dest = match (&m.env, m.target.is_empty()) {
                    (Some(name), true) => format!("env:{name}"),
                    _ if m.target.is_empty() => format!("/run/secrets/{}", base(&id)),
                    _ => m.target.clone(),
                };
                ctx.states[i].record_input(Input {
                    kind: InputKind::SecretMount,
                    source: None,
                    id: Some(id.clone()),
                    paths: Vec::new(),
                    dest,
                });
                if let Some(name) = &m.env {
                    secret_env.push(pb::SecretEnv {
                        id: id.clone(),
                        name: name.clone(),
                        optional: !m.required,
                    });
                    // With `env=` the secret is also a file only when a target is given.
                    if m.target.is_empty() {
                        continue;
                    }
                }
                let target = if m.target.is_empty() {
                    format!("/run/secrets/{}", base(&id))
                } else {
                    m.target.clone()
                };
                mounts.push(forwarded_mount(&m, target, id));
                continue;
            }
            MountType::Ssh => {
                if m.source.is_some() {
                    return Err("ssh does not support source".into());
                }
                let id = if has_explicit_id(raw) {
                    m.id.clone().unwrap_or_default()
                } else {
                    String::new()
                };
                let outline_id = if id.is_empty() { "default" } else { &id };
                ctx.states[i].outline.ssh(outline_id, m.required, span);
                ctx.states[i].record_input(Input {
                    kind: InputKind::SshMount,
                    source: None,
                    id: Some(if id.is_empty() {
                        "default".into()
                    } else {
                        id.clone()
                    }),
                    paths: Vec::new(),
                    dest: m.target.clone(),
                });
                mounts.push(forwarded_mount(&m, m.target.clone(), id));
                continue;
            }
            _ => {}
        }
        let from = match (&m.from, m.kind) {
            (Some(f), _) => Some(f.clone()),
            (None, MountType::Cache) => Some("scratch".to_string()),
            (None, _) => None,
        };
        let mut source = ctx.build_context.clone();
        let mut fact_source = Some(InputSource::Context);
        if let Some(f) = &from {
            let src = sources.get(k).copied().unwrap_or(usize::MAX);
            let Some(sd) = ctx.states.get(src).filter(|s| s.done) else {
                return Err(format!(
                    "cannot mount from stage {f:?} to {:?}, stage needs to be defined before current command",
                    m.target
                ));
            };
            source = sd.state.clone();
            fact_source = match (&m.from, m.kind) {
                (None, MountType::Cache) => None,
                _ => Some(ctx.states[src].as_source()),
            };
        }
        let mut fact_id = None;
        let fact_kind = match m.kind {
            MountType::Cache => {
                fact_id = Some(
                    m.id.clone()
                        .filter(|s| !s.is_empty())
                        .unwrap_or_else(|| clean_abs(&m.target)),
                );
                InputKind::CacheMount
            }
            MountType::Tmpfs => {
                fact_source = None;
                InputKind::TmpfsMount
            }
            _ => InputKind::BindMount,
        };
        let kind = match m.kind {
            MountType::Tmpfs => {
                source = llb::State::scratch();
                llb::MountKind::Tmpfs {
                    size: m.size.unwrap_or(0),
                }
            }
            MountType::Cache => {
                let sharing = match m.sharing {
                    Sharing::Shared => pb::CacheSharingOpt::Shared,
                    Sharing::Private => pb::CacheSharingOpt::Private,
                    Sharing::Locked => pb::CacheSharingOpt::Locked,
                };
                let id =
                    m.id.clone()
                        .filter(|s| !s.is_empty())
                        .unwrap_or_else(|| clean_abs(&m.target));
                llb::MountKind::Cache {
                    id: format!("{ns}/{id}"),
                    sharing,
                }
            }
            // Upstream discards what a RUN writes into a bind mount (`llb.ForceNoOutput`).
            _ if !m.readonly => llb::MountKind::BindNoOutput,
            _ => llb::MountKind::Bind,
        };
        let dir = ctx.states[i].dir.clone();
        let target = if m.target.starts_with('/') {
            m.target.clone()
        } else {
            clean_abs(&format!("{dir}/{}", m.target))
        };
        if clean_abs(&target) == "/" {
            return Err(format!("invalid mount target {target:?}"));
        }
        let src_path = clean_abs(m.source.as_deref().unwrap_or(""));
        let mut selector = String::new();
        if src_path != "/" {
            selector.clone_from(&src_path);
        } else if m.uid.is_some() || m.gid.is_some() || m.mode.is_some() {
            source = cache_permissions(&m, &source);
            selector = "/cache".into();
        }
        mounts.push(llb::Mount {
            dest: target,
            source,
            selector,
            readonly: m.readonly,
            kind,
        });
        ctx.states[i].record_input(Input {
            kind: fact_kind,
            source: fact_source,
            id: fact_id,
            paths: m.source.iter().map(|_| src_path.clone()).collect(),
            dest: mounts.last().map(|m| m.dest.clone()).unwrap_or_default(),
        });
        if from.is_none() {
            ctx.states[i].ctx_paths.insert(src_path);
        }
    }
    Ok((mounts, secret_env))
}

/// A secret or ssh-agent mount at `dest` (nothing is mounted from a state);
/// owner root and mode 0400 (secret) or 0600 (ssh) unless the mount sets them.
fn forwarded_mount(m: &MountSpec, dest: String, id: String) -> llb::Mount {
    let (uid, gid, optional) = (m.uid.unwrap_or(0), m.gid.unwrap_or(0), !m.required);
    let kind = if m.kind == MountType::Ssh {
        let mode = m.mode.unwrap_or(0o600);
        llb::MountKind::Ssh(pb::SshOpt {
            id,
            uid,
            gid,
            mode,
            optional,
        })
    } else {
        let mode = m.mode.unwrap_or(0o400);
        llb::MountKind::Secret(pb::SecretOpt {
            id,
            uid,
            gid,
            mode,
            optional,
        })
    };
    llb::Mount {
        dest,
        source: llb::State::scratch(),
        selector: String::new(),
        readonly: false,
        kind,
    }
}

/// Upstream `setCacheUIDGID`: a `/cache` dir with the requested owner and mode.
fn cache_permissions(m: &MountSpec, st: &llb::State) -> llb::State {
    let owner = pb::ChownOpt {
        user: Some(pb::UserOpt {
            user: Some(pb::user_opt::User::ById(m.uid.unwrap_or(0))),
        }),
        group: Some(pb::UserOpt {
            user: Some(pb::user_opt::User::ById(m.gid.unwrap_or(0))),
        }),
    };
    let actions = llb::FileActions::new().mkdir(llb::MkdirInfo {
        path: "/cache".into(),
        mode: m.mode.unwrap_or(0o755) as i32,
        make_parents: false,
        owner: Some(owner),
        timestamp: None,
    });
    st.file(
        actions,
        llb::OpMeta::named("[internal] settings cache mount permissions"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers() {
        assert!(has_explicit_id("type=ssh,id=gh"));
        assert!(!has_explicit_id("type=ssh"));
        assert_eq!(base("/run/x/"), "x");
        assert_eq!(base("a"), "a");
    }
}
