//! Builder flags (`--name=value`) as upstream's `BFlags`.

use std::collections::BTreeMap;

use super::suggest::closest;
use super::words::{Word, WordError};

/// How a flag takes its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FlagKind {
    /// `--name`, `--name=true|false`.
    Bool,
    /// `--name=value`, at most once.
    String,
    /// `--name=value`, repeatable.
    Strings,
}

/// The flags that were given, by name.
#[derive(Debug, Default)]
pub(crate) struct Flags {
    used: BTreeMap<String, Vec<String>>,
}

impl Flags {
    /// Last value of a string flag, if given.
    pub fn string(&self, name: &str) -> Option<String> {
        self.used.get(name).and_then(|v| v.last().cloned())
    }

    /// Last value of a string flag unless absent or empty (upstream treats
    /// `--name=` like an absent flag).
    pub fn nonempty(&self, name: &str) -> Option<String> {
        self.string(name).filter(|v| !v.is_empty())
    }

    /// All values of a repeatable flag, in order.
    pub fn strings(&self, name: &str) -> Vec<String> {
        self.used.get(name).cloned().unwrap_or_default()
    }

    /// Value of a bool flag, if given.
    pub fn bool(&self, name: &str) -> Option<bool> {
        self.string(name).map(|v| v == "true")
    }
}

/// Parses `words` (each starting with `--`) against the allowed `specs`.
pub(crate) fn parse_flags(words: &[Word], specs: &[(&str, FlagKind)]) -> Result<Flags, WordError> {
    let mut flags = Flags::default();
    for w in words {
        let err = |message: String| WordError::at(w.off, message);
        let Some(body) = w.text.strip_prefix("--") else {
            return Err(err(format!("arg should start with -- : {}", w.text)));
        };
        if body.is_empty() {
            break;
        }
        let (name, value) = match body.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (body, None),
        };
        let Some(&(_, kind)) = specs.iter().find(|(n, _)| *n == name) else {
            let mut names: Vec<&str> = specs.iter().map(|(n, _)| *n).collect();
            names.sort_unstable();
            let hint = match closest(name, &names, true) {
                Some(m) => format!("did you mean --{m}?"),
                None if names.is_empty() => "this instruction takes no flags".to_string(),
                None => format!("valid flags: --{}", names.join(", --")),
            };
            return Err(err(format!("unknown flag: --{name}")).hint(hint));
        };
        let slot = flags.used.entry(name.to_string()).or_default();
        if !slot.is_empty() && kind != FlagKind::Strings {
            return Err(err(format!("duplicate flag specified: {name}")));
        }
        let stored = match (kind, value) {
            (FlagKind::Bool, Some("")) | (FlagKind::String | FlagKind::Strings, None) => {
                return Err(err(format!("missing a value on flag: {name}")))
            }
            (FlagKind::Bool, None) => "true".to_string(),
            (FlagKind::Bool, Some(v)) => match v.to_lowercase().as_str() {
                "true" => "true".to_string(),
                "false" => "false".to_string(),
                _ => {
                    return Err(err(format!(
                        "expecting boolean value for flag {name}, not: {v}"
                    )))
                }
            },
            (_, Some(v)) => v.to_string(),
        };
        slot.push(stored);
    }
    Ok(flags)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPECS: &[(&str, FlagKind)] = &[
        ("link", FlagKind::Bool),
        ("chown", FlagKind::String),
        ("exclude", FlagKind::Strings),
    ];

    fn words(ws: &[&str]) -> Vec<Word> {
        ws.iter()
            .enumerate()
            .map(|(i, w)| Word::new(*w, i * 10))
            .collect()
    }

    fn err(ws: &[&str]) -> WordError {
        parse_flags(&words(ws), SPECS).unwrap_err()
    }

    #[test]
    fn values() {
        let f = parse_flags(
            &words(&["--link", "--chown=a:b", "--exclude=x", "--exclude=y"]),
            SPECS,
        )
        .unwrap();
        assert_eq!(f.bool("link"), Some(true));
        assert_eq!(f.string("chown").as_deref(), Some("a:b"));
        assert_eq!(f.strings("exclude"), vec!["x", "y"]);
        let f = parse_flags(&words(&["--link=FALSE"]), SPECS).unwrap();
        assert_eq!(f.bool("link"), Some(false));
        assert_eq!(f.string("chown"), None);
        let f = parse_flags(&words(&["--chown="]), SPECS).unwrap();
        assert_eq!(f.string("chown").as_deref(), Some(""));
    }

    #[test]
    fn errors() {
        let e = err(&["--link", "--chow=1"]);
        assert_eq!(
            (e.off, e.message.as_str()),
            (Some(10), "unknown flag: --chow")
        );
        assert_eq!(e.hint.as_deref(), Some("did you mean --chown?"));
        let e = err(&["--nope"]);
        assert_eq!(
            e.hint.as_deref(),
            Some("valid flags: --chown, --exclude, --link")
        );
        assert_eq!(
            err(&["--chown=a", "--chown=b"]).message,
            "duplicate flag specified: chown"
        );
        assert_eq!(err(&["--chown"]).message, "missing a value on flag: chown");
        assert_eq!(err(&["--link="]).message, "missing a value on flag: link");
        assert_eq!(
            err(&["--link=yes"]).message,
            "expecting boolean value for flag link, not: yes"
        );
        let e = parse_flags(&words(&["--x"]), &[]).unwrap_err();
        assert_eq!(e.hint.as_deref(), Some("this instruction takes no flags"));
    }
}
