//! Catalogs a generated tree — 1,000 npm packages under `node_modules` (each with a few files)
//! plus a 90-package dpkg status — from a temporary directory. Goal: under one second.

use criterion::{criterion_group, criterion_main, Criterion};
use stagetrail_sbom::catalog::fs::LocalFs;
use stagetrail_sbom::catalog::scan;
use std::path::Path;

fn put(root: &Path, path: &str, content: &str) {
    let p = root.join(path);
    std::fs::create_dir_all(p.parent().expect("path has a parent")).expect("mkdir");
    std::fs::write(p, content).expect("write");
}

fn generate(root: &Path) {
    put(root, "etc/os-release", "ID=debian\nVERSION_ID=12\n");
    let mut status = String::new();
    for i in 0..90 {
        status.push_str(&format!(
            "Package: pkg{i}\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.{i}-1\nDescription: package {i}\n long description\n\n"
        ));
        put(
            root,
            &format!("var/lib/dpkg/info/pkg{i}.list"),
            &format!("/.\n/usr/lib/pkg{i}/lib.so\n"),
        );
        put(
            root,
            &format!("usr/share/doc/pkg{i}/copyright"),
            "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\nFiles: *\nCopyright: x\nLicense: GPL-2+\n",
        );
    }
    put(root, "var/lib/dpkg/status", &status);
    for i in 0..1000 {
        let name = if i % 10 == 0 {
            format!("@scope{}/pkg{i}", i / 100)
        } else {
            format!("pkg{i}")
        };
        let dir = format!("app/node_modules/{name}");
        put(
            root,
            &format!("{dir}/package.json"),
            &format!(
                r#"{{"name":"{name}","version":"1.0.{i}","license":"MIT","main":"index.js"}}"#
            ),
        );
        put(root, &format!("{dir}/index.js"), "module.exports = 1;\n");
        put(root, &format!("{dir}/README.md"), "# readme\n");
        put(root, &format!("{dir}/lib/util.js"), "exports.x = 1;\n");
    }
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    generate(dir.path());
    let fs = LocalFs::new(dir.path());
    let first = scan(&fs);
    assert_eq!(
        first.packages.len(),
        1090,
        "generated tree catalogs to 1,090 packages"
    );
    let mut group = c.benchmark_group("catalog");
    group.sample_size(10);
    group.bench_function("scan 1000 npm + 90 dpkg", |b| b.iter(|| scan(&fs)));
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
