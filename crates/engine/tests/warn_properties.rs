//! Property tests for warn before acting (docs/matching.md M16), over random users, warning
//! records and instants:
//! - a user who logged in after the latest warning is never acted on (never `act` in `warnings`,
//!   never an executable plan action, `decide` never proceeds);
//! - `plan` and `warnings` agree on who may be acted on, and the plan's executable count is that;
//! - without a sent record no action of a warn rule is executable;
//! - an `act` user was warned at least daysBefore days before asOf, after their last login.

use proptest::prelude::*;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use user_cleanup_engine as engine;

const DAY: i64 = 86_400_000;
/// 2026-11-27T00:00:00Z
const BASE: i64 = 1_795_737_600_000;

fn instant(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
        .unwrap_or_default()
}

fn parse(ms: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(ms)
        .map(|t| t.timestamp_millis())
        .unwrap_or(i64::MIN)
}

#[derive(Debug, Clone)]
struct User {
    /// Hours before BASE; `None` = never logged in.
    last_login: Option<i64>,
    created: i64,
    /// Warnings sent: hours before BASE (may be after the login, before it, or "in the future").
    sent: Vec<i64>,
    protected: bool,
}

fn user() -> impl Strategy<Value = User> {
    (
        prop::option::weighted(0.85, -48i64..24 * 200),
        24i64..24 * 400,
        prop::collection::vec(-48i64..24 * 200, 0..3),
        prop::bool::weighted(0.1),
    )
        .prop_map(|(last_login, created, sent, protected)| User {
            last_login,
            created,
            sent,
            protected,
        })
}

fn case() -> impl Strategy<Value = (Vec<User>, u64, u64, i64, bool)> {
    (
        prop::collection::vec(user(), 1..30),
        1u64..120,
        1u64..30,
        0i64..24 * 30,
        any::<bool>(),
    )
}

fn docs(users: &[User], inactive: u64, days_before: u64, shift_hours: i64, remove: bool) -> (Value, Value, Value, i64) {
    let as_of = BASE + shift_hours * 3_600_000;
    let action = if remove {
        json!({"type": "removeFromGroups", "groups": ["jira-*"]})
    } else {
        json!({"type": "deactivate"})
    };
    let policy = json!({
        "version": 1, "limits": {"maxActionsPerRun": 1000},
        "protect": {"groups": ["admins"]},
        "rules": [
            {"id": "idle", "inactiveDays": inactive, "neverLoggedIn": {"createdMoreThanDays": inactive},
             "action": action, "warn": {"daysBefore": days_before, "template": "t"}},
            {"id": "look", "inactiveDays": 10, "action": {"type": "review"}}
        ],
        "templates": [{"id": "t", "subject": "s", "body": "b"}]
    });
    let snapshot = json!({"users": users.iter().enumerate().map(|(i, u)| {
        let mut groups = vec!["jira-software-users"];
        if u.protected { groups.push("admins"); }
        json!({"name": format!("u{i:02}"), "active": true, "groups": groups,
               "created": instant(BASE - u.created * 3_600_000),
               "lastLogin": u.last_login.map(|h| instant(BASE - h * 3_600_000))})
    }).collect::<Vec<_>>()});
    let sent: Vec<Value> = users
        .iter()
        .enumerate()
        .flat_map(|(i, u)| {
            u.sent.iter().map(
                move |h| json!({"user": format!("U{i:02}"), "rule": "IDLE", "sentAt": instant(BASE - h * 3_600_000)}),
            )
        })
        .collect();
    (policy, snapshot, Value::Array(sent), as_of)
}

fn value(outcome: String) -> Value {
    let v: Value = serde_json::from_str(&outcome).unwrap_or(Value::Null);
    assert_eq!(v["type"], "success", "{v}");
    v["value"].clone()
}

