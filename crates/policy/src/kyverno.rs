//! Kyverno `ClusterPolicy` / `Policy` `verifyImages` rules, checked offline against an image's
//! attestations (see `docs/policy.md`).
//!
//! Checked: `imageReferences` / `skipImageReferences` globs, `verifyDigest` / `mutateDigest`, key
//! attestors (`entries[].keys.publicKeys`, `count`) for the image signature (rule `attestors`) and for
//! attestations (`attestations[].attestors`, else the rule's), `attestations[].type` (or the older
//! `predicateType`) presence, and `attestations[].conditions` over each attestation's predicate.
//! Keyless, certificate, KMS and secret attestors cannot be checked offline: they are reported as
//! such and never count as verified.

mod condition;
mod go_duration;

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

use self::condition::{apply, wildcard, Key, Operator};
use super::evidence::{Evidence, ImageFacts, Signed};
use super::model::PredicateRequirement;
use super::{Finding, PolicyError};
use stagetrail_oci::attestations::AttestationKind;
use stagetrail_oci::signing::keys::PublicKey;

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Document {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    metadata: Metadata,
    #[serde(default)]
    spec: Spec,
}

#[derive(Debug, Clone, Default, Deserialize)]
struct Metadata {
    #[serde(default)]
    name: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
struct Spec {
    #[serde(default)]
    rules: Vec<Rule>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    #[serde(default)]
    name: String,
    #[serde(default)]
    verify_images: Vec<VerifyImages>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct VerifyImages {
    #[serde(default, rename = "type")]
    signature_type: Option<String>,
    #[serde(default)]
    image_references: Vec<String>,
    #[serde(default)]
    skip_image_references: Vec<String>,
    #[serde(default)]
    attestors: Vec<AttestorSet>,
    #[serde(default)]
    attestations: Vec<AttestationRule>,
    #[serde(default = "yes")]
    mutate_digest: bool,
    #[serde(default = "yes")]
    verify_digest: bool,
    #[serde(default = "yes")]
    required: bool,
}

#[derive(Debug, Clone, Deserialize)]
struct AttestorSet {
    #[serde(default)]
    count: Option<usize>,
    #[serde(default)]
    entries: Vec<Attestor>,
}

#[derive(Debug, Clone, Deserialize)]
struct Attestor {
    #[serde(default)]
    keys: Option<Keys>,
    #[serde(default)]
    keyless: Option<Value>,
    #[serde(default)]
    certificates: Option<Value>,
    #[serde(default)]
    attestor: Option<Value>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Keys {
    #[serde(default)]
    public_keys: Option<Pems>,
    #[serde(default)]
    kms: Option<String>,
    #[serde(default)]
    secret: Option<Value>,
}

/// The PEM public keys of a `publicKeys` text, checked while parsing.
#[derive(Debug, Clone)]
struct Pems(Vec<String>);

impl<'de> Deserialize<'de> for Pems {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        let mut pems = Vec::new();
        let mut rest = text.as_str();
        while let Some(start) = rest.find("-----BEGIN PUBLIC KEY-----") {
            const END: &str = "-----END PUBLIC KEY-----";
            let end = rest[start..].find(END).ok_or_else(|| {
                serde::de::Error::custom("publicKeys: a PEM key without its END line")
            })?;
            let pem = &rest[start..start + end + END.len()];
            PublicKey::parse(pem, "publicKeys").map_err(serde::de::Error::custom)?;
            pems.push(pem.to_string());
            rest = &rest[start + end + END.len()..];
        }
        if pems.is_empty() {
            return Err(serde::de::Error::custom(
                "publicKeys holds no PEM public key (`-----BEGIN PUBLIC KEY-----`); \
                 k8s:// and other key references cannot be read offline",
            ));
        }
        Ok(Pems(pems))
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct AttestationRule {
    #[serde(default, rename = "type")]
    attestation_type: Option<String>,
    #[serde(default)]
    predicate_type: Option<String>,
    #[serde(default)]
    attestors: Vec<AttestorSet>,
    #[serde(default)]
    conditions: Vec<AnyAll>,
}

#[derive(Debug, Clone, Deserialize)]
struct AnyAll {
    #[serde(default)]
    any: Vec<Condition>,
    #[serde(default)]
    all: Vec<Condition>,
}

#[derive(Debug, Clone, Deserialize)]
struct Condition {
    key: Key,
    operator: Operator,
    #[serde(default)]
    value: Value,
    #[serde(default)]
    message: Option<String>,
}

/// A Kyverno policy file's `verifyImages` rules.
#[derive(Debug, Clone)]
pub struct KyvernoPolicy {
    /// The file, as named in messages.
    pub at: String,
    policies: Vec<Document>,
    /// PEM text → the name its key is reported under (the first place it appears).
    key_names: BTreeMap<String, String>,
}

/// What an evaluation found: failures, and notes (what was not checked, what Kyverno would mutate).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KyvernoReport {
    /// One per failed check.
    pub findings: Vec<Finding>,
    /// Information for stderr.
    pub notes: Vec<String>,
}

impl KyvernoPolicy {
    /// Reads `path` (one or more YAML documents).
    pub fn read(path: &Path) -> Result<KyvernoPolicy, PolicyError> {
        let at = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| PolicyError::Io {
            at: at.clone(),
            message: format!("cannot read the Kyverno policy: {e}"),
        })?;
        KyvernoPolicy::parse(&text, &at)
    }

