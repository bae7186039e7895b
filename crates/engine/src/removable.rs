//! `removableGroups`: which groups a run under a policy was allowed to remove.
//!
//! A run's trail is read back from storage, so undo and resume must not trust the groups it lists:
//! they act only on groups the run's own stored policy allowed it to remove. That is a group some
//! rule's `removeFromGroups` pattern matches (the engine's one pattern matcher, so JavaScript never
//! re-implements it), or one of the run's application-role groups, which the read-only fallback
//! removes when a user's directory cannot be deactivated.

use crate::group_input::{names, over_policy, required_names};
use crate::policy::{Action, Policy};
use crate::problem::Outcome;
use serde::Serialize;

/// What `removableGroups` answers: one entry per group asked about, in the order given.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Removable {
    pub groups: Vec<GroupAllowance>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct GroupAllowance {
    /// As the caller spelled it.
    pub group: String,
    pub allowed: bool,
    /// Why it is allowed, in words: the first rule (policy order) and pattern that match it, or
    /// the read-only fallback.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
}

/// What the read-only fallback answers as `by`.
pub const FALLBACK: &str = "application-role group (read-only fallback)";

/// Which of `groups` a run under `policy` may remove. Names compare as the engine compares group
/// names everywhere: trimmed and case-insensitively, patterns matching the whole name.
pub fn removable(policy: &Policy, groups: &[String], role_groups: &[String]) -> Removable {
    let roles: Vec<String> = role_groups.iter().map(|g| g.trim().to_lowercase()).collect();
    let groups = groups
        .iter()
        .map(|g| {
            let lower = g.trim().to_lowercase();
            let by_rule = policy.rules.iter().find_map(|r| match &r.action {
                Action::RemoveFromGroups(patterns) => patterns
                    .iter()
                    .find(|p| p.matches(&lower))
                    .map(|p| format!("rule {} removes \"{}\"", r.id, p.raw)),
                _ => None,
            });
            let by = by_rule.or_else(|| roles.contains(&lower).then(|| FALLBACK.to_string()));
            GroupAllowance {
                group: g.clone(),
                allowed: by.is_some(),
                by,
            }
        })
        .collect();
    Removable { groups }
}

