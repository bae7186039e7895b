// Carrying out a plan against a host (browser-safe: no Node imports). Used by the Node runner
// (run, run --resume, the daemon) and by the admin page (Run view), so both write the same audit
// trail. A trail ("audit sink") is any object with `append(fields) → Promise<sealed record>` and
// `records` (the records so far): trail.mjs keeps it in an fsync'd file, memory-trail.mjs in memory.
//
// Per item (one planned user):
//   1. re-read the user (host.getUser): vanished → skipped; inactive → skipped (only active users
//      are actioned); removeFromGroups with none of the groups left → skipped.
//   2. append `intent` — 3. call the host — 4. append `outcome` (done | failed | skipped).
// Retries live in one layer each: reads are retried by the host adapter (http.mjs), never again
// here. Writes are not retried by the adapter used for writes (a 429 excepted): a write that may
// or may not have been applied (network, 5xx) is retried here, and only after reading the user
// shows it did not take effect, so an action is never sent again once Jira shows it.
// On resume, an intent without an outcome is settled the same way: by looking at the user.
// Stop (an AbortSignal): nothing new starts, requests in flight finish and are recorded, every
// wait ends at once, then `runStopped` and `runFinished {stopped: true}` close the run.
import { indexRuns } from './report.mjs';
import { hasGroup } from './names.mjs';
import { EXECUTABLE, planItems } from './items.mjs';
import { newRunId } from './run-id.mjs';

