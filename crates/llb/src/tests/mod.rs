//! Unit tests of the `llb` module, one file per concern.

mod dump;
mod exec;
mod file;
mod graph;
mod source;

use std::collections::BTreeMap;

use prost::Message;

use super::*;

fn linux_amd64() -> pb::Platform {
    default_platform()
}

fn image(name: &str) -> State {
    State::source(
        &format!("docker-image://docker.io/library/{name}"),
        BTreeMap::new(),
        Some(linux_amd64()),
        OpMeta::default(),
    )
}

fn local(name: &str) -> State {
    let attrs = BTreeMap::from([("local.session".to_string(), "sid".to_string())]);
    State::source(&format!("local://{name}"), attrs, None, OpMeta::default())
}

/// Decodes the op behind `state` from its Definition.
fn op_of(state: &State) -> pb::Op {
    let def = marshal(state, None);
    let want = state.digest().expect("not scratch");
    let bytes = def
        .def
        .iter()
        .find(|b| digest(b) == want)
        .expect("op in def");
    pb::Op::decode(bytes.as_slice()).expect("decodes")
}

fn exec_of(op: &pb::Op) -> &pb::ExecOp {
    match &op.op {
        Some(pb::op::Op::Exec(e)) => e,
        other => panic!("not exec: {other:?}"),
    }
}

fn caps_of(def: &pb::Definition, state: &State) -> Vec<String> {
    def.metadata[state.digest().unwrap()]
        .caps
        .keys()
        .cloned()
        .collect()
}

fn sh(cmd: &str) -> Exec {
    Exec {
        meta: pb::Meta {
            args: vec!["/bin/sh".into(), "-c".into(), cmd.into()],
            env: vec!["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".into()],
            cwd: "/".into(),
            ..pb::Meta::default()
        },
        ..Exec::default()
    }
}
