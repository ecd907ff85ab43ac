//! `State` graph → `pb::Definition`, like Go's `State.Marshal`.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use prost::Message;

use super::encode::{encode_op, OpEncoding};
use super::meta::merge_metadata;
use super::state::{Node, State};
use super::{caps, digest, pb};

/// Marshal the graph ending at `state` into a Definition.
///
/// Ops come dependencies-first (each op after its inputs, in input order),
/// deduplicated by digest; then a terminal op with only the final input. Metadata
/// of ops sharing a digest is merged as Go's `mergeMetadata` does; the terminal op
/// gets caps `constraints`, `platform` and `meta.*` when any op uses them.
/// `Source` is set like Go (always, for a non-scratch state): `infos` =
/// `[source_info]` when given, and `locations[digest]` only for ops that have
/// locations (one `Location{sourceIndex: 0}` per op occurrence). A scratch state
/// gives an empty Definition (no ops). Ops are encoded gogo's way.
pub fn marshal(state: &State, source_info: Option<pb::SourceInfo>) -> pb::Definition {
    marshal_as(state, source_info, OpEncoding::Gogo)
}

/// [`marshal`] with the ops encoded as `encoding` says: with [`OpEncoding::ProtobufGo`] every op
/// is re-encoded, inputs renamed to their inputs' new digests, as BuildKit ≥ 0.17 does on load.
pub fn marshal_as(
    state: &State,
    source_info: Option<pb::SourceInfo>,
    encoding: OpEncoding,
) -> pb::Definition {
    let mut def = pb::Definition::default();
    let Some(out) = state.output() else {
        return def;
    };
    let mut walk = Walk {
        def: &mut def,
        encoding,
        renamed: HashMap::new(),
        visited: HashSet::new(),
        emitted: HashSet::new(),
        locations: BTreeMap::new(),
    };
    walk.visit(&out.node);
    let locations = std::mem::take(&mut walk.locations);
    let mut inputs: Vec<pb::Input> = state.to_input().into_iter().collect();
    walk.rename(&mut inputs);

    let terminal = pb::Op {
        inputs,
        ..pb::Op::default()
    };
    let bytes = terminal.encode_to_vec();
    let mut md = pb::OpMetadata::default();
    for cap in [caps::CONSTRAINTS, caps::PLATFORM] {
        md.caps.insert(cap.to_string(), true);
    }
    for m in def.metadata.values() {
        if m.ignore_cache {
            md.caps.insert(caps::META_IGNORE_CACHE.to_string(), true);
        }
        if !m.description.is_empty() {
            md.caps.insert(caps::META_DESCRIPTION.to_string(), true);
        }
        if m.export_cache.is_some() {
            md.caps.insert(caps::META_EXPORT_CACHE.to_string(), true);
        }
    }
    def.metadata.insert(digest(&bytes), md);
    def.def.push(bytes);

    let mut source = pb::Source::default();
    if let Some(info) = source_info {
        source.infos.push(info);
        source.locations = locations;
    }
    def.source = Some(source);
    def
}

/// The raw protobuf bytes of a Definition (what `buildctl build` reads on stdin).
pub fn to_bytes(def: &pb::Definition) -> Vec<u8> {
    def.encode_to_vec()
}

struct Walk<'a> {
    def: &'a mut pb::Definition,
    encoding: OpEncoding,
    /// Gogo digest → digest in `encoding`, for the nodes walked (empty for gogo).
    renamed: HashMap<String, String>,
    /// Nodes already walked (Go's `vertexCache`), by identity.
    visited: HashSet<*const Node>,
    /// Digests already in `def.def` (Go's `cache`).
    emitted: HashSet<String>,
    locations: BTreeMap<String, pb::Locations>,
}

impl Walk<'_> {
    /// Emits `node` after its dependencies (depth first, dependencies in order). Iterative:
    /// a chain of tens of thousands of `RUN`s must not overflow the stack.
    fn visit(&mut self, node: &Arc<Node>) {
        if !self.visited.insert(Arc::as_ptr(node)) {
            return;
        }
        let mut stack: Vec<(&Arc<Node>, usize)> = vec![(node, 0)];
        while let Some(top) = stack.last_mut() {
            let (n, next) = (top.0, top.1);
            if let Some(dep) = n.deps.get(next) {
                top.1 += 1;
                if self.visited.insert(Arc::as_ptr(dep)) {
                    stack.push((dep, 0));
                }
                continue;
            }
            stack.pop();
            self.emit(n);
        }
    }

    fn emit(&mut self, node: &Arc<Node>) {
        let (dgst, bytes) = self.encode(node);
        let md = self.def.metadata.entry(dgst.clone()).or_default();
        merge_metadata(md, &node.metadata);
        if !node.locations.is_empty() {
            let ranges = node.locations.iter().map(full_range).collect();
            self.locations
                .entry(dgst.clone())
                .or_default()
                .locations
                .push(pb::Location {
                    source_index: 0,
                    ranges,
                });
        }
        if self.emitted.insert(dgst) {
            self.def.def.push(bytes);
        }
    }

    /// The node's digest and bytes in the walk's encoding (its inputs already walked).
    fn encode(&mut self, node: &Node) -> (String, Vec<u8>) {
        if self.encoding == OpEncoding::Gogo {
            return (node.digest.clone(), node.bytes.clone());
        }
        let mut op = node.op.clone();
        self.rename(&mut op.inputs);
        let bytes = encode_op(&op, self.encoding);
        let renamed = digest(&bytes);
        self.renamed.insert(node.digest.clone(), renamed.clone());
        (renamed, bytes)
    }

    /// Points `inputs` at the re-encoded ops.
    fn rename(&self, inputs: &mut [pb::Input]) {
        for input in inputs {
            if let Some(d) = self.renamed.get(&input.digest) {
                input.digest.clone_from(d);
            }
        }
    }
}

/// gogo writes `Range.start/end` even when empty (non-nullable); so do we.
fn full_range(r: &pb::Range) -> pb::Range {
    pb::Range {
        start: Some(r.start.unwrap_or_default()),
        end: Some(r.end.unwrap_or_default()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Exec, OpMeta};

    /// A chain of 30,000 ops (a stage of that many `RUN`s) is marshalled and dropped on a
    /// 256 KiB stack: neither the walk nor the drop recurses per op.
    #[test]
    fn long_chains_do_not_recurse() {
        let run = || {
            let mut s = State::source(
                "docker-image://docker.io/library/busybox:latest",
                BTreeMap::new(),
                None,
                OpMeta::default(),
            );
            for i in 0..30_000 {
                let exec = Exec {
                    meta: pb::Meta {
                        args: vec!["true".into(), i.to_string()],
                        cwd: "/".into(),
                        ..pb::Meta::default()
                    },
                    ..Exec::default()
                };
                s = s.run(exec).root;
            }
            let def = marshal(&s, None);
            assert_eq!(def.def.len(), 30_002);
        };
        std::thread::Builder::new()
            .stack_size(256 << 10)
            .spawn(run)
            .unwrap()
            .join()
            .unwrap();
    }
}
