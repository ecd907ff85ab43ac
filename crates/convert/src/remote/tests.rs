use serde_json::{json, Value};
use stagetrail_llb as llb;

use super::*;

fn ops(st: &State) -> Vec<Value> {
    llb::dump_json(&llb::marshal(st, None))
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn detects_git_and_http_contexts() {
    let git = MainContext::detect("git://127.0.0.1:9418/repo.git#main:sub", false);
    assert!(matches!(git, Some(MainContext::Git { .. })));
    let https_git = MainContext::detect("https://example.com/repo.git#v1", true);
    assert!(matches!(
        https_git,
        Some(MainContext::Git {
            keep_git_dir: true,
            ..
        })
    ));
    assert_eq!(
        MainContext::detect("http://127.0.0.1:8000/ctx.tar.gz", false),
        Some(MainContext::Http {
            url: "http://127.0.0.1:8000/ctx.tar.gz".into(),
            archive: false
        })
    );
    assert_eq!(MainContext::detect("ftp://x/y", false), None);
}

#[test]
fn git_context_is_upstreams_git_source() {
    let ctx = MainContext::detect("git://127.0.0.1:9418/repo.git#main:sub", true).unwrap();
    let ops = ops(&ctx.source().unwrap());
    let src = &ops[0]["op"]["source"];
    assert_eq!(
        src["identifier"],
        json!("git://127.0.0.1:9418/repo.git#main:sub")
    );
    assert_eq!(
        src["attrs"],
        json!({
            "git.authheadersecret": "GIT_AUTH_HEADER",
            "git.authtokensecret": "GIT_AUTH_TOKEN",
            "git.fullurl": "git://127.0.0.1:9418/repo.git",
            "git.keepgitdir": "true",
        })
    );
    assert_eq!(
        ops[0]["metadata"]["description"]["llb.customname"],
        json!("[internal] load git source git://127.0.0.1:9418/repo.git#main:sub")
    );
}

#[test]
fn http_archive_is_unpacked_and_subdir_scoped() {
    let ctx = MainContext::Http {
        url: "http://127.0.0.1:1/c.tgz".into(),
        archive: true,
    };
    let ops = ops(&ctx.state(Some("sub")).unwrap());
    // download, unpack, scope, terminal
    assert_eq!(ops.len(), 4);
    assert_eq!(
        ops[0]["op"]["source"]["attrs"],
        json!({"http.filename": "context"})
    );
    let unpack = &ops[1]["op"]["file"]["actions"][0]["copy"];
    assert_eq!(unpack["src"], json!("/context"));
    assert_eq!(unpack["attemptUnpackDockerCompatibility"], json!(true));
    let scope = &ops[2]["op"]["file"]["actions"][0]["copy"];
    assert_eq!(scope["src"], json!("/sub"));
    assert_eq!(scope["dirCopyContents"], json!(true));
    assert!(ops[2]
        .pointer("/metadata/description/llb.customname")
        .is_none());
}

#[test]
fn archives_are_told_by_their_first_bytes() {
    assert!(is_archive(&[0x1F, 0x8B, 0x08, 0]));
    assert!(is_archive(b"BZh91AY"));
    assert!(!is_archive(b"FROM scratch\n"));
    let mut block = vec![0u8; 512];
    block[..4].copy_from_slice(b"file");
    block[156] = b'0';
    let sum: u64 = block.iter().map(|&b| b as u64).sum::<u64>() + 8 * 32;
    let field = format!("{sum:06o}\0 ");
    block[148..156].copy_from_slice(field.as_bytes());
    assert!(is_archive(&block));
    block[0] = b'g';
    assert!(!is_archive(&block));
    assert!(!is_archive(&[0u8; 512]));
}
