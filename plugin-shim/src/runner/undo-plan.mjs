// Undo (browser-safe): what a run changed and may be restored, and restoring it. Used by the Node
// runner (`undo`, undo.mjs) and the admin page's History view.
import { indexRuns } from './report.mjs';
import { lc, hasGroup } from './names.mjs';
import { newRunId } from './run-id.mjs';

/** What a run changed per user, minus what earlier undos of it restored; null when no such run. */
export function undoable(records, runId, onlyUser) {
  const runs = indexRuns(records);
  const run = runs.get(runId);
  if (!run?.started || run.started.type !== 'runStarted') return null;
  const changes = new Map();
  for (const o of run.outcomes.values()) {
    if (onlyUser !== undefined && lc(o.user) !== lc(onlyUser)) continue;
    const e = o.effects ?? {};
    const groups = e.groupsRemoved ?? [];
    if (!e.deactivated && groups.length === 0) continue;
    changes.set(lc(o.user), { user: o.user, rule: o.rule, reactivate: Boolean(e.deactivated), groups: [...groups] });
  }
  for (const u of runs.values()) {
    if (u.started?.type !== 'undoStarted' || u.started.undoOf !== runId) continue;
    for (const o of u.outcomes.values()) {
      const c = changes.get(lc(o.user));
      if (!c || !o.effects) continue;
      if (o.effects.reactivated) c.reactivate = false;
      c.groups = c.groups.filter((g) => !hasGroup(o.effects.groupsAdded, g));
    }
  }
  return [...changes.values()].filter((c) => c.reactivate || c.groups.length);
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
 * shows the change. Writes undoStarted, planned, intent/outcome per user, undoFinished.
 * `todo` comes from undoable(); returns {undoId, totals, exitCode}.
 */
export async function undoItems({ host, trail, runId, todo, user, who, jira, onOutcome }) {
  const undoId = newRunId(new Date(), 'undo');
  await trail.append({ type: 'undoStarted', runId: undoId, undoOf: runId, who, jira, ...(user !== undefined ? { user } : {}) });
  const items = todo.map((c, k) => ({ i: k + 1, user: c.user, action: 'undo', rule: c.rule, reactivate: c.reactivate, groups: c.groups, reasons: [`undo of ${runId}`] }));
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

