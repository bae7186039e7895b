//! The options of each entry point (`asOf`, `actor`, thresholds ...), parsed strictly: a typo in
//! an option must not silently fall back to a default.

use crate::code::Code;
use crate::dashboard::Thresholds;
use crate::problem::{Problem, Source};
use crate::snapshot::Snapshot;
use crate::tier::{Target, TierError};
use crate::time::parse_instant;
use serde::de::DeserializeOwned;
use serde::Deserialize;

pub struct PlanOpts {
    pub as_of: i64,
    pub actor: Option<String>,
    /// Plan as this schedule runs: only its rules.
    pub schedule: Option<String>,
    /// `sent`: the warnings already sent (M16); `None` when not given.
    pub sent: Option<crate::warn::SentIndex>,
    /// Warnings about `sent`: records dated after `asOf` that do not count (`options.sentInFuture`).
    pub sent_warnings: Vec<Problem>,
}

pub struct DashboardOpts {
    pub as_of: i64,
    pub actor: Option<String>,
    pub thresholds: Thresholds,
}

pub struct TierOpts {
    pub as_of: i64,
    pub actor: Option<String>,
    pub role: String,
    pub target: Target,
}

pub struct NextRunsOpts {
    pub from: i64,
    pub count: usize,
}

pub const MAX_COUNT: usize = 1000;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RawPlan {
    as_of: Option<String>,
    #[serde(default)]
    actor: Option<String>,
    #[serde(default)]
    schedule: Option<String>,
    #[serde(default)]
    sent: Option<serde_json::Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RawDashboard {
    as_of: Option<String>,
    #[serde(default)]
    actor: Option<String>,
    #[serde(default)]
    low_usage_days: Option<u64>,
    #[serde(default)]
    inactive_days: Option<u64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RawTier {
    as_of: Option<String>,
    #[serde(default)]
    actor: Option<String>,
    role: Option<String>,
    #[serde(default)]
    target_seats: Option<i64>,
    #[serde(default)]
    headroom: Option<i64>,
    #[serde(default)]
    next_lower_tier: Option<bool>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RawNextRuns {
    from: Option<String>,
    #[serde(default)]
    count: Option<u64>,
}

fn err(code: Code, path: &str, msg: impl Into<String>) -> Problem {
    Problem::error(Source::Options, code, path, msg)
}

fn parse<T: DeserializeOwned>(text: &str) -> Result<T, Vec<Problem>> {
    let mut de = serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let path = if path == "." { String::new() } else { path };
        vec![err(Code::OptionsInvalid, &path, format!("options: {}", e.into_inner()))]
    })
}

pub(crate) fn instant(v: Option<String>, name: &str) -> Result<i64, Problem> {
    let s = v.ok_or_else(|| {
        err(
            Code::OptionsMissing,
            name,
            format!("{name} is required (an RFC 3339 instant)"),
        )
    })?;
    parse_instant(&s).ok_or_else(|| {
        err(
            Code::OptionsInvalidTimestamp,
            name,
            format!("{name} \"{s}\" is not an RFC 3339 instant like 2026-11-27T00:00:00Z"),
        )
    })
}

pub(crate) fn actor(a: Option<String>) -> Option<String> {
    a.map(|a| a.trim().to_string()).filter(|a| !a.is_empty())
}

pub fn plan(text: &str) -> Result<PlanOpts, Vec<Problem>> {
    let r: RawPlan = parse(text)?;
    let as_of = instant(r.as_of, "asOf");
    // `null` is the same as leaving `sent` out. Without a valid `asOf` no record can be told to
    // lie in the future: its shape is still checked (against no bound) so every error is reported.
    let bound = as_of.as_ref().map_or(i64::MAX, |&t| t);
    let sent = match r
        .sent
        .filter(|v| !v.is_null())
        .map(|v| crate::warn::parse_sent(&v, bound))
    {
        Some(Ok((s, w))) => Ok((Some(s), w)),
        Some(Err(e)) => Err(e),
        None => Ok((None, Vec::new())),
    };
    match (as_of, sent) {
        (Ok(as_of), Ok((sent, sent_warnings))) => Ok(PlanOpts {
            as_of,
            actor: actor(r.actor),
            schedule: r.schedule.map(|s| s.trim().to_string()).filter(|s| !s.is_empty()),
            sent,
            sent_warnings,
        }),
        (a, s) => Err(a.err().into_iter().chain(s.err().into_iter().flatten()).collect()),
    }
}

pub fn dashboard(text: &str) -> Result<DashboardOpts, Vec<Problem>> {
    let r: RawDashboard = parse(text)?;
    let d = Thresholds::default();
    let thresholds = Thresholds {
        low_usage_days: r.low_usage_days.unwrap_or(d.low_usage_days),
        inactive_days: r.inactive_days.unwrap_or(d.inactive_days),
    };
    let mut problems = Vec::new();
    if thresholds.low_usage_days > thresholds.inactive_days {
        problems.push(err(
            Code::OptionsInvalidThresholds,
            "lowUsageDays",
            format!(
                "lowUsageDays ({}) must not be more than inactiveDays ({})",
                thresholds.low_usage_days, thresholds.inactive_days
            ),
        ));
    }
    let as_of = instant(r.as_of, "asOf").map_err(|e| problems.push(e)).ok();
    match as_of {
        Some(as_of) if problems.is_empty() => Ok(DashboardOpts {
            as_of,
            actor: actor(r.actor),
            thresholds,
        }),
        _ => Err(problems),
    }
}

pub fn tier(text: &str) -> Result<TierOpts, Vec<Problem>> {
    let r: RawTier = parse(text)?;
    let mut problems = Vec::new();
    let as_of = instant(r.as_of, "asOf").map_err(|e| problems.push(e)).ok();
    let role = r.role.filter(|s| !s.trim().is_empty());
    if role.is_none() {
        problems.push(err(
            Code::OptionsMissing,
            "role",
            "role is required (an application role key, e.g. jira-software)",
        ));
    }
    let chosen = [
        r.target_seats.is_some(),
        r.headroom.is_some(),
        r.next_lower_tier == Some(true),
    ];
    let target = match (r.target_seats, r.headroom, r.next_lower_tier) {
        _ if chosen.iter().filter(|c| **c).count() != 1 => {
            problems.push(err(
                Code::OptionsTarget,
                "",
                "give exactly one target: targetSeats, headroom, or nextLowerTier: true",
            ));
            None
        }
        (Some(n), _, _) if n < 0 => {
            problems.push(err(
                Code::OptionsInvalid,
                "targetSeats",
                "targetSeats must be 0 or more",
            ));
            None
        }
        (_, Some(h), _) if h < 0 => {
            problems.push(err(Code::OptionsInvalid, "headroom", "headroom must be 0 or more"));
            None
        }
        (Some(n), _, _) => Some(Target::Seats(n)),
        (_, Some(h), _) => Some(Target::Headroom(h)),
        _ => Some(Target::NextLowerTier),
    };
    match (as_of, role, target) {
        (Some(as_of), Some(role), Some(target)) if problems.is_empty() => Ok(TierOpts {
            as_of,
            actor: actor(r.actor),
            role,
            target,
        }),
        _ => Err(problems),
    }
}

pub fn tier_error(e: &TierError, s: &Snapshot) -> Problem {
    match e {
        TierError::UnknownRole(r) => err(
            Code::OptionsUnknownRole,
            "role",
            format!(
                "the snapshot has no application role \"{r}\" (it has: {})",
                s.roles.iter().map(|r| r.key.as_str()).collect::<Vec<_>>().join(", ")
            ),
        ),
        TierError::NoSeatLimit(r) => err(
            Code::OptionsNoSeatLimit,
            "role",
            format!("role {r} has no seat limit (unlimited or not reported): give targetSeats instead"),
        ),
        TierError::NoLowerTier(r) => err(
            Code::OptionsNoLowerTier,
            "nextLowerTier",
            format!("role {r} is already on the lowest tier"),
        ),
    }
}

pub fn next_runs(text: &str) -> Result<NextRunsOpts, Vec<Problem>> {
    let r: RawNextRuns = parse(text)?;
    let mut problems = Vec::new();
    let from = instant(r.from, "from").map_err(|e| problems.push(e)).ok();
    let count = r.count.unwrap_or(5);
    if count == 0 || count > MAX_COUNT as u64 {
        problems.push(err(
            Code::OptionsInvalid,
            "count",
            format!("count must be 1 to {MAX_COUNT}, found {count}"),
        ));
    }
    match from {
        Some(from) if problems.is_empty() => Ok(NextRunsOpts {
            from,
            count: count as usize,
        }),
        _ => Err(problems),
    }
}
