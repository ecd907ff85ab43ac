//! Ruby gems installed with RubyGems: `specifications/*.gemspec` files (generated Ruby, read as
//! text: `s.name = "…"`, `s.version = "…"`, `s.licenses = […]`).

use super::index::{glob_match, Entry};
use super::license::License;
use super::{Cataloger, Context, Package, PackageKind};
use crate::purl::purl;

const SPEC_CAP: u64 = 1 << 20;

/// Catalogs installed gem specifications.
pub struct Gems;

impl Cataloger for Gems {
    fn name(&self) -> &'static str {
        "ruby-installed-gemspec-cataloger"
    }

    fn wants(&self, e: &Entry) -> bool {
        glob_match("**/specifications/*.gemspec", &e.path)
    }

    fn per_file(&self) -> bool {
        true
    }

    fn catalog_file(&self, cx: &Context<'_>, e: &Entry) -> Vec<Package> {
        let mut out = Vec::new();
        let Some(text) = cx.read_text(&e.path, SPEC_CAP) else {
            return out;
        };
        let spec = parse(&text);
        let (Some(name), Some(version)) = (spec.name, spec.version) else {
            cx.warn(&e.path, "gemspec without a literal name and version");
            return out;
        };
        let mut p = Package::new(
            PackageKind::Gem,
            &name,
            &version,
            purl("gem", None, &name, &version, &[]),
            &e.path,
            self.name(),
        );
        p.license = License::any(spec.licenses.iter().filter_map(|l| License::parse(l)));
        out.push(p);
        out
    }
}

#[derive(Default)]
struct Spec {
    name: Option<String>,
    version: Option<String>,
    licenses: Vec<String>,
}

/// The string literals (`"…"` or `'…'`) on a line, in order.
fn literals(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '"' || c == '\'' {
            let lit: String = chars.by_ref().take_while(|&d| d != c).collect();
            out.push(lit);
        }
    }
    out
}

fn parse(text: &str) -> Spec {
    let mut spec = Spec::default();
    for line in text.lines() {
        let line = line.trim();
        let Some((lhs, rhs)) = line.split_once('=') else {
            continue;
        };
        let attr = lhs.trim().rsplit('.').next().unwrap_or("");
        let lits = literals(rhs);
        match attr {
            "name" if spec.name.is_none() => spec.name = lits.into_iter().next(),
            "version" if spec.version.is_none() => spec.version = lits.into_iter().next(),
            "licenses" | "license" => spec.licenses.extend(lits),
            _ => {}
        }
    }
    spec
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn reads_generated_gemspecs() {
        let s = parse("Gem::Specification.new do |s|\n  s.name = \"rake\".freeze\n  s.version = \"13.0.6\"\n  s.licenses = [\"MIT\".freeze]\n  s.required_rubygems_version = Gem::Requirement.new(\">= 1.3.1\") if s.respond_to? :required_rubygems_version=\nend\n");
        assert_eq!(s.name.as_deref(), Some("rake"));
        assert_eq!(s.version.as_deref(), Some("13.0.6"));
        assert_eq!(s.licenses, ["MIT"]);
    }
}
