// Data for the views: the snapshot (read once through the host adapter, then cached for the
// session of the page), the policy (for now the sample policy served beside the app, or one passed
// in; the Rules view stores it in Jira through store.mjs, which wins when it holds one), and the
// engine's answers over them.
export function createData({ host, engine, policyUrl, policy, store, fetch: f = globalThis.fetch.bind(globalThis) }) {
  let snapshotP = null;
  let policyP = null;
  const memo = new Map();

  async function snapshot({ refresh = false } = {}) {
    if (refresh) {
      snapshotP = null;
      memo.clear();
    }
    snapshotP ??= (async () => {
      const t0 = performance.now();
      const snap = await host.snapshot();
      const text = JSON.stringify(snap);
      return { snap, text, ms: Math.round(performance.now() - t0), at: new Date() };
    })();
    snapshotP.catch(() => { snapshotP = null; });
    return snapshotP;
  }

  /** { text, source } or { text: null } when there is no saved policy. */
  async function savedPolicy() {
    policyP ??= (async () => {
      if (policy != null) return { text: typeof policy === 'string' ? policy : JSON.stringify(policy), source: 'passed in' };
      if (store) {
        const saved = await store.loadPolicy().catch(() => null); // unreadable: fall back, the Rules view says why
        if (saved?.text != null) return { text: saved.text, source: `saved in Jira (${saved.account})` };
      }
      if (!policyUrl) return { text: null, source: null };
      const r = await f(String(policyUrl), { credentials: 'same-origin' });
      if (r.status === 404) return { text: null, source: null };
      if (!r.ok) throw new Error(`The saved policy could not be read (${r.status}).`);
      return { text: await r.text(), source: new URL(String(policyUrl), document.baseURI).pathname };
    })();
    policyP.catch(() => { policyP = null; });
    return policyP;
  }

  /** Calls an engine function once per (name, snapshot, policy, options). */
  function cached(key, fn) {
    if (!memo.has(key)) memo.set(key, fn());
    return memo.get(key);
  }

  async function dashboard({ actor, lowUsageDays, inactiveDays } = {}) {
    const [s, p] = await Promise.all([snapshot(), savedPolicy()]);
    const options = { asOf: s.snap.capturedAt };
    if (actor) options.actor = actor;
    if (lowUsageDays != null) options.lowUsageDays = lowUsageDays;
    if (inactiveDays != null) options.inactiveDays = inactiveDays;
    const key = `dashboard:${JSON.stringify(options)}`;
    return cached(key, () => {
      const t0 = performance.now();
      const result = engine.dashboard(p.text, s.text, options);
      return { result, options, policySource: p.source, ms: Math.round(performance.now() - t0) };
    });
  }

  async function plan({ actor } = {}) {
    const [s, p] = await Promise.all([snapshot(), savedPolicy()]);
    if (p.text == null) return { result: null, policySource: null };
    const options = { asOf: s.snap.capturedAt };
    if (actor) options.actor = actor;
    const key = `plan:${JSON.stringify(options)}`;
    return cached(key, () => {
      const t0 = performance.now();
      const result = JSON.parse(engine.planJson(p.text, s.text, JSON.stringify(options)));
      return { result, options, policySource: p.source, ms: Math.round(performance.now() - t0) };
    });
  }

  /** The saved policy changed (the Rules view saved one): read it again, forget answers over the old one. */
  function policyChanged() {
    policyP = null;
    memo.clear();
  }

  return { snapshot, savedPolicy, dashboard, plan, policyChanged };
}
