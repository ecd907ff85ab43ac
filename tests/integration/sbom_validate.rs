//! Validates documents made by the library (the CLI path) with the formats' own validators from
//! PyPI (see `support/validators.rs`).

use crate::support::validators;

use crate::support::trees;
use stagetrail_sbom::catalog::fs::LocalFs;
use stagetrail_sbom::catalog::{merge, scan, Catalog};
use stagetrail_sbom::document::{Lineage, SbomBuilder, Subject};
use std::sync::OnceLock;

/// The apps and Debian fixture trees catalogued together, once per test process.
fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| {
        let apps = scan(&LocalFs::new(trees::apps("validate-apps")));
        let deb = scan(&LocalFs::new(trees::debian("validate-debian")));
        Catalog {
            packages: merge(apps.packages.into_iter().chain(deb.packages).collect()),
            warnings: Vec::new(),
            distro: deb.distro,
        }
    })
}

fn builder(c: &Catalog) -> SbomBuilder<'_> {
    let mut b = SbomBuilder::new(
        Subject {
            name: "validate/app".into(),
            stage: Some("runtime".into()),
            platform: Some("linux/amd64".into()),
        },
        c,
    );
    b.created(Some(1_700_000_000));
    for (i, p) in c.packages.iter().enumerate().filter(|(i, _)| i % 2 == 0) {
        b.lineage(
            &p.purl,
            Lineage {
                stage: Some("runtime".into()),
                instruction_line: Some(i as u32 + 3),
                copied_from_stage: (i % 4 == 0).then(|| "build".to_string()),
                copied_at_line: (i % 4 == 0).then_some(12),
            },
        );
    }
    b
}

#[test]
fn cyclonedx_validates_against_the_1_6_schema() {
    let doc = builder(catalog()).cyclonedx();
    validators::cyclonedx(&validators::write("stagetrail-validate.cdx.json", &doc));
}

#[test]
fn spdx_validates_with_pyspdxtools() {
    let doc = builder(catalog()).spdx();
    validators::spdx(&validators::write("stagetrail-validate.spdx.json", &doc));
}
