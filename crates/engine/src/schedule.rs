//! Cron schedules: parses classic five-field cron expressions and lists their next run instants
//! in an IANA time zone.
//!
//! **Why hand-written.** Time zones come from [`crate::zone`]: a compact table of UTC-offset
//! changes from 2000 to 2099 that `build.rs` generates from `chrono-tz` (the IANA database). The
//! cron part is a small strict parser rather than the `croner` crate: croner accepts extras that
//! this contract must reject (seconds and year fields, `L`, `W`, `#`, `?`, a `+` prefix), treats
//! only a literal `*` as an unrestricted day field where cronie treats any field that starts with
//! `*` so (`*/2`), and pulls in `derive_builder` and `strum`; a pre-validator would have been a
//! full parser anyway. Its DST rules match ours. Measured in a wasm32 release build, croner adds
//! about 28 KB gzipped where this module adds about 11 KB. Dependencies: `chrono`.
//!
//! **Syntax** (as cronie): `minute hour day-of-month month day-of-week`, fields separated by
//! blanks. Each field is a comma list of `*`, `N`, `A-B`, `*/S`, `A-B/S` or `A/S` (= `A-max/S`).
//! Months take `JAN`-`DEC`, days of week `SUN`-`SAT` (three letters, any case). Day of week is
//! 0-7, both 0 and 7 being Sunday (so `MON/2` is Mon, Wed, Fri, Sun). A range must not run
//! backwards (`SAT-SUN` is an error: write `6-7`); a step is 1 to the field's maximum. Leading
//! zeros are allowed. The cronie macros `@yearly`/`@annually`
//! (`0 0 1 1 *`), `@monthly` (`0 0 1 * *`), `@weekly` (`0 0 * * 0`), `@daily`/`@midnight`
//! (`0 0 * * *`) and `@hourly` (`0 * * * *`) are accepted; `@reboot`, seconds, years, `L`, `W`,
//! `#`, `?` and anything else are rejected with a message naming the field and the token.
//!
//! **Day rule** (Vixie cron / cronie): a day field is *unrestricted* when its text starts with
//! `*` (so `*/2` counts as unrestricted, as cronie's `DOM_STAR`/`DOW_STAR` flags do). When both
//! day-of-month and day-of-week are restricted, a day matching *either* runs; otherwise a day
//! must match both (in effect, the restricted one).
//!
//! **Time zones and DST** (cronie's rules, stated as a pure function of the zone's wall clock).
//! A job is *fixed-time* when neither its minute nor its hour field starts with `*`
//! (`30 2 * * *`, `0 3 * * MON`), and *wildcard* otherwise (`0 * * * *`, `*/15 * * * *`).
//! - Wall times that exist once run at that instant.
//! - Skipped wall times (spring forward): a fixed-time job scheduled in the gap runs once, at the
//!   first instant after the gap (Europe/Oslo 2027-03-28 `30 2 * * *` runs at 03:00 CEST =
//!   01:00Z); a wildcard job's times in the gap do not run (cronie runs only the current minute's
//!   wildcard jobs after a jump). Applied to gaps of any length, where cronie stops catching up
//!   after a 3-hour jump.
//! - Repeated wall times (fall back): a fixed-time job runs once, at the first occurrence; a
//!   wildcard job runs at both occurrences (an hourly job runs at 02:00 CEST and 02:00 CET).
//! - Runs that coincide are reported once; the list is strictly increasing.
//!
//! `next_runs` stops when it finds no run in [`HORIZON_DAYS`] days (just over 9 years, more than
//! the 8-year gap between two 29 Februaries across 2100), so `0 0 30 FEB *` returns nothing
//! quickly. The zone table (like chrono-tz 0.10) holds offset changes up to 2099; later years
//! keep the last offset, and instants before 2000 take the offset in force at 2000-01-01.

pub use crate::zone::parse_zone;
use crate::zone::{LocalResolution, Zone};
use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveTime, TimeDelta, Utc};

/// A search gives up after this many days without a run.
pub const HORIZON_DAYS: u64 = 9 * 366;

/// A parsed classic five-field cron expression.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CronSpec {
    /// Bit `m` set for each minute 0-59.
    minutes: u64,
    /// Bit `h` set for each hour 0-23.
    hours: u32,
    /// Bit `d` set for each day of month 1-31.
    days: u32,
    /// Bit `m` set for each month 1-12.
    months: u16,
    /// Bit `d` set for each weekday, 0 = Sunday .. 6 = Saturday.
    weekdays: u8,
    /// The day-of-month field starts with `*`.
    dom_star: bool,
    /// The day-of-week field starts with `*`.
    dow_star: bool,
    /// Neither the minute nor the hour field starts with `*` (cronie's fixed-time job).
    fixed_time: bool,
}

struct Field {
    name: &'static str,
    low: u32,
    high: u32,
    names: &'static [&'static str],
    /// The value of `names[0]`.
    name_base: u32,
}

