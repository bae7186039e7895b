//! The snapshot a host adapter produces: users with groups and last logins, and application roles.
//!
//! Parsed with serde straight from the JSON text (the snapshot can hold a million users, so no
//! intermediate `Value`); strings are borrowed where the text allows. Unknown fields are ignored
//! (hosts may add more). Timestamps are collected as text and checked in a second pass so that
//! every bad one is reported with its path, not just the first.

use crate::code::Code;
use crate::pattern::email_domain;
use crate::problem::{json_error, Problem, Source};
use crate::time::parse_instant;
use rustc_hash::FxHashMap;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use std::borrow::Cow;
use std::fmt;

/// Three-valued on purpose: a host that cannot tell must never look like "never logged in".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LastLogin {
    At(i64),
    Never,
    Unknown,
}

#[derive(Debug, Clone)]
pub struct User<'a> {
    pub name: Cow<'a, str>,
    pub name_lower: Cow<'a, str>,
    pub key: Option<Cow<'a, str>>,
    pub display_name: Cow<'a, str>,
    pub email: Option<Cow<'a, str>>,
    /// Lowercased domain of `email`.
    pub domain: Option<Cow<'a, str>>,
    pub active: bool,
    /// Ids into [`Snapshot::groups`], unique, in the order given.
    pub groups: Vec<u32>,
    pub directory: Option<Cow<'a, str>>,
    pub created: Option<i64>,
    pub last_login: LastLogin,
    /// The login before the last one (`previousLogin`, Jira's `login.previousLoginMillis`):
    /// `Never` = the last login was the first, `Unknown` = not known (absent). Tells a user who
    /// logged in once after a warning from one who kept logging in.
    pub previous_login: LastLogin,
    /// An upper bound of `created` when that is not known (`createdBefore`: e.g. the start of
    /// Jira's audit log, which has no record of the account's creation).
    pub created_before: Option<i64>,
    /// What the user leads (`leads`); `None` = not known. Boxed: most users lead nothing.
    pub leads: Option<Box<crate::impact::Leads>>,
    /// Unresolved issues assigned (`openAssigned`); `None` = not known.
    pub open_assigned: Option<u64>,
}

impl User<'_> {
    /// Jira's user key, trimmed, when the snapshot has a non-blank one: every answer that names a
    /// user carries it the same way, so a runner can notice an account replaced since the snapshot.
    pub fn jira_key(&self) -> Option<String> {
        self.key
            .as_deref()
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .map(str::to_string)
    }
}

#[derive(Debug, Clone)]
pub struct Role {
    pub key: String,
    pub name: String,
    pub groups: Vec<String>,
    pub number_of_seats: Option<i64>,
    pub user_count: Option<i64>,
    pub has_unlimited_seats: bool,
}

/// Group names, interned: users refer to them by id, and pattern matching runs once per group
/// instead of once per membership.
#[derive(Debug, Clone, Default)]
pub struct Groups {
    /// Name as first seen.
    pub names: Vec<String>,
    pub lower: Vec<String>,
    /// Lowercased name → id.
    ids: FxHashMap<String, u32>,
    /// Exact spelling → id: memberships repeat the same few hundred spellings millions of
    /// times, so this skips lowercasing on the hot path.
    exact: FxHashMap<String, u32>,
}

