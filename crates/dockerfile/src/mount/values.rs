//! Value parsers with Go's rules (`strconv.ParseBool`, `strconv.ParseUint`,
//! go-units `RAMInBytes`) and BuildKit's "did you mean" suggestions.

/// Go's `strconv.ParseBool`.
pub(crate) fn parse_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// Go's `strconv.ParseUint(s, radix, 32)`: digits only, no sign, no prefix.
pub(super) fn parse_u32(s: &str, radix: u32) -> Option<u32> {
    if s.is_empty() || !s.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    u32::from_str_radix(s, radix).ok()
}

/// go-units `RAMInBytes`: a number with an optional binary unit suffix
/// (`b`, `k`, `kb`, `kib`, … `p`, case-insensitive, optionally after a space).
pub(super) fn ram_in_bytes(s: &str) -> Option<i64> {
    let sep = s.rfind(|c: char| c.is_ascii_digit() || c == '.' || c == ' ')?;
    let (num, sfx) = if s.as_bytes()[sep] == b' ' {
        (&s[..sep], &s[sep + 1..])
    } else {
        (&s[..sep + 1], &s[sep + 1..])
    };
    let size: f64 = num.parse().ok()?;
    if size < 0.0 || size.is_nan() {
        return None;
    }
    if sfx.is_empty() {
        return Some(size as i64);
    }
    let sfx = sfx.to_ascii_lowercase();
    if sfx.len() > 3 {
        return None;
    }
    let shift = match sfx.as_bytes()[0] {
        b'b' if sfx.len() == 1 => return Some(size as i64),
        b'k' => 10,
        b'm' => 20,
        b'g' => 30,
        b't' => 40,
        b'p' => 50,
        _ => return None,
    };
    match &sfx[1..] {
        "" | "b" | "ib" => Some((size * (1u64 << shift) as f64) as i64),
        _ => None,
    }
}

/// Appends ` (did you mean X?)` when an option is within edit distance 2 of
/// `value` (BuildKit's `suggest.WrapError`, case-sensitive). Ties go to the
/// first option in `options`.
pub(super) fn suggest(message: String, value: &str, options: &[&str]) -> String {
    let mut best: Option<&str> = None;
    let mut min = 3;
    for opt in options {
        if *opt == value {
            return message;
        }
        let d = levenshtein(value, opt);
        if d < min {
            best = Some(opt);
            min = d;
        }
    }
    match best {
        Some(m) => format!("{message} (did you mean {m}?)"),
        None => message,
    }
}

/// Edit distance over characters with unit costs.
fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bools() {
        assert_eq!(parse_bool("True"), Some(true));
        assert_eq!(parse_bool("0"), Some(false));
        assert_eq!(parse_bool("yes"), None);
        assert_eq!(parse_bool("tRUE"), None);
    }

    #[test]
    fn unsigned() {
        assert_eq!(parse_u32("0755", 8), Some(0o755));
        assert_eq!(parse_u32("8", 8), None);
        assert_eq!(parse_u32("+1", 10), None);
        assert_eq!(parse_u32("", 10), None);
        assert_eq!(parse_u32("4294967295", 10), Some(u32::MAX));
        assert_eq!(parse_u32("4294967296", 10), None);
    }

    #[test]
    fn ram_sizes() {
        assert_eq!(ram_in_bytes("1024"), Some(1024));
        assert_eq!(ram_in_bytes("10m"), Some(10 << 20));
        assert_eq!(ram_in_bytes("10MB"), Some(10 << 20));
        assert_eq!(ram_in_bytes("1KiB"), Some(1024));
        assert_eq!(ram_in_bytes("1.5k"), Some(1536));
        assert_eq!(ram_in_bytes("3 g"), Some(3 << 30));
        assert_eq!(ram_in_bytes("7b"), Some(7));
        assert_eq!(ram_in_bytes("7bb"), None);
        assert_eq!(ram_in_bytes("1kx"), None);
        assert_eq!(ram_in_bytes("1x"), None);
        assert_eq!(ram_in_bytes("1kibb"), None);
        assert_eq!(ram_in_bytes("-1"), None);
        assert_eq!(ram_in_bytes("m"), None);
        assert_eq!(ram_in_bytes(""), None);
    }

    #[test]
    fn suggestions() {
        assert_eq!(levenshtein("kitten", "sitting"), 3);
        assert_eq!(
            suggest("e".into(), "bnd", &["bind", "cache"]),
            "e (did you mean bind?)"
        );
        assert_eq!(suggest("e".into(), "zzzz", &["bind", "cache"]), "e");
    }
}
