//! Arbitrary bytes as a policy: `validate` must answer (success or problems), never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

mod common;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let out = user_cleanup_engine::validate(&text, None);
    common::round_trip(&out);
});
