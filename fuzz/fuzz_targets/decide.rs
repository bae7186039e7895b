//! Arbitrary bytes split at NUL bytes into `policy \0 input \0 options` (a missing policy part
//! means the valid sample policy, missing options `{"asOf": ..., "actor": "admin"}`), decided; on
//! success the decision's invariants are checked: proceed carries an action of the planned kind
//! that never names a group the plan did not list, a skip carries none.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;

mod common;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.splitn(3, '\0');
    let first = parts.next().unwrap_or("");
    let (policy, input) = match parts.next() {
        Some(input) => (first, input),
        None => (common::VALID_POLICY, first),
    };
    let options = parts.next().unwrap_or(common::VALID_OPTIONS);

    let out = user_cleanup_engine::decide(policy, input, options);
    let v = common::round_trip(&out);
    if v["type"] == "success" {
        let planned: Value = serde_json::from_str(input).expect("a decided input is JSON");
        check_decision(&v["value"], &planned["planned"]);
    }
});

fn check_decision(d: &Value, planned: &Value) {
    let code = d["code"].as_str().expect("a code");
    assert!(code.starts_with("decide."), "{d}");
    assert!(!d["reason"].as_str().expect("a reason").is_empty(), "{d}");
    match d["decision"].as_str() {
        Some("proceed") => {
            assert_eq!(code, "decide.proceed", "{d}");
            let a = &d["action"];
            assert_eq!(a["action"], planned["action"], "proceeds with the planned kind: {d}");
            assert!(
                a["rule"].as_str().unwrap_or_default().eq_ignore_ascii_case(planned["rule"].as_str().unwrap_or_default()),
                "proceeds with the planned rule: {d}"
            );
            if let Some(groups) = a["groups"].as_array() {
                assert!(!groups.is_empty(), "{d}");
                let listed: Vec<String> = planned["groups"]
                    .as_array()
                    .expect("planned groups")
                    .iter()
                    .filter_map(|g| g.as_str().map(|g| g.trim().to_string()))
                    .collect();
                for g in groups {
                    assert!(listed.iter().any(|l| l == g.as_str().unwrap_or_default()), "a group the plan did not list: {d}");
                }
            }
        }
        Some("skip") => {
            assert_ne!(code, "decide.proceed", "{d}");
            assert!(d.get("action").is_none(), "a skip carries no action: {d}");
        }
        _ => panic!("no decision: {d}"),
    }
}
