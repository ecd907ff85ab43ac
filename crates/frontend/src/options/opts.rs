//! Frontend options: `BUILDKIT_FRONTEND_OPT_*`, `BUILDKIT_SESSION_ID` and
//! `BUILDKIT_WORKERS` turned into a typed [`FrontendOpts`] (see docs/architecture.md).
//! Pure functions: a map in, a struct out.

use std::collections::BTreeMap;

use super::values::{
    parse_bool, parse_cache_from, parse_cache_imports, parse_extra_hosts, parse_i64, parse_ulimits,
};
use super::workers::parse_workers;
pub use super::workers::WorkerInfo;
pub use crate::bridge::CacheImport;
use stagetrail_convert::{Dialect, MainContext, NamedContext, Options, Platform};

/// Prefix of the environment variables that carry one `key=value` option each.
pub const OPT_ENV_PREFIX: &str = "BUILDKIT_FRONTEND_OPT_";

/// A bad option value; `key` is where it came from (the option's "location").
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid frontend option {key:?}: {message}")]
pub struct OptsError {
    /// The option key (or environment variable) that holds the bad value.
    pub key: String,
    /// What is wrong with it.
    pub message: String,
}

fn bad(key: &str, message: impl std::fmt::Display) -> OptsError {
    OptsError {
        key: key.to_string(),
        message: message.to_string(),
    }
}

/// How base images are looked up (`image-resolve-mode`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ResolveMode {
    /// Use a local copy if the registry cannot be asked (the default).
    #[default]
    Default,
    /// Always ask the registry.
    Pull,
    /// Prefer a local copy.
    Local,
}

impl ResolveMode {
    /// The wire spelling used by `ResolveImageConfig` and `image.resolvemode`.
    pub fn as_str(self) -> &'static str {
        match self {
            ResolveMode::Default => "default",
            ResolveMode::Pull => "pull",
            ResolveMode::Local => "local",
        }
    }
}

/// Everything the build request says, typed. Unknown keys stay in `raw`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FrontendOpts {
    /// What the converter needs, parsed here once: filename, target, target and build
    /// platforms, build args, labels, named contexts, no-cache, network, hosts, shm, ulimits,
    /// cgroup parent, `SOURCE_DATE_EPOCH`, session id. The Dockerfile source and the context's
    /// exclude patterns are filled in once they are loaded.
    pub convert: Options,
    /// All options as received.
    pub raw: BTreeMap<String, String>,
    /// `BUILDKIT_WORKERS`.
    pub workers: Vec<WorkerInfo>,
    /// `dockerfilekey`: local name of the Dockerfile's directory (default `dockerfile`).
    pub dockerfile_key: String,
    /// True when `dockerfilekey` was given: the Dockerfile must come from that local.
    pub force_local_dockerfile: bool,
    /// `contextkey` (default `context`).
    pub context_key: String,
    /// `multi-platform` / `build-arg:BUILDKIT_MULTI_PLATFORM`, or more than one platform.
    pub multi_platform: bool,
    /// `image-resolve-mode`.
    pub image_resolve_mode: ResolveMode,
    /// `cache-imports` (JSON) followed by `cache-from` entries.
    pub cache_imports: Vec<CacheImport>,
    /// `attest:TYPE` / `build-arg:BUILDKIT_ATTEST_TYPE`: raw CSV per lowercase type.
    pub attests: BTreeMap<String, String>,
    /// `requestid`: a subrequest (`--call`, `--print`).
    pub request_id: Option<String>,
    /// `frontend.caps`: caps the client requires.
    pub frontend_caps: Vec<String>,
    /// `source`: the frontend image reference (set when reached via `# syntax=`).
    pub source: Option<String>,
    /// `cmdline`: the `# syntax=` value (set when reached via `# syntax=`).
    pub cmdline: Option<String>,
    /// `vcs:KEY` (e.g. `source`, `revision`).
    pub vcs: BTreeMap<String, String>,
}

impl FrontendOpts {
    /// The BuildKit version the first worker reports, if any.
    pub fn buildkit_version(&self) -> Option<&str> {
        self.workers
            .first()
            .and_then(|w| w.buildkit_version.as_ref())
            .map(|v| v.version.as_str())
            .filter(|v| !v.is_empty())
    }

    /// Reads the process environment.
    pub fn from_env() -> Result<FrontendOpts, OptsError> {
        let env: BTreeMap<String, String> = std::env::vars().collect();
        let opts = opts_from_env(&env);
        let workers = env.get("BUILDKIT_WORKERS").map(String::as_str);
        FrontendOpts::parse(&opts, env.get("BUILDKIT_SESSION_ID").cloned(), workers)
    }

