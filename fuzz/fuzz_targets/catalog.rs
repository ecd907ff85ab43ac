//! The catalogers' parsers: the first byte picks a database file (or an executable, for the Go
//! and cargo-auditable readers of ELF files), the rest is its content; the root is scanned with
//! every cataloger.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stagetrail_sbom::catalog::{fs::LocalFs, scan};

const FILES: &[&str] = &[
    "lib/apk/db/installed",
    "var/lib/dpkg/status",
    "app/package-lock.json",
    "app/node_modules/x/package.json",
    "var/lib/rpm/rpmdb.sqlite",
    "app/app.jar",
    "usr/lib/python3/site-packages/x-1.dist-info/METADATA",
    "app/Cargo.lock",
    "etc/os-release",
    "usr/lib/ruby/gems/3.0.0/specifications/x-1.gemspec",
    "usr/local/bin/app",
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, content)) = data.split_first() else {
        return;
    };
    let path = FILES[usize::from(pick) % FILES.len()];
    let root = tempfile::tempdir().expect("temp dir");
    let file = root.path().join(path);
    std::fs::create_dir_all(file.parent().expect("parent")).expect("mkdir");
    std::fs::write(&file, content).expect("write");
    if path.ends_with("/app") {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    let _ = scan(&LocalFs::new(root.path()));
});
