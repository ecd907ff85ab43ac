use std::cmp::Ordering::{self, *};
use std::path::Path;

use super::osv::OsvDb;
use super::*;
use crate::evidence::{Evidence, PlatformFacts, Signed};
use crate::package_match::compare_versions;
use stagetrail_oci::attestations::AttestationKind;
use stagetrail_oci::Digest;

fn fixture() -> OsvDb {
    OsvDb::read(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/osv")).unwrap()
}

/// Each list is in ascending order; every pair is checked both ways.
fn ascending(kind: &str, versions: &[&str]) {
    for (i, a) in versions.iter().enumerate() {
        for (j, b) in versions.iter().enumerate() {
            let want: Ordering = i.cmp(&j);
            assert_eq!(compare_versions(kind, a, b), want, "{kind}: {a} vs {b}");
        }
    }
}

#[test]
fn dpkg_ordering() {
    // Debian Policy 5.6.12 and dpkg's own test cases.
    ascending(
        "deb",
        &[
            "1.0~~",
            "1.0~~a",
            "1.0~",
            "1.0",
            "1.0a",
            "1.0+dfsg",
            "1.0.1",
            "1.1",
            "1.10",
            "2.0~rc1",
            "2.0",
            "2.0-0.1",
            "2.0-1~bpo1",
            "2.0-1",
            "2.0-1+deb12u1",
            "2.0-1+deb12u10",
            "2.0-2",
            "1:0.1",
            "2:0.0.1",
        ],
    );
    ascending(
        "deb",
        &[
            "3.0.11-1~deb12u1",
            "3.0.11-1~deb12u2",
            "3.0.11-1",
            "3.0.13-1",
        ],
    );
}

#[test]
fn npm_semver_ordering() {
    // The precedence example of semver.org §11, then core versions, then build metadata ignored.
    ascending(
        "npm",
        &[
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-alpha.beta",
            "1.0.0-beta",
            "1.0.0-beta.2",
            "1.0.0-beta.11",
            "1.0.0-rc.1",
            "1.0.0",
            "1.0.1",
            "1.1.0",
            "1.10.0",
            "2.0.0",
        ],
    );
    assert_eq!(compare_versions("npm", "1.0.0+build.5", "1.0.0"), Equal);
    assert_eq!(compare_versions("npm", "v4.17.21", "4.17.21"), Equal);
}

#[test]
fn purls_map_to_osv_packages() {
    assert_eq!(
        osv_package("pkg:deb/debian/openssl@3.0.11-1?arch=amd64&distro=debian-12"),
        Some(("Debian:12".into(), "openssl".into(), "3.0.11-1".into()))
    );
    assert_eq!(
        osv_package("pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64"),
        Some(("Debian".into(), "libc6".into(), "2.36-9+deb12u4".into()))
    );
    assert_eq!(
        osv_package("pkg:npm/%40example/parser@1.0.0-beta"),
        Some(("npm".into(), "@example/parser".into(), "1.0.0-beta".into()))
    );
    assert_eq!(
        osv_package("pkg:golang/github.com/x/y@v1.2.3"),
        Some(("Go".into(), "github.com/x/y".into(), "v1.2.3".into()))
    );
    assert_eq!(osv_package("pkg:generic/thing@1"), None);
    assert_eq!(osv_package("pkg:npm/noversion"), None);
}

#[test]
fn osv_ranges_events_and_releases() {
    let db = fixture();
    assert_eq!(db.len(), 3);
    assert!(db.digest.starts_with("sha256:"));
    assert_eq!(db.modified.as_deref(), Some("2026-11-01T00:00:00Z"));
    let ids = |eco: &str, name: &str, v: &str| -> Vec<(String, Option<String>)> {
        db.affecting(eco, name, v)
            .into_iter()
            .map(|h| (h.advisory.id.clone(), h.fixed))
            .collect()
    };
    let dsa = |fixed: &str| vec![("DSA-0001-1".to_string(), Some(fixed.to_string()))];
    assert_eq!(
        ids("Debian:12", "openssl", "3.0.11-1~deb12u1"),
        dsa("3.0.11-1~deb12u2")
    );
    assert_eq!(ids("Debian:12", "openssl", "3.0.11-1~deb12u2"), vec![]);
    assert_eq!(ids("Debian:12", "openssl", "3.0.11-1"), vec![]);
    assert_eq!(
        ids("Debian:11", "openssl", "1.1.1n-0+deb11u5"),
        dsa("1.1.1w-0+deb11u1")
    );
    // No release on the package: any release's advisory may apply.
    assert_eq!(ids("Debian", "openssl", "1.1.1n-0+deb11u5").len(), 1);
    assert_eq!(ids("Ubuntu", "openssl", "1.0"), vec![]);

    let lodash = |v: &str| ids("npm", "lodash", v).len();
    assert_eq!(lodash("4.17.20"), 1);
    assert_eq!(lodash("4.17.21"), 0);
    assert_eq!(lodash("4.17.21-pre"), 1);
    let parser = |v: &str| ids("npm", "@example/parser", v).len();
    assert_eq!(parser("0.9.0"), 0);
    assert_eq!(parser("0.9.9-legacy"), 1);
    assert_eq!(parser("1.0.0-alpha"), 1);
    assert_eq!(parser("1.0.0-beta.11"), 1);
    assert_eq!(parser("1.0.0-rc.2"), 0);
    assert_eq!(parser("1.0.0"), 0);
    assert_eq!(parser("2.0.0"), 1);
    assert_eq!(parser("2.1.0"), 1);
    assert_eq!(parser("2.1.1"), 0);
}

#[test]
fn zip_exports_read_like_directories() {
    let dir = tempfile::tempdir().unwrap();
    let mut zip = zip::ZipWriter::new(std::fs::File::create(dir.path().join("all.zip")).unwrap());
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/osv");
    for name in ["GHSA-lodash.json", "DSA-0001-openssl.json"] {
        zip.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        std::io::Write::write_all(&mut zip, &std::fs::read(src.join(name)).unwrap()).unwrap();
    }
    zip.finish().unwrap();
    let db = OsvDb::read(dir.path()).unwrap();
    assert_eq!(db.len(), 2);
    assert_eq!(db.affecting("npm", "lodash", "4.17.20").len(), 1);
    std::fs::write(dir.path().join("bad.json"), "{\"id\": 1}").unwrap();
    let err = OsvDb::read(dir.path()).unwrap_err().to_string();
    assert!(err.contains("bad.json:1:"), "{err}");
}

fn sbom(stage: Option<&str>, platform: Option<&str>, purls: &[&str]) -> Evidence {
    Evidence {
        kind: AttestationKind::Buildkit,
        platform: platform.map(str::to_string),
        attached_to: Digest::sha256_of(b"p"),
        layer: Digest::sha256_of(format!("{stage:?}{purls:?}").as_bytes()),
        predicate_type: Some(SPDX.into()),
        stage: stage.map(str::to_string),
        subjects: Vec::new(),
        signed: Signed::Unsigned,
        builder_id: None,
        finished_on: None,
        stages: None,
        packages: purls.iter().map(|p| p.to_string()).collect(),
        signed_digest: None,
        predicate: None,
        error: None,
    }
}

#[test]
fn scans_per_platform_and_stage_and_writes_cosign_predicates() {
    let db = fixture();
    let facts = ImageFacts {
        image: "reg/app:1".into(),
        digest: Digest::sha256_of(b"i"),
        media_type: "application/vnd.oci.image.index.v1+json".into(),
        platforms: vec![PlatformFacts {
            platform: "linux/amd64".into(),
            digest: Digest::sha256_of(b"p"),
        }],
        evidence: vec![
            sbom(
                Some("base"),
                Some("linux/amd64"),
                &["pkg:deb/debian/openssl@3.0.11-1~deb12u1?distro=debian-12"],
            ),
            // The same stage exported again, attached to the index.
            sbom(
                Some("base"),
                None,
                &["pkg:deb/debian/openssl@3.0.11-1~deb12u1?distro=debian-12"],
            ),
            sbom(
                Some("web"),
                Some("linux/amd64"),
                &["pkg:npm/lodash@4.17.20", "pkg:npm/left-pad@1.0.0"],
            ),
            sbom(
                Some("clean"),
                Some("linux/amd64"),
                &["pkg:npm/lodash@4.17.21"],
            ),
        ],
    };
    let scans = scan(&facts, &db);
    let summary: Vec<(Option<&str>, usize, Vec<&str>)> = scans
        .iter()
        .map(|s| {
            (
                s.stage.as_deref(),
                s.packages,
                s.findings.iter().map(|f| f.id.as_str()).collect(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (Some("base"), 1, vec!["DSA-0001-1"]),
            (Some("clean"), 1, vec![]),
            (Some("web"), 2, vec!["GHSA-35jh-r3h4-6jhm"]),
        ]
    );
    let p = predicate(
        &scans[0],
        &db,
        "context:stagetrail-vulndb",
        "2026-12-06T10:00:00Z",
        "2026-12-06T10:00:01Z",
    );
    assert_eq!(p["scanner"]["db"]["version"], db.digest.as_str());
    assert_eq!(
        p["scanner"]["result"]["findings"][0]["fixed"],
        "3.0.11-1~deb12u2"
    );
    assert_eq!(p["metadata"]["scanFinishedOn"], "2026-12-06T10:00:01Z");
    assert_eq!(
        p["invocation"]["parameters"]["db"],
        "context:stagetrail-vulndb"
    );
    assert_eq!(
        stagetrail_oci::attestations::stage::stage_of(&Default::default(), Some(&p)),
        Some("base".into())
    );
}

#[test]
fn pypi_advisories_use_pep440() {
    let advisory: osv::Advisory = serde_json::from_value(serde_json::json!({
        "id": "PYSEC-0000-1", "modified": "2026-01-01T00:00:00Z",
        "affected": [{"package": {"ecosystem": "PyPI", "name": "requests"},
                      "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "2.0"}, {"fixed": "2.31.0"}]}]}]}))
    .unwrap();
    let db = OsvDb::from_advisories(Path::new("mem"), "sha256:0".into(), vec![advisory]);
    let hit = |v: &str| db.affecting("PyPI", "requests", v).len();
    assert_eq!(hit("1.9"), 0);
    assert_eq!(hit("2.0.0"), 1);
    assert_eq!(hit("2.31.0rc1"), 1);
    assert_eq!(hit("2.31.0.dev1"), 1);
    assert_eq!(hit("2.31"), 0);
    assert_eq!(hit("2.31.0.post1"), 0);
    assert_eq!(
        osv_package("pkg:pypi/Requests_Toolbelt@1.0"),
        Some(("PyPI".into(), "requests-toolbelt".into(), "1.0".into()))
    );
}
