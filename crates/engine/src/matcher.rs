//! The matching semantics of docs/matching.md, compiled once per (policy, snapshot) pair: every group
//! pattern is resolved against the snapshot's distinct groups up front, so deciding a user costs
//! a few table lookups per membership, not a glob per membership per rule.

use crate::code::Code;
use crate::conditions::{Conditions, Met, Spec};
use crate::pattern::Pattern;
use crate::policy::{Action, EmailCondition, Exception, Policy, Rule, ServiceAccount};
use crate::snapshot::{Groups, LastLogin, Snapshot, User};
use crate::time::{format_date, whole_days};
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

/// Which of the snapshot's groups a list of patterns matches.
#[derive(Debug, Clone)]
pub struct GroupSet {
    mask: Vec<bool>,
}

impl GroupSet {
    pub fn new(patterns: &[Pattern], groups: &Groups) -> Self {
        let mask = groups
            .lower
            .iter()
            .map(|g| patterns.iter().any(|p| p.matches(g)))
            .collect();
        GroupSet { mask }
    }
    pub fn contains(&self, id: u32) -> bool {
        self.mask.get(id as usize).copied().unwrap_or(false)
    }
    pub fn any_of(&self, ids: &[u32]) -> bool {
        ids.iter().any(|&g| self.contains(g))
    }
    pub fn filter(&self, ids: &[u32]) -> Vec<u32> {
        ids.iter().copied().filter(|&g| self.contains(g)).collect()
    }
}

pub struct CompiledRule<'p> {
    pub rule: &'p Rule,
    /// Include, exclude, email and activity: the conditions `query` filters share.
    pub cond: Conditions<'p>,
    remove: Option<GroupSet>,
}

/// Why a user may not be actioned.
#[derive(Debug, Clone)]
pub struct Protection {
    pub code: Code,
    pub reason: String,
}

/// The first condition of a rule that a user fails (see [`Matcher::select_or_miss`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Miss {
    /// In none of include.groups.
    NotIncluded,
    /// In exclude.users.
    ExcludedUser,
    /// In this group, which exclude.groups names.
    ExcludedGroup(u32),
    /// The rule has an email condition and the user no email.
    NoEmail,
    /// The email domain does not meet the rule's email condition.
    Email,
    /// Logged in, and the rule has no inactiveDays (only neverLoggedIn).
    LoggedIn,
    /// Logged in more recently than inactiveDays.
    TooRecent,
    /// Never logged in, and the rule has no neverLoggedIn.
    NeverLoggedIn,
    /// Never logged in, and the creation date is not known.
    CreatedUnknown,
    /// Never logged in, created more recently than createdMoreThanDays.
    CreatedTooRecent,
    /// Never logged in, creation not known, and `createdBefore` too recent to prove it old enough.
    CreatedBeforeTooRecent,
    /// The last login is not known.
    LastLoginUnknown,
    /// removeFromGroups: in none of the groups to remove.
    NoGroupToRemove,
    /// skipIfOpenAssignedIssues, and the user has unresolved issues assigned (or not known how
    /// many): the only condition the user fails ([`crate::impact::open_assigned_check`]).
    OpenAssigned(Code),
}

fn plural(n: i64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// A rule's verdict on one user, with what it used.
#[derive(Debug, Clone)]
pub struct Selection {
    pub matched_groups: Vec<u32>,
    pub remove_groups: Vec<u32>,
    /// Whole days since last login, or since creation for a user who never logged in.
    pub days_inactive: i64,
}

pub struct Matcher<'a> {
    pub policy: &'a Policy,
    pub snapshot: &'a Snapshot<'a>,
    pub as_of: i64,
    actor: Option<String>,
    protect_groups: GroupSet,
    protect_users: HashSet<&'a str>,
    service_accounts: HashMap<&'a str, &'a ServiceAccount>,
    /// Per user, the exception kept longest (exceptions may repeat a user).
    exceptions: HashMap<&'a str, &'a Exception>,
    pub rules: Vec<CompiledRule<'a>>,
}

