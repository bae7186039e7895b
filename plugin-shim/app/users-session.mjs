// The engine's query session over the page's snapshot and policy (Users and Review views, the
// Dashboard's review count): the snapshot is parsed once per (snapshot, policy) and each filter is
// one pass over the users (docs/query.md "openQuery"). Matching is the engine's only.

let current = null; // {snapText, policyText, actor, session, ...}

/** The snapshot text to query: every group's members once the background read has them all. */
function snapshotText(ctx, s) {
  const fill = ctx.data.groupsFill;
  if (fill?.state?.complete && typeof fill.textNow === 'function' && s.snap.completeGroups) {
    try {
      return { text: fill.textNow(), allGroups: true };
    } catch {
      /* the scoped snapshot then */
    }
  }
  return { text: s.text, allGroups: !s.snap.completeGroups };
}

/**
 * → {session, snap (the snapshot object), snapText, policy ({text, source, label}), asOf, actor, allGroups}
 * Throws when the engine lacks openQuery or the inputs do not validate (the error lists the problems).
 */
export async function usersSession(ctx) {
  const [s, policy] = await Promise.all([ctx.data.snapshot(), ctx.data.savedPolicy()]);
  const { text, allGroups } = snapshotText(ctx, s);
  const actor = ctx.me?.name ?? null;
  if (current && current.snapText === text && current.policyText === policy.text && current.actor === actor) return current;
  if (typeof ctx.engine.openQuery !== 'function') throw Object.assign(new Error('The engine has no openQuery(): reload the page (an older engine is cached).'), { code: 'engine.tooOld' });
  const asOf = s.snap.capturedAt;
  const r = ctx.engine.openQuery(policy.text ?? null, text, { asOf, ...(actor ? { actor } : {}) });
  if (r?.type !== 'success') {
    throw Object.assign(new Error(`The engine could not read the users: ${problems(r)}`), { code: 'engine.query', errors: r?.errors });
  }
  try { current?.session?.free?.(); } catch { /* already freed */ }
  current = { session: r.value, snap: s.snap, snapshot: s, snapText: text, policyText: policy.text, policy, asOf, actor, allGroups };
  return current;
}

/** The session's answer for a filter (parsed), or throws with the engine's problems. */
export function runQuery(sess, filter) {
  const r = JSON.parse(sess.session.queryJson(JSON.stringify(filter ?? {})));
  if (r.type !== 'success') throw queryError(r);
  return r.value;
}

/** The engine's refusal of a filter as an Error: its problems as the message, the first one's code. */
function queryError(r) {
  return Object.assign(new Error(problems(r)), { code: r?.errors?.[0]?.code ?? 'engine.query', errors: r?.errors });
}

const problems = (r) => (r?.errors ?? []).map((e) => `${e.path ? `${e.path}: ` : ''}${e.message}`).join('; ');

/**
 * Every user's row (the engine's brief answer for the empty filter), in the session's user order —
 * the order `matches` positions index. Asked once per session and kept with it.
 */
export function allRows(sess) {
  sess.rows ??= runQuery(sess, { view: 'brief' }).users;
  return sess.rows;
}

/**
 * The engine's answer for a filter as positions: `{rows: Uint32Array (into allRows), total,
 * counts, asOf, thresholds}` — per filter change no user crosses as JSON. Throws with the
 * engine's problems, as runQuery does.
 */
export function matchQuery(sess, filter) {
  if (typeof sess.session.matches !== 'function') throw Object.assign(new Error('The engine has no matches(): reload the page (an older engine is cached).'), { code: 'engine.tooOld' });
  const r = sess.session.matches(JSON.stringify(filter ?? {}));
  if (r?.type !== 'success') throw queryError(r);
  return r.value;
}
