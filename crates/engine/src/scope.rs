//! Which groups' memberships a plan depends on, so that a host can read only those.
//!
//! Reading every member of every group is most of the cost of a snapshot of a large Jira. A plan
//! looks at a user's groups only through the policy's group patterns (include, exclude, protect,
//! removeFromGroups) and the application roles' groups (seats); every other membership changes
//! nothing. `policyGroups` resolves those patterns against the full list of group names (cheap to
//! read), a host reads the members of just those groups and says so in the snapshot
//! (`completeGroups`), and the plan equals the plan over the full snapshot (a property test checks
//! it). What the snapshot then cannot tell (groups no user has, the dashboard's table of groups) is
//! said, not guessed.

use crate::group_input::{names, over_policy, required_names};
use crate::pattern::Pattern;
use crate::policy::{Action, Policy};
use crate::problem::{index, key, Outcome, Problem};
use crate::snapshot::Snapshot;
use rustc_hash::FxHashMap;
use serde::Serialize;
use std::borrow::Cow;
use std::collections::BTreeMap;

/// What `policyGroups` answers.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PolicyGroups {
    /// The groups whose memberships can change a plan under this policy: sorted by name
    /// (case-insensitively), spelled as the list (or the role) gave them.
    pub groups: Vec<String>,
    /// Why each is there, in the same order.
    pub reasons: Vec<GroupReasons>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct GroupReasons {
    pub group: String,
    /// `rules[1].include.groups[0] "ext-*"`, `protect.groups[0] "jira-administrators"`,
    /// `application role jira-software` ...
    pub by: Vec<String>,
}

/// Every group pattern of the policy, with its path.
fn patterns(policy: &Policy) -> Vec<(String, &Pattern)> {
    let mut out: Vec<(String, &Pattern)> = Vec::new();
    for (i, p) in policy.protect_groups.iter().enumerate() {
        out.push((index("protect.groups", i), p));
    }
    for (ri, r) in policy.rules.iter().enumerate() {
        let rp = index("rules", ri);
        for (i, p) in r.include_groups.iter().enumerate() {
            out.push((index(&key(&key(&rp, "include"), "groups"), i), p));
        }
        for (i, p) in r.exclude_groups.iter().enumerate() {
            out.push((index(&key(&key(&rp, "exclude"), "groups"), i), p));
        }
        if let Action::RemoveFromGroups(list) = &r.action {
            for (i, p) in list.iter().enumerate() {
                out.push((index(&key(&key(&rp, "action"), "groups"), i), p));
            }
        }
    }
    out
}

/// The groups of `all` that a pattern of `policy` matches, and `roles` (role key → its groups).
pub fn policy_groups(policy: &Policy, all: &[String], roles: &[(String, Vec<String>)]) -> PolicyGroups {
    let pats = patterns(policy);
    // Lowercased name → (spelling, reasons); a BTreeMap sorts by the lowercased name.
    let mut found: BTreeMap<String, (String, Vec<String>)> = BTreeMap::new();
    // Lowercased name → its first spelling in `all` (a role's group is named as `all` names it).
    let mut spelling: FxHashMap<String, &str> = FxHashMap::default();
    for g in all {
        let name = g.trim();
        let lower = name.to_lowercase();
        if spelling.contains_key(&lower) {
            continue;
        }
        spelling.insert(lower.clone(), name);
        let by: Vec<String> = pats
            .iter()
            .filter(|(_, p)| p.matches(&lower))
            .map(|(path, p)| format!("{path} \"{}\"", p.raw))
            .collect();
        if !by.is_empty() {
            found.insert(lower, (name.to_string(), by));
        }
    }
    for (role, groups) in roles {
        for g in groups {
            let name = g.trim();
            let lower = name.to_lowercase();
            let named = spelling.get(&lower).copied().unwrap_or(name).to_string();
            let entry = found.entry(lower).or_insert_with(|| (named, Vec::new()));
            let why = format!("application role {role}");
            if !entry.1.contains(&why) {
                entry.1.push(why);
            }
        }
    }
    let reasons: Vec<GroupReasons> = found
        .into_values()
        .map(|(group, by)| GroupReasons { group, by })
        .collect();
    PolicyGroups {
        groups: reasons.iter().map(|r| r.group.clone()).collect(),
        reasons,
    }
}

