//! Do warnings work? Per warn rule: how many users were warned, how many logged in again after
//! their (latest) warning, and of those how many logged in exactly once since — "kept the seat
//! but does not use it" — against more than once (M16, docs/warnings.md).
//!
//! Pure: the record of warnings sent is the same `sent` input `warnings` and `plan` take. One
//! login since the warning W is told from several by the user's `previousLogin` (the login before
//! the last one, from Jira's `login.previousLoginMillis` in the last-login export): with the last
//! login L > W, exactly once iff the previous login is ≤ W or there was none; more than once iff
//! it is > W; not known when the snapshot does not say.

use crate::plan::PlanOptions;
use crate::policy::Policy;
use crate::snapshot::{LastLogin, Snapshot};
use crate::time::format_instant;
use rustc_hash::FxHashMap as HashMap;
use serde::Serialize;

/// One warn rule's figures. `loggedInAfter = onlyOnce + moreThanOnce + notKnown`;
/// `warned = loggedInAfter + (no login since) + lastLoginNotKnown`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleOutcome {
    /// The rule's id as the policy writes it.
    pub rule: String,
    /// Users with a warning sent for this rule (each once, by their latest warning).
    pub warned: usize,
    /// Warned users whose last login is after their latest warning.
    pub logged_in_after: usize,
    /// Of those, the login after the warning is their only one since (previous login before
    /// the warning, or none).
    pub only_once: usize,
    /// Of those, logged in more than once since (previous login after the warning too).
    pub more_than_once: usize,
    /// Of those, the snapshot has no previous login: once or more is not known.
    pub not_known: usize,
    /// Warned users whose last login is not known (or who are not in the snapshot): whether they
    /// logged in after the warning is not known.
    pub last_login_not_known: usize,
}

/// What `warningOutcomes` answers: one entry per rule with `warn`, in policy order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WarnOutcomes {
    pub as_of: String,
    pub rules: Vec<RuleOutcome>,
}

