//! `query`: the users of a snapshot that match a filter, each with their facts and the reasons
//! they match — the admin's user browser. A filter is built from the conditions rules use
//! (include/exclude groups, email, inactiveDays, neverLoggedIn: the one implementation in
//! [`crate::conditions`]) plus facets a rule does not have: creation dates, the dashboard's
//! activity bucket, application role, directory, active or not, protected by the policy, listed
//! for review, and a search term. Sorting and paging are the caller's.
//!
//! The filter is parsed strictly (an unknown field is an error with its path), like the policy.

use crate::code::Code;
use crate::conditions::{Activity as Inactivity, Conditions, Met, Spec};
use crate::dashboard::{activity, bucket, Bucket, Buckets, Thresholds};
use crate::json_words::{kind, unknown_fields};
use crate::matcher::Matcher;
use crate::pattern::{belongs_to_any, Pattern};
use crate::plan::{group_role_masks, role_mask};
use crate::policy::{email_domain, Action, EmailCondition, Policy, MAX_DAYS, MAX_ENTRIES, MAX_NAME};
use crate::problem::{index, json_error, Problem, Source};
use crate::snapshot::{LastLogin, Snapshot, User};
use crate::time::{format_date, format_instant, parse_instant_or_date};
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap};

/// The fields a filter may have.
pub const FILTER_FIELDS: &[&str] = &[
    "search",
    "include",
    "exclude",
    "email",
    "inactiveDays",
    "neverLoggedIn",
    "created",
    "buckets",
    "roles",
    "directories",
    "active",
    "protected",
    "review",
    "view",
];

/// A parsed filter. Every field is optional; an empty filter matches every user.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Lowercased, trimmed; `None` when absent or blank.
    pub search: Option<String>,
    pub include_groups: Vec<Pattern>,
    pub exclude_groups: Vec<Pattern>,
    /// Lowercased.
    pub exclude_users: Vec<String>,
    pub email: Option<EmailCondition>,
    pub activity: Option<Inactivity>,
    /// `created.before` (exclusive) and `created.after` (inclusive), as written and as instants.
    pub created_before: Option<(String, i64)>,
    pub created_after: Option<(String, i64)>,
    pub buckets: Option<Vec<Bucket>>,
    /// Role keys as written.
    pub roles: Option<Vec<String>>,
    /// Lowercased, trimmed.
    pub directories: Option<Vec<String>>,
    pub active: Option<bool>,
    pub protected: Option<bool>,
    pub review: Option<bool>,
    /// `view: "brief"`: each user without groups, roles, reasons and other facts (not a
    /// condition: the shape of the answer, for a grid of 100,000 rows).
    pub brief: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct QueryResult {
    pub as_of: String,
    pub thresholds: Thresholds,
    /// Matching users, in the snapshot's order (by username, case-insensitively).
    pub users: QueryUsers,
    /// `users.len()`.
    pub total: usize,
    pub counts: QueryCounts,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct QueryUser {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    pub display_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_domain: Option<String>,
    pub active: bool,
    /// Every group, sorted (one spelling per group).
    pub groups: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub directory: Option<String>,
    /// An instant; `null` = never logged in; absent = not known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_login: Option<Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    /// The snapshot's upper bound of creation, when `created` is not known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_before: Option<String>,
    /// Whole days since the last login (or since creation, or its bound, for a user who never
    /// logged in); absent when not known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub days_inactive: Option<i64>,
    pub bucket: Bucket,
    /// Keys of the application roles whose groups the user is in (a seat when active).
    pub roles: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protected: Option<QueryProtection>,
    /// The review rule that lists the user (the plan's first-rule-wins), when one does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub review: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub open_assigned: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub leads: Option<crate::impact::Leads>,
    /// One sentence per condition of the filter the user meets, in filter-field order.
    pub reasons: Vec<String>,
}

/// The answer of [`Session::matches`]: which users match a filter, as positions in the session's
/// user order (the snapshot's order, in which `query` lists them: position `i` is the `i`-th user
/// of the empty filter's answer), with the same counts as `query` — and no facts per user.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct QueryMatches {
    pub as_of: String,
    pub thresholds: Thresholds,
    /// Ascending. Not in the JSON: the WebAssembly facade hands it over as a `Uint32Array`.
    #[serde(skip)]
    pub rows: Vec<u32>,
    /// `rows.len()`.
    pub total: usize,
    pub counts: QueryCounts,
}

/// The users of an answer: in full, or brief (`view: "brief"`).
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(untagged)]
pub enum QueryUsers {
    Full(Vec<QueryUser>),
    Brief(Vec<BriefUser>),
}

impl QueryUsers {
    pub fn len(&self) -> usize {
        match self {
            QueryUsers::Full(v) => v.len(),
            QueryUsers::Brief(v) => v.len(),
        }
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The usernames, in order.
    pub fn names(&self) -> Vec<&str> {
        match self {
            QueryUsers::Full(v) => v.iter().map(|u| u.name.as_str()).collect(),
            QueryUsers::Brief(v) => v.iter().map(|u| u.name.as_str()).collect(),
        }
    }
}

/// A user in a brief answer: what a grid row shows and a bulk change needs.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct BriefUser {
    pub name: String,
    pub display_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    pub active: bool,
    /// An instant; `null` = never logged in; absent = not known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_login: Option<Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub days_inactive: Option<i64>,
    pub bucket: Bucket,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protected: Option<QueryProtection>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub review: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct QueryProtection {
    pub code: Code,
    pub reason: String,
}

/// Counts per facet value. Each facet counts the users that meet every **other** part of the
/// filter (so a facet's counts say what choosing one of its values would give).
#[derive(Debug, Clone, Serialize, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct QueryCounts {
    pub buckets: Buckets,
    pub active: YesNo,
    pub protected: YesNo,
    pub review: YesNo,
    /// Every role of the snapshot, by key.
    pub roles: BTreeMap<String, usize>,
    /// By directory (as the snapshot first spells it); users without one under `""`.
    pub directories: BTreeMap<String, usize>,
    pub email: EmailCounts,
}

