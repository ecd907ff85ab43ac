//! Incremental scans give the full scan's catalog: parent and child trees made from the
//! project's fixtures, the diff directory made as BuildKit mounts a `DiffOp` (added and changed
//! entries only, no deletions).

use super::Scanned;
use crate::catalog::fs::LocalFs;
use std::fs;
use std::os::unix::fs::{symlink, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

pub(super) fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/sbom")
        .join(name)
}

/// Copies `from` into `to` (symlinks as symlinks, modes kept).
pub(super) fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let (src, dst) = (e.path(), to.join(e.file_name()));
        let ft = e.file_type().unwrap();
        if ft.is_symlink() {
            symlink(fs::read_link(&src).unwrap(), &dst).unwrap();
        } else if ft.is_dir() {
            copy_tree(&src, &dst);
        } else {
            fs::copy(&src, &dst).unwrap();
        }
    }
}

/// Writes into `diff` what `child` added or changed over `parent`: every directory of the
/// child, files whose bytes or mode differ, symlinks whose target differs, new fifos.
fn make_diff(parent: &Path, child: &Path, diff: &Path) {
    fs::create_dir_all(diff).unwrap();
    for e in fs::read_dir(child).unwrap() {
        let e = e.unwrap();
        let (c, p, d) = (
            e.path(),
            parent.join(e.file_name()),
            diff.join(e.file_name()),
        );
        let ft = e.file_type().unwrap();
        let before = fs::symlink_metadata(&p).ok();
        if ft.is_symlink() {
            if fs::read_link(&p).ok() != Some(fs::read_link(&c).unwrap()) {
                symlink(fs::read_link(&c).unwrap(), &d).unwrap();
            }
        } else if ft.is_dir() {
            let was_dir = before.as_ref().is_some_and(|m| m.is_dir());
            make_diff(
                if was_dir {
                    &p
                } else {
                    Path::new("/nonexistent")
                },
                &c,
                &d,
            );
        } else if !ft.is_file() {
            if !before.is_some_and(|m| m.file_type() == ft) {
                mkfifo(&d);
            }
        } else {
            let same = before.is_some_and(|m| {
                m.is_file()
                    && m.mode() == fs::metadata(&c).unwrap().mode()
                    && fs::read(&p).unwrap() == fs::read(&c).unwrap()
            });
            if !same {
                fs::copy(&c, &d).unwrap();
            }
        }
    }
}

/// A parent tree (the Debian and application fixtures) and a child made from it by `change`;
/// asserts the incremental catalog is the full one and returns both catalogs' purls.
fn check(change: impl FnOnce(&Path)) -> (Vec<String>, Vec<String>) {
    let t = tempfile::tempdir().unwrap();
    let (parent, child, diff) = (t.path().join("p"), t.path().join("c"), t.path().join("d"));
    copy_tree(&fixture("debian"), &parent);
    copy_tree(&fixture("apps"), &parent);
    copy_tree(&parent, &child);
    change(&child);
    make_diff(&parent, &child, &diff);
    let before = Scanned::full(&LocalFs::new(&parent));
    let (after, incremental) = before.child(&LocalFs::new(&child), &LocalFs::new(&diff));
    assert!(incremental, "fell back to a full scan");
    let full = Scanned::full(&LocalFs::new(&child));
    assert_eq!(after.catalog, full.catalog);
    assert_eq!(after.specials, full.specials, "the child's special files");
    let purls = |s: &Scanned| s.catalog.packages.iter().map(|p| p.purl.clone()).collect();
    (purls(&before), purls(&after))
}

fn mkfifo(path: &Path) {
    let made = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap();
    assert!(made.success(), "mkfifo {}", path.display());
}

pub(super) fn write(path: &Path, text: &str) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

fn left_pad(root: &Path) -> PathBuf {
    root.join("app/node_modules/left-pad/package.json")
}

#[test]
fn an_install_adds_packages() {
    let (before, after) = check(|c| {
        write(
            &c.join("app/node_modules/new-dep/package.json"),
            r#"{"name":"new-dep","version":"2.0.0"}"#,
        );
        let status = c.join("var/lib/dpkg/status");
        let mut text = fs::read_to_string(&status).unwrap();
        text.push_str("\nPackage: hello\nStatus: install ok installed\nArchitecture: amd64\nVersion: 2.10-3\n");
        fs::write(&status, text).unwrap();
    });
    let added: Vec<_> = after.iter().filter(|p| !before.contains(p)).collect();
    assert_eq!(added.len(), 2, "{added:?}");
}

#[test]
fn an_upgrade_changes_a_version() {
    let (before, after) = check(|c| {
        let text = fs::read_to_string(left_pad(c)).unwrap();
        let v = serde_json::from_str::<serde_json::Value>(&text).unwrap()["version"].clone();
        let newer = text.replace(v.as_str().unwrap(), "9.9.9");
        fs::write(left_pad(c), newer).unwrap();
    });
    assert!(
        after.iter().any(|p| p.contains("left-pad@9.9.9")),
        "{after:?}"
    );
    assert_ne!(before, after);
}

