// Reconciling the runner's audit trail with Jira's own audit log (browser-safe: no Node imports).
//
// The hash chain (and the optional MAC) shows that a trail was not edited by someone without the
// means to re-seal it. Jira's audit log is written by Jira, with the acting account as the author,
// and cannot be edited over REST: comparing the two shows what a re-sealed trail cannot hide.
//
// A run's changes are what its outcomes say they did:
//   run outcomes (any status, a failure can have removed some groups first): effects.deactivated →
//     "deactivated", each of effects.groupsRemoved → "groupRemoved <group>";
//   undo outcomes: what the undo asked for in its intent and reports as done — reactivate →
//     "reactivated", each group it was adding and reports in effects.groupsAdded → "groupAdded".
// A run's segments are the times it was running, each with the Jira account that ran it: from
// runStarted / undoStarted (who.jiraUser) or a runResumed (its who.jiraUser) to the run's last
// record before the next resume, or its runFinished / undoFinished. Around each, `slackMs`
// (2 minutes) allows for the clocks of the runner and Jira disagreeing.
// - Every change must match one Jira event: same user (name or key), same change (and group), an
//   author who is that segment's account, at a time inside one of the run's segments. A change
//   without one is FORGED (the trail claims something Jira did not record).
// - Every deactivation / reactivation / group removal / group addition that Jira recorded with the
//   run's account inside its segments must match a change of the run (or of another run in the
//   same trail). One without is REMOVED (Jira shows a change the trail does not) — unless the run
//   holds an intent for it without an outcome (the process died after sending it), which is
//   reported as INTERRUPTED.
// Each event matches at most one change, so a change claimed twice needs two events.
import { indexRuns } from './report.mjs';

export const RECONCILE_SLACK_MS = 2 * 60_000;
const DUPLICATE_MS = 2_000;
const CHANGES = new Set(['deactivated', 'reactivated', 'groupRemoved', 'groupAdded']);

const lc = (s) => String(s ?? '').toLowerCase();
const ms = (iso) => Date.parse(iso);
const iso = (t) => new Date(t).toISOString();

/** The changes one outcome record says it made: [{action, group?}]. */
export function outcomeChanges(outcome, intent, { undo }) {
  if (!outcome || outcome.type !== 'outcome' || outcome.status === 'skipped') return [];
  const e = outcome.effects && typeof outcome.effects === 'object' ? outcome.effects : {};
  const list = (v) => (Array.isArray(v) ? v.filter((g) => typeof g === 'string') : []);
  const out = [];
  if (!undo) {
    if (e.deactivated === true) out.push({ action: 'deactivated' });
    for (const g of list(e.groupsRemoved)) out.push({ action: 'groupRemoved', group: g });
    return out;
  }
  // An undo's effects also list what was already in place (it is "restored" either way); what it
  // changed is what its intent set out to change and its effects confirm.
  if (!intent) return [];
  if (intent.reactivate === true && e.reactivated === true) out.push({ action: 'reactivated' });
  const asked = new Set(list(intent.groups).map(lc));
  for (const g of list(e.groupsAdded)) if (asked.has(lc(g))) out.push({ action: 'groupAdded', group: g });
  return out;
}

/** What an intent without an outcome was about to do (the same shape). */
function intentChanges(intent, { undo }) {
  const list = (v) => (Array.isArray(v) ? v.filter((g) => typeof g === 'string') : []);
  if (undo) return [...(intent.reactivate ? [{ action: 'reactivated' }] : []), ...list(intent.groups).map((g) => ({ action: 'groupAdded', group: g }))];
  if (intent.action === 'deactivate') return [{ action: 'deactivated' }];
  if (intent.action === 'removeFromGroups') return list(intent.groups).map((g) => ({ action: 'groupRemoved', group: g }));
  return [];
}

/** A run's segments [{from, to, author}] (epoch ms, without slack) from its records. */
function segmentsOf(run, jiraUser) {
  const segs = [];
  let cur = null;
  for (const r of run.records) {
    const t = ms(r.at);
    if (!Number.isFinite(t)) continue;
    if (r.type === 'runStarted' || r.type === 'undoStarted' || r.type === 'runResumed') {
      if (cur) segs.push(cur);
      cur = { from: t, to: t, author: lc(jiraUser ?? r.who?.jiraUser ?? '') || null };
      continue;
    }
    if (!cur) continue;
    cur.to = Math.max(cur.to, t);
    if (r.type === 'runFinished' || r.type === 'undoFinished') {
      segs.push(cur);
      cur = null;
    }
  }
  if (cur) segs.push(cur);
  return segs;
}

