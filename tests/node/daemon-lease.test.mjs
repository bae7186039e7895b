// Holding a lease (runner/lease.mjs): renewed while work runs; once it cannot be renewed in time
// (or another owner's claim replaced it) the work's signal aborts and every further write to Jira
// and to the trail is refused before it is sent — the property the takeover argument in the
// runner README relies on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keepLease, guardHost, guardTrail, slotLeaseName, LeaseLost } from '../../plugin-shim/src/runner/lease.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function leaseOf(ttlMs) {
  return { name: 'slot.x.20261127T010000Z', key: 'k', ttlMs, value: { owner: 'me', claimedAt: new Date().toISOString(), expiresAt: new Date(Date.now() + ttlMs).toISOString(), state: 'held' } };
}

test('slot lease names: schedule and compact UTC instant', () => {
  assert.equal(slotLeaseName('nightly', '2026-11-27T03:00:00Z'), 'slot.nightly.20261127T030000Z');
  assert.equal(slotLeaseName('n', '2026-11-27T04:00:00+01:00'), 'slot.n.20261127T030000Z');
});

test('a lease renewed in time stays valid; writes pass through', async () => {
  let renewals = 0;
  const store = { async renewLease(l) { renewals++; l.value = { ...l.value, expiresAt: new Date(Date.now() + l.ttlMs).toISOString() }; return l; } };
  const lease = leaseOf(900);
  const k = keepLease(store, lease);
  const sent = [];
  const host = guardHost({ deactivate: async (u) => { sent.push(u); return { ok: true }; }, getUser: async () => ({}) }, k.check);
  await sleep(1300);
  await host.deactivate('fred');
  k.stop();
  assert.ok(renewals >= 3, `renewed ${renewals} times`);
  assert.deepEqual(sent, ['fred']);
  assert.equal(k.signal.aborted, false);
});

test('a lease taken over: the signal aborts, host writes and trail appends are refused before they are sent; reads still work', async () => {
  const store = { async renewLease() { throw Object.assign(new Error('gone'), { code: 'store.leaseLost' }); } };
  const lease = leaseOf(900);
  const k = keepLease(store, lease);
  const sent = [];
  const host = guardHost({ deactivate: async (u) => sent.push(u), removeFromGroup: async (u) => sent.push(u), getUser: async (u) => ({ name: u }) }, k.check);
  const appended = [];
  const trail = guardTrail({ records: [1], append: async (f) => appended.push(f), close: async () => 'closed' }, k.check);
  await sleep(450);
  assert.equal(k.signal.aborted, true);
  assert.ok(k.signal.reason instanceof LeaseLost);
  assert.throws(() => host.deactivate('fred'), (e) => e.code === 'lease.lost' && /another node holds it/.test(e.message));
  assert.throws(() => host.removeFromGroup('fred', 'g'), LeaseLost);
  await assert.rejects(trail.append({ type: 'intent' }), LeaseLost);
  assert.deepEqual(sent, []);
  assert.deepEqual(appended, []);
  assert.deepEqual(await host.getUser('fred'), { name: 'fred' });
  assert.deepEqual(trail.records, [1]);
  assert.equal(await trail.close(), 'closed');
  k.stop();
});

test('Jira unreachable: the lease is given up once less than the margin is left, not before', async () => {
  const store = { async renewLease() { throw Object.assign(new Error('Jira could not be reached'), { code: 'store.network' }); } };
  const lease = leaseOf(1200); // margin 300 ms: valid until ~900 ms
  const k = keepLease(store, lease);
  await sleep(500);
  assert.doesNotThrow(() => k.check());
  assert.equal(k.signal.aborted, false);
  await sleep(700);
  assert.throws(() => k.check(), LeaseLost);
  assert.equal(k.signal.aborted, true);
  k.stop();
});