#[derive(Debug, Clone, Serialize, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct YesNo {
    pub yes: usize,
    pub no: usize,
}

impl YesNo {
    fn add(&mut self, b: bool) {
        if b {
            self.yes += 1
        } else {
            self.no += 1
        }
    }
}

#[derive(Debug, Clone, Serialize, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct EmailCounts {
    pub internal: usize,
    pub external: usize,
    /// No usable email domain.
    pub none: usize,
}

// ---------------------------------------------------------------------------------------------
// Parsing

fn err(path: impl Into<String>, msg: impl Into<String>) -> Problem {
    Problem::error(Source::Input, Code::InputInvalid, path, msg)
}

struct FilterWalker {
    problems: Vec<Problem>,
}

impl FilterWalker {
    fn object<'v>(&mut self, v: &'v Value, path: &str, what: &str, allowed: &[&str]) -> Option<&'v Map<String, Value>> {
        let Some(m) = v.as_object() else {
            self.problems
                .push(err(path, format!("{what} must be an object, found {}", kind(v))));
            return None;
        };
        for (at, msg) in unknown_fields(m, path, what, allowed) {
            self.problems.push(err(at, msg));
        }
        Some(m)
    }

    /// A list of non-blank strings of at most 256 characters (as written).
    fn strings(&mut self, v: &Value, path: &str, what: &str) -> Vec<String> {
        let Some(arr) = v.as_array() else {
            self.problems.push(err(
                path,
                format!("{path} must be a list of {what}s, found {}", kind(v)),
            ));
            return Vec::new();
        };
        if arr.len() > MAX_ENTRIES {
            self.problems.push(err(
                path,
                format!("{path} lists {} entries: at most {MAX_ENTRIES} are allowed", arr.len()),
            ));
            return Vec::new();
        }
        let mut out = Vec::with_capacity(arr.len());
        for (i, x) in arr.iter().enumerate() {
            let p = index(path, i);
            match x.as_str() {
                Some(s) if s.trim().is_empty() => self.problems.push(err(p, format!("a {what} must not be empty"))),
                Some(s) if s.chars().nth(MAX_NAME).is_some() => self
                    .problems
                    .push(err(p, format!("a {what} has at most {MAX_NAME} characters"))),
                Some(s) => out.push(s.trim().to_string()),
                None => self
                    .problems
                    .push(err(p, format!("a {what} must be a string, found {}", kind(x)))),
            }
        }
        out
    }

    fn bool(&mut self, v: &Value, path: &str) -> Option<bool> {
        match v {
            Value::Bool(b) => Some(*b),
            Value::Null => None,
            other => {
                self.problems.push(err(
                    path,
                    format!("{path} must be true or false, found {}", kind(other)),
                ));
                None
            }
        }
    }

    fn days(&mut self, v: &Value, path: &str) -> Option<u64> {
        match v.as_u64() {
            Some(n) if n <= MAX_DAYS => Some(n),
            _ => {
                self.problems.push(err(
                    path,
                    format!("{path} must be a whole number of days, 0 to {MAX_DAYS}"),
                ));
                None
            }
        }
    }

    fn date(&mut self, v: &Value, path: &str) -> Option<(String, i64)> {
        match v.as_str().map(|s| (s, parse_instant_or_date(s.trim()))) {
            Some((s, Some(t))) => Some((s.trim().to_string(), t)),
            Some((s, None)) => {
                self.problems.push(Problem::error(
                    Source::Input,
                    Code::InputInvalidTimestamp,
                    path,
                    format!(
                        "{path}: \"{}\" is not a date (YYYY-MM-DD) or an RFC 3339 instant",
                        crate::json_words::clip(s)
                    ),
                ));
                None
            }
            None => {
                self.problems
                    .push(err(path, format!("{path} must be a date string, found {}", kind(v))));
                None
            }
        }
    }

    fn domains(&mut self, v: &Value, path: &str) -> Vec<String> {
        let list = self.strings(v, path, "domain");
        list.into_iter()
            .enumerate()
            .filter_map(|(i, raw)| {
                let d = email_domain(&raw);
                if d.is_none() {
                    self.problems.push(err(
                        index(path, i),
                        format!("\"{raw}\" is not an email domain (like acme.com)"),
                    ));
                }
                d
            })
            .collect()
    }

    fn filter(&mut self, v: &Value) -> Filter {
        let mut f = Filter::default();
        let Some(m) = self.object(v, "", "the filter", FILTER_FIELDS) else {
            return f;
        };
        if let Some(s) = m.get("search") {
            match s {
                Value::String(s) if s.chars().nth(MAX_NAME).is_some() => self
                    .problems
                    .push(err("search", format!("search has at most {MAX_NAME} characters"))),
                Value::String(s) => f.search = Some(s.trim().to_lowercase()).filter(|s| !s.is_empty()),
                Value::Null => {}
                other => self
                    .problems
                    .push(err("search", format!("search must be a string, found {}", kind(other)))),
            }
        }
        if let Some(iv) = m.get("include") {
            if let Some(im) = self.object(iv, "include", "include", &["groups"]) {
                if let Some(g) = im.get("groups") {
                    f.include_groups = self
                        .strings(g, "include.groups", "group pattern")
                        .iter()
                        .map(|s| Pattern::new(s))
                        .collect();
                }
            }
        }
        if let Some(ev) = m.get("exclude") {
            if let Some(em) = self.object(ev, "exclude", "exclude", &["groups", "users"]) {
                if let Some(g) = em.get("groups") {
                    f.exclude_groups = self
                        .strings(g, "exclude.groups", "group pattern")
                        .iter()
                        .map(|s| Pattern::new(s))
                        .collect();
                }
                if let Some(u) = em.get("users") {
                    f.exclude_users = self
                        .strings(u, "exclude.users", "username")
                        .iter()
                        .map(|s| s.to_lowercase())
                        .collect();
                }
            }
        }
        if let Some(ev) = m.get("email") {
            if let Some(em) = self.object(ev, "email", "email", &["external", "domains"]) {
                f.email = match (em.get("external"), em.get("domains")) {
                    (Some(_), Some(_)) => {
                        self.problems
                            .push(err("email", "email takes either \"external\" or \"domains\", not both"));
                        None
                    }
                    (None, None) => {
                        self.problems.push(err(
                            "email",
                            "email needs \"external\": true|false or \"domains\": [...]",
                        ));
                        None
                    }
                    (Some(e), None) => self.bool(e, "email.external").map(EmailCondition::External),
                    (None, Some(d)) => Some(EmailCondition::Domains(self.domains(d, "email.domains"))),
                };
            }
        }
        let inactive_days = m.get("inactiveDays").and_then(|d| self.days(d, "inactiveDays"));
        let never = m.get("neverLoggedIn").and_then(|nv| {
            let nm = self.object(nv, "neverLoggedIn", "neverLoggedIn", &["createdMoreThanDays"])?;
            Some(
                nm.get("createdMoreThanDays")
                    .and_then(|d| self.days(d, "neverLoggedIn.createdMoreThanDays")),
            )
        });
        if inactive_days.is_some() || never.is_some() {
            f.activity = Some(Inactivity {
                inactive_days,
                never_logged_in: never,
            });
        }
        if let Some(cv) = m.get("created") {
            if let Some(cm) = self.object(cv, "created", "created", &["before", "after"]) {
                f.created_before = cm.get("before").and_then(|d| self.date(d, "created.before"));
                f.created_after = cm.get("after").and_then(|d| self.date(d, "created.after"));
            }
        }
        if let Some(bv) = m.get("buckets") {
            let names = self.strings(bv, "buckets", "bucket");
            let mut list = Vec::new();
            for (i, n) in names.iter().enumerate() {
                match Bucket::ALL.iter().find(|b| b.as_str().eq_ignore_ascii_case(n)) {
                    Some(b) => list.push(*b),
                    None => self.problems.push(err(
                        index("buckets", i),
                        format!(
                            "\"{n}\" is not a bucket (one of {})",
                            Bucket::ALL.map(Bucket::as_str).join(", ")
                        ),
                    )),
                }
            }
            f.buckets = Some(list);
        }
        if let Some(rv) = m.get("roles") {
            f.roles = Some(self.strings(rv, "roles", "role key"));
        }
        if let Some(dv) = m.get("directories") {
            f.directories = Some(
                self.strings(dv, "directories", "directory")
                    .iter()
                    .map(|d| d.to_lowercase())
                    .collect(),
            );
        }
        f.active = m.get("active").and_then(|v| self.bool(v, "active"));
        f.protected = m.get("protected").and_then(|v| self.bool(v, "protected"));
        f.review = m.get("review").and_then(|v| self.bool(v, "review"));
        match m.get("view") {
            None | Some(Value::Null) => {}
            Some(Value::String(v)) if v == "full" => {}
            Some(Value::String(v)) if v == "brief" => f.brief = true,
            Some(other) => self.problems.push(err(
                "view",
                format!("view must be \"full\" or \"brief\", found {}", other),
            )),
        }
        f
    }
}