impl<'a> Matcher<'a> {
    pub fn new(policy: &'a Policy, snapshot: &'a Snapshot<'a>, as_of: i64, actor: Option<&str>) -> Self {
        let groups = &snapshot.groups;
        let rules = policy
            .rules
            .iter()
            .map(|rule| CompiledRule {
                rule,
                cond: Conditions::new(&Spec::of_rule(rule), groups),
                remove: match &rule.action {
                    Action::RemoveFromGroups(p) => Some(GroupSet::new(p, groups)),
                    _ => None,
                },
            })
            .collect();
        Matcher {
            policy,
            snapshot,
            as_of,
            actor: actor.map(|a| a.trim().to_lowercase()).filter(|a| !a.is_empty()),
            protect_groups: GroupSet::new(&policy.protect_groups, groups),
            protect_users: policy.protect_users.iter().map(String::as_str).collect(),
            service_accounts: policy
                .service_accounts
                .iter()
                .map(|s| (s.user_lower.as_str(), s))
                .collect(),
            exceptions: policy.exceptions.iter().fold(HashMap::default(), |mut map, e| {
                let slot = map.entry(e.user_lower.as_str()).or_insert(e);
                if e.until.1 > slot.until.1 {
                    *slot = e;
                }
                map
            }),
            rules,
        }
    }

