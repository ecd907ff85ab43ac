//! The image config (`dockerspec.DockerOCIImage`) and its history, serialized with
//! Go's field order and `omitempty` rules so the JSON matches the built-in frontend.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};

use super::platform::{default_path_env, Platform};

/// The comment upstream puts on every history entry it writes.
pub const HISTORY_COMMENT: &str = "buildkit.dockerfile.v0";

fn nullable<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

fn is_false(b: &bool) -> bool {
    !*b
}

fn is_zero(n: &i64) -> bool {
    *n == 0
}

/// `struct{}` in Go: serialized as `{}`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Empty {}

/// `HealthcheckConfig` (durations in nanoseconds).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Healthcheck {
    /// `["CMD", …]`, `["CMD-SHELL", cmd]` or `["NONE"]`.
    #[serde(
        rename = "Test",
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub test: Vec<String>,
    /// Interval between checks.
    #[serde(
        rename = "Interval",
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "is_zero"
    )]
    pub interval: i64,
    /// Timeout of one check.
    #[serde(
        rename = "Timeout",
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "is_zero"
    )]
    pub timeout: i64,
    /// Start period.
    #[serde(
        rename = "StartPeriod",
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "is_zero"
    )]
    pub start_period: i64,
    /// Interval during the start period.
    #[serde(
        rename = "StartInterval",
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "is_zero"
    )]
    pub start_interval: i64,
    /// Consecutive failures before unhealthy.
    #[serde(
        rename = "Retries",
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "is_zero"
    )]
    pub retries: i64,
}

/// The runtime config (`DockerOCIImageConfig`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Config {
    /// `USER`.
    #[serde(
        rename = "User",
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub user: String,
    /// `EXPOSE`d ports (`80/tcp`).
    #[serde(
        rename = "ExposedPorts",
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub exposed_ports: BTreeMap<String, Empty>,
    /// Environment, `K=V`, in order.
    #[serde(
        rename = "Env",
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub env: Vec<String>,
    /// `ENTRYPOINT`.
    #[serde(
        rename = "Entrypoint",
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub entrypoint: Vec<String>,
    /// `CMD`.
    #[serde(
        rename = "Cmd",
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub cmd: Vec<String>,
    /// `VOLUME`s.
    #[serde(
        rename = "Volumes",
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub volumes: BTreeMap<String, Empty>,
    /// `WORKDIR`.
    #[serde(
        rename = "WorkingDir",
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub working_dir: String,
    /// `LABEL`s.
    #[serde(
        rename = "Labels",
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub labels: BTreeMap<String, String>,
    /// `STOPSIGNAL`.
    #[serde(
        rename = "StopSignal",
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub stop_signal: String,
    /// Set by `CMD` (upstream sets it unconditionally there).
    #[serde(
        rename = "ArgsEscaped",
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "is_false"
    )]
    pub args_escaped: bool,
    /// `HEALTHCHECK`.
    #[serde(
        rename = "Healthcheck",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub healthcheck: Option<Healthcheck>,
    /// `ONBUILD` triggers.
    #[serde(
        rename = "OnBuild",
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub on_build: Vec<String>,
    /// `SHELL`.
    #[serde(
        rename = "Shell",
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub shell: Vec<String>,
}

/// `rootfs`: `diff_ids` is not `omitempty` upstream (null when unset).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RootFs {
    /// Always `layers`.
    #[serde(rename = "type", default, deserialize_with = "nullable")]
    pub kind: String,
    /// Layer diff IDs.
    #[serde(default)]
    pub diff_ids: Option<Vec<String>>,
}

/// One history entry.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct History {
    /// RFC 3339 time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    /// The instruction text.
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub created_by: String,
    /// Author.
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub author: String,
    /// Comment (`buildkit.dockerfile.v0`).
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub comment: String,
    /// True when the step produced no layer.
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "is_false"
    )]
    pub empty_layer: bool,
}

/// `dockerspec.DockerOCIImage`, fields in Go's JSON order (`config` comes last because
/// it shadows the embedded OCI field).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Image {
    /// Creation time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    /// `MAINTAINER`.
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub author: String,
    /// CPU architecture.
    #[serde(default, deserialize_with = "nullable")]
    pub architecture: String,
    /// Operating system.
    #[serde(default, deserialize_with = "nullable")]
    pub os: String,
    /// OS version (Windows).
    #[serde(
        rename = "os.version",
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub os_version: String,
    /// OS features (Windows).
    #[serde(
        rename = "os.features",
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub os_features: Vec<String>,
    /// CPU variant.
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub variant: String,
    /// Root filesystem.
    #[serde(default, deserialize_with = "nullable")]
    pub rootfs: RootFs,
    /// History.
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub history: Vec<History>,
    /// Runtime config.
    #[serde(default, deserialize_with = "nullable")]
    pub config: Config,
}

