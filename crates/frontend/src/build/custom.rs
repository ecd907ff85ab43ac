//! User-supplied ("custom") attestations: a predicate file from the build context
//! attached under a predicate type of the user's choice.
//!
//! BuildKit v0.13 rejects `--attest type=custom` itself ("unknown attestation type"),
//! so the request travels as a build arg:
//! `--build-arg STAGETRAIL_ATTEST_CUSTOM=predicate-type=<uri>,path=<file>`
//! (more with `STAGETRAIL_ATTEST_CUSTOM_<suffix>`).

use std::collections::BTreeMap;

use super::record_attestation;
use stagetrail_dockerfile::csv::first_record;

/// Build-arg name (and prefix) of custom attestation requests.
pub const BUILD_ARG: &str = "STAGETRAIL_ATTEST_CUSTOM";

/// Largest predicate BuildKit accepts (`maxAttestationBytes`, 40 MiB).
pub const MAX_BYTES: u64 = 40 << 20;

/// Predicate-type prefix only BuildKit may produce.
const SLSA_PREFIX: &str = "https://slsa.dev/provenance/";

/// One custom attestation request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustomRequest {
    /// The build arg it came from (the request's location in error messages).
    pub arg: String,
    /// The in-toto predicate type.
    pub predicate_type: String,
    /// Path of the predicate file in the build context (relative, cleaned).
    pub path: String,
}

/// A bad custom attestation request, with the build arg (or file) it concerns.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("custom attestation {location}: {message}")]
pub struct CustomError {
    /// `build-arg NAME` or `FILE:line:col`.
    pub location: String,
    /// What is wrong.
    pub message: String,
}

fn bad(location: impl Into<String>, message: impl Into<String>) -> CustomError {
    CustomError {
        location: location.into(),
        message: message.into(),
    }
}

/// The requests among `build_args` (sorted by arg name); each value is one CSV record.
pub fn requests(build_args: &BTreeMap<String, String>) -> Result<Vec<CustomRequest>, CustomError> {
    let mut out = Vec::new();
    for (name, value) in build_args {
        let is_request = name == BUILD_ARG
            || name
                .strip_prefix(BUILD_ARG)
                .is_some_and(|r| r.starts_with('_'));
        if !is_request || value.is_empty() {
            continue;
        }
        let loc = format!("build-arg {name}");
        let fields = first_record(value).map_err(|e| bad(&loc, e.to_string()))?;
        out.push(parse(&loc, name, &fields)?);
    }
    Ok(out)
}

fn parse(loc: &str, name: &str, fields: &[String]) -> Result<CustomRequest, CustomError> {
    let mut predicate_type = None;
    let mut path = None;
    for f in fields {
        match f.split_once('=') {
            Some(("predicate-type", v)) => predicate_type = Some(v.trim().to_string()),
            Some(("path", v)) => path = Some(v.trim().to_string()),
            _ => {
                return Err(bad(
                    loc,
                    format!("unknown field {f:?} (use predicate-type=<uri>,path=<file>)"),
                ))
            }
        }
    }
    let predicate_type = predicate_type
        .filter(|p| !p.is_empty())
        .ok_or_else(|| bad(loc, "predicate-type=<uri> is missing"))?;
    if !predicate_type.contains(':') {
        return Err(bad(
            loc,
            format!("predicate-type {predicate_type:?} is not a URI (e.g. https://example.com/compliance/v1)"),
        ));
    }
    if predicate_type.starts_with(SLSA_PREFIX) {
        return Err(bad(
            loc,
            format!("predicate-type {predicate_type:?} is SLSA provenance, which only BuildKit may write (use --provenance)"),
        ));
    }
    if predicate_type == record_attestation::PREDICATE_TYPE {
        return Err(bad(
            loc,
            format!("predicate-type {predicate_type:?} is stagetrail's own build record"),
        ));
    }
    let raw = path
        .filter(|p| !p.is_empty())
        .ok_or_else(|| bad(loc, "path=<file in the build context> is missing"))?;
    let path = clean_relative(&raw).ok_or_else(|| {
        bad(
            loc,
            format!("path {raw:?} must name a file inside the build context"),
        )
    })?;
    Ok(CustomRequest {
        arg: name.to_string(),
        predicate_type,
        path,
    })
}

/// `p` as a clean path relative to the context root, `None` if it leaves it.
fn clean_relative(p: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for seg in p.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

impl CustomRequest {
    /// Checks the file's size before it is read.
    pub fn check_size(&self, size: u64) -> Result<(), CustomError> {
        if size > MAX_BYTES {
            return Err(bad(
                &self.path,
                format!(
                    "the file is {size} bytes; BuildKit accepts at most {MAX_BYTES} bytes (40 MiB)"
                ),
            ));
        }
        Ok(())
    }

    /// Checks that the file holds one JSON object (an in-toto predicate).
    pub fn check_content(&self, data: &[u8]) -> Result<(), CustomError> {
        let v: serde_json::Value = serde_json::from_slice(data).map_err(|e| {
            bad(
                format!("{}:{}:{}", self.path, e.line(), e.column()),
                format!("not valid JSON: {e}"),
            )
        })?;
        if !v.is_object() {
            return Err(bad(
                format!("{}:1:1", self.path),
                "the predicate must be a JSON object",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
