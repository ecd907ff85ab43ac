use super::*;

fn ops(def: &pb::Definition) -> Vec<pb::Op> {
    def.def
        .iter()
        .map(|b| pb::Op::decode(b.as_slice()).unwrap())
        .collect()
}

fn range(line: i32) -> pb::Range {
    pb::Range {
        start: Some(pb::Position { line, character: 0 }),
        end: Some(pb::Position { line, character: 0 }),
    }
}

/// FROM alpine; COPY --from=busybox; RUN: the graph a small Dockerfile makes.
fn sample() -> State {
    let base = State::source(
        "docker-image://docker.io/library/alpine:latest",
        BTreeMap::new(),
        Some(linux_amd64()),
        OpMeta {
            custom_name: Some("[internal] load metadata".into()),
            locations: vec![range(1)],
            ..OpMeta::default()
        },
    );
    // Built twice independently: must be deduplicated by digest.
    let busybox_a = image("busybox:latest");
    let busybox_b = image("busybox:latest");
    let copied = base.file(
        FileActions::new()
            .copy(
                &busybox_a,
                CopyInfo {
                    src: "/bin/busybox".into(),
                    dest: "/bb".into(),
                    ..CopyInfo::default()
                },
            )
            .copy(
                &busybox_b,
                CopyInfo {
                    src: "/bin/sh".into(),
                    dest: "/sh".into(),
                    ..CopyInfo::default()
                },
            ),
        OpMeta {
            locations: vec![range(2), range(3)],
            ..OpMeta::default()
        },
    );
    let mut exec = sh("true");
    exec.op_meta = OpMeta {
        ignore_cache: true,
        ..OpMeta::default()
    };
    copied.run(exec).root
}

#[test]
fn def_is_post_order_deduplicated_with_terminal() {
    let st = sample();
    let def = marshal(&st, None);
    let ops = ops(&def);
    assert_eq!(ops.len(), 5, "alpine, busybox (once), file, exec, terminal");
    let digests: Vec<String> = def.def.iter().map(|b| digest(b)).collect();
    for (i, op) in ops.iter().enumerate() {
        for input in &op.inputs {
            let pos = digests.iter().position(|d| *d == input.digest).unwrap();
            assert!(pos < i, "input of op {i} comes first");
        }
    }
    let unique: std::collections::BTreeSet<&String> = digests.iter().collect();
    assert_eq!(unique.len(), digests.len());
    let terminal = ops.last().unwrap();
    assert_eq!(
        *terminal,
        pb::Op {
            inputs: vec![pb::Input {
                digest: st.digest().unwrap().to_string(),
                index: 0
            }],
            ..pb::Op::default()
        }
    );
    let term_md = &def.metadata[&digests[4]];
    let caps: Vec<&String> = term_md.caps.keys().collect();
    assert_eq!(
        caps,
        [
            "constraints",
            "meta.description",
            "meta.ignorecache",
            "platform"
        ]
    );
    assert!(def.metadata[st.digest().unwrap()].ignore_cache);
    assert_eq!(def.metadata.len(), 5);
}

#[test]
fn marshal_is_deterministic() {
    let info = pb::SourceInfo {
        filename: "Dockerfile".into(),
        data: b"FROM alpine\n".to_vec(),
        definition: None,
        language: "Dockerfile".into(),
    };
    let a = to_bytes(&marshal(&sample(), Some(info.clone())));
    let b = to_bytes(&marshal(&sample(), Some(info)));
    assert_eq!(a, b);
    let back = pb::Definition::decode(a.as_slice()).unwrap();
    assert_eq!(back.def.len(), 5);
}

#[test]
fn source_info_and_locations() {
    let info = pb::SourceInfo {
        filename: "Dockerfile".into(),
        data: b"FROM alpine\n".to_vec(),
        definition: None,
        language: "Dockerfile".into(),
    };
    let st = sample();
    let def = marshal(&st, Some(info.clone()));
    let source = def.source.unwrap();
    assert_eq!(source.infos, [info]);
    assert_eq!(source.locations.len(), 2, "only ops with locations");
    let file_digest = op_of(&st).inputs[0].digest.clone();
    let locs = &source.locations[&file_digest].locations;
    assert_eq!(locs.len(), 1);
    assert_eq!(locs[0].source_index, 0);
    assert_eq!(locs[0].ranges, [range(2), range(3)]);

    let no_info = marshal(&st, None);
    assert_eq!(no_info.source, Some(pb::Source::default()));
}

#[test]
fn scratch_marshals_to_empty_definition() {
    let def = marshal(&State::scratch(), None);
    assert_eq!(def, pb::Definition::default());
    assert!(to_bytes(&def).is_empty());
}

#[test]
fn merge_and_diff_follow_go() {
    let a = image("alpine:latest");
    let b = local("context");
    assert!(State::merge(&[], OpMeta::default()).is_scratch());
    let single = State::merge(&[State::scratch(), a.clone()], OpMeta::default());
    assert_eq!(single.digest(), a.digest());

    let merged = State::merge(
        &[a.clone(), State::scratch(), b.clone(), a.clone()],
        OpMeta::default(),
    );
    let op = op_of(&merged);
    assert!(op.platform.is_none());
    assert_eq!(op.inputs.len(), 3, "Go does not deduplicate merge inputs");
    let Some(pb::op::Op::Merge(m)) = &op.op else {
        panic!("merge")
    };
    let idx: Vec<i64> = m.inputs.iter().map(|i| i.input).collect();
    assert_eq!(idx, [0, 1, 2]);
    assert_eq!(caps_of(&marshal(&merged, None), &merged), ["mergeop"]);
    assert_eq!(merged.platform(), a.platform());

    assert!(State::diff(&State::scratch(), &State::scratch(), OpMeta::default()).is_scratch());
    let up = State::diff(&State::scratch(), &b, OpMeta::default());
    assert_eq!(up.digest(), b.digest());
    let diffed = State::diff(&a, &b, OpMeta::default());
    let op = op_of(&diffed);
    assert!(op.platform.is_none());
    let Some(pb::op::Op::Diff(d)) = &op.op else {
        panic!("diff")
    };
    assert_eq!((d.lower.unwrap().input, d.upper.unwrap().input), (0, 1));
    assert_eq!(caps_of(&marshal(&diffed, None), &diffed), ["diffop"]);
    let lower_only = State::diff(&a, &State::scratch(), OpMeta::default());
    let Some(pb::op::Op::Diff(d)) = op_of(&lower_only).op else {
        panic!("diff")
    };
    assert_eq!((d.lower.unwrap().input, d.upper.unwrap().input), (0, -1));
}

#[test]
fn same_digest_metadata_is_merged() {
    let a = State::source(
        "docker-image://docker.io/library/alpine:latest",
        BTreeMap::new(),
        None,
        OpMeta::named("first"),
    );
    let b = State::source(
        "docker-image://docker.io/library/alpine:latest",
        BTreeMap::new(),
        None,
        OpMeta {
            ignore_cache: true,
            description: BTreeMap::from([("k".to_string(), "v".to_string())]),
            ..OpMeta::default()
        },
    );
    let merged = State::merge(&[a.clone(), b], OpMeta::default());
    let def = marshal(&merged, None);
    assert_eq!(def.def.len(), 3, "alpine once, merge, terminal");
    let md = &def.metadata[a.digest().unwrap()];
    assert!(md.ignore_cache);
    assert_eq!(md.description["llb.customname"], "first");
    assert_eq!(md.description["k"], "v");
}
