//! `State`: an immutable handle to one output of an op, plus merge and diff.

use std::fmt;
use std::sync::Arc;

use super::encode::{encode_op, OpEncoding};
use super::meta::OpMeta;
use super::{caps, digest, pb};

/// One op, already encoded: its bytes never change once built.
pub(crate) struct Node {
    /// `sha256:…` of `bytes`.
    pub(crate) digest: String,
    /// The op, as built (inputs named by gogo digests).
    pub(crate) op: pb::Op,
    /// The marshalled `pb::Op`, gogo's way.
    pub(crate) bytes: Vec<u8>,
    /// The nodes behind `op.inputs`, in input order (Go visits them before this op).
    pub(crate) deps: Vec<Arc<Node>>,
    /// `Definition.metadata[digest]` contribution (description, caps…).
    pub(crate) metadata: pb::OpMetadata,
    /// Ranges in source 0; empty = none.
    pub(crate) locations: Vec<pb::Range>,
}

impl Node {
    /// Encodes `op` and wraps it; `deps` are the states behind `op.inputs`.
    pub(crate) fn build(
        op: &pb::Op,
        deps: Vec<Arc<Node>>,
        meta: &OpMeta,
        caps: &[&str],
    ) -> Arc<Node> {
        let bytes = encode_op(op, OpEncoding::Gogo);
        Arc::new(Node {
            digest: digest(&bytes),
            op: op.clone(),
            bytes,
            deps,
            metadata: meta.to_pb(caps),
            locations: meta.locations.clone(),
        })
    }
}

/// Drops a chain of nodes without recursing: tens of thousands of `RUN`s in one stage make a
/// dependency chain that long, and the default drop would recurse once per node.
impl Drop for Node {
    fn drop(&mut self) {
        let mut stack = std::mem::take(&mut self.deps);
        while let Some(dep) = stack.pop() {
            if let Ok(mut node) = Arc::try_unwrap(dep) {
                stack.append(&mut node.deps);
            }
        }
    }
}

impl fmt::Debug for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Node")
            .field("digest", &self.digest)
            .finish()
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Output {
    pub(crate) node: Arc<Node>,
    pub(crate) index: i64,
}

/// An immutable handle to one output of an op, or scratch. Cheap to clone.
///
/// A state also remembers its platform (like Go's `State` value of that name):
/// sources set it, exec outputs take the exec's, file/merge/diff keep their base's.
/// [`State::run`] uses it when [`Exec::platform`](super::Exec) is `None`.
#[derive(Clone, Debug, Default)]
pub struct State {
    out: Option<Output>,
    platform: Option<pb::Platform>,
}

/// The platform used where Go falls back to its marshal default: `linux/amd64`.
/// Callers that know the target platform should pass it explicitly.
pub fn default_platform() -> pb::Platform {
    pb::Platform {
        architecture: "amd64".into(),
        os: "linux".into(),
        ..pb::Platform::default()
    }
}

/// Op constraints as Go always sets them: present and empty (encodes as `5a 00`).
pub(crate) fn empty_constraints() -> Option<pb::WorkerConstraints> {
    Some(pb::WorkerConstraints::default())
}

impl State {
    /// The empty filesystem.
    pub fn scratch() -> State {
        State::default()
    }

    /// True for scratch.
    pub fn is_scratch(&self) -> bool {
        self.out.is_none()
    }

    /// Digest of the op producing this state (`None` for scratch).
    pub fn digest(&self) -> Option<&str> {
        self.out.as_ref().map(|o| o.node.digest.as_str())
    }

    /// Which output of its op this state is (`None` for scratch).
    pub fn output_index(&self) -> Option<i64> {
        self.out.as_ref().map(|o| o.index)
    }

    /// The identifier of the source op this state is the output of (`docker-image://…`,
    /// `local://…`); `None` for scratch and every other op.
    pub fn source_identifier(&self) -> Option<&str> {
        match &self.out.as_ref()?.node.op.op {
            Some(pb::op::Op::Source(src)) => Some(&src.identifier),
            _ => None,
        }
    }

    /// The platform this state carries, if any.
    pub fn platform(&self) -> Option<&pb::Platform> {
        self.platform.as_ref()
    }

    /// The same output with another platform (Go's `State.Platform`); it only
    /// affects ops built later on top of this state.
    pub fn with_platform(&self, platform: pb::Platform) -> State {
        State {
            out: self.out.clone(),
            platform: Some(platform),
        }
    }

    pub(crate) fn from_node(node: Arc<Node>, index: i64, platform: Option<pb::Platform>) -> State {
        State {
            out: Some(Output { node, index }),
            platform,
        }
    }

    pub(crate) fn output(&self) -> Option<&Output> {
        self.out.as_ref()
    }

    /// The `pb::Input` referring to this state (`None` for scratch).
    pub(crate) fn to_input(&self) -> Option<pb::Input> {
        self.out.as_ref().map(|o| pb::Input {
            digest: o.node.digest.clone(),
            index: o.index,
        })
    }

    /// MergeOp of the given states. Scratch inputs are dropped as Go does; none
    /// left gives scratch, one left gives that state. Inputs are not deduplicated.
    pub fn merge(states: &[State], meta: OpMeta) -> State {
        let inputs: Vec<&State> = states.iter().filter(|s| !s.is_scratch()).collect();
        match inputs.as_slice() {
            [] => return State::scratch(),
            [only] => return (*only).clone(),
            _ => {}
        }
        let mut op = pb::Op {
            constraints: empty_constraints(),
            ..pb::Op::default()
        };
        let mut merge = pb::MergeOp::default();
        let mut deps = Vec::new();
        for state in &inputs {
            let Some(out) = state.output() else { continue };
            merge.inputs.push(pb::MergeInput {
                input: op.inputs.len() as i64,
            });
            op.inputs.extend(state.to_input());
            deps.push(out.node.clone());
        }
        op.op = Some(pb::op::Op::Merge(merge));
        let node = Node::build(&op, deps, &meta, &[caps::MERGE_OP]);
        State::from_node(node, 0, inputs[0].platform.clone())
    }

    /// DiffOp(lower, upper). Scratch/scratch is scratch, scratch/upper is upper,
    /// lower/scratch is a DiffOp with upper input -1 (as in Go).
    pub fn diff(lower: &State, upper: &State, meta: OpMeta) -> State {
        let Some(lower_out) = lower.output() else {
            return upper.clone();
        };
        let mut op = pb::Op {
            constraints: empty_constraints(),
            ..pb::Op::default()
        };
        let mut deps = vec![lower_out.node.clone()];
        op.inputs.extend(lower.to_input());
        let upper_index = match upper.output() {
            Some(out) => {
                deps.push(out.node.clone());
                op.inputs.extend(upper.to_input());
                1
            }
            None => -1,
        };
        op.op = Some(pb::op::Op::Diff(pb::DiffOp {
            lower: Some(pb::LowerDiffInput { input: 0 }),
            upper: Some(pb::UpperDiffInput { input: upper_index }),
        }));
        let node = Node::build(&op, deps, &meta, &[caps::DIFF_OP]);
        State::from_node(node, 0, lower.platform.clone())
    }
}
