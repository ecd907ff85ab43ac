//! Looking up base image configs: a trait the gateway implements with
//! `ResolveImageConfig`, the CLI with a JSON file (or nothing).

use std::collections::BTreeMap;

use super::platform::Platform;

/// What an image reference resolved to.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ResolvedImage {
    /// Manifest digest (`sha256:…`) the build pins, if known.
    pub digest: Option<String>,
    /// The OCI/Docker image config JSON (`{}` when unknown).
    pub config: serde_json::Value,
}

/// Looks up base images.
pub trait Resolver {
    /// Resolves a normalized reference (`docker.io/library/alpine:3.19`) for `platform`.
    fn resolve(&self, reference: &str, platform: &Platform) -> Result<ResolvedImage, String>;
}

/// A resolver that knows no image: digest None, config `{}` (defaults apply).
#[derive(Clone, Copy, Debug, Default)]
pub struct NoResolver;

impl Resolver for NoResolver {
    fn resolve(&self, _reference: &str, _platform: &Platform) -> Result<ResolvedImage, String> {
        Ok(ResolvedImage {
            digest: None,
            config: serde_json::json!({}),
        })
    }
}

/// A resolver backed by a map `normalized ref → ResolvedImage` (the CLI's `--resolve`
/// file); unknown references resolve like [`NoResolver`].
#[derive(Clone, Debug, Default)]
pub struct MapResolver {
    /// Known images.
    pub images: BTreeMap<String, ResolvedImage>,
}

impl MapResolver {
    /// Reads `{"<ref>": {"digest": "sha256:…", "config": {…}}}`.
    pub fn from_json(v: &serde_json::Value) -> Result<MapResolver, String> {
        let obj = v
            .as_object()
            .ok_or("the resolve file must hold a JSON object keyed by image reference")?;
        let mut images = BTreeMap::new();
        for (k, e) in obj {
            let digest = match e.get("digest") {
                None | Some(serde_json::Value::Null) => None,
                Some(serde_json::Value::String(s)) => Some(s.clone()),
                Some(_) => return Err(format!("{k}: \"digest\" must be a string")),
            };
            let config = e
                .get("config")
                .cloned()
                .unwrap_or_else(|| serde_json::json!({}));
            if !config.is_object() {
                return Err(format!("{k}: \"config\" must be an object"));
            }
            images.insert(k.clone(), ResolvedImage { digest, config });
        }
        Ok(MapResolver { images })
    }
}

impl Resolver for MapResolver {
    fn resolve(&self, reference: &str, platform: &Platform) -> Result<ResolvedImage, String> {
        match self.images.get(reference) {
            Some(r) => Ok(r.clone()),
            None => NoResolver.resolve(reference, platform),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn map_resolver_reads_file_shape() {
        let r = MapResolver::from_json(&json!({
            "docker.io/library/alpine:3.19": {"digest": "sha256:aa", "config": {"os": "linux"}}
        }))
        .unwrap();
        let p = Platform::linux_amd64();
        let got = r.resolve("docker.io/library/alpine:3.19", &p).unwrap();
        assert_eq!(got.digest.as_deref(), Some("sha256:aa"));
        assert_eq!(r.resolve("x", &p).unwrap().config, json!({}));
        assert!(MapResolver::from_json(&json!([])).is_err());
        assert!(MapResolver::from_json(&json!({"a": {"digest": 1}})).is_err());
    }
}
