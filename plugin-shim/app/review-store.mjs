// The review list's decisions, kept in Jira (browser-safe; the CLI uses it too). Who is listed for
// review is the engine's (`query` with `{review: true}`: the users a `review` rule lists); what the
// admins decided about each is stored here, one user property of the storage account per decided
// user (`com.usercleanup.review.<user>`), so two admins deciding about different users never
// overwrite each other and no 32,768-character property limit caps the list. Read as a whole it is
// the `{decisions: {[lower-case user]: {decision, by, at, reason?, until?, action?, runId?}}}` the
// interface names.
//
// Every decision is also a `reviewDecision` record in the audit trail (who, when, why), appended
// before anything else is written. "keep" adds an `exceptions` entry {user, reason, by, until,
// decidedAt} to the saved policy (the engine protects the user until `until`; Preview shows
// "kept by <by> until <until>: <reason>"); "approve" records the action the admin chose, which
// the caller carries out as a bulk run (bulk.mjs); "postpone" decides nothing until `until`.
// Values read back from Jira are untrusted: malformed ones are ignored.

import { lc, keyPart } from './store.mjs';

export const REVIEW_PREFIX = 'com.usercleanup.review.';
export const DECISIONS = ['approve', 'keep', 'postpone'];
export const POSTPONE_DAYS = 30;
const DAY = 86_400_000;

const decisionKey = (user) => `${REVIEW_PREFIX}${keyPart(lc(user), 200)}`;

export class ReviewError extends Error {
  constructor(code, message, extra = {}) {
    super(message);
    this.name = 'ReviewError';
    this.code = code;
    Object.assign(this, extra);
  }
}

/** `YYYY-MM-DD` (00:00 UTC) or an instant → ms, else NaN. */
export function untilMs(until) {
  if (typeof until !== 'string') return NaN;
  return /^\d{4}-\d{2}-\d{2}$/.test(until) ? Date.parse(`${until}T00:00:00Z`) : Date.parse(until);
}

function wellFormed(v) {
  return v && typeof v === 'object' && v.format === 'user-cleanup/review' && typeof v.user === 'string' && DECISIONS.includes(v.decision)
    && typeof v.by === 'string' && !Number.isNaN(Date.parse(v.at));
}

/** Every stored decision: `{decisions: {[lc user]: {user, decision, by, at, reason?, until?, action?, runId?}}}`. */
export async function loadDecisions(store) {
  const keys = (await store.listKeys()).filter((k) => k.startsWith(REVIEW_PREFIX));
  const decisions = {};
  for (let i = 0; i < keys.length; i += 8) {
    const got = await Promise.all(keys.slice(i, i + 8).map((k) => store.getProp(k)));
    for (const v of got) {
      if (!wellFormed(v)) continue;
      const { format: _f, formatVersion: _v, ...d } = v;
      decisions[lc(v.user)] = d;
    }
  }
  return { decisions };
}

/**
 * Whether a listed user still waits for a decision at `now`: no decision, a postponement that has
 * run out, or a "keep" whose exception expired. An approval stays decided (its run is in History).
 */
export function waiting(decision, now = Date.now()) {
  if (!decision) return true;
  if (decision.decision === 'approve') return false;
  const until = untilMs(decision.until);
  return !(until > now);
}

/** The policy object with `exception` added (replacing an earlier exception of the same user). */
export function withException(policy, exception) {
  const list = Array.isArray(policy.exceptions) ? policy.exceptions.filter((e) => lc(e?.user) !== lc(exception.user)) : [];
  return { ...policy, exceptions: [...list, exception] };
}

/** Problems with a decision as the admin gave it: [] when fine. */
export function checkDecision({ user, decision, by, reason, until, action }, now = Date.now()) {
  const out = [];
  if (typeof user !== 'string' || !user.trim()) out.push('a user is needed');
  if (!DECISIONS.includes(decision)) out.push(`the decision must be ${DECISIONS.join(', ')}`);
  if (typeof by !== 'string' || !by.trim()) out.push('the deciding administrator is needed');
  if (decision === 'keep') {
    if (typeof reason !== 'string' || !reason.trim()) out.push('keep needs a reason');
    else if (reason.length > 1024) out.push('the reason is longer than 1,024 characters');
    if (!(untilMs(until) > now)) out.push('keep needs an expiry date (YYYY-MM-DD) after today');
  }
  if (decision === 'postpone' && until !== undefined && !(untilMs(until) > now)) out.push('postpone until a date after today');
  if (decision === 'approve' && !['deactivate', 'removeFromGroups', 'reactivate', 'addToGroups'].includes(action?.type)) out.push('approve needs the action to carry out');
  return out;
}

