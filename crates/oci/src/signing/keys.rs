//! ECDSA P-256 keys as cosign writes them: public keys in PKIX PEM (`-----BEGIN PUBLIC KEY-----`),
//! private keys encrypted by `cosign generate-key-pair` (`-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----`,
//! older `ENCRYPTED COSIGN PRIVATE KEY`), or plain PKCS#8 / SEC1 PEM.
//!
//! The encrypted form is base64 of a JSON document: `{"kdf":{"name":"scrypt","params":{"N","r","p"},
//! "salt"},"cipher":{"name":"nacl/secretbox","nonce"},"ciphertext"}`. The 32-byte secretbox key is
//! `scrypt(password, salt, N, r, p)`; the plaintext is the PKCS#8 DER of the key.

use std::path::Path;

use base64::Engine as _;
use crypto_secretbox::aead::{Aead, KeyInit};
use crypto_secretbox::XSalsa20Poly1305;
use p256::ecdsa::{SigningKey, VerifyingKey};
use p256::pkcs8::{DecodePrivateKey, DecodePublicKey};
use serde::Deserialize;

/// A key problem; `at` names the file (or `<label>`) the key came from.
#[derive(Debug, thiserror::Error)]
#[error("{at}: {message}")]
pub struct KeyError {
    /// The key file.
    pub at: String,
    /// What is wrong.
    pub message: String,
}

fn err(at: &str, message: impl Into<String>) -> KeyError {
    KeyError {
        at: at.to_string(),
        message: message.into(),
    }
}

/// The largest key file read (64 KiB): PEM keys are a few hundred bytes.
pub const MAX_KEY_FILE_BYTES: u64 = 64 << 10;

/// Reads a small regular file: a FIFO, a device (`/dev/zero`) or a directory is refused before it
/// is opened, and a file larger than `max` bytes is refused without reading it all.
pub fn read_regular_file(path: &Path, max: u64) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let meta = std::fs::metadata(path).map_err(|e| e.to_string())?;
    if !meta.is_file() {
        return Err("not a regular file (a FIFO, device or directory cannot be read)".into());
    }
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    // The path may have been swapped after the check: check what was opened.
    let meta = file.metadata().map_err(|e| e.to_string())?;
    if !meta.is_file() {
        return Err("not a regular file (a FIFO, device or directory cannot be read)".into());
    }
    if meta.len() > max {
        return Err(format!(
            "the file is {} bytes, more than the {max} allowed",
            meta.len()
        ));
    }
    let mut bytes = Vec::new();
    file.take(max + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    if bytes.len() as u64 > max {
        return Err(format!("the file is more than the {max} bytes allowed"));
    }
    Ok(bytes)
}

/// Reads a key file as text (see [`read_regular_file`]).
fn read_key_file(path: &Path, at: &str, what: &str) -> Result<String, KeyError> {
    let bytes = read_regular_file(path, MAX_KEY_FILE_BYTES)
        .map_err(|e| err(at, format!("cannot read the {what}: {e}")))?;
    String::from_utf8(bytes).map_err(|_| err(at, format!("the {what} is not PEM text (not UTF-8)")))
}

/// A trusted public key and the name it is reported under (its file name).
#[derive(Debug, Clone)]
pub struct PublicKey {
    /// Where the key came from, as given by the user.
    pub name: String,
    /// The key.
    pub key: VerifyingKey,
}

impl PublicKey {
    /// Reads a PEM public key file (PKIX `PUBLIC KEY`, as `cosign generate-key-pair` writes `cosign.pub`).
    pub fn read(path: &Path) -> Result<PublicKey, KeyError> {
        let at = path.display().to_string();
        let text = read_key_file(path, &at, "public key")?;
        PublicKey::parse(&text, &at)
    }

    /// Parses PEM text; `at` names it in errors.
    pub fn parse(text: &str, at: &str) -> Result<PublicKey, KeyError> {
        let key = VerifyingKey::from_public_key_pem(text.trim()).map_err(|e| {
            err(
                at,
                format!("not an ECDSA P-256 public key in PEM (`-----BEGIN PUBLIC KEY-----`): {e}"),
            )
        })?;
        Ok(PublicKey {
            name: at.to_string(),
            key,
        })
    }
}

