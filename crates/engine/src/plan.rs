//! `plan`: who the policy actions, why, what stays protected, and what it does to licences.

use crate::code::Code;
use crate::impact::{self, LeadEffect};
use crate::matcher::{Matcher, Miss, Selection};
use crate::policy::{Action, Policy};
use crate::snapshot::{LastLogin, Snapshot, User};
use crate::time::format_instant;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    pub as_of: String,
    pub actor: Option<String>,
    pub actions: Vec<PlannedAction>,
    pub protected: Vec<ProtectedUser>,
    /// Users a rule passed over only because of open assigned issues (M14); absent when none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<SkippedUser>,
    pub expired_service_accounts: Vec<ExpiredServiceAccount>,
    /// Exceptions (decisions to keep a user) expired at `asOf`, in policy order; absent when none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub expired_exceptions: Vec<ExpiredException>,
    pub counts: Counts,
    pub limit: Limit,
    pub over_limit: bool,
    pub licence: Vec<LicenceImpact>,
}

/// The user an answer's entry is about, named as every answer names one (a plan's and a bulk
/// plan's actions, `warnings`' users). Flattened into the entry: the JSON keeps these fields
/// first, as they always were.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Who {
    pub user: String,
    /// Jira's user key, when the snapshot has it: lets a runner notice an account renamed or
    /// replaced since the snapshot (a new account may reuse a name; never its key).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    pub display_name: String,
    /// `null` when the user has none.
    pub email: Option<String>,
}

