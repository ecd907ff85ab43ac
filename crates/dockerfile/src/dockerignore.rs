//! `.dockerignore` files: reading patterns as `moby/patternmatcher/ignorefile`
//! `ReadAll` does, and matching paths as `patternmatcher`
//! `MatchesOrParentMatches` does (`*`, `?`, `[…]`, `**`, `!` exceptions).

mod pattern;

#[cfg(test)]
mod tests;

use pattern::Pattern;

/// The patterns of an ignore file, in order: comment lines (starting with
/// `#`) and blank lines dropped, whitespace trimmed, each path cleaned, a
/// leading `/` removed, a leading `!` kept.
pub fn parse(text: &str) -> Vec<String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = Vec::new();
    for line in text.lines() {
        if line.starts_with('#') {
            continue;
        }
        let mut pattern = line.trim();
        if pattern.is_empty() {
            continue;
        }
        let invert = pattern.starts_with('!');
        if invert {
            pattern = pattern[1..].trim();
        }
        let mut cleaned = String::new();
        if !pattern.is_empty() {
            cleaned = clean_path(pattern);
            if cleaned.len() > 1 && cleaned.starts_with('/') {
                cleaned.remove(0);
            }
        }
        out.push(if invert {
            format!("!{cleaned}")
        } else {
            cleaned
        });
    }
    out
}

/// Whether `path` (slash-separated, relative to the context) is excluded by
/// `patterns`: the last pattern that matches the path or one of its parent
/// directories decides, `!` patterns re-include. An invalid pattern (e.g. an
/// unclosed `[`) makes upstream fail; here it makes nothing match.
pub fn matches(patterns: &[String], path: &str) -> bool {
    let Some(compiled) = compile_all(patterns) else {
        return false;
    };
    let file = clean_path(path);
    if file == "." {
        return false;
    }
    let parent = match file.rfind('/') {
        Some(i) => clean_path(&file[..=i]),
        None => ".".to_string(),
    };
    let parent_dirs: Vec<&str> = parent.split('/').collect();
    let mut matched = false;
    for p in &compiled {
        if p.exclusion != matched {
            continue;
        }
        let mut hit = p.matches(&file);
        if !hit && parent != "." {
            hit = (1..=parent_dirs.len()).any(|n| p.matches(&parent_dirs[..n].join("/")));
        }
        if hit {
            matched = !p.exclusion;
        }
    }
    matched
}

/// Compiles every non-blank pattern, or `None` if one is invalid.
fn compile_all(patterns: &[String]) -> Option<Vec<Pattern>> {
    let mut out = Vec::new();
    for p in patterns {
        let p = p.trim();
        if p.is_empty() {
            continue;
        }
        let p = clean_path(p);
        let (exclusion, body) = match p.strip_prefix('!') {
            Some("") => return None,
            Some(rest) => (true, rest),
            None => (false, p.as_str()),
        };
        out.push(Pattern::compile(body, exclusion).ok()?);
    }
    Some(out)
}

/// Go's `path.Clean`: the shortest equivalent slash path (`""` → `.`).
pub fn clean_path(p: &str) -> String {
    let rooted = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for seg in p.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|l| *l != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            s => parts.push(s),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_string(),
        (false, false) => joined,
    }
}
