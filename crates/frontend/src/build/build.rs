//! The build step of frontend mode: frontend options → `convert::Options`,
//! base images resolved over the bridge, one Solve per platform (all at once:
//! [`super::platforms`]), and the `BuildResult` (refs, image and base image configs,
//! `refs.platforms`).

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::json;
use tokio::runtime::Handle;
use tonic::Code;

use super::attest_record;
use super::check_warnings;
use super::failure::Failure;
use super::platforms::{solve_all, PlatformError, SolveSpec, Solved};
use super::sbom::SbomRequest;
use super::solve_errors::{needs_entitlement, solve_failure};
use crate::bridge::caps::{ids, llb_ids};
use crate::bridge::Bridge;
use crate::bridge::{BuildResult, Refs};
use crate::options::load::LoadedDockerfile;
use crate::options::{FrontendOpts, ResolveMode};
use stagetrail_convert::{self as convert, Dialect, Options, Platform, ResolvedImage, Resolver};
use stagetrail_dockerfile::ast::Dockerfile;
use stagetrail_llb::pb;

/// Metadata key of the image config (suffixed `/<platformID>` for multi-platform).
const IMAGE_CONFIG_KEY: &str = "containerimage.config";
/// Metadata key of the target's base image config (suffixed like [`IMAGE_CONFIG_KEY`]).
const BASE_CONFIG_KEY: &str = "containerimage.base.config";
/// Metadata key listing the result's platforms.
const PLATFORMS_KEY: &str = "refs.platforms";

/// Converts `df` for every target platform, solves each, and assembles the result.
pub async fn build(
    bridge: &Bridge,
    opts: &FrontendOpts,
    loaded: &LoadedDockerfile,
    df: &Dockerfile,
    context_excludes: Vec<String>,
    source: &pb::SourceInfo,
) -> Result<BuildResult, Failure> {
    let options = convert_options(opts, loaded, context_excludes, dialect(bridge));
    let resolver = BridgeResolver::new(bridge, opts);
    let (converted, found) = convert::convert_checked(df, &options, &resolver);
    let converted = converted.map_err(|e| Failure::dockerfile(&e, source))?;
    let built: Vec<usize> = converted.builds[0].stages.iter().map(|s| s.index).collect();
    check_warnings::report(bridge, opts, loaded, df, source, &built, &found).await?;
    attest_record::warn_credentials(bridge, loaded, source, &converted.builds).await;
    let mut attest_plan = attest_record::plan(opts, loaded, &converted.builds)?;

    let sbom = SbomRequest::from_opts(opts)?;
    // BuildKit checks entitlements when it loads the LLB, which a plain Solve defers
    // until after Return; evaluate such builds here so a refusal names its RUN line.
    // With SBOMs the stages are read before Return: evaluating first makes a failing step
    // fail this Solve, with BuildKit's Dockerfile location, rather than a later file read.
    let evaluate = (needs_entitlement(df) || sbom.is_some()) && bridge.has_cap(ids::SOLVE_EVALUATE);
    let mut attestations = BTreeMap::new();
    let multi = opts.multi_platform || converted.builds.len() > 1;
    let mut refs = BTreeMap::new();
    let mut single = String::new();
    let mut metadata = BTreeMap::new();
    let mut platforms = Vec::new();
    let mut platform_ids = Vec::new();
    let spec = Arc::new(SolveSpec {
        opts: Arc::new(opts.clone()),
        evaluate,
        sbom,
    });
    let solved = solve_all(bridge, spec, converted.builds)
        .await
        .map_err(|e| match e {
            PlatformError::Solve(e) => solve_failure(e, df, source),
            PlatformError::Failed(f) => f,
        })?;
    for Solved {
        build: b,
        ref_id,
        sbom_docs,
    } in solved
    {
        let id = b.platform.id();
        platform_ids.push(id.clone());
        if let Some(docs) = sbom_docs {
            attest_record::add_sbom_digests(bridge, &mut attest_plan, &b, &docs).await?;
            attestations.insert(id.clone(), docs);
        }
        let key = |key: &str| {
            if multi {
                format!("{key}/{id}")
            } else {
                key.to_string()
            }
        };
        metadata.insert(key(IMAGE_CONFIG_KEY), encode(&b.image_config)?);
        if let Some(base) = &b.base_config {
            metadata.insert(key(BASE_CONFIG_KEY), encode(base)?);
        }
        if multi {
            refs.insert(id.clone(), ref_id);
        } else {
            single = ref_id;
        }
        platforms.push(json!({"ID": id, "Platform": platform_json(&b.platform)}));
    }
    metadata.insert(
        PLATFORMS_KEY.to_string(),
        serde_json::to_vec(&json!({ "Platforms": platforms })).unwrap_or_default(),
    );
    for (platform, ours) in attest_record::attach(bridge, opts, attest_plan, &platform_ids).await? {
        attestations.entry(platform).or_default().extend(ours);
    }
    Ok(BuildResult {
        refs: if multi {
            Refs::PerPlatform(refs)
        } else {
            Refs::Single(single)
        },
        metadata,
        attestations,
    })
}

