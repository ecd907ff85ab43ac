//! File access for OCI layouts: a folder, or a tar file indexed once.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use crate::error::{RegistryError, Result};
use crate::tar;

/// Read access to the files of a layout.
pub trait Store: Sync {
    /// The folder or file, for messages.
    fn label(&self) -> String;
    /// The size of `path` (relative to the layout root), `None` when missing.
    fn size(&self, path: &str) -> Result<Option<u64>>;
    /// At most `cap` bytes of `path`.
    fn read(&self, path: &str, cap: u64) -> Result<Vec<u8>>;
}

/// A layout folder.
pub struct DirStore {
    pub(super) root: PathBuf,
}

impl Store for DirStore {
    fn label(&self) -> String {
        self.root.display().to_string()
    }

    fn size(&self, path: &str) -> Result<Option<u64>> {
        match std::fs::metadata(self.root.join(path)) {
            Ok(m) if m.is_file() => Ok(Some(m.len())),
            Ok(_) => Ok(None),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(local_error(&self.root.join(path), e)),
        }
    }

    fn read(&self, path: &str, cap: u64) -> Result<Vec<u8>> {
        let full = self.root.join(path);
        let file = File::open(&full).map_err(|e| local_error(&full, e))?;
        let mut buf = Vec::new();
        file.take(cap)
            .read_to_end(&mut buf)
            .map_err(|e| local_error(&full, e))?;
        Ok(buf)
    }
}

/// A layout packed in a tar file (`docker buildx build --output type=oci,dest=x.tar`, `docker save`).
pub struct TarStore {
    pub(super) file: PathBuf,
    pub(super) entries: BTreeMap<String, tar::Entry>,
}

impl Store for TarStore {
    fn label(&self) -> String {
        self.file.display().to_string()
    }

    fn size(&self, path: &str) -> Result<Option<u64>> {
        Ok(self.entries.get(path).map(|e| e.size))
    }

    fn read(&self, path: &str, cap: u64) -> Result<Vec<u8>> {
        let Some(entry) = self.entries.get(path) else {
            return Err(RegistryError::NotFound {
                at: format!("{}:{path}", self.file.display()).into(),
                message: "no such file in the tar".into(),
            });
        };
        let mut file = File::open(&self.file).map_err(|e| local_error(&self.file, e))?;
        file.seek(SeekFrom::Start(entry.offset))
            .map_err(|e| local_error(&self.file, e))?;
        let mut buf = Vec::new();
        file.take(entry.size.min(cap))
            .read_to_end(&mut buf)
            .map_err(|e| local_error(&self.file, e))?;
        Ok(buf)
    }
}

pub(super) fn local_error(path: &Path, e: std::io::Error) -> RegistryError {
    RegistryError::Local {
        at: path.display().to_string().into(),
        message: e.to_string(),
    }
}
