//! `dashboard`: where the licences go — activity buckets, seats per role against the tier,
//! groups where action is needed, and external users by email domain.

use crate::matcher::Matcher;
use crate::pattern::belongs_to_any;
use crate::plan::{group_role_masks, role_mask, seats_per_role};
use crate::policy::Policy;
use crate::snapshot::{LastLogin, Snapshot, User};
use crate::tier::{current_tier, next_lower_tier};
use crate::time::{format_instant, whole_days};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Dashboard {
    pub as_of: String,
    pub thresholds: Thresholds,
    pub total: usize,
    pub buckets: Buckets,
    pub roles: Vec<RoleUse>,
    pub groups: Vec<GroupUse>,
    pub external_domains: Vec<DomainUse>,
    /// Only for a snapshot with `completeGroups`: the groups `groups` covers, and those it
    /// leaves out because their members were not all read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub groups_read: Option<crate::scope::GroupsRead>,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Thresholds {
    pub low_usage_days: u64,
    pub inactive_days: u64,
}

impl Default for Thresholds {
    /// The leading peer's defaults: active within 15 days, low usage 15-30, inactive from 30.
    fn default() -> Self {
        Thresholds {
            low_usage_days: 15,
            inactive_days: 30,
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Buckets {
    pub active: usize,
    pub low_usage: usize,
    pub inactive: usize,
    pub never_logged_in: usize,
    pub unknown: usize,
    pub deactivated: usize,
    pub protected: usize,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RoleUse {
    pub key: String,
    pub name: String,
    pub groups: Vec<String>,
    pub number_of_seats: Option<i64>,
    pub has_unlimited_seats: bool,
    pub seats_used: usize,
    pub user_count: Option<i64>,
    pub remaining: Option<i64>,
    pub used_share: Option<f64>,
    pub idle_seats: usize,
    pub tier: TierInfo,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct TierInfo {
    pub current: Option<i64>,
    pub next_lower: Option<i64>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct GroupUse {
    pub group: String,
    pub members: usize,
    pub active_members: usize,
    pub inactive: usize,
    pub never_logged_in: usize,
    pub unknown: usize,
    pub inactive_share: f64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct DomainUse {
    pub domain: String,
    pub users: usize,
    pub active_users: usize,
    pub inactive: usize,
    pub never_logged_in: usize,
    pub first_login: Option<String>,
    pub last_login: Option<String>,
}

/// Activity of one active user by the thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activity {
    Active,
    LowUsage,
    Inactive,
    Never,
    Unknown,
}

pub fn activity(user: &User, as_of: i64, t: Thresholds) -> Activity {
    match user.last_login {
        LastLogin::Unknown => Activity::Unknown,
        LastLogin::Never => Activity::Never,
        LastLogin::At(at) => {
            let days = whole_days(as_of, at).max(0) as u64;
            if days < t.low_usage_days {
                Activity::Active
            } else if days < t.inactive_days {
                Activity::LowUsage
            } else {
                Activity::Inactive
            }
        }
    }
}

/// A user's bucket: exactly one per user, the first that applies in this order.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub enum Bucket {
    Deactivated,
    Protected,
    Unknown,
    NeverLoggedIn,
    Active,
    LowUsage,
    Inactive,
}

impl Bucket {
    pub const ALL: [Bucket; 7] = [
        Bucket::Active,
        Bucket::LowUsage,
        Bucket::Inactive,
        Bucket::NeverLoggedIn,
        Bucket::Unknown,
        Bucket::Deactivated,
        Bucket::Protected,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Bucket::Deactivated => "deactivated",
            Bucket::Protected => "protected",
            Bucket::Unknown => "unknown",
            Bucket::NeverLoggedIn => "neverLoggedIn",
            Bucket::Active => "active",
            Bucket::LowUsage => "lowUsage",
            Bucket::Inactive => "inactive",
        }
    }
}

/// The bucket of a user whose activity is `act` (`None`: not active), protected or not: the one
/// rule the dashboard and `query` share.
pub fn bucket(act: Option<Activity>, protected: bool) -> Bucket {
    match act {
        None => Bucket::Deactivated,
        Some(_) if protected => Bucket::Protected,
        Some(Activity::Unknown) => Bucket::Unknown,
        Some(Activity::Never) => Bucket::NeverLoggedIn,
        Some(Activity::Active) => Bucket::Active,
        Some(Activity::LowUsage) => Bucket::LowUsage,
        Some(Activity::Inactive) => Bucket::Inactive,
    }
}

impl Buckets {
    pub fn add(&mut self, b: Bucket) {
        *match b {
            Bucket::Deactivated => &mut self.deactivated,
            Bucket::Protected => &mut self.protected,
            Bucket::Unknown => &mut self.unknown,
            Bucket::NeverLoggedIn => &mut self.never_logged_in,
            Bucket::Active => &mut self.active,
            Bucket::LowUsage => &mut self.low_usage,
            Bucket::Inactive => &mut self.inactive,
        } += 1;
    }
}

pub struct DashboardOptions<'a> {
    pub as_of: i64,
    pub actor: Option<&'a str>,
    pub thresholds: Thresholds,
}

pub fn dashboard(policy: Option<&Policy>, snapshot: &Snapshot, opts: &DashboardOptions) -> Dashboard {
    let empty = Policy::empty();
    let policy_ref = policy.unwrap_or(&empty);
    let m = Matcher::new(policy_ref, snapshot, opts.as_of, opts.actor);
    let t = opts.thresholds;
    let n_groups = snapshot.groups.len();
    let mut buckets = Buckets::default();
    let mut per_group = vec![[0usize; 5]; n_groups]; // members, active members, inactive, never, unknown
    let mut domains: BTreeMap<&str, DomainAcc> = BTreeMap::new();
    let activity_of: Vec<Option<Activity>> = snapshot
        .users
        .iter()
        .map(|u| u.active.then(|| activity(u, opts.as_of, t)))
        .collect();

    for (user, act) in snapshot.users.iter().zip(&activity_of) {
        for &g in &user.groups {
            let c = &mut per_group[g as usize];
            c[0] += 1;
            if let Some(a) = act {
                c[1] += 1;
                match a {
                    Activity::Inactive => c[2] += 1,
                    Activity::Never => c[3] += 1,
                    Activity::Unknown => c[4] += 1,
                    _ => {}
                }
            }
        }
        if let Some(domain) = user.domain.as_deref() {
            if belongs_to_any(domain, &policy_ref.internal_domains).is_none() {
                let e = domains.entry(domain).or_default();
                e.users += 1;
                if let Some(a) = act {
                    e.active += 1;
                    match a {
                        Activity::Inactive => e.inactive += 1,
                        Activity::Never => e.never += 1,
                        _ => {}
                    }
                }
                if let LastLogin::At(at) = user.last_login {
                    e.first = Some(e.first.map_or(at, |x: i64| x.min(at)));
                    e.last = Some(e.last.map_or(at, |x: i64| x.max(at)));
                }
            }
        }
        let protected = act.is_some() && (policy.is_some() || opts.actor.is_some()) && m.protection(user).is_some();
        buckets.add(bucket(*act, protected));
    }

    let masks = group_role_masks(snapshot);
    let seats = seats_per_role(snapshot, &masks);
    let mut idle_seats = vec![0usize; snapshot.roles.len()];
    for (u, a) in snapshot.users.iter().zip(&activity_of) {
        if matches!(a, Some(Activity::Inactive | Activity::Never)) {
            let mut m = role_mask(&masks, &u.groups);
            while m != 0 {
                idle_seats[m.trailing_zeros() as usize] += 1;
                m &= m - 1;
            }
        }
    }
    let roles = snapshot
        .roles
        .iter()
        .enumerate()
        .map(|(r, role)| {
            let (used, idle) = (seats[r], idle_seats[r]);
            let limited = (!role.has_unlimited_seats)
                .then_some(role.number_of_seats)
                .flatten()
                .filter(|n| *n > 0);
            RoleUse {
                key: role.key.clone(),
                name: role.name.clone(),
                groups: role.groups.clone(),
                number_of_seats: role.number_of_seats,
                has_unlimited_seats: role.has_unlimited_seats,
                seats_used: used,
                user_count: role.user_count,
                remaining: limited.map(|n| n - used as i64),
                used_share: limited.map(|n| used as f64 / n as f64),
                idle_seats: idle,
                tier: TierInfo {
                    current: limited.map(current_tier),
                    next_lower: limited.and_then(next_lower_tier),
                },
            }
        })
        .collect();

    let mut groups: Vec<GroupUse> = per_group
        .iter()
        .enumerate()
        .filter(|(_, c)| c[2] + c[3] > 0)
        // Partial counts would understate a group: only groups whose members were all read.
        .filter(|(id, _)| crate::scope::is_complete(snapshot, &snapshot.groups.lower[*id]))
        .map(|(id, c)| GroupUse {
            group: snapshot.groups.name(id as u32).to_string(),
            members: c[0],
            active_members: c[1],
            inactive: c[2],
            never_logged_in: c[3],
            unknown: c[4],
            inactive_share: if c[1] == 0 {
                0.0
            } else {
                round3((c[2] + c[3]) as f64 / c[1] as f64)
            },
        })
        .collect();
    groups.sort_by(|a, b| {
        (b.inactive + b.never_logged_in)
            .cmp(&(a.inactive + a.never_logged_in))
            .then_with(|| a.group.to_lowercase().cmp(&b.group.to_lowercase()))
    });

    let mut external_domains: Vec<DomainUse> = domains
        .into_iter()
        .map(|(d, e)| DomainUse {
            domain: d.to_string(),
            users: e.users,
            active_users: e.active,
            inactive: e.inactive,
            never_logged_in: e.never,
            first_login: e.first.map(format_instant),
            last_login: e.last.map(format_instant),
        })
        .collect();
    external_domains.sort_by(|a, b| b.users.cmp(&a.users).then_with(|| a.domain.cmp(&b.domain)));

    Dashboard {
        as_of: format_instant(opts.as_of),
        thresholds: t,
        total: snapshot.users.len(),
        buckets,
        roles,
        groups,
        external_domains,
        groups_read: crate::scope::groups_read(snapshot),
    }
}

#[derive(Default)]
struct DomainAcc {
    users: usize,
    active: usize,
    inactive: usize,
    never: usize,
    first: Option<i64>,
    last: Option<i64>,
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::{parse_instant, DAY_MS};

    #[test]
    fn activity_thresholds_are_inclusive_at_the_boundary() {
        let as_of = parse_instant("2026-11-27T00:00:00Z").unwrap_or(0);
        let snap = crate::snapshot::parse_snapshot(r#"{"users":[{"name":"u","active":true}]}"#).expect("valid");
        let mut u = snap.users[0].clone();
        let t = Thresholds::default();
        for (days, want) in [
            (0, Activity::Active),
            (14, Activity::Active),
            (15, Activity::LowUsage),
            (29, Activity::LowUsage),
            (30, Activity::Inactive),
        ] {
            u.last_login = LastLogin::At(as_of - days * DAY_MS);
            assert_eq!(activity(&u, as_of, t), want, "{days} days");
        }
        u.last_login = LastLogin::At(as_of - 15 * DAY_MS + 1);
        assert_eq!(
            activity(&u, as_of, t),
            Activity::Active,
            "a millisecond short of 15 days"
        );
        u.last_login = LastLogin::Never;
        assert_eq!(activity(&u, as_of, t), Activity::Never);
        u.last_login = LastLogin::Unknown;
        assert_eq!(activity(&u, as_of, t), Activity::Unknown);
    }
}
