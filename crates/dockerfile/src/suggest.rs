//! "Did you mean …?" suggestions (Levenshtein distance below 3, as upstream).

/// Edit distance between `a` and `b` (by characters).
fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, &cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The closest option to `value` (distance < 3), first in `options` order on ties.
/// Compared case-insensitively when `case_sensitive` is false; the match is
/// returned in the case of `value` when that is all-lower or all-upper.
pub fn closest(value: &str, options: &[&str], case_sensitive: bool) -> Option<String> {
    let norm = |s: &str| {
        if case_sensitive {
            s.to_string()
        } else {
            s.to_lowercase()
        }
    };
    let val = norm(value);
    let mut best: Option<String> = None;
    let mut min = 3;
    for opt in options {
        let o = norm(opt);
        if o == val {
            return None;
        }
        let d = levenshtein(&val, &o);
        if d < min {
            min = d;
            best = Some(if case_sensitive {
                o
            } else if value == value.to_lowercase() {
                o.to_lowercase()
            } else if value == value.to_uppercase() {
                o.to_uppercase()
            } else {
                o
            });
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions() {
        assert_eq!(levenshtein("kitten", "sitting"), 3);
        assert_eq!(
            closest("COPPY", &["copy", "run"], false),
            Some("COPY".into())
        );
        assert_eq!(closest("cpy", &["copy", "run"], false), Some("copy".into()));
        assert_eq!(closest("xyzzy", &["copy", "run"], false), None);
        assert_eq!(
            closest("chmode", &["chmod", "chown"], true),
            Some("chmod".into())
        );
        assert_eq!(closest("copy", &["copy"], false), None);
    }
}
