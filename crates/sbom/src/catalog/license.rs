//! Declared licenses normalised to SPDX expressions.
//!
//! Known SPDX ids are matched case-insensitively against the SPDX list of the `spdx` crate; common
//! names (`Apache 2.0`, `Expat`, Debian's `GPL-2+`, Python classifiers…) go through an alias table;
//! anything else becomes `LicenseRef-<sanitised text>`, whose original text is kept in
//! [`License::refs`] so SPDX documents can declare it.

use std::collections::BTreeMap;

/// An SPDX license expression plus the text behind each `LicenseRef-…` it uses.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct License {
    /// The expression (`MIT OR Apache-2.0`, `GPL-2.0-or-later AND LicenseRef-public-domain`).
    pub expression: String,
    /// `LicenseRef-…` id → the declared text it stands for.
    pub refs: BTreeMap<String, String>,
}

/// Names that are not SPDX ids, lower-cased, and the id they mean.
const ALIASES: &[(&str, &str)] = &[
    ("mit license", "MIT"),
    ("the mit license", "MIT"),
    ("mit/x11", "MIT"),
    ("expat", "MIT"),
    ("apache", "Apache-2.0"),
    ("apache 2", "Apache-2.0"),
    ("apache 2.0", "Apache-2.0"),
    ("apache-2", "Apache-2.0"),
    ("apache2", "Apache-2.0"),
    ("apache license 2.0", "Apache-2.0"),
    ("apache license, version 2.0", "Apache-2.0"),
    ("apache license version 2.0", "Apache-2.0"),
    ("apache software license", "Apache-2.0"),
    ("apache software license 2.0", "Apache-2.0"),
    ("asl 2.0", "Apache-2.0"),
    ("bsd 3-clause", "BSD-3-Clause"),
    ("bsd-3", "BSD-3-Clause"),
    ("3-clause bsd", "BSD-3-Clause"),
    ("new bsd", "BSD-3-Clause"),
    ("new bsd license", "BSD-3-Clause"),
    ("modified bsd license", "BSD-3-Clause"),
    ("bsd 2-clause", "BSD-2-Clause"),
    ("bsd-2", "BSD-2-Clause"),
    ("2-clause bsd", "BSD-2-Clause"),
    ("simplified bsd", "BSD-2-Clause"),
    ("simplified bsd license", "BSD-2-Clause"),
    ("isc license", "ISC"),
    ("isc license (iscl)", "ISC"),
    ("mpl 2.0", "MPL-2.0"),
    ("mpl2", "MPL-2.0"),
    ("mozilla public license 2.0 (mpl 2.0)", "MPL-2.0"),
    ("psf", "PSF-2.0"),
    ("psfl", "PSF-2.0"),
    ("psf license", "PSF-2.0"),
    ("python software foundation license", "PSF-2.0"),
    ("artistic", "Artistic-1.0"),
    ("zpl 2.1", "ZPL-2.1"),
    ("zope public license", "ZPL-2.1"),
    ("eclipse public license 2.0 (epl-2.0)", "EPL-2.0"),
    ("gnu general public license v2 (gplv2)", "GPL-2.0-only"),
    (
        "gnu general public license v2 or later (gplv2+)",
        "GPL-2.0-or-later",
    ),
    ("gnu general public license v3 (gplv3)", "GPL-3.0-only"),
    (
        "gnu general public license v3 or later (gplv3+)",
        "GPL-3.0-or-later",
    ),
    (
        "gnu lesser general public license v2 (lgplv2)",
        "LGPL-2.0-only",
    ),
    (
        "gnu lesser general public license v2 or later (lgplv2+)",
        "LGPL-2.0-or-later",
    ),
    (
        "gnu lesser general public license v3 (lgplv3)",
        "LGPL-3.0-only",
    ),
    (
        "gnu lesser general public license v3 or later (lgplv3+)",
        "LGPL-3.0-or-later",
    ),
    (
        "gnu library or lesser general public license (lgpl)",
        "LGPL-2.0-or-later",
    ),
    ("gnu affero general public license v3", "AGPL-3.0-only"),
];

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Open,
    Close,
    Op(&'static str),
    Word(String),
}

