// Reading only the groups a policy looks at. Which groups those are is the engine's answer
// (`policyGroups`: every include/exclude/protect/removeFromGroups pattern resolved against the
// group names, plus the application roles' groups); this module never matches a pattern itself.
// Browser-safe: the page and the CLI both use it.
import { HostError } from './errors.mjs';

/**
 * @typedef {object} Scope
 * @property {string} [policy]  the policy text (with `engine`)
 * @property {{policyGroups: Function}} [engine]  the loaded engine
 * @property {(input: {groups: string[], applicationRoles: {key: string, groups: string[]}[]}) => any} [select]
 *   instead of policy + engine: answers like `engine.policyGroups(policy, input)` (may be async:
 *   the page's engine and policy may still be loading when the group names arrive); null = read every group
 */

const lc = (s) => String(s).trim().toLowerCase();

/**
 * The groups whose members a snapshot must read.
 * @param {Scope|null|undefined} scope  none: every group
 * @param {string[]} allGroups  every group name (groups/picker)
 * @param {{key: string, groups?: string[]}[]} roles  the application roles
 * @returns {Promise<{walk: string[], notRead: string[], scoped: boolean, reasons?: {group: string, by: string[]}[]}>}
 *   `walk` spelled as Jira spells them; `notRead` the other names of `allGroups`
 */
export async function chooseGroups(scope, allGroups, roles) {
  if (!scope) return { walk: [...allGroups], notRead: [], scoped: false };
  const input = {
    groups: [...allGroups],
    applicationRoles: roles.map((r) => ({ key: String(r.key), groups: (r.groups ?? []).filter((g) => typeof g === 'string' && g.trim()) })),
  };
  let result;
  if (typeof scope.select === 'function') {
    result = await scope.select(input);
    // null: the caller cannot tell (no engine with policyGroups): read every group.
    if (result === null) return { walk: [...allGroups], notRead: [], scoped: false };
  }
  else if (scope.engine && typeof scope.engine.policyGroups === 'function' && typeof scope.policy === 'string') {
    result = scope.engine.policyGroups(scope.policy, input);
  } else {
    throw new HostError('host.config', 'a scoped snapshot needs {policy, engine} (an engine with policyGroups) or select');
  }
  if (!result || result.type !== 'success' || !Array.isArray(result.value?.groups)) {
    const errs = Array.isArray(result?.errors) ? result.errors : [];
    const what = errs.slice(0, 3).map((e) => `${e.path ? `${e.path}: ` : ''}${e.message} [${e.code}]`).join('; ');
    throw new HostError('host.scope', `the engine could not say which groups the policy needs${what ? `: ${what}` : ''}`, {
      reason: 'The policy does not validate, so the groups it needs are not known; fix the policy or read every group',
    });
  }
  const wanted = new Set(result.value.groups.map(lc));
  const walk = [];
  const notRead = [];
  const listed = new Set();
  for (const g of allGroups) {
    listed.add(lc(g));
    (wanted.has(lc(g)) ? walk : notRead).push(g);
  }
  // A role group the picker did not list (the engine names it anyway): read it too, so that seats count right.
  for (const g of result.value.groups) if (!listed.has(lc(g))) walk.push(g);
  return { walk, notRead, scoped: true, reasons: result.value.reasons };
}

/**
 * Adds memberships read later (the page's background walk) to a snapshot: a new snapshot object
 * whose users' `groups` gain the groups read and whose `completeGroups` lists them too (the field is
 * dropped once every group is complete, which makes it a full snapshot again). Members that are
 * not users of the snapshot (created since) are counted, not added: the snapshot's user list is
 * what the plan was made from.
 * @param {any} snap  a snapshot with `completeGroups`
 * @param {Map<string, string[]>|[string, string[]][]} read  group → member usernames
 * @param {{allRead?: boolean}} [o]  allRead: nothing is left unread
 * @returns {{snapshot: any, unknownMembers: number}}
 */
export function mergeMemberships(snap, read, { allRead = false } = {}) {
  const byUser = new Map(); // lc name → groups to add
  let unknownMembers = 0;
  const index = new Map(snap.users.map((u, i) => [lc(u.name), i]));
  const groupsRead = [];
  for (const [group, names] of read) {
    groupsRead.push(group);
    for (const n of names) {
      const k = lc(n);
      if (!index.has(k)) { unknownMembers++; continue; }
      if (!byUser.has(k)) byUser.set(k, []);
      byUser.get(k).push(group);
    }
  }
  const users = snap.users.map((u) => {
    const add = byUser.get(lc(u.name));
    if (!add) return u;
    const have = new Set((u.groups ?? []).map(lc));
    const groups = [...(u.groups ?? [])];
    for (const g of add) if (!have.has(lc(g))) { have.add(lc(g)); groups.push(g); }
    groups.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return { ...u, groups };
  });
  const out = { ...snap, users };
  if (allRead) delete out.completeGroups;
  else {
    const seen = new Set();
    out.completeGroups = [...(snap.completeGroups ?? []), ...groupsRead].filter((g) => !seen.has(lc(g)) && seen.add(lc(g)));
  }
  return { snapshot: out, unknownMembers };
}
