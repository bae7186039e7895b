//! Property tests of `planBulk` (and `decide` for its items) over generated policies, snapshots
//! and requests: a destructive operation never lists a protected user, actions are only ever
//! users that were asked for, every name asked for is accounted for exactly once, groups are
//! only those the operation names and that change, and decide agrees with the plan on an
//! unchanged user. Protection is judged by a naive oracle written from docs/matching.md M7.

use proptest::prelude::*;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use user_cleanup_engine as engine;

const AS_OF: &str = "2026-11-27T00:00:00Z";
const NAMES: &[&str] = &["ann", "Bob", "carl", "dora", "eve", "fay", "gus", "hal"];
const GROUPS: &[&str] = &["staff", "Admins", "ext", "jira-users"];
/// Before and after AS_OF.
const DATES: &[(&str, bool)] = &[("2026-01-01", true), ("2027-01-01", false)];

#[derive(Debug, Clone)]
struct Model {
    users: Vec<(usize, bool, Vec<usize>)>,
    protect_users: Vec<usize>,
    protect_groups: Vec<usize>,
    /// (user, index into DATES)
    service_accounts: Vec<(usize, usize)>,
    exceptions: Vec<(usize, usize)>,
    actor: Option<usize>,
    requested: Vec<String>,
    op: usize,
    groups: Vec<usize>,
}

fn model() -> impl Strategy<Value = Model> {
    let users = prop::sample::subsequence((0..NAMES.len()).collect::<Vec<_>>(), 1..=NAMES.len()).prop_flat_map(|ids| {
        let n = ids.len();
        (
            Just(ids),
            prop::collection::vec(any::<bool>(), n),
            prop::collection::vec(
                prop::sample::subsequence((0..GROUPS.len()).collect::<Vec<_>>(), 0..=GROUPS.len()),
                n,
            ),
        )
    });
    let who = || prop::sample::subsequence((0..NAMES.len()).collect::<Vec<_>>(), 0..=3);
    let dated = || prop::collection::btree_map(0..NAMES.len(), 0..DATES.len(), 0..=3);
    (
        users,
        who(),
        prop::sample::subsequence((0..GROUPS.len()).collect::<Vec<_>>(), 0..=2),
        dated(),
        dated(),
        prop::option::of(0..NAMES.len()),
        prop::collection::vec((0..NAMES.len() + 2, any::<bool>()), 1..12),
        0..4usize,
        prop::sample::subsequence((0..GROUPS.len()).collect::<Vec<_>>(), 1..=GROUPS.len()),
    )
        .prop_map(
            |((ids, active, groups), pu, pg, sa, ex, actor, requested, op, og)| Model {
                users: ids
                    .into_iter()
                    .zip(active)
                    .zip(groups)
                    .map(|((i, a), g)| (i, a, g))
                    .collect(),
                protect_users: pu,
                protect_groups: pg,
                service_accounts: sa.into_iter().collect(),
                exceptions: ex.into_iter().collect(),
                actor,
                // Names asked for: snapshot users or strangers, in any case.
                requested: requested
                    .into_iter()
                    .map(|(i, upper)| {
                        let n = NAMES
                            .get(i)
                            .copied()
                            .unwrap_or(if i == NAMES.len() { "ghost" } else { "nobody" });
                        if upper {
                            n.to_uppercase()
                        } else {
                            n.to_lowercase()
                        }
                    })
                    .collect(),
                op,
                groups: og,
            },
        )
}

const OPS: [&str; 4] = ["deactivate", "reactivate", "addToGroups", "removeFromGroups"];

fn render(m: &Model) -> (Value, Value, Value) {
    let policy = json!({
        "version": 1,
        "protect": {
            "users": m.protect_users.iter().map(|&i| NAMES[i]).collect::<Vec<_>>(),
            "groups": m.protect_groups.iter().map(|&g| GROUPS[g].to_uppercase()).collect::<Vec<_>>(),
        },
        "serviceAccounts": m.service_accounts.iter().map(|&(u, d)| json!({"user": NAMES[u], "owner": "ops", "expires": DATES[d].0})).collect::<Vec<_>>(),
        "exceptions": m.exceptions.iter().map(|&(u, d)| json!({"user": NAMES[u], "reason": "kept", "by": "boss", "until": DATES[d].0})).collect::<Vec<_>>(),
        "limits": {"maxActionsPerRun": 3},
        "rules": [{"id": "r", "inactiveDays": 30, "action": {"type": "deactivate"}}],
    });
    let snapshot = json!({"users": m.users.iter().map(|(i, active, groups)| json!({
        "name": NAMES[*i], "key": format!("K{i}"), "active": active,
        "groups": groups.iter().map(|&g| GROUPS[g]).collect::<Vec<_>>(),
    })).collect::<Vec<_>>()});
    let op = OPS[m.op];
    let mut operation = json!({"type": op});
    if op.ends_with("Groups") {
        operation["groups"] = json!(m.groups.iter().map(|&g| GROUPS[g]).collect::<Vec<_>>());
    }
    let mut options = json!({"asOf": AS_OF, "users": m.requested, "operation": operation});
    if let Some(a) = m.actor {
        options["actor"] = json!(NAMES[a]);
    }
    (policy, snapshot, options)
}

