//! Go's `encoding/csv` reader with default settings (comma separator, strict quotes), as
//! BuildKit reads `--mount` specs and frontend option values: the first record of a string.

/// Why a CSV record does not parse; displayed as Go's `encoding/csv` error text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CsvError {
    /// The input holds no record (`EOF`).
    #[error("EOF")]
    Empty,
    /// A quote where Go's reader refuses one.
    #[error("{}", position(*.record_line, *.line, *.column, .what))]
    Quote {
        /// The line the record starts on.
        record_line: usize,
        /// The line of the error.
        line: usize,
        /// The column of the error (1-based, in bytes).
        column: usize,
        /// What is wrong with the quote.
        what: &'static str,
    },
}

fn position(start: usize, line: usize, col: usize, what: &str) -> String {
    if start != line {
        format!("record on line {start}; parse error on line {line}, column {col}: {what}")
    } else {
        format!("parse error on line {line}, column {col}: {what}")
    }
}

/// Splits the first record of `input` into fields, or says why not in Go's words
/// (`EOF`, `parse error on line 1, column 5: bare " in non-quoted-field`, …).
pub fn first_record(input: &str) -> Result<Vec<String>, CsvError> {
    let mut lines = input.split_inclusive('\n').map(trim_line_end);
    let mut line_no = 0;
    // Leading empty lines are skipped; no record at all is `EOF`.
    let mut line = loop {
        let Some(l) = lines.next() else {
            return Err(CsvError::Empty);
        };
        line_no += 1;
        if !l.is_empty() {
            break l;
        }
    };
    let start_line = line_no;
    let mut fields = Vec::new();
    let mut col = 1;
    loop {
        if !line.starts_with('"') {
            let end = line.find(',').unwrap_or(line.len());
            let field = &line[..end];
            if let Some(j) = field.find('"') {
                return Err(parse_error(start_line, line_no, col + j, BARE_QUOTE));
            }
            fields.push(field.to_string());
            if end == line.len() {
                return Ok(fields);
            }
            line = &line[end + 1..];
            col += end + 1;
            continue;
        }
        // A quoted field, possibly spanning lines.
        let mut field = String::new();
        line = &line[1..];
        col += 1;
        loop {
            if let Some(i) = line.find('"') {
                field.push_str(&line[..i]);
                line = &line[i + 1..];
                col += i + 1;
                if let Some(rest) = line.strip_prefix('"') {
                    field.push('"');
                    line = rest;
                    col += 1;
                } else if let Some(rest) = line.strip_prefix(',') {
                    fields.push(std::mem::take(&mut field));
                    line = rest;
                    col += 1;
                    break;
                } else if line.is_empty() {
                    fields.push(field);
                    return Ok(fields);
                } else {
                    return Err(parse_error(start_line, line_no, col, EXTRANEOUS_QUOTE));
                }
            } else if let Some(next) = lines.next() {
                field.push_str(line);
                field.push('\n');
                line = next;
                line_no += 1;
                col = 1;
            } else {
                field.push_str(line);
                col += line.len();
                return Err(parse_error(start_line, line_no, col, EXTRANEOUS_QUOTE));
            }
        }
    }
}

const BARE_QUOTE: &str = "bare \" in non-quoted-field";
const EXTRANEOUS_QUOTE: &str = "extraneous or missing \" in quoted-field";

/// Drops the line ending (`\n` or `\r\n`).
fn trim_line_end(l: &str) -> &str {
    let l = l.strip_suffix('\n').unwrap_or(l);
    l.strip_suffix('\r').unwrap_or(l)
}

fn parse_error(start: usize, line: usize, col: usize, what: &'static str) -> CsvError {
    CsvError::Quote {
        record_line: start,
        line,
        column: col,
        what,
    }
}

#[cfg(test)]
mod tests {
    use super::first_record;

    fn ok(input: &str) -> Vec<String> {
        first_record(input).unwrap()
    }

    #[test]
    fn splits_fields() {
        assert_eq!(ok("a=1,b=2"), ["a=1", "b=2"]);
        assert_eq!(ok("a,"), ["a", ""]);
        assert_eq!(ok("\n\na,b\nc,d"), ["a", "b"]);
        assert_eq!(ok("a,b\r\n"), ["a", "b"]);
        assert_eq!(ok(r#""a,b",c"#), ["a,b", "c"]);
        assert_eq!(ok(r#""say ""hi""""#), [r#"say "hi""#]);
        assert_eq!(ok("\"a\nb\",c"), ["a\nb", "c"]);
    }

    #[test]
    fn errors_like_go() {
        assert_eq!(first_record("").unwrap_err().to_string(), "EOF");
        assert_eq!(first_record("\n").unwrap_err().to_string(), "EOF");
        assert_eq!(
            first_record(r#"a,b"c"#).unwrap_err().to_string(),
            r#"parse error on line 1, column 4: bare " in non-quoted-field"#
        );
        assert_eq!(
            first_record(r#""ab"c"#).unwrap_err().to_string(),
            r#"parse error on line 1, column 5: extraneous or missing " in quoted-field"#
        );
        assert_eq!(
            first_record(r#""abc"#).unwrap_err().to_string(),
            r#"parse error on line 1, column 5: extraneous or missing " in quoted-field"#
        );
        assert_eq!(
            first_record("\"a\nbc").unwrap_err().to_string(),
            r#"record on line 1; parse error on line 2, column 3: extraneous or missing " in quoted-field"#
        );
    }
}
