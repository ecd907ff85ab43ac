use super::*;

fn file_op(state: &State) -> (pb::Op, Vec<pb::FileAction>) {
    let op = op_of(state);
    let actions = match &op.op {
        Some(pb::op::Op::File(f)) => f.actions.clone(),
        other => panic!("not file: {other:?}"),
    };
    (op, actions)
}

fn rows(actions: &[pb::FileAction]) -> Vec<(i64, i64, i64)> {
    actions
        .iter()
        .map(|a| (a.input, a.secondary_input, a.output))
        .collect()
}

#[test]
fn chained_actions_use_go_indices() {
    let base = image("alpine:latest");
    let ctx = local("context");
    let other = image("busybox:latest");
    let actions = FileActions::new()
        .mkdir(MkdirInfo {
            path: "/app".into(),
            mode: 0o755,
            make_parents: true,
            ..MkdirInfo::default()
        })
        .copy(
            &ctx,
            CopyInfo {
                src: "src/".into(),
                dest: "/app/".into(),
                ..CopyInfo::default()
            },
        )
        .copy(
            &other,
            CopyInfo {
                src: "/bin/busybox".into(),
                dest: "/bin/".into(),
                ..CopyInfo::default()
            },
        )
        .copy(
            &ctx,
            CopyInfo {
                src: "/README".into(),
                dest: "/app/README".into(),
                ..CopyInfo::default()
            },
        )
        .rm(RmInfo {
            path: "/app/tmp".into(),
            allow_not_found: true,
            ..RmInfo::default()
        });
    assert_eq!(actions.len(), 5);
    let st = base.file(actions, OpMeta::default());
    let (op, acts) = file_op(&st);
    assert!(op.platform.is_none(), "file ops carry no platform in Go");
    let digests: Vec<&str> = op.inputs.iter().map(|i| i.digest.as_str()).collect();
    assert_eq!(
        digests,
        [
            base.digest().unwrap(),
            ctx.digest().unwrap(),
            other.digest().unwrap()
        ]
    );
    // 3 inputs: action i>0 reads 3 + (i-1).
    assert_eq!(
        rows(&acts),
        [(0, -1, -1), (3, 1, -1), (4, 2, -1), (5, 1, -1), (6, -1, 0)]
    );
    let Some(pb::file_action::Action::Copy(c)) = &acts[1].action else {
        panic!("copy")
    };
    assert_eq!((c.src.as_str(), c.dest.as_str()), ("/src", "/app/"));
    assert_eq!((c.mode, c.timestamp), (-1, -1));
    let def = marshal(&st, None);
    assert_eq!(caps_of(&def, &st), ["file.base"]);
    assert_eq!(st.platform(), base.platform());
}

#[test]
fn scratch_base_and_single_copy() {
    let ctx = local("context");
    let st = State::scratch().file(
        FileActions::new().copy(
            &ctx,
            CopyInfo {
                src: "/".into(),
                dest: "/out/.".into(),
                mode: Some(0o644),
                timestamp: Some(0),
                ..CopyInfo::default()
            },
        ),
        OpMeta::default(),
    );
    let (op, acts) = file_op(&st);
    assert_eq!(op.inputs.len(), 1);
    assert_eq!(rows(&acts), [(-1, 0, 0)]);
    let Some(pb::file_action::Action::Copy(c)) = &acts[0].action else {
        panic!("copy")
    };
    assert_eq!((c.dest.as_str(), c.mode, c.timestamp), ("/out/.", 0o644, 0));

    let empty = image("alpine:latest");
    assert_eq!(
        empty.file(FileActions::new(), OpMeta::default()).digest(),
        empty.digest()
    );
}

#[test]
fn copy_from_self_dedups_the_input() {
    let base = image("alpine:latest");
    let st = base.file(
        FileActions::new().copy(
            &base,
            CopyInfo {
                src: "/etc/hosts".into(),
                dest: "/hosts".into(),
                ..CopyInfo::default()
            },
        ),
        OpMeta::default(),
    );
    let (op, acts) = file_op(&st);
    assert_eq!(op.inputs.len(), 1);
    assert_eq!(rows(&acts), [(0, 0, 0)]);
}

#[test]
fn mkfile_data_modes_and_named_owner() {
    let base = image("alpine:latest");
    let owner = chown_by_name("app", Some("1000"), &base);
    let st = base.file(
        FileActions::new().mkfile(MkfileInfo {
            path: "etc/motd".into(),
            mode: 0o100644,
            data: b"hi\n".to_vec(),
            owner: Some(owner),
            timestamp: None,
        }),
        OpMeta::default(),
    );
    let (_, acts) = file_op(&st);
    let Some(pb::file_action::Action::Mkfile(m)) = &acts[0].action else {
        panic!("mkfile")
    };
    assert_eq!(
        (m.path.as_str(), m.mode, m.timestamp),
        ("/etc/motd", 0o644, -1)
    );
    let owner = m.owner.as_ref().unwrap();
    let Some(pb::user_opt::User::ByName(u)) = &owner.user.as_ref().unwrap().user else {
        panic!("by name")
    };
    assert_eq!((u.name.as_str(), u.input), ("app", 0));
    assert_eq!(
        owner.group.as_ref().unwrap().user,
        Some(pb::user_opt::User::ById(1000))
    );

    let root = chown_by_name("root", None, &State::scratch());
    assert_eq!(root.user.unwrap().user, Some(pb::user_opt::User::ById(0)));
    let named = chown_by_name("www", None, &State::scratch());
    let Some(pb::user_opt::User::ByName(u)) = named.user.unwrap().user else {
        panic!("by name")
    };
    assert_eq!(u.input, -1);
}

#[test]
fn empty_user_or_group_is_id_zero_like_go() {
    let group_only = chown_by_name("", Some("2000"), &State::scratch());
    assert_eq!(
        group_only.user.unwrap().user,
        Some(pb::user_opt::User::ById(0))
    );
    assert_eq!(
        group_only.group.unwrap().user,
        Some(pb::user_opt::User::ById(2000))
    );
    let user_only = chown_by_name("1000", Some(""), &State::scratch());
    assert_eq!(
        user_only.group.unwrap().user,
        Some(pb::user_opt::User::ById(0))
    );
}

#[test]
fn symbolic_mode_records_no_cap_like_go() {
    let ctx = local("context");
    let actions = FileActions::new().copy(
        &ctx,
        CopyInfo {
            src: "a".into(),
            dest: "/a".into(),
            mode_str: Some("go-w".into()),
            ..CopyInfo::default()
        },
    );
    let st = State::scratch().file(actions, OpMeta::default());
    // `file.copy.modestring` would make every BuildKit refuse the op (it never registers it).
    assert_eq!(caps_of(&marshal(&st, None), &st), ["file.base"]);
}
