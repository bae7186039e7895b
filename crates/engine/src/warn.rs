//! Warn before acting (M16): a rule with `warn: {daysBefore, template}` acts on a user only when
//! that user was warned at least `daysBefore` days ago for that rule and has not logged in since.
//!
//! Pure like the rest: the record of warnings already sent (`sent: [{user, rule, sentAt}]`) is
//! an input, never read from anywhere. `warnings` answers who is warned now, who waits, who may be
//! acted on, and who a rule will select within its `daysBefore` days; `plan` and `decide` use the
//! same [`lifecycle`] to hold back (`status: "awaitingWarning"`) what may not happen yet.

use crate::code::Code;
use crate::decide::{beyond_skew, CAPTURE_SKEW_MINUTES};
use crate::json_words::{clip, unknown_fields};
use crate::matcher::{Matcher, Selection};
use crate::plan::{PlanOptions, Who};
use crate::policy::{Action, Policy, Rule, Warn};
use crate::problem::{index, key, Problem, Source};
use crate::snapshot::{LastLogin, Snapshot, User};
use crate::time::{format_date, format_instant, parse_instant, DAY_MS};
use rustc_hash::FxHashMap as HashMap;
use serde::Serialize;
use serde_json::Value;

/// The most sent records one call takes (far above any real trail: one per user and rule).
pub const MAX_SENT: usize = 1_000_000;

/// The most records dated in the future that are reported one by one (`options.sentInFuture`);
/// beyond it one more warning gives the count, so a record full of them stays a short answer.
pub const MAX_FUTURE_REPORTED: usize = 20;

/// The warnings already sent, by (lowercased user, lowercased rule): the latest `sentAt`.
#[derive(Debug, Clone, Default)]
pub struct SentIndex {
    latest: HashMap<(String, String), i64>,
}

impl SentIndex {
    /// The latest warning sent to `user` (lowercased) for `rule`.
    pub fn latest(&self, user_lower: &str, rule: &str) -> Option<i64> {
        if self.latest.is_empty() {
            return None;
        }
        self.latest.get(&(user_lower.to_string(), rule.to_lowercase())).copied()
    }

    /// Every (lowercased user, lowercased rule, latest `sentAt`), in no particular order.
    pub fn entries(&self) -> impl Iterator<Item = (&str, &str, i64)> {
        self.latest.iter().map(|((u, r), &at)| (u.as_str(), r.as_str(), at))
    }
}

fn opt_err(code: Code, path: String, msg: String) -> Problem {
    Problem::error(Source::Options, code, path, msg)
}

