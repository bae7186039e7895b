//! `planBulk`: an operation an administrator chose for named users (deactivate, reactivate, add
//! to groups, remove from groups), planned with the same safety as a rule's actions — the policy's
//! protections leave users out of destructive operations, a project lead's deactivation is
//! blocked or handed over as in a plan (M13), the run limit applies — and listing only the users
//! for whom the operation changes something. `decide` re-checks each bulk item just before the
//! change through [`decide`] here, with the same [`verdict`].
//!
//! Bulk actions carry the rule id [`RULE`] (`"bulk"`), which no policy rule may have.

use crate::code::Code;
use crate::decide::{skip, DecidedAction, Decision, Planned};
use crate::impact::{self, LeadEffect};
use crate::json_words::{self, kind};
use crate::matcher::{Matcher, Protection};
use crate::plan::{Limit, Who};
use crate::policy::{Policy, MAX_ENTRIES, MAX_NAME};
use crate::problem::{index, json_error, Outcome, Problem, Source};
use crate::snapshot::{Snapshot, User};
use crate::time::format_instant;
use rustc_hash::{FxHashMap, FxHashSet};
use serde::Serialize;
use serde_json::{Map, Value};

/// The rule id of every bulk action (reserved: a policy rule may not be called this).
pub const RULE: &str = "bulk";

/// Users one bulk operation may name: more than any Jira has.
pub const MAX_USERS: usize = 1_000_000;

/// Is `rule` the bulk rule id (case-insensitively, as rule ids are compared)?
pub fn is_bulk(rule: &str) -> bool {
    rule.trim().eq_ignore_ascii_case(RULE)
}

/// The four bulk operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Deactivate,
    Reactivate,
    AddToGroups,
    RemoveFromGroups,
}

impl Op {
    pub const ALL: [Op; 4] = [Op::Deactivate, Op::Reactivate, Op::AddToGroups, Op::RemoveFromGroups];

    pub fn name(self) -> &'static str {
        match self {
            Op::Deactivate => "deactivate",
            Op::Reactivate => "reactivate",
            Op::AddToGroups => "addToGroups",
            Op::RemoveFromGroups => "removeFromGroups",
        }
    }

    pub fn parse(s: &str) -> Option<Op> {
        Op::ALL.into_iter().find(|o| o.name() == s)
    }

    /// Destructive operations take something away: protected users are left out of them.
    pub fn destructive(self) -> bool {
        matches!(self, Op::Deactivate | Op::RemoveFromGroups)
    }

    /// Does the operation name groups?
    pub fn takes_groups(self) -> bool {
        matches!(self, Op::AddToGroups | Op::RemoveFromGroups)
    }

    fn words(self) -> &'static str {
        match self {
            Op::Deactivate => "chosen for a bulk deactivation",
            Op::Reactivate => "chosen for a bulk reactivation",
            Op::AddToGroups => "chosen to be added to groups in bulk",
            Op::RemoveFromGroups => "chosen to be removed from groups in bulk",
        }
    }
}

/// planBulk's options, parsed.
#[derive(Debug, Clone)]
pub struct BulkOptions {
    pub as_of: i64,
    pub actor: Option<String>,
    /// Trimmed, each user once (case-insensitively), in the order given.
    pub users: Vec<String>,
    pub op: Op,
    /// Trimmed, each group once (case-insensitively), spelled and ordered as given; empty for
    /// deactivate and reactivate.
    pub groups: Vec<String>,
}