impl License {
    /// Normalises a declared license string; `None` when it declares nothing (`""`, `UNKNOWN`,
    /// `NOASSERTION`, `NONE`).
    pub fn parse(raw: &str) -> Option<License> {
        let raw = raw.split_whitespace().collect::<Vec<_>>().join(" ");
        if raw.is_empty()
            || ["unknown", "noassertion", "none", "n/a"]
                .contains(&raw.to_ascii_lowercase().as_str())
        {
            return None;
        }
        let mut refs = BTreeMap::new();
        if let Some(id) = lookup(&raw) {
            return Some(License {
                expression: id,
                refs,
            });
        }
        let expression = parse_expression(&raw, &mut refs).unwrap_or_else(|| {
            refs.clear();
            license_ref(&raw, &mut refs)
        });
        Some(License { expression, refs })
    }

    /// All of `licenses` at once: deduplicated, joined with `AND` (compound parts parenthesised).
    pub fn all(licenses: impl IntoIterator<Item = License>) -> Option<License> {
        join(licenses, "AND")
    }

    /// Any one of `licenses` (a choice): deduplicated, joined with `OR`.
    pub fn any(licenses: impl IntoIterator<Item = License>) -> Option<License> {
        join(licenses, "OR")
    }

    /// True when the expression is one SPDX list id (no operators, no `LicenseRef-`).
    pub fn is_single_id(&self) -> bool {
        !self.expression.contains(' ') && !self.expression.starts_with("LicenseRef-")
    }
}

fn join(licenses: impl IntoIterator<Item = License>, op: &str) -> Option<License> {
    let mut parts: Vec<License> = licenses.into_iter().collect();
    parts.sort();
    parts.dedup_by(|a, b| a.expression == b.expression);
    if parts.len() <= 1 {
        return parts.pop();
    }
    let mut refs = BTreeMap::new();
    let mut exprs = Vec::new();
    for p in parts {
        refs.extend(p.refs);
        if p.expression.contains(' ') {
            exprs.push(format!("({})", p.expression));
        } else {
            exprs.push(p.expression);
        }
    }
    Some(License {
        expression: exprs.join(&format!(" {op} ")),
        refs,
    })
}

fn tokenize(raw: &str) -> Vec<Tok> {
    let mut toks = Vec::new();
    let spaced = raw
        .replace('(', " ( ")
        .replace(')', " ) ")
        .replace(',', " ")
        .replace(" / ", " OR ");
    for w in spaced.split_whitespace() {
        let tok = match w.to_ascii_lowercase().as_str() {
            "(" => Tok::Open,
            ")" => Tok::Close,
            "and" | "&" => Tok::Op("AND"),
            "or" | "|" => Tok::Op("OR"),
            "with" => Tok::Op("WITH"),
            _ if w.contains('/') && w.split('/').all(|p| lookup(p).is_some()) => {
                for (i, p) in w.split('/').enumerate() {
                    if i > 0 {
                        toks.push(Tok::Op("OR"));
                    }
                    toks.push(Tok::Word(p.to_string()));
                }
                continue;
            }
            _ => Tok::Word(w.to_string()),
        };
        toks.push(tok);
    }
    toks
}

