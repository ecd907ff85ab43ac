//! Build contexts: the main `local://context` source and named contexts
//! (`--build-context NAME=…`), as upstream `dockerui` builds them.

use std::collections::{BTreeMap, BTreeSet};

use super::ctx::Ctx;
use super::gitref::{git_source, parse_git_ref};
use super::gofmt::json_string_list;
use super::image::Image;
use super::options::{NamedContext, Options};
use super::platform::Platform;
use super::{err, Error};
use stagetrail_dockerfile::ast::Span;
use stagetrail_llb as llb;
use stagetrail_oci::reference::Reference;

/// `normalizeContextPaths`: relative, sorted; empty when the whole context is used.
fn follow_paths(paths: &BTreeSet<String>) -> Vec<String> {
    if paths.contains("/") {
        return Vec::new();
    }
    paths
        .iter()
        .map(|p| p.trim_start_matches('/').to_string())
        .map(|p| if p.is_empty() { ".".to_string() } else { p })
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

/// The main build context: a git or http(s) context (see [`crate::remote`]), else the client's
/// directory (`[internal] load build context`).
pub(crate) fn main_context(opts: &Options, used: &BTreeSet<String>) -> llb::State {
    if let Some(remote) = opts.main_context.state(opts.context_subdir.as_deref()) {
        return remote;
    }
    let mut attrs = BTreeMap::new();
    if let Some(sid) = &opts.session_id {
        attrs.insert("local.session".to_string(), sid.clone());
    }
    let follow = follow_paths(used);
    if !follow.is_empty() {
        attrs.insert("local.followpaths".to_string(), json_string_list(&follow));
    }
    if !opts.context_excludes.is_empty() {
        attrs.insert(
            "local.excludepatterns".to_string(),
            json_string_list(&opts.context_excludes),
        );
    }
    attrs.insert("local.sharedkeyhint".to_string(), "context".to_string());
    llb::State::source(
        "local://context",
        attrs,
        None,
        llb::OpMeta::named("[internal] load build context"),
    )
}

/// A named context resolved to a state (and an image config for images).
pub(crate) struct NamedCtx {
    pub state: llb::State,
    pub image: Option<Image>,
}

impl Ctx<'_> {
    /// Upstream `NamedContext`: looks up `NAME::platform` then `NAME`.
    pub(crate) fn named_context(
        &mut self,
        name: &str,
        platform: &Platform,
        span: Span,
    ) -> Result<Option<NamedCtx>, Error> {
        if name.eq_ignore_ascii_case("scratch") || name.eq_ignore_ascii_case("context") {
            return Ok(None);
        }
        let opts = self.s.opts;
        if opts.named_contexts.is_empty() {
            return Ok(None);
        }
        let named = Reference::parse_normalized(name).map_err(|e| {
            err(
                span,
                format!("invalid context name {name}: {e}"),
                "context names are image-like names",
            )
        })?;
        let short = named.familiar_without_latest();
        let with_platform = format!("{short}::{}", platform.id());
        let (key, value) = match opts.named_contexts.get(&with_platform) {
            Some(v) => (with_platform, v.clone()),
            None => match opts.named_contexts.get(&short) {
                Some(v) => (short, v.clone()),
                None => return Ok(None),
            },
        };
        self.load_context(&key, &value, platform, span).map(Some)
    }

    fn load_context(
        &mut self,
        key: &str,
        value: &NamedContext,
        platform: &Platform,
        span: Span,
    ) -> Result<NamedCtx, Error> {
        let hint = "check the --build-context value";
        let sid = self.s.opts.session_id.clone();
        let keep_git_dir = self.s.opts.dialect.named_git_context_keeps_git_dir();
        match value {
            NamedContext::Image(r) => {
                if r == "scratch" {
                    return Ok(NamedCtx {
                        state: llb::State::scratch(),
                        image: None,
                    });
                }
                let named = Reference::parse_normalized(r)
                    .map_err(|e| err(span, e.to_string(), hint))?
                    .tag_name_only();
                let resolved = self
                    .resolve(&named.to_string(), platform)
                    .map_err(|e| err(span, e, hint))?;
                let mut img = Image::from_json(&resolved.config).map_err(|e| err(span, e, hint))?;
                img.created = None;
                let state = llb::State::source(
                    &format!("docker-image://{named}"),
                    BTreeMap::new(),
                    Some(llb::pb::Platform::from(platform)),
                    llb::OpMeta::named(format!("[context {key}] {r}")),
                );
                Ok(NamedCtx {
                    state,
                    image: Some(img),
                })
            }
            NamedContext::Git(v) => git_context(v, keep_git_dir, span),
            NamedContext::Http(v) => {
                if parse_git_ref(v).is_some() {
                    return git_context(v, keep_git_dir, span);
                }
                let state = llb::State::source(
                    v,
                    BTreeMap::new(),
                    None,
                    llb::OpMeta::named(format!("[context {key}] {v}")),
                );
                Ok(NamedCtx { state, image: None })
            }
            NamedContext::Local(dir) => {
                let mut attrs = BTreeMap::new();
                if let Some(sid) = sid {
                    attrs.insert("local.session".to_string(), sid);
                }
                attrs.insert("local.sharedkeyhint".to_string(), format!("context:{key}"));
                let state = llb::State::source(
                    &format!("local://{dir}"),
                    attrs,
                    None,
                    llb::OpMeta::named(format!("[context {key}] load from client")),
                );
                Ok(NamedCtx { state, image: None })
            }
            NamedContext::OciLayout(spec) => {
                let (store, digest) = spec.split_once('@').ok_or_else(|| {
                    err(
                        span,
                        format!("oci-layout reference {spec:?} has no digest"),
                        hint,
                    )
                })?;
                let store = store.split(':').next().unwrap_or(store);
                let name = key.split("::").next().unwrap_or(key);
                let dummy = Reference::parse_normalized(name).map_err(|e| {
                    err(
                        span,
                        format!("could not parse oci-layout reference {name:?}: {e}"),
                        hint,
                    )
                })?;
                let resolved = self
                    .resolve(&format!("{dummy}@{digest}"), platform)
                    .map_err(|e| err(span, e, hint))?;
                let img = Image::from_json(&resolved.config).map_err(|e| err(span, e, hint))?;
                let mut attrs = BTreeMap::new();
                if let Some(sid) = sid {
                    attrs.insert("oci.session".to_string(), sid);
                }
                attrs.insert("oci.store".to_string(), store.to_string());
                let state = llb::State::source(
                    &format!("oci-layout://{dummy}"),
                    attrs,
                    Some(llb::pb::Platform::from(platform)),
                    llb::OpMeta::named(format!("[context {key}] OCI load from client")),
                );
                Ok(NamedCtx {
                    state,
                    image: Some(img),
                })
            }
            NamedContext::Input(name) => Err(err(
                span,
                format!("invalid input {name} for {key}"),
                "frontend inputs are only available when running as a BuildKit frontend",
            )),
        }
    }
}

fn git_context(v: &str, keep_git_dir: bool, span: Span) -> Result<NamedCtx, Error> {
    let g = parse_git_ref(v).ok_or_else(|| {
        err(
            span,
            format!("invalid git context {v}"),
            "use a git URL like https://host/repo.git#ref",
        )
    })?;
    let mut reference = g.commit.clone();
    if !g.subdir.is_empty() {
        reference = format!("{reference}:{}", g.subdir);
    }
    let (id, attrs) = git_source(&g.remote, &reference, keep_git_dir);
    let state = llb::State::source(
        &id,
        attrs,
        None,
        llb::OpMeta::named(format!("[internal] load git source {v}")),
    );
    Ok(NamedCtx { state, image: None })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follow_paths_are_relative_and_sorted() {
        let p: BTreeSet<String> = ["/b", "/a/x"].iter().map(|s| s.to_string()).collect();
        assert_eq!(follow_paths(&p), vec!["a/x", "b"]);
        let p: BTreeSet<String> = ["/b", "/"].iter().map(|s| s.to_string()).collect();
        assert!(follow_paths(&p).is_empty());
    }
}
