//! Reading an attestation layer: in-toto statement, DSSE envelope, Sigstore bundle or cosign signature.

use super::dsse::{Bundle, Envelope, IN_TOTO_PAYLOAD};
use super::statement::Statement;
use crate::error::{RegistryError, Result};
use crate::manifest::Descriptor;
use crate::media;

/// An attestation layer's bytes and what they contain.
#[derive(Debug, Clone)]
pub struct Content {
    /// The layer bytes, digest verified.
    pub raw: Vec<u8>,
    /// The DSSE envelope (cosign `.att`, or inside a Sigstore bundle).
    pub envelope: Option<Envelope>,
    /// The in-toto statement (the layer itself, or the envelope's payload).
    pub statement: Option<Statement>,
    /// True when a signature is present (not verified).
    pub signed: bool,
}

impl Content {
    /// Interprets `raw` by the layer's media type; `at` names it in errors.
    pub fn parse(raw: Vec<u8>, layer: &Descriptor, at: &str) -> Result<Content> {
        let mt = media::essence(&layer.media_type);
        let cosign_sig = layer
            .annotation(media::COSIGN_SIGNATURE)
            .is_some_and(|s| !s.is_empty());
        let (envelope, signed) = if mt == media::DSSE {
            let e = Envelope::parse(&raw, at)?;
            let signed = e.is_signed();
            (Some(e), signed)
        } else if mt.starts_with(media::SIGSTORE_BUNDLE_PREFIX) {
            let b = Bundle::parse(&raw, at)?;
            let signed = b.dsse_envelope.as_ref().is_some_and(Envelope::is_signed)
                || b.message_signature.is_some();
            (b.dsse_envelope, signed)
        } else {
            (None, cosign_sig)
        };
        let statement = match &envelope {
            Some(e) if e.payload_type == IN_TOTO_PAYLOAD => Some(Statement::parse(
                &e.payload_bytes(at)?,
                format!("{at} (DSSE payload)"),
            )?),
            Some(e) => {
                return Err(RegistryError::MediaType {
                    at: at.into(),
                    expected: format!("DSSE payload type {IN_TOTO_PAYLOAD}"),
                    got: e.payload_type.clone(),
                })
            }
            None if mt == media::IN_TOTO => Some(Statement::parse(&raw, at)?),
            None => None,
        };
        Ok(Content {
            raw,
            envelope,
            statement,
            signed,
        })
    }
}