/// Rebuilds a well-formed expression, or `None` when the string is not one.
fn parse_expression(raw: &str, refs: &mut BTreeMap<String, String>) -> Option<String> {
    let toks = tokenize(raw);
    let mut out: Vec<String> = Vec::new();
    let mut depth = 0usize;
    let mut expect_operand = true;
    let mut after_with = false;
    let mut i = 0;
    while i < toks.len() {
        match &toks[i] {
            Tok::Open if expect_operand => {
                depth += 1;
                out.push("(".into());
            }
            Tok::Close if !expect_operand && depth > 0 => {
                depth -= 1;
                out.push(")".into());
            }
            Tok::Op(op) if !expect_operand => {
                out.push((*op).into());
                expect_operand = true;
                after_with = *op == "WITH";
            }
            Tok::Word(_) if expect_operand => {
                let mut words = Vec::new();
                while let Some(Tok::Word(w)) = toks.get(i) {
                    words.push(w.as_str());
                    i += 1;
                }
                i -= 1;
                let group = words.join(" ");
                let operand = if after_with {
                    exception(&group)?
                } else {
                    operand(&words, &group, refs)
                };
                out.push(operand);
                expect_operand = false;
                after_with = false;
            }
            _ => return None,
        }
        i += 1;
    }
    if expect_operand || depth != 0 {
        return None;
    }
    let mut s = String::new();
    for t in out {
        if !(s.is_empty() || s.ends_with('(') || t == ")") {
            s.push(' ');
        }
        s.push_str(&t);
    }
    Some(s)
}

/// One operand of several words: a known multi-word name, several ids (meaning all of them), or
/// a `LicenseRef-`.
fn operand(words: &[&str], group: &str, refs: &mut BTreeMap<String, String>) -> String {
    if let Some(id) = lookup(group) {
        return id;
    }
    if words.len() > 1 {
        let ids: Option<Vec<String>> = words.iter().map(|w| lookup(w)).collect();
        if let Some(ids) = ids {
            return ids.join(" AND ");
        }
    }
    license_ref(group, refs)
}

fn license_ref(text: &str, refs: &mut BTreeMap<String, String>) -> String {
    if let Some(rest) = text.strip_prefix("LicenseRef-") {
        if !rest.is_empty()
            && rest
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
        {
            refs.insert(text.to_string(), text.to_string());
            return text.to_string();
        }
    }
    let mut id = String::from("LicenseRef-");
    for c in text.chars() {
        if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
            id.push(c);
        } else if !id.ends_with('-') {
            id.push('-');
        }
    }
    let id = id.trim_end_matches('-').to_string();
    refs.insert(id.clone(), text.to_string());
    id
}

fn exception(name: &str) -> Option<String> {
    spdx::identifiers::EXCEPTIONS
        .iter()
        .find(|e| e.name.eq_ignore_ascii_case(name))
        .map(|e| e.name.to_string())
}

/// Maps one license name to an SPDX id (with a trailing `+` kept for non-GNU ids). Memoised per
/// thread (at most 4,096 names): a lockfile of 300,000 `MIT` packages scanned the SPDX list once
/// per package.
fn lookup(name: &str) -> Option<String> {
    use std::cell::RefCell;
    use std::collections::HashMap;
    thread_local! {
        static CACHE: RefCell<HashMap<String, Option<String>>> = RefCell::new(HashMap::new());
    }
    if let Some(hit) = CACHE.with(|c| c.borrow().get(name).cloned()) {
        return hit;
    }
    let found = lookup_uncached(name);
    CACHE.with(|c| {
        let mut c = c.borrow_mut();
        if c.len() >= 4096 {
            c.clear();
        }
        c.insert(name.to_string(), found.clone());
    });
    found
}

fn lookup_uncached(name: &str) -> Option<String> {
    let lower = name.to_ascii_lowercase();
    if let Some((_, id)) = ALIASES.iter().find(|(a, _)| *a == lower) {
        return Some((*id).to_string());
    }
    if let Some(id) = gnu(&lower) {
        return Some(id);
    }
    let (base, plus) = match name.strip_suffix('+') {
        Some(b) => (b, "+"),
        None => (name, ""),
    };
    spdx::identifiers::LICENSES
        .iter()
        .find(|l| l.name.eq_ignore_ascii_case(base) && l.flags & spdx::flags::IS_DEPRECATED == 0)
        .map(|l| format!("{}{plus}", l.name))
}

