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
//
// The snapshot is read for the policy (the host's scoped read: members of only the groups the
// engine's `policyGroups` names, listed in `completeGroups`): Preview, Run and the Dashboard's
// numbers come from it, and a plan over it equals the plan over a full read. The other groups'
// members are read afterwards in the background (`groupsFill`), only for the Dashboard's table of
// groups, on a lane of requests of its own so that a run never waits behind it.
//
// What the first paint waits for, and what comes after (a page that opens fast at 100,000 users):
//   firstSnapshot()  users, roles and the policy's groups: all the engine's dashboard reads
//   snapshot()       the same object once the impact reads are in (project and component leads,
//                    creation dates from the audit log): what plans, warnings and queries read
//   plan()           over snapshot(), counting open assigned issues for the users it selects
//   groupsFill       the other groups' members, started once the impact reads and the plans asked
//                    for meanwhile are done (they are what Preview and Run wait for)
import { templateText, TEMPLATE_LABEL } from './template.mjs';
import { loadSent, policyWarns } from './warn-record.mjs';

/**
 * @param {object} o
 * @param {object} o.host  the host adapter
 * @param {object} o.engine  dashboard / planJson / policyGroups (may be loading: see engineReady)
 * @param {Promise<unknown>} [o.engineReady]  settles once `engine`'s functions are there
 * @param {object} [o.store]  store.mjs
 * @param {{ready: Promise<{ok: boolean, problem?: string, message: string}>}} [o.account]  account-status.mjs
 * @param {string|URL} [o.devPolicyUrl]  the development server's policy file (only when served by it)
 * @param {typeof fetch} [o.fetch]
 */
