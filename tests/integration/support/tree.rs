//! A root filesystem as the union of OCI layers: `path → entry`, with whiteouts applied.

use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::io::Read;

/// What a path is, with the part of its content we compare.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A directory.
    Dir,
    /// A regular file (hard links resolve to their target's content).
    File { sha256: String, size: u64 },
    /// A symbolic link and its target as written.
    Symlink { target: String },
    /// A character device.
    Char { major: u32, minor: u32 },
    /// A block device.
    Block { major: u32, minor: u32 },
    /// A named pipe.
    Fifo,
}

/// One path of the root filesystem.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Type and content.
    pub kind: Kind,
    /// Permission bits with setuid/setgid/sticky (`mode & 0o7777`).
    pub mode: u32,
    /// Owner.
    pub uid: u64,
    /// Group.
    pub gid: u64,
    /// Extended attributes (PAX `SCHILY.xattr.*`, file capabilities included), values in hex.
    pub xattrs: BTreeMap<String, String>,
    /// For a hard link, the path it links to (its content is the target's).
    pub hardlink: Option<String>,
    /// Modification time in seconds (compared only where a case pins the timestamps).
    pub mtime: u64,
}

impl Entry {
    /// This entry without its mtime, for builds whose timestamps legitimately differ.
    pub fn timeless(&self) -> Entry {
        Entry {
            mtime: 0,
            ..self.clone()
        }
    }
}

impl fmt::Display for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let own = format!("{:04o} {}:{}", self.mode, self.uid, self.gid);
        match &self.kind {
            Kind::Dir => write!(f, "dir {own}"),
            Kind::File { sha256, size } => write!(f, "file {own} {size}B sha256:{}", &sha256[..12]),
            Kind::Symlink { target } => write!(f, "symlink {own} -> {target}"),
            Kind::Char { major, minor } => write!(f, "char {own} {major},{minor}"),
            Kind::Block { major, minor } => write!(f, "block {own} {major},{minor}"),
            Kind::Fifo => write!(f, "fifo {own}"),
        }?;
        if let Some(target) = &self.hardlink {
            write!(f, " hardlink-of /{target}")?;
        }
        for (name, value) in &self.xattrs {
            write!(f, " xattr {name}={value}")?;
        }
        if self.mtime != 0 {
            write!(f, " mtime {}", self.mtime)?;
        }
        Ok(())
    }
}

/// The merged filesystem, keyed by path without leading `/` (e.g. `etc/passwd`).
pub type Tree = BTreeMap<String, Entry>;

const WHITEOUT: &str = ".wh.";
const OPAQUE: &str = ".wh..wh..opq";

