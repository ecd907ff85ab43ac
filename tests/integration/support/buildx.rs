//! Running `docker buildx build` against the test stack: the stack's environment, the frontend under
//! test (built once per run), helper images, and a limit on concurrent builds.

use crate::support::case::Case;
use std::collections::BTreeSet;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// The running stack, from `eval "$(scripts/stack up)"`.
pub struct Stack {
    /// `DOCKER_HOST` of the stack's engine.
    pub docker_host: String,
    /// `STAGETRAIL_REGISTRY`, e.g. `127.0.0.1:5000`.
    pub registry: String,
}

/// Which frontend a build uses.
#[derive(Clone, Debug)]
pub enum Frontend {
    /// The Dockerfile frontend built into the engine's BuildKit.
    Builtin,
    /// A frontend image, selected with `--build-arg BUILDKIT_SYNTAX=<image>`.
    Image(String),
}

/// What a build printed and whether it succeeded.
pub struct Outcome {
    /// Exit status 0.
    pub ok: bool,
    /// stdout and stderr of `docker buildx build --progress=plain`.
    pub log: String,
}

/// One build may take this long before it is killed and reported as hung.
const BUILD_TIMEOUT: Duration = Duration::from_secs(300);
/// `scripts/frontend-image` compiles a static release binary first: minutes on 2 cores from cold.
const FRONTEND_IMAGE_TIMEOUT: Duration = Duration::from_secs(1800);

/// The stack's environment; panics (failing the test) when the stack is not running.
pub fn stack() -> &'static Stack {
    static STACK: OnceLock<Option<Stack>> = OnceLock::new();
    let found = STACK.get_or_init(|| {
        let docker_host = std::env::var("DOCKER_HOST")
            .ok()
            .filter(|v| !v.is_empty())?;
        let registry = std::env::var("STAGETRAIL_REGISTRY")
            .ok()
            .filter(|v| !v.is_empty())?;
        Some(Stack {
            docker_host,
            registry,
        })
    });
    match found {
        Some(stack) => stack,
        None => panic!("the e2e stack is not running: eval \"$(scripts/stack up)\" (DOCKER_HOST and STAGETRAIL_REGISTRY must be set)"),
    }
}

/// The frontend under test, per `STAGETRAIL_E2E_FRONTEND`: `builtin` (the harness self-check, refused
/// unless `STAGETRAIL_E2E_SELF_CHECK=1`: a leftover setting must not turn the suite into builtin
/// against builtin), an image reference (used as is), or unset: [`frontend_image`].
pub fn ours() -> Result<Frontend, String> {
    static OURS: OnceLock<Result<Frontend, String>> = OnceLock::new();
    OURS.get_or_init(|| {
        match std::env::var("STAGETRAIL_E2E_FRONTEND")
            .unwrap_or_default()
            .as_str()
        {
            "builtin" if std::env::var("STAGETRAIL_E2E_SELF_CHECK").is_ok_and(|v| v == "1") => {
                Ok(Frontend::Builtin)
            }
            "builtin" => Err(
                "STAGETRAIL_E2E_FRONTEND=builtin would compare the built-in frontend \
                 with itself; unset it to test stagetrail, or also set STAGETRAIL_E2E_SELF_CHECK=1 \
                 to check the harness"
                    .to_string(),
            ),
            "" => frontend_image(&stack().registry).map(Frontend::Image),
            image => Ok(Frontend::Image(image.to_string())),
        }
    })
    .clone()
}

/// `scripts/frontend-image <registry>/stagetrail/frontend:e2e-<pid>`: the frontend under test, built
/// once per test process for every test that needs it (worktrees share the stack, so the tag is this
/// process's own; before, parity and the other e2e tests built two tags of the same image at the same
/// time). The result is kept, an error too, so a failed attempt is tried once more first, its log on
/// stderr: one flaky load or push of the engine must not fail every test of the process alike.
pub fn frontend_image(registry: &str) -> Result<String, String> {
    static IMAGE: OnceLock<Result<String, String>> = OnceLock::new();
    IMAGE.get_or_init(|| build_frontend_image(registry)).clone()
}

fn build_frontend_image(registry: &str) -> Result<String, String> {
    let tag = format!("{registry}/stagetrail/frontend:e2e-{}", std::process::id());
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let log = work_root().join("frontend-image.log");
    let attempt = || {
        let mut cmd = Command::new(repo.join("scripts/frontend-image"));
        cmd.arg(&tag).current_dir(repo);
        run_logged(&mut cmd, &log, FRONTEND_IMAGE_TIMEOUT)
    };
    let mut outcome = attempt()?;
    if !outcome.ok {
        eprintln!(
            "scripts/frontend-image {tag} failed; trying once more:\n{}",
            tail(&outcome.log, 40)
        );
        outcome = attempt()?;
    }
    if !outcome.ok {
        return Err(format!(
            "scripts/frontend-image {tag} failed twice:\n{}",
            tail(&outcome.log, 40)
        ));
    }
    Ok(tag)
}

/// Builds and pushes the case's helper images with the builtin frontend, once per run each.
pub fn prepare(case: &Case) -> Result<(), String> {
    static DONE: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());
    let mut done = DONE.lock().unwrap_or_else(|e| e.into_inner());
    for p in &case.spec.prepare {
        let tag = format!("{}/{}", stack().registry, p.image);
        if done.contains(&tag) {
            continue;
        }
        let log = work_root().join(format!("prepare-{}.log", p.image.replace(['/', ':'], "_")));
        let mut cmd = buildx();
        cmd.args(["--provenance=false", "--push", "-t", &tag, &p.dir]);
        cmd.arg("--build-arg")
            .arg(format!("REGISTRY={}", stack().registry));
        let outcome = with_slot(|| run_logged(cmd.current_dir(&case.dir), &log, BUILD_TIMEOUT))?;
        if !outcome.ok {
            return Err(format!(
                "helper image {tag} from {}/{} failed:\n{}",
                case.name,
                p.dir,
                tail(&outcome.log, 40)
            ));
        }
        done.insert(tag);
    }
    Ok(())
}

