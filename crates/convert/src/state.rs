//! Per-stage dispatch state: what Go keeps in `llb.State` values (env, dir, user,
//! hostname, network, platform) plus the image config being built.

use std::collections::BTreeSet;

use super::facts::{Input, InputSource, InstructionFacts};
use super::image::Image;
use super::outline::Capture;
use super::platform::Platform;
use stagetrail_dockerfile::ast::Span;
use stagetrail_dockerfile::expand::Env;
use stagetrail_llb as llb;
use stagetrail_llb::pb;

/// Go's `llb.EnvList`: ordered; replacing a key moves it to the end.
///
/// The list is shared (`Arc`): every instruction takes a copy of its stage's environment, which
/// must not cost a copy of thousands of variables each time.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EnvList(pub std::sync::Arc<Vec<(String, String)>>);

impl EnvList {
    /// `AddOrReplace`.
    pub fn add(&mut self, k: &str, v: &str) {
        let list = std::sync::Arc::make_mut(&mut self.0);
        if let Some(at) = list.iter().position(|(key, _)| key == k) {
            list.remove(at);
        }
        list.push((k.to_string(), v.to_string()));
    }

    /// The value of `k`.
    pub fn get(&self, k: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    }

    /// `K=V` strings, in order.
    pub fn to_strings(&self) -> Vec<String> {
        self.0.iter().map(|(k, v)| format!("{k}={v}")).collect()
    }
}

impl Env for EnvList {
    fn get(&self, name: &str) -> Option<String> {
        EnvList::get(self, name).map(str::to_string)
    }
}

/// Where a stage's filesystem starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StageBase {
    /// A registry image (normalized reference, digest when the resolver knew it).
    Image {
        /// Normalized reference as written in the SourceOp (without the digest).
        reference: String,
        /// Pinned digest.
        digest: Option<String>,
    },
    /// An earlier stage, by index.
    Stage(usize),
    /// `FROM scratch`.
    Scratch,
    /// A named context (`--build-context NAME=…`).
    Context(String),
}

/// What one instruction did to a stage's filesystem (for SBOM lineage).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StepKind {
    /// `RUN`: may have changed any path.
    Run,
    /// `COPY`/`ADD` into `dest` (absolute; a trailing `/` names a directory).
    Copy {
        /// Destination path as lowered.
        dest: String,
        /// The stage copied from (`COPY --from=<stage>`), `None` for the context, URLs and images.
        from_stage: Option<usize>,
        /// It copies one path of `from_stage` onto the same path and changes nothing else (no
        /// wildcard, `--chmod`, `--exclude`, `--parents`): the copied files are the source's.
        onto_itself: bool,
    },
}

/// One filesystem-changing instruction of a stage.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// The instruction's first Dockerfile line (1-based).
    pub line: usize,
    /// What it did.
    pub kind: StepKind,
    /// The instruction as written.
    pub text: String,
}

/// A build-arg declared in the stage (`ARG` after `FROM`), value after overrides.
pub type BuildArg = (String, Option<String>);

