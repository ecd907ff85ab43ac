//! The formats' own validators from PyPI: `cyclonedx-python-lib` (JSON schema, strict, spec 1.6)
//! and `spdx-tools` (`pyspdxtools -i`, 2.3).
//!
//! They are installed into a virtualenv under the target directory on first use; if Python or
//! pip cannot provide them the calling test fails and says why (it never skips). Included with
//! `#[path = "support/validators.rs"]` by the tests that validate documents.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use super::pyvenv;
use pyvenv::run;

const PACKAGES: &[&str] = &["cyclonedx-python-lib[json-validation]", "spdx-tools"];

/// The venv's python, created and filled once per test process.
fn python() -> &'static Path {
    static PY: OnceLock<PathBuf> = OnceLock::new();
    PY.get_or_init(|| {
        pyvenv::python(
            "sbom-validators-venv",
            "import cyclonedx.validation.json, spdx_tools",
            PACKAGES,
        )
    })
}

/// Writes `doc` pretty-printed to `name` under the target's temporary directory.
pub fn write(name: &str, doc: &serde_json::Value) -> PathBuf {
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::write(&path, serde_json::to_string_pretty(doc).unwrap()).unwrap();
    path
}

/// Validates the CycloneDX JSON file at `path` against the strict 1.6 schema; panics with the
/// validator's message if it is invalid.
pub fn cyclonedx(path: &Path) {
    let script = "import sys\n\
from cyclonedx.schema import SchemaVersion\n\
from cyclonedx.validation.json import JsonStrictValidator\n\
err = JsonStrictValidator(SchemaVersion.V1_6).validate_str(open(sys.argv[1]).read())\n\
if err is not None:\n    print(repr(err)); sys.exit(1)\n\
print('valid')\n";
    let what = format!("validate CycloneDX {}", path.display());
    let out = run(Command::new(python()).args(["-c", script]).arg(path), &what);
    assert!(out.contains("valid"), "{what}: {out}");
}

/// Validates the SPDX JSON file at `path` with `pyspdxtools -i`; panics with the tool's
/// messages if it is invalid.
pub fn spdx(path: &Path) {
    let tool = python().parent().unwrap().join("pyspdxtools");
    let what = format!("validate SPDX (pyspdxtools -i) {}", path.display());
    let out = run(Command::new(tool).arg("-i").arg(path), &what);
    assert!(!out.to_lowercase().contains("invalid"), "{what}: {out}");
}
