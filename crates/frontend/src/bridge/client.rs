//! [`Bridge`]: our wrapper over the generated `LLBBridge` client, with the caps
//! from `Ping` and exactly-once `Return`.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tonic::transport::Channel;

use super::caps::{ids, CapSet};
use super::error::BridgeError;
use super::result::{to_wire, BuildResult};
use crate::proto::fsutil::types::Stat;
use crate::proto::gateway::{self as gw, llb_bridge_client::LlbBridgeClient};
use crate::proto::google::rpc::Status;
use stagetrail_llb::pb;

/// Largest gRPC message we send or accept (buildkitd allows 16 MiB).
const MAX_MESSAGE: usize = 64 << 20;
/// How long `Ping` may take.
const PING_TIMEOUT: Duration = Duration::from_secs(15);

/// A warning shown in the user's build output (`Warn` RPC).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Warning {
    /// Severity; BuildKit uses 1 for warnings.
    pub level: i64,
    /// One-line text.
    pub short: String,
    /// Further lines.
    pub detail: Vec<String>,
    /// A link with more help.
    pub url: String,
    /// The source file the ranges refer to.
    pub info: Option<pb::SourceInfo>,
    /// Where in `info` the problem is.
    pub ranges: Vec<pb::Range>,
}

/// A connected gateway client that has pinged the server. Clones share the connection (their
/// calls run concurrently over it) and the once-only `Return`.
#[derive(Clone, Debug)]
pub struct Bridge {
    client: LlbBridgeClient<Channel>,
    caps: CapSet,
    llb_caps: CapSet,
    version: Option<String>,
    returned: Arc<AtomicBool>,
}

impl Bridge {
    /// Pings the server over `channel` and records its caps. `fallback_version` (from
    /// `BUILDKIT_WORKERS`) names the BuildKit version when Ping does not.
    pub async fn connect(
        channel: Channel,
        fallback_version: Option<&str>,
    ) -> Result<Bridge, BridgeError> {
        let mut client = LlbBridgeClient::new(channel)
            .max_decoding_message_size(MAX_MESSAGE)
            .max_encoding_message_size(MAX_MESSAGE);
        let pong = tokio::time::timeout(PING_TIMEOUT, client.ping(gw::PingRequest {}))
            .await
            .map_err(|_| BridgeError::protocol("Ping", "no answer within 15s"))?
            .map_err(|s| BridgeError::rpc("Ping", s))?
            .into_inner();
        let version = pong
            .workers
            .iter()
            .filter_map(|w| w.buildkit_version.as_ref())
            .map(|v| v.version.clone())
            .find(|v| !v.is_empty())
            .or_else(|| fallback_version.map(str::to_string));
        Ok(Bridge {
            client,
            caps: CapSet::from_ping(&pong.frontend_api_caps, true),
            llb_caps: CapSet::from_ping(&pong.llb_caps, false),
            version,
            returned: Arc::new(AtomicBool::new(false)),
        })
    }

    /// True when the server announced gateway API cap `id` as enabled.
    pub fn has_cap(&self, id: &str) -> bool {
        self.caps.has(id)
    }

    /// True when the server announced LLB cap `id` as enabled.
    pub fn has_llb_cap(&self, id: &str) -> bool {
        self.llb_caps.has(id)
    }

    /// The BuildKit version the server reports, if known.
    pub fn buildkit_version(&self) -> Option<&str> {
        self.version.as_deref()
    }

    /// Fails with an error naming the first missing cap and the BuildKit version.
    pub fn require_caps(&self, ids: &[&str]) -> Result<(), BridgeError> {
        match ids
            .iter()
            .find_map(|id| self.caps.missing(id, self.version.as_deref()))
        {
            Some(msg) => Err(BridgeError::MissingCap(msg)),
            None => Ok(()),
        }
    }

    fn client(&self) -> LlbBridgeClient<Channel> {
        self.client.clone()
    }

