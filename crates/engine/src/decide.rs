//! `decide`: decides again, for one user, at the moment a runner is about to change the account.
//!
//! A plan is made from a snapshot that may be minutes or hours old; between preview and change a
//! user may have logged in, joined a protected group, been deactivated by hand, or been renamed and
//! replaced by another account with the same name. The runner reads the user afresh and asks
//! `decide`, which plans a one-user snapshot with the same policy and options through the same
//! plan code (there is one implementation of matching), then compares the answer with what the
//! admin confirmed. It only ever narrows: it never proceeds with an action other than the planned
//! one, and never removes a group the preview did not show.

use crate::code::Code;
use crate::json_words::{self, kind, short};
use crate::matcher::Matcher;
use crate::plan::{self, PlanOptions};
use crate::policy::Policy;
use crate::problem::{index, json_error, key, Problem, Source};
use crate::snapshot::Snapshot;
use crate::time::{format_instant, parse_instant};
use serde::Serialize;
use serde_json::{Map, Value};

/// What `decide` answers.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Decision {
    /// `"proceed"` or `"skip"`.
    pub decision: &'static str,
    pub code: Code,
    /// In words an admin understands.
    pub reason: String,
    /// Proceed only: exactly what to carry out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<DecidedAction>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct DecidedAction {
    /// `"deactivate"` or `"removeFromGroups"`; for a bulk item also `"reactivate"` or `"addToGroups"`.
    pub action: &'static str,
    /// removeFromGroups (addToGroups for a bulk item): the groups the user is in now that the planned rule removes, and that
    /// the plan listed (never more than the preview showed), spelled as the plan spelled them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub groups: Option<Vec<String>>,
    pub rule: String,
    /// deactivate of a project lead: make `projectLead` the lead of `projects` first — the
    /// projects the user leads now, never one the plan did not hand over (M13).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub handover: Option<crate::impact::Handover>,
}

/// The planned action as the runner hands it back.
#[derive(Debug, Clone)]
pub struct Planned {
    pub user: String,
    pub key: Option<String>,
    /// `"deactivate"` or `"removeFromGroups"`; a bulk item (rule `"bulk"`) also `"reactivate"`
    /// or `"addToGroups"`.
    pub action: &'static str,
    pub groups: Vec<String>,
    pub rule: String,
    /// The plan's hand-over for this action (`planned.handover`), when it had one.
    pub handover: Option<crate::impact::Handover>,
}

/// decide's input as far as it could be read; `snapshot` is the JSON text of the one-user
/// snapshot to plan (parsed by the caller, so that its problems join the input's).
#[derive(Default)]
pub struct Input {
    pub snapshot: Option<String>,
    pub planned: Option<Planned>,
    pub captured_at: Option<i64>,
}

pub struct DecideOptions<'a> {
    pub as_of: i64,
    pub actor: Option<&'a str>,
    /// The schedule the run belongs to (the policy passed is already that schedule's).
    pub schedule: Option<&'a str>,
    /// The warnings already sent (M16); `None`: none given, a warn rule's action waits.
    pub sent: Option<&'a crate::warn::SentIndex>,
}

/// How far (minutes) a plan's `capturedAt` may lie after the decision instant `asOf` and still be
/// decided on. `capturedAt` is Jira's clock when the users were read (its `serverTime`); `asOf` is
/// the runner's clock (the admin page derives it from Jira's, the CLI and the daemon use their
/// machine's). Clocks kept by NTP agree to well under a second, so 5 minutes leaves room for a
/// badly set workstation while keeping a plan from outliving `limits.maxSnapshotAgeMinutes` by
/// more than that; anything further ahead is a forged or corrupted plan (`decide.planInFuture`).
/// A warning record (`sent[].sentAt`, read back from Jira) is held to the same bound: one dated
/// further ahead does not count as a warning (`options.sentInFuture`, see `warn::parse_sent`).
pub const CAPTURE_SKEW_MINUTES: i64 = 5;

/// Whether `at` lies more than [`CAPTURE_SKEW_MINUTES`] after `as_of`: an instant that has not come
/// (a plan's `capturedAt`, a warning's `sentAt`). Saturating, so a forged far-future instant cannot overflow.
pub(crate) fn beyond_skew(at: i64, as_of: i64) -> bool {
    at.saturating_sub(as_of) > CAPTURE_SKEW_MINUTES.saturating_mul(60_000)
}

fn input_err(code: Code, path: impl Into<String>, msg: impl Into<String>) -> Problem {
    Problem::error(Source::Input, code, path, msg)
}

