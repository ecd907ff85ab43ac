//! Stages and meta ARGs.

use super::super::ast::Command;
use super::{assert_err, ok, span};

#[test]
fn meta_args_and_stages() {
    let df = ok(
        "# syntax=x\nARG BASE=alpine\nARG V\nFROM $BASE AS one\nRUN a\nARG V\nFROM one\nCMD b\n",
    );
    assert_eq!(df.meta_args.len(), 2);
    assert_eq!(df.meta_args[0].span, span(2, 2, 1));
    assert_eq!(df.meta_args[0].original, "ARG BASE=alpine");
    assert_eq!(df.stages.len(), 2);
    assert_eq!(df.stages[0].instructions.len(), 2);
    assert!(matches!(
        df.stages[0].instructions[1].command,
        Command::Arg(_)
    ));
    assert_eq!(df.stages[1].from.base, "one");
    assert_eq!(df.stages[1].instructions.len(), 1);
    assert_eq!(df.stages[1].instructions[0].span, span(8, 8, 1));
}

#[test]
fn only_args_before_from() {
    let e = assert_err(
        "ARG A\nRUN x\nFROM a\n",
        "no build stage in current context",
        2,
        1,
    );
    assert!(e.hint.unwrap().contains("FROM"));
    assert_err(
        "\n  ENV A=b\nFROM a\n",
        "no build stage in current context",
        2,
        3,
    );
}

#[test]
fn only_args_is_a_file_without_stages() {
    let df = ok("ARG A\n");
    assert!(df.stages.is_empty());
    assert_eq!(df.meta_args.len(), 1);
}

#[test]
fn empty_files() {
    assert_err("", "the Dockerfile cannot be empty", 1, 1);
    assert_err(
        "# just a comment\n\n   \n",
        "file with no instructions",
        3,
        1,
    );
}

#[test]
fn serializes_to_json() {
    let df = ok("FROM a\nRUN b\n");
    let v = serde_json::to_value(&df).unwrap();
    assert_eq!(v["stages"][0]["from"]["base"], "a");
}
