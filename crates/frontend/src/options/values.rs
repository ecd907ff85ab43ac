//! Parsers for single frontend option values (`add-hosts`, `ulimit`, `context:*`, …).
//! Each returns a plain message; the caller names the option it came from.

use std::collections::BTreeMap;
use std::net::IpAddr;

use crate::bridge::CacheImport;
use stagetrail_dockerfile::csv::first_record;
use stagetrail_llb::pb;

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
    for field in first_record(v).map_err(|e| e.to_string())? {
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
    for field in first_record(v).map_err(|e| e.to_string())? {
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
