//! Every instruction and its flags.

use super::super::ast::{
    Add, ArgDecl, CmdLine, Command, Copy, From, Healthcheck, KeyValue, Run, ShellDependentCmd,
    SourcesAndDest,
};
use super::{ok, one, span};

fn kv(key: &str, value: &str) -> KeyValue {
    KeyValue {
        key: key.into(),
        value: value.into(),
    }
}

fn shell(s: &str) -> ShellDependentCmd {
    ShellDependentCmd {
        cmd: CmdLine::Shell(s.into()),
        heredocs: vec![],
    }
}

fn exec(v: &[&str]) -> ShellDependentCmd {
    ShellDependentCmd {
        cmd: CmdLine::Exec(v.iter().map(|s| s.to_string()).collect()),
        heredocs: vec![],
    }
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[test]
fn from_variants() {
    let df = ok("FROM --platform=$BUILDPLATFORM golang:1.22 AS Build-1.x\nFROM build-1.x\nFROM scratch as final_\n");
    assert_eq!(
        df.stages[0].from,
        From {
            base: "golang:1.22".into(),
            name: Some("build-1.x".into()),
            platform: Some("$BUILDPLATFORM".into()),
        }
    );
    assert_eq!(
        df.stages[0].original,
        "FROM --platform=$BUILDPLATFORM golang:1.22 AS Build-1.x"
    );
    assert_eq!(df.stages[1].from.name, None);
    assert_eq!(df.stages[2].from.name.as_deref(), Some("final_"));
    assert_eq!(df.stages[2].span, span(3, 3, 1));
}

#[test]
fn run_forms_and_flags() {
    assert_eq!(
        one("RUN --mount=type=cache,target=/root/.cache --mount=type=secret,id=\"a b\" --network=host --security=insecure go build ./..."),
        Command::Run(Run {
            cmd: shell("go build ./..."),
            mounts: strings(&["type=cache,target=/root/.cache", "type=secret,id=a b"]),
            network: Some("host".into()),
            security: Some("insecure".into()),
            devices: vec![],
        })
    );
    assert_eq!(
        one("RUN [\"/bin/echo\", \"a b\"]"),
        Command::Run(Run {
            cmd: exec(&["/bin/echo", "a b"]),
            mounts: vec![],
            network: None,
            security: None,
            devices: vec![],
        })
    );
    // malformed JSON silently falls back to shell form
    assert_eq!(
        one("RUN [\"echo\", a]"),
        Command::Run(Run {
            cmd: shell("[\"echo\", a]"),
            mounts: vec![],
            network: None,
            security: None,
            devices: vec![],
        })
    );
    // `--` ends the flags
    assert!(matches!(one("RUN -- --weird"), Command::Run(r) if r.cmd == shell("--weird")));
    assert!(matches!(one("RUN"), Command::Run(r) if r.cmd == shell("")));
}

#[test]
fn cmd_and_entrypoint() {
    assert_eq!(one("CMD [\"a\", \"b\"]"), Command::Cmd(exec(&["a", "b"])));
    assert_eq!(one("CMD echo $HOME"), Command::Cmd(shell("echo $HOME")));
    assert_eq!(one("CMD [\"a\"] trailing"), Command::Cmd(exec(&["a"])));
    assert_eq!(one("CMD [\"a\""), Command::Cmd(shell("[\"a\"")));
    assert_eq!(one("ENTRYPOINT []"), Command::Entrypoint(exec(&[])));
    assert_eq!(
        one("ENTRYPOINT top -b"),
        Command::Entrypoint(shell("top -b"))
    );
}

#[test]
fn shell_instruction() {
    assert_eq!(
        one("SHELL [\"powershell\", \"-command\"]"),
        Command::Shell(strings(&["powershell", "-command"]))
    );
}

#[test]
fn env_forms() {
    assert_eq!(
        one("ENV A=1 B=\"x y\" C='$z' D=a\\ b E="),
        Command::Env(vec![
            kv("A", "1"),
            kv("B", "\"x y\""),
            kv("C", "'$z'"),
            kv("D", "a\\ b"),
            kv("E", ""),
        ])
    );
    assert_eq!(
        one("ENV KEY value with  spaces"),
        Command::Env(vec![kv("KEY", "value with  spaces")])
    );
    assert_eq!(
        one("ENV A=\"multi \\\n  line\""),
        Command::Env(vec![kv("A", "\"multi   line\"")])
    );
}

#[test]
fn label_and_maintainer() {
    assert_eq!(
        one("LABEL org.opencontainers.image.title=\"My app\" version=1"),
        Command::Label(vec![
            kv("org.opencontainers.image.title", "\"My app\""),
            kv("version", "1")
        ])
    );
    assert_eq!(
        one("LABEL legacy some value"),
        Command::Label(vec![kv("legacy", "some value")])
    );
    assert_eq!(
        one("MAINTAINER Jane <j@x.org>"),
        Command::Maintainer("Jane <j@x.org>".into())
    );
}

#[test]
fn expose_user_workdir_stopsignal_volume() {
    assert_eq!(
        one("EXPOSE 8080/tcp 443 53/udp"),
        Command::Expose(strings(&["443", "53/udp", "8080/tcp"]))
    );
    assert_eq!(one("USER app:app"), Command::User("app:app".into()));
    assert_eq!(one("WORKDIR /my dir"), Command::Workdir("/my dir".into()));
    assert_eq!(
        one("STOPSIGNAL SIGKILL"),
        Command::StopSignal("SIGKILL".into())
    );
    assert_eq!(one("VOLUME /a /b"), Command::Volume(strings(&["/a", "/b"])));
    assert_eq!(
        one("VOLUME [\"/a\", \" /b \"]"),
        Command::Volume(strings(&["/a", "/b"]))
    );
}

#[test]
fn arg_forms() {
    let decl = |n: &str, d: Option<&str>| ArgDecl {
        name: n.into(),
        default: d.map(String::from),
    };
    assert_eq!(
        one("ARG A=1 B C=\"x y\" D="),
        Command::Arg(vec![
            decl("A", Some("1")),
            decl("B", None),
            decl("C", Some("\"x y\"")),
            decl("D", Some("")),
        ])
    );
}

#[test]
fn copy_flags() {
    assert_eq!(
        one("COPY --from=build --chown=1:1 --chmod=644 --link --parents --exclude=*.md --exclude=.git a b /dst/"),
        Command::Copy(Copy {
            paths: SourcesAndDest {
                sources: strings(&["a", "b"]),
                heredocs: vec![],
                dest: "/dst/".into(),
            },
            from: Some("build".into()),
            chown: Some("1:1".into()),
            chmod: Some("644".into()),
            link: true,
            parents: true,
            exclude: strings(&["*.md", ".git"]),
        })
    );
    let Command::Copy(c) = one("COPY --link=false [\"a b\", \"/c d/\"]") else {
        panic!()
    };
    assert_eq!(c.paths.sources, strings(&["a b"]));
    assert_eq!(c.paths.dest, "/c d/");
    assert!(!c.link);
    assert_eq!(c.from, None);
}

#[test]
fn add_flags() {
    assert_eq!(
        one("ADD --chown=u --chmod=600 --link --checksum=sha256:abc --keep-git-dir=true --unpack=false --exclude=x https://e.org/a.tgz /d"),
        Command::Add(Add {
            paths: SourcesAndDest {
                sources: strings(&["https://e.org/a.tgz"]),
                heredocs: vec![],
                dest: "/d".into(),
            },
            chown: Some("u".into()),
            chmod: Some("600".into()),
            link: true,
            checksum: Some("sha256:abc".into()),
            keep_git_dir: true,
            unpack: Some(false),
            exclude: strings(&["x"]),
        })
    );
    let Command::Add(a) = one("ADD a b") else {
        panic!()
    };
    assert_eq!(a.unpack, None);
    assert!(!a.link && !a.keep_git_dir);
}

#[test]
fn healthcheck_forms() {
    assert_eq!(
        one("HEALTHCHECK NONE"),
        Command::Healthcheck(Healthcheck::None)
    );
    assert_eq!(
        one("HEALTHCHECK --interval=5s none"),
        Command::Healthcheck(Healthcheck::None)
    );
    assert_eq!(
        one("HEALTHCHECK --interval=5s --timeout=3s --start-period=1m --start-interval=2s --retries=3 CMD curl -f http://x/"),
        Command::Healthcheck(Healthcheck::Cmd {
            cmd: CmdLine::Shell("curl -f http://x/".into()),
            interval: Some("5s".into()),
            timeout: Some("3s".into()),
            start_period: Some("1m".into()),
            start_interval: Some("2s".into()),
            retries: Some("3".into()),
        })
    );
    assert_eq!(
        one("HEALTHCHECK cmd [\"/probe\", \"-q\"]"),
        Command::Healthcheck(Healthcheck::Cmd {
            cmd: CmdLine::Exec(strings(&["/probe", "-q"])),
            interval: None,
            timeout: None,
            start_period: None,
            start_interval: None,
            retries: None,
        })
    );
}

#[test]
fn onbuild_trigger() {
    let Command::Onbuild {
        expression,
        trigger,
    } = one("onbuild  run --mount=type=tmpfs,target=/t make")
    else {
        panic!()
    };
    assert_eq!(expression, "run --mount=type=tmpfs,target=/t make");
    assert_eq!(trigger.original, "run --mount=type=tmpfs,target=/t make");
    assert_eq!(trigger.span, span(2, 2, 10));
    let Command::Run(r) = trigger.command else {
        panic!()
    };
    assert_eq!(r.mounts, strings(&["type=tmpfs,target=/t"]));
    assert_eq!(r.cmd, shell("make"));

    let Command::Onbuild { trigger, .. } = one("ONBUILD COPY --from=x a b") else {
        panic!()
    };
    assert!(matches!(trigger.command, Command::Copy(c) if c.from.as_deref() == Some("x")));
}
