//! A minimal, read-only tar index: where each regular file's data starts and how long it is.
//! Understands ustar prefixes, GNU long names (`L`) and PAX `path`/`size` records.

use std::collections::BTreeMap;
use std::io::{Read, Seek, SeekFrom};

use super::error::{RegistryError, Result};

const BLOCK: u64 = 512;
/// Largest PAX or GNU long-name record we read.
const MAX_META: u64 = 1 << 20;

/// Position of one file's data inside the tar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    /// Offset of the first data byte.
    pub offset: u64,
    /// Data length.
    pub size: u64,
}

/// Indexes the regular files of a tar stream by normalised path (no leading `./` or `/`).
pub fn index<R: Read + Seek>(reader: &mut R, at: &str) -> Result<BTreeMap<String, Entry>> {
    let bad = |message: String| RegistryError::Local {
        at: at.into(),
        message,
    };
    let mut entries = BTreeMap::new();
    let mut pos = 0u64;
    let mut long_name: Option<String> = None;
    let mut pax: BTreeMap<String, String> = BTreeMap::new();
    loop {
        let mut header = [0u8; BLOCK as usize];
        match read_full(reader, &mut header) {
            Ok(0) => break,
            Ok(n) if n < header.len() => {
                return Err(bad(format!("truncated tar header at byte {pos}")))
            }
            Ok(_) => {}
            Err(e) => return Err(bad(format!("cannot read tar header at byte {pos}: {e}"))),
        }
        if header.iter().all(|&b| b == 0) {
            break;
        }
        check_checksum(&header).map_err(|m| bad(format!("tar header at byte {pos}: {m}")))?;
        let mut size = parse_size(&header[124..136])
            .ok_or_else(|| bad(format!("tar header at byte {pos}: bad size field")))?;
        if let Some(s) = pax.get("size").and_then(|s| s.parse().ok()) {
            size = s;
        }
        let data = pos + BLOCK;
        let kind = header[156];
        let next = data
            .checked_add(size.div_ceil(BLOCK) * BLOCK)
            .ok_or_else(|| bad(format!("tar entry at byte {pos} has an impossible size")))?;
        match kind {
            b'L' | b'x' => {
                if size > MAX_META {
                    return Err(bad(format!(
                        "tar metadata record at byte {pos} is {size} bytes"
                    )));
                }
                let mut buf = vec![0u8; size as usize];
                if read_full(reader, &mut buf).map_err(|e| bad(e.to_string()))? < buf.len() {
                    return Err(bad(format!("truncated tar metadata at byte {data}")));
                }
                if kind == b'L' {
                    long_name = Some(cstr(&buf));
                } else {
                    pax = parse_pax(&buf)
                        .ok_or_else(|| bad(format!("malformed PAX record at byte {data}")))?;
                }
            }
            _ => {
                let name = pax
                    .remove("path")
                    .or(long_name.take())
                    .unwrap_or_else(|| header_name(&header));
                if kind == b'0' || kind == 0 {
                    entries.insert(normalise(&name), Entry { offset: data, size });
                }
                pax.clear();
            }
        }
        pos = next;
        reader
            .seek(SeekFrom::Start(pos))
            .map_err(|e| bad(format!("cannot seek to byte {pos}: {e}")))?;
    }
    Ok(entries)
}

