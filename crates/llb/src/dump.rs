//! `buildctl debug dump-llb`-like JSON of a Definition, for humans and golden files.
//!
//! Field names are the proto's, in field-number order; scalars equal to their
//! proto3 default are left out except op/mount/action input and output indices
//! (0 and -1 both matter there); enums are shown by name; maps are sorted; file
//! data is a string when it is UTF-8, else `{"hex": "…"}`.

use prost::Message;
use serde_json::{json, Map, Value};

use super::{digest, pb};

/// One object per op in def order: `digest`, `op` (without its inputs), `inputs`
/// as `"sha256:…:N"`, `metadata` and `locations` when present. An op that does
/// not decode is shown as `{"digest", "error"}`.
pub fn dump_json(def: &pb::Definition) -> Value {
    let ops = def
        .def
        .iter()
        .map(|bytes| {
            let dgst = digest(bytes);
            let mut obj = Map::new();
            obj.insert("digest".into(), json!(dgst));
            match pb::Op::decode(bytes.as_slice()) {
                Ok(op) => {
                    obj.insert("op".into(), op_json(&op));
                    let inputs: Vec<String> = op
                        .inputs
                        .iter()
                        .map(|i| format!("{}:{}", i.digest, i.index))
                        .collect();
                    obj.insert("inputs".into(), json!(inputs));
                }
                Err(e) => {
                    obj.insert("error".into(), json!(format!("op does not decode: {e}")));
                }
            }
            if let Some(md) = def.metadata.get(&dgst).map(metadata_json) {
                if !md.is_empty() {
                    obj.insert("metadata".into(), Value::Object(md));
                }
            }
            let locs = def.source.as_ref().and_then(|s| s.locations.get(&dgst));
            if let Some(locs) = locs.filter(|l| !l.locations.is_empty()) {
                let list: Vec<Value> = locs.locations.iter().map(location_json).collect();
                obj.insert("locations".into(), json!(list));
            }
            Value::Object(obj)
        })
        .collect();
    Value::Array(ops)
}

/// Builds an object, skipping `None` values.
fn obj<const N: usize>(fields: [(&str, Option<Value>); N]) -> Value {
    let map: Map<String, Value> = fields
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k.to_string(), v)))
        .collect();
    Value::Object(map)
}

fn s(v: &str) -> Option<Value> {
    (!v.is_empty()).then(|| json!(v))
}
fn b(v: bool) -> Option<Value> {
    v.then_some(json!(true))
}
fn n<T: Into<i64> + Copy>(v: T) -> Option<Value> {
    let x: i64 = v.into();
    (x != 0).then(|| json!(x))
}
fn always(v: i64) -> Option<Value> {
    Some(json!(v))
}
fn strs(v: &[String]) -> Option<Value> {
    (!v.is_empty()).then(|| json!(v))
}
fn list<T>(v: &[T], f: fn(&T) -> Value) -> Option<Value> {
    (!v.is_empty()).then(|| Value::Array(v.iter().map(f).collect()))
}

fn op_json(op: &pb::Op) -> Value {
    use pb::op::Op as O;
    let body = op.op.as_ref().map(|o| match o {
        O::Exec(e) => ("exec", exec_json(e)),
        O::Source(src) => ("source", source_json(src)),
        O::File(f) => ("file", obj([("actions", list(&f.actions, action_json))])),
        O::Merge(m) => {
            let inputs = m.inputs.iter().map(|i| obj([("input", always(i.input))]));
            ("merge", json!({ "inputs": inputs.collect::<Vec<_>>() }))
        }
        O::Diff(d) => (
            "diff",
            obj([
                ("lower", d.lower.map(|l| obj([("input", always(l.input))]))),
                ("upper", d.upper.map(|u| obj([("input", always(u.input))]))),
            ]),
        ),
    });
    let mut map = Map::new();
    if let Some((k, v)) = body {
        map.insert(k.into(), v);
    }
    if let Some(p) = &op.platform {
        map.insert("platform".into(), platform_json(p));
    }
    if let Some(c) = op.constraints.as_ref().filter(|c| !c.filter.is_empty()) {
        map.insert("constraints".into(), json!({ "filter": c.filter }));
    }
    Value::Object(map)
}

fn platform_json(p: &pb::Platform) -> Value {
    obj([
        ("Architecture", s(&p.architecture)),
        ("OS", s(&p.os)),
        ("Variant", s(&p.variant)),
        ("OSVersion", s(&p.os_version)),
    ])
}