const sameUser = (claim, event) => event.userIds?.some((id) => claim.ids.includes(id)) ?? false;
const sameChange = (claim, event) => claim.change.action === event.action && (claim.change.group === undefined || lc(claim.change.group) === lc(event.group));
const inSegment = (seg, event, slack) => {
  const t = ms(event.at);
  return Number.isFinite(t) && t >= seg.from - slack && t <= seg.to + slack && seg.author !== null && (event.authorIds ?? []).includes(seg.author);
};

/** Claims (changes with their records) and pending intents of every run of the trail. */
function analyse(records, { jiraUser, slackMs }) {
  const runs = [];
  const indexed = indexRuns(records);
  // A user's key (it survives a rename, and Jira's events may name the user by it) from any plan of
  // the trail: an undo's items do not carry it, the plan of the run it undoes does.
  const keyByName = new Map();
  for (const run of indexed.values()) for (const it of run.planned?.items ?? []) if (it?.key != null && typeof it.user === 'string') keyByName.set(lc(it.user), lc(it.key));
  const idsOf = (user) => [lc(user), ...(keyByName.has(lc(user)) ? [keyByName.get(lc(user))] : [])];
  for (const run of indexed.values()) {
    if (!run.started) continue;
    const undo = run.started.type === 'undoStarted';
    const segments = segmentsOf(run, jiraUser);
    const intents = new Map();
    const claims = [];
    const pending = [];
    for (const r of run.records) {
      if (r.type === 'intent') intents.set(r.item, r);
      if (r.type !== 'outcome') continue;
      const ids = idsOf(r.user);
      for (const change of outcomeChanges(r, intents.get(r.item), { undo })) claims.push({ runId: run.id, user: r.user, ids, change, record: r, at: ms(r.at) });
    }
    for (const [item, intent] of intents) {
      if (run.outcomes.has(item)) continue;
      const ids = idsOf(intent.user);
      for (const change of intentChanges(intent, { undo })) pending.push({ runId: run.id, user: intent.user, ids, change, record: intent, at: ms(intent.at) });
    }
    runs.push({ id: run.id, run, undo, segments, claims, pending, slackMs });
  }
  return runs;
}

/**
 * The events, prepared for lookups: sorted by time (with their instants), and indexed by change and
 * user (name or key), so that a trail of many runs against months of audit log stays fast.
 */
function prepare(events) {
  const all = events.filter((e) => e && Number.isFinite(ms(e.at))).map((e) => ({ e, t: ms(e.at) })).sort((a, b) => a.t - b.t);
  // One change that Jira logs twice (say, as "User deactivated" and as "User updated" with the
  // active flag — the strings are not verified) must not count as two: the same change of the same
  // user by the same author within DUPLICATE_MS is one. (A real second change of the same kind needs
  // the opposite one in between, which Jira cannot do for one user within two seconds by REST.)
  const lastSeen = new Map();
  const sorted = [];
  for (const x of all) {
    const k = CHANGES.has(x.e.action) ? [x.e.action, [...(x.e.userIds ?? [])].sort().join(','), lc(x.e.group), [...(x.e.authorIds ?? [])].sort().join(',')].join('\u0000') : null;
    if (k !== null && lastSeen.has(k) && x.t - lastSeen.get(k) <= DUPLICATE_MS) continue;
    if (k !== null) lastSeen.set(k, x.t);
    sorted.push(x);
  }
  const byChange = new Map();
  for (const { e } of sorted) {
    if (!CHANGES.has(e.action)) continue;
    for (const id of e.userIds ?? []) {
      const k = `${e.action}\u0000${id}`;
      if (!byChange.has(k)) byChange.set(k, []);
      byChange.get(k).push(e);
    }
  }
  return { sorted, byChange };
}

/** The prepared events with from <= t <= to (binary search, then a scan). */
function between(prepared, from, to) {
  const s = prepared.sorted;
  let lo = 0;
  let hi = s.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (s[mid].t < from) lo = mid + 1;
    else hi = mid;
  }
  const out = [];
  for (let k = lo; k < s.length && s[k].t <= to; k++) out.push(s[k].e);
  return out;
}

