//! Op encoding byte-for-byte like Go's gogo-protobuf marshaller.
//!
//! prost and gogo agree on everything we emit (ascending field numbers, proto3
//! defaults omitted, sorted map keys) except one detail: prost leaves out a map
//! entry's value when it is the default (`""`), gogo always writes it. The only map
//! inside an op is `SourceOp.attrs`, so source ops are encoded here by hand.

use prost::encoding::{encode_key, encode_varint, WireType};
use prost::Message;

use super::pb;

/// The bytes whose sha256 is the op's digest.
pub(crate) fn encode_op(op: &pb::Op) -> Vec<u8> {
    let Some(pb::op::Op::Source(source)) = &op.op else {
        return op.encode_to_vec();
    };
    let mut buf = Vec::new();
    for input in &op.inputs {
        put_message(&mut buf, 1, &input.encode_to_vec());
    }
    put_message(&mut buf, 3, &encode_source(source));
    if let Some(platform) = &op.platform {
        put_message(&mut buf, 10, &platform.encode_to_vec());
    }
    if let Some(constraints) = &op.constraints {
        put_message(&mut buf, 11, &constraints.encode_to_vec());
    }
    buf
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
        assert_eq!(encode_op(&op), op.encode_to_vec());
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
        assert_eq!(encode_op(&op), want);
        assert_ne!(op.encode_to_vec(), want, "prost alone would drop the value");
    }
}
