//! Go formatting facts that end up in image history (`%q`, `%v`, `time.Duration`),
//! and Go's `time.ParseDuration`, so our bytes match the Go frontend's.

use stagetrail_dockerfile::expand::go_quote_rune;

/// Go's `strconv.Quote` (what `%q` prints for a string).
pub(crate) use stagetrail_dockerfile::expand::go_quote as quote;

/// What `%q` prints for an integer: a quoted rune literal (`'\x03'`).
pub fn quote_rune(n: i64) -> String {
    let c = u32::try_from(n)
        .ok()
        .and_then(char::from_u32)
        .unwrap_or('\u{FFFD}');
    go_quote_rune(c)
}

/// What `%q` prints for a `[]string`: `["a" "b"]`.
pub fn quote_list(items: &[String]) -> String {
    let inner: Vec<String> = items.iter().map(|s| quote(s)).collect();
    format!("[{}]", inner.join(" "))
}

/// What `%v` prints for a `[]string`: `[a b]`.
pub fn list(items: &[String]) -> String {
    format!("[{}]", items.join(" "))
}

const NS: i64 = 1;
const US: i64 = 1_000;
const MS: i64 = 1_000_000;
const SEC: i64 = 1_000_000_000;
const MIN: i64 = 60 * SEC;
const HOUR: i64 = 60 * MIN;

/// Go's `time.ParseDuration`: `1h30m`, `1.5s`, `300ms` → nanoseconds, with Go's errors.
pub fn parse_duration(orig: &str) -> Result<i64, String> {
    let invalid = || format!("time: invalid duration {}", quote(orig));
    let mut s = orig;
    let mut neg = false;
    if let Some(r) = s.strip_prefix('-') {
        neg = true;
        s = r;
    } else if let Some(r) = s.strip_prefix('+') {
        s = r;
    }
    if s == "0" {
        return Ok(0);
    }
    if s.is_empty() {
        return Err(invalid());
    }
    let mut total: f64 = 0.0;
    while !s.is_empty() {
        let int_len = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
        let int_part = &s[..int_len];
        s = &s[int_len..];
        let mut frac_part = "";
        if let Some(r) = s.strip_prefix('.') {
            let fl = r.find(|c: char| !c.is_ascii_digit()).unwrap_or(r.len());
            frac_part = &r[..fl];
            s = &r[fl..];
            if int_part.is_empty() && frac_part.is_empty() {
                return Err(invalid());
            }
        } else if int_part.is_empty() {
            return Err(invalid());
        }
        let unit_len = s
            .find(|c: char| c == '.' || c.is_ascii_digit())
            .unwrap_or(s.len());
        let unit = &s[..unit_len];
        s = &s[unit_len..];
        if unit.is_empty() {
            return Err(format!("time: missing unit in duration {}", quote(orig)));
        }
        let mult = match unit {
            "ns" => NS,
            "us" | "µs" | "μs" => US,
            "ms" => MS,
            "s" => SEC,
            "m" => MIN,
            "h" => HOUR,
            _ => {
                return Err(format!(
                    "time: unknown unit {} in duration {}",
                    quote(unit),
                    quote(orig)
                ))
            }
        };
        let value: f64 = format!(
            "{}.{}",
            if int_part.is_empty() { "0" } else { int_part },
            if frac_part.is_empty() { "0" } else { frac_part }
        )
        .parse()
        .map_err(|_| invalid())?;
        total += value * mult as f64;
        if total > i64::MAX as f64 {
            return Err(invalid());
        }
    }
    let n = total.round() as i64;
    Ok(if neg { -n } else { n })
}

fn fmt_frac(v: i64, prec: u32) -> (String, i64) {
    // Returns the fractional digits (trailing zeros trimmed, with '.') and v / 10^prec.
    let mut digits = String::new();
    let mut v = v;
    let mut print = false;
    for _ in 0..prec {
        let d = v % 10;
        print = print || d != 0;
        if print {
            digits.insert(0, char::from(b'0' + d as u8));
        }
        v /= 10;
    }
    if print {
        digits.insert(0, '.');
    }
    (digits, v)
}