impl Groups {
    /// Renumbers groups in name order (lowercased, then spelling) and sorts every user's groups
    /// by it, so that nothing in a plan depends on the order users or memberships came in.
    fn renumbered(self, users: &mut [User<'_>]) -> Groups {
        let mut order: Vec<u32> = (0..self.names.len() as u32).collect();
        order.sort_unstable_by(|&a, &b| {
            let (a, b) = (a as usize, b as usize);
            self.lower[a]
                .cmp(&self.lower[b])
                .then_with(|| self.names[a].cmp(&self.names[b]))
        });
        let mut new_id = vec![0u32; order.len()];
        for (new, &old) in order.iter().enumerate() {
            new_id[old as usize] = new as u32;
        }
        for u in users.iter_mut() {
            for g in u.groups.iter_mut() {
                *g = new_id[*g as usize];
            }
            u.groups.sort_unstable();
        }
        let mut out = Groups::default();
        for &old in &order {
            let (name, lower) = (&self.names[old as usize], &self.lower[old as usize]);
            let id = out.names.len() as u32;
            out.names.push(name.clone());
            out.lower.push(lower.clone());
            out.ids.insert(lower.clone(), id);
        }
        out
    }

    /// The id of a group name as a user lists it (untrimmed); `None` for a blank name.
    fn intern(&mut self, raw: &str) -> Option<u32> {
        if let Some(&id) = self.exact.get(raw) {
            return Some(id);
        }
        let name = raw.trim();
        if name.is_empty() {
            return None;
        }
        let lower = name.to_lowercase();
        let id = match self.ids.get(&lower) {
            Some(&id) => {
                // One spelling per group whatever the user order: the smallest one seen.
                if name < self.names[id as usize].as_str() {
                    self.names[id as usize] = name.to_string();
                }
                id
            }
            None => {
                let id = self.names.len() as u32;
                self.names.push(name.to_string());
                self.lower.push(lower.clone());
                self.ids.insert(lower, id);
                id
            }
        };
        self.exact.insert(raw.to_string(), id);
        Some(id)
    }
    pub fn id(&self, name: &str) -> Option<u32> {
        self.ids.get(&name.to_lowercase()).copied()
    }
    pub fn len(&self) -> usize {
        self.names.len()
    }
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
    pub fn name(&self, id: u32) -> &str {
        &self.names[id as usize]
    }
}

/// More application roles than any Jira has; seat counting keeps one bit per role.
pub const MAX_ROLES: usize = 64;

/// Users are sorted by lowercased username (then exact spelling): the order plans list them in.
#[derive(Debug, Clone, Default)]
pub struct Snapshot<'a> {
    pub captured_at: Option<i64>,
    pub users: Vec<User<'a>>,
    pub roles: Vec<Role>,
    pub groups: Groups,
    /// `completeGroups`: the groups whose memberships the snapshot holds completely (lowercased,
    /// sorted, unique); `None`: every group's. See `scope`.
    pub complete_groups: Option<Vec<String>>,
}

/// One pass over the text: users are converted as they stream by (no intermediate list of a
/// million raw users), groups interned on the way, problems collected.
#[derive(Default)]
struct Parsed<'a> {
    captured_at: Option<Cow<'a, str>>,
    users: Vec<(usize, User<'a>)>,
    groups: Groups,
    roles: Vec<RawRole<'a>>,
    complete_groups: Option<Vec<Cow<'a, str>>>,
    problems: Vec<Problem>,
}

/// A string borrowed from the text when it has no escapes.
#[derive(Deserialize)]
struct Text<'a>(#[serde(borrow)] Cow<'a, str>);

impl<'de> Deserialize<'de> for Parsed<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(ParsedVisitor { users_hint: 0 })
    }
}

/// `users_hint`: how many users to make room for up front (growing a vector of a million users
/// by doubling copies it twenty times).
struct ParsedVisitor {
    users_hint: usize,
}

impl<'de> DeserializeSeed<'de> for ParsedVisitor {
    type Value = Parsed<'de>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Parsed<'de>, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ParsedVisitor {
    type Value = Parsed<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object {\"capturedAt\", \"users\": [...], \"applicationRoles\": [...]}")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Parsed<'de>, A::Error> {
        let mut p = Parsed::default();
        p.users.reserve(self.users_hint);
        let mut seen_users = false;
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            match key.as_ref() {
                "capturedAt" => p.captured_at = map.next_value::<Option<Text<'de>>>()?.map(|t| t.0),
                "completeGroups" => {
                    p.complete_groups = map
                        .next_value::<Option<Vec<Text<'de>>>>()?
                        .map(|v| v.into_iter().map(|t| t.0).collect())
                }
                "users" => {
                    map.next_value_seed(UsersSeed(&mut p))?;
                    seen_users = true;
                }
                "applicationRoles" => p.roles = map.next_value::<Option<Vec<RawRole<'de>>>>()?.unwrap_or_default(),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if !seen_users {
            return Err(de::Error::missing_field("users"));
        }
        Ok(p)
    }
}

