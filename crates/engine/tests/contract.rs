//! The contract corpus, run through the engine's Rust API.
//!
//! `tests/contract/*.json` holds the cases (format: `tests/contract/README.md`); each names the
//! clause of `docs/matching.md` (or `docs/plan.md`, `docs/policy.md`, `docs/snapshot.md`) it pins
//! down. `tests/node/engine-matching.test.mjs` runs the very same files through the WebAssembly
//! build, so both sides of the boundary answer to one set of expectations. The expectations are
//! projections (only the fields a case lists are compared), so fields added to the output later do
//! not break them.

use serde_json::{Map, Value};
use std::path::{Path, PathBuf};
use user_cleanup_engine as engine;

const CASE_KEYS: &[&str] = &[
    "name",
    "clause",
    "call",
    "policy",
    "policyText",
    "snapshot",
    "snapshotText",
    "input",
    "inputText",
    "options",
    "expect",
    "was",
];
const EXPECT_KEYS: &[&str] = &[
    "type",
    "value",
    "errors",
    "errorsInclude",
    "warningsInclude",
    "warningsExclude",
];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

struct Case {
    label: String,
    clause: String,
    body: Map<String, Value>,
    shared: Map<String, Value>,
}

/// Every case of every file. Panics (fails the test) when the folder is missing or holds no case:
/// a corpus that silently vanished must not pass as "nothing failed".
fn corpus() -> Vec<Case> {
    let dir = root().join("tests/contract");
    let entries =
        std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("the contract corpus {} is missing: {e}", dir.display()));
    let mut files: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no *.json case files in {}", dir.display());
    let mut out = Vec::new();
    for path in files {
        let file = path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{file}: {e}"));
        let doc: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{file}: not JSON: {e}"));
        let shared = doc["snapshots"].as_object().cloned().unwrap_or_default();
        let cases = doc["cases"]
            .as_array()
            .unwrap_or_else(|| panic!("{file}: no \"cases\" list"));
        assert!(!cases.is_empty(), "{file}: \"cases\" is empty");
        for (i, c) in cases.iter().enumerate() {
            let body = c
                .as_object()
                .unwrap_or_else(|| panic!("{file}: cases[{i}] is not an object"))
                .clone();
            let name = body
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_else(|| panic!("{file}: cases[{i}] has no name"));
            let clause = body
                .get("clause")
                .and_then(Value::as_str)
                .unwrap_or_else(|| panic!("{file}: {name}: no clause"));
            // A typo in a case (say "expcet") would make it assert nothing: refuse unknown keys.
            for k in body.keys() {
                assert!(
                    CASE_KEYS.contains(&k.as_str()),
                    "{file}: {name}: unknown case key {k:?}"
                );
            }
            let expect = body
                .get("expect")
                .and_then(Value::as_object)
                .unwrap_or_else(|| panic!("{file}: {name}: no expect"));
            assert!(!expect.is_empty(), "{file}: {name}: expect is empty");
            for k in expect.keys() {
                assert!(
                    EXPECT_KEYS.contains(&k.as_str()),
                    "{file}: {name}: unknown expect key {k:?}"
                );
            }
            out.push(Case {
                label: format!("{file}: {name}"),
                clause: clause.to_string(),
                body,
                shared: shared.clone(),
            });
        }
    }
    out
}

/// An input as JSON text: `<field>Text` verbatim, `<field>` serialised, or a named shared snapshot.
fn input(c: &Case, field: &str) -> Option<String> {
    if let Some(t) = c.body.get(&format!("{field}Text")).and_then(Value::as_str) {
        return Some(t.to_string());
    }
    match c.body.get(field)? {
        Value::String(name) if field == "snapshot" => Some(
            c.shared
                .get(name)
                .unwrap_or_else(|| panic!("{}: no shared snapshot {name:?}", c.label))
                .to_string(),
        ),
        v => Some(v.to_string()),
    }
}

