//! Solve failures that BuildKit reports without a Dockerfile location, mapped back
//! to the instruction that caused them (BuildKit's own frontend shows no line for
//! these; ours must).

use tonic::Code;

use super::failure::Failure;
use crate::bridge::errdetails::source_detail;
use crate::bridge::BridgeError;
use stagetrail_dockerfile::ast::{Command, Dockerfile, Instruction};
use stagetrail_llb::pb;

/// An entitlement BuildKit refuses when the builder was not started with it.
struct Entitlement {
    /// The text in BuildKit's error, e.g. `network.host is not allowed`.
    refused: &'static str,
    /// Whether an instruction asks for it.
    wants: fn(&Instruction) -> bool,
    /// What the user can do.
    hint: &'static str,
}

const ENTITLEMENTS: &[Entitlement] = &[
    Entitlement {
        refused: "network.host is not allowed",
        wants: |i| matches!(&i.command, Command::Run(r) if r.network.as_deref() == Some("host")),
        hint: "build with `--allow network.host` on a builder started with that entitlement, or drop `--network=host`",
    },
    Entitlement {
        refused: "security.insecure is not allowed",
        wants: |i| matches!(&i.command, Command::Run(r) if r.security.as_deref() == Some("insecure")),
        hint: "build with `--allow security.insecure` on a builder started with that entitlement, or drop `--security=insecure`",
    },
];

/// Whether any instruction asks for an entitlement BuildKit may refuse.
pub fn needs_entitlement(df: &Dockerfile) -> bool {
    let mut instructions = df.stages.iter().flat_map(|s| &s.instructions);
    instructions.any(|i| ENTITLEMENTS.iter().any(|e| (e.wants)(i)))
}

/// Turns a failed Solve into the build's failure, pointing at the Dockerfile
/// instruction when BuildKit refused an entitlement that instruction asked for.
pub fn solve_failure(err: BridgeError, df: &Dockerfile, source: &pb::SourceInfo) -> Failure {
    let BridgeError::Rpc { message, .. } = &err else {
        return err.into();
    };
    let culprit = ENTITLEMENTS.iter().find_map(|e| {
        if !message.contains(e.refused) {
            return None;
        }
        let instructions = df.stages.iter().flat_map(|s| &s.instructions);
        instructions
            .into_iter()
            .find(|i| (e.wants)(i))
            .map(|i| (i, e.hint))
    });
    match culprit {
        Some((instr, hint)) => Failure {
            code: Code::Unknown,
            message: format!(
                "{}:{}:{}: {message}\n  hint: {hint}",
                source.filename, instr.span.start_line, instr.span.col
            ),
            details: vec![source_detail(source, instr.span)],
        },
        None => err.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use stagetrail_dockerfile::parse;

    fn source() -> pb::SourceInfo {
        pb::SourceInfo {
            filename: "Dockerfile".into(),
            ..pb::SourceInfo::default()
        }
    }

    fn rpc(message: &str) -> BridgeError {
        BridgeError::Rpc {
            call: "Solve",
            message: message.into(),
            code: Code::Unknown,
            details: Vec::new(),
        }
    }

    #[test]
    fn refused_entitlement_points_at_its_instruction() {
        let df = parse("FROM a\nRUN true\nRUN --network=host true\n").unwrap();
        let f = solve_failure(
            rpc("failed to load LLB: network.host is not allowed"),
            &df,
            &source(),
        );
        assert!(
            f.message.starts_with("Dockerfile:3:1: failed to load LLB"),
            "{}",
            f.message
        );
        assert!(f.message.contains("--allow network.host"));
        assert_eq!(f.details.len(), 1);
    }

    #[test]
    fn other_errors_pass_through() {
        let df = parse("FROM a\nRUN true\n").unwrap();
        let f = solve_failure(rpc("exit code: 1"), &df, &source());
        assert_eq!(f.message, "gateway Solve failed: exit code: 1");
        assert!(f.details.is_empty());
    }
}