/// Parses a filter (JSON text); every problem at once, each with a path into the filter.
pub fn parse_filter(text: &str) -> Result<Filter, Vec<Problem>> {
    let v: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => return Err(vec![json_error(Source::Input, "the filter", &e)]),
    };
    let mut w = FilterWalker { problems: Vec::new() };
    let f = w.filter(&v);
    if w.problems.is_empty() {
        Ok(f)
    } else {
        Err(w.problems)
    }
}

// ---------------------------------------------------------------------------------------------
// Evaluating

pub struct QueryOptions<'a> {
    pub as_of: i64,
    pub actor: Option<&'a str>,
    pub thresholds: Thresholds,
}

/// The facets: bit `i` of a user's miss mask is set when the user fails facet `i`.
const F_CONDITIONS: u32 = 1 << 0;
const F_EMAIL: u32 = 1 << 1;
const F_CREATED: u32 = 1 << 2;
const F_BUCKET: u32 = 1 << 3;
const F_ROLES: u32 = 1 << 4;
const F_DIRECTORY: u32 = 1 << 5;
const F_ACTIVE: u32 = 1 << 6;
const F_PROTECTED: u32 = 1 << 7;
const F_REVIEW: u32 = 1 << 8;
const F_SEARCH: u32 = 1 << 9;

/// Warnings about a filter that can match no one in this snapshot (a role it does not have).
pub fn filter_warnings(f: &Filter, s: &Snapshot) -> Vec<Problem> {
    let mut out = Vec::new();
    for (i, r) in f.roles.iter().flatten().enumerate() {
        if !s.roles.iter().any(|x| x.key.eq_ignore_ascii_case(r)) {
            out.push(Problem::warning(
                Source::Input,
                Code::QueryUnknownRole,
                index("roles", i),
                format!(
                    "the snapshot has no application role \"{r}\" (it has: {})",
                    s.roles.iter().map(|r| r.key.as_str()).collect::<Vec<_>>().join(", ")
                ),
            ));
        }
    }
    out
}

/// What `query` knows of each user whatever the filter (protection, review, bucket, roles):
/// computed once per policy, snapshot and options, so that a [`Session`] answers each new filter
/// without deciding them again.
#[derive(Debug, Clone)]
pub struct Prepared {
    users: Vec<UserFacts>,
    /// The distinct directories (trimmed, lowercased) that `UserFacts::directory` indexes: a
    /// filter's directories are compared once per directory, and counted without a string per user.
    directories: Vec<String>,
    /// Per user, the display name and email lowercased for `search` (a session's, so that each
    /// keystroke does not lowercase 100,000 names again); `None` for a one-off `query`.
    lowered: Option<Vec<Lowered>>,
}

#[derive(Debug, Clone)]
struct UserFacts {
    bucket: Bucket,
    protection: Option<crate::matcher::Protection>,
    /// Index into `policy.rules` of the review rule that lists the user.
    review: Option<usize>,
    /// Bit `r`: in a group of `snapshot.roles[r]`.
    roles: u64,
    /// Index into `Prepared::directories`.
    directory: Option<usize>,
    /// 0: no email domain, 1: internal, 2: external.
    domain_kind: u8,
}