struct UsersSeed<'p, 'de>(&'p mut Parsed<'de>);

impl<'de> DeserializeSeed<'de> for UsersSeed<'_, 'de> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for UsersSeed<'_, 'de> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of users")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut i = 0;
        while let Some(u) = seq.next_element::<RawUser<'de>>()? {
            self.0.add(i, u);
            i += 1;
        }
        Ok(())
    }
}

// `#[serde(borrow)]` borrows only a bare `Cow<str>`: inside `Option` or `Vec` serde would
// allocate every string. `Text` (a borrowing newtype) and the `opt` helper keep them borrowed.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawUser<'a> {
    #[serde(borrow)]
    name: Cow<'a, str>,
    #[serde(borrow, default, deserialize_with = "opt")]
    key: Option<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "opt")]
    display_name: Option<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "opt")]
    email: Option<Cow<'a, str>>,
    active: bool,
    #[serde(borrow, default)]
    groups: Vec<Text<'a>>,
    #[serde(borrow, default, deserialize_with = "opt")]
    directory: Option<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "opt")]
    created: Option<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "present")]
    last_login: Option<Option<Cow<'a, str>>>,
    #[serde(borrow, default, deserialize_with = "present")]
    previous_login: Option<Option<Cow<'a, str>>>,
    #[serde(borrow, default, deserialize_with = "opt")]
    created_before: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    leads: Option<crate::impact::RawLeads<'a>>,
    #[serde(default)]
    open_assigned: Option<f64>,
}

fn opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Cow<'de, str>>, D::Error> {
    Option::<Text<'de>>::deserialize(d).map(|o| o.map(|t| t.0))
}

/// Tells `"lastLogin": null` (Some(None)) from an absent field (None, by `default`).
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<Cow<'de, str>>>, D::Error> {
    opt(d).map(Some)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawRole<'a> {
    #[serde(borrow)]
    key: Cow<'a, str>,
    #[serde(borrow, default)]
    name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    groups: Vec<Cow<'a, str>>,
    #[serde(default)]
    number_of_seats: Option<i64>,
    #[serde(default)]
    user_count: Option<i64>,
    #[serde(default)]
    has_unlimited_seats: Option<bool>,
    #[serde(default, rename = "defaultGroups")]
    _default_groups: Option<IgnoredAny>,
}

/// Parses a snapshot from JSON text. Errors name the JSON path (`users[17].lastLogin`).
/// The snapshot borrows its strings from `text` where it can (most of a large snapshot), which
/// saves millions of allocations.
pub fn parse_snapshot(text: &str) -> Result<Snapshot<'_>, Vec<Problem>> {
    // A user takes 250-350 bytes of JSON in practice; a smaller guess only costs a regrowth.
    let seed = ParsedVisitor {
        users_hint: text.len() / 300,
    };
    let mut de = serde_json::Deserializer::from_str(text);
    let raw: Parsed = match seed.deserialize(&mut de).and_then(|p| de.end().map(|()| p)) {
        Ok(r) => r,
        Err(e) => return Err(vec![structural_error(text, &e)]),
    };
    build(raw)
}

/// serde stops at the first structural problem without saying where in the document it is;
/// parse again with path tracking (only on this failure path, so the fast path stays fast).
fn structural_error(text: &str, first: &serde_json::Error) -> Problem {
    if first.is_syntax() || first.is_eof() {
        return json_error(Source::Snapshot, "the snapshot", first);
    }
    let mut de = serde_json::Deserializer::from_str(text);
    match serde_path_to_error::deserialize::<_, Parsed>(&mut de) {
        Err(e) => {
            let path = e.path().to_string();
            let path = if path == "." { String::new() } else { path };
            let inner = e.into_inner();
            // serde names a missing field at its object; point at the field itself.
            let missing = inner
                .to_string()
                .strip_prefix("missing field `")
                .and_then(|r| r.split('`').next().map(str::to_string));
            let path = match (&missing, path.is_empty()) {
                (Some(f), false) => format!("{path}.{f}"),
                _ => path,
            };
            let message = if path.is_empty() && !inner.to_string().starts_with("missing field") {
                format!(
                    "the snapshot must be an object {{\"capturedAt\", \"users\": [...], \"applicationRoles\": [...]}} ({})",
                    position(&inner)
                )
            } else if path.is_empty() {
                format!("the snapshot: {inner}")
            } else {
                // The path says where; serde's "at line 1 column 373" would only confuse when the
                // snapshot came as an object (it was stringified for us).
                let msg = inner.to_string();
                let msg = msg.split(" at line ").next().unwrap_or(&msg).to_string();
                format!("{path}: {msg}")
            };
            Problem::error(Source::Snapshot, Code::SnapshotInvalid, path, message)
        }
        Ok(_) => json_error(Source::Snapshot, "the snapshot", first),
    }
}

