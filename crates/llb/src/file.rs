//! FileOp: a chain of copy / mkdir / mkfile / rm actions on top of a state.

use super::exec::Inputs;
use super::meta::OpMeta;
use super::path::normalize;
use super::state::{empty_constraints, Node, State};
use super::{caps, pb};

/// Options of a copy action (Go's `CopyInfo` plus source and destination).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CopyInfo {
    /// Path in the source state (made absolute against `/`).
    pub src: String,
    /// Path in the destination (a trailing `/` or `/.` is kept).
    pub dest: String,
    /// `--chown`; see [`chown_by_name`].
    pub owner: Option<pb::ChownOpt>,
    /// `--chmod` as bits; `None` = keep (-1 on the wire).
    pub mode: Option<i32>,
    /// `--chmod` as a symbolic string (BuildKit ≥ 0.17 field; leave `None` for 0.13).
    pub mode_str: Option<String>,
    /// Follow a symlink at `src`.
    pub follow_symlink: bool,
    /// Copy the directory's contents, not the directory.
    pub dir_copy_contents: bool,
    /// `ADD` archive unpacking.
    pub attempt_unpack: bool,
    /// Create missing parents of `dest`.
    pub create_dest_path: bool,
    /// `src` may contain wildcards.
    pub allow_wildcard: bool,
    /// A wildcard matching nothing is not an error.
    pub allow_empty_wildcard: bool,
    /// Timestamp in Unix nanoseconds; `None` = keep (-1).
    pub timestamp: Option<i64>,
    /// Only copy paths matching these patterns.
    pub include_patterns: Vec<String>,
    /// Skip paths matching these patterns.
    pub exclude_patterns: Vec<String>,
    /// Replace existing destination paths (BuildKit ≥ 0.15 field).
    pub always_replace_existing_dest_paths: bool,
}

/// Options of a mkdir action.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MkdirInfo {
    /// Directory to create.
    pub path: String,
    /// Permission bits (masked with 0o777 as Go does).
    pub mode: i32,
    /// Create parents too.
    pub make_parents: bool,
    /// Owner; see [`chown_by_name`].
    pub owner: Option<pb::ChownOpt>,
    /// Timestamp in Unix nanoseconds; `None` = now (-1).
    pub timestamp: Option<i64>,
}

/// Options of a mkfile action.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MkfileInfo {
    /// File to create.
    pub path: String,
    /// Permission bits (masked with 0o777 as Go does).
    pub mode: i32,
    /// Contents.
    pub data: Vec<u8>,
    /// Owner; see [`chown_by_name`].
    pub owner: Option<pb::ChownOpt>,
    /// Timestamp in Unix nanoseconds; `None` = now (-1).
    pub timestamp: Option<i64>,
}

/// Options of an rm action.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RmInfo {
    /// Path to remove.
    pub path: String,
    /// A missing path is not an error.
    pub allow_not_found: bool,
    /// `path` may contain wildcards.
    pub allow_wildcard: bool,
}

#[derive(Clone, Debug)]
enum Action {
    Copy(State, CopyInfo),
    Mkdir(MkdirInfo),
    Mkfile(MkfileInfo),
    Rm(RmInfo),
}

/// A chain of file actions (Go's `FileAction` chaining): each action applies on
/// the previous one's result, the first on the state [`State::file`] is called on.
#[derive(Clone, Debug, Default)]
pub struct FileActions {
    actions: Vec<Action>,
}

impl FileActions {
    /// An empty chain.
    pub fn new() -> Self {
        Self::default()
    }

    /// Copy from `src` (the action's secondary input).
    pub fn copy(mut self, src: &State, info: CopyInfo) -> Self {
        self.actions.push(Action::Copy(src.clone(), info));
        self
    }

    /// Create a directory.
    pub fn mkdir(mut self, info: MkdirInfo) -> Self {
        self.actions.push(Action::Mkdir(info));
        self
    }

    /// Create a file.
    pub fn mkfile(mut self, info: MkfileInfo) -> Self {
        self.actions.push(Action::Mkfile(info));
        self
    }

    /// Remove a path.
    pub fn rm(mut self, info: RmInfo) -> Self {
        self.actions.push(Action::Rm(info));
        self
    }

    /// Number of actions in the chain.
    pub fn len(&self) -> usize {
        self.actions.len()
    }

    /// True when no action was added.
    pub fn is_empty(&self) -> bool {
        self.actions.is_empty()
    }
}

/// Owner from a `--chown` value split into user and group, like Go's `llb.WithUser`:
/// `root` and decimal ids become numeric ids, an empty part (`:2000`, `1000:`) id 0 (Go's
/// `UserOpt` marshals an empty name as `ByID(0)`), anything else a name.
///
/// Names are resolved by BuildKit in `/etc/passwd` / `/etc/group` of an op input.
/// Go always uses the FileOp's base state for that, and [`State::file`] does too:
/// it rewrites the input of every named user to its base's index. `passwd_source`
/// is that base state: the returned value alone uses -1 when it is scratch, 0 otherwise.
pub fn chown_by_name(user: &str, group: Option<&str>, passwd_source: &State) -> pb::ChownOpt {
    let placeholder = if passwd_source.is_scratch() { -1 } else { 0 };
    let user_opt = |v: &str| {
        let id = if v == "root" || v.is_empty() {
            Some(0)
        } else {
            v.parse::<i32>().ok()
        };
        let user = match id {
            Some(id) => pb::user_opt::User::ById(id as u32),
            None => pb::user_opt::User::ByName(pb::NamedUserOpt {
                name: v.to_string(),
                input: placeholder,
            }),
        };
        pb::UserOpt { user: Some(user) }
    };
    pb::ChownOpt {
        user: Some(user_opt(user)),
        group: group.map(user_opt),
    }
}