export function createData({ host, engine, engineReady = Promise.resolve(), store, account, devPolicyUrl, fetch: f = globalThis.fetch.bind(globalThis) }) {
  let coreP = null; // the first read: users, roles, the policy's groups (no impact reads); .full: with them
  let policyP = null;
  let source = null;
  let fill = null;
  let sentP = null;
  const memo = new Map();
  const fillListeners = new Set();
  // Foreground work the background groups fill waits for: the impact reads and the plans asked for
  // meanwhile (Preview and Run wait for those; on a browser's 6 connections the fill would slow them).
  const busy = new Set();
  const foreground = (p) => {
    busy.add(p);
    const done = () => busy.delete(p);
    p.then(done, done);
    return p;
  };
  async function quiet() {
    while (busy.size) await Promise.allSettled([...busy]);
  }

  /** The engine's groups for the policy the views apply (null: cannot tell, read every group). */
  async function selectGroups(input) {
    try {
      const [p] = await Promise.all([savedPolicy(), engineReady]);
      if (typeof engine.policyGroups !== 'function' || p?.text == null) return null;
      const r = engine.policyGroups(p.text, input);
      // A policy that does not validate says nothing about its groups: read them all (the views report the policy's problems).
      return r?.type === 'success' ? r : null;
    } catch {
      // No policy or no engine (each view reports that itself): the snapshot reads every group.
      return null;
    }
  }

  /**
   * The first read (the Dashboard's first paint waits for it): users, application roles and the
   * members of the groups the policy needs — no impact reads. `{snap, text, ms, at}`.
   */
  function firstSnapshot({ refresh = false } = {}) {
    if (refresh) {
      coreP = null;
      sentP = null;
      memo.clear();
      stopFill();
    }
    coreP ??= (async () => {
      const t0 = performance.now();
      const scoped = typeof host.readGroups === 'function' && typeof host.mergeMemberships === 'function';
      // Leads and creation dates come after (snapshot()): the dashboard does not read them.
      const later = typeof host.addImpact === 'function';
      const snap = await host.snapshot({ ...(scoped ? { scope: { select: selectGroups } } : {}), ...(later ? { leads: false } : { creationDates: true }) });
      const text = JSON.stringify(snap);
      const s = { snap, text, ms: Math.round(performance.now() - t0), at: new Date(), impact: !later };
      startFill(s);
      return s;
    })();
    const p = coreP;
    p.catch(() => { if (coreP === p) coreP = null; });
    return p;
  }

  /**
   * The snapshot plans, warnings and queries read: the first read's users with project and
   * component leads and creation dates from Jira's audit log (never-logged-in rules; no SQL export
   * here). The impact reads go to the same snapshot object, so the background fill's merges carry
   * them too. `{snap, text, ms, at, impactMs}`.
   */
  async function snapshot({ refresh = false } = {}) {
    const core = await firstSnapshot({ refresh });
    if (core.impact) return core;
    if (!core.full) {
      const p = foreground(withImpact(core));
      core.full = p;
      p.catch(() => { if (core.full === p) core.full = null; });
    }
    return core.full;
  }

  async function withImpact(core) {
    const t0 = performance.now();
    await host.addImpact(core.snap, { creationDates: true });
    const s = { snap: core.snap, text: JSON.stringify(core.snap), ms: core.ms, at: core.at, impactMs: Math.round(performance.now() - t0), impact: true };
    // The dashboard reads the same users from this text from now on: the first one can go (tens of MB).
    core.text = null;
    return s;
  }

  /** The newest text of the snapshot for the dashboard: the one with impact once it is there. */
  async function dashboardText() {
    const core = await firstSnapshot();
    return core.text ?? (await snapshot()).text;
  }

  /**
   * The background read of the groups a scoped snapshot left out. State for the views:
   * `{total, done, requests, concurrency, startedAt (null until it starts), etaMs, complete, error, ms}`; `dashboard(options)` is
   * the engine's dashboard over the snapshot with the groups read so far (its `groups` table grows).
   */
  function startFill(s) {
    stopFill();
    const notRead = s.snap.completeGroups && Array.isArray(s.snap.source?.groupsNotRead) ? s.snap.source.groupsNotRead : [];
    const ctl = new AbortController();
    const state = { total: notRead.length, done: 0, requests: 0, concurrency: null, startedAt: null, etaMs: null, complete: notRead.length === 0, error: null, ms: 0, version: 0 };
    const read = new Map();
    // The snapshot with the groups read so far, as text (the engine's input), and what it holds:
    // how many groups, and whether the read was complete (then completeGroups is dropped). Before
    // any group is read it is the first read's own text (while that is kept: see snapshot()).
    let merged = null;
    const versionNow = () => `${read.size}:${state.complete}`;
    let answer = null; // the last dashboard answer: {key (merge version and options), policy, result}
    let lastPublish = performance.now();
    let publishCost = 0;
    let timer = null;
    const me = {
      state,
      /** Every listener is told after each visible step (and once at the end). */
      publish() {
        if (ctl.signal.aborted) return;
        state.version++;
        lastPublish = performance.now();
        for (const fn of [...fillListeners]) {
          try { fn(state); } catch { /* a view's listener never stops the fill */ }
        }
      },
      textNow() {
        const version = versionNow();
        if (read.size === 0 && s.text != null && merged?.version !== version) return s.text;
        if (merged?.version !== version) {
          const t0 = performance.now();
          // The old text goes first: at 100k users each copy is tens of MB, and the merge makes two more.
          merged = null;
          const { snapshot: snap } = host.mergeMemberships(s.snap, read, { allRead: state.complete });
          merged = { text: JSON.stringify(snap), version };
          publishCost = performance.now() - t0;
        }
        return merged.text;
      },
      async dashboard(options) {
        await engineReady;
        const p = await savedPolicy();
        const text = me.textNow();
        // The Dashboard asks again each time it is shown: the same groups read, policy and options
        // give the same answer, so the engine is not run over the whole snapshot again. (The
        // merge's version, not its text, is remembered: an old text is let go once merged again.)
        const key = `${versionNow()}\u0000${JSON.stringify(options ?? {})}`;
        if (answer?.key === key && answer.policy === p.text) return answer.result;
        const t0 = performance.now();
        const result = engine.dashboard(p.text, text, options);
        publishCost += performance.now() - t0;
        answer = { key, policy: p.text, result };
        return result;
      },
      abort() { ctl.abort(); clearTimeout(timer); },
    };
    fill = me;
    if (state.complete) return;
    // Visible steps no more often than every 2 s, or 3× what a step costs on this page (large Jiras).
    const step = () => {
      const wait = Math.max(2000, 3 * publishCost) - (performance.now() - lastPublish);
      if (wait <= 0) me.publish();
      else if (!timer) timer = setTimeout(() => { timer = null; me.publish(); }, wait);
    };
    // After the impact reads and the foreground work (see `busy`), unless Refresh data or a new
    // policy ended this fill.
    snapshot().catch(() => {}).then(quiet).then(() => {
      if (ctl.signal.aborted) return null;
      state.startedAt = performance.now();
      me.publish(); // the views say it has started
      return host.readGroups(notRead, {
        signal: ctl.signal,
        // A browser opens at most 6 connections to one host (HTTP/1.1): 4 for the background read
        // leaves room for what the admin does meanwhile (Preview reads nothing; a run writes).
        maxConcurrency: 4,
        onGroup: (group, names) => { read.set(group, names); },
        onProgress: (p) => {
          state.done = p.done;
          state.requests = p.requests;
          state.concurrency = p.concurrency;
          const elapsed = performance.now() - state.startedAt;
          state.etaMs = p.done > 0 ? Math.round((elapsed / p.done) * (state.total - p.done)) : null;
          if (p.done < p.total) step();
        },
      });
    }).then((r) => {
      if (!r) return;
      state.complete = true;
      state.done = state.total;
      state.requests = r.requests;
      state.concurrency = r.concurrency?.settled ?? state.concurrency;
      state.etaMs = 0;
      state.ms = Math.round(performance.now() - state.startedAt);
      clearTimeout(timer);
      me.publish();
    }, (e) => {
      if (ctl.signal.aborted) return;
      state.error = e;
      clearTimeout(timer);
      me.publish();
    });
  }

  function stopFill() {
    fill?.abort();
    fill = null;
  }

  /** Calls `fn(state)` at each step of the background read; returns the unsubscribe. */
  function onGroupsFill(fn) {
    fillListeners.add(fn);
    return () => fillListeners.delete(fn);
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

  /**
   * The engine's dashboard over the first read: it reads no leads, creation dates or open issues,
   * so it does not wait for the impact reads (the answer is the same with them).
   */
  async function dashboard({ actor, lowUsageDays, inactiveDays } = {}) {
    const [s, p] = await Promise.all([firstSnapshot(), savedPolicy()]);
    const options = { asOf: s.snap.capturedAt };
    if (actor) options.actor = actor;
    if (lowUsageDays != null) options.lowUsageDays = lowUsageDays;
    if (inactiveDays != null) options.inactiveDays = inactiveDays;
    const key = `dashboard:${JSON.stringify(options)}`;
    const answer = cached(key, async () => {
      const text = await dashboardText();
      const t0 = performance.now();
      const result = engine.dashboard(p.text, text, options);
      return { result, options, policySource: p.source, policyLabel: p.label, ms: Math.round(performance.now() - t0) };
    });
    // A failure is not remembered: the next view asks again.
    answer.catch(() => { if (memo.get(key) === answer) memo.delete(key); });
    return answer;
  }

  /**
   * The plan Preview, Run and the Dashboard's impact section show. The background groups fill
   * waits for it (foreground work).
   */
  function plan(o) {
    return foreground(planOf(o));
  }

  async function planOf({ actor } = {}) {
    const [s, p] = await Promise.all([snapshot(), savedPolicy()]);
    if (p.text == null) return { result: null, policySource: p.source, policyLabel: p.label };
    const options = { asOf: s.snap.capturedAt };
    if (actor) options.actor = actor;
    // Warn rules act only on users warned long enough ago: the record of warnings sent in Jira
    // (warn-record.mjs). Unreadable → none, so every warn-rule action shows as awaiting its warning.
    if (store && policyWarns(p.text)) options.sent = await warningsSent().then((r) => r.sent, () => []);
    const key = `plan:${JSON.stringify(options)}`;
    const answer = cached(key, async () => {
      const t0 = performance.now();
      let result;
      if (typeof host.planWithOpenAssigned === 'function') {
        // Open assigned issues are counted only for the users a plan selects: plan, count them,
        // plan again (host plan-impact.mjs). The counts stay in the snapshot for later plans.
        let text;
        ({ result, text } = await host.planWithOpenAssigned({ engine, policyText: p.text, snapshot: s.snap, text: s.text, options }));
        if (typeof text === 'string') s.text = text;
        else s.text = JSON.stringify(s.snap);
      } else result = JSON.parse(engine.planJson(p.text, s.text, JSON.stringify(options)));
      return { result, options, policySource: p.source, policyLabel: p.label, ms: Math.round(performance.now() - t0) };
    });
    // A failed read (the counts) is not remembered: the next view asks again.
    answer.catch(() => { if (memo.get(key) === answer) memo.delete(key); });
    return answer;
  }

  /**
   * The record of warnings sent (warn-record.mjs loadSent), read from Jira once per snapshot (Refresh
   * data reads both again): the plan and the Preview's and Dashboard's warnings sections use the same
   * read. A failed read is not remembered: the next caller asks Jira again.
   */
  function warningsSent() {
    if (!store) return Promise.reject(new Error('This page has no storage in Jira.'));
    if (!sentP) {
      const p = loadSent(store);
      sentP = p;
      p.catch(() => { if (sentP === p) sentP = null; });
    }
    return sentP;
  }

  /**
   * The saved policy changed (the Rules view saved one): read it again, forget answers over the old
   * one. A snapshot read for the old policy is kept only when it holds every group the new one
   * needs (the engine says which); otherwise the next view reads Jira again.
   */
  function policyChanged() {
    policyP = null;
    source = null;
    memo.clear();
    const old = coreP;
    if (!old) return;
    coreP = (async () => {
      const s = await old;
      if (!s.snap.completeGroups) return s;
      const all = [...s.snap.completeGroups, ...(s.snap.source?.groupsNotRead ?? [])];
      const r = await selectGroups({ groups: all, applicationRoles: (s.snap.applicationRoles ?? []).map((x) => ({ key: x.key, groups: x.groups ?? [] })) });
      const have = new Set(s.snap.completeGroups.map((g) => g.trim().toLowerCase()));
      if (r && r.value.groups.every((g) => have.has(g.trim().toLowerCase()))) return s;
      coreP = null;
      return firstSnapshot();
    })();
    const p = coreP;
    p.catch(() => { if (coreP === p) coreP = null; });
  }

  return {
    firstSnapshot, snapshot, savedPolicy, dashboard, plan, warningsSent, policyChanged,
    /** The background read of the groups the snapshot left out (null before the snapshot): see startFill. */
    get groupsFill() { return fill; },
    onGroupsFill,
    /** 'saved' | 'template' | 'dev-file' once the policy has been read (savedPolicy()), else null. */
    get policySource() { return source; },
  };
}
