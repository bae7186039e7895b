//! IANA time zones as a compact table of UTC-offset changes from 2000 to 2099.
//!
//! **Why not `chrono-tz` at run time.** chrono-tz compiles in every zone's full history (from
//! the 1800s, with abbreviations): about 127 KB of the WebAssembly module gzipped. Schedules only
//! need offsets from about now on, so `build.rs` reads chrono-tz (a build dependency: it stays
//! the source of truth) and writes, for every zone name it knows (links included), the offset in
//! force at 2000-01-01T00:00:00Z and each change of the total UTC offset up to 2100-01-01.
//! Zones with identical data share one table. The tables take 53 KB, 3.3 KB gzipped (the
//! encoding is described in `build.rs`), the 597 names 9 KB, 3.4 KB gzipped; the tests below
//! check them against chrono-tz for every zone. A zone's table is decoded on first use (a few
//! KB at most, kept for the life of the module), so lookups are binary searches.
//!
//! **Outside 2000-2099.** Instants before 2000-01-01 use the offset in force at 2000-01-01 (the
//! nearest known one; earlier history is not kept). Instants from 2100 on use the offset after
//! the last change, as chrono-tz does: its data holds no change after 2099 either.
//!
//! Instants here are seconds since 1970-01-01T00:00:00Z; a *local* time is the wall clock read
//! as if it were UTC (chrono's `NaiveDateTime::and_utc().timestamp()`).

use std::sync::OnceLock;

include!(concat!(env!("OUT_DIR"), "/zones.rs"));

/// 2000-01-01T00:00:00Z: the table knows offsets from here on.
pub const TABLE_START: i64 = 946_684_800;
/// 2100-01-01T00:00:00Z: the table holds the changes before this instant.
pub const TABLE_END: i64 = 4_102_444_800;

/// An IANA time zone, by its database name ("Europe/Oslo", "UTC", "US/Eastern").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Zone {
    name: &'static str,
    table: u16,
}

/// What a local wall-clock time is in UTC (instants in seconds since the Unix epoch).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocalResolution {
    /// The wall time happens once.
    Single(i64),
    /// The wall time happens twice (the clocks went back): the earlier and the later instant.
    Ambiguous(i64, i64),
    /// The wall time is skipped (the clocks went forward); `after_gap_instant` is the first
    /// instant after the gap.
    Gap { after_gap_instant: i64 },
}

/// The offset changes of one table, in order: `(instant, offset after it)`.
struct Changes {
    offsets: &'static [u8],
    deltas: &'static [u8],
    at: i64,
}

impl Iterator for Changes {
    type Item = (i64, i32);

    fn next(&mut self) -> Option<(i64, i32)> {
        let (&index, rest) = self.offsets.split_first()?;
        self.offsets = rest;
        let (delta, rest) = varint(self.deltas)?;
        self.deltas = rest;
        self.at = self.at.saturating_add((delta as i64).saturating_mul(UNIT));
        Some((self.at, offset_value(index)))
    }
}

/// A LEB128 varint and the bytes after it.
fn varint(bytes: &[u8]) -> Option<(u64, &[u8])> {
    let mut value = 0u64;
    for (i, &b) in bytes.iter().enumerate().take(10) {
        value |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Some((value, bytes.get(i + 1..)?));
        }
    }
    None
}

fn offset_value(index: u8) -> i32 {
    OFFSETS.get(usize::from(index)).copied().unwrap_or(0)
}

impl Zone {
    /// The zone with this exact database name (case-sensitive), if any.
    fn lookup(name: &str) -> Option<Zone> {
        NAMES
            .split('\n')
            .zip(NAME_TABLES.iter())
            .find(|(n, _)| *n == name)
            .map(|(name, &table)| Zone {
                name,
                table: u16::from(table),
            })
    }

