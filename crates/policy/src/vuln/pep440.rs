//! PEP 440 version ordering (PyPI): `[N!]N(.N)*[{a|b|rc}N][.postN][.devN][+local]`, normalised
//! spellings included (`alpha`, `c`, `pre`, `preview` → a/rc; `-N` and `rev`/`r` → post; `_`/`-`
//! separators; a leading `v`). Release segments compare with trailing zeros ignored (`1.0 == 1.0.0`);
//! `dev` sorts before pre-releases, pre-releases before the release, `post` after it; a local
//! version sorts after the same public version. Versions that do not parse compare as text, after
//! all valid ones.

use std::cmp::Ordering;

/// A parsed version.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Version {
    epoch: u64,
    release: Vec<u64>,
    /// (0 = a, 1 = b, 2 = rc, n).
    pre: Option<(u8, u64)>,
    post: Option<u64>,
    dev: Option<u64>,
    local: Vec<String>,
}

fn parse(text: &str) -> Option<Version> {
    let s = text.trim().to_ascii_lowercase();
    let s = s.strip_prefix('v').unwrap_or(&s);
    let (s, local) = match s.split_once('+') {
        Some((p, l)) => (p, l.split(['.', '-', '_']).map(str::to_string).collect()),
        None => (s, Vec::new()),
    };
    let (epoch, s) = match s.split_once('!') {
        Some((e, r)) => (e.parse().ok()?, r),
        None => (0, s),
    };
    let b = s.as_bytes();
    let mut i = 0;
    let number = |i: &mut usize| -> Option<u64> {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        if start == *i {
            return None;
        }
        s[start..*i].parse().ok()
    };
    let mut release = vec![number(&mut i)?];
    while i + 1 < b.len() && b[i] == b'.' && b[i + 1].is_ascii_digit() {
        i += 1;
        release.push(number(&mut i)?);
    }
    let word = |i: &mut usize, words: &[&str]| -> Option<String> {
        let mut j = *i;
        if j < b.len() && matches!(b[j], b'.' | b'-' | b'_') {
            j += 1;
        }
        for w in words {
            if s[j..].starts_with(w) {
                *i = j + w.len();
                return Some(w.to_string());
            }
        }
        None
    };
    let optional_number = |i: &mut usize| -> u64 {
        if *i < b.len()
            && matches!(b[*i], b'.' | b'-' | b'_')
            && b.get(*i + 1).is_some_and(u8::is_ascii_digit)
        {
            *i += 1;
        }
        number(i).unwrap_or(0)
    };
    let mut pre = None;
    if let Some(w) = word(
        &mut i,
        &["alpha", "beta", "preview", "pre", "rc", "a", "b", "c"],
    ) {
        let kind = match w.as_str() {
            "alpha" | "a" => 0,
            "beta" | "b" => 1,
            _ => 2,
        };
        pre = Some((kind, optional_number(&mut i)));
    }
    let mut post = None;
    if let Some(_w) = word(&mut i, &["post", "rev", "r"]) {
        post = Some(optional_number(&mut i));
    } else if i + 1 < b.len() && b[i] == b'-' && b[i + 1].is_ascii_digit() {
        i += 1;
        post = number(&mut i);
    }
    let mut dev = None;
    if word(&mut i, &["dev"]).is_some() {
        dev = Some(optional_number(&mut i));
    }
    if i != b.len() {
        return None;
    }
    Some(Version {
        epoch,
        release,
        pre,
        post,
        dev,
        local,
    })
}

/// Compares two PEP 440 versions.
pub fn compare(a: &str, b: &str) -> Ordering {
    match (parse(a), parse(b)) {
        (Some(x), Some(y)) => cmp(&x, &y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => a.cmp(b),
    }
}

fn cmp(a: &Version, b: &Version) -> Ordering {
    let release = |v: &Version| {
        let mut r = v.release.clone();
        while r.len() > 1 && r.last() == Some(&0) {
            r.pop();
        }
        r
    };
    // dev-only releases (no pre, no post) sort before every pre-release of the release.
    let pre_key = |v: &Version| match (v.pre, v.post, v.dev) {
        (None, None, Some(_)) => (0u8, 0u8, 0u64),
        (Some((k, n)), _, _) => (1, k, n),
        (None, _, _) => (2, 0, 0),
    };
    let post_key = |v: &Version| v.post.map_or((0u8, 0u64), |n| (1, n));
    let dev_key = |v: &Version| v.dev.map_or((1u8, 0u64), |n| (0, n));
    a.epoch
        .cmp(&b.epoch)
        .then_with(|| release(a).cmp(&release(b)))
        .then_with(|| pre_key(a).cmp(&pre_key(b)))
        .then_with(|| post_key(a).cmp(&post_key(b)))
        .then_with(|| dev_key(a).cmp(&dev_key(b)))
        .then_with(|| local_cmp(&a.local, &b.local))
}

/// Local segments: numeric ones compare as numbers and sort after alphanumeric ones; more segments
/// sort later.
fn local_cmp(a: &[String], b: &[String]) -> Ordering {
    for (x, y) in a.iter().zip(b) {
        let o = match (x.parse::<u64>(), y.parse::<u64>()) {
            (Ok(m), Ok(n)) => m.cmp(&n),
            (Ok(_), Err(_)) => Ordering::Greater,
            (Err(_), Ok(_)) => Ordering::Less,
            (Err(_), Err(_)) => x.cmp(y),
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    a.len().cmp(&b.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pep440_examples_ascend() {
        // The ordering example of PEP 440 ("Summary of permitted suffixes and relative ordering").
        let versions = [
            "1.dev0",
            "1.0.dev456",
            "1.0a1",
            "1.0a2.dev456",
            "1.0a12.dev456",
            "1.0a12",
            "1.0b1.dev456",
            "1.0b2",
            "1.0b2.post345.dev456",
            "1.0b2.post345",
            "1.0rc1.dev456",
            "1.0rc1",
            "1.0",
            "1.0+abc.5",
            "1.0+abc.7",
            "1.0+5",
            "1.0.post456.dev34",
            "1.0.post456",
            "1.0.15",
            "1.1.dev1",
            "2!0.1",
        ];
        for (i, a) in versions.iter().enumerate() {
            for (j, b) in versions.iter().enumerate() {
                assert_eq!(compare(a, b), i.cmp(&j), "{a} vs {b}");
            }
        }
    }

    #[test]
    fn normalised_spellings_are_equal() {
        for (a, b) in [
            ("1.0", "1.0.0"),
            ("v2.1", "2.1"),
            ("1.0alpha1", "1.0a1"),
            ("1.0-beta.2", "1.0b2"),
            ("1.0c1", "1.0rc1"),
            ("1.0pre", "1.0rc0"),
            ("1.0-1", "1.0.post1"),
            ("1.0.rev2", "1.0.post2"),
            ("1.0_dev3", "1.0.dev3"),
        ] {
            assert_eq!(compare(a, b), Ordering::Equal, "{a} vs {b}");
        }
        assert_eq!(compare("1.0", "not a version"), Ordering::Less);
    }
}
