//! End-to-end parity: every case in `tests/e2e/` is built on the real stack with the engine's builtin
//! Dockerfile frontend and with ours (`--build-arg BUILDKIT_SYNTAX=<image>`); both OCI layouts are read
//! and must hold, per platform, the same root filesystem (content, owners, modes, xattrs, hard links),
//! the same layer boundaries, media types and annotations, the same image config (timestamps aside,
//! unless the case pins them) and the same step names in the progress output. Error cases must fail
//! with the same message and the same Dockerfile snippet.
//!
//! Needs `eval "$(scripts/stack up)"` first; without the stack every case fails (never skips).
//! `STAGETRAIL_E2E_FRONTEND=builtin STAGETRAIL_E2E_SELF_CHECK=1` checks the harness itself (builtin
//! against builtin; `builtin` alone is refused);
//! `STAGETRAIL_E2E_FRONTEND=<image>` uses a frontend image that is already pushed;
//! `STAGETRAIL_E2E_JOBS` limits concurrent builds (default 2); `STAGETRAIL_E2E_KEEP=1` keeps the outputs.

use crate::support::buildx;
use crate::support::case;
use crate::support::diff;
use crate::support::logs;
use crate::support::oci;

use buildx::{Frontend, Outcome};
use case::{Case, EngineSpec};
use std::path::Path;

/// The flags of attestation mode, which error cases also build with.
const ATTEST: &[&str] = &["--sbom=true", "--provenance=mode=max"];

/// Builds one case both ways and panics with every difference found.
fn run_case(name: &str) {
    let stack = buildx::stack();
    let case = Case::load(name).unwrap_or_else(|e| panic!("{name}: bad case: {e}"));
    buildx::prepare(&case).unwrap_or_else(|e| panic!("{name}: {e}"));
    let ours =
        buildx::ours().unwrap_or_else(|e| panic!("{name}: no frontend image under test: {e}"));
    let work = buildx::work_root().join(name);
    let _ = std::fs::remove_dir_all(&work);
    let built = |frontend: &Frontend, side: &str, extra: &[&str]| {
        buildx::build(&case, frontend, &work.join(side), extra)
            .unwrap_or_else(|e| panic!("{name}: {side} build: {e}"))
    };
    let builtin = built(&Frontend::Builtin, "builtin", &[]);
    let theirs = built(&ours, "ours", &[]);
    let engine = case.on_this_engine();
    let engine_fails = engine.and_then(|e| e.fails_at_line);
    let error_line = engine_fails.or(case.spec.error_line.filter(|_| case.spec.expect_error));
    let mut problems = if let Some(line) = error_line {
        let no_upstream_line = case.spec.upstream_has_no_line || engine_fails.is_some();
        let self_check = matches!(ours, Frontend::Builtin);
        let line = Some(line).filter(|_| !(self_check && no_upstream_line));
        let same_text = !no_upstream_line;
        let same_message =
            case.spec.message_differs.is_none() && !engine.is_some_and(|e| e.message_differs);
        let text = Text {
            box_: same_text,
            message: same_text && same_message,
        };
        let mut problems = error_problems(line, text, &builtin, &theirs);
        // Attestation mode must fail the same way as the builtin's plain build.
        let attesting = built(&ours, "ours-attest", ATTEST);
        let attest_problems = error_problems(line, text, &builtin, &attesting);
        problems.extend(
            attest_problems
                .into_iter()
                .map(|p| format!("with {ATTEST:?}: {p}")),
        );
        problems
    } else {
        parity_problems(&work, &case, engine, &builtin, &theirs)
    };
    if let (false, Some(e)) = (problems.is_empty(), engine) {
        problems.push(format!("(this engine differs from upstream: {})", e.reason));
    }
    let keep = std::env::var("STAGETRAIL_E2E_KEEP").is_ok_and(|v| v == "1");
    if problems.is_empty() {
        if !keep {
            let _ = std::fs::remove_dir_all(&work);
        }
        return;
    }
    panic!(
        "{name} (registry {}, frontend {ours:?}): {} problem(s); outputs and logs in {}\n{}",
        stack.registry,
        problems.len(),
        work.display(),
        problems.join("\n")
    );
}

/// What of a failure's text must equal the builtin's.
#[derive(Clone, Copy)]
struct Text {
    /// The `Dockerfile:N` snippet box.
    box_: bool,
    /// The error message.
    message: bool,
}

