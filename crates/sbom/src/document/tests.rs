use super::*;
use crate::catalog::{Package, PackageKind};

fn catalog() -> Catalog {
    let mut a = Package::new(
        PackageKind::Npm,
        "a",
        "1.0.0",
        "pkg:npm/a@1.0.0".into(),
        "app/package-lock.json",
        "javascript-lock-cataloger",
    )
    .with_license("LicenseRef-Proprietary");
    a.properties.insert("arch".into(), "all".into());
    let b = Package::new(
        PackageKind::Deb,
        "b",
        "2",
        "pkg:deb/debian/b@2".into(),
        "var/lib/dpkg/status",
        "dpkg-db-cataloger",
    )
    .with_license("GPL-2+ or Artistic");
    Catalog {
        packages: crate::catalog::merge(vec![a, b]),
        ..Catalog::default()
    }
}

fn subject() -> Subject {
    Subject {
        name: "img".into(),
        stage: Some("final".into()),
        platform: Some("linux/arm64".into()),
    }
}

#[test]
fn cyclonedx_carries_lineage_licenses_and_a_stable_serial() {
    let c = catalog();
    let mut b = SbomBuilder::new(subject(), &c);
    b.lineage(
        "pkg:npm/a@1.0.0",
        Lineage {
            stage: Some("final".into()),
            instruction_line: Some(7),
            copied_from_stage: Some("build".into()),
            copied_at_line: Some(9),
        },
    );
    let doc = b.cyclonedx();
    assert_eq!(doc, b.cyclonedx());
    assert!(doc["serialNumber"]
        .as_str()
        .unwrap()
        .starts_with("urn:uuid:"));
    assert!(doc["metadata"].get("timestamp").is_none());
    let a = &doc["components"][1];
    assert_eq!(a["bom-ref"], "pkg:npm/a@1.0.0");
    assert_eq!(
        a["licenses"][0]["license"]["name"],
        "LicenseRef-Proprietary"
    );
    let props: Vec<(String, String)> = a["properties"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap().into(),
                p["value"].as_str().unwrap().into(),
            )
        })
        .collect();
    for want in [
        ("stagetrail:instruction-line", "7"),
        ("stagetrail:copied-from-stage", "build"),
        ("syft:location:0:path", "/app/package-lock.json"),
        ("stagetrail:package:arch", "all"),
    ] {
        assert!(
            props.contains(&(want.0.into(), want.1.into())),
            "{want:?} in {props:?}"
        );
    }
    assert_eq!(
        doc["components"][0]["licenses"][0]["expression"],
        "GPL-2.0-or-later OR Artistic-1.0"
    );
    assert_eq!(
        doc["metadata"]["component"]["properties"][1]["value"],
        "linux/arm64"
    );
    b.created(Some(86_400));
    let dated = b.cyclonedx();
    assert_eq!(dated["metadata"]["timestamp"], "1970-01-02T00:00:00Z");
    assert_ne!(dated["serialNumber"], doc["serialNumber"]);
}

#[test]
fn spdx_relates_packages_and_declares_license_refs() {
    let c = catalog();
    let mut b = SbomBuilder::new(subject(), &c);
    b.lineage(
        "pkg:deb/debian/b@2",
        Lineage {
            stage: Some("base".into()),
            ..Lineage::default()
        },
    );
    let doc = b.spdx();
    assert_eq!(doc, b.spdx());
    assert_eq!(doc["creationInfo"]["created"], "1970-01-01T00:00:00Z");
    assert_eq!(doc["creationInfo"]["creators"][0], format!("Tool: {TOOL}"));
    assert!(doc["documentNamespace"]
        .as_str()
        .unwrap()
        .starts_with("https://stagetrail.invalid/spdx/img-"));
    let pkgs = doc["packages"].as_array().unwrap();
    assert_eq!(pkgs.len(), 3);
    assert_eq!(pkgs[0]["SPDXID"], "SPDXRef-Subject");
    let deb = &pkgs[1];
    assert!(deb["SPDXID"]
        .as_str()
        .unwrap()
        .starts_with("SPDXRef-Package-deb-b-"));
    assert_eq!(
        deb["externalRefs"][0]["referenceLocator"],
        "pkg:deb/debian/b@2"
    );
    assert_eq!(deb["annotations"][0]["comment"], "stagetrail:stage=base");
    assert_eq!(pkgs[2]["licenseDeclared"], "LicenseRef-Proprietary");
    assert_eq!(
        doc["hasExtractedLicensingInfos"][0]["licenseId"],
        "LicenseRef-Proprietary"
    );
    let rels = doc["relationships"].as_array().unwrap();
    assert_eq!(rels[0]["relationshipType"], "DESCRIBES");
    assert_eq!(rels.len(), 3);
    assert_eq!(rels[1]["relatedSpdxElement"], deb["SPDXID"]);
}