    pub fn service_account(&self, user: &User) -> Option<&'a ServiceAccount> {
        if self.service_accounts.is_empty() {
            return None;
        }
        self.service_accounts.get(user.name_lower.as_ref()).copied()
    }

    /// Is a service account past its expiry at `as_of`? (Protected while `expires` is after it.)
    pub fn expired(&self, sa: &ServiceAccount) -> bool {
        matches!(sa.expires, Some((_, t)) if t <= self.as_of)
    }

    /// Clause 7: the acting admin, protected users, protected groups, unexpired service accounts.
    pub fn protection(&self, user: &User) -> Option<Protection> {
        if self.actor.as_deref() == Some(user.name_lower.as_ref()) {
            return Some(Protection {
                code: Code::ProtectActor,
                reason: format!("{} is the acting administrator", user.name),
            });
        }
        if !self.protect_users.is_empty() && self.protect_users.contains(user.name_lower.as_ref()) {
            return Some(Protection {
                code: Code::ProtectUser,
                reason: format!("{} is listed in protect.users", user.name),
            });
        }
        if let Some(&g) = user.groups.iter().find(|&&g| self.protect_groups.contains(g)) {
            return Some(Protection {
                code: Code::ProtectGroup,
                reason: format!("member of protected group {}", self.snapshot.groups.name(g)),
            });
        }
        if let Some(sa) = self.service_account(user) {
            if !self.expired(sa) {
                let until = match &sa.expires {
                    Some((raw, _)) => format!("until {raw}"),
                    None => "with no expiry".to_string(),
                };
                return Some(Protection {
                    code: Code::ProtectServiceAccount,
                    reason: format!("registered service account (owner {}) {until}", sa.owner),
                });
            }
        }
        // M13: the user projects are handed over to must stay active and licensed.
        if let Some(h) = self
            .policy
            .handover
            .as_ref()
            .filter(|h| h.project_lead_lower == *user.name_lower)
        {
            return Some(Protection {
                code: Code::ProtectHandover,
                reason: format!(
                    "{} takes over the projects of deactivated project leads (handover.projectLead)",
                    h.project_lead
                ),
            });
        }
        // An administrator's decision to keep the user, until it expires (`until` exclusive).
        if let Some(e) = self
            .exceptions
            .get(user.name_lower.as_ref())
            .filter(|e| !e.expired(self.as_of))
        {
            return Some(Protection {
                code: Code::ProtectException,
                reason: e.reason_words(),
            });
        }
        None
    }

    /// The first rule (its index) that selects `user`, with its selection: first-rule-wins (M8),
    /// as the plan decides it, for `warnings` and `query`'s review facet.
    pub fn first_rule(&self, user: &User) -> Option<(usize, Selection)> {
        self.rules
            .iter()
            .enumerate()
            .find_map(|(i, r)| self.select(r, user).map(|s| (i, s)))
    }

    /// Clauses 2-6 and 9 for one rule and one active user.
    pub fn select(&self, r: &CompiledRule, user: &User) -> Option<Selection> {
        self.select_or_miss(r, user).ok()
    }

    /// [`Matcher::select`], or the first condition of the rule the user fails: the one
    /// implementation of matching, which `decide` also uses to say why a rule no longer selects.
    pub fn select_or_miss(&self, r: &CompiledRule, user: &User) -> Result<Selection, Miss> {
        let rule = r.rule;
        let met = r.cond.check(user, &self.policy.internal_domains, self.as_of)?;
        let remove_groups = match &r.remove {
            Some(set) => {
                let g = set.filter(&user.groups);
                if g.is_empty() {
                    return Err(Miss::NoGroupToRemove);
                }
                g
            }
            None => Vec::new(),
        };
        // Last, so that this miss means "selected but for the open assigned issues" (M14).
        crate::impact::open_assigned_check(rule.skip_if_open_assigned, user).map_err(Miss::OpenAssigned)?;
        Ok(Selection {
            matched_groups: met.matched_groups,
            remove_groups,
            // A rule always has an activity condition, so a selected user's days are known.
            days_inactive: met.days_inactive.unwrap_or(0),
        })
    }

    /// Why rule `r` does not select `user`, in words (the counterpart of [`Matcher::reasons`]).
    pub fn why_not(&self, r: &CompiledRule, user: &User, miss: Miss) -> String {
        let rule = r.rule;
        let id = &rule.id;
        let patterns = |list: &[Pattern]| list.iter().map(|p| p.raw.as_str()).collect::<Vec<_>>().join(", ");
        let ago = |t: i64| whole_days(self.as_of, t);
        match miss {
            Miss::NotIncluded => format!(
                "not a member of {}: rule {id} includes only those",
                patterns(&rule.include_groups)
            ),
            Miss::ExcludedUser => format!("{} is excluded from rule {id} (exclude.users)", user.name),
            Miss::ExcludedGroup(g) => format!(
                "member of {}, which rule {id} excludes",
                self.snapshot.groups.name(g)
            ),
            Miss::NoEmail => format!("has no email address: rule {id} has an email condition"),
            Miss::Email => {
                let domain = user.domain.as_deref().unwrap_or_default();
                match &rule.email {
                    Some(EmailCondition::External(true)) => {
                        format!("email domain {domain} is internal: rule {id} selects external domains")
                    }
                    Some(EmailCondition::External(false)) => {
                        format!("email domain {domain} is external: rule {id} selects internal domains")
                    }
                    Some(EmailCondition::Domains(list)) => {
                        format!("email domain {domain} is not one of {}: rule {id} selects those", list.join(", "))
                    }
                    None => format!("email domain {domain} does not match rule {id}"),
                }
            }
            Miss::LoggedIn | Miss::TooRecent => {
                let t = match user.last_login {
                    LastLogin::At(t) => t,
                    _ => self.as_of,
                };
                let days = ago(t);
                let when = format!("logged in {}, {days} day{} ago", format_date(t), plural(days));
                match rule.inactive_days {
                    Some(n) => format!("{when}: rule {id} needs {n} days"),
                    None => format!("{when}: rule {id} selects only users who never logged in"),
                }
            }
            Miss::NeverLoggedIn => {
                format!("never logged in: rule {id} selects only users whose last login is old enough")
            }
            Miss::CreatedUnknown => format!(
                "never logged in and the account's creation date is not known: rule {id} selects only accounts created long enough ago"
            ),
            Miss::CreatedTooRecent => {
                let created = user.created.unwrap_or(self.as_of);
                let days = ago(created);
                format!(
                    "never logged in; account created {}, {days} day{} ago: rule {id} needs {} days",
                    format_date(created),
                    plural(days),
                    rule.never_logged_in_created_days.unwrap_or(0)
                )
            }
            Miss::CreatedBeforeTooRecent => {
                let bound = user.created_before.unwrap_or(self.as_of);
                let days = ago(bound);
                format!(
                    "never logged in; account created before {} (start of Jira's audit log), only known to be {days} day{} old: rule {id} needs {} days",
                    format_date(bound),
                    plural(days),
                    rule.never_logged_in_created_days.unwrap_or(0)
                )
            }
            Miss::OpenAssigned(_) => crate::impact::skipped_reason(id, user),
            Miss::LastLoginUnknown => {
                "the last login is not known: no rule selects a user whose last login is not known".to_string()
            }
            Miss::NoGroupToRemove => match &rule.action {
                Action::RemoveFromGroups(list) => {
                    format!("not a member of {}: nothing for rule {id} to remove", patterns(list))
                }
                _ => format!("nothing for rule {id} to remove"),
            },
        }
    }

    /// The reasons, in words, why `r` selected `user`.
    pub fn reasons(&self, r: &CompiledRule, user: &User, sel: &Selection) -> Vec<String> {
        let groups = &self.snapshot.groups;
        let mut out = Vec::with_capacity(4);
        let met = Met {
            matched_groups: sel.matched_groups.clone(),
            days_inactive: Some(sel.days_inactive),
        };
        r.cond
            .reasons(user, &met, &self.policy.internal_domains, groups, &mut out);
        if !sel.remove_groups.is_empty() {
            out.push(format!("holds {}", names(groups, &sel.remove_groups)));
        }
        if let Some(sa) = self.service_account(user) {
            if let Some((raw, _)) = &sa.expires {
                out.push(format!("service account expired {raw} (owner {})", sa.owner));
            }
        }
        out
    }
}

