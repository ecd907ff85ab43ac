use serde_json::json;

use super::*;

#[test]
fn dump_of_image_is_readable_and_stable() {
    let st = image("alpine:latest");
    let def = marshal(&st, None);
    let dump = dump_json(&def);
    let d0 = st.digest().unwrap();
    assert_eq!(
        dump[0],
        json!({
            "digest": d0,
            "op": {
                "source": { "identifier": "docker-image://docker.io/library/alpine:latest" },
                "platform": { "Architecture": "amd64", "OS": "linux" }
            },
            "inputs": [],
            "metadata": { "caps": { "source.image": true } }
        })
    );
    assert_eq!(dump[1]["op"], json!({}));
    assert_eq!(dump[1]["inputs"], json!([format!("{d0}:0")]));
    assert_eq!(
        dump[1]["metadata"]["caps"],
        json!({ "constraints": true, "platform": true })
    );
    assert_eq!(
        serde_json::to_string(&dump).unwrap(),
        serde_json::to_string(&dump_json(&marshal(&st, None))).unwrap()
    );
}

#[test]
fn dump_shows_enums_by_name_data_as_text_or_hex_and_locations() {
    let base = image("alpine:latest");
    let files = base.file(
        FileActions::new()
            .mkfile(MkfileInfo {
                path: "/a".into(),
                mode: 0o644,
                data: b"hello".to_vec(),
                ..MkfileInfo::default()
            })
            .mkfile(MkfileInfo {
                path: "/b".into(),
                mode: 0o600,
                data: vec![0xff, 0x00],
                ..MkfileInfo::default()
            }),
        OpMeta {
            custom_name: Some("[2/2] COPY <<EOF /a".into()),
            locations: vec![pb::Range {
                start: Some(pb::Position {
                    line: 2,
                    character: 0,
                }),
                end: Some(pb::Position {
                    line: 2,
                    character: 0,
                }),
            }],
            ..OpMeta::default()
        },
    );
    let mut exec = sh("true");
    exec.network = pb::NetMode::Host;
    exec.mounts = vec![Mount {
        dest: "/cache".into(),
        source: State::scratch(),
        selector: String::new(),
        readonly: false,
        kind: MountKind::Cache {
            id: "c".into(),
            sharing: pb::CacheSharingOpt::Private,
        },
    }];
    let st = files.run(exec).root;
    let info = pb::SourceInfo {
        filename: "Dockerfile".into(),
        language: "Dockerfile".into(),
        ..pb::SourceInfo::default()
    };
    let dump = dump_json(&marshal(&st, Some(info)));
    let file = &dump[1];
    let actions = &file["op"]["file"]["actions"];
    assert_eq!(actions[0]["mkfile"]["data"], json!("hello"));
    assert_eq!(actions[0]["mkfile"]["mode"], json!("0o644"));
    assert_eq!(actions[1]["mkfile"]["data"], json!({ "hex": "ff00" }));
    assert_eq!(
        (
            &actions[1]["input"],
            &actions[1]["secondaryInput"],
            &actions[1]["output"]
        ),
        (&json!(1), &json!(-1), &json!(0))
    );
    assert_eq!(
        file["metadata"]["description"]["llb.customname"],
        json!("[2/2] COPY <<EOF /a")
    );
    assert_eq!(
        file["locations"],
        json!([{ "sourceIndex": 0, "ranges": [
            { "start": { "line": 2, "character": 0 }, "end": { "line": 2, "character": 0 } }
        ] }])
    );
    let exec = &dump[2]["op"]["exec"];
    assert_eq!(exec["network"], json!("HOST"));
    assert_eq!(exec["mounts"][1]["mountType"], json!("CACHE"));
    assert_eq!(
        exec["mounts"][1]["cacheOpt"],
        json!({ "ID": "c", "sharing": "PRIVATE" })
    );
    assert_eq!(exec["mounts"][0]["input"], json!(0));
    assert_eq!(exec["meta"]["removeMountStubsRecursive"], json!(true));
    assert!(dump[2].get("locations").is_none());
}

#[test]
fn dump_reports_undecodable_ops() {
    let def = pb::Definition {
        def: vec![vec![0xff]],
        ..pb::Definition::default()
    };
    let dump = dump_json(&def);
    assert!(dump[0]["error"]
        .as_str()
        .unwrap()
        .starts_with("op does not decode"));
}
