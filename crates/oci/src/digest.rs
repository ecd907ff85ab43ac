//! Content digests (`sha256:<hex>`, `sha512:<hex>`): parsing, computing and verifying.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest as _, Sha256, Sha512};

use super::error::{Location, RegistryError, Result};

/// A digest algorithm we can verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Algorithm {
    /// SHA-256, 64 hex digits.
    Sha256,
    /// SHA-512, 128 hex digits.
    Sha512,
}

impl Algorithm {
    /// The algorithm's name as written in digests.
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Sha256 => "sha256",
            Algorithm::Sha512 => "sha512",
        }
    }

    fn hex_len(self) -> usize {
        match self {
            Algorithm::Sha256 => 64,
            Algorithm::Sha512 => 128,
        }
    }
}

/// A validated content digest such as `sha256:e3b0…`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Digest {
    algorithm: Algorithm,
    hex: String,
}

impl Digest {
    /// Parses `alg:hex`; `at` names where the text came from, for the error.
    pub fn parse(text: &str, at: impl Into<Location>) -> Result<Digest> {
        let at = at.into();
        let bad = |reason: String| RegistryError::InvalidDigest {
            at: at.clone(),
            reason,
        };
        let (alg, hex) = text
            .split_once(':')
            .ok_or_else(|| bad(format!("{text:?} has no `algorithm:` prefix")))?;
        let algorithm = match alg {
            "sha256" => Algorithm::Sha256,
            "sha512" => Algorithm::Sha512,
            other => return Err(bad(format!("unsupported algorithm {other:?} in {text:?}"))),
        };
        let lower_hex = hex
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if hex.len() != algorithm.hex_len() || !lower_hex {
            return Err(bad(format!(
                "{text:?}: expected {} lowercase hex digits after `{alg}:`",
                algorithm.hex_len()
            )));
        }
        Ok(Digest {
            algorithm,
            hex: hex.to_string(),
        })
    }

    /// The SHA-256 digest of `bytes`.
    pub fn sha256_of(bytes: &[u8]) -> Digest {
        Digest {
            algorithm: Algorithm::Sha256,
            hex: hex::encode(Sha256::digest(bytes)),
        }
    }

    /// The algorithm.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The hex part.
    pub fn hex(&self) -> &str {
        &self.hex
    }

    /// A hasher computing a digest of the same algorithm, for streamed content.
    pub fn hasher(&self) -> Hasher {
        match self.algorithm {
            Algorithm::Sha256 => Hasher::Sha256(Sha256::new()),
            Algorithm::Sha512 => Hasher::Sha512(Sha512::new()),
        }
    }

    /// Checks that `bytes` hash to this digest.
    pub fn verify(&self, bytes: &[u8], at: impl Into<Location>) -> Result<()> {
        let mut hasher = self.hasher();
        hasher.update(bytes);
        hasher.check(self, at)
    }

    /// The tag-schema form `sha256-<hex>` used by cosign and by the OCI referrers fallback.
    pub fn tag_form(&self) -> String {
        format!("{}-{}", self.algorithm.name(), self.hex)
    }

    /// A short form for humans: `sha256:` and the first 12 hex digits.
    pub fn short(&self) -> String {
        format!("{}:{}", self.algorithm.name(), &self.hex[..12])
    }
}

/// An incremental digest computation.
pub enum Hasher {
    /// SHA-256 state.
    Sha256(Sha256),
    /// SHA-512 state.
    Sha512(Sha512),
}

impl Hasher {
    /// Feeds bytes.
    pub fn update(&mut self, bytes: &[u8]) {
        match self {
            Hasher::Sha256(h) => h.update(bytes),
            Hasher::Sha512(h) => h.update(bytes),
        }
    }

    /// Finishes and compares with `expected`.
    pub fn check(self, expected: &Digest, at: impl Into<Location>) -> Result<()> {
        let actual = match self {
            Hasher::Sha256(h) => Digest {
                algorithm: Algorithm::Sha256,
                hex: hex::encode(h.finalize()),
            },
            Hasher::Sha512(h) => Digest {
                algorithm: Algorithm::Sha512,
                hex: hex::encode(h.finalize()),
            },
        };
        if &actual == expected {
            Ok(())
        } else {
            Err(RegistryError::DigestMismatch {
                at: at.into(),
                expected: expected.to_string(),
                actual: actual.to_string(),
            })
        }
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.algorithm.name(), self.hex)
    }
}

impl FromStr for Digest {
    type Err = RegistryError;
    fn from_str(s: &str) -> Result<Digest> {
        Digest::parse(s, s)
    }
}

impl Serialize for Digest {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Digest {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Digest, D::Error> {
        let text = String::deserialize(d)?;
        Digest::parse(&text, "descriptor").map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EMPTY: &str = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    #[test]
    fn parses_and_verifies() {
        let d: Digest = EMPTY.parse().unwrap();
        assert_eq!(d.to_string(), EMPTY);
        assert_eq!(Digest::sha256_of(b""), d);
        d.verify(b"", "x").unwrap();
        assert!(matches!(
            d.verify(b"a", "x"),
            Err(RegistryError::DigestMismatch { .. })
        ));
        assert_eq!(d.tag_form(), EMPTY.replace(':', "-"));
        assert_eq!(d.short(), "sha256:e3b0c44298fc");
    }

    #[test]
    fn rejects_bad_digests() {
        for bad in [
            "sha256",
            "md5:abcd",
            "sha256:ABC",
            "sha256:e3b0",
            &EMPTY.to_uppercase(),
        ] {
            assert!(bad.parse::<Digest>().is_err(), "{bad}");
        }
    }
}
