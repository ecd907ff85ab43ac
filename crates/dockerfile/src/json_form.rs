//! Exec (JSON array) form detection, as upstream's `parseJSON`.

/// Result of trying to read the arguments as a JSON array.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum JsonForm {
    /// A JSON array of strings: exec form.
    Exec(Vec<String>),
    /// Not a JSON array (or malformed JSON): shell form.
    NotJson,
    /// A well-formed JSON array with a non-string element: an error upstream.
    NotStrings,
}

/// The error upstream reports for [`JsonForm::NotStrings`].
pub(crate) const NOT_STRING_ARRAY: &str =
    "when using JSON array syntax, arrays must be comprised of strings only";

/// Reads the first JSON value of `rest`; trailing text after the array is
/// ignored, as Go's `json.Decoder.Decode` does.
pub(crate) fn parse_json(rest: &str) -> JsonForm {
    let rest = rest.trim_start();
    if !rest.starts_with('[') {
        return JsonForm::NotJson;
    }
    let mut stream = serde_json::Deserializer::from_str(rest).into_iter::<serde_json::Value>();
    let Some(Ok(serde_json::Value::Array(items))) = stream.next() else {
        return JsonForm::NotJson;
    };
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        match item {
            serde_json::Value::String(s) => out.push(s),
            _ => return JsonForm::NotStrings,
        }
    }
    JsonForm::Exec(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exec_form() {
        assert_eq!(
            parse_json(r#" ["a", "b c"]"#),
            JsonForm::Exec(vec!["a".into(), "b c".into()])
        );
        assert_eq!(parse_json("[]"), JsonForm::Exec(vec![]));
        assert_eq!(
            parse_json(r#"["a"] trailing"#),
            JsonForm::Exec(vec!["a".into()])
        );
    }

    #[test]
    fn shell_form_and_errors() {
        assert_eq!(parse_json("echo [a]"), JsonForm::NotJson);
        assert_eq!(parse_json(r#"["a""#), JsonForm::NotJson);
        assert_eq!(parse_json("[a]"), JsonForm::NotJson);
        assert_eq!(parse_json(r#"["a", 1]"#), JsonForm::NotStrings);
        assert_eq!(parse_json("[null]"), JsonForm::NotStrings);
    }
}