const MONTH_NAMES: &[&str] = &[
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const DAY_NAMES: &[&str] = &["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

const MINUTE: Field = Field {
    name: "minute",
    low: 0,
    high: 59,
    names: &[],
    name_base: 0,
};
const HOUR: Field = Field {
    name: "hour",
    low: 0,
    high: 23,
    names: &[],
    name_base: 0,
};
const DAY_OF_MONTH: Field = Field {
    name: "day-of-month",
    low: 1,
    high: 31,
    names: &[],
    name_base: 0,
};
const MONTH: Field = Field {
    name: "month",
    low: 1,
    high: 12,
    names: MONTH_NAMES,
    name_base: 1,
};
const DAY_OF_WEEK: Field = Field {
    name: "day-of-week",
    low: 0,
    high: 7,
    names: DAY_NAMES,
    name_base: 0,
};

const FIELD_LIST: &str = "minute hour day-of-month month day-of-week";

/// Parses `minute hour day-of-month month day-of-week` (see the module documentation for the
/// accepted syntax). The error names the field and the offending token.
pub fn parse_cron(expr: &str) -> Result<CronSpec, String> {
    let fields: Vec<&str> = expr.split_whitespace().collect();
    match fields.as_slice() {
        [] => Err(format!("empty cron expression: expected 5 fields ({FIELD_LIST})")),
        [one] if one.starts_with('@') => parse_cron(macro_expansion(one)?),
        [first, ..] if first.starts_with('@') => Err(format!(
            "\"{first}\" must stand alone, found {} fields in \"{}\"",
            fields.len(),
            expr.trim()
        )),
        [minute, hour, dom, month, dow] => {
            let minutes = parse_field(&MINUTE, minute)?;
            let hours = parse_field(&HOUR, hour)?;
            let days = parse_field(&DAY_OF_MONTH, dom)?;
            let months = parse_field(&MONTH, month)?;
            let dow_bits = parse_field(&DAY_OF_WEEK, dow)?;
            // 7 is Sunday too.
            let weekdays = ((dow_bits | (dow_bits >> 7)) & 0x7f) as u8;
            Ok(CronSpec {
                minutes,
                hours: hours as u32,
                days: days as u32,
                months: months as u16,
                weekdays,
                dom_star: dom.starts_with('*'),
                dow_star: dow.starts_with('*'),
                fixed_time: !minute.starts_with('*') && !hour.starts_with('*'),
            })
        }
        _ => {
            let hint = if fields.len() > 5 {
                " (a seconds or year field is not supported)"
            } else {
                ""
            };
            Err(format!(
                "expected 5 fields ({FIELD_LIST}), found {} in \"{}\"{hint}",
                fields.len(),
                expr.trim()
            ))
        }
    }
}

fn macro_expansion(word: &str) -> Result<&'static str, String> {
    match word.to_ascii_lowercase().as_str() {
        "@yearly" | "@annually" => Ok("0 0 1 1 *"),
        "@monthly" => Ok("0 0 1 * *"),
        "@weekly" => Ok("0 0 * * 0"),
        "@daily" | "@midnight" => Ok("0 0 * * *"),
        "@hourly" => Ok("0 * * * *"),
        "@reboot" => Err("\"@reboot\" is not a schedule: it has no run times".to_string()),
        _ => Err(format!(
            "unknown macro \"{word}\": expected @yearly, @annually, @monthly, @weekly, @daily, \
             @midnight or @hourly, or 5 fields ({FIELD_LIST})"
        )),
    }
}

/// Parses one field into a bit set (bit `v` for each value `v`).
fn parse_field(field: &Field, text: &str) -> Result<u64, String> {
    let mut bits = 0u64;
    for item in text.split(',') {
        bits |= parse_item(field, item, text)?;
    }
    Ok(bits)
}

fn parse_item(f: &Field, item: &str, text: &str) -> Result<u64, String> {
    if item.is_empty() {
        return Err(format!("{}: empty list item in \"{text}\"", f.name));
    }
    reject_extensions(f, item, text)?;
    let (base, step) = match item.split_once('/') {
        None => (item, None),
        Some((base, step)) => (base, Some(parse_step(f, step, item, text)?)),
    };
    let (lo, hi) = if base == "*" {
        (f.low, f.high)
    } else if base.is_empty() {
        return Err(format!(
            "{}: \"{item}\" has no start before '/' in \"{text}\" (write \"*{item}\")",
            f.name
        ));
    } else if let Some((a, b)) = base.split_once('-') {
        if b.contains('-') {
            return Err(format!("{}: \"{item}\" has more than one '-' in \"{text}\"", f.name));
        }
        let a = parse_value(f, a, item, text)?;
        let b = parse_value(f, b, item, text)?;
        if a > b {
            let hint = if f.names == DAY_NAMES && b == 0 {
                " (Sunday is also 7)"
            } else {
                ""
            };
            return Err(format!(
                "{}: range \"{base}\" runs backwards in \"{text}\"{hint}",
                f.name
            ));
        }
        (a, b)
    } else {
        let a = parse_value(f, base, item, text)?;
        // cronie: `A/S` means `A-max/S`.
        (a, if step.is_some() { f.high } else { a })
    };
    let step = step.unwrap_or(1);
    let mut bits = 0u64;
    let mut v = lo;
    while v <= hi {
        bits |= 1u64 << v;
        v += step;
    }
    Ok(bits)
}

/// Quartz and other extensions that classic cron does not have.
fn reject_extensions(f: &Field, item: &str, text: &str) -> Result<(), String> {
    let upper = item.to_ascii_uppercase();
    let digits_then = |suffix: char| {
        upper
            .strip_suffix(suffix)
            .is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
    };
    let what = if upper.contains('?') {
        Some("'?' (no specific value) is Quartz syntax; use '*'")
    } else if upper.contains('#') {
        Some("'#' (nth weekday of the month) is not classic cron syntax")
    } else if upper == "LW" {
        Some("'LW' (last weekday of the month) is not classic cron syntax")
    } else if upper == "L" || upper.starts_with("L-") || digits_then('L') {
        Some("'L' (last day) is not classic cron syntax")
    } else if digits_then('W') {
        Some("'W' (nearest weekday) is not classic cron syntax")
    } else {
        None
    };
    match what {
        Some(why) => Err(format!("{}: unsupported \"{item}\" in \"{text}\": {why}", f.name)),
        None => Ok(()),
    }
}

fn parse_step(f: &Field, step: &str, item: &str, text: &str) -> Result<u32, String> {
    if step.is_empty() {
        return Err(format!("{}: missing step after '/' in \"{text}\"", f.name));
    }
    if !step.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "{}: step \"{step}\" in \"{item}\" is not a number in \"{text}\"",
            f.name
        ));
    }
    match step.parse::<u32>() {
        Ok(n) if (1..=f.high).contains(&n) => Ok(n),
        _ => Err(format!(
            "{}: step {step} in \"{item}\" is out of range 1-{} in \"{text}\"",
            f.name, f.high
        )),
    }
}

