//! Expansion helpers around [`stagetrail_dockerfile::expand::Lexer`] for the ways the
//! dispatcher uses it (plain words, progress names, raw heredoc bodies).

use std::collections::BTreeSet;

use stagetrail_dockerfile::expand::{Env, Lexer};

/// Expands one word with `env` (upstream `ProcessWord`), error text as upstream.
pub fn word(lexer: &Lexer, w: &str, env: &dyn Env) -> Result<String, String> {
    lexer.process_word(w, env).map_err(|e| e.message)
}

/// [`word`], also naming the variables that were set (upstream `ProcessWordWithMatches`).
pub fn word_with_matches(
    lexer: &Lexer,
    w: &str,
    env: &dyn Env,
) -> Result<(String, BTreeSet<String>), String> {
    lexer
        .process_word_with_matches(w, env)
        .map(|x| (x.value, x.matched))
        .map_err(|e| e.message)
}

/// Upstream `processCmdEnv` with `RawQuotes` and `SkipUnsetEnv`: expands a command
/// for its progress name, leaving it unchanged when expansion fails.
pub fn cmd_env(lexer: &Lexer, cmd: &str, env: &dyn Env) -> String {
    let mut l = lexer.clone();
    l.raw_quotes = true;
    l.skip_unset_env = true;
    l.process_word(cmd, env).unwrap_or_else(|_| cmd.to_string())
}

/// Upstream `processCmdEnv` with the stage's lexer as it is (COPY, ADD, WORKDIR): unset
/// variables become empty and quotes go (`COPY $nope <<-"EOF" /x` → `COPY  <<-EOF /x`); the
/// command unchanged when expansion fails.
pub fn plain_cmd_env(lexer: &Lexer, cmd: &str, env: &dyn Env) -> String {
    lexer
        .process_word(cmd, env)
        .unwrap_or_else(|_| cmd.to_string())
}

/// Expands a heredoc body as upstream `ExpandRaw` does: escape `\`, quotes not
/// processed (`SkipProcessQuotes`). Quotes are escaped first so the lexer keeps them.
pub fn heredoc_body(data: &str, env: &dyn Env) -> Result<String, String> {
    word(&Lexer::new('\\'), &guard_quotes(data), env)
}

/// `data` with its quotes escaped, so that a lexer with escape `\` keeps them.
pub fn guard_quotes(data: &str) -> String {
    let mut guarded = String::with_capacity(data.len());
    let mut chars = data.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                guarded.push(c);
                if let Some(n) = chars.next() {
                    guarded.push(n);
                }
            }
            '\'' | '"' => {
                guarded.push('\\');
                guarded.push(c);
            }
            c => guarded.push(c),
        }
    }
    guarded
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env() -> Vec<(String, String)> {
        vec![("FOO".into(), "bar".into())]
    }

    #[test]
    fn heredoc_bodies_keep_quotes_and_expand_inside_them() {
        assert_eq!(
            heredoc_body("echo '$FOO' \"$FOO\"\n", &env()).unwrap(),
            "echo 'bar' \"bar\"\n"
        );
        assert_eq!(heredoc_body("a \\$FOO\n", &env()).unwrap(), "a $FOO\n");
    }

    #[test]
    fn progress_names_keep_unset_vars_and_quotes() {
        let l = Lexer::new('\\');
        assert_eq!(
            cmd_env(&l, "RUN echo \"$FOO\" $NOPE", &env()),
            "RUN echo \"bar\" $NOPE"
        );
        assert_eq!(word(&l, "'$FOO'", &env()).unwrap(), "$FOO");
    }

    #[test]
    fn copy_names_drop_unset_vars_and_quotes() {
        let l = Lexer::new('\\');
        assert_eq!(plain_cmd_env(&l, "COPY $NOPE .", &env()), "COPY  .");
        assert_eq!(
            plain_cmd_env(&l, "COPY <<-\"EOF\" /scan.sh", &env()),
            "COPY <<-EOF /scan.sh"
        );
        assert_eq!(plain_cmd_env(&l, "COPY ${FOO:?} .", &env()), "COPY bar .");
        assert_eq!(
            plain_cmd_env(&l, "COPY ${NOPE:?x} .", &env()),
            "COPY ${NOPE:?x} ."
        );
    }
}
