//! Builds small handmade root filesystems under `tests/fixtures/sbom/<name>/` (regenerated on
//! every run; the directory is git-ignored).

#![allow(dead_code)]

use stagetrail_sbom::catalog::golang::encode_buildinfo;
use stagetrail_sbom::catalog::rpm::header::{encode, tag, Value};
use std::io::Write;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::{Path, PathBuf};

/// A fresh, empty fixture directory named `name`.
pub fn fresh(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/sbom")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Writes `content` at root-relative `path`, creating parents.
pub fn put(root: &Path, path: &str, content: impl AsRef<[u8]>) {
    let p = root.join(path);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, content).unwrap();
}

fn chmod_x(root: &Path, path: &str) {
    let p = root.join(path);
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// A Debian-like root: dpkg status (with a config-files package and a malformed line), file
/// lists, one DEP-5 and one free-form copyright, a distroless status.d entry.
pub fn debian(name: &str) -> PathBuf {
    let r = fresh(name);
    put(
        &r,
        "etc/os-release",
        "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\n",
    );
    put(
        &r,
        "var/lib/dpkg/status",
        "Package: base-files\nStatus: install ok installed\nPriority: required\nArchitecture: amd64\nVersion: 12.4+deb12u5\nDescription: Debian base system miscellaneous files\n This package contains the basic filesystem hierarchy.\n\n\
Package: libc6\nStatus: install ok installed\nArchitecture: amd64\nMulti-Arch: same\nSource: glibc\nVersion: 2.36-9+deb12u4\nDescription: GNU C Library\n\n\
Package: oldpkg\nStatus: deinstall ok config-files\nArchitecture: all\nVersion: 1.0\n\n\
this line is broken\n\n\
Package: openssh-client\nStatus: install ok installed\nArchitecture: amd64\nSource: openssh (1:9.2p1-2)\nVersion: 1:9.2p1-2+deb12u2\n",
    );
    put(
        &r,
        "var/lib/dpkg/info/base-files.list",
        "/.\n/etc\n/etc/os-release\n",
    );
    put(
        &r,
        "var/lib/dpkg/info/libc6:amd64.list",
        "/.\n/lib/x86_64-linux-gnu/libc.so.6\n",
    );
    put(
        &r,
        "usr/share/doc/libc6/copyright",
        "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\nUpstream-Name: glibc\n\n\
Files: *\nCopyright: 1991-2023 Free Software Foundation, Inc.\nLicense: LGPL-2.1+\n\n\
Files: debian/*\nCopyright: 2023 Debian\nLicense: GPL-2+\n\n\
License: LGPL-2.1+\n This library is free software.\n",
    );
    put(
        &r,
        "usr/share/doc/base-files/copyright",
        "This is the Debian prepackaged version of base-files.\n",
    );
    put(
        &r,
        "var/lib/dpkg/status.d/tzdata",
        "Package: tzdata\nVersion: 2024a-0+deb12u1\nArchitecture: all\n",
    );
    put(
        &r,
        "var/lib/dpkg/status.d/tzdata.md5sums",
        "0123  usr/share/zoneinfo/UTC\n",
    );
    symlink("/usr/share/doc/libc6", r.join("usr/share/doc/libc6-link")).unwrap();
    r
}

/// An Alpine-like root: apk installed db with a license list and file entries.
pub fn alpine(name: &str) -> PathBuf {
    let r = fresh(name);
    put(&r, "etc/os-release", "ID=alpine\nVERSION_ID=3.19.1\n");
    put(
        &r,
        "lib/apk/db/installed",
        "C:Q1abc=\nP:musl\nV:1.2.4_git20230717-r4\nA:x86_64\nL:MIT\no:musl\nF:lib\nR:ld-musl-x86_64.so.1\nR:libc.musl-x86_64.so.1\n\n\
P:busybox-binsh\nV:1.36.1-r15\nA:x86_64\nL:GPL-2.0-only\no:busybox\nF:bin\nR:sh\n\n\
P:ssl_client\nV:1.36.1-r15\nA:x86_64\nL:GPL-2.0-only AND MIT\no:busybox\ngarbage line\n",
    );
    r
}

/// A Fedora-like root with a sqlite rpmdb: two good headers, one corrupt blob.
pub fn fedora(name: &str) -> PathBuf {
    let r = fresh(name);
    put(&r, "etc/os-release", "ID=fedora\nVERSION_ID=39\n");
    let db = r.join("var/lib/rpm/rpmdb.sqlite");
    std::fs::create_dir_all(db.parent().unwrap()).unwrap();
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch(
        "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL);",
    )
    .unwrap();
    let s = |v: &str| Value::Strings(vec![v.to_string()]);
    let bash = encode(&[
        (tag::NAME, s("bash")),
        (tag::VERSION, s("5.2.26")),
        (tag::RELEASE, s("1.fc39")),
        (tag::ARCH, s("x86_64")),
        (tag::LICENSE, s("GPL-3.0-or-later")),
        (tag::SOURCERPM, s("bash-5.2.26-1.fc39.src.rpm")),
        (tag::VENDOR, s("Fedora Project")),
        (tag::DIRINDEXES, Value::Ints(vec![0, 0])),
        (
            tag::BASENAMES,
            Value::Strings(vec!["bash".into(), "sh".into()]),
        ),
        (tag::DIRNAMES, Value::Strings(vec!["/usr/bin/".into()])),
    ]);
    let openssl = encode(&[
        (tag::NAME, s("openssl-libs")),
        (tag::EPOCH, Value::Ints(vec![1])),
        (tag::VERSION, s("3.1.1")),
        (tag::RELEASE, s("4.fc39")),
        (tag::ARCH, s("x86_64")),
        (tag::LICENSE, s("Apache-2.0")),
    ]);
    let key = encode(&[(tag::NAME, s("gpg-pubkey")), (tag::VERSION, s("18b8e74c"))]);
    let mut broken = bash.clone();
    broken.truncate(40);
    for blob in [bash, openssl, key, broken] {
        conn.execute("INSERT INTO Packages (blob) VALUES (?1)", [blob])
            .unwrap();
    }
    r
}

/// A minimal ELF64 executable holding the given named sections (no program headers).
pub fn elf(sections: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut data = vec![0u8; 64];
    let mut shstrtab = vec![0u8];
    let mut headers: Vec<[u64; 4]> = Vec::new(); // name, type, offset, size
    for (name, content) in sections {
        while data.len() % 16 != 0 {
            data.push(0);
        }
        headers.push([
            shstrtab.len() as u64,
            1,
            data.len() as u64,
            content.len() as u64,
        ]);
        shstrtab.extend_from_slice(name.as_bytes());
        shstrtab.push(0);
        data.extend_from_slice(content);
    }
    let strtab_name = shstrtab.len() as u64;
    shstrtab.extend_from_slice(b".shstrtab\0");
    headers.push([strtab_name, 3, data.len() as u64, shstrtab.len() as u64]);
    data.extend_from_slice(&shstrtab);
    while data.len() % 8 != 0 {
        data.push(0);
    }
    let shoff = data.len() as u64;
    let shnum = headers.len() as u16 + 1;
    data.extend_from_slice(&[0u8; 64]);
    for [name, ty, off, size] in &headers {
        let mut h = Vec::with_capacity(64);
        h.extend_from_slice(&(*name as u32).to_le_bytes());
        h.extend_from_slice(&(*ty as u32).to_le_bytes());
        h.extend_from_slice(&0u64.to_le_bytes()); // flags
        h.extend_from_slice(&0u64.to_le_bytes()); // addr
        h.extend_from_slice(&off.to_le_bytes());
        h.extend_from_slice(&size.to_le_bytes());
        h.extend_from_slice(&0u32.to_le_bytes());
        h.extend_from_slice(&0u32.to_le_bytes());
        h.extend_from_slice(&1u64.to_le_bytes()); // align
        h.extend_from_slice(&0u64.to_le_bytes());
        data.extend_from_slice(&h);
    }
    let mut eh = Vec::with_capacity(64);
    eh.extend_from_slice(b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0");
    eh.extend_from_slice(&2u16.to_le_bytes()); // ET_EXEC
    eh.extend_from_slice(&62u16.to_le_bytes()); // x86-64
    eh.extend_from_slice(&1u32.to_le_bytes());
    eh.extend_from_slice(&0u64.to_le_bytes()); // entry
    eh.extend_from_slice(&0u64.to_le_bytes()); // phoff
    eh.extend_from_slice(&shoff.to_le_bytes());
    eh.extend_from_slice(&0u32.to_le_bytes()); // flags
    eh.extend_from_slice(&64u16.to_le_bytes());
    eh.extend_from_slice(&56u16.to_le_bytes());
    eh.extend_from_slice(&0u16.to_le_bytes());
    eh.extend_from_slice(&64u16.to_le_bytes());
    eh.extend_from_slice(&shnum.to_le_bytes());
    eh.extend_from_slice(&(shnum - 1).to_le_bytes());
    data[..64].copy_from_slice(&eh);
    data
}

fn zip_bytes(entries: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, content) in entries {
        w.start_file(*name, opts).unwrap();
        w.write_all(content).unwrap();
    }
    w.finish().unwrap().into_inner()
}

fn zlib(data: &[u8]) -> Vec<u8> {
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(data).unwrap();
    z.finish().unwrap()
}

/// An application root: npm (lock v1 and v3, node_modules), Python (dist-info with RECORD,
/// egg-info), Cargo.lock, a Go and a cargo-auditable ELF, jars (one nested, one corrupt), a gem,
/// an over-cap METADATA and a symlink loop.
pub fn apps(name: &str) -> PathBuf {
    let r = fresh(name);
    put(
        &r,
        "app/package-lock.json",
        r#"{"name":"app","version":"1.0.0","lockfileVersion":3,"requires":true,"packages":{
"":{"name":"app","version":"1.0.0"},
"node_modules/left-pad":{"version":"1.3.0","license":"WTFPL"},
"node_modules/@babel/core":{"version":"7.24.0","license":"MIT"},
"node_modules/@babel/core/node_modules/semver":{"version":"6.3.1","license":"ISC"},
"node_modules/alias":{"name":"real-name","version":"2.0.0"},
"node_modules/private-lib":{"version":"0.1.0","license":"SEE LICENSE IN LICENSE.md"},
"packages/ws":{"version":"0.0.1"},
"node_modules/ws":{"resolved":"packages/ws","link":true}}}"#,
    );
    put(
        &r,
        "app/node_modules/left-pad/package.json",
        r#"{"name":"left-pad","version":"1.3.0","license":"WTFPL"}"#,
    );
    put(
        &r,
        "app/node_modules/@babel/core/package.json",
        r#"{"name":"@babel/core","version":"7.24.0","license":"MIT"}"#,
    );
    put(
        &r,
        "app/node_modules/@babel/core/lib/package.json",
        r#"{"type":"module"}"#,
    );
    put(
        &r,
        "app/node_modules/broken/package.json",
        "{\"name\": \"broken\",\n  \"version\": ",
    );
    put(
        &r,
        "legacy/package-lock.json",
        r#"{"name":"legacy","lockfileVersion":1,"dependencies":{"debug":{"version":"2.6.9","dependencies":{"ms":{"version":"2.0.0"}}}}}"#,
    );
    put(
        &r,
        "usr/lib/python3/dist-packages/requests-2.31.0.dist-info/METADATA",
        "Metadata-Version: 2.1\nName: requests\nVersion: 2.31.0\nLicense: Apache 2.0\nClassifier: License :: OSI Approved :: Apache Software License\n\nRequests is an HTTP library.\n",
    );
    put(
        &r,
        "usr/lib/python3/dist-packages/requests-2.31.0.dist-info/RECORD",
        "requests/__init__.py,sha256=x,4950\nrequests-2.31.0.dist-info/RECORD,,\n../../../bin/req,sha256=y,10\n",
    );
    put(
        &r,
        "usr/lib/python3/dist-packages/Typing_Extensions-4.9.0.egg-info/PKG-INFO",
        "Metadata-Version: 1.1\nName: Typing_Extensions\nVersion: 4.9.0\nLicense: UNKNOWN\nClassifier: License :: OSI Approved :: Python Software Foundation License\n",
    );
    let mut huge = b"Metadata-Version: 2.1\nName: huge\nVersion: 1\n\n".to_vec();
    huge.resize(5 << 20, b'x');
    put(
        &r,
        "opt/venv/lib/python3.11/site-packages/huge-1.dist-info/METADATA",
        huge,
    );
    put(
        &r,
        "src/rustapp/Cargo.lock",
        "# generated\nversion = 3\n\n[[package]]\nname = \"rustapp\"\nversion = \"0.1.0\"\ndependencies = [\n \"serde\",\n]\n\n[[package]]\nname = \"serde\"\nversion = \"1.0.197\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\nchecksum = \"abc\"\n",
    );
    let go = encode_buildinfo(
        "go1.22.1",
        "path\texample.com/goapp\nmod\texample.com/goapp\tv1.0.0\t\ndep\tgithub.com/google/uuid\tv1.6.0\th1:x\nbuild\tGOOS=linux\n",
    );
    put(
        &r,
        "usr/local/bin/goapp",
        elf(&[(".text", vec![0x90; 64]), (".go.buildinfo", go)]),
    );
    chmod_x(&r, "usr/local/bin/goapp");
    let audit = zlib(br#"{"packages":[{"name":"rustapp","version":"0.1.0","source":"local","root":true,"dependencies":[1]},{"name":"serde","version":"1.0.197","source":"crates.io"},{"name":"itoa","version":"1.0.10","source":"crates.io"}]}"#);
    put(&r, "usr/local/bin/rustapp", elf(&[(".dep-v0", audit)]));
    chmod_x(&r, "usr/local/bin/rustapp");
    put(
        &r,
        "usr/local/bin/garbage-elf",
        b"\x7fELF but nothing else follows, just text padding to 64 bytes......",
    );
    chmod_x(&r, "usr/local/bin/garbage-elf");
    put(
        &r,
        "usr/local/bin/script",
        "#!/bin/sh\necho this is a shell script long enough to be looked at\n",
    );
    chmod_x(&r, "usr/local/bin/script");
    let inner = zip_bytes(&[(
        "META-INF/MANIFEST.MF",
        b"Manifest-Version: 1.0\r\nImplementation-Title: inner-lib\r\nImplementation-Version: 1.2.3\r\nBundle-License: https://www.apache.org/licenses/LICENSE-2.0.txt\r\n\r\n".to_vec(),
    )]);
    let outer = zip_bytes(&[
        (
            "META-INF/MANIFEST.MF",
            b"Manifest-Version: 1.0\r\nMain-Class: org.example.Main\r\n\r\n".to_vec(),
        ),
        (
            "META-INF/maven/org.example/demo/pom.properties",
            b"#Generated by Maven\ngroupId=org.example\nartifactId=demo\nversion=0.9.0\n".to_vec(),
        ),
        ("BOOT-INF/lib/inner-lib-1.2.3.jar", inner),
        ("org/example/Main.class", vec![0xca, 0xfe, 0xba, 0xbe]),
    ]);
    put(&r, "app/lib/demo.jar", outer);
    put(
        &r,
        "app/lib/broken.jar",
        b"PK\x03\x04 this is not really a zip archive",
    );
    put(
        &r,
        "usr/lib/ruby/gems/3.1.0/specifications/rake-13.0.6.gemspec",
        "# -*- encoding: utf-8 -*-\nGem::Specification.new do |s|\n  s.name = \"rake\".freeze\n  s.version = \"13.0.6\"\n  s.licenses = [\"MIT\".freeze]\nend\n",
    );
    std::fs::create_dir_all(r.join("loop")).unwrap();
    symlink("../loop", r.join("loop/self")).unwrap();
    symlink("/usr/local/bin/goapp", r.join("usr/local/bin/goapp-link")).unwrap();
    r
}
