//! Property tests: invariants of `plan` (and `decide` against it) over generated policies and snapshots.
//!
//! Inputs are generated as a small structured model (users, rules, protections, roles) that is
//! rendered to JSON for the engine; the same model feeds an independent, deliberately naive
//! re-implementation of the matching clauses of docs/matching.md (the oracle below) that the engine's plan
//! must agree with.

use chrono::{DateTime, FixedOffset, Utc};
use proptest::prelude::*;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use user_cleanup_engine as engine;

const DAY: i64 = 86_400_000;
/// 2026-11-27T00:00:00Z
const BASE: i64 = 1_795_737_600_000;

// ---------------------------------------------------------------------------------------------
// The model

#[derive(Debug, Clone)]
enum Login {
    At(i64),
    Never,
    Absent,
}

#[derive(Debug, Clone)]
struct User {
    name: String,
    email: Option<String>,
    active: bool,
    groups: Vec<String>,
    created: Option<i64>,
    last_login: Login,
    /// Write timestamps with Jira's `+1000` offset instead of `Z`.
    jira_offsets: bool,
}

#[derive(Debug, Clone)]
enum Email {
    External(bool),
    Domains(Vec<String>),
}

#[derive(Debug, Clone)]
enum Action {
    Deactivate,
    Review,
    Remove(Vec<String>),
}

#[derive(Debug, Clone)]
struct Rule {
    id: String,
    /// `None` = no `include` at all; `Some(vec![])` = an empty list (also everyone).
    include: Option<Vec<String>>,
    exclude_groups: Vec<String>,
    exclude_users: Vec<String>,
    email: Option<Email>,
    inactive_days: Option<i64>,
    never_days: Option<i64>,
    action: Action,
}

#[derive(Debug, Clone)]
struct ServiceAccount {
    user: String,
    /// As written, and as an instant.
    expires: Option<(String, i64)>,
}

#[derive(Debug, Clone)]
struct Role {
    key: String,
    groups: Vec<String>,
    seats: Option<i64>,
    unlimited: bool,
}

#[derive(Debug, Clone)]
struct Case {
    as_of: i64,
    actor: Option<String>,
    internal_domains: Vec<String>,
    protect_groups: Vec<String>,
    protect_users: Vec<String>,
    service_accounts: Vec<ServiceAccount>,
    limit: Option<u64>,
    rules: Vec<Rule>,
    users: Vec<User>,
    roles: Vec<Role>,
    /// Drives the shuffles of property (d).
    shuffle_seed: u64,
}

// ---------------------------------------------------------------------------------------------
// Rendering the model as the engine's JSON inputs

fn instant(ms: i64, jira: bool) -> String {
    let utc = DateTime::<Utc>::from_timestamp_millis(ms).unwrap();
    if jira {
        let tz = FixedOffset::east_opt(10 * 3600).unwrap();
        utc.with_timezone(&tz).format("%Y-%m-%dT%H:%M:%S%.3f%z").to_string()
    } else {
        utc.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
    }
}

fn policy_json(c: &Case) -> Value {
    let rules: Vec<Value> = c
        .rules
        .iter()
        .map(|r| {
            let mut v = json!({ "id": r.id });
            if let Some(inc) = &r.include {
                v["include"] = json!({ "groups": inc });
            }
            if !r.exclude_groups.is_empty() || !r.exclude_users.is_empty() {
                v["exclude"] = json!({ "groups": r.exclude_groups, "users": r.exclude_users });
            }
            match &r.email {
                Some(Email::External(b)) => v["email"] = json!({ "external": b }),
                Some(Email::Domains(d)) => v["email"] = json!({ "domains": d }),
                None => {}
            }
            if let Some(d) = r.inactive_days {
                v["inactiveDays"] = json!(d);
            }
            if let Some(d) = r.never_days {
                v["neverLoggedIn"] = json!({ "createdMoreThanDays": d });
            }
            v["action"] = match &r.action {
                Action::Deactivate => json!({ "type": "deactivate" }),
                Action::Review => json!({ "type": "review" }),
                Action::Remove(g) => json!({ "type": "removeFromGroups", "groups": g }),
            };
            v
        })
        .collect();
    let mut p = json!({
        "version": 1,
        "internalDomains": c.internal_domains,
        "protect": { "groups": c.protect_groups, "users": c.protect_users },
        "serviceAccounts": c.service_accounts.iter().map(|s| {
            let mut v = json!({ "user": s.user, "owner": "ops@acme.com" });
            if let Some((raw, _)) = &s.expires {
                v["expires"] = json!(raw);
            }
            v
        }).collect::<Vec<_>>(),
        "rules": rules,
    });
    if let Some(max) = c.limit {
        p["limits"] = json!({ "maxActionsPerRun": max });
    }
    p
}

