//! Property tests for impact before action (docs/matching.md M13-M15): what `leads`,
//! `openAssigned`, `createdBefore`, `handover` and `skipIfOpenAssignedIssues` may and may not
//! change in a plan, stated against the plan of the same inputs without them. The plan without
//! them is itself pinned by `properties.rs` (an independent oracle), so together these say that a
//! snapshot without the new fields plans exactly as before.

use proptest::prelude::*;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use user_cleanup_engine as engine;

const DAY: i64 = 86_400_000;
/// 2026-11-27T00:00:00Z
const BASE: i64 = 1_795_737_600_000;
const GROUPS: &[&str] = &["staff", "contractors", "jira-software-users", "admins"];

fn instant(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
        .unwrap_or_default()
}

#[derive(Debug, Clone)]
struct User {
    active: bool,
    groups: Vec<usize>,
    /// Days before BASE; `None` = never logged in (`null`).
    last_login: Option<i64>,
    /// `false`: no `lastLogin` field at all (not known).
    login_known: bool,
    created: Option<i64>,
    /// Impact fields, used only where a property adds them.
    projects: Vec<usize>,
    components: usize,
    open_assigned: Option<u64>,
    bound_slack: i64,
}

#[derive(Debug, Clone)]
struct Rule {
    include: Option<usize>,
    inactive_days: Option<i64>,
    never_days: Option<i64>,
    action: u8,
}

#[derive(Debug, Clone)]
struct Case {
    users: Vec<User>,
    rules: Vec<Rule>,
    limit: u64,
}

fn user() -> impl Strategy<Value = User> {
    (
        prop::bool::weighted(0.9),
        prop::collection::vec(0..GROUPS.len(), 0..3),
        prop::option::weighted(0.8, 0i64..400),
        prop::bool::weighted(0.9),
        prop::option::weighted(0.7, 0i64..800),
        prop::collection::vec(0usize..4, 0..3),
        0usize..3,
        prop::option::weighted(0.7, 0u64..4),
        0i64..200,
    )
        .prop_map(
            |(active, groups, last_login, login_known, created, projects, components, open_assigned, bound_slack)| {
                User {
                    active,
                    groups,
                    last_login,
                    login_known,
                    created,
                    projects,
                    components,
                    open_assigned,
                    bound_slack,
                }
            },
        )
}

fn rule() -> impl Strategy<Value = Rule> {
    (
        prop::option::of(0..GROUPS.len()),
        prop::option::weighted(0.8, 0i64..300),
        prop::option::of(0i64..300),
        0u8..3,
    )
        .prop_map(|(include, inactive_days, never_days, action)| Rule {
            include,
            // A rule needs an activity condition.
            inactive_days: if never_days.is_none() && inactive_days.is_none() {
                Some(30)
            } else {
                inactive_days
            },
            never_days,
            action,
        })
}

fn case() -> impl Strategy<Value = Case> {
    (
        prop::collection::vec(user(), 1..25),
        prop::collection::vec(rule(), 1..4),
        0u64..20,
    )
        .prop_map(|(users, rules, limit)| Case { users, rules, limit })
}

/// What to add to the plain case.
#[derive(Default, Clone, Copy)]
struct Extras {
    leads: bool,
    only_components: bool,
    open_assigned: bool,
    /// Give users that have `created` also a `createdBefore` (later than it).
    redundant_bound: bool,
    /// Replace `created` by `createdBefore` equal to it.
    bound_for_created: bool,
    handover: bool,
    skip_if_open: bool,
}

fn policy_json(c: &Case, x: Extras) -> Value {
    let rules: Vec<Value> = c
        .rules
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let mut v = json!({"id": format!("r{i}")});
            if let Some(g) = r.include {
                v["include"] = json!({"groups": [GROUPS[g]]});
            }
            if let Some(d) = r.inactive_days {
                v["inactiveDays"] = json!(d);
            }
            if let Some(d) = r.never_days {
                v["neverLoggedIn"] = json!({"createdMoreThanDays": d});
            }
            v["action"] = match r.action {
                0 => json!({"type": "deactivate"}),
                1 => json!({"type": "review"}),
                _ => json!({"type": "removeFromGroups", "groups": ["jira-*-users", "contractors"]}),
            };
            if x.skip_if_open {
                v["skipIfOpenAssignedIssues"] = json!(true);
            }
            v
        })
        .collect();
    let mut p = json!({
        "version": 1,
        "protect": {"groups": ["admins"]},
        "limits": {"maxActionsPerRun": c.limit},
        "rules": rules,
    });
    if x.handover {
        p["handover"] = json!({"projectLead": "heir"});
    }
    p
}

