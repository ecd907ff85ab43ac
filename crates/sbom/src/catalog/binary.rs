//! Executables: one ELF parse per file (only the header, section table and the sections asked
//! for are read) feeds both the Go build-info and the `cargo auditable` decoders.

use super::fs::{Fs, FsReader};
use super::index::Entry;
use super::{golang, rust, Cataloger, Context, Package};
use object::read::ReadCache;
use object::{Object, ObjectSection};

/// Largest section read (build info and dependency lists are kilobytes).
const SECTION_CAP: u64 = 16 << 20;
const ELF_MAGIC: &[u8] = b"\x7fELF";
/// How much is read from the start of `.go.buildinfo` (header and both strings) at most.
const GO_READ: u64 = 1 << 20;
/// How much is read first: build info is a few kilobytes; more only when its strings run on.
const GO_FIRST_READ: u64 = 64 << 10;

/// Catalogs Go modules and Rust crates embedded in ELF executables.
pub struct Binaries;

impl Cataloger for Binaries {
    fn name(&self) -> &'static str {
        "elf-binary-cataloger"
    }

    fn wants(&self, e: &Entry) -> bool {
        e.meta.is_executable() && e.meta.size >= 64
    }

    fn per_file(&self) -> bool {
        true
    }

    fn catalog_file(&self, cx: &Context<'_>, e: &Entry) -> Vec<Package> {
        let mut out = Vec::new();
        match cx.fs.read_at(&e.path, 0, 4) {
            Ok(head) if head == ELF_MAGIC => {}
            Ok(_) => return out,
            Err(err) => {
                cx.warn(&e.path, err.reason());
                return out;
            }
        }
        let cache = ReadCache::new(FsReader::new(cx.fs, &e.path, e.meta.size));
        let file = match object::File::parse(&cache) {
            Ok(f) => f,
            Err(err) => {
                cx.warn(&e.path, format!("unreadable ELF file: {err}"));
                return out;
            }
        };
        let section = |name: &str| -> Option<Vec<u8>> {
            let s = file.section_by_name(name)?;
            if s.size() > SECTION_CAP {
                cx.warn(
                    &e.path,
                    format!(
                        "{name} section of {} bytes skipped (over {SECTION_CAP})",
                        s.size()
                    ),
                );
                return None;
            }
            match s.data() {
                Ok(d) => Some(d.to_vec()),
                Err(err) => {
                    cx.warn(&e.path, format!("{name} section unreadable: {err}"));
                    None
                }
            }
        };
        // The Go linker puts the header in `.go.buildinfo` but the strings may run past the
        // section's end (as Go's own reader assumes): read on from the section's file offset.
        let go = file
            .section_by_name(".go.buildinfo")
            .and_then(|s| s.file_range());
        if let Some((offset, _)) = go {
            match go_buildinfo(cx.fs, &e.path, offset) {
                Ok(Ok(p)) => out.extend(p),
                Ok(Err(err)) => cx.warn(&e.path, err),
                Err(err) => {
                    cx.warn(&e.path, err);
                    return out;
                }
            }
        }
        if let Some(data) = section(".dep-v0") {
            match rust::auditable(&data, &e.path) {
                Ok(p) => out.extend(p),
                Err(err) => cx.warn(&e.path, err),
            }
        }
        out
    }
}

/// Reads and decodes the Go build info at `offset` of `path`: the first 64 KiB, then up to
/// [`GO_READ`] when its strings run on. The outer error is a read failure, the inner one a
/// decoding failure.
fn go_buildinfo(
    fs: &dyn Fs,
    path: &str,
    offset: u64,
) -> Result<Result<Vec<Package>, String>, String> {
    let mut decoded = Err(String::new());
    for len in [GO_FIRST_READ, GO_READ] {
        let data = fs.read_at(path, offset, len).map_err(|e| e.reason())?;
        decoded = golang::buildinfo(&data, path);
        if decoded.is_ok() || (data.len() as u64) < len {
            break;
        }
    }
    Ok(decoded)
}