/// Reads a private key file: cosign's encrypted format (password from `password`), or an unencrypted
/// PKCS#8 (`PRIVATE KEY`) or SEC1 (`EC PRIVATE KEY`) PEM.
pub fn read_signing_key(path: &Path, password: &[u8]) -> Result<SigningKey, KeyError> {
    let at = path.display().to_string();
    let text = read_key_file(path, &at, "private key")?;
    parse_signing_key(&text, password, &at)
}

/// Parses private key PEM text; `at` names it in errors.
pub fn parse_signing_key(text: &str, password: &[u8], at: &str) -> Result<SigningKey, KeyError> {
    let text = text.trim();
    let label = text
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("-----BEGIN "))
        .and_then(|l| l.strip_suffix("-----"))
        .ok_or_else(|| err(at, "not a PEM file (no `-----BEGIN …-----` line)"))?;
    match label {
        "ENCRYPTED SIGSTORE PRIVATE KEY" | "ENCRYPTED COSIGN PRIVATE KEY" => {
            let der = decrypt_cosign(&pem_body(text, label, at)?, password, at)?;
            SigningKey::from_pkcs8_der(&der).map_err(|e| {
                err(
                    at,
                    format!("the decrypted key is not an ECDSA P-256 PKCS#8 key: {e}"),
                )
            })
        }
        "PRIVATE KEY" => SigningKey::from_pkcs8_pem(text)
            .map_err(|e| err(at, format!("not an ECDSA P-256 PKCS#8 private key: {e}"))),
        "EC PRIVATE KEY" => p256::SecretKey::from_sec1_pem(text)
            .map(SigningKey::from)
            .map_err(|e| err(at, format!("not an ECDSA P-256 SEC1 private key: {e}"))),
        other => Err(err(
            at,
            format!("unsupported PEM type {other:?}; expected ENCRYPTED SIGSTORE PRIVATE KEY, PRIVATE KEY or EC PRIVATE KEY"),
        )),
    }
}

/// The base64 body between the BEGIN and END lines.
fn pem_body(text: &str, label: &str, at: &str) -> Result<Vec<u8>, KeyError> {
    let end = format!("-----END {label}-----");
    let body: String = text
        .lines()
        .skip(1)
        .take_while(|l| l.trim() != end)
        .map(str::trim)
        .collect();
    if !text.lines().any(|l| l.trim() == end) {
        return Err(err(at, format!("PEM has no `{end}` line")));
    }
    base64::engine::general_purpose::STANDARD
        .decode(body)
        .map_err(|e| err(at, format!("PEM body is not base64: {e}")))
}

#[derive(Deserialize)]
struct Encrypted {
    kdf: Kdf,
    cipher: Cipher,
    ciphertext: String,
}

#[derive(Deserialize)]
struct Kdf {
    name: String,
    params: ScryptParams,
    salt: String,
}

#[derive(Deserialize)]
#[allow(non_snake_case)]
struct ScryptParams {
    N: u64,
    r: u32,
    p: u32,
}

#[derive(Deserialize)]
struct Cipher {
    name: String,
    nonce: String,
}

