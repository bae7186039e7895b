//! The thin WebAssembly facade over `user-cleanup-engine` (Regorus style): big payloads cross as
//! JSON text, answers come back as data (`{type: "success" | "failure", ...}`, Cedar style).
//!
//! Every argument may be JSON text or a plain object; objects are turned into text with the
//! host's own `JSON.stringify`, so both forms take the same path through the engine and give
//! identical results. The only thing that throws is calling a function wrongly (an argument that
//! is neither), as a real `Error` named `UserCleanupError` with a `code`.

use engine::Code;
use js_sys::{Error, Reflect, JSON};
use user_cleanup_engine as engine;
use wasm_bindgen::prelude::*;

fn fail(code: Code, message: &str) -> JsValue {
    let e = Error::new(message);
    e.set_name("UserCleanupError");
    let _ = Reflect::set(&e, &JsValue::from_str("code"), &JsValue::from_str(code.as_str()));
    e.into()
}

/// JSON text of an argument: a string as it is, an object (or array) stringified.
fn text(v: &JsValue, what: &str) -> Result<String, JsValue> {
    if let Some(s) = v.as_string() {
        return Ok(s);
    }
    if v.is_object() {
        return match JSON::stringify(v) {
            Ok(s) => s
                .as_string()
                .ok_or_else(|| fail(Code::ArgumentInvalid, &format!("{what} could not be turned into JSON"))),
            Err(_) => Err(fail(
                Code::ArgumentInvalid,
                &format!("{what} could not be turned into JSON (a cycle or a BigInt?)"),
            )),
        };
    }
    Err(fail(
        Code::ArgumentInvalid,
        &format!("{what} must be JSON text or an object, got {}", type_name(v)),
    ))
}

fn optional_text(v: &JsValue, what: &str) -> Result<Option<String>, JsValue> {
    if v.is_undefined() || v.is_null() {
        Ok(None)
    } else {
        text(v, what).map(Some)
    }
}

fn options_text(v: &JsValue) -> Result<String, JsValue> {
    Ok(optional_text(v, "options")?.unwrap_or_else(|| "{}".to_string()))
}

/// A query's filter: absent is the empty filter (every user).
fn filter_text(v: &JsValue) -> Result<String, JsValue> {
    Ok(optional_text(v, "filter")?.unwrap_or_else(|| "{}".to_string()))
}

fn type_name(v: &JsValue) -> String {
    v.js_typeof().as_string().unwrap_or_else(|| "unknown".into())
}

fn to_js(json: String) -> Result<JsValue, JsValue> {
    JSON::parse(&json).map_err(|_| fail(Code::InternalJson, "the engine produced JSON the host could not read"))
}

#[wasm_bindgen]
pub fn version() -> String {
    engine::VERSION.to_string()
}

/// `validate(policy, snapshot?)` → `{type, value: {rules, schedules, users}, warnings}` or `{type: "failure", errors, warnings}`.
#[wasm_bindgen]
pub fn validate(policy: JsValue, snapshot: JsValue) -> Result<JsValue, JsValue> {
    let p = text(&policy, "policy")?;
    let s = optional_text(&snapshot, "snapshot")?;
    to_js(engine::to_json(&engine::validate(&p, s.as_deref())))
}

/// `plan(policy, snapshot, {asOf, actor?})` → Result<Plan> as an object.
#[wasm_bindgen]
pub fn plan(policy: JsValue, snapshot: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
    to_js(plan_json_inner(&policy, &snapshot, &options)?)
}

/// `planJson(policyText, snapshotText, optionsText)` → the same Result<Plan>, as JSON text.
#[wasm_bindgen(js_name = planJson)]
pub fn plan_json(policy: JsValue, snapshot: JsValue, options: JsValue) -> Result<String, JsValue> {
    plan_json_inner(&policy, &snapshot, &options)
}

fn plan_json_inner(policy: &JsValue, snapshot: &JsValue, options: &JsValue) -> Result<String, JsValue> {
    let p = text(policy, "policy")?;
    let s = text(snapshot, "snapshot")?;
    let o = options_text(options)?;
    Ok(engine::to_json(&engine::plan(&p, &s, &o)))
}

/// `dashboard(policy | null, snapshot, {asOf, actor?, lowUsageDays?, inactiveDays?})`.
#[wasm_bindgen]
pub fn dashboard(policy: JsValue, snapshot: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
    let p = optional_text(&policy, "policy")?;
    let s = text(&snapshot, "snapshot")?;
    let o = options_text(&options)?;
    to_js(engine::to_json(&engine::dashboard(p.as_deref(), &s, &o)))
}