/** Matches claims to events, one event per claim, nearest in time first; returns the used events. */
function match(runs, prepared) {
  const used = new Map(); // event → claim
  const byClaim = new Map(); // claim → event
  const all = runs.flatMap((r) => r.claims.map((claim) => ({ claim, run: r }))).sort((a, b) => a.claim.at - b.claim.at);
  for (const { claim, run } of all) {
    let best = null;
    const candidates = new Set(claim.ids.flatMap((id) => prepared.byChange.get(`${claim.change.action}\u0000${id}`) ?? []));
    for (const ev of candidates) {
      if (used.has(ev) || !sameUser(claim, ev) || !sameChange(claim, ev)) continue;
      if (!run.segments.some((s) => inSegment(s, ev, run.slackMs))) continue;
      if (!best || Math.abs(ms(ev.at) - claim.at) < Math.abs(ms(best.at) - claim.at)) best = ev;
    }
    if (best) {
      used.set(best, claim);
      byClaim.set(claim, best);
    }
  }
  return { used, byClaim };
}

function runResult(r, prepared, { used, byClaim }) {
  const matched = [];
  const forged = [];
  for (const c of r.claims) {
    const ev = byClaim.get(c);
    if (ev) matched.push({ user: c.user, change: c.change, record: c.record, event: ev });
    else forged.push({ user: c.user, change: c.change, record: c.record });
  }
  const removed = [];
  const interrupted = [];
  const pendingLeft = [...r.pending];
  const from = Math.min(...r.segments.map((s) => s.from)) - r.slackMs;
  const to = Math.max(...r.segments.map((s) => s.to)) + r.slackMs;
  for (const ev of between(prepared, from, to)) {
    if (used.has(ev) || !CHANGES.has(ev.action)) continue;
    if (!r.segments.some((s) => inSegment(s, ev, r.slackMs))) continue;
    const p = pendingLeft.findIndex((c) => sameUser(c, ev) && sameChange(c, ev));
    if (p >= 0) {
      const [c] = pendingLeft.splice(p, 1);
      interrupted.push({ user: c.user, change: c.change, intent: c.record, event: ev });
      continue;
    }
    removed.push({ user: ev.user, change: { action: ev.action, ...(ev.group !== undefined ? { group: ev.group } : {}) }, event: ev });
  }
  const problems = r.segments.some((s) => s.author === null) ? [`run ${r.id} does not say which Jira account ran it (who.jiraUser): its changes cannot be matched to Jira's audit log`] : [];
  return {
    ok: forged.length === 0 && removed.length === 0 && problems.length === 0,
    runId: r.id,
    kind: r.undo ? 'undo' : 'run',
    authors: [...new Set(r.segments.map((s) => s.author).filter(Boolean))],
    window: r.segments.length ? { from: iso(from), to: iso(to) } : null,
    segments: r.segments.map((s) => ({ from: iso(s.from), to: iso(s.to), author: s.author })),
    matched,
    forged,
    removed,
    interrupted,
    problems,
  };
}

/**
 * Reconciles one run of a verified trail with Jira's audit events (normalised by
 * host/audit.mjs: `{at, authorIds, action, userIds, user, group?}`).
 * @param {object[]} records  the verified trail
 * @param {string} runId
 * @param {object[]} events
 * @param {{jiraUser?: string, slackMs?: number}} [o]  jiraUser: the Jira account that ran it,
 *   when the trail does not say (default: each segment's who.jiraUser)
 * @returns {{ok, runId, kind, authors, window: {from, to}, segments, matched: object[],
 *   forged: {user, change, record}[], removed: {user, change, event}[], interrupted: object[], problems: string[]}}
 */
export function reconcileRun(records, runId, events, { jiraUser, slackMs = RECONCILE_SLACK_MS } = {}) {
  const runs = analyse(records, { jiraUser, slackMs });
  const r = runs.find((x) => x.id === runId);
  if (!r) throw Object.assign(new Error(`no run ${JSON.stringify(runId)} in this audit trail`), { code: 'reconcile.noRun' });
  if (r.segments.length === 0) throw Object.assign(new Error(`run ${JSON.stringify(runId)} has no timestamps to place it in time`), { code: 'reconcile.noTime' });
  // Other runs of the trail take part in the matching, so an event of a neighbouring run (within
  // the slack) is not reported as removed from this one.
  const prepared = prepare(events);
  return runResult(r, prepared, match(runs, prepared));
}

