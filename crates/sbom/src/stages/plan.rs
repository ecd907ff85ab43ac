//! The scan plan: what the frontend knows about one platform's stages, as JSON for the
//! scanner exec (`/run/plan/plan.json`).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Every filesystem to catalog and every document to render for one platform.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanPlan {
    /// Platform ID written into each document (`linux/amd64`).
    pub platform: String,
    /// Document time (`SOURCE_DATE_EPOCH`), Unix seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epoch: Option<u64>,
    /// Every stage reachable from the target, dependency order, target last.
    pub stages: Vec<PlanStage>,
    /// Also render a document of the build context (key [`super::CONTEXT_KEY`]).
    #[serde(default)]
    pub context: bool,
    /// Keys whose filesystem is another key's (the same LLB definition: a base image shared by
    /// several stages, a stage that only changed metadata): cataloged once, under the value.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub same: BTreeMap<String, String>,
    /// Stage keys whose changes from a parent key's filesystem are mounted on their own (the
    /// scanner exec's `/run/diff/<key>`: BuildKit's `DiffOp` of the two), mapped to that parent:
    /// cataloged from the parent's scan plus those changes.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub diffs: BTreeMap<String, String>,
}

/// One stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanStage {
    /// Index in the Dockerfile.
    pub index: usize,
    /// `AS` name, else `stage-<index>`.
    pub name: String,
    /// Render this stage's documents (the final stage's are always rendered).
    pub emit: bool,
    /// The target stage: its documents describe the image.
    #[serde(default)]
    pub is_final: bool,
    /// The FROM line.
    pub from_line: usize,
    /// What the stage starts from.
    pub base: PlanBase,
    /// RUN / COPY / ADD, in order.
    pub steps: Vec<PlanStep>,
}

impl PlanStage {
    /// The key of the stage's final filesystem.
    pub fn key(&self) -> String {
        stage_key(self.index)
    }

    /// The key of the filesystem right after FROM (image bases only).
    pub fn base_key(&self) -> String {
        format!("base-{}", self.index)
    }

    /// The documents' file stem: `sbom` for the image, else `sbom-<name>` (unsafe characters → `-`).
    pub fn stem(&self) -> String {
        if self.is_final {
            return "sbom".into();
        }
        let safe: String = self
            .name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '-' | '_') {
                    c
                } else {
                    '-'
                }
            })
            .collect();
        format!("sbom-{safe}")
    }
}

/// The key of stage `index`'s final filesystem.
pub fn stage_key(index: usize) -> String {
    format!("stage-{index}")
}

/// Where a stage starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", tag = "kind", content = "stage")]
pub enum PlanBase {
    /// `FROM scratch`.
    Scratch,
    /// An image or named context: cataloged under [`PlanStage::base_key`].
    Image,
    /// An earlier stage, by index.
    Stage(usize),
}

/// The final stage's catalog as its parent's plus copies of other stages' paths.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Composition {
    /// The final stage's key.
    pub key: String,
    /// The cataloged key it starts from; `None` for `FROM scratch`.
    pub parent: Option<String>,
    /// Each copy in order: the cataloged key of the source stage and the root-relative path.
    pub copies: Vec<(String, String)>,
    /// The source keys no other stage uses, sorted: cataloged where the final stage's catalog
    /// is composed rather than by their own exec.
    pub leaves: Vec<String>,
}

/// One filesystem-changing instruction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanStep {
    /// First Dockerfile line.
    pub line: usize,
    /// `COPY`/`ADD` destination (absolute, trailing `/` for a directory); `None` for RUN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dest: Option<String>,
    /// `COPY --from=<stage>` source stage index.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_stage: Option<usize>,
    /// The `COPY --from` copies one path of its stage onto the same path and changes nothing
    /// else (`dest` is that path).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub onto_itself: bool,
    /// The instruction as written.
    pub text: String,
}

