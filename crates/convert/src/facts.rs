//! Per-instruction input facts: what each instruction of a stage reads (context
//! paths, stages, images, git and http sources, mounts by id), collected while
//! lowering for the build record. Ids only, never secret values.

use stagetrail_dockerfile::ast::{Instruction, Span};

/// Where an input's bytes come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InputSource {
    /// The main build context (`local://context`).
    Context,
    /// A named context (`--build-context NAME=…`), by name.
    NamedContext(String),
    /// A stage of this Dockerfile, by index.
    Stage(usize),
    /// A registry image (`COPY --from=image`, `RUN --mount from=image`).
    Image {
        /// Normalized reference.
        reference: String,
        /// Pinned digest, when resolved.
        digest: Option<String>,
    },
    /// A git repository (`ADD git@…`, `ADD https://….git#ref`).
    Git {
        /// Remote URL.
        remote: String,
        /// Ref as written after `#` (branch, tag or commit), `""` = default branch.
        reference: String,
        /// Sub-directory after `:`.
        subdir: String,
        /// `--keep-git-dir`.
        keep_git_dir: bool,
    },
    /// An http(s) URL (`ADD URL`).
    Http {
        /// The URL.
        url: String,
        /// `--checksum`, when given.
        checksum: Option<String>,
    },
    /// An empty filesystem.
    Scratch,
    /// An inline heredoc file, by name.
    Heredoc(String),
}

/// How an instruction uses an input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputKind {
    /// `COPY`.
    Copy,
    /// `ADD`.
    Add,
    /// `RUN --mount=type=bind`.
    BindMount,
    /// `RUN --mount=type=cache`.
    CacheMount,
    /// `RUN --mount=type=tmpfs`.
    TmpfsMount,
    /// `RUN --mount=type=secret` (id only).
    SecretMount,
    /// `RUN --mount=type=ssh` (id only).
    SshMount,
}

/// One input of one instruction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Input {
    /// How it is used.
    pub kind: InputKind,
    /// Where it comes from (`None` for cache, tmpfs, secret and ssh mounts without `from`).
    pub source: Option<InputSource>,
    /// Cache, secret or ssh id.
    pub id: Option<String>,
    /// Source paths (COPY/ADD sources, bind/cache `source=`), after expansion.
    pub paths: Vec<String>,
    /// Destination: COPY/ADD dest, mount target, or `env:NAME` for a secret env.
    pub dest: String,
}

/// What one instruction of a stage did, for the build record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstructionFacts {
    /// The keyword, upper-case (`RUN`, `COPY`, …).
    pub keyword: String,
    /// Where it is in the Dockerfile.
    pub span: Span,
    /// Came from an `ONBUILD` trigger of the base image (lines are the trigger's).
    pub onbuild: bool,
    /// What it read.
    pub inputs: Vec<Input>,
    /// Build args an `ARG` declared.
    pub args: Vec<String>,
}

impl InstructionFacts {
    /// Empty facts for `instr`.
    pub fn new(instr: &Instruction) -> InstructionFacts {
        let keyword = instr
            .original
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_ascii_uppercase();
        InstructionFacts {
            keyword,
            span: instr.span,
            onbuild: false,
            inputs: Vec::new(),
            args: Vec::new(),
        }
    }
}