    /// The database name, as parsed.
    pub fn name(self) -> &'static str {
        self.name
    }

    /// The offset in force from [`TABLE_START`] (before any change) and the changes after it.
    fn table(self) -> (i32, Changes) {
        let start = TABLE_STARTS.get(usize::from(self.table)).map_or(0, |&s| s as usize);
        let bytes = DATA.get(start..).unwrap_or_default();
        let (count, rest) = varint(bytes).unwrap_or((0, &[]));
        let count = usize::try_from(count).unwrap_or(0);
        let (first, rest) = rest.split_first().unwrap_or((&0, &[]));
        let (offsets, deltas) = rest.split_at(count.min(rest.len()));
        (
            offset_value(*first),
            Changes {
                offsets,
                deltas,
                at: TABLE_START,
            },
        )
    }

    /// The spans of constant offset, `(first instant, offset)`, in order; the first begins at
    /// `i64::MIN`. Decoded on first use, once per table, so lookups are binary searches.
    fn spans(self) -> &'static [(i64, i32)] {
        type Spans = OnceLock<Box<[(i64, i32)]>>;
        static DECODED: [Spans; TABLE_STARTS.len()] = [const { OnceLock::new() }; TABLE_STARTS.len()];
        match DECODED.get(usize::from(self.table)) {
            Some(cell) => cell.get_or_init(|| {
                let (first, changes) = self.table();
                std::iter::once((i64::MIN, first)).chain(changes).collect()
            }),
            None => &[(i64::MIN, 0)],
        }
    }

    /// Seconds east of UTC in force at the instant `utc` (seconds since the Unix epoch).
    pub fn offset_at_utc(self, utc: i64) -> i32 {
        let spans = self.spans();
        let i = spans.partition_point(|&(begin, _)| begin <= utc);
        spans.get(i.saturating_sub(1)).map_or(0, |s| s.1)
    }

    /// The instant(s) at which the wall clock shows `local` (a wall-clock time read as if it were
    /// UTC, in seconds since the Unix epoch).
    pub fn resolve_local(self, local: i64) -> LocalResolution {
        let spans = self.spans();
        // The last span that begins on the wall clock at or before `local` (spans are days
        // apart, far more than any offset change, so their wall-clock beginnings are in order
        // too). Only it and the span before it can contain `local`.
        let k = spans
            .partition_point(|&(begin, offset)| begin.saturating_add(i64::from(offset)) <= local)
            .saturating_sub(1);
        let instant_in = |i: usize| -> Option<i64> {
            let &(begin, offset) = spans.get(i)?;
            let end = spans.get(i + 1).map_or(i64::MAX, |s| s.0);
            let utc = local.saturating_sub(i64::from(offset));
            (begin <= utc && utc < end).then_some(utc)
        };
        match (k.checked_sub(1).and_then(instant_in), instant_in(k)) {
            (Some(earlier), Some(later)) => LocalResolution::Ambiguous(earlier, later),
            (Some(utc), None) | (None, Some(utc)) => LocalResolution::Single(utc),
            (None, None) => LocalResolution::Gap {
                after_gap_instant: spans.get(k + 1).map_or(i64::MAX, |s| s.0),
            },
        }
    }
}

/// Resolves an IANA zone name ("Europe/Oslo", "UTC"), exactly as spelled in the database
/// (links such as "US/Eastern" included). The error names the zone and, where one exists,
/// suggests the database spelling ("europe/oslo", "New York") or the area of a bare city
/// ("Oslo" -> "Europe/Oslo").
pub fn parse_zone(name: &str) -> Result<Zone, String> {
    if name.trim().is_empty() {
        return Err("time zone: empty name (expected an IANA name such as \"Europe/Oslo\" or \"UTC\")".into());
    }
    if let Some(zone) = Zone::lookup(name) {
        return Ok(zone);
    }
    let suggestions = near_zones(name);
    if suggestions.is_empty() {
        Err(format!(
            "unknown time zone \"{name}\" (expected an IANA name such as \"Europe/Oslo\" or \
             \"UTC\")"
        ))
    } else {
        Err(format!(
            "unknown time zone \"{name}\"; did you mean {}?",
            suggestions
                .iter()
                .map(|s| format!("\"{s}\""))
                .collect::<Vec<_>>()
                .join(" or ")
        ))
    }
}

