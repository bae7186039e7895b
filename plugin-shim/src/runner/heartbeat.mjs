// The daemon's heartbeat in the store (INTERFACES "Schedules in Jira"): who it is, when it last
// polled, and per schedule the last slot, its result and the next slot. The page shows a daemon
// as alive while lastPoll is within 3 × pollSeconds.
import { hostname } from 'node:os';

export function createHeartbeat({ store, daemonId, node, version, pollSeconds, started = new Date().toISOString(), log }) {
  const last = new Map(); // schedule id -> {lastSlot, lastResult}
  let schedules = [];
  return {
    /** Records the result of a slot (status: done|failed|refused|skipped|preview). */
    result(id, slot, res) {
      last.set(id, { lastSlot: slot, lastResult: res });
    },
    /** The schedules as the policy read at this poll has them: [{id, enabled, mode, zone, next}]. */
    schedules(list) {
      schedules = list;
    },
    async beat(extra = {}) {
      const hb = {
        daemonId, node, host: hostname(), version, pid: process.pid, started,
        lastPoll: new Date().toISOString(), pollSeconds,
        schedules: schedules.map((s) => ({ ...s, ...(last.get(s.id) ?? {}) })),
        ...extra,
      };
      try {
        await store.putHeartbeat(hb);
      } catch (e) {
        log?.({ event: 'heartbeatFailed', message: e?.message ?? String(e) });
      }
      return hb;
    },
  };
}
