//! Upstream's shell test tables at v0.13.2 (`envVarTest`, `wordsTest` and the
//! cases of `lex_test.go`), re-expressed as Rust tables.

use std::collections::BTreeMap;

use super::{Env, Lexer};

fn map(list: &[(&str, &str)]) -> BTreeMap<String, String> {
    list.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn env_var_env() -> Vec<(String, String)> {
    pairs(&[
        ("PWD", "/home"),
        ("SHELL", "bash"),
        ("KOREAN", "한국어"),
        ("NULL", ""),
    ])
}

/// Upstream `shell/envVarTest` (Unix and all-platform rows): input and the
/// expected output, `None` for an error. Env: see [`env_var_env`].
const ENV_VAR_CASES: &[(&str, Option<&str>)] = &[
    (r"hello", Some(r"hello")),
    (r"he'll'o", Some(r"hello")),
    (r"he'llo", None),
    (r"he\'llo", Some(r"he'llo")),
    (r"he\\'llo", None),
    (r"abc\tdef", Some(r"abctdef")),
    (r#""abc\tdef""#, Some(r"abc\tdef")),
    (r#""abc\\tdef""#, Some(r"abc\tdef")),
    (r"'abc\tdef'", Some(r"abc\tdef")),
    (r"hello\", Some(r"hello")),
    (r"hello\\", Some(r"hello\")),
    (r#""hello"#, None),
    (r#""hello\""#, None),
    (r#""hel'lo""#, Some(r"hel'lo")),
    (r"'hello", None),
    (r"'hello\'", Some(r"hello\")),
    (r"'hello\there'", Some(r"hello\there")),
    (r"'hello\\there'", Some(r"hello\\there")),
    (r#""''""#, Some(r"''")),
    (r"$.", Some(r"$.")),
    (r"he$1x", Some(r"hex")),
    (r"he$.x", Some(r"he$.x")),
    (r"he$pwd.", Some(r"he.")),
    (r"he$PWD", Some(r"he/home")),
    (r"he\$PWD", Some(r"he$PWD")),
    (r"he\\$PWD", Some(r"he\/home")),
    (r#""he\$PWD""#, Some(r"he$PWD")),
    (r#""he\\$PWD""#, Some(r"he\/home")),
    (r"\${}", Some(r"${}")),
    (r"\${}aaa", Some(r"${}aaa")),
    (r"he\${}", Some(r"he${}")),
    (r"he\${}xx", Some(r"he${}xx")),
    (r"${}", None),
    (r"${}aaa", None),
    (r"he${}", None),
    (r"he${}xx", None),
    (r"he${hi}", Some(r"he")),
    (r"he${hi}xx", Some(r"hexx")),
    (r"he${PWD}", Some(r"he/home")),
    (r"he${.}", None),
    (r"he${XXX:-000}xx", Some(r"he000xx")),
    (r"he${PWD:-000}xx", Some(r"he/homexx")),
    (r"he${XXX:-$PWD}xx", Some(r"he/homexx")),
    (r"he${XXX:-${PWD:-yyy}}xx", Some(r"he/homexx")),
    (r"he${XXX:-${YYY:-yyy}}xx", Some(r"heyyyxx")),
    (r"he${XXX:YYY}", None),
    (r"he${XXX?}", None),
    (r"he${XXX:?}", None),
    (r"he${PWD?}", Some(r"he/home")),
    (r"he${PWD:?}", Some(r"he/home")),
    (r"he${NULL?}", Some(r"he")),
    (r"he${NULL:?}", None),
    (r"he${XXX:+${PWD}}xx", Some(r"hexx")),
    (r"he${PWD:+${XXX}}xx", Some(r"hexx")),
    (r"he${PWD:+${SHELL}}xx", Some(r"hebashxx")),
    (r"he${XXX:+000}xx", Some(r"hexx")),
    (r"he${PWD:+000}xx", Some(r"he000xx")),
    (r"'he${XX}'", Some(r"he${XX}")),
    (r#""he${PWD}""#, Some(r"he/home")),
    (r#""he'$PWD'""#, Some(r"he'/home'")),
    (r#""$PWD""#, Some(r"/home")),
    (r"'$PWD'", Some(r"$PWD")),
    (r"'\$PWD'", Some(r"\$PWD")),
    (r#"'"hello"'"#, Some(r#""hello""#)),
    (r"he\$PWD", Some(r"he$PWD")),
    (r#""he\$PWD""#, Some(r"he$PWD")),
    (r"'he\$PWD'", Some(r"he\$PWD")),
    (r"he${PWD", None),
    (r"he${PWD:=000}xx", None),
    (r"he${PWD:+${PWD}:}xx", Some(r"he/home:xx")),
    (r"he${XXX:-\$PWD:}xx", Some(r"he$PWD:xx")),
    (r"he${XXX:-\${PWD}z}xx", Some(r"he${PWDz}xx")),
    (r"안녕하세요", Some(r"안녕하세요")),
    (r"안'녕'하세요", Some(r"안녕하세요")),
    (r"안'녕하세요", None),
    (r"안녕\'하세요", Some(r"안녕'하세요")),
    (r"안\\'녕하세요", None),
    (r"안녕\t하세요", Some(r"안녕t하세요")),
    (r#""안녕\t하세요""#, Some(r"안녕\t하세요")),
    (r"'안녕\t하세요", None),
    (r"안녕하세요\", Some(r"안녕하세요")),
    (r"안녕하세요\\", Some(r"안녕하세요\")),
    (r#""안녕하세요"#, None),
    (r#""안녕하세요\""#, None),
    (r#""안녕'하세요""#, Some(r"안녕'하세요")),
    (r"'안녕하세요", None),
    (r"'안녕하세요\'", Some(r"안녕하세요\")),
    (r"안녕$1x", Some(r"안녕x")),
    (r"안녕$.x", Some(r"안녕$.x")),
    (r"안녕$pwd.", Some(r"안녕.")),
    (r"안녕$PWD", Some(r"안녕/home")),
    (r"안녕\$PWD", Some(r"안녕$PWD")),
    (r"안녕\\$PWD", Some(r"안녕\/home")),
    (r"안녕\${}", Some(r"안녕${}")),
    (r"안녕\${}xx", Some(r"안녕${}xx")),
    (r"안녕${}", None),
    (r"안녕${}xx", None),
    (r"안녕${hi}", Some(r"안녕")),
    (r"안녕${hi}xx", Some(r"안녕xx")),
    (r"안녕${PWD}", Some(r"안녕/home")),
    (r"안녕${.}", None),
    (r"안녕${XXX:-000}xx", Some(r"안녕000xx")),
    (r"안녕${PWD:-000}xx", Some(r"안녕/homexx")),
    (r"안녕${XXX:-$PWD}xx", Some(r"안녕/homexx")),
    (r"안녕${XXX:-${PWD:-yyy}}xx", Some(r"안녕/homexx")),
    (r"안녕${XXX:-${YYY:-yyy}}xx", Some(r"안녕yyyxx")),
    (r"안녕${XXX:YYY}", None),
    (r"안녕${XXX:+${PWD}}xx", Some(r"안녕xx")),
    (r"안녕${PWD:+${XXX}}xx", Some(r"안녕xx")),
    (r"안녕${PWD:+${SHELL}}xx", Some(r"안녕bashxx")),
    (r"안녕${XXX:+000}xx", Some(r"안녕xx")),
    (r"안녕${PWD:+000}xx", Some(r"안녕000xx")),
    (r"'안녕${XX}'", Some(r"안녕${XX}")),
    (r#""안녕${PWD}""#, Some(r"안녕/home")),
    (r#""안녕'$PWD'""#, Some(r"안녕'/home'")),
    (r#"'"안녕"'"#, Some(r#""안녕""#)),
    (r"안녕\$PWD", Some(r"안녕$PWD")),
    (r#""안녕\$PWD""#, Some(r"안녕$PWD")),
    (r"'안녕\$PWD'", Some(r"안녕\$PWD")),
    (r"안녕${PWD", None),
    (r"안녕${PWD:=000}xx", None),
    (r"안녕${PWD:+${PWD}:}xx", Some(r"안녕/home:xx")),
    (r"안녕${XXX:-\$PWD:}xx", Some(r"안녕$PWD:xx")),
    (r"안녕${XXX:-\${PWD}z}xx", Some(r"안녕${PWDz}xx")),
    (r"$KOREAN", Some(r"한국어")),
    (r"안녕$KOREAN", Some(r"안녕한국어")),
    (r"${{aaa}", None),
    (r"${aaa}}", Some(r"}")),
    (r"${aaa", None),
    (r"${{aaa:-bbb}", None),
    (r"${aaa:-bbb}}", Some(r"bbb}")),
    (r"${aaa:-bbb", None),
    (r"${aaa:-bbb}", Some(r"bbb")),
    (r"${aaa:-${bbb:-ccc}}", Some(r"ccc")),
    (r"${aaa:-bbb ${foo}", None),
    (r"${aaa:-bbb {foo}", Some(r"bbb {foo")),
    (r"${:}", None),
    (r"${:-bbb}", None),
    (r"${:+bbb}", None),
    (r"$1", Some(r"")),
    (r"${1}", Some(r"")),
    (r"${1:+bbb}", Some(r"")),
    (r"${1:-bbb}", Some(r"bbb")),
    (r"$2", Some(r"")),
    (r"${2}", Some(r"")),
    (r"${2:+bbb}", Some(r"")),
    (r"${2:-bbb}", Some(r"bbb")),
    (r"$3", Some(r"")),
    (r"${3}", Some(r"")),
    (r"${3:+bbb}", Some(r"")),
    (r"${3:-bbb}", Some(r"bbb")),
    (r"$4", Some(r"")),
    (r"${4}", Some(r"")),
    (r"${4:+bbb}", Some(r"")),
    (r"${4:-bbb}", Some(r"bbb")),
    (r"$5", Some(r"")),
    (r"${5}", Some(r"")),
    (r"${5:+bbb}", Some(r"")),
    (r"${5:-bbb}", Some(r"bbb")),
    (r"$6", Some(r"")),
    (r"${6}", Some(r"")),
    (r"${6:+bbb}", Some(r"")),
    (r"${6:-bbb}", Some(r"bbb")),
    (r"$7", Some(r"")),
    (r"${7}", Some(r"")),
    (r"${7:+bbb}", Some(r"")),
    (r"${7:-bbb}", Some(r"bbb")),
    (r"$8", Some(r"")),
    (r"${8}", Some(r"")),
    (r"${8:+bbb}", Some(r"")),
    (r"${8:-bbb}", Some(r"bbb")),
    (r"$9", Some(r"")),
    (r"${9}", Some(r"")),
    (r"${9:+bbb}", Some(r"")),
    (r"${9:-bbb}", Some(r"bbb")),
    (r"$999", Some(r"")),
    (r"${999}", Some(r"")),
    (r"${999:+bbb}", Some(r"")),
    (r"${999:-bbb}", Some(r"bbb")),
    (r"$999aaa", Some(r"aaa")),
    (r"${999}aaa", Some(r"aaa")),
    (r"${999:+bbb}aaa", Some(r"aaa")),
    (r"${999:-bbb}aaa", Some(r"bbbaaa")),
    (r"$001", Some(r"")),
    (r"${001}", Some(r"")),
    (r"${001:+bbb}", Some(r"")),
    (r"${001:-bbb}", Some(r"bbb")),
    (r"$001aaa", Some(r"aaa")),
    (r"${001}aaa", Some(r"aaa")),
    (r"${001:+bbb}aaa", Some(r"aaa")),
    (r"${001:-bbb}aaa", Some(r"bbbaaa")),
    (r"$@", Some(r"")),
    (r"${@}", Some(r"")),
    (r"${@:+bbb}", Some(r"")),
    (r"${@:-bbb}", Some(r"bbb")),
    (r"$@@@", Some(r"@@")),
    (r"$@aaa", Some(r"aaa")),
    (r"${@}aaa", Some(r"aaa")),
    (r"${@:+bbb}aaa", Some(r"aaa")),
    (r"${@:-bbb}aaa", Some(r"bbbaaa")),
    (r"$*", Some(r"")),
    (r"${*}", Some(r"")),
    (r"${*:+bbb}", Some(r"")),
    (r"${*:-bbb}", Some(r"bbb")),
    (r"$#", Some(r"")),
    (r"${#}", Some(r"")),
    (r"${#:+bbb}", Some(r"")),
    (r"${#:-bbb}", Some(r"bbb")),
    (r"$?", Some(r"")),
    (r"${?}", Some(r"")),
    (r"${?:+bbb}", Some(r"")),
    (r"${?:-bbb}", Some(r"bbb")),
    (r"$-", Some(r"")),
    (r"${-}", Some(r"")),
    (r"${-:+bbb}", Some(r"")),
    (r"${-:-bbb}", Some(r"bbb")),
    (r"$$", Some(r"")),
    (r"${$}", Some(r"")),
    (r"${$:+bbb}", Some(r"")),
    (r"${$:-bbb}", Some(r"bbb")),
    (r"$!", Some(r"")),
    (r"${!}", Some(r"")),
    (r"${!:+bbb}", Some(r"")),
    (r"${!:-bbb}", Some(r"bbb")),
    (r"$0", Some(r"")),
    (r"${0}", Some(r"")),
    (r"${0:+bbb}", Some(r"")),
    (r"${0:-bbb}", Some(r"bbb")),
];

/// The ENV lines of upstream `shell/wordsTest`, in order.
const WORDS_ENV: &[(&str, &str)] = &[
    (r"hi", r"hi"),
    (r"space", r"abc  def"),
    (r"leading", r"  ab c"),
    (r"trailing", r"ab c   "),
];

/// Upstream `shell/wordsTest`: how many of [`WORDS_ENV`] are in force, the
/// input and the expected words (`["error"]` for an error).
const WORDS_CASES: &[(usize, &str, &[&str])] = &[
    (0, r"hello", &[r"hello"]),
    (0, r"hello${hi}bye", &[r"hellobye"]),
    (1, r"hello${hi}bye", &[r"hellohibye"]),
    (2, r"hello${space}bye", &[r"helloabc", r"defbye"]),
    (2, r#"hello"${space}"bye"#, &[r"helloabc  defbye"]),
    (2, r#"hello "${space}"bye"#, &[r"hello", r"abc  defbye"]),
    (3, r"hello${leading}def", &[r"hello", r"ab", r"cdef"]),
    (3, r#"hello"${leading}" def"#, &[r"hello  ab c", r"def"]),
    (3, r#"hello"${leading}""#, &[r"hello  ab c"]),
    (3, r"hello${leading}", &[r"hello", r"ab", r"c"]),
    (4, r"hello${trailing}", &[r"helloab", r"c"]),
    (4, r"hello${trailing}d", &[r"helloab", r"c", r"d"]),
    (4, r#"hello"${trailing}"d"#, &[r"helloab c   d"]),
    (4, r#"hel"lo${trailing}""#, &[r"helloab c   "]),
    (4, r#"hello" there  ""#, &[r"hello there  "]),
    (4, r"hello there", &[r"hello", r"there"]),
    (4, r"hello\ there", &[r"hello there"]),
    (4, r#"hello" there"#, &[r"error"]),
    (4, r#"hello\" there"#, &[r#"hello""#, r"there"]),
    (4, r#"hello"\\there""#, &[r"hello\there"]),
    (4, r#"hello"\there""#, &[r"hello\there"]),
    (4, r"hello'\\there'", &[r"hello\\there"]),
    (4, r"hello'\there'", &[r"hello\there"]),
    (4, r"hello'$there'", &[r"hello$there"]),
];

#[test]
fn env_var_table() {
    let lex = Lexer::new('\\');
    let list = env_var_env();
    let map: BTreeMap<_, _> = list.iter().cloned().collect();
    for &(input, want) in ENV_VAR_CASES {
        for env in [&list as &dyn Env, &map as &dyn Env] {
            let got = lex.process_word(input, env);
            match want {
                Some(w) => assert_eq!(got.as_deref(), Ok(w), "input {input:?}"),
                None => assert!(got.is_err(), "input {input:?} gave {got:?}"),
            }
        }
    }
}

#[test]
fn words_table() {
    let lex = Lexer::new('\\');
    for &(n, input, want) in WORDS_CASES {
        let env = pairs(&WORDS_ENV[..n]);
        let got = lex
            .process_words(input, &env)
            .unwrap_or_else(|_| vec!["error".to_string()]);
        assert_eq!(got, want, "input {input:?}");
    }
}

// TestShellParserMandatoryEnvVars.
#[test]
fn mandatory_env_vars() {
    let lex = Lexer::new('\\');
    let set = pairs(&[("VAR", "plain"), ("ARG", "x")]);
    let empty = pairs(&[("VAR", ""), ("ARG", "x")]);
    let unset = pairs(&[("ARG", "x")]);
    let no_empty = "${VAR:?message here$ARG}";
    let no_unset = "${VAR?message here$ARG}";

    assert_eq!(lex.process_word(no_empty, &set).unwrap(), "plain");
    for env in [&empty, &unset] {
        let e = lex.process_word(no_empty, env).unwrap_err();
        assert!(e.message.contains("message herex"), "{e}");
    }
    assert_eq!(lex.process_word(no_unset, &set).unwrap(), "plain");
    assert_eq!(lex.process_word(no_unset, &empty).unwrap(), "");
    let e = lex.process_word(no_unset, &unset).unwrap_err();
    assert!(e.message.contains("message herex"), "{e}");
}

/// TestProcessWithMatches: input, env, expected output (`None`: error) and
/// the matched names.
type MatchCase = (
    &'static str,
    &'static [(&'static str, &'static str)],
    Option<&'static str>,
    &'static [&'static str],
);

const FOO_BAR: &[(&str, &str)] = &[("FOO", "xxx"), ("BAR", "")];

const MATCH_CASES: &[MatchCase] = &[
    ("x", &[("DUMMY", "dummy")], Some("x"), &[]),
    ("x ${UNUSED}", &[("DUMMY", "dummy")], Some("x "), &[]),
    ("x ${FOO}", &[("FOO", "y")], Some("x y"), &["FOO"]),
    (
        "${FOO-aaa} ${BAR-bbb} ${BAZ-ccc}",
        FOO_BAR,
        Some("xxx  ccc"),
        &["BAR", "FOO"],
    ),
    (
        "${FOO:-aaa} ${BAR:-bbb} ${BAZ:-ccc}",
        FOO_BAR,
        Some("xxx bbb ccc"),
        &["BAR", "FOO"],
    ),
    (
        "${FOO+aaa} ${BAR+bbb} ${BAZ+ccc}",
        FOO_BAR,
        Some("aaa bbb "),
        &["BAR", "FOO"],
    ),
    (
        "${FOO:+aaa} ${BAR:+bbb} ${BAZ:+ccc}",
        FOO_BAR,
        Some("aaa  "),
        &["BAR", "FOO"],
    ),
    ("${FOO?aaa}", FOO_BAR, Some("xxx"), &["FOO"]),
    ("${BAR?bbb}", FOO_BAR, Some(""), &["BAR"]),
    ("${BAZ?ccc}", FOO_BAR, None, &[]),
    ("${FOO:?aaa}", FOO_BAR, Some("xxx"), &["FOO"]),
    ("${BAR:?bbb}", FOO_BAR, None, &[]),
    ("${BAZ:?ccc}", FOO_BAR, None, &[]),
    ("${FOO=aaa}", FOO_BAR, None, &[]),
    ("${FOO=:aaa}", FOO_BAR, None, &[]),
    // Special regexp characters; `}` is escaped so it does not close the `${}`.
    (
        r"${FOO#()[]{\}^$.\*\?|\\}",
        &[("FOO", r"()[]{}^$.*?|\x")],
        Some("x"),
        &["FOO"],
    ),
    (r"${FOO%%\**}", &[("FOO", "xx**")], Some("xx"), &["FOO"]),
    ("${FOO#*x*y}", &[("FOO", "xxyy")], Some("y"), &["FOO"]),
    ("${FOO##*x}", &[("FOO", "xxyy")], Some("yy"), &["FOO"]),
    (r"${FOO#?\?}", &[("FOO", "???y")], Some("?y"), &["FOO"]),
    (
        "${ABC:-.}${FOO%x}${ABC:-.}",
        &[("FOO", "xxyy")],
        Some(".xxyy."),
        &["FOO"],
    ),
    (r"${FOO%%\**\*}", &[("FOO", "a***yy*")], Some("a"), &["FOO"]),
    (
        "${FOO/$NEEDLE/.} - ${FOO//$NEEDLE/.}",
        &[("FOO", "/foo*/*/*.txt"), ("NEEDLE", r"\*/")],
        Some("/foo.*/*.txt - /foo..*.txt"),
        &["FOO", "NEEDLE"],
    ),
    (
        "${FOO/$NEEDLE/} - ${FOO//$NEEDLE/}",
        &[("FOO", "/tmp/tmp/bar.txt"), ("NEEDLE", "/tmp")],
        Some("/tmp/bar.txt - /bar.txt"),
        &["FOO", "NEEDLE"],
    ),
    (
        "${FOO/$NEEDLE/$REPLACEMENT} - ${FOO//$NEEDLE/$REPLACEMENT}",
        &[
            ("FOO", "/a/foo/b/c.txt"),
            ("NEEDLE", "/?/"),
            ("REPLACEMENT", "/"),
        ],
        Some("/foo/b/c.txt - /foo/c.txt"),
        &["FOO", "NEEDLE", "REPLACEMENT"],
    ),
    (
        "${FOO/$NEEDLE/$REPLACEMENT}",
        &[
            ("FOO", "http://google.de"),
            ("NEEDLE", "http://"),
            ("REPLACEMENT", "https://"),
        ],
        Some("https://google.de"),
        &["FOO", "NEEDLE", "REPLACEMENT"],
    ),
    // Escaped separator characters.
    (
        r"${FOO//\//\/}",
        &[("FOO", "/tmp/foo.txt")],
        Some(r"\/tmp\/foo.txt"),
        &["FOO"],
    ),
];

#[test]
fn process_with_matches_table() {
    let lex = Lexer::new('\\');
    for &(input, env, want, matched) in MATCH_CASES {
        let got = lex.process_word_with_matches(input, &map(env));
        match want {
            None => assert!(got.is_err(), "input {input:?} gave {got:?}"),
            Some(w) => {
                let got = got.unwrap_or_else(|e| panic!("input {input:?}: {e}"));
                assert_eq!(got.value, w, "input {input:?}");
                let names: Vec<&str> = got.matched.iter().map(String::as_str).collect();
                assert_eq!(names, matched, "input {input:?}");
            }
        }
    }
}

// TestProcessWithMatchesPlatform.
#[test]
fn process_with_matches_platform() {
    let lex = Lexer::new('\\');
    let release =
        "something-${VERSION}.${TARGETOS}-${TARGETARCH}${TARGETVARIANT:+-${TARGETVARIANT}}.tar.gz";
    let base = [("VERSION", "v1.2.3"), ("TARGETOS", "linux")];
    let run = |extra: &[(&str, &str)]| {
        let mut env = map(&base);
        env.extend(map(extra));
        lex.process_word_with_matches(release, &env).unwrap().value
    };
    assert_eq!(
        run(&[("TARGETARCH", "arm"), ("TARGETVARIANT", "v7")]),
        "something-v1.2.3.linux-arm-v7.tar.gz"
    );
    assert_eq!(
        run(&[("TARGETARCH", "arm64"), ("TARGETVARIANT", "")]),
        "something-v1.2.3.linux-arm64.tar.gz"
    );
    assert_eq!(
        run(&[("TARGETARCH", "arm64")]),
        "something-v1.2.3.linux-arm64.tar.gz"
    );
}
