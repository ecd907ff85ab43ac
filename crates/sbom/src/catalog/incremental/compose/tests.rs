//! Composed catalogs are the full scan's: the final stage of a multi-stage build made for real
//! (the parent's tree, then each source's path copied onto the same path) and scanned in full.

use std::fs;
use std::os::unix::fs::symlink;
use std::path::Path;

use super::super::tests::{copy_tree, fixture, write};
use super::super::Scanned;
use crate::catalog::fs::LocalFs;

/// Builds `parent` + `copies` (each a source tree and a path) for real; asserts the composed
/// catalog is the full scan's and returns it, or `None` when composing refused.
fn check(parent: &Path, copies: &[(&Path, &str)]) -> Option<Scanned> {
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
    Some(composed)
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
    assert!(
        again.is_none(),
        "a Python environment is read beside its METADATA"
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
    assert!(check(&node, &[(&deps, "usr/share/doc/libc6")]).is_none());
    assert!(check(&deps, &[(&builder, "app")]).is_none());
    assert!(check(&node, &[(&deps, "app"), (&builder, "app/dist")]).is_none());
    // Python's packages are read beside their METADATA.
    assert!(check(&node, &[(&deps, "usr/lib/python3")]).is_none());
    // A parent symlink that leads into the copy (os-release read through it), or that is on
    // the copy's way; a source path that is a symlink (the copy follows it).
    let linked = t.path().join("linked");
    copy_tree(&node, &linked);
    fs::remove_file(linked.join("etc/os-release")).unwrap();
    symlink("../app/os-release", linked.join("etc/os-release")).unwrap();
    assert!(check(&linked, &[(&deps, "app")]).is_none());
    let on_way = t.path().join("on-way");
    copy_tree(&node, &on_way);
    symlink("/srv", on_way.join("app")).unwrap();
    assert!(Scanned::full(&LocalFs::new(&on_way))
        .compose(&[(&Scanned::full(&LocalFs::new(&deps)), "app/node_modules")])
        .is_none());
    let source = t.path().join("source");
    copy_tree(&deps, &source);
    fs::rename(source.join("app"), source.join("srv")).unwrap();
    symlink("/srv", source.join("app")).unwrap();
    assert!(Scanned::full(&LocalFs::new(&node))
        .compose(&[(&Scanned::full(&LocalFs::new(&source)), "app/node_modules")])
        .is_none());
}
