//! Compiles `proto/ops.proto` (BuildKit's LLB wire types, package `pb`) with `protox`
//! (pure Rust), so no system `protoc` is needed. Maps are generated as `BTreeMap` so that
//! marshalled bytes are deterministic (sorted keys), like Go's `Deterministic: true`.

use std::path::PathBuf;

const PROTO_DIR: &str = "../../proto";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let ops = format!("{PROTO_DIR}/ops.proto");
    println!("cargo:rerun-if-changed={ops}");
    let fds = protox::compile([ops], [PROTO_DIR])?;
    let out = PathBuf::from(std::env::var("OUT_DIR")?);
    prost_build::Config::new()
        .btree_map(["."])
        .out_dir(&out)
        .compile_fds(fds)?;
    Ok(())
}
