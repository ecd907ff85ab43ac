//! Validates produced documents with the formats' own validators from PyPI:
//! `cyclonedx-python-lib` (JSON schema, strict, spec 1.6) and `spdx-tools` (`pyspdxtools`, 2.3).
//!
//! The validators are installed into a virtualenv under the target directory on first use; if
//! Python or pip cannot provide them the test fails and says why (it never skips).

mod support;

use stagetrail::attest::sbom::{Lineage, SbomBuilder, Subject};
use stagetrail::catalog::fs::LocalFs;
use stagetrail::catalog::{merge, scan, Catalog};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use support::trees;

const PACKAGES: &[&str] = &["cyclonedx-python-lib[json-validation]", "spdx-tools"];

/// The venv's python, created and filled once per test process.
fn python() -> &'static Path {
    static PY: OnceLock<PathBuf> = OnceLock::new();
    PY.get_or_init(|| {
        let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("sbom-validators-venv");
        let py = venv.join("bin/python");
        let ready = py.exists()
            && Command::new(&py)
                .args(["-c", "import cyclonedx.validation.json, spdx_tools"])
                .status()
                .is_ok_and(|s| s.success());
        if !ready {
            run(Command::new("python3").args(["-m", "venv"]).arg(&venv), "create a virtualenv (python3 -m venv)");
            run(
                Command::new(&py).args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check"]).args(PACKAGES),
                "pip install cyclonedx-python-lib[json-validation] spdx-tools (PyPI must be reachable)",
            );
        }
        py
    })
}

fn run(cmd: &mut Command, what: &str) -> String {
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

/// The apps and Debian fixture trees catalogued together, once per test process.
fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| {
        let apps = scan(&LocalFs::new(trees::apps("validate-apps")));
        let deb = scan(&LocalFs::new(trees::debian("validate-debian")));
        Catalog {
            packages: merge(apps.packages.into_iter().chain(deb.packages).collect()),
            warnings: Vec::new(),
            distro: deb.distro,
        }
    })
}

fn builder(c: &Catalog) -> SbomBuilder<'_> {
    let mut b = SbomBuilder::new(
        Subject {
            name: "validate/app".into(),
            stage: Some("runtime".into()),
            platform: Some("linux/amd64".into()),
        },
        c,
    );
    b.created(Some(1_700_000_000));
    for (i, p) in c.packages.iter().enumerate().filter(|(i, _)| i % 2 == 0) {
        b.lineage(
            &p.purl,
            Lineage {
                stage: Some("runtime".into()),
                instruction_line: Some(i as u32 + 3),
                copied_from_stage: (i % 4 == 0).then(|| "build".to_string()),
                copied_at_line: (i % 4 == 0).then_some(12),
            },
        );
    }
    b
}

fn write(name: &str, doc: &serde_json::Value) -> PathBuf {
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::write(&path, serde_json::to_string_pretty(doc).unwrap()).unwrap();
    path
}

#[test]
fn cyclonedx_validates_against_the_1_6_schema() {
    let path = write(
        "stagetrail-validate.cdx.json",
        &builder(catalog()).cyclonedx(),
    );
    let script = "import sys\n\
from cyclonedx.schema import SchemaVersion\n\
from cyclonedx.validation.json import JsonStrictValidator\n\
err = JsonStrictValidator(SchemaVersion.V1_6).validate_str(open(sys.argv[1]).read())\n\
if err is not None:\n    print(repr(err)); sys.exit(1)\n\
print('valid')\n";
    let out = run(
        Command::new(python()).args(["-c", script]).arg(&path),
        "validate CycloneDX",
    );
    assert!(out.contains("valid"), "{out}");
}

#[test]
fn spdx_validates_with_pyspdxtools() {
    let path = write("stagetrail-validate.spdx.json", &builder(catalog()).spdx());
    let tool = python().parent().unwrap().join("pyspdxtools");
    let out = run(
        Command::new(tool).arg("-i").arg(&path),
        "validate SPDX (pyspdxtools -i)",
    );
    assert!(!out.to_lowercase().contains("invalid"), "{out}");
}
