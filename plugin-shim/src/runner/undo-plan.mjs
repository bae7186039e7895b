// Undo (browser-safe): what a run changed and may be restored, and restoring it. Used by the Node
// runner (`undo`, undo.mjs) and the admin page's History view. The trail is untrusted: undo
// restores only what the run announced before doing it and what its own policy allowed
// (bounds.mjs); anything else is refused and reported as tampering.
import { indexRuns } from './report.mjs';
import { lc, hasGroup } from './names.mjs';
import { newRunId } from './run-id.mjs';
import { storedPolicy, removable } from './bounds.mjs';

/**
 * What a run recorded it changed, per user, bounded by what it recorded it was about to do: an
 * effect counts only when an intent of the same item announced it (a deactivation after a
 * `deactivate` intent of a deactivate item; a removed group named by a `removeFromGroups` intent
 * of that item, or of a deactivate item's read-only fallback). Anything else is refused as
 * tampering. Minus what earlier undos of the run restored. null when there is no such run.
 * → {run, changes: [{user, rule, reactivate, groups, fallbackGroups}], refused: [{user, group?, reason, code}]}
 */
function recorded(records, runId, onlyUser) {
  const runs = indexRuns(records);
  const run = runs.get(runId);
  if (!run?.started || run.started.type !== 'runStarted') return null;
  const items = new Map((run.planned?.items ?? []).map((it) => [it?.i, it]));
  const intents = new Map();
  for (const r of run.records) {
    if (r.type !== 'intent') continue;
    if (!intents.has(r.item)) intents.set(r.item, []);
    intents.get(r.item).push(r);
  }
  const changes = new Map();
  const refused = [];
  for (const o of run.outcomes.values()) {
    if (onlyUser !== undefined && lc(o.user) !== lc(onlyUser)) continue;
    const e = o.effects ?? {};
    const groups = Array.isArray(e.groupsRemoved) ? e.groupsRemoved : [];
    if (!e.deactivated && groups.length === 0) continue;
    const item = items.get(o.item);
    if (!item || lc(item.user) !== lc(o.user)) {
      refused.push({ user: o.user, reason: `the outcome names item ${o.item}, which the run did not plan for ${o.user}`, code: 'tampered.notPlanned' });
      continue;
    }
    const said = intents.get(o.item) ?? [];
    const c = { user: o.user, ...(item.key != null ? { key: item.key } : {}), rule: o.rule, reactivate: false, groups: [], fallbackGroups: [] };
    if (e.deactivated) {
      if (item.action === 'deactivate' && said.some((x) => x.action === 'deactivate')) c.reactivate = true;
      else refused.push({ user: o.user, reason: 'the trail says the run deactivated this user, but the run never planned and announced that', code: 'tampered.notIntended' });
    }
    for (const g of groups) {
      const own = item.action === 'removeFromGroups' && hasGroup(item.groups, g) && said.some((x) => x.action === 'removeFromGroups' && !x.fallback && hasGroup(x.groups, g));
      const fallback = item.action === 'deactivate' && said.some((x) => x.action === 'removeFromGroups' && x.fallback && hasGroup(x.groups, g));
      if (own) c.groups.push(g);
      else if (fallback) c.fallbackGroups.push(g);
      else refused.push({ user: o.user, group: g, reason: `the trail says the run removed ${o.user} from ${g}, but the run never planned and announced that`, code: 'tampered.notIntended' });
    }
    changes.set(lc(o.user), c);
  }
  for (const u of runs.values()) {
    if (u.started?.type !== 'undoStarted' || u.started.undoOf !== runId) continue;
    for (const o of u.outcomes.values()) {
      const c = changes.get(lc(o.user));
      if (!c || !o.effects) continue;
      if (o.effects.reactivated) c.reactivate = false;
      c.groups = c.groups.filter((g) => !hasGroup(o.effects.groupsAdded, g));
      c.fallbackGroups = c.fallbackGroups.filter((g) => !hasGroup(o.effects.groupsAdded, g));
    }
  }
  return { run, changes: [...changes.values()], refused };
}

const publicChange = (c) => ({ user: c.user, ...(c.key != null ? { key: c.key } : {}), rule: c.rule, reactivate: c.reactivate, groups: [...c.groups, ...c.fallbackGroups] });
const pending = (c) => c.reactivate || c.groups.length || c.fallbackGroups.length;

/**
 * What a run changed per user and may be restored, bounded by its intents only (no engine): the
 * History view's summary. Restoring goes through undoPlan(), which also checks the run's policy.
 * null when there is no such run.
 */
export function undoable(records, runId, onlyUser) {
  const r = recorded(records, runId, onlyUser);
  return r && r.changes.filter(pending).map(publicChange);
}

/**
 * What undo may restore of a run: only effects whose intent the run recorded (see recorded()), and
 * whose groups the run's stored policy allows it to remove (the engine's removableGroups; the
 * read-only fallback's groups against the run's application-role groups). A stored policy that is
 * missing or does not match its hash refuses everything. Async (the policy hash).
 * @returns {Promise<{changes: [{user, rule, reactivate, groups}], refused: [{user, group?, reason, code}]} | null>}
 */
