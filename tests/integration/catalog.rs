//! Catalogs handmade fixture trees (built by `support::trees`) and checks every ecosystem.

use crate::support::trees;
use stagetrail_sbom::catalog::fs::LocalFs;
use stagetrail_sbom::catalog::{scan, Catalog, Package};

fn purls(c: &Catalog) -> Vec<&str> {
    c.packages.iter().map(|p| p.purl.as_str()).collect()
}

fn find<'a>(c: &'a Catalog, purl_prefix: &str) -> &'a Package {
    c.packages
        .iter()
        .find(|p| p.purl.starts_with(purl_prefix))
        .unwrap_or_else(|| panic!("no package {purl_prefix} in {:#?}", purls(c)))
}

fn license(p: &Package) -> &str {
    p.license.as_ref().map_or("", |l| l.expression.as_str())
}

fn has_warning(c: &Catalog, location_prefix: &str, message_part: &str) -> bool {
    c.warnings
        .iter()
        .any(|w| w.location.starts_with(location_prefix) && w.message.contains(message_part))
}

#[test]
fn debian_dpkg_status_and_distroless() {
    let c = scan(&LocalFs::new(trees::debian("debian")));
    assert_eq!(
        purls(&c),
        [
            "pkg:deb/debian/base-files@12.4%2Bdeb12u5?arch=amd64&distro=debian-12",
            "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12&upstream=glibc",
            "pkg:deb/debian/openssh-client@1:9.2p1-2%2Bdeb12u2?arch=amd64&distro=debian-12&upstream=openssh%401:9.2p1-2",
            "pkg:deb/debian/tzdata@2024a-0%2Bdeb12u1?arch=all&distro=debian-12",
        ]
    );
    let libc = find(&c, "pkg:deb/debian/libc6@");
    assert_eq!(license(libc), "GPL-2.0-or-later AND LGPL-2.1-or-later");
    assert!(libc.files.contains("lib/x86_64-linux-gnu/libc.so.6"));
    assert!(libc
        .locations
        .contains("var/lib/dpkg/info/libc6:amd64.list"));
    assert!(libc.locations.contains("usr/share/doc/libc6/copyright"));
    assert_eq!(
        libc.found_by.iter().collect::<Vec<_>>(),
        ["dpkg-db-cataloger"]
    );
    assert_eq!(license(find(&c, "pkg:deb/debian/base-files@")), "");
    let tz = find(&c, "pkg:deb/debian/tzdata@");
    assert!(tz.files.contains("usr/share/zoneinfo/UTC"));
    assert!(tz.locations.contains("var/lib/dpkg/status.d/tzdata"));
    assert!(has_warning(
        &c,
        "var/lib/dpkg/status:22",
        "not a `Field: value` line"
    ));
    assert_eq!(c.distro.as_ref().unwrap().qualifier(), "debian-12");
}

#[test]
fn alpine_apk_db() {
    let c = scan(&LocalFs::new(trees::alpine("alpine")));
    assert_eq!(
        purls(&c),
        [
            "pkg:apk/alpine/busybox-binsh@1.36.1-r15?arch=x86_64&distro=alpine-3.19.1&upstream=busybox",
            "pkg:apk/alpine/musl@1.2.4_git20230717-r4?arch=x86_64&distro=alpine-3.19.1",
            "pkg:apk/alpine/ssl_client@1.36.1-r15?arch=x86_64&distro=alpine-3.19.1&upstream=busybox",
        ]
    );
    let musl = find(&c, "pkg:apk/alpine/musl@");
    assert_eq!(license(musl), "MIT");
    assert!(musl.files.contains("lib/ld-musl-x86_64.so.1"));
    assert_eq!(
        license(find(&c, "pkg:apk/alpine/ssl_client@")),
        "GPL-2.0-only AND MIT"
    );
    assert!(has_warning(
        &c,
        "lib/apk/db/installed:24",
        "not a `K:value` line"
    ));
}

#[test]
fn fedora_sqlite_rpmdb() {
    let c = scan(&LocalFs::new(trees::fedora("fedora")));
    assert_eq!(
        purls(&c),
        [
            "pkg:rpm/fedora/bash@5.2.26-1.fc39?arch=x86_64&distro=fedora-39&upstream=bash-5.2.26-1.fc39.src.rpm",
            "pkg:rpm/fedora/openssl-libs@3.1.1-4.fc39?arch=x86_64&distro=fedora-39&epoch=1",
        ]
    );
    let bash = find(&c, "pkg:rpm/fedora/bash@");
    assert_eq!(license(bash), "GPL-3.0-or-later");
    assert!(bash.files.contains("usr/bin/sh"));
    assert_eq!(
        find(&c, "pkg:rpm/fedora/openssl-libs@").version,
        "1:3.1.1-4.fc39"
    );
    assert!(has_warning(
        &c,
        "var/lib/rpm/rpmdb.sqlite:Packages[4]",
        "bad header"
    ));
}

