// What a recorded run was allowed to do (browser-safe). A trail is read back from storage, so it is
// untrusted: its hash chain shows it was not edited after the fact by someone without the means
// to re-seal it, but anyone who can write the file can also recompute the chain. So undo and
// resume act only within bounds the run itself fixed when it started: the policy text stored in
// runStarted (its SHA-256 must match the recorded hash), the rules and action types in it, and the
// groups its removeFromGroups patterns (or, for the read-only fallback, the run's application-role
// groups) allow, as the engine's `removableGroups` says. Which groups a pattern matches is the
// engine's rule, never re-implemented here.
import { sha256Hex } from './hash.mjs';
import { lc, hasGroup } from './names.mjs';
import { isExecutable } from './items.mjs';

const problem = (code, message, extra = {}) => ({ code, message, ...extra });

/**
 * The policy stored with a run: `{ok: true, text, rules: Map(lc id → action type)}` or
 * `{ok: false, code, message}` (not stored, hash mismatch, not a policy).
 */
export async function storedPolicy(started) {
  const p = started?.policy;
  if (typeof p?.text !== 'string') {
    return problem('tampered.noPolicy', 'the run did not store the policy it was planned with (made by an older version, or removed), so what it was allowed to do cannot be checked', { ok: false });
  }
  if ((await sha256Hex(p.text)) !== p.hash) {
    return problem('tampered.policyText', 'the stored policy text does not match the policy hash recorded when the run started', { ok: false });
  }
  let policy;
  try {
    policy = JSON.parse(p.text);
  } catch {
    return problem('tampered.policyText', 'the stored policy text is not JSON', { ok: false });
  }
  const rules = new Map();
  for (const r of Array.isArray(policy?.rules) ? policy.rules : []) {
    if (typeof r?.id === 'string' && typeof r?.action?.type === 'string') rules.set(lc(r.id), r.action.type);
  }
  return { ok: true, text: p.text, rules };
}

export const BULK_OPERATIONS = ['deactivate', 'reactivate', 'addToGroups', 'removeFromGroups'];

/**
 * The operation a bulk run (bulk.mjs) fixed when it started: `{ok: true, type, groups, users: Set(lc)}`
 * or `{ok: false, code, message}`. A bulk run is bounded by it as a policy run is by its policy:
 * resume and undo act only on its users, with its action, within its groups.
 */
export function bulkBounds(started) {
  const b = started?.bulk;
  const op = b?.operation;
  if (!op || !BULK_OPERATIONS.includes(op.type) || !Array.isArray(b.users) || !b.users.every((u) => typeof u === 'string')) {
    return problem('tampered.bulk', 'the bulk run did not record a valid operation and list of users', { ok: false });
  }
  const groups = op.groups === undefined ? [] : op.groups;
  const needsGroups = op.type === 'addToGroups' || op.type === 'removeFromGroups';
  if (!Array.isArray(groups) || !groups.every((g) => typeof g === 'string') || needsGroups !== groups.length > 0) {
    return problem('tampered.bulk', `the bulk run's operation ${op.type} has ${needsGroups ? 'no groups' : 'groups it cannot have'}`, { ok: false });
  }
  return { ok: true, type: op.type, groups, users: new Set(b.users.map(lc)) };
}

/**
 * Which of `groups` the policy lets a run remove, per the engine: Map(lc group → {allowed, by?}).
 * Throws when the engine cannot answer (too old, or a failure): nothing is restored on a guess.
 */
export function removable(engine, policyText, groups, roleGroups = []) {
  const out = new Map();
  if (groups.length === 0) return out;
  if (typeof engine?.removableGroups !== 'function') {
    throw Object.assign(new Error('the engine has no removableGroups(): it is older than this runner; rebuild it (./build.sh) or reload the page'), { code: 'runner.engineTooOld' });
  }
  let r = engine.removableGroups(policyText, { groups, roleGroups });
  if (typeof r === 'string') r = JSON.parse(r);
  if (r?.type !== 'success') {
    const msg = (r?.errors ?? []).map((e) => e.message).join('; ') || 'no answer';
    throw Object.assign(new Error(`the engine could not say which groups the run's policy allows: ${msg}`), { code: r?.errors?.[0]?.code ?? 'engine.error' });
  }
  for (const g of r.value?.groups ?? []) out.set(lc(g.group), { allowed: g.allowed === true, by: g.by });
  return out;
}

/**
 * Checks an interrupted run before it is resumed: its stored policy, and its planned items and
 * pending intents against it. Returns the problems found ([] = resumable).
 * @param {object} run  indexRuns() entry
 * @param {object} engine
 */