fn user_json(u: &User) -> Value {
    let mut v = json!({
        "name": u.name,
        "displayName": format!("The {}", u.name),
        "active": u.active,
        "groups": u.groups,
    });
    if let Some(e) = &u.email {
        v["email"] = json!(e);
    }
    if let Some(t) = u.created {
        v["created"] = json!(instant(t, u.jira_offsets));
    }
    match u.last_login {
        Login::At(t) => v["lastLogin"] = json!(instant(t, u.jira_offsets)),
        Login::Never => v["lastLogin"] = Value::Null,
        Login::Absent => {}
    }
    v
}

fn snapshot_json(c: &Case, users: &[User]) -> Value {
    json!({
        "capturedAt": instant(c.as_of, false),
        "users": users.iter().map(user_json).collect::<Vec<_>>(),
        "applicationRoles": c.roles.iter().map(|r| {
            let mut v = json!({ "key": r.key, "groups": r.groups, "hasUnlimitedSeats": r.unlimited });
            if let Some(n) = r.seats {
                v["numberOfSeats"] = json!(n);
            }
            v
        }).collect::<Vec<_>>(),
    })
}

fn options_json(c: &Case) -> Value {
    let mut o = json!({ "asOf": instant(c.as_of, false) });
    if let Some(a) = &c.actor {
        o["actor"] = json!(a);
    }
    o
}

fn run(c: &Case, users: &[User]) -> String {
    engine::to_json(&engine::plan(
        &policy_json(c).to_string(),
        &snapshot_json(c, users).to_string(),
        &options_json(c).to_string(),
    ))
}

fn plan_value(text: &str) -> Value {
    let v: Value = serde_json::from_str(text).expect("to_json gives JSON");
    assert_eq!(v["type"], "success", "generated inputs must plan: {text}");
    v["value"].clone()
}

// ---------------------------------------------------------------------------------------------
// The oracle: docs/matching.md's clauses, written as plainly as possible

/// Whole-name glob, `*` = any run of characters, on lowercased text.
fn glob(p: &[char], t: &[char]) -> bool {
    match p.split_first() {
        None => t.is_empty(),
        Some(('*', rest)) => (0..=t.len()).any(|i| glob(rest, &t[i..])),
        Some((c, rest)) => t.first() == Some(c) && glob(rest, &t[1..]),
    }
}

fn matches(pattern: &str, group: &str) -> bool {
    let p: Vec<char> = pattern.trim().to_lowercase().chars().collect();
    let t: Vec<char> = group.trim().to_lowercase().chars().collect();
    glob(&p, &t)
}

fn member_of_any(u: &User, patterns: &[String]) -> bool {
    u.groups.iter().any(|g| patterns.iter().any(|p| matches(p, g)))
}

fn same_name(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

fn domain(u: &User) -> Option<String> {
    let e = u.email.as_deref()?.trim();
    let (_, d) = e.rsplit_once('@')?;
    let d = d.trim().to_lowercase();
    (!d.is_empty()).then_some(d)
}

fn belongs(domain: &str, d: &str) -> bool {
    let d = d.to_lowercase();
    domain == d || domain.ends_with(&format!(".{d}"))
}

/// The protection codes that apply to `u` (clause 7); empty = not protected.
fn protections(c: &Case, u: &User) -> Vec<&'static str> {
    let mut out = Vec::new();
    if c.actor.as_deref().is_some_and(|a| same_name(a, &u.name)) {
        out.push("protect.actor");
    }
    if c.protect_users.iter().any(|p| same_name(p, &u.name)) {
        out.push("protect.user");
    }
    if member_of_any(u, &c.protect_groups) {
        out.push("protect.group");
    }
    if c.service_accounts
        .iter()
        .any(|s| same_name(&s.user, &u.name) && s.expires.as_ref().is_none_or(|(_, t)| *t > c.as_of))
    {
        out.push("protect.serviceAccount");
    }
    out
}

/// Does `r` select `u` (clauses 2-6 and 9)? `Some(groups to remove, lowercased)` when it does.
fn selects(c: &Case, r: &Rule, u: &User) -> Option<BTreeSet<String>> {
    if let Some(inc) = &r.include {
        if !inc.is_empty() && !member_of_any(u, inc) {
            return None;
        }
    }
    if member_of_any(u, &r.exclude_groups) || r.exclude_users.iter().any(|x| same_name(x, &u.name)) {
        return None;
    }
    if let Some(cond) = &r.email {
        let d = domain(u)?;
        let internal = c.internal_domains.iter().any(|i| belongs(&d, i));
        let ok = match cond {
            Email::External(true) => !internal,
            Email::External(false) => internal,
            Email::Domains(list) => list.iter().any(|x| belongs(&d, x)),
        };
        if !ok {
            return None;
        }
    }
    let inactive = match u.last_login {
        Login::At(t) => r.inactive_days.is_some_and(|n| c.as_of - t >= n * DAY),
        Login::Never => match (r.never_days, u.created) {
            (Some(n), Some(created)) => c.as_of - created >= n * DAY,
            _ => false,
        },
        Login::Absent => false,
    };
    if !inactive {
        return None;
    }
    match &r.action {
        Action::Remove(patterns) => {
            let held: BTreeSet<String> = u
                .groups
                .iter()
                .filter(|g| patterns.iter().any(|p| matches(p, g)))
                .map(|g| g.to_lowercase())
                .collect();
            (!held.is_empty()).then_some(held)
        }
        _ => Some(BTreeSet::new()),
    }
}

