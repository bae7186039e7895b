//! Impact before action: what a user leads and how much unresolved work is assigned to them, as
//! the snapshot reports it (`leads`, `openAssigned`), and what that does to a planned action.
//!
//! Jira refuses to deactivate the lead of a project, so a deactivation of a project lead is planned
//! as *blocked* — unless the policy names a hand-over user (`handover.projectLead`), in which case
//! the action carries the projects whose lead the runner changes first. Component leads and open
//! assigned issues block nothing; they are facts and reasons. A rule may pass over users with open
//! assigned issues (`skipIfOpenAssignedIssues`). See docs/matching.md#m13 and #m14.

use crate::code::Code;
use crate::policy::{Action, Policy};
use crate::problem::{index, key, Problem, Source};
use crate::snapshot::User;
use rustc_hash::FxHashSet;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// What a user leads, as the host read it (`users[i].leads`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Leads {
    /// Sorted by key (case-insensitively), each key once.
    pub projects: Vec<ProjectLead>,
    /// Sorted by project, name and id.
    pub components: Vec<ComponentLead>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProjectLead {
    pub key: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ComponentLead {
    pub project: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<ComponentId>,
}

/// Jira's component id: a string in REST answers ("10000"); a number is kept as a number.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ComponentId {
    Number(i64),
    Text(String),
}

/// `users[i].leads` as written; checked by [`leads`].
#[derive(Deserialize)]
pub struct RawLeads<'a> {
    #[serde(borrow, default)]
    projects: Option<Vec<RawProject<'a>>>,
    #[serde(borrow, default)]
    components: Option<Vec<RawComponent<'a>>>,
}

#[derive(Deserialize)]
struct RawProject<'a> {
    #[serde(borrow)]
    key: Cow<'a, str>,
    #[serde(borrow, default)]
    name: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct RawComponent<'a> {
    #[serde(borrow)]
    project: Cow<'a, str>,
    #[serde(borrow)]
    name: Cow<'a, str>,
    #[serde(default)]
    id: Option<ComponentId>,
}

fn empty_value(path: String, what: &str) -> Problem {
    Problem::error(
        Source::Snapshot,
        Code::SnapshotEmptyValue,
        path.clone(),
        format!("{path}: {what} must not be empty"),
    )
}

/// Checks and normalises `users[i].leads` (`user` is the path `users[i]`): blank keys and names
/// are errors; projects are sorted and each key listed once (Jira project keys are unique,
/// case-insensitively), so that nothing in a plan depends on the order the host listed them in.
pub fn leads(raw: RawLeads<'_>, user: &str, problems: &mut Vec<Problem>) -> Leads {
    let base = key(user, "leads");
    let mut out = Leads::default();
    // Seen keys and components: one lookup each (an administrator may lead thousands of projects).
    let mut seen_keys = FxHashSet::default();
    let mut seen_components = FxHashSet::default();
    for (j, p) in raw.projects.unwrap_or_default().into_iter().enumerate() {
        let k = p.key.trim();
        if k.is_empty() {
            problems.push(empty_value(
                key(&index(&key(&base, "projects"), j), "key"),
                "a project key",
            ));
            continue;
        }
        if !seen_keys.insert(k.to_ascii_uppercase()) {
            continue;
        }
        out.projects.push(ProjectLead {
            key: k.to_string(),
            name: p.name.map(|n| n.trim().to_string()).filter(|n| !n.is_empty()),
        });
    }
    out.projects
        .sort_by_cached_key(|p| (p.key.to_uppercase(), p.key.clone()));
    for (j, c) in raw.components.unwrap_or_default().into_iter().enumerate() {
        let path = index(&key(&base, "components"), j);
        let (project, name) = (c.project.trim(), c.name.trim());
        if project.is_empty() {
            problems.push(empty_value(key(&path, "project"), "a component's project"));
        }
        if name.is_empty() {
            problems.push(empty_value(key(&path, "name"), "a component's name"));
        }
        if project.is_empty() || name.is_empty() {
            continue;
        }
        let c = ComponentLead {
            project: project.to_string(),
            name: name.to_string(),
            id: c.id,
        };
        if seen_components.insert(c.clone()) {
            out.components.push(c);
        }
    }
    out.components
        .sort_by_cached_key(|c| (c.project.to_uppercase(), c.name.to_lowercase(), c.id.clone()));
    out
}

