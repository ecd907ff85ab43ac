//! The real test stack (scripts/stack): its registry and Docker Engine, and helpers to drive them.

use crate::support::buildx;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{SystemTime, UNIX_EPOCH};

const NOT_RUNNING: &str = "the e2e stack is not running: eval \"$(scripts/stack up)\"";

/// The running stack.
pub struct Stack {
    /// `127.0.0.1:port` of the loopback registry.
    pub registry: String,
    /// `DOCKER_HOST` of the stack's engine.
    pub docker_host: String,
    /// The engine's Docker version (`26.1.5`, `28.5.2`).
    pub engine_version: String,
}

/// The stack from the environment (`eval "$(scripts/stack up)"`), else from `scripts/stack env`;
/// fails the test when its registry or engine does not answer.
pub fn stack() -> Stack {
    let from_env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let (registry, docker_host) = match (from_env("STAGETRAIL_REGISTRY"), from_env("DOCKER_HOST")) {
        (Some(r), Some(d)) => (r, d),
        _ => stack_env().unwrap_or_else(|| panic!("{NOT_RUNNING}")),
    };
    let registry_up = Command::new("curl")
        .args(["-fsS", "--max-time", "5", &format!("http://{registry}/v2/")])
        .output()
        .is_ok_and(|o| o.status.success());
    let engine_version = Command::new("docker")
        .args(["version", "--format", "{{.Server.Version}}"])
        .env("DOCKER_HOST", &docker_host)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    let docker_up = engine_version.is_some();
    assert!(registry_up && docker_up, "{NOT_RUNNING} (registry {registry} up: {registry_up}, docker {docker_host} up: {docker_up})");
    Stack {
        registry,
        docker_host,
        engine_version: engine_version.unwrap_or_default(),
    }
}

/// `STAGETRAIL_REGISTRY` and `DOCKER_HOST` from `scripts/stack env`.
fn stack_env() -> Option<(String, String)> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/stack");
    let out = Command::new(script).arg("env").output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let get = |k: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("export {k}=")))
            .map(|v| v.trim_matches('\'').to_string())
    };
    Some((get("STAGETRAIL_REGISTRY")?, get("DOCKER_HOST")?))
}

impl Stack {
    /// The major Docker version of the engine (26 or 28 in `scripts/stack`).
    pub fn engine_major(&self) -> u32 {
        let major = self.engine_version.split('.').next().unwrap_or("");
        major
            .parse()
            .unwrap_or_else(|_| panic!("docker version {:?}", self.engine_version))
    }

