//! `.dockerignore` files: the exclude patterns they list, read like
//! moby/patternmatcher's `ignorefile.ReadAll` (BOM stripped, `#` comments,
//! trimmed, lexically cleaned, leading `/` dropped, `!` kept as a prefix).

/// The patterns in a `.dockerignore` file, in file order.
pub fn patterns(text: &str) -> Vec<String> {
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
        let mut cleaned = if pattern.is_empty() {
            String::new()
        } else {
            clean(pattern)
        };
        if cleaned.len() > 1 && cleaned.starts_with('/') {
            cleaned.remove(0);
        }
        out.push(if invert {
            format!("!{cleaned}")
        } else {
            cleaned
        });
    }
    out
}

/// Go's `path.Clean`: the shortest lexically equal path.
fn clean(path: &str) -> String {
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => match parts.last() {
                Some(&p) if p != ".." => {
                    parts.pop();
                }
                _ if rooted => {}
                _ => parts.push(".."),
            },
            p => parts.push(p),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_string(),
        (false, false) => joined,
    }
}

#[cfg(test)]
mod tests {
    use super::patterns;

    #[test]
    fn reads_like_ignorefile() {
        let text = "\u{feff}# comment\n  node_modules/ \n\n/abs/path\n!keep.txt\n! ./a/../b//c/\n*.log\n #not a comment\n/\n";
        assert_eq!(
            patterns(text),
            [
                "node_modules",
                "abs/path",
                "!keep.txt",
                "!b/c",
                "*.log",
                "#not a comment",
                "/"
            ]
        );
    }

    #[test]
    fn dot_dot_and_empty() {
        assert_eq!(patterns("../x\n.\n!\n"), ["../x", ".", "!"]);
    }
}
