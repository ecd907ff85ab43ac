use super::*;

fn bind(dest: &str, source: &State, readonly: bool) -> Mount {
    Mount {
        dest: dest.into(),
        source: source.clone(),
        selector: String::new(),
        readonly,
        kind: MountKind::Bind,
    }
}

#[test]
fn root_exec_has_go_shape() {
    let base = image("alpine:latest");
    let out = base.run(sh("true"));
    let op = op_of(&out.root);
    assert_eq!(out.root.output_index(), Some(0));
    assert_eq!(op.platform, Some(linux_amd64()));
    assert_eq!(op.constraints, Some(pb::WorkerConstraints::default()));
    assert_eq!(op.inputs.len(), 1);
    assert_eq!(op.inputs[0].digest, base.digest().unwrap());
    let exec = exec_of(&op);
    assert!(exec.meta.as_ref().unwrap().remove_mount_stubs_recursive);
    assert_eq!(exec.mounts.len(), 1);
    let root = &exec.mounts[0];
    assert_eq!((root.dest.as_str(), root.input, root.output), ("/", 0, 0));
    let def = marshal(&out.root, None);
    assert_eq!(
        caps_of(&def, &out.root),
        [
            "exec.meta.base",
            "exec.meta.setsdefaultpath",
            "exec.mount.bind"
        ]
    );
}

#[test]
fn mounts_sorted_by_dest_and_outputs_numbered_like_go() {
    let base = image("alpine:latest");
    let ctx = local("context");
    let other = image("busybox:latest");
    let mut exec = sh("make");
    exec.mounts = vec![
        bind("/src", &ctx, true),
        Mount {
            dest: "/root/.cache".into(),
            source: State::scratch(),
            selector: String::new(),
            readonly: false,
            kind: MountKind::Cache {
                id: "go".into(),
                sharing: pb::CacheSharingOpt::Locked,
            },
        },
        bind("/out", &State::scratch(), false),
        Mount {
            dest: "/tmp".into(),
            source: State::scratch(),
            selector: String::new(),
            readonly: false,
            kind: MountKind::Tmpfs { size: 0 },
        },
        bind("/b", &other, false),
        Mount {
            selector: "/etc".into(),
            ..bind("/a", &ctx, true)
        },
    ];
    let out = base.run(exec);
    let op = op_of(&out.root);
    let e = exec_of(&op);
    let rows: Vec<(&str, i64, i64)> = e
        .mounts
        .iter()
        .map(|m| (m.dest.as_str(), m.input, m.output))
        .collect();
    // Sorted: / /a /b /out /root/.cache /src /tmp; inputs numbered in that order,
    // the context deduplicated; outputs for writable binds only.
    assert_eq!(
        rows,
        [
            ("/", 0, 0),
            ("/a", 1, -1),
            ("/b", 2, 1),
            ("/out", -1, 2),
            ("/root/.cache", -1, -1),
            ("/src", 1, -1),
            ("/tmp", -1, -1),
        ]
    );
    assert_eq!(op.inputs[1].digest, ctx.digest().unwrap());
    assert_eq!(op.inputs[2].digest, other.digest().unwrap());
    let idx: Vec<Option<i64>> = out
        .mounts
        .iter()
        .map(|m| m.as_ref().and_then(State::output_index))
        .collect();
    assert_eq!(idx, [None, None, Some(2), None, Some(1), None]);
    let def = marshal(&out.root, None);
    assert_eq!(
        caps_of(&def, &out.root),
        [
            "exec.meta.base",
            "exec.meta.setsdefaultpath",
            "exec.mount.bind",
            "exec.mount.cache",
            "exec.mount.cache.sharing",
            "exec.mount.selector",
            "exec.mount.tmpfs",
        ]
    );
    let cache = &e.mounts[4];
    assert_eq!(cache.mount_type, pb::MountType::Cache as i32);
    assert_eq!(
        cache.cache_opt.as_ref().unwrap().sharing,
        pb::CacheSharingOpt::Locked as i32
    );
    assert_eq!(e.mounts[6].tmpfs_opt, Some(pb::TmpfsOpt { size: 0 }));
}

