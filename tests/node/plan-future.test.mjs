// A plan whose snapshot was read after "now" (forged, or clocks that disagree) would have a
// negative age and never expire. The engine refuses each user of it (decide.planInFuture, beyond a
// 5-minute skew); the runner refuses the whole run before it starts (refused.planExpired), so
// nothing is read or written. docs/matching.md#m12.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fakeHost } from '../fixtures/runner/fake-host.mjs';
import { world, AS_OF } from '../fixtures/runner/world.mjs';
import { makePlan } from '../../plugin-shim/src/runner/run.mjs';
import { planItems } from '../../plugin-shim/src/runner/items.mjs';
import { executeItems, roleGroupsOf, makeDecider, executePlan, createMemoryTrail, planAge } from '../../plugin-shim/src/runner/executor.mjs';
import { CAPTURE_SKEW_MINUTES } from '../../plugin-shim/src/runner/decide.mjs';
import { ROOT } from '../helpers/cli.mjs';

const POLICY_TEXT = readFileSync(join(ROOT, 'tests/fixtures/runner/policy.json'), 'utf8');
const engine = await import('../../plugin-shim/src/engine.mjs');
const T = Date.parse(AS_OF);
const MIN = 60_000;
const at = (ms) => new Date(ms).toISOString();

test('planAge: a capture time within the skew is fresh; further ahead is refused like an expired plan', () => {
  assert.equal(CAPTURE_SKEW_MINUTES, 5, 'the engine allows 5 minutes (decide.rs CAPTURE_SKEW_MINUTES)');
  const limit = { maxSnapshotAgeMinutes: 60 };
  const age = (capturedMs) => planAge({ capturedAt: at(capturedMs), limit, now: () => T });
  assert.equal(age(T + MIN), null, '1 minute ahead: clocks that differ a little');
  assert.equal(age(T + 5 * MIN), null, 'exactly the skew');
  assert.equal(age(T - 30 * MIN), null, 'an ordinary fresh plan');
  const ahead = age(T + 60 * MIN);
  assert.equal(ahead.code, 'refused.planExpired');
  assert.equal(ahead.aheadMinutes, 60);
  assert.match(ahead.message, /60 minutes after now/);
  assert.match(ahead.message, /cannot come from the future/);
  assert.match(ahead.message, /nothing was changed/);
  assert.equal(age(T + 5 * MIN + 1000).code, 'refused.planExpired', 'just past the skew');
  // A forged plan meant never to expire.
  assert.equal(planAge({ capturedAt: '9999-12-31T23:59:59Z', limit, now: () => T }).code, 'refused.planExpired');
  // Past the age limit is still the age refusal.
  assert.match(age(T - 61 * MIN).message, /61 minutes ago/);
});

test('decide per user: the engine skips every user of a plan read an hour after now; nothing is written', async () => {
  const snap = world();
  const host = fakeHost({ snapshot: snap });
  const { plan } = makePlan(engine, POLICY_TEXT, snap, { asOf: AS_OF, actor: 'admin' });
  const items = planItems(plan, snap).filter((it) => it.action !== 'review' && !it.status);
  assert.ok(items.length > 2, 'the fixture plans changes');
  const trail = createMemoryTrail([]);
  const decideAhead = makeDecider({ engine, policyText: POLICY_TEXT, actor: 'admin', capturedAt: at(T + 60 * MIN), now: () => T });
  const seen = [];
  const totals = await executeItems({ host, trail, runId: 'r1', items, decide: decideAhead, onOutcome: (o) => seen.push(o) });
  assert.deepEqual(totals, { done: 0, failed: 0, skipped: items.length });
  assert.ok(seen.every((o) => o.code === 'decide.planInFuture' && /60 minutes after now/.test(o.reason)), JSON.stringify(seen[0]));
  assert.equal(host.mutations.length, 0);
  assert.equal(trail.records.filter((r) => r.type === 'intent').length, 0);
  // One minute ahead: decided as usual, and the changes are made.
  const decideSkewed = makeDecider({ engine, policyText: POLICY_TEXT, actor: 'admin', capturedAt: at(T + MIN), now: () => T });
  const done = await executeItems({ host, trail: createMemoryTrail([]), runId: 'r2', items, decide: decideSkewed });
  assert.ok(done.done > 0, JSON.stringify(done));
});

test('executePlan: a plan from the future is refused before anything is read or written, and the trail says so', async () => {
  const snap = world();
  const host = fakeHost({ snapshot: snap });
  const { plan } = makePlan(engine, POLICY_TEXT, snap, { asOf: AS_OF, actor: 'admin' });
  const trail = createMemoryTrail([]);
  const common = { host, plan, trail, engine, who: { actor: 'admin' }, policyText: POLICY_TEXT, snapshotData: snap, roleGroups: roleGroupsOf(snap) };
  const ahead = executePlan({ ...common, snapshot: { capturedAt: at(T + 3 * 60 * MIN), users: snap.users.length }, now: () => T });
  await assert.rejects(ahead, (e) => e.code === 'refused.planExpired' && /180 minutes after now/.test(e.message));
  assert.deepEqual(trail.records.map((r) => [r.type, r.reason]), [['runRefused', 'planExpired']]);
  assert.equal(host.requests.length, 0, 'nothing was read or written');
  assert.equal(host.mutations.length, 0);
});
