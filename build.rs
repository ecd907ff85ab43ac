//! Compiles our own minimal `.proto` files in `proto/` with `protox` (pure Rust),
//! so no system `protoc` is needed. Maps are generated as `BTreeMap` so that
//! marshalled bytes are deterministic (sorted keys), like Go's `Deterministic: true`.
//!
//! The gateway API (`LLBBridge`) gets a tonic client; its server half is compiled
//! only for our tests (`#[cfg(test)]`), where a fake BuildKit plays the server.

use std::path::PathBuf;

const PROTOS: &[&str] = &[
    "proto/ops.proto",
    "proto/caps.proto",
    "proto/worker.proto",
    "proto/stat.proto",
    "proto/status.proto",
    "proto/gateway.proto",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    for p in PROTOS {
        println!("cargo:rerun-if-changed={p}");
    }
    let fds = protox::compile(PROTOS, ["proto"])?;
    let out = PathBuf::from(std::env::var("OUT_DIR")?);
    tonic_prost_build::configure()
        .build_client(true)
        .build_server(true)
        .build_transport(false)
        .server_mod_attribute(".", "#[cfg(test)]")
        .btree_map(".")
        .out_dir(&out)
        .compile_fds(fds)?;
    Ok(())
}