fn position(e: &serde_json::Error) -> String {
    format!("line {} column {}", e.line(), e.column())
}

impl<'a> Parsed<'a> {
    /// Converts one raw user (`users[i]`) as it is read.
    fn add(&mut self, i: usize, u: RawUser<'a>) {
        let problems = &mut self.problems;
        let groups = &mut self.groups;
        let users = &mut self.users;
        let name = trim(u.name);
        if name.is_empty() {
            problems.push(Problem::error(
                Source::Snapshot,
                Code::SnapshotEmptyName,
                format!("users[{i}].name"),
                format!("users[{i}] has an empty username"),
            ));
            return;
        }
        let name_lower = lower(&name);
        let created = u.created.as_deref().and_then(|s| {
            let t = parse_instant(s);
            if t.is_none() {
                problems.push(bad_time(&format!("users[{i}].created"), s));
            }
            t
        });
        let created_before = u.created_before.as_deref().and_then(|s| {
            let t = parse_instant(s);
            if t.is_none() {
                problems.push(bad_time(&format!("users[{i}].createdBefore"), s));
            }
            t
        });
        // The path is only formatted for the few users that have these fields.
        let leads = u
            .leads
            .map(|l| Box::new(crate::impact::leads(l, &format!("users[{i}]"), problems)));
        let open_assigned = u
            .open_assigned
            .and_then(|n| crate::impact::open_assigned(n, &format!("users[{i}]"), problems));
        let last_login = login(u.last_login, i, "lastLogin", problems);
        let previous_login = login(u.previous_login, i, "previousLogin", problems);
        if let Some(why) = login_order(last_login, previous_login) {
            problems.push(Problem::error(
                Source::Snapshot,
                Code::SnapshotInvalidTimestamp,
                format!("users[{i}].previousLogin"),
                format!("users[{i}].previousLogin: {why} (previousLogin is the login before lastLogin)"),
            ));
        }
        let mut gids: Vec<u32> = Vec::with_capacity(u.groups.len());
        // A linear scan is fastest for the few dozen groups a user has; a set keeps a hostile
        // user with a million groups from costing a million squared.
        let mut seen: Option<rustc_hash::FxHashSet<u32>> = (u.groups.len() > 64).then(Default::default);
        for g in &u.groups {
            if let Some(id) = groups.intern(&g.0) {
                let new = match seen.as_mut() {
                    Some(set) => set.insert(id),
                    None => !gids.contains(&id),
                };
                if new {
                    gids.push(id);
                }
            }
        }
        let email = u.email.map(trim).filter(|e| !e.is_empty());
        let domain = email.as_ref().and_then(domain_of);
        users.push((
            i,
            User {
                name,
                name_lower,
                key: u.key,
                display_name: u.display_name.unwrap_or_default(),
                email,
                domain,
                active: u.active,
                groups: gids,
                directory: u.directory,
                created,
                last_login,
                previous_login,
                created_before,
                leads,
                open_assigned,
            },
        ));
    }
}

