//! Typed LLB: ops, the `State` builder and deterministic `Definition` marshalling.
//!
//! Semantics follow BuildKit's Go `client/llb` at v0.13.2 so that, for the same
//! logical graph, every op marshals to the same bytes (and therefore the same
//! digest and cache key) as the built-in Dockerfile frontend produces; [`marshal_as`]
//! encodes them as later releases do ([`OpEncoding`]).
//!
//! * [`State`] is an immutable handle to one output of an op (or scratch).
//!   Each op is encoded and digested when it is created.
//! * [`marshal`] walks a graph into a [`pb::Definition`]; [`dump_json`] renders
//!   one for humans and golden files.

mod caps;
mod dump;
mod encode;
mod exec;
mod file;
mod marshal;
mod meta;
mod path;
mod source;
mod state;

/// BuildKit's LLB wire types (package `pb`), generated from `proto/ops.proto`.
#[allow(missing_docs, clippy::all)]
pub mod pb {
    include!(concat!(env!("OUT_DIR"), "/pb.rs"));
}

impl From<&stagetrail_oci::Platform> for pb::Platform {
    /// The LLB wire form of a platform.
    fn from(p: &stagetrail_oci::Platform) -> pb::Platform {
        pb::Platform {
            architecture: p.architecture.clone(),
            os: p.os.clone(),
            variant: p.variant.clone().unwrap_or_default(),
            os_version: p.os_version.clone().unwrap_or_default(),
        }
    }
}

pub use dump::dump_json;
pub use encode::OpEncoding;
pub use exec::{Exec, ExecOutput, Mount, MountKind};
pub use file::{chown_by_name, CopyInfo, FileActions, MkdirInfo, MkfileInfo, RmInfo};
pub use marshal::{marshal, marshal_as, to_bytes};
pub use meta::OpMeta;
pub use state::{default_platform, State};

use sha2::{Digest as _, Sha256};

/// `sha256:<hex>` of `bytes`, the digest form BuildKit uses for op keys.
pub fn digest(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

#[cfg(test)]
mod tests;
