// Carrying out a plan against a host (browser-safe: no Node imports). Used by the Node runner
// (run, run --resume, the daemon) and by the admin page (Run view): the same code path writes the
// same audit trail. A trail ("audit sink") is any object with `append(fields) → Promise<sealed
// record>` and `records` (the records so far): trail.mjs keeps it in an fsync'd file,
// memory-trail.mjs in memory.
//
// Per item (one planned user):
//   1. read the user again (host.getUser): vanished → skipped.
//   2. decide again (decide.mjs → the engine's `decide`) with the fresh user: skip → skipped with
//      the engine's code and reason, nothing written; a failure → failed with the engine's message.
//   3. append `intent` — 4. call the host — 5. append `outcome` (done | failed | skipped).
// Retries live in one layer each: reads are retried by the host adapter (http.mjs), never again
// here. The adapter used for writes does not retry them (a 429 excepted): a write that may or may
// not have been applied (network, 5xx) is retried here, and only after reading the user shows it
// did not take effect, so an action is never sent again once Jira shows it.
// On resume, an intent without an outcome is settled the same way: by looking at the user.
// Stop (an AbortSignal): nothing new starts and every wait before something new would be sent ends
// at once (an item whose first read was cut short is "not started"); a write already sent finishes,
// is checked and recorded. Then `runStopped` and `runFinished {stopped: true}` close the run.
import { indexRuns } from './report.mjs';
import { hasGroup } from './names.mjs';
import { EXECUTABLE, isExecutable, planItems } from './items.mjs';
import { newRunId } from './run-id.mjs';
import { sha256Hex } from './hash.mjs';
import { makeDecider, planAge } from './decide.mjs';
import { clockMs, jiraClock } from './clock.mjs';

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

const refusal = (message, code, extra = {}) => Object.assign(new Error(message), { code, ...extra });

/**
 * @param {object} o
 * @param {object} o.host          the host adapter
 * @param {object} o.trail         an open trail
 * @param {string} o.runId
 * @param {object[]} o.items       planned items (planItems) to carry out (executable only)
 * @param {(item, user) => {decision, code, reason, action?}} o.decide  decide.mjs makeDecider()
 * @param {Map<number, object>} [o.pending]  item → its last intent without an outcome (resume)
 * @param {string[]} [o.roleGroups]          application-role groups (read-only fallback)
 * @param {'remove-licence-groups'|'skip'} [o.readonlyFallback]
 * @param {number} [o.concurrency]
 * @param {(outcome: object) => void} [o.onOutcome]
 * @param {AbortSignal} [o.signal]  Stop
 * @returns {Promise<{done: number, failed: number, skipped: number}>}
 */