fn build(raw: Parsed<'_>) -> Result<Snapshot<'_>, Vec<Problem>> {
    let Parsed {
        captured_at,
        users,
        groups,
        roles: raw_roles,
        complete_groups,
        mut problems,
    } = raw;
    let complete_groups = crate::scope::complete_groups(complete_groups, &mut problems);
    let captured_at = captured_at.as_deref().and_then(|s| {
        let t = parse_instant(s);
        if t.is_none() {
            problems.insert(0, bad_time("capturedAt", s));
        }
        t
    });
    // Sorted by (lowercased, exact) name: the order plans list users in, duplicates side by side,
    // and `user()` a binary search — no hash map over a million names.
    // Sort a small key (the first 16 bytes of the lowercased name, big-endian, so it orders
    // like the string) with the index, not the users themselves: moving 200-byte users and
    // comparing whole strings dominated a million-user parse. Ties fall back to full names.
    let prefix = |s: &str| {
        let b = s.as_bytes();
        let mut k = [0u8; 16];
        let n = b.len().min(16);
        k[..n].copy_from_slice(&b[..n]);
        u128::from_be_bytes(k)
    };
    let mut keys: Vec<(u128, u32)> = users
        .iter()
        .enumerate()
        .map(|(i, (_, u))| (prefix(&u.name_lower), i as u32))
        .collect();
    keys.sort_unstable_by(|a, b| {
        a.0.cmp(&b.0).then_with(|| {
            let (x, y) = (&users[a.1 as usize].1, &users[b.1 as usize].1);
            x.name_lower.cmp(&y.name_lower).then_with(|| x.name.cmp(&y.name))
        })
    });
    let mut dups: Vec<(usize, Problem)> = Vec::new();
    for w in keys.windows(2) {
        let (x, y) = (&users[w[0].1 as usize], &users[w[1].1 as usize]);
        if x.1.name_lower == y.1.name_lower {
            let (first, second) = if x.0 < y.0 { (x, y) } else { (y, x) };
            dups.push((
                second.0,
                Problem::error(
                    Source::Snapshot,
                    Code::SnapshotDuplicateUser,
                    format!("users[{}].name", second.0),
                    format!(
                        "username \"{}\" appears twice (usernames are case-insensitive): also \"{}\" at users[{}]",
                        second.1.name, first.1.name, first.0
                    ),
                ),
            ));
        }
    }
    dups.sort_by_key(|d| d.0);
    problems.extend(dups.into_iter().map(|d| d.1));
    let mut slots: Vec<Option<User<'_>>> = users.into_iter().map(|(_, u)| Some(u)).collect();
    let mut users: Vec<User<'_>> = keys.iter().filter_map(|&(_, i)| slots[i as usize].take()).collect();
    drop(slots);
    let groups = groups.renumbered(&mut users);
    if raw_roles.len() > MAX_ROLES {
        problems.push(Problem::error(
            Source::Snapshot,
            Code::SnapshotTooManyRoles,
            "applicationRoles",
            format!(
                "{} application roles: at most {MAX_ROLES} are supported (Jira has four)",
                raw_roles.len()
            ),
        ));
    }
    let mut roles: Vec<Role> = Vec::with_capacity(raw_roles.len().min(MAX_ROLES));
    let mut keys: rustc_hash::FxHashSet<String> = rustc_hash::FxHashSet::default();
    for (i, r) in raw_roles.into_iter().enumerate() {
        if !keys.insert(r.key.to_string()) {
            problems.push(Problem::error(
                Source::Snapshot,
                Code::SnapshotDuplicateRole,
                format!("applicationRoles[{i}].key"),
                format!("application role \"{}\" appears twice", r.key),
            ));
            continue;
        }
        roles.push(Role {
            name: r.name.map(Cow::into_owned).unwrap_or_else(|| r.key.to_string()),
            key: r.key.into_owned(),
            groups: r.groups.into_iter().map(|g| g.trim().to_string()).collect(),
            number_of_seats: r.number_of_seats,
            user_count: r.user_count,
            has_unlimited_seats: r.has_unlimited_seats.unwrap_or(false),
        });
    }
    if problems.is_empty() {
        Ok(Snapshot {
            captured_at,
            users,
            roles,
            groups,
            complete_groups,
        })
    } else {
        Err(problems)
    }
}

/// Trims without copying a borrowed string.
fn trim(c: Cow<'_, str>) -> Cow<'_, str> {
    match c {
        Cow::Borrowed(b) => Cow::Borrowed(b.trim()),
        Cow::Owned(o) if o.trim().len() == o.len() => Cow::Owned(o),
        Cow::Owned(o) => Cow::Owned(o.trim().to_string()),
    }
}

/// Lowercases, copying only when something changes (most usernames are lowercase already).
fn lower<'a>(c: &Cow<'a, str>) -> Cow<'a, str> {
    let unchanged = if c.is_ascii() {
        !c.bytes().any(|b| b.is_ascii_uppercase())
    } else {
        c.to_lowercase() == **c
    };
    if unchanged {
        c.clone()
    } else {
        Cow::Owned(c.to_lowercase())
    }
}

