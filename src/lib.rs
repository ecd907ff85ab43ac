//! stagetrail: a BuildKit Dockerfile frontend that attests every stage.
//!
//! The data flows `dockerfile` (parse) → `convert` (stage DAG, expansion, lowering)
//! → `llb` (typed ops, deterministic Definition); `cli` wires the commands.
//! See `README.md` for the design notes.

pub mod attest;
pub mod catalog;
pub mod civil_time;
pub mod cli;
pub mod convert;
pub mod dockerfile;
pub mod gateway;
pub mod llb;
pub mod policy;
pub mod proto;
pub mod record;
pub mod registry;
