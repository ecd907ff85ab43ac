//! One package found in a filesystem.

use super::license::License;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The ecosystem a package belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum PackageKind {
    /// Debian package (dpkg).
    Deb,
    /// Alpine package (apk).
    Apk,
    /// RPM package.
    Rpm,
    /// npm package.
    Npm,
    /// Python distribution.
    Python,
    /// Rust crate.
    Cargo,
    /// Go module.
    Go,
    /// Java archive (Maven coordinates when known).
    Java,
    /// Ruby gem.
    Gem,
}

impl PackageKind {
    /// Syft's package type name (`deb`, `apk`, `rpm`, `npm`, `python`, `rust-crate`,
    /// `go-module`, `java-archive`, `gem`).
    pub fn as_str(self) -> &'static str {
        match self {
            PackageKind::Deb => "deb",
            PackageKind::Apk => "apk",
            PackageKind::Rpm => "rpm",
            PackageKind::Npm => "npm",
            PackageKind::Python => "python",
            PackageKind::Cargo => "rust-crate",
            PackageKind::Go => "go-module",
            PackageKind::Java => "java-archive",
            PackageKind::Gem => "gem",
        }
    }
}

/// A package: identity, declared license, where it was found and by whom.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Package {
    /// Name as the ecosystem spells it.
    pub name: String,
    /// Version as the ecosystem spells it (may be empty when unknown).
    pub version: String,
    /// Ecosystem.
    pub kind: PackageKind,
    /// Package URL, the package's identity across the catalog.
    pub purl: String,
    /// Declared license as an SPDX expression, when declared.
    pub license: Option<License>,
    /// Root-relative paths of the files that declared this package (databases, manifests).
    pub locations: BTreeSet<String>,
    /// Root-relative paths the package owns, when its database lists them.
    pub files: BTreeSet<String>,
    /// Names of the catalogers that found it.
    pub found_by: BTreeSet<String>,
    /// Extra facts (`arch`, `source`…), rendered as document properties.
    pub properties: BTreeMap<String, String>,
}

impl Package {
    /// A package with no license, files or properties, found at `location` by `cataloger`.
    pub fn new(
        kind: PackageKind,
        name: impl Into<String>,
        version: impl Into<String>,
        purl: String,
        location: &str,
        cataloger: &str,
    ) -> Self {
        Package {
            name: name.into(),
            version: version.into(),
            kind,
            purl,
            license: None,
            locations: BTreeSet::from([location.trim_start_matches('/').to_string()]),
            files: BTreeSet::new(),
            found_by: BTreeSet::from([cataloger.to_string()]),
            properties: BTreeMap::new(),
        }
    }

    /// Sets the declared license from a raw string (ignored when it declares nothing).
    pub fn with_license(mut self, raw: &str) -> Self {
        self.license = License::parse(raw);
        self
    }
}
