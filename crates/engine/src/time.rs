//! Instants: parsed leniently (RFC 3339 and Jira's `+1000` offsets), kept as milliseconds since
//! the Unix epoch (cheap to compare for a million users), printed as RFC 3339 UTC.

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, TimeZone, Timelike, Utc};

pub const DAY_MS: i64 = 86_400_000;

/// Parses an instant: RFC 3339 (`2026-11-27T10:00:00Z`, `...+01:00`, fractions allowed) or Jira's
/// `2023-08-30T16:37:01+1000` / `2023-08-30T16:37:01.123+1000`. A bare date or a time without an
/// offset is refused (its meaning would depend on a zone we do not know).
pub fn parse_instant(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Some(ms) = fast_utc(s) {
        return Some(ms);
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return Some(dt.timestamp_millis());
    }
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%dT%H:%M:%S%z",
        "%Y-%m-%d %H:%M:%S%.f%z",
    ] {
        if let Ok(dt) = DateTime::parse_from_str(s, fmt) {
            return Some(dt.timestamp_millis());
        }
    }
    None
}

/// Like [`parse_instant`], but a bare `YYYY-MM-DD` means 00:00 UTC that day (service-account expiry).
pub fn parse_instant_or_date(s: &str) -> Option<i64> {
    if let Some(ms) = parse_instant(s) {
        return Some(ms);
    }
    let d = NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()?;
    let dt: NaiveDateTime = d.and_hms_opt(0, 0, 0)?;
    Some(Utc.from_utc_datetime(&dt).timestamp_millis())
}

/// Fast path for the forms hosts send (`2026-11-27T10:00:00Z`, `...T20:00:00+1000`,
/// `...T11:00:00.123+01:00`): this is the bulk of a large snapshot, and chrono's general parser
/// costs several times more. Anything else falls through to chrono.
fn fast_utc(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let mut v = 0u32;
        for &c in b.get(r)? {
            if !c.is_ascii_digit() {
                return None;
            }
            v = v * 10 + u32::from(c - b'0');
        }
        Some(v)
    };
    let mut i = 19;
    let mut millis = 0u32;
    if b[i] == b'.' {
        let start = i + 1;
        i = start;
        while i < b.len() && b[i].is_ascii_digit() {
            if i - start < 3 {
                millis = millis * 10 + u32::from(b[i] - b'0');
            }
            i += 1;
        }
        let digits = i - start;
        if digits == 0 {
            return None;
        }
        for _ in digits..3 {
            millis *= 10;
        }
    }
    let offset_secs: i64 = match &b[i..] {
        [b'Z'] | [b'z'] => 0,
        [sign @ (b'+' | b'-'), ..] => {
            let rest = &b[i + 1..];
            let (h, m) = match rest.len() {
                4 => (num(i + 1..i + 3)?, num(i + 3..i + 5)?),
                5 if rest[2] == b':' => (num(i + 1..i + 3)?, num(i + 4..i + 6)?),
                _ => return None,
            };
            if h > 23 || m > 59 {
                return None;
            }
            let o = i64::from(h * 3600 + m * 60);
            if *sign == b'-' {
                -o
            } else {
                o
            }
        }
        _ => return None,
    };
    let date = NaiveDate::from_ymd_opt(num(0..4)? as i32, num(5..7)?, num(8..10)?)?;
    let dt = date.and_hms_milli_opt(num(11..13)?, num(14..16)?, num(17..19)?, millis)?;
    Some(dt.and_utc().timestamp_millis() - offset_secs * 1000)
}

/// `2026-11-27T10:00:00Z` (milliseconds only when not zero). Written out by hand: chrono's
/// `format` re-parses its pattern on every call, which showed up at a million users.
pub fn format_instant(ms: i64) -> String {
    match DateTime::<Utc>::from_timestamp_millis(ms) {
        Some(dt) if (0..=9999).contains(&dt.year()) => {
            let (d, t) = (dt.date_naive(), dt.time());
            let base = format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
                d.year(),
                d.month(),
                d.day(),
                t.hour(),
                t.minute(),
                t.second()
            );
            match ms.rem_euclid(1000) {
                0 => base + "Z",
                frac => format!("{base}.{frac:03}Z"),
            }
        }
        _ => ms.to_string(),
    }
}

/// `2026-11-27` (UTC).
pub fn format_date(ms: i64) -> String {
    match DateTime::<Utc>::from_timestamp_millis(ms) {
        Some(dt) if (0..=9999).contains(&dt.year()) => format!("{:04}-{:02}-{:02}", dt.year(), dt.month(), dt.day()),
        _ => ms.to_string(),
    }
}

pub fn to_datetime(ms: i64) -> Option<DateTime<Utc>> {
    DateTime::<Utc>::from_timestamp_millis(ms)
}

/// Whole days from `earlier` to `later` (floor; negative when `earlier` is in the future).
pub fn whole_days(later: i64, earlier: i64) -> i64 {
    (later - earlier).div_euclid(DAY_MS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rfc3339_and_jira_offsets() {
        let z = parse_instant("2023-08-30T06:37:01Z").unwrap();
        assert_eq!(parse_instant("2023-08-30T16:37:01+1000"), Some(z));
        assert_eq!(parse_instant("2023-08-30T16:37:01+10:00"), Some(z));
        assert_eq!(parse_instant("2023-08-30T16:37:01.000+1000"), Some(z));
        assert_eq!(parse_instant("2023-08-30T06:37:01.000Z"), Some(z));
        assert_eq!(parse_instant("2023-08-29T21:37:01-0900"), Some(z));
        assert_eq!(parse_instant(" 2023-08-30T06:37:01Z "), Some(z));
        assert_eq!(parse_instant("2023-08-30T06:37:01.25Z"), Some(z + 250));
        assert_eq!(parse_instant("2023-08-30T06:37:01.123456Z"), Some(z + 123));
        assert_eq!(parse_instant("2023-08-30T07:37:01+01"), None);
        assert_eq!(parse_instant("2023-08-30T16:37:01+2400"), None);
        assert_eq!(parse_instant("2023-08-30T16:37:01.+1000"), None);
    }

    #[test]
    fn refuses_ambiguous_or_broken() {
        for bad in [
            "",
            "2023-08-30",
            "2023-08-30T06:37:01",
            "yesterday",
            "2023-02-30T00:00:00Z",
            "2023-08-30T25:00:00Z",
        ] {
            assert_eq!(parse_instant(bad), None, "{bad}");
        }
    }

    #[test]
    fn dates_mean_midnight_utc() {
        assert_eq!(
            parse_instant_or_date("2027-06-30"),
            parse_instant("2027-06-30T00:00:00Z")
        );
        assert_eq!(parse_instant_or_date("2027-06-31"), None);
    }

    #[test]
    fn formats_and_counts_days() {
        let t = parse_instant("2026-11-27T10:00:00Z").unwrap();
        assert_eq!(format_instant(t), "2026-11-27T10:00:00Z");
        assert_eq!(format_instant(t + 5), "2026-11-27T10:00:00.005Z");
        assert_eq!(format_date(t), "2026-11-27");
        assert_eq!(whole_days(t, t - 90 * DAY_MS), 90);
        assert_eq!(whole_days(t, t - 90 * DAY_MS + 1), 89);
        assert_eq!(whole_days(t, t + 1), -1);
    }
}
