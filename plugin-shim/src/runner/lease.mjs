// Holding a lease kept in Jira (the store's claimLease, see README "Leases in Jira") while work
// runs: renewed every third of its time to live; when a renewal cannot be made in time the work
// is stopped (the signal aborts) and every further write is refused by the guard, so a node that
// lost its lease stops changing Jira before another node may take the slot over.
import { compactInstant } from './run-id.mjs';

/** The lease name of one slot of one schedule: "slot.<schedule>.<20261127T030000Z>". */
export function slotLeaseName(scheduleId, slot) {
  return `slot.${scheduleId}.${compactInstant(new Date(slot))}`;
}

export class LeaseLost extends Error {
  constructor(message) {
    super(message);
    this.name = 'LeaseLost';
    this.code = 'lease.lost';
  }
}

/**
 * Keeps `lease` alive. → {signal (aborts when the lease is lost), check() (throws LeaseLost once
 * less than `marginMs` of the lease is left), stop()}.
 */
export function keepLease(store, lease, { marginMs, now = () => Date.now(), onLost } = {}) {
  const ttl = lease.ttlMs ?? 60_000;
  const margin = marginMs ?? Math.min(ttl / 4, 15_000);
  const controller = new AbortController();
  let lost = null;
  const lose = (why) => {
    if (lost) return;
    lost = new LeaseLost(`the lease ${lease.name} was lost (${why}); this node stops changing Jira`);
    controller.abort(lost);
    onLost?.(lost);
  };
  const check = () => {
    if (lost) throw lost;
    if (now() > Date.parse(lease.value.expiresAt) - margin) {
      lose('it was not renewed in time');
      throw lost;
    }
  };
  let busy = false;
  const timer = setInterval(async () => {
    if (busy || lost) return;
    busy = true;
    try {
      await store.renewLease(lease, { now });
    } catch (e) {
      if (e?.code === 'store.leaseLost') lose('another node holds it');
      else if (now() > Date.parse(lease.value.expiresAt) - margin) lose(`renewing failed: ${e?.message ?? e}`);
    } finally {
      busy = false;
    }
  }, Math.max(200, Math.floor(ttl / 3)));
  timer.unref?.();
  return { signal: controller.signal, check, stop: () => clearInterval(timer), get lost() { return lost; } };
}

const WRITES = ['deactivate', 'reactivate', 'removeFromGroup', 'addToGroup', 'setProjectLead'];

/** The host with every write checked against the lease first (reads pass through). */
export function guardHost(host, check) {
  const guarded = { ...host };
  for (const m of WRITES) {
    if (typeof host[m] === 'function') guarded[m] = (...args) => { check(); return host[m](...args); };
  }
  return guarded;
}

/** The trail with every append checked against the lease first (records, close… as the trail's). */
export function guardTrail(trail, check) {
  const guarded = Object.create(trail);
  guarded.append = (fields) => {
    try {
      check();
    } catch (e) {
      return Promise.reject(e);
    }
    return trail.append(fields);
  };
  return guarded;
}
