use super::*;

/// `llb.Image("docker.io/library/alpine:latest")` marshalled by Go for linux/amd64,
/// worked out from the proto field rules: `Op{source=3{identifier=1},
/// platform=10{Architecture=1, OS=2}, constraints=11{}}`.
fn go_alpine_bytes() -> Vec<u8> {
    let id = b"docker-image://docker.io/library/alpine:latest";
    assert_eq!(id.len(), 0x2e);
    let mut want = vec![0x1a, 0x30, 0x0a, 0x2e];
    want.extend_from_slice(id);
    want.extend_from_slice(&[0x52, 0x0e, 0x0a, 0x05]);
    want.extend_from_slice(b"amd64");
    want.extend_from_slice(&[0x12, 0x05]);
    want.extend_from_slice(b"linux");
    want.extend_from_slice(&[0x5a, 0x00]);
    want
}

#[test]
fn alpine_image_bytes_equal_go() {
    let st = image("alpine:latest");
    let def = marshal(&st, None);
    assert_eq!(def.def[0], go_alpine_bytes());
    assert_eq!(st.digest(), Some(digest(&go_alpine_bytes()).as_str()));
    // The same digest appears for this image in public `buildctl debug dump-llb --dot`
    // graphs produced by Go's Dockerfile frontend.
    assert_eq!(
        st.digest(),
        Some("sha256:665ba8b2cdc0cb0200e2a42a6b3c0f8f684089f4cd1b81494fbb9805879120f7")
    );
}

#[test]
fn image_without_platform_uses_default() {
    let st = State::source(
        "docker-image://docker.io/library/alpine:latest",
        BTreeMap::new(),
        None,
        OpMeta::default(),
    );
    assert_eq!(marshal(&st, None).def[0], go_alpine_bytes());
    assert!(st.platform().is_none());
}

#[test]
fn non_image_sources_have_no_platform() {
    let st = State::source(
        "local://context",
        BTreeMap::new(),
        Some(linux_amd64()),
        OpMeta::default(),
    );
    assert!(op_of(&st).platform.is_none());
    assert_eq!(
        st.platform(),
        Some(&linux_amd64()),
        "state keeps it for later ops"
    );
    let git = State::source(
        "git://github.com/x/y#main",
        BTreeMap::new(),
        None,
        OpMeta::default(),
    );
    assert!(op_of(&git).platform.is_none());
}

#[test]
fn source_attrs_are_sorted_and_caps_follow_go() {
    let attrs = BTreeMap::from([
        ("local.sharedkeyhint".to_string(), "context".to_string()),
        ("local.session".to_string(), "sid".to_string()),
        (
            "local.excludepatterns".to_string(),
            "[\"*.md\"]".to_string(),
        ),
    ]);
    let st = State::source(
        "local://context",
        attrs,
        None,
        OpMeta::named("load build context"),
    );
    let def = marshal(&st, None);
    assert_eq!(
        caps_of(&def, &st),
        [
            "source.local",
            "source.local.excludepatterns",
            "source.local.sessionid",
            "source.local.sharedkeyhint"
        ]
    );
    let md = &def.metadata[st.digest().unwrap()];
    assert_eq!(md.description["llb.customname"], "load build context");
    let pb::op::Op::Source(src) = op_of(&st).op.unwrap() else {
        panic!("source")
    };
    let keys: Vec<&String> = src.attrs.keys().collect();
    assert_eq!(
        keys,
        [
            "local.excludepatterns",
            "local.session",
            "local.sharedkeyhint"
        ]
    );

    let http = State::source(
        "https://example.com/a.tar",
        BTreeMap::from([("http.checksum".to_string(), "sha256:00".to_string())]),
        None,
        OpMeta::default(),
    );
    let def = marshal(&http, None);
    assert_eq!(
        caps_of(&def, &http),
        ["source.http", "source.http.checksum"]
    );
    assert_eq!(
        caps_of(&marshal(&image("a"), None), &image("a")),
        ["source.image"]
    );
}

#[test]
fn metadata_does_not_change_the_digest() {
    let a = image("alpine:latest");
    let b = State::source(
        "docker-image://docker.io/library/alpine:latest",
        BTreeMap::new(),
        Some(linux_amd64()),
        OpMeta {
            custom_name: Some("[internal] load".into()),
            ignore_cache: true,
            ..OpMeta::default()
        },
    );
    assert_eq!(a.digest(), b.digest());
}