const INPUT_FIELDS: &[&str] = &["user", "previous", "planned", "applicationRoles", "capturedAt"];
const PLANNED_FIELDS: &[&str] = &["user", "key", "action", "groups", "rule", "handover"];
const PREVIOUS_FIELDS: &[&str] = &["lastLogin", "created", "createdBefore", "leads", "openAssigned"];
/// Previous values that are instants; the others (`leads`, `openAssigned`) are checked where
/// the one-user snapshot is parsed.
const PREVIOUS_INSTANTS: &[&str] = &["lastLogin", "created", "createdBefore"];

/// Checks decide's input and builds the one-user snapshot from it. Every problem is reported,
/// each with its JSON path into the input (`planned.action`, `user.lastLogin`).
pub fn parse_input(text: &str) -> (Input, Vec<Problem>) {
    let v: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => return (Input::default(), vec![json_error(Source::Input, "decide's input", &e)]),
    };
    let mut problems = Vec::new();
    let Some(m) = v.as_object() else {
        return (Input::default(), vec![input_err(
            Code::InputInvalid,
            "",
            "decide's input must be an object {\"user\", \"planned\", \"previous\"?, \"applicationRoles\"?, \"capturedAt\"?}",
        )]);
    };
    unknown_fields(m, "", "decide's input", INPUT_FIELDS, &mut problems);

    let planned = match m.get("planned") {
        Some(p) => planned(p, &mut problems),
        None => {
            problems.push(input_err(
                Code::InputInvalid,
                "planned",
                "planned is required: the planned action {user, key?, action, groups?, rule}",
            ));
            None
        }
    };
    let captured_at = m
        .get("capturedAt")
        .and_then(|t| instant(t, "capturedAt", false, &mut problems))
        .flatten();

    // The fresh user, with the snapshot's lastLogin / created where the fresh read lacks them
    // (absent = not known; Jira 9 over REST never reports a last login).
    let mut user = match m.get("user") {
        Some(Value::Object(u)) => Some(u.clone()),
        Some(other) => {
            problems.push(input_err(
                Code::InputInvalid,
                "user",
                format!("user must be an object (a snapshot user), found {}", kind(other)),
            ));
            None
        }
        None => {
            problems.push(input_err(
                Code::InputInvalid,
                "user",
                "user is required: the user as read just now {name, key?, active, groups, lastLogin?, ...}",
            ));
            None
        }
    };
    if let Some(prev) = m.get("previous") {
        match prev.as_object() {
            Some(pm) => {
                unknown_fields(pm, "previous", "previous", PREVIOUS_FIELDS, &mut problems);
                for field in PREVIOUS_FIELDS {
                    let Some(value) = pm.get(*field) else { continue };
                    let path = key("previous", field);
                    let valid = !PREVIOUS_INSTANTS.contains(field)
                        || instant(value, &path, *field == "lastLogin", &mut problems).is_some();
                    if let Some(u) = user.as_mut().filter(|_| valid) {
                        u.entry(field.to_string()).or_insert_with(|| value.clone());
                    }
                }
            }
            None => problems.push(input_err(
                Code::InputInvalid,
                "previous",
                format!(
                    "previous must be an object {{lastLogin?, created?, createdBefore?, leads?, openAssigned?}}, found {}",
                    kind(prev)
                ),
            )),
        }
    }
    if let Some(roles) = m.get("applicationRoles") {
        if !roles.is_array() && !roles.is_null() {
            problems.push(input_err(
                Code::InputInvalid,
                "applicationRoles",
                format!("applicationRoles must be a list, found {}", kind(roles)),
            ));
        }
    }
    let snapshot = user.map(|user| {
        let mut snapshot = Map::new();
        snapshot.insert("users".into(), Value::Array(vec![Value::Object(user)]));
        if let Some(roles) = m.get("applicationRoles").filter(|r| r.is_array()) {
            snapshot.insert("applicationRoles".into(), roles.clone());
        }
        Value::Object(snapshot).to_string()
    });
    (
        Input {
            snapshot,
            planned,
            captured_at,
        },
        problems,
    )
}

fn unknown_fields(m: &Map<String, Value>, path: &str, what: &str, allowed: &[&str], out: &mut Vec<Problem>) {
    out.extend(
        json_words::unknown_fields(m, path, what, allowed).map(|(at, msg)| input_err(Code::InputInvalid, at, msg)),
    );
}

/// An instant (or, when `nullable`, `null`): `Some(Some(t))`, `Some(None)` for null, `None` when invalid.
fn instant(v: &Value, path: &str, nullable: bool, out: &mut Vec<Problem>) -> Option<Option<i64>> {
    match v {
        Value::Null if nullable => Some(None),
        Value::String(s) => match parse_instant(s) {
            Some(t) => Some(Some(t)),
            None => {
                out.push(input_err(
                    Code::InputInvalidTimestamp,
                    path,
                    format!(
                        "{path}: \"{}\" is not a timestamp (RFC 3339 like 2026-11-27T10:00:00Z)",
                        json_words::clip(s)
                    ),
                ));
                None
            }
        },
        other => {
            out.push(input_err(
                Code::InputInvalid,
                path,
                format!(
                    "{path} must be a timestamp{}, found {}",
                    if nullable { " or null" } else { "" },
                    kind(other)
                ),
            ));
            None
        }
    }
}

