//! Per-stage SBOMs through our frontend on the real stack: a Debian stage that installs a `.deb`
//! it builds itself, an npm stage, a Python stage, a Rust stage and a `FROM scratch` image that
//! copies from all of them. Checks the pushed statements, `imagetools inspect`, dpkg recall and
//! precision against `dpkg-query -W` in each Debian stage, lineage, byte-identical rebuilds, and
//! that every pushed SPDX and CycloneDX document passes the format's own validator.

use stagetrail_oci::attestations::statement::{CYCLONEDX, SPDX};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::stack::{stack, Stack};
use crate::support::validators;

const EPOCH: &str = "1700000000";

impl Stack {
    /// The stdout of `stagetrail ARGS`, which must succeed.
    fn stagetrail_stdout(&self, args: &[&str]) -> String {
        let (code, out, err) = self.stagetrail(args, Path::new("/"));
        assert_eq!(code, 0, "stagetrail {args:?} failed:\n{out}\n{err}");
        out
    }

    /// The statements of `predicate_type`, keyed by the stage their document names.
    pub(crate) fn statements(&self, image: &str, predicate_type: &str) -> BTreeMap<String, Value> {
        let text = self.stagetrail_stdout(&[
            "inspect",
            image,
            "--predicate-type",
            predicate_type,
            "--format",
            "json",
        ]);
        let all: Vec<Value> = serde_json::from_str(&text).unwrap();
        let n = all.len();
        let by_stage: BTreeMap<String, Value> = all
            .into_iter()
            .map(|s| (doc_stage(&s["predicate"]), s))
            .collect();
        assert_eq!(
            by_stage.len(),
            n,
            "two {predicate_type} statements name one stage"
        );
        by_stage
    }
}

/// The stage a CycloneDX or SPDX document describes.
fn doc_stage(doc: &Value) -> String {
    if let Some(props) = doc["metadata"]["component"]["properties"].as_array() {
        if let Some(p) = props.iter().find(|p| p["name"] == "stagetrail:stage") {
            return p["value"].as_str().unwrap().to_string();
        }
    }
    doc["name"].as_str().unwrap_or_default().to_string()
}

/// Runs the format's own validator on the predicate of every statement, each written to a file.
fn validate(image: &str, statements: &BTreeMap<String, Value>, predicate_type: &str) {
    let (ext, check): (&str, fn(&Path)) = match predicate_type {
        CYCLONEDX => ("cdx.json", validators::cyclonedx),
        _ => ("spdx.json", validators::spdx),
    };
    let slug: String = image
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    for (stage, statement) in statements {
        let name = format!("sbom-e2e-{slug}-{stage}.{ext}");
        check(&validators::write(&name, &statement["predicate"]));
    }
}

pub(crate) fn put(root: &Path, path: &str, content: &str) {
    let p = root.join(path);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, content).unwrap();
}

/// The Dockerfile; line numbers matter to the lineage checks below.
const DOCKERFILE: &str = r#"ARG BASE
FROM ${BASE} AS debs
RUN mkdir -p /tmp/p/DEBIAN /tmp/p/usr/share/doc/stagetrail-hello && echo hi > /tmp/p/usr/share/doc/stagetrail-hello/README && printf 'Package: stagetrail-hello\nVersion: 1.0-1\nArchitecture: all\nMaintainer: stagetrail <t@example.invalid>\nDescription: test package\n' > /tmp/p/DEBIAN/control && dpkg-deb --build /tmp/p /tmp/stagetrail-hello.deb && dpkg -i /tmp/stagetrail-hello.deb && rm -rf /tmp/p /tmp/stagetrail-hello.deb
FROM ${BASE} AS npm
COPY npm/ /app/
FROM ${BASE} AS python
COPY python/ /usr/lib/python3/dist-packages/
FROM scratch AS rust
COPY rust/Cargo.lock /src/Cargo.lock
FROM scratch
COPY --from=debs /var/lib/dpkg/status /var/lib/dpkg/status
COPY --from=npm /app/node_modules /app/node_modules
COPY --from=python /usr/lib/python3/dist-packages/ /py/
COPY --from=rust /src/Cargo.lock /src/Cargo.lock
"#;

