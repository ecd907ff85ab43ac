//! Dockerfile text → parse → convert (every stage, no registry): must not panic, overflow or
//! take more than a second per input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stagetrail_convert::{convert, NoResolver, Options};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(df) = stagetrail_dockerfile::parse(text) else {
        return;
    };
    let opts = Options {
        dockerfile_source: Some(data.to_vec()),
        ..Options::default()
    };
    let _ = convert(&df, &opts, &NoResolver);
});
