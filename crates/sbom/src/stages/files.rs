//! The files of a platform's documents, as the scanner writes them and the frontend returns
//! them: per stage `<stem>.spdx.json` and `<stem>.cdx.json` (each the compact JSON predicate of
//! one attestation), and [`SUMS_FILE`] beside them with the SHA-256 of each in `sha256sum`'s
//! format, so the build record takes the digests from one small file instead of reading the
//! megabytes of documents back.
//!
//! The JSON escapes `<`, `>`, `&`, U+2028 and U+2029 in strings as Go's `encoding/json` does:
//! BuildKit's exporter embeds each predicate in its statement with `json.Marshal`, which escapes
//! them, so only with the same escapes is the stored predicate the file, byte for byte, and the
//! record's digest that of the predicate in the registry.

use std::collections::BTreeMap;
use std::io::{self, Write};

use sha2::{Digest as _, Sha256};
use stagetrail_oci::attestations::statement::{CYCLONEDX, SPDX};

use super::StageDocuments;

/// The digests file's name.
pub const SUMS_FILE: &str = "SHA256SUMS";
/// What the rendering exec writes instead of documents when the final stage's catalog does not
/// compose (`stagetrail scan --compose`): why.
pub const NOT_COMPOSED: &str = "NOT-COMPOSED";

/// One file: its name (no directory) and bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentFile {
    /// `<stem>.spdx.json`, `<stem>.cdx.json` or [`SUMS_FILE`].
    pub name: String,
    /// The file's content.
    pub data: Vec<u8>,
}

/// The document file names and predicate types of `stems`: every SPDX file, then every
/// CycloneDX file, each in the order of `stems`.
pub fn document_names(stems: &[String]) -> Vec<(String, &'static str)> {
    [("spdx.json", SPDX), ("cdx.json", CYCLONEDX)]
        .into_iter()
        .flat_map(|(extension, predicate)| {
            stems
                .iter()
                .map(move |stem| (format!("{stem}.{extension}"), predicate))
        })
        .collect()
}

/// Every document of `docs` encoded (in [`document_names`] order), then [`SUMS_FILE`].
pub fn document_files(docs: &[StageDocuments]) -> Result<Vec<DocumentFile>, serde_json::Error> {
    let stems: Vec<String> = docs.iter().map(|d| d.stem.clone()).collect();
    let values = docs
        .iter()
        .map(|d| &d.spdx)
        .chain(docs.iter().map(|d| &d.cyclonedx));
    let mut files = Vec::with_capacity(docs.len() * 2 + 1);
    for ((name, _), value) in document_names(&stems).into_iter().zip(values) {
        files.push(DocumentFile {
            name,
            data: encode(value)?,
        });
    }
    let sums: BTreeMap<&str, String> = files
        .iter()
        .map(|f| (f.name.as_str(), hex::encode(Sha256::digest(&f.data))))
        .collect();
    let data = sums
        .iter()
        .map(|(name, hex)| format!("{hex}  {name}\n"))
        .collect::<String>()
        .into_bytes();
    files.push(DocumentFile {
        name: SUMS_FILE.into(),
        data,
    });
    Ok(files)
}

/// `value` as compact JSON with Go's escapes (see the module's documentation).
fn encode(value: &serde_json::Value) -> Result<Vec<u8>, serde_json::Error> {
    let mut out = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(&mut out, GoEscapes);
    serde::Serialize::serialize(value, &mut ser)?;
    Ok(out)
}

/// serde_json's compact formatter, plus the escapes Go's `json.Marshal` adds in strings.
struct GoEscapes;

impl serde_json::ser::Formatter for GoEscapes {
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        // A byte loop: the documents are megabytes and most fragments need no escape.
        let bytes = fragment.as_bytes();
        let (mut start, mut i) = (0, 0);
        while i < bytes.len() {
            let (escape, len) = match &bytes[i..] {
                [b'<', ..] => ("\\u003c", 1),
                [b'>', ..] => ("\\u003e", 1),
                [b'&', ..] => ("\\u0026", 1),
                [0xE2, 0x80, 0xA8, ..] => ("\\u2028", 3),
                [0xE2, 0x80, 0xA9, ..] => ("\\u2029", 3),
                _ => {
                    i += 1;
                    continue;
                }
            };
            writer.write_all(&bytes[start..i])?;
            writer.write_all(escape.as_bytes())?;
            i += len;
            start = i;
        }
        writer.write_all(&bytes[start..])
    }
}

