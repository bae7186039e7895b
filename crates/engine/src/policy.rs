//! The policy an admin writes: parsed from JSON and validated in one pass that reports every
//! problem at once, each with a stable code and a JSON path (`rules[2].include.groups[0]`).
//!
//! We walk a `serde_json::Value` by hand instead of deriving `Deserialize`: serde stops at the
//! first problem and its messages name Rust types, while an admin fixing a policy wants all of
//! them, in their own words, with "did you mean" for typos like `inactveDays`.

use crate::code::Code;
use crate::json_words::{kind, short};
use crate::pattern::Pattern;
use crate::problem::{index, key, Problem, Problems, Source};
use crate::schedule;
use crate::time::parse_instant_or_date;
use rustc_hash::FxHashSet as HashSet;
use serde_json::{Map, Value};

mod exceptions;
mod notify;
mod warn;
pub use exceptions::{expired_warnings as expired_exceptions, kept, Exception};
pub use notify::{looks_like_email, Notify, ScheduleMode};
pub use warn::{placeholders, Template, Warn, MAX_DAYS_BEFORE, PLACEHOLDERS};

pub const MAX_DAYS: u64 = 36_500;
/// Caps that keep a hostile or mistaken policy from costing unbounded time or memory (every
/// policy is parsed on every page load and before every run); far above any real policy.
pub const MAX_RULES: usize = 1_000;
/// Entries in any other list (patterns, usernames, domains, service accounts, schedules).
pub const MAX_ENTRIES: usize = 10_000;
/// Characters in a name, pattern, id, owner or domain.
pub const MAX_NAME: usize = 256;
/// Characters in a service account's purpose.
pub const MAX_PURPOSE: usize = 1_024;
/// Characters in a rule's description.
pub const MAX_DESCRIPTION: usize = 4_096;
/// Characters in a schedule id (which names lock files and audit records): `[A-Za-z0-9._-]{1,64}`.
pub const MAX_SCHEDULE_ID: usize = 64;
/// `limits.maxSnapshotAgeMinutes` when the policy does not set it.
pub const DEFAULT_MAX_SNAPSHOT_AGE_MINUTES: u64 = 60;
/// The largest `limits.maxSnapshotAgeMinutes`: a year.
pub const MAX_SNAPSHOT_AGE_MINUTES: u64 = 525_600;

#[derive(Debug, Clone)]
pub struct Policy {
    pub version: u64,
    /// Lowercased.
    pub internal_domains: Vec<String>,
    pub protect_groups: Vec<Pattern>,
    /// Lowercased usernames.
    pub protect_users: Vec<String>,
    pub service_accounts: Vec<ServiceAccount>,
    pub max_actions_per_run: Option<u64>,
    /// `limits.maxSnapshotAgeMinutes` as written (see [`Policy::max_snapshot_age_minutes`]).
    pub max_snapshot_age: Option<u64>,
    /// `notify`: who is told about runs (changes no decision).
    pub notify: Option<Notify>,
    pub rules: Vec<Rule>,
    pub schedules: Vec<Schedule>,
    /// `handover`: who takes over what a deactivated user leads (see `impact`).
    pub handover: Option<Handover>,
    /// `exceptions`: users kept (protected) until a date by an administrator's decision.
    pub exceptions: Vec<Exception>,
    /// `templates`: the warning emails rules' `warn` names (see `crate::warn`).
    pub templates: Vec<Template>,
}

/// `handover.projectLead`: the user who becomes lead of the projects a deactivated user leads
/// (Jira refuses to deactivate a project lead).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handover {
    /// As written (trimmed): the username the runner sets as project lead.
    pub project_lead: String,
    pub project_lead_lower: String,
}

#[derive(Debug, Clone)]
pub struct ServiceAccount {
    pub user: String,
    pub user_lower: String,
    pub owner: String,
    pub purpose: Option<String>,
    /// As written, and as an instant (a bare date is 00:00 UTC). `None` = never expires.
    pub expires: Option<(String, i64)>,
}

#[derive(Debug, Clone)]
pub struct Rule {
    pub id: String,
    pub description: Option<String>,
    pub include_groups: Vec<Pattern>,
    pub exclude_groups: Vec<Pattern>,
    /// Lowercased usernames.
    pub exclude_users: Vec<String>,
    pub email: Option<EmailCondition>,
    pub inactive_days: Option<u64>,
    pub never_logged_in_created_days: Option<u64>,
    /// `skipIfOpenAssignedIssues`: pass over users with unresolved issues assigned (or not known).
    pub skip_if_open_assigned: bool,
    pub action: Action,
    /// `warn`: users are warned this long before the action may happen (M16).
    pub warn: Option<Warn>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EmailCondition {
    External(bool),
    /// Lowercased.
    Domains(Vec<String>),
}

#[derive(Debug, Clone)]
pub enum Action {
    Deactivate,
    RemoveFromGroups(Vec<Pattern>),
    Review,
}

impl Action {
    pub fn type_name(&self) -> &'static str {
        match self {
            Action::Deactivate => "deactivate",
            Action::RemoveFromGroups(_) => "removeFromGroups",
            Action::Review => "review",
        }
    }
    /// Does carrying it out change anything in Jira (and so count against the run limit)?
    pub fn is_executable(&self) -> bool {
        !matches!(self, Action::Review)
    }
}

#[derive(Debug, Clone)]
pub struct Schedule {
    pub id: String,
    pub cron: String,
    pub timezone: String,
    /// Rule ids; `None` (no "rules" field) = every rule, an empty list = none.
    pub rules: Option<Vec<String>>,
    pub spec: Option<(schedule::CronSpec, crate::zone::Zone)>,
    /// `enabled` (default true): a disabled schedule keeps its settings but the daemon does not run it.
    pub enabled: bool,
    /// `mode` (default run): preview only records the plan.
    pub mode: ScheduleMode,
}

