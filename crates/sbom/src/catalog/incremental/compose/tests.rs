//! Composed catalogs are the full scan's: the final stage of a multi-stage build made for real
//! (the parent's tree, then each source's path copied onto the same path) and scanned in full.

use std::fs;
use std::os::unix::fs::symlink;
use std::path::Path;

use super::super::tests::{copy_tree, fixture, write};
use super::super::Scanned;
use crate::catalog::fs::LocalFs;

/// Builds `parent` + `copies` (each a source tree and a path) for real; asserts the composed
/// catalog is the full scan's and returns it, or why composing refused.
fn check(parent: &Path, copies: &[(&Path, &str)]) -> Result<Scanned, String> {
    let t = tempfile::tempdir().unwrap();
    let made = t.path().join("made");
    copy_tree(parent, &made);
    for (source, path) in copies {
        let from = source.join(path);
        if from.is_dir() {
            copy_tree(&from, &made.join(path));
        } else {
            fs::create_dir_all(made.join(path).parent().unwrap()).unwrap();
            fs::copy(&from, made.join(path)).unwrap();
        }
    }
    let scanned: Vec<Scanned> = copies
        .iter()
        .map(|(s, _)| Scanned::full(&LocalFs::new(s)))
        .collect();
    let pairs: Vec<(&Scanned, &str)> = scanned
        .iter()
        .zip(copies)
        .map(|(s, (_, p))| (s, *p))
        .collect();
    let composed = Scanned::full(&LocalFs::new(parent)).compose(&pairs)?;
    assert_eq!(
        composed.catalog,
        Scanned::full(&LocalFs::new(&made)).catalog
    );
    Ok(composed)
}

/// The seed's stages: `node` (Debian), `deps` (node + the application fixtures), `builder`
/// (deps + a built file).
fn stages(root: &Path) -> (std::path::PathBuf, std::path::PathBuf, std::path::PathBuf) {
    let (node, deps, builder) = (root.join("node"), root.join("deps"), root.join("builder"));
    copy_tree(&fixture("debian"), &node);
    copy_tree(&node, &deps);
    copy_tree(&fixture("apps"), &deps);
    copy_tree(&deps, &builder);
    write(&builder.join("app/dist/app.js"), "console.log(1)\n");
    (node, deps, builder)
}

#[test]
fn copies_of_stage_paths_onto_themselves_compose() {
    let t = tempfile::tempdir().unwrap();
    let (node, deps, builder) = stages(t.path());
    let composed = check(
        &node,
        &[
            (&deps, "app/node_modules"),
            (&builder, "app/dist"),
            (&deps, "usr/local/bin/goapp"),
        ],
    )
    .expect("composed");
    let purls: Vec<&str> = composed
        .catalog
        .packages
        .iter()
        .map(|p| p.purl.as_str())
        .collect();
    assert!(
        purls.iter().any(|p| p.starts_with("pkg:npm/left-pad@")),
        "{purls:?}"
    );
    assert!(
        purls.iter().any(|p| p.starts_with("pkg:deb/debian/")),
        "{purls:?}"
    );
    assert!(composed.catalog.distro.is_some());
    // A composed catalog composes again (a later stage built on this one).
    let again = composed.compose(&[(&Scanned::full(&LocalFs::new(&deps)), "opt/venv")]);
    refused(
        again,
        "/opt/venv: beside or holding files a whole-filesystem cataloger reads",
    );
}

#[test]
fn onto_scratch() {
    let t = tempfile::tempdir().unwrap();
    let (_, deps, _) = stages(t.path());
    let empty = t.path().join("empty");
    fs::create_dir_all(&empty).unwrap();
    assert_eq!(
        Scanned::empty().catalog,
        Scanned::full(&LocalFs::new(&empty)).catalog
    );
    check(&empty, &[(&deps, "app"), (&deps, "src/rustapp/Cargo.lock")]).expect("composed");
}

#[test]
fn copies_the_parent_could_tell_are_refused() {
    let t = tempfile::tempdir().unwrap();
    let (node, deps, builder) = stages(t.path());
    // Onto what dpkg reads by name; over the parent's own indexed files; overlapping copies.
    refused(
        check(&node, &[(&deps, "usr/share/doc/libc6")]),
        "/usr/share/doc/libc6: overlaps /usr/share/doc, read by name",
    );
    refused(
        check(&deps, &[(&builder, "app")]),
        "/app: would cover /app/",
    );
    refused(
        check(&node, &[(&deps, "app"), (&builder, "app/dist")]),
        "/app/dist: overlaps the earlier copy of /app",
    );
    // Python's packages are read beside their METADATA.
    refused(
        check(&node, &[(&deps, "usr/lib/python3")]),
        "/usr/lib/python3: beside or holding files a whole-filesystem cataloger reads",
    );
    // A parent symlink that leads into the copy (os-release read through it), or that is on
    // the copy's way; a source path that is a symlink (the copy follows it).
    let linked = t.path().join("linked");
    copy_tree(&node, &linked);
    fs::remove_file(linked.join("etc/os-release")).unwrap();
    symlink("../app/os-release", linked.join("etc/os-release")).unwrap();
    refused(
        check(&linked, &[(&deps, "app")]),
        "/app: the parent's symlink /etc/os-release leads into or above it",
    );
    let on_way = t.path().join("on-way");
    copy_tree(&node, &on_way);
    symlink("/srv", on_way.join("app")).unwrap();
    refused(
        Scanned::full(&LocalFs::new(&on_way))
            .compose(&[(&Scanned::full(&LocalFs::new(&deps)), "app/node_modules")]),
        "/app/node_modules: overlaps /app, a symlink or special file of the parent",
    );
    let source = t.path().join("source");
    copy_tree(&deps, &source);
    fs::rename(source.join("app"), source.join("srv")).unwrap();
    symlink("/srv", source.join("app")).unwrap();
    refused(
        Scanned::full(&LocalFs::new(&node))
            .compose(&[(&Scanned::full(&LocalFs::new(&source)), "app/node_modules")]),
        "/app/node_modules: /app is a symlink or special file of the source",
    );
}

/// Asserts composing refused, for a reason that starts with `why`.
fn refused(result: Result<Scanned, String>, why: &str) {
    match result {
        Ok(_) => panic!("composed, though it should refuse: {why}"),
        Err(reason) => assert!(reason.starts_with(why), "{reason:?} is not {why:?}"),
    }
}
