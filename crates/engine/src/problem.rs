//! Problems found in the inputs, reported as data: `{code, path, message, source, severity}`.
//!
//! Codes are stable (tests and the UI key on them); messages are for people and may improve.
//! Paths are JSON paths into the document the problem is in: `rules[2].include.groups[0]`.

use crate::code::Code;
use serde::Serialize;

/// Which input a problem is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Source {
    Policy,
    Snapshot,
    Options,
    /// The input of `decide` (the fresh user and the planned action).
    Input,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Severity {
    Error,
    Warning,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub code: &'static str,
    pub path: String,
    pub message: String,
    pub source: Source,
    pub severity: Severity,
}

impl Problem {
    pub fn error(source: Source, code: Code, path: impl Into<String>, message: impl Into<String>) -> Self {
        debug_assert_eq!(code.kind(), crate::code::Kind::Error, "{code} is not an error code");
        Problem {
            code: code.as_str(),
            path: path.into(),
            message: message.into(),
            source,
            severity: Severity::Error,
        }
    }
    pub fn warning(source: Source, code: Code, path: impl Into<String>, message: impl Into<String>) -> Self {
        debug_assert_eq!(code.kind(), crate::code::Kind::Warning, "{code} is not a warning code");
        Problem {
            code: code.as_str(),
            path: path.into(),
            message: message.into(),
            source,
            severity: Severity::Warning,
        }
    }
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Collects problems while walking a document.
#[derive(Debug, Default)]
pub struct Problems {
    pub list: Vec<Problem>,
}

impl Problems {
    pub fn push(&mut self, p: Problem) {
        self.list.push(p);
    }
    pub fn has_errors(&self) -> bool {
        self.list.iter().any(Problem::is_error)
    }
    /// Splits into (errors, warnings), keeping the order they were found in.
    pub fn split(self) -> (Vec<Problem>, Vec<Problem>) {
        self.list.into_iter().partition(Problem::is_error)
    }
}

/// The answer of every engine entry point (Cedar style): success with a value, or failure with
/// errors; warnings either way. Serialises as `{"type": "success", "value": ..., "warnings": [...]}`
/// or `{"type": "failure", "errors": [...], "warnings": [...]}`.
#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Outcome<T> {
    Success {
        value: T,
        warnings: Vec<Problem>,
    },
    Failure {
        errors: Vec<Problem>,
        warnings: Vec<Problem>,
    },
}

impl<T> Outcome<T> {
    pub fn failure(problems: Vec<Problem>) -> Self {
        let (errors, warnings) = problems.into_iter().partition(Problem::is_error);
        Outcome::Failure { errors, warnings }
    }
    pub fn is_success(&self) -> bool {
        matches!(self, Outcome::Success { .. })
    }
    pub fn value(&self) -> Option<&T> {
        match self {
            Outcome::Success { value, .. } => Some(value),
            Outcome::Failure { .. } => None,
        }
    }
    pub fn errors(&self) -> &[Problem] {
        match self {
            Outcome::Success { .. } => &[],
            Outcome::Failure { errors, .. } => errors,
        }
    }
    pub fn warnings(&self) -> &[Problem] {
        match self {
            Outcome::Success { warnings, .. } | Outcome::Failure { warnings, .. } => warnings,
        }
    }
}

/// Builds JSON paths: `rules[2].include.groups[0]`.
pub fn key(parent: &str, key: &str) -> String {
    let simple = !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    match (parent.is_empty(), simple) {
        (true, true) => key.to_string(),
        (false, true) => format!("{parent}.{key}"),
        (_, false) => format!("{parent}[{}]", serde_json::Value::String(key.to_string())),
    }
}

pub fn index(parent: &str, i: usize) -> String {
    format!("{parent}[{i}]")
}

/// Turns a serde_json syntax or type error into a problem that names line and column.
pub fn json_error(source: Source, what: &str, err: &serde_json::Error) -> Problem {
    let code = if err.is_syntax() || err.is_eof() {
        Code::JsonSyntax
    } else {
        Code::JsonInvalid
    };
    Problem::error(source, code, "", format!("{what} is not valid JSON: {err}"))
}
