//! Signing and offline verification of DSSE envelopes and cosign simple-signing payloads with
//! ECDSA P-256 / SHA-256, as cosign does with a key pair.
//!
//! A DSSE signature covers the pre-authentication encoding `DSSEv1 <len> <type> <len> <payload>`
//! ([`Envelope::pae`]); a cosign `.sig` signature covers the payload bytes themselves. Signatures are
//! ASN.1 DER, base64 in the envelope (`signatures[].sig`) or in the layer annotation
//! `dev.cosignproject.cosign/signature`.

use base64::Engine as _;
use p256::ecdsa::signature::{Signer, Verifier};
use p256::ecdsa::{DerSignature, Signature, SigningKey};

use super::keys::PublicKey;
use crate::attestations::dsse::{Envelope, Signature as DsseSignature};

/// Why a signature did not verify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureCheck {
    /// Verified by the key with this name.
    Verified(String),
    /// No signature is present.
    Unsigned,
    /// Signatures are present but none verifies with any trusted key.
    Invalid(String),
}

impl SignatureCheck {
    /// The name of the key that verified it, if any.
    pub fn key(&self) -> Option<&str> {
        match self {
            SignatureCheck::Verified(k) => Some(k),
            _ => None,
        }
    }
}

/// Signs `payload` of `payload_type` into an envelope with one signature (empty `keyid`, as cosign).
pub fn sign_envelope(key: &SigningKey, payload_type: &str, payload: &[u8]) -> Envelope {
    let pae = Envelope::pae(payload_type, payload);
    let signature: Signature = key.sign(&pae);
    let der: DerSignature = signature.to_der();
    let b64 = base64::engine::general_purpose::STANDARD;
    Envelope {
        payload_type: payload_type.to_string(),
        payload: b64.encode(payload),
        signatures: vec![DsseSignature {
            keyid: String::new(),
            sig: b64.encode(der.as_bytes()),
        }],
    }
}

/// Checks the envelope's signatures against `keys`: the first key that verifies any signature wins.
pub fn verify_envelope(envelope: &Envelope, keys: &[PublicKey]) -> SignatureCheck {
    let signatures: Vec<&str> = envelope
        .signatures
        .iter()
        .map(|s| s.sig.as_str())
        .filter(|s| !s.is_empty())
        .collect();
    if signatures.is_empty() {
        return SignatureCheck::Unsigned;
    }
    let payload = match base64::engine::general_purpose::STANDARD.decode(envelope.payload.trim()) {
        Ok(p) => p,
        Err(e) => return SignatureCheck::Invalid(format!("the DSSE payload is not base64: {e}")),
    };
    let pae = Envelope::pae(&envelope.payload_type, &payload);
    verify_any(&pae, &signatures, keys)
}

/// Checks a cosign simple-signing signature (base64 DER over the payload bytes) against `keys`.
pub fn verify_blob(payload: &[u8], signature_b64: &str, keys: &[PublicKey]) -> SignatureCheck {
    if signature_b64.is_empty() {
        return SignatureCheck::Unsigned;
    }
    verify_any(payload, &[signature_b64], keys)
}

fn verify_any(message: &[u8], signatures: &[&str], keys: &[PublicKey]) -> SignatureCheck {
    if keys.is_empty() {
        return SignatureCheck::Invalid("no trusted key was given".into());
    }
    let mut problems = Vec::new();
    for sig in signatures {
        let bytes = match base64::engine::general_purpose::STANDARD.decode(sig.trim()) {
            Ok(b) => b,
            Err(e) => {
                problems.push(format!("signature is not base64: {e}"));
                continue;
            }
        };
        let signature = match Signature::from_der(&bytes) {
            Ok(s) => s,
            Err(_) => {
                problems.push("signature is not an ASN.1 DER ECDSA signature".to_string());
                continue;
            }
        };
        if let Some(k) = keys
            .iter()
            .find(|k| k.key.verify(message, &signature).is_ok())
        {
            return SignatureCheck::Verified(k.name.clone());
        }
    }
    if problems.is_empty() {
        let names: Vec<&str> = keys.iter().map(|k| k.name.as_str()).collect();
        SignatureCheck::Invalid(format!(
            "the signature does not verify with {}",
            names.join(", ")
        ))
    } else {
        SignatureCheck::Invalid(problems.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signing::keys::{parse_signing_key, PublicKey};

    const ENCRYPTED: &str = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/keys/cosign-test.key"
    ));
    const PUBLIC: &str = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/keys/cosign-test.pub"
    ));

    fn keys() -> (SigningKey, Vec<PublicKey>) {
        (
            parse_signing_key(ENCRYPTED, b"test", "k").unwrap(),
            vec![PublicKey::parse(PUBLIC, "cosign.pub").unwrap()],
        )
    }

    #[test]
    fn signed_envelope_verifies_and_tampering_is_caught() {
        let (sk, pubs) = keys();
        let env = sign_envelope(&sk, "application/vnd.in-toto+json", b"{\"a\":1}");
        assert_eq!(
            verify_envelope(&env, &pubs),
            SignatureCheck::Verified("cosign.pub".into())
        );
        let b64 = base64::engine::general_purpose::STANDARD;
        let tampered = Envelope {
            payload: b64.encode(b"{\"a\":2}"),
            ..env.clone()
        };
        assert!(matches!(
            verify_envelope(&tampered, &pubs),
            SignatureCheck::Invalid(m) if m.contains("does not verify with cosign.pub")
        ));
        let retyped = Envelope {
            payload_type: "text/plain".into(),
            ..env.clone()
        };
        assert!(matches!(
            verify_envelope(&retyped, &pubs),
            SignatureCheck::Invalid(_)
        ));
        let unsigned = Envelope {
            signatures: vec![],
            ..env
        };
        assert_eq!(verify_envelope(&unsigned, &pubs), SignatureCheck::Unsigned);
    }

    #[test]
    fn another_key_does_not_verify() {
        let (sk, _) = keys();
        let other = SigningKey::from_slice(&[7u8; 32]).unwrap();
        let other_pub = PublicKey {
            name: "other.pub".into(),
            key: *other.verifying_key(),
        };
        let env = sign_envelope(&sk, "t", b"x");
        assert!(matches!(
            verify_envelope(&env, &[other_pub]),
            SignatureCheck::Invalid(m) if m.contains("other.pub")
        ));
    }

    #[test]
    fn blob_signatures() {
        let (sk, pubs) = keys();
        let sig: Signature = sk.sign(b"payload");
        let b64 = base64::engine::general_purpose::STANDARD.encode(sig.to_der().as_bytes());
        assert!(verify_blob(b"payload", &b64, &pubs).key().is_some());
        assert!(verify_blob(b"payloaX", &b64, &pubs).key().is_none());
        assert!(matches!(
            verify_blob(b"payload", "!!", &pubs),
            SignatureCheck::Invalid(m) if m.contains("not base64")
        ));
        assert_eq!(verify_blob(b"p", "", &pubs), SignatureCheck::Unsigned);
    }
}