fn source_json(src: &pb::SourceOp) -> Value {
    obj([
        ("identifier", s(&src.identifier)),
        ("attrs", (!src.attrs.is_empty()).then(|| json!(src.attrs))),
    ])
}

fn exec_json(e: &pb::ExecOp) -> Value {
    let network = pb::NetMode::try_from(e.network).map(|m| m.as_str_name());
    let security = pb::SecurityMode::try_from(e.security).map(|m| m.as_str_name());
    obj([
        ("meta", e.meta.as_ref().map(meta_json)),
        ("mounts", list(&e.mounts, mount_json)),
        (
            "network",
            (e.network != 0).then(|| enum_json(network, e.network)),
        ),
        (
            "security",
            (e.security != 0).then(|| enum_json(security, e.security)),
        ),
        (
            "secretenv",
            list(&e.secretenv, |x| {
                obj([
                    ("ID", s(&x.id)),
                    ("name", s(&x.name)),
                    ("optional", b(x.optional)),
                ])
            }),
        ),
    ])
}

fn enum_json(name: Result<&str, prost::UnknownEnumValue>, raw: i32) -> Value {
    name.map(|n| json!(n)).unwrap_or_else(|_| json!(raw))
}

fn meta_json(m: &pb::Meta) -> Value {
    obj([
        ("args", strs(&m.args)),
        ("env", strs(&m.env)),
        ("cwd", s(&m.cwd)),
        ("user", s(&m.user)),
        (
            "proxy_env",
            m.proxy_env.as_ref().map(|p| {
                obj([
                    ("http_proxy", s(&p.http_proxy)),
                    ("https_proxy", s(&p.https_proxy)),
                    ("ftp_proxy", s(&p.ftp_proxy)),
                    ("no_proxy", s(&p.no_proxy)),
                    ("all_proxy", s(&p.all_proxy)),
                ])
            }),
        ),
        (
            "extraHosts",
            list(&m.extra_hosts, |h| {
                obj([("Host", s(&h.host)), ("IP", s(&h.ip))])
            }),
        ),
        ("hostname", s(&m.hostname)),
        (
            "ulimit",
            list(&m.ulimit, |u| {
                obj([
                    ("Name", s(&u.name)),
                    ("Soft", n(u.soft)),
                    ("Hard", n(u.hard)),
                ])
            }),
        ),
        ("cgroupParent", s(&m.cgroup_parent)),
        (
            "removeMountStubsRecursive",
            b(m.remove_mount_stubs_recursive),
        ),
    ])
}

fn mount_json(m: &pb::Mount) -> Value {
    let kind = pb::MountType::try_from(m.mount_type).map(|t| t.as_str_name());
    let sharing = |c: &pb::CacheOpt| {
        let name = pb::CacheSharingOpt::try_from(c.sharing).map(|t| t.as_str_name());
        enum_json(name, c.sharing)
    };
    let secret = |o: &pb::SecretOpt| {
        obj([
            ("ID", s(&o.id)),
            ("uid", n(o.uid)),
            ("gid", n(o.gid)),
            ("mode", n(o.mode)),
            ("optional", b(o.optional)),
        ])
    };
    let ssh = |o: &pb::SshOpt| {
        obj([
            ("ID", s(&o.id)),
            ("uid", n(o.uid)),
            ("gid", n(o.gid)),
            ("mode", n(o.mode)),
            ("optional", b(o.optional)),
        ])
    };
    let content_cache = (m.content_cache != 0).then(|| {
        let name = pb::MountContentCache::try_from(m.content_cache).map(|t| t.as_str_name());
        enum_json(name, m.content_cache)
    });
    obj([
        ("input", always(m.input)),
        ("selector", s(&m.selector)),
        ("dest", s(&m.dest)),
        ("output", always(m.output)),
        ("readonly", b(m.readonly)),
        ("mountType", Some(enum_json(kind, m.mount_type))),
        ("TmpfsOpt", m.tmpfs_opt.map(|t| obj([("size", n(t.size))]))),
        (
            "cacheOpt",
            m.cache_opt
                .as_ref()
                .map(|c| obj([("ID", s(&c.id)), ("sharing", Some(sharing(c)))])),
        ),
        ("secretOpt", m.secret_opt.as_ref().map(secret)),
        ("SSHOpt", m.ssh_opt.as_ref().map(ssh)),
        ("resultID", s(&m.result_id)),
        ("contentCache", content_cache),
    ])
}

