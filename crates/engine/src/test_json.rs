//! Reading engine answers in unit tests: shared so each module's tests pick fields out of an
//! answer the same way.

use serde_json::Value;

/// The `(a, b)` string fields of each object in `list` (`""` where one is missing; none when
/// `list` is not a list).
pub(crate) fn field_pairs(list: &Value, a: &str, b: &str) -> Vec<(String, String)> {
    list.as_array()
        .map(|items| {
            items
                .iter()
                .map(|x| {
                    (
                        x[a].as_str().unwrap_or("").to_string(),
                        x[b].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}
