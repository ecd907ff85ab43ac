//! ExecOp: run a command with this state as `/` plus extra mounts.

use std::collections::BTreeSet;
use std::sync::Arc;

use super::meta::OpMeta;
use super::state::{default_platform, empty_constraints, Node, State};
use super::{caps, pb};

/// What to run and how (Go's `ExecInfo` after all run options are applied).
#[derive(Clone, Debug, Default)]
pub struct Exec {
    /// args, env, cwd, user, extra hosts, hostname, ulimit, cgroupParent…
    /// `removeMountStubsRecursive` is forced to true as Go does.
    pub meta: pb::Meta,
    /// Mounts besides the root, in Dockerfile order.
    pub mounts: Vec<Mount>,
    /// Network mode (`UNSET` = sandbox).
    pub network: pb::NetMode,
    /// Security mode.
    pub security: pb::SecurityMode,
    /// Secrets exposed as environment variables.
    pub secret_env: Vec<pb::SecretEnv>,
    /// `Op.platform`; `None` = the root state's platform, else [`default_platform`].
    pub platform: Option<pb::Platform>,
    /// Progress name, locations…
    pub op_meta: OpMeta,
}

/// One extra mount of an exec.
#[derive(Clone, Debug)]
pub struct Mount {
    /// Mount point.
    pub dest: String,
    /// What is mounted; scratch allowed (input -1). Ignored for tmpfs, secret, ssh.
    pub source: State,
    /// Subpath of `source` ("" = whole).
    pub selector: String,
    /// Read-only mount (produces no output).
    pub readonly: bool,
    /// Bind, cache, tmpfs, secret or ssh.
    pub kind: MountKind,
}

/// The kind of an exec mount.
#[derive(Clone, Debug)]
pub enum MountKind {
    /// Plain bind of `source`.
    Bind,
    /// Writable bind whose changes are discarded: no output (Go's `ForceNoOutput`).
    BindNoOutput,
    /// Bind whose content is not hashed into the exec's cache key (Go's
    /// `llb.ContentCache(llb.MountContentCacheOff)`, cap `exec.mount.cache.content`): BuildKit
    /// then keys the exec by the mounted state's own cache key instead of checksumming every
    /// file under it, which a read-only bind otherwise gets.
    BindNoContentCache,
    /// Persistent cache directory.
    Cache {
        /// Cache id.
        id: String,
        /// Sharing mode.
        sharing: pb::CacheSharingOpt,
    },
    /// tmpfs; size 0 = default.
    Tmpfs {
        /// Size in bytes.
        size: i64,
    },
    /// Secret file.
    Secret(pb::SecretOpt),
    /// SSH agent socket; an empty `dest` becomes `/run/buildkit/ssh_agent.<n>`.
    Ssh(pb::SshOpt),
}

/// Result of [`State::run`]: the root output and one entry per extra mount,
/// `Some(state)` for mounts that have an output (writable bind mounts), else `None`.
#[derive(Clone, Debug)]
pub struct ExecOutput {
    /// The root filesystem after the command.
    pub root: State,
    /// Outputs of `Exec::mounts`, same order.
    pub mounts: Vec<Option<State>>,
}

/// A filesystem mount (root, bind, cache, tmpfs), before sorting by dest.
struct FsMount<'a> {
    dest: &'a str,
    source: &'a State,
    selector: &'a str,
    readonly: bool,
    kind: &'a MountKind,
    /// Index in `Exec::mounts`; `None` for the root.
    position: Option<usize>,
}

/// Inputs of an op, deduplicated like Go (`*inp == *inp2`).
#[derive(Default)]
pub(crate) struct Inputs {
    pub(crate) inputs: Vec<pb::Input>,
    pub(crate) deps: Vec<Arc<Node>>,
}

impl Inputs {
    /// Index of `state` among the inputs (added if new), -1 for scratch.
    pub(crate) fn add(&mut self, state: &State) -> i64 {
        let (Some(out), Some(input)) = (state.output(), state.to_input()) else {
            return -1;
        };
        if let Some(i) = self.inputs.iter().position(|x| *x == input) {
            return i as i64;
        }
        self.inputs.push(input);
        self.deps.push(out.node.clone());
        (self.inputs.len() - 1) as i64
    }
}