/// The user's latest warning that counts (one dated more than 5 minutes after asOf does not:
/// it was not sent, `options.sentInFuture`) and last login, in ms.
fn latest(u: &User, as_of: i64) -> (Option<i64>, Option<i64>) {
    (
        u.sent
            .iter()
            .map(|h| BASE - h * 3_600_000)
            .filter(|&t| t <= as_of + 5 * 60_000)
            .max(),
        u.last_login.map(|h| BASE - h * 3_600_000),
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn a_login_after_the_warning_is_never_acted_on((users, inactive, days_before, shift, remove) in case()) {
        let (policy, snapshot, sent, as_of) = docs(&users, inactive, days_before, shift, remove);
        let options = json!({"asOf": instant(as_of), "sent": sent});
        let (p, s, o) = (policy.to_string(), snapshot.to_string(), options.to_string());
        let warned = value(engine::to_json(&engine::warnings(&p, &s, &o)));
        let plan = value(engine::to_json(&engine::plan(&p, &s, &o)));

        let mut act_w = BTreeSet::new();
        for w in warned["users"].as_array().into_iter().flatten() {
            let i: usize = w["user"].as_str().unwrap_or("u99")[1..].parse().unwrap_or(99);
            let u = &users[i];
            prop_assert!(!u.protected, "a protected user is listed: {w}");
            let (sent_at, login) = latest(u, as_of);
            if w["state"] == "act" {
                act_w.insert(w["user"].as_str().unwrap_or_default().to_string());
                let sent_at = sent_at.unwrap_or(i64::MAX);
                prop_assert!(login.is_none_or(|l| l <= sent_at), "logged in after the warning, yet act: {w}");
                prop_assert!(sent_at + days_before as i64 * DAY <= as_of, "warned too recently, yet act: {w}");
                prop_assert_eq!(&w["selected"], &json!(true));
                prop_assert!(parse(w["actionDate"].as_str().unwrap_or_default()) <= as_of);
            } else {
                prop_assert!(parse(w["actionDate"].as_str().unwrap_or_default()) > as_of || !w["selected"].as_bool().unwrap_or(true) || w["state"] == "warn",
                    "a waiting user's action date has passed: {w}");
            }
            if let (Some(s), Some(l)) = (sent_at, login) {
                if l > s {
                    prop_assert!(w["state"] == "warn", "a login after the warning starts over: {w}");
                    prop_assert_eq!(w["voidedWarning"].as_str().map(parse), Some(s));
                }
            }
            if w["selected"] == json!(false) {
                let from = parse(w["selectedFrom"].as_str().unwrap_or_default());
                prop_assert!(from > as_of && from <= as_of + days_before as i64 * DAY, "{w}");
            }
        }

        // The plan acts on exactly the `act` users, and counts only them as executable.
        let mut act_p = BTreeSet::new();
        for a in plan["actions"].as_array().into_iter().flatten().filter(|a| a["rule"] == "idle") {
            let state = &a["warning"]["state"];
            if a["status"].is_null() {
                prop_assert_eq!(state, &json!("act"));
                act_p.insert(a["user"].as_str().unwrap_or_default().to_string());
            } else {
                prop_assert_eq!(&a["status"], &json!("awaitingWarning"));
                prop_assert!(state != &json!("act"));
            }
        }
        prop_assert_eq!(&act_p, &act_w);
        prop_assert_eq!(plan["counts"]["executable"].as_u64(), Some(act_p.len() as u64));
        prop_assert_eq!(plan["counts"]["awaitingWarning"].as_u64().unwrap_or(0) as usize + act_p.len(),
            plan["counts"]["byRule"]["idle"].as_u64().unwrap_or(0) as usize);

        // decide agrees with the plan for every idle action.
        for a in plan["actions"].as_array().into_iter().flatten().filter(|a| a["rule"] == "idle") {
            let i: usize = a["user"].as_str().unwrap_or("u99")[1..].parse().unwrap_or(99);
            let mut planned = json!({"user": a["user"], "action": a["action"], "rule": "idle"});
            if !a["groups"].is_null() {
                planned["groups"] = a["groups"].clone();
            }
            let input = json!({"user": snapshot["users"][i], "planned": planned});
            let d = value(engine::to_json(&engine::decide(&p, &input.to_string(), &o)));
            let expected = if a["status"].is_null() { "decide.proceed" } else { "decide.awaitingWarning" };
            prop_assert_eq!(&d["code"], &json!(expected), "{} {}", a, d);
        }
    }

    #[test]
    fn without_a_record_nothing_a_warn_rule_selects_is_executable((users, inactive, days_before, shift, remove) in case()) {
        let (policy, snapshot, _, as_of) = docs(&users, inactive, days_before, shift, remove);
        let (p, s) = (policy.to_string(), snapshot.to_string());
        for o in [json!({"asOf": instant(as_of)}), json!({"asOf": instant(as_of), "sent": null}), json!({"asOf": instant(as_of), "sent": []})] {
            let plan = value(engine::to_json(&engine::plan(&p, &s, &o.to_string())));
            prop_assert_eq!(plan["counts"]["executable"].as_u64(), Some(0));
            let warned = value(engine::to_json(&engine::warnings(&p, &s, &o.to_string())));
            prop_assert!(warned["users"].as_array().into_iter().flatten().all(|w| w["state"] == "warn"));
            prop_assert_eq!(warned["counts"]["act"].as_u64(), Some(0));
        }
    }
}
