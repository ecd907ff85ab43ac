//! Secret hygiene: which build-arg names look like credentials, URL user-info
//! removal, and a last scrub of known secret values out of a JSON document.

use serde_json::Value;

/// Name fragments that make a build arg credential-like (matched case-insensitively).
pub const CREDENTIAL_MARKERS: &[&str] = &[
    "TOKEN",
    "SECRET",
    "PASSWORD",
    "PASSWD",
    "PRIVATE_KEY",
    "API_KEY",
    "AUTH",
    "CREDENTIAL",
];

/// What replaces a secret value wherever it would have appeared.
pub const REDACTED: &str = "[redacted]";

/// Whether a build arg named `name` probably holds a credential.
pub fn is_credential_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    CREDENTIAL_MARKERS.iter().any(|m| upper.contains(m))
}

/// `url` without a password (or token) in its user-info: `https://user:pw@h/x` →
/// `https://user:[redacted]@h/x`, `https://tok@h/x` → `https://[redacted]@h/x`.
/// `git@host:repo` style (user, no password) stays as is.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let Some((userinfo, host)) = authority.rsplit_once('@') else {
        return url.to_string();
    };
    let user = match userinfo.split_once(':') {
        Some((user, _)) => format!("{user}:{REDACTED}"),
        None if userinfo == "git" => userinfo.to_string(),
        None => REDACTED.to_string(),
    };
    format!("{scheme}://{user}@{host}{}", &rest[authority_end..])
}

/// Replaces every occurrence of each of `secrets` inside every string (keys included)
/// of `doc`. Empty secrets are ignored.
pub fn scrub(doc: &mut Value, secrets: &[String]) {
    let secrets: Vec<&str> = secrets
        .iter()
        .map(String::as_str)
        .filter(|s| !s.is_empty())
        .collect();
    if !secrets.is_empty() {
        scrub_value(doc, &secrets);
    }
}

fn scrub_str(s: &str, secrets: &[&str]) -> Option<String> {
    secrets.iter().any(|x| s.contains(x)).then(|| {
        secrets
            .iter()
            .fold(s.to_string(), |t, x| t.replace(x, REDACTED))
    })
}

fn scrub_value(v: &mut Value, secrets: &[&str]) {
    match v {
        Value::String(s) => {
            if let Some(t) = scrub_str(s, secrets) {
                *s = t;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| scrub_value(i, secrets)),
        Value::Object(map) => {
            let entries = std::mem::take(map);
            for (k, mut val) in entries {
                scrub_value(&mut val, secrets);
                map.insert(scrub_str(&k, secrets).unwrap_or(k), val);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn credential_names() {
        for n in [
            "API_TOKEN",
            "github_token",
            "DB_PASSWORD",
            "passwd",
            "SSH_PRIVATE_KEY",
            "api_key",
            "NPM_AUTH",
            "AuthHeader",
            "AWS_CREDENTIALS",
            "MY_SECRET",
        ] {
            assert!(is_credential_name(n), "{n}");
        }
        for n in ["VERSION", "BASE", "HTTP_PROXY", "KEY", "PASS"] {
            assert!(!is_credential_name(n), "{n}");
        }
    }

    #[test]
    fn urls_lose_passwords() {
        assert_eq!(
            redact_url("https://u:pw@h.io/a@b"),
            "https://u:[redacted]@h.io/a@b"
        );
        assert_eq!(
            redact_url("https://tok@h.io/x"),
            "https://[redacted]@h.io/x"
        );
        assert_eq!(redact_url("ssh://git@h.io/r.git"), "ssh://git@h.io/r.git");
        assert_eq!(redact_url("https://h.io/x?a=b@c"), "https://h.io/x?a=b@c");
        assert_eq!(redact_url("git@h.io:r.git"), "git@h.io:r.git");
    }

    #[test]
    fn scrub_replaces_values_in_keys_and_strings() {
        let mut v = json!({"a": ["xx s3cr3t yy"], "s3cr3t": 1, "n": 5, "e": ""});
        scrub(&mut v, &["s3cr3t".into(), String::new()]);
        assert_eq!(
            v,
            json!({"a": ["xx [redacted] yy"], "[redacted]": 1, "n": 5, "e": ""})
        );
    }
}