/// Parses and validates a policy. On success the problems are warnings only.
pub fn parse_policy(text: &str) -> (Option<Policy>, Vec<Problem>) {
    match serde_json::from_str::<Value>(text) {
        Ok(v) => parse_policy_value(&v),
        Err(e) => (None, vec![crate::problem::json_error(Source::Policy, "the policy", &e)]),
    }
}

pub fn parse_policy_value(v: &Value) -> (Option<Policy>, Vec<Problem>) {
    let mut w = Walker { p: Problems::default() };
    let policy = w.policy(v);
    let failed = w.p.has_errors();
    (if failed { None } else { policy }, w.p.list)
}

struct Walker {
    p: Problems,
}

const TOP_FIELDS: &[&str] = &[
    "version",
    "internalDomains",
    "protect",
    "serviceAccounts",
    "limits",
    "rules",
    "schedules",
    "notify",
    "handover",
    "exceptions",
    "templates",
];
const RULE_FIELDS: &[&str] = &[
    "id",
    "description",
    "include",
    "exclude",
    "email",
    "inactiveDays",
    "neverLoggedIn",
    "skipIfOpenAssignedIssues",
    "action",
    "warn",
];

impl Walker {
    fn err(&mut self, code: Code, path: &str, msg: String) {
        self.p.push(Problem::error(Source::Policy, code, path, msg));
    }
    fn warn(&mut self, code: Code, path: &str, msg: String) {
        self.p.push(Problem::warning(Source::Policy, code, path, msg));
    }

