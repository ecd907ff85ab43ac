//! Malformed instructions: upstream's messages, with line and column.

use super::{assert_err, err};

#[test]
fn unknown_instruction_with_suggestion() {
    let e = assert_err("FROM a\nCOPPY a b\n", "unknown instruction: COPPY", 2, 1);
    assert_eq!(e.hint.as_deref(), Some("did you mean COPY?"));
    let e = assert_err("FROM a\n  xyzzy a\n", "unknown instruction: xyzzy", 2, 3);
    assert!(e.hint.unwrap().starts_with("valid instructions: ADD, ARG"));
    let e = assert_err("FROM a\nrnn x\n", "unknown instruction: rnn", 2, 1);
    assert_eq!(e.hint.as_deref(), Some("did you mean run?"));
}

#[test]
fn flag_errors_point_at_the_flag() {
    let e = assert_err(
        "FROM a\nCOPY --link --form=b a b\n",
        "unknown flag: --form",
        2,
        13,
    );
    assert_eq!(e.hint.as_deref(), Some("did you mean --from?"));
    assert_err(
        "FROM a\nRUN --mount=a \\\n  --netwrk=host x\n",
        "unknown flag: --netwrk",
        3,
        3,
    );
    assert_err(
        "FROM a\nCOPY --from=a --from=b a b\n",
        "duplicate flag specified: from",
        2,
        15,
    );
    assert_err(
        "FROM a\nCOPY --chown a b\n",
        "missing a value on flag: chown",
        2,
        6,
    );
    assert_err(
        "FROM a\nADD --link=maybe a b\n",
        "expecting boolean value for flag link, not: maybe",
        2,
        5,
    );
    assert_err("FROM --plat=x a\n", "unknown flag: --plat", 1, 6);
    assert_err("FROM a\nENV --x=1 A=b\n", "unknown flag: --x", 2, 5);
    assert_err("FROM a\nCMD --x echo\n", "unknown flag: --x", 2, 5);
    assert_err(
        "FROM a\nHEALTHCHECK --intervl=1s CMD x\n",
        "unknown flag: --intervl",
        2,
        13,
    );
    assert_err("FROM a\nONBUILD --x RUN y\n", "unknown flag: --x", 2, 9);
}

#[test]
fn flags_ignored_where_upstream_ignores_them() {
    // ARG and STOPSIGNAL never parse flags upstream; HEALTHCHECK NONE neither
    super::ok("ARG --x=1 A\nFROM a\nSTOPSIGNAL --y 9\nHEALTHCHECK --z NONE\n");
}

#[test]
fn run_flag_values() {
    assert_err(
        "FROM a\nRUN --network=bridge x\n",
        "invalid network mode \"bridge\"",
        2,
        5,
    );
    assert_err(
        "FROM a\nRUN --security=x y\n",
        "security \"x\" is not valid",
        2,
        5,
    );
}

#[test]
fn argument_counts() {
    assert_err(
        "FROM\n",
        "FROM requires either one or three arguments",
        1,
        1,
    );
    assert_err(
        "FROM a AS\n",
        "FROM requires either one or three arguments",
        1,
        1,
    );
    assert_err(
        "FROM a b c d\n",
        "FROM requires either one or three arguments",
        1,
        1,
    );
    assert_err("FROM a\nCOPY a\n", "COPY requires at least two arguments, but only one was provided. Destination could not be determined", 2, 1);
    assert_err("FROM a\nADD --link a\n", "ADD requires at least two arguments, but only one was provided. Destination could not be determined", 2, 1);
    assert_err("FROM a\nUSER\n", "USER requires exactly one argument", 2, 1);
    assert_err(
        "FROM a\nWORKDIR\n",
        "WORKDIR requires exactly one argument",
        2,
        1,
    );
    assert_err(
        "FROM a\nMAINTAINER\n",
        "MAINTAINER requires exactly one argument",
        2,
        1,
    );
    assert_err(
        "FROM a\nSTOPSIGNAL\n",
        "STOPSIGNAL requires exactly one argument",
        2,
        1,
    );
    assert_err(
        "FROM a\nEXPOSE\n",
        "EXPOSE requires at least one argument",
        2,
        1,
    );
    assert_err(
        "FROM a\nVOLUME\n",
        "VOLUME requires at least one argument",
        2,
        1,
    );
    assert_err("FROM a\nARG\n", "ARG requires at least one argument", 2, 1);
    assert_err("FROM a\nENV\n", "ENV requires at least one argument", 2, 1);
    assert_err(
        "FROM a\nLABEL\n",
        "LABEL requires at least one argument",
        2,
        1,
    );
    assert_err(
        "FROM a\nONBUILD\n",
        "ONBUILD requires at least one argument",
        2,
        1,
    );
    assert_err(
        "FROM a\nHEALTHCHECK\n",
        "HEALTHCHECK requires at least one argument",
        2,
        1,
    );
    assert_err(
        "FROM a\nSHELL\n",
        "SHELL requires at least one argument",
        2,
        1,
    );
    assert_err(
        "FROM a\nSHELL []\n",
        "SHELL requires at least one argument",
        2,
        1,
    );
}