#[derive(Debug, Clone)]
struct Lowered {
    display_name: String,
    email: Option<String>,
}

pub fn prepare(policy: &Policy, snapshot: &Snapshot, opts: &QueryOptions) -> Prepared {
    let m = Matcher::new(policy, snapshot, opts.as_of, opts.actor);
    let masks = group_role_masks(snapshot);
    let mut directories: Vec<String> = Vec::new();
    let mut directory_ids: HashMap<String, usize> = HashMap::new();
    let mut users = Vec::with_capacity(snapshot.users.len());
    for user in &snapshot.users {
        let act = user.active.then(|| activity(user, opts.as_of, opts.thresholds));
        let protection = m.protection(user);
        let review = if user.active && protection.is_none() {
            // The plan's first-rule-wins (M8): listed when the first selecting rule reviews.
            m.first_rule(user)
                .map(|(i, _)| i)
                .filter(|&i| policy.rules.get(i).is_some_and(|r| matches!(r.action, Action::Review)))
        } else {
            None
        };
        let directory = user.directory.as_deref().map(|d| {
            let lower = d.trim().to_lowercase();
            *directory_ids.entry(lower).or_insert_with_key(|k| {
                directories.push(k.clone());
                directories.len() - 1
            })
        });
        users.push(UserFacts {
            bucket: bucket(act, user.active && protection.is_some()),
            protection,
            review,
            roles: role_mask(&masks, &user.groups),
            directory,
            domain_kind: match user.domain.as_deref() {
                None => 0,
                Some(d) if belongs_to_any(d, &policy.internal_domains).is_some() => 1,
                Some(_) => 2,
            },
        });
    }
    Prepared {
        users,
        directories,
        lowered: None,
    }
}

impl Prepared {
    /// Keeps each user's display name and email lowercased, for a session's searches.
    fn lower_search_text(&mut self, snapshot: &Snapshot) {
        self.lowered = Some(
            snapshot
                .users
                .iter()
                .map(|u| Lowered {
                    display_name: u.display_name.to_lowercase(),
                    email: u.email.as_deref().map(str::to_lowercase),
                })
                .collect(),
        );
    }
}

pub fn query(policy: &Policy, snapshot: &Snapshot, f: &Filter, opts: &QueryOptions) -> QueryResult {
    run(policy, snapshot, &prepare(policy, snapshot, opts), f, opts)
}

/// A filter made ready for one snapshot: the rule conditions compiled (group patterns resolved),
/// the roles as a bit mask, the directories as a yes/no per distinct directory.
struct Compiled<'f> {
    cond: Conditions<'f>,
    wanted_roles: Option<u64>,
    wanted_directories: Option<Vec<bool>>,
}

fn compile<'f>(f: &'f Filter, snapshot: &Snapshot, prepared: &Prepared) -> Compiled<'f> {
    let spec = Spec {
        include_groups: &f.include_groups,
        exclude_groups: &f.exclude_groups,
        exclude_users: &f.exclude_users,
        email: f.email.as_ref(),
        activity: f.activity,
    };
    Compiled {
        cond: Conditions::new(&spec, &snapshot.groups),
        wanted_roles: f.roles.as_ref().map(|keys| {
            snapshot
                .roles
                .iter()
                .enumerate()
                .take(64)
                .filter(|(_, r)| keys.iter().any(|k| k.eq_ignore_ascii_case(&r.key)))
                .fold(0u64, |acc, (i, _)| acc | (1 << i))
        }),
        wanted_directories: f
            .directories
            .as_ref()
            .map(|list| prepared.directories.iter().map(|d| list.contains(d)).collect()),
    }
}

/// What the pass learned about a user the filter matches, for the answer to describe them.
struct Hit<'a> {
    /// Position in the snapshot's users.
    index: usize,
    facts: &'a UserFacts,
    review: Option<&'a str>,
    groups_met: Vec<u32>,
    days_met: Option<i64>,
    /// Where the search term occurs, when the filter searches.
    found_in: Option<&'static str>,
}

