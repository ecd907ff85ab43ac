//! Parsers for the line-oriented text formats catalogers meet: deb822/RFC 822 paragraphs
//! (dpkg status, Python `METADATA`, `MANIFEST.MF`) with line numbers for warnings.

/// One `Key: value` field; continuation lines are joined with `\n` (leading space removed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// The field name as written.
    pub name: String,
    /// The value, continuation lines joined with `\n`.
    pub value: String,
}

/// A block of fields separated from the next by a blank line.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Paragraph {
    /// 1-based line of the paragraph's first field.
    pub line: usize,
    /// The fields, in order.
    pub fields: Vec<Field>,
    /// Text after the header block (RFC 822 body, e.g. a `METADATA` description).
    pub body: String,
}

impl Paragraph {
    /// The first field named `name` (case-insensitive).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(name))
            .map(|f| f.value.as_str())
    }

    /// Every field named `name` (case-insensitive), in order.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.fields
            .iter()
            .filter(move |f| f.name.eq_ignore_ascii_case(name))
            .map(|f| f.value.as_str())
    }
}

/// Splits deb822 text into paragraphs. Lines that are neither a field nor a continuation are
/// reported as `(line, text)` problems and skipped.
pub fn paragraphs(text: &str) -> (Vec<Paragraph>, Vec<(usize, String)>) {
    let mut out = Vec::new();
    let mut bad = Vec::new();
    let mut cur = Paragraph::default();
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        if line.trim().is_empty() {
            if !cur.fields.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            continue;
        }
        if line.starts_with([' ', '\t']) {
            match cur.fields.last_mut() {
                Some(f) => {
                    f.value.push('\n');
                    f.value.push_str(line.trim_start());
                }
                None => bad.push((n, "continuation line outside a field".to_string())),
            }
            continue;
        }
        match line.split_once(':') {
            Some((k, v)) if !k.is_empty() && !k.contains(' ') => {
                if cur.fields.is_empty() {
                    cur.line = n;
                }
                cur.fields.push(Field {
                    name: k.to_string(),
                    value: v.trim().to_string(),
                });
            }
            _ => bad.push((n, format!("not a `Field: value` line: {:.60}", line))),
        }
    }
    if !cur.fields.is_empty() {
        out.push(cur);
    }
    (out, bad)
}

/// Parses an RFC 822 header block (Python `METADATA`/`PKG-INFO`): fields up to the first blank
/// line, the rest as the body.
pub fn rfc822(text: &str) -> Paragraph {
    let text = text.replace("\r\n", "\n");
    let (head, body) = match text.find("\n\n") {
        Some(i) => (&text[..i], &text[i + 2..]),
        None => (&text[..], ""),
    };
    let (ps, _) = paragraphs(head);
    let mut p = ps.into_iter().next().unwrap_or_default();
    p.body = body.to_string();
    p
}

/// Parses a JAR `MANIFEST.MF` main section: continuation lines (one leading space) join with no
/// separator, as the JAR spec wraps lines at 72 bytes.
pub fn manifest(text: &str) -> Paragraph {
    let mut p = Paragraph::default();
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        if line.is_empty() {
            break;
        }
        if let Some(cont) = line.strip_prefix(' ') {
            if let Some(f) = p.fields.last_mut() {
                f.value.push_str(cont);
            }
        } else if let Some((k, v)) = line.split_once(':') {
            p.fields.push(Field {
                name: k.trim().to_string(),
                value: v.trim_start().to_string(),
            });
        }
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_paragraphs_with_lines() {
        let (ps, bad) = paragraphs("Package: a\nDescription: x\n more\n\n\nPackage: b\nbroken\n");
        assert_eq!(ps.len(), 2);
        assert_eq!(ps[0].get("description"), Some("x\nmore"));
        assert_eq!(ps[1].line, 6);
        assert_eq!(bad[0].0, 7);
    }

    #[test]
    fn joins_manifest_continuations() {
        let m = manifest("Manifest-Version: 1.0\r\nBundle-Name: abcdef\r\n ghi\r\n\r\nName: x\r\n");
        assert_eq!(m.get("Bundle-Name"), Some("abcdefghi"));
        assert_eq!(m.fields.len(), 2);
    }

    #[test]
    fn reads_crlf_headers() {
        let p = rfc822("Name: pip\r\nVersion: 1\r\n\r\nBody: no\r\n");
        assert_eq!(
            (p.get("name"), p.get("version"), p.get("body")),
            (Some("pip"), Some("1"), None)
        );
        assert_eq!(p.body, "Body: no\n");
    }
}
