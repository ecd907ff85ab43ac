//! First pass over one logical line: keyword, flags and arguments, split the way
//! each instruction expects (upstream's `line_parsers.go` dispatch table).

use super::json_form::{parse_json, JsonForm, NOT_STRING_ARRAY};
use super::split_command::split_command;
use super::words::{parse_words, split_once_whitespace, split_whitespace, Word, WordError};

/// One instruction after the first pass (upstream's `parser.Node`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Node {
    /// The keyword as written.
    pub cmd: Word,
    /// `--flag` words (quotes removed).
    pub flags: Vec<Word>,
    /// The arguments text (trimmed) and its offset.
    pub rest: Word,
    /// The arguments after per-instruction splitting (`nodeArgs` upstream).
    pub args: Vec<Word>,
    /// True when the arguments were a JSON array.
    pub json: bool,
    /// ONBUILD's trigger.
    pub sub: Option<Box<Node>>,
    /// The text this node was made from.
    pub original: String,
}

impl Node {
    /// Lower-cased keyword.
    pub fn keyword(&self) -> String {
        self.cmd.text.to_ascii_lowercase()
    }

    /// Whether heredoc bodies follow this instruction (RUN/COPY/ADD in shell
    /// form, also as an ONBUILD trigger).
    pub fn can_contain_heredoc(&self) -> bool {
        let node = match (&self.sub, self.keyword().as_str()) {
            (Some(sub), "onbuild") => sub,
            _ => self,
        };
        matches!(node.keyword().as_str(), "run" | "copy" | "add") && !node.json
    }
}

/// Splits `line` (at byte offset `base` of the logical line) into a [`Node`].
pub(crate) fn new_node(line: &str, base: usize, escape: char) -> Result<Node, WordError> {
    let split = split_command(line, base);
    let rest = split.args.clone();
    let mut node = Node {
        cmd: split.cmd,
        flags: split.flags,
        rest: rest.clone(),
        args: Vec::new(),
        json: false,
        sub: None,
        original: line.to_string(),
    };
    match node.keyword().as_str() {
        "add" | "copy" | "volume" => (node.args, node.json) = maybe_json_to_list(&rest)?,
        "cmd" | "entrypoint" | "run" | "shell" => (node.args, node.json) = maybe_json(&rest)?,
        "arg" => node.args = parse_words(&rest.text, escape, rest.off),
        "env" => node.args = name_val(&rest, "ENV", escape)?,
        "label" => node.args = name_val(&rest, "LABEL", escape)?,
        "expose" | "from" => node.args = whitespace_list(&rest),
        "healthcheck" => (node.args, node.json) = health_config(&rest)?,
        _ if rest.text.is_empty() => {}
        "maintainer" | "stopsignal" | "user" | "workdir" => node.args = vec![rest.clone()],
        "onbuild" => {
            let sub = new_node(&rest.text, rest.off, escape)?;
            node.args = std::iter::once(sub.cmd.clone())
                .chain(sub.args.iter().cloned())
                .collect();
            node.sub = Some(Box::new(sub));
        }
        _ => {}
    }
    Ok(node)
}

/// `parseStringsWhitespaceDelimited`.
fn whitespace_list(rest: &Word) -> Vec<Word> {
    if rest.text.is_empty() {
        return Vec::new();
    }
    split_whitespace(&rest.text, rest.off)
}

/// JSON array → its strings; a non-string element is an error; anything else is `None`.
fn json_args(rest: &Word) -> Result<Option<Vec<Word>>, WordError> {
    match parse_json(&rest.text) {
        JsonForm::Exec(items) => Ok(Some(
            items.into_iter().map(|s| Word::new(s, rest.off)).collect(),
        )),
        JsonForm::NotStrings => Err(WordError::at(rest.off, NOT_STRING_ARRAY)
            .hint("write every element of the array as a \"quoted string\"")),
        JsonForm::NotJson => Ok(None),
    }
}

/// `parseMaybeJSON`: exec form, or the whole rest as one shell-form argument.
fn maybe_json(rest: &Word) -> Result<(Vec<Word>, bool), WordError> {
    if rest.text.is_empty() {
        return Ok((Vec::new(), false));
    }
    Ok(match json_args(rest)? {
        Some(args) => (args, true),
        None => (vec![rest.clone()], false),
    })
}

/// `parseMaybeJSONToList`: exec form, or whitespace-separated words.
fn maybe_json_to_list(rest: &Word) -> Result<(Vec<Word>, bool), WordError> {
    Ok(match json_args(rest)? {
        Some(args) => (args, true),
        None => (whitespace_list(rest), false),
    })
}