// ---------------------------------------------------------------------------------------------
// The answer

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct BulkPlan {
    pub as_of: String,
    pub actor: Option<String>,
    /// The operation as the plan carries it out (groups trimmed, each once).
    pub operation: Operation,
    /// Sorted by username as plan actions are (P1).
    pub actions: Vec<BulkAction>,
    /// Users left out of a destructive operation, and why.
    pub protected: Vec<BulkProtected>,
    /// Users for whom the operation changes nothing, and why.
    pub unchanged: Vec<Unchanged>,
    /// Requested names the snapshot does not have, as given.
    pub unknown: Vec<String>,
    pub counts: BulkCounts,
    pub limit: Limit,
    /// `counts.executable` is more than `limit.maxActionsPerRun`: never carried out.
    pub over_limit: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Operation {
    #[serde(rename = "type")]
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub groups: Option<Vec<String>>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct BulkAction {
    #[serde(flatten)]
    pub who: Who,
    pub action: &'static str,
    /// addToGroups: the groups the user is not in; removeFromGroups: the groups the user is in
    /// (spelled as the operation spells them). Absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub groups: Option<Vec<String>>,
    /// Always `"bulk"`.
    pub rule: &'static str,
    /// `"blocked"`: a deactivation Jira would refuse (a project lead, no hand-over user); never run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocked_code: Option<Code>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocked_reason: Option<String>,
    /// A deactivation of a project lead with `handover.projectLead`: hand the projects over first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub handover: Option<impact::Handover>,
    pub reasons: Vec<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct BulkProtected {
    pub user: String,
    pub code: Code,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Unchanged {
    pub user: String,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct BulkCounts {
    /// Distinct names asked for.
    pub requested: usize,
    pub actions: usize,
    /// Actions a run carries out (not blocked): what `maxActionsPerRun` limits.
    pub executable: usize,
    /// Actions with `status: "blocked"`; absent when none.
    #[serde(skip_serializing_if = "is_zero")]
    pub blocked: usize,
    pub protected: usize,
    pub unchanged: usize,
    pub unknown: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

// ---------------------------------------------------------------------------------------------
// The one decision per user, shared by planBulk and decide

/// What an operation does to one user.
pub(crate) enum Verdict {
    Change {
        /// The groups it adds or removes (group operations).
        groups: Option<Vec<String>>,
        effect: LeadEffect,
    },
    /// Nothing to change; the reason as a predicate ("already inactive").
    Unchanged(String),
    /// A destructive operation on a protected user.
    Protected(Protection),
}

/// The operation's groups resolved against a snapshot: as given, and the snapshot's id.
pub(crate) fn resolve(s: &Snapshot, groups: &[String]) -> Vec<(String, Option<u32>)> {
    groups.iter().map(|g| (g.clone(), s.groups.id(g.trim()))).collect()
}

/// The operation `op` on `user`. Order: a change that changes nothing is `Unchanged` (the
/// truest reason: nothing would happen even without protection), then protection (destructive
/// operations only, the plan's own [`Matcher::protection`]), then the change.
pub(crate) fn verdict(m: &Matcher, user: &User, op: Op, groups: &[(String, Option<u32>)]) -> Verdict {
    let holds = |id: Option<u32>| id.is_some_and(|id| user.groups.contains(&id));
    let list = |gs: &[(String, Option<u32>)]| gs.iter().map(|(g, _)| g.as_str()).collect::<Vec<_>>().join(", ");
    let changed: Option<Vec<String>> = match op {
        Op::Deactivate if !user.active => return Verdict::Unchanged("already inactive".into()),
        Op::Reactivate if user.active => return Verdict::Unchanged("already active".into()),
        Op::Deactivate | Op::Reactivate => None,
        Op::AddToGroups | Op::RemoveFromGroups => {
            let adding = op == Op::AddToGroups;
            let picked: Vec<String> = groups
                .iter()
                .filter(|(_, id)| holds(*id) != adding)
                .map(|(g, _)| g.clone())
                .collect();
            if picked.is_empty() {
                return Verdict::Unchanged(if adding {
                    format!("already a member of {}", list(groups))
                } else {
                    format!("not a member of {}", list(groups))
                });
            }
            Some(picked)
        }
    };
    if op.destructive() {
        if let Some(p) = m.protection(user) {
            return Verdict::Protected(p);
        }
    }
    let effect = match op {
        Op::Deactivate => impact::lead_effect(m.policy, &crate::policy::Action::Deactivate, user),
        _ => LeadEffect::None,
    };
    Verdict::Change {
        groups: changed,
        effect,
    }
}

// ---------------------------------------------------------------------------------------------
// planBulk

pub fn plan_bulk(policy: &Policy, snapshot: &Snapshot, o: &BulkOptions) -> BulkPlan {
    let m = Matcher::new(policy, snapshot, o.as_of, o.actor.as_deref());
    let groups = resolve(snapshot, &o.groups);
    // Requested names, lowercased → found yet?
    let mut wanted: FxHashMap<String, bool> = o.users.iter().map(|u| (u.to_lowercase(), false)).collect();
    let (mut actions, mut protected, mut unchanged) = (Vec::new(), Vec::new(), Vec::new());
    let mut counts = BulkCounts {
        requested: o.users.len(),
        ..BulkCounts::default()
    };
    // The snapshot is sorted by username: one pass lists everything in plan order.
    for user in &snapshot.users {
        let Some(found) = wanted.get_mut(user.name_lower.as_ref()) else {
            continue;
        };
        *found = true;
        match verdict(&m, user, o.op, &groups) {
            Verdict::Unchanged(reason) => unchanged.push(Unchanged {
                user: user.name.to_string(),
                reason,
            }),
            Verdict::Protected(p) => protected.push(BulkProtected {
                user: user.name.to_string(),
                code: p.code,
                reason: p.reason,
            }),
            Verdict::Change { groups, effect } => {
                let a = action(user, o.op, groups, effect);
                counts.blocked += usize::from(a.status.is_some());
                actions.push(a);
            }
        }
    }
    let unknown: Vec<String> = o
        .users
        .iter()
        .filter(|u| wanted.get(&u.to_lowercase()) == Some(&false))
        .cloned()
        .collect();
    counts.actions = actions.len();
    counts.executable = counts.actions - counts.blocked;
    counts.protected = protected.len();
    counts.unchanged = unchanged.len();
    counts.unknown = unknown.len();
    let limit = Limit::of(policy);
    BulkPlan {
        as_of: format_instant(o.as_of),
        actor: o.actor.clone(),
        operation: Operation {
            kind: o.op.name(),
            groups: o.op.takes_groups().then(|| o.groups.clone()),
        },
        over_limit: limit.exceeded_by(counts.executable),
        actions,
        protected,
        unchanged,
        unknown,
        counts,
        limit,
    }
}

fn action(user: &User, op: Op, groups: Option<Vec<String>>, effect: LeadEffect) -> BulkAction {
    let mut reasons = vec![op.words().to_string()];
    match (op, &groups) {
        (Op::AddToGroups, Some(g)) => reasons.push(format!("not a member of {}", g.join(", "))),
        (Op::RemoveFromGroups, Some(g)) => reasons.push(format!("member of {}", g.join(", "))),
        (Op::Reactivate, _) => reasons.push("inactive".to_string()),
        _ => {}
    }
    if op == Op::Deactivate {
        // What the user leads and the work assigned to them, worded as a plan words them.
        impact::reasons(user, &effect, false, &mut reasons);
    }
    let impact::ActionMarks {
        status,
        blocked_code,
        blocked_reason,
        handover,
    } = effect.into_marks();
    BulkAction {
        who: Who::of(user),
        action: op.name(),
        groups,
        rule: RULE,
        status,
        blocked_code,
        blocked_reason,
        handover,
        reasons,
    }
}

/// Warnings about the operation against this snapshot: a group whose members the snapshot did
/// not read (`completeGroups`), so who is in it is not known here (decide reads each user again).
pub fn warnings(o: &BulkOptions, s: &Snapshot) -> Vec<Problem> {
    o.groups
        .iter()
        .enumerate()
        .filter(|(_, g)| !crate::scope::is_complete(s, &g.to_lowercase()))
        .map(|(i, g)| {
            Problem::warning(
                Source::Options,
                Code::OptionsGroupNotRead,
                index("operation.groups", i),
                format!(
                    "the snapshot did not read the members of {g} (completeGroups): who is in it is not known here; \
                     each user is read again before the change"
                ),
            )
        })
        .collect()
}

/// `planBulk(policy, snapshot, options)`: the entry point (see [`crate::plan_bulk`]).
pub fn plan_bulk_entry(policy: &str, snapshot: &str, options: &str) -> Outcome<BulkPlan> {
    let checks = |p: &Policy, o: &BulkOptions| {
        let mut problems = crate::checks::expired_service_accounts(p, o.as_of);
        problems.extend(crate::policy::expired_exceptions(&p.exceptions, o.as_of));
        problems
    };
    match crate::gather(Some(policy), Some(snapshot), parse_options(options), checks) {
        Ok((Some(p), Some(s), o, mut warnings)) => {
            // A bulk operation does not depend on last logins: that warning is about rules.
            warnings.retain(|w| w.code != Code::SnapshotNoLastLogin.as_str());
            warnings.extend(self::warnings(&o, &s));
            Outcome::Success {
                value: plan_bulk(&p, &s, &o),
                warnings,
            }
        }
        Ok((.., warnings)) => crate::missing(warnings),
        Err(f) => crate::failed(f),
    }
}

// ---------------------------------------------------------------------------------------------
// Options

const OPTION_FIELDS: &[&str] = &["asOf", "actor", "users", "operation"];
const OPERATION_FIELDS: &[&str] = &["type", "groups"];

fn opt_err(code: Code, path: impl Into<String>, msg: impl Into<String>) -> Problem {
    Problem::error(Source::Options, code, path, msg)
}

fn unknown_fields(m: &Map<String, Value>, path: &str, allowed: &[&str], out: &mut Vec<Problem>) {
    let what = if path.is_empty() { "options" } else { path };
    out.extend(
        json_words::unknown_fields(m, path, what, allowed).map(|(at, msg)| opt_err(Code::OptionsInvalid, at, msg)),
    );
}

/// A required, non-empty list of names at `path`, each trimmed, non-blank and at most 256
/// characters, each kept once (case-insensitively, first spelling), at most `cap` entries.
fn names(v: Option<&Value>, path: &str, what: &str, cap: usize, out: &mut Vec<Problem>) -> Vec<String> {
    let Some(v) = v else {
        out.push(opt_err(
            Code::OptionsMissing,
            path,
            format!("{path} is required: a list of {what}s"),
        ));
        return Vec::new();
    };
    let Some(arr) = v.as_array() else {
        out.push(opt_err(
            Code::OptionsInvalid,
            path,
            format!("{path} must be a list of {what}s, found {}", kind(v)),
        ));
        return Vec::new();
    };
    if arr.is_empty() {
        out.push(opt_err(
            Code::OptionsInvalid,
            path,
            format!("{path} is empty: name at least one {what}"),
        ));
    }
    if arr.len() > cap {
        out.push(opt_err(
            Code::OptionsInvalid,
            path,
            format!("{path} lists {} entries: at most {cap} are allowed", arr.len()),
        ));
        return Vec::new();
    }
    let mut seen = FxHashSet::default();
    let mut list = Vec::with_capacity(arr.len());
    for (i, x) in arr.iter().enumerate() {
        let at = index(path, i);
        match x.as_str().map(str::trim) {
            Some("") => out.push(opt_err(Code::OptionsInvalid, at.clone(), format!("{at} is empty"))),
            Some(s) if s.chars().nth(MAX_NAME).is_some() => out.push(opt_err(
                Code::OptionsInvalid,
                at.clone(),
                format!(
                    "{at} is {} characters long: a {what} has at most {MAX_NAME}",
                    s.chars().count()
                ),
            )),
            Some(s) => {
                if seen.insert(s.to_lowercase()) {
                    list.push(s.to_string());
                }
            }
            None => out.push(opt_err(
                Code::OptionsInvalid,
                at.clone(),
                format!("{at} must be a {what} (a string), found {}", kind(x)),
            )),
        }
    }
    list
}

/// Parses `{asOf, actor?, users: [names], operation: {type, groups?}}` strictly: every problem,
/// each with its path (`users[3]`, `operation.type`, `operation.groups`).
pub fn parse_options(text: &str) -> Result<BulkOptions, Vec<Problem>> {
    let v: Value = serde_json::from_str(text).map_err(|e| vec![json_error(Source::Options, "the options", &e)])?;
    let Some(m) = v.as_object() else {
        return Err(vec![opt_err(
            Code::OptionsInvalid,
            "",
            format!(
                "the options must be an object {{asOf, actor?, users, operation: {{type, groups?}}}}, found {}",
                kind(&v)
            ),
        )]);
    };
    let mut out = Vec::new();
    unknown_fields(m, "", OPTION_FIELDS, &mut out);
    // asOf and actor read as every other entry point's options read them.
    let as_of = match m.get("asOf") {
        Some(other) if !other.is_string() && !other.is_null() => {
            out.push(opt_err(
                Code::OptionsInvalid,
                "asOf",
                format!("asOf must be an RFC 3339 instant (a string), found {}", kind(other)),
            ));
            None
        }
        v => crate::options::instant(v.and_then(Value::as_str).map(str::to_string), "asOf")
            .map_err(|e| out.push(e))
            .ok(),
    };
    let actor = match m.get("actor") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => crate::options::actor(Some(s.clone())),
        Some(other) => {
            out.push(opt_err(
                Code::OptionsInvalid,
                "actor",
                format!("actor must be a username (a string), found {}", kind(other)),
            ));
            None
        }
    };
    let users = names(m.get("users"), "users", "username", MAX_USERS, &mut out);
    let (op, groups) = operation(m.get("operation"), &mut out);
    match (as_of, op) {
        (Some(as_of), Some(op)) if out.is_empty() => Ok(BulkOptions {
            as_of,
            actor,
            users,
            op,
            groups,
        }),
        _ => Err(out),
    }
}

fn operation(v: Option<&Value>, out: &mut Vec<Problem>) -> (Option<Op>, Vec<String>) {
    let types = Op::ALL.map(Op::name).join(", ");
    let Some(v) = v else {
        out.push(opt_err(
            Code::OptionsMissing,
            "operation",
            format!("operation is required: {{type, groups?}} with type one of {types}"),
        ));
        return (None, Vec::new());
    };
    let Some(m) = v.as_object() else {
        out.push(opt_err(
            Code::OptionsInvalid,
            "operation",
            format!("operation must be an object {{type, groups?}}, found {}", kind(v)),
        ));
        return (None, Vec::new());
    };
    unknown_fields(m, "operation", OPERATION_FIELDS, out);
    let op = match m.get("type") {
        None => {
            out.push(opt_err(
                Code::OptionsMissing,
                "operation.type",
                format!("operation.type is required: one of {types}"),
            ));
            None
        }
        Some(t) => {
            let op = t.as_str().and_then(Op::parse);
            if op.is_none() {
                out.push(opt_err(
                    Code::OptionsInvalid,
                    "operation.type",
                    format!("operation.type {t} is not a bulk operation: one of {types}"),
                ));
            }
            op
        }
    };
    let groups = match (op, m.get("groups")) {
        (Some(op), g) if op.takes_groups() => names(g, "operation.groups", "group name", MAX_ENTRIES, out),
        (Some(op), Some(g)) if !g.is_null() => {
            out.push(opt_err(
                Code::OptionsInvalid,
                "operation.groups",
                format!(
                    "operation.groups only goes with addToGroups and removeFromGroups, not {}",
                    op.name()
                ),
            ));
            Vec::new()
        }
        _ => Vec::new(),
    };
    (op, groups)
}

// ---------------------------------------------------------------------------------------------
// decide for a bulk item

/// Decides again for one bulk item (planned.rule `"bulk"`), after decide has checked the plan's
/// age and the account's identity: protection (destructive operations), and that the operation
/// still changes something — never more than planned (groups ⊆ planned.groups).
pub(crate) fn decide(
    policy: &Policy,
    snapshot: &Snapshot,
    planned: &Planned,
    as_of: i64,
    actor: Option<&str>,
) -> Decision {
    let Some(user) = snapshot.users.first() else {
        return skip(Code::DecideNotSelected, "the user could not be read".to_string());
    };
    let Some(op) = Op::parse(planned.action) else {
        return skip(
            Code::DecideOtherAction,
            format!("{} is not a bulk operation", planned.action),
        );
    };
    let m = Matcher::new(policy, snapshot, as_of, actor);
    let groups = resolve(snapshot, &planned.groups);
    match verdict(&m, user, op, &groups) {
        Verdict::Unchanged(reason) if op == Op::Deactivate => {
            skip(Code::DecideInactive, format!("{} is {reason}", user.name))
        }
        Verdict::Unchanged(reason) => skip(Code::DecideNothingLeft, format!("{} is {reason}", user.name)),
        Verdict::Protected(p) => skip(Code::DecideProtected, format!("protected: {}", p.reason)),
        Verdict::Change {
            effect: LeadEffect::Blocked { reason, .. },
            ..
        } => skip(Code::DecideBlocked, reason),
        Verdict::Change { groups, effect } => {
            let handover = match effect {
                LeadEffect::Handover(h) => {
                    if let Some(reason) = crate::decide::handover_changed(&h, planned.handover.as_ref()) {
                        return skip(Code::DecideLeadChanged, reason);
                    }
                    Some(h)
                }
                _ => None,
            };
            let what = match &groups {
                Some(g) if op == Op::AddToGroups => format!("{} is not a member of {}", user.name, g.join(", ")),
                Some(g) => format!("{} is a member of {}", user.name, g.join(", ")),
                None if op == Op::Reactivate => format!("{} is inactive", user.name),
                None => format!("{} is active", user.name),
            };
            Decision {
                decision: "proceed",
                code: Code::DecideProceed,
                reason: format!("bulk {} still changes {}: {what}", op.name(), user.name),
                action: Some(DecidedAction {
                    action: op.name(),
                    groups,
                    rule: RULE.to_string(),
                    handover,
                }),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    const AS_OF: &str = "2026-11-27T10:00:00Z";

    fn policy() -> Value {
        json!({
            "version": 1,
            "protect": {"groups": ["admins"], "users": ["root"]},
            "serviceAccounts": [{"user": "svc", "owner": "ops", "expires": "2027-01-01"},
                                {"user": "old-svc", "owner": "ops", "expires": "2026-01-01"}],
            "exceptions": [{"user": "kept", "reason": "on leave", "by": "boss", "until": "2027-01-01"},
                           {"user": "was-kept", "reason": "gone", "by": "boss", "until": "2026-06-01"}],
            "limits": {"maxActionsPerRun": 3},
            "rules": [{"id": "idle", "inactiveDays": 90, "action": {"type": "deactivate"}}]
        })
    }

    fn user(name: &str, active: bool, groups: &[&str]) -> Value {
        json!({"name": name, "key": format!("K-{name}"), "active": active, "groups": groups,
               "lastLogin": "2026-11-20T00:00:00Z"})
    }

    fn snapshot() -> Value {
        json!({"users": [
            user("ann", true, &["staff", "jira-users"]),
            user("bob", false, &["staff"]),
            user("root", true, &["staff"]),
            user("Ada", true, &["Admins"]),
            user("svc", true, &[]),
            user("old-svc", true, &[]),
            user("kept", true, &["staff"]),
            user("was-kept", true, &["staff"]),
            user("me", true, &["staff"]),
            {"name": "lead", "active": true, "groups": ["staff"], "leads": {"projects": [{"key": "OPS"}]}},
        ]})
    }

    fn run(policy: &Value, snapshot: &Value, options: &Value) -> Value {
        let out = crate::plan_bulk(&policy.to_string(), &snapshot.to_string(), &options.to_string());
        serde_json::from_str(&crate::to_json(&out)).unwrap_or(Value::Null)
    }

    fn bulk(users: &[&str], operation: Value) -> Value {
        let out = run(
            &policy(),
            &snapshot(),
            &json!({"asOf": AS_OF, "actor": "ME", "users": users, "operation": operation}),
        );
        assert_eq!(out["type"], "success", "{out}");
        out["value"].clone()
    }

    fn names(list: &Value, field: &str) -> Vec<String> {
        list.as_array()
            .map(|a| a.iter().map(|x| x[field].as_str().unwrap_or("?").to_string()).collect())
            .unwrap_or_default()
    }

    const EVERYONE: &[&str] = &[
        "ann", "bob", "root", "ada", "svc", "old-svc", "kept", "was-kept", "me", "lead", "ghost",
    ];

    #[test]
    fn deactivate_leaves_out_protected_inactive_and_unknown_users_with_reasons() {
        let v = bulk(EVERYONE, json!({"type": "deactivate"}));
        assert_eq!(names(&v["actions"], "user"), ["ann", "lead", "old-svc", "was-kept"]);
        let protected = crate::test_json::field_pairs(&v["protected"], "user", "code");
        let pair = |u: &str, c: &str| (u.to_string(), c.to_string());
        assert_eq!(
            protected,
            [
                pair("Ada", "protect.group"),
                pair("kept", "protect.exception"),
                pair("me", "protect.actor"),
                pair("root", "protect.user"),
                pair("svc", "protect.serviceAccount"),
            ]
        );
        assert_eq!(v["protected"][1]["reason"], "kept by boss until 2027-01-01: on leave");
        assert_eq!(v["unchanged"], json!([{"user": "bob", "reason": "already inactive"}]));
        assert_eq!(v["unknown"], json!(["ghost"]));
        // The project lead's deactivation is blocked as in a plan (no handover.projectLead).
        let lead = &v["actions"][1];
        assert_eq!(lead["status"], "blocked", "{lead}");
        assert_eq!(lead["blockedCode"], "blocked.projectLead");
        assert_eq!(
            v["counts"],
            json!({"requested": 11, "actions": 4, "executable": 3, "blocked": 1, "protected": 5, "unchanged": 1, "unknown": 1})
        );
        assert_eq!(v["overLimit"], false, "3 executable, limit 3");
        assert_eq!(v["actions"][0]["rule"], "bulk");
        assert_eq!(v["actions"][0]["key"], "K-ann");
        assert_eq!(v["operation"], json!({"type": "deactivate"}));
    }

    #[test]
    fn a_hand_over_user_is_protected_and_leads_are_handed_over() {
        let mut p = policy();
        p["handover"] = json!({"projectLead": "ann"});
        let out = run(
            &p,
            &snapshot(),
            &json!({"asOf": AS_OF, "users": ["ann", "lead"], "operation": {"type": "deactivate"}}),
        );
        let v = &out["value"];
        assert_eq!(v["protected"][0]["code"], "protect.handover", "{out}");
        assert_eq!(
            v["actions"][0]["handover"],
            json!({"projectLead": "ann", "projects": ["OPS"]})
        );
        assert!(v["actions"][0].get("status").is_none());
    }

    #[test]
    fn non_destructive_operations_ignore_protection() {
        let v = bulk(EVERYONE, json!({"type": "reactivate"}));
        assert_eq!(names(&v["actions"], "user"), ["bob"]);
        assert_eq!(
            v["actions"][0]["reasons"],
            json!(["chosen for a bulk reactivation", "inactive"])
        );
        assert_eq!(v["counts"]["unchanged"], 9, "every active user: already active");
        assert_eq!(v["unchanged"][0], json!({"user": "Ada", "reason": "already active"}));
        assert_eq!(v["protected"], json!([]));

        let v = bulk(
            &["root", "ann", "bob"],
            json!({"type": "addToGroups", "groups": ["JIRA-USERS", "new"]}),
        );
        assert_eq!(names(&v["actions"], "user"), ["ann", "bob", "root"]);
        assert_eq!(
            v["actions"][0]["groups"],
            json!(["new"]),
            "ann is in jira-users already"
        );
        assert_eq!(
            v["actions"][1]["groups"],
            json!(["JIRA-USERS", "new"]),
            "an inactive user too"
        );
        assert_eq!(
            v["operation"],
            json!({"type": "addToGroups", "groups": ["JIRA-USERS", "new"]})
        );
        let v = bulk(&["ann"], json!({"type": "addToGroups", "groups": ["Staff"]}));
        assert_eq!(
            v["unchanged"],
            json!([{"user": "ann", "reason": "already a member of Staff"}])
        );
    }

    #[test]
    fn remove_from_groups_lists_only_held_groups_and_respects_protection() {
        let v = bulk(
            &["ann", "bob", "root", "svc"],
            json!({"type": "removeFromGroups", "groups": ["jira-users", "STAFF", "staff "]}),
        );
        assert_eq!(
            v["operation"]["groups"],
            json!(["jira-users", "STAFF"]),
            "each group once"
        );
        assert_eq!(names(&v["actions"], "user"), ["ann", "bob"]);
        assert_eq!(v["actions"][0]["groups"], json!(["jira-users", "STAFF"]));
        assert_eq!(v["actions"][1]["groups"], json!(["STAFF"]));
        assert_eq!(names(&v["protected"], "user"), ["root"]);
        assert_eq!(
            v["unchanged"],
            json!([{"user": "svc", "reason": "not a member of jira-users, STAFF"}]),
            "nothing to remove is said before protection"
        );
    }

    #[test]
    fn the_limit_counts_executable_actions() {
        let v = bulk(EVERYONE, json!({"type": "addToGroups", "groups": ["x"]}));
        assert_eq!(v["counts"]["executable"], 10);
        assert_eq!(v["overLimit"], true);
        assert_eq!(v["limit"], json!({"maxActionsPerRun": 3, "maxSnapshotAgeMinutes": 60}));
    }

    #[test]
    fn bad_options_are_reported_with_codes_and_paths() {
        let errors = |options: Value| -> Vec<(String, String)> {
            let out = run(&policy(), &snapshot(), &options);
            assert_eq!(out["type"], "failure", "{out}");
            crate::test_json::field_pairs(&out["errors"], "code", "path")
        };
        let pair = |c: &str, p: &str| (c.to_string(), p.to_string());
        assert_eq!(
            errors(json!({})),
            [
                pair("options.missing", "asOf"),
                pair("options.missing", "users"),
                pair("options.missing", "operation")
            ]
        );
        assert_eq!(
            errors(json!({"asOf": "today", "users": [], "operation": {"type": "delete"}, "schedule": "x"})),
            [
                pair("options.invalid", "schedule"),
                pair("options.invalidTimestamp", "asOf"),
                pair("options.invalid", "users"),
                pair("options.invalid", "operation.type")
            ]
        );
        assert_eq!(
            errors(
                json!({"asOf": AS_OF, "users": ["a", " ", 3, "x".repeat(257)], "operation": {"type": "addToGroups"}})
            ),
            [
                pair("options.invalid", "users[1]"),
                pair("options.invalid", "users[2]"),
                pair("options.invalid", "users[3]"),
                pair("options.missing", "operation.groups")
            ]
        );
        assert_eq!(
            errors(
                json!({"asOf": AS_OF, "users": ["a"], "operation": {"type": "deactivate", "groups": ["g"], "x": 1}})
            ),
            [
                pair("options.invalid", "operation.x"),
                pair("options.invalid", "operation.groups")
            ]
        );
        assert_eq!(
            errors(json!({"asOf": AS_OF, "users": ["a"], "operation": {"groups": []}})),
            [pair("options.missing", "operation.type")]
        );
        assert_eq!(
            errors(json!({"asOf": AS_OF, "users": ["a"], "operation": {"type": "removeFromGroups", "groups": []}})),
            [pair("options.invalid", "operation.groups")]
        );
        assert_eq!(errors(json!([])), [pair("options.invalid", "")]);
        let out = crate::plan_bulk(&policy().to_string(), &snapshot().to_string(), "{");
        assert_eq!(out.errors()[0].code, "json.syntax");
    }

    #[test]
    fn bulk_is_a_reserved_rule_id() {
        let mut p = policy();
        p["rules"][0]["id"] = json!("Bulk");
        let (parsed, problems) = crate::parse_policy(&p.to_string());
        assert!(parsed.is_none() || problems.iter().any(|e| e.is_error()));
        let e: Vec<(&str, &str)> = problems.iter().map(|e| (e.code, e.path.as_str())).collect();
        assert!(e.contains(&("policy.reservedRuleId", "rules[0].id")), "{e:?}");
    }

    #[test]
    fn a_scoped_snapshot_warns_about_groups_it_did_not_read() {
        let mut s = snapshot();
        s["completeGroups"] = json!(["staff"]);
        let out = run(
            &policy(),
            &s,
            &json!({"asOf": AS_OF, "users": ["ann"], "operation": {"type": "removeFromGroups", "groups": ["staff", "jira-users"]}}),
        );
        assert_eq!(out["type"], "success", "{out}");
        let w: Vec<(&str, &str)> = out["warnings"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|w| (w["code"].as_str().unwrap_or(""), w["path"].as_str().unwrap_or("")))
                    .collect()
            })
            .unwrap_or_default();
        assert!(w.contains(&("options.groupNotRead", "operation.groups[1]")), "{w:?}");
        assert!(!w.iter().any(|(_, p)| *p == "operation.groups[0]"), "{w:?}");
    }

    // ---- decide for bulk items -------------------------------------------------------------

    fn decide(user: Value, planned: Value, options: Value) -> Value {
        let out = crate::decide(
            &policy().to_string(),
            &json!({"user": user, "planned": planned}).to_string(),
            &options.to_string(),
        );
        let out: Value = serde_json::from_str(&crate::to_json(&out)).unwrap_or(Value::Null);
        assert_eq!(out["type"], "success", "{out}");
        out["value"].clone()
    }

    fn opts() -> Value {
        json!({"asOf": AS_OF, "actor": "me"})
    }

    #[test]
    fn decide_proceeds_with_what_still_changes_never_more_than_planned() {
        let planned = json!({"user": "ann", "key": "K-ann", "action": "removeFromGroups", "rule": "bulk",
                             "groups": ["Jira-Users", "gone"]});
        let v = decide(
            user("ann", true, &["staff", "jira-users", "other"]),
            planned.clone(),
            opts(),
        );
        assert_eq!(v["code"], "decide.proceed", "{v}");
        assert_eq!(
            v["action"],
            json!({"action": "removeFromGroups", "groups": ["Jira-Users"], "rule": "bulk"})
        );
        let v = decide(user("ann", true, &["staff"]), planned, opts());
        assert_eq!(v["code"], "decide.nothingLeft", "{v}");

        let planned = json!({"user": "ann", "action": "addToGroups", "rule": "bulk", "groups": ["a", "b"]});
        let v = decide(user("ann", true, &["A"]), planned.clone(), opts());
        assert_eq!(
            v["action"],
            json!({"action": "addToGroups", "groups": ["b"], "rule": "bulk"})
        );
        let v = decide(user("ann", true, &["A", "B"]), planned, opts());
        assert_eq!(v["code"], "decide.nothingLeft");
        assert_eq!(v["reason"], "ann is already a member of a, b");

        let planned = json!({"user": "bob", "action": "reactivate", "rule": "bulk"});
        let v = decide(user("bob", false, &[]), planned.clone(), opts());
        assert_eq!(v["action"], json!({"action": "reactivate", "rule": "bulk"}));
        let v = decide(user("bob", true, &[]), planned, opts());
        assert_eq!(v["code"], "decide.nothingLeft");

        let planned = json!({"user": "ann", "action": "deactivate", "rule": "bulk"});
        let v = decide(user("ann", true, &[]), planned.clone(), opts());
        assert_eq!(v["code"], "decide.proceed", "{v}");
        let v = decide(user("ann", false, &[]), planned, opts());
        assert_eq!(v["code"], "decide.inactive");
    }

    #[test]
    fn decide_rechecks_identity_and_protection_for_destructive_items_only() {
        let planned = json!({"user": "ann", "key": "K-ann", "action": "deactivate", "rule": "bulk"});
        let mut renamed = user("ann", true, &[]);
        renamed["key"] = json!("K-other");
        assert_eq!(
            decide(renamed, planned.clone(), opts())["code"],
            "decide.identityChanged"
        );
        let v = decide(user("ann", true, &["admins"]), planned, opts());
        assert_eq!(v["code"], "decide.protected");
        assert_eq!(v["reason"], "protected: member of protected group admins");
        let planned = json!({"user": "me", "action": "removeFromGroups", "rule": "bulk", "groups": ["staff"]});
        assert_eq!(
            decide(user("me", true, &["staff"]), planned, opts())["code"],
            "decide.protected"
        );
        // Adding the actor to a group is not destructive.
        let planned = json!({"user": "me", "action": "addToGroups", "rule": "bulk", "groups": ["x"]});
        assert_eq!(
            decide(user("me", true, &["admins"]), planned, opts())["code"],
            "decide.proceed"
        );
        // A lead with no hand-over user: blocked now.
        let mut lead = user("lead", true, &[]);
        lead["leads"] = json!({"projects": [{"key": "OPS"}]});
        let planned = json!({"user": "lead", "action": "deactivate", "rule": "bulk"});
        assert_eq!(decide(lead, planned, opts())["code"], "decide.blocked");
    }

    #[test]
    fn bulk_only_operations_need_the_bulk_rule() {
        let out = crate::decide(
            &policy().to_string(),
            &json!({"user": user("ann", true, &[]), "planned": {"user": "ann", "action": "reactivate", "rule": "idle"}})
                .to_string(),
            &opts().to_string(),
        );
        let e: Vec<(&str, &str)> = out.errors().iter().map(|e| (e.code, e.path.as_str())).collect();
        assert_eq!(e, [("input.invalid", "planned.action")]);
        let out = crate::decide(
            &policy().to_string(),
            &json!({"user": user("ann", true, &[]), "planned": {"user": "ann", "action": "addToGroups", "rule": "bulk"}})
                .to_string(),
            &opts().to_string(),
        );
        let e: Vec<(&str, &str)> = out.errors().iter().map(|e| (e.code, e.path.as_str())).collect();
        assert_eq!(e, [("input.invalid", "planned.groups")]);
    }
}