/// The lowercased email domain, borrowed from the email when it is lowercase already.
fn domain_of<'a>(email: &Cow<'a, str>) -> Option<Cow<'a, str>> {
    let d = email_domain(email)?;
    Some(match email {
        Cow::Borrowed(b) if b.ends_with(d.as_str()) => Cow::Borrowed(&b[b.len() - d.len()..]),
        _ => Cow::Owned(d),
    })
}

/// A three-valued login field (`lastLogin`, `previousLogin`) of `users[i]`: absent = not known,
/// `null` = none, else an instant (a bad one is reported and read as not known).
fn login(v: Option<Option<Cow<'_, str>>>, i: usize, field: &str, problems: &mut Vec<Problem>) -> LastLogin {
    match v {
        None => LastLogin::Unknown,
        Some(None) => LastLogin::Never,
        Some(Some(s)) => match parse_instant(&s) {
            Some(t) => LastLogin::At(t),
            None => {
                problems.push(bad_time(&format!("users[{i}].{field}"), &s));
                LastLogin::Unknown
            }
        },
    }
}

/// Why a previous login cannot go with the last one: later than it, or a previous login of a
/// user who never logged in. `None` when they agree (or either is not known).
fn login_order(last: LastLogin, previous: LastLogin) -> Option<String> {
    match (last, previous) {
        (LastLogin::At(l), LastLogin::At(p)) if p > l => Some(format!(
            "{} is after lastLogin {}",
            crate::time::format_instant(p),
            crate::time::format_instant(l)
        )),
        (LastLogin::Never, LastLogin::At(p)) => Some(format!(
            "{} but lastLogin is null (never logged in)",
            crate::time::format_instant(p)
        )),
        _ => None,
    }
}

fn bad_time(path: &str, s: &str) -> Problem {
    let shown = crate::json_words::clip(s);
    Problem::error(
        Source::Snapshot,
        Code::SnapshotInvalidTimestamp,
        path,
        format!("{path}: \"{shown}\" is not a timestamp (RFC 3339 like 2026-11-27T10:00:00Z, or Jira's 2026-11-27T20:00:00+1000)"),
    )
}

