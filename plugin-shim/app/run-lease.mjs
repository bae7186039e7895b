// One run at a time per Jira (the store's run lease, shared with `run --jira` and the daemon): a
// page run or undo holds the lease while it changes Jira, renewing it every third of its time to
// live, and releases it when it ends. A lease held by someone else refuses the run with who holds
// it and since when. Without a store that can hold leases (an older build, or an account that is
// not safe and so cannot be written) the run goes on without one: nothing else could coordinate
// through that store either.
const TTL_MS = 120_000;

/** This page session's lease owner id (stable per tab, so a reload does not look like someone else for long). */
function ownerId(ctx) {
  ctx.leaseOwner ??= `page-${ctx.me?.name ?? 'admin'}-${Math.random().toString(16).slice(2, 10)}`;
  return ctx.leaseOwner;
}

/**
 * Acquires the run lease. → {release(), lost: () => Error|null, held: boolean}; throws the store's
 * error (code 'store.runBusy', with `holder`) when another run holds it.
 */
export async function acquirePageLease(ctx, { runId = null, what = 'run', settleMs } = {}) {
  const store = ctx.store;
  const none = { held: false, release: async () => {}, lost: () => null };
  if (!store || typeof store.acquireRunLease !== 'function') return none;
  let lease;
  try {
    lease = await store.acquireRunLease({
      owner: ownerId(ctx), node: `admin page (${ctx.me?.name ?? 'admin'})`, ttlMs: TTL_MS,
      ...(settleMs != null ? { settleMs } : {}), data: { what, ...(runId ? { runId } : {}) },
    });
  } catch (e) {
    if (e?.code === 'store.unsafeAccount') return none;
    throw e;
  }
  let lost = null;
  let busy = false;
  const timer = setInterval(async () => {
    if (busy) return;
    busy = true;
    try {
      await store.renewRunLease(lease);
    } catch (e) {
      lost = e;
    } finally {
      busy = false;
    }
  }, TTL_MS / 3);
  return {
    held: true,
    lost: () => lost,
    release: async () => {
      clearInterval(timer);
      try {
        await store.releaseRunLease(lease);
      } catch {
        // An expired lease is taken by nobody until it expires; nothing more to do here.
      }
    },
  };
}

/** The title of a run refused for the lease: another run holds it, or the store could not be asked. */
export const leaseRefusalTitle = (e) => (e?.code === 'store.runBusy' ? 'Another run is in progress' : 'The run lease could not be taken');