/// Applies one uncompressed layer tar on top of `tree`, following the OCI whiteout rules:
/// `.wh.NAME` removes NAME from lower layers, `.wh..wh..opq` hides everything lower in its directory.
/// Returns the layer's own entries (paths as written in the tar, whiteouts included, sorted): the
/// layer's boundary.
pub fn apply_layer(tree: &mut Tree, layer: impl Read) -> Result<Vec<String>, String> {
    let mut archive = tar::Archive::new(layer);
    let mut added: BTreeSet<String> = BTreeSet::new();
    let mut listed = Vec::new();
    let entries = archive.entries().map_err(|e| format!("layer tar: {e}"))?;
    for item in entries {
        let mut entry = item.map_err(|e| format!("layer tar entry: {e}"))?;
        let raw = entry.path().map_err(|e| format!("layer tar path: {e}"))?;
        let path = normalize(&raw.to_string_lossy());
        if path.is_empty() {
            continue;
        }
        listed.push(path.clone());
        let (dir, name) = split(&path);
        if name == OPAQUE {
            remove_lower(tree, &added, dir, false);
            continue;
        }
        if let Some(hidden) = name.strip_prefix(WHITEOUT) {
            remove_lower(tree, &added, &join(dir, hidden), true);
            continue;
        }
        let header = entry.header().clone();
        let xattrs = xattrs(&mut entry).map_err(|e| format!("{path}: pax header: {e}"))?;
        let mtime = header.mtime().map_err(|e| format!("{path}: mtime: {e}"))?;
        let mode = header.mode().map_err(|e| format!("{path}: mode: {e}"))? & 0o7777;
        let uid = header.uid().map_err(|e| format!("{path}: uid: {e}"))?;
        let gid = header.gid().map_err(|e| format!("{path}: gid: {e}"))?;
        let device = || -> Result<(u32, u32), String> {
            let major = header.device_major().ok().flatten().unwrap_or(0);
            let minor = header.device_minor().ok().flatten().unwrap_or(0);
            Ok((major, minor))
        };
        let link = || -> Result<String, String> {
            entry
                .link_name()
                .map_err(|e| format!("{path}: link name: {e}"))?
                .map(|l| l.to_string_lossy().into_owned())
                .ok_or_else(|| format!("{path}: link without a target"))
        };
        let mut hardlink = None;
        let kind = match header.entry_type() {
            tar::EntryType::Directory => Kind::Dir,
            tar::EntryType::Symlink => Kind::Symlink { target: link()? },
            tar::EntryType::Link => {
                let target = normalize(&link()?);
                let kind = match tree.get(&target) {
                    Some(Entry {
                        kind: kind @ Kind::File { .. },
                        ..
                    }) => kind.clone(),
                    _ => return Err(format!("{path}: hard link to missing file {target}")),
                };
                hardlink = Some(target);
                kind
            }
            tar::EntryType::Char => {
                let (major, minor) = device()?;
                Kind::Char { major, minor }
            }
            tar::EntryType::Block => {
                let (major, minor) = device()?;
                Kind::Block { major, minor }
            }
            tar::EntryType::Fifo => Kind::Fifo,
            tar::EntryType::Regular | tar::EntryType::Continuous => {
                let mut hasher = Sha256::new();
                let size = std::io::copy(&mut entry, &mut hasher)
                    .map_err(|e| format!("{path}: read: {e}"))?;
                Kind::File {
                    sha256: hex::encode(hasher.finalize()),
                    size,
                }
            }
            other => return Err(format!("{path}: unsupported tar entry type {other:?}")),
        };
        if kind != Kind::Dir {
            // A non-directory replaces a lower directory with everything in it.
            remove_lower(tree, &added, &path, true);
        }
        tree.insert(
            path.clone(),
            Entry {
                kind,
                mode,
                uid,
                gid,
                xattrs,
                hardlink,
                mtime,
            },
        );
        added.insert(path);
    }
    listed.sort();
    Ok(listed)
}

/// The entry's extended attributes from its PAX header, values hex-encoded.
fn xattrs<R: Read>(entry: &mut tar::Entry<'_, R>) -> std::io::Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    if let Some(extensions) = entry.pax_extensions()? {
        for ext in extensions {
            let ext = ext?;
            if let Some(name) = ext.key().ok().and_then(|k| k.strip_prefix("SCHILY.xattr.")) {
                out.insert(name.to_string(), hex::encode(ext.value_bytes()));
            }
        }
    }
    Ok(out)
}

/// Removes `path` (when `itself`) and everything below it that did not come from the current layer.
fn remove_lower(tree: &mut Tree, added: &BTreeSet<String>, path: &str, itself: bool) {
    let prefix = if path.is_empty() {
        String::new()
    } else {
        format!("{path}/")
    };
    let doomed: Vec<String> = tree
        .keys()
        .filter(|k| (itself && k.as_str() == path) || k.starts_with(&prefix))
        .filter(|k| !added.contains(*k))
        .cloned()
        .collect();
    for k in doomed {
        tree.remove(&k);
    }
}

/// `./a/b/` and `/a/b` both become `a/b`; `.` becomes the empty string.
fn normalize(raw: &str) -> String {
    let trimmed = raw
        .trim_start_matches("./")
        .trim_start_matches('/')
        .trim_end_matches('/');
    if trimmed == "." {
        String::new()
    } else {
        trimmed.to_string()
    }
}

fn split(path: &str) -> (&str, &str) {
    match path.rfind('/') {
        Some(i) => (&path[..i], &path[i + 1..]),
        None => ("", path),
    }
}

fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layer(items: &[(&str, Option<&str>)]) -> Vec<u8> {
        let mut builder = tar::Builder::new(Vec::new());
        for (path, content) in items {
            let mut header = tar::Header::new_gnu();
            header.set_mode(0o644);
            header.set_uid(0);
            header.set_gid(0);
            header.set_mtime(0);
            match content {
                Some(text) => {
                    header.set_entry_type(tar::EntryType::Regular);
                    header.set_size(text.len() as u64);
                    builder
                        .append_data(&mut header, path, text.as_bytes())
                        .unwrap();
                }
                None => {
                    header.set_entry_type(tar::EntryType::Directory);
                    header.set_mode(0o755);
                    header.set_size(0);
                    builder
                        .append_data(&mut header, path, std::io::empty())
                        .unwrap();
                }
            }
        }
        builder.into_inner().unwrap()
    }

    #[test]
    fn whiteouts_and_opaque_dirs_hide_lower_layers_only() {
        let mut tree = Tree::new();
        let lower = layer(&[
            ("a/", None),
            ("a/x", Some("x")),
            ("b/", None),
            ("b/y", Some("y")),
            ("c", Some("c")),
        ]);
        apply_layer(&mut tree, lower.as_slice()).unwrap();
        let upper = layer(&[
            ("a/", None),
            ("a/.wh..wh..opq", Some("")),
            ("a/new", Some("n")),
            (".wh.c", Some("")),
        ]);
        apply_layer(&mut tree, upper.as_slice()).unwrap();
        let paths: Vec<&str> = tree.keys().map(String::as_str).collect();
        assert_eq!(paths, ["a", "a/new", "b", "b/y"]);
        let replace = layer(&[("b", Some("now a file"))]);
        apply_layer(&mut tree, replace.as_slice()).unwrap();
        let paths: Vec<&str> = tree.keys().map(String::as_str).collect();
        assert_eq!(paths, ["a", "a/new", "b"]);
    }

    /// One PAX record, `"<len> <key>=<value>\n"` where `<len>` counts the whole record.
    fn pax_record(key: &str, value: &str) -> Vec<u8> {
        let body = format!(" {key}={value}\n");
        let mut len = body.len() + 1;
        while format!("{len}").len() + body.len() != len {
            len += 1;
        }
        format!("{len}{body}").into_bytes()
    }

    #[test]
    fn xattrs_hard_links_and_mtimes_are_kept() {
        let mut builder = tar::Builder::new(Vec::new());
        let record = pax_record("SCHILY.xattr.security.capability", "caps");
        let mut pax = tar::Header::new_ustar();
        pax.set_entry_type(tar::EntryType::XHeader);
        pax.set_size(record.len() as u64);
        builder
            .append_data(&mut pax, "PaxHeaders/bin", record.as_slice())
            .unwrap();
        // A root-owned 0755 entry of `kind`.
        let header = |kind, mtime, size| {
            let mut h = tar::Header::new_ustar();
            h.set_entry_type(kind);
            h.set_mode(0o755);
            h.set_uid(0);
            h.set_gid(0);
            h.set_mtime(mtime);
            h.set_size(size);
            h
        };
        let mut file = header(tar::EntryType::Regular, 1_700_000_000, 1);
        builder.append_data(&mut file, "bin", &b"x"[..]).unwrap();
        let mut link = header(tar::EntryType::Link, 0, 0);
        builder.append_link(&mut link, "bin2", "bin").unwrap();
        let bytes = builder.into_inner().unwrap();
        let mut tree = Tree::new();
        let listed = apply_layer(&mut tree, bytes.as_slice()).unwrap();
        assert_eq!(listed, ["bin", "bin2"]);
        let bin = &tree["bin"];
        assert_eq!(bin.xattrs["security.capability"], hex::encode("caps"));
        assert_eq!(bin.mtime, 1_700_000_000);
        assert_eq!(tree["bin2"].hardlink.as_deref(), Some("bin"));
        assert_eq!(tree["bin2"].kind, bin.kind);
        assert_eq!(bin.timeless().mtime, 0);
    }
}