#[test]
fn stage_name_validation() {
    let e = assert_err(
        "FROM a AS 1st\n",
        "invalid name for build stage: \"1st\", name can't start with a number or contain symbols",
        1,
        11,
    );
    assert!(e.hint.is_some());
    assert_err(
        "FROM a\nFROM b as Bad$name\n",
        "invalid name for build stage: \"Bad$name\", name can't start with a number or contain symbols",
        2,
        11,
    );
}

#[test]
fn env_and_label_syntax() {
    assert_err("FROM a\nENV A\n", "ENV must have two arguments", 2, 1);
    assert_err("FROM a\nLABEL x\n", "LABEL must have two arguments", 2, 1);
    assert_err(
        "FROM a\nENV A=1 \\\n   B\n",
        "Syntax error - can't find = in \"B\". Must be of the form: name=value",
        3,
        4,
    );
    assert_err("FROM a\nENV =x\n", "ENV names can not be blank", 2, 5);
    assert_err(
        "FROM a\nLABEL a=b =c\n",
        "LABEL names can not be blank",
        2,
        11,
    );
    assert_err("FROM a\nARG A =1\n", "ARG names can not be blank", 2, 7);
}

#[test]
fn json_errors() {
    assert_err(
        "FROM a\nCMD [\"a\", 1]\n",
        "when using JSON array syntax, arrays must be comprised of strings only",
        2,
        5,
    );
    assert_err(
        "FROM a\nCOPY --link [\"a\", null] \n",
        "when using JSON array syntax, arrays must be comprised of strings only",
        2,
        13,
    );
    let e = assert_err(
        "FROM a\nSHELL /bin/sh -c\n",
        "SHELL requires the arguments to be in JSON form",
        2,
        1,
    );
    assert!(e.hint.is_some());
    assert_err(
        "FROM a\nSHELL [\"sh\", \"-c\"\n",
        "SHELL requires the arguments to be in JSON form",
        2,
        1,
    );
}

#[test]
fn healthcheck_errors() {
    assert_err(
        "FROM a\nHEALTHCHECK NONE x\n",
        "HEALTHCHECK NONE takes no arguments",
        2,
        1,
    );
    assert_err(
        "FROM a\nHEALTHCHECK CMD\n",
        "Missing command after HEALTHCHECK CMD",
        2,
        1,
    );
    assert_err(
        "FROM a\nHEALTHCHECK --retries=1 RUN x\n",
        "Unknown type \"RUN\" in HEALTHCHECK (try CMD)",
        2,
        25,
    );
}

#[test]
fn volume_and_onbuild_errors() {
    assert_err(
        "FROM a\nVOLUME [\"/a\", \" \"]\n",
        "VOLUME specified can not be an empty string",
        2,
        8,
    );
    assert_err(
        "FROM a\nONBUILD ONBUILD RUN x\n",
        "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed",
        2,
        9,
    );
    assert_err(
        "FROM a\nONBUILD from b\n",
        "FROM isn't allowed as an ONBUILD trigger",
        2,
        9,
    );
    assert_err(
        "FROM a\nONBUILD MAINTAINER me\n",
        "MAINTAINER isn't allowed as an ONBUILD trigger",
        2,
        9,
    );
    assert_err("FROM a\nONBUILD COPY a\n", "COPY requires at least two arguments, but only one was provided. Destination could not be determined", 2, 9);
}

#[test]
fn file_level_errors_come_first() {
    // upstream reports first-pass problems (here: an unterminated heredoc on
    // line 3) before instruction-level ones (the unknown instruction on line 2)
    let e = err("FROM a\nNOPE\nRUN <<EOF\n");
    assert_eq!(e.message, "unterminated heredoc");
    assert_eq!(e.span.start_line, 3);
}

#[test]
fn render_has_location_and_hint() {
    let e = err("FROM a\nCOPPY a b\n");
    assert_eq!(
        e.render("Dockerfile"),
        "Dockerfile:2:1: unknown instruction: COPPY\n  hint: did you mean COPY?"
    );
}

#[test]
fn run_device_values_are_checked_as_upstream_checks_them() {
    for ok in [
        "vendor.com/gpu=all",
        "vendor.com/gpu=all,required",
        "name=vendor.com/gpu=0,required=false",
        "required,vendor.com/gpu",
    ] {
        let text = format!("FROM a\nRUN --device={ok} true\n");
        let df = crate::parse(&text).unwrap_or_else(|e| panic!("{ok}: {e}"));
        let crate::ast::Command::Run(run) = &df.stages[0].instructions[0].command else {
            panic!("{ok}: not a RUN");
        };
        assert_eq!(run.devices, [ok], "{ok}");
    }
    for (value, message) in [
        ("a,name=b", "device name already set to a"),
        ("a,required=maybe", "invalid value for required: maybe"),
        ("a,extra", "invalid field 'extra' must be a key=value pair"),
        ("a,count=2", "unexpected key 'count' in 'count=2'"),
    ] {
        assert_err(
            &format!("FROM a\nRUN --mount=type=tmpfs,target=/t --device={value} true\n"),
            message,
            2,
            34,
        );
    }
}