/// The one pass over the users: which match the filter (each handed to `each`, in the snapshot's
/// order) and the facet counts. Both answers — the users with facts ([`run`]) and the positions
/// only ([`Session::matches`]) — come from here, so they cannot disagree.
fn scan<'a>(
    policy: &'a Policy,
    snapshot: &Snapshot,
    prepared: &'a Prepared,
    f: &Filter,
    c: &Compiled,
    as_of: i64,
    mut each: impl FnMut(Hit<'a>),
) -> QueryCounts {
    let internal = &policy.internal_domains;
    let mut counts = QueryCounts {
        roles: snapshot.roles.iter().map(|r| (r.key.clone(), 0)).collect(),
        ..QueryCounts::default()
    };
    // Per role and per directory as numbers during the pass, named once at the end.
    let mut role_counts = [0usize; 64];
    let mut directory_counts = vec![0usize; prepared.directories.len()];
    // The first user counted per directory: the spelling its count is shown under.
    let mut directory_first = vec![usize::MAX; prepared.directories.len()];
    let mut no_directory = 0usize;

    for (index, (user, facts)) in snapshot.users.iter().zip(&prepared.users).enumerate() {
        let protected = facts.protection.is_some();
        let b = facts.bucket;
        let review = facts.review.and_then(|i| policy.rules.get(i)).map(|r| r.id.as_str());
        let roles = facts.roles;

        let mut miss = 0u32;
        let groups_met = c.cond.groups(user);
        let activity_met = c.cond.activity_check(user, as_of);
        if groups_met.is_err() || activity_met.is_err() {
            miss |= F_CONDITIONS;
        }
        if c.cond.email_check(user, internal).is_err() {
            miss |= F_EMAIL;
        }
        if !created_ok(f, user) {
            miss |= F_CREATED;
        }
        if f.buckets.as_ref().is_some_and(|l| !l.contains(&b)) {
            miss |= F_BUCKET;
        }
        if c.wanted_roles.is_some_and(|w| roles & w == 0) {
            miss |= F_ROLES;
        }
        if let Some(wanted) = &c.wanted_directories {
            if !facts.directory.is_some_and(|d| wanted.get(d).copied().unwrap_or(false)) {
                miss |= F_DIRECTORY;
            }
        }
        if f.active.is_some_and(|a| a != user.active) {
            miss |= F_ACTIVE;
        }
        if f.protected.is_some_and(|p| p != protected) {
            miss |= F_PROTECTED;
        }
        if f.review.is_some_and(|r| r != review.is_some()) {
            miss |= F_REVIEW;
        }
        let lowered = prepared.lowered.as_ref().and_then(|l| l.get(index));
        let found_in = f.search.as_deref().map(|s| search(user, lowered, s));
        if matches!(found_in, Some(None)) {
            miss |= F_SEARCH;
        }

        // Facet counts: the users that meet every other part of the filter.
        let but = |facet: u32| miss & !facet == 0;
        if but(F_BUCKET) {
            counts.buckets.add(b);
        }
        if but(F_ACTIVE) {
            counts.active.add(user.active);
        }
        if but(F_PROTECTED) {
            counts.protected.add(protected);
        }
        if but(F_REVIEW) {
            counts.review.add(review.is_some());
        }
        if but(F_ROLES) {
            let mut m = roles;
            while m != 0 {
                let i = m.trailing_zeros() as usize;
                if let Some(n) = role_counts.get_mut(i) {
                    *n += 1;
                }
                m &= m - 1;
            }
        }
        if but(F_DIRECTORY) {
            match facts.directory {
                Some(d) if d < directory_counts.len() => {
                    directory_counts[d] += 1;
                    if directory_first[d] == usize::MAX {
                        directory_first[d] = index;
                    }
                }
                _ => no_directory += 1,
            }
        }
        if but(F_EMAIL) {
            match facts.domain_kind {
                0 => counts.email.none += 1,
                1 => counts.email.internal += 1,
                _ => counts.email.external += 1,
            }
        }
        if miss != 0 {
            continue;
        }
        each(Hit {
            index,
            facts,
            review,
            groups_met: groups_met.unwrap_or_default(),
            days_met: activity_met.ok().flatten(),
            found_in: found_in.flatten(),
        });
    }

    for (r, n) in snapshot.roles.iter().zip(role_counts) {
        *counts.roles.entry(r.key.clone()).or_default() += n;
    }
    // By directory as the first user counted spells it (trimmed); users without one under "".
    for (&n, &first) in directory_counts.iter().zip(&directory_first) {
        if n == 0 {
            continue;
        }
        let name = snapshot
            .users
            .get(first)
            .and_then(|u| u.directory.as_deref())
            .map(str::trim)
            .unwrap_or_default();
        *counts.directories.entry(name.to_string()).or_default() += n;
    }
    if no_directory > 0 {
        *counts.directories.entry(String::new()).or_default() += no_directory;
    }
    counts
}

/// `query` over facts already prepared for this policy, snapshot and options.
pub fn run(policy: &Policy, snapshot: &Snapshot, prepared: &Prepared, f: &Filter, opts: &QueryOptions) -> QueryResult {
    let c = compile(f, snapshot, prepared);
    let internal = &policy.internal_domains;
    let mut users = Vec::new();
    let mut brief = Vec::new();
    let counts = scan(policy, snapshot, prepared, f, &c, opts.as_of, |hit| {
        let Some(user) = snapshot.users.get(hit.index) else {
            return;
        };
        let facts = hit.facts;
        let protection = facts.protection.as_ref();
        let (b, roles, review) = (facts.bucket, facts.roles, hit.review);
        let last_login = match user.last_login {
            LastLogin::At(t) => Some(Some(format_instant(t))),
            LastLogin::Never => Some(None),
            LastLogin::Unknown => None,
        };
        if f.brief {
            brief.push(BriefUser {
                name: user.name.to_string(),
                display_name: user.display_name.to_string(),
                email: user.email.as_deref().map(str::to_string),
                active: user.active,
                last_login,
                days_inactive: days_inactive(user, opts.as_of),
                bucket: b,
                protected: protection.map(|p| QueryProtection {
                    code: p.code,
                    reason: p.reason.clone(),
                }),
                review: review.map(str::to_string),
            });
            return;
        }

        let met = Met {
            matched_groups: hit.groups_met,
            days_inactive: hit.days_met,
        };
        let mut reasons = Vec::new();
        if let Some(field) = hit.found_in {
            reasons.push(format!(
                "{field} contains \"{}\"",
                f.search.as_deref().unwrap_or_default()
            ));
        }
        c.cond.reasons(user, &met, internal, &snapshot.groups, &mut reasons);
        if f.created_before.is_some() || f.created_after.is_some() {
            reasons.push(created_reason(f, user));
        }
        if f.buckets.is_some() {
            reasons.push(bucket_reason(b, opts.thresholds));
        }
        if let Some(wanted) = c.wanted_roles {
            let held: Vec<&str> = snapshot
                .roles
                .iter()
                .enumerate()
                .take(64)
                .filter(|(i, _)| roles & wanted & (1 << i) != 0)
                .map(|(_, r)| r.key.as_str())
                .collect();
            reasons.push(format!("in a group of application role {}", held.join(", ")));
        }
        if f.directories.is_some() {
            reasons.push(format!(
                "in directory {}",
                user.directory.as_deref().map(str::trim).unwrap_or_default()
            ));
        }
        if let Some(a) = f.active {
            reasons.push(if a { "active" } else { "inactive (deactivated)" }.to_string());
        }
        if f.protected.is_some() {
            reasons.push(match &protection {
                Some(p) => format!("protected: {}", p.reason),
                None => "not protected by the policy".to_string(),
            });
        }
        if f.review.is_some() {
            reasons.push(match review {
                Some(r) => format!("listed for review by rule {r}"),
                None => "not listed for review".to_string(),
            });
        }
        users.push(QueryUser {
            name: user.name.to_string(),
            key: user.jira_key(),
            display_name: user.display_name.to_string(),
            email: user.email.as_deref().map(str::to_string),
            email_domain: user.domain.as_deref().map(str::to_string),
            active: user.active,
            groups: user
                .groups
                .iter()
                .map(|&g| snapshot.groups.name(g).to_string())
                .collect(),
            directory: user.directory.as_deref().map(str::to_string),
            last_login,
            created: user.created.map(format_instant),
            created_before: user
                .created_before
                .filter(|_| user.created.is_none())
                .map(format_instant),
            days_inactive: days_inactive(user, opts.as_of),
            bucket: b,
            roles: snapshot
                .roles
                .iter()
                .enumerate()
                .take(64)
                .filter(|(i, _)| roles & (1 << i) != 0)
                .map(|(_, r)| r.key.clone())
                .collect(),
            protected: protection.map(|p| QueryProtection {
                code: p.code,
                reason: p.reason.clone(),
            }),
            review: review.map(str::to_string),
            open_assigned: user.open_assigned,
            leads: user.leads.as_deref().cloned(),
            reasons,
        });
    });
    let users = if f.brief {
        QueryUsers::Brief(brief)
    } else {
        QueryUsers::Full(users)
    };
    QueryResult {
        as_of: format_instant(opts.as_of),
        thresholds: opts.thresholds,
        total: users.len(),
        users,
        counts,
    }
}

