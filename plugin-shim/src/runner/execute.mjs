// Carrying out planned actions against a host, recording each action's intent before and its
// outcome after in the audit trail. Used by run, run --resume, the daemon and undo.
//
// Per item (one planned user):
//   1. re-read the user (host.getUser): vanished → skipped; inactive → skipped (only active users
//      are actioned); removeFromGroups with none of the groups left → skipped.
//   2. append `intent` (fsync'd) — 3. call the host — 4. append `outcome` (done | failed | skipped).
// A transient host failure (network, 5xx, 429) may or may not have been applied, so the user is
// read again before any retry: an action is never sent again once Jira shows it took effect.
// On resume, an intent without an outcome is settled the same way: by looking at the user.

export const READONLY_FALLBACKS = ['remove-licence-groups', 'skip'];

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const lc = (s) => String(s).toLowerCase();
export const hasGroup = (groups, g) => (groups ?? []).some((x) => lc(x) === lc(g));

function isTransient(res) {
  return res.code === 'host.network' || (res.code === 'host.http' && (!res.status || res.status >= 500 || res.status === 429));
}

function hostFailure(e) {
  return { ok: false, code: e?.code ?? 'host.network', status: e?.status, reason: e?.message ?? String(e) };
}

/** The groups of every application role, from a snapshot (the read-only fallback removes these). */
export function roleGroupsOf(snapshot) {
  const seen = new Map();
  for (const role of snapshot?.applicationRoles ?? []) {
    for (const g of role.groups ?? []) if (!seen.has(lc(g))) seen.set(lc(g), g);
  }
  return [...seen.values()];
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
}) {
  const totals = { done: 0, failed: 0, skipped: 0 };
  const ctx = { host, retries, backoffMs };
  let aborted = null;

  const readUser = async (name) => {
    let last;
    for (let a = 0; a <= retries; a++) {
      try {
        return { user: await host.getUser(name) };
      } catch (e) {
        last = e;
        if (a < retries) await sleep(backoffMs * 2 ** a);
      }
    }
    return { error: last };
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
      await sleep(backoffMs * 2 ** a);
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
    while (next < items.length && !aborted) {
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
