//! Generates the compact time-zone table that `src/zone.rs` reads, from `chrono-tz` (the IANA
//! database as that crate compiles it, so it stays the source of truth and its updates flow in).
//!
//! For every zone name chrono-tz knows (links included) it finds the UTC-offset changes from
//! 2000-01-01T00:00:00Z up to (not including) 2100-01-01T00:00:00Z: a scan in steps of one day,
//! each change refined by bisection to the second. Only the total offset is kept (abbreviations
//! and the standard/DST split are not needed). Zones with identical data share one table.
//!
//! Output in `OUT_DIR`:
//! - `zones.bin`: the tables, one after the other. A table is `varint n`, the offset index in
//!   force at 2000-01-01, `n` offset indices (one byte each, the offset after each change), then
//!   `n` varint deltas: change times in units of `UNIT` seconds, the first counted from
//!   2000-01-01, each next from the previous change. Varints are LEB128 (7 bits a byte).
//! - `zones.rs`: `UNIT`, `OFFSETS` (the distinct offsets in seconds), `TABLE_STARTS` (byte
//!   position of each table), `NAMES` (every zone name, sorted, one per line) and `NAME_TABLES`
//!   (the table of each name).
//!
//! Measured on chrono-tz 0.10.4 (tzdata 2025b): 597 names, 191 distinct tables, 13,257 changes
//! (all on whole minutes, so `UNIT` is 60), 44 offsets. `zones.bin` is 53.5 KB, 3.3 KB gzipped
//! (gzip -9). Alternatives measured on a prototype: each change's delta and offset interleaved, 4.3 KB; deltas
//! in seconds, 3.6 KB (4.8 KB interleaved). The same delta sequences recur across zones (shared
//! DST rules), which is what gzip finds. The scan makes about 22 million chrono-tz lookups: about
//! 3.5 s of CPU in a debug build, spread over the available cores.

use chrono::{DateTime, NaiveDateTime, Offset, TimeDelta, TimeZone};
use chrono_tz::{Tz, TZ_VARIANTS};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::PathBuf;

/// 2000-01-01T00:00:00Z.
const START: i64 = 946_684_800;
/// 2100-01-01T00:00:00Z.
const END: i64 = 4_102_444_800;
const DAY: i64 = 86_400;

fn naive(t: i64) -> NaiveDateTime {
    DateTime::from_timestamp(t, 0).expect("instant in range").naive_utc()
}

fn offset_at(tz: Tz, utc: &NaiveDateTime) -> i32 {
    tz.offset_from_utc_datetime(utc).fix().local_minus_utc()
}

fn offset(tz: Tz, t: i64) -> i32 {
    offset_at(tz, &naive(t))
}

/// A zone's offset at `START` and its changes `(instant, new offset)` in `START..END`.
type Table = (i32, Vec<(i64, i32)>);

