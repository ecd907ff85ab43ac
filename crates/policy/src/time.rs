//! Durations of the policy language (`30d`, `12h`, `1w2d`) and RFC 3339 timestamps of provenance.

use std::fmt;

use stagetrail_oci::civil_time::days_from_civil;

/// A span of time in whole seconds, written as a sum of `<n><unit>` with units `w d h m s`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Duration(pub u64);

impl Duration {
    /// Parses `30d`, `36h`, `1w2d`, `90s`; a bare number means seconds.
    pub fn parse(text: &str) -> Result<Duration, String> {
        let t = text.trim();
        if t.is_empty() {
            return Err("an empty duration; write e.g. 30d, 12h, 90m, 45s".into());
        }
        if t.bytes().all(|b| b.is_ascii_digit()) {
            return t
                .parse()
                .map(Duration)
                .map_err(|e| format!("duration {t:?}: {e}"));
        }
        let mut total: u64 = 0;
        let mut number = String::new();
        for c in t.chars() {
            if c.is_ascii_digit() {
                number.push(c);
                continue;
            }
            let unit = match c {
                'w' => 7 * 86_400,
                'd' => 86_400,
                'h' => 3_600,
                'm' => 60,
                's' => 1,
                _ => {
                    return Err(format!(
                        "duration {t:?}: unknown unit {c:?}; use w, d, h, m or s"
                    ))
                }
            };
            let n: u64 = number
                .parse()
                .map_err(|_| format!("duration {t:?}: a number must come before {c:?}"))?;
            number.clear();
            total = n
                .checked_mul(unit)
                .and_then(|v| total.checked_add(v))
                .ok_or_else(|| format!("duration {t:?} is too large"))?;
        }
        if !number.is_empty() {
            return Err(format!(
                "duration {t:?}: {number} has no unit; use w, d, h, m or s"
            ));
        }
        Ok(Duration(total))
    }
}

impl fmt::Display for Duration {
    /// The largest units first: `1d2h`, `45s`, `0s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.0;
        if rest == 0 {
            return f.write_str("0s");
        }
        for (unit, secs) in [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)] {
            if rest >= secs {
                write!(f, "{}{unit}", rest / secs)?;
                rest %= secs;
            }
        }
        Ok(())
    }
}

/// Seconds since the Unix epoch of an RFC 3339 timestamp (`2024-05-01T10:00:00.123Z`,
/// `…+02:00`); fractions are dropped.
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    let b = text.trim().as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    let num = |from: usize, to: usize| -> Option<i64> {
        let s = std::str::from_utf8(b.get(from..to)?).ok()?;
        s.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| s.parse().ok())?
    };
    let (year, month, day) = (num(0, 4)?, num(5, 7)?, num(8, 10)?);
    let (hour, minute, second) = (num(11, 13)?, num(14, 16)?, num(17, 19)?);
    if b[13] != b':' || b[16] != b':' || !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let mut i = 19;
    if b.get(i) == Some(&b'.') {
        i += 1;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
    }
    let offset = match b.get(i)? {
        b'Z' | b'z' if i + 1 == b.len() => 0,
        sign @ (b'+' | b'-') if i + 6 == b.len() && b[i + 3] == b':' => {
            let o = num(i + 1, i + 3)? * 3600 + num(i + 4, i + 6)? * 60;
            if *sign == b'+' {
                o
            } else {
                -o
            }
        }
        _ => return None,
    };
    Some(days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second - offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(Duration::parse("30d"), Ok(Duration(30 * 86_400)));
        assert_eq!(Duration::parse("1w2d"), Ok(Duration(9 * 86_400)));
        assert_eq!(Duration::parse("90"), Ok(Duration(90)));
        assert_eq!(Duration::parse("1h30m").unwrap().to_string(), "1h30m");
        assert_eq!(Duration(0).to_string(), "0s");
        assert!(Duration::parse("3y")
            .unwrap_err()
            .contains("unknown unit 'y'"));
        assert!(Duration::parse("5d3").unwrap_err().contains("has no unit"));
        assert!(Duration::parse("d")
            .unwrap_err()
            .contains("a number must come"));
    }

    #[test]
    fn timestamps() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_rfc3339("2026-11-25T15:46:11.107819947Z"),
            Some(1_795_621_571)
        );
        assert_eq!(
            parse_rfc3339("2000-03-01T02:00:00+02:00"),
            Some(951_868_800)
        );
        assert_eq!(parse_rfc3339("2000-03-01"), None);
        assert_eq!(parse_rfc3339("2000-13-01T00:00:00Z"), None);
        assert_eq!(parse_rfc3339("2000-01-01T00:00:00"), None);
    }
}