    /// An object with only `allowed` keys; unknown keys are reported with a suggestion.
    fn object<'v>(&mut self, v: &'v Value, path: &str, what: &str, allowed: &[&str]) -> Option<&'v Map<String, Value>> {
        let Some(map) = v.as_object() else {
            self.err(
                Code::PolicyInvalidType,
                path,
                format!("{what} must be an object, found {}", kind(v)),
            );
            return None;
        };
        for k in map.keys() {
            if !allowed.contains(&k.as_str()) {
                let hint = match closest(k, allowed) {
                    Some(s) => format!(" (did you mean \"{s}\"?)"),
                    None => format!(" (allowed: {})", allowed.join(", ")),
                };
                self.err(
                    Code::PolicyUnknownField,
                    &key(path, k),
                    format!("unknown field \"{k}\" in {what}{hint}"),
                );
            }
        }
        Some(map)
    }

    fn string(&mut self, v: &Value, path: &str, what: &str) -> Option<String> {
        self.text(v, path, what, MAX_NAME)
    }

    /// A non-empty string of at most `max` characters.
    fn text(&mut self, v: &Value, path: &str, what: &str, max: usize) -> Option<String> {
        match v.as_str() {
            Some(s) if s.chars().nth(max).is_some() => {
                self.err(
                    Code::PolicyTooLong,
                    path,
                    format!(
                        "{what} is {} characters long: at most {max} are allowed",
                        s.chars().count()
                    ),
                );
                None
            }
            Some(s) if !s.trim().is_empty() => Some(s.to_string()),
            Some(_) => {
                self.err(Code::PolicyEmptyValue, path, format!("{what} must not be empty"));
                None
            }
            None => {
                self.err(
                    Code::PolicyInvalidType,
                    path,
                    format!("{what} must be a string, found {}", kind(v)),
                );
                None
            }
        }
    }

    /// A required, non-empty string field; `missing` is the message when it is absent.
    fn required_string(
        &mut self,
        m: &Map<String, Value>,
        field: &str,
        path: &str,
        what: &str,
        missing: String,
    ) -> Option<String> {
        let fp = key(path, field);
        match m.get(field) {
            Some(v) => self.string(v, &fp, what),
            None => {
                self.err(Code::PolicyMissingField, &fp, missing);
                None
            }
        }
    }

    /// A list no longer than `max`: an error for a longer one, whose tail is then not read.
    fn capped<'v>(&mut self, arr: &'v [Value], path: &str, what: &str, max: usize) -> &'v [Value] {
        if arr.len() > max {
            self.err(
                Code::PolicyTooMany,
                path,
                format!("{} {what}: at most {max} are allowed", arr.len()),
            );
            &arr[..max]
        } else {
            arr
        }
    }

    /// The entries of a list at `path`, at most `max` of them (see [`Walker::capped`], `noun`
    /// counts them); when `v` is not a list, an error "`{name} must be {expected}`, found …"
    /// and no entries.
    fn list<'v>(
        &mut self,
        v: &'v Value,
        path: &str,
        name: &str,
        expected: &str,
        noun: &str,
        max: usize,
    ) -> &'v [Value] {
        match v.as_array() {
            Some(arr) => self.capped(arr, path, noun, max),
            None => {
                self.err(
                    Code::PolicyInvalidType,
                    path,
                    format!("{name} must be {expected}, found {}", kind(v)),
                );
                &[]
            }
        }
    }

    /// An optional true/false `field` of `m` (at `path`): `default` when absent or not a boolean
    /// (then with an error).
    fn flag(&mut self, m: &Map<String, Value>, field: &str, path: &str, default: bool) -> bool {
        match m.get(field) {
            None => default,
            Some(Value::Bool(b)) => *b,
            Some(other) => {
                self.err(
                    Code::PolicyInvalidType,
                    &key(path, field),
                    format!("{field} must be true or false, found {}", short(other)),
                );
                default
            }
        }
    }

    fn strings(&mut self, v: Option<&Value>, path: &str, what: &str) -> Vec<String> {
        self.strings_at(v, path, what).into_iter().map(|(_, s)| s).collect()
    }

    /// The valid strings of a list, each with its index in the list (for paths).
    fn strings_at(&mut self, v: Option<&Value>, path: &str, what: &str) -> Vec<(usize, String)> {
        let Some(v) = v else { return Vec::new() };
        self.list(v, path, what, "a list of strings", "entries", MAX_ENTRIES)
            .iter()
            .enumerate()
            .filter_map(|(i, x)| self.string(x, &index(path, i), what).map(|s| (i, s)))
            .collect()
    }

    /// Warns about an entry listed twice (compared as `normal`), which is harmless but usually
    /// a slip (a pasted list, a name with another capitalisation).
    fn duplicates(&mut self, list: &[(usize, String)], path: &str, normal: impl Fn(&str) -> String) {
        let mut seen = HashSet::default();
        for (i, s) in list {
            if !seen.insert(normal(s)) {
                self.warn(
                    Code::PolicyDuplicateEntry,
                    &index(path, *i),
                    format!("\"{}\" is listed twice", s.trim()),
                );
            }
        }
    }

    fn patterns(&mut self, v: Option<&Value>, path: &str, what: &str) -> Vec<Pattern> {
        let list = self.strings_at(v, path, what);
        self.duplicates(&list, path, |s| s.trim().to_lowercase());
        list.iter().map(|(_, s)| Pattern::new(s.trim())).collect()
    }

    fn users(&mut self, v: Option<&Value>, path: &str, what: &str) -> Vec<String> {
        let list = self.strings_at(v, path, what);
        self.duplicates(&list, path, |s| s.trim().to_lowercase());
        list.iter().map(|(_, s)| s.trim().to_lowercase()).collect()
    }

    fn days(&mut self, v: &Value, path: &str, what: &str) -> Option<u64> {
        match v.as_u64() {
            Some(n) if n <= MAX_DAYS => Some(n),
            Some(n) => {
                self.err(
                    Code::PolicyOutOfRange,
                    path,
                    format!("{what} must be at most {MAX_DAYS} days, found {n}"),
                );
                None
            }
            None => {
                self.err(
                    Code::PolicyInvalidType,
                    path,
                    format!("{what} must be a whole number of days (0 or more), found {}", short(v)),
                );
                None
            }
        }
    }

    fn domains(&mut self, v: Option<&Value>, path: &str, what: &str) -> Vec<String> {
        let list = self.strings_at(v, path, what);
        self.duplicates(&list, path, |s| s.trim().trim_start_matches('@').to_lowercase());
        let mut out = Vec::new();
        for (i, raw) in &list {
            if let Some(d) = email_domain(raw) {
                out.push(d);
            } else {
                self.err(
                    Code::PolicyInvalidDomain,
                    &index(path, *i),
                    format!("\"{raw}\" is not an email domain (like acme.com)"),
                );
            }
        }
        out
    }

    fn policy(&mut self, v: &Value) -> Option<Policy> {
        let map = self.object(v, "", "the policy", TOP_FIELDS)?;
        let version = match map.get("version") {
            None => {
                self.err(
                    Code::PolicyMissingField,
                    "version",
                    "the policy needs \"version\": 1".into(),
                );
                0
            }
            Some(v) if v.as_u64() == Some(1) => 1,
            Some(v) if !v.is_number() => {
                self.err(
                    Code::PolicyInvalidType,
                    "version",
                    format!("version must be the number 1, found {}", short(v)),
                );
                0
            }
            Some(v) => {
                self.err(
                    Code::PolicyUnsupportedVersion,
                    "version",
                    format!(
                        "policy version {} is not supported; this engine reads version 1",
                        short(v)
                    ),
                );
                0
            }
        };
        let internal_domains = self.domains(map.get("internalDomains"), "internalDomains", "internalDomains");

        let (mut protect_groups, mut protect_users) = (Vec::new(), Vec::new());
        if let Some(pv) = map.get("protect") {
            if let Some(pm) = self.object(pv, "protect", "protect", &["groups", "users"]) {
                protect_groups = self.patterns(pm.get("groups"), "protect.groups", "a protected group");
                protect_users = self.users(pm.get("users"), "protect.users", "a protected username");
            }
        }

        let service_accounts = self.service_accounts(map.get("serviceAccounts"));

        let mut max_actions_per_run = None;
        let mut max_snapshot_age = None;
        match map.get("limits") {
            Some(lv) => {
                if let Some(lm) = self.object(lv, "limits", "limits", &["maxActionsPerRun", "maxSnapshotAgeMinutes"]) {
                    if let Some(n) = lm.get("maxSnapshotAgeMinutes") {
                        max_snapshot_age = self.snapshot_age(n);
                    }
                    match lm.get("maxActionsPerRun") {
                        Some(n) => match n.as_u64() {
                            Some(n) => max_actions_per_run = Some(n),
                            None => self.err(
                                Code::PolicyInvalidType,
                                "limits.maxActionsPerRun",
                                format!(
                                    "maxActionsPerRun must be a whole number (0 or more), found {}",
                                    short(n)
                                ),
                            ),
                        },
                        None => self.warn(
                            Code::PolicyNoLimit,
                            "limits",
                            "limits has no maxActionsPerRun: a run may action any number of users".into(),
                        ),
                    }
                }
            }
            None => self.warn(
                Code::PolicyNoLimit,
                "limits",
                "the policy sets no limits.maxActionsPerRun: a run may action any number of users".into(),
            ),
        }

        let rules = self.rules(map.get("rules"), &internal_domains);
        let schedules = self.schedules(map.get("schedules"), &rules);
        let notify = map.get("notify").and_then(|n| self.notify(n));
        let handover = map.get("handover").and_then(|h| self.handover(h));
        let exceptions = self.exceptions(map.get("exceptions"));
        let templates = self.templates(map.get("templates"));
        self.warn_checks(
            map.get("rules"),
            map.get("templates"),
            notify.as_ref().is_some_and(|n| n.contact.is_some()),
        );

        Some(Policy {
            version,
            internal_domains,
            protect_groups,
            protect_users,
            service_accounts,
            max_actions_per_run,
            max_snapshot_age,
            notify,
            rules,
            schedules,
            handover,
            exceptions,
            templates,
        })
    }

    /// `handover: {"projectLead": "username"}`. Whether the user exists and is active is checked
    /// against the snapshot (`checks::cross_check`).
    fn handover(&mut self, v: &Value) -> Option<Handover> {
        let m = self.object(v, "handover", "handover", &["projectLead"])?;
        let lead = self.required_string(
            m,
            "projectLead",
            "handover",
            "handover.projectLead",
            "handover needs \"projectLead\": the user who becomes lead of the projects a deactivated user leads".into(),
        )?;
        let lead = lead.trim().to_string();
        Some(Handover {
            project_lead_lower: lead.to_lowercase(),
            project_lead: lead,
        })
    }

    /// `limits.maxSnapshotAgeMinutes`: 1 to a year of minutes.
    fn snapshot_age(&mut self, n: &Value) -> Option<u64> {
        let path = "limits.maxSnapshotAgeMinutes";
        match n.as_u64() {
            Some(m) if (1..=MAX_SNAPSHOT_AGE_MINUTES).contains(&m) => Some(m),
            Some(m) => {
                self.err(
                    Code::PolicyOutOfRange,
                    path,
                    format!("maxSnapshotAgeMinutes must be 1 to {MAX_SNAPSHOT_AGE_MINUTES} (a year), found {m}"),
                );
                None
            }
            None => {
                self.err(
                    Code::PolicyInvalidType,
                    path,
                    format!(
                        "maxSnapshotAgeMinutes must be a whole number of minutes (1 or more), found {}",
                        short(n)
                    ),
                );
                None
            }
        }
    }

    fn service_accounts(&mut self, v: Option<&Value>) -> Vec<ServiceAccount> {
        let Some(v) = v else { return Vec::new() };
        let arr = self.list(
            v,
            "serviceAccounts",
            "serviceAccounts",
            "a list",
            "service accounts",
            MAX_ENTRIES,
        );
        let mut out: Vec<ServiceAccount> = Vec::new();
        let mut seen: HashSet<String> = HashSet::default();
        for (i, sv) in arr.iter().enumerate() {
            let path = index("serviceAccounts", i);
            let Some(m) = self.object(sv, &path, "a service account", &["user", "owner", "purpose", "expires"]) else {
                continue;
            };
            let user = self.required_string(
                m,
                "user",
                &path,
                "the service account's user",
                "a service account needs \"user\"".into(),
            );
            let owner = self.required_string(
                m,
                "owner",
                &path,
                "the service account's owner",
                "a service account needs an \"owner\" (who answers for it)".into(),
            );
            let purpose = m
                .get("purpose")
                .and_then(|p| self.text(p, &key(&path, "purpose"), "purpose", MAX_PURPOSE));
            let expires = match m.get("expires") {
                None => {
                    if let Some(u) = &user {
                        self.warn(
                            Code::PolicyServiceAccountNoExpiry,
                            &path,
                            format!("service account {u} has no \"expires\": it stays protected until removed"),
                        );
                    }
                    None
                }
                Some(e) => match e.as_str() {
                    Some(s) => match parse_instant_or_date(s) {
                        Some(ms) => Some((s.to_string(), ms)),
                        None => {
                            self.err(
                                Code::PolicyInvalidDate,
                                &key(&path, "expires"),
                                format!("\"{s}\" is not a date (YYYY-MM-DD) or an RFC 3339 instant"),
                            );
                            None
                        }
                    },
                    None => {
                        self.err(
                            Code::PolicyInvalidType,
                            &key(&path, "expires"),
                            format!("expires must be a date string, found {}", kind(e)),
                        );
                        None
                    }
                },
            };
            if let (Some(user), Some(owner)) = (user, owner) {
                let user_lower = user.trim().to_lowercase();
                if !seen.insert(user_lower.clone()) {
                    self.err(
                        Code::PolicyDuplicateServiceAccount,
                        &key(&path, "user"),
                        format!("service account {user} is listed twice"),
                    );
                }
                out.push(ServiceAccount {
                    user: user.trim().to_string(),
                    user_lower,
                    owner,
                    purpose,
                    expires,
                });
            }
        }
        out
    }

    fn rules(&mut self, v: Option<&Value>, internal_domains: &[String]) -> Vec<Rule> {
        let arr = match v {
            None => {
                self.err(
                    Code::PolicyMissingField,
                    "rules",
                    "the policy needs \"rules\": a list of rules".into(),
                );
                return Vec::new();
            }
            Some(v) => match v.as_array() {
                Some(a) => a,
                None => {
                    self.err(
                        Code::PolicyInvalidType,
                        "rules",
                        format!("rules must be a list, found {}", kind(v)),
                    );
                    return Vec::new();
                }
            },
        };
        if arr.is_empty() {
            self.warn(
                Code::PolicyNoRules,
                "rules",
                "the policy has no rules: it never actions anyone".into(),
            );
        }
        let arr = self.capped(arr, "rules", "rules", MAX_RULES);
        let mut out: Vec<Rule> = Vec::new();
        let mut seen: HashSet<String> = HashSet::default();
        for (i, rv) in arr.iter().enumerate() {
            let path = index("rules", i);
            if let Some(rule) = self.rule(rv, &path, internal_domains) {
                if !seen.insert(rule.id.to_lowercase()) {
                    self.err(
                        Code::PolicyDuplicateRuleId,
                        &key(&path, "id"),
                        format!("rule id \"{}\" is used twice", rule.id),
                    );
                }
                if crate::bulk::is_bulk(&rule.id) {
                    self.err(
                        Code::PolicyReservedRuleId,
                        &key(&path, "id"),
                        format!(
                            "rule id \"{}\" is reserved: it names the administrator's bulk operations",
                            rule.id
                        ),
                    );
                }
                out.push(rule);
            }
        }
        out
    }

    fn rule(&mut self, v: &Value, path: &str, internal_domains: &[String]) -> Option<Rule> {
        let m = self.object(v, path, "a rule", RULE_FIELDS)?;
        let errors_before = self.p.list.iter().filter(|p| p.is_error()).count();
        let id = self.required_string(m, "id", path, "a rule id", "a rule needs an \"id\"".into());
        let name = id.clone().unwrap_or_else(|| path.to_string());
        let description = m.get("description").and_then(|d| match d.as_str() {
            Some(s) if s.chars().nth(MAX_DESCRIPTION).is_some() => {
                self.err(
                    Code::PolicyTooLong,
                    &key(path, "description"),
                    format!(
                        "description is {} characters long: at most {MAX_DESCRIPTION} are allowed",
                        s.chars().count()
                    ),
                );
                None
            }
            Some(s) => Some(s.to_string()),
            None => {
                self.err(
                    Code::PolicyInvalidType,
                    &key(path, "description"),
                    format!("description must be a string, found {}", kind(d)),
                );
                None
            }
        });

        let mut include_groups = Vec::new();
        if let Some(iv) = m.get("include") {
            let ip = key(path, "include");
            if let Some(im) = self.object(iv, &ip, "include", &["groups"]) {
                include_groups = self.patterns(im.get("groups"), &key(&ip, "groups"), "an include group");
            }
        }
        let (mut exclude_groups, mut exclude_users) = (Vec::new(), Vec::new());
        if let Some(ev) = m.get("exclude") {
            let ep = key(path, "exclude");
            if let Some(em) = self.object(ev, &ep, "exclude", &["groups", "users"]) {
                exclude_groups = self.patterns(em.get("groups"), &key(&ep, "groups"), "an exclude group");
                exclude_users = self.users(em.get("users"), &key(&ep, "users"), "an excluded username");
            }
        }

        let email = m
            .get("email")
            .and_then(|ev| self.email(ev, &key(path, "email"), &name, internal_domains));

        let inactive_days = m
            .get("inactiveDays")
            .and_then(|d| self.days(d, &key(path, "inactiveDays"), "inactiveDays"));
        let never_logged_in_created_days = m.get("neverLoggedIn").and_then(|nv| {
            let np = key(path, "neverLoggedIn");
            let nm = self.object(nv, &np, "neverLoggedIn", &["createdMoreThanDays"])?;
            match nm.get("createdMoreThanDays") {
                Some(d) => self.days(d, &key(&np, "createdMoreThanDays"), "createdMoreThanDays"),
                None => {
                    self.err(
                        Code::PolicyMissingField,
                        &key(&np, "createdMoreThanDays"),
                        "neverLoggedIn needs \"createdMoreThanDays\" (a grace period for new accounts)".into(),
                    );
                    None
                }
            }
        });
        if m.get("inactiveDays").is_none() && m.get("neverLoggedIn").is_none() {
            self.err(
                Code::PolicyNoActivityCondition,
                path,
                format!("rule {name} needs \"inactiveDays\" or \"neverLoggedIn\" (or both): without one it would select active users"),
            );
        }

        let skip_if_open_assigned = self.flag(m, "skipIfOpenAssignedIssues", path, false);

        let action = match m.get("action") {
            Some(av) => self.action(av, &key(path, "action")),
            None => {
                self.err(
                    Code::PolicyMissingField,
                    &key(path, "action"),
                    format!("rule {name} needs an \"action\": {{\"type\": \"deactivate\" | \"removeFromGroups\" | \"review\"}}"),
                );
                None
            }
        };
        let warn = m
            .get("warn")
            .and_then(|w| self.rule_warn(w, &key(path, "warn"), action.as_ref()));

        let errors_after = self.p.list.iter().filter(|p| p.is_error()).count();
        if errors_after > errors_before {
            return None;
        }
        Some(Rule {
            id: id?,
            description,
            include_groups,
            exclude_groups,
            exclude_users,
            email,
            inactive_days,
            never_logged_in_created_days,
            skip_if_open_assigned,
            action: action?,
            warn,
        })
    }

    fn email(&mut self, v: &Value, path: &str, rule: &str, internal_domains: &[String]) -> Option<EmailCondition> {
        let m = self.object(v, path, "email", &["external", "domains"])?;
        match (m.get("external"), m.get("domains")) {
            (Some(_), Some(_)) => {
                self.err(
                    Code::PolicyEmailConflict,
                    path,
                    "email takes either \"external\" or \"domains\", not both".into(),
                );
                None
            }
            (None, None) => {
                self.err(
                    Code::PolicyMissingField,
                    path,
                    "email needs \"external\": true|false or \"domains\": [...]".into(),
                );
                None
            }
            (Some(e), None) => match e.as_bool() {
                Some(b) => {
                    if internal_domains.is_empty() {
                        let (code, msg) = if b {
                            (Code::RuleEveryDomainExternal, format!("rule {rule} selects external email domains, but the policy lists no internalDomains: every domain counts as external"))
                        } else {
                            (Code::RuleNeverSelects, format!("rule {rule} selects internal email domains, but the policy lists no internalDomains: it can never select anyone"))
                        };
                        self.warn(code, &key(path, "external"), msg);
                    }
                    Some(EmailCondition::External(b))
                }
                None => {
                    self.err(
                        Code::PolicyInvalidType,
                        &key(path, "external"),
                        format!("email.external must be true or false, found {}", short(e)),
                    );
                    None
                }
            },
            (None, Some(d)) => {
                let dp = key(path, "domains");
                let list = self.domains(Some(d), &dp, "an email domain");
                if d.as_array().is_some_and(|a| a.is_empty()) {
                    self.warn(
                        Code::RuleNeverSelects,
                        &dp,
                        format!("rule {rule} lists no email domains: it can never select anyone"),
                    );
                }
                Some(EmailCondition::Domains(list))
            }
        }
    }

    fn action(&mut self, v: &Value, path: &str) -> Option<Action> {
        let m = self.object(v, path, "an action", &["type", "groups"])?;
        let t = match m.get("type") {
            Some(t) => self.string(t, &key(path, "type"), "the action type")?,
            None => {
                self.err(
                    Code::PolicyMissingField,
                    &key(path, "type"),
                    "an action needs a \"type\"".into(),
                );
                return None;
            }
        };
        let groups = m.get("groups");
        match t.as_str() {
            "deactivate" | "review" => {
                if groups.is_some() {
                    self.err(
                        Code::PolicyUnexpectedField,
                        &key(path, "groups"),
                        format!("\"groups\" only goes with \"removeFromGroups\", not \"{t}\""),
                    );
                    return None;
                }
                Some(if t == "deactivate" {
                    Action::Deactivate
                } else {
                    Action::Review
                })
            }
            "removeFromGroups" => {
                let gp = key(path, "groups");
                let list = self.patterns(groups, &gp, "a group to remove");
                if list.is_empty() {
                    self.err(
                        Code::PolicyMissingField,
                        &gp,
                        "removeFromGroups needs \"groups\": the groups (patterns allowed) to remove users from".into(),
                    );
                    return None;
                }
                Some(Action::RemoveFromGroups(list))
            }
            other => {
                let hint = closest(other, &["deactivate", "removeFromGroups", "review"])
                    .map(|s| format!(" (did you mean \"{s}\"?)"))
                    .unwrap_or_default();
                self.err(
                    Code::PolicyUnknownAction,
                    &key(path, "type"),
                    format!("unknown action type \"{other}\"{hint}; use deactivate, removeFromGroups or review"),
                );
                None
            }
        }
    }

    fn schedules(&mut self, v: Option<&Value>, rules: &[Rule]) -> Vec<Schedule> {
        let Some(v) = v else { return Vec::new() };
        let arr = self.list(v, "schedules", "schedules", "a list", "schedules", MAX_ENTRIES);
        let rule_ids: HashSet<String> = rules.iter().map(|r| r.id.to_lowercase()).collect();
        let mut seen: HashSet<String> = HashSet::default();
        let mut out: Vec<Schedule> = Vec::new();
        for (i, sv) in arr.iter().enumerate() {
            let path = index("schedules", i);
            let Some(m) = self.object(sv, &path, "a schedule", notify::SCHEDULE_FIELDS) else {
                continue;
            };
            let id = self.required_string(m, "id", &path, "a schedule id", "a schedule needs an \"id\"".into());
            let id = id.filter(|id| self.schedule_id(id, &key(&path, "id")));
            let cron = self.required_string(
                m,
                "cron",
                &path,
                "cron",
                "a schedule needs \"cron\", e.g. \"0 3 * * MON\"".into(),
            );
            let timezone = match m.get("timezone") {
                Some(x) => self.string(x, &key(&path, "timezone"), "timezone"),
                None => Some("UTC".to_string()),
            };
            let spec = cron.as_deref().and_then(|c| match schedule::parse_cron(c) {
                Ok(s) => Some(s),
                Err(msg) => {
                    self.err(Code::CronInvalid, &key(&path, "cron"), format!("cron \"{c}\": {msg}"));
                    None
                }
            });
            let tz = timezone.as_deref().and_then(|z| match schedule::parse_zone(z.trim()) {
                Ok(tz) => Some(tz),
                Err(msg) => {
                    self.err(Code::TimezoneUnknown, &key(&path, "timezone"), msg);
                    None
                }
            });
            let (enabled, mode) = self.schedule_switches(m, &path);
            let names = self.strings(m.get("rules"), &key(&path, "rules"), "a rule id");
            for (j, r) in names.iter().enumerate() {
                if !rule_ids.contains(&r.trim().to_lowercase()) {
                    self.warn(
                        Code::ScheduleUnknownRule,
                        &index(&key(&path, "rules"), j),
                        format!(
                            "schedule {} names rule \"{r}\", which the policy does not have",
                            id.as_deref().unwrap_or("?")
                        ),
                    );
                }
            }
            if m.get("rules").and_then(Value::as_array).is_some_and(|a| a.is_empty()) {
                self.warn(
                    Code::ScheduleNoRules,
                    &key(&path, "rules"),
                    "an empty rules list runs no rule; leave \"rules\" out to run every rule".into(),
                );
            }
            if let (Some(id), Some(cron), Some(timezone)) = (id, cron, timezone) {
                if !seen.insert(id.to_lowercase()) {
                    self.err(
                        Code::PolicyDuplicateScheduleId,
                        &key(&path, "id"),
                        format!("schedule id \"{id}\" is used twice"),
                    );
                }
                let spec = spec.zip(tz);
                out.push(Schedule {
                    id,
                    cron,
                    timezone,
                    rules: m.get("rules").is_some().then_some(names),
                    spec,
                    enabled,
                    mode,
                });
            }
        }
        out
    }
}

