//! Arbitrary bytes as a snapshot, validated against a valid policy.
#![no_main]

use libfuzzer_sys::fuzz_target;

mod common;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let out = user_cleanup_engine::validate(common::VALID_POLICY, Some(&text));
    common::round_trip(&out);
});