/// Sets the input of named users to `base` (Go marshals `ChownOpt` with the base index).
fn bind_owner(owner: &Option<pb::ChownOpt>, base: i64) -> Option<pb::ChownOpt> {
    let mut owner = owner.clone()?;
    for opt in [&mut owner.user, &mut owner.group].into_iter().flatten() {
        if let Some(pb::user_opt::User::ByName(named)) = &mut opt.user {
            named.input = base;
        }
    }
    Some(owner)
}

fn copy_action(info: &CopyInfo, base: i64) -> pb::file_action::Action {
    pb::file_action::Action::Copy(pb::FileActionCopy {
        src: normalize(&info.src, false),
        dest: normalize(&info.dest, true),
        owner: bind_owner(&info.owner, base),
        mode: info.mode.unwrap_or(-1),
        follow_symlink: info.follow_symlink,
        dir_copy_contents: info.dir_copy_contents,
        attempt_unpack_docker_compatibility: info.attempt_unpack,
        create_dest_path: info.create_dest_path,
        allow_wildcard: info.allow_wildcard,
        allow_empty_wildcard: info.allow_empty_wildcard,
        timestamp: info.timestamp.unwrap_or(-1),
        include_patterns: info.include_patterns.clone(),
        exclude_patterns: info.exclude_patterns.clone(),
        always_replace_existing_dest_paths: info.always_replace_existing_dest_paths,
        mode_str: info.mode_str.clone().unwrap_or_default(),
    })
}

fn to_pb_action(action: &Action, base: i64) -> pb::file_action::Action {
    use pb::file_action::Action as A;
    match action {
        Action::Copy(_, info) => copy_action(info, base),
        Action::Mkdir(i) => A::Mkdir(pb::FileActionMkDir {
            path: normalize(&i.path, false),
            mode: i.mode & 0o777,
            make_parents: i.make_parents,
            owner: bind_owner(&i.owner, base),
            timestamp: i.timestamp.unwrap_or(-1),
        }),
        Action::Mkfile(i) => A::Mkfile(pb::FileActionMkFile {
            path: normalize(&i.path, false),
            mode: i.mode & 0o777,
            data: i.data.clone(),
            owner: bind_owner(&i.owner, base),
            timestamp: i.timestamp.unwrap_or(-1),
        }),
        Action::Rm(i) => A::Rm(pb::FileActionRm {
            path: normalize(&i.path, false),
            allow_not_found: i.allow_not_found,
            allow_wildcard: i.allow_wildcard,
        }),
    }
}

impl State {
    /// FileOp applying `actions` on top of this state (an empty chain returns
    /// this state unchanged; Go would refuse it).
    ///
    /// Like Go: inputs are this state then each copy source, deduplicated; the
    /// first action's input is this state (-1 for scratch), action `i > 0` reads
    /// `len(inputs) + i - 1` (the previous action's result); a copy's secondary
    /// input is its source (-1 for scratch, -1 for non-copy actions); only the
    /// last action has output 0, the others -1. `Op.platform` is not set and the
    /// only cap is `file.base`: Go's per-action `addCaps` (include/exclude patterns,
    /// `file.copy.modestring` for a symbolic mode) loops over actions not yet collected and
    /// never records anything, and BuildKit (0.17 to 0.29) never registers `file.copy.modestring`,
    /// so an op carrying it is refused with `unknown API capability` by every engine.
    /// Paths are cleaned and made absolute against `/` as Go's `normalizePath`.
    pub fn file(&self, actions: FileActions, meta: OpMeta) -> State {
        if actions.is_empty() {
            return self.clone();
        }
        let mut inputs = Inputs::default();
        let base = inputs.add(self);
        let secondary: Vec<i64> = actions
            .actions
            .iter()
            .map(|a| match a {
                Action::Copy(src, _) => inputs.add(src),
                _ => -1,
            })
            .collect();
        let n_inputs = inputs.inputs.len() as i64;
        let last = actions.actions.len() - 1;
        let pb_actions = actions
            .actions
            .iter()
            .enumerate()
            .map(|(i, a)| pb::FileAction {
                input: if i == 0 {
                    base
                } else {
                    n_inputs + i as i64 - 1
                },
                secondary_input: secondary[i],
                output: if i == last { 0 } else { -1 },
                action: Some(to_pb_action(a, base)),
            })
            .collect();
        let op = pb::Op {
            inputs: inputs.inputs,
            op: Some(pb::op::Op::File(pb::FileOp {
                actions: pb_actions,
            })),
            platform: None,
            constraints: empty_constraints(),
        };
        let node = Node::build(&op, inputs.deps, &meta, &[caps::FILE_BASE]);
        State::from_node(node, 0, self.platform().cloned())
    }
}
