//! Validates build records against `docs/build-record.schema.json` with Python's `jsonschema`
//! (pinned, from PyPI, installed once into a virtualenv under the target directory; the test fails
//! and says why when Python or pip cannot provide it).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use super::pyvenv;

const PACKAGE: &str = "jsonschema==4.23.0";

const VALIDATE: &str = r#"
import json, sys
from jsonschema import Draft202012Validator
schema = json.load(open(sys.argv[1]))
Draft202012Validator.check_schema(schema)
v = Draft202012Validator(schema)
bad = 0
for path in sys.argv[2:]:
    for e in v.iter_errors(json.load(open(path))):
        bad += 1
        print(f"{path}: {'/'.join(map(str, e.absolute_path))}: {e.message}")
sys.exit(1 if bad else 0)
"#;

fn python() -> &'static Path {
    static PY: OnceLock<PathBuf> = OnceLock::new();
    PY.get_or_init(|| pyvenv::python("record-schema-venv", "import jsonschema", &[PACKAGE]))
}

/// The schema file in the repository.
pub fn schema_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/build-record.schema.json")
}

/// Validates each JSON document (written to `dir` first); `Err` lists every violation.
pub fn validate(dir: &Path, docs: &[(String, Vec<u8>)]) -> Result<(), String> {
    std::fs::create_dir_all(dir).unwrap();
    let mut paths = Vec::new();
    for (name, bytes) in docs {
        let p = dir.join(name);
        std::fs::write(&p, bytes).unwrap();
        paths.push(p);
    }
    let out = Command::new(python())
        .arg("-c")
        .arg(VALIDATE)
        .arg(schema_path())
        .args(&paths)
        .output()
        .unwrap_or_else(|e| panic!("cannot run the validator: {e}"));
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}
