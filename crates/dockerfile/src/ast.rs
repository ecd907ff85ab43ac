//! The typed Dockerfile syntax tree.
//!
//! Words are kept exactly as written (unexpanded): variable expansion depends on
//! ARG/ENV state that only the converter knows, so it happens in `convert`, the way
//! upstream's dispatcher expands at dispatch time. Every node carries its [`Span`].

use std::fmt;

/// A location in the Dockerfile: 1-based lines, 1-based column of the first character.
///
/// `end_line` is the last physical line of the instruction (continuations and heredoc
/// bodies included).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct Span {
    /// First physical line (1-based).
    pub start_line: usize,
    /// Last physical line (1-based, inclusive).
    pub end_line: usize,
    /// Column of the first character (1-based).
    pub col: usize,
}

impl Span {
    /// The span of one whole line.
    pub fn line(line: usize) -> Span {
        Span {
            start_line: line,
            end_line: line,
            col: 1,
        }
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.start_line, self.col)
    }
}

/// A parsed Dockerfile.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Dockerfile {
    /// Parser directives found at the top of the file.
    pub directives: Directives,
    /// `ARG` instructions before the first `FROM` (global/meta args).
    pub meta_args: Vec<Instruction>,
    /// Build stages in file order; index = stage number.
    pub stages: Vec<Stage>,
    /// Parser warnings (e.g. empty continuation lines), with their spans.
    pub warnings: Vec<(Span, String)>,
}

/// `# syntax=`, `# escape=`, `# check=` directives.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Directives {
    /// `# syntax=` value and where it was written.
    pub syntax: Option<(String, Span)>,
    /// The escape character: `\\` (default) or `` ` ``.
    pub escape: char,
    /// `# check=` value, raw.
    pub check: Option<String>,
}

impl Default for Directives {
    fn default() -> Self {
        Directives {
            syntax: None,
            escape: '\\',
            check: None,
        }
    }
}

/// One build stage: a `FROM` and the instructions up to the next `FROM`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Stage {
    /// The `FROM` instruction that opens the stage.
    pub from: From,
    /// Span of the `FROM` line.
    pub span: Span,
    /// The original text of the `FROM` line.
    pub original: String,
    /// The comment lines right above the `FROM` (see [`Instruction::comments`]).
    pub comments: Vec<String>,
    /// Instructions after `FROM`, in order.
    pub instructions: Vec<Instruction>,
}

/// An instruction with its location and original text (continuations joined).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Instruction {
    /// Where the instruction is in the file.
    pub span: Span,
    /// The instruction as written, continuation lines joined (heredoc bodies excluded).
    pub original: String,
    /// The typed command.
    pub command: Command,
    /// The comment lines above the instruction since the previous one (upstream's
    /// `PrevComment`): `#` and surrounding whitespace removed; blank lines are skipped, an
    /// empty `#` line starts the list anew, directives are not comments.
    pub comments: Vec<String>,
}

/// A `--name=value` flag as written (value unexpanded). Boolean flags have `value: None`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Flag {
    /// Flag name without the leading dashes.
    pub name: String,
    /// The value after `=`, if any.
    pub value: Option<String>,
}

/// A key/value pair (ENV, LABEL), unexpanded.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct KeyValue {
    /// Key as written.
    pub key: String,
    /// Value as written (quotes kept; they are removed by expansion).
    pub value: String,
}

/// One `ARG` declaration: `NAME` or `NAME=default`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ArgDecl {
    /// Argument name.
    pub name: String,
    /// Default value as written, if any.
    pub default: Option<String>,
}

/// A heredoc attached to RUN/COPY/ADD.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Heredoc {
    /// The delimiter word (quotes removed).
    pub name: String,
    /// Body, each line ending in `\n` (tabs already stripped for `<<-`).
    pub content: String,
    /// Body as written (leading tabs kept even for `<<-`): what upstream hands the shell when the
    /// heredoc is only part of a RUN command (`RUN <<-EOF sh > /x`).
    #[serde(skip)]
    pub raw: String,
    /// False when the delimiter was quoted (no expansion of the body).
    pub expand: bool,
    /// True for `<<-` (leading tabs stripped).
    pub chomp: bool,
}

/// A command line: shell form (a string run by the SHELL) or exec form (JSON array).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub enum CmdLine {
    /// Shell form: the raw rest of the line.
    Shell(String),
    /// Exec form: the parsed JSON array.
    Exec(Vec<String>),
}

/// RUN (and CMD/ENTRYPOINT/HEALTHCHECK CMD) payload with heredocs.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ShellDependentCmd {
    /// The command line.
    pub cmd: CmdLine,
    /// Heredocs declared on the line, in order.
    pub heredocs: Vec<Heredoc>,
}

