//! Signing and verifying like cosign: ECDSA P-256 keys as cosign writes them ([`keys`]),
//! DSSE envelopes and simple-signing payloads ([`dsse`]), and the export of BuildKit
//! attestations as cosign attestations ([`cosign`]).

pub mod cosign;
pub mod dsse;
pub mod export;
pub mod keys;
