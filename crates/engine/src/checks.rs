//! Warnings that need both the policy and the snapshot (or `asOf`): names that match nothing,
//! rules that can never select anyone, service accounts past their expiry.

use crate::code::Code;
use crate::pattern::Pattern;
use crate::policy::{Action, Policy};
use crate::problem::{index, key, Problem, Source};
use crate::snapshot::Snapshot;

fn warn(code: Code, path: String, msg: String) -> Problem {
    Problem::warning(Source::Policy, code, path, msg)
}

pub fn cross_check(policy: &Policy, s: &Snapshot) -> Vec<Problem> {
    let mut out = Vec::new();
    out.extend(crate::impact::check_handover(policy, s));
    // Jira 9 over REST cannot tell last logins; a snapshot without them makes every rule idle.
    let mut active = s.users.iter().filter(|u| u.active).peekable();
    if active.peek().is_some() && active.all(|u| u.last_login == crate::snapshot::LastLogin::Unknown) {
        out.push(Problem::warning(
            Source::Snapshot,
            Code::SnapshotNoLastLogin,
            "users",
            "no active user in the snapshot has a known last login (Jira 9 does not report it over REST): \
             no rule can select anyone until last logins are supplied (see the last-login export)"
                .to_string(),
        ));
    }
    let groups = |list: &[Pattern], path: String, out: &mut Vec<Problem>| -> usize {
        let mut missing = 0;
        for (i, p) in list.iter().enumerate() {
            // With completeGroups, only a group whose members were all read can be known unheld.
            if crate::scope::known_unheld(p, s) {
                missing += 1;
                let what = if p.has_wildcard() {
                    "matches no group"
                } else {
                    "is a group"
                };
                out.push(warn(
                    Code::PolicyGroupNotInSnapshot,
                    index(&path, i),
                    format!("\"{}\" {what} that no user in the snapshot has", p.raw),
                ));
            }
        }
        missing
    };
    groups(&policy.protect_groups, "protect.groups".into(), &mut out);
    for (ri, rule) in policy.rules.iter().enumerate() {
        let rp = index("rules", ri);
        let missing = groups(&rule.include_groups, key(&key(&rp, "include"), "groups"), &mut out);
        if !rule.include_groups.is_empty() && missing == rule.include_groups.len() {
            out.push(warn(
                Code::RuleNeverSelects,
                key(&rp, "include"),
                format!("rule {} includes only groups no user has: it selects no one", rule.id),
            ));
        }
        groups(&rule.exclude_groups, key(&key(&rp, "exclude"), "groups"), &mut out);
        if let Action::RemoveFromGroups(list) = &rule.action {
            let missing = groups(list, key(&key(&rp, "action"), "groups"), &mut out);
            if missing == list.len() {
                out.push(warn(
                    Code::RuleNeverSelects,
                    key(&rp, "action"),
                    format!("rule {} removes only groups no user has: it selects no one", rule.id),
                ));
            }
        }
        for (ui, u) in rule.exclude_users.iter().enumerate() {
            if s.user(u).is_none() {
                out.push(warn(
                    Code::PolicyUserNotInSnapshot,
                    index(&key(&key(&rp, "exclude"), "users"), ui),
                    format!("excluded user \"{u}\" is not in the snapshot"),
                ));
            }
        }
    }
    for (i, u) in policy.protect_users.iter().enumerate() {
        if s.user(u).is_none() {
            out.push(warn(
                Code::PolicyUserNotInSnapshot,
                index("protect.users", i),
                format!("protected user \"{u}\" is not in the snapshot"),
            ));
        }
    }
    for (i, e) in policy.exceptions.iter().enumerate() {
        if s.user(&e.user).is_none() {
            out.push(warn(
                Code::PolicyUserNotInSnapshot,
                key(&index("exceptions", i), "user"),
                format!("the exception's user \"{}\" is not in the snapshot", e.user),
            ));
        }
    }
    for (i, sa) in policy.service_accounts.iter().enumerate() {
        if s.user(&sa.user).is_none() {
            out.push(warn(
                Code::PolicyUserNotInSnapshot,
                key(&index("serviceAccounts", i), "user"),
                format!("service account \"{}\" is not in the snapshot", sa.user),
            ));
        }
    }
    out
}

pub fn expired_service_accounts(policy: &Policy, as_of: i64) -> Vec<Problem> {
    policy
        .service_accounts
        .iter()
        .enumerate()
        .filter_map(|(i, sa)| match &sa.expires {
            Some((raw, t)) if *t <= as_of => Some(warn(
                Code::ServiceAccountExpired,
                key(&index("serviceAccounts", i), "expires"),
                format!(
                    "service account {} expired {raw} (owner {}): it is no longer protected",
                    sa.user, sa.owner
                ),
            )),
            _ => None,
        })
        .collect()
}