/// The `sent` option: `[{"user", "rule", "sentAt"}]`, every problem with its path (`sent[3].sentAt`).
///
/// The record is read back from Jira, so it is untrusted: a record dated more than
/// [`CAPTURE_SKEW_MINUTES`] after `as_of` was not sent (a warning cannot have been sent after
/// now). It does not count: were it the latest, the user would wait for an action date
/// `daysBefore` days after an instant that has not come, and be acted on then without ever having
/// been warned. It is left out of the index (an earlier record of the same user and rule still
/// counts) and reported in the second list, a warning each (`options.sentInFuture`).
pub fn parse_sent(v: &Value, as_of: i64) -> Result<(SentIndex, Vec<Problem>), Vec<Problem>> {
    let shape = "sent must be a list of {\"user\", \"rule\", \"sentAt\"}: the warnings already sent";
    let Some(list) = v.as_array() else {
        return Err(vec![opt_err(Code::OptionsInvalid, "sent".into(), shape.into())]);
    };
    let mut problems = Vec::new();
    if list.len() > MAX_SENT {
        problems.push(opt_err(
            Code::OptionsInvalid,
            "sent".into(),
            format!("sent has {} records: at most {MAX_SENT} are allowed", list.len()),
        ));
        return Err(problems);
    }
    let mut index_ = SentIndex::default();
    let mut future = Vec::new();
    let mut future_count = 0usize;
    for (i, r) in list.iter().enumerate() {
        let path = index("sent", i);
        let Some(m) = r.as_object() else {
            problems.push(opt_err(Code::OptionsInvalid, path, shape.into()));
            continue;
        };
        problems.extend(
            unknown_fields(m, &path, "a sent record", &["user", "rule", "sentAt"])
                .map(|(at, msg)| opt_err(Code::OptionsInvalid, at, msg)),
        );
        let mut text = |field: &str| match m.get(field).and_then(Value::as_str).map(str::trim) {
            Some(s) if !s.is_empty() => Some(s.to_string()),
            _ => {
                problems.push(opt_err(
                    Code::OptionsInvalid,
                    key(&path, field),
                    format!("{path}.{field} must be a non-empty string"),
                ));
                None
            }
        };
        let (user, rule, at) = (text("user"), text("rule"), text("sentAt"));
        let at = at.and_then(|s| match parse_instant(&s) {
            Some(t) => Some(t),
            None => {
                problems.push(opt_err(
                    Code::OptionsInvalidTimestamp,
                    key(&path, "sentAt"),
                    format!(
                        "{path}.sentAt \"{}\" is not an RFC 3339 instant like 2026-11-27T00:00:00Z",
                        clip(&s)
                    ),
                ));
                None
            }
        });
        if let (Some(user), Some(rule), Some(at)) = (user, rule, at) {
            if beyond_skew(at, as_of) {
                future_count += 1;
                if future.len() < MAX_FUTURE_REPORTED {
                    future.push(Problem::warning(
                        Source::Options,
                        Code::OptionsSentInFuture,
                        key(&path, "sentAt"),
                        format!(
                            "the warning to \"{}\" for rule \"{}\" is recorded as sent at {}, after now ({}) by more than {CAPTURE_SKEW_MINUTES} minutes: it does not count (a forged record or a wrong clock), so the user is warned again",
                            clip(&user),
                            clip(&rule),
                            format_instant(at),
                            format_instant(as_of)
                        ),
                    ));
                }
                continue;
            }
            let slot = index_
                .latest
                .entry((user.to_lowercase(), rule.to_lowercase()))
                .or_insert(at);
            *slot = (*slot).max(at);
        }
    }
    if future_count > future.len() {
        future.push(Problem::warning(
            Source::Options,
            Code::OptionsSentInFuture,
            "sent",
            format!(
                "{future_count} warning records are dated more than {CAPTURE_SKEW_MINUTES} minutes after now ({}); the first {} are listed: none of them counts",
                format_instant(as_of),
                future.len()
            ),
        ));
    }
    if problems.is_empty() {
        Ok((index_, future))
    } else {
        Err(problems)
    }
}

/// Where a user is in a warn rule's lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum State {
    /// Not warned (or a login since the last warning voided it): send the warning now.
    Warn,
    /// Warned, but not long enough ago (or the rule does not select the user yet).
    Wait,
    /// Warned at least `daysBefore` days ago, no login since, selected now: the action may happen.
    Act,
}

/// What [`lifecycle`] answers for one user and one warn rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Lifecycle {
    pub state: State,
    pub template: String,
    pub days_before: u64,
    /// The warning that counts (the latest, sent no earlier than the last login); `null` when none.
    pub warned_at: Option<String>,
    /// The latest warning, when a login after it voided it (the user starts over).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub voided_warning: Option<String>,
    /// The first instant the action may happen.
    pub action_date: String,
    /// In words: "warned 2026-11-01, no login since: deactivate".
    pub reason: String,
    #[serde(skip)]
    pub action_at: i64,
}