/// Runs a case through the engine and reads back the JSON that would cross to JavaScript.
fn run(c: &Case) -> Value {
    let policy = input(c, "policy").unwrap_or_else(|| panic!("{}: no policy", c.label));
    let snapshot = input(c, "snapshot");
    let options = c
        .body
        .get("options")
        .map(Value::to_string)
        .unwrap_or_else(|| "{}".into());
    let text = match c.body.get("call").and_then(Value::as_str).unwrap_or("plan") {
        "plan" => {
            let s = snapshot.unwrap_or_else(|| panic!("{}: a plan needs a snapshot", c.label));
            engine::to_json(&engine::plan(&policy, &s, &options))
        }
        "validate" => engine::to_json(&engine::validate(&policy, snapshot.as_deref())),
        "planBulk" => {
            let s = snapshot.unwrap_or_else(|| panic!("{}: planBulk needs a snapshot", c.label));
            engine::to_json(&engine::plan_bulk(&policy, &s, &options))
        }
        "decide" => {
            let i = input(c, "input").unwrap_or_else(|| panic!("{}: decide needs an input", c.label));
            engine::to_json(&engine::decide(&policy, &i, &options))
        }
        other => panic!("{}: unknown call {other:?}", c.label),
    };
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: to_json gave no JSON: {e}", c.label))
}

/// Does `actual` have what `expected` lists? Objects: only the listed keys; arrays: same length,
/// element by element; `null`: null or absent. By key: `groups`/`matchedGroups` compare as sets,
/// `reasons` is a list of lists of substrings (one list per reason), `reason`/`message` are
/// substrings of a non-empty text, `byRule` is compared whole.
fn matches(actual: &Value, expected: &Value, at: &str) -> Result<(), String> {
    let fail = || Err(format!("at {at}: expected {expected}, got {actual}"));
    match expected {
        Value::Object(want) => {
            let Some(got) = actual.as_object() else { return fail() };
            for (k, e) in want {
                let a = got.get(k).unwrap_or(&Value::Null);
                let here = format!("{at}.{k}");
                match (k.as_str(), e) {
                    ("groups" | "matchedGroups", Value::Array(_)) => {
                        if sorted(a) != sorted(e) {
                            return Err(format!("at {here}: expected the set {e}, got {a}"));
                        }
                    }
                    ("reasons", Value::Array(lists)) => {
                        let got = a.as_array().ok_or_else(|| format!("at {here}: no reasons in {a}"))?;
                        if got.len() != lists.len() {
                            return Err(format!("at {here}: expected {} reasons, got {a}", lists.len()));
                        }
                        for (r, subs) in got.iter().zip(lists) {
                            let r = r
                                .as_str()
                                .filter(|r| !r.is_empty())
                                .ok_or_else(|| format!("at {here}: a reason is not text: {a}"))?;
                            for s in subs.as_array().into_iter().flatten().filter_map(Value::as_str) {
                                if !r.contains(s) {
                                    return Err(format!("at {here}: reason {r:?} does not mention {s:?}"));
                                }
                            }
                        }
                    }
                    ("reason" | "message", Value::String(sub)) => {
                        let ok = a.as_str().is_some_and(|t| !t.is_empty() && t.contains(sub.as_str()));
                        if !ok {
                            return Err(format!("at {here}: expected a text containing {sub:?}, got {a}"));
                        }
                    }
                    ("byRule", _) => {
                        if a != e {
                            return Err(format!("at {here}: expected {e}, got {a}"));
                        }
                    }
                    _ => matches(a, e, &here)?,
                }
            }
            Ok(())
        }
        Value::Array(want) => {
            let Some(got) = actual.as_array() else { return fail() };
            if got.len() != want.len() {
                return Err(format!(
                    "at {at}: expected {} entries {expected}, got {} {actual}",
                    want.len(),
                    got.len()
                ));
            }
            for (i, (a, e)) in got.iter().zip(want).enumerate() {
                matches(a, e, &format!("{at}[{i}]"))?;
            }
            Ok(())
        }
        _ if actual == expected => Ok(()),
        _ => fail(),
    }
}

