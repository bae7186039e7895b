// What a run carries out, as stored in its trail (browser-safe): the planned items, which actions
// change Jira, and the application-role groups the read-only fallback may remove.
import { lc } from './names.mjs';

/** The plan actions that change Jira (`review` is only listed and recorded). */
export const EXECUTABLE = new Set(['deactivate', 'removeFromGroups']);

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

/**
 * The planned items stored in the trail: `{i, user, key?, action, groups?, rule, reasons, previous?}`.
 * `previous` holds the snapshot's `lastLogin` / `created` of the user (the engine decides again
 * with them when Jira's fresh answer lacks the field, e.g. last logins on Jira 9).
 */
export function planItems(plan, snapshot) {
  const users = new Map();
  for (const u of snapshot?.users ?? []) if (u && typeof u.name === 'string') users.set(lc(u.name), u);
  return (plan.actions ?? []).map((a, k) => {
    const u = users.get(lc(a.user));
    const key = a.key ?? u?.key;
    const previous = {};
    if (u && u.lastLogin !== undefined) previous.lastLogin = u.lastLogin;
    if (u && u.created !== undefined) previous.created = u.created;
    return {
      i: k + 1,
      user: a.user,
      ...(key != null ? { key } : {}),
      action: a.action,
      ...(a.groups ? { groups: a.groups } : {}),
      rule: a.rule,
      reasons: a.reasons ?? [],
      ...(u ? { previous } : {}),
    };
  });
}
