//! Where each package of a stage came from.
//!
//! The rule, applied to a package `p` (identified by purl, located by the files that declared
//! it) in stage `S`:
//!
//! 1. The last `COPY`/`ADD` of `S` whose destination covers one of `p`'s locations added it.
//!    When that step is `COPY --from=T` and `T`'s catalog has the same purl, `p` came from `T`:
//!    repeat in `T` (transitively). Otherwise `S` and that step's line are the origin.
//! 2. Else, when `S` is `FROM T` (a stage) and `T` has the purl, repeat in `T`.
//! 3. Else, when `S` starts from an image whose catalog has the purl, the FROM line added it.
//! 4. Else a `RUN` of `S` did: the only one, or the last one whose text names the package, or
//!    the last one. Without any RUN, the FROM line.
//!
//! Limits: a `RUN` after a covering `COPY` that rewrites the same files is not seen (the COPY
//! wins); packages with the same purl in two source stages are attributed to the one the
//! covering COPY names; a RUN is picked by text when a stage has several.

use std::collections::BTreeMap;

use super::plan::{stage_key, PlanBase, PlanStage, ScanPlan};
use crate::catalog::{Catalog, Package};
use crate::document::Lineage;

/// How many `COPY --from`/`FROM` hops are followed at most.
const MAX_HOPS: usize = 64;

/// Traces packages through the stages of one plan.
pub struct Tracer<'a> {
    plan: &'a ScanPlan,
    catalogs: &'a BTreeMap<String, Catalog>,
}

/// An origin: stage index and the line of the instruction that added the files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Origin {
    stage: usize,
    line: usize,
}

impl<'a> Tracer<'a> {
    /// A tracer over the plan and the catalogs of its filesystems (by key).
    pub fn new(plan: &'a ScanPlan, catalogs: &'a BTreeMap<String, Catalog>) -> Self {
        Tracer { plan, catalogs }
    }

    /// The lineage of `p` as found in stage `stage`.
    pub fn trace(&self, stage: usize, p: &Package) -> Lineage {
        let Some(st) = self.plan.stage(stage) else {
            return Lineage::default();
        };
        let mut lineage = Lineage::default();
        if let Some((line, Some(src))) = covering_copy(st, p) {
            if let Some(q) = self.find(&stage_key(src), &p.purl) {
                lineage.copied_from_stage = self.plan.stage(src).map(|s| s.name.clone());
                lineage.copied_at_line = u32::try_from(line).ok();
                let o = self.origin(src, q, 0);
                return self.fill(lineage, o);
            }
        }
        let o = self.origin(stage, p, 0);
        self.fill(lineage, o)
    }

    fn fill(&self, mut l: Lineage, o: Origin) -> Lineage {
        l.stage = self.plan.stage(o.stage).map(|s| s.name.clone());
        l.instruction_line = u32::try_from(o.line).ok();
        l
    }

    /// The package with this purl in a filesystem, else one whose purl matches without
    /// qualifiers (a stage without `etc/os-release` loses the `distro=` qualifier).
    fn find(&self, key: &str, purl: &str) -> Option<&'a Package> {
        let pkgs = &self.catalogs.get(key)?.packages;
        if let Ok(i) = pkgs.binary_search_by(|q| q.purl.as_str().cmp(purl)) {
            return Some(&pkgs[i]);
        }
        let bare = unqualified(purl);
        pkgs.iter().find(|q| unqualified(&q.purl) == bare)
    }

    fn origin(&self, stage: usize, p: &Package, hops: usize) -> Origin {
        let Some(st) = self.plan.stage(stage) else {
            return Origin { stage, line: 0 };
        };
        let here = |line| Origin { stage, line };
        if let Some((line, from)) = covering_copy(st, p) {
            if let Some(src) = from.filter(|_| hops < MAX_HOPS) {
                if let Some(q) = self.find(&stage_key(src), &p.purl) {
                    return self.origin(src, q, hops + 1);
                }
            }
            return here(line);
        }
        match st.base {
            PlanBase::Stage(b) if hops < MAX_HOPS => {
                if let Some(q) = self.find(&stage_key(b), &p.purl) {
                    return self.origin(b, q, hops + 1);
                }
            }
            PlanBase::Image if self.find(&st.base_key(), &p.purl).is_some() => {
                return here(st.from_line);
            }
            _ => {}
        }
        here(run_line(st, p).unwrap_or(st.from_line))
    }
}

/// The last COPY/ADD of `st` whose destination covers one of `p`'s locations:
/// `(line, source stage)`.
fn covering_copy(st: &PlanStage, p: &Package) -> Option<(usize, Option<usize>)> {
    st.steps.iter().rev().find_map(|s| {
        let dest = s.dest.as_deref()?;
        p.locations
            .iter()
            .any(|l| covers(dest, l))
            .then_some((s.line, s.from_stage))
    })
}

/// A purl without its `?qualifiers` and `#subpath`.
fn unqualified(purl: &str) -> &str {
    purl.split(['?', '#']).next().unwrap_or(purl)
}

/// Whether a COPY destination covers a root-relative path.
pub fn covers(dest: &str, location: &str) -> bool {
    let d = dest.trim_start_matches('/');
    let loc = location.trim_start_matches('/');
    if d.is_empty() {
        return true;
    }
    let dir = d.trim_end_matches('/');
    if d.ends_with('/') {
        return loc.starts_with(&format!("{dir}/"));
    }
    loc == dir || loc.starts_with(&format!("{dir}/"))
}

/// The RUN that most likely installed `p`: the only one, else the last naming it, else the last.
fn run_line(st: &PlanStage, p: &Package) -> Option<usize> {
    let runs: Vec<_> = st.steps.iter().filter(|s| s.dest.is_none()).collect();
    match runs.as_slice() {
        [] => None,
        [one] => Some(one.line),
        many => many
            .iter()
            .rev()
            .find(|s| names(&s.text, &p.name))
            .or(many.last())
            .map(|s| s.line),
    }
}

/// Whether `text` mentions `name` as a whole word (package-name characters around it end it).
fn names(text: &str, name: &str) -> bool {
    if name.is_empty() {
        return false;
    }
    let word = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '+' | '@');
    text.match_indices(name).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + name.len()..].chars().next();
        !before.is_some_and(word) && !after.is_some_and(|c| word(c) && c != '.')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destinations_cover_paths() {
        assert!(covers("/app/", "app/node_modules/x/package.json"));
        assert!(!covers("/app/", "application/x"));
        assert!(covers("/app", "app/x"));
        assert!(covers("/Cargo.lock", "Cargo.lock"));
        assert!(!covers("/Cargo.lock", "Cargo.lock.bak"));
        assert!(covers("/", "anything"));
    }

    #[test]
    fn qualifiers_are_ignored_as_a_fallback() {
        assert_eq!(
            unqualified("pkg:deb/debian/a@1?arch=amd64&distro=debian-12"),
            "pkg:deb/debian/a@1"
        );
        assert_eq!(unqualified("pkg:npm/a@1"), "pkg:npm/a@1");
    }

    #[test]
    fn words_are_matched_whole() {
        assert!(names("RUN dpkg -i /tmp/hello.deb", "hello"));
        assert!(names("RUN apt-get install -y curl", "curl"));
        assert!(!names("RUN apt-get install -y libcurl4", "curl"));
        assert!(!names("RUN x", ""));
    }
}