/// Both builds must fail, and ours must point at `Dockerfile:<line>` (even where the builtin does not,
/// e.g. for errors BuildKit raises while loading the LLB); `line` is `None` when only failure is asked.
/// `text` says whether the snippet box and the message must be the builtin's too.
fn error_problems(line: Option<u32>, text: Text, builtin: &Outcome, ours: &Outcome) -> Vec<String> {
    let want = line.map(|l| format!("Dockerfile:{l}"));
    let mut problems = Vec::new();
    if builtin.ok {
        problems.push("builtin: the build succeeded but the case expects an error".to_string());
    }
    if ours.ok {
        problems.push("ours: the build succeeded but the case expects an error".to_string());
    } else if let Some(want) = want.filter(|w| !ours.log.contains(w.as_str())) {
        problems.push(format!(
            "ours: the error output lacks `{want}`:\n{}",
            buildx::tail(&ours.log, 25)
        ));
    }
    if text.box_ && problems.is_empty() {
        let (mut b, mut o) = (
            logs::error_report(&builtin.log),
            logs::error_report(&ours.log),
        );
        if !text.message {
            for report in [&mut b, &mut o].into_iter().flatten() {
                report.message.clear();
            }
        }
        if b != o {
            problems.push(format!(
                "the error differs:\n  builtin: {b:#?}\n  ours:    {o:#?}"
            ));
        }
    }
    problems
}

/// Both builds must succeed with equal images on every platform and the same step names.
fn parity_problems(
    work: &Path,
    case: &Case,
    engine: Option<&EngineSpec>,
    builtin: &Outcome,
    ours: &Outcome,
) -> Vec<String> {
    let mut problems = Vec::new();
    for (side, outcome) in [("builtin", builtin), ("ours", ours)] {
        if !outcome.ok {
            problems.push(format!(
                "{side}: the build failed:\n{}",
                buildx::tail(&outcome.log, 40)
            ));
        }
    }
    if !problems.is_empty() {
        return problems;
    }
    let read = |side: &str| {
        oci::read_layout(&work.join(side))
            .map_err(|e| format!("{side}: reading the OCI layout: {e}"))
    };
    let mut problems = match (read("builtin"), read("ours")) {
        (Ok(mut b), Ok(mut o)) => {
            for path in engine.iter().flat_map(|e| &e.ignore_paths) {
                for image in b.values_mut().chain(o.values_mut()) {
                    image.tree.remove(path.trim_start_matches('/'));
                }
            }
            if engine.is_some_and(|e| e.history_differs) {
                for image in b.values_mut().chain(o.values_mut()) {
                    let history = image
                        .config
                        .get_mut("history")
                        .and_then(|h| h.as_array_mut());
                    for entry in history.into_iter().flatten() {
                        if let Some(entry) = entry.as_object_mut() {
                            entry.remove("created_by");
                        }
                    }
                }
            }
            diff::compare(&b, &o, case.spec.compare_times)
        }
        (b, o) => b.err().into_iter().chain(o.err()).collect(),
    };
    let (mut b, mut o) = (logs::step_names(&builtin.log), logs::step_names(&ours.log));
    if case.spec.from_steps {
        let prefixed = !engine.is_some_and(|e| e.from_names_differ);
        b.extend(logs::from_step_names(&builtin.log, prefixed));
        o.extend(logs::from_step_names(&ours.log, prefixed));
    }
    if b != o {
        problems.push("step names in the progress output differ (- builtin, + ours):".into());
        problems.extend(
            b.iter()
                .filter(|n| !o.contains(n))
                .map(|n| format!("  - {n}")),
        );
        problems.extend(
            o.iter()
                .filter(|n| !b.contains(n))
                .map(|n| format!("  + {n}")),
        );
    }
    problems
}

/// One `#[test]` per case folder.
macro_rules! cases {
    ($($test:ident => $dir:literal,)*) => {
        $(
            #[test]
            fn $test() {
                run_case($dir);
            }
        )*

        /// The list above names every folder in `tests/e2e/`, and only those.
        #[test]
        fn every_case_folder_has_a_test() {
            let listed: Vec<String> = [$($dir),*].iter().map(|s| s.to_string()).collect();
            let found = case::all_names().unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(listed, found, "tests/integration/parity.rs must list every case folder, sorted");
        }
    };
}