/// The positions of the matching users in the snapshot's order, with the counts: what a grid
/// that already holds every user's row needs per filter.
fn run_matches(
    policy: &Policy,
    snapshot: &Snapshot,
    prepared: &Prepared,
    f: &Filter,
    opts: &QueryOptions,
) -> QueryMatches {
    let c = compile(f, snapshot, prepared);
    let mut rows = Vec::new();
    let counts = scan(policy, snapshot, prepared, f, &c, opts.as_of, |hit| {
        // A position always fits: wasm32's usize is u32, and no snapshot has 2^32 users.
        if let Ok(i) = u32::try_from(hit.index) {
            rows.push(i);
        }
    });
    QueryMatches {
        as_of: format_instant(opts.as_of),
        thresholds: opts.thresholds,
        total: rows.len(),
        rows,
        counts,
    }
}

/// Where the search term occurs: `Some(Some(field))`, or `Some(None)` when nowhere.
/// `lowered`: the user's display name and email already lowercased (a session's), else they are
/// lowercased here — the same `to_lowercase`, so both give the same answer.
fn search(user: &User, lowered: Option<&Lowered>, term: &str) -> Option<&'static str> {
    if user.name_lower.contains(term) {
        return Some("username");
    }
    let display = match lowered {
        Some(l) => l.display_name.contains(term),
        None => user.display_name.to_lowercase().contains(term),
    };
    if display {
        return Some("display name");
    }
    let email = match lowered {
        Some(l) => l.email.as_deref().is_some_and(|e| e.contains(term)),
        None => user.email.as_deref().is_some_and(|e| e.to_lowercase().contains(term)),
    };
    if email {
        return Some("email");
    }
    None
}

/// `created.before` (exclusive) and `created.after` (inclusive). From `created` when known;
/// otherwise the bound `createdBefore` proves "before T" when it is itself before T, and proves
/// nothing about "after". Unknown never matches.
fn created_ok(f: &Filter, user: &User) -> bool {
    if f.created_before.is_none() && f.created_after.is_none() {
        return true;
    }
    let before_ok = match (&f.created_before, user.created, user.created_before) {
        (None, ..) => true,
        (Some((_, t)), Some(c), _) => c < *t,
        (Some((_, t)), None, Some(bound)) => bound < *t,
        (Some(_), None, None) => false,
    };
    let after_ok = match (&f.created_after, user.created) {
        (None, _) => true,
        (Some((_, t)), Some(c)) => c >= *t,
        (Some(_), None) => false,
    };
    before_ok && after_ok
}

fn created_reason(f: &Filter, user: &User) -> String {
    let mut range = Vec::new();
    if let Some((raw, _)) = &f.created_after {
        range.push(format!("on or after {raw}"));
    }
    if let Some((raw, _)) = &f.created_before {
        range.push(format!("before {raw}"));
    }
    let range = range.join(" and ");
    match (user.created, user.created_before) {
        (Some(c), _) => format!("created {} ({range})", format_date(c)),
        (None, Some(b)) => format!(
            "created before {} (start of Jira's audit log) ({range})",
            format_date(b)
        ),
        (None, None) => format!("created ({range})"),
    }
}

fn bucket_reason(b: Bucket, t: Thresholds) -> String {
    let (lo, hi) = (t.low_usage_days, t.inactive_days);
    match b {
        Bucket::Active => format!("active: last login less than {lo} days ago"),
        Bucket::LowUsage => format!("low usage: last login {lo} to {} days ago", hi.saturating_sub(1)),
        Bucket::Inactive => format!("inactive: last login {hi} days or more ago"),
        Bucket::NeverLoggedIn => "never logged in".to_string(),
        Bucket::Unknown => "last login not known".to_string(),
        Bucket::Deactivated => "deactivated".to_string(),
        Bucket::Protected => "protected by the policy".to_string(),
    }
}

fn days_inactive(user: &User, as_of: i64) -> Option<i64> {
    match user.last_login {
        LastLogin::At(t) => Some(crate::time::whole_days(as_of, t)),
        LastLogin::Never => user
            .created
            .or(user.created_before)
            .map(|c| crate::time::whole_days(as_of, c)),
        LastLogin::Unknown => None,
    }
}

/// A policy and snapshot parsed once, with their per-user facts, answering filter after filter
/// (the page's Users view: a filter change then costs one pass over the users, no parsing).
pub struct Session {
    policy: Policy,
    snapshot: Snapshot<'static>,
    prepared: Prepared,
    as_of: i64,
    actor: Option<String>,
    thresholds: Thresholds,
}