/// `FROM [--platform=P] image [AS name]`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct From {
    /// Image reference, stage name or `scratch`, unexpanded.
    pub base: String,
    /// Stage name from `AS name`, lower-cased as upstream does.
    pub name: Option<String>,
    /// `--platform` value, unexpanded.
    pub platform: Option<String>,
}

/// `RUN [--mount=…]… [--network=…] [--security=…] cmd`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Run {
    /// The command with heredocs.
    pub cmd: ShellDependentCmd,
    /// Raw `--mount` values, one per flag, in order (parsed by [`crate::mount`]).
    pub mounts: Vec<String>,
    /// `--network` value.
    pub network: Option<String>,
    /// `--security` value.
    pub security: Option<String>,
    /// `--device` values (CDI devices), one per flag, in order; each checked by
    /// [`crate::instructions::check_device`].
    pub devices: Vec<String>,
}

/// Sources and destination of COPY/ADD.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SourcesAndDest {
    /// Source paths or URLs as written (heredoc names excluded).
    pub sources: Vec<String>,
    /// Inline file sources from heredocs (`COPY <<EOF /dst`).
    pub heredocs: Vec<Heredoc>,
    /// Destination as written.
    pub dest: String,
}

/// `COPY` with its flags.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Copy {
    /// Sources and destination.
    pub paths: SourcesAndDest,
    /// `--from` (stage name, index, image or context name), not expanded (as upstream).
    pub from: Option<String>,
    /// `--chown`.
    pub chown: Option<String>,
    /// `--chmod` (octal or symbolic).
    pub chmod: Option<String>,
    /// `--link`.
    pub link: bool,
    /// `--parents`.
    pub parents: bool,
    /// `--exclude` patterns, in order.
    pub exclude: Vec<String>,
}

/// `ADD` with its flags.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Add {
    /// Sources and destination.
    pub paths: SourcesAndDest,
    /// `--chown`.
    pub chown: Option<String>,
    /// `--chmod`.
    pub chmod: Option<String>,
    /// `--link`.
    pub link: bool,
    /// `--checksum` for http sources (and git commit checksums).
    pub checksum: Option<String>,
    /// `--keep-git-dir`.
    pub keep_git_dir: bool,
    /// `--unpack` (explicit true/false), `None` = default behaviour.
    pub unpack: Option<bool>,
    /// `--exclude` patterns, in order.
    pub exclude: Vec<String>,
}

/// `HEALTHCHECK`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub enum Healthcheck {
    /// `HEALTHCHECK NONE`.
    None,
    /// `HEALTHCHECK [flags] CMD …`.
    Cmd {
        /// The test command.
        cmd: CmdLine,
        /// `--interval` as written (a Go duration).
        interval: Option<String>,
        /// `--timeout`.
        timeout: Option<String>,
        /// `--start-period`.
        start_period: Option<String>,
        /// `--start-interval`.
        start_interval: Option<String>,
        /// `--retries`.
        retries: Option<String>,
    },
}

/// Every instruction stagetrail understands.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub enum Command {
    /// `ADD`.
    Add(Add),
    /// `ARG` (several declarations per line).
    Arg(Vec<ArgDecl>),
    /// `CMD`.
    Cmd(ShellDependentCmd),
    /// `COPY`.
    Copy(Copy),
    /// `ENTRYPOINT`.
    Entrypoint(ShellDependentCmd),
    /// `ENV` (both `K V` and `K=V …` forms).
    Env(Vec<KeyValue>),
    /// `EXPOSE`.
    Expose(Vec<String>),
    /// `HEALTHCHECK`.
    Healthcheck(Healthcheck),
    /// `LABEL`.
    Label(Vec<KeyValue>),
    /// `MAINTAINER`.
    Maintainer(String),
    /// `ONBUILD <instruction>`: the raw trigger text and its parsed form.
    Onbuild {
        /// The trigger text as it goes into the image config's `OnBuild`.
        expression: String,
        /// The trigger parsed, for validation.
        trigger: Box<Instruction>,
    },
    /// `RUN`.
    Run(Run),
    /// `SHELL` (always JSON form).
    Shell(Vec<String>),
    /// `STOPSIGNAL`.
    StopSignal(String),
    /// `USER`.
    User(String),
    /// `VOLUME` (JSON or space-separated).
    Volume(Vec<String>),
    /// `WORKDIR`.
    Workdir(String),
}

/// The doc comment of `name` (upstream's `getDocComment`): the rest of the first comment line
/// that starts with `name` and a space, or "".
pub fn doc_comment(comments: &[String], name: &str) -> String {
    if name.is_empty() {
        return String::new();
    }
    comments
        .iter()
        .find_map(|c| c.strip_prefix(name)?.strip_prefix(' '))
        .unwrap_or_default()
        .to_string()
}