const NPM: &[(&str, &str)] = &[
    ("left-pad", "1.3.0"),
    ("lodash", "4.17.21"),
    ("ms", "2.1.3"),
];

/// A fresh context with [`DOCKERFILE`] and its npm, Python and Rust trees.
pub(crate) fn context(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("stagetrail-sbom-e2e-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    put(&dir, "Dockerfile", DOCKERFILE);
    let mut lock = serde_json::json!({
        "name": "app", "version": "1.0.0", "lockfileVersion": 3,
        "packages": {"": {"name": "app", "version": "1.0.0"}}
    });
    for (n, v) in NPM {
        lock["packages"][format!("node_modules/{n}")] =
            serde_json::json!({"version": v, "license": "MIT"});
        put(
            &dir,
            &format!("npm/node_modules/{n}/package.json"),
            &serde_json::json!({"name": n, "version": v, "license": "MIT"}).to_string(),
        );
    }
    put(
        &dir,
        "npm/package.json",
        r#"{"name":"app","version":"1.0.0"}"#,
    );
    put(&dir, "npm/package-lock.json", &lock.to_string());
    put(
        &dir,
        "python/stagetrail_demo-1.2.3.dist-info/METADATA",
        "Metadata-Version: 2.1\nName: stagetrail-demo\nVersion: 1.2.3\nLicense: MIT\n",
    );
    put(
        &dir,
        "python/stagetrail_demo-1.2.3.dist-info/RECORD",
        "stagetrail_demo/__init__.py,,\n",
    );
    put(
        &dir,
        "rust/Cargo.lock",
        "version = 3\n\n[[package]]\nname = \"app\"\nversion = \"0.1.0\"\n\n[[package]]\nname = \"serde\"\nversion = \"1.0.200\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n",
    );
    dir
}

/// `(purl, name, version, stagetrail:* properties)` of a CycloneDX document's components.
fn components(doc: &Value) -> Vec<(String, String, String, BTreeMap<String, String>)> {
    doc["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let props = c["properties"]
                .as_array()
                .map(|ps| {
                    ps.iter()
                        .filter_map(|p| {
                            let n = p["name"].as_str()?;
                            let v = p["value"].as_str()?;
                            (n.starts_with("stagetrail:") && !n.starts_with("stagetrail:package:"))
                                .then(|| (n.to_string(), v.to_string()))
                        })
                        .collect()
                })
                .unwrap_or_default();
            (
                c["purl"].as_str().unwrap_or_default().to_string(),
                c["name"].as_str().unwrap_or_default().to_string(),
                c["version"].as_str().unwrap_or_default().to_string(),
                props,
            )
        })
        .collect()
}

