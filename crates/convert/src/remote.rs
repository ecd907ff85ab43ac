//! A main build context that is not a client directory: a git repository or an http(s) download
//! (frontend option `context`), and `contextsubdir`, as upstream `dockerui` builds them
//! (`initContext`, `DetectGitContext`, `DetectHTTPContext`, `scopeToSubDir`).

use std::collections::BTreeMap;

use super::gitref::{git_source, parse_git_ref};
use stagetrail_llb::{CopyInfo, FileActions, OpMeta, State};
use stagetrail_oci::starts_with_tar_header;

/// The file name an http(s) context is downloaded as (upstream's `DetectHTTPContext`).
pub const HTTP_CONTEXT_FILENAME: &str = "context";

/// Where the main build context comes from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum MainContext {
    /// The client's directory, `local://context` (the default).
    #[default]
    Local,
    /// A git URL (`git://host/repo.git#ref:subdir`, `https://host/repo.git#ref`, `git@host:repo`).
    Git {
        /// The URL as the client sent it (also the progress name).
        url: String,
        /// `BUILDKIT_CONTEXT_KEEP_GIT_DIR`: keep `.git` in the context.
        keep_git_dir: bool,
    },
    /// An http(s) URL, downloaded as the file `context`.
    Http {
        /// The URL.
        url: String,
        /// The download starts like a tarball (plain, gzip, bzip2 or xz): it is unpacked and is
        /// the context; otherwise the download is the Dockerfile itself.
        archive: bool,
    },
}

impl MainContext {
    /// Reads the value of the frontend option `context`: a git URL when upstream's
    /// `ParseGitRef` accepts it, else an http(s) URL (its `archive` flag still to be told by
    /// [`is_archive`] once downloaded); `None` for anything else.
    pub fn detect(value: &str, keep_git_dir: bool) -> Option<MainContext> {
        if parse_git_ref(value).is_some() {
            return Some(MainContext::Git {
                url: value.to_string(),
                keep_git_dir,
            });
        }
        (value.starts_with("http://") || value.starts_with("https://")).then(|| MainContext::Http {
            url: value.to_string(),
            archive: false,
        })
    }

    /// The download itself, before archive detection (`None` unless http).
    pub fn http_download(&self) -> Option<State> {
        match self {
            MainContext::Http { url, .. } => Some(http_state(url)),
            _ => None,
        }
    }

    /// The state the Dockerfile is read from (upstream's `bctx.dockerfile`): the repository,
    /// the unpacked archive or the download; `None` for a local context.
    pub fn source(&self) -> Option<State> {
        match self {
            MainContext::Local => None,
            MainContext::Git { url, keep_git_dir } => git_state(url, *keep_git_dir),
            MainContext::Http { url, archive } => {
                let download = http_state(url);
                if !archive {
                    return Some(download);
                }
                let unpack = FileActions::new().copy(
                    &download,
                    CopyInfo {
                        src: format!("/{HTTP_CONTEXT_FILENAME}"),
                        dest: "/".to_string(),
                        attempt_unpack: true,
                        ..CopyInfo::default()
                    },
                );
                Some(State::scratch().file(unpack, OpMeta::default()))
            }
        }
    }

    /// The main context's state: [`MainContext::source`] narrowed to `subdir` (`contextsubdir`)
    /// when one is given.
    pub fn state(&self, subdir: Option<&str>) -> Option<State> {
        let source = self.source()?;
        Some(match subdir {
            Some(dir) => scope_to_subdir(&source, dir),
            None => source,
        })
    }
}

fn git_state(url: &str, keep_git_dir: bool) -> Option<State> {
    let g = parse_git_ref(url)?;
    let mut reference = g.commit.clone();
    if !g.subdir.is_empty() {
        reference = format!("{reference}:{}", g.subdir);
    }
    let (id, attrs) = git_source(&g.remote, &reference, keep_git_dir);
    Some(State::source(
        &id,
        attrs,
        None,
        OpMeta::named(format!("[internal] load git source {url}")),
    ))
}

fn http_state(url: &str) -> State {
    let attrs = BTreeMap::from([(
        "http.filename".to_string(),
        HTTP_CONTEXT_FILENAME.to_string(),
    )]);
    State::source(
        url,
        attrs,
        None,
        OpMeta::named("[internal] load remote build context"),
    )
}

/// `scopeToSubDir`: the directory's contents copied onto scratch (an unnamed FileOp).
fn scope_to_subdir(source: &State, dir: &str) -> State {
    let copy = FileActions::new().copy(
        source,
        CopyInfo {
            src: dir.to_string(),
            dest: "/".to_string(),
            dir_copy_contents: true,
            ..CopyInfo::default()
        },
    );
    State::scratch().file(copy, OpMeta::default())
}

/// Upstream's `isArchive` on the first bytes of a download: bzip2, gzip or xz magic, or a
/// valid tar header.
pub fn is_archive(header: &[u8]) -> bool {
    const MAGIC: [&[u8]; 3] = [
        &[0x42, 0x5A, 0x68],
        &[0x1F, 0x8B, 0x08],
        &[0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00],
    ];
    MAGIC.iter().any(|m| header.starts_with(m)) || starts_with_tar_header(header)
}

#[cfg(test)]
mod tests;