    /// Types the option map `opts` (see [`opts_from_env`]) plus the session id and
    /// the `BUILDKIT_WORKERS` JSON.
    pub fn parse(
        opts: &BTreeMap<String, String>,
        session_id: Option<String>,
        workers_json: Option<&str>,
    ) -> Result<FrontendOpts, OptsError> {
        let get = |k: &str| opts.get(k).map(String::as_str);
        let non_empty = |k: &str| get(k).filter(|v| !v.is_empty()).map(str::to_string);
        let workers =
            parse_workers(workers_json.unwrap_or("")).map_err(|m| bad("BUILDKIT_WORKERS", m))?;

        let build_platform = workers
            .first()
            .and_then(|w| w.platforms.first())
            .map(|p| Platform::parse(&p.id()))
            .transpose()
            .map_err(|m| bad("BUILDKIT_WORKERS", m))?;
        let context_key = get("contextkey").unwrap_or("context").to_string();
        let platforms = match get("platform").filter(|v| !v.is_empty()) {
            Some(v) => parse_platform_list(v).map_err(|m| bad("platform", m))?,
            None => Vec::new(),
        };
        let multi_platform = multi_platform(opts, platforms.len())?;

        let mut cache_imports = parse_cache_imports(get("cache-imports").unwrap_or(""))
            .map_err(|m| bad("cache-imports", m))?;
        cache_imports.extend(parse_cache_from(get("cache-from").unwrap_or("")));

        let force_network_mode = non_empty("force-network-mode");
        if let Some(m) = &force_network_mode {
            if !matches!(m.as_str(), "none" | "host" | "sandbox") {
                return Err(bad(
                    "force-network-mode",
                    format!("invalid network mode {m:?} (use none, host or sandbox)"),
                ));
            }
        }

        let image_resolve_mode = resolve_mode(get("image-resolve-mode").unwrap_or(""))?;
        let convert = Options {
            filename: non_empty("filename").unwrap_or_else(|| "Dockerfile".to_string()),
            target: non_empty("target"),
            build_args: with_prefix(opts, "build-arg:"),
            labels: with_prefix(opts, "label:"),
            target_platforms: platforms,
            build_platform,
            named_contexts: named_contexts(opts)?,
            context_excludes: Vec::new(),
            main_context: main_context(opts, &context_key)?,
            context_subdir: non_empty("contextsubdir"),
            all_stages: false,
            session_id: session_id.filter(|s| !s.is_empty()),
            no_cache: get("no-cache").map(|v| {
                v.split(',')
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect()
            }),
            image_resolve_mode: Some(image_resolve_mode.as_str().to_string()),
            network_mode: force_network_mode,
            extra_hosts: parse_extra_hosts(get("add-hosts").unwrap_or(""))
                .map_err(|m| bad("add-hosts", m))?,
            hostname: non_empty("build-arg:BUILDKIT_SANDBOX_HOSTNAME")
                .or_else(|| non_empty("hostname")),
            shm_size: non_empty("shm-size")
                .map(|v| parse_i64(&v))
                .transpose()
                .map_err(|m| bad("shm-size", m))?,
            ulimits: parse_ulimits(get("ulimit").unwrap_or("")).map_err(|m| bad("ulimit", m))?,
            cgroup_parent: non_empty("cgroup-parent"),
            source_date_epoch: non_empty("build-arg:SOURCE_DATE_EPOCH")
                .map(|v| parse_i64(&v))
                .transpose()
                .map_err(|m| bad("build-arg:SOURCE_DATE_EPOCH", m))?,
            dockerfile_source: None,
            // Told by the daemon's caps once connected (`build::dialect`).
            dialect: Dialect::default(),
        };
        Ok(FrontendOpts {
            convert,
            raw: opts.clone(),
            workers,
            dockerfile_key: non_empty("dockerfilekey").unwrap_or_else(|| "dockerfile".to_string()),
            force_local_dockerfile: opts.contains_key("dockerfilekey"),
            context_key,
            multi_platform,
            image_resolve_mode,
            cache_imports,
            attests: attests(opts)?,
            request_id: non_empty("requestid"),
            frontend_caps: get("frontend.caps")
                .unwrap_or("")
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
            source: non_empty("source"),
            cmdline: non_empty("cmdline"),
            vcs: with_prefix(opts, "vcs:"),
        })
    }
}

/// Collects the `BUILDKIT_FRONTEND_OPT_<i>` variables of `env` into an option map,
/// splitting each value on its first `=` (no `=` means an empty value).
pub fn opts_from_env(env: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    env.iter()
        .filter(|(k, _)| k.starts_with(OPT_ENV_PREFIX))
        .map(|(_, v)| match v.split_once('=') {
            Some((k, v)) => (k.to_string(), v.to_string()),
            None => (v.clone(), String::new()),
        })
        .collect()
}

