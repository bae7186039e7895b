//! User Cleanup's rules engine: decides which Jira users a cleanup policy actions, and why.
//!
//! Pure: no I/O, no clock (the evaluation instant `asOf` is always an input), no WebAssembly.
//! Every entry point here takes JSON text and answers with an [`Outcome`]: a value, or the list
//! of problems (`{code, path, message}`) that stopped it, plus warnings.

pub mod bulk;
pub mod code;
pub mod conditions;
pub mod dashboard;
pub mod decide;
pub mod impact;
pub mod matcher;
pub mod pattern;
pub mod plan;
pub mod policy;
pub mod problem;
pub mod query;
pub mod removable;
pub mod schedule;
pub mod scope;
pub mod snapshot;
pub mod tier;
pub mod time;
pub mod warn;
pub mod warn_outcomes;
pub mod zone;

mod checks;
mod group_input;
mod json_words;
mod options;
#[cfg(test)]
mod test_json;

pub use bulk::plan_bulk_entry as plan_bulk;
pub use code::{Code, Kind};
pub use dashboard::{Dashboard, DashboardOptions, Thresholds};
pub use plan::{Plan, PlanOptions};
pub use policy::{parse_policy, Policy};
pub use problem::{Outcome, Problem, Severity, Source};
pub use removable::removable_groups;
pub use scope::policy_groups_entry as policy_groups;
pub use snapshot::{parse_snapshot, Snapshot};
pub use tier::{Target, TierOptions, TierPlan};

use chrono::Datelike;
use serde::Serialize;

pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// What `validate` reports on success.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Validation {
    pub rules: usize,
    pub schedules: usize,
    /// Users in the snapshot, when one was given.
    pub users: Option<usize>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct NextRuns {
    pub schedules: Vec<ScheduleRuns>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ScheduleRuns {
    pub id: String,
    pub next: Vec<String>,
    /// `false`: the schedule is switched off (its next instants are still listed, for the page).
    pub enabled: bool,
    /// `run` or `preview`.
    pub mode: policy::ScheduleMode,
}

/// Parses the policy and, when given, the snapshot, collecting every problem of both.
fn load<'a>(policy: &str, snapshot: Option<&'a str>) -> (Option<Policy>, Option<Snapshot<'a>>, Vec<Problem>) {
    let (policy, mut problems) = parse_policy(policy);
    let snapshot = snapshot.and_then(|s| match parse_snapshot(s) {
        Ok(s) => Some(s),
        Err(p) => {
            problems.extend(p);
            None
        }
    });
    if let (Some(p), Some(s)) = (&policy, &snapshot) {
        problems.extend(checks::cross_check(p, s));
    }
    (policy, snapshot, problems)
}

fn split(problems: Vec<Problem>) -> (Vec<Problem>, Vec<Problem>) {
    problems.into_iter().partition(Problem::is_error)
}

/// Validates a policy, and a snapshot against it when one is given.
pub fn validate(policy: &str, snapshot: Option<&str>) -> Outcome<Validation> {
    let (p, s, problems) = load(policy, snapshot);
    let (errors, warnings) = split(problems);
    match p {
        Some(p) if errors.is_empty() => Outcome::Success {
            value: Validation {
                rules: p.rules.len(),
                schedules: p.schedules.len(),
                users: s.map(|s| s.users.len()),
            },
            warnings,
        },
        _ => Outcome::Failure { errors, warnings },
    }
}

/// What an entry point works on once every input parsed: the policy and snapshot it asked for,
/// its options, and the warnings so far.
type Gathered<'a, O> = (Option<Policy>, Option<Snapshot<'a>>, O, Vec<Problem>);