export async function undoPlan(records, runId, { user, engine } = {}) {
  const r = recorded(records, runId, user);
  if (!r) return null;
  const todo = r.changes.filter(pending);
  const refused = [...r.refused];
  const policy = await storedPolicy(r.run.started);
  if (!policy.ok) {
    for (const c of todo) refused.push({ user: c.user, reason: policy.message, code: policy.code });
    return { changes: [], refused };
  }
  const own = removable(engine, policy.text, [...new Set(todo.flatMap((c) => c.groups))], []);
  const fallback = removable(engine, policy.text, [...new Set(todo.flatMap((c) => c.fallbackGroups))], r.run.planned?.roleGroups ?? []);
  const changes = [];
  for (const c of todo) {
    const keep = (allowed) => (g) => {
      if (allowed.get(lc(g))?.allowed) return true;
      refused.push({ user: c.user, group: g, reason: `the run's policy does not allow removing ${g}, so the run cannot have removed it`, code: 'tampered.notAllowed' });
      return false;
    };
    const ok = { ...c, groups: c.groups.filter(keep(own)), fallbackGroups: c.fallbackGroups.filter(keep(fallback)) };
    if (pending(ok)) changes.push(publicChange(ok));
  }
  return { changes, refused };
}

async function safeCall(call) {
  try {
    const r = await call();
    return r ?? { ok: false, reason: 'no answer' };
  } catch (e) {
    return { ok: false, code: e?.code, reason: e?.message ?? String(e) };
  }
}

/**
 * Undoes (part of) a run recorded in `trail`: reactivates and re-adds groups, only where Jira still
 * shows the change, and only to the same account (a user whose key changed — renamed, and the name
 * reused — is skipped). Writes undoStarted, planned, intent/outcome per user, undoFinished.
 * `todo` is undoPlan()'s `changes`; returns {undoId, totals, exitCode}.
 */
export async function undoItems({ host, trail, runId, todo, user, who, jira, onOutcome }) {
  const undoId = newRunId(new Date(), 'undo');
  await trail.append({ type: 'undoStarted', runId: undoId, undoOf: runId, who, jira, ...(user !== undefined ? { user } : {}) });
  const items = todo.map((c, k) => ({ i: k + 1, user: c.user, ...(c.key != null ? { key: c.key } : {}), action: 'undo', rule: c.rule, reactivate: c.reactivate, groups: c.groups, reasons: [`undo of ${runId}`] }));
  await trail.append({ type: 'planned', runId: undoId, items, protected: [] });
  const totals = { done: 0, failed: 0, skipped: 0 };
  for (const item of items) {
    const rec = (type, fields) => trail.append({ type, runId: undoId, item: item.i, user: item.user, rule: item.rule, ...fields });
    let out;
    let current;
    try {
      current = await host.getUser(item.user);
    } catch (e) {
      out = { status: 'failed', reason: `could not read the user: ${e.message}` };
    }
    if (!out && !current) out = { status: 'skipped', reason: 'vanished: the user no longer exists in Jira' };
    if (!out && item.key != null && current.key != null && String(current.key) !== String(item.key)) {
      out = { status: 'skipped', code: 'runner.identityChanged', reason: `not the same account: ${item.user} now has the key ${current.key}, the run changed the account with the key ${item.key}` };
    }
    if (!out) {
      const reactivate = item.reactivate && current.active === false;
      const groups = item.groups.filter((g) => !hasGroup(current.groups, g));
      const action = [reactivate ? 'reactivate' : null, groups.length ? 'addToGroups' : null].filter(Boolean).join('+') || 'none';
      if (action === 'none') {
        out = { action, status: 'skipped', reason: 'already restored (active and in the groups)', effects: { reactivated: item.reactivate, groupsAdded: item.groups } };
      } else {
        await rec('intent', { action, groups, reactivate, observed: { active: current.active, groups: current.groups } });
        const effects = { reactivated: false, groupsAdded: item.groups.filter((g) => hasGroup(current.groups, g)) };
        let failure = null;
        if (reactivate) {
          const r = await safeCall(() => host.reactivate(item.user));
          if (r.ok) effects.reactivated = true;
          else failure = `reactivating: ${r.reason}`;
        } else if (item.reactivate) effects.reactivated = true;
        for (const g of failure ? [] : groups) {
          const r = await safeCall(() => host.addToGroup(item.user, g));
          if (r.ok) effects.groupsAdded.push(g);
          else {
            failure = `adding to ${g}: ${r.reason}`;
            break;
          }
        }
        out = failure ? { action, status: 'failed', reason: failure, effects } : { action, status: 'done', effects };
      }
    }
    const written = await rec('outcome', { action: 'undo', ...out });
    totals[out.status] += 1;
    onOutcome?.(written, totals);
  }
  const exitCode = totals.failed ? 4 : 0;
  await trail.append({ type: 'undoFinished', runId: undoId, totals, exitCode });
  return { undoId, totals, exitCode };
}

