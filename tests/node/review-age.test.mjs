// How long each user listed for review has waited (app/review-age.mjs): from the earliest verified
// `planned` record listing the user for review, after the user's last decision no longer in force;
// "listed now, not yet by a run" when no run listed them; "not known" when the chain does not verify.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as chain from '../../plugin-shim/src/runner/chain.mjs';
import { waitingSince, oldestWait, waitText, verifiedTrail } from '../../plugin-shim/app/review-age.mjs';

const NOW = Date.parse('2026-11-30T12:00:00Z');
const item = (user, action = 'review') => ({ i: 0, user, action, rule: 'idle-365d-review', reasons: [] });

/** A sealed chain (as the runner writes it) from `[at, type, fields]`. */
async function trail(list) {
  const out = [];
  let prev = null;
  for (const [at, type, fields = {}] of list) {
    prev = await chain.seal({ at, runId: fields.runId ?? `run-${at.slice(0, 10)}`, type, ...fields }, prev);
    out.push(prev);
  }
  return out;
}
const text = (records) => records.map((r) => `${JSON.stringify(r)}\n`).join('');
const verified = async (records) => verifiedTrail(await chain.verifyText(text(records)));

test('listed by two runs: the wait starts at the earlier run; other actions and other users do not count', async () => {
  const recs = await trail([
    ['2026-10-01T08:00:00Z', 'runStarted'],
    ['2026-10-01T08:00:01Z', 'planned', { runId: 'run-a', items: [item('bob', 'deactivate'), item('carol')] }],
    ['2026-11-02T08:00:00Z', 'planned', { runId: 'run-b', items: [item('Alice'), item('carol')] }],
    ['2026-11-20T08:00:00Z', 'planned', { runId: 'run-c', items: [item('alice'), item('carol')] }],
  ]);
  const w = waitingSince({ listed: [{ name: 'alice' }, { name: 'Carol' }, { name: 'bob' }], trail: await verified(recs), now: NOW });
  assert.deepEqual(w.get('alice'), { state: 'run', since: '2026-11-02T08:00:00.000Z', days: 28, runId: 'run-b' });
  assert.deepEqual(w.get('carol'), { state: 'run', since: '2026-10-01T08:00:01.000Z', days: 60, runId: 'run-a' });
  // bob was planned for deactivation, never listed for review by a run.
  assert.deepEqual(w.get('bob'), { state: 'notYetByRun', since: null, days: 0 });
  assert.equal(waitText(w.get('alice')), 'waiting since 2026-11-02 (28 days)');
  assert.equal(waitText(w.get('bob')), 'listed now, not yet by a run (0 days)');
  assert.deepEqual(oldestWait(w), { state: 'run', since: '2026-10-01T08:00:01.000Z', days: 60, runId: 'run-a', user: 'carol' });
});

test('a decision that expired restarts the wait at the first listing after its expiry; one in force leaves no wait', async () => {
  const recs = await trail([
    ['2026-09-01T00:00:00Z', 'planned', { items: [item('dave'), item('erin'), item('fay'), item('gus')] }],
    ['2026-10-15T00:00:00Z', 'planned', { items: [item('dave'), item('erin'), item('fay'), item('gus')] }],
    ['2026-11-10T06:00:00Z', 'planned', { items: [item('dave'), item('erin'), item('fay'), item('gus')] }],
  ]);
  const decisions = {
    // postponed until 2026-11-01 (expired): listed again on 11-10, so waiting since 11-10
    dave: { user: 'dave', decision: 'postpone', by: 'admin', at: '2026-09-20T00:00:00Z', until: '2026-11-01' },
    // kept until 2026-11-20 (expired) and no run listed him after it: listed now only
    erin: { user: 'erin', decision: 'keep', by: 'admin', at: '2026-09-20T00:00:00Z', until: '2026-11-20', reason: 'import' },
    // postponed until next year: decided, not waiting
    fay: { user: 'fay', decision: 'postpone', by: 'admin', at: '2026-11-01T00:00:00Z', until: '2027-01-01' },
    // approved: stays decided
    gus: { user: 'gus', decision: 'approve', by: 'admin', at: '2026-11-01T00:00:00Z', action: { type: 'deactivate' } },
  };
  const listed = ['dave', 'erin', 'fay', 'gus'].map((name) => ({ name }));
  const w = waitingSince({ listed, decisions, trail: await verified(recs), now: NOW });
  assert.deepEqual([...w.keys()].sort(), ['dave', 'erin']);
  assert.equal(w.get('dave').since, '2026-11-10T06:00:00.000Z');
  assert.equal(w.get('dave').days, 20);
  assert.deepEqual(w.get('erin'), { state: 'notYetByRun', since: null, days: 0 });
  assert.equal(oldestWait(w).user, 'dave');
  // Without the decisions both waited since the first run.
  const undecided = waitingSince({ listed, trail: await verified(recs), now: NOW });
  assert.equal(undecided.get('fay').since, '2026-09-01T00:00:00.000Z');
  assert.equal(undecided.get('gus').days, 90);
});

test('a chain that does not verify: every wait is not known, never a guess', async () => {
  const recs = await trail([
    ['2026-10-01T00:00:00Z', 'planned', { items: [item('alice')] }],
    ['2026-11-01T00:00:00Z', 'planned', { items: [item('alice'), item('bob')] }],
  ]);
  // Someone moved alice's first listing a year back without re-sealing.
  const lines = text(recs).split('\n');
  lines[0] = lines[0].replace('2026-10-01', '2025-10-01');
  const v = await chain.verifyText(lines.join('\n'));
  assert.equal(v.ok, false);
  const w = waitingSince({ listed: [{ name: 'alice' }, { name: 'bob' }], trail: verifiedTrail(v), now: NOW });
  for (const u of ['alice', 'bob']) {
    assert.equal(w.get(u).state, 'unknown');
    assert.equal(w.get(u).since, null);
    assert.equal(w.get(u).days, null);
    assert.equal(waitText(w.get(u)), 'waiting since: not known (the audit trail does not verify)');
  }
  assert.equal(oldestWait(w).state, 'unknown');
  assert.equal(oldestWait(w).reason, 'unverified');
  assert.match(oldestWait(w).message, /edited/);
  // A trail not read at all says so too.
  assert.equal(waitText(waitingSince({ listed: [{ name: 'bob' }], trail: { ok: false, reason: 'none' }, now: NOW }).get('bob')), 'waiting since: not known (no audit trail was read)');
});

test('never listed by a run, an empty trail, nobody waiting, malformed records and runs after now', async () => {
  const recs = await trail([
    ['2026-10-01T00:00:00Z', 'planned', { items: 'not a list' }],
    ['not a time', 'planned', { items: [item('alice')] }],
    ['2026-10-02T00:00:00Z', 'planned', { items: [null, { action: 'review', user: 7 }, item('alice', 'reactivate')] }],
    ['2026-12-24T00:00:00Z', 'planned', { items: [item('alice')] }],
  ]);
  const w = waitingSince({ listed: [{ name: 'alice' }], trail: await verified(recs), now: NOW });
  assert.deepEqual(w.get('alice'), { state: 'notYetByRun', since: null, days: 0 });
  assert.deepEqual(oldestWait(w), { state: 'notYetByRun', since: null, days: 0, user: 'alice' });
  const empty = waitingSince({ listed: [{ name: 'zed' }], trail: await verified([]), now: NOW });
  assert.equal(empty.get('zed').state, 'notYetByRun');
  assert.deepEqual(oldestWait(waitingSince({ listed: [], trail: await verified(recs), now: NOW })), { state: 'none' });
});
