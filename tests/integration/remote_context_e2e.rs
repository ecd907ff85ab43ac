//! Remote build contexts end to end: `docker buildx build <git URL>` (`#ref`, `#ref:subdir`,
//! `BUILDKIT_CONTEXT_KEEP_GIT_DIR`), an http(s) tarball, a plain Dockerfile URL and a git named
//! context, served on 127.0.0.1 by a `git daemon` and a std::net HTTP server (BuildKit runs in the
//! engine's process on the host network, so it reaches them). Each context is built with the engine's
//! built-in frontend and with ours; both OCI layouts must hold the same root filesystem, layers and
//! config, and the progress output the same step names. Each test also asserts what a user sees in
//! the image (which files the context gave), so a change on both sides is noticed too.
//!
//! Needs `eval "$(scripts/stack up)"`; without the stack every test fails (never skips).

use std::collections::BTreeMap;
use std::process::Command;

use crate::support::buildx::{self, Frontend};
use crate::support::oci::{self, Image};
use crate::support::servers::{git, scratch, serve_file, GitDaemon};
use crate::support::stack::stack;
use crate::support::{diff, logs};

/// The repository (and tarball) every context test builds: a root Dockerfile copying the context,
/// a `.dockerignore` naming a file, and `sub/` with its own Dockerfile.
const FILES: &[(&str, &str)] = &[
    (
        "Dockerfile",
        "FROM scratch\nENV FROM_CONTEXT=root\nCOPY . /ctx/\n",
    ),
    (".dockerignore", "ignored.txt\n"),
    ("ignored.txt", "listed in .dockerignore\n"),
    (
        "sub/Dockerfile",
        "FROM scratch\nLABEL from.context=sub\nCOPY . /sub/\n",
    ),
    ("sub/inner.txt", "inside sub\n"),
];

/// A `git daemon` serving [`FILES`] on `main` (with `hello.txt`); stopped when dropped.
fn repository(name: &str) -> (GitDaemon, std::path::PathBuf) {
    let base = scratch(name);
    let repo = base.join("repo");
    for (path, text) in FILES {
        let file = repo.join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, text).unwrap();
    }
    let daemon = GitDaemon::start(&base);
    (daemon, repo)
}

/// Builds `context` both ways (`extra` buildx arguments on both) and returns the builtin's image,
/// failing the test with every difference between the two.
fn same_image(name: &str, context: &str, extra: &[&str]) -> Image {
    let ours =
        buildx::ours().unwrap_or_else(|e| panic!("{name}: no frontend image under test: {e}"));
    let work = buildx::work_root().join(format!("remote-{name}"));
    let _ = std::fs::remove_dir_all(&work);
    let built = |frontend: &Frontend, side: &str| {
        let outcome = buildx::build_url(context, frontend, &work.join(side), extra)
            .unwrap_or_else(|e| panic!("{name}: {side} build: {e}"));
        assert!(
            outcome.ok,
            "{name}: {side} build of {context} failed:\n{}",
            buildx::tail(&outcome.log, 40)
        );
        let images = oci::read_layout(&work.join(side))
            .unwrap_or_else(|e| panic!("{name}: {side}: reading the OCI layout: {e}"));
        (images, logs::step_names(&outcome.log))
    };
    let (builtin, builtin_steps) = built(&Frontend::Builtin, "builtin");
    let (theirs, our_steps) = built(&ours, "ours");
    let mut problems = diff::compare(&builtin, &theirs, false);
    if builtin_steps != our_steps {
        problems.push(format!(
            "step names differ:\n  builtin: {builtin_steps:?}\n  ours:    {our_steps:?}"
        ));
    }
    assert!(
        problems.is_empty(),
        "{name}: building {context} with ours differs from the builtin (outputs in {}):\n{}",
        work.display(),
        problems.join("\n")
    );
    let _ = std::fs::remove_dir_all(&work);
    only_image(builtin)
}

fn only_image(images: BTreeMap<String, Image>) -> Image {
    assert_eq!(images.len(), 1, "one platform built");
    images.into_values().next().unwrap()
}

/// The image's paths under `dir` (no leading slash), sorted.
fn paths_under(image: &Image, dir: &str) -> Vec<String> {
    image
        .tree
        .keys()
        .filter(|p| p.starts_with(dir))
        .cloned()
        .collect()
}

/// The image's `Env`.
fn env(image: &Image) -> Vec<String> {
    let list = image.config["config"]["Env"].as_array();
    list.into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect()
}

#[test]
fn git_context_e2e() {
    let (daemon, _) = repository("git-context");
    let image = same_image("git-context", &format!("{}#main", daemon.url), &[]);
    // Upstream applies no .dockerignore to a git context: ignored.txt is copied.
    assert_eq!(
        paths_under(&image, "ctx/"),
        [
            "ctx/.dockerignore",
            "ctx/Dockerfile",
            "ctx/hello.txt",
            "ctx/ignored.txt",
            "ctx/sub",
            "ctx/sub/Dockerfile",
            "ctx/sub/inner.txt",
        ]
    );
    assert_eq!(
        env(&image).last().map(String::as_str),
        Some("FROM_CONTEXT=root")
    );
}

#[test]
fn git_context_ref_and_subdir_e2e() {
    let (daemon, _) = repository("git-subdir");
    let image = same_image("git-subdir", &format!("{}#main:sub", daemon.url), &[]);
    assert_eq!(
        paths_under(&image, "sub/"),
        ["sub/Dockerfile", "sub/inner.txt"]
    );
    assert_eq!(image.config["config"]["Labels"]["from.context"], "sub");
}

