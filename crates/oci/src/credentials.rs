//! Registry credentials from a Docker client config (`~/.docker/config.json`).
//!
//! Only inline `auths` entries are used (`auth` = base64 `user:password`, or `username`/`password`).
//! Hosts served by `credsStore` or `credHelpers`, and `identitytoken` entries, are skipped with a warning.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use serde::Deserialize;

use super::error::{RegistryError, Result};
use super::reference::DOCKER_HUB;

/// A user name and password (or personal access token) for basic auth and token requests.
#[derive(Clone, PartialEq, Eq)]
pub struct BasicCredentials {
    /// User name.
    pub username: String,
    /// Password or token.
    pub password: String,
}

impl std::fmt::Debug for BasicCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "BasicCredentials({:?}, <redacted>)", self.username)
    }
}

/// What the Docker config says about one registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    /// Inline credentials.
    Found(BasicCredentials),
    /// Nothing configured: anonymous.
    Anonymous,
    /// Credentials exist but we cannot use them; the text says why (anonymous access is tried).
    Skipped(String),
}

/// Credentials read from a Docker client config, keyed by registry host as in image references.
#[derive(Debug, Clone, Default)]
pub struct DockerCredentials {
    auths: BTreeMap<String, Lookup>,
    helpers: BTreeMap<String, String>,
    store: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct ConfigFile {
    #[serde(default)]
    auths: BTreeMap<String, AuthEntry>,
    #[serde(default)]
    creds_store: Option<String>,
    #[serde(default)]
    cred_helpers: BTreeMap<String, String>,
}

#[derive(Deserialize, Default)]
struct AuthEntry {
    #[serde(default)]
    auth: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    password: Option<String>,
    #[serde(default)]
    identitytoken: Option<String>,
}

impl DockerCredentials {
    /// The config file Docker reads: `$DOCKER_CONFIG/config.json`, else `$HOME/.docker/config.json`.
    pub fn default_path() -> Option<PathBuf> {
        if let Some(dir) = std::env::var_os("DOCKER_CONFIG").filter(|d| !d.is_empty()) {
            return Some(PathBuf::from(dir).join("config.json"));
        }
        std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".docker").join("config.json"))
    }

    /// Loads the default config; a missing file means anonymous everywhere.
    pub fn load_default() -> Result<DockerCredentials> {
        match Self::default_path() {
            Some(p) if p.exists() => Self::load(&p),
            _ => Ok(DockerCredentials::default()),
        }
    }

    /// Loads a config file.
    pub fn load(path: &Path) -> Result<DockerCredentials> {
        let at = path.display().to_string();
        let text = std::fs::read(path).map_err(|e| RegistryError::Local {
            at: at.clone().into(),
            message: format!("cannot read docker config: {e}"),
        })?;
        Self::parse(&text, &at)
    }

    /// Parses the JSON text of a config file; `at` names it in errors.
    pub fn parse(text: &[u8], at: &str) -> Result<DockerCredentials> {
        let file: ConfigFile = serde_json::from_slice(text)
            .map_err(|e| RegistryError::json(at, "docker config", &e))?;
        let mut auths = BTreeMap::new();
        for (key, entry) in file.auths {
            let host = normalise_host(&key);
            let lookup = entry_lookup(&key, entry, at)?;
            auths.insert(host, lookup);
        }
        let helpers = file
            .cred_helpers
            .into_iter()
            .map(|(k, v)| (normalise_host(&k), v))
            .collect();
        Ok(DockerCredentials {
            auths,
            helpers,
            store: file.creds_store.filter(|s| !s.is_empty()),
        })
    }

    /// Credentials for `registry` (as in [`super::Reference::registry`], e.g. `docker.io`, `host:5000`).
    pub fn lookup(&self, registry: &str) -> Lookup {
        let host = normalise_host(registry);
        if let Some(helper) = self.helpers.get(&host) {
            return Lookup::Skipped(format!(
                "credential helper docker-credential-{helper} for {host} is not supported; trying anonymous access"
            ));
        }
        match self.auths.get(&host) {
            Some(Lookup::Anonymous) | None => match &self.store {
                Some(store) => Lookup::Skipped(format!(
                    "credentials store docker-credential-{store} is not supported; trying anonymous access to {host}"
                )),
                None => Lookup::Anonymous,
            },
            Some(found) => found.clone(),
        }
    }
}