fn planned(v: &Value, out: &mut Vec<Problem>) -> Option<Planned> {
    let Some(m) = v.as_object() else {
        out.push(input_err(
            Code::InputInvalid,
            "planned",
            format!(
                "planned must be an object {{user, key?, action, groups?, rule}}, found {}",
                kind(v)
            ),
        ));
        return None;
    };
    let before = out.len();
    unknown_fields(m, "planned", "planned", PLANNED_FIELDS, out);
    let string = |field: &str, required: bool, out: &mut Vec<Problem>| -> Option<String> {
        let path = key("planned", field);
        match m.get(field) {
            Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
            Some(Value::Null) | None if !required => None,
            None => {
                out.push(input_err(
                    Code::InputInvalid,
                    path,
                    format!("planned.{field} is required"),
                ));
                None
            }
            Some(other) => {
                out.push(input_err(
                    Code::InputInvalid,
                    path,
                    format!("planned.{field} must be a non-empty string, found {}", short(other)),
                ));
                None
            }
        }
    };
    let user = string("user", true, out);
    let user_key = string("key", false, out);
    let rule = string("rule", true, out);
    let action = string("action", true, out);
    let bulk = rule.as_deref().is_some_and(crate::bulk::is_bulk);
    let action: Option<&'static str> = match action.as_deref() {
        Some("deactivate") => Some("deactivate"),
        Some("removeFromGroups") => Some("removeFromGroups"),
        // The two bulk-only operations: a policy rule never plans them.
        Some(a @ ("reactivate" | "addToGroups")) if bulk => crate::bulk::Op::parse(a).map(crate::bulk::Op::name),
        Some(a @ ("reactivate" | "addToGroups")) => {
            out.push(input_err(
                Code::InputInvalid,
                "planned.action",
                format!("planned.action \"{a}\" is a bulk operation: only with planned.rule \"bulk\""),
            ));
            None
        }
        Some(other) => {
            out.push(input_err(
                Code::InputInvalid,
                "planned.action",
                format!(
                    "planned.action \"{other}\" is not an action a run carries out: deactivate or removeFromGroups (a bulk item also reactivate or addToGroups)"
                ),
            ));
            None
        }
        None => None,
    };
    let mut groups = Vec::new();
    let takes_groups = |a: &str| a == "removeFromGroups" || a == "addToGroups";
    match (m.get("groups"), action) {
        (Some(Value::Array(list)), Some(a)) if takes_groups(a) => {
            for (i, g) in list.iter().enumerate() {
                match g.as_str().map(str::trim).filter(|g| !g.is_empty()) {
                    Some(g) => groups.push(g.to_string()),
                    None => out.push(input_err(
                        Code::InputInvalid,
                        index("planned.groups", i),
                        format!("a planned group must be a non-empty string, found {}", short(g)),
                    )),
                }
            }
            if list.is_empty() {
                out.push(input_err(
                    Code::InputInvalid,
                    "planned.groups",
                    format!("{a} needs the planned groups (the plan's groups for this user)"),
                ));
            }
        }
        (None, Some(a)) if takes_groups(a) => out.push(input_err(
            Code::InputInvalid,
            "planned.groups",
            format!("{a} needs the planned groups (the plan's groups for this user)"),
        )),
        (Some(g), Some(a)) if takes_groups(a) => out.push(input_err(
            Code::InputInvalid,
            "planned.groups",
            format!("planned.groups must be a list of group names, found {}", kind(g)),
        )),
        (Some(_), Some(a)) => out.push(input_err(
            Code::InputInvalid,
            "planned.groups",
            format!("planned.groups only goes with removeFromGroups (or a bulk addToGroups), not {a}"),
        )),
        _ => {}
    }
    let handover = m
        .get("handover")
        .filter(|h| !h.is_null())
        .and_then(|h| planned_handover(h, action, out));
    if out.len() > before {
        return None;
    }
    Some(Planned {
        user: user?,
        key: user_key,
        action: action?,
        groups,
        rule: rule?,
        handover,
    })
}

