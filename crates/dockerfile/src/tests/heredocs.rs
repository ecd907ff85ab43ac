//! Heredocs on RUN, COPY, ADD (and ONBUILD triggers).

use super::super::ast::{CmdLine, Command, Heredoc};
use super::{assert_err, ok, one, span};

fn doc(name: &str, content: &str, expand: bool, chomp: bool) -> Heredoc {
    Heredoc {
        name: name.into(),
        content: content.into(),
        raw: content.into(),
        expand,
        chomp,
    }
}

#[test]
fn run_heredoc() {
    let df = ok("FROM a\nRUN <<EOF\necho hi\n  echo there\nEOF\nRUN after\n");
    let inst = &df.stages[0].instructions[0];
    assert_eq!(inst.span, span(2, 5, 1));
    assert_eq!(inst.original, "RUN <<EOF");
    match &inst.command {
        Command::Run(r) => {
            assert_eq!(r.cmd.cmd, CmdLine::Shell("<<EOF".into()));
            assert_eq!(
                r.cmd.heredocs,
                vec![doc("EOF", "echo hi\n  echo there\n", true, false)]
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(df.stages[0].instructions[1].span, span(6, 6, 1));
}

#[test]
fn chomp_and_quoted_delimiters() {
    let c = one("RUN <<-EOF\n\techo a\n\t\tb\n\tEOF\n");
    let Command::Run(r) = c else { panic!() };
    let mut chomped = doc("EOF", "echo a\nb\n", true, true);
    chomped.raw = "\techo a\n\t\tb\n".into();
    assert_eq!(r.cmd.heredocs, vec![chomped]);

    let c = one("RUN <<'EOF'\n$A\nEOF\n");
    let Command::Run(r) = c else { panic!() };
    assert_eq!(r.cmd.heredocs, vec![doc("EOF", "$A\n", false, false)]);

    let c = one("RUN <<\"EOF\" cat\n$A\nEOF\n");
    let Command::Run(r) = c else { panic!() };
    assert_eq!(r.cmd.cmd, CmdLine::Shell("<<\"EOF\" cat".into()));
    assert_eq!(r.cmd.heredocs, vec![doc("EOF", "$A\n", false, false)]);
}

#[test]
fn several_heredocs_in_order() {
    let df = ok("FROM a\nRUN cat <<A - <<B > /x\na1\nA\nb1\nb2\nB\nRUN y\n");
    let inst = &df.stages[0].instructions[0];
    assert_eq!(inst.span, span(2, 7, 1));
    let Command::Run(r) = &inst.command else {
        panic!()
    };
    assert_eq!(
        r.cmd.heredocs,
        vec![
            doc("A", "a1\n", true, false),
            doc("B", "b1\nb2\n", true, false)
        ]
    );
}

#[test]
fn heredoc_after_continuation_and_crlf_body() {
    let df = ok("FROM a\r\nRUN --network=none <<EOF \\\r\n  && true\r\nx\r\nEOF\r\n");
    let inst = &df.stages[0].instructions[0];
    assert_eq!(inst.span, span(2, 5, 1));
    let Command::Run(r) = &inst.command else {
        panic!()
    };
    assert_eq!(r.cmd.cmd, CmdLine::Shell("<<EOF   && true".into()));
    assert_eq!(r.cmd.heredocs, vec![doc("EOF", "x\r\n", true, false)]);
    assert_eq!(r.network.as_deref(), Some("none"));
}

#[test]
fn exec_form_and_other_instructions_have_no_heredocs() {
    // JSON RUN: the following lines are instructions
    let c = super::stage_cmds("RUN [\"cat\", \"<<EOF\"]\nUSER x\n");
    assert_eq!(c.len(), 2);
    assert!(matches!(&c[0], Command::Run(r) if r.cmd.heredocs.is_empty()));
    // CMD never reads heredoc bodies: the next line is an instruction
    let e = assert_err(
        "FROM a\nCMD cat <<EOF\nhello\nEOF\n",
        "unknown instruction: hello",
        3,
        1,
    );
    assert!(e.hint.is_some());
}

#[test]
fn heredoc_words_inside_quotes_do_not_count() {
    let c = one("RUN echo '<<EOF'\n");
    assert!(matches!(&c, Command::Run(r) if r.cmd.heredocs.is_empty()));
    let c = one("RUN echo \"unbalanced <<EOF\n");
    assert!(matches!(&c, Command::Run(r) if r.cmd.heredocs.is_empty()));
}

#[test]
fn copy_heredoc_sources() {
    let c = one("COPY --chmod=755 <<EOF src <<-'X' /dst/\nhello\nEOF\n\tbody\nX\n");
    let Command::Copy(cp) = c else { panic!() };
    assert_eq!(cp.paths.sources, vec!["src"]);
    let mut chomped = doc("X", "body\n", false, true);
    chomped.raw = "\tbody\n".into();
    assert_eq!(
        cp.paths.heredocs,
        vec![doc("EOF", "hello\n", true, false), chomped]
    );
    assert_eq!(cp.paths.dest, "/dst/");
    assert_eq!(cp.chmod.as_deref(), Some("755"));
}

#[test]
fn add_heredoc_source() {
    let c = one("ADD <<EOF /x\ncontent\nEOF\n");
    let Command::Add(a) = c else { panic!() };
    assert!(a.paths.sources.is_empty());
    assert_eq!(a.paths.heredocs, vec![doc("EOF", "content\n", true, false)]);
}

#[test]
fn heredoc_as_destination_is_an_error() {
    assert_err(
        "FROM a\nCOPY x <<EOF\nEOF\n",
        "COPY cannot accept a heredoc as a destination",
        2,
        8,
    );
}

#[test]
fn unterminated_heredoc() {
    let e = assert_err(
        "FROM a\nRUN cat \\\n  <<EOF\nline\n",
        "unterminated heredoc",
        3,
        3,
    );
    assert!(e.hint.unwrap().contains("EOF"));
    assert_err("FROM a\nRUN <<A <<B\nA\n", "unterminated heredoc", 2, 9);
    // the terminator of <<EOF must not be indented
    assert_err("FROM a\nRUN <<EOF\n  EOF\n", "unterminated heredoc", 2, 5);
}

#[test]
fn onbuild_heredoc() {
    let c = one("ONBUILD RUN <<EOF\necho hi\nEOF\n");
    let Command::Onbuild {
        expression,
        trigger,
    } = c
    else {
        panic!()
    };
    assert_eq!(expression, "RUN <<EOF\necho hi\nEOF");
    let Command::Run(r) = trigger.command else {
        panic!()
    };
    assert_eq!(r.cmd.heredocs, vec![doc("EOF", "echo hi\n", true, false)]);
    assert_eq!(trigger.span, span(2, 4, 9));
}
