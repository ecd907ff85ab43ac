//! `docker buildx build --call=outline|targets` (engine 28, buildx 0.29) and
//! `BUILDX_EXPERIMENTAL=1 … --print=outline|targets` (engine 26, buildx 0.13, which has no
//! `--call`) through our frontend print exactly what they print with the engine's built-in
//! Dockerfile frontend, in JSON and as text, on the real stack.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use crate::support::servers::scratch;
use crate::support::stack::{stack, Stack};

/// Build args, their doc comments and values (one from a global default that uses another),
/// secrets and ssh sockets on one- and multi-line `RUN`s, stages with doc comments, a stage
/// copied from.
const APP: &str = r#"# escape=\
# GO_VERSION the Go release
ARG GO_VERSION=1.22
ARG BASE
ARG UNUSED=1
# base the base stage <b> & co
FROM ${BASE} AS base
# NAME who to greet
ARG NAME=world
ARG EMPTY
RUN --mount=type=secret,id=tok,required=true --mount=type=ssh true

#
# build builds it
FROM base AS build
ARG GO_VERSION
ARG OTHER=$NAME
RUN --mount=type=secret,id=npmrc,target=/root/.npmrc \
    --mount=type=ssh,id=gh,required=true true

FROM scratch AS tools
# TOOL which tool
ARG TOOL=make

# final the image
FROM scratch
COPY --from=build /x /y
COPY --from=tools /t /t
"#;

/// Platforms in FROM, a global ARG whose default uses another global ARG, a stage mounted from.
const PLATFORMS: &str = r#"ARG REGISTRY=127.0.0.1:5000
ARG IMAGE=${REGISTRY}/library/debian:bookworm
FROM --platform=$BUILDPLATFORM ${IMAGE} AS builder
ARG TARGETOS
ARG TARGETARCH
ARG VERSION=dev
RUN --mount=type=cache,target=/c --mount=type=secret,id=aws,target=/run/aws true
FROM scratch
RUN --mount=from=builder,target=/b true
"#;

/// One unnamed stage, nothing to ask for.
const PLAIN: &str = "FROM scratch\nCOPY a /a\n";

/// What `docker buildx build` with a subrequest printed.
pub struct Called {
    /// The exit status.
    pub code: i32,
    /// stdout (buildx 0.13's image-id line removed).
    pub stdout: String,
    /// stderr.
    pub stderr: String,
}

/// buildx 0.13 exports a `--print` result as a dangling image named by its config digest, the
/// same for every empty result; Engine 26 fails one of two such exports that run at once
/// (`image "moby-dangling@sha256:…": already exists`). Its calls are made one at a time.
static ENGINE_26_EXPORTS: Mutex<()> = Mutex::new(());

/// `docker buildx build -q` with a subrequest (`--call`, or `--print` on buildx 0.13) through
/// `frontend` (None: the built-in one) with the stack's Debian as `BASE`.
pub fn call(
    s: &Stack,
    dir: &Path,
    frontend: Option<&str>,
    request: &str,
    extra: &[&str],
) -> Called {
    let mut cmd = Command::new("docker");
    cmd.args(["buildx", "build", "-q"]);
    if s.engine_major() >= 28 {
        cmd.arg(format!("--call={request}"));
    } else {
        // buildx 0.13 calls subrequests only as the experimental `--print`.
        cmd.env("BUILDX_EXPERIMENTAL", "1")
            .arg(format!("--print={request}"));
    }
    if let Some(image) = frontend {
        cmd.arg("--build-arg")
            .arg(format!("BUILDKIT_SYNTAX={image}"));
    }
    let base = format!("BASE={}/library/debian:bookworm", s.registry);
    cmd.args(["--build-arg", &base]).args(extra).arg(".");
    let _one_at_a_time = (s.engine_major() < 28)
        .then(|| ENGINE_26_EXPORTS.lock().unwrap_or_else(|e| e.into_inner()));
    let out = cmd
        .current_dir(dir)
        .env("DOCKER_HOST", &s.docker_host)
        .output()
        .unwrap_or_else(|e| panic!("cannot run docker buildx: {e}"));
    // buildx 0.13 also exports the (empty) result and prints its image id first.
    let stdout = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.starts_with("sha256:"))
        .map(|l| format!("{l}\n"))
        .collect();
    Called {
        code: out.status.code().unwrap_or(-1),
        stdout,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// [`call`] that must succeed; its stdout.
fn call_ok(s: &Stack, dir: &Path, frontend: Option<&str>, request: &str, extra: &[&str]) -> String {
    let c = call(s, dir, frontend, request, extra);
    assert_eq!(
        c.code, 0,
        "--call={request} {extra:?} via {frontend:?} failed:\n{}\n{}",
        c.stdout, c.stderr
    );
    c.stdout
}

/// A build context holding `dockerfile`.
pub fn context(name: &str, dockerfile: &str) -> PathBuf {
    let dir = scratch(&format!("subrequests-{name}"));
    std::fs::write(dir.join("Dockerfile"), dockerfile).unwrap();
    dir
}

/// Asserts equal output of both frontends for every request and form.
fn assert_same(s: &Stack, ours: &str, name: &str, dockerfile: &str, extra: &[&str]) {
    let dir = context(name, dockerfile);
    for request in [
        "outline,format=json",
        "outline",
        "targets,format=json",
        "targets",
    ] {
        let builtin = call_ok(s, &dir, None, request, extra);
        let got = call_ok(s, &dir, Some(ours), request, extra);
        if request.ends_with("json") {
            assert!(
                builtin.trim().starts_with('{'),
                "{name}: {request}: {builtin:?}"
            );
        }
        pretty_assertions::assert_eq!(got, builtin, "{name} {request} {extra:?}");
    }
}

#[test]
fn outline_and_targets_e2e() {
    let s = stack();
    let ours = s.frontend();
    assert_same(&s, &ours, "app", APP, &[]);
    assert_same(&s, &ours, "app-target", APP, &["--target", "build"]);
    assert_same(
        &s,
        &ours,
        "app-args",
        APP,
        &["--build-arg", "NAME=bob", "--build-arg", "GO_VERSION=1.23"],
    );
    assert_same(&s, &ours, "platforms", PLATFORMS, &[]);
    assert_same(&s, &ours, "plain", PLAIN, &[]);
}

#[test]
fn outline_lists_what_the_user_must_give_e2e() {
    let s = stack();
    let dir = context("facts", APP);
    let text = call_ok(&s, &dir, Some(&s.frontend()), "outline", &[]);
    for line in [
        "GO_VERSION   1.22",
        "TOOL         make",
        "SECRET   REQUIRED",
        "tok      true",
        "gh        true",
    ] {
        assert!(text.contains(line), "{line:?} missing in:\n{text}");
    }
    assert!(!text.contains("UNUSED"), "{text}");
}
