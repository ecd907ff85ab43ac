//! OCI image layouts, as a folder or as a tar file (read-only), behind [`ImageSource`].
//!
//! The image is chosen in `index.json` by name: an entry whose `org.opencontainers.image.ref.name` or
//! `io.containerd.image.name` equals it (or equals its tag), or whose digest it is; with no name, the
//! layout must hold exactly one entry.

mod store;

use std::fs::File;
use std::path::Path;

use self::store::local_error;
pub use self::store::{DirStore, Store, TarStore};

use super::client::{check_manifest_descriptor, check_same_type};
use super::digest::Digest;
use super::error::{RegistryError, Result};
use super::manifest::{Descriptor, FetchedManifest, ImageIndex, ImageManifest, Manifest};
use super::media;
use super::source::{ImageSource, Limits};
use super::tar;

/// Annotation naming an index.json entry (usually a tag).
pub const REF_NAME: &str = "org.opencontainers.image.ref.name";
/// containerd's annotation with the full image name.
pub const CONTAINERD_NAME: &str = "io.containerd.image.name";

/// An image in an OCI layout.
pub struct LocalImage<S: Store> {
    store: S,
    name: Option<String>,
    index: ImageIndex,
    limits: Limits,
}

/// An image in an OCI layout folder.
pub type OciLayout = LocalImage<DirStore>;
/// An image in an OCI layout tar file.
pub type OciTar = LocalImage<TarStore>;

impl LocalImage<DirStore> {
    /// Opens the layout folder `dir`; `name` selects the image (see the module docs).
    pub fn open_dir(dir: &Path, name: Option<&str>, limits: Limits) -> Result<OciLayout> {
        if !dir.is_dir() {
            return Err(RegistryError::Local {
                at: dir.display().to_string().into(),
                message: "not a directory".into(),
            });
        }
        LocalImage::from_store(
            DirStore {
                root: dir.to_path_buf(),
            },
            name,
            limits,
        )
    }
}

impl LocalImage<TarStore> {
    /// Opens the OCI layout tar `file`; `name` selects the image (see the module docs).
    pub fn open_tar(file: &Path, name: Option<&str>, limits: Limits) -> Result<OciTar> {
        let mut f = File::open(file).map_err(|e| local_error(file, e))?;
        let entries = tar::index(&mut f, &file.display().to_string())?;
        LocalImage::from_store(
            TarStore {
                file: file.to_path_buf(),
                entries,
            },
            name,
            limits,
        )
    }
}

