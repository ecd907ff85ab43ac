//! Reading response bodies with a cap: refuse announced sizes over the limit before reading, stream the
//! rest, stop as soon as the cap or the descriptor's size is exceeded, and verify the digest.

use crate::digest::Digest;
use crate::error::{RegistryError, Result};

/// What a body is expected to be.
pub struct Expect<'a> {
    /// "manifest" or "blob", for messages.
    pub what: &'static str,
    /// The cap.
    pub limit: u64,
    /// The exact size, when a descriptor gave it.
    pub size: Option<u64>,
    /// The digest to verify, when known.
    pub digest: Option<&'a Digest>,
}

/// Checks an announced length (Content-Length, descriptor size) against the expectation, before reading.
pub fn check_announced(at: &str, expect: &Expect<'_>, announced: Option<u64>) -> Result<()> {
    for size in [expect.size, announced].into_iter().flatten() {
        if size > expect.limit {
            return Err(RegistryError::TooLarge {
                at: at.into(),
                what: expect.what,
                size,
                limit: expect.limit,
            });
        }
    }
    if let (Some(size), Some(announced)) = (expect.size, announced) {
        if announced > size {
            return Err(RegistryError::SizeMismatch {
                at: at.into(),
                expected: size,
                got: announced,
            });
        }
    }
    Ok(())
}

/// Reads the whole body under the expectation's cap and verifies size and digest.
pub async fn read(
    mut response: reqwest::Response,
    at: &str,
    expect: &Expect<'_>,
) -> Result<Vec<u8>> {
    let announced = response.content_length();
    check_announced(at, expect, announced)?;
    let wanted = expect.size.or(announced);
    let mut hasher = expect.digest.map(Digest::hasher);
    // Never trust an announced size for the allocation.
    let mut buf = Vec::with_capacity(wanted.unwrap_or(0).min(1 << 20) as usize);
    loop {
        let chunk = match response.chunk().await {
            Ok(Some(chunk)) => chunk,
            Ok(None) => break,
            Err(e) => {
                return Err(match wanted {
                    Some(expected) => RegistryError::Truncated {
                        at: at.into(),
                        expected,
                        got: buf.len() as u64,
                    },
                    None => RegistryError::Transport {
                        at: at.into(),
                        message: format!("reading the body failed: {e}"),
                    },
                });
            }
        };
        let got = buf.len() as u64 + chunk.len() as u64;
        if let Some(size) = expect.size.filter(|s| got > *s) {
            return Err(RegistryError::SizeMismatch {
                at: at.into(),
                expected: size,
                got,
            });
        }
        if got > expect.limit {
            return Err(RegistryError::TooLarge {
                at: at.into(),
                what: expect.what,
                size: got,
                limit: expect.limit,
            });
        }
        if let Some(h) = hasher.as_mut() {
            h.update(&chunk);
        }
        buf.extend_from_slice(&chunk);
    }
    if let Some(expected) = wanted.filter(|w| (buf.len() as u64) < *w) {
        return Err(RegistryError::Truncated {
            at: at.into(),
            expected,
            got: buf.len() as u64,
        });
    }
    if let (Some(h), Some(d)) = (hasher, expect.digest) {
        h.check(d, at)?;
    }
    Ok(buf)
}

/// Reads at most `limit` bytes of an error body as text (for messages), never failing.
pub async fn error_text(mut response: reqwest::Response, limit: usize) -> String {
    let mut buf = Vec::new();
    while buf.len() < limit {
        match response.chunk().await {
            Ok(Some(chunk)) => buf.extend_from_slice(&chunk[..chunk.len().min(limit - buf.len())]),
            _ => break,
        }
    }
    registry_message(&buf)
}

/// The registry's `{"errors":[{"code","message"}]}` as `CODE: message; …`, else the text itself.
fn registry_message(body: &[u8]) -> String {
    #[derive(serde::Deserialize)]
    struct Errors {
        errors: Vec<Item>,
    }
    #[derive(serde::Deserialize)]
    struct Item {
        #[serde(default)]
        code: String,
        #[serde(default)]
        message: String,
    }
    if let Ok(e) = serde_json::from_slice::<Errors>(body) {
        if !e.errors.is_empty() {
            return e
                .errors
                .iter()
                .map(|i| format!("{}: {}", i.code, i.message))
                .collect::<Vec<_>>()
                .join("; ");
        }
    }
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        "(empty body)".into()
    } else {
        text.chars().take(300).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn announced_sizes_are_checked_before_reading() {
        let e = Expect {
            what: "blob",
            limit: 100,
            size: None,
            digest: None,
        };
        assert!(check_announced("u", &e, Some(100)).is_ok());
        let err = check_announced("u", &e, Some(2_000_000_000)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "u: blob of 2000000000 bytes exceeds the limit of 100 bytes"
        );
        let e = Expect {
            what: "blob",
            limit: 100,
            size: Some(10),
            digest: None,
        };
        assert!(matches!(
            check_announced("u", &e, Some(11)),
            Err(RegistryError::SizeMismatch { .. })
        ));
    }

    #[test]
    fn registry_messages() {
        assert_eq!(
            registry_message(
                br#"{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}"#
            ),
            "MANIFEST_UNKNOWN: manifest unknown"
        );
        assert_eq!(registry_message(b" oops \n"), "oops");
        assert_eq!(registry_message(b""), "(empty body)");
    }
}