/// M7, naively: the actor, protect.users, a protected group, an unexpired service account or exception.
fn protected_oracle(m: &Model, user: usize, groups: &[usize]) -> bool {
    m.actor == Some(user)
        || m.protect_users.contains(&user)
        || groups.iter().any(|g| m.protect_groups.contains(g))
        || m.service_accounts.iter().any(|&(u, d)| u == user && !DATES[d].1)
        || m.exceptions.iter().any(|&(u, d)| u == user && !DATES[d].1)
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn plan_bulk_never_actions_a_protected_user_destructively_nor_anyone_not_asked_for(m in model()) {
        let (policy, snapshot, options) = render(&m);
        let out = engine::plan_bulk(&policy.to_string(), &snapshot.to_string(), &options.to_string());
        let out: Value = serde_json::from_str(&engine::to_json(&out)).unwrap_or(Value::Null);
        prop_assert_eq!(&out["type"], "success", "{}", out);
        let v = &out["value"];
        let op = OPS[m.op];
        let destructive = op == "deactivate" || op == "removeFromGroups";
        let asked: BTreeSet<String> = m.requested.iter().map(|n| n.to_lowercase()).collect();
        let find = |name: &str| m.users.iter().find(|(i, ..)| NAMES[*i].eq_ignore_ascii_case(name));
        let op_groups: BTreeSet<&str> = m.groups.iter().map(|&g| GROUPS[g]).collect();

        let mut accounted: Vec<String> = Vec::new();
        for a in v["actions"].as_array().into_iter().flatten() {
            let name = a["user"].as_str().unwrap_or_default();
            prop_assert!(asked.contains(&name.to_lowercase()), "{} was not asked for", name);
            let Some((i, active, groups)) = find(name) else {
                return Err(TestCaseError::fail(format!("{name} is not in the snapshot")));
            };
            if destructive {
                prop_assert!(!protected_oracle(&m, *i, groups), "{} is protected: {}", name, a);
            }
            prop_assert_eq!(a["action"].as_str(), Some(op));
            prop_assert_eq!(a["rule"].as_str(), Some("bulk"));
            match op {
                "deactivate" => prop_assert!(*active),
                "reactivate" => prop_assert!(!*active),
                _ => {
                    let listed = strings(&a["groups"]);
                    prop_assert!(!listed.is_empty());
                    for g in &listed {
                        prop_assert!(op_groups.contains(g.as_str()), "{} not in the operation", g);
                        let held = groups.iter().any(|&h| GROUPS[h].eq_ignore_ascii_case(g));
                        prop_assert_eq!(held, op == "removeFromGroups", "{} {}", name, g);
                    }
                }
            }
            accounted.push(name.to_lowercase());
        }
        for p in v["protected"].as_array().into_iter().flatten() {
            let name = p["user"].as_str().unwrap_or_default();
            prop_assert!(destructive, "protection only for destructive operations: {}", p);
            let (i, _, groups) = find(name).ok_or_else(|| TestCaseError::fail("protected user not in snapshot"))?;
            prop_assert!(protected_oracle(&m, *i, groups), "{} is not protected: {}", name, p);
            accounted.push(name.to_lowercase());
        }
        for u in v["unchanged"].as_array().into_iter().flatten() {
            accounted.push(u["user"].as_str().unwrap_or_default().to_lowercase());
        }
        for u in strings(&v["unknown"]) {
            prop_assert!(find(&u).is_none(), "{} is in the snapshot", u);
            accounted.push(u.to_lowercase());
        }
        // Every distinct name asked for appears exactly once across the four lists.
        let mut sorted = accounted.clone();
        sorted.sort();
        prop_assert_eq!(sorted, asked.iter().cloned().collect::<Vec<_>>());
        let executable = v["counts"]["executable"].as_u64().unwrap_or(0);
        prop_assert_eq!(v["overLimit"].as_bool(), Some(executable > 3));

        // decide agrees with the plan for each action on the user as the snapshot has them.
        for a in v["actions"].as_array().into_iter().flatten().filter(|a| a.get("status").is_none()) {
            let name = a["user"].as_str().unwrap_or_default();
            let user = snapshot["users"].as_array().into_iter().flatten().find(|u| u["name"] == name).cloned();
            let mut planned = json!({"user": name, "key": a["key"], "action": a["action"], "rule": "bulk"});
            if let Some(g) = a.get("groups") {
                planned["groups"] = g.clone();
            }
            let mut o = json!({"asOf": AS_OF});
            if let Some(actor) = options.get("actor") {
                o["actor"] = actor.clone();
            }
            let d = engine::decide(&policy.to_string(), &json!({"user": user, "planned": planned}).to_string(), &o.to_string());
            let d: Value = serde_json::from_str(&engine::to_json(&d)).unwrap_or(Value::Null);
            prop_assert_eq!(&d["value"]["code"], "decide.proceed", "{} {}", a, d);
            prop_assert_eq!(&d["value"]["action"]["groups"], &a["groups"].clone());
        }
    }
}
