//! Capabilities announced by buildkitd in `Ping` (gateway API caps and LLB caps).

use std::collections::BTreeMap;

use crate::proto::moby::buildkit::v1::apicaps::ApiCap;

/// Gateway API cap IDs stagetrail looks at (upstream `frontend/gateway/pb/caps.go`).
pub mod ids {
    /// `Solve` works at all.
    pub const SOLVE_BASE: &str = "solve.base";
    /// `ResolveImageConfig` works.
    pub const RESOLVE_IMAGE: &str = "resolveimage";
    /// `ReadFile` works.
    pub const READ_FILE: &str = "readfile";
    /// `ReadDir` works.
    pub const READ_DIR: &str = "readdir";
    /// `StatFile` works.
    pub const STAT_FILE: &str = "statfile";
    /// Results are handed back with the `Return` RPC.
    pub const RETURN: &str = "return";
    /// `Return` may carry a map of refs (multi-platform).
    pub const RETURN_MAP: &str = "returnmap";
    /// `Result.ref`/`refs` (fields 3/4) instead of the deprecated string forms.
    pub const PROTO_REF_ARRAY: &str = "proto.refarray";
    /// The `Inputs` RPC.
    pub const FRONTEND_INPUTS: &str = "frontend.inputs";
    /// `SolveRequest.CacheImports`.
    pub const IMPORT_CACHES: &str = "importcaches";
    /// The `Warn` RPC.
    pub const WARNINGS: &str = "gateway.warnings";
    /// `Result.attestations`.
    pub const ATTESTATIONS: &str = "reference.attestations";
    /// `SolveRequest.Evaluate`: build the result before answering.
    pub const SOLVE_EVALUATE: &str = "gateway.solve.evaluate";
}

/// LLB cap IDs stagetrail looks at (upstream `solver/pb/caps.go`).
pub mod llb_ids {
    /// Checksums on image sources: new in BuildKit 0.25 (not in 0.24), it tells a 0.25 or later
    /// daemon apart, whatever version string a distribution's build reports.
    pub const SOURCE_IMAGE_CHECKSUM: &str = "source.image.checksum";
    /// `Mount.contentCache`: an exec may turn off the checksum of a read-only bind's whole
    /// content that BuildKit otherwise adds to the exec's cache key.
    pub const EXEC_MOUNT_CONTENT_CACHE: &str = "exec.mount.cache.content";
    /// DiffOp: the changes of one state over another (the scanner's incremental catalogs).
    pub const DIFF_OP: &str = "diffop";
}

/// The caps every server had before caps were announced (used when Ping lists none).
const DEFAULT_FRONTEND_CAPS: &[&str] = &[
    ids::SOLVE_BASE,
    "solve.inlinereturn",
    ids::RESOLVE_IMAGE,
    ids::READ_FILE,
];

/// The state of one announced cap.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CapState {
    /// Usable.
    pub enabled: bool,
    /// Why it is disabled, when the server says.
    pub disabled_reason: String,
}

/// A set of caps from `Ping`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CapSet {
    caps: BTreeMap<String, CapState>,
}

impl CapSet {
    /// Builds the set from Ping's list (`frontend` = true applies the pre-caps defaults
    /// when the list is empty).
    pub fn from_ping(list: &[ApiCap], frontend: bool) -> CapSet {
        let mut caps = BTreeMap::new();
        if list.is_empty() && frontend {
            for id in DEFAULT_FRONTEND_CAPS {
                caps.insert(
                    id.to_string(),
                    CapState {
                        enabled: true,
                        disabled_reason: String::new(),
                    },
                );
            }
        }
        for c in list {
            let reason = if c.disabled_reason_msg.is_empty() {
                c.disabled_reason.clone()
            } else {
                c.disabled_reason_msg.clone()
            };
            caps.insert(
                c.id.clone(),
                CapState {
                    enabled: c.enabled,
                    disabled_reason: reason,
                },
            );
        }
        CapSet { caps }
    }

    /// True when `id` is announced and enabled.
    pub fn has(&self, id: &str) -> bool {
        self.caps.get(id).is_some_and(|c| c.enabled)
    }

    /// Explains why `id` is unusable, or `None` when it is usable.
    pub fn missing(&self, id: &str, version: Option<&str>) -> Option<String> {
        let server = match version {
            Some(v) => format!("this BuildKit ({v})"),
            None => "this BuildKit (version unknown)".to_string(),
        };
        match self.caps.get(id) {
            Some(c) if c.enabled => None,
            Some(c) if !c.disabled_reason.is_empty() => Some(format!(
                "gateway capability {id:?} is disabled on {server}: {}",
                c.disabled_reason
            )),
            Some(_) => Some(format!("gateway capability {id:?} is disabled on {server}")),
            None => Some(format!(
                "gateway capability {id:?} is not supported by {server}; stagetrail needs a newer BuildKit (v0.13 or later)"
            )),
        }
    }
}