/// `planned.handover`: `{projectLead, projects: [keys]}`, the plan's hand-over of a deactivation.
fn planned_handover(v: &Value, action: Option<&str>, out: &mut Vec<Problem>) -> Option<crate::impact::Handover> {
    let shape = "planned.handover must be {projectLead, projects: [project keys]} (the plan's handover)";
    let Some(m) = v.as_object() else {
        out.push(input_err(
            Code::InputInvalid,
            "planned.handover",
            format!("{shape}, found {}", kind(v)),
        ));
        return None;
    };
    if action.is_some_and(|a| a != "deactivate") {
        out.push(input_err(
            Code::InputInvalid,
            "planned.handover",
            "planned.handover only goes with deactivate",
        ));
        return None;
    }
    unknown_fields(
        m,
        "planned.handover",
        "planned.handover",
        &["projectLead", "projects"],
        out,
    );
    let lead = m
        .get("projectLead")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|l| !l.is_empty());
    if lead.is_none() {
        out.push(input_err(
            Code::InputInvalid,
            "planned.handover.projectLead",
            format!("{shape}: projectLead must be a username"),
        ));
    }
    let mut projects = Vec::new();
    match m.get("projects").and_then(Value::as_array) {
        Some(list) => {
            for (i, p) in list.iter().enumerate() {
                match p.as_str().map(str::trim).filter(|p| !p.is_empty()) {
                    Some(p) => projects.push(p.to_string()),
                    None => out.push(input_err(
                        Code::InputInvalid,
                        index("planned.handover.projects", i),
                        format!("a project key must be a non-empty string, found {}", short(p)),
                    )),
                }
            }
        }
        None => out.push(input_err(
            Code::InputInvalid,
            "planned.handover.projects",
            format!("{shape}: projects must be a list of project keys"),
        )),
    }
    Some(crate::impact::Handover {
        project_lead: lead?.to_string(),
        projects,
    })
}

/// Problems of the one-user snapshot, as paths into decide's input (`users[0].x` is `user.x`).
pub fn snapshot_problems(problems: Vec<Problem>) -> Vec<Problem> {
    problems
        .into_iter()
        .map(|mut p| {
            p.source = Source::Input;
            for (from, to) in [("users[0]", "user"), ("users", "user")] {
                if let Some(rest) = p.path.strip_prefix(from) {
                    p.path = format!("{to}{rest}");
                    p.message = p.message.replace(from, to);
                    break;
                }
            }
            p
        })
        .collect()
}

/// A decision not to act, and why: bulk items are decided again with the same wording of a skip.
pub(crate) fn skip(code: Code, reason: String) -> Decision {
    Decision {
        decision: "skip",
        code,
        reason,
        action: None,
    }
}