/// When `rule`'s activity condition starts to hold for `user` (the crossing of the threshold):
/// last login + inactiveDays, or creation (its bound `createdBefore`) + createdMoreThanDays for a
/// user who never logged in. `None`: never (last login unknown, or no such condition).
pub fn selected_from(rule: &Rule, user: &User) -> Option<i64> {
    let days = |n: u64| (n as i64).saturating_mul(DAY_MS);
    match user.last_login {
        LastLogin::At(t) => rule.inactive_days.map(|n| t.saturating_add(days(n))),
        LastLogin::Never => {
            let n = rule.never_logged_in_created_days?;
            user.created.or(user.created_before).map(|c| c.saturating_add(days(n)))
        }
        LastLogin::Unknown => None,
    }
}

/// The action in words, as a plan says it ("deactivate", "remove from groups a, b").
fn action_words(action: &Action, groups: &[String]) -> String {
    match action {
        Action::Deactivate => "deactivate".to_string(),
        Action::RemoveFromGroups(_) => format!("remove from groups {}", groups.join(", ")),
        Action::Review => "review".to_string(),
    }
}

/// Where `user` stands with warn rule `rule` at `as_of`. `selected_now`: the rule selects the
/// user at `as_of` (else it will at `from`); `sent`: the warnings sent, `None` when the caller
/// gave no record (then nobody counts as warned: safe by default).
#[allow(clippy::too_many_arguments)]
pub fn lifecycle(
    rule: &Rule,
    warn: &Warn,
    user: &User,
    groups: &[String],
    selected_now: bool,
    from: i64,
    sent: Option<&SentIndex>,
    as_of: i64,
) -> Lifecycle {
    let grace = (warn.days_before as i64).saturating_mul(DAY_MS);
    let latest = sent.and_then(|s| s.latest(&user.name_lower, &rule.id));
    let login = match user.last_login {
        LastLogin::At(t) => Some(t),
        _ => None,
    };
    // A login after the warning starts over: the user was told, and answered by using Jira.
    let (warned, voided) = match (latest, login) {
        (Some(w), Some(l)) if l > w => (None, Some((w, l))),
        (w, _) => (w, None),
    };
    let upcoming = if selected_now {
        String::new()
    } else {
        format!("selected from {}; ", format_date(from))
    };
    let (state, action_at, reason) = match warned {
        None => {
            let at = as_of.saturating_add(grace).max(from);
            let before = match voided {
                Some((w, l)) => format!(
                    "warned {}, logged in {} since: warning again now",
                    format_date(w),
                    format_date(l)
                ),
                None => "not warned yet: warning now".to_string(),
            };
            (
                State::Warn,
                at,
                format!("{upcoming}{before}, action on or after {}", format_date(at)),
            )
        }
        Some(w) => {
            let at = w.saturating_add(grace).max(from);
            if selected_now && at <= as_of {
                (
                    State::Act,
                    at,
                    format!(
                        "warned {}, no login since: {}",
                        format_date(w),
                        action_words(&rule.action, groups)
                    ),
                )
            } else {
                (
                    State::Wait,
                    at,
                    format!(
                        "{upcoming}warned {}: action on or after {}",
                        format_date(w),
                        format_date(at)
                    ),
                )
            }
        }
    };
    Lifecycle {
        state,
        template: warn.template.clone(),
        days_before: warn.days_before,
        warned_at: warned.map(format_instant),
        voided_warning: voided.map(|(w, _)| format_instant(w)),
        action_date: format_instant(action_at),
        reason,
        action_at,
    }
}

/// One user in a warn rule's lifecycle.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WarnedUser {
    /// `email` is `null` when the user has none (a warning cannot reach them: the sender reports it).
    #[serde(flatten)]
    pub who: Who,
    pub rule: String,
    /// The rule's description (its id when it has none), for `{{ruleDescription}}`.
    pub rule_description: String,
    pub action: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub groups: Option<Vec<String>>,
    /// Does the rule select the user at `asOf`? (`false`: it will at `selectedFrom`.)
    pub selected: bool,
    /// When the rule's threshold is (or was) crossed.
    pub selected_from: String,
    #[serde(flatten)]
    pub lifecycle: Lifecycle,
}