/// `parseHealthConfig`: the type word, then a maybe-JSON command.
fn health_config(rest: &Word) -> Result<(Vec<Word>, bool), WordError> {
    let text = &rest.text;
    let sep = text.find(char::is_whitespace).unwrap_or(text.len());
    if sep == 0 {
        return Ok((Vec::new(), false));
    }
    let after = &text[sep..];
    let cmd_text = after.trim_start();
    let cmd = Word::new(cmd_text, rest.off + text.len() - cmd_text.len());
    let (mut cmd_args, json) = maybe_json(&cmd)?;
    let mut args = vec![Word::new(&text[..sep], rest.off)];
    args.append(&mut cmd_args);
    Ok((args, json))
}

/// `parseNameVal` for ENV/LABEL: `K V` (legacy) or `K=V K2=V2 …`, quotes kept.
/// Returns keys and values alternating.
fn name_val(rest: &Word, key: &str, escape: char) -> Result<Vec<Word>, WordError> {
    let words = parse_words(&rest.text, escape, rest.off);
    let Some(first) = words.first() else {
        return Ok(Vec::new());
    };
    if !first.text.contains('=') {
        let (name, value) = split_once_whitespace(&rest.text);
        let Some((value, value_off)) = value else {
            return Err(WordError::instr(format!("{key} must have two arguments"))
                .hint(format!("write `{key} name=value` (or `{key} name value`)")));
        };
        return Ok(vec![
            Word::new(name, rest.off),
            Word::new(value, rest.off + value_off),
        ]);
    }
    let mut out = Vec::with_capacity(words.len() * 2);
    for w in words {
        let Some((k, v)) = w.text.split_once('=') else {
            return Err(WordError::at(
                w.off,
                format!(
                    "Syntax error - can't find = in {:?}. Must be of the form: name=value",
                    w.text
                ),
            )
            .hint(
                "once one pair uses `=`, every word must be `name=value`; quote values with spaces",
            ));
        };
        out.push(Word::new(k, w.off));
        out.push(Word::new(v, w.off + k.len() + 1));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(line: &str) -> Node {
        new_node(line, 0, '\\').unwrap()
    }

    fn args(n: &Node) -> Vec<&str> {
        n.args.iter().map(|w| w.text.as_str()).collect()
    }

    #[test]
    fn dispatch_by_keyword() {
        let n = node("run echo  hi");
        assert_eq!((args(&n), n.json), (vec!["echo  hi"], false));
        let n = node(r#"CMD ["a", "b"]"#);
        assert_eq!((args(&n), n.json), (vec!["a", "b"], true));
        let n = node("COPY a  b c");
        assert_eq!(args(&n), vec!["a", "b", "c"]);
        assert_eq!(n.args[1].off, 8);
        let n = node("ENV A=1 B=\"x y\"");
        assert_eq!(args(&n), vec!["A", "1", "B", "\"x y\""]);
        assert_eq!(n.args[3].off, 10);
        let n = node("ENV A  x y");
        assert_eq!(args(&n), vec!["A", "x y"]);
        let n = node("HEALTHCHECK --interval=1s CMD [\"a\"]");
        assert_eq!((args(&n), n.json), (vec!["CMD", "a"], true));
        let n = node("ONBUILD RUN --network=none echo");
        assert_eq!(args(&n), vec!["RUN", "echo"]);
        assert!(n.can_contain_heredoc());
        assert_eq!(n.sub.as_ref().unwrap().flags[0].text, "--network=none");
        let n = node("FOO bar");
        assert!(n.args.is_empty());
    }

    #[test]
    fn first_pass_errors() {
        let e = new_node("ENV A", 0, '\\').unwrap_err();
        assert_eq!(
            (e.off, e.message.as_str()),
            (None, "ENV must have two arguments")
        );
        let e = new_node("LABEL a=b c", 0, '\\').unwrap_err();
        assert_eq!(e.off, Some(10));
        assert_eq!(
            e.message,
            "Syntax error - can't find = in \"c\". Must be of the form: name=value"
        );
        let e = new_node("RUN [\"a\", 1]", 0, '\\').unwrap_err();
        assert_eq!((e.off, e.message.as_str()), (Some(4), NOT_STRING_ARRAY));
        let e = new_node("ONBUILD ENV x", 0, '\\').unwrap_err();
        assert_eq!(e.message, "ENV must have two arguments");
    }
}
