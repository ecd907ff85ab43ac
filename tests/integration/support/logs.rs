//! What a user reads in `docker buildx build --progress=plain` output: the step (vertex) names
//! and, for a failed build, the Dockerfile snippet box and the error message.

use std::collections::BTreeMap;

/// The build steps' vertex names (`[2/4] COPY  .`, `[stage 1/2] RUN …`), each vertex once,
/// sorted (vertices run concurrently, so their order in the log is not fixed). `FROM` steps are
/// left out (see [`from_step_names`]).
pub fn step_names(log: &str) -> Vec<String> {
    vertex_names(log, |name| is_step(name) && !is_from(name))
}

/// The `FROM` steps' vertex names, each vertex once, sorted; without their `[stage n/m] ` part
/// unless `prefixed`. BuildKit shows a vertex that several builds run at once under the name the
/// first of them gave it, and the debian base is in nearly every case: only a case whose base
/// images are its own can compare these.
pub fn from_step_names(log: &str, prefixed: bool) -> Vec<String> {
    let mut names = vertex_names(log, |name| is_step(name) && is_from(name));
    if !prefixed {
        for name in &mut names {
            if let Some((_, step)) = name.split_once("] ") {
                *name = step.to_string();
            }
        }
        names.sort();
        names.dedup();
    }
    names
}

/// The names of the vertices `keep` accepts, each vertex once, sorted.
fn vertex_names(log: &str, keep: impl Fn(&str) -> bool) -> Vec<String> {
    let mut by_vertex: BTreeMap<&str, &str> = BTreeMap::new();
    for line in log.lines() {
        let Some((id, rest)) = line.strip_prefix('#').and_then(|l| l.split_once(' ')) else {
            continue;
        };
        if id.chars().all(|c| c.is_ascii_digit()) && keep(rest) {
            by_vertex.entry(id).or_insert(rest);
        }
    }
    let mut names: Vec<String> = by_vertex.values().map(|s| s.to_string()).collect();
    names.sort();
    names
}

/// `[…] FROM …`.
fn is_from(name: &str) -> bool {
    name.split_once("] ")
        .is_some_and(|(_, cmd)| cmd.starts_with("FROM "))
}

/// `[…N/M] …`: a numbered build step (internal vertices like `[internal] load …` are not).
fn is_step(name: &str) -> bool {
    let Some(close) = name.strip_prefix('[').and_then(|n| n.find(']')) else {
        return false;
    };
    let counter = name[1..=close].rsplit(' ').next().unwrap_or("");
    matches!(counter.split_once('/'), Some((n, m))
        if !n.is_empty() && n.chars().all(|c| c.is_ascii_digit())
            && !m.is_empty() && m.chars().all(|c| c.is_ascii_digit()))
}

/// A failed build as shown to the user.
#[derive(Debug, PartialEq, Eq)]
pub struct ErrorReport {
    /// The `Dockerfile:N` box: the location line and the snippet lines (empty when none).
    pub snippet: Vec<String>,
    /// The `ERROR:` line without `ERROR: ` and the CLI's own `failed to build: ` / `failed to
    /// solve: ` / `failed to run Build function: ` wrappers (buildx adds the last one, now and
    /// then, when it ran the build through its client-side gateway), without what names the frontend (`failed with
    /// build-arg:BUILDKIT_SYNTAX = <image>: `, `frontend <image> returned an error: `…), and
    /// without the location each frontend puts first (ours `Dockerfile:4:1: `, the builtin's
    /// `dockerfile parse error on line 4: `): the snippet box shows the location.
    pub message: String,
}

/// The last error of `log`, if it has one.
pub fn error_report(log: &str) -> Option<ErrorReport> {
    let lines: Vec<&str> = log.lines().collect();
    let at = lines.iter().rposition(|l| l.starts_with("ERROR: "))?;
    let mut message = lines[at].trim_start_matches("ERROR: ").to_string();
    loop {
        let before = message.len();
        for wrapper in [
            "failed to build: ",
            "failed to solve: ",
            "failed to run Build function: ",
        ] {
            if let Some(rest) = message.strip_prefix(wrapper) {
                message = rest.to_string();
            }
        }
        message = strip_frontend_prefix(&message);
        message = strip_location(&message);
        if message.len() == before {
            break;
        }
    }
    // BuildKit names the context snapshot by a random id (`checksum of ref <id>: …`).
    if let Some((head, tail)) = message.split_once("of ref ") {
        let rest = tail.split_once(": ").map_or("", |(_, r)| r);
        message = format!("{head}of ref <id>: {rest}");
    }
    // The box right above the ERROR line: `Dockerfile:N` then dashes, lines, dashes.
    let mut snippet = Vec::new();
    if let Some(start) = lines[..at]
        .iter()
        .rposition(|l| l.starts_with("Dockerfile:"))
    {
        snippet = lines[start..at]
            .iter()
            .map(|l| l.trim_end().to_string())
            .collect();
    }
    Some(ErrorReport { snippet, message })
}

