//! One build case: `tests/e2e/<name>/` with a `Dockerfile`, context files and an optional `case.json`.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// `case.json`: everything about a case beyond its Dockerfile and context.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    /// Extra `docker buildx build` arguments, relative paths resolved from the case folder
    /// (`@REGISTRY@` becomes the registry, as in the Dockerfile).
    #[serde(default)]
    pub args: Vec<String>,
    /// Both builds must fail, and our output must name `Dockerfile:<error_line>`.
    #[serde(default)]
    pub expect_error: bool,
    /// The line the failure must point at (required with `expect_error`).
    pub error_line: Option<u32>,
    /// Why our error message differs from the builtin's here (the snippet box is still compared).
    pub message_differs: Option<String>,
    /// The builtin frontend's error names no line here (ours still must); the harness self-check
    /// (`STAGETRAIL_E2E_FRONTEND=builtin`) then only asks for the failure.
    #[serde(default)]
    pub upstream_has_no_line: bool,
    /// Helper images built (with the builtin frontend) and pushed before the case runs.
    #[serde(default)]
    pub prepare: Vec<Prepare>,
    /// The case pins `SOURCE_DATE_EPOCH` (with `rewrite-timestamp`): config `created`,
    /// `history[].created` and file mtimes must be equal too.
    #[serde(default)]
    pub compare_times: bool,
    /// The case's base images are its own (`prepare`d, used by no other case), so the names of
    /// its `FROM` steps are compared too: BuildKit names a vertex that several concurrent builds
    /// share after the first build that loaded it.
    #[serde(default)]
    pub from_steps: bool,
    /// Where an engine's built-in frontend is older than the upstream behaviour we follow:
    /// engine (`STAGETRAIL_ENGINE`, e.g. `26`) → what is checked there instead.
    #[serde(default)]
    pub engines: BTreeMap<String, EngineSpec>,
}

/// A known difference between one engine's built-in frontend and current upstream.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EngineSpec {
    /// Why this engine differs (shown when the case fails).
    pub reason: String,
    /// Paths whose entries are not compared on this engine (everything else still is).
    #[serde(default)]
    pub ignore_paths: Vec<String>,
    /// The error message differs on this engine (the snippet box and the line are still compared).
    #[serde(default)]
    pub message_differs: bool,
    /// `history[].created_by` differs on this engine (the rest of the config is still compared).
    #[serde(default)]
    pub history_differs: bool,
    /// This engine's built-in frontend fails the case without naming a line (upstream fixed
    /// it since): ours must fail too, with `Dockerfile:<line>`.
    pub fails_at_line: Option<u32>,
    /// The builtin's name of a `FROM` step differs on this engine (with `from_steps`, the step
    /// is compared without its `[stage n/m]` part).
    #[serde(default)]
    pub from_names_differ: bool,
}

/// A helper image: the Dockerfile folder inside the case, pushed as `$STAGETRAIL_REGISTRY/<image>`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Prepare {
    /// Folder of the helper's Dockerfile and context, relative to the case.
    pub dir: String,
    /// Repository and tag under the registry, e.g. `e2e/onbuild-base:1`.
    pub image: String,
}

/// A loaded case.
#[derive(Debug)]
pub struct Case {
    /// Folder name, e.g. `01-scratch-copy`.
    pub name: String,
    /// Absolute folder (the build context).
    pub dir: PathBuf,
    /// Its `case.json`, or the defaults.
    pub spec: Spec,
}

/// The folder holding every case.
pub fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("e2e")
}

/// Every case folder name, sorted.
pub fn all_names() -> Result<Vec<String>, String> {
    let dir = cases_dir();
    let mut names = Vec::new();
    for entry in std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))? {
        let entry = entry.map_err(|e| format!("{}: {e}", dir.display()))?;
        if entry.path().join("Dockerfile").is_file() {
            names.push(entry.file_name().to_string_lossy().into_owned());
        }
    }
    names.sort();
    Ok(names)
}

impl Case {
    /// Reads `tests/e2e/<name>/case.json` (if any) and checks it.
    pub fn load(name: &str) -> Result<Case, String> {
        let dir = cases_dir().join(name);
        if !dir.join("Dockerfile").is_file() {
            return Err(format!("{}: no Dockerfile", dir.display()));
        }
        let json = dir.join("case.json");
        let spec: Spec = if json.is_file() {
            let text =
                std::fs::read_to_string(&json).map_err(|e| format!("{}: {e}", json.display()))?;
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", json.display()))?
        } else {
            Spec::default()
        };
        if spec.expect_error && spec.error_line.is_none() {
            return Err(format!("{}: expect_error needs error_line", json.display()));
        }
        Ok(Case {
            name: name.to_string(),
            dir,
            spec,
        })
    }

    /// What differs on the engine under test (`STAGETRAIL_ENGINE`, default 28), if anything.
    pub fn on_this_engine(&self) -> Option<&EngineSpec> {
        let engine = std::env::var("STAGETRAIL_ENGINE").unwrap_or_else(|_| "28".into());
        self.spec.engines.get(&engine)
    }

    /// The extra buildx arguments with `@REGISTRY@` replaced.
    pub fn args(&self, registry: &str) -> Vec<String> {
        self.spec
            .args
            .iter()
            .map(|a| a.replace("@REGISTRY@", registry))
            .collect()
    }

    /// The Dockerfile text with `@REGISTRY@` replaced (for `COPY --from=<image>`, which BuildKit does not expand).
    pub fn dockerfile(&self, registry: &str) -> Result<String, String> {
        let path = self.dir.join("Dockerfile");
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(text.replace("@REGISTRY@", registry))
    }
}