export async function executeItems({
  host,
  trail,
  runId,
  items,
  decide,
  pending = new Map(),
  roleGroups = [],
  readonlyFallback = 'remove-licence-groups',
  concurrency = 4,
  retries = 4,
  backoffMs = 200,
  onOutcome = () => {},
  signal = null,
}) {
  if (typeof decide !== 'function') throw new Error('executeItems needs decide(item, user): every write is decided again by the engine');
  const totals = { done: 0, failed: 0, skipped: 0 };
  let aborted = null;

  // One read: the host adapter already retried it. With `stop`, Stop ends it (and its waits).
  const readUser = async (name, stop = null) => {
    try {
      return { user: await host.getUser(name, stop ? { signal: stop } : undefined) };
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
      // The check belongs to the write already sent: it finishes even after Stop.
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

  const observed = (user) => ({ active: user.active, groups: user.groups, ...(user.key != null ? { key: user.key } : {}) });

  const removeGroups = async (item, groups, already = []) => {
    const removed = [...already];
    for (const g of groups) {
      const res = await mutate(item.user, () => host.removeFromGroup(item.user, g), (u) => !hasGroup(u.groups, g));
      if (!res.ok) return { ...failedFields(res, `removing from ${g}: `), effects: { groupsRemoved: removed } };
      removed.push(g);
    }
    return { status: 'done', effects: { groupsRemoved: removed } };
  };

  // Jira refuses to deactivate a project lead: with the policy's hand-over the engine names the
  // projects the user leads (within the planned ones) and who takes them over; that comes first.
  const handOver = async (item, handover) => {
    const done = [];
    for (const key of handover?.projects ?? []) {
      let res;
      try {
        res = await host.setProjectLead(key, handover.projectLead);
      } catch (e) {
        res = hostFailure(e);
      }
      if (!res?.ok) return { done, failure: { ...failedFields(res ?? {}, `handing project ${key} over to ${handover.projectLead}: `) } };
      done.push(key);
    }
    return { done };
  };

  const deactivate = async (item, user, d) => {
    const handover = d.action?.handover;
    await record('intent', item, { action: 'deactivate', decided: d.code, ...(handover ? { handover } : {}), reasons: item.reasons, observed: observed(user) });
    const handed = handover ? await handOver(item, handover) : { done: [] };
    const led = handed.done.length ? { projectsHandedOver: handed.done, projectLead: handover.projectLead } : {};
    if (handed.failure) return { action: 'deactivate', ...handed.failure, effects: { ...led } };
    const res = await mutate(item.user, () => host.deactivate(item.user), (u) => u.active === false);
    if (res.ok) return { action: 'deactivate', status: 'done', effects: { deactivated: true, ...led }, confirmed: res.confirmed };
    if (res.code !== 'host.readOnlyDirectory') return { action: 'deactivate', ...failedFields(res), ...(handed.done.length ? { effects: { ...led } } : {}) };
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

  // Bulk operations (bulk.mjs): reactivate, and add to groups. Not destructive, but recorded and
  // undoable the same way: an intent before the request, the effect in the outcome.
  const reactivate = async (item, user, d) => {
    await record('intent', item, { action: 'reactivate', decided: d.code, reasons: item.reasons, observed: observed(user) });
    const res = await mutate(item.user, () => host.reactivate(item.user), (u) => u.active === true);
    if (res.ok) return { action: 'reactivate', status: 'done', effects: { reactivated: true }, confirmed: res.confirmed };
    return { action: 'reactivate', ...failedFields(res) };
  };

  const addGroups = async (item, user, d, already = []) => {
    const groups = (d.action?.groups ?? []).filter((g) => !hasGroup(already, g));
    if (groups.length === 0 && already.length === 0) return { action: 'addToGroups', status: 'skipped', reason: d.reason ?? 'already in every group', code: d.code };
    if (groups.length) await record('intent', item, { action: 'addToGroups', groups, decided: d.code, reasons: item.reasons, observed: observed(user) });
    const added = [...already];
    for (const g of groups) {
      const res = await mutate(item.user, () => host.addToGroup(item.user, g), (u) => hasGroup(u.groups, g));
      if (!res.ok) return { action: 'addToGroups', ...failedFields(res, `adding to ${g}: `), effects: { groupsAdded: added } };
      added.push(g);
    }
    return { action: 'addToGroups', status: 'done', effects: { groupsAdded: added } };
  };

  /** The engine's answer for this item and user, checked against the plan (an answer outside it is refused). */
  const decided = (item, user) => {
    const d = decide(item, user);
    if (d.decision === 'skip') return { out: { action: item.action, status: 'skipped', reason: d.reason, code: d.code } };
    if (d.decision !== 'proceed') return { out: { action: item.action, status: 'failed', reason: d.reason, code: d.code } };
    const act = d.action ?? {};
    const outside = (act.groups ?? []).filter((g) => !hasGroup(item.groups, g));
    if (act.action !== item.action || outside.length) {
      return { out: { action: item.action, status: 'failed', code: 'runner.outsidePlan', reason: `the engine answered ${act.action}${outside.length ? ` of ${outside.join(', ')}` : ''}, which the plan did not hold; nothing was done` } };
    }
    return { d };
  };

  /** null: Stop came before anything was sent (not started). */
  const fresh = async (item) => {
    const seen = await readUser(item.user, signal);
    if (seen.error) {
      if (signal?.aborted) return null;
      return { action: item.action, status: 'failed', reason: `could not read the user: ${seen.error.message ?? seen.error}`, code: seen.error.code ?? 'host.network' };
    }
    const user = seen.user;
    if (!user) return { action: item.action, status: 'skipped', reason: 'vanished: the user no longer exists in Jira', code: 'runner.vanished' };
    const { d, out } = decided(item, user);
    if (out) return out;
    if (item.action === 'deactivate') return deactivate(item, user, d);
    if (item.action === 'reactivate') return reactivate(item, user, d);
    if (item.action === 'addToGroups') return addGroups(item, user, d);
    const groups = d.action.groups ?? [];
    if (groups.length === 0) return { action: item.action, status: 'skipped', reason: d.reason ?? 'no group left to remove', code: d.code };
    await record('intent', item, { action: 'removeFromGroups', groups, decided: d.code, reasons: item.reasons, observed: observed(user) });
    return { action: 'removeFromGroups', ...(await removeGroups(item, groups)) };
  };

  // An intent without an outcome (the process died): did the action take effect?
  const settle = async (item, intent) => {
    const seen = await readUser(item.user);
    if (seen.error) return { action: intent.action, status: 'failed', reason: `could not read the user: ${seen.error.message ?? seen.error}`, resumed: true };
    const user = seen.user;
    if (!user) return { action: intent.action, status: 'skipped', reason: 'vanished: the user no longer exists in Jira', code: 'runner.vanished', resumed: true };
    if (intent.action === 'deactivate') {
      if (user.active === false) return { action: 'deactivate', status: 'done', effects: { deactivated: true }, resumed: true };
      const out = await fresh(item);
      return out && { ...out, resumed: true };
    }
    if (intent.action === 'removeFromGroups') {
      const remaining = intent.groups.filter((g) => hasGroup(user.groups, g));
      const gone = intent.groups.filter((g) => !hasGroup(user.groups, g));
      const fb = intent.fallback ? { fallback: true } : {};
      if (remaining.length === 0) return { action: 'removeFromGroups', status: 'done', effects: { groupsRemoved: gone }, resumed: true, ...fb };
      // The rest is sent only if the engine still says so; what is already gone stays recorded for undo.
      const { d, out } = decided(item, user);
      if (out) return { ...out, action: 'removeFromGroups', effects: { groupsRemoved: gone }, resumed: true, ...fb };
      const todo = intent.fallback ? remaining : remaining.filter((g) => hasGroup(d.action.groups, g));
      await record('intent', item, { action: 'removeFromGroups', groups: todo, decided: d.code, reasons: item.reasons, resumed: true, ...fb });
      return { action: 'removeFromGroups', ...(await removeGroups(item, todo, gone)), resumed: true, ...fb };
    }
    if (intent.action === 'reactivate') {
      if (user.active === true) return { action: 'reactivate', status: 'done', effects: { reactivated: true }, resumed: true };
      const out = await fresh(item);
      return out && { ...out, resumed: true };
    }
    if (intent.action === 'addToGroups' && Array.isArray(intent.groups)) {
      const there = intent.groups.filter((g) => hasGroup(user.groups, g));
      if (there.length === intent.groups.length) return { action: 'addToGroups', status: 'done', effects: { groupsAdded: there }, resumed: true };
      // The rest only if the engine still says so; what is already added stays recorded for undo.
      const { d, out } = decided(item, user);
      if (out) return { ...out, action: 'addToGroups', effects: { groupsAdded: there }, resumed: true };
      return { ...(await addGroups(item, user, d, there)), resumed: true };
    }
    return { action: intent.action, status: 'failed', reason: `cannot resume action ${intent.action}`, resumed: true };
  };

  let next = 0;
  const worker = async () => {
    while (next < items.length && !aborted && !signal?.aborted) {
      const item = items[next++];
      const intent = pending.get(item.i);
      const out = intent ? await settle(item, intent) : await fresh(item);
      if (out === null) continue; // stopped before anything was sent
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
export async function carryOut({ host, trail, runId, items, decide, pending = new Map(), roleGroups = [], readonlyFallback, concurrency, signal, onOutcome, done = new Set(), stoppedBy = null }) {
  const todo = items.filter((it) => isExecutable(it) && !done.has(it.i));
  await executeItems({ host, trail, runId, items: todo, decide, pending, roleGroups, readonlyFallback, concurrency, signal, onOutcome });
  const run = indexRuns(trail.records).get(runId);
  const totals = { done: 0, failed: 0, skipped: 0, review: 0 };
  let notStarted = 0;
  let blocked = 0;
  for (const it of items) {
    if (!EXECUTABLE.has(it.action)) totals.review += 1;
    else if (it.status) blocked += 1; // listed by the engine as blocked: never carried out
    else if (run.outcomes.has(it.i)) totals[run.outcomes.get(it.i).status] += 1;
    else if (signal?.aborted && !run.intents.has(it.i)) notStarted += 1;
    else totals.failed += 1;
  }
  if (blocked) totals.blocked = blocked;
  const stopped = Boolean(signal?.aborted) && notStarted > 0;
  if (stopped) {
    totals.notStarted = notStarted;
    await trail.append({ type: 'runStopped', runId, who: stoppedBy, notStarted, note: 'stopped by the administrator: requests in flight finished, nothing new was started' });
  }
  const exitCode = totals.failed ? 4 : 0;
  await trail.append({ type: 'runFinished', runId, totals, exitCode, ...(stopped ? { stopped: true } : {}) });
  return { totals, exitCode, stopped, outcomes: [...indexRuns(trail.records).get(runId).outcomes.values()] };
}

/** The application roles as the engine reads them, kept in the `planned` record for resume. */
function rolesOf(snapshot) {
  const roles = snapshot?.applicationRoles;
  return Array.isArray(roles) ? roles : undefined;
}

/**
 * A whole run of an already computed plan: the page, `run`, and the daemon (which plan and confirm
 * first). Refuses (throws, after a `runRefused` record) a plan over the limit (`refused.overLimit`)
 * or one whose snapshot is older than `plan.limit.maxSnapshotAgeMinutes` (`refused.planExpired`).
 * Writes runStarted (with the policy text), planned, intents and outcomes, [runStopped], runFinished.
 * @param {object} o
 * @param {object} o.host, o.plan, o.trail
 * @param {{decide: Function, version?: Function}} o.engine
 * @param {{actor, jiraUser, operator}} o.who
 * @param {string} o.policyText   the policy the plan was made with (stored; undo and resume are bounded by it)
 * @param {string} [o.policyHash] SHA-256 hex of the policy text (checked when given)
 * @param {{capturedAt, users}} o.snapshot  what the trail says about the snapshot (users: a count)
 * @param {object} [o.snapshotData]  the snapshot itself (previous facts per user, application roles)
 * @param {string[]} o.roleGroups  application-role groups (read-only fallback)
 * @param {() => Date|number} [o.now]   Jira's clock, as the caller keeps it (the page's jiraNow, startRun's
 *                                       jiraClock); absent (a CLI bulk run), it is measured here: the
 *                                       machine's clock plus the offset to Jira's serverTime, read now
 */
export async function executePlan(o) {
  const { host, plan, trail, engine } = o;
  const now = o.now ?? (await jiraClock(host));
  const runId = o.runId ?? newRunId(new Date(clockMs(now)));
  if (typeof o.policyText !== 'string') throw refusal('refused: the policy text is needed to run a plan (undo and resume are bounded by it); nothing was changed', 'refused.noPolicy');
  const policyHash = await sha256Hex(o.policyText);
  if (o.policyHash && o.policyHash !== policyHash) throw refusal('refused: the policy hash given does not match the policy text; nothing was changed', 'refused.policyMismatch');
  const capturedAt = o.snapshot?.capturedAt ?? o.snapshotData?.capturedAt ?? null;
  const common = {
    runId,
    who: o.who,
    ...(o.via ? { via: o.via } : {}),
    ...(o.node ? { node: o.node } : {}),
    ...(o.mode ? { mode: o.mode } : {}),
    policy: { hash: policyHash, path: o.policyPath ?? null },
    ...(o.schedule ? { schedule: o.schedule } : {}),
    // A bulk run (bulk.mjs): the operation and the users the admin chose, fixed before any write
    // (resume and undo are bounded by it, as a policy run's are by its policy).
    ...(o.bulk ? { bulk: o.bulk } : {}),
    jira: o.jira ?? null,
    asOf: plan.asOf,
    counts: plan.counts,
    limit: plan.limit,
    engineVersion: o.engineVersion ?? (typeof engine?.version === 'function' ? engine.version() : null),
  };
  const refuse = async (reason, message, code) => {
    await trail.append({ type: 'runRefused', ...common, reason, message });
    throw refusal(message, code);
  };
  if (plan.overLimit) {
    await refuse('overLimit', `refused: the plan has ${plan.counts.executable} executable actions, more than the policy's limits.maxActionsPerRun ${plan.limit?.maxActionsPerRun}; nothing was changed`, 'refused.overLimit');
  }
  const expired = planAge({ capturedAt, limit: plan.limit, now });
  if (expired) await refuse('planExpired', expired.message, expired.code);
  const decide = makeDecider({ engine, policyText: o.policyText, actor: o.actor ?? o.who?.actor ?? undefined, schedule: o.schedule, capturedAt, applicationRoles: rolesOf(o.snapshotData), sent: o.sent, now });
  const options = { concurrency: o.concurrency ?? 4, readonlyFallback: o.readonlyFallback ?? 'remove-licence-groups' };
  await trail.append({
    type: 'runStarted', ...common, policy: { ...common.policy, text: o.policyText },
    snapshot: { capturedAt, users: o.snapshot?.users ?? o.snapshotData?.users?.length ?? null }, options,
  });
  const items = planItems(plan, o.snapshotData);
  const roleGroups = o.roleGroups ?? [];
  const roles = rolesOf(o.snapshotData);
  await trail.append({ type: 'planned', runId, items, protected: plan.protected ?? [], roleGroups, ...(roles ? { applicationRoles: roles } : {}) });
  o.onStart?.(runId, items);
  const result = await carryOut({ host, trail, runId, items, decide, roleGroups, ...options, signal: o.signal, onOutcome: o.onOutcome, stoppedBy: o.who });
  return { runId, ...result };
}
