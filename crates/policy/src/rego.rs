//! Rego policies evaluated in process (regorus), the way `cosign verify-attestation --type T
//! --policy FILE` evaluates them: once per attestation of the selected predicate type, with the
//! in-toto statement as `input` (plus what stagetrail knows about it; see `docs/policy.md`).
//!
//! The image passes when every platform has at least one attestation of the type and the query is
//! true for each of them. When it is not, the package's `deny` and `violation` sets (when the policy
//! has them) give the reasons.

use std::collections::BTreeSet;
use std::path::Path;

use regorus::Engine;
use serde_json::{json, Value};

use super::evidence::{Evidence, ImageFacts, Signed};
use super::model::PredicateRequirement;
use super::{Finding, PolicyError};

/// A Rego policy file, parsed, with the query to ask.
#[derive(Clone)]
pub struct RegoPolicy {
    engine: Engine,
    /// `data.<package>`.
    pub package: String,
    /// The query asked per attestation (default `data.<package>.allow`).
    pub query: String,
    /// The file, as named in messages.
    pub at: String,
}

impl std::fmt::Debug for RegoPolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegoPolicy")
            .field("package", &self.package)
            .field("query", &self.query)
            .field("at", &self.at)
            .finish()
    }
}

/// The outcome of evaluating one input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The query is true.
    Allowed,
    /// The query is false or undefined; the reasons from `deny` / `violation` (may be empty).
    Denied(Vec<String>),
}

impl RegoPolicy {
    /// Reads and parses `path`; `query` defaults to `data.<package>.allow`.
    pub fn read(path: &Path, query: Option<&str>) -> Result<RegoPolicy, PolicyError> {
        let at = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| PolicyError::Io {
            at: at.clone(),
            message: format!("cannot read the Rego policy: {e}"),
        })?;
        RegoPolicy::parse(&text, &at, query)
    }

    /// Parses Rego text (v1 syntax, else v0); `at` names it in errors.
    pub fn parse(text: &str, at: &str, query: Option<&str>) -> Result<RegoPolicy, PolicyError> {
        let load = |v0: bool| {
            let mut engine = Engine::new();
            engine.set_rego_v0(v0);
            engine
                .add_policy(at.to_string(), text.to_string())
                .map(|package| (engine, package))
        };
        let (engine, package) = match load(false) {
            Ok(loaded) => loaded,
            Err(v1) => load(true).map_err(|_| rego_error(at, &v1))?,
        };
        let query = query.map_or_else(|| format!("{package}.allow"), str::to_string);
        // A rule of this package that the policy does not declare is a mistake, not a denial.
        if let Some(rule) = query
            .strip_prefix(&format!("{package}."))
            .filter(|r| r.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        {
            if let Ok(false) = engine.has_declared_rule_rooted_at(at, rule) {
                return Err(PolicyError::Syntax {
                    at: format!("{at}:1:1"),
                    message: format!(
                        "the policy declares no rule `{rule}` in {package} (query {query}); \
                         give --query"
                    ),
                });
            }
        }
        Ok(RegoPolicy {
            engine,
            package,
            query,
            at: at.to_string(),
        })
    }

    /// Evaluates the query for `input`.
    pub fn decide(&mut self, input: &Value) -> Result<Verdict, PolicyError> {
        self.engine.set_input(regorus::Value::from(input.clone()));
        let allowed = self.ask(&self.query.clone())? == Some(Value::Bool(true));
        if allowed {
            return Ok(Verdict::Allowed);
        }
        let mut reasons = Vec::new();
        for set in ["deny", "violation"] {
            let query = format!("{}.{set}", self.package);
            if let Ok(Some(v)) = self.ask(&query) {
                reasons.extend(messages(&v));
            }
        }
        Ok(Verdict::Denied(reasons))
    }

    /// The value of `query`'s first expression; `None` when undefined.
    fn ask(&mut self, query: &str) -> Result<Option<Value>, PolicyError> {
        let results = self
            .engine
            .eval_query(query.to_string(), false)
            .map_err(|e| rego_error(&self.at, &e))?;
        Ok(results
            .result
            .first()
            .and_then(|r| r.expressions.first())
            .and_then(|e| serde_json::to_value(&e.value).ok()))
    }

    /// Checks every platform of `facts`: the attestations of type `selected` on it (its own and the
    /// index's); with `keys_given`, only those whose signature verified. One finding per failure.
    pub fn evaluate(
        &mut self,
        facts: &ImageFacts,
        selected: &PredicateRequirement,
        keys_given: bool,
    ) -> Result<Vec<Finding>, PolicyError> {
        let mut out = Vec::new();
        for p in &facts.platforms {
            let on_platform: Vec<&Evidence> = facts
                .evidence
                .iter()
                .filter(|e| e.is_statement())
                .filter(|e| e.platform.is_none() || e.platform.as_deref() == Some(&p.platform))
                .collect();
            let types: BTreeSet<&str> = on_platform
                .iter()
                .filter(|e| e.error.is_none())
                .filter_map(|e| e.predicate_type.as_deref())
                .collect();
            let mut checked = 0;
            let mut set_aside = Vec::new();
            for e in on_platform.iter().filter(|e| {
                e.predicate_type
                    .as_ref()
                    .is_some_and(|t| selected.accepted.contains(t))
            }) {
                if let Some(err) = &e.error {
                    set_aside.push(format!("{} cannot be read: {err}", e.describe()));
                    continue;
                }
                match &e.signed {
                    Signed::Invalid(why) if keys_given => {
                        set_aside.push(format!("{}: {why}", e.describe()));
                        continue;
                    }
                    Signed::Unsigned | Signed::Unchecked if keys_given => {
                        set_aside.push(format!("{}: not signed by a trusted key", e.describe()));
                        continue;
                    }
                    _ => {}
                }
                checked += 1;
                let input = input_for(facts, &p.platform, &p.digest.to_string(), &types, e);
                if let Verdict::Denied(reasons) = self.decide(&input)? {
                    let why = if reasons.is_empty() {
                        format!("{} is not true", self.query)
                    } else {
                        reasons.join("; ")
                    };
                    out.push(Finding {
                        rule: "rego",
                        platform: Some(p.platform.clone()),
                        message: format!("{}: {why}", e.describe()),
                        stage: e.stage.clone(),
                    });
                }
            }
            if checked == 0 {
                let mut message = format!("no {} attestation", selected.name);
                if !set_aside.is_empty() {
                    message.push_str(&format!(" to check ({})", set_aside.join("; ")));
                }
                out.push(Finding {
                    rule: "rego",
                    platform: Some(p.platform.clone()),
                    message,
                    stage: None,
                });
            }
        }
        Ok(out)
    }
}

