// Bulk operations (browser-safe): the admin picks users (one, several, or every user a filter
// matches) and an operation — deactivate, reactivate, add to groups, remove from groups. Who gets
// an action is the engine's (planBulk: protected users are left out of destructive operations with
// the reason; a user the operation would not change gets none). Carrying it out is the same
// executor as a policy run (execution.mjs): the limit, the typed confirmation (the caller's), decide
// again per user (the engine's decide with planned rule "bulk"), Stop, the trail, undo. The run's
// `runStarted` records `bulk: {operation, users}`, which bounds resume and undo (bounds.mjs
// bulkBounds) as a policy run's stored policy bounds it.
import { executePlan } from './execution.mjs';
import { BULK_OPERATIONS } from './bounds.mjs';
import { roleGroupsOf } from './items.mjs';

export { BULK_OPERATIONS };

const answer = (raw) => (typeof raw === 'string' ? JSON.parse(raw) : raw);

/** Problems with an operation as the admin gave it (before the engine sees it): [] when fine. */
export function checkOperation(operation) {
  const out = [];
  if (!operation || !BULK_OPERATIONS.includes(operation.type)) {
    out.push({ code: 'bulk.unknownOperation', path: 'operation.type', message: `the operation must be one of ${BULK_OPERATIONS.join(', ')}` });
    return out;
  }
  const needs = operation.type === 'addToGroups' || operation.type === 'removeFromGroups';
  const groups = operation.groups ?? [];
  if (needs && (!Array.isArray(groups) || groups.filter((g) => typeof g === 'string' && g.trim()).length === 0)) {
    out.push({ code: 'bulk.noGroups', path: 'operation.groups', message: `${operation.type} needs at least one group` });
  }
  if (!needs && groups.length) out.push({ code: 'bulk.unexpectedGroups', path: 'operation.groups', message: `${operation.type} takes no groups` });
  return out;
}

/**
 * The engine's bulk plan: `{type:'success', value, warnings}` or `{type:'failure', errors}` (never
 * throws for bad input). `users`: the usernames chosen; `operation`: {type, groups?}.
 */
export function planBulk(engine, policyText, snapshot, { asOf, actor, users, operation }) {
  if (typeof engine?.planBulk !== 'function') {
    return { type: 'failure', errors: [{ code: 'runner.engineTooOld', path: '', message: 'the engine has no planBulk(): it is older than this runner; rebuild it (./build.sh) or reload the page' }] };
  }
  const bad = checkOperation(operation);
  if (bad.length) return { type: 'failure', errors: bad };
  const op = { type: operation.type, ...(operation.groups?.length ? { groups: operation.groups.map((g) => g.trim()).filter(Boolean) } : {}) };
  const options = { asOf, users, operation: op, ...(actor ? { actor } : {}) };
  const snap = typeof snapshot === 'string' ? snapshot : JSON.stringify(snapshot);
  try {
    return answer(engine.planBulk(policyText, snap, options));
  } catch (e) {
    return { type: 'failure', errors: [{ code: 'engine.error', path: '', message: e?.message ?? String(e) }] };
  }
}

/** The actions a bulk plan carries out (not blocked). */
export const bulkExecutable = (plan) => (plan?.actions ?? []).filter((a) => !a.status && a.action !== 'review');

/**
 * Carries out a bulk plan with the runner's executor (executePlan's options, plus):
 * @param {object} o.operation  {type, groups?} as planned
 * @param {string[]} o.users    the users the admin chose (recorded; resume and undo stay within them)
 * Refuses like a run: over the limit (`refused.overLimit`), snapshot too old (`refused.planExpired`).
 */
export async function executeBulk(o) {
  const { operation, users } = o;
  if (checkOperation(operation).length) throw Object.assign(new Error(`refused: ${checkOperation(operation)[0].message}; nothing was changed`), { code: 'refused.badOperation' });
  const bulk = {
    operation: { type: operation.type, ...(operation.groups?.length ? { groups: [...operation.groups] } : {}) },
    users: [...new Set((users ?? []).map(String))],
  };
  return executePlan({
    ...o,
    bulk,
    via: o.via ?? 'bulk',
    roleGroups: o.roleGroups ?? roleGroupsOf(o.snapshotData),
  });
}