#[test]
fn application_ecosystems() {
    let c = scan(&LocalFs::new(trees::apps("apps")));
    let got = purls(&c);
    for want in [
        "pkg:npm/%40babel/core@7.24.0",
        "pkg:npm/debug@2.6.9",
        "pkg:npm/left-pad@1.3.0",
        "pkg:npm/ms@2.0.0",
        "pkg:npm/private-lib@0.1.0",
        "pkg:npm/real-name@2.0.0",
        "pkg:npm/semver@6.3.1",
        "pkg:pypi/requests@2.31.0",
        "pkg:pypi/typing-extensions@4.9.0",
        "pkg:cargo/rustapp@0.1.0",
        "pkg:cargo/serde@1.0.197",
        "pkg:cargo/itoa@1.0.10",
        "pkg:golang/example.com/goapp@v1.0.0",
        "pkg:golang/github.com/google/uuid@v1.6.0",
        "pkg:golang/stdlib@1.22.1",
        "pkg:maven/org.example/demo@0.9.0",
        "pkg:maven/inner-lib/inner-lib@1.2.3",
        "pkg:gem/rake@13.0.6",
    ] {
        assert!(got.contains(&want), "{want} missing from {got:#?}");
    }
    assert_eq!(got.len(), 18, "{got:#?}");
    // Merged across catalogers: lockfile + node_modules, Cargo.lock + auditable binary.
    let babel = find(&c, "pkg:npm/%40babel/core@");
    assert_eq!(babel.found_by.len(), 2);
    assert_eq!(license(babel), "MIT");
    let serde = find(&c, "pkg:cargo/serde@");
    assert!(
        serde.locations.contains("src/rustapp/Cargo.lock")
            && serde.locations.contains("usr/local/bin/rustapp")
    );
    assert_eq!(license(find(&c, "pkg:npm/left-pad@")), "WTFPL");
    assert_eq!(
        license(find(&c, "pkg:npm/private-lib@")),
        "LicenseRef-SEE-LICENSE-IN-LICENSE.md"
    );
    let requests = find(&c, "pkg:pypi/requests@");
    assert_eq!(license(requests), "Apache-2.0");
    assert!(requests
        .files
        .contains("usr/lib/python3/dist-packages/requests/__init__.py"));
    assert!(requests.files.contains("usr/bin/req"));
    assert_eq!(license(find(&c, "pkg:pypi/typing-extensions@")), "PSF-2.0");
    assert_eq!(license(find(&c, "pkg:maven/inner-lib/")), "Apache-2.0");
    assert_eq!(license(find(&c, "pkg:golang/stdlib@")), "BSD-3-Clause");
    assert_eq!(license(find(&c, "pkg:gem/rake@")), "MIT");
    // Problems are warnings, never panics.
    assert!(has_warning(
        &c,
        "app/lib/broken.jar",
        "not a readable zip archive"
    ));
    assert!(has_warning(
        &c,
        "opt/venv/lib/python3.11/site-packages/huge-1.dist-info/METADATA",
        "over the"
    ));
    assert!(has_warning(
        &c,
        "app/node_modules/broken/package.json:2",
        "invalid JSON"
    ));
    assert!(has_warning(
        &c,
        "usr/local/bin/garbage-elf",
        "unreadable ELF"
    ));
}

#[test]
fn truncated_databases_degrade_to_warnings() {
    let root = trees::debian("truncated");
    let status = root.join("var/lib/dpkg/status");
    let text = std::fs::read(&status).unwrap();
    std::fs::write(&status, &text[..text.len() / 2]).unwrap();
    let rpm = trees::fedora("truncated-rpm");
    let db = rpm.join("var/lib/rpm/rpmdb.sqlite");
    let bytes = std::fs::read(&db).unwrap();
    std::fs::write(&db, &bytes[..bytes.len() / 3]).unwrap();
    let c = scan(&LocalFs::new(&root));
    assert!(c.packages.iter().any(|p| p.name == "base-files"));
    let c = scan(&LocalFs::new(&rpm));
    assert!(c.packages.is_empty());
    assert!(
        has_warning(
            &c,
            "var/lib/rpm/rpmdb.sqlite",
            "cannot read the rpm database"
        ),
        "{:?}",
        c.warnings
    );
}

#[test]
fn scanning_is_deterministic() {
    let root = trees::apps("deterministic");
    assert_eq!(scan(&LocalFs::new(&root)), scan(&LocalFs::new(&root)));
}