/// Parses every input an entry point needs and collects all their problems before deciding, so
/// that the caller sees every problem at once. `extra` adds checks that need the policy and the
/// options together (e.g. service accounts expired at `asOf`).
fn gather<'a, O>(
    policy: Option<&str>,
    snapshot: Option<&'a str>,
    options: Result<O, Vec<Problem>>,
    extra: impl FnOnce(&Policy, &O) -> Vec<Problem>,
) -> Result<Gathered<'a, O>, Outcome<std::convert::Infallible>> {
    let (p, s, mut problems) = match policy {
        Some(policy) => load(policy, snapshot),
        None => match snapshot.map(parse_snapshot) {
            Some(Ok(s)) => (None, Some(s), Vec::new()),
            Some(Err(e)) => (None, None, e),
            None => (None, None, Vec::new()),
        },
    };
    let o = match options {
        Ok(o) => Some(o),
        Err(e) => {
            problems.extend(e);
            None
        }
    };
    if let (Some(p), Some(o)) = (&p, &o) {
        problems.extend(extra(p, o));
    }
    let (errors, warnings) = split(problems);
    match o {
        Some(o) if errors.is_empty() => Ok((p, s, o, warnings)),
        _ => Err(Outcome::Failure { errors, warnings }),
    }
}

/// Re-types a failure (it carries no value).
fn failed<T>(o: Outcome<std::convert::Infallible>) -> Outcome<T> {
    match o {
        Outcome::Failure { errors, warnings } => Outcome::Failure { errors, warnings },
        Outcome::Success { value, .. } => match value {},
    }
}

/// An input the entry point needs went missing without a reported problem: cannot happen (a
/// parser that returns nothing always says why), but answered as data, never a panic.
fn missing<T>(warnings: Vec<Problem>) -> Outcome<T> {
    Outcome::Failure {
        errors: vec![Problem::error(
            Source::Options,
            Code::InternalMissingInput,
            "",
            "an input could not be read",
        )],
        warnings,
    }
}

/// The plan for `policy` over `snapshot`. `options`: `{"asOf": "...", "actor"?: "...", "schedule"?: "id"}`;
/// with `schedule`, only the rules that schedule names are evaluated (all of them when it names none).
pub fn plan(policy: &str, snapshot: &str, options: &str) -> Outcome<Plan> {
    over_scheduled_policy(policy, snapshot, options, plan::plan)
}

/// Who a rule with `warn` warns now, who waits, who may be acted on, and who it will select
/// within its `daysBefore` days (M16). `options`: as `plan`'s, with `sent: [{user, rule, sentAt}]`
/// (the warnings already sent; absent = none).
pub fn warnings(policy: &str, snapshot: &str, options: &str) -> Outcome<warn::Warnings> {
    over_scheduled_policy(policy, snapshot, options, warn::warnings)
}

/// Per rule with `warn`: the users warned, how many logged in again after their warning, and of
/// those how many only once, more than once, or not known (no previous login in the snapshot).
/// `options`: as `warnings`'.
pub fn warning_outcomes(policy: &str, snapshot: &str, options: &str) -> Outcome<warn_outcomes::WarnOutcomes> {
    over_scheduled_policy(policy, snapshot, options, warn_outcomes::warn_outcomes)
}

/// Reads plan's inputs and runs `run` over the policy narrowed to the options' schedule: `plan`
/// and `warnings` must see exactly the same rules, or a warning would announce an action no plan takes.
fn over_scheduled_policy<T>(
    policy: &str,
    snapshot: &str,
    options: &str,
    run: impl FnOnce(&Policy, &Snapshot, &PlanOptions) -> T,
) -> Outcome<T> {
    match gather(Some(policy), Some(snapshot), options::plan(options), plan_checks) {
        Ok((Some(p), Some(s), o, warnings)) => {
            // A scheduled run evaluates only that schedule's rules (first-rule-wins among them).
            let p = match o.schedule.as_deref() {
                Some(id) => p.for_schedule(id).unwrap_or(p),
                None => p,
            };
            let value = run(
                &p,
                &s,
                &PlanOptions {
                    as_of: o.as_of,
                    actor: o.actor.as_deref(),
                    sent: o.sent.as_ref(),
                },
            );
            Outcome::Success { value, warnings }
        }
        Ok((.., warnings)) => missing(warnings),
        Err(f) => failed(f),
    }
}