/// Decides for the one user of `snapshot`. `full` is the whole policy (to tell a rule a schedule
/// does not run from one that was removed); `policy` is what the run evaluates.
pub fn decide(
    full: &Policy,
    policy: &Policy,
    snapshot: &Snapshot,
    planned: &Planned,
    captured_at: Option<i64>,
    opts: &DecideOptions,
) -> Decision {
    if let Some(captured) = captured_at {
        // A snapshot is read before it is decided on, so a capture instant after `asOf` is a
        // forged plan or two clocks that disagree; its age would be negative and never exceed
        // the limit, so such a plan would stay valid for ever. Refused beyond a small skew.
        if beyond_skew(captured, opts.as_of) {
            return skip(
                Code::DecidePlanInFuture,
                format!(
                    "the plan's snapshot was read at {}, {} minutes after now ({}); clocks may differ by at most {CAPTURE_SKEW_MINUTES} minutes: check the clocks, then make a new plan",
                    format_instant(captured),
                    captured.saturating_sub(opts.as_of) / 60_000,
                    format_instant(opts.as_of)
                ),
            );
        }
        let max = policy.max_snapshot_age_minutes();
        let age_ms = opts.as_of.saturating_sub(captured);
        if age_ms > (max as i64).saturating_mul(60_000) {
            return skip(
                Code::DecidePlanExpired,
                format!(
                    "the plan's snapshot was read at {}, {} minutes ago; the policy allows {max} (limits.maxSnapshotAgeMinutes): make a new plan",
                    format_instant(captured),
                    age_ms / 60_000
                ),
            );
        }
    }
    let Some(user) = snapshot.users.first() else {
        return skip(Code::DecideNotSelected, "the user could not be read".to_string());
    };
    let fresh_key = user.key.as_deref().map(str::trim).filter(|k| !k.is_empty());
    if let Some(k) = &planned.key {
        match fresh_key {
            Some(f) if f == k => {}
            Some(f) => {
                return skip(
                    Code::DecideIdentityChanged,
                    format!(
                        "renamed or replaced: planned for key {k}, the account named {} now has key {f}",
                        user.name
                    ),
                )
            }
            None => {
                return skip(
                    Code::DecideIdentityChanged,
                    format!(
                        "planned for key {k}, but the account named {} was read without a key: it cannot be told to be the same account",
                        user.name
                    ),
                )
            }
        }
    }
    if *user.name_lower != planned.user.trim().to_lowercase() {
        return skip(
            Code::DecideIdentityChanged,
            format!(
                "renamed or replaced: planned for {}, the account read is named {}",
                planned.user, user.name
            ),
        );
    }
    // A bulk item: the administrator's operation, not a rule's (bulk.rs decides it).
    if crate::bulk::is_bulk(&planned.rule) {
        return crate::bulk::decide(full, snapshot, planned, opts.as_of, opts.actor);
    }
    if !user.active {
        return skip(Code::DecideInactive, format!("{} is already inactive", user.name));
    }
    let m = Matcher::new(policy, snapshot, opts.as_of, opts.actor);
    if let Some(p) = m.protection(user) {
        return skip(Code::DecideProtected, format!("protected: {}", p.reason));
    }
    let plan = plan::plan(
        policy,
        snapshot,
        &PlanOptions {
            as_of: opts.as_of,
            actor: opts.actor,
            sent: opts.sent,
        },
    );
    let same_rule = |id: &str| id.eq_ignore_ascii_case(&planned.rule);
    let Some(now) = plan.actions.into_iter().next() else {
        return skip(Code::DecideNotSelected, not_selected(full, &m, user, planned, opts));
    };
    if !same_rule(&now.rule) {
        return skip(
            Code::DecideOtherRule,
            format!(
                "now selected by rule {} ({}), not by the planned rule {}",
                now.rule, now.action, planned.rule
            ),
        );
    }
    if now.action != planned.action {
        return skip(
            Code::DecideOtherAction,
            format!(
                "rule {} now plans {} for {}, not the planned {}",
                now.rule, now.action, user.name, planned.action
            ),
        );
    }
    if now.status == Some("awaitingWarning") {
        let reason = now.warning.map(|w| w.reason).unwrap_or_default();
        return skip(
            Code::DecideAwaitingWarning,
            format!("rule {} warns before acting: {reason}", now.rule),
        );
    }
    if now.status.is_some() {
        return skip(
            Code::DecideBlocked,
            now.blocked_reason
                .unwrap_or_else(|| format!("the {} of {} is blocked", now.action, user.name)),
        );
    }
    if let Some(h) = &now.handover {
        if let Some(reason) = handover_changed(h, planned.handover.as_ref()) {
            return skip(Code::DecideLeadChanged, reason);
        }
    }
    let groups = match now.groups {
        Some(now_groups) => {
            // Spelled as the plan spelled them (Jira compares group names case-insensitively),
            // so that what is carried out reads exactly as what the admin confirmed.
            let planned_by_lower: rustc_hash::FxHashMap<String, &String> =
                planned.groups.iter().map(|g| (g.to_lowercase(), g)).collect();
            let keep: Vec<String> = now_groups
                .iter()
                .filter_map(|g| planned_by_lower.get(&g.to_lowercase()).map(|p| p.to_string()))
                .collect();
            if keep.is_empty() {
                return skip(
                    Code::DecideNothingLeft,
                    format!(
                        "{} is in none of the planned groups ({}) any more",
                        user.name,
                        planned.groups.join(", ")
                    ),
                );
            }
            Some(keep)
        }
        None => None,
    };
    Decision {
        decision: "proceed",
        code: Code::DecideProceed,
        reason: format!(
            "rule {} still selects {}: {}",
            now.rule,
            user.name,
            now.reasons.join("; ")
        ),
        action: Some(DecidedAction {
            action: now.action,
            groups,
            rule: now.rule,
            handover: now.handover,
        }),
    }
}

/// Why the hand-over a deactivation needs now is not the one the admin confirmed (M13), if it
/// is not: decide only narrows, so it never changes the lead of a project the plan did not show.
pub(crate) fn handover_changed(
    now: &crate::impact::Handover,
    planned: Option<&crate::impact::Handover>,
) -> Option<String> {
    let Some(planned) = planned else {
        return Some(format!(
            "now lead of {} {}, which the plan did not hand over: make a new plan",
            if now.projects.len() == 1 { "project" } else { "projects" },
            now.projects.join(", ")
        ));
    };
    if !now.project_lead.eq_ignore_ascii_case(&planned.project_lead) {
        return Some(format!(
            "the policy now hands projects over to {}, the plan to {}: make a new plan",
            now.project_lead, planned.project_lead
        ));
    }
    // One lookup per project (a departing administrator may lead thousands).
    let handed: rustc_hash::FxHashSet<String> = planned.projects.iter().map(|q| q.to_ascii_uppercase()).collect();
    let new: Vec<&str> = now
        .projects
        .iter()
        .filter(|p| !handed.contains(&p.to_ascii_uppercase()))
        .map(String::as_str)
        .collect();
    (!new.is_empty()).then(|| {
        format!(
            "now lead of {} {}, which the plan did not hand over: make a new plan",
            if new.len() == 1 { "project" } else { "projects" },
            new.join(", ")
        )
    })
}

