// One run at a time per Jira for the CLI (`run --jira`, `run --resume`): the run lease in the store
// (store.acquireRunLease, the same one page runs and the daemon take), held and renewed while the
// run goes on. Without a safe storage account there is nothing in Jira to coordinate through (the
// page and the daemon cannot run then either), so the run goes ahead without a lease.
import { hostname } from 'node:os';
import { createStore } from '../../app/store.mjs';
import { keepLease } from '../runner/lease.mjs';
import { RefusedError } from '../errors.mjs';

/** Runs `fn()` holding the run lease; refused (exit 3) while another run holds it. */
export async function withRunLease({ url, token, storageUser, onNote }, fn) {
  const store = createStore({ baseUrl: url, token, storageUser });
  let st;
  try {
    st = await store.accountStatus();
  } catch (e) {
    st = { ok: false, message: e?.message ?? String(e) };
  }
  if (!st.ok) {
    // No storage account at all: nothing else keeps runs in this Jira's store either.
    if (st.problem !== 'missing') onNote?.(`No run lease in Jira (${st.message}); make sure no other User Cleanup run is going on.`);
    return fn();
  }
  const owner = `cli-${hostname()}-${process.pid}`.replace(/[^A-Za-z0-9._-]/g, '-');
  let lease;
  try {
    lease = await store.acquireRunLease({ owner, node: `${owner}@${hostname()}`, ttlMs: 120_000 });
  } catch (e) {
    if (e?.code === 'store.runBusy') throw new RefusedError(`refused: ${e.message} Nothing was changed.`, 'refused.runBusy');
    throw e;
  }
  const keeper = keepLease(store, lease, { onLost: (e) => onNote?.(e.message) });
  try {
    return await fn();
  } finally {
    keeper.stop();
    await store.releaseRunLease(lease).catch(() => {});
  }
}
