//! What the rules look at: one [`Evidence`] per attestation or signature, distilled from its content
//! (which is then dropped), and the image's platforms ([`ImageFacts`]).

use serde::Serialize;
use serde_json::Value;

use super::stages;
use stagetrail_oci::attestations::stage::stage_of;
use stagetrail_oci::attestations::statement::{CYCLONEDX, SLSA_V02, SLSA_V1, SPDX};
use stagetrail_oci::attestations::{Attestation, AttestationKind, Content};
use stagetrail_oci::signing::dsse::{verify_blob, verify_envelope, SignatureCheck};
use stagetrail_oci::signing::keys::PublicKey;
use stagetrail_oci::{media, Digest};

/// One platform image of the checked image.
#[derive(Debug, Clone, Serialize)]
pub struct PlatformFacts {
    /// `os/arch[/variant]` or `unknown`.
    pub platform: String,
    /// The image manifest's digest.
    pub digest: Digest,
}

/// Everything the rules need about one image.
#[derive(Debug, Clone, Serialize)]
pub struct ImageFacts {
    /// The image as named by its source.
    pub image: String,
    /// The top manifest's digest (index or image manifest).
    pub digest: Digest,
    /// The top manifest's media type.
    pub media_type: String,
    /// The platforms, sorted.
    pub platforms: Vec<PlatformFacts>,
    /// Every attestation and signature found, index first, then per platform.
    pub evidence: Vec<Evidence>,
}

/// The signature state of an attestation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "state", content = "detail")]
pub enum Signed {
    /// No signature.
    Unsigned,
    /// A signature is present; no key was given to check it.
    Unchecked,
    /// Verified with the named key.
    Verified(String),
    /// A signature is present and does not verify.
    Invalid(String),
}

/// One attestation (or cosign signature) as the rules see it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Evidence {
    /// Where it was found.
    pub kind: AttestationKind,
    /// The platform it is attached to; `None` when attached to the index.
    pub platform: Option<String>,
    /// The manifest it is attached to.
    pub attached_to: Digest,
    /// Its layer's digest.
    pub layer: Digest,
    /// The statement's predicate type (annotation when the content has none).
    pub predicate_type: Option<String>,
    /// The stage its document names.
    pub stage: Option<String>,
    /// The statement's subject digests (`sha256:…`).
    pub subjects: Vec<String>,
    /// Signature state.
    pub signed: Signed,
    /// Provenance: the builder id (empty string when the provenance has an empty one).
    pub builder_id: Option<String>,
    /// Provenance: the build's finish time as written.
    pub finished_on: Option<String>,
    /// Provenance or build record: the stages the build ran.
    pub stages: Option<Vec<String>>,
    /// SBOM: package URLs (only when the policy denies packages).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub packages: Vec<String>,
    /// cosign `.sig`: the manifest digest its payload names.
    pub signed_digest: Option<String>,
    /// The predicate, kept for the OPA input.
    #[serde(skip)]
    pub predicate: Option<Value>,
    /// Why the content could not be read.
    pub error: Option<String>,
}

/// What to keep while distilling.
#[derive(Debug, Clone, Default)]
pub struct Distill {
    /// Trusted keys; empty means signatures are not checked.
    pub keys: Vec<PublicKey>,
    /// Collect SBOM package URLs.
    pub packages: bool,
    /// Keep predicates (OPA input).
    pub predicates: bool,
}

impl Evidence {
    /// Evidence with nothing read yet.
    pub fn bare(att: &Attestation, platform: Option<String>) -> Evidence {
        Evidence {
            kind: att.kind,
            platform,
            attached_to: att.attached_to.clone(),
            layer: att.digest.clone(),
            predicate_type: att.predicate_type.clone(),
            stage: att.stage.clone(),
            subjects: Vec::new(),
            signed: if att.signed {
                Signed::Unchecked
            } else {
                Signed::Unsigned
            },
            builder_id: None,
            finished_on: None,
            stages: None,
            packages: Vec::new(),
            signed_digest: None,
            predicate: None,
            error: att.error.clone(),
        }
    }