    /// Runs a command with the stack's `DOCKER_HOST`; fails the test with its output when it fails.
    ///
    /// A push that the loopback registry answered with a 500 is run once more: distribution 2.8
    /// rewrites a tag's link file in place, and a concurrent `HEAD` of that tag (the engine's own,
    /// during a push of a tag that an earlier run wrote) reads it half-written and fails with
    /// `invalid checksum digest format` — the registry's race, not the pusher's.
    pub fn run(&self, program: &str, args: &[&str], dir: &Path, env: &[(&str, &str)]) -> Output {
        let attempt = || {
            Command::new(program)
                .args(args)
                .current_dir(dir)
                .env("DOCKER_HOST", &self.docker_host)
                .envs(env.iter().copied())
                .output()
                .unwrap_or_else(|e| panic!("cannot run {program}: {e}"))
        };
        let mut out = attempt();
        let registry_race =
            String::from_utf8_lossy(&out.stderr).contains("500 Internal Server Error");
        if !out.status.success() && args.contains(&"--push") && registry_race {
            eprintln!(
                "{program} {args:?}: the registry answered 500 during the push; pushing once more"
            );
            out = attempt();
        }
        assert!(
            out.status.success(),
            "{program} {args:?} failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    /// `cosign verify-attestation --type kind` of `image` with `dir/cosign.pub` (offline: no
    /// transparency log); fails the test unless cosign says the signatures were verified.
    pub fn cosign_verifies(&self, dir: &Path, kind: &str, image: &str) {
        let out = self.run(
            "cosign",
            &[
                "verify-attestation",
                "--key",
                "cosign.pub",
                "--type",
                kind,
                "--insecure-ignore-tlog",
                "--allow-insecure-registry",
                image,
            ],
            dir,
            &[],
        );
        let text = String::from_utf8_lossy(&out.stderr);
        assert!(
            text.contains("The signatures were verified against the specified public key"),
            "cosign verify-attestation --type {kind} {image}: {text}"
        );
    }

    /// A fresh build context with a COPY-only Dockerfile whose content is unique to this run.
    pub fn context(&self, name: &str) -> PathBuf {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let dir = std::env::temp_dir().join(format!(
            "stagetrail-registry-{name}-{}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("data.txt"), format!("{name} {nanos}\n")).unwrap();
        std::fs::write(
            dir.join("Dockerfile"),
            "FROM scratch\nCOPY data.txt /data.txt\n",
        )
        .unwrap();
        dir
    }

    /// Builds `dir` with max-mode provenance and pushes it as `tag` (`--platform` when given).
    pub fn build_push(&self, dir: &Path, tag: &str, platforms: Option<&str>) {
        let mut args = vec![
            "buildx",
            "build",
            "--provenance=mode=max",
            "--sbom=false",
            "--push",
            "-t",
            tag,
        ];
        if let Some(p) = platforms {
            args.extend(["--platform", p]);
        }
        args.push(".");
        self.run("docker", &args, dir, &[]);
    }

    /// A manifest as the registry serves it (read with curl, independently of our client).
    pub fn raw_manifest(&self, repository: &str, object: &str) -> serde_json::Value {
        let accept = "Accept: application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, \
                      application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json";
        let url = format!(
            "http://{}/v2/{repository}/manifests/{object}",
            self.registry
        );
        let out = self.run("curl", &["-fsS", "-H", accept, &url], Path::new("/"), &[]);
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// The digest a tag points at, from `Docker-Content-Digest`.
    pub fn digest_of(&self, repository: &str, tag: &str) -> String {
        let accept = "Accept: application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json";
        let url = format!("http://{}/v2/{repository}/manifests/{tag}", self.registry);
        let out = self.run("curl", &["-fsSI", "-H", accept, &url], Path::new("/"), &[]);
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .find_map(|l| {
                l.to_ascii_lowercase()
                    .strip_prefix("docker-content-digest:")
                    .map(|v| v.trim().to_string())
            })
            .expect("Docker-Content-Digest header")
    }

    /// `STAGETRAIL_E2E_FRONTEND`, else the image of this tree ([`buildx::frontend_image`]).
    pub fn frontend(&self) -> String {
        match std::env::var("STAGETRAIL_E2E_FRONTEND") {
            Ok(image) if !image.is_empty() && image != "builtin" => image,
            _ => buildx::frontend_image(&self.registry).unwrap_or_else(|e| panic!("{e}")),
        }
    }

    /// `docker buildx build` of `dir` through `frontend` with the stack's Debian as `BASE`; its
    /// output (the plain progress log is on stderr).
    pub fn build(&self, dir: &Path, frontend: &str, extra: &[&str]) -> Output {
        let syntax = format!("BUILDKIT_SYNTAX={frontend}");
        let base = format!("BASE={}/library/debian:bookworm", self.registry);
        let mut args = vec![
            "buildx",
            "build",
            "--progress=plain",
            "--build-arg",
            &syntax,
            "--build-arg",
            &base,
        ];
        args.extend_from_slice(extra);
        args.push(".");
        self.run("docker", &args, dir, &[])
    }

    /// Runs `stagetrail` with `args`; returns (exit code, stdout, stderr).
    pub fn stagetrail(&self, args: &[&str], dir: &Path) -> (i32, String, String) {
        let out = Command::new(env!("CARGO_BIN_EXE_stagetrail"))
            .args(args)
            .current_dir(dir)
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}
