//! Arbitrary bytes split at the first NUL into `policy \0 options` (a missing options part means
//! `{"from": ..., "count": 5}`): cron parsing, time zones and the next-run search must answer,
//! never panic, and list strictly increasing instants.
#![no_main]

use libfuzzer_sys::fuzz_target;

mod common;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.splitn(2, '\0');
    let policy = parts.next().unwrap_or("");
    let options = parts.next().unwrap_or(r#"{"from":"2026-11-27T00:00:00Z","count":5}"#);
    let out = user_cleanup_engine::next_runs(policy, options);
    let v = common::round_trip(&out);
    if v["type"] == "success" {
        for s in v["value"]["schedules"].as_array().expect("schedules") {
            let next: Vec<&str> = s["next"]
                .as_array()
                .expect("next")
                .iter()
                .map(|t| t.as_str().expect("an instant string"))
                .collect();
            // Same-width UTC instants compare as text; a 5+-digit year would be wider.
            for w in next.windows(2) {
                if w[0].len() == w[1].len() {
                    assert!(w[0] < w[1], "not strictly increasing: {next:?}");
                }
            }
        }
    }
});