    /// Fills in what `content` says.
    pub fn read(&mut self, att: &Attestation, content: Content, how: &Distill) {
        if att.kind == AttestationKind::CosignSig {
            self.read_signature(att, &content.raw, how);
            return;
        }
        if let Some(envelope) = &content.envelope {
            self.signed = match (how.keys.is_empty(), envelope.is_signed()) {
                (_, false) => Signed::Unsigned,
                (true, true) => Signed::Unchecked,
                (false, true) => to_signed(verify_envelope(envelope, &how.keys)),
            };
        }
        let Some(statement) = content.statement else {
            return;
        };
        self.subjects = statement
            .subject
            .iter()
            .flat_map(|s| s.digest.iter().map(|(alg, hex)| format!("{alg}:{hex}")))
            .collect();
        let predicate = statement.predicate;
        self.stage = stage_of(&att.descriptor.annotations, Some(&predicate));
        let t = statement.predicate_type.as_str();
        if t == SLSA_V02 || t == SLSA_V1 {
            let (builder, finished) = if t == SLSA_V02 {
                ("/builder/id", "/metadata/buildFinishedOn")
            } else {
                ("/runDetails/builder/id", "/runDetails/metadata/finishedOn")
            };
            self.builder_id = Some(text_at(&predicate, builder).unwrap_or_default());
            self.finished_on = text_at(&predicate, finished);
            self.stages = stages::dockerfile_of(&predicate)
                .and_then(|(df, target)| stages::reachable_stages(&df, target.as_deref()).ok());
        } else if t.contains("stagetrail") {
            self.stages = stages::from_record(&predicate);
        } else if (t == SPDX || t == CYCLONEDX) && how.packages {
            self.packages = purls(&predicate);
        }
        self.predicate_type = Some(statement.predicate_type);
        if how.predicates {
            self.predicate = Some(predicate);
        }
    }

    fn read_signature(&mut self, att: &Attestation, payload: &[u8], how: &Distill) {
        self.signed_digest = serde_json::from_slice::<Value>(payload)
            .ok()
            .and_then(|v| text_at(&v, "/critical/image/docker-manifest-digest"));
        let sig = att
            .descriptor
            .annotation(media::COSIGN_SIGNATURE)
            .unwrap_or("");
        self.signed = if how.keys.is_empty() {
            if sig.is_empty() {
                Signed::Unsigned
            } else {
                Signed::Unchecked
            }
        } else {
            to_signed(verify_blob(payload, sig, &how.keys))
        };
    }

    /// `https://slsa.dev/provenance/v0.2 (buildkit sha256:0123456789ab)` for messages.
    pub fn describe(&self) -> String {
        let what = self.predicate_type.as_deref().unwrap_or(match self.kind {
            AttestationKind::CosignSig => "signature",
            _ => "attestation",
        });
        let stage = self
            .stage
            .as_ref()
            .map_or_else(String::new, |s| format!(" stage {s}"));
        format!("{what}{stage} ({} {})", self.kind, self.layer.short())
    }

    /// True for a statement (not a cosign signature).
    pub fn is_statement(&self) -> bool {
        self.kind != AttestationKind::CosignSig && self.predicate_type.is_some()
    }

    /// True when the statement names `digest` as a subject.
    pub fn names(&self, digest: &Digest) -> bool {
        let d = digest.to_string();
        self.subjects.iter().any(|s| s.eq_ignore_ascii_case(&d))
    }
}

fn to_signed(check: SignatureCheck) -> Signed {
    match check {
        SignatureCheck::Verified(k) => Signed::Verified(k),
        SignatureCheck::Unsigned => Signed::Unsigned,
        SignatureCheck::Invalid(why) => Signed::Invalid(why),
    }
}

fn text_at(v: &Value, pointer: &str) -> Option<String> {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// Package URLs of an SPDX (`packages[].externalRefs[purl]`) or CycloneDX (`components[].purl`,
/// nested) document, sorted and deduplicated.
pub fn purls(predicate: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for p in predicate
        .get("packages")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        for r in p
            .get("externalRefs")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if r.get("referenceType").and_then(Value::as_str) == Some("purl") {
                out.extend(
                    r.get("referenceLocator")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                );
            }
        }
    }
    let mut stack: Vec<&Value> = predicate
        .get("components")
        .and_then(Value::as_array)
        .map(|c| c.iter().collect())
        .unwrap_or_default();
    while let Some(c) = stack.pop() {
        out.extend(c.get("purl").and_then(Value::as_str).map(str::to_string));
        if let Some(children) = c.get("components").and_then(Value::as_array) {
            stack.extend(children);
        }
    }
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn purls_of_both_formats() {
        let spdx = json!({"packages": [{"externalRefs": [
            {"referenceType": "purl", "referenceLocator": "pkg:deb/debian/bash@5.2"},
            {"referenceType": "cpe23Type", "referenceLocator": "cpe:2.3:a"}]}]});
        assert_eq!(purls(&spdx), ["pkg:deb/debian/bash@5.2"]);
        let cdx = json!({"components": [{"purl": "pkg:npm/a@1", "components": [{"purl": "pkg:npm/b@2"}]},
            {"name": "no purl"}]});
        assert_eq!(purls(&cdx), ["pkg:npm/a@1", "pkg:npm/b@2"]);
    }
}