    /// Solves `def` and returns the ref id of its result (`""` for an empty result).
    pub async fn solve(&self, def: pb::Definition) -> Result<String, BridgeError> {
        self.solve_cached(def, &[]).await
    }

    /// Like [`Bridge::solve`], importing build cache from `cache_imports`.
    pub async fn solve_cached(
        &self,
        def: pb::Definition,
        cache_imports: &[CacheImport],
    ) -> Result<String, BridgeError> {
        self.solve_with(def, cache_imports, false).await
    }

    /// Solves `def`; with `evaluate`, BuildKit loads and builds it before answering
    /// (so load-time refusals such as entitlements reach us, not the exporter).
    pub async fn solve_with(
        &self,
        def: pb::Definition,
        cache_imports: &[CacheImport],
        evaluate: bool,
    ) -> Result<String, BridgeError> {
        self.require_caps(&[ids::SOLVE_BASE])?;
        if !cache_imports.is_empty() {
            self.require_caps(&[ids::IMPORT_CACHES])?;
        }
        let req = gw::SolveRequest {
            definition: Some(def),
            allow_result_return: true,
            allow_result_array_ref: true,
            cache_imports: cache_imports
                .iter()
                .map(|c| gw::CacheOptionsEntry {
                    r#type: c.kind.clone(),
                    attrs: c.attrs.clone(),
                })
                .collect(),
            evaluate,
            ..Default::default()
        };
        let resp = self
            .client()
            .solve(req)
            .await
            .map_err(|s| BridgeError::rpc("Solve", s))?
            .into_inner();
        use gw::result::Result as R;
        match resp.result.and_then(|r| r.result) {
            Some(R::Ref(r)) => Ok(r.id),
            Some(R::RefDeprecated(id)) => Ok(id),
            Some(R::Refs(_) | R::RefsDeprecated(_)) => Err(BridgeError::protocol(
                "Solve",
                "expected one ref, got a map of refs",
            )),
            None => Ok(resp.r#ref),
        }
    }

    /// Reads `path` from a solved ref; `range` = `(offset, length)`.
    pub async fn read_file(
        &self,
        ref_id: &str,
        path: &str,
        range: Option<(i64, i64)>,
    ) -> Result<Vec<u8>, BridgeError> {
        self.require_caps(&[ids::READ_FILE])?;
        let req = gw::ReadFileRequest {
            r#ref: ref_id.to_string(),
            file_path: path.to_string(),
            range: range.map(|(offset, length)| gw::FileRange { offset, length }),
        };
        let resp = self.client().read_file(req).await;
        Ok(resp
            .map_err(|s| BridgeError::rpc("ReadFile", s))?
            .into_inner()
            .data)
    }

    /// Lists `dir` in a solved ref, optionally filtered by a glob.
    pub async fn read_dir(
        &self,
        ref_id: &str,
        dir: &str,
        include_pattern: Option<&str>,
    ) -> Result<Vec<Stat>, BridgeError> {
        self.require_caps(&[ids::READ_DIR])?;
        let req = gw::ReadDirRequest {
            r#ref: ref_id.to_string(),
            dir_path: dir.to_string(),
            include_pattern: include_pattern.unwrap_or_default().to_string(),
        };
        let resp = self.client().read_dir(req).await;
        Ok(resp
            .map_err(|s| BridgeError::rpc("ReadDir", s))?
            .into_inner()
            .entries)
    }

    /// Stats `path` in a solved ref.
    pub async fn stat_file(&self, ref_id: &str, path: &str) -> Result<Stat, BridgeError> {
        self.require_caps(&[ids::STAT_FILE])?;
        let req = gw::StatFileRequest {
            r#ref: ref_id.to_string(),
            path: path.to_string(),
        };
        let resp = self.client().stat_file(req).await;
        resp.map_err(|s| BridgeError::rpc("StatFile", s))?
            .into_inner()
            .stat
            .ok_or_else(|| BridgeError::protocol("StatFile", format!("no stat for {path:?}")))
    }

    /// Resolves an image reference to `(digest, config JSON bytes)`.
    /// `mode` is `default`, `pull` or `local`.
    pub async fn resolve_image_config(
        &self,
        reference: &str,
        platform: Option<pb::Platform>,
        mode: &str,
    ) -> Result<(String, Vec<u8>), BridgeError> {
        self.require_caps(&[ids::RESOLVE_IMAGE])?;
        let req = gw::ResolveImageConfigRequest {
            r#ref: reference.to_string(),
            platform,
            resolve_mode: mode.to_string(),
            log_name: format!("[internal] load metadata for {reference}"),
            ..Default::default()
        };
        let resp = self
            .client()
            .resolve_image_config(req)
            .await
            .map_err(|s| BridgeError::rpc("ResolveImageConfig", s))?
            .into_inner();
        Ok((resp.digest, resp.config))
    }

    /// The frontend inputs (e.g. `dockerfile`, `context`) the client sent.
    pub async fn inputs(&self) -> Result<BTreeMap<String, pb::Definition>, BridgeError> {
        self.require_caps(&[ids::FRONTEND_INPUTS])?;
        let resp = self.client().inputs(gw::InputsRequest {}).await;
        Ok(resp
            .map_err(|s| BridgeError::rpc("Inputs", s))?
            .into_inner()
            .definitions)
    }

    /// Shows a warning in the build output; `digest` is the vertex it belongs to.
    /// Without the `gateway.warnings` cap the warning goes to stderr instead.
    pub async fn warn(&self, digest: &str, w: Warning) -> Result<(), BridgeError> {
        if !self.has_cap(ids::WARNINGS) {
            tracing::warn!("{}", w.short);
            return Ok(());
        }
        let req = gw::WarnRequest {
            digest: digest.to_string(),
            level: w.level,
            short: w.short.into_bytes(),
            detail: w.detail.into_iter().map(String::into_bytes).collect(),
            url: w.url,
            info: w.info,
            ranges: w.ranges,
        };
        self.client()
            .warn(req)
            .await
            .map_err(|s| BridgeError::rpc("Warn", s))?;
        Ok(())
    }

    /// Hands the result back (once).
    pub async fn return_result(&self, res: BuildResult) -> Result<(), BridgeError> {
        let result = match to_wire(res, &self.caps) {
            Ok(r) => r,
            Err(msg) => {
                self.return_error(tonic::Code::Unimplemented as i32, &msg, Vec::new())
                    .await?;
                return Err(BridgeError::MissingCap(msg));
            }
        };
        self.send_return(gw::ReturnRequest {
            result: Some(result),
            error: None,
        })
        .await
    }

    /// Fails the build with a gRPC `code` and `message` (once).
    pub async fn return_error(
        &self,
        code: i32,
        message: &str,
        details: Vec<prost_types::Any>,
    ) -> Result<(), BridgeError> {
        self.send_return(gw::ReturnRequest {
            result: None,
            error: Some(Status {
                code,
                message: message.to_string(),
                details,
            }),
        })
        .await
    }

    async fn send_return(&self, req: gw::ReturnRequest) -> Result<(), BridgeError> {
        self.require_caps(&[ids::RETURN])?;
        if self.returned.swap(true, Ordering::SeqCst) {
            return Err(BridgeError::protocol(
                "Return",
                "result was already returned",
            ));
        }
        self.client()
            .r#return(req)
            .await
            .map_err(|s| BridgeError::rpc("Return", s))?;
        Ok(())
    }
}

/// A cache source for `SolveRequest.CacheImports` (`cache-imports` JSON or `cache-from`).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct CacheImport {
    /// e.g. `registry`, `local`, `gha`.
    #[serde(rename = "Type", alias = "type")]
    pub kind: String,
    /// Exporter-specific attributes, e.g. `ref`.
    #[serde(rename = "Attrs", alias = "attrs", default)]
    pub attrs: BTreeMap<String, String>,
}