#[derive(Debug, Clone, PartialEq, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct WarnCounts {
    /// State `warn`: send a warning now.
    pub warn: usize,
    pub wait: usize,
    pub act: usize,
    /// Entries not selected yet (any state).
    pub upcoming: usize,
}

/// What `warnings` answers.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Warnings {
    pub as_of: String,
    /// Sorted as plan actions (username, case-insensitive, then exact).
    pub users: Vec<WarnedUser>,
    pub counts: WarnCounts,
}

/// The groups a selection removes, by name.
fn removed(m: &Matcher, rule: &Rule, sel: &Selection) -> Vec<String> {
    match rule.action {
        Action::RemoveFromGroups(_) => sel
            .remove_groups
            .iter()
            .map(|&g| m.snapshot.groups.name(g).to_string())
            .collect(),
        _ => Vec::new(),
    }
}

/// Every active, unprotected user a warn rule selects now, or will select (as its first
/// selecting rule) within its `daysBefore` days, with where each stands (M16).
pub fn warnings(policy: &Policy, snapshot: &Snapshot, opts: &PlanOptions) -> Warnings {
    let as_of = opts.as_of;
    let mut m = Matcher::new(policy, snapshot, as_of, opts.actor);
    let mut users = Vec::new();
    let mut counts = WarnCounts::default();
    for user in snapshot.users.iter().filter(|u| u.active) {
        m.as_of = as_of;
        if m.protection(user).is_some() {
            continue;
        }
        let now = m.first_rule(user);
        let mut entry: Option<(usize, Selection, bool, i64)> = match &now {
            Some((i, sel)) if m.rules[*i].rule.warn.is_some() => {
                let from = selected_from(m.rules[*i].rule, user).unwrap_or(as_of).min(as_of);
                Some((*i, sel.clone(), true, from))
            }
            _ => None,
        };
        if entry.is_none() {
            // A warn rule before the one deciding now (or any, when none does) that takes over
            // within its grace period: the earliest such crossing.
            let before = now.as_ref().map_or(m.rules.len(), |(i, _)| *i);
            let mut best: Option<(usize, Selection, bool, i64)> = None;
            for i in 0..before {
                let rule = m.rules[i].rule;
                let Some(w) = &rule.warn else { continue };
                let Some(t) = selected_from(rule, user) else { continue };
                let window_end = as_of.saturating_add((w.days_before as i64).saturating_mul(DAY_MS));
                if t <= as_of || t > window_end || best.as_ref().is_some_and(|b| b.3 <= t) {
                    continue;
                }
                m.as_of = t;
                if m.protection(user).is_none() {
                    if let Some((j, sel)) = m.first_rule(user).filter(|(j, _)| *j == i) {
                        best = Some((j, sel, false, t));
                    }
                }
                m.as_of = as_of;
            }
            entry = best;
        }
        m.as_of = as_of;
        let Some((i, sel, selected, from)) = entry else {
            continue;
        };
        let rule = m.rules[i].rule;
        let Some(w) = &rule.warn else { continue };
        let groups = removed(&m, rule, &sel);
        let lc = lifecycle(rule, w, user, &groups, selected, from, opts.sent, as_of);
        match lc.state {
            State::Warn => counts.warn += 1,
            State::Wait => counts.wait += 1,
            State::Act => counts.act += 1,
        }
        counts.upcoming += usize::from(!selected);
        users.push(WarnedUser {
            who: Who::of(user),
            rule: rule.id.clone(),
            rule_description: rule.description.clone().unwrap_or_else(|| rule.id.clone()),
            action: rule.action.type_name(),
            groups: matches!(rule.action, Action::RemoveFromGroups(_)).then_some(groups),
            selected,
            selected_from: format_instant(from),
            lifecycle: lc,
        });
    }
    Warnings {
        as_of: format_instant(as_of),
        users,
        counts,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::parse_policy;
    use crate::problem::Severity;
    use crate::snapshot::parse_snapshot;
    use crate::time::parse_instant;

    fn json(t: &str) -> Value {
        serde_json::from_str(t).unwrap_or(Value::Null)
    }

    const POLICY: &str = r#"{"version":1,"limits":{"maxActionsPerRun":10},"protect":{"users":["boss"]},
        "rules":[{"id":"idle","description":"Inactive for 90 days","inactiveDays":90,"action":{"type":"deactivate"},
                  "warn":{"daysBefore":14,"template":"t"}},
                 {"id":"look","inactiveDays":30,"action":{"type":"review"}}],
        "templates":[{"id":"t","subject":"s {{username}}","body":"b {{actionDate}}"}]}"#;

    fn at(s: &str) -> i64 {
        parse_instant(s).unwrap_or_else(|| panic!("bad instant {s}"))
    }

    fn run(snapshot: &str, as_of: &str, sent: Option<&str>) -> Warnings {
        let (p, problems) = parse_policy(POLICY);
        let p = p.unwrap_or_else(|| panic!("{problems:?}"));
        let s = parse_snapshot(snapshot).unwrap_or_else(|e| panic!("{e:?}"));
        let sent = sent.map(|t| {
            parse_sent(&serde_json::from_str(t).unwrap_or(Value::Null), at(as_of))
                .map(|(s, _)| s)
                .unwrap_or_else(|e| panic!("{e:?}"))
        });
        warnings(
            &p,
            &s,
            &PlanOptions {
                as_of: at(as_of),
                actor: None,
                sent: sent.as_ref(),
            },
        )
    }

    const USERS: &str = r#"{"users":[
        {"name":"ann","active":true,"groups":[],"lastLogin":"2026-08-01T00:00:00Z","email":"ann@x.io"},
        {"name":"bob","active":true,"groups":[],"lastLogin":"2026-09-10T00:00:00Z"},
        {"name":"boss","active":true,"groups":[],"lastLogin":"2020-01-01T00:00:00Z"},
        {"name":"cy","active":true,"groups":[],"lastLogin":"2026-11-20T00:00:00Z"},
        {"name":"dee","active":true,"groups":[],"lastLogin":"2026-06-01T00:00:00Z"},
        {"name":"eve","active":true,"groups":[],"lastLogin":"2026-06-01T00:00:00Z"},
        {"name":"fay","active":true,"groups":[],"lastLogin":"2026-10-15T00:00:00Z"}]}"#;

    #[test]
    fn each_user_is_warned_waits_or_is_acted_on() {
        let w = run(
            USERS,
            "2026-11-29T00:00:00Z",
            Some(
                r#"[{"user":"DEE","rule":"IDLE","sentAt":"2026-11-01T00:00:00Z"},{"user":"eve","rule":"idle","sentAt":"2026-11-20T00:00:00Z"},
                    {"user":"fay","rule":"idle","sentAt":"2026-10-01T00:00:00Z"},{"user":"dee","rule":"idle","sentAt":"2026-10-01T00:00:00Z"}]"#,
            ),
        );
        let got: Vec<(&str, State, bool, &str, &str)> = w
            .users
            .iter()
            .map(|u| {
                (
                    u.who.user.as_str(),
                    u.lifecycle.state,
                    u.selected,
                    u.lifecycle.action_date.as_str(),
                    u.lifecycle.reason.as_str(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (
                    "ann",
                    State::Warn,
                    true,
                    "2026-12-13T00:00:00Z",
                    "not warned yet: warning now, action on or after 2026-12-13"
                ),
                (
                    "bob",
                    State::Warn,
                    false,
                    "2026-12-13T00:00:00Z",
                    "selected from 2026-12-09; not warned yet: warning now, action on or after 2026-12-13"
                ),
                (
                    "dee",
                    State::Act,
                    true,
                    "2026-11-15T00:00:00Z",
                    "warned 2026-11-01, no login since: deactivate"
                ),
                (
                    "eve",
                    State::Wait,
                    true,
                    "2026-12-04T00:00:00Z",
                    "warned 2026-11-20: action on or after 2026-12-04"
                ),
            ],
            "boss is protected, cy is not near, fay is reviewed and logged in after her warning (not near 90 days)"
        );
        assert_eq!(
            w.counts,
            WarnCounts {
                warn: 2,
                wait: 1,
                act: 1,
                upcoming: 1
            }
        );
        assert_eq!(w.users[0].who.email.as_deref(), Some("ann@x.io"));
        assert_eq!(w.users[0].rule_description, "Inactive for 90 days");
    }

    #[test]
    fn a_login_after_the_warning_starts_over() {
        let snap = r#"{"users":[{"name":"gil","active":true,"groups":[],"lastLogin":"2026-11-02T00:00:00Z"}]}"#;
        // Warned 2026-10-20, logged in 2026-11-02: selected again from 2027-01-31.
        let w = run(
            snap,
            "2027-01-20T00:00:00Z",
            Some(r#"[{"user":"gil","rule":"idle","sentAt":"2026-10-20T00:00:00Z"}]"#),
        );
        assert_eq!(w.users.len(), 1);
        let u = &w.users[0];
        assert_eq!((u.lifecycle.state, u.selected), (State::Warn, false));
        assert_eq!(u.lifecycle.voided_warning.as_deref(), Some("2026-10-20T00:00:00Z"));
        assert_eq!(u.lifecycle.warned_at, None);
        assert_eq!(
            u.lifecycle.reason,
            "selected from 2027-01-31; warned 2026-10-20, logged in 2026-11-02 since: warning again now, action on or after 2027-02-03"
        );
        // An upcoming user already warned waits for the crossing.
        let w = run(
            snap,
            "2027-01-20T00:00:00Z",
            Some(r#"[{"user":"gil","rule":"idle","sentAt":"2027-01-10T00:00:00Z"}]"#),
        );
        assert_eq!(w.users[0].lifecycle.state, State::Wait);
        assert_eq!(w.users[0].lifecycle.action_date, "2027-01-31T00:00:00Z");
    }

    #[test]
    fn without_a_record_nobody_counts_as_warned() {
        let w = run(USERS, "2026-11-29T00:00:00Z", None);
        assert!(w.users.iter().all(|u| u.lifecycle.state == State::Warn));
        assert_eq!(w.counts.warn, 4);
    }

    #[test]
    fn sent_records_are_checked_with_paths() {
        let e = parse_sent(
            &serde_json::from_str(r#"[{"user":"a","rule":"r","sentAt":"yesterday"},{"user":"","rule":"r","sentAt":"2026-01-01T00:00:00Z","x":1},3]"#)
                .unwrap_or(Value::Null),
            at("2026-11-27T00:00:00Z"),
        )
        .err()
        .unwrap_or_default();
        let got: Vec<(&str, &str)> = e.iter().map(|p| (p.code, p.path.as_str())).collect();
        assert_eq!(
            got,
            [
                ("options.invalidTimestamp", "sent[0].sentAt"),
                ("options.invalid", "sent[1].x"),
                ("options.invalid", "sent[1].user"),
                ("options.invalid", "sent[2]"),
            ]
        );
        assert!(parse_sent(&Value::Bool(true), 0).is_err());
    }

    #[test]
    fn a_warning_dated_after_now_does_not_count() {
        // The audit's case: asOf 2026-11-27, a record dated 2027-06-01 (read back from Jira, so
        // untrusted). Counted, ann would "wait, warned 2027-06-01" and be acted on after
        // 2027-06-15 without ever having been warned; left out, she is warned now.
        let snap = r#"{"users":[{"name":"ann","active":true,"groups":[],"lastLogin":"2026-08-01T00:00:00Z"}]}"#;
        let future = r#"[{"user":"ann","rule":"idle","sentAt":"2027-06-01T00:00:00Z"}]"#;
        let w = run(snap, "2026-11-27T00:00:00Z", Some(future));
        let u = &w.users[0];
        assert_eq!(
            (u.lifecycle.state, u.lifecycle.warned_at.as_deref()),
            (State::Warn, None)
        );
        assert_eq!(
            u.lifecycle.reason,
            "not warned yet: warning now, action on or after 2026-12-11"
        );
        // An earlier record of the same user and rule still counts (the future one is not "latest").
        let both = r#"[{"user":"ann","rule":"idle","sentAt":"2026-11-01T00:00:00Z"},{"user":"ann","rule":"idle","sentAt":"2027-06-01T00:00:00Z"}]"#;
        let w = run(snap, "2026-11-27T00:00:00Z", Some(both));
        assert_eq!(w.users[0].lifecycle.state, State::Act, "{:?}", w.users[0]);
        assert_eq!(w.users[0].lifecycle.warned_at.as_deref(), Some("2026-11-01T00:00:00Z"));
    }

    #[test]
    fn a_record_after_now_is_reported_within_the_skew_it_counts() {
        let as_of = at("2026-11-27T00:00:00Z");
        let sent = |at: &str| json(&format!(r#"[{{"user":"Ann","rule":"Idle","sentAt":"{at}"}}]"#));
        // Exactly the skew (clocks that disagree a little): counts, nothing said.
        let (index_, problems) = parse_sent(&sent("2026-11-27T00:05:00Z"), as_of).unwrap_or_default();
        assert_eq!(index_.latest("ann", "idle"), Some(at("2026-11-27T00:05:00Z")));
        assert!(problems.is_empty(), "{problems:?}");
        // Beyond it: left out and reported with its path, user and rule.
        let (index_, problems) = parse_sent(&sent("2026-11-27T00:05:00.001Z"), as_of).unwrap_or_default();
        assert_eq!(index_.latest("ann", "idle"), None);
        let got: Vec<(&str, &str, Severity)> = problems.iter().map(|p| (p.code, p.path.as_str(), p.severity)).collect();
        assert_eq!(got, [("options.sentInFuture", "sent[0].sentAt", Severity::Warning)]);
        assert_eq!(
            problems[0].message,
            "the warning to \"Ann\" for rule \"Idle\" is recorded as sent at 2026-11-27T00:05:00.001Z, after now (2026-11-27T00:00:00Z) by more than 5 minutes: it does not count (a forged record or a wrong clock), so the user is warned again"
        );
        // Far in the future: no overflow.
        let (index_, problems) = parse_sent(&sent("9999-12-31T23:59:59Z"), as_of).unwrap_or_default();
        assert_eq!((index_.entries().count(), problems.len()), (0, 1));
        let (_, problems) = parse_sent(&sent("2027-01-01T00:00:00Z"), i64::MAX).unwrap_or_default();
        assert!(problems.is_empty());
    }

    #[test]
    fn many_records_after_now_make_a_short_answer() {
        let list: Vec<Value> = (0..500)
            .map(|i| serde_json::json!({"user": format!("u{i}"), "rule": "idle", "sentAt": "2030-01-01T00:00:00Z"}))
            .collect();
        let (index_, problems) = parse_sent(&Value::Array(list), at("2026-11-27T00:00:00Z")).unwrap_or_default();
        assert_eq!(index_.entries().count(), 0);
        assert_eq!(problems.len(), MAX_FUTURE_REPORTED + 1);
        assert_eq!(problems[MAX_FUTURE_REPORTED].path, "sent");
        assert!(
            problems[MAX_FUTURE_REPORTED]
                .message
                .starts_with("500 warning records are dated more than 5 minutes after now"),
            "{}",
            problems[MAX_FUTURE_REPORTED].message
        );
    }
}