/// Zone names that `name` may have meant: the same name in the database's spelling (case,
/// underscores for blanks) or a bare city with its area added. Built from lookups in the list of
/// names the zone table already has, so it adds no table of its own.
fn near_zones(name: &str) -> Vec<String> {
    const AREAS: &[&str] = &[
        "Europe",
        "America",
        "Asia",
        "Africa",
        "Australia",
        "Pacific",
        "Atlantic",
        "Indian",
        "Antarctica",
        "Arctic",
        "Etc",
        "US",
        "Canada",
        "Brazil",
        "Mexico",
        "Chile",
    ];
    let cleaned = name.trim().replace(' ', "_");
    let mut candidates = vec![cleaned.clone(), cleaned.to_ascii_uppercase(), database_case(&cleaned)];
    match cleaned.split_once('/') {
        Some((area, rest)) => {
            candidates.push(format!("{}/{}", area.to_ascii_uppercase(), database_case(rest)));
            candidates.push(format!("{}/{}", database_case(area), rest.to_ascii_uppercase()));
        }
        None => {
            let city = database_case(&cleaned);
            candidates.extend(AREAS.iter().map(|area| format!("{area}/{city}")));
        }
    }
    let mut found: Vec<String> = Vec::new();
    for candidate in candidates {
        if candidate != name && Zone::lookup(&candidate).is_some() && !found.contains(&candidate) {
            found.push(candidate);
        }
    }
    found.truncate(3);
    found
}

/// `america/port-au-prince` -> `America/Port-au-Prince`: each word capitalised, except the
/// few joining words the database writes in lower case.
fn database_case(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for (i, part) in s.split_inclusive(['/', '_', '-']).enumerate() {
        let (word, sep) = match part.strip_suffix(['/', '_', '-']) {
            Some(word) => (word, &part[word.len()..]),
            None => (part, ""),
        };
        let lower = word.to_ascii_lowercase();
        if i > 0 && matches!(lower.as_str(), "es" | "au" | "of") {
            out.push_str(&lower);
        } else {
            let mut chars = lower.chars();
            if let Some(first) = chars.next() {
                out.push(first.to_ascii_uppercase());
                out.push_str(chars.as_str());
            }
        }
        out.push_str(sep);
    }
    out
}

#[cfg(test)]
mod tests {
    //! The generated table against chrono-tz, for every zone name chrono-tz knows.

    use super::*;
    use chrono::{DateTime, LocalResult, NaiveDateTime, Offset, TimeZone};
    use chrono_tz::{GapInfo, Tz, TZ_VARIANTS};

    fn chrono_offset(tz: Tz, utc: i64) -> i32 {
        let t = DateTime::from_timestamp(utc, 0).unwrap_or_else(|| panic!("bad instant {utc}"));
        tz.offset_from_utc_datetime(&t.naive_utc()).fix().local_minus_utc()
    }

    fn chrono_resolution(tz: Tz, local: i64) -> LocalResolution {
        let naive: NaiveDateTime = DateTime::from_timestamp(local, 0)
            .unwrap_or_else(|| panic!("bad local time {local}"))
            .naive_utc();
        match tz.from_local_datetime(&naive) {
            LocalResult::Single(t) => LocalResolution::Single(t.timestamp()),
            LocalResult::Ambiguous(a, b) => LocalResolution::Ambiguous(a.timestamp(), b.timestamp()),
            LocalResult::None => {
                let end = GapInfo::new(&naive, &tz)
                    .and_then(|g| g.end)
                    .unwrap_or_else(|| panic!("{tz}: {naive} is in a gap without end"));
                LocalResolution::Gap {
                    after_gap_instant: end.timestamp(),
                }
            }
        }
    }