/// The table of one zone.
fn changes(tz: Tz) -> Table {
    let first = offset(tz, START);
    let mut current = first;
    let mut out: Vec<(i64, i32)> = Vec::new();
    // `t` and the same instant as a `NaiveDateTime`, stepped a day at a time (cheaper than
    // converting each instant).
    let (mut t, mut t_naive) = (START, naive(START));
    while t < END - 1 {
        let (next, next_naive) = if t + DAY < END {
            (t + DAY, t_naive + TimeDelta::days(1))
        } else {
            (END - 1, naive(END - 1))
        };
        if offset_at(tz, &next_naive) == current {
            (t, t_naive) = (next, next_naive);
            continue;
        }
        // offset(lo) == current != offset(hi): find the first second of the new offset.
        let (mut lo, mut hi) = (t, next);
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if offset(tz, mid) == current {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        let previous = out.last().map_or(START, |&(p, _)| p);
        // A change shorter than the scan step could hide between two samples; the shortest
        // span in tzdata 2025b after 2000 is just under 7 days.
        assert!(
            hi - previous >= 2 * DAY || out.is_empty(),
            "{}: offset changes {} s apart at {hi}; lower the scan step in build.rs",
            tz.name(),
            hi - previous
        );
        current = offset(tz, hi);
        out.push((hi, current));
        (t, t_naive) = (hi, naive(hi));
    }
    (first, out)
}

fn varint(out: &mut Vec<u8>, mut n: u64) {
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn gcd(a: i64, b: i64) -> i64 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR"));

    // About 22 million chrono-tz lookups, unoptimised in a debug build: spread over the cores.
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(8);
    let mut zones: Vec<(&'static str, Table)> = std::thread::scope(|s| {
        let handles: Vec<_> = TZ_VARIANTS
            .chunks(TZ_VARIANTS.len().div_ceil(threads))
            .map(|chunk| s.spawn(move || chunk.iter().map(|&tz| (tz.name(), changes(tz))).collect::<Vec<_>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("scan thread"))
            .collect()
    });
    zones.sort_by(|a, b| a.0.cmp(b.0));

    // Tables in order of first use; names point at them.
    let mut table_of: HashMap<&Table, usize> = HashMap::new();
    let mut tables: Vec<&Table> = Vec::new();
    let mut name_tables: Vec<usize> = Vec::new();
    for (_, data) in &zones {
        let next = tables.len();
        let index = *table_of.entry(data).or_insert(next);
        if index == next {
            tables.push(data);
        }
        name_tables.push(index);
    }

    let mut offsets: Vec<i32> = tables
        .iter()
        .flat_map(|(first, changes)| std::iter::once(*first).chain(changes.iter().map(|c| c.1)))
        .collect();
    offsets.sort_unstable();
    offsets.dedup();
    assert!(offsets.len() <= 256, "more than 256 distinct offsets");
    let offset_index = |o: i32| offsets.binary_search(&o).expect("known offset") as u8;

    let unit = tables
        .iter()
        .flat_map(|(_, changes)| changes.iter().map(|c| c.0 - START))
        .fold(0, gcd)
        .max(1);

    let mut data = Vec::new();
    let mut starts = Vec::new();
    for (first, changes) in &tables {
        starts.push(u32::try_from(data.len()).expect("table under 4 GB"));
        varint(&mut data, changes.len() as u64);
        data.push(offset_index(*first));
        data.extend(changes.iter().map(|c| offset_index(c.1)));
        let mut previous = START;
        for &(t, _) in changes {
            varint(&mut data, ((t - previous) / unit) as u64);
            previous = t;
        }
    }

    let index_type = if tables.len() <= 256 { "u8" } else { "u16" };
    let mut rs = String::new();
    let _ = writeln!(rs, "// Generated by build.rs from chrono-tz. Do not edit.");
    let _ = writeln!(rs, "/// Change times are multiples of this many seconds.");
    let _ = writeln!(rs, "const UNIT: i64 = {unit};");
    let _ = writeln!(rs, "/// The distinct UTC offsets, in seconds east of UTC.");
    let _ = writeln!(rs, "static OFFSETS: [i32; {}] = {offsets:?};", offsets.len());
    let _ = writeln!(rs, "/// Byte position of each table in `DATA`.");
    let _ = writeln!(rs, "static TABLE_STARTS: [u32; {}] = {starts:?};", starts.len());
    let names: Vec<&str> = zones.iter().map(|z| z.0).collect();
    let _ = writeln!(rs, "/// Every zone name, sorted, one per line.");
    let _ = writeln!(rs, "static NAMES: &str = {:?};", names.join("\n"));
    let _ = writeln!(rs, "/// The table of each name in `NAMES`.");
    let _ = writeln!(
        rs,
        "static NAME_TABLES: [{index_type}; {}] = {name_tables:?};",
        name_tables.len()
    );
    let _ = writeln!(
        rs,
        "static DATA: &[u8] = include_bytes!(concat!(env!(\"OUT_DIR\"), \"/zones.bin\"));"
    );
    std::fs::write(out_dir.join("zones.bin"), &data).expect("write zones.bin");
    std::fs::write(out_dir.join("zones.rs"), rs).expect("write zones.rs");
}
