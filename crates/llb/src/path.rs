//! Go's `path.Clean` and the FileOp path normalisation of `client/llb/fileop.go`.

/// Lexically cleans a slash path like Go's `path.Clean`.
pub(crate) fn clean(p: &str) -> String {
    if p.is_empty() {
        return ".".to_string();
    }
    let rooted = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in p.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|last| *last != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            _ => parts.push(part),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_string(),
        (false, false) => joined,
    }
}

/// Go's `normalizePath(parent, p, keepSlash)` with the working directory `/`:
/// cleaned, made absolute, and (with `keep_slash`) a trailing `/` or `/.` kept.
pub(crate) fn normalize(p: &str, keep_slash: bool) -> String {
    let mut out = clean(&format!("/{p}"));
    if keep_slash {
        if p.ends_with('/') && !out.ends_with('/') {
            out.push('/');
        } else if p.ends_with("/.") {
            if out != "/" {
                out.push('/');
            }
            out.push('.');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_matches_go() {
        for (input, want) in [
            ("", "."),
            ("/", "/"),
            ("a/b/../c", "a/c"),
            ("/../a", "/a"),
            ("../../a", "../../a"),
            ("a/../..", ".."),
            ("//a//b/./", "/a/b"),
            ("/app/*.txt", "/app/*.txt"),
        ] {
            assert_eq!(clean(input), want, "clean({input:?})");
        }
    }

    #[test]
    fn normalize_keeps_trailing_slash_and_dot() {
        assert_eq!(normalize("/app/", true), "/app/");
        assert_eq!(normalize("/app/", false), "/app");
        assert_eq!(normalize("app", true), "/app");
        assert_eq!(normalize("/app/.", true), "/app/.");
        assert_eq!(normalize("/.", true), "/.");
        assert_eq!(normalize("/", true), "/");
        assert_eq!(normalize(".", false), "/");
    }
}
