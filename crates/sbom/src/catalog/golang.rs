//! Go modules from the build info the Go linker writes into binaries (`.go.buildinfo`, Go ≥ 1.18
//! inline format): a 32-byte header (`\xff Go buildinf:`, pointer size, flags), then two
//! varint-length strings — the toolchain version and the module info (`path`, `mod`, `dep`,
//! `=>` replacement and `build` lines between 16-byte sentinels).

use super::Package;
use super::PackageKind;
use crate::purl::purl;

/// Cataloger name for modules found in Go binaries.
pub const NAME: &str = "go-module-binary-cataloger";
const MAGIC: &[u8] = b"\xff Go buildinf:";
const FLAG_INLINE: u8 = 0x2;

/// The purl of a Go module path (`github.com/a/b` → namespace `github.com/a`, name `b`).
pub fn go_purl(module: &str, version: &str) -> String {
    match module.rsplit_once('/') {
        Some((ns, name)) => purl("golang", Some(ns), name, version, &[]),
        None => purl("golang", None, module, version, &[]),
    }
}

/// Decodes a `.go.buildinfo` section into the main module, its dependencies (replacements
/// applied when they carry a version) and the `stdlib` at the toolchain's version.
pub fn buildinfo(data: &[u8], location: &str) -> Result<Vec<Package>, String> {
    if data.len() < 32 || !data.starts_with(MAGIC) {
        return Err("no Go build info magic".into());
    }
    if data[15] & FLAG_INLINE == 0 {
        return Err("Go build info from before Go 1.18 (pointer format) is not supported".into());
    }
    let mut at = 32;
    let toolchain = varint_bytes(data, &mut at).ok_or("truncated Go version string at byte 32")?;
    let toolchain = String::from_utf8_lossy(toolchain);
    let modinfo = varint_bytes(data, &mut at)
        .ok_or_else(|| format!("truncated module info string at byte {at}"))?;
    // Module info sits between two 16-byte binary sentinels.
    let modinfo = if modinfo.len() >= 33 && modinfo[modinfo.len() - 17] == b'\n' {
        &modinfo[16..modinfo.len() - 16]
    } else {
        modinfo
    };
    let modinfo = String::from_utf8_lossy(modinfo);
    let mut mods: Vec<(String, String)> = Vec::new();
    for line in modinfo.lines() {
        let f: Vec<&str> = line.split('\t').collect();
        match f.as_slice() {
            ["mod" | "dep", path, version, ..] => {
                mods.push((path.to_string(), version.to_string()))
            }
            ["mod" | "dep", path] => mods.push((path.to_string(), String::new())),
            ["=>", path, version, ..] if !version.is_empty() => {
                if let Some(last) = mods.last_mut() {
                    *last = (path.to_string(), version.to_string());
                }
            }
            _ => {}
        }
    }
    let mut out: Vec<Package> = mods
        .into_iter()
        .map(|(path, version)| {
            Package::new(
                PackageKind::Go,
                &path,
                &version,
                go_purl(&path, &version),
                location,
                NAME,
            )
        })
        .collect();
    if let Some(v) = toolchain.strip_prefix("go") {
        let mut std = Package::new(
            PackageKind::Go,
            "stdlib",
            toolchain.as_ref(),
            purl("golang", None, "stdlib", v, &[]),
            location,
            NAME,
        );
        std.license = super::license::License::parse("BSD-3-Clause");
        out.push(std);
    }
    Ok(out)
}

fn varint_bytes<'a>(data: &'a [u8], at: &mut usize) -> Option<&'a [u8]> {
    let mut len: u64 = 0;
    let mut shift = 0;
    loop {
        let b = *data.get(*at)?;
        *at += 1;
        len |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            break;
        }
        shift += 7;
        if shift > 63 {
            return None;
        }
    }
    let end = at.checked_add(usize::try_from(len).ok()?)?;
    let s = data.get(*at..end)?;
    *at = end;
    Some(s)
}

/// Encodes a Go ≥ 1.18 `.go.buildinfo` section (the inverse of [`buildinfo`]), for building test
/// binaries.
pub fn encode_buildinfo(toolchain: &str, modinfo: &str) -> Vec<u8> {
    let mut out = MAGIC.to_vec();
    out.push(8);
    out.push(FLAG_INLINE);
    out.resize(32, 0);
    let sentinel = [0xafu8; 16];
    let mut info = sentinel.to_vec();
    info.extend_from_slice(modinfo.as_bytes());
    info.extend_from_slice(&sentinel);
    for s in [toolchain.as_bytes(), &info[..]] {
        let mut n = s.len() as u64;
        loop {
            let b = (n & 0x7f) as u8;
            n >>= 7;
            out.push(if n == 0 { b } else { b | 0x80 });
            if n == 0 {
                break;
            }
        }
        out.extend_from_slice(s);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_modules_and_replacements() {
        let info = "path\texample.com/app\nmod\texample.com/app\t(devel)\t\ndep\tgithub.com/pkg/errors\tv0.9.1\th1:x\ndep\tgolang.org/x/sys\tv0.1.0\th1:y\n=>\tgithub.com/fork/sys\tv0.2.0\th1:z\nbuild\tGOOS=linux\n";
        let data = encode_buildinfo("go1.22.1", info);
        let pkgs = buildinfo(&data, "app").unwrap();
        let purls: Vec<_> = pkgs.iter().map(|p| p.purl.as_str()).collect();
        assert_eq!(
            purls,
            [
                "pkg:golang/example.com/app@%28devel%29",
                "pkg:golang/github.com/pkg/errors@v0.9.1",
                "pkg:golang/github.com/fork/sys@v0.2.0",
                "pkg:golang/stdlib@1.22.1"
            ]
        );
        for cut in [10, 33, data.len() - 20] {
            assert!(buildinfo(&data[..cut], "x").is_err(), "cut {cut}");
        }
    }
}
