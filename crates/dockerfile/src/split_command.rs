//! Splitting an instruction line into keyword, builder flags and arguments.

use super::words::{is_split_space, split_once_whitespace, Word};

/// An instruction line split like upstream's `splitCommand`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SplitCommand {
    /// The instruction keyword as written, with its offset.
    pub cmd: Word,
    /// `--flag[=value]` words before the arguments (quotes and `\` escapes removed).
    pub flags: Vec<Word>,
    /// The arguments text, trimmed, with its offset.
    pub args: Word,
}

/// Splits `line` (which starts at byte offset `base` of the logical line).
pub(crate) fn split_command(line: &str, base: usize) -> SplitCommand {
    let lead = line.len() - line.trim_start().len();
    let trimmed = line.trim();
    let (cmd, rest) = split_once_whitespace(trimmed);
    let cmd = Word::new(cmd, base + lead);
    let Some((rest, rest_off)) = rest else {
        return SplitCommand {
            args: Word::new("", base + lead + trimmed.len()),
            cmd,
            flags: Vec::new(),
        };
    };
    let rest_base = base + lead + rest_off;
    let (args_off, flags) = extract_builder_flags(rest, rest_base);
    let args_text = &rest[args_off..];
    let args_lead = args_text.len() - args_text.trim_start().len();
    SplitCommand {
        cmd,
        flags,
        args: Word::new(args_text.trim(), rest_base + args_off + args_lead),
    }
}

/// Upstream's `extractBuilderFlags`: reads `--words` until the first word that
/// does not start with `--` (or a bare `--`). Returns the byte offset in `line`
/// where the arguments start and the flags (quotes removed, `\` escapes applied).
fn extract_builder_flags(line: &str, base: usize) -> (usize, Vec<Word>) {
    #[derive(PartialEq)]
    enum Phase {
        Spaces,
        Word,
        Quote,
    }
    let bytes = line.as_bytes();
    let mut words = Vec::new();
    let mut phase = Phase::Spaces;
    let mut word: Vec<u8> = Vec::new();
    let mut start = 0;
    let mut quote = 0u8;
    let mut blank_ok = false;
    let mut pos = 0;
    let finish = |w: &[u8]| String::from_utf8_lossy(w).into_owned();
    while pos <= bytes.len() {
        let at_end = pos == bytes.len();
        let mut ch = if at_end { 0 } else { bytes[pos] };
        if phase == Phase::Spaces {
            if at_end {
                break;
            }
            if (ch as char).is_ascii_whitespace() || is_split_space(ch as char) {
                pos += 1;
                continue;
            }
            if ch != b'-' || pos + 1 == bytes.len() || bytes[pos + 1] != b'-' {
                return (pos, words);
            }
            phase = Phase::Word;
            start = pos;
        }
        if at_end {
            if word != b"--" && (blank_ok || !word.is_empty()) {
                words.push(Word::new(finish(&word), base + start));
            }
            break;
        }
        if phase == Phase::Word {
            if (ch as char).is_ascii_whitespace() || is_split_space(ch as char) {
                phase = Phase::Spaces;
                if word == b"--" {
                    return (pos, words);
                }
                if blank_ok || !word.is_empty() {
                    words.push(Word::new(finish(&word), base + start));
                }
                word.clear();
                blank_ok = false;
                pos += 1;
                continue;
            }
            if ch == b'\'' || ch == b'"' {
                quote = ch;
                blank_ok = true;
                phase = Phase::Quote;
                pos += 1;
                continue;
            }
        } else if ch == quote {
            phase = Phase::Word;
            pos += 1;
            continue;
        }
        // A character of the word, quoted or not; `\` takes the next one as is.
        if ch == b'\\' {
            pos += 1;
            if pos == bytes.len() {
                continue;
            }
            ch = bytes[pos];
        }
        word.push(ch);
        pos += 1;
    }
    (bytes.len(), words)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flags(s: &SplitCommand) -> Vec<&str> {
        s.flags.iter().map(|w| w.text.as_str()).collect()
    }

    #[test]
    fn keyword_flags_and_args() {
        let s = split_command(
            "  RUN --mount=type=cache,target=/x  --network=none echo hi ",
            0,
        );
        assert_eq!(s.cmd, Word::new("RUN", 2));
        assert_eq!(
            flags(&s),
            vec!["--mount=type=cache,target=/x", "--network=none"]
        );
        assert_eq!(s.flags[1].off, 36);
        assert_eq!(s.args, Word::new("echo hi", 51));
    }

    #[test]
    fn quotes_removed_in_flags() {
        let s = split_command(r#"COPY --chown="a b" --from=x\ y src dst"#, 0);
        assert_eq!(flags(&s), vec!["--chown=a b", "--from=x y"]);
        assert_eq!(s.args.text, "src dst");
    }

    #[test]
    fn double_dash_ends_flags() {
        let s = split_command("RUN --network=host -- --not-a-flag", 0);
        assert_eq!(flags(&s), vec!["--network=host"]);
        assert_eq!(s.args.text, "--not-a-flag");
        let s = split_command("RUN --", 0);
        assert!(s.flags.is_empty());
        assert_eq!(s.args.text, "");
        let s = split_command("RUN -x --y", 0);
        assert!(s.flags.is_empty());
        assert_eq!(s.args.text, "-x --y");
    }

    #[test]
    fn no_args() {
        let s = split_command("FROM", 3);
        assert_eq!(s.cmd, Word::new("FROM", 3));
        assert_eq!(s.args.text, "");
        let s = split_command("RUN --link", 0);
        assert_eq!(flags(&s), vec!["--link"]);
        assert_eq!(s.args.text, "");
    }
}
