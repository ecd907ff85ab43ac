//! The rpm and Go-binary catalogers on data made by the real tools at test time, checked against
//! those tools' own readers: an `rpmdb.sqlite` written by Debian's `rpm` (`rpm -i --justdb` of
//! packages built with `rpmbuild`), compared with `rpm -qa`/`rpm -ql`; a binary built by Debian's
//! Go toolchain, compared with `go version -m`. Both tools are in `.ci/run`'s `build_packages`.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use stagetrail_sbom::catalog::fs::LocalFs;
use stagetrail_sbom::catalog::{scan, Package};

/// Runs a tool that must be installed and succeed; its stdout.
fn tool(cmd: &mut Command, install: &str) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{cmd:?}: {e} (install it: apt-get install -y {install})"));
    assert!(
        out.status.success(),
        "{cmd:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// A spec of one package with `files` (paths under `/usr/share/<name>/`).
fn spec(name: &str, epoch: Option<u32>, license: &str, files: &[&str]) -> String {
    let epoch = epoch.map(|e| format!("Epoch: {e}\n")).unwrap_or_default();
    let install: String = files
        .iter()
        .map(|f| {
            format!("mkdir -p %{{buildroot}}/usr/share/{name}\necho {f} > %{{buildroot}}/usr/share/{name}/{f}\n")
        })
        .collect();
    let list: String = files
        .iter()
        .map(|f| format!("/usr/share/{name}/{f}\n"))
        .collect();
    format!(
        "Name: {name}\nVersion: 1.2.3\nRelease: 4\n{epoch}Summary: test\nLicense: {license}\nVendor: stagetrail tests\nBuildArch: noarch\n%description\ntest\n%install\n{install}%files\n{list}"
    )
}

#[test]
fn rpmdb_sqlite_written_by_rpm() {
    let t = tempfile::tempdir().unwrap();
    let top = t.path().join("top");
    let root = t.path().join("root");
    let db = root.join("var/lib/rpm");
    std::fs::create_dir_all(&db).unwrap();
    let rpm = |args: &[&str]| {
        let mut c = Command::new("rpm");
        c.args(["--define", "_db_backend sqlite", "--dbpath"])
            .arg(&db)
            .args(args);
        tool(&mut c, "rpm")
    };
    rpm(&["--initdb"]);
    for (name, epoch, license, files) in [
        (
            "stagetrail-hello",
            Some(2),
            "MIT",
            &["README", "NOTICE"][..],
        ),
        (
            "stagetrail-other",
            None,
            "GPL-2.0-or-later",
            &["data.txt"][..],
        ),
    ] {
        let spec_path = t.path().join(format!("{name}.spec"));
        write(&spec_path, &spec(name, epoch, license, files));
        tool(
            Command::new("rpmbuild")
                .arg("--define")
                .arg(format!("_topdir {}", top.display()))
                .arg("-bb")
                .arg(&spec_path),
            "rpm",
        );
        let built = top.join(format!("RPMS/noarch/{name}-1.2.3-4.noarch.rpm"));
        rpm(&["-i", "--justdb", "--nodeps", built.to_str().unwrap()]);
    }
    let truth: BTreeSet<String> = rpm(&[
        "-qa",
        "--qf",
        "%{NAME} %|EPOCH?{%{EPOCH}:}:{}|%{VERSION}-%{RELEASE} %{ARCH} %{LICENSE} %{SOURCERPM} %{VENDOR}\\n",
    ])
    .lines()
    .map(str::to_string)
    .collect();
    assert_eq!(truth.len(), 2, "{truth:?}");

    let c = scan(&LocalFs::new(&root));
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
    let rpms: Vec<&Package> = c
        .packages
        .iter()
        .filter(|p| p.purl.starts_with("pkg:rpm/"))
        .collect();
    let found: BTreeSet<String> = rpms
        .iter()
        .map(|p| {
            format!(
                "{} {} {} {} {} {}",
                p.name,
                p.version,
                p.properties["arch"],
                p.license.as_ref().map_or("", |l| l.expression.as_str()),
                p.properties["source"],
                p.properties["vendor"]
            )
        })
        .collect();
    assert_eq!(found, truth, "catalog vs rpm -qa");
    let hello = rpms.iter().find(|p| p.name == "stagetrail-hello").unwrap();
    assert_eq!(
        hello.purl,
        "pkg:rpm/redhat/stagetrail-hello@1.2.3-4?arch=noarch&epoch=2&upstream=stagetrail-hello-1.2.3-4.src.rpm"
    );
    let files: BTreeSet<String> = rpm(&["-ql", "stagetrail-hello"])
        .lines()
        .map(|l| l.trim_start_matches('/').to_string())
        .collect();
    assert_eq!(hello.files, files, "files vs rpm -ql");
}

#[test]
fn go_binary_built_by_the_go_toolchain() {
    let t = tempfile::tempdir().unwrap();
    let src = t.path().join("src");
    for (path, text) in [
        ("go.mod", "module example.com/stagetrail/hello\n\ngo 1.19\n\nrequire example.com/greet v1.4.0\n\nreplace example.com/greet => ./greet\n"),
        ("main.go", "package main\n\nimport \"example.com/greet\"\n\nfunc main() { println(greet.Hello()) }\n"),
        ("greet/go.mod", "module example.com/greet\n\ngo 1.19\n"),
        ("greet/greet.go", "package greet\n\n// Hello greets.\nfunc Hello() string { return \"hi\" }\n"),
    ] {
        write(&src.join(path), text);
    }
    let root = t.path().join("root");
    let bin = root.join("usr/local/bin/hello");
    let go = |args: &[&str]| {
        let mut c = Command::new("go");
        c.args(args)
            .current_dir(&src)
            .env("GOPATH", t.path().join("gopath"))
            .env("GOCACHE", t.path().join("gocache"))
            .env("GOFLAGS", "-mod=mod")
            .env("GOPROXY", "off")
            .env("CGO_ENABLED", "0");
        tool(&mut c, "golang-go")
    };
    go(&["build", "-o", bin.to_str().unwrap(), "."]);
    // `go version -m` is Go's own reader of the same build info.
    let shown = go(&["version", "-m", bin.to_str().unwrap()]);
    // Modules as `go version -m` lists them, a `=>` replacement with a version taking the place
    // of the module before it (the cataloger's documented rule, as Syft's).
    let mut mods: Vec<String> = Vec::new();
    let mut toolchain = String::new();
    for line in shown.lines() {
        if !line.starts_with('\t') {
            // `FILE: go1.19.8`
            toolchain = line.rsplit(' ').next().unwrap_or_default().to_string();
            continue;
        }
        let f: Vec<&str> = line.trim().split('\t').collect();
        match f.as_slice() {
            ["mod" | "dep", path, version, ..] => mods.push(format!("{path} {version}")),
            ["=>", path, version, ..] if !version.is_empty() => {
                if let Some(last) = mods.last_mut() {
                    *last = format!("{path} {version}");
                }
            }
            _ => {}
        }
    }
    assert!(toolchain.starts_with("go1."), "{shown}");
    let mut truth: BTreeSet<String> = mods.into_iter().collect();
    truth.insert(format!("stdlib {toolchain}"));
    assert!(
        truth.contains("example.com/stagetrail/hello (devel)") && truth.contains("./greet (devel)"),
        "{shown}"
    );

    let c = scan(&LocalFs::new(&root));
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
    let found: BTreeSet<String> = c
        .packages
        .iter()
        .filter(|p| p.purl.starts_with("pkg:golang/"))
        .map(|p| format!("{} {}", p.name, p.version))
        .collect();
    assert_eq!(found, truth, "catalog vs go version -m:\n{shown}");
    for p in &c.packages {
        assert_eq!(
            p.locations,
            BTreeSet::from(["usr/local/bin/hello".to_string()]),
            "{}",
            p.purl
        );
    }
}