/// Decides again, for one user, just before a runner changes the account (see [`decide`]).
/// `input`: `{"user": <the user as read now>, "planned": {"user", "key"?, "action", "groups"?, "rule"},
/// "previous"?: {"lastLogin"?, "created"?}, "applicationRoles"?: [...], "capturedAt"?}`;
/// `options`: as `plan`'s (`asOf` is now).
pub fn decide(policy: &str, input: &str, options: &str) -> Outcome<decide::Decision> {
    let (full, mut problems) = parse_policy(policy);
    let (input, input_problems) = decide::parse_input(input);
    problems.extend(input_problems);
    let opts = match options::plan(options) {
        Ok(o) => Some(o),
        Err(p) => {
            problems.extend(p);
            None
        }
    };
    if let Some(o) = &opts {
        problems.extend(o.sent_warnings.iter().cloned());
    }
    if let (Some(p), Some(o)) = (&full, &opts) {
        problems.extend(unknown_schedule(p, o));
    }
    let snapshot = match input.snapshot.as_deref().map(parse_snapshot) {
        Some(Ok(s)) => Some(s),
        Some(Err(p)) => {
            problems.extend(decide::snapshot_problems(p));
            None
        }
        None => None,
    };
    let (errors, warnings) = split(problems);
    match (&full, &input.planned, &opts, &snapshot) {
        (Some(full), Some(planned), Some(o), Some(s)) if errors.is_empty() => {
            let policy = match o.schedule.as_deref() {
                Some(id) => full.for_schedule(id).unwrap_or_else(|| full.clone()),
                None => full.clone(),
            };
            let value = decide::decide(
                full,
                &policy,
                s,
                planned,
                input.captured_at,
                &decide::DecideOptions {
                    as_of: o.as_of,
                    actor: o.actor.as_deref(),
                    schedule: o.schedule.as_deref(),
                    sent: o.sent.as_ref(),
                },
            );
            Outcome::Success { value, warnings }
        }
        _ if errors.is_empty() => missing(warnings),
        _ => Outcome::Failure { errors, warnings },
    }
}

/// The checks of plan's (and warnings') options against the policy: service accounts and
/// exceptions expired at `asOf`, an unknown schedule.
fn plan_checks(p: &Policy, o: &options::PlanOpts) -> Vec<Problem> {
    let mut problems = checks::expired_service_accounts(p, o.as_of);
    problems.extend(policy::expired_exceptions(&p.exceptions, o.as_of));
    problems.extend(unknown_schedule(p, o));
    // Warning records dated after asOf: left out of `sent`, said beside the answer.
    problems.extend(o.sent_warnings.iter().cloned());
    problems
}

/// The options' `schedule` when the policy has no such schedule (plan, warnings and decide).
fn unknown_schedule(p: &Policy, o: &options::PlanOpts) -> Option<Problem> {
    let id = o.schedule.as_deref().filter(|id| p.schedule(id).is_none())?;
    Some(Problem::error(
        Source::Options,
        Code::OptionsUnknownSchedule,
        "schedule",
        format!("the policy has no schedule \"{id}\""),
    ))
}

/// The dashboard. `policy` may be `None` (no protections, every email domain external).
/// `options`: `{"asOf", "actor"?, "lowUsageDays"?: 15, "inactiveDays"?: 30}`.
pub fn dashboard(policy: Option<&str>, snapshot: &str, options: &str) -> Outcome<Dashboard> {
    match gather(policy, Some(snapshot), options::dashboard(options), |_, _| Vec::new()) {
        Ok((p, Some(s), o, warnings)) if p.is_some() || policy.is_none() => {
            let opts = DashboardOptions {
                as_of: o.as_of,
                actor: o.actor.as_deref(),
                thresholds: o.thresholds,
            };
            Outcome::Success {
                value: dashboard::dashboard(p.as_ref(), &s, &opts),
                warnings,
            }
        }
        Ok((.., warnings)) => missing(warnings),
        Err(f) => failed(f),
    }
}