/** Waits `ms`, or less when `signal` aborts; resolves true when it was cut short. */
function pause(ms, signal) {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(true);
    const onAbort = () => {
      clearTimeout(t);
      resolve(true);
    };
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(false);
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function isTransient(res) {
  return res.code === 'host.network' || (res.code === 'host.http' && (!res.status || res.status >= 500 || res.status === 429));
}

function hostFailure(e) {
  return { ok: false, code: e?.code ?? 'host.network', status: e?.status, reason: e?.message ?? String(e) };
}

/**
 * @param {object} o
 * @param {object} o.host          the host adapter
 * @param {object} o.trail         an open trail (trail.mjs)
 * @param {string} o.runId
 * @param {object[]} o.items       planned items `{i, user, action, groups?, rule, reasons}` to carry out (executable only)
 * @param {Map<number, object>} [o.pending]  item → its last intent without an outcome (resume)
 * @param {string[]} [o.roleGroups]          application-role groups (read-only fallback)
 * @param {'remove-licence-groups'|'skip'} [o.readonlyFallback]
 * @param {number} [o.concurrency]
 * @param {(outcome: object) => void} [o.onOutcome]
 * @param {AbortSignal} [o.signal]  Stop: no new item starts once aborted; items in flight finish
 *                                   (their requests complete and their outcome is recorded)
 * @returns {Promise<{done: number, failed: number, skipped: number}>}
 */
export async function executeItems({
  host,
  trail,
  runId,
  items,
  pending = new Map(),
  roleGroups = [],
  readonlyFallback = 'remove-licence-groups',
  concurrency = 4,
  retries = 4,
  backoffMs = 200,
  onOutcome = () => {},
  signal = null,
}) {
  const totals = { done: 0, failed: 0, skipped: 0 };
  const ctx = { host, retries, backoffMs };
  let aborted = null;

  // One read: the host adapter already retried it (and its waits end when `signal` aborts).
  const readUser = async (name) => {
    try {
      return { user: await host.getUser(name, { signal }) };
    } catch (e) {
      return { error: e };
    }
  };

  // A mutation; on a failure that may have been applied, look before trying again.
  const mutate = async (name, call, achieved) => {
    for (let a = 0; ; a++) {
      let res;
      try {
        res = await call();
      } catch (e) {
        res = hostFailure(e);
      }
      if (res?.ok) return res;
      if (!isTransient(res) && res.code !== 'host.notFound') return res;
      const seen = await readUser(name);
      if (seen.user && achieved(seen.user)) return { ok: true, confirmed: true };
      if (seen.user === null) return { ok: false, code: 'host.notFound', status: 404, reason: 'the user no longer exists in Jira' };
      // Not verified (Jira cannot be read): never send a change again blind.
      if (seen.error) return { ...res, reason: `${res.reason}; could not check whether it took effect (${seen.error.message ?? seen.error})` };
      if (!isTransient(res) || a >= retries) return res;
      if (await pause(backoffMs * 2 ** a, signal)) return { ...res, reason: `${res.reason}; not sent again: the run was stopped` };
    }
  };

  const record = (type, item, fields) => trail.append({ type, runId, item: item.i, user: item.user, rule: item.rule, ...fields });

  const failedFields = (res, prefix = '') => ({
    status: 'failed',
    reason: `${prefix}${res.reason ?? 'the host refused'}`,
    code: res.code,
    hostStatus: res.status,
  });

  const removeGroups = async (item, groups, already = []) => {
    const removed = [...already];
    for (const g of groups) {
      const res = await mutate(item.user, () => host.removeFromGroup(item.user, g), (u) => !hasGroup(u.groups, g));
      if (!res.ok) return { ...failedFields(res, `removing from ${g}: `), effects: { groupsRemoved: removed } };
      removed.push(g);
    }
    return { status: 'done', effects: { groupsRemoved: removed } };
  };

  const deactivate = async (item, user) => {
    await record('intent', item, { action: 'deactivate', reasons: item.reasons, observed: { active: user.active, groups: user.groups } });
    const res = await mutate(item.user, () => host.deactivate(item.user), (u) => u.active === false);
    if (res.ok) return { action: 'deactivate', status: 'done', effects: { deactivated: true }, confirmed: res.confirmed };
    if (res.code !== 'host.readOnlyDirectory') return { action: 'deactivate', ...failedFields(res) };
    // Read-only (LDAP) directory: Jira cannot deactivate the user.
    if (readonlyFallback === 'skip') {
      return {
        action: 'deactivate',
        status: 'skipped',
        reason: `read-only directory, cannot be deactivated (${res.reason}); --readonly-fallback skip`,
        code: res.code,
        hostStatus: res.status,
      };
    }
    const groups = (user.groups ?? []).filter((g) => hasGroup(roleGroups, g));
    if (groups.length === 0) {
      return {
        action: 'deactivate',
        status: 'skipped',
        reason: `read-only directory, cannot be deactivated (${res.reason}); holds no application-role group, so no licence to remove`,
        code: res.code,
        fallback: true,
      };
    }
    await record('intent', item, { action: 'removeFromGroups', groups, fallback: true, fallbackFor: res.reason, reasons: item.reasons });
    const out = await removeGroups(item, groups);
    return { action: 'removeFromGroups', fallback: true, ...out, reason: out.reason ?? `fallback: read-only directory (${res.reason}); removed from the licence groups` };
  };

  const fresh = async (item) => {
    const seen = await readUser(item.user);
    if (seen.error) return { action: item.action, status: 'failed', reason: `could not read the user: ${seen.error.message ?? seen.error}`, code: seen.error.code ?? 'host.network' };
    const user = seen.user;
    if (!user) return { action: item.action, status: 'skipped', reason: 'vanished: the user no longer exists in Jira' };
    if (!user.active) return { action: item.action, status: 'skipped', reason: 'already inactive' };
    if (item.action === 'deactivate') return deactivate(item, user);
    if (item.action === 'removeFromGroups') {
      const groups = (item.groups ?? []).filter((g) => hasGroup(user.groups, g));
      if (groups.length === 0) return { action: item.action, status: 'skipped', reason: `no longer in ${(item.groups ?? []).join(', ')}` };
      await record('intent', item, { action: 'removeFromGroups', groups, reasons: item.reasons, observed: { active: user.active, groups: user.groups } });
      return { action: 'removeFromGroups', ...(await removeGroups(item, groups)) };
    }
    return { action: item.action, status: 'skipped', reason: `unknown action ${item.action}` };
  };

  // An intent without an outcome (the process died): did the action take effect?
  const settle = async (item, intent) => {
    const seen = await readUser(item.user);
    if (seen.error) return { action: intent.action, status: 'failed', reason: `could not read the user: ${seen.error.message ?? seen.error}`, resumed: true };
    const user = seen.user;
    if (!user) return { action: intent.action, status: 'skipped', reason: 'vanished: the user no longer exists in Jira', resumed: true };
    if (intent.action === 'deactivate') {
      if (user.active === false) return { action: 'deactivate', status: 'done', effects: { deactivated: true }, resumed: true };
      return { ...(await fresh(item)), resumed: true };
    }
    if (intent.action === 'removeFromGroups') {
      const remaining = intent.groups.filter((g) => hasGroup(user.groups, g));
      const gone = intent.groups.filter((g) => !hasGroup(user.groups, g));
      const fb = intent.fallback ? { fallback: true } : {};
      if (remaining.length === 0) return { action: 'removeFromGroups', status: 'done', effects: { groupsRemoved: gone }, resumed: true, ...fb };
      await record('intent', item, { action: 'removeFromGroups', groups: remaining, reasons: item.reasons, resumed: true, ...fb });
      return { action: 'removeFromGroups', ...(await removeGroups(item, remaining, gone)), resumed: true, ...fb };
    }
    return { action: intent.action, status: 'failed', reason: `cannot resume action ${intent.action}`, resumed: true };
  };

  let next = 0;
  const worker = async () => {
    while (next < items.length && !aborted && !signal?.aborted) {
      const item = items[next++];
      const intent = pending.get(item.i);
      const out = intent ? await settle(item, intent) : await fresh(item);
      const rec = await record('outcome', item, out);
      totals[out.status] += 1;
      onOutcome(rec, totals);
    }
  };
  const workers = Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, async () => {
    try {
      await worker();
    } catch (e) {
      aborted ??= e;
    }
  });
  await Promise.all(workers);
  if (aborted) throw aborted;
  return totals;
}