/// The entry point: `policy` as JSON text; `input`: `{"groups": [every group name],
/// "applicationRoles"?: [{key, groups}, ...]}`.
pub fn policy_groups_entry(policy: &str, input: &str) -> Outcome<PolicyGroups> {
    over_policy(
        policy,
        input,
        "policyGroups' input",
        "{\"groups\": [every group name], \"applicationRoles\"?: [...]}",
        &["groups", "applicationRoles"],
        |m, out| {
            (
                required_names(m, "groups", out),
                role_groups(m.get("applicationRoles"), out),
            )
        },
        |p, (all, roles)| policy_groups(p, &all, &roles),
    )
}

/// The groups of `applicationRoles` (as in a snapshot: `[{key, groups: [...]}, ...]`; other
/// fields of a role are ignored, as the snapshot ignores them), by role key.
fn role_groups(v: Option<&serde_json::Value>, out: &mut Vec<Problem>) -> Vec<(String, Vec<String>)> {
    use crate::group_input::input_err;
    use crate::json_words::kind;
    let Some(v) = v else { return Vec::new() };
    let path = "applicationRoles";
    let Some(arr) = v.as_array() else {
        out.push(input_err(
            path,
            format!(
                "applicationRoles must be a list of roles {{key, groups}}, found {}",
                kind(v)
            ),
        ));
        return Vec::new();
    };
    if arr.len() > crate::snapshot::MAX_ROLES {
        out.push(input_err(
            path,
            format!(
                "{} application roles: at most {} are supported",
                arr.len(),
                crate::snapshot::MAX_ROLES
            ),
        ));
        return Vec::new();
    }
    let mut roles = Vec::new();
    for (i, r) in arr.iter().enumerate() {
        let rp = index(path, i);
        let Some(rm) = r.as_object() else {
            out.push(input_err(
                rp,
                format!(
                    "an application role must be an object {{key, groups}}, found {}",
                    kind(r)
                ),
            ));
            continue;
        };
        let role = match rm.get("key") {
            Some(serde_json::Value::String(k)) if !k.trim().is_empty() => k.trim().to_string(),
            _ => {
                out.push(input_err(
                    key(&rp, "key"),
                    format!("{rp}.key must be the role's key (a string)"),
                ));
                continue;
            }
        };
        let groups = names(rm.get("groups"), &key(&rp, "groups"), out).unwrap_or_default();
        roles.push((role, groups));
    }
    roles
}

/// The snapshot's `completeGroups`, lowercased, sorted and unique; a blank name is a problem.
pub(crate) fn complete_groups(raw: Option<Vec<Cow<'_, str>>>, problems: &mut Vec<Problem>) -> Option<Vec<String>> {
    let raw = raw?;
    let mut list = Vec::with_capacity(raw.len());
    for (i, g) in raw.iter().enumerate() {
        let g = g.trim();
        if g.is_empty() {
            problems.push(Problem::error(
                crate::problem::Source::Snapshot,
                crate::code::Code::SnapshotInvalid,
                index("completeGroups", i),
                format!("completeGroups[{i}] is an empty group name"),
            ));
        } else {
            list.push(g.to_lowercase());
        }
    }
    list.sort_unstable();
    list.dedup();
    Some(list)
}

/// Does the snapshot hold every membership of this group (lowercased)? Always, unless the
/// snapshot names its `completeGroups`.
pub fn is_complete(s: &Snapshot, lower: &str) -> bool {
    match &s.complete_groups {
        None => true,
        Some(list) => list.binary_search_by(|g| g.as_str().cmp(lower)).is_ok(),
    }
}

/// Is it known that no user has a group `p` matches? With `completeGroups`, only when `p`
/// matches a group whose memberships are complete (a group outside them may have members the
/// snapshot did not read).
pub fn known_unheld(p: &Pattern, s: &Snapshot) -> bool {
    if s.groups.lower.iter().any(|g| p.matches(g)) {
        return false;
    }
    match &s.complete_groups {
        None => true,
        Some(list) => list.iter().any(|g| p.matches(g)),
    }
}