/// Drops a leading `Dockerfile:N:C: ` or `dockerfile parse error on line N: `.
fn strip_location(message: &str) -> String {
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    if let Some(rest) = message.strip_prefix("dockerfile parse error on line ") {
        if let Some((_, tail)) = rest.split_once(": ").filter(|(n, _)| digits(n)) {
            return tail.to_string();
        }
    }
    if let Some((head, tail)) = message.split_once(": ") {
        let mut parts = head.rsplitn(3, ':');
        let (col, line, file) = (parts.next(), parts.next(), parts.next());
        if let (Some(col), Some(line), Some(file)) = (col, line, file) {
            if digits(col) && digits(line) && file.ends_with("Dockerfile") {
                return tail.to_string();
            }
        }
    }
    message.to_string()
}

/// Drops one leading clause that names the frontend image (differs between the two builds).
fn strip_frontend_prefix(message: &str) -> String {
    for marker in ["failed with build-arg:BUILDKIT_SYNTAX = ", "frontend "] {
        if let Some(rest) = message.strip_prefix(marker) {
            if let Some((_, tail)) = rest.split_once(": ") {
                return tail.to_string();
            }
        }
    }
    message.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOG: &str = "#1 [internal] load build definition from Dockerfile\n\
#5 [1/3] FROM docker.io/library/debian:bookworm\n\
#6 [2/3] RUN echo fine\n\
#6 0.120 fine\n\
#6 DONE 0.2s\n\
#7 [stage-1 3/3] COPY  .\n\
#7 ERROR: process did not complete\n\
------\n > [2/3] RUN exit 3:\n------\n\
Dockerfile:5\n--------------------\n   4 |     \n   5 | >>> RUN exit 3\n--------------------\n\
ERROR: failed to build: failed to solve: failed with build-arg:BUILDKIT_SYNTAX = r/f:t: process \"/bin/sh -c exit 3\" did not complete successfully: exit code: 3\n";

    #[test]
    fn steps_are_numbered_vertices_once_each() {
        assert_eq!(
            step_names(LOG),
            ["[2/3] RUN echo fine", "[stage-1 3/3] COPY  ."]
        );
    }

    #[test]
    fn from_steps_with_and_without_their_stage() {
        assert_eq!(
            from_step_names(LOG, true),
            ["[1/3] FROM docker.io/library/debian:bookworm"]
        );
        assert_eq!(
            from_step_names(LOG, false),
            ["FROM docker.io/library/debian:bookworm"]
        );
    }

    #[test]
    fn error_report_has_the_box_and_the_bare_message() {
        let report = error_report(LOG).unwrap();
        assert_eq!(
            report.message,
            "process \"/bin/sh -c exit 3\" did not complete successfully: exit code: 3"
        );
        assert_eq!(report.snippet[0], "Dockerfile:5");
        assert_eq!(report.snippet.len(), 5);
        assert_eq!(error_report("all fine\n"), None);
        let ours = error_report("ERROR: failed to solve: Dockerfile:3:6: unknown flag: --x\n");
        let builtin = error_report(
            "ERROR: failed to solve: dockerfile parse error on line 3: unknown flag: --x\n",
        );
        assert_eq!(ours, builtin);
        assert_eq!(builtin.unwrap().message, "unknown flag: --x");
        // As engine 26's buildx printed it once for case 41, through its client-side gateway.
        let wrapped = error_report(
            "ERROR: failed to build: failed to solve: failed to run Build function: \
             Dockerfile:3:6: unknown flag: --x\n",
        );
        assert_eq!(wrapped, ours);
    }
}
