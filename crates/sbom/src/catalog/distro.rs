//! The distribution of a root filesystem, from `etc/os-release`.

use super::fs::Fs;

/// `ID` and `VERSION_ID` of `os-release`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Distro {
    /// `ID` (`debian`, `alpine`, `fedora`…).
    pub id: String,
    /// `VERSION_ID` (`12`, `3.19.1`…), empty when absent (testing/unstable).
    pub version_id: String,
}

impl Distro {
    /// Reads `etc/os-release`, else `usr/lib/os-release`.
    pub fn detect(fs: &dyn Fs) -> Option<Distro> {
        ["etc/os-release", "usr/lib/os-release"]
            .iter()
            .find_map(|p| fs.read_file(p, 64 * 1024).ok())
            .and_then(|b| Distro::parse(&String::from_utf8_lossy(&b)))
    }

    /// Parses `os-release` text; `None` without an `ID`.
    pub fn parse(text: &str) -> Option<Distro> {
        let mut id = None;
        let mut version_id = String::new();
        for line in text.lines() {
            let Some((k, v)) = line.split_once('=') else {
                continue;
            };
            let v = v.trim().trim_matches(|c| c == '"' || c == '\'').to_string();
            match k.trim() {
                "ID" => id = Some(v),
                "VERSION_ID" => version_id = v,
                _ => {}
            }
        }
        id.filter(|i| !i.is_empty())
            .map(|id| Distro { id, version_id })
    }

    /// The purl `distro` qualifier: `debian-12`, or just the id without a version.
    pub fn qualifier(&self) -> String {
        if self.version_id.is_empty() {
            self.id.clone()
        } else {
            format!("{}-{}", self.id, self.version_id)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Distro;

    #[test]
    fn parses_os_release() {
        let d = Distro::parse("NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=3.19.1\n").unwrap();
        assert_eq!(d.qualifier(), "alpine-3.19.1");
        assert!(Distro::parse("NAME=x\n").is_none());
    }
}
