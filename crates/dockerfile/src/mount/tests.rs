//! Tests for `--mount` parsing: each key, the defaults and every error.

use super::{parse_mount, MountSpec, MountType, Sharing};

fn no_vars(s: &str) -> Result<String, String> {
    Ok(s.to_string())
}

fn ok(raw: &str) -> MountSpec {
    parse_mount(raw, &no_vars).unwrap_or_else(|e| panic!("{raw}: {e}"))
}

fn fail(raw: &str) -> String {
    parse_mount(raw, &no_vars).expect_err(raw)
}

#[test]
fn bind_defaults() {
    let m = ok("target=/src");
    assert_eq!(m.kind, MountType::Bind);
    assert_eq!(m.target, "/src");
    assert!(m.readonly);
    assert_eq!((m.source, m.from, m.id), (None, None, None));
    assert_eq!(m.sharing, Sharing::Shared);
    let m = ok("type=bind,src=a,dst=/b,from=builder,rw");
    assert_eq!(m.source.as_deref(), Some("a"));
    assert_eq!(m.target, "/b");
    assert_eq!(m.from.as_deref(), Some("builder"));
    assert!(!m.readonly);
    assert_eq!(ok("destination=/d,source=s").target, "/d");
}

#[test]
fn readonly_flags() {
    assert!(ok("type=cache,target=/c,ro").readonly);
    assert!(ok("type=cache,target=/c,readonly=true").readonly);
    assert!(!ok("target=/c,readwrite").readonly);
    assert!(!ok("target=/c,rw=1").readonly);
    assert!(ok("target=/c,rw=false").readonly);
    assert!(!ok("target=/c,ro=F").readonly);
    assert!(!ok("type=tmpfs,target=/t").readonly);
    assert_eq!(fail("target=/c,ro=yes"), "invalid value for ro: yes");
    assert_eq!(
        fail("target=/c,readwrite=2"),
        "invalid value for readwrite: 2"
    );
}

#[test]
fn cache_options() {
    let m = ok("type=cache,target=/root/.cache//x/,sharing=locked,mode=0700,uid=1000,gid=1001");
    assert_eq!(m.kind, MountType::Cache);
    assert!(!m.readonly);
    assert_eq!(m.sharing, Sharing::Locked);
    assert_eq!(
        (m.mode, m.uid, m.gid),
        (Some(0o700), Some(1000), Some(1001))
    );
    assert_eq!(m.id.as_deref(), Some("/root/.cache/x"));
    assert_eq!(
        ok("type=cache,target=/c,id=mine").id.as_deref(),
        Some("mine")
    );
    assert_eq!(
        ok("type=CACHE,target=/c,sharing=Private").sharing,
        Sharing::Private
    );
    assert_eq!(
        fail("type=cache,target=/c,mode=0800"),
        "invalid value 0800 for mode"
    );
    assert_eq!(
        fail("type=cache,target=/c,uid=-1"),
        "invalid value -1 for uid"
    );
    assert_eq!(
        fail("type=cache,target=/c,gid=x"),
        "invalid value x for gid"
    );
    assert_eq!(
        fail("type=cache,target=/c,sharing=shard"),
        "unsupported sharing value \"shard\" (did you mean shared?)"
    );
    assert_eq!(
        fail("type=cache,sharing=nope"),
        "unsupported sharing value \"nope\""
    );
}

#[test]
fn tmpfs_size() {
    assert_eq!(ok("type=tmpfs,target=/t,size=10m").size, Some(10 << 20));
    assert_eq!(ok("type=tmpfs,target=/t,size=512").size, Some(512));
    assert_eq!(
        fail("type=tmpfs,target=/t,size=ten"),
        "invalid value for size: ten"
    );
    assert_eq!(
        fail("target=/t,size=1"),
        "unexpected key 'size' for mount type 'bind'"
    );
    assert_eq!(
        fail("type=tmpfs,target=/t,mode=0700"),
        "mode not allowed for \"tmpfs\" type mounts"
    );
    assert_eq!(
        fail("target=/t,uid=1"),
        "uid not allowed for \"bind\" type mounts"
    );
    assert_eq!(
        fail("target=/t,gid=1"),
        "gid not allowed for \"bind\" type mounts"
    );
}

