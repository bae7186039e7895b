// What a run carries out, as stored in its trail (browser-safe): the planned items, which actions
// change Jira, and the application-role groups the read-only fallback may remove.
import { lc } from './names.mjs';

/**
 * The plan actions that change Jira (`review` is only listed and recorded). `reactivate` and
 * `addToGroups` come only from bulk plans (the engine's planBulk, bulk.mjs): a policy's rules never
 * plan them.
 */
export const EXECUTABLE = new Set(['deactivate', 'removeFromGroups', 'reactivate', 'addToGroups']);

/**
 * True for an action a run carries out (EXECUTABLE), and not marked with a
 * `status` by the engine (`blocked`: Jira would refuse it, e.g. a project lead without a hand-over).
 */
export const isExecutable = (a) => EXECUTABLE.has(a?.action) && !a?.status;

/** What to do with a user Jira cannot deactivate (a read-only directory). */
export const READONLY_FALLBACKS = ['remove-licence-groups', 'skip'];

/** The groups of every application role, from a snapshot (the read-only fallback removes these). */
export function roleGroupsOf(snapshot) {
  const seen = new Map();
  for (const role of snapshot?.applicationRoles ?? []) {
    for (const g of role.groups ?? []) if (!seen.has(lc(g))) seen.set(lc(g), g);
  }
  return [...seen.values()];
}

/** The snapshot's facts the engine's decide takes as `previous`. */
const PREVIOUS = ['lastLogin', 'created', 'createdBefore', 'leads', 'openAssigned'];

/**
 * The planned items stored in the trail: `{i, user, key?, action, groups?, rule, reasons, status?,
 * blockedCode?, blockedReason?, handover?, previous?}`. `previous` holds the snapshot's facts about
 * the user that Jira's fresh answer may lack (`lastLogin` on Jira 9; `created`, `createdBefore`,
 * `leads`, `openAssigned` always): the engine decides again with them. An item with a `status`
 * (blocked) is listed, never carried out.
 */
export function planItems(plan, snapshot) {
  const users = new Map();
  for (const u of snapshot?.users ?? []) if (u && typeof u.name === 'string') users.set(lc(u.name), u);
  return (plan.actions ?? []).map((a, k) => {
    const u = users.get(lc(a.user));
    const key = a.key ?? u?.key;
    const previous = {};
    for (const f of PREVIOUS) if (u && u[f] !== undefined) previous[f] = u[f];
    return {
      i: k + 1,
      user: a.user,
      ...(key != null ? { key } : {}),
      action: a.action,
      ...(a.groups ? { groups: a.groups } : {}),
      rule: a.rule,
      reasons: a.reasons ?? [],
      ...(a.status ? { status: a.status, blockedCode: a.blockedCode, blockedReason: a.blockedReason } : {}),
      ...(a.handover ? { handover: a.handover } : {}),
      ...(u ? { previous } : {}),
    };
  });
}
