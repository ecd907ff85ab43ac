//! Policy text (YAML or JSON) → `Policy::parse`: errors, never panics or hangs.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stagetrail_policy::model::Policy;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = Policy::parse(text, "policy.yaml");
    }
});
