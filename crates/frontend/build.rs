//! Compiles the gateway API protos in `proto/` with `protox` (pure Rust), so no system
//! `protoc` is needed. The LLB types (package `pb`) are not generated again: they are
//! `stagetrail_llb::pb`. Maps are `BTreeMap`, so marshalled bytes are deterministic.
//!
//! The `LLBBridge` service gets a tonic client; its server half is compiled only for our
//! tests (`#[cfg(test)]`), where a fake BuildKit plays the server.

use std::path::PathBuf;

const PROTO_DIR: &str = "../../proto";
const PROTOS: &[&str] = &[
    "caps.proto",
    "worker.proto",
    "stat.proto",
    "status.proto",
    "gateway.proto",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let files: Vec<String> = PROTOS.iter().map(|p| format!("{PROTO_DIR}/{p}")).collect();
    for f in &files {
        println!("cargo:rerun-if-changed={f}");
    }
    println!("cargo:rerun-if-changed={PROTO_DIR}/ops.proto");
    let fds = protox::compile(&files, [PROTO_DIR])?;
    let out = PathBuf::from(std::env::var("OUT_DIR")?);
    tonic_prost_build::configure()
        .build_client(true)
        .build_server(true)
        .build_transport(false)
        .server_mod_attribute(".", "#[cfg(test)]")
        .btree_map(".")
        .extern_path(".pb", "::stagetrail_llb::pb")
        .out_dir(&out)
        .compile_fds(fds)?;
    Ok(())
}