/** The span Jira's audit log must be read for: one run's window, or the whole trail's. */
export function reconcileWindow(records, runId, { slackMs = RECONCILE_SLACK_MS, now = Date.now() } = {}) {
  const runs = analyse(records, { slackMs });
  const chosen = runId === undefined ? runs : runs.filter((r) => r.id === runId);
  const segs = chosen.flatMap((r) => r.segments);
  if (!segs.length) return null;
  return {
    from: iso(Math.min(...segs.map((s) => s.from)) - slackMs),
    to: iso(runId === undefined ? Math.max(now, Math.max(...segs.map((s) => s.to)) + slackMs) : Math.max(...segs.map((s) => s.to)) + slackMs),
  };
}

/**
 * Reconciles every run of a trail, and also reports the changes Jira recorded with any of the
 * trail's accounts between the trail's first run and `to` that no run covers: a run removed
 * whole (for instance cut off the end of the trail) leaves exactly those.
 * @returns {{ok, runs: object[], removed: {user, change, event}[], window: {from, to}, authors: string[]}}
 */
export function reconcileTrail(records, events, { jiraUser, slackMs = RECONCILE_SLACK_MS, to } = {}) {
  const runs = analyse(records, { jiraUser, slackMs }).filter((r) => r.segments.length);
  const prepared = prepare(events);
  const matching = match(runs, prepared);
  const { used } = matching;
  const results = runs.map((r) => runResult(r, prepared, matching));
  // An unmatched event inside the slack of two neighbouring runs belongs to the nearer one only.
  const distance = (r, t) => Math.min(...r.segments.map((sg) => (t < sg.from ? sg.from - t : t > sg.to ? t - sg.to : 0)));
  const owner = new Map();
  for (const [k, res] of results.entries()) {
    for (const x of res.removed) {
      const d = distance(runs[k], ms(x.event.at));
      if (!owner.has(x.event) || d < owner.get(x.event).d) owner.set(x.event, { k, d });
    }
  }
  for (const [k, res] of results.entries()) {
    res.removed = res.removed.filter((x) => owner.get(x.event).k === k);
    res.ok = res.forged.length === 0 && res.removed.length === 0 && res.problems.length === 0;
  }
  const authors = [...new Set(runs.flatMap((r) => r.segments.map((s) => s.author)).filter(Boolean))];
  const from = runs.length ? Math.min(...runs.flatMap((r) => r.segments.map((s) => s.from))) - slackMs : null;
  const end = to !== undefined ? ms(to) : (prepared.sorted.at(-1)?.t ?? from ?? 0);
  const covered = new Set(results.flatMap((r) => [...r.removed, ...r.interrupted].map((x) => x.event)));
  // Every segment with its slack, by start; maxTo[k] = the latest end among the first k + 1, so a
  // backwards scan from the last segment starting before t can stop once none reaches t.
  const segs = runs.flatMap((r) => r.segments.map((sg) => ({ from: sg.from - slackMs, to: sg.to + slackMs, seg: sg }))).sort((a, b) => a.from - b.from);
  const maxTo = [];
  for (const [k, sg] of segs.entries()) maxTo.push(Math.max(sg.to, k ? maxTo[k - 1] : -Infinity));
  const inAnySegment = (ev, t) => {
    let lo = 0;
    let hi = segs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (segs[mid].from <= t) lo = mid + 1;
      else hi = mid;
    }
    let k = lo - 1;
    for (; k >= 0 && maxTo[k] >= t; k--) if (inSegment(segs[k].seg, ev, slackMs)) return true;
    return false;
  };
  const removed = [];
  for (const ev of from === null ? [] : between(prepared, from, end)) {
    if (used.has(ev) || covered.has(ev) || !CHANGES.has(ev.action)) continue;
    if (!(ev.authorIds ?? []).some((a) => authors.includes(a))) continue;
    if (inAnySegment(ev, ms(ev.at))) continue;
    removed.push({ user: ev.user, change: { action: ev.action, ...(ev.group !== undefined ? { group: ev.group } : {}) }, event: ev });
  }
  return {
    ok: results.every((r) => r.ok) && removed.length === 0,
    runs: results,
    removed,
    authors,
    window: from === null ? null : { from: iso(from), to: iso(end) },
  };
}
