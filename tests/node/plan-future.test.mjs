// A plan whose snapshot was read after "now" (forged, or clocks that disagree) would have a
// negative age and never expire. The engine refuses each user of it (decide.planInFuture, beyond a
// 5-minute skew); the runner refuses the whole run before it starts (refused.planExpired), so
// nothing is read or written. docs/matching.md#m12.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fakeHost } from '../fixtures/runner/fake-host.mjs';
import { world, AS_OF } from '../fixtures/runner/world.mjs';
import { makePlan } from '../../plugin-shim/src/runner/run.mjs';
import { planItems } from '../../plugin-shim/src/runner/items.mjs';
import { executeItems, roleGroupsOf, makeDecider, executePlan, createMemoryTrail, planAge } from '../../plugin-shim/src/runner/executor.mjs';
import { CAPTURE_SKEW_MINUTES } from '../../plugin-shim/src/runner/decide.mjs';
import { jiraClock, withOffset } from '../../plugin-shim/src/runner/clock.mjs';
import { reseal } from '../helpers/reseal.mjs';
import { ROOT, runCli as cli, worldSandbox, trailRecords } from '../helpers/cli.mjs';

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

test('jiraClock: the runner\'s clock plus the offset to Jira\'s serverTime read now; the runner\'s own when Jira cannot say', async () => {
  let reads = 0;
  const host = { serverTime: async () => { reads += 1; return '2026-11-27T12:00:00.000+0000'; } };
  const clock = await jiraClock(host, () => T);
  assert.equal(clock(), Date.parse('2026-11-27T12:00:00Z'));
  assert.equal(clock.offsetMs, Date.parse('2026-11-27T12:00:00Z') - T);
  // It keeps running with the runner's clock.
  let local = T;
  const moving = await jiraClock(host, () => local);
  local += 10 * MIN;
  assert.equal(moving(), Date.parse('2026-11-27T12:10:00Z'));
  // Already on Jira's clock: not measured again.
  assert.equal(await jiraClock(host, clock), clock);
  assert.equal(reads, 2);
  // A host without serverTime (a test double) or a Jira that says none: the runner's clock.
  const own = () => T;
  assert.equal(await jiraClock({}, own), own);
  assert.equal(await jiraClock({ serverTime: async () => null }, own), own);
  assert.equal(withOffset(own, -5)(), T - 5);
});

test('Jira\'s clock 2 hours ahead of this machine: a CLI run plans and decides on Jira\'s clock, as one in step; a plan forged 2 hours beyond Jira\'s clock is still refused', async () => {
  const AHEAD = 120 * MIN;
  const POLICY = join(ROOT, 'tests/fixtures/runner/policy.json');
  const args = (sb, audit, extra = []) => ['run', '--policy', POLICY, '--jira', sb.url, '--audit', audit, '--readonly-fallback', 'skip', '--yes', '--json', ...extra];
  const dir = mkdtempSync(join(tmpdir(), 'uc-clock-'));
  // The same users on a Jira in step with this machine: what a correct run does.
  const even = await worldSandbox();
  let expected;
  try {
    const r = await cli(args(even, join(dir, 'even.jsonl')), { token: even.token });
    assert.equal(r.code, 0, r.err);
    expected = JSON.parse(r.out);
  } finally {
    await even.close();
  }
  const sb = await worldSandbox({ now: () => Date.now() + AHEAD });
  try {
    const audit = join(dir, 'ahead.jsonl');
    const r = await cli(args(sb, audit), { token: sb.token });
    assert.equal(r.code, 0, r.err);
    const res = JSON.parse(r.out);
    // Before, every run here was refused: the snapshot (Jira's serverTime) looked 2 hours ahead of now.
    assert.ok(res.totals.done > 0, JSON.stringify(res.totals));
    const outcome = (o) => [o.user, o.status, o.code ?? null];
    assert.deepEqual(res.outcomes.map(outcome).sort(), expected.outcomes.map(outcome).sort(), 'each user decided as on a Jira in step');
    assert.ok(!res.outcomes.some((o) => /planInFuture|planExpired/.test(o.code ?? '')));
    const started = trailRecords(audit).find((x) => x.type === 'runStarted');
    assert.ok(Math.abs(Date.parse(started.asOf) - (Date.now() + AHEAD)) < 5 * MIN, `planned as of Jira's now: ${started.asOf}`);
    assert.ok(Math.abs(Date.parse(started.asOf) - Date.parse(started.snapshot.capturedAt)) < 5 * MIN);

    // The run cut short after its first outcome, its capture time forged 2 hours beyond Jira's
    // clock and the trail sealed again: resuming it is refused, measured on Jira's clock read
    // now (120 minutes ahead, not the 240 of this machine's), and nothing is changed.
    await reseal(audit, (recs) => {
      recs.splice(recs.findIndex((x) => x.type === 'outcome') + 1);
      recs.find((x) => x.type === 'runStarted').snapshot.capturedAt = new Date(Date.now() + 2 * AHEAD).toISOString();
    });
    const n = sb.state.mutations.length;
    const resumed = await cli(['run', '--resume', res.runId, '--jira', sb.url, '--audit', audit, '--readonly-fallback', 'skip', '--yes'], { token: sb.token });
    assert.equal(resumed.code, 3, resumed.out + resumed.err);
    assert.match(resumed.err, /cannot be resumed/);
    assert.match(resumed.err, /(119|120) minutes after now/);
    assert.equal(sb.state.mutations.length, n, 'nothing was changed');
  } finally {
    await sb.close();
  }
});

test('Jira\'s clock 2 hours ahead of this machine: a CLI bulk run decides on Jira\'s clock and proceeds', async () => {
  const sb = await worldSandbox({ extra: 1, now: () => Date.now() + 120 * MIN });
  try {
    const audit = join(mkdtempSync(join(tmpdir(), 'uc-clock-')), 'bulk.jsonl');
    const r = await cli(['bulk', '--jira', sb.url, '--policy', join(ROOT, 'tests/fixtures/runner/policy.json'), '--operation', 'deactivate', '--user', 'temp000', '--audit', audit, '--yes', '--json'], { token: sb.token });
    assert.equal(r.code, 0, r.err + r.out);
    const res = JSON.parse(r.out);
    assert.deepEqual(res.outcomes.map((o) => [o.user, o.status]), [['temp000', 'done']], JSON.stringify(res.outcomes));
    assert.equal(sb.state.snapshotTruth().users.find((u) => u.name === 'temp000').active, false);
  } finally {
    await sb.close();
  }
});