/// Go's `time.Duration.String()`: `5m0s`, `1.5s`, `100ms`, `0s`.
pub fn format_duration(d: i64) -> String {
    if d == 0 {
        return "0s".into();
    }
    let neg = d < 0;
    let u = d.unsigned_abs() as i64;
    let mut out;
    if u < SEC {
        let (prec, unit) = if u < US {
            (0, "ns")
        } else if u < MS {
            (3, "µs")
        } else {
            (6, "ms")
        };
        let (frac, int) = fmt_frac(u, prec);
        out = format!("{int}{frac}{unit}");
    } else {
        let (frac, secs) = fmt_frac(u, 9);
        let s = secs % 60;
        let mins = secs / 60;
        out = format!("{s}{frac}s");
        if mins > 0 {
            out = format!("{}m{out}", mins % 60);
            let h = mins / 60;
            if h > 0 {
                out = format!("{h}h{out}");
            }
        }
    }
    if neg {
        out.insert(0, '-');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_like_go() {
        assert_eq!(quote("a\"b\\c\n"), r#""a\"b\\c\n""#);
        assert_eq!(quote("héllo"), "\"héllo\"");
        assert_eq!(quote("\x01"), r#""\x01""#);
        assert_eq!(quote_rune(0), r"'\x00'");
        assert_eq!(quote_rune(3), r"'\x03'");
        assert_eq!(quote_rune(65), "'A'");
        assert_eq!(
            quote_list(&["/bin/sh".into(), "-c".into(), "echo hi".into()]),
            r#"["/bin/sh" "-c" "echo hi"]"#
        );
        assert_eq!(list(&["/a".into(), "/b".into()]), "[/a /b]");
    }

    #[test]
    fn parses_durations() {
        assert_eq!(parse_duration("30s"), Ok(30 * SEC));
        assert_eq!(parse_duration("1m30s"), Ok(90 * SEC));
        assert_eq!(parse_duration("1.5h"), Ok(90 * MIN));
        assert_eq!(parse_duration("100ms"), Ok(100 * MS));
        assert_eq!(parse_duration("0"), Ok(0));
        assert_eq!(parse_duration("2us"), Ok(2 * US));
        assert_eq!(
            parse_duration("10"),
            Err("time: missing unit in duration \"10\"".into())
        );
        assert_eq!(
            parse_duration("5x"),
            Err("time: unknown unit \"x\" in duration \"5x\"".into())
        );
        assert_eq!(
            parse_duration(""),
            Err("time: invalid duration \"\"".into())
        );
    }

    #[test]
    fn formats_durations() {
        assert_eq!(format_duration(0), "0s");
        assert_eq!(format_duration(30 * SEC), "30s");
        assert_eq!(format_duration(5 * MIN), "5m0s");
        assert_eq!(format_duration(HOUR), "1h0m0s");
        assert_eq!(format_duration(1500 * MS), "1.5s");
        assert_eq!(format_duration(100 * MS), "100ms");
        assert_eq!(format_duration(1500 * US), "1.5ms");
        assert_eq!(format_duration(7), "7ns");
    }
}

/// Go's `json.Marshal` of a `[]string` (compact, HTML characters escaped), as
/// `llb.FollowPaths`/`llb.ExcludePatterns` encode their attrs.
pub fn json_string_list(items: &[String]) -> String {
    let mut out = String::from("[");
    for (i, s) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let enc = serde_json::to_string(s).unwrap_or_default();
        out.push_str(
            &enc.replace('<', "\\u003c")
                .replace('>', "\\u003e")
                .replace('&', "\\u0026")
                .replace('\u{2028}', "\\u2028")
                .replace('\u{2029}', "\\u2029"),
        );
    }
    out.push(']');
    out
}

#[cfg(test)]
mod json_tests {
    use super::*;

    #[test]
    fn json_lists_escape_html() {
        assert_eq!(
            json_string_list(&["a".into(), "<b>&".into()]),
            r#"["a","\u003cb\u003e\u0026"]"#
        );
        assert_eq!(json_string_list(&[]), "[]");
    }
}
