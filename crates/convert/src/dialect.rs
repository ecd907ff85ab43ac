//! Which release of BuildKit's built-in Dockerfile frontend a conversion imitates where their
//! images differ. What changed between BuildKit 0.13 and 0.25 is the history text of `ARG`,
//! `EXPOSE` and `RUN`, which ARGs a stage inherits from its base, the automatic ARGs
//! (`TARGETSTAGE`, `BUILDOSVERSION`, `TARGETOSVERSION`), and how ops are encoded (the same ops,
//! but other bytes and so other digests).

use std::fmt;
use std::str::FromStr;

use stagetrail_llb::OpEncoding;

/// The built-in frontend whose image a conversion reproduces.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Dialect {
    /// BuildKit 0.13 (Docker 26): `ARG NAME` as written, `EXPOSE map[…]` (sorted, Go map),
    /// `RUN |N` lists every ARG of the stage, re-declarations included.
    #[default]
    V0_13,
    /// BuildKit 0.25 (Docker 28): `ARG NAME=value` with the value in effect (build-arg, default or
    /// global ARG), the ARG name unexpanded and its default expanded only when no build-arg
    /// overrides it; `EXPOSE [80/tcp …]` (the ports listed, not a set); `RUN |N` names each ARG once, and
    /// a stage built `FROM` another stage inherits that stage's ARGs (BuildKit 0.14–0.18);
    /// automatic ARGs `TARGETSTAGE` (0.17), `BUILDOSVERSION` and `TARGETOSVERSION` (0.19).
    V0_25,
}

impl Dialect {
    /// Every dialect, oldest first.
    pub const ALL: [Dialect; 2] = [Dialect::V0_13, Dialect::V0_25];

    /// The BuildKit release the dialect is named after (`0.13`, `0.25`).
    pub fn release(self) -> &'static str {
        match self {
            Dialect::V0_13 => "0.13",
            Dialect::V0_25 => "0.25",
        }
    }

    /// How BuildKit encodes (and so names) the ops it loads: google.golang.org/protobuf from
    /// BuildKit 0.17 on.
    pub(crate) fn op_encoding(self) -> OpEncoding {
        match self {
            Dialect::V0_13 => OpEncoding::Gogo,
            Dialect::V0_25 => OpEncoding::ProtobufGo,
        }
    }

    /// `ARG` history shows the value in effect, not the default as written (BuildKit ≥ 0.14).
    pub(crate) fn arg_history_has_value(self) -> bool {
        self >= Dialect::V0_25
    }

    /// `ARG` names go through variable expansion, and defaults even when a build-arg overrides
    /// them (BuildKit < 0.14).
    pub(crate) fn expands_arg_names(self) -> bool {
        self < Dialect::V0_25
    }

    /// A git named context (`--build-context name=git://…`) keeps its `.git` directory
    /// (BuildKit 0.13's `DetectGitContext(v, true)`; 0.25 passes no keep-git-dir).
    pub(crate) fn named_git_context_keeps_git_dir(self) -> bool {
        self < Dialect::V0_25
    }

    /// A stage built `FROM` another stage starts with that stage's ARGs (BuildKit ≥ 0.14).
    pub(crate) fn inherits_stage_args(self) -> bool {
        self >= Dialect::V0_25
    }

    /// The parser knows `RUN --device` (BuildKit ≥ 0.20), though only the labs frontend
    /// runs it: the stable one refuses it with its own message.
    pub(crate) fn knows_run_device(self) -> bool {
        self >= Dialect::V0_25
    }

    /// `RUN |N` names an ARG declared twice once, with its last value (BuildKit ≥ 0.18).
    pub(crate) fn dedups_run_args(self) -> bool {
        self >= Dialect::V0_25
    }

    /// ONBUILD triggers count among a stage's steps and are named `[n/m] ONBUILD …`
    /// (BuildKit ≥ 0.14).
    pub(crate) fn names_onbuild_steps(self) -> bool {
        self >= Dialect::V0_25
    }

    /// The stages and images ONBUILD triggers copy or mount from are dependencies of the
    /// stage, planned before dispatch (BuildKit ≥ 0.17); before, a trigger could only use
    /// stages the build dispatched anyway.
    pub(crate) fn plans_onbuild_sources(self) -> bool {
        self >= Dialect::V0_25
    }

    /// `ADD --checksum` takes a git URL too, the commit the ref must be (BuildKit ≥ 0.23).
    pub(crate) fn checks_git_sources(self) -> bool {
        self >= Dialect::V0_25
    }

    /// `TARGETSTAGE` is an automatic ARG (BuildKit ≥ 0.17).
    pub(crate) fn defines_target_stage(self) -> bool {
        self >= Dialect::V0_25
    }

    /// `BUILDOSVERSION` and `TARGETOSVERSION` are automatic ARGs (BuildKit ≥ 0.19).
    pub(crate) fn defines_os_versions(self) -> bool {
        self >= Dialect::V0_25
    }

    /// `EXPOSE` history lists the ports, not a Go map of them (BuildKit ≥ 0.25).
    pub(crate) fn exposes_in_order(self) -> bool {
        self >= Dialect::V0_25
    }
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.release())
    }
}

/// A dialect name that is not `0.13` or `0.25`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown BuildKit dialect {0:?}: expected 0.13 or 0.25")]
pub struct UnknownDialect(pub String);

impl FromStr for Dialect {
    type Err = UnknownDialect;

    fn from_str(s: &str) -> Result<Dialect, UnknownDialect> {
        Dialect::ALL
            .into_iter()
            .find(|d| d.release() == s.trim_start_matches('v'))
            .ok_or_else(|| UnknownDialect(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_release_names() {
        for d in Dialect::ALL {
            assert_eq!(d.to_string().parse::<Dialect>(), Ok(d));
        }
        assert_eq!("v0.25".parse::<Dialect>(), Ok(Dialect::V0_25));
        assert_eq!(
            "0.20".parse::<Dialect>(),
            Err(UnknownDialect("0.20".into()))
        );
        assert_eq!(Dialect::default(), Dialect::V0_13);
    }

    #[test]
    fn newer_dialect_changes_every_rule() {
        let old = Dialect::V0_13;
        let new = Dialect::V0_25;
        assert!(!old.arg_history_has_value() && new.arg_history_has_value());
        assert!(old.expands_arg_names() && !new.expands_arg_names());
        assert!(!old.inherits_stage_args() && new.inherits_stage_args());
        assert!(!old.dedups_run_args() && new.dedups_run_args());
        assert!(!old.exposes_in_order() && new.exposes_in_order());
        assert!(!old.defines_target_stage() && new.defines_target_stage());
        assert!(!old.defines_os_versions() && new.defines_os_versions());
        assert_eq!(old.op_encoding(), OpEncoding::Gogo);
        assert_eq!(new.op_encoding(), OpEncoding::ProtobufGo);
    }
}
