//! `BUILDKIT_WORKERS`: the JSON list of workers buildkitd passes to a frontend.

use serde::Deserialize;
use std::collections::BTreeMap;

/// A platform as BuildKit's JSON spells it (`{"architecture","os","variant"?}`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct WorkerPlatform {
    /// e.g. `amd64`.
    pub architecture: String,
    /// e.g. `linux`.
    pub os: String,
    /// e.g. `v7`; absent for most.
    #[serde(default)]
    pub variant: Option<String>,
}

impl WorkerPlatform {
    /// `os/arch[/variant]`, e.g. `linux/arm/v7`.
    pub fn id(&self) -> String {
        match self.variant.as_deref().filter(|v| !v.is_empty()) {
            Some(v) => format!("{}/{}/{}", self.os, self.architecture, v),
            None => format!("{}/{}", self.os, self.architecture),
        }
    }
}

/// The daemon version a worker reports.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct BuildkitVersion {
    /// e.g. `github.com/moby/buildkit`.
    #[serde(default)]
    pub package: String,
    /// e.g. `v0.13.2`.
    #[serde(default)]
    pub version: String,
    /// Git revision.
    #[serde(default)]
    pub revision: String,
}

/// One worker of the build daemon.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct WorkerInfo {
    /// Worker id.
    #[serde(default)]
    pub id: String,
    /// Worker labels.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Platforms it can run; the first is the build platform.
    #[serde(default)]
    pub platforms: Vec<WorkerPlatform>,
    /// The daemon's version (absent on old daemons).
    #[serde(default, rename = "buildkitVersion")]
    pub buildkit_version: Option<BuildkitVersion>,
}

/// Parses the `BUILDKIT_WORKERS` value; empty or `null` means no workers.
pub fn parse_workers(json: &str) -> Result<Vec<WorkerInfo>, String> {
    if json.trim().is_empty() {
        return Ok(Vec::new());
    }
    let workers: Option<Vec<WorkerInfo>> = serde_json::from_str(json)
        .map_err(|e| format!("BUILDKIT_WORKERS is not valid JSON: {e}"))?;
    Ok(workers.unwrap_or_default())
}