impl State {
    /// ExecOp with this state as the root mount `/`.
    ///
    /// Like Go: filesystem mounts (root, bind, cache, tmpfs) are sorted by dest;
    /// inputs are numbered in that order and deduplicated; outputs go to writable
    /// non-cache non-tmpfs mounts in that order (root = 0), others get -1; secret
    /// then ssh mounts follow in given order with input and output left at 0 (Go
    /// does not set them); `SSH_AUTH_SOCK` is added to env when ssh is used.
    pub fn run(&self, exec: Exec) -> ExecOutput {
        let platform = exec
            .platform
            .clone()
            .or_else(|| self.platform().cloned())
            .unwrap_or_else(default_platform);
        let root_kind = MountKind::Bind;
        let mut fs_mounts = vec![FsMount {
            dest: "/",
            source: self,
            selector: "",
            readonly: false,
            kind: &root_kind,
            position: None,
        }];
        for (i, m) in exec.mounts.iter().enumerate() {
            if matches!(m.kind, MountKind::Secret(_) | MountKind::Ssh(_)) {
                continue;
            }
            fs_mounts.push(FsMount {
                dest: &m.dest,
                source: &m.source,
                selector: &m.selector,
                readonly: m.readonly,
                kind: &m.kind,
                position: Some(i),
            });
        }
        fs_mounts.sort_by(|a, b| a.dest.cmp(b.dest));

        let mut caps: BTreeSet<&str> =
            BTreeSet::from([caps::EXEC_META_BASE, caps::EXEC_META_SETS_DEFAULT_PATH]);
        let mut inputs = Inputs::default();
        let mut pb_mounts = Vec::new();
        let mut outputs: Vec<Option<i64>> = vec![None; exec.mounts.len()];
        let mut root_output = -1;
        let mut next_output = 0;
        for m in &fs_mounts {
            let mut pm = pb::Mount {
                selector: m.selector.to_string(),
                dest: m.dest.to_string(),
                readonly: m.readonly,
                output: -1,
                ..pb::Mount::default()
            };
            if !m.selector.is_empty() {
                caps.insert(caps::EXEC_MOUNT_SELECTOR);
            }
            match m.kind {
                MountKind::Tmpfs { size } => {
                    pm.input = -1;
                    pm.mount_type = pb::MountType::Tmpfs as i32;
                    pm.tmpfs_opt = Some(pb::TmpfsOpt { size: *size });
                    caps.insert(caps::EXEC_MOUNT_TMPFS);
                    if *size > 0 {
                        caps.insert(caps::EXEC_MOUNT_TMPFS_SIZE);
                    }
                }
                MountKind::Cache { id, sharing } => {
                    pm.input = inputs.add(m.source);
                    pm.mount_type = pb::MountType::Cache as i32;
                    pm.cache_opt = Some(pb::CacheOpt {
                        id: id.clone(),
                        sharing: *sharing as i32,
                    });
                    caps.insert(caps::EXEC_MOUNT_CACHE);
                    caps.insert(caps::EXEC_MOUNT_CACHE_SHARING);
                }
                _ => {
                    pm.input = inputs.add(m.source);
                    if pm.input >= 0 {
                        caps.insert(caps::EXEC_MOUNT_BIND);
                    }
                    if matches!(m.kind, MountKind::BindNoContentCache) {
                        pm.content_cache = pb::MountContentCache::Off as i32;
                        caps.insert(caps::EXEC_MOUNT_CONTENT_CACHE);
                    }
                    if !m.readonly && !matches!(m.kind, MountKind::BindNoOutput) {
                        pm.output = next_output;
                        next_output += 1;
                    }
                }
            }
            match m.position {
                Some(i) => outputs[i] = (pm.output >= 0).then_some(pm.output),
                None => root_output = pm.output,
            }
            pb_mounts.push(pm);
        }

        let mut meta = exec.meta.clone();
        meta.remove_mount_stubs_recursive = true;
        let mut ssh_count = 0;
        let mut first_ssh_target = None;
        for m in &exec.mounts {
            match &m.kind {
                MountKind::Secret(opt) => pb_mounts.push(pb::Mount {
                    dest: m.dest.clone(),
                    mount_type: pb::MountType::Secret as i32,
                    secret_opt: Some(opt.clone()),
                    ..pb::Mount::default()
                }),
                MountKind::Ssh(opt) => {
                    let dest = if m.dest.is_empty() {
                        format!("/run/buildkit/ssh_agent.{ssh_count}")
                    } else {
                        m.dest.clone()
                    };
                    ssh_count += 1;
                    first_ssh_target.get_or_insert_with(|| dest.clone());
                    pb_mounts.push(pb::Mount {
                        dest,
                        mount_type: pb::MountType::Ssh as i32,
                        ssh_opt: Some(opt.clone()),
                        ..pb::Mount::default()
                    });
                }
                _ => {}
            }
        }
        if let Some(target) = first_ssh_target {
            caps.insert(caps::EXEC_MOUNT_SSH);
            if !meta
                .env
                .iter()
                .any(|e| e.split('=').next() == Some("SSH_AUTH_SOCK"))
            {
                meta.env.push(format!("SSH_AUTH_SOCK={target}"));
            }
        }
        let has_secret_mount = exec
            .mounts
            .iter()
            .any(|m| matches!(m.kind, MountKind::Secret(_)));
        if has_secret_mount || !exec.secret_env.is_empty() {
            caps.insert(caps::EXEC_MOUNT_SECRET);
        }
        if !exec.secret_env.is_empty() {
            caps.insert(caps::EXEC_SECRET_ENV);
        }
        if !meta.ulimit.is_empty() {
            caps.insert(caps::EXEC_META_ULIMIT);
        }
        if meta.proxy_env.is_some() {
            caps.insert(caps::EXEC_META_PROXY);
        }
        if exec.network != pb::NetMode::Unset {
            caps.insert(caps::EXEC_META_NETWORK);
        }
        if exec.security != pb::SecurityMode::Sandbox {
            caps.insert(caps::EXEC_META_SECURITY);
        }

        let op = pb::Op {
            inputs: inputs.inputs,
            op: Some(pb::op::Op::Exec(pb::ExecOp {
                meta: Some(meta),
                mounts: pb_mounts,
                network: exec.network as i32,
                security: exec.security as i32,
                secretenv: exec.secret_env.clone(),
            })),
            platform: Some(platform),
            constraints: empty_constraints(),
        };
        let caps: Vec<&str> = caps.into_iter().collect();
        let node = Node::build(&op, inputs.deps, &exec.op_meta, &caps);

        let root_platform = exec.platform.clone().or_else(|| self.platform().cloned());
        let mounts = exec
            .mounts
            .iter()
            .zip(outputs)
            .map(|(m, out)| {
                let platform = exec
                    .platform
                    .clone()
                    .or_else(|| m.source.platform().cloned());
                out.map(|i| State::from_node(node.clone(), i, platform))
            })
            .collect();
        ExecOutput {
            root: State::from_node(node.clone(), root_output, root_platform),
            mounts,
        }
    }
}
