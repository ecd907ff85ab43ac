//! RPM header blobs as stored in the rpmdb: `il` and `dl` (big-endian u32), `il` index entries
//! of 16 bytes (tag, type, offset, count), then `dl` bytes of data.

use std::collections::BTreeMap;

/// Tags read by the cataloger.
pub mod tag {
    /// Package name.
    pub const NAME: u32 = 1000;
    /// Upstream version.
    pub const VERSION: u32 = 1001;
    /// Release.
    pub const RELEASE: u32 = 1002;
    /// Epoch (INT32).
    pub const EPOCH: u32 = 1003;
    /// Vendor.
    pub const VENDOR: u32 = 1011;
    /// License string.
    pub const LICENSE: u32 = 1014;
    /// Architecture.
    pub const ARCH: u32 = 1022;
    /// Source RPM file name.
    pub const SOURCERPM: u32 = 1044;
    /// Per-file index into DIRNAMES (INT32 array).
    pub const DIRINDEXES: u32 = 1116;
    /// File base names (STRING_ARRAY).
    pub const BASENAMES: u32 = 1117;
    /// Directory names (STRING_ARRAY).
    pub const DIRNAMES: u32 = 1118;
}

const INT32: u32 = 4;
const STRING: u32 = 6;
const STRING_ARRAY: u32 = 8;
const I18NSTRING: u32 = 9;

/// A decoded tag value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// STRING, I18NSTRING (first) or STRING_ARRAY.
    Strings(Vec<String>),
    /// INT32 array.
    Ints(Vec<u32>),
}

/// The tags of one header that we understand.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Header {
    tags: BTreeMap<u32, Value>,
}

impl Header {
    /// Parses a header blob; the error says which byte offset is wrong.
    pub fn parse(blob: &[u8]) -> Result<Header, String> {
        let be = |at: usize| -> Result<u32, String> {
            blob.get(at..at + 4)
                .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
                .ok_or_else(|| format!("truncated at byte {at}"))
        };
        let il = be(0)? as usize;
        let dl = be(4)? as usize;
        let data_start = il
            .checked_mul(16)
            .and_then(|n| n.checked_add(8))
            .filter(|&n| n <= blob.len())
            .ok_or_else(|| format!("index of {il} entries does not fit in {} bytes", blob.len()))?;
        let data = blob
            .get(data_start..data_start.saturating_add(dl))
            .ok_or_else(|| format!("data of {dl} bytes does not fit after byte {data_start}"))?;
        let mut tags = BTreeMap::new();
        for i in 0..il {
            let at = 8 + i * 16;
            let (t, ty, off, count) = (
                be(at)?,
                be(at + 4)?,
                be(at + 8)? as usize,
                be(at + 12)? as usize,
            );
            let value = match ty {
                STRING | I18NSTRING | STRING_ARRAY => {
                    let n = if ty == STRING_ARRAY { count } else { 1 };
                    Value::Strings(strings(data, off, n).ok_or_else(|| {
                        format!("tag {t}: strings at data offset {off} run past the data")
                    })?)
                }
                INT32 => {
                    let end = count.checked_mul(4).and_then(|n| n.checked_add(off));
                    let raw = end.and_then(|e| data.get(off..e)).ok_or_else(|| {
                        format!("tag {t}: {count} ints at data offset {off} run past the data")
                    })?;
                    Value::Ints(
                        raw.chunks_exact(4)
                            .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]))
                            .collect(),
                    )
                }
                _ => continue,
            };
            tags.insert(t, value);
        }
        Ok(Header { tags })
    }

    /// The first string of a tag.
    pub fn string(&self, tag: u32) -> Option<&str> {
        match self.tags.get(&tag)? {
            Value::Strings(s) => s.first().map(String::as_str),
            Value::Ints(_) => None,
        }
    }

    /// All strings of a tag (empty when absent).
    pub fn strings(&self, tag: u32) -> &[String] {
        match self.tags.get(&tag) {
            Some(Value::Strings(s)) => s,
            _ => &[],
        }
    }

    /// All ints of a tag (empty when absent).
    pub fn ints(&self, tag: u32) -> &[u32] {
        match self.tags.get(&tag) {
            Some(Value::Ints(v)) => v,
            _ => &[],
        }
    }

    /// The file list: `DIRNAMES[DIRINDEXES[i]] + BASENAMES[i]`.
    pub fn files(&self) -> Vec<String> {
        let dirs = self.strings(tag::DIRNAMES);
        self.strings(tag::BASENAMES)
            .iter()
            .zip(self.ints(tag::DIRINDEXES))
            .filter_map(|(b, &i)| dirs.get(i as usize).map(|d| format!("{d}{b}")))
            .collect()
    }
}

fn strings(data: &[u8], mut off: usize, n: usize) -> Option<Vec<String>> {
    let mut out = Vec::with_capacity(n.min(4096));
    for _ in 0..n {
        let rest = data.get(off..)?;
        let len = rest.iter().position(|&b| b == 0)?;
        out.push(String::from_utf8_lossy(&rest[..len]).into_owned());
        off += len + 1;
    }
    Some(out)
}

/// Encodes a header blob (string, string-array and int32 tags) — the inverse of
/// [`Header::parse`], used to build test databases.
pub fn encode(entries: &[(u32, Value)]) -> Vec<u8> {
    let mut index = Vec::new();
    let mut data = Vec::new();
    for (t, v) in entries {
        let (ty, count) = match v {
            Value::Strings(s) if s.len() == 1 => (STRING, 1),
            Value::Strings(s) => (STRING_ARRAY, s.len()),
            Value::Ints(i) => {
                while data.len() % 4 != 0 {
                    data.push(0);
                }
                (INT32, i.len())
            }
        };
        for x in [*t, ty, data.len() as u32, count as u32] {
            index.extend_from_slice(&x.to_be_bytes());
        }
        match v {
            Value::Strings(s) => s.iter().for_each(|s| {
                data.extend_from_slice(s.as_bytes());
                data.push(0);
            }),
            Value::Ints(i) => i
                .iter()
                .for_each(|x| data.extend_from_slice(&x.to_be_bytes())),
        }
    }
    let mut blob = Vec::new();
    blob.extend_from_slice(&(entries.len() as u32).to_be_bytes());
    blob.extend_from_slice(&(data.len() as u32).to_be_bytes());
    blob.extend(index);
    blob.extend(data);
    blob
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_truncation() {
        let blob = encode(&[
            (tag::NAME, Value::Strings(vec!["bash".into()])),
            (tag::EPOCH, Value::Ints(vec![1])),
            (
                tag::BASENAMES,
                Value::Strings(vec!["bash".into(), "sh".into()]),
            ),
            (tag::DIRNAMES, Value::Strings(vec!["/usr/bin/".into()])),
            (tag::DIRINDEXES, Value::Ints(vec![0, 0])),
        ]);
        let h = Header::parse(&blob).unwrap();
        assert_eq!(h.string(tag::NAME), Some("bash"));
        assert_eq!(h.ints(tag::EPOCH), [1]);
        assert_eq!(h.files(), ["/usr/bin/bash", "/usr/bin/sh"]);
        for cut in [0, 7, 20, blob.len() - 1] {
            assert!(Header::parse(&blob[..cut]).is_err(), "cut at {cut}");
        }
    }
}
