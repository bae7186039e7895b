//! Arbitrary bytes split at NUL bytes into `policy \0 snapshot \0 options` (a missing options
//! part means `{"asOf": ...}`), planned; on success a few plan invariants are checked too.
//! The same texts also go through `dashboard`, which shares the parsers and the protection logic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use std::collections::HashSet;

mod common;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.splitn(3, '\0');
    let policy = parts.next().unwrap_or("");
    let snapshot = parts.next().unwrap_or("");
    let options = parts.next().unwrap_or(common::VALID_OPTIONS);

    let out = user_cleanup_engine::plan(policy, snapshot, options);
    let v = common::round_trip(&out);
    if v["type"] == "success" {
        check_plan(&v["value"]);
    }
    let out = user_cleanup_engine::dashboard(Some(policy), snapshot, options);
    common::round_trip(&out);
});

fn check_plan(plan: &Value) {
    let actions = plan["actions"].as_array().expect("actions");
    let mut seen = HashSet::new();
    for a in actions {
        let user = a["user"].as_str().expect("action user").to_lowercase();
        assert!(seen.insert(user), "a user actioned twice: {plan}");
    }
    let protected = plan["protected"].as_array().expect("protected");
    for p in protected {
        let user = p["user"].as_str().expect("protected user").to_lowercase();
        assert!(!seen.contains(&user), "a protected user is actioned: {plan}");
    }
    assert_eq!(plan["counts"]["actions"].as_u64(), Some(actions.len() as u64));
    for l in plan["licence"].as_array().expect("licence") {
        let before = l["seatsBefore"].as_u64().unwrap();
        let after = l["seatsAfter"].as_u64().unwrap();
        let freed = l["seatsFreed"].as_u64().unwrap();
        assert!(after <= before && before - after == freed, "licence arithmetic: {l}");
    }
}