/// What the dashboard says about a snapshot with `completeGroups`: which groups its table covers
/// and which groups the snapshot mentions (in memberships or application roles) without holding
/// their memberships (left out of the table: their counts would be partial).
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct GroupsRead {
    /// The snapshot's `completeGroups`, spelled as users list them where they do.
    pub complete: Vec<String>,
    /// Groups seen in the snapshot whose members were not all read.
    pub not_read: Vec<String>,
}

pub fn groups_read(s: &Snapshot) -> Option<GroupsRead> {
    let list = s.complete_groups.as_ref()?;
    let complete = list
        .iter()
        .map(|g| match s.groups.id(g) {
            Some(id) => s.groups.name(id).to_string(),
            None => g.clone(),
        })
        .collect();
    let mut not_read: BTreeMap<String, String> = BTreeMap::new();
    for (name, lower) in s.groups.names.iter().zip(&s.groups.lower) {
        if !is_complete(s, lower) {
            not_read.entry(lower.clone()).or_insert_with(|| name.clone());
        }
    }
    for g in s.roles.iter().flat_map(|r| &r.groups) {
        let lower = g.to_lowercase();
        if !g.is_empty() && !is_complete(s, &lower) {
            not_read.entry(lower).or_insert_with(|| g.clone());
        }
    }
    Some(GroupsRead {
        complete,
        not_read: not_read.into_values().collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::parse_snapshot;

    const POLICY: &str = r#"{"version":1,"limits":{"maxActionsPerRun":10},
        "protect":{"groups":["jira-administrators"]},
        "rules":[
          {"id":"contractors","include":{"groups":["ext-*","contractors"]},"exclude":{"groups":["keep"]},"inactiveDays":90,"action":{"type":"deactivate"}},
          {"id":"licence","inactiveDays":180,"action":{"type":"removeFromGroups","groups":["jira-*-users"]}}]}"#;

    fn answer(input: &str) -> PolicyGroups {
        match policy_groups_entry(POLICY, input) {
            Outcome::Success { value, .. } => value,
            Outcome::Failure { errors, .. } => panic!("failure: {errors:?}"),
        }
    }

    #[test]
    fn patterns_resolve_against_every_group_and_roles_are_added() {
        let v = answer(
            r#"{"groups":["staff","EXT-Acme","ext-","Jira-Software-Users","jira-users","keep","keep-2","jira-administrators",
                "contractors","ext-acme","nobody"],
               "applicationRoles":[{"key":"jira-software","groups":["jira-software-users","jira-users"]},{"key":"jira-core","groups":["Core-Users"]}]}"#,
        );
        assert_eq!(
            v.groups,
            [
                "contractors",
                "Core-Users",
                "ext-",
                "EXT-Acme",
                "jira-administrators",
                "Jira-Software-Users",
                "jira-users",
                "keep"
            ]
        );
        let by = |g: &str| {
            v.reasons
                .iter()
                .find(|r| r.group == g)
                .map(|r| r.by.clone())
                .unwrap_or_default()
        };
        assert_eq!(by("EXT-Acme"), ["rules[0].include.groups[0] \"ext-*\""]);
        assert_eq!(by("keep"), ["rules[0].exclude.groups[0] \"keep\""]);
        assert_eq!(by("jira-administrators"), ["protect.groups[0] \"jira-administrators\""]);
        assert_eq!(
            by("Jira-Software-Users"),
            [
                "rules[1].action.groups[0] \"jira-*-users\"",
                "application role jira-software"
            ]
        );
        // jira-*-users needs something between the dashes: only the role brings jira-users in.
        assert_eq!(by("jira-users"), ["application role jira-software"]);
        // A role group the list lacks is still there, spelled as the role spells it.
        assert_eq!(by("Core-Users"), ["application role jira-core"]);
    }

    #[test]
    fn bad_input_is_reported_with_paths() {
        let errors = |input: &str| -> Vec<(&'static str, String)> {
            policy_groups_entry(POLICY, input)
                .errors()
                .iter()
                .map(|p| (p.code, p.path.clone()))
                .collect()
        };
        assert_eq!(errors("{}"), [("input.invalid", "groups".into())]);
        assert_eq!(
            errors(
                r#"{"groups":["a",""],"applicationRoles":[{"groups":["x"]},{"key":"k","groups":[1]},"r"],"roles":1}"#
            ),
            [
                ("input.invalid", "roles".into()),
                ("input.invalid", "groups[1]".into()),
                ("input.invalid", "applicationRoles[0].key".into()),
                ("input.invalid", "applicationRoles[1].groups[0]".into()),
                ("input.invalid", "applicationRoles[2]".into()),
            ]
        );
        assert_eq!(
            errors(r#"{"groups":[],"applicationRoles":{}}"#),
            [("input.invalid", "applicationRoles".into())]
        );
    }

    #[test]
    fn complete_groups_are_read_lowercased_and_checked() {
        let s = parse_snapshot(r#"{"users":[],"completeGroups":["B"," a ","b"]}"#).expect("valid");
        assert_eq!(s.complete_groups, Some(vec!["a".to_string(), "b".to_string()]));
        assert!(is_complete(&s, "a") && !is_complete(&s, "c"));
        let s = parse_snapshot(r#"{"users":[]}"#).expect("valid");
        assert!(s.complete_groups.is_none() && is_complete(&s, "anything"));
        let e = parse_snapshot(r#"{"users":[],"completeGroups":["a"," "]}"#)
            .err()
            .unwrap_or_default();
        assert_eq!(
            e.iter().map(|p| (p.code, p.path.as_str())).collect::<Vec<_>>(),
            [("snapshot.invalid", "completeGroups[1]")]
        );
        let e = parse_snapshot(r#"{"users":[],"completeGroups":"a"}"#)
            .err()
            .unwrap_or_default();
        assert_eq!(e[0].path, "completeGroups");
    }

    #[test]
    fn no_warning_about_groups_whose_members_were_not_read() {
        let warned = |snapshot: &str| -> Vec<String> {
            crate::validate(POLICY, Some(snapshot))
                .warnings()
                .iter()
                .filter(|w| w.code == "policy.groupNotInSnapshot" || w.code == "rule.neverSelects")
                .map(|w| format!("{} {}", w.code, w.path))
                .collect()
        };
        let users = r#""users":[{"name":"a","active":true,"groups":["ext-acme"]}]"#;
        let all = warned(&format!("{{{users}}}"));
        assert_eq!(
            all,
            [
                "policy.groupNotInSnapshot protect.groups[0]",
                "policy.groupNotInSnapshot rules[0].include.groups[1]",
                "policy.groupNotInSnapshot rules[0].exclude.groups[0]",
                "policy.groupNotInSnapshot rules[1].action.groups[0]",
                "rule.neverSelects rules[1].action"
            ]
        );
        // Only keep's and contractors' members were read (and nobody is in them): those warnings
        // stay; the others might have members the snapshot does not hold.
        let some = warned(&format!(
            r#"{{{users},"completeGroups":["keep","contractors","ext-acme"]}}"#
        ));
        assert_eq!(
            some,
            [
                "policy.groupNotInSnapshot rules[0].include.groups[1]",
                "policy.groupNotInSnapshot rules[0].exclude.groups[0]"
            ]
        );
    }

    #[test]
    fn the_dashboard_says_which_groups_it_covers() {
        let s = parse_snapshot(
            r#"{"users":[{"name":"a","active":true,"lastLogin":"2020-01-01T00:00:00Z","groups":["Staff","ext-acme"]}],
                "applicationRoles":[{"key":"js","groups":["jira-users"]}],
                "completeGroups":["ext-acme","jira-users"]}"#,
        )
        .expect("valid");
        let read = groups_read(&s);
        assert_eq!(
            read,
            Some(GroupsRead {
                complete: vec!["ext-acme".into(), "jira-users".into()],
                not_read: vec!["Staff".into()]
            })
        );
        let d = crate::dashboard::dashboard(
            None,
            &s,
            &crate::DashboardOptions {
                as_of: crate::time::parse_instant("2026-11-27T00:00:00Z").unwrap_or(0),
                actor: None,
                thresholds: crate::Thresholds {
                    low_usage_days: 15,
                    inactive_days: 30,
                },
            },
        );
        assert_eq!(
            d.groups.iter().map(|g| g.group.as_str()).collect::<Vec<_>>(),
            ["ext-acme"]
        );
    }
}