impl Walker {
    /// Schedule ids name lock files and audit records, so they are kept to a safe alphabet.
    fn schedule_id(&mut self, id: &str, path: &str) -> bool {
        self.safe_id(id, path, "schedule", Code::PolicyInvalidScheduleId, MAX_SCHEDULE_ID)
    }

    /// An id (`what`: "schedule", "template") of 1 to `max` of the characters A-Z a-z 0-9 . _ -;
    /// an error `code` otherwise.
    pub(super) fn safe_id(&mut self, id: &str, path: &str, what: &str, code: Code, max: usize) -> bool {
        let ok = id.len() <= max
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
        if !ok {
            self.err(
                code,
                path,
                format!(
                    "{what} id \"{}\" must be 1 to {max} of the characters A-Z a-z 0-9 . _ -",
                    id.chars().take(80).collect::<String>()
                ),
            );
        }
        ok
    }
}

/// The allowed name closest to a typo, when it is close enough to be a likely intent.
fn closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let w = word.to_lowercase();
    candidates
        .iter()
        .map(|c| (levenshtein(&w, &c.to_lowercase()), *c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 4))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb)).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// An email domain as a policy or a filter writes it (`acme.com`, `@Acme.com`), lowercased and
/// without the `@`; `None` when it is not one. The one reading, so a rule's `email.domains` and
/// the user browser's filter accept the same domains.
pub fn email_domain(raw: &str) -> Option<String> {
    let d = raw.trim().trim_start_matches('@').to_lowercase();
    let valid = !d.is_empty()
        && !d.starts_with('.')
        && !d.ends_with('.')
        && !d.contains("..")
        && d.chars().all(|c| c.is_alphanumeric() || c == '.' || c == '-');
    valid.then_some(d)
}

