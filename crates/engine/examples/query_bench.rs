//! Native timing of `query`: `cargo run --profile bench-native --example query_bench -- POLICY SNAPSHOT [ASOF]`.
//! Prints one JSON line: per filter, the best of 3 runs in ms (the whole call: parsing the
//! snapshot, the query, and the answer as JSON text) and the number of users matched.

mod bench_input;

use std::time::Instant;

const FILTERS: &[(&str, &str)] = &[
    ("empty", "{}"),
    (
        "ruleLike",
        r#"{"include":{"groups":["ext-*","contractors"]},"inactiveDays":90,"neverLoggedIn":{"createdMoreThanDays":30},"active":true}"#,
    ),
    (
        "facets",
        r#"{"buckets":["inactive","neverLoggedIn"],"roles":["jira-software"],"protected":false,"review":false}"#,
    ),
    ("search", r#"{"search":"ann"}"#),
];

fn main() {
    let bench_input::BenchInput {
        policy,
        snapshot,
        options,
    } = bench_input::read("query_bench");
    let t = Instant::now();
    let session = match user_cleanup_engine::open_query(Some(&policy), &snapshot, &options) {
        user_cleanup_engine::Outcome::Success { value, .. } => value,
        failure => {
            eprintln!("openQuery failed: {:?}", failure.errors());
            std::process::exit(1);
        }
    };
    let open_ms = t.elapsed().as_secs_f64() * 1e3;
    let mut out = vec![format!(r#""openMs":{open_ms:.1}"#)];
    for (name, filter) in FILTERS {
        let mut session_ms = f64::MAX;
        for _ in 0..3 {
            let t = Instant::now();
            let json = user_cleanup_engine::to_json(&session.query(filter));
            session_ms = session_ms.min(t.elapsed().as_secs_f64() * 1e3);
            drop(json);
        }
        let mut best = f64::MAX;
        let mut total = 0usize;
        for _ in 0..3 {
            let t = Instant::now();
            let outcome = user_cleanup_engine::query(Some(&policy), &snapshot, filter, &options);
            let json = user_cleanup_engine::to_json(&outcome);
            best = best.min(t.elapsed().as_secs_f64() * 1e3);
            match outcome.value() {
                Some(v) => total = v.total,
                None => {
                    eprintln!("query failed: {json}");
                    std::process::exit(1);
                }
            }
        }
        out.push(format!(
            r#""{name}":{{"ms":{best:.1},"sessionMs":{session_ms:.1},"users":{total}}}"#
        ));
    }
    println!("{{{}}}", out.join(","));
}