fn action_json(a: &pb::FileAction) -> Value {
    use pb::file_action::Action as A;
    let (name, body) = match &a.action {
        Some(A::Copy(c)) => ("copy", copy_json(c)),
        Some(A::Mkfile(m)) => (
            "mkfile",
            obj([
                ("path", s(&m.path)),
                ("mode", Some(json!(format!("{:#o}", m.mode)))),
                ("data", Some(data_json(&m.data))),
                ("owner", m.owner.as_ref().map(chown_json)),
                ("timestamp", always(m.timestamp)),
            ]),
        ),
        Some(A::Mkdir(m)) => (
            "mkdir",
            obj([
                ("path", s(&m.path)),
                ("mode", Some(json!(format!("{:#o}", m.mode)))),
                ("makeParents", b(m.make_parents)),
                ("owner", m.owner.as_ref().map(chown_json)),
                ("timestamp", always(m.timestamp)),
            ]),
        ),
        Some(A::Rm(r)) => (
            "rm",
            obj([
                ("path", s(&r.path)),
                ("allowNotFound", b(r.allow_not_found)),
                ("allowWildcard", b(r.allow_wildcard)),
            ]),
        ),
        None => ("none", json!({})),
    };
    obj([
        ("input", always(a.input)),
        ("secondaryInput", always(a.secondary_input)),
        ("output", always(a.output)),
        (name, Some(body)),
    ])
}

fn copy_json(c: &pb::FileActionCopy) -> Value {
    let mode = if c.mode < 0 {
        json!(c.mode)
    } else {
        json!(format!("{:#o}", c.mode))
    };
    obj([
        ("src", s(&c.src)),
        ("dest", s(&c.dest)),
        ("owner", c.owner.as_ref().map(chown_json)),
        ("mode", Some(mode)),
        ("followSymlink", b(c.follow_symlink)),
        ("dirCopyContents", b(c.dir_copy_contents)),
        (
            "attemptUnpackDockerCompatibility",
            b(c.attempt_unpack_docker_compatibility),
        ),
        ("createDestPath", b(c.create_dest_path)),
        ("allowWildcard", b(c.allow_wildcard)),
        ("allowEmptyWildcard", b(c.allow_empty_wildcard)),
        ("timestamp", always(c.timestamp)),
        ("include_patterns", strs(&c.include_patterns)),
        ("exclude_patterns", strs(&c.exclude_patterns)),
        (
            "alwaysReplaceExistingDestPaths",
            b(c.always_replace_existing_dest_paths),
        ),
        ("modeStr", s(&c.mode_str)),
    ])
}

fn chown_json(c: &pb::ChownOpt) -> Value {
    let user = |u: &pb::UserOpt| match &u.user {
        Some(pb::user_opt::User::ByName(n)) => {
            json!({ "byName": { "name": n.name, "input": n.input } })
        }
        Some(pb::user_opt::User::ById(id)) => json!({ "byID": id }),
        None => json!({}),
    };
    obj([
        ("user", c.user.as_ref().map(user)),
        ("group", c.group.as_ref().map(user)),
    ])
}

fn data_json(data: &[u8]) -> Value {
    match std::str::from_utf8(data) {
        Ok(text) => json!(text),
        Err(_) => json!({ "hex": hex::encode(data) }),
    }
}

fn metadata_json(md: &pb::OpMetadata) -> Map<String, Value> {
    let mut map = Map::new();
    if !md.description.is_empty() {
        map.insert("description".into(), json!(md.description));
    }
    if !md.caps.is_empty() {
        map.insert("caps".into(), json!(md.caps));
    }
    if md.ignore_cache {
        map.insert("ignore_cache".into(), json!(true));
    }
    if let Some(e) = md.export_cache {
        map.insert("export_cache".into(), json!(e.value));
    }
    if let Some(pg) = &md.progress_group {
        let v = obj([
            ("id", s(&pg.id)),
            ("name", s(&pg.name)),
            ("weak", b(pg.weak)),
        ]);
        map.insert("progress_group".into(), v);
    }
    map
}

fn location_json(loc: &pb::Location) -> Value {
    let pos = |p: Option<pb::Position>| {
        let p = p.unwrap_or_default();
        json!({ "line": p.line, "character": p.character })
    };
    let ranges: Vec<Value> = loc
        .ranges
        .iter()
        .map(|r| json!({ "start": pos(r.start), "end": pos(r.end) }))
        .collect();
    json!({ "sourceIndex": loc.source_index, "ranges": ranges })
}
