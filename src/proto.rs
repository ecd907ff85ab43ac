//! Types generated at build time from our own `.proto` files in `proto/`.

/// BuildKit's LLB wire types (package `pb`).
#[allow(missing_docs, clippy::all)]
pub mod pb {
    include!(concat!(env!("OUT_DIR"), "/pb.rs"));
}
