//! `WWW-Authenticate` challenges and token-endpoint answers (Docker registry token auth).

use std::collections::BTreeMap;

use serde::Deserialize;

/// An authentication scheme a registry asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scheme {
    /// `Basic realm=…`: send the user name and password with every request.
    Basic,
    /// `Bearer realm=…,service=…,scope=…`: fetch a token from `realm`.
    Bearer,
}

/// A parsed `WWW-Authenticate` challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    /// The scheme.
    pub scheme: Scheme,
    /// Its parameters (`realm`, `service`, `scope`, `error`…), keys lowercased.
    pub params: BTreeMap<String, String>,
}

impl Challenge {
    /// Parses the header value; `None` for an unknown scheme or malformed text.
    pub fn parse(header: &str) -> Option<Challenge> {
        let header = header.trim();
        let (scheme, rest) = header.split_once(' ').unwrap_or((header, ""));
        let scheme = match scheme.to_ascii_lowercase().as_str() {
            "basic" => Scheme::Basic,
            "bearer" => Scheme::Bearer,
            _ => return None,
        };
        Some(Challenge {
            scheme,
            params: parse_params(rest)?,
        })
    }

    /// A parameter's value.
    pub fn param(&self, key: &str) -> Option<&str> {
        self.params.get(key).map(String::as_str)
    }
}

/// `key=value, key="quoted \" value"` pairs.
fn parse_params(text: &str) -> Option<BTreeMap<String, String>> {
    let mut params = BTreeMap::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace() || *c == ',') {
            chars.next();
        }
        if chars.peek().is_none() {
            return Some(params);
        }
        let mut key = String::new();
        while let Some(&c) = chars.peek() {
            if c == '=' {
                break;
            }
            key.push(c);
            chars.next();
        }
        chars.next()?; // '='
        let mut value = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next()? {
                    '"' => break,
                    '\\' => value.push(chars.next()?),
                    c => value.push(c),
                }
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c == ',' {
                    break;
                }
                value.push(c);
                chars.next();
            }
        }
        params.insert(key.trim().to_ascii_lowercase(), value.trim().to_string());
    }
}

/// A token endpoint's JSON answer (`token` or the OAuth2 `access_token`).
#[derive(Debug, Deserialize)]
pub struct TokenAnswer {
    /// Docker's field.
    #[serde(default)]
    pub token: Option<String>,
    /// OAuth2's field.
    #[serde(default)]
    pub access_token: Option<String>,
}

impl TokenAnswer {
    /// The token, whichever field carried it.
    pub fn into_token(self) -> Option<String> {
        self.token
            .filter(|t| !t.is_empty())
            .or(self.access_token.filter(|t| !t.is_empty()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_bearer_and_basic() {
        let c = Challenge::parse(
            r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull""#,
        )
        .unwrap();
        assert_eq!(c.scheme, Scheme::Bearer);
        assert_eq!(c.param("realm"), Some("https://auth.docker.io/token"));
        assert_eq!(c.param("service"), Some("registry.docker.io"));
        assert_eq!(c.param("scope"), Some("repository:library/alpine:pull"));
        let c = Challenge::parse(r#"Basic realm="Registry \"Realm\"", charset=UTF-8"#).unwrap();
        assert_eq!(c.scheme, Scheme::Basic);
        assert_eq!(c.param("realm"), Some("Registry \"Realm\""));
        assert_eq!(c.param("charset"), Some("UTF-8"));
        assert!(Challenge::parse("Negotiate abc").is_none());
        assert!(Challenge::parse(r#"Bearer realm="unterminated"#).is_none());
    }

    #[test]
    fn token_fields() {
        let t: TokenAnswer = serde_json::from_str(r#"{"access_token":"a"}"#).unwrap();
        assert_eq!(t.into_token().as_deref(), Some("a"));
        let t: TokenAnswer = serde_json::from_str(r#"{"token":"b","access_token":"a"}"#).unwrap();
        assert_eq!(t.into_token().as_deref(), Some("b"));
    }
}
