// The page's audit trail: the one hash chain stored in Jira (store.mjs, user properties of the
// storage account), continued by this page session. Records are sealed only when they are written:
// each batch (the records appended while the previous batch was being written) goes to
// store.appendTrail, which holds the trail's lock, re-reads the stored tail, and hands back the
// records other sessions (another tab, another admin) stored meanwhile; they are checked (each
// links to the one before and its hash is right) and the batch is sealed on top of them, so the
// stored trail stays one valid chain. An append resolves once its record is stored in Jira: an
// intent is in Jira before its request is sent. If storing fails, the append (and every later
// one) rejects, so a run stops before changing anything it could not record.
//
// When the trail cannot be kept in Jira (no safe storage account, a stored chain that does not
// verify, Jira failing) the page keeps it in memory only, and a run starts only after the admin
// explicitly chooses to keep the trail as a download (state.downloadOnly()).
import { runnerModules } from './runner-loader.mjs';

/** JSON lines of what loadAudit answers ({text, records}, text, or records). */
const toText = (x) => (typeof x === 'string' ? x : typeof x?.text === 'string' ? x.text
  : Array.isArray(x?.records ?? x) ? (x.records ?? x).map((r) => `${JSON.stringify(r)}\n`).join('') : '');

/**
 * A trail (the executor's sink: append(fields) → Promise<sealed record>, records, text()) stored
 * in Jira through store.appendTrail. `records`: the verified stored chain it continues.
 */
export function createJiraTrail({ store, chain, records = [], now = () => new Date() }) {
  let last = records.at(-1) ?? null;
  let pending = [];
  let flushing = null;
  const stats = { batches: 0, conflicts: 0, adopted: 0 };

  // The records another session stored after ours must continue our chain, record by record.
  async function checkNewer(newer) {
    let prev = last;
    for (const r of newer) {
      const seq = prev ? prev.seq + 1 : 1;
      const link = prev ? prev.hash : chain.GENESIS;
      if (r?.seq !== seq || r.prevHash !== link || (await chain.recordHash(r)) !== r.hash) {
        throw Object.assign(new Error(`The audit trail in Jira does not verify after seq ${prev?.seq ?? 0}: the record stored there by another session is not the next link of the chain. Nothing more is written; download the trail kept on this page.`), { code: 'trail.brokenInJira' });
      }
      prev = r;
    }
    return prev;
  }

  async function flush() {
    while (pending.length) {
      const batch = pending;
      pending = [];
      try {
        const { newer, records: sealed } = await store.appendTrail({
          tail: last ? { seq: last.seq, hash: last.hash } : null,
          build: async (got) => {
            let prev = await checkNewer(got);
            const out = [];
            for (const b of batch) {
              prev = await chain.seal(b.fields, prev);
              out.push(prev);
            }
            return out;
          },
        });
        stats.batches += 1;
        if (newer.length) {
          stats.conflicts += 1;
          stats.adopted += newer.length;
        }
        records.push(...newer, ...sealed);
        last = records.at(-1) ?? null;
        batch.forEach((b, k) => b.resolve(sealed[k]));
      } catch (e) {
        trail.failed = e;
        for (const b of [...batch, ...pending]) b.reject(e);
        pending = [];
      }
    }
    flushing = null;
  }

  const trail = {
    records,
    stats,
    failed: null,
    append(fields) {
      if (trail.failed) return Promise.reject(trail.failed);
      return new Promise((resolve, reject) => {
        pending.push({ fields: { at: now().toISOString(), ...fields }, resolve, reject });
        flushing ??= Promise.resolve().then(flush);
      });
    },
    async close() {
      while (flushing) await flushing;
    },
    /**
     * Reads the stored chain again and takes in what other sessions appended since (History shows
     * the latest). Throws when the stored chain does not verify or no longer continues this one.
     */
    async sync() {
      await trail.close();
      const stored = await store.loadAudit();
      const v = await chain.verifyText(typeof stored?.text === 'string' ? stored.text : '');
      if (!v.ok) throw Object.assign(new Error(`The audit trail stored in Jira does not verify (${v.error.message}).`), { code: 'trail.brokenInJira' });
      const at = last ? v.records.findIndex((r) => r.hash === last.hash) : -1;
      if (last && at < 0) throw Object.assign(new Error('The audit trail stored in Jira no longer contains this page\u2019s records.'), { code: 'store.trailDiverged' });
      const newer = v.records.slice(at + 1);
      await checkNewer(newer);
      records.push(...newer);
      last = records.at(-1) ?? null;
      return newer.length;
    },
    text: () => records.map((r) => `${JSON.stringify(r)}\n`).join(''),
  };
  return trail;
}

/** Who a record of this page names: the signed-in admin, in Jira and as the actor (no operator). */
export function pageWho(ctx) {
  const me = ctx.me?.name ?? null;
  return { actor: me, jiraUser: me, operator: null };
}

/**
 * The page's trail, one per page session (ctx):
 * → { trail, store, savedInJira, loadError, account (the storage account's status), downloadOnly(), saveError() }
 * `savedInJira` false: the trail cannot be kept in Jira (loadError says why); downloadOnly()
 * switches to a trail kept on the page (for the admin's explicit choice).
 */
const trails = new WeakMap();
export function pageTrail(ctx) {
  if (!trails.has(ctx)) {
    const p = (async () => {
      const { executor, chain } = await runnerModules(ctx);
      const store = ctx.store ?? null;
      // Records are timed by Jira's clock (as the views estimate it from the snapshot, clockOffset
      // ms ahead of this browser's), so they line up with Jira's own audit log (reconcile.mjs).
      const state = { store, savedInJira: false, loadError: null, account: null, kept: 'none', clockOffset: 0, orphans: [] };
      const now = () => new Date(Date.now() + (Number.isFinite(state.clockOffset) ? state.clockOffset : 0));
      let records = [];
      if (!store) {
        state.loadError = new Error('This page has no storage in Jira; the audit trail can only be kept as a download.');
      } else {
        try {
          state.account = await store.accountStatus();
          if (!state.account.ok) {
            throw Object.assign(new Error(`The audit trail cannot be kept in Jira. ${state.account.message} ${state.account.fix ?? ''}`.trim()), { code: 'store.unsafeAccount', problem: state.account.problem });
          }
          const loaded = await store.loadAudit();
          // Records in Jira that the head's chain does not reach: left by an append that failed
          // half-way, or hidden by someone who moved the head back. Shown in History.
          state.orphans = Array.isArray(loaded?.orphans) ? loaded.orphans : [];
          const v = await chain.verifyText(toText(loaded));
          if (!v.ok) throw Object.assign(new Error(`The audit trail stored in Jira does not verify (${v.error.message}), so it is never extended.`), { code: 'trail.brokenInJira' });
          records = v.records;
          state.savedInJira = true;
          state.kept = 'jira';
        } catch (e) {
          state.loadError = e;
        }
      }
      state.stored = records;
      state.trail = state.savedInJira ? createJiraTrail({ store, chain, records, now }) : executor.createMemoryTrail([...records], { now });
      /** The admin chose to keep the trail as a download only: a trail in memory from here on. */
      state.downloadOnly = () => {
        if (state.kept !== 'download') {
          state.trail = executor.createMemoryTrail([...state.trail.records], { now });
          state.savedInJira = false;
          state.kept = 'download';
        }
        return state.trail;
      };
      /** Why the last append to Jira failed (then nothing more is stored), or null. */
      state.saveError = () => state.trail.failed ?? null;
      return state;
    })();
    p.catch(() => trails.delete(ctx));
    trails.set(ctx, p);
  }
  return trails.get(ctx);
}