fn parse_value(f: &Field, s: &str, item: &str, text: &str) -> Result<u32, String> {
    if s.is_empty() {
        return Err(format!("{}: \"{item}\" is missing a number in \"{text}\"", f.name));
    }
    if s.bytes().all(|b| b.is_ascii_digit()) {
        return match s.parse::<u32>() {
            Ok(n) if (f.low..=f.high).contains(&n) => Ok(n),
            _ => Err(format!("{}: {s} is out of range {}-{}", f.name, f.low, f.high)),
        };
    }
    if s.bytes().all(|b| b.is_ascii_alphabetic()) {
        if f.names.is_empty() {
            return Err(format!(
                "{}: \"{s}\" is not a number in \"{text}\" (names are allowed in month and \
                 day-of-week only)",
                f.name
            ));
        }
        if let Some(i) = f.names.iter().position(|n| n.eq_ignore_ascii_case(s)) {
            return Ok(f.name_base + i as u32);
        }
        let first = f.names.first().copied().unwrap_or_default();
        let last = f.names.last().copied().unwrap_or_default();
        return Err(format!(
            "{}: unknown name \"{s}\" in \"{text}\" (expected {first}-{last}, three letters)",
            f.name
        ));
    }
    let kind = if f.names.is_empty() {
        "a number"
    } else {
        "a number or name"
    };
    Err(format!("{}: \"{s}\" is not {kind} in \"{text}\"", f.name))
}

impl CronSpec {
    /// Does the cron run on this local calendar day (month and the Vixie day rule)?
    fn runs_on_day(&self, day: NaiveDate) -> bool {
        if self.months & (1 << day.month()) == 0 {
            return false;
        }
        let dom = self.days & (1 << day.day()) != 0;
        let dow = self.weekdays & (1 << day.weekday().num_days_from_sunday()) != 0;
        if self.dom_star || self.dow_star {
            dom && dow
        } else {
            dom || dow
        }
    }

    /// Appends the run instants of a matching local day to `out` (unsorted).
    fn runs_of_day(&self, tz: Zone, day: NaiveDate, out: &mut Vec<DateTime<Utc>>) {
        let mut hours = self.hours;
        while hours != 0 {
            let h = hours.trailing_zeros();
            hours &= hours - 1;
            let mut minutes = self.minutes;
            while minutes != 0 {
                let m = minutes.trailing_zeros();
                minutes &= minutes - 1;
                let Some(time) = NaiveTime::from_hms_opt(h, m, 0) else {
                    continue;
                };
                let local = day.and_time(time).and_utc().timestamp();
                let instant = |t: i64| DateTime::from_timestamp(t, 0);
                match tz.resolve_local(local) {
                    LocalResolution::Single(t) => out.extend(instant(t)),
                    LocalResolution::Ambiguous(earlier, later) => {
                        out.extend(instant(earlier));
                        if !self.fixed_time {
                            out.extend(instant(later));
                        }
                    }
                    LocalResolution::Gap { after_gap_instant } => {
                        if self.fixed_time {
                            out.extend(instant(after_gap_instant));
                        }
                    }
                }
            }
        }
    }
}

