//! The command line both native benchmarks take (`POLICY SNAPSHOT [AS_OF]`), read once here so
//! `bench` and `query_bench` always time the same inputs the same way.

/// What a benchmark runs over: the two files' text and the engine options naming `asOf`.
pub struct BenchInput {
    pub policy: String,
    pub snapshot: String,
    pub options: String,
}

/// Reads `POLICY SNAPSHOT [AS_OF]` from the command line; prints the usage of `program` (or the
/// file that cannot be read) and exits 2 when they are not there.
pub fn read(program: &str) -> BenchInput {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        eprintln!("usage: {program} POLICY.json SNAPSHOT.json [AS_OF]");
        std::process::exit(2);
    }
    let read = |p: &str| {
        std::fs::read_to_string(p).unwrap_or_else(|e| {
            eprintln!("{p}: {e}");
            std::process::exit(2)
        })
    };
    let as_of = args.get(3).map(String::as_str).unwrap_or("2026-11-27T10:00:00Z");
    BenchInput {
        policy: read(&args[1]),
        snapshot: read(&args[2]),
        options: format!(r#"{{"asOf":"{as_of}"}}"#),
    }
}