/// `planTier(policy, snapshot, {asOf, actor?, role, targetSeats | headroom | nextLowerTier})`.
#[wasm_bindgen(js_name = planTier)]
pub fn plan_tier(policy: JsValue, snapshot: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
    let p = text(&policy, "policy")?;
    let s = text(&snapshot, "snapshot")?;
    let o = options_text(&options)?;
    to_js(engine::to_json(&engine::plan_tier(&p, &s, &o)))
}

/// `decide(policy, {user, planned, previous?, applicationRoles?, capturedAt?}, {asOf, actor?, schedule?})`
/// → Result<Decision>: proceed with the planned action, or skip it and why, for one user just
/// before the change.
#[wasm_bindgen]
pub fn decide(policy: JsValue, input: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
    let p = text(&policy, "policy")?;
    let i = text(&input, "input")?;
    let o = options_text(&options)?;
    to_js(engine::to_json(&engine::decide(&p, &i, &o)))
}

/// `planBulk(policy, snapshot, {asOf, actor?, users: [names], operation: {type, groups?}})` →
/// Result<BulkPlan>: an administrator's bulk operation (deactivate, reactivate, addToGroups,
/// removeFromGroups) on named users, with protected users left out of destructive ones and only
/// users for whom it changes something listed as actions.
#[wasm_bindgen(js_name = planBulk)]
pub fn plan_bulk(policy: JsValue, snapshot: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
    let p = text(&policy, "policy")?;
    let s = text(&snapshot, "snapshot")?;
    let o = options_text(&options)?;
    to_js(engine::to_json(&engine::plan_bulk(&p, &s, &o)))
}

/// `warnings(policy, snapshot, {asOf, actor?, schedule?, sent?: [{user, rule, sentAt}]})` →
/// Result<Warnings>: per user of a rule with `warn`, warn now, wait, or act (and who the rule
/// will select within its daysBefore days).
#[wasm_bindgen]
pub fn warnings(policy: JsValue, snapshot: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
    let p = text(&policy, "policy")?;
    let s = text(&snapshot, "snapshot")?;
    let o = options_text(&options)?;
    to_js(engine::to_json(&engine::warnings(&p, &s, &o)))
}

/// `warningOutcomes(policy, snapshot, {asOf, actor?, schedule?, sent?})` → Result<WarnOutcomes>:
/// per rule with `warn`, the users warned, how many logged in again after their warning, and of
/// those how many only once, more than once or not known (no `previousLogin` in the snapshot).
#[wasm_bindgen(js_name = warningOutcomes)]
pub fn warning_outcomes(policy: JsValue, snapshot: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
    let p = text(&policy, "policy")?;
    let s = text(&snapshot, "snapshot")?;
    let o = options_text(&options)?;
    to_js(engine::to_json(&engine::warning_outcomes(&p, &s, &o)))
}

/// `nextRuns(policy, {from, count})` → `{schedules: [{id, next: [...]}]}`.
#[wasm_bindgen(js_name = nextRuns)]
pub fn next_runs(policy: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
    let p = text(&policy, "policy")?;
    let o = options_text(&options)?;
    to_js(engine::to_json(&engine::next_runs(&p, &o)))
}

/// `removableGroups(policy, {groups, roleGroups?})` → `{groups: [{group, allowed, by?}]}`: which of
/// `groups` a run under this policy was allowed to remove (undo and resume act on no other).
#[wasm_bindgen(js_name = removableGroups)]
pub fn removable_groups(policy: JsValue, input: JsValue) -> Result<JsValue, JsValue> {
    let p = text(&policy, "policy")?;
    let i = text(&input, "input")?;
    to_js(engine::to_json(&engine::removable_groups(&p, &i)))
}

/// `policyGroups(policy, {groups, applicationRoles?})` → `{groups: [...], reasons: [{group, by}]}`:
/// the groups whose memberships can change a plan under this policy (read only those, and say so
/// in the snapshot's `completeGroups`).
#[wasm_bindgen(js_name = policyGroups)]
pub fn policy_groups(policy: JsValue, input: JsValue) -> Result<JsValue, JsValue> {
    let p = text(&policy, "policy")?;
    let i = text(&input, "input")?;
    to_js(engine::to_json(&engine::policy_groups(&p, &i)))
}