impl Image {
    /// Upstream `emptyImage`: the config of `FROM scratch`.
    pub fn empty(platform: &Platform) -> Image {
        Image {
            architecture: platform.architecture.clone(),
            os: platform.os.clone(),
            variant: platform.variant_str().to_string(),
            rootfs: RootFs {
                kind: "layers".into(),
                diff_ids: None,
            },
            config: Config {
                working_dir: "/".into(),
                env: vec![format!("PATH={}", default_path_env(&platform.os))],
                ..Config::default()
            },
            ..Image::default()
        }
    }

    /// Parses a base image config as Go's `json.Unmarshal` into the struct would
    /// (unknown fields dropped, nulls as empty).
    pub fn from_json(v: &serde_json::Value) -> Result<Image, String> {
        Image::deserialize(v).map_err(|e| format!("failed to parse image config: {e}"))
    }

    /// The JSON value, in Go's field order.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }

    /// Upstream `commitToHistory`.
    pub fn commit(&mut self, msg: &str, with_layer: bool, has_state: bool, created: Option<&str>) {
        let mut created_by = msg.to_string();
        if has_state {
            created_by.push_str(" # buildkit");
        }
        self.history.push(History {
            created: created.map(str::to_string),
            created_by,
            author: String::new(),
            comment: HISTORY_COMMENT.into(),
            empty_layer: !with_layer,
        });
    }

    /// Whether the image has no layers (upstream's `isScratch` check on resolved configs).
    pub fn has_no_layers(&self) -> bool {
        self.rootfs.diff_ids.as_ref().is_none_or(|d| d.is_empty())
            && self.history.iter().all(|h| h.empty_layer)
    }
}

/// Upstream `addEnv`: replace `k` in place or append.
pub fn add_env(env: &mut Vec<String>, k: &str, v: &str) {
    let entry = format!("{k}={v}");
    // Byte comparison of the `K=` prefix: a `split` per entry made 5,000 ENVs take seconds.
    let is_key =
        |e: &String| e.len() > k.len() && e.as_bytes()[k.len()] == b'=' && e.starts_with(k);
    match env.iter_mut().find(|e| is_key(e) || e.as_str() == k) {
        Some(slot) => *slot = entry,
        None => env.push(entry),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn scratch_config_matches_go_layout() {
        let img = Image::empty(&Platform::linux_amd64());
        let s = serde_json::to_string(&img.to_json()).unwrap();
        assert_eq!(
            s,
            r#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":null},"config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"WorkingDir":"/"}}"#
        );
    }

    #[test]
    fn base_config_drops_unknown_and_nulls() {
        let v = json!({"architecture":"arm64","os":"linux","variant":"v8","container":"x",
            "config":{"Cmd":null,"Env":["A=b"],"Labels":null,"Hostname":""},
            "rootfs":{"type":"layers","diff_ids":["sha256:1"]},
            "history":[{"created":"2024-01-01T00:00:00Z","created_by":"x","empty_layer":true}]});
        let img = Image::from_json(&v).unwrap();
        assert_eq!(img.config.env, vec!["A=b"]);
        assert!(!img.has_no_layers());
        let out = serde_json::to_string(&img.to_json()).unwrap();
        assert!(!out.contains("container"));
        assert!(out.ends_with(r#""config":{"Env":["A=b"]}}"#));
    }

    #[test]
    fn history_and_env() {
        let mut img = Image::default();
        img.commit("RUN x", true, true, Some("2023-01-01T00:00:00Z"));
        img.commit("ENV a=b", false, false, None);
        assert_eq!(img.history[0].created_by, "RUN x # buildkit");
        assert!(!img.history[0].empty_layer);
        assert!(img.history[1].empty_layer);
        let mut env = vec!["PATH=/x".to_string(), "A=1".to_string()];
        add_env(&mut env, "PATH", "/y");
        add_env(&mut env, "B", "2");
        assert_eq!(env, vec!["PATH=/y", "A=1", "B=2"]);
    }
}