/// The users of `snapshot` that match `filter` (see [`query`]). `policy` may be `None` (nothing
/// protected but the actor, nobody listed for review, every email domain external).
/// `options`: as the dashboard's (`asOf`, `actor`?, `lowUsageDays`?, `inactiveDays`?: the buckets).
pub fn query(policy: Option<&str>, snapshot: &str, filter: &str, options: &str) -> Outcome<query::QueryResult> {
    let opts = match (options::dashboard(options), query::parse_filter(filter)) {
        (Ok(o), Ok(f)) => Ok((o, f)),
        (o, f) => Err(o.err().into_iter().chain(f.err()).flatten().collect()),
    };
    match gather(policy, Some(snapshot), opts, |_, _| Vec::new()) {
        Ok((p, Some(s), (o, f), mut warnings)) if p.is_some() || policy.is_none() => {
            warnings.extend(query::filter_warnings(&f, &s));
            let empty = Policy::empty();
            let value = query::query(
                p.as_ref().unwrap_or(&empty),
                &s,
                &f,
                &query::QueryOptions {
                    as_of: o.as_of,
                    actor: o.actor.as_deref(),
                    thresholds: o.thresholds,
                },
            );
            Outcome::Success { value, warnings }
        }
        Ok((.., warnings)) => missing(warnings),
        Err(e) => failed(e),
    }
}

/// Parses the policy and snapshot once for many queries (see [`query::Session`]); the answer's
/// warnings are the inputs' (each `Session::query` adds its filter's).
pub fn open_query(policy: Option<&str>, snapshot: &str, options: &str) -> Outcome<query::Session> {
    match gather(policy, Some(snapshot), options::dashboard(options), |_, _| Vec::new()) {
        Ok((p, Some(s), o, warnings)) if p.is_some() || policy.is_none() => Outcome::Success {
            value: query::Session::new(p.unwrap_or_else(Policy::empty), s, o.as_of, o.actor, o.thresholds),
            warnings,
        },
        Ok((.., warnings)) => missing(warnings),
        Err(e) => failed(e),
    }
}

/// Tier planning. `options`: `{"asOf", "actor"?, "role", one of "targetSeats" | "headroom" | "nextLowerTier": true}`.
pub fn plan_tier(policy: &str, snapshot: &str, options: &str) -> Outcome<TierPlan> {
    match gather(Some(policy), Some(snapshot), options::tier(options), |_, _| Vec::new()) {
        Ok((Some(p), Some(s), o, warnings)) => {
            let t = TierOptions {
                as_of: o.as_of,
                actor: o.actor.as_deref(),
                role: &o.role,
                target: o.target,
            };
            match tier::plan_tier(&p, &s, &t) {
                Ok(value) => Outcome::Success { value, warnings },
                Err(e) => Outcome::Failure {
                    errors: vec![options::tier_error(&e, &s)],
                    warnings,
                },
            }
        }
        Ok((.., warnings)) => missing(warnings),
        Err(f) => failed(f),
    }
}

/// The next `count` run instants of every schedule, strictly after `from`, in UTC (none past the
/// year 9999). `options`: `{"from": "...", "count": 5}`.
pub fn next_runs(policy: &str, options: &str) -> Outcome<NextRuns> {
    match gather(Some(policy), None, options::next_runs(options), |_, _| Vec::new()) {
        Ok((Some(p), _, o, warnings)) => {
            let from = time::to_datetime(o.from).unwrap_or_default();
            let schedules = p
                .schedules
                .iter()
                .map(|s| ScheduleRuns {
                    id: s.id.clone(),
                    next: match &s.spec {
                        Some((spec, tz)) => schedule::next_runs(spec, *tz, from, o.count)
                            .iter()
                            .filter(|t| t.year() <= 9999)
                            .map(|t| time::format_instant(t.timestamp_millis()))
                            .collect(),
                        None => Vec::new(),
                    },
                    enabled: s.enabled,
                    mode: s.mode,
                })
                .collect();
            Outcome::Success {
                value: NextRuns { schedules },
                warnings,
            }
        }
        Ok((.., warnings)) => missing(warnings),
        Err(f) => failed(f),
    }
}

/// Serialises an outcome as JSON text (the form that crosses to JavaScript).
pub fn to_json<T: Serialize>(outcome: &Outcome<T>) -> String {
    serde_json::to_string(outcome).unwrap_or_else(|e| {
        format!(
            r#"{{"type":"failure","errors":[{{"code":"{}","path":"","message":{},"source":"options","severity":"error"}}],"warnings":[]}}"#,
            Code::InternalSerialize.as_str(),
            serde_json::Value::String(e.to_string())
        )
    })
}
