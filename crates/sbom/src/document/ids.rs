//! Deterministic identifiers and times for documents.

use sha1::{Digest, Sha1};

/// The namespace of document UUIDs: RFC 4122's URL namespace (names are content digests).
const NAMESPACE: [u8; 16] = [
    0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8,
];

/// An RFC 4122 version-5 UUID (SHA-1 of namespace and `name`), lower-case hex with dashes.
pub fn uuid_v5(name: &[u8]) -> String {
    let mut h = Sha1::new();
    h.update(NAMESPACE);
    h.update(name);
    let d = h.finalize();
    let mut b = [0u8; 16];
    b.copy_from_slice(&d[..16]);
    b[6] = (b[6] & 0x0f) | 0x50;
    b[8] = (b[8] & 0x3f) | 0x80;
    let x = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        &x[..8],
        &x[8..12],
        &x[12..16],
        &x[16..20],
        &x[20..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_are_v5_and_stable() {
        let u = uuid_v5(b"x");
        assert_eq!(u, uuid_v5(b"x"));
        assert_ne!(u, uuid_v5(b"y"));
        assert_eq!(&u[14..15], "5");
        assert!(matches!(&u[19..20], "8" | "9" | "a" | "b"));
    }
}
