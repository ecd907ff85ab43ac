//! Our dpkg cataloger against `dpkg-query` on this machine's own `/var/lib/dpkg`: the same
//! packages (name, version, architecture) — 100% recall and precision.

use stagetrail_sbom::catalog::dpkg::{Dpkg, PRESENT_STATES};
use stagetrail_sbom::catalog::fs::LocalFs;
use stagetrail_sbom::catalog::index::Limits;
use stagetrail_sbom::catalog::{scan_with, Cataloger};
use std::collections::BTreeSet;
use std::process::Command;

#[test]
fn matches_dpkg_query_on_the_host() {
    let out = Command::new("dpkg-query")
        .args([
            "-W",
            "--admindir=/var/lib/dpkg",
            "-f",
            "${Package}\t${Version}\t${Architecture}\t${db:Status-Status}\n",
        ])
        .output()
        .expect("dpkg-query must be installed (this project's machines are Debian)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let want: BTreeSet<(String, String, String)> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (f.len() == 4 && PRESENT_STATES.contains(&f[3]))
                .then(|| (f[0].into(), f[1].into(), f[2].into()))
        })
        .collect();
    assert!(!want.is_empty(), "dpkg-query listed no installed package");
    // Only the dpkg cataloger, and no walk: dpkg reads the paths it knows.
    let catalogers: Vec<Box<dyn Cataloger>> = vec![Box::new(Dpkg)];
    let limits = Limits {
        max_depth: 1,
        ..Limits::default()
    };
    let c = scan_with(&LocalFs::new("/"), &catalogers, &limits);
    let got: BTreeSet<(String, String, String)> = c
        .packages
        .iter()
        .map(|p| {
            (
                p.name.clone(),
                p.version.clone(),
                p.properties.get("arch").cloned().unwrap_or_default(),
            )
        })
        .collect();
    let missing: Vec<_> = want.difference(&got).collect();
    let extra: Vec<_> = got.difference(&want).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing (recall): {missing:?}\nextra (precision): {extra:?}"
    );
    assert_eq!(c.packages.len(), want.len());
}