    /// Parses YAML text; `at` names it in errors.
    pub fn parse(text: &str, at: &str) -> Result<KyvernoPolicy, PolicyError> {
        let mut policies = Vec::new();
        for de in serde_yaml_ng::Deserializer::from_str(text) {
            let doc: Option<Document> = Option::deserialize(de).map_err(|e| {
                let place = e
                    .location()
                    .map_or_else(String::new, |l| format!(":{}:{}", l.line(), l.column()));
                PolicyError::Syntax {
                    at: format!("{at}{place}"),
                    message: e.to_string(),
                }
            })?;
            let Some(doc) = doc else { continue };
            if doc.kind != "ClusterPolicy" && doc.kind != "Policy" {
                continue;
            }
            policies.push(doc);
        }
        let rules: usize = policies
            .iter()
            .flat_map(|p| &p.spec.rules)
            .map(|r| r.verify_images.len())
            .sum();
        if rules == 0 {
            return Err(PolicyError::Syntax {
                at: format!("{at}:1:1"),
                message: "no ClusterPolicy or Policy with verifyImages rules".into(),
            });
        }
        let mut key_names = BTreeMap::new();
        for p in &policies {
            for r in &p.spec.rules {
                for (i, v) in r.verify_images.iter().enumerate() {
                    let base = format!("{}/{}/verifyImages[{i}]", p.metadata.name, r.name);
                    name_keys(&mut key_names, &v.attestors, &format!("{base}.attestors"));
                    for (a, att) in v.attestations.iter().enumerate() {
                        name_keys(
                            &mut key_names,
                            &att.attestors,
                            &format!("{base}.attestations[{a}].attestors"),
                        );
                    }
                }
            }
        }
        Ok(KyvernoPolicy {
            at: at.to_string(),
            policies,
            key_names,
        })
    }

    /// Every public key of the policy, named by where it first appears.
    pub fn keys(&self) -> Vec<PublicKey> {
        self.key_names
            .iter()
            .filter_map(|(pem, name)| PublicKey::parse(pem, name).ok())
            .collect()
    }

    /// Checks `facts` (read with [`KyvernoPolicy::keys`]) as the image `reference` at time `now`
    /// (Unix seconds, for `time_since`).
    pub fn evaluate(&self, facts: &ImageFacts, reference: &str, now: i64) -> KyvernoReport {
        let mut report = KyvernoReport::default();
        let mut applied = 0;
        for p in &self.policies {
            for r in &p.spec.rules {
                for (i, v) in r.verify_images.iter().enumerate() {
                    let name = format!("{}/{}", p.metadata.name, r.name);
                    if !v.applies_to(reference) {
                        continue;
                    }
                    applied += 1;
                    let mut ctx = Ctx {
                        policy: self,
                        facts,
                        name: &name,
                        report: &mut report,
                        now,
                    };
                    ctx.check(i, v, reference);
                }
            }
        }
        if applied == 0 {
            report.notes.push(format!(
                "no verifyImages rule of {} matches {reference}: Kyverno would not check it",
                self.at
            ));
        }
        report.findings.sort();
        report.findings.dedup();
        report
    }

