//! One CSV record, split like Go's `encoding/csv` reader splits a single line:
//! fields separated by `,`, a field may be wrapped in double quotes (with `""` for a quote).

/// Splits one CSV line into fields, or says what is malformed.
pub fn split_record(line: &str) -> Result<Vec<String>, String> {
    let mut fields = Vec::new();
    let mut chars = line.chars().peekable();
    loop {
        let mut field = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next() {
                    Some('"') if chars.peek() == Some(&'"') => {
                        chars.next();
                        field.push('"');
                    }
                    Some('"') => break,
                    Some(c) => field.push(c),
                    None => return Err(format!("unterminated quoted field in {line:?}")),
                }
            }
            match chars.next() {
                None => {
                    fields.push(field);
                    return Ok(fields);
                }
                Some(',') => fields.push(field),
                Some(c) => return Err(format!("unexpected {c:?} after quoted field in {line:?}")),
            }
        } else {
            loop {
                match chars.next() {
                    None => {
                        fields.push(field);
                        return Ok(fields);
                    }
                    Some(',') => break,
                    Some('"') => return Err(format!("bare '\"' in unquoted field in {line:?}")),
                    Some(c) => field.push(c),
                }
            }
            fields.push(field);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::split_record;

    #[test]
    fn plain_and_quoted_fields() {
        assert_eq!(split_record("a=1,b=2").unwrap(), ["a=1", "b=2"]);
        assert_eq!(split_record("\"a=1,2\",b").unwrap(), ["a=1,2", "b"]);
        assert_eq!(split_record("\"say \"\"hi\"\"\"").unwrap(), ["say \"hi\""]);
        assert_eq!(split_record("").unwrap(), [""]);
        assert_eq!(split_record("a,").unwrap(), ["a", ""]);
    }

    #[test]
    fn malformed_quotes_are_errors() {
        assert!(split_record("\"open").is_err());
        assert!(split_record("a\"b").is_err());
        assert!(split_record("\"a\"b").is_err());
    }
}