export async function checkResumable(run, engine) {
  const problems = [];
  const policy = await storedPolicy(run.started);
  if (!policy.ok) return [policy];
  const bulk = run.started.bulk ? bulkBounds(run.started) : null;
  if (bulk && !bulk.ok) return [bulk];
  const items = run.planned?.items;
  if (!Array.isArray(items)) return [problem('tampered.plan', 'the planned record has no items')];
  const counts = run.started.counts ?? {};
  const byAction = {};
  for (const it of items) byAction[it?.action] = (byAction[it?.action] ?? 0) + 1;
  const executable = items.filter(isExecutable).length;
  if (counts.executable !== executable) {
    problems.push(problem('tampered.plan', `the plan holds ${executable} executable actions but the run started with ${counts.executable}`));
  }
  for (const [action, n] of Object.entries(counts.byAction ?? {})) {
    if ((byAction[action] ?? 0) !== n) problems.push(problem('tampered.plan', `the plan holds ${byAction[action] ?? 0} ${action} actions but the run started with ${n}`));
  }
  for (const action of Object.keys(byAction)) {
    if (!Object.hasOwn(counts.byAction ?? {}, action)) problems.push(problem('tampered.plan', `the plan holds ${action} actions the run did not start with`));
  }
  const seenUsers = new Set();
  const byItem = new Map();
  const wanted = [];
  items.forEach((it, k) => {
    const where = `item ${k + 1}`;
    if (it?.i !== k + 1 || typeof it.user !== 'string' || !it.user) {
      problems.push(problem('tampered.plan', `${where}: not numbered ${k + 1} or without a user`));
      return;
    }
    byItem.set(it.i, it);
    if (seenUsers.has(lc(it.user))) problems.push(problem('tampered.plan', `${where} (${it.user}): the user is planned twice`));
    seenUsers.add(lc(it.user));
    if (bulk) {
      if (it.rule !== 'bulk' || it.action !== bulk.type || !bulk.users.has(lc(it.user))) {
        problems.push(problem('tampered.plan', `${where} (${it.user}): ${it.action} by ${JSON.stringify(it.rule)} is not the bulk run's ${bulk.type} of its users`));
      }
      const extra = (Array.isArray(it.groups) ? it.groups : []).filter((g) => !hasGroup(bulk.groups, g));
      if (extra.length || ((bulk.type === 'addToGroups' || bulk.type === 'removeFromGroups') && !(it.groups?.length > 0))) {
        problems.push(problem('tampered.plan', `${where} (${it.user}): groups ${JSON.stringify(it.groups ?? [])} are not within the bulk operation's ${bulk.groups.join(', ')}`));
      }
      return;
    }
    const type = policy.rules.get(lc(it.rule));
    if (type === undefined) problems.push(problem('tampered.plan', `${where} (${it.user}): rule ${JSON.stringify(it.rule)} is not in the run's policy`));
    else if (type !== it.action) problems.push(problem('tampered.plan', `${where} (${it.user}): action ${it.action} but rule ${it.rule} is a ${type} rule`));
    if (it.action === 'removeFromGroups') {
      if (!Array.isArray(it.groups) || it.groups.length === 0) problems.push(problem('tampered.plan', `${where} (${it.user}): removeFromGroups without groups`));
      else for (const g of it.groups) wanted.push({ user: it.user, group: g, where });
    }
  });
  for (const [i, intent] of run.intents) {
    if (run.outcomes.has(i)) continue;
    const it = byItem.get(i);
    if (!it || lc(intent.user) !== lc(it.user)) {
      problems.push(problem('tampered.intent', `an intent for ${intent.user} names item ${i}, which the plan does not hold for that user`));
      continue;
    }
    const groups = Array.isArray(intent.groups) ? intent.groups : [];
    const ok =
      intent.action === 'deactivate' ? it.action === 'deactivate'
        : intent.action === 'removeFromGroups' && intent.fallback ? it.action === 'deactivate' && groups.every((g) => hasGroup(run.planned.roleGroups, g))
          : intent.action === 'removeFromGroups' ? it.action === 'removeFromGroups' && groups.every((g) => hasGroup(it.groups, g))
            : intent.action === 'addToGroups' ? it.action === 'addToGroups' && groups.every((g) => hasGroup(it.groups, g))
              : intent.action === 'reactivate' ? it.action === 'reactivate'
                : false;
    if (!ok) problems.push(problem('tampered.intent', `the interrupted intent for ${it.user} (${intent.action}${groups.length ? ` of ${groups.join(', ')}` : ''}) is not what item ${i} planned`));
  }
  // An engine without removableGroups throws (removable): the groups are never taken on trust.
  if (wanted.length) {
    const allowed = removable(engine, policy.text, [...new Set(wanted.map((w) => w.group))], []);
    for (const w of wanted) {
      if (!allowed.get(lc(w.group))?.allowed) problems.push(problem('tampered.plan', `${w.where} (${w.user}): the run's policy does not let it remove ${w.group}`));
    }
  }
  return problems;
}