    /// xorshift64*: deterministic instants without a dependency.
    struct Rng(u64);
    impl Rng {
        fn below(&mut self, n: u64) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n
        }
    }

    #[test]
    fn names_are_exactly_chrono_tz_names() {
        assert_eq!(NAMES.split('\n').count(), TZ_VARIANTS.len());
        assert_eq!(NAME_TABLES.len(), TZ_VARIANTS.len());
        for tz in TZ_VARIANTS {
            let zone = parse_zone(tz.name()).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(zone.name(), tz.name());
        }
        assert!(NAMES.split('\n').all(|n| n.parse::<Tz>().is_ok()));
        // Links share the table of their target; distinct zones with the same data after 2000
        // share one too.
        let table = |n: &str| parse_zone(n).map(|z| z.table).unwrap_or(u16::MAX);
        assert_eq!(table("US/Eastern"), table("America/New_York"));
        assert_eq!(table("Europe/Oslo"), table("Europe/Berlin"));
        assert_ne!(table("Europe/Oslo"), table("Europe/London"));
        assert_ne!(parse_zone("Europe/Oslo"), parse_zone("Europe/Berlin"));
    }

    #[test]
    fn offsets_match_chrono_tz_for_every_zone() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let mut checked = 0usize;
        for tz in TZ_VARIANTS {
            let zone = parse_zone(tz.name()).unwrap_or_else(|e| panic!("{e}"));
            let (first, changes) = zone.table();
            assert_eq!(first, chrono_offset(tz, TABLE_START), "{tz} at 2000-01-01");
            let mut instants: Vec<i64> = vec![TABLE_START, TABLE_END - 1, TABLE_END];
            for (at, _) in changes {
                instants.extend([at - 1, at, at + 1]);
            }
            // Random instants across 2000-2099, and a few after it (the last offset goes on).
            let span = (TABLE_END - TABLE_START) as u64;
            instants.extend((0..2000).map(|_| TABLE_START + rng.below(span) as i64));
            instants.extend((0..20).map(|_| TABLE_END + rng.below(span) as i64));
            for t in instants {
                assert_eq!(zone.offset_at_utc(t), chrono_offset(tz, t), "{tz} at {t}");
                checked += 1;
            }
        }
        assert!(checked > 1_200_000, "{checked}");
    }

    #[test]
    fn local_times_resolve_as_chrono_tz_for_every_zone() {
        let mut rng = Rng(0x2545_f491_4f6c_dd1d);
        let (mut gaps, mut folds) = (0usize, 0usize);
        for tz in TZ_VARIANTS {
            let zone = parse_zone(tz.name()).unwrap_or_else(|e| panic!("{e}"));
            let (mut before, changes) = zone.table();
            let mut locals: Vec<i64> = Vec::new();
            for (at, after) in changes {
                // Both wall-clock readings of the change instant, each side of them, and the
                // middle of the gap or fold.
                let (a, b) = (at + i64::from(before), at + i64::from(after));
                for edge in [a, b] {
                    locals.extend([edge - 3600, edge - 1, edge, edge + 1, edge + 3600]);
                }
                locals.push(a.min(b) + (a - b).abs() / 2);
                before = after;
            }
            let span = (TABLE_END - TABLE_START) as u64;
            locals.extend((0..200).map(|_| TABLE_START + 86_400 + rng.below(span - 86_400) as i64));
            for local in locals {
                let got = zone.resolve_local(local);
                assert_eq!(got, chrono_resolution(tz, local), "{tz} at local {local}");
                match got {
                    LocalResolution::Gap { .. } => gaps += 1,
                    LocalResolution::Ambiguous(..) => folds += 1,
                    LocalResolution::Single(_) => {}
                }
            }
        }
        assert!(gaps > 10_000 && folds > 10_000, "{gaps} gaps, {folds} folds");
    }

    #[test]
    fn outside_the_table_the_nearest_offset_holds() {
        let oslo = parse_zone("Europe/Oslo").unwrap_or_else(|e| panic!("{e}"));
        // 1990-07-01 was summer time in Oslo; the table knows only 2000-01-01's CET.
        assert_eq!(oslo.offset_at_utc(646_790_400), 3600);
        assert_eq!(oslo.resolve_local(646_790_400), LocalResolution::Single(646_786_800));
        // 2150-07-01: the offset after the last change (October 2099), CET.
        assert_eq!(oslo.offset_at_utc(5_695_920_000), 3600);
        let kolkata = parse_zone("Asia/Kolkata").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(kolkata.offset_at_utc(i64::MIN), 19_800);
        assert_eq!(kolkata.offset_at_utc(i64::MAX), 19_800);
        assert_eq!(
            kolkata.resolve_local(i64::MAX),
            LocalResolution::Single(i64::MAX - 19_800)
        );
    }

    #[test]
    fn lookups_are_exact() {
        assert!(Zone::lookup("Europe/Oslo").is_some());
        assert!(Zone::lookup("europe/oslo").is_none());
        assert!(Zone::lookup("Europe/Oslo\nUTC").is_none());
        assert!(Zone::lookup("").is_none());
        assert!(Zone::lookup("Europe").is_none());
    }
}
