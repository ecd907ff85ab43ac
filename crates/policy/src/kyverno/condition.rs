//! Kyverno `conditions` on an attestation's predicate: `{{ … }}` keys in a JMESPath subset, and the
//! operators.
//!
//! The subset: a path of fields (`builder.id`, quoted `"a-b"` for other names), array indexes
//! (`materials[0]`, negative from the end) and projections (`materials[*].uri`, `materials[].uri`),
//! and the functions `length(path)` and Kyverno's `time_since(layout, from, to)` (`from`/`to` a
//! path or a `'literal'`; layout `''`, RFC 3339; an empty `to` is now), which gives a Go duration
//! (`192h0m5s`) that the comparison operators compare with durations (`168h`). A key that is not
//! only `{{ … }}` is text with the values interpolated (`"prefix-{{ a }}"`). A path that names
//! nothing is `null`.

use serde::Deserialize;
use serde_json::Value;

use super::go_duration;
use crate::time::parse_rfc3339;

/// What is wrong with a `{{ … }}` expression.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExprProblem {
    /// `{{` without `}}`.
    #[error("`{{{{` without `}}}}`")]
    Unclosed,
    /// Nothing between the braces.
    #[error("empty expression")]
    Empty,
    /// `[` without `]`.
    #[error("`[` without `]`")]
    UnclosedBracket,
    /// An index that is not a number, `*` or empty.
    #[error("unsupported index [{0}]")]
    Index(String),
    /// A `.` where a name is expected.
    #[error("unexpected `.`")]
    Dot,
    /// A `"` name without its closing quote.
    #[error("unterminated quoted name")]
    Quote,
    /// Syntax outside the subset (pipes, filters, multi-selects, other functions…).
    #[error("unsupported syntax at {0:?}")]
    Syntax(String),
    /// The path ends with `.`.
    #[error("expression ends with `.`")]
    TrailingDot,
    /// `{{` inside an expression.
    #[error("`{{{{` inside `{{{{ }}}}`; write a path without braces, e.g. time_since('', metadata.buildFinishedOn, '')")]
    Nested,
    /// A function call with the wrong arguments.
    #[error("{0}")]
    Arguments(String),
}

/// A key that is not in the supported JMESPath subset.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{text:?}: {problem} (supported: a.b, \"a-b\", [0], [*], length(…), time_since(…))")]
pub struct ExprError {
    /// The key as written.
    pub text: String,
    /// What is wrong.
    pub problem: ExprProblem,
}

/// One step of a path.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Field(String),
    Index(i64),
    /// `[*]` or `[]`: the rest of the path applies to each element.
    Each,
}

/// A `{{ … }}` expression.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Expr {
    /// The value at a path.
    Path(Vec<Step>),
    /// `length(path)`.
    Length(Vec<Step>),
    /// `time_since(layout, from, to)`.
    TimeSince(Box<[Arg; 3]>),
}

/// A function argument.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Arg {
    /// `'text'`.
    Literal(String),
    /// A path.
    Path(Vec<Step>),
}

/// A parsed `key`: a literal, one expression, or text with expressions.
#[derive(Debug, Clone, PartialEq)]
pub enum Key {
    /// A value without `{{ }}`.
    Literal(Value),
    /// Exactly `{{ expr }}`: the value at the path.
    Expr(String, Box<ExprHolder>),
    /// Text with `{{ expr }}` parts, interpolated.
    Text(Vec<Part>),
}

/// Opaque holder so [`Key`] stays `PartialEq` without exposing the parsed steps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExprHolder(Expr);

/// A part of an interpolated text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// Literal text.
    Text(String),
    /// An expression.
    Expr(ExprHolder),
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        Key::parse(v).map_err(serde::de::Error::custom)
    }
}

impl Key {
    /// Parses a key (strings with `{{ }}` are expressions).
    pub fn parse(v: Value) -> Result<Key, ExprError> {
        let Value::String(text) = &v else {
            return Ok(Key::Literal(v));
        };
        if !text.contains("{{") {
            return Ok(Key::Literal(v));
        }
        let mut parts = Vec::new();
        let mut rest = text.as_str();
        while let Some(open) = rest.find("{{") {
            if open > 0 {
                parts.push(Part::Text(rest[..open].to_string()));
            }
            let after = &rest[open + 2..];
            let fail = |problem| ExprError {
                text: text.clone(),
                problem,
            };
            let close = after
                .find("}}")
                .ok_or_else(|| fail(ExprProblem::Unclosed))?;
            if after[..close].contains("{{") {
                return Err(fail(ExprProblem::Nested));
            }
            let expr = parse_expr(after[..close].trim()).map_err(fail)?;
            parts.push(Part::Expr(ExprHolder(expr)));
            rest = &after[close + 2..];
        }
        if !rest.is_empty() {
            parts.push(Part::Text(rest.to_string()));
        }
        if let [Part::Expr(e)] = parts.as_slice() {
            return Ok(Key::Expr(text.trim().to_string(), Box::new(e.clone())));
        }
        Ok(Key::Text(parts))
    }

