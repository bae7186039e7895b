//! The conditions on who a user is — group membership (M3, M4), email domain (M5) and activity
//! (M6, M15) — shared by rules and by `query` filters: one implementation of each, compiled once
//! per snapshot (group patterns resolved against the snapshot's distinct groups up front).
//!
//! A rule always has an activity condition (the policy refuses one without); a filter may have
//! none, and may ask for "never logged in" without a creation threshold. Otherwise a filter with
//! the same fields as a rule selects exactly whom the rule's conditions select.

use crate::matcher::{names, GroupSet, Miss};
use crate::pattern::{belongs_to_any, Pattern};
use crate::policy::{EmailCondition, Rule};
use crate::snapshot::{Groups, LastLogin, User};
use crate::time::{format_date, whole_days, DAY_MS};
use rustc_hash::FxHashSet as HashSet;

/// `inactiveDays` and `neverLoggedIn` (M6, M15).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Activity {
    pub inactive_days: Option<u64>,
    /// `neverLoggedIn`: `Some(Some(n))` = created at least n days ago; `Some(None)` (filters
    /// only) = any user who never logged in.
    pub never_logged_in: Option<Option<u64>>,
}

/// The conditions as written (a rule's, or a filter's).
#[derive(Debug, Clone, Copy)]
pub struct Spec<'p> {
    pub include_groups: &'p [Pattern],
    pub exclude_groups: &'p [Pattern],
    /// Lowercased usernames.
    pub exclude_users: &'p [String],
    pub email: Option<&'p EmailCondition>,
    /// `None`: no activity condition (filters only).
    pub activity: Option<Activity>,
}

impl<'p> Spec<'p> {
    pub fn of_rule(rule: &'p Rule) -> Self {
        Spec {
            include_groups: &rule.include_groups,
            exclude_groups: &rule.exclude_groups,
            exclude_users: &rule.exclude_users,
            email: rule.email.as_ref(),
            activity: Some(Activity {
                inactive_days: rule.inactive_days,
                never_logged_in: rule.never_logged_in_created_days.map(Some),
            }),
        }
    }
}

/// [`Spec`] compiled against a snapshot's groups.
#[derive(Debug, Clone)]
pub struct Conditions<'p> {
    include: Option<GroupSet>,
    exclude: GroupSet,
    exclude_users: HashSet<&'p str>,
    pub email: Option<&'p EmailCondition>,
    pub activity: Option<Activity>,
}

/// What the conditions used when a user met them.
#[derive(Debug, Clone, Default)]
pub struct Met {
    /// The user's groups `include.groups` matched (empty without include).
    pub matched_groups: Vec<u32>,
    /// Whole days since last login, or since creation (or its bound) for a user who never
    /// logged in; `None` when not known or not asked.
    pub days_inactive: Option<i64>,
}

impl<'p> Conditions<'p> {
    pub fn new(spec: &Spec<'p>, groups: &Groups) -> Self {
        Conditions {
            include: (!spec.include_groups.is_empty()).then(|| GroupSet::new(spec.include_groups, groups)),
            exclude: GroupSet::new(spec.exclude_groups, groups),
            exclude_users: spec.exclude_users.iter().map(String::as_str).collect(),
            email: spec.email,
            activity: spec.activity,
        }
    }

    /// M3-M6 and M15 for one user, in that order: the first condition the user fails, or what
    /// the conditions used. `internal`: the policy's internal domains.
    pub fn check(&self, user: &User, internal: &[String], as_of: i64) -> Result<Met, Miss> {
        let matched_groups = self.groups(user)?;
        self.email_check(user, internal)?;
        let days_inactive = self.activity_check(user, as_of)?;
        Ok(Met {
            matched_groups,
            days_inactive,
        })
    }

    /// M3 and M4: include, then exclude.users, then exclude.groups.
    pub fn groups(&self, user: &User) -> Result<Vec<u32>, Miss> {
        let matched = match &self.include {
            Some(set) => {
                let m = set.filter(&user.groups);
                if m.is_empty() {
                    return Err(Miss::NotIncluded);
                }
                m
            }
            None => Vec::new(),
        };
        if !self.exclude_users.is_empty() && self.exclude_users.contains(user.name_lower.as_ref()) {
            return Err(Miss::ExcludedUser);
        }
        if let Some(&g) = user.groups.iter().find(|&&g| self.exclude.contains(g)) {
            return Err(Miss::ExcludedGroup(g));
        }
        Ok(matched)
    }