fn with_prefix(opts: &BTreeMap<String, String>, prefix: &str) -> BTreeMap<String, String> {
    opts.iter()
        .filter_map(|(k, v)| k.strip_prefix(prefix).map(|n| (n.to_string(), v.clone())))
        .collect()
}

fn parse_platform_list(v: &str) -> Result<Vec<Platform>, String> {
    v.split(',')
        .map(|p| match p.trim() {
            "" => Err(format!(
                "empty platform in {v:?} (expected e.g. linux/amd64,linux/arm64)"
            )),
            p => Platform::parse(p).map_err(|e| e.to_string()),
        })
        .collect()
}

fn multi_platform(opts: &BTreeMap<String, String>, platforms: usize) -> Result<bool, OptsError> {
    let key = ["build-arg:BUILDKIT_MULTI_PLATFORM", "multi-platform"]
        .into_iter()
        .find(|k| opts.get(*k).is_some_and(|v| !v.is_empty()));
    let Some(key) = key else {
        return Ok(platforms > 1);
    };
    let wanted = parse_bool(&opts[key]).map_err(|m| bad(key, m))?;
    if !wanted && platforms > 1 {
        return Err(bad(
            key,
            "conflicting config: returning multiple target platforms is not allowed",
        ));
    }
    Ok(wanted)
}

fn resolve_mode(v: &str) -> Result<ResolveMode, OptsError> {
    match v {
        "" | "default" => Ok(ResolveMode::Default),
        "pull" => Ok(ResolveMode::Pull),
        "local" => Ok(ResolveMode::Local),
        _ => Err(bad(
            "image-resolve-mode",
            format!("invalid mode {v:?} (use default, pull or local)"),
        )),
    }
}

fn named_contexts(
    opts: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, NamedContext>, OptsError> {
    let mut out = BTreeMap::new();
    for (key, value) in opts {
        let Some(name) = key.strip_prefix("context:") else {
            continue;
        };
        let bare = name.split_once("::").map_or(name, |(n, _)| n);
        if bare.is_empty() {
            return Err(bad(key, "empty context name"));
        }
        out.insert(
            name.to_string(),
            NamedContext::parse(value).map_err(|m| bad(key, m))?,
        );
    }
    Ok(out)
}

/// The value of the option named by `contextkey`: a git or http(s) URL, or nothing (the client's
/// directory). `BUILDKIT_CONTEXT_KEEP_GIT_DIR` that is not a boolean is ignored, as upstream.
fn main_context(
    opts: &BTreeMap<String, String>,
    context_key: &str,
) -> Result<MainContext, OptsError> {
    let Some(value) = opts.get(context_key).filter(|v| !v.is_empty()) else {
        return Ok(MainContext::Local);
    };
    let keep_git_dir = opts
        .get("build-arg:BUILDKIT_CONTEXT_KEEP_GIT_DIR")
        .and_then(|v| parse_bool(v).ok())
        .unwrap_or(false);
    let context = MainContext::detect(value, keep_git_dir);
    let before_fragment = value.split('#').next().unwrap_or(value);
    if matches!(context, Some(MainContext::Git { .. })) && before_fragment.contains('?') {
        return Err(bad(
            context_key,
            format!(
                "git context {value:?}: query parameters (?ref=, ?subdir=, ?keep-git-dir=) are \
                 not supported by stagetrail yet; write them as a fragment: URL#ref:subdir, and \
                 --build-arg BUILDKIT_CONTEXT_KEEP_GIT_DIR=1"
            ),
        ));
    }
    context.ok_or_else(|| {
        bad(
            context_key,
            format!(
                "build context {value:?} is neither a git URL nor an http(s) URL; build from a \
                 local directory, a git repository (…repo.git#ref:subdir) or an http(s) tarball"
            ),
        )
    })
}

fn attests(opts: &BTreeMap<String, String>) -> Result<BTreeMap<String, String>, OptsError> {
    let mut out = BTreeMap::new();
    for (key, value) in opts {
        let kind = key
            .strip_prefix("attest:")
            .or_else(|| key.strip_prefix("build-arg:BUILDKIT_ATTEST_"));
        let Some(kind) = kind else { continue };
        let kind = kind.to_lowercase();
        if kind != "sbom" && kind != "provenance" {
            return Err(bad(
                key,
                format!("unknown attestation type {kind:?} (use sbom or provenance)"),
            ));
        }
        out.insert(kind, value.clone());
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
