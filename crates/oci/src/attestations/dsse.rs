//! DSSE envelopes (cosign `.att` layers, Sigstore bundles): payload type, payload, signatures.

use base64::Engine as _;
use serde::{Deserialize, Serialize};

use crate::error::{Location, RegistryError, Result};

/// The DSSE payload type of in-toto statements.
pub const IN_TOTO_PAYLOAD: &str = "application/vnd.in-toto+json";

/// One DSSE signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signature {
    /// Key id (often empty for cosign).
    #[serde(default)]
    pub keyid: String,
    /// Base64 signature over the PAE of payload type and payload.
    #[serde(default)]
    pub sig: String,
}

/// A DSSE envelope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Envelope {
    /// The payload's media type.
    pub payload_type: String,
    /// Base64 payload.
    pub payload: String,
    /// Signatures.
    #[serde(default)]
    pub signatures: Vec<Signature>,
}

impl Envelope {
    /// Parses an envelope; `at` names the source in errors.
    pub fn parse(bytes: &[u8], at: impl Into<Location>) -> Result<Envelope> {
        serde_json::from_slice(bytes).map_err(|e| RegistryError::json(at, "DSSE envelope", &e))
    }

    /// The decoded payload.
    pub fn payload_bytes(&self, at: impl Into<Location>) -> Result<Vec<u8>> {
        base64::engine::general_purpose::STANDARD
            .decode(self.payload.trim())
            .map_err(|e| RegistryError::Local {
                at: at.into(),
                message: format!("DSSE payload is not base64: {e}"),
            })
    }

    /// True when at least one non-empty signature is present (not verified).
    pub fn is_signed(&self) -> bool {
        self.signatures.iter().any(|s| !s.sig.is_empty())
    }

    /// The pre-authentication encoding the signatures cover: `DSSEv1 <len> <type> <len> <payload>`.
    pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
        let mut out = format!(
            "DSSEv1 {} {} {} ",
            payload_type.len(),
            payload_type,
            payload.len()
        )
        .into_bytes();
        out.extend_from_slice(payload);
        out
    }
}

/// The parts of a Sigstore bundle (`application/vnd.dev.sigstore.bundle…+json`) we read.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Bundle {
    /// The bundle's media type.
    #[serde(default)]
    pub media_type: String,
    /// The DSSE envelope of an attestation bundle.
    #[serde(default)]
    pub dsse_envelope: Option<Envelope>,
    /// The message signature of a plain signature bundle.
    #[serde(default)]
    pub message_signature: Option<serde_json::Value>,
}

impl Bundle {
    /// Parses a bundle; `at` names the source in errors.
    pub fn parse(bytes: &[u8], at: impl Into<Location>) -> Result<Bundle> {
        serde_json::from_slice(bytes).map_err(|e| RegistryError::json(at, "Sigstore bundle", &e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_payload_and_pae() {
        let e = Envelope::parse(br#"{"payloadType":"application/vnd.in-toto+json","payload":"aGk=","signatures":[{"keyid":"","sig":"MEU="}]}"#, "l").unwrap();
        assert_eq!(e.payload_bytes("l").unwrap(), b"hi");
        assert!(e.is_signed());
        assert_eq!(Envelope::pae("t", b"hi"), b"DSSEv1 1 t 2 hi");
        let unsigned = Envelope {
            signatures: vec![],
            ..e
        };
        assert!(!unsigned.is_signed());
    }
}
