//! What a build of the target stage takes from its user (upstream's `outlineCapture`, the
//! answer to `frontend.outline`): the build args it uses with their values and doc comments,
//! the secrets and ssh sockets its `RUN`s mount.
//!
//! Each stage keeps a [`Capture`]; the target's [`Outline`] gathers its own, then its base
//! stage's, then those of the stages it copies or mounts from, each name once.

use std::collections::{BTreeMap, BTreeSet};

use stagetrail_dockerfile::ast::{doc_comment, ArgDecl, Span};

/// One build arg as the outline lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutlineArg {
    /// The name.
    pub name: String,
    /// The doc comment (`# NAME text` above the `ARG`), or "".
    pub description: String,
    /// The value in effect (build arg, else expanded default), or "".
    pub value: String,
    /// The declaring `ARG`.
    pub span: Span,
}

/// A secret or ssh socket a `RUN --mount` asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutlineMount {
    /// Secret id, or ssh id (`default` when none is given).
    pub id: String,
    /// `required=true` on the mount.
    pub required: bool,
    /// The `RUN` that mounts it.
    pub span: Span,
}

/// The outline of the target stage.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Outline {
    /// The target's `AS` name.
    pub name: Option<String>,
    /// The target's doc comment (`# name text` above its `FROM`), or "".
    pub description: String,
    /// Build args used, by line.
    pub args: Vec<OutlineArg>,
    /// Secrets mounted, by line.
    pub secrets: Vec<OutlineMount>,
    /// Ssh sockets mounted, by line.
    pub ssh: Vec<OutlineMount>,
}

/// An ARG definition and the other ARGs its default used.
#[derive(Clone, Debug)]
pub(crate) struct ArgInfo {
    arg: OutlineArg,
    deps: BTreeSet<String>,
}

/// One stage's view: the ARG definitions it sees, the names it uses, what it mounts.
#[derive(Clone, Debug, Default)]
pub(crate) struct Capture {
    all: BTreeMap<String, ArgInfo>,
    used: BTreeSet<String>,
    secrets: Vec<OutlineMount>,
    ssh: Vec<OutlineMount>,
}

impl Capture {
    /// A capture that sees the global ARGs.
    pub fn with_globals(globals: &BTreeMap<String, ArgInfo>) -> Capture {
        Capture {
            all: globals.clone(),
            ..Capture::default()
        }
    }

    /// Marks names as used (by `FROM`, or an `ARG` of the stage).
    pub fn use_names<'a>(&mut self, names: impl IntoIterator<Item = &'a String>) {
        self.used.extend(names.into_iter().cloned());
    }

    /// An `ARG` of the stage: defines `decl` (unless it only takes the global value) and uses it.
    pub fn define(&mut self, info: Option<ArgInfo>, name: &str) {
        if let Some(info) = info {
            self.all.insert(name.to_string(), info);
        }
        self.used.insert(name.to_string());
    }

    /// A secret mount (the first use of an id counts).
    pub fn secret(&mut self, id: &str, required: bool, span: Span) {
        add_mount(&mut self.secrets, id, required, span);
    }

    /// An ssh mount (the first use of an id counts).
    pub fn ssh(&mut self, id: &str, required: bool, span: Span) {
        add_mount(&mut self.ssh, id, required, span);
    }

    /// The used names and, transitively, the ARGs their global defaults used.
    fn used_closure(&self) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        let mut todo: Vec<&String> = self.used.iter().collect();
        while let Some(k) = todo.pop() {
            if out.insert(k.clone()) {
                if let Some(a) = self.all.get(k) {
                    todo.extend(a.deps.iter());
                }
            }
        }
        out
    }
}

fn add_mount(list: &mut Vec<OutlineMount>, id: &str, required: bool, span: Span) {
    if !list.iter().any(|m| m.id == id) {
        list.push(OutlineMount {
            id: id.to_string(),
            required,
            span,
        });
    }
}

impl ArgInfo {
    /// The ARGs the default used.
    pub fn deps(&self) -> &BTreeSet<String> {
        &self.deps
    }
}