fn snapshot_json(c: &Case, x: Extras) -> Value {
    let mut users: Vec<Value> = c
        .users
        .iter()
        .enumerate()
        .map(|(i, u)| {
            let mut v = json!({
                "name": format!("u{i:02}"),
                "active": u.active,
                "groups": u.groups.iter().map(|&g| GROUPS[g]).collect::<Vec<_>>(),
            });
            if u.login_known {
                v["lastLogin"] = match u.last_login {
                    Some(d) => json!(instant(BASE - d * DAY)),
                    None => Value::Null,
                };
            }
            if let Some(d) = u.created {
                let t = BASE - d * DAY;
                if x.bound_for_created {
                    v["createdBefore"] = json!(instant(t));
                } else {
                    v["created"] = json!(instant(t));
                    if x.redundant_bound {
                        v["createdBefore"] = json!(instant(t + u.bound_slack * DAY));
                    }
                }
            }
            if x.leads {
                let projects: Vec<Value> = if x.only_components {
                    Vec::new()
                } else {
                    u.projects.iter().map(|p| json!({"key": format!("P{p}")})).collect()
                };
                let components: Vec<Value> = (0..u.components)
                    .map(|k| json!({"project": "P0", "name": format!("C{k}")}))
                    .collect();
                v["leads"] = json!({"projects": projects, "components": components});
            }
            if x.open_assigned {
                v["openAssigned"] = json!(u.open_assigned);
            }
            v
        })
        .collect();
    if x.handover {
        // Logged in after asOf: never selected by any rule, so its protection changes nothing.
        users.push(json!({"name": "heir", "active": true, "groups": ["staff"], "lastLogin": instant(BASE + DAY)}));
    }
    json!({
        "capturedAt": instant(BASE),
        "users": users,
        "applicationRoles": [{"key": "jira-software", "groups": ["jira-software-users"], "numberOfSeats": 20}],
    })
}

fn plan(c: &Case, x: Extras) -> Value {
    let out = engine::plan(
        &policy_json(c, x).to_string(),
        &snapshot_json(c, x).to_string(),
        &json!({"asOf": instant(BASE)}).to_string(),
    );
    let v: Value = serde_json::from_str(&engine::to_json(&out)).unwrap_or(Value::Null);
    assert_eq!(v["type"], "success", "{v}");
    v["value"].clone()
}

/// The plan with what impact adds taken out: the impact facts, and the reasons after the
/// conditions' own (impact reasons are appended last).
fn without_impact(plan: &Value) -> Value {
    let mut p = plan.clone();
    if let Some(actions) = p["actions"].as_array_mut() {
        for a in actions {
            if let Some(f) = a["facts"].as_object_mut() {
                f.remove("leads");
                f.remove("openAssigned");
            }
            if let Some(r) = a["reasons"].as_array_mut() {
                r.retain(|s| {
                    let s = s.as_str().unwrap_or_default();
                    !(s.starts_with("lead of ") || s.contains("unresolved issue"))
                });
            }
        }
    }
    p
}

fn by_user(plan: &Value) -> BTreeMap<String, Value> {
    plan["actions"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|x| (x["user"].as_str().unwrap_or_default().to_string(), x.clone()))
                .collect()
        })
        .unwrap_or_default()
}

fn count(plan: &Value, field: &str) -> u64 {
    plan["counts"][field].as_u64().unwrap_or(0)
}