impl<'a> Snapshot<'a> {
    /// Users are kept sorted by lowercased name (see `build`).
    pub fn user(&self, name: &str) -> Option<&User<'a>> {
        let lower = name.trim().to_lowercase();
        let i = self.users.partition_point(|u| *u.name_lower < *lower);
        self.users.get(i).filter(|u| *u.name_lower == *lower)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_login_is_three_valued_and_users_sorted() {
        let s = parse_snapshot(
            r#"{"users":[
                {"name":"Zed","active":true,"lastLogin":"2026-01-01T10:00:00+1000"},
                {"name":"amy","active":true,"lastLogin":null,"groups":["B"," b ","a"]},
                {"name":"bob","active":false}],
              "applicationRoles":[{"key":"jira-software","groups":["a"]}]}"#,
        )
        .expect("valid");
        let names: Vec<&str> = s.users.iter().map(|u| u.name.as_ref()).collect();
        assert_eq!(names, ["amy", "bob", "Zed"]);
        assert_eq!(s.users[0].last_login, LastLogin::Never);
        assert_eq!(s.users[1].last_login, LastLogin::Unknown);
        assert_eq!(
            s.users[2].last_login,
            LastLogin::At(crate::time::parse_instant("2026-01-01T00:00:00Z").unwrap_or(0))
        );
        // "B" and " b " are one group; ids follow name order.
        assert_eq!(s.groups.names, ["a", "B"]);
        assert_eq!(s.users[0].groups, [0, 1]);
        assert_eq!(s.user("ZED").map(|u| u.name.as_ref()), Some("Zed"));
        assert!(s.user("nobody").is_none());
        assert!(
            matches!(s.users[0].name, Cow::Borrowed(_)),
            "strings are borrowed from the text"
        );
    }

    #[test]
    fn reports_duplicates_and_bad_timestamps_together() {
        let e = parse_snapshot(
            r#"{"users":[{"name":"fred","active":true,"lastLogin":"yesterday"},{"name":"FRED","active":true}]}"#,
        )
        .err()
        .unwrap_or_default();
        let got: Vec<(&str, &str)> = e.iter().map(|p| (p.code, p.path.as_str())).collect();
        assert_eq!(
            got,
            [
                ("snapshot.invalidTimestamp", "users[0].lastLogin"),
                ("snapshot.duplicateUser", "users[1].name")
            ]
        );
    }

    #[test]
    fn previous_login_is_three_valued_and_not_after_the_last() {
        let s = parse_snapshot(
            r#"{"users":[
                {"name":"a","active":true,"lastLogin":"2026-11-02T00:00:00Z","previousLogin":"2026-11-01T10:00:00+1000"},
                {"name":"b","active":true,"lastLogin":"2026-11-02T00:00:00Z","previousLogin":null},
                {"name":"c","active":true,"lastLogin":"2026-11-02T00:00:00Z"},
                {"name":"d","active":true,"lastLogin":"2026-11-02T00:00:00Z","previousLogin":"2026-11-02T00:00:00Z"}]}"#,
        )
        .expect("valid");
        let at = |t: &str| crate::time::parse_instant(t).unwrap_or(0);
        let got: Vec<LastLogin> = s.users.iter().map(|u| u.previous_login).collect();
        assert_eq!(
            got,
            [
                LastLogin::At(at("2026-11-01T00:00:00Z")),
                LastLogin::Never,
                LastLogin::Unknown,
                LastLogin::At(at("2026-11-02T00:00:00Z"))
            ]
        );
        let e = parse_snapshot(
            r#"{"users":[
                {"name":"a","active":true,"lastLogin":"2026-11-02T00:00:00Z","previousLogin":"2026-11-03T00:00:00Z"},
                {"name":"b","active":true,"lastLogin":null,"previousLogin":"2026-11-01T00:00:00Z"},
                {"name":"c","active":true,"previousLogin":"soon"},
                {"name":"d","active":true,"previousLogin":"2026-11-01T00:00:00Z"}]}"#,
        )
        .err()
        .unwrap_or_default();
        let got: Vec<(&str, &str)> = e.iter().map(|p| (p.code, p.path.as_str())).collect();
        assert_eq!(
            got,
            [
                ("snapshot.invalidTimestamp", "users[0].previousLogin"),
                ("snapshot.invalidTimestamp", "users[1].previousLogin"),
                ("snapshot.invalidTimestamp", "users[2].previousLogin"),
            ],
            "d: a previous login with the last one not known is accepted"
        );
        assert!(
            e[0].message
                .contains("2026-11-03T00:00:00Z is after lastLogin 2026-11-02T00:00:00Z"),
            "{}",
            e[0].message
        );
        assert!(e[1].message.contains("lastLogin is null"), "{}", e[1].message);
    }

    #[test]
    fn structural_errors_name_the_field() {
        let e = parse_snapshot(r#"{"users":[{"active":true}]}"#)
            .err()
            .unwrap_or_default();
        assert_eq!(e[0].path, "users[0].name");
        let e = parse_snapshot("[]").err().unwrap_or_default();
        assert_eq!(e[0].code, "snapshot.invalid");
        assert!(e[0].message.contains("must be an object"), "{}", e[0].message);
    }

    #[test]
    fn many_groups_are_deduplicated_like_few() {
        let groups: Vec<String> = (0..200).map(|i| format!("\"G{}\"", i % 80)).collect();
        let text = format!(
            r#"{{"users":[{{"name":"u","active":true,"groups":[{}]}}]}}"#,
            groups.join(",")
        );
        let s = parse_snapshot(&text).expect("valid");
        assert_eq!(s.users[0].groups.len(), 80);
        assert_eq!(s.groups.len(), 80);
    }
}