/// The `sha256:` digest of each file named in a [`SUMS_FILE`], by name; an error names the
/// first line that is not `<64 hex digits>  <name>`.
pub fn parse_sums(text: &[u8]) -> Result<BTreeMap<String, String>, String> {
    let text = std::str::from_utf8(text).map_err(|e| format!("{SUMS_FILE}: not UTF-8: {e}"))?;
    text.lines()
        .enumerate()
        .map(|(i, line)| {
            let bad = || format!("{SUMS_FILE}:{}: expected \"<sha256>  <file>\"", i + 1);
            let (hex, name) = line.split_once("  ").ok_or_else(bad)?;
            let is_hex = hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit());
            if !is_hex || name.is_empty() {
                return Err(bad());
            }
            Ok((name.to_string(), format!("sha256:{hex}")))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn docs() -> Vec<StageDocuments> {
        ["sbom", "sbom-build"]
            .map(|stem| StageDocuments {
                stem: stem.into(),
                spdx: json!({"spdxVersion": "SPDX-2.3", "name": stem}),
                cyclonedx: json!({"bomFormat": "CycloneDX", "name": stem}),
                warnings: Vec::new(),
            })
            .to_vec()
    }

    #[test]
    fn every_document_has_its_digest_in_the_sums_file() {
        let files = document_files(&docs()).unwrap();
        let names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "sbom.spdx.json",
                "sbom-build.spdx.json",
                "sbom.cdx.json",
                "sbom-build.cdx.json",
                SUMS_FILE
            ]
        );
        let stems = ["sbom".to_string(), "sbom-build".to_string()];
        assert_eq!(document_names(&stems)[1], (names[1].to_string(), SPDX));
        assert_eq!(document_names(&stems)[2], (names[2].to_string(), CYCLONEDX));
        assert_eq!(
            files[0].data,
            br#"{"spdxVersion":"SPDX-2.3","name":"sbom"}"#
        );
        let sums = parse_sums(&files[4].data).unwrap();
        assert_eq!(sums.len(), 4);
        for f in &files[..4] {
            let want = format!("sha256:{}", hex::encode(Sha256::digest(&f.data)));
            assert_eq!(sums[&f.name], want, "{}", f.name);
        }
        // `sha256sum -c` reads it: two spaces between digest and name, sorted by name.
        let text = String::from_utf8(files[4].data.clone()).unwrap();
        assert!(text
            .lines()
            .next()
            .unwrap()
            .ends_with("  sbom-build.cdx.json"));
    }

    #[test]
    fn strings_are_escaped_as_go_marshals_them() {
        let doc = json!({"purl": "pkg:deb/debian/a@1?arch=all&distro=debian-12",
            "<k>": "a\u{2028}b\u{2029}c \"q\" \\ \n é"});
        let bytes = encode(&doc).unwrap();
        assert_eq!(
            String::from_utf8(bytes.clone()).unwrap(),
            r#"{"purl":"pkg:deb/debian/a@1?arch=all\u0026distro=debian-12","\u003ck\u003e":"a\u2028b\u2029c \"q\" \\ \n é"}"#
        );
        // The same value: only the spelling changed.
        assert_eq!(
            serde_json::from_slice::<serde_json::Value>(&bytes).unwrap(),
            doc
        );
    }

    #[test]
    fn a_bad_sums_line_is_named() {
        let ok = format!("{}  a.json\n", "0".repeat(64));
        assert_eq!(parse_sums(ok.as_bytes()).unwrap().len(), 1);
        for bad in [
            "xyz  a.json",
            "0000 a.json",
            &format!("{}  ", "0".repeat(64)),
        ] {
            let text = format!("{ok}{bad}\n");
            assert_eq!(
                parse_sums(text.as_bytes()).unwrap_err(),
                format!("{SUMS_FILE}:2: expected \"<sha256>  <file>\"")
            );
        }
    }
}