const NEW_KEYS: &[&str] = &["status", "blockedCode", "blockedReason", "handover"];
const NEW_FACTS: &[&str] = &["leads", "openAssigned", "createdBefore"];

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(256),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Without the new fields nothing new appears, and a `createdBefore` beside a `created` (which
    /// wins) changes not one byte.
    #[test]
    fn without_the_new_fields_nothing_changes(c in case()) {
        let plain = plan(&c, Extras::default());
        prop_assert!(plain.get("skipped").is_none());
        prop_assert!(plain["counts"].get("blocked").is_none() && plain["counts"].get("skipped").is_none());
        for a in plain["actions"].as_array().into_iter().flatten() {
            for k in NEW_KEYS {
                prop_assert!(a.get(*k).is_none(), "{k} in {a}");
            }
            for k in NEW_FACTS {
                prop_assert!(a["facts"].get(*k).is_none(), "facts.{k} in {a}");
            }
        }
        prop_assert_eq!(
            count(&plain, "executable"),
            plain["counts"]["byAction"]["deactivate"].as_u64().unwrap_or(0)
                + plain["counts"]["byAction"]["removeFromGroups"].as_u64().unwrap_or(0)
        );
        let redundant = plan(&c, Extras { redundant_bound: true, ..Extras::default() });
        prop_assert_eq!(plain.to_string(), redundant.to_string());
    }

    /// Component leads and open assigned issues are facts and reasons only: the same users, rules,
    /// actions, counts and licence impact.
    #[test]
    fn component_leads_and_open_issues_change_no_decision(c in case()) {
        let plain = plan(&c, Extras::default());
        let more = plan(&c, Extras { leads: true, only_components: true, open_assigned: true, ..Extras::default() });
        prop_assert_eq!(without_impact(&more), plain);
    }

    /// Project leads: every deactivation of a lead is blocked and nothing else changes but the
    /// counts and seats a blocked action would have taken; with a hand-over none is blocked and
    /// each carries the user's projects.
    #[test]
    fn project_leads_block_or_hand_over(c in case()) {
        let plain = plan(&c, Extras::default());
        let leads = plan(&c, Extras { leads: true, ..Extras::default() });
        let before = by_user(&plain);
        let after = by_user(&leads);
        prop_assert_eq!(before.keys().collect::<Vec<_>>(), after.keys().collect::<Vec<_>>());
        let mut blocked = 0;
        for (name, a) in &after {
            let i: usize = name[1..].parse().unwrap_or(0);
            let leads_projects = !c.users[i].projects.is_empty();
            prop_assert_eq!(&a["rule"], &before[name]["rule"]);
            prop_assert_eq!(&a["action"], &before[name]["action"]);
            let should_block = leads_projects && a["action"] == "deactivate";
            prop_assert_eq!(a.get("status").is_some(), should_block, "{}", a);
            if should_block {
                blocked += 1;
                prop_assert_eq!(&a["blockedCode"], "blocked.projectLead");
                prop_assert!(a["blockedReason"].as_str().unwrap_or_default().ends_with("Jira refuses to deactivate a project lead"));
            }
        }
        prop_assert_eq!(count(&leads, "blocked"), blocked);
        prop_assert_eq!(count(&leads, "executable") + blocked, count(&plain, "executable"));
        prop_assert_eq!(&leads["overLimit"], &json!(count(&leads, "executable") > c.limit));
        prop_assert_eq!(&leads["counts"]["byAction"], &plain["counts"]["byAction"]);
        let freed = |p: &Value| p["licence"][0]["seatsFreed"].as_u64().unwrap_or(0);
        prop_assert!(freed(&leads) <= freed(&plain));

        let handed = plan(&c, Extras { leads: true, handover: true, ..Extras::default() });
        prop_assert!(handed["counts"].get("blocked").is_none());
        prop_assert_eq!(count(&handed, "executable"), count(&plain, "executable"));
        prop_assert_eq!(freed(&handed), freed(&plain));
        for (name, a) in by_user(&handed) {
            let i: usize = name[1..].parse().unwrap_or(0);
            let mut keys: Vec<String> = c.users[i].projects.iter().map(|p| format!("P{p}")).collect();
            keys.sort();
            keys.dedup();
            let expect = (a["action"] == "deactivate" && !keys.is_empty())
                .then(|| json!({"projectLead": "heir", "projects": keys}));
            prop_assert_eq!(a.get("handover").cloned(), expect, "{}", a);
        }
    }

    /// skipIfOpenAssignedIssues on every rule: exactly the users with 0 open issues keep their
    /// action; each other user the plain plan actions is listed as skipped, with the right code.
    #[test]
    fn skipping_rules_keep_exactly_the_users_without_open_issues(c in case()) {
        let plain = plan(&c, Extras { open_assigned: true, ..Extras::default() });
        let skip = plan(&c, Extras { open_assigned: true, skip_if_open: true, ..Extras::default() });
        let before = by_user(&plain);
        let after = by_user(&skip);
        let mut skipped = BTreeMap::new();
        for (name, a) in &before {
            let i: usize = name[1..].parse().unwrap_or(0);
            match c.users[i].open_assigned {
                Some(0) => prop_assert_eq!(&after[name]["rule"], &a["rule"]),
                n => {
                    prop_assert!(!after.contains_key(name));
                    skipped.insert(name.clone(), if n.is_some() { "skipped.openAssigned" } else { "skipped.openAssignedUnknown" });
                }
            }
        }
        prop_assert_eq!(after.len() + skipped.len(), before.len());
        let listed: BTreeMap<String, &str> = skip["skipped"]
            .as_array()
            .map(|s| s.iter().map(|e| (e["user"].as_str().unwrap_or_default().to_string(), e["code"].as_str().unwrap_or_default())).collect())
            .unwrap_or_default();
        prop_assert_eq!(listed, skipped);
    }

    /// decide agrees with the plan about leads: a blocked action is `decide.blocked`, every other
    /// executable action proceeds, with exactly the plan's hand-over.
    #[test]
    fn decide_agrees_with_the_plan_about_leads(c in case(), handover in any::<bool>()) {
        let x = Extras { leads: true, handover, open_assigned: true, ..Extras::default() };
        let p = plan(&c, x);
        let policy = policy_json(&c, x).to_string();
        let snapshot = snapshot_json(&c, x);
        let options = json!({"asOf": instant(BASE)}).to_string();
        for a in p["actions"].as_array().into_iter().flatten().filter(|a| a["action"] != "review") {
            let user = snapshot["users"]
                .as_array()
                .and_then(|u| u.iter().find(|u| u["name"] == a["user"]))
                .cloned()
                .unwrap_or(Value::Null);
            let mut planned = json!({"user": a["user"], "action": a["action"], "rule": a["rule"]});
            if let Some(g) = a.get("groups") {
                planned["groups"] = g.clone();
            }
            if let Some(h) = a.get("handover") {
                planned["handover"] = h.clone();
            }
            let out = engine::decide(&policy, &json!({"user": user, "planned": planned}).to_string(), &options);
            let d: Value = serde_json::from_str(&engine::to_json(&out)).unwrap_or(Value::Null);
            if a.get("status").is_some() {
                prop_assert_eq!(&d["value"]["code"], "decide.blocked", "{}", d);
                prop_assert_eq!(&d["value"]["reason"], &a["blockedReason"]);
            } else {
                prop_assert_eq!(&d["value"]["code"], "decide.proceed", "{}", d);
                prop_assert_eq!(d["value"]["action"].get("handover"), a.get("handover"));
            }
        }
    }

    /// A `createdBefore` equal to the creation instant decides exactly as `created` does (the
    /// same users, rules and actions); only the facts and the wording say which was used.
    #[test]
    fn a_bound_at_the_creation_instant_decides_as_created(c in case()) {
        let plain = plan(&c, Extras::default());
        let bound = plan(&c, Extras { bound_for_created: true, ..Extras::default() });
        let strip = |p: &Value| -> BTreeMap<String, (Value, Value, Value)> {
            by_user(p).into_iter().map(|(k, a)| (k, (a["rule"].clone(), a["action"].clone(), a["facts"]["daysInactive"].clone()))).collect()
        };
        prop_assert_eq!(strip(&plain), strip(&bound));
        prop_assert_eq!(&plain["counts"], &bound["counts"]);
        for (name, a) in by_user(&bound) {
            if a["facts"]["lastLogin"].is_null() {
                prop_assert!(a["facts"]["created"].is_null());
                prop_assert!(a["facts"]["createdBefore"].is_string(), "{}", a);
                prop_assert!(a["reasons"].to_string().contains("created before"), "{name}: {a}");
            }
        }
    }
}