/// One dispatch state (a stage, or an implicit image used by `--from`).
#[derive(Clone, Debug)]
pub struct StageState {
    /// Position in the list of states.
    pub index: usize,
    /// Index in `Dockerfile::stages`, `None` for implicit states.
    pub stage: Option<usize>,
    /// `AS` name (lower-cased).
    pub name: Option<String>,
    /// Name used in progress output (`stage-N` or the name; "" when single).
    pub display_name: String,
    /// Expanded base name (`FROM` word or `--from` value).
    pub base_name: String,
    /// Text of the FROM line (description of the image op).
    pub source_code: String,
    /// FROM location (or the command's for implicit states).
    pub span: Span,
    /// Whether the image op gets `span` as its source location.
    pub has_location: bool,
    /// `FROM --platform`, parsed.
    pub platform: Option<Platform>,
    /// Earlier stage this one is based on.
    pub base: Option<usize>,
    /// States this one copies or mounts from (in first-use order), with the use site.
    pub deps: Vec<(usize, Span)>,
    /// Created by `--from`/`--mount from=` for a name that is no stage.
    pub unregistered: bool,
    /// Dispatched (or needs no dispatch).
    pub done: bool,
    /// The base image was resolved while the state was reachable (its config is known).
    pub resolved: bool,
    /// The sources of its ONBUILD triggers are among its dependencies.
    pub triggers_planned: bool,
    /// The filesystem so far.
    pub state: llb::State,
    /// The image config so far.
    pub image: Image,
    /// The base image config as resolved (immutable).
    pub base_img: Option<Image>,
    /// Environment of `RUN`s.
    pub env: EnvList,
    /// Working directory of `RUN`s.
    pub dir: String,
    /// User of `RUN`s.
    pub user: String,
    /// Hostname of `RUN`s.
    pub hostname: String,
    /// Default network mode of `RUN`s.
    pub network: pb::NetMode,
    /// ARGs declared in the stage.
    pub build_args: Vec<BuildArg>,
    /// ARGs of the base stage (its own inherited ones first), where the dialect inherits them.
    pub inherited_args: Vec<BuildArg>,
    /// Number of numbered steps.
    pub cmd_total: usize,
    /// Steps numbered so far.
    pub cmd_index: usize,
    /// An ONBUILD trigger of the base image is being dispatched (its steps read `[n/m] ONBUILD …`).
    pub cmd_is_onbuild: bool,
    /// `CMD` seen in this stage.
    pub cmd_set: bool,
    /// `no-cache` applies.
    pub ignore_cache: bool,
    /// Context paths used (for `local.followpaths`).
    pub ctx_paths: BTreeSet<String>,
    /// What the stage starts from (reported in `StageBuild`).
    pub base_kind: StageBase,
    /// ARGs, secrets and ssh sockets for the outline.
    pub outline: Capture,
    /// What each dispatched instruction read (reported in `StageBuild`).
    pub facts: Vec<InstructionFacts>,
    /// The filesystem right after `FROM` (and ONBUILD triggers).
    pub from_state: llb::State,
    /// Filesystem-changing instructions, in order.
    pub steps: Vec<Step>,
}

impl StageState {
    /// The source this state stands for when an instruction reads from it.
    pub(crate) fn as_source(&self) -> InputSource {
        if let Some(stage) = self.stage {
            return InputSource::Stage(stage);
        }
        match &self.base_kind {
            StageBase::Image { reference, digest } => InputSource::Image {
                reference: reference.clone(),
                digest: digest.clone(),
            },
            StageBase::Context(name) => InputSource::NamedContext(name.clone()),
            StageBase::Stage(k) => InputSource::Stage(*k),
            StageBase::Scratch => InputSource::Scratch,
        }
    }

    /// Adds `input` to the facts of the instruction being dispatched on this state.
    pub(crate) fn record_input(&mut self, input: Input) {
        if let Some(f) = self.facts.last_mut() {
            f.inputs.push(input);
        }
    }

    /// A fresh state.
    pub fn new(index: usize, span: Span) -> StageState {
        StageState {
            index,
            stage: None,
            name: None,
            display_name: String::new(),
            base_name: String::new(),
            source_code: String::new(),
            span,
            has_location: false,
            platform: None,
            base: None,
            deps: Vec::new(),
            unregistered: false,
            done: false,
            resolved: false,
            triggers_planned: false,
            state: llb::State::scratch(),
            image: Image::default(),
            base_img: None,
            env: EnvList::default(),
            dir: "/".into(),
            user: String::new(),
            hostname: String::new(),
            network: pb::NetMode::Unset,
            build_args: Vec::new(),
            inherited_args: Vec::new(),
            cmd_total: 0,
            cmd_index: 0,
            cmd_is_onbuild: false,
            cmd_set: false,
            ignore_cache: false,
            ctx_paths: BTreeSet::new(),
            base_kind: StageBase::Scratch,
            outline: Capture::default(),
            facts: Vec::new(),
            from_state: llb::State::scratch(),
            steps: Vec::new(),
        }
    }

    /// Adds a dependency edge (first use site wins).
    pub fn add_dep(&mut self, dep: usize, span: Span) {
        if !self.deps.iter().any(|(d, _)| *d == dep) {
            self.deps.push((dep, span));
        }
    }

    /// The stage platform (set before dispatch).
    pub fn platform_or(&self, fallback: &Platform) -> Platform {
        self.platform.clone().unwrap_or_else(|| fallback.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_list_moves_replaced_keys_to_end() {
        let mut e = EnvList::default();
        e.add("PATH", "/bin");
        e.add("A", "1");
        e.add("PATH", "/usr/bin");
        assert_eq!(e.to_strings(), vec!["A=1", "PATH=/usr/bin"]);
        assert_eq!(Env::get(&e, "A").as_deref(), Some("1"));
        assert_eq!(e.get("B"), None);
    }
}
