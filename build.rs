//! Compiles our own minimal `.proto` files in `proto/` with `protox` (pure Rust),
//! so no system `protoc` is needed. Maps are generated as `BTreeMap` so that
//! marshalled bytes are deterministic (sorted keys), like Go's `Deterministic: true`.

use std::path::PathBuf;

const PROTOS: &[&str] = &["proto/ops.proto"];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    for p in PROTOS {
        println!("cargo:rerun-if-changed={p}");
    }
    let fds = protox::compile(PROTOS, ["proto"])?;
    let out = PathBuf::from(std::env::var("OUT_DIR")?);
    let mut config = prost_build::Config::new();
    config.btree_map(["."]);
    config.out_dir(&out);
    config.compile_fds(fds)?;
    Ok(())
}
