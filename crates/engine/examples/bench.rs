//! Native benchmark of the engine: `cargo run --profile bench-native --example bench -- POLICY SNAPSHOT [ASOF]`.
//! Prints one JSON line of timings (ms) so `tests/bench/bench.mjs` can tabulate it beside the WASM numbers.

mod bench_input;

use std::time::Instant;

fn main() {
    let bench_input::BenchInput {
        policy,
        snapshot,
        options,
    } = bench_input::read("bench");

    let t = Instant::now();
    let parsed = user_cleanup_engine::parse_snapshot(&snapshot);
    let parse_ms = t.elapsed().as_secs_f64() * 1e3;
    let users = parsed.as_ref().map(|s| s.users.len()).unwrap_or(0);
    drop(parsed);

    let mut best = f64::MAX;
    let mut out_len = 0;
    for _ in 0..3 {
        let t = Instant::now();
        let outcome = user_cleanup_engine::plan(&policy, &snapshot, &options);
        let json = user_cleanup_engine::to_json(&outcome);
        best = best.min(t.elapsed().as_secs_f64() * 1e3);
        out_len = json.len();
        if !outcome.is_success() {
            eprintln!("plan failed: {json}");
            std::process::exit(1);
        }
    }
    let t = Instant::now();
    let d = user_cleanup_engine::dashboard(Some(&policy), &snapshot, &options);
    let dash_ms = t.elapsed().as_secs_f64() * 1e3;
    assert!(d.is_success());
    println!(
        r#"{{"users":{users},"bytes":{},"parseMs":{parse_ms:.1},"planMs":{best:.1},"planNsPerUser":{:.0},"dashboardMs":{dash_ms:.1},"outBytes":{out_len},"peakMiB":{}}}"#,
        snapshot.len(),
        best * 1e6 / users.max(1) as f64,
        peak_mib()
    );
}

/// Peak resident memory (VmHWM) in MiB, Linux only; 0 elsewhere.
fn peak_mib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).map(str::to_string))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|k| k.parse::<u64>().ok()))
        .map_or(0, |kb| kb / 1024)
}