/// The entry point: `policy` as JSON text; `input`: `{"groups": [...], "roleGroups"?: [...]}`.
/// Every problem of both is reported at once (policy problems with their policy paths, input
/// problems as `input.invalid` at `groups[3]` ...).
pub fn removable_groups(policy: &str, input: &str) -> Outcome<Removable> {
    over_policy(
        policy,
        input,
        "removableGroups' input",
        "{\"groups\": [...], \"roleGroups\"?: [...]}",
        &["groups", "roleGroups"],
        |m, out| {
            let groups = required_names(m, "groups", out);
            let roles = names(m.get("roleGroups"), "roleGroups", out);
            (groups, roles.unwrap_or_default())
        },
        |p, (groups, roles)| removable(p, &groups, &roles),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: &str = r#"{"version":1,"limits":{"maxActionsPerRun":10},"rules":[
        {"id":"contractors","inactiveDays":90,"action":{"type":"deactivate"}},
        {"id":"licence","inactiveDays":180,"action":{"type":"removeFromGroups","groups":["jira-*-users","Confluence-Users"]}},
        {"id":"more","inactiveDays":365,"action":{"type":"removeFromGroups","groups":["jira-software-*","ext-team"]}}]}"#;

    fn answer(input: &str) -> Vec<(String, bool, Option<String>)> {
        match removable_groups(POLICY, input) {
            Outcome::Success { value, .. } => value.groups.into_iter().map(|g| (g.group, g.allowed, g.by)).collect(),
            Outcome::Failure { errors, .. } => panic!("failure: {errors:?}"),
        }
    }

    fn errors(policy: &str, input: &str) -> Vec<(&'static str, String)> {
        removable_groups(policy, input)
            .errors()
            .iter()
            .map(|p| (p.code, p.path.clone()))
            .collect()
    }

    #[test]
    fn the_first_rule_and_pattern_that_match_say_why() {
        let got = answer(
            r#"{"groups":["jira-software-users","JIRA-Core-Users"," confluence-users ","ext-team","jira-software-admins","staff","jira-users"]}"#,
        );
        let by = |s: &str| Some(s.to_string());
        assert_eq!(
            got,
            [
                (
                    "jira-software-users".into(),
                    true,
                    by("rule licence removes \"jira-*-users\"")
                ),
                (
                    "JIRA-Core-Users".into(),
                    true,
                    by("rule licence removes \"jira-*-users\"")
                ),
                (
                    " confluence-users ".into(),
                    true,
                    by("rule licence removes \"Confluence-Users\"")
                ),
                ("ext-team".into(), true, by("rule more removes \"ext-team\"")),
                (
                    "jira-software-admins".into(),
                    true,
                    by("rule more removes \"jira-software-*\"")
                ),
                ("staff".into(), false, None),
                ("jira-users".into(), false, None),
            ]
        );
    }

    #[test]
    fn application_role_groups_are_allowed_by_the_read_only_fallback() {
        let got = answer(
            r#"{"groups":["jira-users","Staff","jira-core-users"],"roleGroups":["JIRA-USERS","jira-core-users"]}"#,
        );
        assert_eq!(got[0], ("jira-users".into(), true, Some(FALLBACK.to_string())));
        assert_eq!(got[1], ("Staff".into(), false, None));
        // A rule's pattern is named before the fallback.
        assert_eq!(
            got[2],
            (
                "jira-core-users".into(),
                true,
                Some("rule licence removes \"jira-*-users\"".into())
            )
        );
    }

    #[test]
    fn deactivate_and_review_rules_allow_no_group() {
        let policy = r#"{"version":1,"rules":[{"id":"r","inactiveDays":1,"action":{"type":"deactivate"}},
            {"id":"s","inactiveDays":1,"action":{"type":"review"}}]}"#;
        let out = removable_groups(policy, r#"{"groups":["jira-software-users"]}"#);
        let value = out.value().cloned().map(|v| v.groups);
        assert_eq!(
            value,
            Some(vec![GroupAllowance {
                group: "jira-software-users".into(),
                allowed: false,
                by: None
            }])
        );
        assert_eq!(
            out.warnings().iter().map(|w| w.code).collect::<Vec<_>>(),
            ["policy.noLimit"]
        );
    }

    #[test]
    fn bad_input_and_bad_policy_are_reported_together() {
        assert_eq!(
            errors(
                r#"{"version":1,"rules":"x"}"#,
                r#"{"groups":["a",""," ",3],"roleGroup":[]}"#
            ),
            [
                ("policy.invalidType", "rules".into()),
                ("input.invalid", "roleGroup".into()),
                ("input.invalid", "groups[1]".into()),
                ("input.invalid", "groups[2]".into()),
                ("input.invalid", "groups[3]".into()),
            ]
        );
        assert_eq!(errors(POLICY, "{}"), [("input.invalid", "groups".into())]);
        assert_eq!(
            errors(POLICY, r#"{"groups":"g"}"#),
            [("input.invalid", "groups".into())]
        );
        assert_eq!(
            errors(POLICY, r#"{"groups":[],"roleGroups":{}}"#),
            [("input.invalid", "roleGroups".into())]
        );
        assert_eq!(errors(POLICY, "[]"), [("input.invalid", "".into())]);
        assert_eq!(errors(POLICY, "{"), [("json.syntax", "".into())]);
        assert_eq!(errors("nope", r#"{"groups":[]}"#), [("json.syntax", "".into())]);
        let long = "g".repeat(257);
        assert_eq!(
            errors(POLICY, &format!(r#"{{"groups":["{long}"]}}"#)),
            [("input.invalid", "groups[0]".into())]
        );
    }

    #[test]
    fn an_empty_question_has_an_empty_answer() {
        assert!(answer(r#"{"groups":[]}"#).is_empty());
    }
}