/// `query(policy | null, snapshot, filter, {asOf, actor?, lowUsageDays?, inactiveDays?})` →
/// `{users: [...], total, counts}`: the users matching a filter built from the rules' conditions
/// (and buckets, roles, directories, protection, review, a search term), each with facts and reasons.
#[wasm_bindgen]
pub fn query(policy: JsValue, snapshot: JsValue, filter: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
    to_js(query_json_inner(&policy, &snapshot, &filter, &options)?)
}

/// `queryJson(...)`: the same answer as `query`, as JSON text (100,000 users cross faster as text).
#[wasm_bindgen(js_name = queryJson)]
pub fn query_json(policy: JsValue, snapshot: JsValue, filter: JsValue, options: JsValue) -> Result<String, JsValue> {
    query_json_inner(&policy, &snapshot, &filter, &options)
}

fn query_json_inner(
    policy: &JsValue,
    snapshot: &JsValue,
    filter: &JsValue,
    options: &JsValue,
) -> Result<String, JsValue> {
    let p = optional_text(policy, "policy")?;
    let s = text(snapshot, "snapshot")?;
    let f = filter_text(filter)?;
    let o = options_text(options)?;
    Ok(engine::to_json(&engine::query(p.as_deref(), &s, &f, &o)))
}

/// A policy and snapshot parsed once, answering filter after filter (`openQuery`): a filter
/// change costs one pass over the users instead of parsing the snapshot again. Call `free()`
/// when done (the snapshot lives in WebAssembly memory until then).
#[wasm_bindgen]
pub struct QuerySession {
    inner: engine::query::Session,
}

#[wasm_bindgen]
impl QuerySession {
    /// `query(filter)` → Result<QueryResult>, as `query` over the session's inputs.
    pub fn query(&self, filter: JsValue) -> Result<JsValue, JsValue> {
        to_js(self.query_json(filter)?)
    }

    /// The same answer as JSON text.
    #[wasm_bindgen(js_name = queryJson)]
    pub fn query_json(&self, filter: JsValue) -> Result<String, JsValue> {
        let f = filter_text(&filter)?;
        Ok(engine::to_json(&self.inner.query(&f)))
    }

    /// `matches(filter)` → `{type: "success", value: {asOf, thresholds, rows: Uint32Array, total,
    /// counts}, warnings}` or a failure envelope: the users `query(filter)` answers, as positions
    /// in the session's user order (the empty filter's answer), so that a grid holding every row
    /// gets numbers per filter change instead of 100,000 users as JSON.
    pub fn matches(&self, filter: JsValue) -> Result<JsValue, JsValue> {
        let f = filter_text(&filter)?;
        match self.inner.matches(&f) {
            engine::Outcome::Success { value, warnings } => {
                let rows = js_sys::Uint32Array::from(value.rows.as_slice());
                let envelope = to_js(engine::to_json(&engine::Outcome::Success { value, warnings }))?;
                let set = Reflect::get(&envelope, &JsValue::from_str("value"))
                    .and_then(|v| Reflect::set(&v, &JsValue::from_str("rows"), &rows));
                match set {
                    Ok(true) => Ok(envelope),
                    _ => Err(fail(Code::InternalJson, "the engine could not build its answer")),
                }
            }
            failure => to_js(engine::to_json(&failure)),
        }
    }

    /// Users in the session's snapshot.
    pub fn users(&self) -> usize {
        self.inner.users()
    }
}

/// `openQuery(policy | null, snapshot, {asOf, actor?, lowUsageDays?, inactiveDays?})` →
/// `{type: "success", value: QuerySession, warnings}` or a failure envelope.
#[wasm_bindgen(js_name = openQuery)]
pub fn open_query(policy: JsValue, snapshot: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
    let p = optional_text(&policy, "policy")?;
    let s = text(&snapshot, "snapshot")?;
    let o = options_text(&options)?;
    match engine::open_query(p.as_deref(), &s, &o) {
        engine::Outcome::Success { value, warnings } => {
            let envelope = to_js(engine::to_json(&engine::Outcome::Success { value: (), warnings }))?;
            Reflect::set(
                &envelope,
                &JsValue::from_str("value"),
                &QuerySession { inner: value }.into(),
            )
            .map_err(|_| fail(Code::InternalJson, "the engine could not build its answer"))?;
            Ok(envelope)
        }
        engine::Outcome::Failure { errors, warnings } => {
            to_js(engine::to_json(&engine::Outcome::<()>::Failure { errors, warnings }))
        }
    }
}