fn entry_lookup(key: &str, entry: AuthEntry, at: &str) -> Result<Lookup> {
    if let Some(auth) = entry.auth.filter(|a| !a.is_empty()) {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(auth.trim())
            .map_err(|e| RegistryError::Local {
                at: at.into(),
                message: format!("auths[{key:?}].auth is not base64: {e}"),
            })?;
        let text = String::from_utf8(decoded).map_err(|_| RegistryError::Local {
            at: at.into(),
            message: format!("auths[{key:?}].auth is not UTF-8"),
        })?;
        let (user, pass) = text.split_once(':').ok_or_else(|| RegistryError::Local {
            at: at.into(),
            message: format!("auths[{key:?}].auth does not decode to `user:password`"),
        })?;
        return Ok(Lookup::Found(BasicCredentials {
            username: user.into(),
            password: pass.into(),
        }));
    }
    if let (Some(username), Some(password)) = (entry.username, entry.password) {
        return Ok(Lookup::Found(BasicCredentials { username, password }));
    }
    if entry.identitytoken.is_some_and(|t| !t.is_empty()) {
        return Ok(Lookup::Skipped(format!("identity tokens (auths[{key:?}].identitytoken) are not supported; trying anonymous access")));
    }
    Ok(Lookup::Anonymous)
}

/// `https://index.docker.io/v1/` → `docker.io`; `http://host:5000/v2/` → `host:5000`.
fn normalise_host(key: &str) -> String {
    let rest = key
        .strip_prefix("https://")
        .or_else(|| key.strip_prefix("http://"))
        .unwrap_or(key);
    let host = rest.split('/').next().unwrap_or(rest).to_ascii_lowercase();
    match host.as_str() {
        "index.docker.io" | "registry-1.docker.io" | "registry.hub.docker.com" => {
            DOCKER_HUB.to_string()
        }
        _ => host,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creds(user: &str, pass: &str) -> Lookup {
        Lookup::Found(BasicCredentials {
            username: user.into(),
            password: pass.into(),
        })
    }

    #[test]
    fn reads_inline_auths() {
        let cfg = br#"{"auths":{
            "https://index.docker.io/v1/":{"auth":"dXNlcjpwYTpzcw=="},
            "127.0.0.1:5000":{"username":"a","password":"b"},
            "http://reg.example:8080/v2/":{"auth":"eDp5"},
            "tok.example":{"identitytoken":"t"}}}"#;
        let c = DockerCredentials::parse(cfg, "config.json").unwrap();
        assert_eq!(c.lookup("docker.io"), creds("user", "pa:ss"));
        assert_eq!(c.lookup("127.0.0.1:5000"), creds("a", "b"));
        assert_eq!(c.lookup("reg.example:8080"), creds("x", "y"));
        assert!(matches!(c.lookup("tok.example"), Lookup::Skipped(m) if m.contains("identity")));
        assert_eq!(c.lookup("other.example"), Lookup::Anonymous);
    }

    #[test]
    fn helpers_are_skipped_with_a_reason() {
        let cfg = br#"{"auths":{"a.example":{}},"credsStore":"desktop","credHelpers":{"gcr.io":"gcloud"}}"#;
        let c = DockerCredentials::parse(cfg, "config.json").unwrap();
        assert!(
            matches!(c.lookup("gcr.io"), Lookup::Skipped(m) if m.contains("docker-credential-gcloud"))
        );
        assert!(
            matches!(c.lookup("a.example"), Lookup::Skipped(m) if m.contains("docker-credential-desktop"))
        );
    }

    #[test]
    fn bad_config_has_a_location() {
        let err = DockerCredentials::parse(b"{\"auths\":{\"x\":{\"auth\":\"%%\"}}}", "cfg.json")
            .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("cfg.json: auths[\"x\"].auth is not base64"),
            "{err}"
        );
        let err = DockerCredentials::parse(b"{\n\"auths\": 3}", "cfg.json").unwrap_err();
        assert!(err.to_string().starts_with("cfg.json:2:"), "{err}");
    }
}
