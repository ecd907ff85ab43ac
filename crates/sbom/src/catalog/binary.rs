//! Executables: one ELF parse per file (only the header, section table and the sections asked
//! for are read) feeds both the Go build-info and the `cargo auditable` decoders.

use super::fs::FsReader;
use super::{golang, rust, Cataloger, Context, Package};
use object::read::ReadCache;
use object::{Object, ObjectSection};

/// Largest section read (build info and dependency lists are kilobytes).
const SECTION_CAP: u64 = 16 << 20;
const ELF_MAGIC: &[u8] = b"\x7fELF";
/// How much is read from the start of `.go.buildinfo` (header and both strings).
const GO_READ: u64 = 1 << 20;

/// Catalogs Go modules and Rust crates embedded in ELF executables.
pub struct Binaries;

impl Cataloger for Binaries {
    fn name(&self) -> &'static str {
        "elf-binary-cataloger"
    }

    fn catalog(&self, cx: &Context<'_>) -> Vec<Package> {
        let mut out = Vec::new();
        for e in cx
            .index
            .files()
            .iter()
            .filter(|e| e.meta.is_executable() && e.meta.size >= 64)
        {
            match cx.fs.read_at(&e.path, 0, 4) {
                Ok(head) if head == ELF_MAGIC => {}
                Ok(_) => continue,
                Err(err) => {
                    cx.warn(&e.path, err.reason());
                    continue;
                }
            }
            let cache = ReadCache::new(FsReader::new(cx.fs, &e.path, e.meta.size));
            let file = match object::File::parse(&cache) {
                Ok(f) => f,
                Err(err) => {
                    cx.warn(&e.path, format!("unreadable ELF file: {err}"));
                    continue;
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
                let data = match cx.fs.read_at(&e.path, offset, GO_READ) {
                    Ok(d) => d,
                    Err(err) => {
                        cx.warn(&e.path, err.reason());
                        continue;
                    }
                };
                match golang::buildinfo(&data, &e.path) {
                    Ok(p) => out.extend(p),
                    Err(err) => cx.warn(&e.path, err),
                }
            }
            if let Some(data) = section(".dep-v0") {
                match rust::auditable(&data, &e.path) {
                    Ok(p) => out.extend(p),
                    Err(err) => cx.warn(&e.path, err),
                }
            }
        }
        out
    }
}