/// The largest `openAssigned` taken (any real count is far below; larger is a host bug).
pub const MAX_OPEN_ASSIGNED: f64 = 9_007_199_254_740_991.0;

/// Checks `users[i].openAssigned`: a whole number, 0 or more.
pub fn open_assigned(n: f64, user: &str, problems: &mut Vec<Problem>) -> Option<u64> {
    if n.is_finite() && n >= 0.0 && n.fract() == 0.0 && n <= MAX_OPEN_ASSIGNED {
        return Some(n as u64);
    }
    let path = key(user, "openAssigned");
    problems.push(Problem::error(
        Source::Snapshot,
        Code::SnapshotInvalidCount,
        path.clone(),
        format!("{path}: {n} is not a count of issues (a whole number, 0 or more)"),
    ));
    None
}

/// What the plan does about a planned action because of what the user leads.
#[derive(Debug, Clone, PartialEq)]
pub enum LeadEffect {
    /// Nothing: not a deactivation, or the user leads no project.
    None,
    /// Jira would refuse the deactivation.
    Blocked { code: Code, reason: String },
    /// The runner first makes `project_lead` the lead of `projects`.
    Handover(Handover),
}

/// How a lead effect marks an action (`status`, `blockedCode`, `blockedReason`, `handover`).
pub struct ActionMarks {
    pub status: Option<&'static str>,
    pub blocked_code: Option<Code>,
    pub blocked_reason: Option<String>,
    pub handover: Option<Handover>,
}

impl LeadEffect {
    /// One translation into an action's fields, so a plan and a bulk plan mark a blocked or
    /// handed-over deactivation alike.
    pub fn into_marks(self) -> ActionMarks {
        let (status, blocked_code, blocked_reason, handover) = match self {
            LeadEffect::Blocked { code, reason } => (Some("blocked"), Some(code), Some(reason), None),
            LeadEffect::Handover(h) => (None, None, None, Some(h)),
            LeadEffect::None => (None, None, None, None),
        };
        ActionMarks {
            status,
            blocked_code,
            blocked_reason,
            handover,
        }
    }
}

/// The hand-over a deactivation carries (`handover` of a plan action).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Handover {
    pub project_lead: String,
    pub projects: Vec<String>,
}

/// The keys of the projects a user leads, in plan order.
pub fn project_keys(user: &User) -> Vec<String> {
    user.leads
        .as_deref()
        .map(|l| l.projects.iter().map(|p| p.key.clone()).collect())
        .unwrap_or_default()
}

/// Clause M13: a deactivation of a project lead is blocked, or carries the hand-over.
pub fn lead_effect(policy: &Policy, action: &Action, user: &User) -> LeadEffect {
    if !matches!(action, Action::Deactivate) {
        return LeadEffect::None;
    }
    let projects = project_keys(user);
    if projects.is_empty() {
        return LeadEffect::None;
    }
    match &policy.handover {
        Some(h) => LeadEffect::Handover(Handover {
            project_lead: h.project_lead.clone(),
            projects,
        }),
        None => LeadEffect::Blocked {
            code: Code::BlockedProjectLead,
            reason: format!(
                "lead of {} {}: Jira refuses to deactivate a project lead",
                if projects.len() == 1 { "project" } else { "projects" },
                projects.join(", ")
            ),
        },
    }
}

/// Reasons in words about what the user leads and the work assigned to them (after the reasons
/// of the conditions that held). `skips` says the rule has `skipIfOpenAssignedIssues`.
pub fn reasons(user: &User, effect: &LeadEffect, skips: bool, out: &mut Vec<String>) {
    if let Some(l) = user.leads.as_deref() {
        if !l.projects.is_empty() {
            let keys: Vec<&str> = l.projects.iter().map(|p| p.key.as_str()).collect();
            let what = format!(
                "lead of {} {}",
                if keys.len() == 1 { "project" } else { "projects" },
                keys.join(", ")
            );
            out.push(match effect {
                LeadEffect::Handover(h) => format!("{what}: handed over to {} first", h.project_lead),
                LeadEffect::Blocked { .. } => format!("{what}: Jira refuses to deactivate a project lead"),
                LeadEffect::None => format!("{what} (stays lead)"),
            });
        }
        if !l.components.is_empty() {
            let names: Vec<String> = l
                .components
                .iter()
                .map(|c| format!("{}/{}", c.project, c.name))
                .collect();
            out.push(format!(
                "lead of {} {} (Jira makes the project lead their lead when the account is deactivated)",
                if names.len() == 1 { "component" } else { "components" },
                names.join(", ")
            ));
        }
    }
    match user.open_assigned {
        Some(0) if skips => out.push("no unresolved issues assigned".to_string()),
        Some(n) if n > 0 => out.push(format!(
            "{n} unresolved issue{} assigned (they stay assigned to the account)",
            if n == 1 { "" } else { "s" }
        )),
        _ => {}
    }
}

