//! Reading the small inputs of `removableGroups` and `policyGroups`: an object of group-name
//! lists. Strict like every other input (an unknown field is an error, so a typo such as
//! `roleGroup` cannot silently allow nothing), with a code and a path for every problem.

use crate::code::Code;
use crate::json_words::{kind, unknown_fields};
use crate::policy::MAX_NAME;
use crate::policy::{parse_policy, Policy};
use crate::problem::{index, json_error, Outcome, Problem, Source};
use serde_json::{Map, Value};

/// Group names in one list: more than any Jira has (a large one has tens of thousands).
pub const MAX_GROUPS: usize = 200_000;

pub(crate) fn input_err(path: impl Into<String>, msg: impl Into<String>) -> Problem {
    Problem::error(Source::Input, Code::InputInvalid, path, msg)
}

/// The input as an object with only `allowed` fields; `what` names it in messages, `shape` shows
/// the expected form.
pub(crate) fn object(
    text: &str,
    what: &str,
    shape: &str,
    allowed: &[&str],
    out: &mut Vec<Problem>,
) -> Option<Map<String, Value>> {
    let v: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            out.push(json_error(Source::Input, what, &e));
            return None;
        }
    };
    let Value::Object(m) = v else {
        out.push(input_err(
            "",
            format!("{what} must be an object {shape}, found {}", kind(&v)),
        ));
        return None;
    };
    out.extend(unknown_fields(&m, "", what, allowed).map(|(at, msg)| input_err(at, msg)));
    Some(m)
}

/// A list of group names at `path` (absent: `None`). Every entry must be a non-blank string of at
/// most 256 characters; entries are kept as written.
pub(crate) fn names(v: Option<&Value>, path: &str, out: &mut Vec<Problem>) -> Option<Vec<String>> {
    let v = v?;
    let Some(arr) = v.as_array() else {
        out.push(input_err(
            path,
            format!("{path} must be a list of group names, found {}", kind(v)),
        ));
        return Some(Vec::new());
    };
    if arr.len() > MAX_GROUPS {
        out.push(input_err(
            path,
            format!("{path} lists {} groups: at most {MAX_GROUPS} are allowed", arr.len()),
        ));
        return Some(Vec::new());
    }
    let mut list = Vec::with_capacity(arr.len());
    for (i, x) in arr.iter().enumerate() {
        match x.as_str() {
            Some(s) if s.trim().is_empty() => out.push(input_err(index(path, i), format!("{path}[{i}] is empty"))),
            Some(s) if s.chars().nth(MAX_NAME).is_some() => out.push(input_err(
                index(path, i),
                format!(
                    "{path}[{i}] is {} characters long: a group name has at most {MAX_NAME}",
                    s.chars().count()
                ),
            )),
            Some(s) => list.push(s.to_string()),
            None => out.push(input_err(
                index(path, i),
                format!("{path}[{i}] must be a group name (a string), found {}", kind(x)),
            )),
        }
    }
    Some(list)
}

/// A required list of group names.
pub(crate) fn required_names(m: &Map<String, Value>, field: &str, out: &mut Vec<Problem>) -> Vec<String> {
    names(m.get(field), field, out).unwrap_or_else(|| {
        out.push(input_err(field, format!("{field} is required: a list of group names")));
        Vec::new()
    })
}

/// An entry point over a policy and an object of group lists (`removableGroups`, `policyGroups`):
/// every problem of both at once (policy problems with their policy paths, input problems as
/// `input.invalid`); `read` reads the object's fields, `answer` runs only when nothing is wrong.
pub(crate) fn over_policy<A, T>(
    policy: &str,
    input: &str,
    what: &str,
    shape: &str,
    allowed: &[&str],
    read: impl FnOnce(&Map<String, Value>, &mut Vec<Problem>) -> A,
    answer: impl FnOnce(&Policy, A) -> T,
) -> Outcome<T> {
    let (p, mut problems) = parse_policy(policy);
    let mut input_problems = Vec::new();
    let asked = object(input, what, shape, allowed, &mut input_problems).map(|m| read(&m, &mut input_problems));
    problems.extend(input_problems);
    match (p, asked) {
        (Some(p), Some(asked)) if !problems.iter().any(Problem::is_error) => Outcome::Success {
            value: answer(&p, asked),
            warnings: problems,
        },
        _ => Outcome::failure(problems),
    }
}