cases! {
    case_01_scratch_copy => "01-scratch-copy",
    case_02_multistage => "02-multistage",
    case_03_copy_from_image => "03-copy-from-image",
    case_04_copy_from_index => "04-copy-from-index",
    case_05_run_cache_mount => "05-run-cache-mount",
    case_06_run_secret_mount => "06-run-secret-mount",
    case_07_run_bind_mount => "07-run-bind-mount",
    case_08_run_tmpfs_mount => "08-run-tmpfs-mount",
    case_09_heredoc_run => "09-heredoc-run",
    case_10_heredoc_copy => "10-heredoc-copy",
    case_11_arg_scoping => "11-arg-scoping",
    case_12_expansion_modifiers => "12-expansion-modifiers",
    case_13_onbuild => "13-onbuild",
    case_14_healthcheck => "14-healthcheck",
    case_15_healthcheck_none_target => "15-healthcheck-none-target",
    case_16_user_workdir_env => "16-user-workdir-env",
    case_17_add_local_tar => "17-add-local-tar",
    case_18_dockerignore => "18-dockerignore",
    case_19_target => "19-target",
    case_20_build_arg => "20-build-arg",
    case_21_build_context => "21-build-context",
    case_22_labels => "22-labels",
    case_23_expose_volume_shell => "23-expose-volume-shell",
    case_24_entrypoint_cmd => "24-entrypoint-cmd",
    case_25_copy_chown_chmod => "25-copy-chown-chmod",
    case_26_copy_link => "26-copy-link",
    case_27_symlinks => "27-symlinks",
    case_28_multiplatform => "28-multiplatform",
    case_29_copy_semantics => "29-copy-semantics",
    case_30_whiteouts => "30-whiteouts",
    case_31_run_network_exec => "31-run-network-exec",
    case_32_escape_directive => "32-escape-directive",
    case_33_from_arg_base => "33-from-arg-base",
    case_34_stage_inheritance => "34-stage-inheritance",
    case_35_add_dir_chown_chmod => "35-add-dir-chown-chmod",
    case_36_error_unknown_instruction => "36-error-unknown-instruction",
    case_37_error_run_fails => "37-error-run-fails",
    case_38_error_missing_source => "38-error-missing-source",
    case_39_error_required_arg => "39-error-required-arg",
    case_40_error_unknown_flag => "40-error-unknown-flag",
    case_41_error_copy_from_later_stage => "41-error-copy-from-later-stage",
    case_42_merged_usr_dest => "42-merged-usr-dest",
    case_43_shell_form_metadata => "43-shell-form-metadata",
    case_44_proxy_args_history => "44-proxy-args-history",
    case_45_metadata_only_scratch => "45-metadata-only-scratch",
    case_46_cache_mount_from_stage => "46-cache-mount-from-stage",
    case_47_from_platform_single => "47-from-platform-single",
    case_48_parser_edges => "48-parser-edges",
    case_49_build_context_image => "49-build-context-image",
    case_50_add_compressed_tars => "50-add-compressed-tars",
    case_52_error_run_security_entitlement => "52-error-run-security-entitlement",
    case_53_error_network_host_entitlement => "53-error-network-host-entitlement",
    case_54_duplicate_stage_names => "54-duplicate-stage-names",
    case_55_chown_unknown_user => "55-chown-unknown-user",
    case_56_error_run_unknown_user => "56-error-run-unknown-user",
    case_57_error_env_without_value => "57-error-env-without-value",
    case_58_scratch_chown_empty_user => "58-scratch-chown-empty-user",
    case_59_heredoc_run_tabs_kept => "59-heredoc-run-tabs-kept",
    case_60_chmod_chown_variables => "60-chmod-chown-variables",
    case_61_chmod_symbolic => "61-chmod-symbolic",
    case_62_step_names => "62-step-names",
    case_63_source_date_epoch => "63-source-date-epoch",
    case_64_xattrs_hardlinks => "64-xattrs-hardlinks",
    case_65_multiplatform_order => "65-multiplatform-order",
    case_66_automatic_args => "66-automatic-args",
    case_67_source_date_epoch_base => "67-source-date-epoch-base",
    case_68_shared_base_from_names => "68-shared-base-from-names",
    case_69_error_run_device => "69-error-run-device",
    case_70_onbuild_copy_from => "70-onbuild-copy-from",
    case_71_platform_os_version => "71-platform-os-version",
}
