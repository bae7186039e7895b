//! Shared by the fuzz targets: every outcome must serialise to JSON that parses back.

use serde::Serialize;
use serde_json::Value;
use user_cleanup_engine::{to_json, Outcome};

/// A policy that validates (no schedules: they depend on the cron module).
#[allow(dead_code)]
pub const VALID_POLICY: &str = r#"{
  "version": 1,
  "internalDomains": ["acme.com"],
  "protect": { "groups": ["jira-administrators"], "users": ["svc-backup"] },
  "serviceAccounts": [ { "user": "svc-ci", "owner": "ops@acme.com", "purpose": "CI", "expires": "2027-06-30" } ],
  "limits": { "maxActionsPerRun": 100 },
  "rules": [
    { "id": "contractors-90d", "include": { "groups": ["contractors", "ext-*"] },
      "exclude": { "groups": ["keep-forever"], "users": ["alice"] }, "email": { "external": true },
      "inactiveDays": 90, "neverLoggedIn": { "createdMoreThanDays": 30 }, "action": { "type": "deactivate" } },
    { "id": "strip", "inactiveDays": 180,
      "action": { "type": "removeFromGroups", "groups": ["jira-software-users"] } },
    { "id": "look", "inactiveDays": 30, "action": { "type": "review" } }
  ]
}"#;

#[allow(dead_code)]
pub const VALID_OPTIONS: &str = r#"{"asOf":"2026-11-27T00:00:00Z","actor":"admin"}"#;

/// Serialises the outcome and checks the text is JSON with the envelope's shape.
pub fn round_trip<T: Serialize>(outcome: &Outcome<T>) -> Value {
    let text = to_json(outcome);
    let v: Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("to_json gave text that is not JSON ({e}): {text}"));
    match v["type"].as_str() {
        Some("success") => assert!(v.get("value").is_some(), "{text}"),
        Some("failure") => {
            let errors = v["errors"].as_array().expect("errors is a list");
            assert!(!errors.is_empty(), "a failure with no errors: {text}");
        }
        _ => panic!("no envelope type: {text}"),
    }
    assert!(v["warnings"].is_array(), "{text}");
    v
}
