// The policy object the Rules form edits in place, and the few facts about its shape the form
// needs to add, move and remove parts. No DOM here and no validation: whether the policy is right
// is the engine's answer (engine.validate), shown beside the fields by problems.mjs.
//
// Fields the form does not know (an imported typo such as "inactveDays") stay in the object, are
// exported and are reported by the engine — nothing here drops them.

export const ACTIONS = [
  { type: 'deactivate', label: 'Deactivate the account' },
  { type: 'removeFromGroups', label: 'Remove from groups' },
  { type: 'review', label: 'List for review only' },
];

export const EMAIL = [
  { v: 'any', label: 'Any email' },
  { v: 'external', label: 'External (domain not internal)' },
  { v: 'internal', label: 'Internal (an internal domain)' },
  { v: 'domains', label: 'One of these domains' },
];

export const isObject = (v) => v != null && typeof v === 'object' && !Array.isArray(v);

/** Parent paths of a JSON path, nearest first: "a.b[2].c" -> ["a.b[2]", "a.b", "a"]. */
export function parentPaths(path) {
  const out = [];
  let p = path;
  for (;;) {
    const m = /^(.*)(\[\d+\]|\.[^.[\]]+)$/.exec(p);
    if (!m || !m[1]) break;
    p = m[1];
    out.push(p);
  }
  return out;
}

/** '90' -> 90, '' -> undefined (field removed), anything else stays text for the engine to report. */
export function parseWhole(text) {
  const t = text.trim();
  if (t === '') return undefined;
  if (/^-?\d+$/.test(t)) return Number(t);
  return t;
}

/** obj[key] when it is an object, else null (an imported list or string is left for the engine). */
export function sub(obj, key) {
  return isObject(obj[key]) ? obj[key] : null;
}

/** obj[key] as an object, created on first write and removed again when its last field goes. */
export function lazy(obj, key) {
  return new Proxy({}, {
    get: (_, k) => sub(obj, key)?.[k],
    set: (_, k, v) => {
      if (!sub(obj, key)) obj[key] = {};
      obj[key][k] = v;
      return true;
    },
    deleteProperty: (_, k) => {
      const o = sub(obj, key);
      if (o) {
        delete o[k];
        if (!Object.keys(o).length) delete obj[key];
      }
      return true;
    },
  });
}

/** Removes item i of the list obj[key]; an emptied list is removed (absent, not []). */
export function removeAt(obj, key, i) {
  const list = obj[key];
  list.splice(i, 1);
  if (!list.length) delete obj[key];
}

/** Swaps item i with its neighbour i + d. */
export function move(list, i, d) {
  [list[i], list[i + d]] = [list[i + d], list[i]];
}

/** Which email condition a rule has, as the form's choice. */
export function emailMode(rule) {
  const e = sub(rule, 'email');
  return !e ? 'any' : 'domains' in e ? 'domains' : e.external === false ? 'internal' : 'external';
}

export function setEmailMode(rule, mode) {
  if (mode === 'any') delete rule.email;
  else if (mode === 'domains') rule.email = { domains: Array.isArray(rule.email?.domains) ? rule.email.domains : [''] };
  else rule.email = { external: mode === 'external' };
}

/** A new action type; removeFromGroups gets an empty group to fill in, the others lose theirs. */
export function setActionType(rule, type) {
  if (!sub(rule, 'action')) rule.action = {};
  rule.action.type = type;
  if (type === 'removeFromGroups' && !Array.isArray(rule.action.groups)) rule.action.groups = [''];
  if (type !== 'removeFromGroups') delete rule.action.groups;
}

/** Appends a review-only rule with an id no other rule has; returns its index. */
export function addRule(model) {
  if (!Array.isArray(model.rules)) model.rules = [];
  const ids = new Set(model.rules.map((r) => r?.id));
  let n = model.rules.length + 1;
  while (ids.has(`rule-${n}`)) n++;
  model.rules.push({ id: `rule-${n}`, inactiveDays: 90, action: { type: 'review' } });
  return model.rules.length - 1;
}

export function addServiceAccount(model) {
  if (!Array.isArray(model.serviceAccounts)) model.serviceAccounts = [];
  model.serviceAccounts.push({ user: '', owner: '', purpose: '', expires: '' });
}

export function addSchedule(model, timezone = 'UTC') {
  if (!Array.isArray(model.schedules)) model.schedules = [];
  model.schedules.push({ id: `schedule-${model.schedules.length + 1}`, cron: '0 3 * * MON', timezone });
}

/** The rule ids, for the schedules' autocomplete. */
export const ruleIds = (model) => (Array.isArray(model.rules) ? model.rules : []).filter((r) => r && typeof r.id === 'string').map((r) => r.id);

/**
 * The policy the hand-over field is checked with against the snapshot: only its `handover` (the
 * engine's validation with a snapshot says whether that user exists and is active; the rest of
 * the policy is checked without one, as the form always does).
 */
export const handoverCheckPolicy = (model) => ({ version: 1, rules: [], handover: model.handover });

/** Active users' names for the hand-over autocomplete (a datalist of more than `cap` helps no one). */
export function activeUserNames(snap, cap = 5000) {
  const names = (snap?.users ?? []).filter((u) => u && u.active === true && typeof u.name === 'string').map((u) => u.name);
  return names.length <= cap ? names.sort((a, b) => a.localeCompare(b, 'en', { sensitivity: 'base' })) : [];
}