/// Why no rule selects the user now, in terms of the planned rule.
fn not_selected(
    full: &Policy,
    m: &Matcher,
    user: &crate::snapshot::User,
    planned: &Planned,
    opts: &DecideOptions,
) -> String {
    let Some(r) = m.rules.iter().find(|r| r.rule.id.eq_ignore_ascii_case(&planned.rule)) else {
        let in_policy = full.rules.iter().any(|r| r.id.eq_ignore_ascii_case(&planned.rule));
        return match (in_policy, opts.schedule) {
            (true, Some(s)) => format!("schedule {s} does not run rule {}", planned.rule),
            _ => format!("the policy has no rule {} any more", planned.rule),
        };
    };
    match m.select_or_miss(r, user) {
        Err(crate::matcher::Miss::NoGroupToRemove) if planned.action == "removeFromGroups" => format!(
            "{} is in none of the groups rule {} removes any more (planned: {})",
            user.name,
            r.rule.id,
            planned.groups.join(", ")
        ),
        Err(miss) => m.why_not(r, user, miss),
        // The planned rule selects, yet the plan has no action: an earlier rule's protection
        // cannot be (protection is checked first), so this is not reachable; say so plainly.
        Ok(_) => format!("no rule selects {} now", user.name),
    }
}

#[cfg(test)]
mod tests {
    use crate::code::Code;
    use serde_json::{json, Value};

    const AS_OF: &str = "2026-11-27T10:00:00Z";

    fn policy() -> Value {
        json!({
            "version": 1,
            "internalDomains": ["acme.com"],
            "protect": {"groups": ["admins"], "users": ["root"]},
            "limits": {"maxActionsPerRun": 100, "maxSnapshotAgeMinutes": 120},
            "rules": [
                {"id": "contractors", "include": {"groups": ["contractors"]}, "inactiveDays": 90,
                 "action": {"type": "deactivate"}},
                {"id": "licence", "inactiveDays": 180,
                 "action": {"type": "removeFromGroups", "groups": ["jira-*-users"]}},
                {"id": "look", "inactiveDays": 30, "action": {"type": "review"}}
            ],
            "schedules": [{"id": "weekly", "cron": "0 3 * * MON", "rules": ["licence"]}]
        })
    }

    fn fred() -> Value {
        json!({"name": "fred", "key": "JIRAUSER10", "active": true, "groups": ["contractors", "jira-software-users"],
               "email": "fred@partner.io", "lastLogin": "2026-01-01T00:00:00Z", "created": "2024-01-01T00:00:00Z"})
    }

    fn planned() -> Value {
        json!({"user": "fred", "key": "JIRAUSER10", "action": "deactivate", "rule": "contractors"})
    }

    fn run(policy: &Value, input: &Value, options: &Value) -> Value {
        let out = crate::decide(&policy.to_string(), &input.to_string(), &options.to_string());
        serde_json::from_str(&crate::to_json(&out)).unwrap_or(Value::Null)
    }

    fn decide_with(user: Value, planned: Value) -> Value {
        let out = run(
            &policy(),
            &json!({"user": user, "planned": planned}),
            &json!({"asOf": AS_OF}),
        );
        assert_eq!(out["type"], "success", "{out}");
        out["value"].clone()
    }

    fn code(v: &Value) -> &str {
        v["code"].as_str().unwrap_or_default()
    }

    #[test]
    fn proceeds_with_the_planned_action() {
        let v = decide_with(fred(), planned());
        assert_eq!(v["decision"], "proceed", "{v}");
        assert_eq!(code(&v), Code::DecideProceed.as_str());
        assert_eq!(v["action"], json!({"action": "deactivate", "rule": "contractors"}));
        assert!(
            v["reason"]
                .as_str()
                .unwrap_or_default()
                .contains("last login 2026-01-01"),
            "{v}"
        );
    }

    #[test]
    fn a_user_who_logged_in_is_not_selected_and_told_why() {
        let mut u = fred();
        u["lastLogin"] = json!("2026-11-26T09:00:00Z");
        let v = decide_with(u, planned());
        assert_eq!(code(&v), "decide.notSelected");
        assert_eq!(v["decision"], "skip");
        assert_eq!(
            v["reason"], "logged in 2026-11-26, 1 day ago: rule contractors needs 90 days",
            "{v}"
        );
        assert!(v.get("action").is_none());
    }