pub fn names(groups: &Groups, ids: &[u32]) -> String {
    ids.iter().map(|&g| groups.name(g)).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::parse_policy;
    use crate::snapshot::parse_snapshot;

    #[test]
    fn group_sets_resolve_patterns_once_per_group() {
        let s = parse_snapshot(r#"{"users":[{"name":"u","active":true,"groups":["ext-a","Ext-B","staff"]}]}"#)
            .expect("valid");
        let set = GroupSet::new(&[Pattern::new("EXT-*")], &s.groups);
        let names: Vec<&str> = set
            .filter(&s.users[0].groups)
            .iter()
            .map(|&g| s.groups.name(g))
            .collect();
        assert_eq!(names, ["ext-a", "Ext-B"]);
        assert!(!set.contains(99), "an unknown id is not a member");
    }

    #[test]
    fn protection_order_actor_user_group_service_account() {
        let (p, _) = parse_policy(
            r#"{"version":1,"protect":{"groups":["admins"],"users":["Pat"]},
                "serviceAccounts":[{"user":"svc","owner":"ops","expires":"2027-01-01"},{"user":"old","owner":"ops","expires":"2026-11-27"}],
                "rules":[{"id":"r","inactiveDays":0,"action":{"type":"review"}}]}"#,
        );
        let p = p.expect("valid");
        let s = parse_snapshot(
            r#"{"users":[{"name":"me","active":true,"groups":["admins"]},{"name":"pat","active":true,"groups":["admins"]},
                {"name":"ann","active":true,"groups":["Admins"]},{"name":"svc","active":true},{"name":"old","active":true},
                {"name":"joe","active":true}]}"#,
        )
        .expect("valid");
        let as_of = crate::time::parse_instant("2026-11-27T00:00:00Z").unwrap_or(0);
        let m = Matcher::new(&p, &s, as_of, Some("ME"));
        let code = |n: &str| s.user(n).and_then(|u| m.protection(u)).map(|p| p.code);
        assert_eq!(code("me"), Some(Code::ProtectActor));
        assert_eq!(code("pat"), Some(Code::ProtectUser));
        assert_eq!(code("ann"), Some(Code::ProtectGroup));
        assert_eq!(code("svc"), Some(Code::ProtectServiceAccount));
        assert_eq!(code("old"), None, "expired on asOf exactly: no longer protected");
        assert_eq!(code("joe"), None);
    }
}