/// Clause M14, the check `skipIfOpenAssignedIssues` adds to a rule: `Err(code)` when the rule
/// passes over the user.
pub fn open_assigned_check(skips: bool, user: &User) -> Result<(), Code> {
    if !skips {
        return Ok(());
    }
    match user.open_assigned {
        Some(0) => Ok(()),
        Some(_) => Err(Code::SkippedOpenAssigned),
        None => Err(Code::SkippedOpenAssignedUnknown),
    }
}

/// Why a rule with `skipIfOpenAssignedIssues` passed over the user, in words.
pub fn skipped_reason(rule: &str, user: &User) -> String {
    match user.open_assigned {
        Some(n) => format!(
            "{n} unresolved issue{} assigned: rule {rule} skips users with open assigned issues",
            if n == 1 { "" } else { "s" }
        ),
        None => format!(
            "the number of unresolved issues assigned is not known: rule {rule} skips users with open assigned issues"
        ),
    }
}

/// Cross-check of `handover.projectLead` against the snapshot: an active user of it.
pub fn check_handover(policy: &Policy, snapshot: &crate::snapshot::Snapshot) -> Option<Problem> {
    let h = policy.handover.as_ref()?;
    let path = "handover.projectLead";
    match snapshot.user(&h.project_lead) {
        None => Some(Problem::error(
            Source::Policy,
            Code::PolicyHandoverUnknownUser,
            path,
            format!(
                "handover.projectLead \"{}\" is not a user in the snapshot: projects can only be handed over to an active user",
                h.project_lead
            ),
        )),
        Some(u) if !u.active => Some(Problem::error(
            Source::Policy,
            Code::PolicyHandoverInactiveUser,
            path,
            format!(
                "handover.projectLead \"{}\" is not active: Jira needs an active project lead",
                u.name
            ),
        )),
        Some(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::parse_policy;
    use crate::snapshot::parse_snapshot;

    fn policy(extra: &str) -> Policy {
        let (p, problems) = parse_policy(&format!(
            r#"{{"version":1,"limits":{{"maxActionsPerRun":9}},{extra}"rules":[{{"id":"r","inactiveDays":1,"action":{{"type":"deactivate"}}}}]}}"#
        ));
        p.unwrap_or_else(|| panic!("{problems:?}"))
    }

    #[test]
    fn leads_are_trimmed_sorted_and_counted_once() {
        let s = parse_snapshot(
            r#"{"users":[{"name":"a","active":true,"leads":{
                "projects":[{"key":" OPS ","name":" Ops "},{"key":"abc"},{"key":"ABC","name":"later"},{"key":"Zed","name":" "}],
                "components":[{"project":"OPS","name":"Web","id":7},{"project":"abc","name":"api","id":"10001"},{"project":"OPS","name":"Web","id":7}]}}]}"#,
        )
        .expect("valid");
        let l = s.users[0].leads.as_deref().expect("leads");
        let keys: Vec<&str> = l.projects.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(
            keys,
            ["abc", "OPS", "Zed"],
            "first spelling kept, sorted case-insensitively"
        );
        assert_eq!(l.projects[1].name.as_deref(), Some("Ops"));
        assert_eq!(l.projects[2].name, None, "a blank name is no name");
        assert_eq!(l.components.len(), 2, "the same component once");
        assert_eq!(l.components[0].id, Some(ComponentId::Text("10001".into())));
        assert_eq!(l.components[1].id, Some(ComponentId::Number(7)));
        assert_eq!(
            serde_json::to_value(l).unwrap_or_default()["components"][1],
            serde_json::json!({"project": "OPS", "name": "Web", "id": 7}),
            "a numeric id stays a number"
        );
    }

    #[test]
    fn bad_counts_and_blank_names_are_reported_with_paths() {
        let e = parse_snapshot(
            r#"{"users":[{"name":"a","active":true,"openAssigned":2.5},{"name":"b","active":true,"openAssigned":1e300},
                {"name":"c","active":true,"openAssigned":0,"leads":{"components":[{"project":" ","name":"x"}]}},
                {"name":"d","active":true,"createdBefore":"2025"}]}"#,
        )
        .err()
        .unwrap_or_default();
        let got: Vec<(&str, &str)> = e.iter().map(|p| (p.code, p.path.as_str())).collect();
        assert_eq!(
            got,
            [
                ("snapshot.invalidCount", "users[0].openAssigned"),
                ("snapshot.invalidCount", "users[1].openAssigned"),
                ("snapshot.emptyValue", "users[2].leads.components[0].project"),
                ("snapshot.invalidTimestamp", "users[3].createdBefore"),
            ]
        );
    }

    #[test]
    fn only_a_deactivation_of_a_project_lead_is_blocked_or_handed_over() {
        let s = parse_snapshot(
            r#"{"users":[{"name":"lead","active":true,"leads":{"projects":[{"key":"B"},{"key":"A"}]}},
                {"name":"comp","active":true,"leads":{"components":[{"project":"A","name":"x"}]}},{"name":"none","active":true}]}"#,
        )
        .expect("valid");
        let (lead, comp, none) = (&s.users[1], &s.users[0], &s.users[2]);
        assert_eq!(lead.name, "lead");
        let p = policy("");
        match lead_effect(&p, &Action::Deactivate, lead) {
            LeadEffect::Blocked { code, reason } => {
                assert_eq!(code, Code::BlockedProjectLead);
                assert_eq!(
                    reason,
                    "lead of projects A, B: Jira refuses to deactivate a project lead"
                );
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(lead_effect(&p, &Action::Review, lead), LeadEffect::None);
        assert_eq!(
            lead_effect(&p, &Action::RemoveFromGroups(Vec::new()), lead),
            LeadEffect::None
        );
        assert_eq!(lead_effect(&p, &Action::Deactivate, comp), LeadEffect::None);
        assert_eq!(lead_effect(&p, &Action::Deactivate, none), LeadEffect::None);
        let p = policy(r#""handover":{"projectLead":"Heir"},"#);
        assert_eq!(
            lead_effect(&p, &Action::Deactivate, lead),
            LeadEffect::Handover(Handover {
                project_lead: "Heir".into(),
                projects: vec!["A".into(), "B".into()]
            })
        );
    }

    #[test]
    fn open_assigned_check_passes_only_zero() {
        let s = parse_snapshot(
            r#"{"users":[{"name":"a","active":true,"openAssigned":0},{"name":"b","active":true,"openAssigned":4},{"name":"c","active":true}]}"#,
        )
        .expect("valid");
        assert_eq!(open_assigned_check(true, &s.users[0]), Ok(()));
        assert_eq!(open_assigned_check(true, &s.users[1]), Err(Code::SkippedOpenAssigned));
        assert_eq!(
            open_assigned_check(true, &s.users[2]),
            Err(Code::SkippedOpenAssignedUnknown)
        );
        for u in &s.users {
            assert_eq!(
                open_assigned_check(false, u),
                Ok(()),
                "without the rule field nothing is skipped"
            );
        }
        assert_eq!(
            skipped_reason("r", &s.users[1]),
            "4 unresolved issues assigned: rule r skips users with open assigned issues"
        );
    }

    #[test]
    fn the_hand_over_user_must_be_an_active_user_of_the_snapshot() {
        let s = parse_snapshot(r#"{"users":[{"name":"Heir","active":true},{"name":"gone","active":false}]}"#)
            .expect("valid");
        assert_eq!(check_handover(&policy(""), &s), None);
        assert_eq!(
            check_handover(&policy(r#""handover":{"projectLead":" heir "},"#), &s),
            None
        );
        let code = |lead: &str| {
            check_handover(&policy(&format!(r#""handover":{{"projectLead":"{lead}"}},"#)), &s).map(|p| (p.code, p.path))
        };
        assert_eq!(
            code("GONE"),
            Some((
                Code::PolicyHandoverInactiveUser.as_str(),
                "handover.projectLead".to_string()
            ))
        );
        assert_eq!(
            code("nobody"),
            Some((
                Code::PolicyHandoverUnknownUser.as_str(),
                "handover.projectLead".to_string()
            ))
        );
    }
}
