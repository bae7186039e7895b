//! `exceptions`: users an administrator decided to keep (a review decision), each with who
//! decided, why, and until when. Honoured like protection (`protect.exception`) until `until`;
//! from then on (`until` at or before `asOf`) the user is no longer protected and the plan
//! reports the exception as expired, as it does service accounts.

use super::{kind, Walker, MAX_ENTRIES, MAX_NAME, MAX_PURPOSE};
use crate::code::Code;
use crate::problem::{index, key, Problem, Source};
use crate::time::{parse_instant, parse_instant_or_date};
use rustc_hash::FxHashSet as HashSet;
use serde_json::Value;

/// The fields of an exception.
const EXCEPTION_FIELDS: &[&str] = &["user", "reason", "by", "until", "decidedAt"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exception {
    /// Trimmed, as written.
    pub user: String,
    pub user_lower: String,
    pub reason: String,
    /// The administrator who decided.
    pub by: String,
    /// As written (a date is 00:00 UTC that day), and as an instant: protected while after `asOf`.
    pub until: (String, i64),
    /// When the decision was made, as written, when given.
    pub decided_at: Option<String>,
}

impl Exception {
    /// Expired at `as_of`: `until` is exclusive, as a service account's `expires`.
    pub fn expired(&self, as_of: i64) -> bool {
        self.until.1 <= as_of
    }
    /// "kept by ann until 2027-01-31: still runs the quarterly import".
    pub fn reason_words(&self) -> String {
        format!("kept by {} until {}: {}", self.by, self.until.0, self.reason)
    }
}

impl Walker {
    /// `exceptions: [{user, reason, by, until, decidedAt?}]`.
    pub(super) fn exceptions(&mut self, v: Option<&Value>) -> Vec<Exception> {
        let Some(v) = v else { return Vec::new() };
        let arr = self.list(v, "exceptions", "exceptions", "a list", "exceptions", MAX_ENTRIES);
        let mut seen: HashSet<String> = HashSet::default();
        let mut out = Vec::new();
        for (i, ev) in arr.iter().enumerate() {
            let path = index("exceptions", i);
            let Some(m) = self.object(ev, &path, "an exception", EXCEPTION_FIELDS) else {
                continue;
            };
            let user = self.required_string(
                m,
                "user",
                &path,
                "the exception's user",
                "an exception needs \"user\"".into(),
            );
            let by = self.required_string(
                m,
                "by",
                &path,
                "the exception's \"by\"",
                "an exception needs \"by\": the administrator who decided to keep the user".into(),
            );
            let reason = match m.get("reason") {
                Some(r) => self.text(r, &key(&path, "reason"), "the exception's reason", MAX_PURPOSE),
                None => {
                    self.err(
                        Code::PolicyMissingField,
                        &key(&path, "reason"),
                        "an exception needs a \"reason\": why the user is kept".into(),
                    );
                    None
                }
            };
            let until = match m.get("until") {
                Some(u) => self.exception_date(u, &key(&path, "until"), false),
                None => {
                    self.err(
                        Code::PolicyMissingField,
                        &key(&path, "until"),
                        "an exception needs \"until\" (a date like 2027-01-31 or an instant): exceptions expire".into(),
                    );
                    None
                }
            };
            let decided_at = m
                .get("decidedAt")
                .and_then(|d| self.exception_date(d, &key(&path, "decidedAt"), true))
                .map(|(raw, _)| raw);
            if let (Some(user), Some(by), Some(reason), Some(until)) = (user, by, reason, until) {
                let user = user.trim().to_string();
                let user_lower = user.to_lowercase();
                if !seen.insert(user_lower.clone()) {
                    self.warn(
                        Code::PolicyDuplicateEntry,
                        &key(&path, "user"),
                        format!("{user} has more than one exception: the one kept longest applies"),
                    );
                }
                out.push(Exception {
                    user,
                    user_lower,
                    reason: reason.trim().to_string(),
                    by: by.trim().to_string(),
                    until,
                    decided_at,
                });
            }
        }
        out
    }

    /// A date (`YYYY-MM-DD`, 00:00 UTC) or an instant; `instant_only` refuses a bare date.
    fn exception_date(&mut self, v: &Value, path: &str, instant_only: bool) -> Option<(String, i64)> {
        let Some(s) = v.as_str() else {
            self.err(
                Code::PolicyInvalidType,
                path,
                format!("{path} must be a date string, found {}", kind(v)),
            );
            return None;
        };
        let s = s.trim();
        let parsed = if instant_only {
            parse_instant(s)
        } else {
            parse_instant_or_date(s)
        };
        match parsed {
            Some(t) if s.chars().nth(MAX_NAME).is_none() => Some((s.to_string(), t)),
            _ => {
                let want = if instant_only {
                    "an RFC 3339 instant"
                } else {
                    "a date (YYYY-MM-DD) or an RFC 3339 instant"
                };
                self.err(
                    Code::PolicyInvalidDate,
                    path,
                    format!("\"{}\" is not {want}", crate::json_words::clip(s)),
                );
                None
            }
        }
    }
}

/// `exception.expired` for each exception expired at `as_of` whose user no other, unexpired,
/// exception keeps.
pub fn expired_warnings(exceptions: &[Exception], as_of: i64) -> Vec<Problem> {
    exceptions
        .iter()
        .enumerate()
        .filter(|(_, e)| e.expired(as_of) && !kept(exceptions, &e.user_lower, as_of))
        .map(|(i, e)| {
            Problem::warning(
                Source::Policy,
                Code::ExceptionExpired,
                key(&index("exceptions", i), "until"),
                format!(
                    "the exception for {} (kept by {}) expired {}: the user is no longer protected",
                    e.user, e.by, e.until.0
                ),
            )
        })
        .collect()
}

/// Does an unexpired exception keep the user (lowercased name)?
pub fn kept(exceptions: &[Exception], user_lower: &str, as_of: i64) -> bool {
    exceptions
        .iter()
        .any(|e| e.user_lower == user_lower && !e.expired(as_of))
}