    #[test]
    fn protection_renaming_inactivity_and_other_rules_skip() {
        let mut u = fred();
        u["groups"] = json!(["contractors", "Admins"]);
        let v = decide_with(u, planned());
        assert_eq!(code(&v), "decide.protected");
        assert_eq!(v["reason"], "protected: member of protected group Admins");

        let mut u = fred();
        u["key"] = json!("JIRAUSER99");
        let v = decide_with(u, planned());
        assert_eq!(code(&v), "decide.identityChanged");
        assert!(
            v["reason"]
                .as_str()
                .unwrap_or_default()
                .contains("planned for key JIRAUSER10"),
            "{v}"
        );

        let mut u = fred();
        u["active"] = json!(false);
        assert_eq!(code(&decide_with(u, planned())), "decide.inactive");

        // Left the contractors group: now the licence rule (removeFromGroups) selects.
        let mut u = fred();
        u["groups"] = json!(["jira-software-users"]);
        let v = decide_with(u, planned());
        assert_eq!(code(&v), "decide.otherRule", "{v}");

        // Same rule, another action: the policy was edited between preview and run.
        let mut p = policy();
        p["rules"][0]["action"] = json!({"type": "review"});
        let out = run(
            &p,
            &json!({"user": fred(), "planned": planned()}),
            &json!({"asOf": AS_OF}),
        );
        assert_eq!(out["value"]["code"], "decide.otherAction", "{out}");
    }

    #[test]
    fn remove_from_groups_never_removes_more_than_planned() {
        let mut u = fred();
        u["groups"] = json!(["jira-software-users", "jira-core-users"]);
        let planned = json!({"user": "fred", "action": "removeFromGroups", "groups": ["JIRA-SOFTWARE-USERS", "gone"], "rule": "licence"});
        let v = decide_with(u.clone(), planned);
        assert_eq!(code(&v), "decide.proceed", "{v}");
        assert_eq!(
            v["action"]["groups"],
            json!(["JIRA-SOFTWARE-USERS"]),
            "spelled as planned"
        );

        let planned = json!({"user": "fred", "action": "removeFromGroups", "groups": ["jira-servicedesk-users"], "rule": "licence"});
        assert_eq!(code(&decide_with(u, planned.clone())), "decide.nothingLeft");

        let mut u = fred();
        u["groups"] = json!(["staff"]);
        // In no group the rule removes: the review rule selects now (another rule).
        assert_eq!(code(&decide_with(u.clone(), planned.clone())), "decide.otherRule");
        u["lastLogin"] = json!("2026-11-20T00:00:00Z");
        let v = decide_with(u, planned);
        assert_eq!(code(&v), "decide.notSelected");
    }

    #[test]
    fn previous_values_fill_what_the_fresh_read_lacks() {
        let mut u = fred();
        u.as_object_mut().map(|m| m.remove("lastLogin"));
        // Not known: no rule selects.
        let v = decide_with(u.clone(), planned());
        assert_eq!(code(&v), "decide.notSelected");
        assert!(v["reason"].as_str().unwrap_or_default().contains("not known"), "{v}");
        let input = json!({"user": u, "planned": planned(), "previous": {"lastLogin": "2026-01-01T00:00:00Z"}});
        let out = run(&policy(), &input, &json!({"asOf": AS_OF}));
        assert_eq!(out["value"]["code"], "decide.proceed", "{out}");
        // A fresh value wins over the previous one.
        let input = json!({"user": fred(), "planned": planned(), "previous": {"lastLogin": "2026-11-26T00:00:00Z"}});
        let out = run(&policy(), &input, &json!({"asOf": AS_OF}));
        assert_eq!(out["value"]["code"], "decide.proceed", "{out}");
    }

    #[test]
    fn a_stale_plan_expires() {
        let input = |captured: &str| json!({"user": fred(), "planned": planned(), "capturedAt": captured});
        let opts = json!({"asOf": AS_OF});
        let out = run(&policy(), &input("2026-11-27T08:00:00Z"), &opts);
        assert_eq!(
            out["value"]["code"], "decide.proceed",
            "exactly 120 minutes is allowed: {out}"
        );
        let out = run(&policy(), &input("2026-11-27T07:59:00Z"), &opts);
        assert_eq!(out["value"]["code"], "decide.planExpired", "{out}");
        // Without maxSnapshotAgeMinutes the default (60) applies.
        let mut p = policy();
        p["limits"] = json!({"maxActionsPerRun": 100});
        let out = run(&p, &input("2026-11-27T08:59:00Z"), &opts);
        assert_eq!(out["value"]["code"], "decide.planExpired", "{out}");
    }