/// The definition an `ARG` declaration records.
pub(crate) fn arg_info(
    decl: &ArgDecl,
    comments: &[String],
    value: Option<&str>,
    span: Span,
    deps: BTreeSet<String>,
) -> ArgInfo {
    ArgInfo {
        arg: OutlineArg {
            name: decl.name.clone(),
            description: doc_comment(comments, &decl.name),
            value: value.unwrap_or_default().to_string(),
            span,
        },
        deps,
    }
}

/// A stage as the outline walks it: its capture, its base stage, the stages it uses.
pub(crate) struct Node<'a> {
    /// The stage's capture.
    pub capture: &'a Capture,
    /// The stage it starts from.
    pub base: Option<usize>,
    /// The stages it copies or mounts from, in first-use order.
    pub deps: Vec<usize>,
}

/// Gathers the outline of `target` over `nodes` (indexed like the dispatch states).
pub(crate) fn gather(
    nodes: &[Node],
    target: usize,
) -> (Vec<OutlineArg>, Vec<OutlineMount>, Vec<OutlineMount>) {
    let mut args = Vec::new();
    let mut secrets = Vec::new();
    let mut ssh = Vec::new();
    let (mut seen_args, mut seen_secrets, mut seen_ssh) =
        (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
    let mut walked = BTreeSet::new();
    let mut todo = vec![target];
    // Depth first, the stage itself before its base before its dependencies (upstream order).
    while let Some(i) = todo.pop() {
        if !walked.insert(i) {
            continue;
        }
        let node = &nodes[i];
        let c = node.capture;
        for k in c.used_closure() {
            if let Some(a) = c.all.get(&k) {
                if seen_args.insert(k) {
                    args.push(a.arg.clone());
                }
            }
        }
        for m in &c.secrets {
            if seen_secrets.insert(m.id.clone()) {
                secrets.push(m.clone());
            }
        }
        for m in &c.ssh {
            if seen_ssh.insert(m.id.clone()) {
                ssh.push(m.clone());
            }
        }
        todo.extend(node.deps.iter().rev());
        todo.extend(node.base);
    }
    args.sort_by_key(|a| a.span.start_line);
    secrets.sort_by_key(|m| m.span.start_line);
    ssh.sort_by_key(|m| m.span.start_line);
    (args, secrets, ssh)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(name: &str, line: usize, deps: &[&str]) -> ArgInfo {
        let decl = ArgDecl {
            name: name.into(),
            default: None,
        };
        let comments = vec![format!("{name} the {name}")];
        let deps = deps.iter().map(|d| d.to_string()).collect();
        arg_info(&decl, &comments, Some("v"), Span::line(line), deps)
    }

    #[test]
    fn used_args_pull_in_what_their_defaults_used_and_bases_come_after() {
        let globals: BTreeMap<String, ArgInfo> = [
            ("A".to_string(), info("A", 1, &[])),
            ("B".to_string(), info("B", 2, &["A"])),
            ("C".to_string(), info("C", 3, &[])),
        ]
        .into();
        let mut base = Capture::with_globals(&globals);
        base.use_names([&"B".to_string()]);
        base.secret("tok", true, Span::line(7));
        let mut target = Capture::with_globals(&globals);
        target.define(Some(info("B", 9, &[])), "B");
        target.ssh("default", false, Span::line(10));
        target.secret("tok", false, Span::line(11));
        let nodes = [
            Node {
                capture: &base,
                base: None,
                deps: vec![],
            },
            Node {
                capture: &target,
                base: Some(0),
                deps: vec![],
            },
        ];
        let (args, secrets, ssh) = gather(&nodes, 1);
        let got: Vec<(&str, usize, &str)> = args
            .iter()
            .map(|a| (a.name.as_str(), a.span.start_line, a.description.as_str()))
            .collect();
        // B is the target's own (line 9); A comes from the base's use of the global B.
        assert_eq!(got, [("A", 1, "the A"), ("B", 9, "the B")]);
        assert_eq!(secrets.len(), 1);
        assert!(!secrets[0].required, "the target's own mount wins");
        assert_eq!(ssh[0].id, "default");
    }
}