#[test]
fn secret_and_ssh_mounts_follow_in_order_with_go_defaults() {
    let mut exec = sh("cat /run/secrets/tok");
    exec.mounts = vec![
        Mount {
            dest: "/run/secrets/tok".into(),
            source: State::scratch(),
            selector: String::new(),
            readonly: false,
            kind: MountKind::Secret(pb::SecretOpt {
                id: "tok".into(),
                mode: 0o400,
                optional: true,
                ..pb::SecretOpt::default()
            }),
        },
        Mount {
            dest: String::new(),
            source: State::scratch(),
            selector: String::new(),
            readonly: false,
            kind: MountKind::Ssh(pb::SshOpt {
                id: "default".into(),
                mode: 0o600,
                ..pb::SshOpt::default()
            }),
        },
        bind("/a", &local("context"), true),
    ];
    exec.secret_env = vec![pb::SecretEnv {
        id: "tok".into(),
        name: "TOKEN".into(),
        optional: false,
    }];
    let out = image("alpine:latest").run(exec);
    assert!(out.mounts.iter().all(Option::is_none));
    let op = op_of(&out.root);
    let e = exec_of(&op);
    let rows: Vec<(&str, i64, i64, i32)> = e
        .mounts
        .iter()
        .map(|m| (m.dest.as_str(), m.input, m.output, m.mount_type))
        .collect();
    assert_eq!(
        rows,
        [
            ("/", 0, 0, pb::MountType::Bind as i32),
            ("/a", 1, -1, pb::MountType::Bind as i32),
            ("/run/secrets/tok", 0, 0, pb::MountType::Secret as i32),
            ("/run/buildkit/ssh_agent.0", 0, 0, pb::MountType::Ssh as i32),
        ]
    );
    let env = &e.meta.as_ref().unwrap().env;
    assert_eq!(
        env.last().unwrap(),
        "SSH_AUTH_SOCK=/run/buildkit/ssh_agent.0"
    );
    assert_eq!(e.secretenv.len(), 1);
    let def = marshal(&out.root, None);
    let caps = caps_of(&def, &out.root);
    for cap in ["exec.mount.secret", "exec.mount.ssh", "exec.secretenv"] {
        assert!(caps.iter().any(|c| c == cap), "{cap} in {caps:?}");
    }
}

#[test]
fn exec_platform_and_modes() {
    let arm = pb::Platform {
        architecture: "arm64".into(),
        os: "linux".into(),
        ..pb::Platform::default()
    };
    let base = image("alpine:latest").with_platform(arm.clone());
    let out = base.run(sh("true"));
    assert_eq!(op_of(&out.root).platform, Some(arm.clone()));
    assert_eq!(out.root.platform(), Some(&arm));

    let mut exec = sh("true");
    exec.platform = Some(linux_amd64());
    exec.network = pb::NetMode::None;
    exec.security = pb::SecurityMode::Insecure;
    let out = base.run(exec);
    let op = op_of(&out.root);
    assert_eq!(op.platform, Some(linux_amd64()));
    let e = exec_of(&op);
    assert_eq!(e.network, pb::NetMode::None as i32);
    let def = marshal(&out.root, None);
    let caps = caps_of(&def, &out.root);
    assert!(caps.contains(&"exec.meta.network".to_string()));
    assert!(caps.contains(&"exec.meta.security".to_string()));

    let scratch_run = State::scratch().run(sh("true"));
    let op = op_of(&scratch_run.root);
    assert!(op.inputs.is_empty());
    assert_eq!(exec_of(&op).mounts[0].input, -1);
    assert_eq!(op.platform, Some(default_platform()));
}

#[test]
fn writable_mount_output_is_a_usable_state() {
    let mut exec = sh("make");
    exec.mounts = vec![bind("/out", &State::scratch(), false)];
    let out = image("alpine:latest").run(exec);
    let artifacts = out.mounts[0].clone().expect("output");
    assert_eq!(artifacts.output_index(), Some(1));
    assert_eq!(artifacts.digest(), out.root.digest());
    let def = marshal(&artifacts, None);
    let term = pb::Op::decode(def.def.last().unwrap().as_slice()).unwrap();
    assert_eq!(term.inputs[0].index, 1);
}

/// Runs `cmd` on alpine with the context bound at `/src` as `kind`: the exec's output and the
/// `/src` mount as marshalled.
fn run_with_src(cmd: &str, kind: MountKind, readonly: bool) -> (ExecOutput, pb::Mount) {
    let ctx = local("context");
    let mut exec = sh(cmd);
    exec.mounts = vec![Mount {
        kind,
        ..bind("/src", &ctx, readonly)
    }];
    let out = image("alpine:latest").run(exec);
    let op = op_of(&out.root);
    let src = exec_of(&op)
        .mounts
        .iter()
        .find(|m| m.dest == "/src")
        .unwrap()
        .clone();
    (out, src)
}

#[test]
fn writable_bind_without_output_gets_skip_output() {
    let (out, src) = run_with_src("touch /src/x", MountKind::BindNoOutput, false);
    assert!(out.mounts[0].is_none());
    assert_eq!((src.readonly, src.output), (false, -1));
}

#[test]
fn bind_without_content_cache_turns_the_content_hash_off() {
    let (out, src) = run_with_src("ls /src", MountKind::BindNoContentCache, true);
    assert!(out.mounts[0].is_none());
    assert_eq!(
        (src.readonly, src.output, src.content_cache),
        (true, -1, pb::MountContentCache::Off as i32)
    );
    let def = marshal(&out.root, None);
    assert!(caps_of(&def, &out.root).contains(&"exec.mount.cache.content".to_string()));
    // A plain bind leaves it at the default (BuildKit hashes a read-only bind's content).
    let (_, plain) = run_with_src("ls /src", MountKind::Bind, true);
    assert_eq!(plain.content_cache, 0);
}
