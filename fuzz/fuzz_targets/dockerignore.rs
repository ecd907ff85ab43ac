//! `.dockerignore` text → patterns → matching a few paths.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stagetrail_dockerfile::dockerignore;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let patterns = dockerignore::parse(&text);
    for path in ["a", "a/b/c.txt", "secret.env", ".git/config", "x/y/z/../w"] {
        let _ = dockerignore::matches(&patterns, path);
    }
});