impl<S: Store> LocalImage<S> {
    fn from_store(store: S, name: Option<&str>, limits: Limits) -> Result<LocalImage<S>> {
        let at = format!("{}:oci-layout", store.label());
        let layout = match store.size("oci-layout")? {
            Some(_) => store.read("oci-layout", 1 << 16)?,
            None => {
                return Err(RegistryError::Local {
                    at: at.into(),
                    message: "missing: not an OCI image layout".into(),
                })
            }
        };
        #[derive(serde::Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct LayoutFile {
            image_layout_version: String,
        }
        let v: LayoutFile = serde_json::from_slice(&layout)
            .map_err(|e| RegistryError::json(at.as_str(), "oci-layout file", &e))?;
        if !v.image_layout_version.starts_with("1.") {
            return Err(RegistryError::Unsupported {
                at: at.into(),
                message: format!(
                    "image layout version {} is not supported",
                    v.image_layout_version
                ),
            });
        }
        let at = format!("{}:index.json", store.label());
        let size = store
            .size("index.json")?
            .ok_or_else(|| RegistryError::Local {
                at: at.clone().into(),
                message: "missing".into(),
            })?;
        if size > limits.manifest {
            return Err(RegistryError::TooLarge {
                at: at.into(),
                what: "manifest",
                size,
                limit: limits.manifest,
            });
        }
        let bytes = store.read("index.json", limits.manifest)?;
        let index: ImageIndex = serde_json::from_slice(&bytes)
            .map_err(|e| RegistryError::json(at.as_str(), "image index", &e))?;
        Ok(LocalImage {
            store,
            name: name.map(str::to_string),
            index,
            limits,
        })
    }

    /// The entries of the layout's `index.json`.
    pub fn entries(&self) -> &[Descriptor] {
        &self.index.manifests
    }

    fn blob_path(digest: &Digest) -> String {
        format!("blobs/{}/{}", digest.algorithm().name(), digest.hex())
    }

    fn at(&self, digest: &Digest) -> String {
        format!("{}:{}", self.store.label(), Self::blob_path(digest))
    }

    /// Reads a blob, refusing sizes over `limit` and checking size and digest.
    fn read_verified(
        &self,
        digest: &Digest,
        size: Option<u64>,
        what: &'static str,
        limit: u64,
    ) -> Result<Vec<u8>> {
        let at = self.at(digest);
        let path = Self::blob_path(digest);
        let actual = self
            .store
            .size(&path)?
            .ok_or_else(|| RegistryError::NotFound {
                at: at.clone().into(),
                message: "blob not in the layout".into(),
            })?;
        for s in [size, Some(actual)].into_iter().flatten() {
            if s > limit {
                return Err(RegistryError::TooLarge {
                    at: at.into(),
                    what,
                    size: s,
                    limit,
                });
            }
        }
        match size {
            Some(s) if actual < s => {
                return Err(RegistryError::Truncated {
                    at: at.into(),
                    expected: s,
                    got: actual,
                })
            }
            Some(s) if actual > s => {
                return Err(RegistryError::SizeMismatch {
                    at: at.into(),
                    expected: s,
                    got: actual,
                })
            }
            _ => {}
        }
        let bytes = self.store.read(&path, limit)?;
        if (bytes.len() as u64) < actual {
            return Err(RegistryError::Truncated {
                at: at.into(),
                expected: actual,
                got: bytes.len() as u64,
            });
        }
        digest.verify(&bytes, at)?;
        Ok(bytes)
    }

    fn fetch(&self, descriptor: &Descriptor) -> Result<FetchedManifest> {
        let at = self.at(&descriptor.digest);
        check_manifest_descriptor(&at, descriptor, self.limits)?;
        let bytes = self.read_verified(
            &descriptor.digest,
            Some(descriptor.size),
            "manifest",
            self.limits.manifest,
        )?;
        let fetched = FetchedManifest::parse(
            bytes,
            &descriptor.media_type,
            descriptor.digest.clone(),
            at.as_str(),
        )?;
        check_same_type(&at, descriptor, &fetched)?;
        Ok(fetched)
    }

    fn select(&self) -> Result<&Descriptor> {
        let entries = &self.index.manifests;
        let Some(name) = self.name.as_deref() else {
            return match entries.as_slice() {
                [one] => Ok(one),
                _ => Err(self.choose_error(format!(
                    "the layout holds {} images; name one",
                    entries.len()
                ))),
            };
        };
        let tag = name
            .rsplit_once(':')
            .filter(|(_, t)| !t.contains('/'))
            .map(|(_, t)| t);
        let matches = |d: &&Descriptor| {
            d.digest.to_string() == name
                || d.annotation(REF_NAME) == Some(name)
                || d.annotation(CONTAINERD_NAME) == Some(name)
                || (tag.is_some() && d.annotation(REF_NAME) == tag)
        };
        entries
            .iter()
            .find(matches)
            .ok_or_else(|| self.choose_error(format!("no image named {name:?} in the layout")))
    }

    fn choose_error(&self, message: String) -> RegistryError {
        let names: Vec<String> = self
            .index
            .manifests
            .iter()
            .map(|d| {
                d.annotation(CONTAINERD_NAME)
                    .or(d.annotation(REF_NAME))
                    .map_or_else(|| d.digest.to_string(), str::to_string)
            })
            .collect();
        RegistryError::Local {
            at: format!("{}:index.json", self.store.label()).into(),
            message: format!("{message}; it has: {}", names.join(", ")),
        }
    }
}

impl<S: Store> ImageSource for LocalImage<S> {
    fn name(&self) -> String {
        match &self.name {
            Some(n) => format!("{} ({n})", self.store.label()),
            None => self.store.label(),
        }
    }

    async fn root(&self) -> Result<FetchedManifest> {
        let descriptor = self.select()?.clone();
        self.fetch(&descriptor)
    }

    async fn manifest(&self, descriptor: &Descriptor) -> Result<FetchedManifest> {
        self.fetch(descriptor)
    }

    async fn blob(&self, descriptor: &Descriptor) -> Result<Vec<u8>> {
        self.read_verified(
            &descriptor.digest,
            Some(descriptor.size),
            "blob",
            self.limits.blob,
        )
    }

    async fn tagged(&self, tag: &str) -> Result<Option<FetchedManifest>> {
        match self
            .index
            .manifests
            .iter()
            .find(|d| d.annotation(REF_NAME) == Some(tag))
        {
            Some(d) => self.fetch(d).map(Some),
            None => Ok(None),
        }
    }

    /// Entries of `index.json` whose manifest names `subject` as its subject.
    async fn referrers(&self, subject: &Digest) -> Result<Option<Vec<Descriptor>>> {
        let mut found = Vec::new();
        for entry in &self.index.manifests {
            if !media::is_manifest(media::essence(&entry.media_type)) {
                continue;
            }
            let fetched = self.fetch(entry)?;
            if let Manifest::Image(m) = fetched.manifest {
                let ImageManifest {
                    subject: s,
                    artifact_type,
                    config,
                    annotations,
                    ..
                } = *m;
                if s.is_some_and(|s| &s.digest == subject) {
                    let mut d = entry.clone();
                    d.artifact_type = artifact_type.or(Some(config.media_type));
                    d.annotations.extend(annotations);
                    found.push(d);
                }
            }
        }
        Ok(Some(found))
    }
}
