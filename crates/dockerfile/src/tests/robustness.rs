//! The parser returns errors, never panics, on arbitrary input.

use super::super::parse;

/// Small deterministic xorshift generator (no extra crates).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

const PIECES: &[&str] = &[
    "FROM ",
    "RUN ",
    "COPY ",
    "ADD ",
    "ONBUILD ",
    "ENV ",
    "ARG ",
    "LABEL ",
    "HEALTHCHECK ",
    "SHELL ",
    "CMD ",
    "<<",
    "<<-",
    "EOF",
    "'",
    "\"",
    "\\",
    "`",
    "$",
    "${",
    "}",
    "[",
    "]",
    ",",
    "=",
    "--",
    "--mount=",
    "--from=",
    " ",
    "\t",
    "\n",
    "\r\n",
    "#",
    "# escape=`\n",
    "a",
    "é",
    "\u{feff}",
    "AS ",
    "x:y",
    "NONE",
    "1",
];

#[test]
fn random_inputs_do_not_panic() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for _ in 0..20_000 {
        let n = (rng.next() % 24) as usize;
        let text: String = (0..n)
            .map(|_| PIECES[(rng.next() % PIECES.len() as u64) as usize])
            .collect();
        if let Err(e) = parse(&text) {
            assert!(e.span.start_line >= 1, "{text:?}: {e:?}");
            assert!(e.span.col >= 1, "{text:?}: {e:?}");
        }
    }
}