/// The next `count` run instants strictly after `from`, in UTC, in increasing order. Fewer (or
/// none) when the cron finds no run within [`HORIZON_DAYS`] days of the last one found.
pub fn next_runs(spec: &CronSpec, tz: Zone, from: DateTime<Utc>, count: usize) -> Vec<DateTime<Utc>> {
    let mut out = Vec::with_capacity(count.min(1024));
    if count == 0 {
        return out;
    }
    // Start a day before `from`'s local date: after a fall back, or a gap that crosses
    // midnight, a run of the previous local day can still come after `from`.
    let offset = tz.offset_at_utc(from.timestamp());
    let from_local = from
        .naive_utc()
        .checked_add_signed(TimeDelta::seconds(i64::from(offset)))
        .map_or_else(|| from.date_naive(), |t| t.date());
    let mut day = from_local.pred_opt().unwrap_or(from_local);
    let horizon_after = |d: NaiveDate| d.checked_add_days(Days::new(HORIZON_DAYS)).unwrap_or(NaiveDate::MAX);
    let mut horizon = horizon_after(from_local);
    let mut last = from;
    let mut buf = Vec::new();
    while day <= horizon {
        if spec.runs_on_day(day) {
            buf.clear();
            spec.runs_of_day(tz, day, &mut buf);
            buf.sort_unstable();
            for &t in &buf {
                if t > last {
                    out.push(t);
                    last = t;
                    horizon = horizon_after(day);
                    if out.len() == count {
                        return out;
                    }
                }
            }
        }
        match day.succ_opt() {
            Some(next) => day = next,
            None => break,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDateTime, Timelike};

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_else(|e| panic!("bad test time {s}: {e}"))
    }

    fn runs(expr: &str, zone: &str, from: &str, count: usize) -> Vec<String> {
        let spec = parse_cron(expr).unwrap_or_else(|e| panic!("{expr}: {e}"));
        let tz = parse_zone(zone).unwrap_or_else(|e| panic!("{zone}: {e}"));
        next_runs(&spec, tz, at(from), count)
            .iter()
            .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
            .collect()
    }

    fn zone(name: &str) -> Zone {
        parse_zone(name).unwrap_or_else(|e| panic!("{name}: {e}"))
    }

    fn err(expr: &str) -> String {
        match parse_cron(expr) {
            Ok(spec) => panic!("{expr} parsed as {spec:?}"),
            Err(e) => e,
        }
    }

    #[test]
    fn contract_example_weekly_in_oslo() {
        assert_eq!(
            runs("0 3 * * MON", "Europe/Oslo", "2026-11-27T00:00:00Z", 3),
            ["2026-11-30T02:00:00Z", "2026-12-07T02:00:00Z", "2026-12-14T02:00:00Z"]
        );
    }

    #[test]
    fn summer_time_shifts_the_utc_instant() {
        assert_eq!(
            runs("0 3 * * MON", "Europe/Oslo", "2027-03-20T00:00:00Z", 2),
            ["2027-03-22T02:00:00Z", "2027-03-29T01:00:00Z"]
        );
    }

    #[test]
    fn strictly_after_from() {
        assert_eq!(
            runs("0 3 * * *", "UTC", "2026-11-27T03:00:00Z", 1),
            ["2026-11-28T03:00:00Z"]
        );
        assert_eq!(
            runs("0 3 * * *", "UTC", "2026-11-27T02:59:59.999Z", 1),
            ["2026-11-27T03:00:00Z"]
        );
        assert!(runs("0 3 * * *", "UTC", "2026-11-27T00:00:00Z", 0).is_empty());
    }

    #[test]
    fn names_ranges_lists_steps() {
        assert_eq!(
            runs("15,45 9-10 * * mon-FRI", "UTC", "2026-11-27T00:00:00Z", 5),
            [
                "2026-11-27T09:15:00Z",
                "2026-11-27T09:45:00Z",
                "2026-11-27T10:15:00Z",
                "2026-11-27T10:45:00Z",
                "2026-11-30T09:15:00Z"
            ]
        );
        assert_eq!(
            runs("*/20 0 1 jan,Jul *", "UTC", "2026-11-27T00:00:00Z", 4),
            [
                "2027-01-01T00:00:00Z",
                "2027-01-01T00:20:00Z",
                "2027-01-01T00:40:00Z",
                "2027-07-01T00:00:00Z"
            ]
        );
        // A-B/S and A/S (= A-max/S).
        assert_eq!(
            runs("10-30/10 22/1 * * *", "UTC", "2026-11-27T00:00:00Z", 4),
            [
                "2026-11-27T22:10:00Z",
                "2026-11-27T22:20:00Z",
                "2026-11-27T22:30:00Z",
                "2026-11-27T23:10:00Z"
            ]
        );
        assert_eq!(
            runs("0 0 1 FEB-DEC/3 *", "UTC", "2026-11-27T00:00:00Z", 3),
            ["2027-02-01T00:00:00Z", "2027-05-01T00:00:00Z", "2027-08-01T00:00:00Z"]
        );
        // Leading zeros are numbers.
        assert_eq!(parse_cron("05 03 01 01 00"), parse_cron("5 3 1 1 0"));
        // Blanks of any kind and amount separate fields.
        assert_eq!(parse_cron(" 0\t3  * *\nMON "), parse_cron("0 3 * * 1"));
    }

    #[test]
    fn macros_expand_as_cronie() {
        assert_eq!(parse_cron("@daily"), parse_cron("0 0 * * *"));
        assert_eq!(parse_cron("@midnight"), parse_cron("0 0 * * *"));
        assert_eq!(parse_cron("@HOURLY"), parse_cron("0 * * * *"));
        assert_eq!(parse_cron("@weekly"), parse_cron("0 0 * * 0"));
        assert_eq!(parse_cron("@monthly"), parse_cron("0 0 1 * *"));
        assert_eq!(parse_cron("@yearly"), parse_cron("0 0 1 1 *"));
        assert_eq!(parse_cron("@annually"), parse_cron("0 0 1 1 *"));
        assert!(err("@reboot").contains("@reboot"));
        assert!(err("@fortnightly").contains("unknown macro \"@fortnightly\""));
        assert!(err("@daily 5").contains("must stand alone"));
    }

    #[test]
    fn vixie_or_when_both_day_fields_are_restricted() {
        // 1st of the month OR any Monday.
        assert_eq!(
            runs("0 0 1 * MON", "UTC", "2026-11-27T00:00:00Z", 5),
            [
                "2026-11-30T00:00:00Z",
                "2026-12-01T00:00:00Z",
                "2026-12-07T00:00:00Z",
                "2026-12-14T00:00:00Z",
                "2026-12-21T00:00:00Z"
            ]
        );
        // Only one restricted: it alone decides.
        assert_eq!(
            runs("0 0 13 * *", "UTC", "2026-11-27T00:00:00Z", 2),
            ["2026-12-13T00:00:00Z", "2027-01-13T00:00:00Z"]
        );
    }

    #[test]
    fn star_step_in_a_day_field_is_unrestricted_as_cronie() {
        // `*/2` in day-of-month starts with '*', so AND: odd days that are Mondays.
        assert_eq!(
            runs("0 0 */2 * MON", "UTC", "2026-11-27T00:00:00Z", 3),
            ["2026-12-07T00:00:00Z", "2026-12-21T00:00:00Z", "2027-01-11T00:00:00Z"]
        );
        // `1-31/2` does not start with '*': OR, so every odd day and every Monday.
        assert_eq!(
            runs("0 0 1-31/2 * MON", "UTC", "2026-11-27T00:00:00Z", 4),
            [
                "2026-11-29T00:00:00Z",
                "2026-11-30T00:00:00Z",
                "2026-12-01T00:00:00Z",
                "2026-12-03T00:00:00Z"
            ]
        );
        // `*/2` in day-of-week with a restricted day-of-month: AND.
        assert_eq!(
            runs("0 0 1 * */2", "UTC", "2026-11-27T00:00:00Z", 2),
            // 2026-12-01 Tue, 2027-01-01 Fri (no), 2027-02-01 Mon (no), 2027-03-01 Mon (no),
            // 2027-04-01 Thu.
            ["2026-12-01T00:00:00Z", "2027-04-01T00:00:00Z"]
        );
    }

    #[test]
    fn day_of_week_seven_is_sunday() {
        assert_eq!(parse_cron("0 0 * * 7"), parse_cron("0 0 * * 0"));
        assert_eq!(parse_cron("0 0 * * 7"), parse_cron("0 0 * * sun"));
        assert_eq!(parse_cron("0 0 * * 5-7"), parse_cron("0 0 * * FRI,SAT,SUN"));
        assert_eq!(
            runs("0 12 * * 7", "UTC", "2026-11-27T00:00:00Z", 2),
            ["2026-11-29T12:00:00Z", "2026-12-06T12:00:00Z"]
        );
    }

    #[test]
    fn oslo_spring_forward_fixed_time_runs_after_the_gap() {
        // 2027-03-28: 02:00 CET jumps to 03:00 CEST (01:00Z); 02:30 does not exist.
        assert_eq!(
            runs("30 2 * * *", "Europe/Oslo", "2027-03-26T12:00:00Z", 4),
            [
                "2027-03-27T01:30:00Z", // 02:30 CET
                "2027-03-28T01:00:00Z", // skipped 02:30 runs at 03:00 CEST
                "2027-03-29T00:30:00Z", // 02:30 CEST
                "2027-03-30T00:30:00Z"
            ]
        );
        // Two times inside the gap still run once.
        assert_eq!(
            runs("0,30 2 28 3 *", "Europe/Oslo", "2027-03-01T00:00:00Z", 1),
            ["2027-03-28T01:00:00Z"]
        );
        // From inside the gap instant-wise: 00:59:59Z is 01:59:59 CET.
        assert_eq!(
            runs("30 2 * * *", "Europe/Oslo", "2027-03-28T00:59:59Z", 1),
            ["2027-03-28T01:00:00Z"]
        );
        assert_eq!(
            runs("30 2 * * *", "Europe/Oslo", "2027-03-28T01:00:00Z", 1),
            ["2027-03-29T00:30:00Z"]
        );
    }

    #[test]
    fn oslo_spring_forward_wildcard_job_skips_the_gap() {
        assert_eq!(
            runs("0 * * * *", "Europe/Oslo", "2027-03-27T23:30:00Z", 4),
            [
                "2027-03-28T00:00:00Z", // 01:00 CET
                "2027-03-28T01:00:00Z", // 03:00 CEST (02:00 does not exist)
                "2027-03-28T02:00:00Z", // 04:00 CEST
                "2027-03-28T03:00:00Z"
            ]
        );
        // Every 30 minutes during 02:xx: nothing that day.
        assert_eq!(
            runs("*/30 2 * * *", "Europe/Oslo", "2027-03-27T12:00:00Z", 2),
            ["2027-03-29T00:00:00Z", "2027-03-29T00:30:00Z"]
        );
    }

    #[test]
    fn oslo_fall_back_fixed_time_runs_once_at_first_occurrence() {
        // 2026-10-25: 03:00 CEST falls back to 02:00 CET (01:00Z); 02:30 happens twice.
        assert_eq!(
            runs("30 2 * * *", "Europe/Oslo", "2026-10-23T12:00:00Z", 4),
            [
                "2026-10-24T00:30:00Z", // 02:30 CEST
                "2026-10-25T00:30:00Z", // first 02:30 (CEST), not 01:30Z
                "2026-10-26T01:30:00Z", // 02:30 CET
                "2026-10-27T01:30:00Z"
            ]
        );
        assert_eq!(
            runs("30 2 * * *", "Europe/Oslo", "2027-10-30T12:00:00Z", 2),
            ["2027-10-31T00:30:00Z", "2027-11-01T01:30:00Z"]
        );
        // From between the two occurrences: the second is not a run.
        assert_eq!(
            runs("30 2 * * *", "Europe/Oslo", "2026-10-25T00:45:00Z", 1),
            ["2026-10-26T01:30:00Z"]
        );
    }

    #[test]
    fn oslo_fall_back_hourly_job_runs_both_two_oclocks() {
        assert_eq!(
            runs("0 * * * *", "Europe/Oslo", "2026-10-24T22:30:00Z", 5),
            [
                "2026-10-24T23:00:00Z", // 01:00 CEST
                "2026-10-25T00:00:00Z", // 02:00 CEST
                "2026-10-25T01:00:00Z", // 02:00 CET
                "2026-10-25T02:00:00Z", // 03:00 CET
                "2026-10-25T03:00:00Z"
            ]
        );
        // A wildcard job scheduled in the repeated hour runs in both passes, in order.
        assert_eq!(
            runs("*/30 2 * * *", "Europe/Oslo", "2026-10-24T12:00:00Z", 5),
            [
                "2026-10-25T00:00:00Z",
                "2026-10-25T00:30:00Z",
                "2026-10-25T01:00:00Z",
                "2026-10-25T01:30:00Z",
                "2026-10-26T01:00:00Z"
            ]
        );
    }

    #[test]
    fn new_york() {
        // DST ends 2026-11-01 (01:00-02:00 repeats); starts 2027-03-14 (02:00-03:00 skipped).
        assert_eq!(
            runs("30 1 * * *", "America/New_York", "2026-10-31T12:00:00Z", 3),
            // 01:30 EDT; the first 01:30 (EDT) only; 01:30 EST.
            ["2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z", "2026-11-03T06:30:00Z"]
        );
        assert_eq!(
            runs("30 2 * * *", "America/New_York", "2027-03-13T12:00:00Z", 2),
            ["2027-03-14T07:00:00Z", "2027-03-15T06:30:00Z"]
        );
    }

    #[test]
    fn lord_howe_half_hour_dst() {
        // Australia/Lord_Howe: +10:30 standard, +11 summer. Summer starts 2026-10-04 at 02:00
        // (-> 02:30); ends 2027-04-04 at 02:00 (-> 01:30, so 01:30-02:00 repeats).
        assert_eq!(
            runs("15 2 * * *", "Australia/Lord_Howe", "2026-10-02T00:00:00Z", 3),
            [
                "2026-10-02T15:45:00Z", // 02:15 +10:30
                "2026-10-03T15:30:00Z", // gap: runs at 02:30 +11
                "2026-10-04T15:15:00Z"  // 02:15 +11
            ]
        );
        assert_eq!(
            runs("45 1 * * *", "Australia/Lord_Howe", "2027-04-02T00:00:00Z", 3),
            [
                "2027-04-02T14:45:00Z", // 01:45 +11
                "2027-04-03T14:45:00Z", // first 01:45 (+11) only
                "2027-04-04T15:15:00Z"  // 01:45 +10:30
            ]
        );
        assert_eq!(
            runs("*/15 1 4 4 *", "Australia/Lord_Howe", "2027-04-01T00:00:00Z", 6),
            [
                "2027-04-03T14:00:00Z",
                "2027-04-03T14:15:00Z",
                "2027-04-03T14:30:00Z", // 01:30 +11
                "2027-04-03T14:45:00Z",
                "2027-04-03T15:00:00Z", // 01:30 +10:30
                "2027-04-03T15:15:00Z"
            ]
        );
    }

    #[test]
    fn kolkata_has_no_dst() {
        assert_eq!(
            runs("0 9 * * 1-5", "Asia/Kolkata", "2026-11-27T00:00:00Z", 2),
            ["2026-11-27T03:30:00Z", "2026-11-30T03:30:00Z"]
        );
    }

    #[test]
    fn leap_days_only() {
        assert_eq!(
            runs("0 0 29 FEB *", "UTC", "2026-11-27T00:00:00Z", 3),
            ["2028-02-29T00:00:00Z", "2032-02-29T00:00:00Z", "2036-02-29T00:00:00Z"]
        );
        // 2100 is not a leap year: eight years between 2096 and 2104.
        assert_eq!(
            runs("0 0 29 2 *", "UTC", "2095-01-01T00:00:00Z", 2),
            ["2096-02-29T00:00:00Z", "2104-02-29T00:00:00Z"]
        );
    }

    #[test]
    fn impossible_dates_terminate_with_no_runs() {
        for expr in ["0 0 30 FEB *", "0 0 31 4,6,9,11 *", "0 0 31 2 *"] {
            let spec = parse_cron(expr).unwrap_or_else(|e| panic!("{e}"));
            let start = std::time::Instant::now();
            let got = next_runs(&spec, zone("Europe/Oslo"), at("2026-11-27T00:00:00Z"), 1000);
            assert!(got.is_empty(), "{expr}: {got:?}");
            assert!(start.elapsed().as_secs() < 2, "{expr} took {:?}", start.elapsed());
        }
        // OR rule makes 30 FEB reachable through the weekday.
        assert_eq!(
            runs("0 0 30 FEB MON", "UTC", "2026-11-27T00:00:00Z", 1),
            ["2027-02-01T00:00:00Z"]
        );
    }

    #[test]
    fn many_runs_are_increasing_and_fast() {
        let spec = parse_cron("* * * * *").unwrap_or_else(|e| panic!("{e}"));
        let got = next_runs(&spec, zone("America/New_York"), at("2026-11-27T00:00:00Z"), 1000);
        assert_eq!(got.len(), 1000);
        assert!(got.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(got[0], at("2026-11-27T00:01:00Z"));
        assert_eq!(got[999], at("2026-11-27T16:40:00Z"));
        // Across a whole year with DST both ways: every real minute once for a wildcard job.
        let got = next_runs(
            &parse_cron("*/15 * * * *").unwrap_or_else(|e| panic!("{e}")),
            zone("Europe/Oslo"),
            at("2026-10-24T00:00:00Z"),
            1000,
        );
        assert!(got.windows(2).all(|w| (w[1] - w[0]).num_minutes() == 15));
    }

    #[test]
    fn field_errors_name_field_and_token() {
        assert_eq!(err("60 * * * *"), "minute: 60 is out of range 0-59");
        assert_eq!(err("0 24 * * *"), "hour: 24 is out of range 0-23");
        assert_eq!(err("0 0 0 * *"), "day-of-month: 0 is out of range 1-31");
        assert_eq!(err("0 0 32 * *"), "day-of-month: 32 is out of range 1-31");
        assert_eq!(err("0 0 * 13 *"), "month: 13 is out of range 1-12");
        assert_eq!(err("0 0 * 0 *"), "month: 0 is out of range 1-12");
        assert_eq!(err("0 0 * * 8"), "day-of-week: 8 is out of range 0-7");
        assert_eq!(
            err("0 0 * * 1-99999999999"),
            "day-of-week: 99999999999 is out of range 0-7"
        );
        assert!(err("0 0 * * MOM").starts_with("day-of-week: unknown name \"MOM\" in \"MOM\""));
        assert!(err("0 0 * * MONDAY").starts_with("day-of-week: unknown name \"MONDAY\""));
        assert!(err("0 0 * JANUARY *").starts_with("month: unknown name \"JANUARY\""));
        assert!(err("0 0 * MON *").starts_with("month: unknown name \"MON\""));
        assert!(err("MON 0 * * *").starts_with("minute: \"MON\" is not a number in \"MON\""));
        assert_eq!(
            err("0 0 * * 5x"),
            "day-of-week: \"5x\" is not a number or name in \"5x\""
        );
        assert_eq!(err("1,,2 * * * *"), "minute: empty list item in \"1,,2\"");
        assert_eq!(err("0 0 1, * *"), "day-of-month: empty list item in \"1,\"");
        assert_eq!(
            err("*/0 * * * *"),
            "minute: step 0 in \"*/0\" is out of range 1-59 in \"*/0\""
        );
        assert_eq!(
            err("*/60 * * * *"),
            "minute: step 60 in \"*/60\" is out of range 1-59 in \"*/60\""
        );
        assert_eq!(err("*/ * * * *"), "minute: missing step after '/' in \"*/\"");
        assert!(err("*/2/3 * * * *").starts_with("minute: step \"2/3\""));
        assert!(err("/5 * * * *").starts_with("minute: \"/5\" has no start"));
        assert!(err("0 5-1 * * *").starts_with("hour: range \"5-1\" runs backwards"));
        assert!(err("0 0 * * SAT-SUN").contains("Sunday is also 7"));
        assert!(err("0 -5 * * *").starts_with("hour: \"-5\" is missing a number"));
        assert!(err("0 1-2-3 * * *").starts_with("hour: \"1-2-3\" has more than one '-'"));
        assert_eq!(err("0 0 ~ * *"), "day-of-month: \"~\" is not a number in \"~\"");
        assert_eq!(
            err("0 0 * * +1"),
            "day-of-week: \"+1\" is not a number or name in \"+1\""
        );
    }

    #[test]
    fn field_count_errors() {
        assert!(err("").starts_with("empty cron expression"));
        assert!(err("   ").starts_with("empty cron expression"));
        assert!(err("0 3 * *").starts_with("expected 5 fields (minute hour day-of-month month day-of-week), found 4"));
        let six = err("0 0 3 * * MON");
        assert!(six.starts_with("expected 5 fields"), "{six}");
        assert!(six.contains("found 6") && six.contains("seconds"), "{six}");
        assert!(err("0 0 3 * * MON 2027").contains("found 7"));
    }

    #[test]
    fn quartz_extensions_are_rejected() {
        assert_eq!(
            err("0 0 L * *"),
            "day-of-month: unsupported \"L\" in \"L\": 'L' (last day) is not classic cron syntax"
        );
        assert!(err("0 0 L-3 * *").starts_with("day-of-month: unsupported \"L-3\""));
        let w = err("0 0 15W * *");
        assert!(
            w.starts_with("day-of-month: unsupported \"15W\" in \"15W\": 'W'"),
            "{w}"
        );
        assert!(err("0 0 1,LW * *").starts_with("day-of-month: unsupported \"LW\" in \"1,LW\""));
        assert!(err("0 0 * * 5L").starts_with("day-of-week: unsupported \"5L\""));
        assert!(err("0 0 * * MON#2").starts_with("day-of-week: unsupported \"MON#2\" in \"MON#2\": '#'"));
        assert!(err("0 0 * * 1#2").contains("'#'"));
        assert!(err("0 0 ? * MON").starts_with("day-of-month: unsupported \"?\" in \"?\": '?'"));
        assert!(err("0 0 1 * ?").starts_with("day-of-week: unsupported \"?\""));
        assert!(err("H 0 * * *").starts_with("minute: \"H\" is not a number"));
        // WED and SAT are names, not W/L suffixes.
        assert!(parse_cron("0 0 * * WED,SAT").is_ok());
    }

    #[test]
    fn zones() {
        assert_eq!(parse_zone("Europe/Oslo").map(Zone::name), Ok("Europe/Oslo"));
        assert_eq!(parse_zone("UTC").map(Zone::name), Ok("UTC"));
        assert_eq!(
            parse_zone("America/Argentina/Buenos_Aires").map(Zone::name),
            Ok("America/Argentina/Buenos_Aires")
        );
        let e = parse_zone("europe/oslo").err().unwrap_or_default();
        assert!(
            e.contains("\"europe/oslo\"") && e.contains("did you mean \"Europe/Oslo\""),
            "{e}"
        );
        let e = parse_zone("Oslo").err().unwrap_or_default();
        assert!(e.contains("\"Europe/Oslo\""), "{e}");
        let e = parse_zone("Europe/Olso").err().unwrap_or_default();
        assert!(e.starts_with("unknown time zone \"Europe/Olso\""), "{e}");
        let e = parse_zone("america/port-au-prince").err().unwrap_or_default();
        assert!(e.contains("did you mean \"America/Port-au-Prince\"?"), "{e}");
        let e = parse_zone("utc").err().unwrap_or_default();
        assert!(e.contains("\"UTC\""), "{e}");
        let e = parse_zone("etc/gmt+5").err().unwrap_or_default();
        assert!(e.contains("\"Etc/GMT+5\""), "{e}");
        let e = parse_zone("us/pacific").err().unwrap_or_default();
        assert!(e.contains("\"US/Pacific\""), "{e}");
        let e = parse_zone(" Europe/Oslo ").err().unwrap_or_default();
        assert!(e.contains("\"Europe/Oslo\""), "{e}");
        let e = parse_zone("Mars/Olympus_Mons").err().unwrap_or_default();
        assert!(e.starts_with("unknown time zone \"Mars/Olympus_Mons\""), "{e}");
        assert!(parse_zone("").is_err());
        assert!(parse_zone("New York")
            .err()
            .unwrap_or_default()
            .contains("America/New_York"));
    }

    /// cronie's loop, minute by minute in UTC: a wildcard job runs whenever the wall clock
    /// matches; a fixed-time job runs when the wall clock matches for the first time, and once
    /// after a jump forward if any skipped wall minute matched.
    fn simulate(spec: &CronSpec, tz: Zone, from: DateTime<Utc>, count: usize) -> Vec<DateTime<Utc>> {
        let wall = |u: DateTime<Utc>| u.naive_utc() + TimeDelta::seconds(i64::from(tz.offset_at_utc(u.timestamp())));
        let matches = |w: NaiveDateTime| {
            spec.runs_on_day(w.date()) && spec.hours & (1 << w.hour()) != 0 && spec.minutes & (1 << w.minute()) != 0
        };
        let mut out = Vec::new();
        let mut seen_max = wall(from);
        let mut u = from + TimeDelta::seconds(60 - from.timestamp().rem_euclid(60));
        let mut prev = wall(u - TimeDelta::minutes(1));
        while out.len() < count && u < from + TimeDelta::days(8) {
            let w = wall(u);
            let mut run = matches(w) && (!spec.fixed_time || w > seen_max);
            if spec.fixed_time && !run {
                let mut skipped = prev + TimeDelta::minutes(1);
                while skipped < w {
                    run |= matches(skipped);
                    skipped += TimeDelta::minutes(1);
                }
            }
            if run {
                out.push(u);
            }
            seen_max = seen_max.max(w);
            prev = w;
            u += TimeDelta::minutes(1);
        }
        out
    }

    #[test]
    fn agrees_with_minute_by_minute_simulation() {
        let specs = [
            "30 2 * * *",
            "0,30 2 * * *",
            "*/20 1-3 * * *",
            "0 * * * *",
            "15 2 * * SUN",
            "45 1,2 25-31 3,10 *",
            "*/7 2 * * *",
            "59 1 * * *",
            "0 3 * * *",
            "0 0 * * *",
            "10 0-4/2 * 3,4,9,10 0",
        ];
        let cases = [
            ("Europe/Oslo", "2026-10-20T00:00:00Z"),
            ("Europe/Oslo", "2027-03-24T00:00:00Z"),
            ("America/New_York", "2026-10-29T00:00:00Z"),
            ("America/New_York", "2027-03-10T00:00:00Z"),
            ("Australia/Lord_Howe", "2026-10-01T00:00:00Z"),
            ("Australia/Lord_Howe", "2027-04-01T00:00:00Z"),
            ("America/Santiago", "2026-09-01T00:00:00Z"),
            ("America/Santiago", "2027-04-01T00:00:00Z"),
            ("Asia/Kolkata", "2026-11-27T00:00:00Z"),
        ];
        for expr in specs {
            let spec = parse_cron(expr).unwrap_or_else(|e| panic!("{e}"));
            for (zone, from) in cases {
                let tz = parse_zone(zone).unwrap_or_else(|e| panic!("{e}"));
                let want = simulate(&spec, tz, at(from), 40);
                let got = next_runs(&spec, tz, at(from), 40);
                // The simulation stops after 8 days, past each case's transition.
                let got = &got[..want.len().min(got.len())];
                assert_eq!(got, want, "{expr} in {zone} from {from}");
            }
        }
    }
}
