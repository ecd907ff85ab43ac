//! The build record's JSON shape (predicate `https://stagetrail.dev/build-record/v1`,
//! schema in `docs/build-record.schema.json`). Field order is the output order.

use serde::Serialize;

/// One platform's build record: every stage reachable from the target, and the graph.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BuildRecord {
    /// Always 1 for this predicate type.
    pub schema_version: u32,
    /// The Dockerfile.
    pub dockerfile: DockerfileRef,
    /// How the frontend was reached (`# syntax=` / `BUILDKIT_SYNTAX`).
    pub frontend: Frontend,
    /// `vcs:*` options (e.g. `source`, `revision`), user-info removed from URLs.
    pub vcs: std::collections::BTreeMap<String, String>,
    /// Named contexts: name → source as given (user-info removed).
    pub named_contexts: std::collections::BTreeMap<String, String>,
    /// Target platform (`os/arch[/variant]`).
    pub platform: String,
    /// The target stage.
    pub target: StageRef,
    /// Stages in dependency order, target last.
    pub stages: Vec<Stage>,
    /// Stage-to-stage edges, sorted.
    pub graph: Vec<Edge>,
}

/// The Dockerfile the build used.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DockerfileRef {
    /// Name (`filename` option).
    pub filename: String,
    /// `sha256:` of its bytes.
    pub digest: String,
}

/// The frontend image, when known.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Frontend {
    /// `source` option: the frontend image reference.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// A stage by index and name.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StageRef {
    /// Index in the Dockerfile (0-based).
    pub index: usize,
    /// `AS` name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// One stage.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Stage {
    /// Index in the Dockerfile (0-based).
    pub index: usize,
    /// `AS` name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `os/arch[/variant]`.
    pub platform: String,
    /// Lines of the `FROM` instruction.
    pub lines: Lines,
    /// What it starts from.
    pub base: Base,
    /// `ARG`s it declares, with values (credential-like ones redacted).
    pub build_args: Vec<BuildArg>,
    /// Instructions in dispatch order.
    pub instructions: Vec<Instruction>,
    /// SBOM documents of this stage (filled by the SBOM pipeline when it runs).
    pub sboms: Vec<SbomDocument>,
}

/// 1-based inclusive line range in the Dockerfile.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Lines {
    /// First line.
    pub start: usize,
    /// Last line.
    pub end: usize,
}

/// A stage's base.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Base {
    /// A registry image.
    Image {
        /// Normalized reference.
        reference: String,
        /// Resolved digest.
        #[serde(skip_serializing_if = "Option::is_none")]
        digest: Option<String>,
    },
    /// An earlier stage.
    Stage {
        /// Its index.
        index: usize,
    },
    /// `FROM scratch`.
    Scratch,
    /// A named context.
    Context {
        /// Its name.
        name: String,
    },
}

/// A build arg a stage declares.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BuildArg {
    /// The name.
    pub name: String,
    /// The value (`null` when unset or redacted).
    pub value: Option<String>,
    /// True when the name is credential-like and a value was withheld.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub redacted: bool,
}

/// One instruction.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Instruction {
    /// Keyword, upper-case.
    pub keyword: String,
    /// Where it is (for ONBUILD triggers: lines of the trigger text).
    pub lines: Lines,
    /// Came from an ONBUILD trigger of the base image.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub onbuild: bool,
    /// What it read.
    pub inputs: Vec<Input>,
}

/// One input of an instruction.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Input {
    /// `copy`, `add`, `bind`, `cache`, `tmpfs`, `secret`, `ssh`.
    pub kind: &'static str,
    /// Where it comes from (absent for cache/tmpfs/secret/ssh mounts without `from`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
    /// Cache, secret or ssh id (never a value).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Source paths.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub paths: Vec<String>,
    /// Destination path, mount target, or `env:NAME` (absent: BuildKit's default).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub dest: String,
}

/// Where an input comes from.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Source {
    /// The main build context.
    Context,
    /// A named context.
    NamedContext {
        /// Its name.
        name: String,
    },
    /// A stage.
    Stage {
        /// Its index.
        index: usize,
    },
    /// A registry image.
    Image {
        /// Normalized reference.
        reference: String,
        /// Resolved digest.
        #[serde(skip_serializing_if = "Option::is_none")]
        digest: Option<String>,
    },
    /// A git repository.
    #[serde(rename_all = "camelCase")]
    Git {
        /// Remote URL (user-info removed).
        remote: String,
        /// Ref as written (branch, tag or commit; `""` = default branch).
        #[serde(rename = "ref")]
        reference: String,
        /// The commit, when the ref is a full commit id.
        #[serde(skip_serializing_if = "Option::is_none")]
        commit: Option<String>,
        /// Sub-directory.
        #[serde(skip_serializing_if = "String::is_empty")]
        subdir: String,
        /// `--keep-git-dir`.
        keep_git_dir: bool,
    },
    /// An http(s) URL.
    Http {
        /// The URL (user-info removed).
        url: String,
        /// `--checksum`, when given.
        #[serde(skip_serializing_if = "Option::is_none")]
        checksum: Option<String>,
    },
    /// An empty filesystem.
    Scratch,
    /// An inline heredoc.
    Heredoc {
        /// Its name.
        name: String,
    },
}

/// An SBOM document of a stage.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SbomDocument {
    /// Attestation path (e.g. `sbom-build.spdx.json`).
    pub path: String,
    /// Its in-toto predicate type.
    pub predicate_type: String,
    /// `sha256:` of the predicate bytes.
    pub digest: String,
}

/// A stage-graph edge: `to` uses `from`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Edge {
    /// Stage index used.
    pub from: usize,
    /// Stage index using it.
    pub to: usize,
    /// `base`, `copy`, `add` or `mount`.
    pub kind: &'static str,
}
