//! Build options: everything the frontend options (or CLI flags) say about a build.

use std::collections::BTreeMap;

use super::dialect::Dialect;
use super::platform::Platform;
use super::remote::MainContext;
use stagetrail_llb::pb;

/// Where a named context (`--build-context name=…`, frontend opt `context:name`) comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NamedContext {
    /// `docker-image://ref`: an image (or `scratch`).
    Image(String),
    /// `local:name`: a client directory.
    Local(String),
    /// A git URL.
    Git(String),
    /// An http(s) URL (a git URL ending in `.git` is treated as git).
    Http(String),
    /// `oci-layout://store@sha256:…`.
    OciLayout(String),
    /// `input:name`: a frontend input.
    Input(String),
}

impl NamedContext {
    /// Parses a `--build-context` value as upstream's `namedContextRecursive` does.
    pub fn parse(value: &str) -> Result<NamedContext, String> {
        let Some((kind, rest)) = value.split_once(':') else {
            return Err(format!("invalid context specifier {value}"));
        };
        let kind = if kind.starts_with("git@") {
            "git"
        } else {
            kind
        };
        match kind {
            "docker-image" => Ok(NamedContext::Image(
                rest.trim_start_matches("//").to_string(),
            )),
            "git" => Ok(NamedContext::Git(value.to_string())),
            "http" | "https" => Ok(NamedContext::Http(value.to_string())),
            "oci-layout" => Ok(NamedContext::OciLayout(
                rest.trim_start_matches("//").to_string(),
            )),
            "local" => Ok(NamedContext::Local(rest.to_string())),
            "input" => Ok(NamedContext::Input(rest.to_string())),
            other => Err(format!("unsupported context source {other}")),
        }
    }
}

/// Everything the frontend options say about a build. Default = single platform
/// linux/amd64 (implicit), no args.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Options {
    /// Resolve and dispatch every stage, not only those the target needs (upstream's
    /// `AllStages`, what `--check` converts with).
    pub all_stages: bool,
    /// Dockerfile name for error messages and SourceInfo (default "Dockerfile").
    pub filename: String,
    /// `--target` stage name.
    pub target: Option<String>,
    /// `build-arg:*`.
    pub build_args: BTreeMap<String, String>,
    /// `label:*`, added to the target image config.
    pub labels: BTreeMap<String, String>,
    /// Target platforms; empty = the build platform, implicitly (image platform comes
    /// from the base image then, as upstream).
    pub target_platforms: Vec<Platform>,
    /// From BUILDKIT_WORKERS; None = linux/amd64.
    pub build_platform: Option<Platform>,
    /// `context:NAME` values, keyed by NAME (may carry a `::os/arch` suffix).
    pub named_contexts: BTreeMap<String, NamedContext>,
    /// `.dockerignore` patterns (already parsed).
    pub context_excludes: Vec<String>,
    /// Where the main context comes from (frontend option `context`; local by default).
    pub main_context: MainContext,
    /// `contextsubdir`: only this directory of a git or http(s) main context is the context.
    pub context_subdir: Option<String>,
    /// `local.session` attr on local sources.
    pub session_id: Option<String>,
    /// `no-cache`: Some(empty) = all stages, else the named stages.
    pub no_cache: Option<Vec<String>>,
    /// `image-resolve-mode`: "default" | "pull" | "local".
    pub image_resolve_mode: Option<String>,
    /// `force-network-mode`: "sandbox" | "host" | "none".
    pub network_mode: Option<String>,
    /// `add-hosts`: (host, ip).
    pub extra_hosts: Vec<(String, String)>,
    /// `hostname`.
    pub hostname: Option<String>,
    /// `shm-size` in bytes.
    pub shm_size: Option<i64>,
    /// `ulimit`.
    pub ulimits: Vec<pb::Ulimit>,
    /// `cgroup-parent`.
    pub cgroup_parent: Option<String>,
    /// `SOURCE_DATE_EPOCH` (unix seconds).
    pub source_date_epoch: Option<i64>,
    /// The Dockerfile bytes for Definition.Source (SourceInfo.data).
    pub dockerfile_source: Option<Vec<u8>>,
    /// The built-in frontend release whose history text and ARG scoping to reproduce.
    pub dialect: Dialect,
}

impl Options {
    /// The Dockerfile name, "Dockerfile" when unset.
    pub fn filename(&self) -> &str {
        if self.filename.is_empty() {
            "Dockerfile"
        } else {
            &self.filename
        }
    }

    /// Whether stage `name` has its cache disabled (`no-cache`).
    pub fn is_no_cache(&self, name: &str) -> bool {
        match &self.no_cache {
            None => false,
            Some(list) if list.is_empty() => true,
            Some(list) => list.iter().any(|n| n.eq_ignore_ascii_case(name)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_context_values() {
        assert_eq!(
            NamedContext::parse("docker-image://alpine:3").unwrap(),
            NamedContext::Image("alpine:3".into())
        );
        assert_eq!(
            NamedContext::parse("git@github.com:a/b.git").unwrap(),
            NamedContext::Git("git@github.com:a/b.git".into())
        );
        assert_eq!(
            NamedContext::parse("local:ctx").unwrap(),
            NamedContext::Local("ctx".into())
        );
        assert!(NamedContext::parse("nonsense").is_err());
        assert!(NamedContext::parse("ftp://x").is_err());
    }

    #[test]
    fn no_cache_matching() {
        let mut o = Options::default();
        assert!(!o.is_no_cache("a"));
        o.no_cache = Some(vec![]);
        assert!(o.is_no_cache("a"));
        o.no_cache = Some(vec!["Build".into()]);
        assert!(o.is_no_cache("build"));
        assert!(!o.is_no_cache("other"));
    }
}
