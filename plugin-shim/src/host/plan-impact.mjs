// Open assigned issues for the users a plan selects (browser-safe; CLI preview/run and the page).
//
// Why plan twice: counting a user's unresolved assigned issues costs a JQL search (200 users a
// search), so a snapshot counts them only for the users a plan selects — and which users those are
// is the engine's answer. So: plan once over the snapshot without counts, count for the users that
// plan acts on plus those a `skipIfOpenAssignedIssues` rule passed over for want of a count
// (`skipped.openAssignedUnknown`), then plan again. The second plan is the one shown and run; a
// rule that skips users with open issues now sees their counts. A user none of the first plan's
// rules selected is selected by none in the second either (an unknown count already counts as
// "skip"), so the second pass adds no one who lacks a count — checked, with a bounded third pass.
// The engine decides everything; this only fetches what it needs to know.

const MAX_PASSES = 3;

const lc = (s) => String(s).toLowerCase();

/** Usernames of a plan that have no count in the snapshot yet: actions, then skipped-unknown. */
export function usersNeedingCounts(plan, snapshot) {
  const have = new Set();
  for (const u of snapshot.users ?? []) if (u && Number.isInteger(u.openAssigned)) have.add(lc(u.name));
  const out = new Map();
  for (const a of plan.actions ?? []) if (!have.has(lc(a.user))) out.set(lc(a.user), a.user);
  for (const s of plan.skipped ?? []) if (s.code === 'skipped.openAssignedUnknown' && !have.has(lc(s.user))) out.set(lc(s.user), s.user);
  return [...out.values()];
}

/**
 * One pass: plans, then (with `count`) counts open assigned issues for the users that plan needs
 * counts for. `tally` ({counted, requests}) adds up over passes. `final`: nothing is left to count
 * (no one needs a count, the plan failed, Jira could not count, or it answered for no one), so
 * `result` is the plan over the counts there are; otherwise counts came in after `result` was made.
 */
async function planAndCount({ host, engine, policyText, snapshot, options }, tally, count = true, text = JSON.stringify(snapshot)) {
  const result = JSON.parse(engine.planJson(policyText, text, JSON.stringify(options ?? {})));
  if (result.type !== 'success') return { result, final: true, text };
  const need = usersNeedingCounts(result.value, snapshot);
  if (need.length === 0 || !count) return { result, final: true, text };
  let r;
  try {
    r = await host.addOpenAssigned(snapshot, need);
  } catch (e) {
    // Jira would not answer the searches (after the adapter's retries): the plan stands without
    // the counts — a rule that skips users with open issues skips those it cannot count — and
    // the snapshot says why.
    if (typeof e?.code !== 'string' || !e.code.startsWith('host.')) throw e;
    (snapshot.source ??= {}).openAssigned = { users: tally.counted, requests: tally.requests, error: e.reason || e.message, code: e.code };
    return { result, final: true, error: e, text: JSON.stringify(snapshot) };
  }
  tally.counted += r.users;
  tally.requests += r.requests;
  // Names Jira did not answer for (a user deleted meanwhile) keep no count; do not ask again.
  if (r.users === 0) return { result, final: true, text: JSON.stringify(snapshot) };
  // Every user of one pass asked for: the source says so for all passes together.
  snapshot.source.openAssigned = { users: tally.counted, requests: tally.requests };
  return { result, final: false };
}

/**
 * Plans `policyText` over `snapshot`, counting open assigned issues (host.addOpenAssigned, batched)
 * for the users the plan selects, and plans again until no selected user lacks a count.
 * Mutates `snapshot` (its users' `openAssigned`, `source.openAssigned`).
 * @param {{host: {addOpenAssigned: Function}, engine: {planJson: Function}, policyText: string, snapshot: any, text?: string, options: object}} o
 *   text: `snapshot` as JSON already (a snapshot of 100,000 users is tens of MB: not made again)
 * @returns {Promise<{result: any, passes: number, counted: number, requests: number, text: string, error?: Error}>}
 *   result: the engine's last answer (a failure is returned as is, after the first pass);
 *   text: the snapshot as JSON with the counts added
 */
export async function planWithOpenAssigned(o) {
  const tally = { counted: 0, requests: 0 };
  let text = typeof o.text === 'string' ? o.text : undefined;
  for (let pass = 1; ; pass++) {
    const r = await planAndCount(o, tally, pass < MAX_PASSES, text);
    if (r.final) return { result: r.result, passes: pass, counted: tally.counted, requests: tally.requests, text: r.text, ...(r.error ? { error: r.error } : {}) };
    // Counts came in: the next pass plans over the snapshot with them.
    text = undefined;
  }
}

/**
 * A host whose snapshot() also reads creation dates from the audit log and counts open assigned
 * issues for the users the policy's plan selects (one pass of planWithOpenAssigned) — for code that
 * takes a host and plans itself (the runner's startRun re-plans over what snapshot() returns).
 */
export function hostForPlan(host, { engine, policyText, planOptions = {}, auditWindowDays }) {
  return {
    ...host,
    async snapshot(opts = {}) {
      const snap = await host.snapshot({ creationDates: true, ...(auditWindowDays !== undefined ? { auditWindowDays } : {}), ...opts });
      // One pass: the caller plans over the counted snapshot itself, so the plan that would check
      // the counts here would be made and thrown away (a second pass needs no count; see above).
      await planAndCount({ host, engine, policyText, snapshot: snap, options: { ...planOptions, asOf: planOptions.asOf ?? snap.capturedAt } }, { counted: 0, requests: 0 });
      return snap;
    },
  };
}
