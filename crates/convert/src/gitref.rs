//! Git URL detection and the git SourceOp identifier, as upstream `util/gitutil`
//! (`ParseGitRef`, `ParseURL`) and `llb.Git` build them.

use std::collections::BTreeMap;

use stagetrail_dockerfile::dockerignore::clean_path;

/// A parsed git URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GitUrl {
    /// `https`, `http`, `ssh` or `git`.
    pub scheme: String,
    /// Host (with port).
    pub host: String,
    /// Path on the host.
    pub path: String,
    /// The URL without its fragment.
    pub remote: String,
    /// `#ref:subdir` fragment parts.
    pub fragment: Option<(String, String)>,
}

const PROTOCOLS: &[&str] = &["http", "https", "ssh", "git"];

fn split_fragment(s: &str) -> (&str, Option<(String, String)>) {
    match s.split_once('#') {
        Some((base, frag)) if !frag.is_empty() => {
            let (r, sub) = frag.split_once(':').unwrap_or((frag, ""));
            (base, Some((r.to_string(), sub.to_string())))
        }
        Some((base, _)) => (base, None),
        None => (s, None),
    }
}

/// `gitutil.ParseURL`: `Err(true)` = unknown protocol, `Err(false)` = invalid.
fn parse_url(remote: &str) -> Result<GitUrl, bool> {
    let proto_len = remote
        .find("://")
        .filter(|&i| i > 0 && remote[..i].chars().all(|c| c.is_ascii_alphanumeric()));
    if let Some(i) = proto_len {
        let scheme = remote[..i].to_ascii_lowercase();
        if !PROTOCOLS.contains(&scheme.as_str()) {
            return Err(false);
        }
        let (base, fragment) = split_fragment(remote);
        let rest = &base[i + 3..];
        let (authority, path) = match rest.find('/') {
            Some(j) => (&rest[..j], &rest[j..]),
            None => (rest, ""),
        };
        let host = authority.rsplit('@').next().unwrap_or("").to_string();
        let path = path.split('?').next().unwrap_or("").to_string();
        return Ok(GitUrl {
            scheme,
            host,
            path,
            remote: base.to_string(),
            fragment,
        });
    }
    // scp-style: user@host:path[#fragment]
    let (user, rest) = remote.split_once('@').ok_or(true)?;
    let user_ok = !user.is_empty()
        && user
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    let (host, after) = rest.split_once(':').ok_or(true)?;
    let host_ok = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
    if !user_ok || !host_ok {
        return Err(true);
    }
    let (path, fragment) = split_fragment(after);
    Ok(GitUrl {
        scheme: "ssh".into(),
        host: host.to_string(),
        path: path.to_string(),
        remote: format!("{user}@{host}:{path}"),
        fragment,
    })
}

/// A git reference found in an `ADD` source or a context value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GitRef {
    /// The repository URL (no fragment).
    pub remote: String,
    /// Branch, tag or commit from the fragment.
    pub commit: String,
    /// Subdirectory from the fragment.
    pub subdir: String,
}

/// `gitutil.ParseGitRef`, returning `None` for anything that is not a distinguishable
/// git URL (local paths, `github.com/…` without scheme, http URLs not ending in `.git`).
pub fn parse_git_ref(s: &str) -> Option<GitRef> {
    if s.starts_with("./") || s.starts_with("../") || s.starts_with("github.com/") {
        return None;
    }
    let url = match parse_url(s) {
        Err(true) => parse_url(&format!("https://{s}")).ok()?,
        Err(false) => return None,
        Ok(u) => u,
    };
    if (url.scheme == "http" || url.scheme == "https") && !url.path.ends_with(".git") {
        return None;
    }
    let (commit, subdir) = url.fragment.clone().unwrap_or_default();
    Some(GitRef {
        remote: url.remote,
        commit,
        subdir,
    })
}

/// The SourceOp identifier and attrs `llb.Git(remote, ref)` produces.
pub fn git_source(
    remote: &str,
    git_ref: &str,
    keep_git_dir: bool,
) -> (String, BTreeMap<String, String>) {
    let parsed = match parse_url(remote) {
        Err(true) => parse_url(&format!("https://{remote}")),
        other => other,
    };
    let mut attrs = BTreeMap::new();
    let id = match &parsed {
        Ok(u) => {
            let mut id = format!("{}{}", u.host, clean_abs(&u.path));
            if !git_ref.is_empty() {
                id.push('#');
                id.push_str(git_ref);
            }
            id
        }
        Err(_) => remote.to_string(),
    };
    let full = parsed
        .as_ref()
        .map(|u| u.remote.clone())
        .unwrap_or_else(|_| remote.to_string());
    if keep_git_dir {
        attrs.insert("git.keepgitdir".into(), "true".into());
    }
    if !full.is_empty() {
        attrs.insert("git.fullurl".into(), full);
    }
    attrs.insert("git.authtokensecret".into(), "GIT_AUTH_TOKEN".into());
    attrs.insert("git.authheadersecret".into(), "GIT_AUTH_HEADER".into());
    if parsed.as_ref().is_ok_and(|u| u.scheme == "ssh") {
        attrs.insert("git.mountsshsock".into(), "default".into());
    }
    (format!("git://{id}"), attrs)
}

/// `path.Join("/", p)`.
pub fn clean_abs(p: &str) -> String {
    clean_path(&format!("/{p}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_git_refs() {
        let g = parse_git_ref("https://github.com/moby/buildkit.git#v0.13.2:docs").unwrap();
        assert_eq!(g.remote, "https://github.com/moby/buildkit.git");
        assert_eq!(g.commit, "v0.13.2");
        assert_eq!(g.subdir, "docs");
        assert!(parse_git_ref("git@github.com:moby/buildkit.git").is_some());
        assert!(parse_git_ref("git://host/repo").is_some());
        assert!(parse_git_ref("foo.txt").is_none());
        assert!(parse_git_ref("src/").is_none());
        assert!(parse_git_ref("https://example.com/file.tar.gz").is_none());
        assert!(parse_git_ref("github.com/moby/buildkit").is_none());
        assert!(parse_git_ref("./x").is_none());
    }

    #[test]
    fn builds_llb_git_identifier() {
        let (id, attrs) = git_source("https://github.com/moby/buildkit.git", "v1:docs", true);
        assert_eq!(id, "git://github.com/moby/buildkit.git#v1:docs");
        assert_eq!(attrs["git.fullurl"], "https://github.com/moby/buildkit.git");
        assert_eq!(attrs["git.keepgitdir"], "true");
        let (id, attrs) = git_source("git@github.com:moby/buildkit.git", "", false);
        assert_eq!(id, "git://github.com/moby/buildkit.git");
        assert_eq!(attrs["git.mountsshsock"], "default");
        assert_eq!(clean_abs("a/../b/./c/"), "/b/c");
    }
}