/**
 * Executes a run's remaining executable items and closes the run with `runFinished` (preceded by
 * `runStopped` when the signal stopped it). Totals count every planned item: done / failed /
 * skipped / review, and notStarted when stopped.
 */
export async function carryOut({ host, trail, runId, items, pending = new Map(), roleGroups = [], readonlyFallback, concurrency, signal, onOutcome, done = new Set(), stoppedBy = null }) {
  const todo = items.filter((it) => EXECUTABLE.has(it.action) && !done.has(it.i));
  await executeItems({ host, trail, runId, items: todo, pending, roleGroups, readonlyFallback, concurrency, signal, onOutcome });
  const run = indexRuns(trail.records).get(runId);
  const totals = { done: 0, failed: 0, skipped: 0, review: 0 };
  let notStarted = 0;
  for (const it of items) {
    if (!EXECUTABLE.has(it.action)) totals.review += 1;
    else if (run.outcomes.has(it.i)) totals[run.outcomes.get(it.i).status] += 1;
    else if (signal?.aborted && !run.intents.has(it.i)) notStarted += 1;
    else totals.failed += 1;
  }
  const stopped = Boolean(signal?.aborted) && notStarted > 0;
  if (stopped) {
    totals.notStarted = notStarted;
    await trail.append({ type: 'runStopped', runId, who: stoppedBy, notStarted, note: 'stopped by the administrator: requests in flight finished, nothing new was started' });
  }
  const exitCode = totals.failed ? 4 : 0;
  await trail.append({ type: 'runFinished', runId, totals, exitCode, ...(stopped ? { stopped: true } : {}) });
  return { totals, exitCode, stopped, outcomes: [...indexRuns(trail.records).get(runId).outcomes.values()] };
}

/**
 * A whole run of an already computed plan (the page; the Node runner plans and confirms first, then
 * does the same). Refuses (throws) an over-limit plan. Writes runStarted, planned, intents and
 * outcomes, [runStopped], runFinished.
 * @param {object} o
 * @param {object} o.host, o.plan, o.trail
 * @param {{actor, jiraUser, operator}} o.who
 * @param {string} o.policyHash  SHA-256 hex of the policy text
 * @param {{capturedAt, users}} o.snapshot  what the trail says about the snapshot
 * @param {string[]} o.roleGroups  application-role groups (read-only fallback)
 */
export async function executePlan(o) {
  const { host, plan, trail } = o;
  if (plan.overLimit) throw Object.assign(new Error(`refused: the plan has ${plan.counts.executable} executable actions, more than limits.maxActionsPerRun ${plan.limit?.maxActionsPerRun}`), { code: 'refused.overLimit' });
  const runId = o.runId ?? newRunId();
  const options = { concurrency: o.concurrency ?? 4, readonlyFallback: o.readonlyFallback ?? 'remove-licence-groups' };
  await trail.append({
    type: 'runStarted', runId, who: o.who, policy: { hash: o.policyHash, path: o.policyPath ?? null },
    jira: o.jira ?? null, asOf: plan.asOf, counts: plan.counts, limit: plan.limit, engineVersion: o.engineVersion ?? null,
    snapshot: o.snapshot ?? null, options, ...(o.via ? { via: o.via } : {}),
  });
  const items = planItems(plan);
  const roleGroups = o.roleGroups ?? [];
  await trail.append({ type: 'planned', runId, items, protected: plan.protected ?? [], roleGroups });
  o.onStart?.(runId, items);
  const result = await carryOut({ host, trail, runId, items, roleGroups, ...options, signal: o.signal, onOutcome: o.onOutcome, stoppedBy: o.who });
  return { runId, ...result };
}

