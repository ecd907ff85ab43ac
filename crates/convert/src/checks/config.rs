//! Which rules run and whether a warning fails the build: `# check=skip=A,B;error=true;
//! experimental=all` (the directive, or the `BUILDKIT_DOCKERFILE_CHECK` build arg, which
//! replaces it), as BuildKit 0.25's `linter.ParseLintOptions` reads it.

use std::collections::BTreeSet;

use super::rules::Rule;

/// The checks configuration.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Config {
    /// `skip=all`.
    pub skip_all: bool,
    /// `skip=A,B`.
    pub skip: BTreeSet<String>,
    /// `experimental=all`.
    pub experimental_all: bool,
    /// `experimental=A,B`.
    pub experimental: BTreeSet<String>,
    /// `error=true`: any warning fails the build.
    pub error: bool,
}

/// Go's `strconv.ParseBool`.
fn parse_bool(v: &str) -> Option<bool> {
    match v {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Some(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Some(false),
        _ => None,
    }
}

fn names(v: &str) -> BTreeSet<String> {
    v.split(',').map(|r| r.trim().to_string()).collect()
}

impl Config {
    /// Parses a `check` value; the error text is upstream's.
    pub fn parse(value: &str) -> Result<Config, String> {
        let value = value.trim();
        let mut c = Config::default();
        if value.is_empty() {
            return Ok(c);
        }
        for part in value.splitn(3, ';') {
            let Some((k, v)) = part.split_once('=') else {
                return Err(format!("invalid check option {part:?}"));
            };
            match k.trim() {
                "skip" if v.trim() == "all" => c.skip_all = true,
                "skip" => c.skip = names(v.trim()),
                "experimental" if v.trim() == "all" => c.experimental_all = true,
                "experimental" => c.experimental = names(v.trim()),
                "error" => {
                    c.error = parse_bool(v.trim()).ok_or_else(|| {
                        format!(
                            "failed to parse check option {part:?}: strconv.ParseBool: parsing {:?}: invalid syntax",
                            v.trim()
                        )
                    })?
                }
                k => return Err(format!("invalid check option {k:?}")),
            }
        }
        Ok(c)
    }

    /// Whether `rule` reports under this configuration.
    pub fn enabled(&self, rule: &Rule) -> bool {
        if rule.experimental {
            self.experimental_all || self.experimental.contains(rule.name)
        } else {
            !(self.skip_all || self.skip.contains(rule.name))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::rules::{INVALID_DEFINITION_DESCRIPTION, STAGE_NAME_CASING};
    use super::*;

    #[test]
    fn parses_skip_experimental_and_error() {
        let c = Config::parse("skip=StageNameCasing, FromAsCasing;error=true").unwrap();
        assert!(c.error);
        assert!(!c.enabled(&STAGE_NAME_CASING));
        assert!(!c.enabled(&INVALID_DEFINITION_DESCRIPTION));
        let c = Config::parse("experimental=all").unwrap();
        assert!(c.enabled(&INVALID_DEFINITION_DESCRIPTION));
        assert!(Config::parse("skip=all").unwrap().skip_all);
        assert_eq!(
            Config::parse("nope").unwrap_err(),
            "invalid check option \"nope\""
        );
        assert_eq!(
            Config::parse("mode=x").unwrap_err(),
            "invalid check option \"mode\""
        );
        assert!(Config::parse("error=maybe").is_err());
    }
}