#[test]
fn secret_defaults_and_errors() {
    let m = ok("type=secret,id=aws");
    assert_eq!(m.id.as_deref(), Some("aws"));
    assert_eq!(m.target, "/run/secrets/aws");
    assert!(m.readonly);
    assert!(!m.required);
    let m = ok("type=secret,src=tok,required");
    assert_eq!(m.id.as_deref(), Some("tok"));
    assert_eq!(m.source.as_deref(), Some("tok"));
    assert!(m.required);
    let m = ok("type=secret,target=/etc/creds.json,required=false");
    assert_eq!(m.id.as_deref(), Some("creds.json"));
    assert_eq!(m.target, "/etc/creds.json");
    let m = ok("type=secret,id=key,env=API_KEY");
    assert_eq!(m.env.as_deref(), Some("API_KEY"));
    assert_eq!(m.target, "");
    assert_eq!(
        fail("type=secret"),
        "invalid secret mount. one of source, target required"
    );
    assert_eq!(
        fail("type=secret,id=a,src=b"),
        "both source and id can't be set"
    );
    assert_eq!(
        fail("type=secret,id=a,from=x"),
        "secret mount should not have a from"
    );
    assert_eq!(
        fail("type=secret,id=a,sharing=shared"),
        "secret mount should not define sharing"
    );
    assert_eq!(
        fail("type=secret,id=a,required=maybe"),
        "invalid value for required: maybe"
    );
    // `required` is checked against the type seen so far.
    assert_eq!(
        fail("required,type=secret,id=a"),
        "unexpected key 'required' for mount type 'bind'"
    );
    assert_eq!(
        fail("required=true"),
        "unexpected key 'required' for mount type 'bind'"
    );
}

#[test]
fn ssh_defaults() {
    let m = ok("type=ssh");
    assert_eq!(m.id.as_deref(), Some("default"));
    assert_eq!(m.target, "");
    assert!(m.readonly);
    let m = ok("type=ssh,id=gh,target=/s,mode=0666,required");
    assert_eq!(m.id.as_deref(), Some("gh"));
    assert_eq!(m.mode, Some(0o666));
    assert!(m.required);
    assert_eq!(
        fail("type=ssh,sharing=locked"),
        "invalid cache sharing set for ssh mount"
    );
}

#[test]
fn key_and_type_errors() {
    assert_eq!(
        fail("type=bnd,target=/x"),
        "unsupported mount type \"bnd\" (did you mean bind?)"
    );
    assert_eq!(fail("type=volume"), "unsupported mount type \"volume\"");
    assert_eq!(
        fail("target=/x,tagret=/y"),
        "unexpected key 'tagret' in 'tagret=/y' (did you mean target?)"
    );
    assert_eq!(
        fail("target=/x,color=red"),
        "unexpected key 'color' in 'color=red'"
    );
    assert_eq!(
        fail("target=/x,foo"),
        "invalid field 'foo' must be a key=value pair"
    );
    assert_eq!(
        fail("target=/x,"),
        "invalid field '' must be a key=value pair"
    );
    assert_eq!(fail(""), "failed to parse csv mounts: EOF");
    assert_eq!(
        fail("target=/x\"y"),
        "failed to parse csv mounts: parse error on line 1, column 10: bare \" in non-quoted-field"
    );
}

#[test]
fn csv_quoting_and_case() {
    let m = ok("\"target=/a,b\",TYPE=Cache,Sharing=LOCKED");
    assert_eq!(m.target, "/a,b");
    assert_eq!(m.kind, MountType::Cache);
    assert_eq!(m.sharing, Sharing::Locked);
}

#[test]
fn values_are_expanded() {
    let expand = |s: &str| -> Result<String, String> {
        if s.contains("$BAD") {
            return Err("failed to process \"$BAD\"".to_string());
        }
        Ok(s.replace("$DIR", "/cache"))
    };
    let m = parse_mount("type=cache,target=$DIR", &expand).unwrap();
    assert_eq!(m.target, "/cache");
    assert_eq!(
        parse_mount("target=$BAD", &expand).unwrap_err(),
        "failed to process \"$BAD\""
    );
    // `from` may not use variables; checked before anything is expanded.
    assert_eq!(
        parse_mount("target=$BAD,from=$STAGE", &expand).unwrap_err(),
        "'from' doesn't support variable expansion, define alias stage instead"
    );
    assert_eq!(
        parse_mount("from=a$", &expand).unwrap().from.as_deref(),
        Some("a$")
    );
}
