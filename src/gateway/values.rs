//! Parsers for single frontend option values (`add-hosts`, `ulimit`, `context:*`, …).
//! Each returns a plain message; the caller names the option it came from.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::net::IpAddr;

use super::csv::split_record;
use crate::proto::pb;

/// Go's `strconv.ParseBool`.
pub fn parse_bool(v: &str) -> Result<bool, String> {
    match v {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Ok(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Ok(false),
        _ => Err(format!("{v:?} is not a boolean (use true or false)")),
    }
}

/// A decimal 64-bit integer.
pub fn parse_i64(v: &str) -> Result<i64, String> {
    v.trim()
        .parse::<i64>()
        .map_err(|_| format!("{v:?} is not a whole number"))
}

/// `add-hosts`: CSV of `host=ip` (host lowercased, ip validated).
pub fn parse_extra_hosts(v: &str) -> Result<Vec<(String, String)>, String> {
    if v.is_empty() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for field in split_record(v)? {
        let lower = field.to_lowercase();
        let (host, ip) = lower
            .split_once('=')
            .ok_or_else(|| format!("invalid key-value pair {field:?} (expected host=ip)"))?;
        ip.parse::<IpAddr>()
            .map_err(|_| format!("failed to parse IP {ip:?} for host {host:?}"))?;
        out.push((host.to_string(), ip.to_string()));
    }
    Ok(out)
}

/// The resource names `ulimit` accepts (go-units).
const ULIMIT_NAMES: &[&str] = &[
    "core",
    "cpu",
    "data",
    "fsize",
    "locks",
    "memlock",
    "msgqueue",
    "nice",
    "nofile",
    "nproc",
    "rss",
    "rtprio",
    "rttime",
    "sigpending",
    "stack",
];

/// `ulimit`: CSV of `name=soft[:hard]`.
pub fn parse_ulimits(v: &str) -> Result<Vec<pb::Ulimit>, String> {
    if v.is_empty() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for field in split_record(v)? {
        let (name, limits) = field.split_once('=').ok_or_else(|| {
            format!("invalid ulimit argument {field:?} (expected name=soft[:hard])")
        })?;
        if !ULIMIT_NAMES.contains(&name) {
            return Err(format!(
                "invalid ulimit type {name:?} (one of {})",
                ULIMIT_NAMES.join(", ")
            ));
        }
        let (soft, hard) = match limits.split_once(':') {
            Some((s, h)) => (parse_i64(s)?, parse_i64(h)?),
            None => {
                let s = parse_i64(limits)?;
                (s, s)
            }
        };
        if soft > hard {
            return Err(format!(
                "ulimit {name}: soft limit must be less than or equal to hard limit: {soft} > {hard}"
            ));
        }
        out.push(pb::Ulimit {
            name: name.to_string(),
            soft,
            hard,
        });
    }
    Ok(out)
}

/// A cache source for `SolveRequest.CacheImports` (`cache-imports` JSON or `cache-from`).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct CacheImport {
    /// e.g. `registry`, `local`, `gha`.
    #[serde(rename = "Type", alias = "type")]
    pub kind: String,
    /// Exporter-specific attributes, e.g. `ref`.
    #[serde(rename = "Attrs", alias = "attrs", default)]
    pub attrs: BTreeMap<String, String>,
}

/// `cache-imports`: JSON `[{"Type":…,"Attrs":{…}}]`.
pub fn parse_cache_imports(v: &str) -> Result<Vec<CacheImport>, String> {
    if v.is_empty() {
        return Ok(Vec::new());
    }
    let list: Option<Vec<CacheImport>> =
        serde_json::from_str(v).map_err(|e| format!("not a JSON list of cache entries: {e}"))?;
    Ok(list.unwrap_or_default())
}

/// `cache-from` (legacy): comma list of registry references.
pub fn parse_cache_from(v: &str) -> Vec<CacheImport> {
    v.split(',')
        .filter(|s| !s.is_empty())
        .map(|s| CacheImport {
            kind: "registry".to_string(),
            attrs: BTreeMap::from([("ref".to_string(), s.to_string())]),
        })
        .collect()
}

/// Where a named context (`context:NAME`) comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ContextSource {
    /// `docker-image://REF` (`scratch` included as a reference).
    Image(String),
    /// `local:NAME`: a local directory the client sends as NAME.
    Local(String),
    /// `git://…`, `git@…` or a `git` URL: the whole value.
    Git(String),
    /// `http(s)://…`: the whole value.
    Http(String),
    /// `oci-layout://STORE@DIGEST`: the part after `oci-layout://`.
    OciLayout(String),
    /// `input:NAME`: a frontend input.
    Input(String),
}

/// Parses a `context:NAME` value.
pub fn parse_context_source(v: &str) -> Result<ContextSource, String> {
    let (scheme, rest) = v.split_once(':').ok_or_else(|| {
        format!("invalid context specifier {v:?} (expected e.g. docker-image://REF)")
    })?;
    let scheme = if scheme.starts_with("git@") {
        "git"
    } else {
        scheme
    };
    let non_empty = |s: &str| {
        if s.is_empty() {
            Err(format!(
                "invalid context specifier {v:?}: nothing after {scheme}:"
            ))
        } else {
            Ok(s.to_string())
        }
    };
    match scheme {
        "docker-image" => non_empty(rest.trim_start_matches("//")).map(ContextSource::Image),
        "git" => Ok(ContextSource::Git(v.to_string())),
        "http" | "https" => Ok(ContextSource::Http(v.to_string())),
        "oci-layout" => non_empty(rest.trim_start_matches("//")).map(ContextSource::OciLayout),
        "local" => non_empty(rest).map(ContextSource::Local),
        "input" => non_empty(rest).map(ContextSource::Input),
        _ => Err(format!(
            "unsupported context source {scheme:?} in {v:?} (use docker-image://, git://, https://, oci-layout://, local: or input:)"
        )),
    }
}
