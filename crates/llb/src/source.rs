//! SourceOp: images, local dirs, git, http and OCI layouts.

use std::collections::BTreeMap;

use super::meta::OpMeta;
use super::state::{default_platform, empty_constraints, Node, State};
use super::{caps, pb};

impl State {
    /// SourceOp with `identifier` such as `docker-image://docker.io/library/alpine:3.19@sha256:…`,
    /// `local://context`, `git://github.com/x/y#ref` or `https://…`; attrs are sorted.
    ///
    /// As in Go, `Op.platform` is only written for platform-specific sources
    /// (`docker-image://`, `oci-layout://`); for them `None` means [`default_platform`].
    /// The state itself carries `platform` for later ops. Caps are derived from
    /// the scheme and attrs the way Go's `llb.Image/Local/Git/HTTP/OCILayout` add them.
    /// Go adds a random `local.unique` attr to `local://` sources without
    /// `local.session`; we do not (it would break determinism): pass a session.
    pub fn source(
        identifier: &str,
        attrs: BTreeMap<String, String>,
        platform: Option<pb::Platform>,
        meta: OpMeta,
    ) -> State {
        let op_platform = platform_specific(identifier)
            .then(|| platform.clone().unwrap_or_else(default_platform));
        let caps = source_caps(identifier, &attrs);
        let op = pb::Op {
            inputs: vec![],
            op: Some(pb::op::Op::Source(pb::SourceOp {
                identifier: identifier.to_string(),
                attrs,
            })),
            platform: op_platform,
            constraints: empty_constraints(),
        };
        let node = Node::build(&op, vec![], &meta, &caps);
        State::from_node(node, 0, platform)
    }
}

fn platform_specific(identifier: &str) -> bool {
    identifier.starts_with("docker-image://") || identifier.starts_with("oci-layout://")
}

/// The caps Go's source constructors record for this identifier and attrs.
fn source_caps(identifier: &str, attrs: &BTreeMap<String, String>) -> Vec<&'static str> {
    let has = |k: &str| attrs.contains_key(k);
    let mut caps = Vec::new();
    let scheme = identifier.split("://").next().unwrap_or_default();
    match scheme {
        "docker-image" => {
            caps.push(caps::SOURCE_IMAGE);
            if attrs.get("image.resolvemode").map(String::as_str) == Some("pull") {
                caps.push(caps::SOURCE_IMAGE_RESOLVE_MODE);
            }
            if has("image.layerlimit") {
                caps.push(caps::SOURCE_IMAGE_LAYER_LIMIT);
            }
        }
        "local" => {
            caps.push(caps::SOURCE_LOCAL);
            for (attr, cap) in [
                ("local.session", caps::SOURCE_LOCAL_SESSION_ID),
                ("local.includepattern", caps::SOURCE_LOCAL_INCLUDE_PATTERNS),
                ("local.followpaths", caps::SOURCE_LOCAL_FOLLOW_PATHS),
                ("local.excludepatterns", caps::SOURCE_LOCAL_EXCLUDE_PATTERNS),
                ("local.sharedkeyhint", caps::SOURCE_LOCAL_SHARED_KEY_HINT),
                ("local.unique", caps::SOURCE_LOCAL_UNIQUE),
            ] {
                if has(attr) {
                    caps.push(cap);
                }
            }
        }
        "git" => {
            caps.push(caps::SOURCE_GIT);
            if has("git.keepgitdir") {
                caps.push(caps::SOURCE_GIT_KEEP_DIR);
            }
            if has("git.fullurl") {
                caps.push(caps::SOURCE_GIT_FULL_URL);
            }
            // Go adds both for ssh remotes, which always get `git.mountsshsock`.
            if has("git.mountsshsock") {
                caps.push(caps::SOURCE_GIT_KNOWN_SSH_HOSTS);
                caps.push(caps::SOURCE_GIT_MOUNT_SSH_SOCK);
            }
        }
        "http" | "https" => {
            caps.push(caps::SOURCE_HTTP);
            if has("http.checksum") {
                caps.push(caps::SOURCE_HTTP_CHECKSUM);
            }
            if has("http.perm") {
                caps.push(caps::SOURCE_HTTP_PERM);
            }
            if has("http.uid") || has("http.gid") {
                caps.push(caps::SOURCE_HTTP_UID_GID);
            }
        }
        "oci-layout" => caps.push(caps::SOURCE_OCI_LAYOUT),
        _ => {}
    }
    caps
}