impl Policy {
    /// How many minutes after the snapshot was read a plan may still be carried out.
    pub fn max_snapshot_age_minutes(&self) -> u64 {
        self.max_snapshot_age.unwrap_or(DEFAULT_MAX_SNAPSHOT_AGE_MINUTES)
    }

    /// The schedule with id `id` (ids compare case-insensitively).
    pub fn schedule(&self, id: &str) -> Option<&Schedule> {
        self.schedules.iter().find(|s| s.id.eq_ignore_ascii_case(id))
    }

    /// The policy as a schedule runs it: only the rules the schedule names (in policy order,
    /// compared case-insensitively), or every rule when it names none. `None`: no such schedule.
    pub fn for_schedule(&self, id: &str) -> Option<Policy> {
        let s = self.schedule(id)?;
        let mut p = self.clone();
        if let Some(ids) = &s.rules {
            let ids: HashSet<String> = ids.iter().map(|i| i.trim().to_lowercase()).collect();
            p.rules.retain(|r| ids.contains(&r.id.to_lowercase()));
        }
        Some(p)
    }

    /// A policy with no rules and no protections (the dashboard without a policy).
    pub fn empty() -> Self {
        Policy {
            version: 1,
            internal_domains: Vec::new(),
            protect_groups: Vec::new(),
            protect_users: Vec::new(),
            service_accounts: Vec::new(),
            max_actions_per_run: None,
            max_snapshot_age: None,
            notify: None,
            rules: Vec::new(),
            schedules: Vec::new(),
            handover: None,
            exceptions: Vec::new(),
            templates: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(text: &str) -> Vec<(&'static str, String)> {
        parse_policy(text).1.into_iter().map(|p| (p.code, p.path)).collect()
    }

    #[test]
    fn suggests_the_field_meant() {
        assert_eq!(closest("inactveDays", RULE_FIELDS), Some("inactiveDays"));
        assert_eq!(closest("neverloggedin", RULE_FIELDS), Some("neverLoggedIn"));
        assert_eq!(closest("zzz", RULE_FIELDS), None);
        assert_eq!(levenshtein("kitten", "sitting"), 3);
    }

    #[test]
    fn minimal_policy_parses_with_a_no_limit_warning() {
        let (p, problems) =
            parse_policy(r#"{"version":1,"rules":[{"id":"r","inactiveDays":30,"action":{"type":"review"}}]}"#);
        let p = p.expect("valid");
        assert_eq!(p.rules.len(), 1);
        assert!(matches!(p.rules[0].action, Action::Review));
        assert_eq!(
            problems.iter().map(|p| p.code).collect::<Vec<_>>(),
            vec!["policy.noLimit"]
        );
    }

    #[test]
    fn every_problem_at_once_with_paths() {
        let c = codes(
            r#"{"version":2,"rules":[{"id":"a","inactveDays":3,"action":{"type":"deactivat"}},
                {"id":"A","inactiveDays":-1,"action":{"type":"removeFromGroups"}}],
               "internalDomains":["@","acme..com"]}"#,
        );
        for (code, path) in [
            ("policy.unsupportedVersion", "version"),
            ("policy.unknownField", "rules[0].inactveDays"),
            ("policy.noActivityCondition", "rules[0]"),
            ("policy.unknownAction", "rules[0].action.type"),
            ("policy.invalidType", "rules[1].inactiveDays"),
            ("policy.missingField", "rules[1].action.groups"),
            ("policy.invalidDomain", "internalDomains[0]"),
            ("policy.invalidDomain", "internalDomains[1]"),
        ] {
            assert!(c.contains(&(code, path.to_string())), "{code} at {path} in {c:?}");
        }
    }

    #[test]
    fn a_schedule_runs_its_rules_or_all_of_them() {
        let (p, _) = parse_policy(
            r#"{"version":1,"rules":[{"id":"a","inactiveDays":1,"action":{"type":"review"}},
                {"id":"B","inactiveDays":1,"action":{"type":"review"}},{"id":"c","inactiveDays":1,"action":{"type":"review"}}],
               "schedules":[{"id":"some","cron":"0 3 * * *","rules":["c","b"]},{"id":"all","cron":"0 3 * * *"},
                {"id":"none","cron":"0 3 * * *","rules":[]}]}"#,
        );
        let p = p.expect("valid");
        let ids = |s: &str| {
            p.for_schedule(s)
                .map(|q| q.rules.iter().map(|r| r.id.clone()).collect::<Vec<_>>())
        };
        assert_eq!(
            ids("SOME"),
            Some(vec!["B".to_string(), "c".to_string()]),
            "policy order, case-insensitive"
        );
        assert_eq!(ids("all").map(|v| v.len()), Some(3), "no rules field: every rule");
        assert_eq!(ids("none"), Some(vec![]), "an empty list: no rule");
        assert_eq!(ids("missing"), None);
    }

    #[test]
    fn schedules_are_checked() {
        let c = codes(
            r#"{"version":1,"limits":{"maxActionsPerRun":1},"rules":[{"id":"r","inactiveDays":1,"action":{"type":"review"}}],
               "schedules":[{"id":"s","cron":"0 3 * * MOM","timezone":"Europe/Olso","rules":["r","x"]}]}"#,
        );
        assert!(c.contains(&("cron.invalid", "schedules[0].cron".into())), "{c:?}");
        assert!(
            c.contains(&("timezone.unknown", "schedules[0].timezone".into())),
            "{c:?}"
        );
        assert!(
            c.contains(&("schedule.unknownRule", "schedules[0].rules[1]".into())),
            "{c:?}"
        );
    }

    #[test]
    fn snapshot_age_limit_is_checked_and_defaults_to_an_hour() {
        let with = |limits: &str| {
            parse_policy(&format!(
                r#"{{"version":1,"limits":{limits},"rules":[{{"id":"r","inactiveDays":1,"action":{{"type":"review"}}}}]}}"#
            ))
        };
        let (p, _) = with(r#"{"maxActionsPerRun":5}"#);
        assert_eq!(
            p.map(|p| p.max_snapshot_age_minutes()),
            Some(DEFAULT_MAX_SNAPSHOT_AGE_MINUTES)
        );
        let (p, _) = with(r#"{"maxActionsPerRun":5,"maxSnapshotAgeMinutes":15}"#);
        assert_eq!(p.map(|p| p.max_snapshot_age_minutes()), Some(15));
        for (value, code) in [
            ("0", "policy.outOfRange"),
            ("525601", "policy.outOfRange"),
            ("1.5", "policy.invalidType"),
            ("\"60\"", "policy.invalidType"),
        ] {
            let (p, problems) = with(&format!(r#"{{"maxActionsPerRun":5,"maxSnapshotAgeMinutes":{value}}}"#));
            assert!(p.is_none(), "{value}");
            let got: Vec<(&str, &str)> = problems.iter().map(|p| (p.code, p.path.as_str())).collect();
            assert_eq!(got, [(code, "limits.maxSnapshotAgeMinutes")], "{value}");
        }
    }

    #[test]
    fn schedule_ids_keep_to_a_safe_alphabet() {
        let ids = |id: &str| {
            codes(&format!(
                r#"{{"version":1,"limits":{{"maxActionsPerRun":1}},"rules":[{{"id":"r","inactiveDays":1,"action":{{"type":"review"}}}}],
                   "schedules":[{{"id":{},"cron":"0 3 * * *"}}]}}"#,
                serde_json::Value::String(id.to_string())
            ))
        };
        assert!(ids("Weekly_run-1.a").is_empty());
        assert!(ids(&"a".repeat(64)).is_empty());
        for bad in ["weekly run", "../etc", "ø", &"a".repeat(65)] {
            assert_eq!(
                ids(bad),
                [("policy.invalidScheduleId", "schedules[0].id".to_string())],
                "{bad}"
            );
        }
    }

    #[test]
    fn caps_on_lists_and_texts() {
        let rule = r#"{"id":"r0","inactiveDays":1,"action":{"type":"review"}}"#;
        let rules: Vec<String> = (0..=MAX_RULES).map(|i| rule.replace("r0", &format!("r{i}"))).collect();
        let c = codes(&format!(
            r#"{{"version":1,"limits":{{"maxActionsPerRun":1}},"rules":[{}]}}"#,
            rules.join(",")
        ));
        assert_eq!(c, [("policy.tooMany", "rules".to_string())]);

        let users: Vec<String> = (0..=MAX_ENTRIES).map(|i| format!("\"u{i}\"")).collect();
        let c = codes(&format!(
            r#"{{"version":1,"limits":{{"maxActionsPerRun":1}},"protect":{{"users":[{}]}},"rules":[{rule}]}}"#,
            users.join(",")
        ));
        assert_eq!(c, [("policy.tooMany", "protect.users".to_string())]);

        let long = "g".repeat(MAX_NAME + 1);
        let c = codes(&format!(
            r#"{{"version":1,"limits":{{"maxActionsPerRun":1}},"protect":{{"groups":["ok","{long}"]}},"rules":[{rule}]}}"#
        ));
        assert_eq!(c, [("policy.tooLong", "protect.groups[1]".to_string())]);
        let fits = "g".repeat(MAX_NAME);
        let c = codes(&format!(
            r#"{{"version":1,"limits":{{"maxActionsPerRun":1}},"protect":{{"groups":["{fits}"]}},"rules":[{rule}]}}"#
        ));
        assert!(c.is_empty(), "{c:?}");
    }

    #[test]
    fn duplicates_are_found_with_sets() {
        let c = codes(
            r#"{"version":1,"limits":{"maxActionsPerRun":1},"internalDomains":["acme.com","@ACME.com"],
               "protect":{"users":["Ann","ann "],"groups":["g","G"]},
               "serviceAccounts":[{"user":"svc","owner":"o","expires":"2030-01-01"},{"user":"SVC","owner":"o","expires":"2030-01-01"}],
               "rules":[{"id":"r","inactiveDays":1,"action":{"type":"review"}},{"id":"R","inactiveDays":1,"action":{"type":"review"}}],
               "schedules":[{"id":"s","cron":"0 3 * * *"},{"id":"S","cron":"0 3 * * *"}]}"#,
        );
        for (code, path) in [
            ("policy.duplicateEntry", "internalDomains[1]"),
            ("policy.duplicateEntry", "protect.users[1]"),
            ("policy.duplicateEntry", "protect.groups[1]"),
            ("policy.duplicateServiceAccount", "serviceAccounts[1].user"),
            ("policy.duplicateRuleId", "rules[1].id"),
            ("policy.duplicateScheduleId", "schedules[1].id"),
        ] {
            assert!(c.contains(&(code, path.to_string())), "{code} at {path} in {c:?}");
        }
        assert_eq!(c.len(), 6, "{c:?}");
    }
}