    fn entry_name(&self, pem: &str) -> Option<&str> {
        self.key_names.get(pem).map(String::as_str)
    }
}

fn name_keys(names: &mut BTreeMap<String, String>, sets: &[AttestorSet], base: &str) {
    for (j, set) in sets.iter().enumerate() {
        for (k, e) in set.entries.iter().enumerate() {
            for pem in e
                .keys
                .iter()
                .flat_map(|k| k.public_keys.iter())
                .flat_map(|p| &p.0)
            {
                names
                    .entry(pem.clone())
                    .or_insert_with(|| format!("{base}[{j}].entries[{k}]"));
            }
        }
    }
}

impl VerifyImages {
    fn applies_to(&self, reference: &str) -> bool {
        let normalized = stagetrail_oci::Reference::parse(reference)
            .map(|r| r.to_string())
            .unwrap_or_default();
        let matches = |patterns: &[String]| {
            patterns
                .iter()
                .any(|p| wildcard(p, reference) || wildcard(p, &normalized))
        };
        let selected = self.image_references.is_empty() || matches(&self.image_references);
        selected && !matches(&self.skip_image_references)
    }
}

impl Attestor {
    /// Why this entry cannot be checked offline, if it cannot.
    fn offline_gap(&self) -> Option<&'static str> {
        if self.keyless.is_some() {
            return Some("keyless");
        }
        if self.certificates.is_some() {
            return Some("certificates");
        }
        if self.attestor.is_some() {
            return Some("nested attestor");
        }
        match &self.keys {
            Some(k) if k.public_keys.is_some() => None,
            Some(k) if k.kms.is_some() => Some("KMS key"),
            Some(k) if k.secret.is_some() => Some("Kubernetes secret key"),
            _ => Some("unsupported attestor"),
        }
    }
}

struct Ctx<'a> {
    policy: &'a KyvernoPolicy,
    facts: &'a ImageFacts,
    name: &'a str,
    report: &'a mut KyvernoReport,
    now: i64,
}

