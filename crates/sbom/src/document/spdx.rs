//! SPDX 2.3 JSON.

use super::{uuid_v5, SbomBuilder, TOOL};
use crate::catalog::Package;
use serde::Serialize;
use sha2::{Digest, Sha256};
use stagetrail_oci::civil_time::rfc3339;
use std::collections::BTreeMap;

const NOASSERTION: &str = "NOASSERTION";
/// The SPDXID of the subject package.
const SUBJECT_ID: &str = "SPDXRef-Subject";

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Document {
    spdx_version: &'static str,
    data_license: &'static str,
    #[serde(rename = "SPDXID")]
    spdx_id: &'static str,
    name: String,
    document_namespace: String,
    creation_info: CreationInfo,
    packages: Vec<SpdxPackage>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    has_extracted_licensing_infos: Vec<ExtractedLicense>,
    relationships: Vec<Relationship>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CreationInfo {
    created: String,
    creators: Vec<String>,
    license_list_version: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SpdxPackage {
    name: String,
    #[serde(rename = "SPDXID")]
    spdx_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    version_info: Option<String>,
    download_location: &'static str,
    files_analyzed: bool,
    license_concluded: &'static str,
    license_declared: String,
    copyright_text: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    source_info: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    primary_package_purpose: Option<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    external_refs: Vec<ExternalRef>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    annotations: Vec<Annotation>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ExternalRef {
    reference_category: &'static str,
    reference_type: &'static str,
    reference_locator: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Annotation {
    annotation_date: String,
    annotation_type: &'static str,
    annotator: String,
    comment: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ExtractedLicense {
    license_id: String,
    extracted_text: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Relationship {
    spdx_element_id: String,
    relationship_type: &'static str,
    related_spdx_element: String,
}

/// `SPDXRef-Package-<type>-<name>-<16 hex of sha256(purl)>`, stable for a purl.
pub fn package_id(p: &Package) -> String {
    let sane: String = format!("{}-{}", p.kind.as_str(), p.name)
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .take(60)
        .collect();
    let h = hex::encode(Sha256::digest(p.purl.as_bytes()));
    format!("SPDXRef-Package-{sane}-{}", &h[..16])
}

fn annotations(comments: Vec<String>, date: &str) -> Vec<Annotation> {
    comments
        .into_iter()
        .map(|comment| Annotation {
            annotation_date: date.to_string(),
            annotation_type: "OTHER",
            annotator: format!("Tool: {TOOL}"),
            comment,
        })
        .collect()
}

fn package(b: &SbomBuilder<'_>, p: &Package, date: &str) -> SpdxPackage {
    let lineage = b
        .lineage_of(p)
        .map(|l| {
            l.properties()
                .into_iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect()
        })
        .unwrap_or_default();
    let found_by = p.found_by.iter().cloned().collect::<Vec<_>>().join(",");
    let locations = p
        .locations
        .iter()
        .map(|l| format!("/{l}"))
        .collect::<Vec<_>>()
        .join(", ");
    SpdxPackage {
        name: p.name.clone(),
        spdx_id: package_id(p),
        version_info: Some(p.version.clone()).filter(|v| !v.is_empty()),
        download_location: NOASSERTION,
        files_analyzed: false,
        license_concluded: NOASSERTION,
        license_declared: p
            .license
            .as_ref()
            .map_or_else(|| NOASSERTION.to_string(), |l| l.expression.clone()),
        copyright_text: NOASSERTION,
        source_info: Some(format!(
            "acquired package info from {found_by}: {locations}"
        )),
        primary_package_purpose: None,
        external_refs: vec![ExternalRef {
            reference_category: "PACKAGE-MANAGER",
            reference_type: "purl",
            reference_locator: p.purl.clone(),
        }],
        annotations: annotations(lineage, date),
    }
}

/// Builds the document; the namespace ends in the UUIDv5 of the document's SHA-256 without it.
pub(super) fn document(b: &SbomBuilder<'_>) -> serde_json::Value {
    let date = rfc3339(i64::try_from(b.created.unwrap_or(0)).unwrap_or(i64::MAX));
    let mut subject_notes = Vec::new();
    if let Some(s) = &b.subject.stage {
        subject_notes.push(format!("stagetrail:stage={s}"));
    }
    if let Some(p) = &b.subject.platform {
        subject_notes.push(format!("stagetrail:platform={p}"));
    }
    let mut packages = vec![SpdxPackage {
        name: b.subject.name.clone(),
        spdx_id: SUBJECT_ID.into(),
        version_info: None,
        download_location: NOASSERTION,
        files_analyzed: false,
        license_concluded: NOASSERTION,
        license_declared: NOASSERTION.into(),
        copyright_text: NOASSERTION,
        source_info: None,
        primary_package_purpose: Some("CONTAINER"),
        external_refs: Vec::new(),
        annotations: annotations(subject_notes, &date),
    }];
    let mut relationships = vec![Relationship {
        spdx_element_id: "SPDXRef-DOCUMENT".into(),
        relationship_type: "DESCRIBES",
        related_spdx_element: SUBJECT_ID.into(),
    }];
    let mut extracted: BTreeMap<String, String> = BTreeMap::new();
    for p in b.packages {
        let sp = package(b, p, &date);
        relationships.push(Relationship {
            spdx_element_id: SUBJECT_ID.into(),
            relationship_type: "CONTAINS",
            related_spdx_element: sp.spdx_id.clone(),
        });
        packages.push(sp);
        if let Some(l) = &p.license {
            for (id, text) in &l.refs {
                extracted.entry(id.clone()).or_insert_with(|| text.clone());
            }
        }
    }
    let mut doc = Document {
        spdx_version: "SPDX-2.3",
        data_license: "CC0-1.0",
        spdx_id: "SPDXRef-DOCUMENT",
        name: b.subject.name.clone(),
        document_namespace: String::new(),
        creation_info: CreationInfo {
            created: date,
            creators: vec![format!("Tool: {TOOL}")],
            license_list_version: license_list_version(),
        },
        packages,
        has_extracted_licensing_infos: extracted
            .into_iter()
            .map(|(license_id, extracted_text)| ExtractedLicense {
                license_id,
                extracted_text,
            })
            .collect(),
        relationships,
    };
    let unsigned = serde_json::to_vec(&doc).unwrap_or_default();
    let digest = hex::encode(Sha256::digest(&unsigned));
    let slug: String = b
        .subject
        .name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    doc.document_namespace = format!(
        "https://stagetrail.invalid/spdx/{slug}-{}",
        uuid_v5(digest.as_bytes())
    );
    serde_json::to_value(&doc).unwrap_or(serde_json::Value::Null)
}

/// `MAJOR.MINOR` of the SPDX license list our ids come from.
fn license_list_version() -> String {
    let v = spdx::identifiers::VERSION;
    v.split('.').take(2).collect::<Vec<_>>().join(".")
}