    /// The key's value over `doc` at time `now` (Unix seconds).
    pub fn eval(&self, doc: &Value, now: i64) -> Value {
        match self {
            Key::Literal(v) => v.clone(),
            Key::Expr(_, e) => e.0.eval(doc, now),
            Key::Text(parts) => {
                let mut out = String::new();
                for p in parts {
                    match p {
                        Part::Text(t) => out.push_str(t),
                        Part::Expr(e) => match e.0.eval(doc, now) {
                            Value::String(s) => out.push_str(&s),
                            Value::Null => {}
                            other => out.push_str(&other.to_string()),
                        },
                    }
                }
                Value::String(out)
            }
        }
    }

    /// The key as written, for messages.
    pub fn describe(&self) -> String {
        match self {
            Key::Literal(v) => v.to_string(),
            Key::Expr(text, _) => text.clone(),
            Key::Text(_) => "(text)".into(),
        }
    }
}

fn parse_expr(text: &str) -> Result<Expr, ExprProblem> {
    if let Some(inner) = call_arguments(text, "length") {
        return Ok(Expr::Length(parse_path(inner.trim())?));
    }
    if let Some(inner) = call_arguments(text, "time_since") {
        let args = split_arguments(inner)?
            .into_iter()
            .map(parse_arg)
            .collect::<Result<Vec<_>, _>>()?;
        let args: [Arg; 3] = args.try_into().map_err(|a: Vec<Arg>| {
            ExprProblem::Arguments(format!(
                "time_since takes 3 arguments (layout, from, to), not {}",
                a.len()
            ))
        })?;
        if !matches!(&args[0], Arg::Literal(l) if l.is_empty()) {
            return Err(ExprProblem::Arguments(
                "time_since: only the layout '' (RFC 3339) is supported".into(),
            ));
        }
        return Ok(Expr::TimeSince(Box::new(args)));
    }
    Ok(Expr::Path(parse_path(text)?))
}

/// The text between the parentheses of `name(…)`.
fn call_arguments<'t>(text: &'t str, name: &str) -> Option<&'t str> {
    text.strip_prefix(name)?
        .trim_start()
        .strip_prefix('(')?
        .strip_suffix(')')
}

