//! Go's `time.Duration` text, as Kyverno reads and writes it: `168h`, `1h30m`, `2.5s`, `300ms`.
//! `time_since` answers in this form and the comparison operators compare two such durations.

/// Nanoseconds of a Go duration string (`-1h30m`, `1.5h`, `300ms`, `0`), or `None` when `text`
/// is not one.
pub fn parse(text: &str) -> Option<f64> {
    let t = text.trim();
    let (sign, mut rest) = match t.strip_prefix('-') {
        Some(r) => (-1.0, r),
        None => (1.0, t.strip_prefix('+').unwrap_or(t)),
    };
    if rest == "0" {
        return Some(0.0);
    }
    if rest.is_empty() {
        return None;
    }
    let mut total = 0.0;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let number: f64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let unit = match &rest[..unit_len] {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return None,
        };
        rest = &rest[unit_len..];
        total += number * unit;
    }
    Some(sign * total)
}

/// Go's `Duration.String()` of whole seconds: `192h0m5s`, `1m0s`, `3s`, `0s`, `-2s`.
pub fn format_seconds(seconds: i64) -> String {
    let sign = if seconds < 0 { "-" } else { "" };
    let s = seconds.unsigned_abs();
    let (h, m, s) = (s / 3600, s / 60 % 60, s % 60);
    if h > 0 {
        format!("{sign}{h}h{m}m{s}s")
    } else if m > 0 {
        format!("{sign}{m}m{s}s")
    } else {
        format!("{sign}{s}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_go_reads() {
        assert_eq!(parse("168h"), Some(168.0 * 3600e9));
        assert_eq!(parse("1h30m"), Some(5400e9));
        assert_eq!(parse("1.5h"), Some(5400e9));
        assert_eq!(parse("300ms"), Some(300e6));
        assert_eq!(parse("-2s"), Some(-2e9));
        assert_eq!(parse("0"), Some(0.0));
        for bad in ["", "7d", "12", "h", "1x", "-"] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn writes_what_go_writes() {
        assert_eq!(format_seconds(8 * 86_400 + 5), "192h0m5s");
        assert_eq!(format_seconds(60), "1m0s");
        assert_eq!(format_seconds(3), "3s");
        assert_eq!(format_seconds(0), "0s");
        assert_eq!(format_seconds(-2), "-2s");
        assert_eq!(parse(&format_seconds(8 * 86_400 + 5)), Some(691_205e9));
    }
}