impl Who {
    pub fn of(user: &User) -> Who {
        Who {
            user: user.name.to_string(),
            key: user.jira_key(),
            display_name: user.display_name.to_string(),
            email: user.email.as_deref().map(str::to_string),
        }
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct PlannedAction {
    #[serde(flatten)]
    pub who: Who,
    pub rule: String,
    pub action: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub groups: Option<Vec<String>>,
    /// `"blocked"` when the action cannot be carried out (M13); absent otherwise. A blocked
    /// action never runs and never counts against the limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocked_code: Option<Code>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocked_reason: Option<String>,
    /// A deactivation of a project lead with `handover.projectLead`: the projects whose lead
    /// the runner changes first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub handover: Option<impact::Handover>,
    /// A rule with `warn` (M16): where the user stands (warned when, action from when). With
    /// any state but `act` the action has `status: "awaitingWarning"` (unless blocked).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warning: Option<crate::warn::Lifecycle>,
    pub reasons: Vec<String>,
    pub facts: Facts,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Facts {
    pub last_login: Option<String>,
    pub days_inactive: i64,
    pub created: Option<String>,
    pub matched_groups: Vec<String>,
    pub email_domain: Option<String>,
    pub directory: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_account: Option<ServiceAccountFact>,
    /// The snapshot's `createdBefore`, when it has one and no `created` (M15).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_before: Option<String>,
    /// What the user leads, when the snapshot says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub leads: Option<impact::Leads>,
    /// Unresolved issues assigned, when the snapshot says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub open_assigned: Option<u64>,
}

/// A user a rule would have selected but for open assigned issues, and no rule actions (M14).
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SkippedUser {
    pub user: String,
    pub rule: String,
    pub code: Code,
    pub reason: String,
    /// Unresolved issues assigned; `null` when not known.
    pub open_assigned: Option<u64>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ServiceAccountFact {
    pub owner: String,
    pub purpose: Option<String>,
    pub expires: Option<String>,
    pub expired: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ProtectedUser {
    pub user: String,
    pub rule: String,
    pub code: Code,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ExpiredServiceAccount {
    pub user: String,
    pub owner: String,
    pub purpose: Option<String>,
    pub expires: String,
    /// Is the user in the snapshot at all?
    pub present: bool,
    pub actioned: bool,
}

/// An exception past its `until`: the user is no longer protected by it.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ExpiredException {
    pub user: String,
    pub by: String,
    /// As written in the policy.
    pub until: String,
    pub reason: String,
    /// Is the user in the snapshot at all?
    pub present: bool,
    pub actioned: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct Counts {
    pub users: usize,
    pub active_users: usize,
    pub actions: usize,
    /// Actions that change Jira (deactivate, removeFromGroups): what `maxActionsPerRun` limits.
    pub executable: usize,
    pub by_action: ByAction,
    pub by_rule: BTreeMap<String, usize>,
    pub protected: usize,
    /// Actions with `status: "blocked"` (counted in `actions`, `byAction` and `byRule`, never
    /// in `executable`); absent when none.
    #[serde(skip_serializing_if = "is_zero")]
    pub blocked: usize,
    /// Entries in `skipped`; absent when none.
    #[serde(skip_serializing_if = "is_zero")]
    pub skipped: usize,
    /// Actions with `status: "awaitingWarning"` (M16; counted like blocked ones); absent when none.
    #[serde(skip_serializing_if = "is_zero")]
    pub awaiting_warning: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

#[derive(Debug, Clone, Serialize, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct ByAction {
    pub deactivate: usize,
    pub remove_from_groups: usize,
    pub review: usize,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Limit {
    pub max_actions_per_run: Option<u64>,
    /// How old (minutes since the snapshot's `capturedAt`) a plan may be when it is carried out:
    /// the policy's `limits.maxSnapshotAgeMinutes`, or its default.
    pub max_snapshot_age_minutes: u64,
}

/// One reading of the policy's run limits, so a plan and a bulk plan report and enforce them alike.
impl Limit {
    pub fn of(policy: &Policy) -> Limit {
        Limit {
            max_actions_per_run: policy.max_actions_per_run,
            max_snapshot_age_minutes: policy.max_snapshot_age_minutes(),
        }
    }

    /// Are `executable` actions more than one run may carry out?
    pub fn exceeded_by(&self, executable: usize) -> bool {
        matches!(self.max_actions_per_run, Some(max) if executable as u64 > max)
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct LicenceImpact {
    pub role: String,
    pub name: String,
    pub number_of_seats: Option<i64>,
    pub has_unlimited_seats: bool,
    pub seats_before: usize,
    pub seats_after: usize,
    pub seats_freed: usize,
    pub remaining_before: Option<i64>,
    pub remaining_after: Option<i64>,
}

pub struct PlanOptions<'a> {
    pub as_of: i64,
    pub actor: Option<&'a str>,
    /// The warnings already sent (M16); `None`: no record given, nobody counts as warned.
    pub sent: Option<&'a crate::warn::SentIndex>,
}

pub fn plan(policy: &Policy, snapshot: &Snapshot, opts: &PlanOptions) -> Plan {
    let m = Matcher::new(policy, snapshot, opts.as_of, opts.actor);
    let mut actions = Vec::new();
    let mut protected = Vec::new();
    let mut skipped = Vec::new();
    let mut counts = Counts {
        users: snapshot.users.len(),
        ..Counts::default()
    };
    // Licence effect, per user: which groups they keep (None = deactivated).
    let mut changes: Vec<(&User, Option<Vec<u32>>)> = Vec::new();

    for user in &snapshot.users {
        if !user.active {
            continue;
        }
        counts.active_users += 1;
        // The first rule that passed over the user only for open assigned issues (M14).
        let mut passed_over: Option<(&str, Code)> = None;
        let mut decided = false;
        for r in &m.rules {
            let sel = match m.select_or_miss(r, user) {
                Ok(sel) => sel,
                Err(Miss::OpenAssigned(code)) => {
                    passed_over.get_or_insert((r.rule.id.as_str(), code));
                    continue;
                }
                Err(_) => continue,
            };
            decided = true;
            if let Some(p) = m.protection(user) {
                protected.push(ProtectedUser {
                    user: user.name.to_string(),
                    rule: r.rule.id.clone(),
                    code: p.code,
                    reason: p.reason,
                });
            } else {
                let effect = impact::lead_effect(policy, &r.rule.action, user);
                let mut reasons = m.reasons(r, user, &sel);
                impact::reasons(user, &effect, r.rule.skip_if_open_assigned, &mut reasons);
                // A blocked action never runs: it frees no seat and is not executable.
                let blocked = matches!(effect, LeadEffect::Blocked { .. });
                counts.blocked += usize::from(blocked);
                let mut entry = action_entry(&m, r.rule.id.clone(), &r.rule.action, user, &sel, reasons, effect);
                // M16: a warn rule acts only on users warned long enough ago, with no login since
                // (the warning names the groups the action removes: the entry's).
                entry.warning = r.rule.warn.as_ref().map(|w| {
                    let from = crate::warn::selected_from(r.rule, user)
                        .unwrap_or(opts.as_of)
                        .min(opts.as_of);
                    let removed = entry.groups.as_deref().unwrap_or_default();
                    crate::warn::lifecycle(r.rule, w, user, removed, true, from, opts.sent, opts.as_of)
                });
                let awaiting = !blocked
                    && entry
                        .warning
                        .as_ref()
                        .is_some_and(|w| w.state != crate::warn::State::Act);
                counts.awaiting_warning += usize::from(awaiting);
                if let Some(w) = &entry.warning {
                    entry.reasons.push(w.reason.clone());
                }
                if awaiting {
                    entry.status = Some("awaitingWarning");
                }
                *counts.by_rule.entry(r.rule.id.clone()).or_default() += 1;
                match &r.rule.action {
                    Action::Deactivate => {
                        counts.by_action.deactivate += 1;
                        if !blocked && !awaiting {
                            changes.push((user, None));
                        }
                    }
                    Action::RemoveFromGroups(_) => {
                        counts.by_action.remove_from_groups += 1;
                        let kept = user
                            .groups
                            .iter()
                            .copied()
                            .filter(|g| !sel.remove_groups.contains(g))
                            .collect();
                        if !awaiting {
                            changes.push((user, Some(kept)));
                        }
                    }
                    Action::Review => counts.by_action.review += 1,
                }
                actions.push(entry);
            }
            break;
        }
        if let (false, Some((rule, code))) = (decided, passed_over) {
            // A protected user is never actioned anyway: listed as skipped only when it matters.
            if m.protection(user).is_none() {
                skipped.push(SkippedUser {
                    user: user.name.to_string(),
                    rule: rule.to_string(),
                    code,
                    reason: impact::skipped_reason(rule, user),
                    open_assigned: user.open_assigned,
                });
            }
        }
    }

    counts.actions = actions.len();
    counts.executable =
        counts.by_action.deactivate + counts.by_action.remove_from_groups - counts.blocked - counts.awaiting_warning;
    counts.protected = protected.len();
    counts.skipped = skipped.len();
    let limit = Limit::of(policy);
    let over_limit = limit.exceeded_by(counts.executable);

    let actioned: rustc_hash::FxHashSet<&str> = actions.iter().map(|a| a.who.user.as_str()).collect();
    let expired_service_accounts = policy
        .service_accounts
        .iter()
        .filter(|sa| m.expired(sa))
        .map(|sa| {
            let user = snapshot.user(&sa.user);
            ExpiredServiceAccount {
                user: user.map(|u| u.name.to_string()).unwrap_or_else(|| sa.user.clone()),
                owner: sa.owner.clone(),
                purpose: sa.purpose.clone(),
                expires: sa.expires.as_ref().map(|(raw, _)| raw.clone()).unwrap_or_default(),
                present: user.is_some(),
                actioned: user.is_some_and(|u| actioned.contains(u.name.as_ref())),
            }
        })
        .collect();

    let expired_exceptions = policy
        .exceptions
        .iter()
        .filter(|e| e.expired(opts.as_of) && !crate::policy::kept(&policy.exceptions, &e.user_lower, opts.as_of))
        .map(|e| {
            let user = snapshot.user(&e.user);
            ExpiredException {
                user: user.map(|u| u.name.to_string()).unwrap_or_else(|| e.user.clone()),
                by: e.by.clone(),
                until: e.until.0.clone(),
                reason: e.reason.clone(),
                present: user.is_some(),
                actioned: user.is_some_and(|u| actioned.contains(u.name.as_ref())),
            }
        })
        .collect();

    Plan {
        as_of: format_instant(opts.as_of),
        actor: opts.actor.map(str::to_string),
        actions,
        protected,
        skipped,
        expired_service_accounts,
        expired_exceptions,
        counts,
        limit,
        over_limit,
        licence: licence_impact(snapshot, &changes),
    }
}

fn action_entry(
    m: &Matcher,
    rule: String,
    action: &Action,
    user: &User,
    sel: &Selection,
    reasons: Vec<String>,
    effect: LeadEffect,
) -> PlannedAction {
    let groups = &m.snapshot.groups;
    let service_account = m.service_account(user).map(|sa| ServiceAccountFact {
        owner: sa.owner.clone(),
        purpose: sa.purpose.clone(),
        expires: sa.expires.as_ref().map(|(raw, _)| raw.clone()),
        expired: m.expired(sa),
    });
    let marks = effect.into_marks();
    PlannedAction {
        who: Who::of(user),
        rule,
        action: action.type_name(),
        groups: matches!(action, Action::RemoveFromGroups(_))
            .then(|| sel.remove_groups.iter().map(|&g| groups.name(g).to_string()).collect()),
        status: marks.status,
        blocked_code: marks.blocked_code,
        blocked_reason: marks.blocked_reason,
        handover: marks.handover,
        warning: None,
        reasons,
        facts: Facts {
            last_login: match user.last_login {
                LastLogin::At(t) => Some(format_instant(t)),
                _ => None,
            },
            days_inactive: sel.days_inactive,
            created: user.created.map(format_instant),
            matched_groups: sel.matched_groups.iter().map(|&g| groups.name(g).to_string()).collect(),
            email_domain: user.domain.as_deref().map(str::to_string),
            directory: user.directory.as_deref().map(str::to_string),
            service_account,
            created_before: user
                .created_before
                .filter(|_| user.created.is_none())
                .map(format_instant),
            leads: user.leads.as_deref().cloned(),
            open_assigned: user.open_assigned,
        },
    }
}

/// Seats per application role before and after: an active user holds a role's seat when in any
/// of its groups; a deactivated user holds none; a user removed from groups keeps the seat only
/// through a role group it still has.
fn licence_impact(snapshot: &Snapshot, changes: &[(&User, Option<Vec<u32>>)]) -> Vec<LicenceImpact> {
    let masks = group_role_masks(snapshot);
    let before = seats_per_role(snapshot, &masks);
    let mut freed = vec![0usize; snapshot.roles.len()];
    for (user, kept) in changes {
        let lost = role_mask(&masks, &user.groups) & !kept.as_deref().map_or(0, |k| role_mask(&masks, k));
        for (r, f) in freed.iter_mut().enumerate() {
            *f += usize::from(lost & (1 << r) != 0);
        }
    }
    snapshot
        .roles
        .iter()
        .enumerate()
        .map(|(r, role)| {
            let (before, freed) = (before[r], freed[r]);
            let after = before - freed;
            let remaining = |used: usize| match (role.has_unlimited_seats, role.number_of_seats) {
                (false, Some(n)) if n >= 0 => Some(n - used as i64),
                _ => None,
            };
            LicenceImpact {
                role: role.key.clone(),
                name: role.name.clone(),
                number_of_seats: role.number_of_seats,
                has_unlimited_seats: role.has_unlimited_seats,
                seats_before: before,
                seats_after: after,
                seats_freed: freed,
                remaining_before: remaining(before),
                remaining_after: remaining(after),
            }
        })
        .collect()
}

/// The snapshot's group ids of a role's groups (case-insensitive; groups no user has are skipped).
pub fn role_groups(snapshot: &Snapshot, names: &[String]) -> Vec<u32> {
    let mut ids: Vec<u32> = names.iter().filter_map(|n| snapshot.groups.id(n)).collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// Per group id, a bit per application role (bit `r` = `snapshot.roles[r]`) that membership in
/// the group gives a seat of. The snapshot parser refuses more than 64 roles (Jira has four).
pub fn group_role_masks(snapshot: &Snapshot) -> Vec<u64> {
    let mut masks = vec![0u64; snapshot.groups.len()];
    for (r, role) in snapshot.roles.iter().enumerate().take(64) {
        for g in role_groups(snapshot, &role.groups) {
            masks[g as usize] |= 1 << r;
        }
    }
    masks
}

/// The roles a set of groups gives seats of.
pub fn role_mask(masks: &[u64], groups: &[u32]) -> u64 {
    groups
        .iter()
        .fold(0, |m, &g| m | masks.get(g as usize).copied().unwrap_or(0))
}

/// Active users holding each role's seat, in one pass over the users.
pub fn seats_per_role(snapshot: &Snapshot, masks: &[u64]) -> Vec<usize> {
    let mut used = vec![0usize; snapshot.roles.len()];
    for u in snapshot.users.iter().filter(|u| u.active) {
        let mut m = role_mask(masks, &u.groups);
        while m != 0 {
            used[m.trailing_zeros() as usize] += 1;
            m &= m - 1;
        }
    }
    used
}