fn read_full<R: Read>(reader: &mut R, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match reader.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

fn cstr(bytes: &[u8]) -> String {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}

fn header_name(header: &[u8]) -> String {
    let name = cstr(&header[0..100]);
    let ustar = &header[257..262] == b"ustar";
    let prefix = if ustar {
        cstr(&header[345..500])
    } else {
        String::new()
    };
    if prefix.is_empty() {
        name
    } else {
        format!("{prefix}/{name}")
    }
}

/// Octal (NUL/space padded) or GNU base-256 size.
fn parse_size(field: &[u8]) -> Option<u64> {
    if field[0] & 0x80 != 0 {
        let mut v: u64 = (field[0] & 0x7f) as u64;
        for &b in &field[1..] {
            v = v.checked_mul(256)?.checked_add(b as u64)?;
        }
        return Some(v);
    }
    let text = cstr(field);
    let text = text.trim();
    if text.is_empty() {
        return Some(0);
    }
    u64::from_str_radix(text, 8).ok()
}

/// Whether `bytes` start with a tar header block whose checksum matches (what Go's `tar.Reader.Next`
/// accepts as a first header): how a tarball is told from other bytes.
pub fn starts_with_header(bytes: &[u8]) -> bool {
    bytes
        .get(..512)
        .is_some_and(|h| h.iter().any(|&b| b != 0) && check_checksum(h).is_ok())
}

fn check_checksum(header: &[u8]) -> std::result::Result<(), String> {
    let stored = parse_size(&header[148..156]).ok_or("bad checksum field (not a tar file?)")?;
    let sum: u64 = header
        .iter()
        .enumerate()
        .map(|(i, &b)| {
            if (148..156).contains(&i) {
                32
            } else {
                b as u64
            }
        })
        .sum();
    if sum == stored {
        Ok(())
    } else {
        Err(format!(
            "checksum mismatch (not a tar file?): stored {stored}, computed {sum}"
        ))
    }
}

/// PAX records: `<len> <key>=<value>\n`.
fn parse_pax(mut data: &[u8]) -> Option<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    while !data.is_empty() && data[0] != 0 {
        let space = data.iter().position(|&b| b == b' ')?;
        let len: usize = std::str::from_utf8(&data[..space]).ok()?.parse().ok()?;
        if len <= space || len > data.len() {
            return None;
        }
        let record = std::str::from_utf8(&data[space + 1..len])
            .ok()?
            .strip_suffix('\n')?;
        let (k, v) = record.split_once('=')?;
        out.insert(k.to_string(), v.to_string());
        data = &data[len..];
    }
    Some(out)
}

fn normalise(name: &str) -> String {
    let mut n = name;
    loop {
        if let Some(rest) = n.strip_prefix("./") {
            n = rest;
        } else if let Some(rest) = n.strip_prefix('/') {
            n = rest;
        } else {
            return n.to_string();
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::io::Cursor;

    /// Builds a ustar header for a regular file (or `kind`) of `size` bytes named `name`.
    pub fn header(name: &str, size: u64, kind: u8) -> Vec<u8> {
        let mut h = vec![0u8; 512];
        h[..name.len()].copy_from_slice(name.as_bytes());
        h[100..107].copy_from_slice(b"0000644");
        h[124..135].copy_from_slice(format!("{size:011o}").as_bytes());
        h[156] = kind;
        h[257..263].copy_from_slice(b"ustar\0");
        h[263..265].copy_from_slice(b"00");
        h[148..156].copy_from_slice(b"        ");
        let sum: u64 = h.iter().map(|&b| b as u64).sum();
        h[148..155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
        h
    }

    /// A tar of `(name, data)` files.
    pub fn tar(files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = Vec::new();
        for (name, data) in files {
            out.extend(header(name, data.len() as u64, b'0'));
            out.extend_from_slice(data);
            out.resize(out.len().div_ceil(512) * 512, 0);
        }
        out.extend(vec![0u8; 1024]);
        out
    }

    #[test]
    fn indexes_files_and_long_names() {
        let long = format!("blobs/sha256/{}", "a".repeat(120));
        let mut t = Vec::new();
        t.extend(header("././@LongLink", long.len() as u64 + 1, b'L'));
        let mut name = long.clone().into_bytes();
        name.push(0);
        name.resize(512, 0);
        t.extend(name);
        t.extend(header("x", 3, b'0'));
        t.extend(b"abc".iter().copied().chain(std::iter::repeat_n(0, 509)));
        let pax = "17 path=pax/name\n";
        t.extend(header("PaxHeader", pax.len() as u64, b'x'));
        t.extend(pax.bytes().chain(std::iter::repeat_n(0, 512 - pax.len())));
        t.extend(header("ignored", 0, b'0'));
        t.extend(tar(&[("./index.json", b"{}")]));
        let idx = index(&mut Cursor::new(&t), "t.tar").unwrap();
        assert_eq!(
            idx[&long],
            Entry {
                offset: 1536,
                size: 3
            }
        );
        assert!(idx.contains_key("pax/name"));
        assert_eq!(idx["index.json"].size, 2);
    }

    #[test]
    fn rejects_garbage() {
        let err = index(&mut Cursor::new(vec![7u8; 1024]), "t.tar").unwrap_err();
        assert!(err.to_string().contains("not a tar file"), "{err}");
        let err = index(&mut Cursor::new(vec![7u8; 100]), "t.tar").unwrap_err();
        assert!(err.to_string().contains("truncated tar header"), "{err}");
    }
}