#[test]
fn removals_are_seen_though_the_diff_does_not_show_them() {
    let (before, after) = check(|c| {
        fs::remove_dir_all(c.join("app/node_modules/left-pad")).unwrap();
        fs::remove_file(c.join("usr/local/bin/goapp")).unwrap();
        let status = c.join("var/lib/dpkg/status");
        let text = fs::read_to_string(&status).unwrap();
        let kept: Vec<&str> = text.split("\n\n").skip(1).collect();
        fs::write(&status, kept.join("\n\n")).unwrap();
    });
    assert!(after.len() < before.len() - 2, "{before:?}\n{after:?}");
}

#[test]
fn files_overwritten_by_a_later_copy() {
    let (before, after) = check(|c| {
        // A binary replaced by a script, a lockfile by another project's.
        let bin = c.join("usr/local/bin/goapp");
        fs::write(
            &bin,
            "#!/bin/sh\necho replaced by a later COPY, long enough to be looked at\n",
        )
        .unwrap();
        fs::set_permissions(&bin, fs::Permissions::from_mode(0o755)).unwrap();
        fs::write(
            c.join("app/package-lock.json"),
            r#"{"name":"app","lockfileVersion":3,"packages":{"":{"name":"app"},"node_modules/only":{"version":"1.0.0"}}}"#,
        )
        .unwrap();
    });
    assert_ne!(before, after);
    assert!(after.iter().any(|p| p.contains("/only@1.0.0")), "{after:?}");
}

#[test]
fn a_directory_replaced_by_a_symlink_or_recreated() {
    check(|c| {
        let modules = c.join("app/node_modules");
        fs::rename(&modules, c.join("elsewhere")).unwrap();
        symlink("/elsewhere", &modules).unwrap();
    });
    check(|c| {
        let modules = c.join("app/node_modules");
        fs::remove_dir_all(&modules).unwrap();
        write(
            &modules.join("fresh/package.json"),
            r#"{"name":"fresh","version":"1.0.0"}"#,
        );
    });
}

#[test]
fn symlinks_added_retargeted_and_removed() {
    check(|c| {
        symlink("../app", c.join("usr/local/bin/app-link")).unwrap();
        let retargeted = c.join("usr/local/bin/goapp-link");
        fs::remove_file(&retargeted).unwrap();
        symlink("/etc", &retargeted).unwrap();
        fs::remove_file(c.join("usr/share/doc/libc6-link")).unwrap();
        mkfifo(&c.join("app/fifo"));
    });
}

#[test]
fn nothing_changed() {
    let (before, after) = check(|_| {});
    assert_eq!(before, after);
}

#[test]
fn a_parent_with_walk_warnings_falls_back_to_a_full_scan() {
    let t = tempfile::tempdir().unwrap();
    let (parent, diff) = (t.path().join("p"), t.path().join("d"));
    let mut dir = parent.clone();
    for i in 0..70 {
        dir = dir.join(format!("d{i}"));
    }
    fs::create_dir_all(&dir).unwrap();
    fs::create_dir_all(&diff).unwrap();
    let before = Scanned::full(&LocalFs::new(&parent));
    assert!(!before.catalog.warnings.is_empty());
    let (after, incremental) = before.child(&LocalFs::new(&parent), &LocalFs::new(&diff));
    assert!(!incremental);
    assert_eq!(after.catalog, before.catalog);
}

#[test]
fn unchanged_files_are_not_read_again() {
    let t = tempfile::tempdir().unwrap();
    let (parent, child, diff) = (t.path().join("p"), t.path().join("c"), t.path().join("d"));
    copy_tree(&fixture("apps"), &parent);
    copy_tree(&parent, &child);
    write(
        &child.join("app/node_modules/new-dep/package.json"),
        r#"{"name":"new-dep","version":"2.0.0"}"#,
    );
    make_diff(&parent, &child, &diff);
    let mut before = Scanned::full(&LocalFs::new(&parent));
    // The parent's findings for an unchanged file stand in for reading it: mark them.
    let modules = before
        .found
        .get_mut("javascript-package-cataloger")
        .unwrap();
    let left_pad = modules
        .get_mut("app/node_modules/left-pad/package.json")
        .unwrap();
    left_pad.packages[0].purl = "pkg:npm/reused@1".into();
    let (after, _) = before.child(&LocalFs::new(&child), &LocalFs::new(&diff));
    let purls: Vec<&str> = after
        .catalog
        .packages
        .iter()
        .map(|p| p.purl.as_str())
        .collect();
    assert!(purls.contains(&"pkg:npm/reused@1"), "{purls:?}");
    assert!(purls.contains(&"pkg:npm/new-dep@2.0.0"), "{purls:?}");
}