fn sorted(v: &Value) -> Vec<String> {
    let mut out: Vec<String> = v
        .as_array()
        .into_iter()
        .flatten()
        .map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_string))
        .collect();
    out.sort();
    out
}

/// Checks an answer against a case's `expect`.
fn check(expect: &Map<String, Value>, out: &Value) -> Result<(), String> {
    let failure = expect.contains_key("errors") || expect.contains_key("errorsInclude");
    let want = expect
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or(if failure { "failure" } else { "success" });
    if out["type"] != want {
        return Err(format!("expected {want}, got {out}"));
    }
    if let Some(v) = expect.get("value") {
        matches(&out["value"], v, "value")?;
    }
    if let Some(e) = expect.get("errors") {
        matches(&out["errors"], e, "errors")?;
    }
    let list = |kind: &str| out[kind].as_array().cloned().unwrap_or_default();
    for (key, kind, present) in [
        ("errorsInclude", "errors", true),
        ("warningsInclude", "warnings", true),
        ("warningsExclude", "warnings", false),
    ] {
        for want in expect.get(key).and_then(Value::as_array).into_iter().flatten() {
            let found = list(kind).iter().any(|p| matches(p, want, kind).is_ok());
            if found != present {
                let verb = if present { "lacks" } else { "has" };
                return Err(format!("{kind} {verb} {want}: {}", out[kind]));
            }
        }
    }
    Ok(())
}

#[test]
fn every_contract_case_holds_in_rust() {
    let cases = corpus();
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|c| {
            let expect = c.body.get("expect").and_then(Value::as_object)?;
            check(expect, &run(c))
                .err()
                .map(|e| format!("{} [{}]\n    {e}", c.label, c.clause))
        })
        .collect();
    eprintln!("contract corpus: {} cases", cases.len());
    assert!(
        failures.is_empty(),
        "{} of {} contract cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// A case names a clause (`M7`, `P6`, `V1` ...) so that a reader can find the sentence it tests:
/// every clause named must be an anchor (`<a id="m7">`) in one of the contract documents.
#[test]
fn every_clause_named_by_a_case_is_documented() {
    let docs: String = ["matching.md", "plan.md", "policy.md", "snapshot.md"]
        .iter()
        .map(|f| std::fs::read_to_string(root().join("docs").join(f)).unwrap_or_default())
        .collect();
    let mut missing: Vec<String> = corpus()
        .iter()
        .map(|c| c.clause.clone())
        .filter(|cl| !docs.contains(&format!("<a id=\"{}\"></a>", cl.to_lowercase())))
        .collect();
    missing.sort();
    missing.dedup();
    assert!(missing.is_empty(), "clauses without an anchor in docs/: {missing:?}");
}

/// The matcher itself must be able to fail, or every case above would pass vacuously.
#[test]
fn the_projection_rejects_what_differs() {
    let v: Value =
        serde_json::json!({ "actions": [{ "user": "a", "groups": ["x", "Y"], "reasons": ["member of g"] }], "n": 1 });
    assert!(matches(&v, &serde_json::json!({ "n": 1, "extra": null }), "").is_ok());
    assert!(matches(&v, &serde_json::json!({ "actions": [{ "groups": ["Y", "x"] }] }), "").is_ok());
    assert!(matches(&v, &serde_json::json!({ "n": 2 }), "").is_err());
    assert!(matches(&v, &serde_json::json!({ "actions": [] }), "").is_err());
    assert!(matches(&v, &serde_json::json!({ "actions": [{ "groups": ["x"] }] }), "").is_err());
    assert!(matches(&v, &serde_json::json!({ "actions": [{ "reasons": [["member"]] }] }), "").is_ok());
    assert!(matches(&v, &serde_json::json!({ "actions": [{ "reasons": [["absent"]] }] }), "").is_err());
    assert!(matches(&v, &serde_json::json!({ "actions": [{ "user": null }] }), "").is_err());
    assert!(matches(&v, &serde_json::json!({ "missing": 0 }), "").is_err());
}