/// SBOM statement blob digests (`predicate type stage=… sha256:…` lines of the inspect tree).
fn sbom_blobs(s: &Stack, image: &str) -> BTreeSet<String> {
    s.stagetrail_stdout(&["inspect", image])
        .lines()
        .filter(|l| l.contains(SPDX) || l.contains(CYCLONEDX))
        .map(|l| {
            l.split_whitespace()
                .filter(|w| {
                    w.contains("bom")
                        || w.contains("spdx")
                        || w.starts_with("stage=")
                        || w.starts_with("sha256:")
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

#[test]
fn per_stage_sboms_on_the_real_stack() {
    let s = stack();
    let frontend = s.frontend();
    let dir = context("main");
    let image = format!("{}/sbom-e2e/app:1", s.registry);
    let epoch = format!("SOURCE_DATE_EPOCH={EPOCH}");
    s.build(
        &dir,
        &frontend,
        &[
            "--build-arg",
            &epoch,
            "--sbom=true",
            "--provenance=mode=max",
            "--push",
            "-t",
            &image,
        ],
    );

    // Every reachable stage and the image have both documents.
    let cdx = s.statements(&image, CYCLONEDX);
    let spdx = s.statements(&image, SPDX);
    let want: BTreeSet<String> = ["debs", "npm", "python", "rust", "stage-4"]
        .map(String::from)
        .into();
    assert_eq!(cdx.keys().cloned().collect::<BTreeSet<_>>(), want);
    assert_eq!(spdx.keys().cloned().collect::<BTreeSet<_>>(), want);
    for st in spdx.values() {
        assert_eq!(st["predicate"]["spdxVersion"], "SPDX-2.3");
    }
    validate(&image, &cdx, CYCLONEDX);
    validate(&image, &spdx, SPDX);

    // imagetools shows the image's SPDX document.
    let out = s.run(
        "docker",
        &[
            "buildx",
            "imagetools",
            "inspect",
            "--format",
            "{{json .SBOM}}",
            &image,
        ],
        Path::new("/"),
        &[],
    );
    let shown: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(shown["SPDX"]["name"], "stage-4", "{shown}");

    // dpkg components of each Debian stage equal dpkg-query -W in that stage.
    for stage in ["debs", "npm", "python"] {
        let tag = format!("sbom-e2e-{stage}:test");
        s.build(&dir, &frontend, &["--target", stage, "--load", "-t", &tag]);
        let out = s.run(
            "docker",
            &[
                "run",
                "--rm",
                &tag,
                "dpkg-query",
                "-W",
                "-f",
                "${Package} ${Version}\\n",
            ],
            Path::new("/"),
            &[],
        );
        let truth: BTreeSet<String> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_string)
            .collect();
        let found: BTreeSet<String> = components(&cdx[stage]["predicate"])
            .into_iter()
            .filter(|c| c.0.starts_with("pkg:deb/"))
            .map(|c| format!("{} {}", c.1, c.2))
            .collect();
        let hits = truth.intersection(&found).count() as f64;
        let recall = 100.0 * hits / truth.len() as f64;
        let precision = 100.0 * hits / found.len().max(1) as f64;
        println!(
            "{stage}: {} dpkg packages, recall {recall:.1} %, precision {precision:.1} %",
            truth.len()
        );
        assert!(truth.contains("stagetrail-hello 1.0-1") || stage != "debs");
        assert_eq!(
            found, truth,
            "{stage}: dpkg components differ from dpkg-query -W"
        );
    }

    // Lineage of every package in the image.
    let image_doc = &cdx["stage-4"]["predicate"];
    let comps = components(image_doc);
    assert!(comps.len() > 50, "{} components", comps.len());
    for (purl, name, _, props) in &comps {
        let (stage, line, at) = if purl.starts_with("pkg:deb/") {
            (
                "debs",
                if name == "stagetrail-hello" { "3" } else { "2" },
                "11",
            )
        } else if purl.starts_with("pkg:npm/") {
            ("npm", "5", "12")
        } else if purl.starts_with("pkg:pypi/") {
            ("python", "7", "13")
        } else if purl.starts_with("pkg:cargo/") {
            ("rust", "9", "14")
        } else {
            panic!("unexpected package {purl}");
        };
        let want: BTreeMap<String, String> = [
            ("stagetrail:stage", stage),
            ("stagetrail:instruction-line", line),
            ("stagetrail:copied-from-stage", stage),
            ("stagetrail:copied-at-line", at),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        assert_eq!(props, &want, "lineage of {purl}");
    }
    for purl in [
        "pkg:npm/lodash@4.17.21",
        "pkg:pypi/stagetrail-demo@1.2.3",
        "pkg:cargo/serde@1.0.200",
    ] {
        assert!(
            comps.iter().any(|c| c.0 == purl),
            "{purl} missing from the image SBOM"
        );
    }

    // A rebuild with the same SOURCE_DATE_EPOCH, the rust stage and the scanner run again
    // (`--no-cache-filter`), pushed to the same tag: the same statement blobs.
    let a = sbom_blobs(&s, &image);
    s.build(
        &dir,
        &frontend,
        &[
            "--build-arg",
            &epoch,
            "--sbom=true",
            "--provenance=false",
            "--no-cache-filter",
            "rust",
            "--push",
            "-t",
            &image,
        ],
    );
    let b = sbom_blobs(&s, &image);
    assert_eq!(a.len(), 10, "{a:?}");
    assert_eq!(a, b, "SBOM statements differ between identical builds");
    let _ = std::fs::remove_dir_all(&dir);
}