/// Arguments split at the commas outside `'…'`.
fn split_arguments(text: &str) -> Result<Vec<&str>, ExprProblem> {
    let mut args = Vec::new();
    let (mut start, mut quoted) = (0, false);
    for (i, c) in text.char_indices() {
        match c {
            '\'' => quoted = !quoted,
            ',' if !quoted => {
                args.push(text[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    if quoted {
        return Err(ExprProblem::Quote);
    }
    args.push(text[start..].trim());
    Ok(args)
}

fn parse_arg(text: &str) -> Result<Arg, ExprProblem> {
    match text.strip_prefix('\'').and_then(|t| t.strip_suffix('\'')) {
        Some(literal) => Ok(Arg::Literal(literal.to_string())),
        None => Ok(Arg::Path(parse_path(text)?)),
    }
}

fn parse_path(text: &str) -> Result<Vec<Step>, ExprProblem> {
    let mut steps = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    let mut expect_name = true;
    if chars.is_empty() {
        return Err(ExprProblem::Empty);
    }
    while i < chars.len() {
        let c = chars[i];
        if c == '[' {
            let end = chars[i..]
                .iter()
                .position(|&c| c == ']')
                .ok_or(ExprProblem::UnclosedBracket)?;
            let inside: String = chars[i + 1..i + end].iter().collect();
            let inside = inside.trim();
            if inside.is_empty() || inside == "*" {
                steps.push(Step::Each);
            } else {
                let n = inside
                    .parse::<i64>()
                    .map_err(|_| ExprProblem::Index(inside.to_string()))?;
                steps.push(Step::Index(n));
            }
            i += end + 1;
            expect_name = false;
        } else if c == '.' {
            if expect_name {
                return Err(ExprProblem::Dot);
            }
            expect_name = true;
            i += 1;
        } else if expect_name && c == '"' {
            let end = chars[i + 1..]
                .iter()
                .position(|&c| c == '"')
                .ok_or(ExprProblem::Quote)?;
            steps.push(Step::Field(chars[i + 1..i + 1 + end].iter().collect()));
            i += end + 2;
            expect_name = false;
        } else if expect_name && (c.is_alphanumeric() || c == '_' || c == '$' || c == '@') {
            let end = chars[i..]
                .iter()
                .position(|&c| !(c.is_alphanumeric() || c == '_' || c == '-'))
                .unwrap_or(chars.len() - i);
            let name: String = chars[i..i + end].iter().collect();
            if name != "@" {
                steps.push(Step::Field(name));
            }
            i += end;
            expect_name = false;
        } else {
            return Err(ExprProblem::Syntax(chars[i..].iter().collect()));
        }
    }
    if expect_name {
        return Err(ExprProblem::TrailingDot);
    }
    Ok(steps)
}

impl Expr {
    fn eval(&self, doc: &Value, now: i64) -> Value {
        match self {
            Expr::Path(steps) => walk(doc, steps),
            Expr::Length(steps) => match walk(doc, steps) {
                Value::Array(a) => Value::from(a.len()),
                Value::Object(o) => Value::from(o.len()),
                Value::String(s) => Value::from(s.chars().count()),
                _ => Value::Null,
            },
            Expr::TimeSince(args) => {
                let time = |arg: &Arg| {
                    let text = match arg {
                        Arg::Literal(l) => Value::String(l.clone()),
                        Arg::Path(steps) => walk(doc, steps),
                    };
                    match text.as_str() {
                        Some("") => Some(now),
                        Some(t) => parse_rfc3339(t),
                        None => None,
                    }
                };
                match (time(&args[1]), time(&args[2])) {
                    (Some(from), Some(to)) => {
                        Value::String(go_duration::format_seconds(to.saturating_sub(from)))
                    }
                    _ => Value::Null,
                }
            }
        }
    }
}

fn walk(v: &Value, steps: &[Step]) -> Value {
    let Some((first, rest)) = steps.split_first() else {
        return v.clone();
    };
    match first {
        Step::Field(name) => v.get(name).map_or(Value::Null, |next| walk(next, rest)),
        Step::Index(n) => {
            let Some(items) = v.as_array() else {
                return Value::Null;
            };
            let i = if *n < 0 { items.len() as i64 + n } else { *n };
            usize::try_from(i)
                .ok()
                .and_then(|i| items.get(i))
                .map_or(Value::Null, |next| walk(next, rest))
        }
        Step::Each => {
            let Some(items) = v.as_array() else {
                return Value::Null;
            };
            Value::Array(
                items
                    .iter()
                    .map(|item| walk(item, rest))
                    .filter(|x| !x.is_null())
                    .collect(),
            )
        }
    }
}

/// Kyverno's condition operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Operator {
    /// Equal (strings: `*` and `?` wildcards in the value).
    Equals,
    /// Not equal.
    NotEquals,
    /// The key (or every element of it) is in the value list. Deprecated in Kyverno.
    In,
    /// The key (or some element of it) is not in the value list. Deprecated in Kyverno.
    NotIn,
    /// Some element of the key is in the value.
    AnyIn,
    /// Every element of the key is in the value.
    AllIn,
    /// Some element of the key is not in the value.
    AnyNotIn,
    /// No element of the key is in the value.
    AllNotIn,
    /// Numbers (or numeric strings), else Go durations (`168h`).
    GreaterThan,
    /// Numbers (or numeric strings), else Go durations.
    GreaterThanOrEquals,
    /// Numbers (or numeric strings), else Go durations.
    LessThan,
    /// Numbers (or numeric strings), else Go durations.
    LessThanOrEquals,
}

/// Applies `op` to the key's value and the condition's value.
pub fn apply(op: Operator, key: &Value, value: &Value) -> bool {
    let elements = |v: &Value| match v {
        Value::Array(a) => a.clone(),
        other => vec![other.clone()],
    };
    let contains = |set: &Value, item: &Value| match set {
        Value::Array(a) => a.iter().any(|s| equals(item, s)),
        other => equals(item, other),
    };
    match op {
        Operator::Equals => equals(key, value),
        Operator::NotEquals => !equals(key, value),
        Operator::In | Operator::AllIn => elements(key).iter().all(|k| contains(value, k)),
        Operator::NotIn => !elements(key).iter().all(|k| contains(value, k)),
        Operator::AnyIn => elements(key).iter().any(|k| contains(value, k)),
        Operator::AnyNotIn => elements(key).iter().any(|k| !contains(value, k)),
        Operator::AllNotIn => elements(key).iter().all(|k| !contains(value, k)),
        Operator::GreaterThan => compare(key, value).is_some_and(|o| o.is_gt()),
        Operator::GreaterThanOrEquals => compare(key, value).is_some_and(|o| o.is_ge()),
        Operator::LessThan => compare(key, value).is_some_and(|o| o.is_lt()),
        Operator::LessThanOrEquals => compare(key, value).is_some_and(|o| o.is_le()),
    }
}

/// Equality; a string value may hold `*` / `?` wildcards; numbers compare by value.
fn equals(key: &Value, value: &Value) -> bool {
    match (key, value) {
        (Value::String(k), Value::String(v)) => wildcard(v, k),
        (Value::Number(_), _) | (_, Value::Number(_)) => {
            number(key).zip(number(value)).is_some_and(|(a, b)| a == b)
        }
        (Value::Bool(k), Value::String(v)) => v == &k.to_string(),
        _ => key == value,
    }
}

fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Numbers when both sides are numbers, else durations when both are Go durations.
fn compare(a: &Value, b: &Value) -> Option<std::cmp::Ordering> {
    if let (Some(x), Some(y)) = (number(a), number(b)) {
        return x.partial_cmp(&y);
    }
    let duration = |v: &Value| v.as_str().and_then(go_duration::parse);
    duration(a)?.partial_cmp(&duration(b)?)
}

/// Kyverno's wildcard match: `*` any run of characters, `?` one character.
pub fn wildcard(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}