    /// M5: a user without a domain never meets an email condition.
    pub fn email_check(&self, user: &User, internal: &[String]) -> Result<(), Miss> {
        let Some(cond) = self.email else { return Ok(()) };
        let domain = user.domain.as_deref().ok_or(Miss::NoEmail)?;
        let ok = match cond {
            EmailCondition::External(true) => belongs_to_any(domain, internal).is_none(),
            EmailCondition::External(false) => belongs_to_any(domain, internal).is_some(),
            EmailCondition::Domains(list) => belongs_to_any(domain, list).is_some(),
        };
        if ok {
            Ok(())
        } else {
            Err(Miss::Email)
        }
    }

    /// M6 and M15. Without an activity condition every user meets it.
    pub fn activity_check(&self, user: &User, as_of: i64) -> Result<Option<i64>, Miss> {
        let Some(a) = self.activity else {
            return Ok(None);
        };
        match user.last_login {
            LastLogin::At(t) => {
                let days = a.inactive_days.ok_or(Miss::LoggedIn)? as i64;
                if as_of - t < days * DAY_MS {
                    return Err(Miss::TooRecent);
                }
                Ok(Some(whole_days(as_of, t)))
            }
            LastLogin::Never => {
                let threshold = a.never_logged_in.ok_or(Miss::NeverLoggedIn)?;
                // M15: `created` when known; else `createdBefore`, an upper bound of it, proves
                // "created at least N days ago" when it is itself that old.
                let (created, too_recent) = match (user.created, user.created_before) {
                    (Some(c), _) => (Some(c), Miss::CreatedTooRecent),
                    (None, Some(b)) => (Some(b), Miss::CreatedBeforeTooRecent),
                    (None, None) => (None, Miss::CreatedUnknown),
                };
                let Some(days) = threshold else {
                    return Ok(created.map(|c| whole_days(as_of, c)));
                };
                let created = created.ok_or(too_recent)?;
                if as_of - created < days as i64 * DAY_MS {
                    return Err(too_recent);
                }
                Ok(Some(whole_days(as_of, created)))
            }
            LastLogin::Unknown => Err(Miss::LastLoginUnknown),
        }
    }

    /// The reasons, in words, why `user` met the conditions: the matched include groups, the
    /// email condition, the last login (or never logged in, with the creation date or its bound).
    pub fn reasons(&self, user: &User, met: &Met, internal: &[String], groups: &Groups, out: &mut Vec<String>) {
        if !met.matched_groups.is_empty() {
            out.push(format!("member of {}", names(groups, &met.matched_groups)));
        }
        if let (Some(cond), Some(domain)) = (self.email, user.domain.as_deref()) {
            out.push(email_reason(cond, domain, internal));
        }
        let Some(a) = self.activity else { return };
        let days = met.days_inactive.unwrap_or(0);
        match user.last_login {
            LastLogin::At(t) => out.push(format!(
                "last login {}, {days} days ago (threshold {} days)",
                format_date(t),
                a.inactive_days.unwrap_or(0)
            )),
            LastLogin::Never => out.push(match (a.never_logged_in.flatten(), user.created, user.created_before) {
                (None, None, None) => "never logged in; account creation not known".to_string(),
                (None, None, Some(bound)) => format!(
                    "never logged in; account created before {} (start of Jira's audit log), at least {days} days ago",
                    format_date(bound)
                ),
                (None, Some(created), _) => format!(
                    "never logged in; account created {}, {days} days ago",
                    format_date(created)
                ),
                (Some(n), None, Some(bound)) => format!(
                    "never logged in; account created before {} (start of Jira's audit log), at least {days} days ago (threshold {n} days)",
                    format_date(bound)
                ),
                (Some(n), created, _) => format!(
                    "never logged in; account created {}, {days} days ago (threshold {n} days)",
                    created.map(format_date).unwrap_or_default()
                ),
            }),
            LastLogin::Unknown => {}
        }
    }
}

/// Why a domain meets an email condition, in words.
pub fn email_reason(cond: &EmailCondition, domain: &str, internal: &[String]) -> String {
    match cond {
        EmailCondition::External(true) if internal.is_empty() => {
            format!("email domain {domain} is external (no internal domains are set)")
        }
        EmailCondition::External(true) => {
            format!("email domain {domain} is external (not {})", internal.join(", "))
        }
        EmailCondition::External(false) => {
            let d = belongs_to_any(domain, internal).unwrap_or(domain);
            format!("email domain {domain} is internal ({d})")
        }
        EmailCondition::Domains(list) => {
            let d = belongs_to_any(domain, list).unwrap_or(domain);
            format!("email domain {domain} is a listed domain ({d})")
        }
    }
}
