//! Tier planning: the fewest users whose licence, taken away, brings a role down to a target seat
//! count (the next lower licence tier, a headroom under the limit, or a number), longest
//! inactive first, never touching protected users.

use crate::matcher::Matcher;
use crate::plan::{group_role_masks, role_groups, seats_per_role};
use crate::policy::Policy;
use crate::snapshot::{LastLogin, Snapshot};
use crate::time::{format_instant, whole_days};
use serde::Serialize;

/// Data Center user tiers as Atlassian sells them (Jira Software / JSM agents). A licence's
/// `numberOfSeats` is normally one of these; pass `targetSeats` when yours differs.
pub const TIERS: &[i64] = &[
    25, 50, 100, 250, 500, 750, 1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10000, 15000, 20000, 25000,
    30000, 35000, 40000, 45000, 50000, 60000, 70000, 80000, 90000, 100000,
];

/// The tier a licence of `seats` is on: the smallest tier that holds it.
pub fn current_tier(seats: i64) -> i64 {
    TIERS.iter().copied().find(|&t| t >= seats).unwrap_or(seats)
}

/// The tier below the current one, if any.
pub fn next_lower_tier(seats: i64) -> Option<i64> {
    let cur = current_tier(seats);
    TIERS.iter().copied().filter(|&t| t < cur).max()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Seats(i64),
    /// Keep this many seats free under the licence limit.
    Headroom(i64),
    NextLowerTier,
}

pub struct TierOptions<'a> {
    pub as_of: i64,
    pub actor: Option<&'a str>,
    pub role: &'a str,
    pub target: Target,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct TierPlan {
    pub role: String,
    pub name: String,
    pub number_of_seats: Option<i64>,
    pub seats_used: usize,
    pub target: i64,
    pub target_source: &'static str,
    pub needed: usize,
    pub reachable: bool,
    pub shortfall: usize,
    pub candidates: Vec<Candidate>,
    pub excluded: Excluded,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Candidate {
    pub user: String,
    pub display_name: String,
    pub last_login: Option<String>,
    pub days_inactive: i64,
    pub groups: Vec<String>,
    pub reason: String,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Excluded {
    pub protected: usize,
    pub unknown_last_login: usize,
    /// Never logged in, creation date not known (could be a new account).
    pub unknown_created: usize,
}

/// Why a tier plan cannot be made (reported as a problem on the options).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TierError {
    #[error("the snapshot has no application role \"{0}\"")]
    UnknownRole(String),
    #[error("role {0} has no seat limit (unlimited or not reported): give targetSeats instead")]
    NoSeatLimit(String),
    #[error("role {0} is already on the lowest tier")]
    NoLowerTier(String),
}

pub fn plan_tier(policy: &Policy, snapshot: &Snapshot, opts: &TierOptions) -> Result<TierPlan, TierError> {
    let role = snapshot
        .roles
        .iter()
        .find(|r| r.key.eq_ignore_ascii_case(opts.role))
        .ok_or_else(|| TierError::UnknownRole(opts.role.to_string()))?;
    let limit = (!role.has_unlimited_seats)
        .then_some(role.number_of_seats)
        .flatten()
        .filter(|n| *n > 0);
    let (target, source) = match opts.target {
        Target::Seats(n) => (n, "targetSeats"),
        Target::Headroom(h) => (
            limit.ok_or_else(|| TierError::NoSeatLimit(role.key.clone()))? - h,
            "headroom",
        ),
        Target::NextLowerTier => {
            let l = limit.ok_or_else(|| TierError::NoSeatLimit(role.key.clone()))?;
            (
                next_lower_tier(l).ok_or_else(|| TierError::NoLowerTier(role.key.clone()))?,
                "nextLowerTier",
            )
        }
    };
    let set = role_groups(snapshot, &role.groups);
    let r = snapshot.roles.iter().position(|x| std::ptr::eq(x, role)).unwrap_or(0);
    let used = seats_per_role(snapshot, &group_role_masks(snapshot))
        .get(r)
        .copied()
        .unwrap_or(0);
    let needed = (used as i64 - target.max(0)).max(0) as usize;
    let m = Matcher::new(policy, snapshot, opts.as_of, opts.actor);

    let mut excluded = Excluded::default();
    // (never-logged-in first among equals? no: by days idle, which for never-logged-in users
    // counts from creation), then by username for a stable answer.
    let mut pool: Vec<(i64, &crate::snapshot::User)> = Vec::new();
    for u in snapshot
        .users
        .iter()
        .filter(|u| u.active && u.groups.iter().any(|g| set.contains(g)))
    {
        if m.protection(u).is_some() {
            excluded.protected += 1;
            continue;
        }
        let days = match u.last_login {
            LastLogin::At(t) => whole_days(opts.as_of, t),
            // Never logged in and created who knows when: maybe yesterday. Not a candidate.
            // Without `created`, its upper bound `createdBefore` gives a lower bound of the age (M15).
            LastLogin::Never => match u.created.or(u.created_before) {
                Some(c) => whole_days(opts.as_of, c),
                None => {
                    excluded.unknown_created += 1;
                    continue;
                }
            },
            LastLogin::Unknown => {
                excluded.unknown_last_login += 1;
                continue;
            }
        };
        pool.push((days, u));
    }
    pool.sort_unstable_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.name_lower.cmp(&b.1.name_lower)));
    let candidates: Vec<Candidate> = pool
        .iter()
        .take(needed)
        .map(|(days, u)| {
            let groups: Vec<String> = u
                .groups
                .iter()
                .filter(|g| set.contains(g))
                .map(|&g| snapshot.groups.name(g).to_string())
                .collect();
            let (last_login, reason) = match u.last_login {
                LastLogin::At(t) => (Some(format_instant(t)), format!("last login {days} days ago")),
                _ => (None, format!("never logged in; created {days} days ago")),
            };
            Candidate {
                user: u.name.to_string(),
                display_name: u.display_name.to_string(),
                last_login,
                days_inactive: *days,
                groups,
                reason,
            }
        })
        .collect();
    let shortfall = needed - candidates.len();
    Ok(TierPlan {
        role: role.key.clone(),
        name: role.name.clone(),
        number_of_seats: role.number_of_seats,
        seats_used: used,
        target,
        target_source: source,
        needed,
        reachable: shortfall == 0,
        shortfall,
        candidates,
        excluded,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiers() {
        assert_eq!(current_tier(500), 500);
        assert_eq!(current_tier(480), 500);
        assert_eq!(next_lower_tier(500), Some(250));
        assert_eq!(next_lower_tier(2000), Some(1000));
        assert_eq!(next_lower_tier(25), None);
        assert_eq!(current_tier(200_000), 200_000);
    }
}