#[derive(Debug, PartialEq, Eq, PartialOrd, Ord, Clone)]
struct Expected {
    user: String,
    rule: String,
    action: &'static str,
    groups: BTreeSet<String>,
}

struct Oracle {
    actions: BTreeSet<Expected>,
    /// user (lowercased) → (rule, applicable protection codes)
    protected: BTreeMap<String, (String, Vec<&'static str>)>,
    /// role key → (seats before, seats after)
    seats: BTreeMap<String, (usize, usize)>,
}

fn oracle(c: &Case) -> Oracle {
    let mut actions = BTreeSet::new();
    let mut protected = BTreeMap::new();
    // user (lowercased) → groups kept (lowercased); None = deactivated.
    let mut after: BTreeMap<String, Option<BTreeSet<String>>> = BTreeMap::new();
    for u in c.users.iter().filter(|u| u.active) {
        for r in &c.rules {
            let Some(remove) = selects(c, r, u) else {
                continue;
            };
            let prot = protections(c, u);
            if !prot.is_empty() {
                protected.insert(u.name.to_lowercase(), (r.id.clone(), prot));
            } else {
                let action = match &r.action {
                    Action::Deactivate => {
                        after.insert(u.name.to_lowercase(), None);
                        "deactivate"
                    }
                    Action::Review => "review",
                    Action::Remove(_) => {
                        let kept = u
                            .groups
                            .iter()
                            .map(|g| g.to_lowercase())
                            .filter(|g| !remove.contains(g))
                            .collect();
                        after.insert(u.name.to_lowercase(), Some(kept));
                        "removeFromGroups"
                    }
                };
                actions.insert(Expected {
                    user: u.name.clone(),
                    rule: r.id.clone(),
                    action,
                    groups: remove,
                });
            }
            break;
        }
    }
    let mut seats = BTreeMap::new();
    for role in &c.roles {
        let role_groups: BTreeSet<String> = role.groups.iter().map(|g| g.to_lowercase()).collect();
        let holds = |gs: &[String]| gs.iter().any(|g| role_groups.contains(&g.to_lowercase()));
        let mut before = 0;
        let mut left = 0;
        for u in c.users.iter().filter(|u| u.active) {
            if !holds(&u.groups) {
                continue;
            }
            before += 1;
            match after.get(&u.name.to_lowercase()) {
                None => left += 1,
                Some(None) => {}
                Some(Some(kept)) => {
                    if holds(&kept.iter().cloned().collect::<Vec<_>>()) {
                        left += 1;
                    }
                }
            }
        }
        seats.insert(role.key.clone(), (before, left));
    }
    Oracle {
        actions,
        protected,
        seats,
    }
}

fn engine_actions(plan: &Value) -> Vec<Expected> {
    plan["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| Expected {
            user: a["user"].as_str().unwrap().to_string(),
            rule: a["rule"].as_str().unwrap().to_string(),
            action: match a["action"].as_str().unwrap() {
                "deactivate" => "deactivate",
                "review" => "review",
                "removeFromGroups" => "removeFromGroups",
                other => panic!("unknown action type {other}"),
            },
            groups: a["groups"]
                .as_array()
                .map(|g| g.iter().map(|x| x.as_str().unwrap().to_lowercase()).collect())
                .unwrap_or_default(),
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Generators

const NAMES: &[&str] = &[
    "ann", "bob", "cat", "dan", "eve", "fay", "gus", "hal", "ivy", "jon", "kim", "lou",
];
const GROUPS: &[&str] = &[
    "contractors",
    "ext-a",
    "ext-b",
    "staff",
    "jira-software-users",
    "admins",
    "keep",
];
const PATTERNS: &[&str] = &[
    "contractors",
    "ext-*",
    "EXT-A",
    "Staff",
    "jira-*-users",
    "*",
    "admins",
    "keep",
    "*-b",
    "nobody-has-this",
];
const EMAILS: &[&str] = &[
    "x@acme.com",
    "x@eu.acme.com",
    "X@EU.ACME.COM",
    "x@partner.io",
    "x@sub.partner.io",
    "x@notacme.com",
    "x@acme.com.evil.io",
    "a@acme.com@partner.io",
    "",
    "no-at-sign",
    "trailing@",
];
const THRESHOLDS: &[i64] = &[0, 1, 30, 90, 180];

fn case_variant(s: &str, v: u8) -> String {
    match v % 3 {
        0 => s.to_string(),
        1 => s.to_uppercase(),
        _ => {
            let mut c = s.chars();
            match c.next() {
                Some(f) => f.to_uppercase().chain(c).collect(),
                None => String::new(),
            }
        }
    }
}

fn group() -> impl Strategy<Value = String> {
    (0..GROUPS.len(), any::<u8>()).prop_map(|(i, v)| case_variant(GROUPS[i], v))
}

fn pattern() -> impl Strategy<Value = String> {
    (0..PATTERNS.len()).prop_map(|i| PATTERNS[i].to_string())
}

fn name_ref() -> impl Strategy<Value = String> {
    (0..NAMES.len(), any::<u8>()).prop_map(|(i, v)| case_variant(NAMES[i], v))
}

/// An instant near a threshold before `BASE`: `days` back, nudged by a millisecond or a few hours.
fn near(days: i64, nudge: i64) -> i64 {
    BASE - days * DAY + nudge
}

fn nudge() -> impl Strategy<Value = i64> {
    prop_oneof![Just(0i64), Just(1i64), Just(-1i64), -DAY..DAY,]
}

fn days_back() -> impl Strategy<Value = i64> {
    prop_oneof![(0..THRESHOLDS.len()).prop_map(|i| THRESHOLDS[i]), 0i64..400,]
}

fn login() -> impl Strategy<Value = Login> {
    prop_oneof![
        4 => (days_back(), nudge()).prop_map(|(d, n)| Login::At(near(d, n))),
        1 => Just(Login::Never),
        1 => Just(Login::Absent),
    ]
}

fn users() -> impl Strategy<Value = Vec<User>> {
    let user = (
        prop::option::of(0..EMAILS.len()),
        prop::bool::weighted(0.85),
        prop::collection::vec(group(), 0..4),
        prop::option::weighted(0.8, (days_back(), nudge())),
        login(),
        any::<bool>(),
        any::<u8>(),
    );
    prop::collection::vec(user, 0..NAMES.len()).prop_map(|list| {
        list.into_iter()
            .enumerate()
            .map(|(i, (email, active, groups, created, last_login, jira, case))| User {
                name: case_variant(NAMES[i], case),
                email: email.map(|e| EMAILS[e].to_string()),
                active,
                groups,
                created: created.map(|(d, n)| near(d, n)),
                last_login,
                jira_offsets: jira,
            })
            .collect()
    })
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        Just(Action::Deactivate),
        Just(Action::Review),
        prop::collection::vec(pattern(), 1..3).prop_map(Action::Remove),
    ]
}

fn email_condition() -> impl Strategy<Value = Option<Email>> {
    prop_oneof![
        3 => Just(None),
        1 => any::<bool>().prop_map(|b| Some(Email::External(b))),
        1 => prop::collection::vec(
            prop::sample::select(vec!["partner.io", "acme.com", "eu.acme.com", "Partner.IO"]),
            0..3
        )
        .prop_map(|d| Some(Email::Domains(d.into_iter().map(String::from).collect()))),
    ]
}

fn threshold() -> impl Strategy<Value = i64> {
    (0..THRESHOLDS.len()).prop_map(|i| THRESHOLDS[i])
}

fn rule() -> impl Strategy<Value = Rule> {
    (
        prop::option::of(prop::collection::vec(pattern(), 0..3)),
        prop::collection::vec(pattern(), 0..2),
        prop::collection::vec(name_ref(), 0..2),
        email_condition(),
        prop::option::of(threshold()),
        prop::option::of(threshold()),
        action(),
    )
        .prop_map(
            |(include, exclude_groups, exclude_users, email, inactive, never, action)| {
                // A rule needs one of the two activity conditions.
                let inactive_days = if inactive.is_none() && never.is_none() {
                    Some(90)
                } else {
                    inactive
                };
                Rule {
                    id: String::new(),
                    include,
                    exclude_groups,
                    exclude_users,
                    email,
                    inactive_days,
                    never_days: never,
                    action,
                }
            },
        )
}

fn service_accounts() -> impl Strategy<Value = Vec<ServiceAccount>> {
    let expiry = prop_oneof![
        1 => Just(None),
        // A bare date: 00:00 UTC that day; around BASE's day.
        2 => (-2i64..3).prop_map(|d| {
            let t = BASE + d * DAY;
            Some((DateTime::<Utc>::from_timestamp_millis(t).unwrap().format("%Y-%m-%d").to_string(), t))
        }),
        2 => (-1i64..2, any::<bool>()).prop_map(|(n, jira)| {
            let t = BASE + n;
            Some((instant(t, jira), t))
        }),
    ];
    prop::collection::btree_map(0..NAMES.len(), (expiry, any::<u8>()), 0..4).prop_map(|m| {
        m.into_iter()
            .map(|(i, (expires, case))| ServiceAccount {
                user: case_variant(NAMES[i], case),
                expires,
            })
            .collect()
    })
}

fn roles() -> impl Strategy<Value = Vec<Role>> {
    prop::collection::vec(
        (
            prop::collection::vec(group(), 1..3),
            prop::option::of(0i64..20),
            prop::bool::weighted(0.2),
        ),
        0..3,
    )
    .prop_map(|list| {
        list.into_iter()
            .enumerate()
            .map(|(i, (groups, seats, unlimited))| Role {
                key: format!("role-{i}"),
                groups,
                seats,
                unlimited,
            })
            .collect()
    })
}

fn case() -> impl Strategy<Value = Case> {
    (
        (
            prop_oneof![Just(0i64), Just(DAY / 2), Just(-1i64), Just(7i64)],
            prop::option::of(name_ref()),
            prop::sample::select(vec![
                vec![],
                vec!["acme.com".to_string()],
                vec!["acme.com".to_string(), "corp.io".to_string()],
            ]),
            prop::collection::vec(pattern(), 0..2),
            prop::collection::vec(name_ref(), 0..2),
            service_accounts(),
            prop::option::of(0u64..6),
        ),
        prop::collection::vec(rule(), 0..5),
        users(),
        roles(),
        any::<u64>(),
    )
        .prop_map(
            |(
                (shift, actor, internal_domains, protect_groups, protect_users, sas, limit),
                rules,
                users,
                roles,
                shuffle_seed,
            )| {
                let rules = rules
                    .into_iter()
                    .enumerate()
                    .map(|(i, r)| Rule {
                        id: format!("r{i}"),
                        ..r
                    })
                    .collect();
                Case {
                    as_of: BASE + shift,
                    actor,
                    internal_domains,
                    protect_groups,
                    protect_users,
                    service_accounts: sas,
                    limit,
                    rules,
                    users,
                    roles,
                    shuffle_seed,
                }
            },
        )
}

/// A deterministic Fisher-Yates shuffle (xorshift), so a failing case replays exactly.
fn shuffle<T>(v: &mut [T], seed: &mut u64) {
    for i in (1..v.len()).rev() {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        let j = (*seed % (i as u64 + 1)) as usize;
        v.swap(i, j);
    }
}

fn shuffled_users(c: &Case) -> Vec<User> {
    let mut seed = c.shuffle_seed | 1;
    let mut users = c.users.clone();
    shuffle(&mut users, &mut seed);
    for u in &mut users {
        shuffle(&mut u.groups, &mut seed);
    }
    users
}

// ---------------------------------------------------------------------------------------------
// Properties

/// 256 cases per property (a few seconds in debug); `PROPTEST_CASES=20000` for a deeper run.
fn config() -> ProptestConfig {
    ProptestConfig {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(256),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    /// (a) protected users are never actioned, (b) each user at most once, (c) users with
    /// `active: false` are never actioned; protected reports name users a rule would select.
    #[test]
    fn protected_unique_and_active_only(c in case()) {
        let plan = plan_value(&run(&c, &c.users));
        let by_name: BTreeMap<String, &User> =
            c.users.iter().map(|u| (u.name.to_lowercase(), u)).collect();
        let mut seen = BTreeSet::new();
        for a in plan["actions"].as_array().unwrap() {
            let name = a["user"].as_str().unwrap().to_lowercase();
            let u = by_name.get(&name).expect("an action names a snapshot user");
            prop_assert!(seen.insert(name.clone()), "{} actioned twice", name);
            prop_assert!(u.active, "{} is not active but is actioned", name);
            prop_assert!(protections(&c, u).is_empty(), "{} is protected ({:?}) but actioned", name, protections(&c, u));
        }
        for p in plan["protected"].as_array().unwrap() {
            let name = p["user"].as_str().unwrap().to_lowercase();
            prop_assert!(!seen.contains(&name), "{} both protected and actioned", name);
            let u = by_name[&name];
            prop_assert!(u.active);
            prop_assert!(!protections(&c, u).is_empty(), "{} reported protected without a protection", name);
        }
        prop_assert_eq!(plan["counts"]["actions"].as_u64(), Some(seen.len() as u64));
    }

    /// (d) the plan does not depend on the order of users, nor on the order of each user's
    /// groups, up to the spelling and order of group names inside the facts (the strict
    /// variants below check those too).
    #[test]
    fn independent_of_user_and_group_order(c in case()) {
        let a = plan_value(&run(&c, &c.users));
        let b = plan_value(&run(&c, &shuffled_users(&c)));
        prop_assert_eq!(normalise(&a), normalise(&b));
    }

    /// (e) the same inputs give the same text.
    #[test]
    fn deterministic(c in case()) {
        prop_assert_eq!(run(&c, &c.users), run(&c, &c.users));
    }

    /// (f) every action, and every protected report, is what the oracle's reading of the
    /// clauses gives: the first selecting rule, no earlier one; and nobody is missing.
    #[test]
    fn agrees_with_the_oracle(c in case()) {
        let plan = plan_value(&run(&c, &c.users));
        let expected = oracle(&c);
        let got: BTreeSet<Expected> = engine_actions(&plan).into_iter().collect();
        prop_assert_eq!(&got, &expected.actions);
        let protected: BTreeMap<String, (String, String)> = plan["protected"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (
                p["user"].as_str().unwrap().to_lowercase(),
                (p["rule"].as_str().unwrap().to_string(), p["code"].as_str().unwrap().to_string()),
            ))
            .collect();
        prop_assert_eq!(
            protected.iter().map(|(u, (r, _))| (u.clone(), r.clone())).collect::<Vec<_>>(),
            expected.protected.iter().map(|(u, (r, _))| (u.clone(), r.clone())).collect::<Vec<_>>()
        );
        for (u, (_, code)) in &protected {
            let applicable = &expected.protected[u].1;
            prop_assert!(applicable.contains(&code.as_str()), "{}: code {} not in {:?}", u, code, applicable);
        }
        let executable = got.iter().filter(|a| a.action != "review").count() as u64;
        prop_assert_eq!(plan["counts"]["executable"].as_u64(), Some(executable));
        prop_assert_eq!(plan["overLimit"].as_bool(), Some(c.limit.is_some_and(|m| executable > m)));
    }

    /// (g) seatsBefore − seatsAfter == seatsFreed, seatsAfter ≤ seatsBefore, and both agree
    /// with a recount from the inputs.
    #[test]
    fn licence_arithmetic(c in case()) {
        let plan = plan_value(&run(&c, &c.users));
        let expected = oracle(&c);
        let lic = plan["licence"].as_array().unwrap();
        prop_assert_eq!(lic.len(), c.roles.len());
        for l in lic {
            let before = l["seatsBefore"].as_u64().unwrap();
            let after = l["seatsAfter"].as_u64().unwrap();
            let freed = l["seatsFreed"].as_u64().unwrap();
            prop_assert!(after <= before);
            prop_assert_eq!(before - after, freed);
            let (eb, ea) = expected.seats[l["role"].as_str().unwrap()];
            prop_assert_eq!((before, after), (eb as u64, ea as u64), "role {}", l);
            if let (Some(rb), Some(n)) = (l["remainingBefore"].as_i64(), l["numberOfSeats"].as_i64()) {
                prop_assert_eq!(rb, n - before as i64);
                prop_assert_eq!(l["remainingAfter"].as_i64(), Some(n - after as i64));
            }
        }
    }
}

proptest! {
    #![proptest_config(config())]

    /// (d), strictly, for snapshots as Jira writes them (one spelling per group, each group
    /// listed once per user): shuffling the users gives byte-for-byte the same plan.
    #[test]
    fn independent_of_user_order_strict(c in case()) {
        let c = canonical(&c);
        let mut seed = c.shuffle_seed | 1;
        let mut users = c.users.clone();
        shuffle(&mut users, &mut seed);
        prop_assert_eq!(run(&c, &c.users), run(&c, &users));
    }

    /// (d), strictly: shuffling each user's groups gives byte-for-byte the same plan.
    #[test]
    fn independent_of_group_order_strict(c in case()) {
        let c = canonical(&c);
        let mut seed = c.shuffle_seed | 1;
        let mut users = c.users.clone();
        for u in &mut users {
            shuffle(&mut u.groups, &mut seed);
        }
        prop_assert_eq!(run(&c, &c.users), run(&c, &users));
    }

    /// (d), strictly, with group names spelled differently by different users (or twice by one).
    #[test]
    fn independent_of_order_strict_mixed_spelling(c in case()) {
        prop_assert_eq!(run(&c, &c.users), run(&c, &shuffled_users(&c)));
    }
}

proptest! {
    #![proptest_config(config())]

    /// (g) `decide` at the plan's own instant, with the snapshot's own data (half the time the
    /// last login and creation date come from `previous`, as when the fresh read lacks them),
    /// proceeds with exactly the planned action for every executable action of the plan, and
    /// never proceeds for a rule and action the plan did not give the user.
    #[test]
    fn decide_agrees_with_plan(c in case()) {
        let plan = plan_value(&run(&c, &c.users));
        let policy = policy_json(&c).to_string();
        let options = options_json(&c).to_string();
        let roles = snapshot_json(&c, &c.users)["applicationRoles"].clone();
        let planned: BTreeMap<String, &Value> = plan["actions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| (a["user"].as_str().unwrap().to_lowercase(), a))
            .collect();
        let mut proceeded = 0;
        for (i, u) in c.users.iter().enumerate() {
            let key = format!("JIRAUSER{i}");
            let mut fresh = user_json(u);
            fresh["key"] = json!(key);
            let mut previous = json!({});
            if (c.shuffle_seed >> (i % 64)) & 1 == 1 {
                for field in ["lastLogin", "created"] {
                    if let Some(v) = fresh.as_object_mut().unwrap().remove(field) {
                        previous[field] = v;
                    }
                }
            }
            let action_now = planned.get(&u.name.to_lowercase());
            for r in &c.rules {
                let action = match r.action {
                    Action::Deactivate => "deactivate",
                    Action::Remove(_) => "removeFromGroups",
                    Action::Review => continue,
                };
                let expected = action_now.filter(|a| a["rule"] == r.id.as_str() && a["action"] == action);
                let mut want = json!({ "user": u.name, "key": key, "action": action, "rule": r.id });
                if action == "removeFromGroups" {
                    want["groups"] = match expected {
                        Some(a) => a["groups"].clone(),
                        None if !u.groups.is_empty() => json!(u.groups),
                        None => json!(["some-group"]),
                    };
                }
                let input = json!({
                    "user": fresh, "previous": previous, "planned": want,
                    "applicationRoles": roles, "capturedAt": instant(c.as_of, false),
                });
                let out = engine::to_json(&engine::decide(&policy, &input.to_string(), &options));
                let v: Value = serde_json::from_str(&out).unwrap();
                prop_assert_eq!(&v["type"], "success", "{}", out);
                let d = &v["value"];
                match expected {
                    Some(a) => {
                        proceeded += 1;
                        prop_assert_eq!(&d["code"], "decide.proceed", "{} {}: {}", u.name, r.id, d);
                        let mut same = json!({ "action": action, "rule": r.id });
                        if action == "removeFromGroups" {
                            same["groups"] = a["groups"].clone();
                        }
                        prop_assert_eq!(&d["action"], &same);
                    }
                    None => prop_assert_eq!(&d["decision"], "skip", "{} {}: {}", u.name, r.id, d),
                }
            }
        }
        let executable = plan["counts"]["executable"].as_u64().unwrap();
        prop_assert_eq!(proceeded, executable, "every executable action was decided once");
    }
}

proptest! {
    #![proptest_config(config())]

    /// (h) a snapshot that holds only the memberships of the groups `policyGroups` names, and
    /// says so (`completeGroups`), plans exactly as the full snapshot does: same actions, groups,
    /// facts, protected users, counts and seats.
    #[test]
    fn policy_groups_suffice(c in case(), unheld in prop::collection::vec(group(), 0..3)) {
        let policy = policy_json(&c).to_string();
        // Every group name Jira would list: those users hold, those roles name, and some nobody holds.
        let all: Vec<String> = c
            .users
            .iter()
            .flat_map(|u| u.groups.clone())
            .chain(c.roles.iter().flat_map(|r| r.groups.clone()))
            .chain(unheld)
            .collect();
        let roles = snapshot_json(&c, &c.users)["applicationRoles"].clone();
        let input = json!({ "groups": all, "applicationRoles": roles }).to_string();
        let answer: Value = serde_json::from_str(&engine::to_json(&engine::policy_groups(&policy, &input))).unwrap();
        prop_assert_eq!(&answer["type"], "success", "{}", answer);
        let keep: BTreeSet<String> = answer["value"]["groups"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g.as_str().unwrap().to_lowercase())
            .collect();
        // Each named group is one a pattern matches or a role names (no more than needed).
        let patterns: Vec<String> = c
            .protect_groups
            .iter()
            .cloned()
            .chain(c.rules.iter().flat_map(|r| {
                let removed = match &r.action {
                    Action::Remove(g) => g.clone(),
                    _ => Vec::new(),
                };
                r.include.clone().unwrap_or_default().into_iter().chain(r.exclude_groups.clone()).chain(removed)
            }))
            .collect();
        for g in &keep {
            prop_assert!(
                patterns.iter().any(|p| matches(p, g)) || c.roles.iter().any(|r| r.groups.iter().any(|x| same_name(x, g))),
                "{} is named without a reason", g
            );
        }
        let restricted: Vec<User> = c
            .users
            .iter()
            .map(|u| User {
                groups: u.groups.iter().filter(|g| keep.contains(&g.trim().to_lowercase())).cloned().collect(),
                ..u.clone()
            })
            .collect();
        let mut snapshot = snapshot_json(&c, &restricted);
        snapshot["completeGroups"] = json!(keep);
        let full = plan_value(&run(&c, &c.users));
        let part = plan_value(&engine::to_json(&engine::plan(
            &policy,
            &snapshot.to_string(),
            &options_json(&c).to_string(),
        )));
        prop_assert_eq!(full, part);
    }
}

/// The case with every user's groups in one spelling (lowercase), each listed once.
fn canonical(c: &Case) -> Case {
    let mut c = c.clone();
    for u in &mut c.users {
        let mut seen = BTreeSet::new();
        u.groups = u
            .groups
            .iter()
            .map(|g| g.to_lowercase())
            .filter(|g| seen.insert(g.clone()))
            .collect();
    }
    c
}

/// The plan with group names lowercased and group lists sorted, and the group named in a
/// protected-group reason dropped.
fn normalise(plan: &Value) -> Value {
    let mut p = plan.clone();
    let sort_lower = |v: &mut Value| {
        if let Some(list) = v.as_array() {
            let mut names: Vec<String> = list.iter().map(|g| g.as_str().unwrap().to_lowercase()).collect();
            names.sort();
            *v = json!(names);
        }
    };
    for a in p["actions"].as_array_mut().unwrap() {
        sort_lower(&mut a["groups"]);
        sort_lower(&mut a["facts"]["matchedGroups"]);
        a["reasons"] = json!(a["reasons"].as_array().unwrap().len());
    }
    for pr in p["protected"].as_array_mut().unwrap() {
        if pr["code"] == "protect.group" {
            pr["reason"] = json!("member of a protected group");
        }
    }
    p
}

/// A query filter with exactly a rule's conditions (include, exclude, email, inactiveDays,
/// neverLoggedIn) and `active: true`.
fn filter_of(r: &Rule) -> Value {
    let mut f = json!({ "active": true });
    if let Some(inc) = &r.include {
        f["include"] = json!({ "groups": inc });
    }
    f["exclude"] = json!({ "groups": r.exclude_groups, "users": r.exclude_users });
    match &r.email {
        Some(Email::External(b)) => f["email"] = json!({ "external": b }),
        Some(Email::Domains(d)) => f["email"] = json!({ "domains": d }),
        None => {}
    }
    if let Some(d) = r.inactive_days {
        f["inactiveDays"] = json!(d);
    }
    if let Some(d) = r.never_days {
        f["neverLoggedIn"] = json!({ "createdMoreThanDays": d });
    }
    f
}

proptest! {
    #![proptest_config(config())]

    /// (i) `query` with a filter equal to a rule's conditions selects exactly the users that rule
    /// selects on its own (protection aside: a policy of that rule alone, nobody protected), and
    /// gives them the same condition reasons as the plan; for a removeFromGroups rule, M9 (the
    /// user holds a group it removes) is the action's, not a filter condition, and is applied here.
    /// An empty filter lists every user.
    #[test]
    fn query_with_a_rules_conditions_selects_its_users(c in case()) {
        let policy = policy_json(&c).to_string();
        let snapshot = snapshot_json(&c, &c.users).to_string();
        let options = json!({ "asOf": instant(c.as_of, false) }).to_string();
        let all: Value = serde_json::from_str(&engine::to_json(&engine::query(Some(&policy), &snapshot, "{}", &options))).unwrap();
        prop_assert_eq!(&all["type"], "success", "{}", all);
        prop_assert_eq!(all["value"]["total"].as_u64(), Some(c.users.len() as u64));
        for r in &c.rules {
            let alone = Case {
                rules: vec![r.clone()],
                actor: None,
                protect_groups: Vec::new(),
                protect_users: Vec::new(),
                service_accounts: Vec::new(),
                ..c.clone()
            };
            let plan = plan_value(&run(&alone, &c.users));
            let planned: BTreeMap<String, Vec<Value>> = plan["actions"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| (a["user"].as_str().unwrap().to_lowercase(), a["reasons"].as_array().unwrap().clone()))
                .collect();
            let filter = filter_of(r).to_string();
            let out: Value = serde_json::from_str(&engine::to_json(&engine::query(Some(&policy), &snapshot, &filter, &options))).unwrap();
            prop_assert_eq!(&out["type"], "success", "{}", out);
            let by_name: BTreeMap<String, &User> = c.users.iter().map(|u| (u.name.to_lowercase(), u)).collect();
            let mut found: BTreeMap<String, Vec<Value>> = BTreeMap::new();
            for u in out["value"]["users"].as_array().unwrap() {
                let name = u["name"].as_str().unwrap().to_lowercase();
                let holds = match &r.action {
                    Action::Remove(patterns) => member_of_any(by_name[&name], patterns),
                    _ => true,
                };
                if holds {
                    found.insert(name, u["reasons"].as_array().unwrap().clone());
                }
            }
            prop_assert_eq!(
                found.keys().collect::<Vec<_>>(),
                planned.keys().collect::<Vec<_>>(),
                "rule {} filter {}", r.id, filter
            );
            for (name, reasons) in &found {
                // The query's reasons: the conditions' (as the plan words them), then "active".
                let (last, conditions) = reasons.split_last().unwrap();
                prop_assert_eq!(last, "active");
                prop_assert_eq!(conditions, &planned[name][..conditions.len()], "{}", name);
            }
        }
    }
}
