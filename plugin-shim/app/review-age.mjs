// How long each user listed for review has waited for a decision (browser-safe: the Review view,
// the Dashboard's review box and the CLI's `review list`). Who is listed is the engine's (`query`
// with `{review: true}`); this is bookkeeping over the audit trail, not a rule decision.
//
// Nothing records "listed" on its own, but every run (CLI, daemon, page, preview and dry runs
// included) appends a `planned` record whose items include the users it lists for review
// (action 'review'). So a user waits since the earliest `planned` record listing them for review
// at or after their reset point:
//   - no decision: no reset point (the first run that ever listed them);
//   - a keep or postpone that has run out: its expiry (`until`). The first listing at or after the
//     expiry is taken rather than the expiry itself, so the date is always a run that listed them
//     while no decision was in force (a postponed user listed by daily runs gets the expiry's day);
//   - an approval stays decided: the user does not wait.
// Runs that did not list a user are not read as the user having stopped waiting (a run plans with
// its own schedule's rules; a bulk run lists nobody for review). Users are matched by name, case
// ignored: a renamed user's wait starts again at the first run that listed the new name.
// A user the engine lists now but no recorded run listed yet (after the reset) is "listed now, not
// yet by a run": waiting 0 days. The trail is read back from Jira and untrusted: only a chain that
// verifies is used (the caller passes its verified records); otherwise every wait is "not known",
// never a guess. Records whose fields are malformed are skipped.
import { lc } from './store.mjs';
import { waiting, untilMs } from './review-store.mjs';

const DAY = 86_400_000;

/** waitingSince's `trail` from the chain's verification (runner/chain.mjs verifyText's answer). */
export const verifiedTrail = (v) => (v?.ok ? { ok: true, records: v.records } : { ok: false, reason: 'unverified', message: v?.error?.message });

/**
 * @param {object} o
 * @param {{name: string}[]} o.listed   the users the engine lists for review now
 * @param {Record<string, object>} [o.decisions]   review-store.mjs's decisions, by lower-case name
 * @param {{ok: true, records: object[]} | {ok: false, reason: 'unverified'|'unreadable'|'none', message?: string}} o.trail
 *        the verified trail records, or why there are none
 * @param {number} o.now   ms
 * @returns {Map<string, {state: 'run'|'notYetByRun'|'unknown', since: string|null, days: number|null, runId?: string, reason?: string, message?: string}>}
 *          one entry per listed user who still waits (by lower-case name); decided users have none
 */
export function waitingSince({ listed, decisions = {}, trail, now }) {
  const reset = new Map();
  for (const u of listed) {
    const d = decisions[lc(u.name)];
    if (!waiting(d, now)) continue;
    // An expired keep/postpone restarts the wait at its expiry (its decision time if the expiry is unreadable).
    const r = d ? untilMs(d.until) : -Infinity;
    reset.set(lc(u.name), Number.isNaN(r) ? Date.parse(d.at) : r);
  }
  const out = new Map();
  if (!trail?.ok) {
    for (const k of reset.keys()) out.set(k, { state: 'unknown', since: null, days: null, reason: trail?.reason ?? 'none', ...(trail?.message ? { message: trail.message } : {}) });
    return out;
  }
  const first = new Map(); // lc name -> {ms, at, runId}
  for (const r of trail.records) {
    if (r?.type !== 'planned' || !Array.isArray(r.items)) continue;
    const ms = Date.parse(r.at);
    if (!(ms <= now)) continue;
    for (const it of r.items) {
      if (it?.action !== 'review' || typeof it.user !== 'string') continue;
      const k = lc(it.user);
      const from = reset.get(k);
      if (from === undefined || ms < from) continue;
      const cur = first.get(k);
      if (!cur || ms < cur.ms) first.set(k, { ms, at: r.at, runId: typeof r.runId === 'string' ? r.runId : undefined });
    }
  }
  for (const k of reset.keys()) {
    const f = first.get(k);
    out.set(k, f
      ? { state: 'run', since: new Date(f.ms).toISOString(), days: Math.max(0, Math.floor((now - f.ms) / DAY)), ...(f.runId ? { runId: f.runId } : {}) }
      : { state: 'notYetByRun', since: null, days: 0 });
  }
  return out;
}

/**
 * The longest wait among `waits` (waitingSince's answer): {state: 'none'} when nobody waits,
 * {state: 'unknown', reason, message?} when the trail gave none, else the longest
 * {state: 'run'|'notYetByRun', since, days, user, runId?}.
 */
export function oldestWait(waits) {
  let best = null;
  for (const [user, w] of waits) {
    if (w.state === 'unknown') return { state: 'unknown', reason: w.reason, ...(w.message ? { message: w.message } : {}) };
    if (!best || w.days > best.days || (w.days === best.days && w.since && (!best.since || w.since < best.since))) best = { ...w, user };
  }
  return best ?? { state: 'none' };
}

const WHY = {
  unverified: 'the audit trail does not verify',
  unreadable: 'the audit trail could not be read',
  none: 'no audit trail was read',
};

/** "waiting since 2026-11-02 (27 days)", "listed now, not yet by a run (0 days)", "waiting since: not known (…)". */
export function waitText(w) {
  if (!w) return '';
  if (w.state === 'run') return `waiting since ${w.since.slice(0, 10)} (${w.days} day${w.days === 1 ? '' : 's'})`;
  if (w.state === 'notYetByRun') return 'listed now, not yet by a run (0 days)';
  return `waiting since: not known (${WHY[w.reason] ?? WHY.none})`;
}