/**
 * Records one decision: the trail record first, then (keep) the exception saved into the policy
 * in Jira (validated by the engine, compare-and-set on its revision), then the decision itself.
 * @param {object} o
 * @param {object} o.store   store.mjs
 * @param {{append: Function}} o.trail   the audit trail (page-trail.mjs / jira-trail.mjs)
 * @param {{validate: Function}} [o.engine]   checks the policy with the exception (keep: required)
 * @param {string} o.user, o.decision, o.by
 * @param {string} [o.reason], [o.until]   keep: both required; postpone: until (default 30 days)
 * @param {{type, groups?}} [o.action]   approve: what the admin carries out
 * @param {string} [o.runId]   approve: the bulk run that carried it out
 * @param {() => Date} [o.now]
 * → the stored decision
 */
export async function recordDecision(o) {
  const now = o.now ? o.now() : new Date();
  const nowMs = now.getTime();
  const until = o.decision === 'postpone' && o.until === undefined ? new Date(nowMs + POSTPONE_DAYS * DAY).toISOString().slice(0, 10) : o.until;
  const problems = checkDecision({ ...o, until }, nowMs);
  if (problems.length) throw new ReviewError('review.invalid', `The decision about ${o.user} cannot be recorded: ${problems.join('; ')}.`, { problems });
  const st = await o.store.accountStatus();
  if (!st.ok) throw new ReviewError('store.unsafeAccount', `Review decisions are kept in Jira, and the storage account is not safe: ${st.message} ${st.fix ?? ''}`.trim());
  const rec = {
    user: o.user,
    decision: o.decision,
    by: o.by,
    at: now.toISOString(),
    ...(o.reason ? { reason: o.reason } : {}),
    ...(until !== undefined && o.decision !== 'approve' ? { until } : {}),
    ...(o.action ? { action: { type: o.action.type, ...(o.action.groups?.length ? { groups: o.action.groups } : {}) } } : {}),
    ...(o.runId ? { runId: o.runId } : {}),
  };
  let policyText = null;
  let saved = null;
  if (o.decision === 'keep') {
    saved = await o.store.loadPolicy();
    if (saved?.text == null) throw new ReviewError('review.noPolicy', 'Keep adds an exception to the policy saved in Jira, and no policy is saved yet (the Rules view saves one).');
    const next = withException(saved.policy ?? JSON.parse(saved.text), { user: o.user, reason: o.reason, by: o.by, until, decidedAt: rec.at });
    policyText = JSON.stringify(next, null, 2);
    // The policy read back from Jira with the exception added is saved only once the engine accepts it.
    if (typeof o.engine?.validate !== 'function') throw new ReviewError('review.noEngine', 'Keep changes the saved policy, and it is saved only once the engine has validated it; no engine was given.');
    let v = o.engine.validate(policyText, null);
    if (typeof v === 'string') v = JSON.parse(v);
    if (v?.type !== 'success') {
      throw new ReviewError('review.policyInvalid', `The policy with this exception does not validate: ${(v?.errors ?? []).map((e) => `${e.path}: ${e.message}`).join('; ')}`);
    }
  }
  const rnd = Array.from(globalThis.crypto.getRandomValues(new Uint8Array(3)), (b) => b.toString(16).padStart(2, '0')).join('');
  const runId = `review-${rec.at.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${rnd}`;
  await o.trail.append({ type: 'reviewDecision', runId, ...rec });
  if (policyText != null) await o.store.savePolicy(policyText, { savedBy: o.by, expectRevision: saved.revision ?? 0, now });
  await o.store.putProp(decisionKey(o.user), { format: 'user-cleanup/review', formatVersion: 1, ...rec });
  return { ...rec, trailRunId: runId };
}