    #[test]
    fn a_plan_from_the_future_is_refused_beyond_the_skew() {
        let input = |captured: &str| json!({"user": fred(), "planned": planned(), "capturedAt": captured});
        let opts = json!({"asOf": AS_OF});
        let at = |captured: &str| run(&policy(), &input(captured), &opts)["value"].clone();
        // Within the skew (clocks that disagree a little): decided as usual.
        assert_eq!(code(&at("2026-11-27T10:01:00Z")), "decide.proceed");
        assert_eq!(code(&at("2026-11-27T10:05:00Z")), "decide.proceed", "exactly the skew");
        // Beyond it: refused, whatever the user's state.
        let v = at("2026-11-27T10:05:00.001Z");
        assert_eq!(code(&v), "decide.planInFuture", "{v}");
        assert_eq!(v["decision"], "skip");
        assert!(v.get("action").is_none());
        let v = at("2026-11-27T11:00:00Z");
        assert_eq!(
            v["reason"],
            "the plan's snapshot was read at 2026-11-27T11:00:00Z, 60 minutes after now (2026-11-27T10:00:00Z); clocks may differ by at most 5 minutes: check the clocks, then make a new plan"
        );
        // Far in the future (a forged plan meant to stay valid for ever): no overflow, refused.
        assert_eq!(code(&at("9999-12-31T23:59:59Z")), "decide.planInFuture");
        // A bulk item is refused the same way (before the operation is looked at).
        let bulk = json!({"user": fred(), "capturedAt": "2026-11-27T11:00:00Z",
                          "planned": {"user": "fred", "key": "JIRAUSER10", "action": "deactivate", "rule": "bulk"}});
        assert_eq!(run(&policy(), &bulk, &opts)["value"]["code"], "decide.planInFuture");
    }

    #[test]
    fn schedules_and_actors_apply() {
        let opts = json!({"asOf": AS_OF, "schedule": "weekly"});
        let out = run(&policy(), &json!({"user": fred(), "planned": planned()}), &opts);
        assert_eq!(out["value"]["code"], "decide.otherRule", "{out}");
        let mut u = fred();
        u["groups"] = json!(["contractors"]);
        let out = run(&policy(), &json!({"user": u, "planned": planned()}), &opts);
        assert_eq!(out["value"]["code"], "decide.notSelected", "{out}");
        assert_eq!(out["value"]["reason"], "schedule weekly does not run rule contractors");
        let out = run(
            &policy(),
            &json!({"user": fred(), "planned": planned()}),
            &json!({"asOf": AS_OF, "actor": "FRED"}),
        );
        assert_eq!(out["value"]["code"], "decide.protected", "{out}");
        let out = run(
            &policy(),
            &json!({"user": fred(), "planned": planned()}),
            &json!({"asOf": AS_OF, "schedule": "nightly"}),
        );
        assert_eq!(out["errors"][0]["code"], "options.unknownSchedule", "{out}");
    }

    #[test]
    fn bad_input_is_failure_data_with_paths() {
        let errors = |input: Value| {
            let out = run(&policy(), &input, &json!({"asOf": AS_OF}));
            assert_eq!(out["type"], "failure", "{out}");
            for e in out["errors"].as_array().into_iter().flatten() {
                assert_eq!(e["source"], "input", "{e}");
            }
            crate::test_json::field_pairs(&out["errors"], "code", "path")
        };
        let pair = |c: &str, p: &str| (c.to_string(), p.to_string());
        assert_eq!(errors(json!({"user": fred()})), [pair("input.invalid", "planned")]);
        assert_eq!(
            errors(json!({"user": fred(), "planned": {"user": "fred", "action": "review", "rule": "r"}, "extra": 1})),
            [pair("input.invalid", "extra"), pair("input.invalid", "planned.action")]
        );
        assert_eq!(
            errors(json!({"user": fred(), "planned": {"user": "fred", "action": "removeFromGroups", "rule": "r"}})),
            [pair("input.invalid", "planned.groups")]
        );
        let mut u = fred();
        u["lastLogin"] = json!("yesterday");
        assert_eq!(
            errors(json!({"user": u, "planned": planned()})),
            [pair("snapshot.invalidTimestamp", "user.lastLogin")]
        );
        assert_eq!(
            errors(json!({"user": {"active": true}, "planned": planned()})),
            [pair("snapshot.invalid", "user.name")]
        );
        assert_eq!(
            errors(json!({"user": fred(), "planned": planned(), "previous": {"lastLogin": 5}, "capturedAt": "soon"})),
            [
                pair("input.invalidTimestamp", "capturedAt"),
                pair("input.invalid", "previous.lastLogin")
            ]
        );
        let out = crate::decide(&policy().to_string(), "{", &json!({"asOf": AS_OF}).to_string());
        assert_eq!(out.errors()[0].code, "json.syntax");
        let out = crate::decide(
            &policy().to_string(),
            &json!({"user": fred(), "planned": planned()}).to_string(),
            "{}",
        );
        assert_eq!(out.errors()[0].code, "options.missing");
    }
}
