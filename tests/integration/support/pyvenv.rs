//! Python tools from PyPI for tests: a virtualenv under the target directory, created and
//! filled on first use. If Python or pip cannot provide the packages, the calling test fails and
//! says why (it never skips). Included with `#[path]` by the test support files that need it.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The python of the virtualenv `name` under the target's temporary directory, with `packages`
/// installed unless `import_check` (a Python statement) already succeeds there.
pub fn python(name: &str, import_check: &str, packages: &[&str]) -> PathBuf {
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let py = venv.join("bin/python");
    let ready = py.exists()
        && Command::new(&py)
            .args(["-c", import_check])
            .status()
            .is_ok_and(|s| s.success());
    if !ready {
        run(
            Command::new("python3").args(["-m", "venv"]).arg(&venv),
            "create a virtualenv (python3 -m venv)",
        );
        run(
            Command::new(&py)
                .args([
                    "-m",
                    "pip",
                    "install",
                    "--quiet",
                    "--disable-pip-version-check",
                ])
                .args(packages),
            &format!(
                "pip install {} (PyPI must be reachable)",
                packages.join(" ")
            ),
        );
    }
    py
}

/// Runs `cmd`, panicking with `what`, its status and its output unless it succeeds.
pub fn run(cmd: &mut Command, what: &str) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot {what}: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "cannot {what}: {}\n{text}",
        out.status
    );
    text
}
