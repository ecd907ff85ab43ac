//! The `${…}` expander on one word, with a few variables set.
#![no_main]

use std::collections::BTreeMap;

use libfuzzer_sys::fuzz_target;
use stagetrail_dockerfile::expand::Lexer;

fuzz_target!(|data: &[u8]| {
    let Ok(word) = std::str::from_utf8(data) else {
        return;
    };
    let env: BTreeMap<String, String> = [("a", "abcabc"), ("b", ""), ("long", "x*y?z\n")]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    for escape in ['\\', '`'] {
        let lexer = Lexer::new(escape);
        let _ = lexer.process_word(word, &env);
        let _ = lexer.process_words(word, &env);
    }
});
