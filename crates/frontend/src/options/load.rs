//! Reading the Dockerfile and `.dockerignore` through the gateway
//! (dockerui `ReadEntrypoint` / `MainContext`; see docs/architecture.md).

use std::collections::BTreeMap;

use super::opts::FrontendOpts;
use crate::bridge::caps::ids;
use crate::bridge::{Bridge, BridgeError};
use stagetrail_convert::remote::{is_archive, HTTP_CONTEXT_FILENAME};
use stagetrail_convert::MainContext;
use stagetrail_llb::{self as llb, pb, OpMeta, State};

/// How many bytes of an http(s) context tell whether it is an archive (upstream reads 1024).
const ARCHIVE_PEEK: i64 = 1024;

/// The Dockerfile as read from the client.
#[derive(Clone, Debug, PartialEq)]
pub struct LoadedDockerfile {
    /// Its bytes.
    pub data: Vec<u8>,
    /// The Definition it was read from (for `SourceInfo.definition`).
    pub definition: pb::Definition,
    /// Digest of that Definition's head vertex (what `Warn` attaches to).
    pub vertex: String,
    /// `<filename>.dockerignore` beside it, when present.
    pub dockerignore: Option<Vec<u8>>,
}

/// The digest of the op a Definition's terminal op points at (`""` if empty).
pub fn head_digest(def: &pb::Definition) -> String {
    use prost::Message as _;
    def.def
        .last()
        .and_then(|b| pb::Op::decode(b.as_slice()).ok())
        .and_then(|op| op.inputs.first().map(|i| i.digest.clone()))
        .unwrap_or_default()
}

fn local(name: &str, opts: &FrontendOpts, attrs: &[(&str, String)], title: String) -> State {
    let mut all: BTreeMap<String, String> = attrs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    if let Some(sid) = &opts.convert.session_id {
        all.insert("local.session".to_string(), sid.clone());
    }
    State::source(&format!("local://{name}"), all, None, OpMeta::named(title))
}

fn json_list(items: &[String]) -> String {
    serde_json::to_string(items).unwrap_or_else(|_| "[]".to_string())
}

/// Downloads an http(s) main context and looks at its first bytes, as upstream's `initContext`:
/// an archive is unpacked and is the context; any other download is the Dockerfile itself, whose
/// name becomes `context`. Other contexts are left as they are.
pub async fn settle_http_context(
    bridge: &Bridge,
    opts: &mut FrontendOpts,
) -> Result<(), BridgeError> {
    let Some(download) = opts.convert.main_context.http_download() else {
        return Ok(());
    };
    let ref_id = bridge.solve(llb::marshal(&download, None)).await?;
    let header = bridge
        .read_file(&ref_id, HTTP_CONTEXT_FILENAME, Some((0, ARCHIVE_PEEK)))
        .await?;
    if let MainContext::Http { archive, .. } = &mut opts.convert.main_context {
        *archive = is_archive(&header);
        if !*archive {
            opts.convert.filename = HTTP_CONTEXT_FILENAME.to_string();
        }
    }
    Ok(())
}