impl Session {
    pub fn new(
        policy: Policy,
        snapshot: Snapshot<'_>,
        as_of: i64,
        actor: Option<String>,
        thresholds: Thresholds,
    ) -> Self {
        let snapshot = owned(snapshot);
        let opts = QueryOptions {
            as_of,
            actor: actor.as_deref(),
            thresholds,
        };
        let mut prepared = prepare(&policy, &snapshot, &opts);
        prepared.lower_search_text(&snapshot);
        Session {
            policy,
            snapshot,
            prepared,
            as_of,
            actor,
            thresholds,
        }
    }

    /// Users in the snapshot.
    pub fn users(&self) -> usize {
        self.snapshot.users.len()
    }

    /// `query` with this session's policy, snapshot and options; `filter` as JSON text.
    pub fn query(&self, filter: &str) -> crate::Outcome<QueryResult> {
        self.answer(filter, run)
    }

    /// The users `query(filter)` answers, as their positions in the session's user order, with
    /// its counts and warnings (`view` is ignored): per filter change, a grid holding every
    /// user's row gets numbers, not 100,000 users as JSON.
    pub fn matches(&self, filter: &str) -> crate::Outcome<QueryMatches> {
        self.answer(filter, run_matches)
    }

    /// Parses `filter` and answers it with `pass` over this session's policy, snapshot and
    /// options, with the filter's warnings; a bad filter is the same failure for every answer.
    fn answer<T>(
        &self,
        filter: &str,
        pass: impl FnOnce(&Policy, &Snapshot, &Prepared, &Filter, &QueryOptions) -> T,
    ) -> crate::Outcome<T> {
        match parse_filter(filter) {
            Ok(f) => {
                let opts = QueryOptions {
                    as_of: self.as_of,
                    actor: self.actor.as_deref(),
                    thresholds: self.thresholds,
                };
                crate::Outcome::Success {
                    value: pass(&self.policy, &self.snapshot, &self.prepared, &f, &opts),
                    warnings: filter_warnings(&f, &self.snapshot),
                }
            }
            Err(errors) => crate::Outcome::failure(errors),
        }
    }
}