impl ScanPlan {
    /// Every filesystem key the plan needs, sorted: stages, image bases, the context.
    pub fn keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = Vec::new();
        for s in &self.stages {
            keys.push(s.key());
            if s.base == PlanBase::Image {
                keys.push(s.base_key());
            }
        }
        if self.context {
            keys.push(super::CONTEXT_KEY.into());
        }
        keys.sort();
        keys.dedup();
        keys
    }

    /// The keys that are cataloged: [`ScanPlan::keys`] without those in [`ScanPlan::same`].
    pub fn scanned_keys(&self) -> Vec<String> {
        let mut keys = self.keys();
        keys.retain(|k| !self.same.contains_key(k));
        keys
    }

    /// [`ScanPlan::scanned_keys`] in the order to catalog them: keys without a diff first, then
    /// stages in plan order (a stage's parent is an image base or an earlier stage).
    pub fn scan_order(&self) -> Vec<String> {
        let keys = self.scanned_keys();
        let (mut order, later): (Vec<String>, Vec<String>) =
            keys.into_iter().partition(|k| !self.diffs.contains_key(k));
        let stages: Vec<String> = self.stages.iter().map(PlanStage::key).collect();
        order.extend(stages.iter().filter(|k| later.contains(k)).cloned());
        order.extend(later.into_iter().filter(|k| !stages.contains(k)));
        order
    }

    /// The stages [`super::render`] writes documents for, in its order: the final image's, then
    /// every other emitted stage in plan order.
    pub fn documented(&self) -> Vec<&PlanStage> {
        let mut stages: Vec<&PlanStage> = self.stages.iter().filter(|s| s.is_final).collect();
        stages.extend(self.stages.iter().filter(|s| !s.is_final && s.emit));
        stages
    }

    /// The file stem of every document pair [`super::render`] writes, in its order (the
    /// context's last, when scanned).
    pub fn document_stems(&self) -> Vec<String> {
        let mut stems: Vec<String> = self.documented().iter().map(|s| s.stem()).collect();
        if self.context {
            stems.push(super::CONTEXT_STEM.into());
        }
        stems
    }

    /// How the final stage's catalog is composed from others' ([`Composition`]), when every
    /// step of it copies a stage's path onto the same path and every filesystem named is
    /// cataloged.
    pub fn composition(&self) -> Option<Composition> {
        let last = self.stages.iter().find(|s| s.is_final)?;
        let scanned = self.scanned_keys();
        let resolve = |key: String| {
            let key = self.same.get(&key).cloned().unwrap_or(key);
            scanned.contains(&key).then_some(key)
        };
        let parent = match last.base {
            PlanBase::Scratch => None,
            PlanBase::Image => Some(resolve(last.base_key())?),
            PlanBase::Stage(i) => Some(resolve(stage_key(i))?),
        };
        let copies = last
            .steps
            .iter()
            .map(|step| {
                let from = step.from_stage.filter(|_| step.onto_itself)?;
                let path = step.dest.as_deref()?.trim_matches('/').to_string();
                Some((resolve(stage_key(from))?, path))
            })
            .collect::<Option<Vec<_>>>()?;
        // A source no other stage starts from or copies from changes whenever the final stage
        // does (the application a runtime stage copies): it is walked where the catalog is
        // composed, saving its own exec.
        let used_by_others = |index: usize| {
            self.stages.iter().filter(|s| !s.is_final).any(|s| {
                s.base == PlanBase::Stage(index)
                    || s.steps.iter().any(|st| st.from_stage == Some(index))
            })
        };
        let mut leaves: Vec<String> = last
            .steps
            .iter()
            .filter_map(|st| st.from_stage)
            .filter(|i| !used_by_others(*i))
            .map(stage_key)
            .filter(|k| scanned.contains(k) && !self.same.values().any(|v| v == k))
            .collect();
        leaves.sort();
        leaves.dedup();
        (!copies.is_empty()).then_some(Composition {
            key: last.key(),
            parent,
            copies,
            leaves,
        })
    }

    /// The stage with Dockerfile index `index`.
    pub fn stage(&self, index: usize) -> Option<&PlanStage> {
        self.stages.iter().find(|s| s.index == index)
    }
}