/// Reads the Dockerfile: from a git or http(s) main context when there is one, else from
/// frontend input `dockerfile` when the client sent one (unless `dockerfilekey` forces the
/// local), else from the local named by `dockerfilekey`; also reads
/// `<filename>.dockerignore` from the same place.
pub async fn load_dockerfile(
    bridge: &Bridge,
    opts: &FrontendOpts,
) -> Result<LoadedDockerfile, BridgeError> {
    let filename = opts.convert.filename.as_str();
    let input = match opts.convert.main_context.source() {
        _ if opts.force_local_dockerfile => None,
        Some(remote) => Some(llb::marshal(&remote, None)),
        None if bridge.has_cap(ids::FRONTEND_INPUTS) => {
            bridge.inputs().await?.remove(&opts.dockerfile_key)
        }
        None => None,
    };
    let lower = lowercase_fallback(filename);
    let definition = match input {
        Some(def) => def,
        None => {
            let mut follow = vec![filename.to_string(), format!("{filename}.dockerignore")];
            follow.extend(lower.clone());
            let st = local(
                &opts.dockerfile_key,
                opts,
                &[
                    ("local.differ", "none".to_string()),
                    ("local.followpaths", json_list(&follow)),
                    ("local.sharedkeyhint", opts.dockerfile_key.clone()),
                ],
                format!("[internal] load build definition from {filename}"),
            );
            llb::marshal(&st, None)
        }
    };
    let vertex = head_digest(&definition);
    let ref_id = bridge.solve(definition.clone()).await?;
    let data = match bridge.read_file(&ref_id, filename, None).await {
        Ok(d) => d,
        Err(e) => match &lower {
            Some(l) => bridge.read_file(&ref_id, l, None).await.map_err(|_| e)?,
            None => return Err(e),
        },
    };
    let dockerignore = bridge
        .read_file(&ref_id, &format!("{filename}.dockerignore"), None)
        .await
        .ok();
    Ok(LoadedDockerfile {
        data,
        definition,
        vertex,
        dockerignore,
    })
}

/// `dir/dockerfile` when the file is named `Dockerfile` (upstream also tries it).
fn lowercase_fallback(filename: &str) -> Option<String> {
    let (dir, base) = match filename.rsplit_once('/') {
        Some((d, b)) => (Some(d), b),
        None => (None, filename),
    };
    (base == "Dockerfile").then(|| match dir {
        Some(d) => format!("{d}/dockerfile"),
        None => "dockerfile".to_string(),
    })
}

/// The `.dockerignore` patterns of the build: `<filename>.dockerignore` beside the Dockerfile,
/// else `.dockerignore` at the root of the main context; none for a git or http(s) context
/// (upstream's `MainContext` returns those as they are).
pub async fn context_excludes(
    bridge: &Bridge,
    opts: &FrontendOpts,
    loaded: &LoadedDockerfile,
) -> Result<Vec<String>, BridgeError> {
    if opts.convert.main_context != stagetrail_convert::MainContext::Local {
        return Ok(Vec::new());
    }
    let ignore = match &loaded.dockerignore {
        Some(d) => d.clone(),
        None => load_context_dockerignore(bridge, opts).await?,
    };
    Ok(stagetrail_dockerfile::dockerignore::parse(
        &String::from_utf8_lossy(&ignore),
    ))
}

/// Reads `.dockerignore` at the root of the main context (`local://context`);
/// a missing file reads as empty.
pub async fn load_context_dockerignore(
    bridge: &Bridge,
    opts: &FrontendOpts,
) -> Result<Vec<u8>, BridgeError> {
    let st = local(
        "context",
        opts,
        &[
            ("local.differ", "none".to_string()),
            (
                "local.followpaths",
                json_list(&[".dockerignore".to_string()]),
            ),
            ("local.sharedkeyhint", "context-.dockerignore".to_string()),
        ],
        "[internal] load .dockerignore".to_string(),
    );
    let ref_id = bridge.solve(llb::marshal(&st, None)).await?;
    Ok(bridge
        .read_file(&ref_id, ".dockerignore", None)
        .await
        .unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowercase_fallback_only_for_dockerfile() {
        assert_eq!(
            lowercase_fallback("Dockerfile").as_deref(),
            Some("dockerfile")
        );
        assert_eq!(
            lowercase_fallback("a/Dockerfile").as_deref(),
            Some("a/dockerfile")
        );
        assert_eq!(lowercase_fallback("Dockerfile.prod"), None);
    }

    #[test]
    fn local_source_definition_points_at_the_source() {
        let mut opts = FrontendOpts::default();
        opts.convert.session_id = Some("s1".into());
        let st = local("dockerfile", &opts, &[], "x".into());
        let def = llb::marshal(&st, None);
        assert_eq!(def.def.len(), 2);
        assert_eq!(head_digest(&def), st.digest().unwrap());
    }
}
