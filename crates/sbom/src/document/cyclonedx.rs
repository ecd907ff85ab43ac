//! CycloneDX 1.6 JSON.

use super::{uuid_v5, SbomBuilder};
use crate::catalog::Package;
use serde::Serialize;
use sha2::{Digest, Sha256};
use stagetrail_oci::civil_time::rfc3339;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Bom {
    #[serde(rename = "$schema")]
    schema: &'static str,
    bom_format: &'static str,
    spec_version: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    serial_number: Option<String>,
    version: u32,
    metadata: Metadata,
    components: Vec<Component>,
    dependencies: Vec<Dependency>,
}

#[derive(Serialize)]
struct Metadata {
    #[serde(skip_serializing_if = "Option::is_none")]
    timestamp: Option<String>,
    tools: Tools,
    component: Component,
}

#[derive(Serialize)]
struct Tools {
    components: Vec<Component>,
}

#[derive(Serialize)]
struct Component {
    #[serde(rename = "bom-ref", skip_serializing_if = "Option::is_none")]
    bom_ref: Option<String>,
    #[serde(rename = "type")]
    ty: &'static str,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    licenses: Vec<LicenseChoice>,
    #[serde(skip_serializing_if = "Option::is_none")]
    purl: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    properties: Vec<Property>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum LicenseChoice {
    Named { license: NamedLicense },
    Expression { expression: String },
}

#[derive(Serialize)]
struct NamedLicense {
    name: String,
}

#[derive(Serialize)]
struct Property {
    name: String,
    value: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Dependency {
    #[serde(rename = "ref")]
    reference: String,
    depends_on: Vec<String>,
}

/// The bom-ref of the subject component.
const SUBJECT_REF: &str = "stagetrail-subject";

fn prop(name: impl Into<String>, value: impl Into<String>) -> Property {
    Property {
        name: name.into(),
        value: value.into(),
    }
}

/// Licenses: a lone `LicenseRef-` is written as a named license with its declared text; anything
/// else as an SPDX expression (ids newer than the schema's enum stay valid that way).
fn licenses(p: &Package) -> Vec<LicenseChoice> {
    let Some(l) = &p.license else {
        return Vec::new();
    };
    match l.refs.get(&l.expression) {
        Some(text) => vec![LicenseChoice::Named {
            license: NamedLicense { name: text.clone() },
        }],
        None => vec![LicenseChoice::Expression {
            expression: l.expression.clone(),
        }],
    }
}

fn component(b: &SbomBuilder<'_>, p: &Package) -> Component {
    let mut properties = vec![
        prop(
            "syft:package:foundBy",
            p.found_by.iter().cloned().collect::<Vec<_>>().join(","),
        ),
        prop("syft:package:type", p.kind.as_str()),
    ];
    for (i, loc) in p.locations.iter().enumerate() {
        properties.push(prop(format!("syft:location:{i}:path"), format!("/{loc}")));
    }
    for (k, v) in &p.properties {
        properties.push(prop(format!("stagetrail:package:{k}"), v.clone()));
    }
    if let Some(l) = b.lineage_of(p) {
        properties.extend(l.properties().into_iter().map(|(k, v)| prop(k, v)));
    }
    Component {
        bom_ref: Some(p.purl.clone()),
        ty: "library",
        name: p.name.clone(),
        version: Some(p.version.clone()).filter(|v| !v.is_empty()),
        licenses: licenses(p),
        purl: Some(p.purl.clone()),
        properties,
    }
}

/// Builds the document; the serial number is the UUIDv5 of the document's SHA-256 without it.
pub(super) fn document(b: &SbomBuilder<'_>) -> serde_json::Value {
    let mut subject_props = Vec::new();
    if let Some(s) = &b.subject.stage {
        subject_props.push(prop("stagetrail:stage", s.clone()));
    }
    if let Some(p) = &b.subject.platform {
        subject_props.push(prop("stagetrail:platform", p.clone()));
    }
    let components: Vec<Component> = b.packages.iter().map(|p| component(b, p)).collect();
    let mut bom = Bom {
        schema: "http://cyclonedx.org/schema/bom-1.6.schema.json",
        bom_format: "CycloneDX",
        spec_version: "1.6",
        serial_number: None,
        version: 1,
        metadata: Metadata {
            timestamp: b
                .created
                .map(|t| rfc3339(i64::try_from(t).unwrap_or(i64::MAX))),
            tools: Tools {
                components: vec![Component {
                    bom_ref: None,
                    ty: "application",
                    name: "stagetrail".into(),
                    version: Some(env!("CARGO_PKG_VERSION").into()),
                    licenses: Vec::new(),
                    purl: None,
                    properties: Vec::new(),
                }],
            },
            component: Component {
                bom_ref: Some(SUBJECT_REF.into()),
                ty: "container",
                name: b.subject.name.clone(),
                version: None,
                licenses: Vec::new(),
                purl: None,
                properties: subject_props,
            },
        },
        dependencies: vec![Dependency {
            reference: SUBJECT_REF.into(),
            depends_on: components
                .iter()
                .filter_map(|c| c.bom_ref.clone())
                .collect(),
        }],
        components,
    };
    // Hashed as it is written: a copy of the whole document just to hash it doubled the peak
    // memory of a 200,000-package SBOM.
    struct HashWriter(Sha256);
    impl std::io::Write for HashWriter {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.update(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut hasher = HashWriter(Sha256::new());
    let _ = serde_json::to_writer(&mut hasher, &bom);
    let digest = hex::encode(hasher.0.finalize());
    bom.serial_number = Some(format!("urn:uuid:{}", uuid_v5(digest.as_bytes())));
    serde_json::to_value(&bom).unwrap_or(serde_json::Value::Null)
}