/// Builds `case` with `frontend` into an OCI layout folder at `dest`; `extra` buildx arguments come
/// last (e.g. `--sbom=true`, overriding the default `--provenance=false`).
pub fn build(
    case: &Case,
    frontend: &Frontend,
    dest: &Path,
    extra: &[&str],
) -> Result<Outcome, String> {
    let stack = stack();
    let side = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let scratch = dest.with_file_name(format!("{side}-dockerfile"));
    std::fs::create_dir_all(&scratch).map_err(|e| format!("{}: {e}", scratch.display()))?;
    let dockerfile = scratch.join("Dockerfile");
    std::fs::write(&dockerfile, case.dockerfile(&stack.registry)?)
        .map_err(|e| format!("{}: {e}", dockerfile.display()))?;
    let mut cmd = buildx();
    cmd.current_dir(&case.dir);
    cmd.args(["--provenance=false", "-f"]).arg(&dockerfile);
    cmd.arg("--build-arg")
        .arg(format!("REGISTRY={}", stack.registry));
    if let Frontend::Image(image) = frontend {
        cmd.arg("--build-arg")
            .arg(format!("BUILDKIT_SYNTAX={image}"));
    }
    cmd.args(case.args(&stack.registry));
    cmd.args(extra);
    // A case that pins SOURCE_DATE_EPOCH also clamps the layers' file times to it.
    let rewrite = if case.spec.compare_times {
        ",rewrite-timestamp=true"
    } else {
        ""
    };
    cmd.arg("--output").arg(format!(
        "type=oci,dest={},tar=false{rewrite}",
        dest.display()
    ));
    cmd.arg(".");
    let log = dest.with_file_name(format!("{side}.log"));
    with_slot(|| run_logged(&mut cmd, &log, BUILD_TIMEOUT))
}

/// Builds the remote `context` (a git or http(s) URL, read by BuildKit itself) with `frontend` into an
/// OCI layout folder at `dest`; `extra` buildx arguments come before the context.
pub fn build_url(
    context: &str,
    frontend: &Frontend,
    dest: &Path,
    extra: &[&str],
) -> Result<Outcome, String> {
    let mut cmd = buildx();
    cmd.arg("--provenance=false");
    if let Frontend::Image(image) = frontend {
        cmd.arg("--build-arg")
            .arg(format!("BUILDKIT_SYNTAX={image}"));
    }
    cmd.args(extra);
    cmd.arg("--output")
        .arg(format!("type=oci,dest={},tar=false", dest.display()));
    cmd.arg(context);
    let side = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let log = dest.with_file_name(format!("{side}.log"));
    with_slot(|| run_logged(&mut cmd, &log, BUILD_TIMEOUT))
}

/// `docker buildx build --progress=plain`.
fn buildx() -> Command {
    let mut cmd = Command::new("docker");
    cmd.env("DOCKER_HOST", &stack().docker_host)
        .env("DOCKER_CLI_HINTS", "false");
    cmd.args(["buildx", "build", "--progress=plain"]);
    cmd
}

/// Runs `cmd` with stdout and stderr into `log`, killing it after `timeout`.
fn run_logged(cmd: &mut Command, log: &Path, timeout: Duration) -> Result<Outcome, String> {
    if let Some(parent) = log.parent() {
        std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    }
    let file = File::create(log).map_err(|e| format!("{}: {e}", log.display()))?;
    let err = file
        .try_clone()
        .map_err(|e| format!("{}: {e}", log.display()))?;
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(file)
        .stderr(err)
        .spawn()
        .map_err(|e| format!("cannot run {:?}: {e}", cmd.get_program()))?;
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child
            .try_wait()
            .map_err(|e| format!("waiting for {:?}: {e}", cmd.get_program()))?
        {
            break Some(status);
        }
        if start.elapsed() > timeout {
            // Ending our own child, by its handle: the CLI's exit cancels the build in BuildKit.
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let mut text = std::fs::read_to_string(log).unwrap_or_default();
    if status.is_none() {
        text.push_str(&format!("\n[e2e] killed after {} s\n", timeout.as_secs()));
    }
    Ok(Outcome {
        ok: status.is_some_and(|s| s.success()),
        log: text,
    })
}

/// Runs `f` while holding one of `STAGETRAIL_E2E_JOBS` (default 2) build slots.
fn with_slot<T>(f: impl FnOnce() -> T) -> T {
    static SLOTS: Mutex<usize> = Mutex::new(0);
    static FREED: Condvar = Condvar::new();
    let limit = std::env::var("STAGETRAIL_E2E_JOBS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2usize)
        .max(1);
    {
        let mut used = SLOTS.lock().unwrap_or_else(|e| e.into_inner());
        while *used >= limit {
            used = FREED.wait(used).unwrap_or_else(|e| e.into_inner());
        }
        *used += 1;
    }
    let result = f();
    *SLOTS.lock().unwrap_or_else(|e| e.into_inner()) -= 1;
    FREED.notify_one();
    result
}

/// This test process's scratch folder.
pub fn work_root() -> PathBuf {
    std::env::temp_dir().join(format!("stagetrail-e2e-{}", std::process::id()))
}

/// The last `n` lines of `text`.
pub fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}