impl Ctx<'_> {
    fn fail(&mut self, message: String) {
        self.report.findings.push(Finding {
            rule: "kyverno",
            platform: None,
            message: format!("{}: {message}", self.name),
            stage: None,
        });
    }

    fn check(&mut self, i: usize, v: &VerifyImages, reference: &str) {
        if let Some(t) = v.signature_type.as_deref().filter(|t| *t != "Cosign") {
            self.fail(format!(
                "verifyImages[{i}]: type {t} is not checkable offline (only Cosign)"
            ));
            return;
        }
        let pinned = reference.contains("@sha256:");
        if !pinned && v.verify_digest && !v.mutate_digest {
            self.fail(format!(
                "verifyImages[{i}]: {reference} is not pinned by digest (verifyDigest), and mutateDigest is false"
            ));
        } else if !pinned && v.mutate_digest {
            self.report.notes.push(format!(
                "{}: Kyverno would pin {reference} to {} (mutateDigest)",
                self.name, self.facts.digest
            ));
        }
        if !v.attestors.is_empty() {
            let signatures: Vec<&Evidence> = self
                .facts
                .evidence
                .iter()
                .filter(|e| e.kind == AttestationKind::CosignSig && e.platform.is_none())
                .collect();
            for (j, set) in v.attestors.iter().enumerate() {
                if let Some(why) = self.shortfall(set, &signatures) {
                    let what = if signatures.is_empty() {
                        "no cosign signature on the image".to_string()
                    } else {
                        format!("image signature not verified: {why}")
                    };
                    self.fail(format!("verifyImages[{i}].attestors[{j}]: {what}"));
                }
            }
        }
        for (a, att) in v.attestations.iter().enumerate() {
            let sets = if att.attestors.is_empty() {
                &v.attestors
            } else {
                &att.attestors
            };
            self.check_attestation(&format!("verifyImages[{i}].attestations[{a}]"), att, sets);
        }
        if v.attestors.is_empty() && v.attestations.is_empty() && v.required {
            self.fail(format!(
                "verifyImages[{i}]: no attestors and no attestations: nothing to verify"
            ));
        }
    }

    /// Why `set` is not satisfied by `signed` (the evidence its keys may have verified), if it is
    /// not: `count` entries (all when unset) must have verified one of them.
    fn shortfall(&self, set: &AttestorSet, signed: &[&Evidence]) -> Option<String> {
        let mut verified = 0;
        let mut gaps = Vec::new();
        for (k, e) in set.entries.iter().enumerate() {
            if let Some(gap) = e.offline_gap() {
                gaps.push(format!("entries[{k}] ({gap}) is not checkable offline"));
                continue;
            }
            let names: Vec<&str> = e
                .keys
                .iter()
                .flat_map(|k| k.public_keys.iter())
                .flat_map(|p| &p.0)
                .filter_map(|pem| self.policy.entry_name(pem))
                .collect();
            if signed
                .iter()
                .any(|ev| matches!(&ev.signed, Signed::Verified(n) if names.contains(&n.as_str())))
            {
                verified += 1;
            }
        }
        let needed = set.count.unwrap_or(set.entries.len()).max(1);
        if verified >= needed {
            return None;
        }
        let mut why = format!("{verified} of {needed} required attestor entries verified");
        if !gaps.is_empty() {
            why.push_str(&format!("; {}", gaps.join("; ")));
        }
        Some(why)
    }

    fn check_attestation(&mut self, at: &str, att: &AttestationRule, sets: &[AttestorSet]) {
        let Some(name) = att
            .attestation_type
            .as_ref()
            .or(att.predicate_type.as_ref())
        else {
            self.fail(format!("{at}: no type (predicateType)"));
            return;
        };
        let accepted = PredicateRequirement::try_from(name.clone())
            .map(|r| r.accepted)
            .unwrap_or_else(|_| vec![name.clone()]);
        let of_type = |e: &&Evidence| {
            e.is_statement()
                && e.error.is_none()
                && e.predicate_type
                    .as_ref()
                    .is_some_and(|t| accepted.contains(t))
        };
        let on_image: Vec<&Evidence> = self
            .facts
            .evidence
            .iter()
            .filter(|e| e.platform.is_none())
            .filter(of_type)
            .collect();
        if on_image.is_empty() {
            let elsewhere: Vec<String> = self
                .facts
                .evidence
                .iter()
                .filter(of_type)
                .filter_map(|e| e.platform.clone())
                .collect();
            let hint = if elsewhere.is_empty() {
                String::new()
            } else {
                format!(
                    " (found on the platform manifest of {} only; Kyverno reads the digest the reference resolves to)",
                    elsewhere.join(", ")
                )
            };
            self.fail(format!(
                "{at}: no {name} attestation on {}{hint}",
                self.facts.digest
            ));
            return;
        }
        // The statements whose signatures satisfy every attestor set.
        let mut trusted = Vec::new();
        let mut last_why = String::new();
        for e in &on_image {
            let mut ok = true;
            for set in sets {
                if let Some(why) = self.shortfall(set, std::slice::from_ref(e)) {
                    ok = false;
                    last_why = why;
                }
            }
            if ok {
                trusted.push(*e);
            }
        }
        if trusted.is_empty() {
            self.fail(format!(
                "{at}: no {name} attestation signed by its attestors: {last_why}"
            ));
            return;
        }
        for e in trusted {
            let predicate = e.predicate.clone().unwrap_or(Value::Null);
            for block in &att.conditions {
                if let Some(why) = block.failure(&predicate, self.now) {
                    self.fail(format!("{at}: {}: {why}", e.describe()));
                }
            }
        }
    }
}

impl AnyAll {
    /// Why the block fails over `predicate`, if it does.
    fn failure(&self, predicate: &Value, now: i64) -> Option<String> {
        for c in &self.all {
            if !c.holds(predicate, now) {
                return Some(c.explain(predicate, now));
            }
        }
        if !self.any.is_empty() && !self.any.iter().any(|c| c.holds(predicate, now)) {
            let each: Vec<String> = self.any.iter().map(|c| c.explain(predicate, now)).collect();
            return Some(format!(
                "none of the `any` conditions holds: {}",
                each.join("; ")
            ));
        }
        None
    }
}

impl Condition {
    fn holds(&self, predicate: &Value, now: i64) -> bool {
        apply(self.operator, &self.key.eval(predicate, now), &self.value)
    }

    fn explain(&self, predicate: &Value, now: i64) -> String {
        if let Some(m) = &self.message {
            return m.clone();
        }
        format!(
            "{} is {}, not {:?} {}",
            self.key.describe(),
            self.key.eval(predicate, now),
            self.operator,
            self.value
        )
    }
}

#[cfg(test)]
mod tests;