/// The `input` for one attestation: the in-toto statement as cosign passes it (`_type`,
/// `predicateType`, `subject`, `predicate`) and stagetrail's additions.
pub fn input_for(
    facts: &ImageFacts,
    platform: &str,
    platform_digest: &str,
    types: &BTreeSet<&str>,
    e: &Evidence,
) -> Value {
    let subject: Vec<Value> = e
        .subjects
        .iter()
        .filter_map(|s| s.split_once(':'))
        .map(|(alg, hex)| json!({"digest": {alg: hex}}))
        .collect();
    let (state, key, error) = match &e.signed {
        Signed::Unsigned => ("unsigned", None, None),
        Signed::Unchecked => ("unchecked", None, None),
        Signed::Verified(k) => ("verified", Some(k.as_str()), None),
        Signed::Invalid(why) => ("invalid", None, Some(why.as_str())),
    };
    json!({
        "_type": "https://in-toto.io/Statement/v0.1",
        "predicateType": e.predicate_type,
        "subject": subject,
        "predicate": e.predicate.clone().unwrap_or(Value::Null),
        "predicateTypes": types.iter().collect::<Vec<_>>(),
        "stage": e.stage,
        "platform": platform,
        "signed": state,
        "signature": {"state": state, "verifiedBy": key, "error": error},
        "kind": e.kind,
        "attachedTo": e.attached_to.to_string(),
        "image": {"name": facts.image, "digest": facts.digest.to_string(), "platformDigest": platform_digest},
    })
}

/// Reasons from a `deny` / `violation` value: strings, `{"msg": …}` objects, or anything else as JSON.
fn messages(v: &Value) -> Vec<String> {
    let one = |v: &Value| match v {
        Value::String(s) => s.clone(),
        Value::Object(o) => o
            .get("msg")
            .and_then(Value::as_str)
            .map_or_else(|| v.to_string(), str::to_string),
        other => other.to_string(),
    };
    match v {
        Value::Array(items) => items.iter().map(one).collect(),
        Value::Bool(_) | Value::Null => Vec::new(),
        other => vec![one(other)],
    }
}

/// A regorus error as `file:line:col: message` (its text is `\n--> file:line:col\n…\nerror: msg`).
fn rego_error(at: &str, e: &dyn std::fmt::Display) -> PolicyError {
    let text = e.to_string();
    let place = text
        .lines()
        .find_map(|l| l.trim_start().strip_prefix("--> "))
        .map(str::to_string);
    let message = text
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .map(|l| l.trim_start_matches("error: ").to_string())
        .unwrap_or_default();
    PolicyError::Syntax {
        at: place.unwrap_or_else(|| at.to_string()),
        message,
    }
}

#[cfg(test)]
mod tests;
