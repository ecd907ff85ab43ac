//! The input document for an OPA (Rego) policy, written by `verify --opa-input` (see `docs/policy.md`).

use std::collections::BTreeSet;

use serde_json::{json, Value};

use super::evidence::{ImageFacts, Signed};
use stagetrail_oci::attestations::AttestationKind;

/// `{"image", "platforms", "predicateTypes", "attestations", "signatures"}` for `facts`, whose
/// evidence must have been read with predicates kept.
pub fn opa_input(facts: &ImageFacts) -> Value {
    let platforms: Vec<Value> = facts
        .platforms
        .iter()
        .map(|p| json!({"platform": p.platform, "digest": p.digest.to_string()}))
        .collect();
    let mut types = BTreeSet::new();
    let mut attestations = Vec::new();
    let mut signatures = Vec::new();
    for e in &facts.evidence {
        let (verified, verified_by, signature_error) = match &e.signed {
            Signed::Verified(k) => (true, Value::from(k.as_str()), Value::Null),
            Signed::Invalid(why) => (false, Value::Null, Value::from(why.as_str())),
            _ => (false, Value::Null, Value::Null),
        };
        let signed = !matches!(e.signed, Signed::Unsigned);
        if e.kind == AttestationKind::CosignSig {
            signatures.push(json!({
                "platform": e.platform,
                "attachedTo": e.attached_to.to_string(),
                "digest": e.layer.to_string(),
                "signedDigest": e.signed_digest,
                "signed": signed,
                "verified": verified,
                "verifiedBy": verified_by,
                "signatureError": signature_error,
            }));
            continue;
        }
        if let Some(t) = &e.predicate_type {
            types.insert(t.clone());
        }
        attestations.push(json!({
            "platform": e.platform,
            "attachedTo": e.attached_to.to_string(),
            "kind": e.kind,
            "digest": e.layer.to_string(),
            "predicateType": e.predicate_type,
            "stage": e.stage,
            "subjects": e.subjects,
            "subjectMatches": e.names(&e.attached_to),
            "signed": signed,
            "verified": verified,
            "verifiedBy": verified_by,
            "signatureError": signature_error,
            "error": e.error,
            "predicate": e.predicate.clone().unwrap_or(Value::Null),
        }));
    }
    json!({
        "image": {
            "name": facts.image,
            "digest": facts.digest.to_string(),
            "mediaType": facts.media_type,
        },
        "platforms": platforms,
        "predicateTypes": types.into_iter().collect::<Vec<_>>(),
        "attestations": attestations,
        "signatures": signatures,
    })
}
