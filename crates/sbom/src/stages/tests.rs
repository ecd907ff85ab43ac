use super::*;
use crate::catalog::fs::LocalFs;
use std::path::Path;

fn dpkg(root: &Path, pkgs: &[&str]) {
    let dir = root.join("var/lib/dpkg");
    std::fs::create_dir_all(&dir).unwrap();
    let text: String = pkgs
        .iter()
        .map(|p| {
            format!(
                "Package: {p}\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.0\n\n"
            )
        })
        .collect();
    std::fs::write(dir.join("status"), text).unwrap();
}

fn step(line: usize, dest: Option<&str>, from_stage: Option<usize>, text: &str) -> PlanStep {
    PlanStep {
        line,
        dest: dest.map(str::to_string),
        from_stage,
        onto_itself: false,
        text: text.into(),
    }
}

fn plan() -> ScanPlan {
    ScanPlan {
        platform: "linux/amd64".into(),
        epoch: Some(1_700_000_000),
        context: false,
        same: BTreeMap::new(),
        diffs: BTreeMap::new(),
        stages: vec![
            PlanStage {
                index: 0,
                name: "builder".into(),
                emit: true,
                is_final: false,
                from_line: 1,
                base: PlanBase::Image,
                steps: vec![
                    step(2, None, None, "RUN echo prepare"),
                    step(3, None, None, "RUN dpkg -i /tmp/hello.deb"),
                ],
            },
            PlanStage {
                index: 1,
                name: "final".into(),
                emit: true,
                is_final: true,
                from_line: 5,
                base: PlanBase::Scratch,
                steps: vec![step(
                    6,
                    Some("/var/lib/dpkg"),
                    Some(0),
                    "COPY --from=builder /var/lib/dpkg /var/lib/dpkg",
                )],
            },
        ],
    }
}

fn roots() -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    dpkg(&t.path().join("base-0"), &["base-files"]);
    dpkg(&t.path().join("stage-0"), &["base-files", "hello"]);
    dpkg(&t.path().join("stage-1"), &["base-files", "hello"]);
    t
}

fn run(plan: &ScanPlan, root: &Path) -> Vec<StageDocuments> {
    let root = root.to_path_buf();
    let mut open = move |key: &str| -> Result<Box<dyn Fs>, String> {
        Ok(Box::new(LocalFs::new(root.join(key))))
    };
    generate(plan, &mut open)
}

fn props(doc: &serde_json::Value, name: &str) -> Vec<(String, String)> {
    let c = doc["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap();
    c["properties"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["name"].as_str().unwrap().starts_with("stagetrail:"))
        .filter(|p| {
            !p["name"]
                .as_str()
                .unwrap()
                .starts_with("stagetrail:package")
        })
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_string(),
                p["value"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[test]
fn final_image_packages_trace_back_through_copy_from() {
    let t = roots();
    let docs = run(&plan(), t.path());
    let stems: Vec<_> = docs.iter().map(|d| d.stem.as_str()).collect();
    assert_eq!(stems, ["sbom", "sbom-builder"]);
    let fin = &docs[0].cyclonedx;
    assert_eq!(
        props(fin, "base-files"),
        pairs(&[
            ("stagetrail:stage", "builder"),
            ("stagetrail:instruction-line", "1"),
            ("stagetrail:copied-from-stage", "builder"),
            ("stagetrail:copied-at-line", "6"),
        ])
    );
    assert_eq!(
        props(fin, "hello"),
        pairs(&[
            ("stagetrail:stage", "builder"),
            ("stagetrail:instruction-line", "3"),
            ("stagetrail:copied-from-stage", "builder"),
            ("stagetrail:copied-at-line", "6"),
        ])
    );
    assert_eq!(
        props(&docs[1].cyclonedx, "hello"),
        pairs(&[
            ("stagetrail:stage", "builder"),
            ("stagetrail:instruction-line", "3"),
        ])
    );
    assert_eq!(docs[0].spdx["name"], "final");
    assert_eq!(docs, run(&plan(), t.path()), "deterministic");
}

#[test]
fn excluded_stages_and_missing_filesystems() {
    let t = roots();
    let mut p = plan();
    p.stages[0].emit = false;
    p.context = true;
    let docs = run(&p, t.path());
    let stems: Vec<_> = docs.iter().map(|d| d.stem.as_str()).collect();
    assert_eq!(stems, ["sbom", "sbom-context"]);
    assert!(
        !docs[1].warnings.is_empty(),
        "a missing context is a warning"
    );
    assert_eq!(p.keys(), ["base-0", "context", "stage-0", "stage-1"]);
}

#[test]
fn plans_round_trip_as_json() {
    let p = plan();
    let text = serde_json::to_string(&p).unwrap();
    assert!(text.contains(r#""base":{"kind":"image"}"#), "{text}");
    assert_eq!(serde_json::from_str::<ScanPlan>(&text).unwrap(), p);
}

#[test]
fn a_filesystem_named_twice_is_cataloged_once_with_the_same_documents() {
    let t = roots();
    let full = run(&plan(), t.path());
    let mut p = plan();
    p.same = BTreeMap::from([("stage-1".to_string(), "stage-0".to_string())]);
    let root = t.path().to_path_buf();
    let mut opened = Vec::new();
    let docs = {
        let mut open = |key: &str| -> Result<Box<dyn Fs>, String> {
            opened.push(key.to_string());
            Ok(Box::new(LocalFs::new(root.join(key))))
        };
        generate(&p, &mut open)
    };
    assert_eq!(opened, ["base-0", "stage-0"]);
    assert_eq!(p.scanned_keys(), ["base-0", "stage-0"]);
    assert_eq!(docs, full, "documents differ from a scan of every key");
    let text = serde_json::to_string(&plan()).unwrap();
    assert!(
        !text.contains("same"),
        "an empty map is not written: {text}"
    );
    p.same = BTreeMap::from([("stage-1".to_string(), "nowhere".to_string())]);
    let docs = run(&p, t.path());
    assert!(docs[0].warnings[0].message.contains("nowhere"), "{docs:?}");
}

#[test]
fn a_final_stage_of_same_path_copies_is_composed() {
    let mut p = plan();
    assert_eq!(p.composition(), None, "its COPY is not marked onto itself");
    p.stages[1].steps[0].onto_itself = true;
    let c = p.composition().unwrap();
    assert_eq!(c.key, "stage-1");
    assert_eq!(c.parent, None);
    assert_eq!(
        c.copies,
        [("stage-0".to_string(), "var/lib/dpkg".to_string())]
    );
    assert_eq!(c.leaves, ["stage-0"]);
    // A source another stage builds on is cataloged by its own exec.
    p.stages.insert(
        1,
        PlanStage {
            index: 2,
            name: "test".into(),
            emit: true,
            is_final: false,
            from_line: 4,
            base: PlanBase::Stage(0),
            steps: Vec::new(),
        },
    );
    assert!(p.composition().unwrap().leaves.is_empty());
    // Any other step (a RUN) leaves the final stage to a full scan.
    p.stages[2]
        .steps
        .push(step(7, None, None, "RUN rm -rf /var/lib/dpkg"));
    assert_eq!(p.composition(), None);
}
