//! Go's `%q` quoting (`strconv.Quote`, `strconv.QuoteRune`), used in upstream's
//! error messages and image history.

/// Quotes `s` the way Go's `strconv.Quote` does (what `%q` prints for a string).
pub fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    s.chars().for_each(|c| escape_into(&mut out, c, '"'));
    out.push('"');
    out
}

/// Quotes `c` the way Go's `strconv.QuoteRune` does (what `%q` prints for a rune).
pub fn go_quote_rune(c: char) -> String {
    let mut out = String::from("'");
    escape_into(&mut out, c, '\'');
    out.push('\'');
    out
}

/// Appends `c` as Go writes it between `quote` characters.
fn escape_into(out: &mut String, c: char, quote: char) {
    match c {
        '\\' => out.push_str("\\\\"),
        '\u{7}' => out.push_str("\\a"),
        '\u{8}' => out.push_str("\\b"),
        '\u{c}' => out.push_str("\\f"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\u{b}' => out.push_str("\\v"),
        c if c == quote => {
            out.push('\\');
            out.push(c);
        }
        c if is_print(c) => out.push(c),
        c if (c as u32) < 0x20 || c == '\u{7f}' => {
            out.push_str(&format!("\\x{:02x}", c as u32));
        }
        c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
        c => out.push_str(&format!("\\U{:08x}", c as u32)),
    }
}

/// Approximates Go's `unicode.IsPrint`: everything but controls, spaces other
/// than U+0020, format characters and private-use code points.
fn is_print(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    if c.is_control() || c.is_whitespace() {
        return false;
    }
    !matches!(c as u32,
        0xAD | 0x600..=0x605 | 0x61C | 0x6DD | 0x70F | 0x180E | 0x200B..=0x200F
        | 0x202A..=0x202E | 0x2060..=0x206F | 0xE000..=0xF8FF | 0xFEFF
        | 0xFFF9..=0xFFFB | 0xF0000..)
}

#[cfg(test)]
mod tests {
    use super::{go_quote, go_quote_rune};

    #[test]
    fn quotes_like_go() {
        assert_eq!(go_quote("abc"), r#""abc""#);
        assert_eq!(go_quote(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(go_quote("a\tb\n"), r#""a\tb\n""#);
        assert_eq!(go_quote("\u{1}\u{7f}"), r#""\x01\x7f""#);
        assert_eq!(go_quote("안녕"), "\"안녕\"");
        assert_eq!(go_quote("\u{a0}\u{feff}"), r#""\u00a0\ufeff""#);
        assert_eq!(go_quote("\u{f0000}"), r#""\U000f0000""#);
        assert_eq!(go_quote("'"), r#""'""#);
    }

    #[test]
    fn quotes_runes_like_go() {
        assert_eq!(go_quote_rune('\0'), r"'\x00'");
        assert_eq!(go_quote_rune('A'), "'A'");
        assert_eq!(go_quote_rune('\''), r"'\''");
        assert_eq!(go_quote_rune('"'), "'\"'");
        assert_eq!(go_quote_rune('\u{2065}'), r"'\u2065'");
    }
}
