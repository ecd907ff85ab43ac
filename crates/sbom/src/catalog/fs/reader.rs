//! `Read + Seek` over one file of an [`Fs`], for parsers that read ranges (ELF sections).

use super::{Fs, FsError};
use std::io::{Read, Seek, SeekFrom};

/// A seekable reader over `path` that fetches only the ranges asked for.
pub struct FsReader<'a> {
    fs: &'a dyn Fs,
    path: String,
    size: u64,
    pos: u64,
}

impl<'a> FsReader<'a> {
    /// A reader over `path`, whose size is `size` (from [`Fs::stat`]).
    pub fn new(fs: &'a dyn Fs, path: &str, size: u64) -> Self {
        FsReader {
            fs,
            path: path.to_string(),
            size,
            pos: 0,
        }
    }
}

fn to_io(e: FsError) -> std::io::Error {
    std::io::Error::other(e.to_string())
}

impl Read for FsReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.pos >= self.size || buf.is_empty() {
            return Ok(0);
        }
        let data = self
            .fs
            .read_at(&self.path, self.pos, buf.len() as u64)
            .map_err(to_io)?;
        buf[..data.len()].copy_from_slice(&data);
        self.pos += data.len() as u64;
        Ok(data.len())
    }
}

impl Seek for FsReader<'_> {
    fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
        let pos = match to {
            SeekFrom::Start(p) => Some(p),
            SeekFrom::End(d) => self.size.checked_add_signed(d),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        self.pos = pos.ok_or_else(|| std::io::Error::other("seek before start of file"))?;
        Ok(self.pos)
    }
}