/// Decrypts cosign's encrypted key document (the PEM body) into PKCS#8 DER.
fn decrypt_cosign(body: &[u8], password: &[u8], at: &str) -> Result<Vec<u8>, KeyError> {
    let doc: Encrypted = serde_json::from_slice(body).map_err(|e| {
        err(
            at,
            format!("encrypted key JSON at {}:{}: {e}", e.line(), e.column()),
        )
    })?;
    if doc.kdf.name != "scrypt" || doc.cipher.name != "nacl/secretbox" {
        return Err(err(
            at,
            format!(
                "unsupported encryption {} + {} (expected scrypt + nacl/secretbox)",
                doc.kdf.name, doc.cipher.name
            ),
        ));
    }
    let b64 = |what: &str, s: &str| {
        base64::engine::general_purpose::STANDARD
            .decode(s)
            .map_err(|e| err(at, format!("{what} is not base64: {e}")))
    };
    let salt = b64("kdf.salt", &doc.kdf.salt)?;
    let nonce = b64("cipher.nonce", &doc.cipher.nonce)?;
    let ciphertext = b64("ciphertext", &doc.ciphertext)?;
    let n = doc.kdf.params.N;
    if !n.is_power_of_two() || !(2..=1 << 22).contains(&n) {
        return Err(err(
            at,
            format!("scrypt N={n} is not a power of two up to 2^22"),
        ));
    }
    let params = scrypt::Params::new(
        n.trailing_zeros() as u8,
        doc.kdf.params.r,
        doc.kdf.params.p,
        32,
    )
    .map_err(|e| err(at, format!("invalid scrypt parameters: {e}")))?;
    let mut key = [0u8; 32];
    scrypt::scrypt(password, &salt, &params, &mut key)
        .map_err(|e| err(at, format!("scrypt failed: {e}")))?;
    if nonce.len() != 24 {
        return Err(err(
            at,
            format!("cipher.nonce has {} bytes, expected 24", nonce.len()),
        ));
    }
    let cipher = XSalsa20Poly1305::new(&key.into());
    cipher
        .decrypt(nonce.as_slice().into(), ciphertext.as_slice())
        .map_err(|_| {
            err(
                at,
                "cannot decrypt the private key: wrong password (set COSIGN_PASSWORD) or a damaged file",
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    // A throw-away key pair made by `COSIGN_PASSWORD=test cosign generate-key-pair` for these tests.
    const ENCRYPTED: &str = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/keys/cosign-test.key"
    ));
    const PUBLIC: &str = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/keys/cosign-test.pub"
    ));

    #[test]
    fn decrypts_a_cosign_key_and_matches_its_public_key() {
        let signing = parse_signing_key(ENCRYPTED, b"test", "k").unwrap();
        let public = PublicKey::parse(PUBLIC, "p").unwrap();
        assert_eq!(*signing.verifying_key(), public.key);
    }

    #[test]
    fn wrong_password_and_garbage_are_clear_errors() {
        let e = parse_signing_key(ENCRYPTED, b"nope", "k").unwrap_err();
        assert!(e.to_string().contains("wrong password"), "{e}");
        let e = parse_signing_key("hello", b"", "k").unwrap_err();
        assert!(e.to_string().starts_with("k: not a PEM file"), "{e}");
        let e = PublicKey::parse(
            "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----",
            "p",
        )
        .unwrap_err();
        assert!(e.to_string().starts_with("p: not an ECDSA P-256"), "{e}");
    }

    #[test]
    fn plain_pkcs8_pem_is_accepted() {
        use p256::pkcs8::{EncodePrivateKey, LineEnding};
        let signing = parse_signing_key(ENCRYPTED, b"test", "k").unwrap();
        let pem = signing.to_pkcs8_pem(LineEnding::LF).unwrap();
        let again = parse_signing_key(&pem, b"", "k").unwrap();
        assert_eq!(again.verifying_key(), signing.verifying_key());
    }

    #[test]
    fn key_files_must_be_small_regular_files() {
        let e = PublicKey::read(Path::new("/dev/zero"))
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("/dev/zero: ") && e.contains("not a regular file"),
            "{e}"
        );
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if made.is_ok_and(|s| s.success()) {
            // Would block forever if opened.
            let e = read_signing_key(&fifo, b"").unwrap_err().to_string();
            assert!(e.contains("not a regular file"), "{e}");
        }
        let big = dir.path().join("big.pub");
        std::fs::File::create(&big)
            .unwrap()
            .set_len(MAX_KEY_FILE_BYTES + 1)
            .unwrap();
        let e = PublicKey::read(&big).unwrap_err().to_string();
        assert!(e.contains("more than the 65536"), "{e}");
        let e = PublicKey::read(dir.path()).unwrap_err().to_string();
        assert!(e.contains("not a regular file"), "{e}");
    }
}