/// The snapshot with every borrowed string copied, so that it outlives the text it was read from.
fn owned(s: Snapshot<'_>) -> Snapshot<'static> {
    use std::borrow::Cow;
    let own = |c: Cow<'_, str>| -> Cow<'static, str> { Cow::Owned(c.into_owned()) };
    Snapshot {
        captured_at: s.captured_at,
        users: s
            .users
            .into_iter()
            .map(|u| User {
                name: own(u.name),
                name_lower: own(u.name_lower),
                key: u.key.map(own),
                display_name: own(u.display_name),
                email: u.email.map(own),
                domain: u.domain.map(own),
                active: u.active,
                groups: u.groups,
                directory: u.directory.map(own),
                created: u.created,
                last_login: u.last_login,
                previous_login: u.previous_login,
                created_before: u.created_before,
                leads: u.leads,
                open_assigned: u.open_assigned,
            })
            .collect(),
        roles: s.roles,
        groups: s.groups,
        complete_groups: s.complete_groups,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    const AS_OF: &str = "2026-11-27T00:00:00Z";

    fn snapshot() -> Value {
        json!({"users": [
            {"name": "ann", "active": true, "groups": ["contractors"], "email": "ann@partner.io",
             "lastLogin": "2026-01-01T00:00:00Z", "created": "2024-01-01T00:00:00Z"},
            {"name": "bob", "active": true, "groups": ["staff"], "lastLogin": null, "createdBefore": "2025-11-01T00:00:00Z"},
            {"name": "cy", "active": false, "groups": ["contractors"], "lastLogin": "2026-11-20T00:00:00Z"}
        ]})
    }

    fn run(filter: Value) -> Value {
        let out = crate::query(
            None,
            &snapshot().to_string(),
            &filter.to_string(),
            &json!({"asOf": AS_OF}).to_string(),
        );
        serde_json::from_str(&crate::to_json(&out)).unwrap_or(Value::Null)
    }

    fn names(v: &Value) -> Vec<String> {
        v["value"]["users"]
            .as_array()
            .map(|a| a.iter().map(|u| u["name"].as_str().unwrap_or("").to_string()).collect())
            .unwrap_or_default()
    }

    #[test]
    fn created_bounds_prove_before_but_not_after() {
        assert_eq!(
            names(&run(json!({"created": {"before": "2025-11-02"}}))),
            ["ann", "bob"]
        );
        assert_eq!(names(&run(json!({"created": {"before": "2025-11-01"}}))), ["ann"]);
        assert_eq!(names(&run(json!({"created": {"after": "2020-01-01"}}))), ["ann"]);
    }

    #[test]
    fn a_brief_view_keeps_the_row_facts_only() {
        let v = run(json!({"view": "brief", "include": {"groups": ["contractors"]}}));
        assert_eq!(names(&v), ["ann", "cy"]);
        let ann = &v["value"]["users"][0];
        assert_eq!(ann["bucket"], "inactive");
        assert!(ann.get("groups").is_none() && ann.get("reasons").is_none(), "{ann}");
        let bad = run(json!({"view": "short"}));
        assert_eq!(bad["errors"][0]["path"], "view", "{bad}");
    }

    #[test]
    fn a_session_answers_as_query_does() {
        let s = snapshot().to_string();
        let opts = json!({"asOf": AS_OF}).to_string();
        let session = match crate::open_query(None, &s, &opts) {
            crate::Outcome::Success { value, .. } => value,
            crate::Outcome::Failure { errors, .. } => panic!("{errors:?}"),
        };
        assert_eq!(session.users(), 3);
        for f in [
            json!({}),
            json!({"neverLoggedIn": {}}),
            json!({"search": "AN", "view": "brief"}),
            json!({"buckets": ["x"]}),
        ] {
            let direct = crate::to_json(&crate::query(None, &s, &f.to_string(), &opts));
            assert_eq!(crate::to_json(&session.query(&f.to_string())), direct, "{f}");
        }
    }

    fn session_of(snap: &Value, policy: Option<&str>) -> crate::query::Session {
        let opts = json!({"asOf": AS_OF, "actor": "cy"}).to_string();
        match crate::open_query(policy, &snap.to_string(), &opts) {
            crate::Outcome::Success { value, .. } => value,
            crate::Outcome::Failure { errors, .. } => panic!("{errors:?}"),
        }
    }

    fn wider() -> Value {
        json!({"users": [
            {"name": "ann", "displayName": "Ann Ödegaard", "active": true, "groups": ["contractors"], "email": "Ann@Partner.io",
             "lastLogin": "2026-01-01T00:00:00Z", "created": "2024-01-01T00:00:00Z", "directory": "LDAP"},
            {"name": "bob", "displayName": "Robert Quux", "active": true, "groups": ["staff"], "lastLogin": null,
             "createdBefore": "2025-11-01T00:00:00Z", "directory": " ldap "},
            {"name": "cy", "active": false, "groups": ["contractors"], "lastLogin": "2026-11-20T00:00:00Z", "email": "cy@acme.com"},
            {"name": "dee", "displayName": "DEE ÖSTBERG", "active": true, "groups": ["staff", "admins"], "email": "dee@ACME.com",
             "lastLogin": "2026-11-26T00:00:00Z", "directory": "Jira Internal Directory"},
            {"name": "eli", "active": true, "groups": [], "directory": "Ldap"}
        ]})
    }

    const WIDER_POLICY: &str = r#"{"version": 1, "internalDomains": ["acme.com"], "protect": {"groups": ["admins"]},
        "rules": [{"id": "look", "inactiveDays": 30, "action": {"type": "review"}}]}"#;

    #[test]
    fn matches_are_the_positions_of_the_users_query_answers() {
        let snap = wider();
        let opts = json!({"asOf": AS_OF, "actor": "cy"}).to_string();
        for policy in [None, Some(WIDER_POLICY)] {
            let session = session_of(&snap, policy);
            let everyone: Vec<String> = match session.query(r#"{"view": "brief"}"#) {
                crate::Outcome::Success { value, .. } => value.users.names().iter().map(|n| n.to_string()).collect(),
                crate::Outcome::Failure { errors, .. } => panic!("{errors:?}"),
            };
            assert_eq!(everyone.len(), session.users());
            for f in [
                json!({}),
                json!({"search": "ö"}),
                json!({"search": "  PARTNER.IO "}),
                json!({"search": "quux", "active": true}),
                json!({"search": "e", "view": "brief"}),
                json!({"include": {"groups": ["contractors"]}, "inactiveDays": 30}),
                json!({"neverLoggedIn": {}, "email": {"external": false}}),
                json!({"directories": ["LDAP"]}),
                json!({"buckets": ["protected", "unknown"], "protected": true}),
                json!({"review": true}),
                json!({"created": {"before": "2025-11-02"}, "roles": ["nope"]}),
            ] {
                let text = f.to_string();
                let full = match crate::query(policy, &snap.to_string(), &text, &opts) {
                    crate::Outcome::Success { value, warnings } => (value, warnings),
                    crate::Outcome::Failure { errors, .. } => panic!("{f}: {errors:?}"),
                };
                let (m, warnings) = match session.matches(&text) {
                    crate::Outcome::Success { value, warnings } => (value, warnings),
                    crate::Outcome::Failure { errors, .. } => panic!("{f}: {errors:?}"),
                };
                let at: Vec<&str> = m.rows.iter().map(|&i| everyone[i as usize].as_str()).collect();
                assert_eq!(at, full.0.users.names(), "{f} with {policy:?}");
                assert!(m.rows.windows(2).all(|w| w[0] < w[1]), "{f}: ascending");
                assert_eq!(m.total, full.0.total, "{f}");
                assert_eq!(m.counts, full.0.counts, "{f}");
                assert_eq!(
                    (m.as_of.as_str(), m.thresholds),
                    (full.0.as_of.as_str(), full.0.thresholds)
                );
                // A session's answers carry the filter's warnings (the policy's came with openQuery).
                let session_warnings = match session.query(&text) {
                    crate::Outcome::Success { warnings, .. } => warnings,
                    crate::Outcome::Failure { errors, .. } => panic!("{f}: {errors:?}"),
                };
                assert_eq!(warnings, session_warnings, "{f}");
                assert!(warnings.iter().all(|w| full.1.contains(w)), "{f}");
            }
        }
    }

    #[test]
    fn matches_of_a_bad_filter_are_the_same_failure_as_query() {
        let snap = wider();
        let session = session_of(&snap, None);
        let opts = json!({"asOf": AS_OF, "actor": "cy"}).to_string();
        for bad in [
            "{",
            "[]",
            r#"{"search": 3, "buckets": ["idle"]}"#,
            r#"{"view": "rows"}"#,
        ] {
            let direct = crate::query(None, &snap.to_string(), bad, &opts);
            match (session.matches(bad), direct) {
                (crate::Outcome::Failure { errors, .. }, crate::Outcome::Failure { errors: want, .. }) => {
                    assert_eq!(errors, want, "{bad}")
                }
                _ => panic!("{bad} must fail"),
            }
        }
    }

    #[test]
    fn directory_counts_are_named_by_the_first_user_counted() {
        let snap = wider();
        let session = session_of(&snap, None);
        let counts = |f: Value| match session.matches(&f.to_string()) {
            crate::Outcome::Success { value, .. } => value.counts.directories,
            crate::Outcome::Failure { errors, .. } => panic!("{errors:?}"),
        };
        let all = counts(json!({}));
        assert_eq!(
            all.iter().map(|(k, v)| (k.as_str(), *v)).collect::<Vec<_>>(),
            [("", 1), ("Jira Internal Directory", 1), ("LDAP", 3)]
        );
        // Without ann (the search leaves her out), bob's spelling, trimmed, names the count.
        let no_ann = counts(json!({"search": "bob"}));
        assert_eq!(
            no_ann.iter().map(|(k, v)| (k.as_str(), *v)).collect::<Vec<_>>(),
            [("ldap", 1)]
        );
    }
}
