//! The policy's operating fields: who is told about runs (`notify`), and how each schedule runs
//! (`schedules[].enabled`, `schedules[].mode`). They change no decision about a user; the daemon
//! and the page act on them. Validated with the same walker, codes and paths as the rest.

use super::{short, Walker, MAX_ENTRIES};
use crate::code::Code;
use crate::problem::{index, key};
use rustc_hash::FxHashSet as HashSet;
use serde::Serialize;
use serde_json::{Map, Value};

/// The fields of a schedule.
pub(super) const SCHEDULE_FIELDS: &[&str] = &["id", "cron", "timezone", "rules", "enabled", "mode"];

/// `notify`: the administrators told about runs, and the contact shown to affected users.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notify {
    /// Trimmed, as written.
    pub admins: Vec<String>,
    pub contact: Option<String>,
}

/// `schedules[].mode`: a scheduled run either carries out its plan or only records a preview.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ScheduleMode {
    #[default]
    Run,
    Preview,
}

impl ScheduleMode {
    pub fn as_str(self) -> &'static str {
        match self {
            ScheduleMode::Run => "run",
            ScheduleMode::Preview => "preview",
        }
    }
}

/// Does `s` look like an email address: one `@`, a local part without spaces, and a domain of
/// letters, digits and hyphens in dot-separated labels (as browsers check `type=email`)?
pub fn looks_like_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !local.chars().any(|c| c.is_whitespace() || c.is_control() || c == '@')
        && !domain.is_empty()
        && domain.split('.').all(|label| {
            !label.is_empty()
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
}

impl Walker {
    /// One email address at `path`, trimmed; an error when it does not look like one.
    fn email_address(&mut self, v: &Value, path: &str, what: &str) -> Option<String> {
        let s = self.string(v, path, what)?;
        let s = s.trim().to_string();
        if looks_like_email(&s) {
            Some(s)
        } else {
            self.err(
                Code::PolicyInvalidEmail,
                path,
                format!("{what} \"{s}\" is not an email address (like jira-admins@acme.com)"),
            );
            None
        }
    }

    /// `notify: {"admins": [email, ...], "contact"?: email}`.
    pub(super) fn notify(&mut self, v: &Value) -> Option<Notify> {
        let m = self.object(v, "notify", "notify", &["admins", "contact"])?;
        let admins = match m.get("admins") {
            None => {
                self.err(
                    Code::PolicyMissingField,
                    "notify.admins",
                    "notify needs \"admins\": the email addresses told about runs".into(),
                );
                Vec::new()
            }
            Some(a) => self.emails(a, "notify.admins"),
        };
        let contact = m
            .get("contact")
            .and_then(|c| self.email_address(c, "notify.contact", "notify.contact"));
        Some(Notify { admins, contact })
    }

    fn emails(&mut self, v: &Value, path: &str) -> Vec<String> {
        let arr = self.list(v, path, path, "a list of email addresses", "entries", MAX_ENTRIES);
        let mut seen = HashSet::default();
        let mut out = Vec::new();
        for (i, x) in arr.iter().enumerate() {
            let p = index(path, i);
            if let Some(e) = self.email_address(x, &p, "an administrator's email") {
                if seen.insert(e.to_lowercase()) {
                    out.push(e);
                } else {
                    self.warn(Code::PolicyDuplicateEntry, &p, format!("\"{e}\" is listed twice"));
                }
            }
        }
        out
    }

    /// `enabled` (default true) and `mode` (default "run") of the schedule at `path`.
    pub(super) fn schedule_switches(&mut self, m: &Map<String, Value>, path: &str) -> (bool, ScheduleMode) {
        let enabled = self.flag(m, "enabled", path, true);
        let mode = match m.get("mode") {
            None => ScheduleMode::Run,
            Some(Value::String(s)) if s.trim() == "run" => ScheduleMode::Run,
            Some(Value::String(s)) if s.trim() == "preview" => ScheduleMode::Preview,
            Some(Value::String(s)) => {
                let shown: String = s.chars().take(40).collect();
                self.err(
                    Code::PolicyUnknownScheduleMode,
                    &key(path, "mode"),
                    format!("unknown schedule mode \"{shown}\": use \"run\" (carry out the plan) or \"preview\" (only record it)"),
                );
                ScheduleMode::Run
            }
            Some(other) => {
                self.err(
                    Code::PolicyInvalidType,
                    &key(path, "mode"),
                    format!("mode must be \"run\" or \"preview\", found {}", short(other)),
                );
                ScheduleMode::Run
            }
        };
        (enabled, mode)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::parse_policy;

    fn with(extra: &str) -> (Option<crate::policy::Policy>, Vec<(&'static str, String)>) {
        let (p, problems) = parse_policy(&format!(
            r#"{{"version":1,"limits":{{"maxActionsPerRun":1}},"rules":[{{"id":"r","inactiveDays":1,"action":{{"type":"review"}}}}]{extra}}}"#
        ));
        (p, problems.into_iter().map(|p| (p.code, p.path)).collect())
    }

    #[test]
    fn emails_look_like_emails() {
        for ok in [
            "a@b",
            "jira-admins@acme.com",
            "first.last+tag@eu.acme.co.uk",
            "æ@øre.no",
        ] {
            assert!(looks_like_email(ok), "{ok}");
        }
        for bad in [
            "",
            "acme.com",
            "@acme.com",
            "a@",
            "a b@acme.com",
            "a@acme..com",
            "a@-acme.com",
            "a@acme.com.",
            "a@b@c",
            "a@acme_x.com",
        ] {
            assert!(!looks_like_email(bad), "{bad}");
        }
    }

    #[test]
    fn notify_is_read_and_checked() {
        let (p, c) = with(r#","notify":{"admins":[" ops@acme.com","it@acme.com"],"contact":"help@acme.com"}"#);
        assert!(c.is_empty(), "{c:?}");
        assert_eq!(
            p.and_then(|p| p.notify),
            Some(Notify {
                admins: vec!["ops@acme.com".into(), "it@acme.com".into()],
                contact: Some("help@acme.com".into())
            })
        );
        let (p, c) =
            with(r#","notify":{"admins":["ops","",3,"OPS@acme.com","ops@acme.com"],"contact":"nobody","cc":[]}"#);
        assert!(p.is_none());
        assert_eq!(
            c,
            [
                ("policy.unknownField", "notify.cc".to_string()),
                ("policy.invalidEmail", "notify.admins[0]".to_string()),
                ("policy.emptyValue", "notify.admins[1]".to_string()),
                ("policy.invalidType", "notify.admins[2]".to_string()),
                ("policy.duplicateEntry", "notify.admins[4]".to_string()),
                ("policy.invalidEmail", "notify.contact".to_string()),
            ]
        );
        assert_eq!(
            with(r#","notify":{}"#).1,
            [("policy.missingField", "notify.admins".to_string())]
        );
        assert_eq!(
            with(r#","notify":[]"#).1,
            [("policy.invalidType", "notify".to_string())]
        );
        assert_eq!(
            with(r#","notify":{"admins":"ops@acme.com"}"#).1,
            [("policy.invalidType", "notify.admins".to_string())]
        );
        let many: Vec<String> = (0..=MAX_ENTRIES).map(|i| format!("\"a{i}@acme.com\"")).collect();
        assert_eq!(
            with(&format!(r#","notify":{{"admins":[{}]}}"#, many.join(","))).1,
            [("policy.tooMany", "notify.admins".to_string())]
        );
        let (p, c) = with("");
        assert!(c.is_empty() && p.is_some_and(|p| p.notify.is_none()));
    }

    #[test]
    fn schedules_are_enabled_runs_unless_they_say_otherwise() {
        let (p, c) = with(
            r#","schedules":[{"id":"a","cron":"0 3 * * *"},{"id":"b","cron":"0 3 * * *","enabled":false,"mode":"preview"},
                {"id":"c","cron":"0 3 * * *","enabled":true,"mode":"run"}]"#,
        );
        assert!(c.is_empty(), "{c:?}");
        let got: Vec<(bool, ScheduleMode)> = p
            .map(|p| p.schedules.iter().map(|s| (s.enabled, s.mode)).collect())
            .unwrap_or_default();
        assert_eq!(
            got,
            [
                (true, ScheduleMode::Run),
                (false, ScheduleMode::Preview),
                (true, ScheduleMode::Run)
            ]
        );
        let (p, c) = with(
            r#","schedules":[{"id":"a","cron":"0 3 * * *","enabled":"no","mode":"dry-run"},{"id":"b","cron":"0 3 * * *","mode":1}]"#,
        );
        assert!(p.is_none());
        assert_eq!(
            c,
            [
                ("policy.invalidType", "schedules[0].enabled".to_string()),
                ("policy.unknownScheduleMode", "schedules[0].mode".to_string()),
                ("policy.invalidType", "schedules[1].mode".to_string()),
            ]
        );
    }
}
