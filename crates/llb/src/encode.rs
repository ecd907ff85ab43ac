//! Op encoding byte-for-byte like the Go marshaller of the BuildKit release at hand.
//!
//! prost and gogo-protobuf agree on everything we emit (ascending field numbers, proto3
//! defaults omitted, sorted map keys) except one detail: prost leaves out a map
//! entry's value when it is the default (`""`), gogo always writes it. The only map
//! inside an op is `SourceOp.attrs`, so source ops are encoded here by hand.
//! google.golang.org/protobuf (BuildKit ≥ 0.17) writes empty map values too, and a
//! oneof after the message's other fields: `Op.op` after `platform` and `constraints`. (The
//! other oneofs, `FileAction.action` and `UserOpt.user`, come last by number anyway.)

use prost::encoding::{encode_key, encode_varint, WireType};
use prost::Message;

use super::pb;

/// The Go protobuf library whose bytes an op is encoded like. BuildKit re-marshals every op it
/// loads and names it by the digest of its own bytes, so only matching bytes keep the digests
/// the definition's source locations are keyed by (the `Dockerfile:N` box of a failed step).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OpEncoding {
    /// gogo-protobuf (BuildKit ≤ 0.16): fields by number, a oneof at its first field's place.
    #[default]
    Gogo,
    /// google.golang.org/protobuf (BuildKit ≥ 0.17): fields by number, oneofs last.
    ProtobufGo,
}

/// The bytes whose sha256 is the op's digest.
pub(crate) fn encode_op(op: &pb::Op, encoding: OpEncoding) -> Vec<u8> {
    match (&op.op, encoding) {
        (Some(pb::op::Op::Source(_)), OpEncoding::Gogo) => {}
        (Some(_), OpEncoding::ProtobufGo) => {}
        _ => return op.encode_to_vec(),
    }
    let mut buf = Vec::new();
    for input in &op.inputs {
        put_message(&mut buf, 1, &input.encode_to_vec());
    }
    if encoding == OpEncoding::Gogo {
        put_oneof(&mut buf, op);
    }
    if let Some(platform) = &op.platform {
        put_message(&mut buf, 10, &platform.encode_to_vec());
    }
    if let Some(constraints) = &op.constraints {
        put_message(&mut buf, 11, &constraints.encode_to_vec());
    }
    if encoding == OpEncoding::ProtobufGo {
        put_oneof(&mut buf, op);
    }
    buf
}

/// `Op.op`: a source op by hand, the others as prost writes them.
fn put_oneof(buf: &mut Vec<u8>, op: &pb::Op) {
    match &op.op {
        Some(pb::op::Op::Source(source)) => put_message(buf, 3, &encode_source(source)),
        Some(other) => other.encode(buf),
        None => {}
    }
}

fn encode_source(source: &pb::SourceOp) -> Vec<u8> {
    let mut buf = Vec::new();
    if !source.identifier.is_empty() {
        put_message(&mut buf, 1, source.identifier.as_bytes());
    }
    for (k, v) in &source.attrs {
        let mut entry = Vec::new();
        put_message(&mut entry, 1, k.as_bytes());
        put_message(&mut entry, 2, v.as_bytes());
        put_message(&mut buf, 2, &entry);
    }
    buf
}

/// One length-delimited field: key, length, payload.
fn put_message(buf: &mut Vec<u8>, tag: u32, payload: &[u8]) {
    encode_key(tag, WireType::LengthDelimited, buf);
    encode_varint(payload.len() as u64, buf);
    buf.extend_from_slice(payload);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn source_without_empty_values_equals_prost() {
        let op = pb::Op {
            op: Some(pb::op::Op::Source(pb::SourceOp {
                identifier: "local://context".into(),
                attrs: BTreeMap::from([
                    ("local.session".to_string(), "abc".to_string()),
                    ("local.sharedkeyhint".to_string(), "context".to_string()),
                ]),
            })),
            constraints: Some(pb::WorkerConstraints::default()),
            ..pb::Op::default()
        };
        assert_eq!(encode_op(&op, OpEncoding::Gogo), op.encode_to_vec());
    }

    #[test]
    fn empty_attr_value_is_written_like_gogo() {
        let op = pb::Op {
            op: Some(pb::op::Op::Source(pb::SourceOp {
                identifier: "x".into(),
                attrs: BTreeMap::from([("k".to_string(), String::new())]),
            })),
            ..pb::Op::default()
        };
        // Op.source{identifier "x", attrs{k: ""}}: entry = 0a 01 'k' 12 00.
        let want = [
            0x1a, 0x0a, 0x0a, 0x01, b'x', 0x12, 0x05, 0x0a, 0x01, b'k', 0x12, 0x00,
        ];
        assert_eq!(encode_op(&op, OpEncoding::Gogo), want);
        assert_ne!(op.encode_to_vec(), want, "prost alone would drop the value");
    }

    #[test]
    fn protobuf_go_writes_the_op_oneof_last() {
        let op = pb::Op {
            inputs: vec![pb::Input {
                digest: "d".into(),
                index: 0,
            }],
            op: Some(pb::op::Op::Source(pb::SourceOp {
                identifier: "x".into(),
                attrs: BTreeMap::from([("k".to_string(), String::new())]),
            })),
            constraints: Some(pb::WorkerConstraints::default()),
            ..pb::Op::default()
        };
        let input = [0x0a, 0x03, 0x0a, 0x01, b'd'];
        let source = [
            0x1a, 0x0a, 0x0a, 0x01, b'x', 0x12, 0x05, 0x0a, 0x01, b'k', 0x12, 0x00,
        ];
        let constraints = [0x5a, 0x00];
        let gogo = [&input[..], &source, &constraints].concat();
        let protobuf_go = [&input[..], &constraints, &source].concat();
        assert_eq!(encode_op(&op, OpEncoding::Gogo), gogo);
        assert_eq!(encode_op(&op, OpEncoding::ProtobufGo), protobuf_go);
    }
}
