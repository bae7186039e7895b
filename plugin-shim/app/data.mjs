// Data for the views: the snapshot (read once through the host adapter, then cached for the
// session of the page), the policy, and the engine's answers over them.
//
// The policy comes from the Jira store only (store.mjs). `policySource` says which policy the
// views apply:
//   'saved'     the policy saved in Jira
//   'template'  nothing is saved (or it cannot be trusted: see `reason`): the starting template
//               (template.mjs), labelled as such wherever it is shown and never run
//   'dev-file'  a policy file passed to the development server (`?policy=`); main.mjs only passes
//               one when the page is served by that server, never from the JAR
import { templateText, TEMPLATE_LABEL } from './template.mjs';

/**
 * @param {object} o
 * @param {object} o.host  the host adapter
 * @param {object} o.engine  dashboard / planJson
 * @param {object} [o.store]  store.mjs
 * @param {{ready: Promise<{ok: boolean, problem?: string, message: string}>}} [o.account]  account-status.mjs
 * @param {string|URL} [o.devPolicyUrl]  the development server's policy file (only when served by it)
 * @param {typeof fetch} [o.fetch]
 */
export function createData({ host, engine, store, account, devPolicyUrl, fetch: f = globalThis.fetch.bind(globalThis) }) {
  let snapshotP = null;
  let policyP = null;
  let source = null;
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

  /** The policy the views apply: {text, source, label, reason?, saved?}. */
  async function savedPolicy() {
    policyP ??= (async () => {
      const p = await readPolicy();
      source = p.source;
      return p;
    })();
    policyP.catch(() => { policyP = null; });
    return policyP;
  }

  async function readPolicy() {
    let reason = null;
    const st = account ? await account.ready : { ok: true };
    if (!st.ok && st.problem !== 'missing') {
      // A policy on an account that is not safe may have been changed by anyone who can use it.
      reason = `The policy saved in Jira is not used: ${st.message}`;
    } else if (store) {
      try {
        const saved = await store.loadPolicy();
        if (saved?.text != null) {
          return { text: saved.text, source: 'saved', label: `saved in Jira (${saved.account})`, saved: { revision: saved.revision, savedAt: saved.savedAt, savedBy: saved.savedBy, account: saved.account } };
        }
      } catch (e) {
        reason = `The policy saved in Jira could not be read: ${e?.message ?? e}`;
      }
    }
    if (devPolicyUrl) {
      const r = await f(String(devPolicyUrl), { credentials: 'same-origin' });
      if (!r.ok) throw new Error(`The development policy file could not be read (${r.status}).`);
      const name = new URL(String(devPolicyUrl), document.baseURI).pathname.split('/').pop();
      return { text: await r.text(), source: 'dev-file', label: `development file ${name}`, reason };
    }
    return { text: templateText(), source: 'template', label: TEMPLATE_LABEL, reason };
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
      return { result, options, policySource: p.source, policyLabel: p.label, ms: Math.round(performance.now() - t0) };
    });
  }

  async function plan({ actor } = {}) {
    const [s, p] = await Promise.all([snapshot(), savedPolicy()]);
    if (p.text == null) return { result: null, policySource: p.source, policyLabel: p.label };
    const options = { asOf: s.snap.capturedAt };
    if (actor) options.actor = actor;
    const key = `plan:${JSON.stringify(options)}`;
    return cached(key, () => {
      const t0 = performance.now();
      const result = JSON.parse(engine.planJson(p.text, s.text, JSON.stringify(options)));
      return { result, options, policySource: p.source, policyLabel: p.label, ms: Math.round(performance.now() - t0) };
    });
  }

  /** The saved policy changed (the Rules view saved one): read it again, forget answers over the old one. */
  function policyChanged() {
    policyP = null;
    source = null;
    memo.clear();
  }

  return {
    snapshot, savedPolicy, dashboard, plan, policyChanged,
    /** 'saved' | 'template' | 'dev-file' once the policy has been read (savedPolicy()), else null. */
    get policySource() { return source; },
  };
}