#[test]
fn git_context_keep_git_dir_e2e() {
    let (daemon, repo) = repository("git-keep");
    let image = same_image(
        "git-keep",
        &format!("{}#main", daemon.url),
        &["--build-arg", "BUILDKIT_CONTEXT_KEEP_GIT_DIR=1"],
    );
    assert!(
        image.tree.contains_key("ctx/.git/HEAD"),
        "the context keeps .git: {:?}",
        paths_under(&image, "ctx/.git/")
    );
    assert_eq!(git(&repo, &["rev-parse", "HEAD"]), daemon.commit);
}

#[test]
fn http_tarball_context_e2e() {
    let (_daemon, repo) = repository("http-tarball");
    let tarball = repo.with_file_name("ctx.tar.gz");
    let status = Command::new("tar")
        .args(["--exclude=.git", "-czf"])
        .arg(&tarball)
        .arg("-C")
        .arg(&repo)
        .arg(".")
        .status()
        .expect("tar runs");
    assert!(status.success(), "tar failed");
    let url = format!(
        "{}/ctx.tar.gz",
        serve_file(std::fs::read(&tarball).unwrap())
    );
    let image = same_image("http-tarball", &url, &[]);
    // As for git, the unpacked tarball is the context as it is: no .dockerignore applied.
    assert!(image.tree.contains_key("ctx/ignored.txt"));
    assert!(image.tree.contains_key("ctx/sub/inner.txt"));
    assert_eq!(
        env(&image).last().map(String::as_str),
        Some("FROM_CONTEXT=root")
    );
}

#[test]
fn http_dockerfile_url_e2e() {
    let dockerfile = "FROM scratch\nLABEL from.context=url\nCOPY context /downloaded\n";
    let url = format!("{}/Dockerfile", serve_file(dockerfile.as_bytes().to_vec()));
    let image = same_image("http-dockerfile", &url, &[]);
    assert_eq!(image.config["config"]["Labels"]["from.context"], "url");
    assert!(
        image.tree.contains_key("downloaded"),
        "the download itself is the whole context, named `context`"
    );
}

#[test]
fn git_named_context_e2e() {
    let (daemon, _) = repository("git-named");
    let dockerfile = "FROM scratch\nCOPY --from=src . /from-src/\n";
    let url = format!("{}/Dockerfile", serve_file(dockerfile.as_bytes().to_vec()));
    let named = format!("src={}#main", daemon.url);
    let image = same_image("git-named", &url, &["--build-context", &named]);
    assert!(image.tree.contains_key("from-src/sub/inner.txt"));
    // BuildKit 0.13's built-in frontend keeps `.git` in a git named context, 0.25's does not.
    let keeps_git = stack().engine_major() < 28;
    assert_eq!(
        image.tree.contains_key("from-src/.git/HEAD"),
        keeps_git,
        "{:?}",
        paths_under(&image, "from-src/")
    );
}

/// Builds the local directory `dir` both ways; both must fail with the same error report.
fn same_failure(name: &str, dir: &std::path::Path) -> String {
    let ours =
        buildx::ours().unwrap_or_else(|e| panic!("{name}: no frontend image under test: {e}"));
    let work = buildx::work_root().join(format!("remote-{name}"));
    let _ = std::fs::remove_dir_all(&work);
    let context = dir.to_str().unwrap();
    let report = |frontend: &Frontend, side: &str| {
        let outcome = buildx::build_url(context, frontend, &work.join(side), &[])
            .unwrap_or_else(|e| panic!("{name}: {side} build: {e}"));
        assert!(!outcome.ok, "{name}: the {side} build succeeded");
        logs::error_report(&outcome.log)
            .unwrap_or_else(|| panic!("{name}: {side}: no error:\n{}", outcome.log))
    };
    let builtin = report(&Frontend::Builtin, "builtin");
    let theirs = report(&ours, "ours");
    assert_eq!(theirs, builtin, "{name}: the errors differ");
    builtin.message
}

/// `ADD --checksum=<commit> <git URL>`: BuildKit 0.25 checks the commit the ref resolves to (the
/// same image, a wrong commit fails both frontends the same way); 0.13 takes `--checksum` for a
/// digest and refuses a commit, and so does ours there.
#[test]
fn add_git_with_checksum_e2e() {
    let (daemon, _) = repository("add-git-checksum");
    let dir = scratch("add-git-checksum-context");
    let dockerfile = |commit: &str| {
        let text = format!(
            "FROM scratch\nADD --checksum={commit} {}#main /src/\n",
            daemon.url
        );
        std::fs::write(dir.join("Dockerfile"), text).unwrap();
    };
    dockerfile(&daemon.commit);
    if stack().engine_major() < 28 {
        let message = same_failure("add-git-checksum-26", &dir);
        assert!(
            message.contains("invalid checksum digest format"),
            "{message}"
        );
        return;
    }
    let image = same_image("add-git-checksum", dir.to_str().unwrap(), &[]);
    assert!(
        paths_under(&image, "src/").contains(&"src/hello.txt".to_string()),
        "{:?}",
        paths_under(&image, "src/")
    );
    dockerfile(&"0".repeat(40));
    let message = same_failure("add-git-checksum-wrong", &dir);
    assert!(message.contains("0000000000"), "{message}");
}