/// An image config's bytes.
fn encode(config: &serde_json::Value) -> Result<Vec<u8>, Failure> {
    serde_json::to_vec(config).map_err(|e| {
        Failure::new(
            Code::Internal,
            format!("cannot encode an image config: {e}"),
        )
    })
}

/// An OCI platform object as exptypes spells it (`variant` only when set).
fn platform_json(p: &Platform) -> serde_json::Value {
    let mut v = json!({"architecture": p.architecture, "os": p.os});
    if let Some(variant) = &p.variant {
        v["variant"] = json!(variant);
    }
    v
}

/// The converter's options: those parsed with the frontend options, plus what loading found and
/// the dialect of the daemon's own frontend.
pub fn convert_options(
    opts: &FrontendOpts,
    loaded: &LoadedDockerfile,
    context_excludes: Vec<String>,
    dialect: Dialect,
) -> Options {
    Options {
        context_excludes,
        dockerfile_source: Some(loaded.data.clone()),
        dialect,
        ..opts.convert.clone()
    }
}

/// The release of the built-in Dockerfile frontend of the daemon we run on, told by the LLB caps
/// it announced in `Ping` (the version string says nothing: Debian's build reports v0.0.0+unknown).
pub fn dialect(bridge: &Bridge) -> Dialect {
    let dialect = if bridge.has_llb_cap(llb_ids::SOURCE_IMAGE_CHECKSUM) {
        Dialect::V0_25
    } else {
        Dialect::V0_13
    };
    tracing::info!(
        "stagetrail: images as BuildKit {dialect}'s Dockerfile frontend makes them (BuildKit {})",
        bridge.buildkit_version().unwrap_or("version unknown")
    );
    dialect
}

/// Resolves base images with `ResolveImageConfig`, blocking the converter's
/// (synchronous) thread on the async call; needs a multi-thread runtime.
pub(super) struct BridgeResolver<'a> {
    bridge: &'a Bridge,
    mode: ResolveMode,
    handle: Handle,
}

impl<'a> BridgeResolver<'a> {
    /// A resolver over `bridge` with the build's resolve mode.
    pub(super) fn new(bridge: &'a Bridge, opts: &FrontendOpts) -> BridgeResolver<'a> {
        BridgeResolver {
            bridge,
            mode: opts.image_resolve_mode,
            handle: Handle::current(),
        }
    }
}

impl Resolver for BridgeResolver<'_> {
    fn resolve(&self, reference: &str, platform: &Platform) -> Result<ResolvedImage, String> {
        let call = self.bridge.resolve_image_config(
            reference,
            Some(pb::Platform::from(platform)),
            self.mode.as_str(),
        );
        let (digest, config) = tokio::task::block_in_place(|| self.handle.block_on(call))
            .map_err(|e| e.to_string())?;
        let config = serde_json::from_slice(&config)
            .map_err(|e| format!("image config of {reference} is not valid JSON: {e}"))?;
        Ok(ResolvedImage {
            digest: Some(digest).filter(|d| !d.is_empty()),
            config,
        })
    }
}