/// GNU family names (`GPL-2+`, `gplv3`, `LGPL-2.1`, `GPL-2.0-or-later`, `GFDL-1.3+`, bare `GPL`).
fn gnu(lower: &str) -> Option<String> {
    let (family, rest) = ["agpl", "lgpl", "gpl", "gfdl"]
        .iter()
        .find_map(|f| lower.strip_prefix(f).map(|r| (*f, r)))?;
    let (rest, mut later) = match rest.strip_suffix('+') {
        Some(r) => (r, true),
        None => (rest, false),
    };
    let rest = if let Some(r) = rest.strip_suffix("-or-later") {
        later = true;
        r
    } else {
        rest.strip_suffix("-only").unwrap_or(rest)
    };
    let ver = rest.trim_start_matches(['-', ' ']).trim_start_matches('v');
    let ver = match ver {
        "" => {
            later = true;
            match family {
                "lgpl" => "2.0",
                "gfdl" => "1.1",
                "agpl" => "3.0",
                _ => "1.0",
            }
            .to_string()
        }
        v if v.len() == 1 && v.as_bytes()[0].is_ascii_digit() => format!("{v}.0"),
        v if v.len() == 3 && v.as_bytes()[1] == b'.' => v.to_string(),
        _ => return None,
    };
    let id = format!(
        "{}-{ver}-{}",
        family.to_ascii_uppercase(),
        if later { "or-later" } else { "only" }
    );
    spdx::identifiers::LICENSES
        .iter()
        .find(|l| l.name == id)
        .map(|l| l.name.to_string())
}

#[cfg(test)]
mod tests {
    use super::License;

    fn e(s: &str) -> String {
        License::parse(s).unwrap().expression
    }

    #[test]
    fn normalises_common_names() {
        assert_eq!(e("mit"), "MIT");
        assert_eq!(e("Apache License 2.0"), "Apache-2.0");
        assert_eq!(e("GPL-2+"), "GPL-2.0-or-later");
        assert_eq!(e("LGPL-2.1"), "LGPL-2.1-only");
        assert_eq!(e("GPLv3+"), "GPL-3.0-or-later");
        assert_eq!(e("GPL-2+ or Artistic"), "GPL-2.0-or-later OR Artistic-1.0");
        assert_eq!(e("MIT/Apache-2.0"), "MIT OR Apache-2.0");
        assert_eq!(
            e("(MIT OR Apache-2.0) AND Unicode-DFS-2016"),
            "(MIT OR Apache-2.0) AND Unicode-DFS-2016"
        );
        assert_eq!(
            e("GPL-2.0-or-later WITH Classpath-exception-2.0"),
            "GPL-2.0-or-later WITH Classpath-exception-2.0"
        );
        assert_eq!(e("MIT BSD-3-Clause"), "MIT AND BSD-3-Clause");
        assert_eq!(e("MPL-1.1+"), "MPL-1.1+");
        assert!(License::parse("UNKNOWN").is_none());
    }

    #[test]
    fn keeps_unknown_text_as_license_ref() {
        let l = License::parse("public-domain").unwrap();
        assert_eq!(l.expression, "LicenseRef-public-domain");
        assert_eq!(l.refs["LicenseRef-public-domain"], "public-domain");
        let l = License::parse("SEE LICENSE IN LICENSE.md").unwrap();
        assert_eq!(l.expression, "LicenseRef-SEE-LICENSE-IN-LICENSE.md");
        let l = License::parse("MIT AND (").unwrap();
        assert_eq!(l.expression, "LicenseRef-MIT-AND");
        let all = License::all([
            License::parse("MIT").unwrap(),
            License::parse("GPL-2+ or Artistic").unwrap(),
            License::parse("MIT").unwrap(),
        ])
        .unwrap();
        assert_eq!(all.expression, "(GPL-2.0-or-later OR Artistic-1.0) AND MIT");
    }
}
