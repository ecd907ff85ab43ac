//! The catalogers' parsers: the first byte picks a database file, the rest is its content; the
//! root is scanned with every cataloger.
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
    let _ = scan(&LocalFs::new(root.path()));
});
