//! How a JSON value, and a field an input does not have, are named in a problem's message: shared
//! so every input (policy, options, decide's input, group lists, filters) words "found …" and
//! "unknown field …" alike.

use crate::problem::key;
use serde_json::{Map, Value};

/// The kind of `v`, with its article ("a list", "null").
pub(crate) fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Text from the input (untrusted) shown in a message: its first 60 characters.
pub(crate) fn clip(s: &str) -> String {
    s.chars().take(60).collect()
}

/// A value shown in a message, cut short.
pub(crate) fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 40 {
        format!("{}…", s.chars().take(40).collect::<String>())
    } else {
        s
    }
}

/// The fields of `m` (at `path`) that are not `allowed`, each as its path and the message
/// `unknown field "k" in {what} (allowed: …)`: the one wording of every strict input's unknown
/// field (the policy's adds a "did you mean"); each caller files it under its own source and code.
pub(crate) fn unknown_fields<'a>(
    m: &'a Map<String, Value>,
    path: &'a str,
    what: &'a str,
    allowed: &'a [&str],
) -> impl Iterator<Item = (String, String)> + 'a {
    m.keys().filter(|k| !allowed.contains(&k.as_str())).map(move |k| {
        (
            key(path, k),
            format!("unknown field \"{k}\" in {what} (allowed: {})", allowed.join(", ")),
        )
    })
}