/// Counts, per warn rule of `policy`, what became of the users `opts.sent` says were warned.
/// Without a record (`sent` absent) nobody was warned: every count is 0.
pub fn warn_outcomes(policy: &Policy, snapshot: &Snapshot, opts: &PlanOptions) -> WarnOutcomes {
    let mut rules: Vec<RuleOutcome> = Vec::new();
    let mut by_id: HashMap<String, usize> = HashMap::default();
    for r in policy.rules.iter().filter(|r| r.warn.is_some()) {
        by_id.entry(r.id.to_lowercase()).or_insert(rules.len());
        rules.push(RuleOutcome {
            rule: r.id.clone(),
            ..RuleOutcome::default()
        });
    }
    for (user, rule, warned_at) in opts.sent.into_iter().flat_map(|s| s.entries()) {
        let Some(&i) = by_id.get(rule) else { continue };
        let out = &mut rules[i];
        out.warned += 1;
        let u = snapshot.user(user);
        match u.map(|u| (u.last_login, u.previous_login)) {
            Some((LastLogin::At(last), previous)) if last > warned_at => {
                out.logged_in_after += 1;
                match previous {
                    LastLogin::At(p) if p > warned_at => out.more_than_once += 1,
                    LastLogin::At(_) | LastLogin::Never => out.only_once += 1,
                    LastLogin::Unknown => out.not_known += 1,
                }
            }
            // No login since the warning (a last login before it, or never).
            Some((LastLogin::At(_) | LastLogin::Never, _)) => {}
            Some((LastLogin::Unknown, _)) | None => out.last_login_not_known += 1,
        }
    }
    WarnOutcomes {
        as_of: format_instant(opts.as_of),
        rules,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::parse_policy;
    use crate::snapshot::parse_snapshot;
    use crate::time::parse_instant;
    use crate::warn::parse_sent;
    use serde_json::Value;

    const POLICY: &str = r#"{"version":1,"limits":{"maxActionsPerRun":10},
        "rules":[{"id":"Idle","inactiveDays":90,"action":{"type":"deactivate"},"warn":{"daysBefore":14,"template":"t"}},
                 {"id":"look","inactiveDays":30,"action":{"type":"review"}},
                 {"id":"never","neverLoggedIn":{"createdMoreThanDays":30},"action":{"type":"deactivate"},"warn":{"daysBefore":7,"template":"t"}}],
        "templates":[{"id":"t","subject":"s","body":"b"}]}"#;

    // Warned 2026-11-01 for Idle: ann logged in once since (previous before the warning), bob
    // twice (previous after it), cy once ever (previous null), dee since with no previous known,
    // eve not since, fay's last login not known, gus not in the snapshot.
    const SNAPSHOT: &str = r#"{"users":[
        {"name":"ann","active":true,"lastLogin":"2026-11-10T00:00:00Z","previousLogin":"2026-07-01T00:00:00Z"},
        {"name":"bob","active":true,"lastLogin":"2026-11-10T00:00:00Z","previousLogin":"2026-11-05T00:00:00Z"},
        {"name":"Cy","active":true,"lastLogin":"2026-11-10T00:00:00Z","previousLogin":null},
        {"name":"dee","active":true,"lastLogin":"2026-11-10T00:00:00Z"},
        {"name":"eve","active":true,"lastLogin":"2026-07-01T00:00:00Z","previousLogin":"2026-06-01T00:00:00Z"},
        {"name":"fay","active":false},
        {"name":"hal","active":true,"lastLogin":"2026-11-01T00:00:00Z","previousLogin":"2026-10-01T00:00:00Z"},
        {"name":"ivy","active":true,"lastLogin":null}]}"#;

    fn run(sent: Option<&str>) -> WarnOutcomes {
        let (p, problems) = parse_policy(POLICY);
        let p = p.unwrap_or_else(|| panic!("{problems:?}"));
        let s = parse_snapshot(SNAPSHOT).unwrap_or_else(|e| panic!("{e:?}"));
        let as_of = parse_instant("2026-11-29T00:00:00Z").unwrap_or(0);
        let sent = sent.map(|t| {
            parse_sent(&serde_json::from_str(t).unwrap_or(Value::Null), as_of)
                .map(|(s, _)| s)
                .unwrap_or_else(|e| panic!("{e:?}"))
        });
        warn_outcomes(
            &p,
            &s,
            &PlanOptions {
                as_of,
                actor: None,
                sent: sent.as_ref(),
            },
        )
    }

    #[test]
    fn counts_once_and_more_than_once_from_the_previous_login() {
        let sent = r#"[
            {"user":"ann","rule":"idle","sentAt":"2026-11-01T00:00:00Z"},
            {"user":"bob","rule":"IDLE","sentAt":"2026-11-01T00:00:00Z"},
            {"user":"cy","rule":"Idle","sentAt":"2026-11-01T00:00:00Z"},
            {"user":"dee","rule":"Idle","sentAt":"2026-11-01T00:00:00Z"},
            {"user":"eve","rule":"Idle","sentAt":"2026-11-01T00:00:00Z"},
            {"user":"fay","rule":"Idle","sentAt":"2026-11-01T00:00:00Z"},
            {"user":"gus","rule":"Idle","sentAt":"2026-11-01T00:00:00Z"},
            {"user":"hal","rule":"Idle","sentAt":"2026-11-01T00:00:00Z"},
            {"user":"ann","rule":"idle","sentAt":"2026-10-01T00:00:00Z"},
            {"user":"ivy","rule":"never","sentAt":"2026-11-01T00:00:00Z"},
            {"user":"ann","rule":"look","sentAt":"2026-11-01T00:00:00Z"},
            {"user":"ann","rule":"gone","sentAt":"2026-11-01T00:00:00Z"}]"#;
        let w = run(Some(sent));
        assert_eq!(w.as_of, "2026-11-29T00:00:00Z");
        assert_eq!(
            w.rules,
            [
                RuleOutcome {
                    rule: "Idle".into(),
                    warned: 8,
                    logged_in_after: 4,
                    only_once: 2,
                    more_than_once: 1,
                    not_known: 1,
                    last_login_not_known: 2,
                },
                RuleOutcome {
                    rule: "never".into(),
                    warned: 1,
                    ..RuleOutcome::default()
                },
            ],
            "ann counts once (her latest warning); hal's login at the warning's instant is not after it; rules without warn and unknown rules are left out"
        );
    }

    #[test]
    fn a_login_twice_since_needs_the_previous_after_the_warning() {
        // bob's previous login at the warning's instant is not after it: once.
        let w = run(Some(
            r#"[{"user":"bob","rule":"idle","sentAt":"2026-11-05T00:00:00Z"}]"#,
        ));
        assert_eq!((w.rules[0].only_once, w.rules[0].more_than_once), (1, 0));
        let w = run(Some(
            r#"[{"user":"bob","rule":"idle","sentAt":"2026-11-04T23:59:59Z"}]"#,
        ));
        assert_eq!((w.rules[0].only_once, w.rules[0].more_than_once), (0, 1));
    }

    #[test]
    fn a_warning_dated_after_now_is_not_counted() {
        // asOf is 2026-11-29: eve's record of 2027-06-01 was not sent (forged or a wrong clock);
        // counted, she would be "warned, no login since". ann's earlier record still counts.
        let w = run(Some(
            r#"[{"user":"eve","rule":"idle","sentAt":"2027-06-01T00:00:00Z"},
                {"user":"ann","rule":"idle","sentAt":"2026-11-01T00:00:00Z"},
                {"user":"ann","rule":"idle","sentAt":"2026-11-29T00:05:01Z"}]"#,
        ));
        assert_eq!(
            w.rules[0],
            RuleOutcome {
                rule: "Idle".into(),
                warned: 1,
                logged_in_after: 1,
                only_once: 1,
                ..RuleOutcome::default()
            },
            "ann counts by her record of 2026-11-01 (after which she logged in once), eve not at all"
        );
    }

    #[test]
    fn without_a_record_nobody_was_warned() {
        let w = run(None);
        assert_eq!(w.rules.len(), 2);
        assert!(w.rules.iter().all(|r| r.warned == 0 && r.logged_in_after == 0));
    }
}
