// Reconciling the audit trail with Jira's audit log: event normalisation (lenient, as the strings
// are not verified), paging, and reconcileRun / reconcileTrail on hand-written events in the shape
// of GET /rest/auditing/1.0/events.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { seal } from '../../plugin-shim/src/runner/chain.mjs';
import { reconcileRun, reconcileTrail, reconcileWindow, outcomeChanges } from '../../plugin-shim/src/runner/reconcile.mjs';
import { normaliseEvent, readAuditEvents } from '../../plugin-shim/src/host/audit.mjs';
import { runCli, worldSandbox, trailRecords, writeTrail } from '../helpers/cli.mjs';

const T0 = Date.parse('2026-11-27T03:00:00Z');
const at = (sec) => new Date(T0 + sec * 1000).toISOString();

// --- Jira audit events, as the REST resource answers ----------------------------------------
const author = (name, key = `JIRAUSER-${name}`) => ({ id: key, name, type: 'user', uri: `https://jira.test/secure/ViewProfile.jspa?name=${name}`, avatarUri: '' });
const userObj = (name, key = `key-${name}`) => ({ id: key, name, type: 'USER', uri: `https://jira.test/secure/ViewProfile.jspa?name=${name}` });
const groupObj = (name) => ({ id: name, name, type: 'GROUP', uri: '' });
function entity(kind, { sec, by = 'admin', user, group }) {
  const actions = {
    deactivated: 'User deactivated', reactivated: 'User reactivated', groupRemoved: 'User removed from group',
    groupAdded: 'User added to group', created: 'User created', renamed: 'User renamed',
  };
  const changes = kind === 'deactivated' ? [{ key: 'active', i18nKey: 'common.words.active', from: 'true', to: 'false' }]
    : kind === 'reactivated' ? [{ key: 'active', i18nKey: 'common.words.active', from: 'false', to: 'true' }] : [];
  return {
    timestamp: at(sec),
    author: author(by),
    type: { category: 'user management', categoryI18nKey: 'jira.auditing.category.usermanagement', action: actions[kind], actionI18nKey: `jira.auditing.user.${kind}` },
    affectedObjects: [userObj(user), ...(group ? [groupObj(group)] : [])],
    changedValues: changes,
    extraAttributes: [],
    method: 'Rest API',
  };
}
const ev = (kind, o) => normaliseEvent(entity(kind, o));

// --- trails ------------------------------------------------------------------------------------
async function trail(build) {
  const recs = [];
  const add = async (sec, f) => recs.push(await seal({ at: at(sec), ...f }, recs.at(-1) ?? null));
  await build(add);
  return recs;
}
const who = (jiraUser = 'admin') => ({ actor: jiraUser, jiraUser, operator: 'ops' });

/** run-1 by admin from 0 s to 10 s: deactivates bob, removes dave from jira-core-users and jira-software-users. */
async function runTrail({ tamper } = {}) {
  return trail(async (add) => {
    await add(0, { type: 'runStarted', runId: 'run-1', who: who() });
    await add(1, { type: 'planned', runId: 'run-1', items: [
      { i: 1, user: 'bob', key: 'key-bob', action: 'deactivate', rule: 'r', reasons: [] },
      { i: 2, user: 'dave', action: 'removeFromGroups', groups: ['jira-core-users', 'jira-software-users'], rule: 'r', reasons: [] },
      { i: 3, user: 'erin', action: 'deactivate', rule: 'r', reasons: [] },
    ] });
    await add(2, { type: 'intent', runId: 'run-1', item: 1, user: 'bob', action: 'deactivate' });
    await add(3, { type: 'outcome', runId: 'run-1', item: 1, user: 'bob', action: 'deactivate', status: 'done', effects: { deactivated: true } });
    await add(4, { type: 'intent', runId: 'run-1', item: 2, user: 'dave', action: 'removeFromGroups', groups: ['jira-core-users', 'jira-software-users'] });
    await add(5, { type: 'outcome', runId: 'run-1', item: 2, user: 'dave', action: 'removeFromGroups', status: 'done', effects: { groupsRemoved: tamper?.daveGroups ?? ['jira-core-users', 'jira-software-users'] } });
    await add(6, { type: 'outcome', runId: 'run-1', item: 3, user: 'erin', action: 'deactivate', status: 'skipped', reason: 'already inactive' });
    if (tamper?.extra) await tamper.extra(add);
    await add(10, { type: 'runFinished', runId: 'run-1', totals: {} });
  });
}
const runEvents = () => [
  ev('deactivated', { sec: 3, user: 'bob' }),
  ev('groupRemoved', { sec: 5, user: 'dave', group: 'jira-core-users' }),
  ev('groupRemoved', { sec: 5, user: 'dave', group: 'jira-software-users' }),
  // Noise: another admin, and events that are not changes the runner makes.
  ev('deactivated', { sec: 4, by: 'carol', user: 'zed' }),
  ev('created', { sec: 4, user: 'newbie' }),
];

test('normaliseEvent: each kind in the documented shape', () => {
  const d = ev('deactivated', { sec: 3, user: 'bob' });
  assert.equal(d.action, 'deactivated');
  assert.equal(d.user, 'bob');
  assert.deepEqual(d.userIds, ['bob', 'key-bob']);
  assert.equal(d.author, 'admin');
  assert.deepEqual(d.authorIds, ['admin', 'jirauser-admin']);
  assert.equal(d.at, at(3));
  assert.equal(d.raw.type.action, 'User deactivated');
  assert.equal(ev('reactivated', { sec: 1, user: 'bob' }).action, 'reactivated');
  const g = ev('groupRemoved', { sec: 1, user: 'dave', group: 'jira-core-users' });
  assert.deepEqual([g.action, g.group], ['groupRemoved', 'jira-core-users']);
  assert.deepEqual([ev('groupAdded', { sec: 1, user: 'd', group: 'g' }).action, ev('groupAdded', { sec: 1, user: 'd', group: 'g' }).group], ['groupAdded', 'g']);
  assert.equal(ev('created', { sec: 1, user: 'n' }).action, 'created');
  assert.equal(ev('renamed', { sec: 1, user: 'n' }).action, 'renamed');
});

test('normaliseEvent: lenient about the unverified strings', () => {
  const base = entity('deactivated', { sec: 0, user: 'bob' });
  // "User updated" with an Active → Inactive change.
  const updated = { ...base, type: { category: 'User Management', action: 'User updated' }, changedValues: [{ key: 'Active', from: 'Active', to: 'Inactive' }] };
  assert.equal(normaliseEvent(updated).action, 'deactivated');
  const back = { ...updated, changedValues: [{ i18nKey: 'common.words.active', from: 'No', to: 'Yes' }] };
  assert.equal(normaliseEvent(back).action, 'reactivated');
  // An action naming deactivation, no changed values.
  assert.equal(normaliseEvent({ ...base, type: { category: 'user management', action: 'User Deactivated' }, changedValues: [] }).action, 'deactivated');
  // Group management category, group named by its object.
  const gm = normaliseEvent({ ...base, type: { category: 'group management', action: 'User removed from group' }, affectedObjects: [userObj('dave'), groupObj('G1')], changedValues: [] });
  assert.deepEqual([gm.action, gm.group], ['groupRemoved', 'G1']);
  // Not user or group management: other. No affected user: other.
  assert.equal(normaliseEvent({ ...base, type: { category: 'permissions', action: 'User deactivated' } }).action, 'other');
  assert.equal(normaliseEvent({ ...base, affectedObjects: [groupObj('g')] }).action, 'other');
  // Jira's own time format; garbage never throws.
  assert.equal(normaliseEvent({ ...base, timestamp: '2026-11-27T13:00:00+1000' }).at, '2026-11-27T03:00:00.000Z');
  for (const junk of [null, 1, 'x', {}, { timestamp: 'no', author: 5, type: [], affectedObjects: 'x', changedValues: {} }]) {
    const n = normaliseEvent(junk);
    assert.equal(n.action, 'other');
  }
});

test('reconcileRun: a run whose changes all appear in Jira\'s audit log is consistent', async () => {
  const recs = await runTrail();
  const r = reconcileRun(recs, 'run-1', runEvents());
  assert.equal(r.ok, true, JSON.stringify({ forged: r.forged, removed: r.removed }));
  assert.equal(r.matched.length, 3);
  assert.deepEqual(r.forged, []);
  assert.deepEqual(r.removed, []);
  assert.deepEqual(r.window, { from: at(-120), to: at(130) });
  assert.deepEqual(r.authors, ['admin']);
  assert.deepEqual(r.matched.map((m) => [m.user, m.change.action, m.change.group ?? null]).sort(), [
    ['bob', 'deactivated', null], ['dave', 'groupRemoved', 'jira-core-users'], ['dave', 'groupRemoved', 'jira-software-users'],
  ]);
  // The user may be named by key only (the plan recorded it); the author by display name with
  // the username in its profile URI.
  const bob = entity('deactivated', { sec: 3, user: 'bob' });
  bob.affectedObjects = [{ id: 'key-bob', name: 'Bob Builder', type: 'USER' }];
  bob.author = { ...bob.author, name: 'Administrator' };
  const byKey = [normaliseEvent(bob), ...runEvents().filter((e) => e.user !== 'bob')];
  assert.equal(reconcileRun(recs, 'run-1', byKey).ok, true);
  bob.author = { id: 'JIRAUSER-admin', name: 'Administrator', type: 'user' };
  assert.deepEqual(reconcileRun(recs, 'run-1', [normaliseEvent(bob), ...byKey.slice(1)]).forged.map((f) => f.user), ['bob']);
  assert.throws(() => reconcileRun(recs, 'run-9', []), /no run "run-9"/);
});

test('reconcileRun: an outcome Jira did not record is forged; a change Jira recorded without an outcome is removed', async () => {
  // Forged: an outcome added for erin (and the chain re-sealed).
  const forgedTrail = await runTrail({ tamper: { extra: (add) => add(7, { type: 'outcome', runId: 'run-1', item: 3, user: 'erin', action: 'deactivate', status: 'done', effects: { deactivated: true } }) } });
  const f = reconcileRun(forgedTrail, 'run-1', runEvents());
  assert.equal(f.ok, false);
  assert.deepEqual(f.forged.map((x) => [x.user, x.change.action, x.record.seq]), [['erin', 'deactivated', 8]]);
  assert.deepEqual(f.removed, []);
  // Removed: Jira shows admin deactivating frank during the run; the trail says nothing of it.
  const recs = await runTrail();
  const r = reconcileRun(recs, 'run-1', [...runEvents(), ev('deactivated', { sec: 8, user: 'frank' })]);
  assert.equal(r.ok, false);
  assert.deepEqual(r.forged, []);
  assert.deepEqual(r.removed.map((x) => [x.user, x.change.action, x.event.at]), [['frank', 'deactivated', at(8)]]);
});

test('reconcileRun: the author must be the run\'s Jira account and the time inside the run (± 2 minutes)', async () => {
  const recs = await runTrail();
  const others = runEvents().filter((e) => e.user !== 'bob');
  // Someone else deactivated bob: the trail's claim is forged, and carol's event is not the run's.
  const carol = reconcileRun(recs, 'run-1', [...others, ev('deactivated', { sec: 3, by: 'carol', user: 'bob' })]);
  assert.deepEqual(carol.forged.map((x) => x.user), ['bob']);
  assert.deepEqual(carol.removed, []);
  // Within the slack after runFinished (10 s + 120 s) it matches; just beyond it, it does not.
  assert.equal(reconcileRun(recs, 'run-1', [...others, ev('deactivated', { sec: 130, user: 'bob' })]).ok, true);
  const late = reconcileRun(recs, 'run-1', [...others, ev('deactivated', { sec: 131, user: 'bob' })]);
  assert.deepEqual(late.forged.map((x) => x.user), ['bob']);
  assert.deepEqual(late.removed, [], 'an event outside the window is not the run\'s');
  // Before runStarted − 2 min: not the run's either.
  assert.equal(reconcileRun(recs, 'run-1', [...others, ev('deactivated', { sec: -121, user: 'bob' })]).forged.length, 1);
  // An explicit jiraUser overrides who.jiraUser.
  assert.equal(reconcileRun(recs, 'run-1', runEvents(), { jiraUser: 'carol' }).ok, false);
});

test('reconcileRun: a trail rewritten to name a foreign group is flagged both ways', async () => {
  const recs = await runTrail({ tamper: { daveGroups: ['jira-core-users', 'finance-approvers'] } });
  const r = reconcileRun(recs, 'run-1', runEvents());
  assert.equal(r.ok, false);
  assert.deepEqual(r.forged.map((x) => [x.user, x.change]), [['dave', { action: 'groupRemoved', group: 'finance-approvers' }]]);
  assert.deepEqual(r.removed.map((x) => [x.user, x.change]), [['dave', { action: 'groupRemoved', group: 'jira-software-users' }]]);
});

test('reconcileRun: one event backs one change — a change claimed twice needs two events', async () => {
  const recs = await runTrail({ tamper: { extra: (add) => add(7, { type: 'outcome', runId: 'run-1', item: 1, user: 'bob', action: 'deactivate', status: 'done', effects: { deactivated: true } }) } });
  const r = reconcileRun(recs, 'run-1', runEvents());
  assert.equal(r.forged.length, 1);
  assert.equal(r.matched.length, 3);
  // Group names compare case-insensitively, user names too.
  const upper = runEvents().map((e) => (e.group ? { ...e, group: e.group.toUpperCase() } : e));
  assert.equal(reconcileRun(await runTrail(), 'run-1', upper).ok, true);
});

test('reconcileRun: one change Jira logs twice (two spellings, same second) is one event', async () => {
  const recs = await runTrail();
  const updated = entity('deactivated', { sec: 3, user: 'bob' });
  updated.type = { category: 'user management', action: 'User updated' };
  updated.timestamp = new Date(T0 + 3400).toISOString();
  const r = reconcileRun(recs, 'run-1', [...runEvents(), normaliseEvent(updated)]);
  assert.equal(r.ok, true, JSON.stringify(r.removed));
  // Three seconds apart they are two changes: the second is not the trail's.
  updated.timestamp = at(6);
  assert.deepEqual(reconcileRun(recs, 'run-1', [...runEvents(), normaliseEvent(updated)]).removed.map((x) => x.user), ['bob']);
});

test('reconcileRun: a failed outcome that removed some groups first claims those; skipped outcomes claim nothing', () => {
  assert.deepEqual(outcomeChanges({ type: 'outcome', status: 'failed', effects: { groupsRemoved: ['a'] } }, null, { undo: false }), [{ action: 'groupRemoved', group: 'a' }]);
  assert.deepEqual(outcomeChanges({ type: 'outcome', status: 'skipped', effects: { deactivated: true } }, null, { undo: false }), []);
  assert.deepEqual(outcomeChanges({ type: 'outcome', status: 'done', effects: { deactivated: 'yes', groupsRemoved: [1, 'b'] } }, null, { undo: false }), [{ action: 'groupRemoved', group: 'b' }]);
});

test('reconcileRun: undo runs claim what their intent set out to restore, not what was already in place', async () => {
  const recs = await trail(async (add) => {
    await add(0, { type: 'undoStarted', runId: 'undo-1', undoOf: 'run-1', who: who('carol') });
    await add(1, { type: 'planned', runId: 'undo-1', items: [{ i: 1, user: 'bob', action: 'undo', reactivate: true, groups: ['g1', 'g2'] }, { i: 2, user: 'dave', action: 'undo', reactivate: false, groups: ['g3'] }] });
    // bob was still in g1: the undo only adds g2 (effects list both).
    await add(2, { type: 'intent', runId: 'undo-1', item: 1, user: 'bob', action: 'reactivate+addToGroups', reactivate: true, groups: ['g2'] });
    await add(3, { type: 'outcome', runId: 'undo-1', item: 1, user: 'bob', action: 'undo', status: 'done', effects: { reactivated: true, groupsAdded: ['g1', 'g2'] } });
    // dave was already back in g3: skipped, claims nothing.
    await add(4, { type: 'outcome', runId: 'undo-1', item: 2, user: 'dave', action: 'undo', status: 'skipped', effects: { reactivated: false, groupsAdded: ['g3'] } });
    await add(5, { type: 'undoFinished', runId: 'undo-1', totals: {} });
  });
  const events = [ev('reactivated', { sec: 2, by: 'carol', user: 'bob' }), ev('groupAdded', { sec: 3, by: 'carol', user: 'bob', group: 'g2' })];
  const r = reconcileRun(recs, 'undo-1', events);
  assert.equal(r.ok, true, JSON.stringify(r.forged));
  assert.equal(r.kind, 'undo');
  assert.deepEqual(r.matched.map((m) => m.change.action).sort(), ['groupAdded', 'reactivated']);
  // Without the group event the addition is forged.
  assert.deepEqual(reconcileRun(recs, 'undo-1', events.slice(0, 1)).forged.map((f) => f.change), [{ action: 'groupAdded', group: 'g2' }]);
});

test('reconcileRun: a user renamed since is still matched by the key the plan recorded (undo runs too)', async () => {
  const recs = await trail(async (add) => {
    await add(0, { type: 'runStarted', runId: 'run-r', who: who() });
    await add(1, { type: 'planned', runId: 'run-r', items: [{ i: 1, user: 'bob', key: 'JIRAUSER10100', action: 'deactivate' }] });
    await add(2, { type: 'outcome', runId: 'run-r', item: 1, user: 'bob', action: 'deactivate', status: 'done', effects: { deactivated: true } });
    await add(3, { type: 'runFinished', runId: 'run-r', totals: {} });
    await add(600, { type: 'undoStarted', runId: 'undo-r', undoOf: 'run-r', who: who() });
    await add(601, { type: 'planned', runId: 'undo-r', items: [{ i: 1, user: 'bob', action: 'undo', reactivate: true, groups: [] }] });
    await add(602, { type: 'intent', runId: 'undo-r', item: 1, user: 'bob', action: 'reactivate', reactivate: true, groups: [] });
    await add(603, { type: 'outcome', runId: 'undo-r', item: 1, user: 'bob', action: 'undo', status: 'done', effects: { reactivated: true, groupsAdded: [] } });
    await add(604, { type: 'undoFinished', runId: 'undo-r', totals: {} });
  });
  // Jira names the account by its new name; its id is the key.
  const renamed = (kind, sec) => {
    const e = entity(kind, { sec, user: 'robert' });
    e.affectedObjects = [userObj('robert', 'JIRAUSER10100')];
    return normaliseEvent(e);
  };
  assert.equal(reconcileRun(recs, 'run-r', [renamed('deactivated', 2)]).ok, true);
  assert.equal(reconcileRun(recs, 'undo-r', [renamed('deactivated', 2), renamed('reactivated', 602)]).ok, true);
  assert.equal(reconcileTrail(recs, [renamed('deactivated', 2), renamed('reactivated', 602)], { to: at(700) }).ok, true);
});

test('reconcileRun: a resumed run is matched per segment with the account that ran each; an intent without an outcome is interrupted, not removed', async () => {
  const recs = await trail(async (add) => {
    await add(0, { type: 'runStarted', runId: 'run-2', who: who('admin') });
    await add(1, { type: 'planned', runId: 'run-2', items: [{ i: 1, user: 'bob', action: 'deactivate' }, { i: 2, user: 'dave', action: 'deactivate' }, { i: 3, user: 'erin', action: 'deactivate' }] });
    await add(2, { type: 'intent', runId: 'run-2', item: 1, user: 'bob', action: 'deactivate' });
    await add(3, { type: 'outcome', runId: 'run-2', item: 1, user: 'bob', action: 'deactivate', status: 'done', effects: { deactivated: true } });
    await add(4, { type: 'intent', runId: 'run-2', item: 2, user: 'dave', action: 'deactivate' });
    // The process dies here; a day later carol resumes it: dave is found deactivated (resumed), erin is done.
    await add(86_400, { type: 'runResumed', runId: 'run-2', who: { jiraUser: 'carol' }, pending: 1, remaining: 2 });
    await add(86_401, { type: 'outcome', runId: 'run-2', item: 2, user: 'dave', action: 'deactivate', status: 'done', effects: { deactivated: true }, resumed: true });
    await add(86_402, { type: 'intent', runId: 'run-2', item: 3, user: 'erin', action: 'deactivate' });
    await add(86_403, { type: 'outcome', runId: 'run-2', item: 3, user: 'erin', action: 'deactivate', status: 'done', effects: { deactivated: true } });
    await add(86_404, { type: 'runFinished', runId: 'run-2', totals: {} });
  });
  const events = [
    ev('deactivated', { sec: 3, user: 'bob' }),
    ev('deactivated', { sec: 4, user: 'dave' }), // sent before the crash, by admin
    ev('deactivated', { sec: 86_402, by: 'carol', user: 'erin' }),
    ev('deactivated', { sec: 40_000, user: 'unrelated' }), // between the segments: not the run's
  ];
  const r = reconcileRun(recs, 'run-2', events);
  assert.equal(r.ok, true, JSON.stringify({ forged: r.forged, removed: r.removed }));
  assert.deepEqual(r.segments.map((s) => s.author), ['admin', 'carol']);
  assert.deepEqual(r.authors, ['admin', 'carol']);
  // erin's event by admin (the first segment's account) in the second segment does not match,
  // and is not the run's (admin was not running it then).
  const wrong = reconcileRun(recs, 'run-2', [...events.slice(0, 2), ev('deactivated', { sec: 86_402, by: 'admin', user: 'erin' })]);
  assert.deepEqual(wrong.forged.map((f) => f.user), ['erin']);
  assert.deepEqual(wrong.removed, []);
  // Never resumed: dave's intent has no outcome; Jira shows the deactivation → interrupted.
  const cut = recs.slice(0, 5);
  const c = reconcileRun(cut, 'run-2', events);
  assert.equal(c.ok, true);
  assert.deepEqual(c.interrupted.map((x) => [x.user, x.change.action, x.intent.seq]), [['dave', 'deactivated', 5]]);
  assert.deepEqual(c.removed, []);
});

test('reconcileRun: a run that does not say which account ran it cannot be reconciled', async () => {
  const recs = await trail(async (add) => {
    await add(0, { type: 'runStarted', runId: 'run-3', who: { actor: 'x' } });
    await add(1, { type: 'runFinished', runId: 'run-3', totals: {} });
  });
  const r = reconcileRun(recs, 'run-3', []);
  assert.equal(r.ok, false);
  assert.match(r.problems[0], /does not say which Jira account ran it/);
  assert.equal(reconcileRun(recs, 'run-3', [], { jiraUser: 'admin' }).ok, true);
});

test('reconcileTrail: a run deleted whole from the end of the trail leaves Jira events no run covers', async () => {
  const full = await trail(async (add) => {
    await add(0, { type: 'runStarted', runId: 'run-a', who: who() });
    await add(1, { type: 'outcome', runId: 'run-a', item: 1, user: 'bob', action: 'deactivate', status: 'done', effects: { deactivated: true } });
    await add(2, { type: 'runFinished', runId: 'run-a', totals: {} });
    // run-b starts 30 s later (inside run-a's slack) and another an hour later.
    await add(32, { type: 'runStarted', runId: 'run-b', who: who() });
    await add(33, { type: 'outcome', runId: 'run-b', item: 1, user: 'dave', action: 'deactivate', status: 'done', effects: { deactivated: true } });
    await add(34, { type: 'runFinished', runId: 'run-b', totals: {} });
    await add(3600, { type: 'runStarted', runId: 'run-c', who: who() });
    await add(3601, { type: 'outcome', runId: 'run-c', item: 1, user: 'erin', action: 'removeFromGroups', status: 'done', effects: { groupsRemoved: ['g'] } });
    await add(3602, { type: 'runFinished', runId: 'run-c', totals: {} });
  });
  const events = [ev('deactivated', { sec: 1, user: 'bob' }), ev('deactivated', { sec: 33, user: 'dave' }), ev('groupRemoved', { sec: 3601, user: 'erin', group: 'g' })];
  const whole = reconcileTrail(full, events, { to: at(4000) });
  assert.equal(whole.ok, true, JSON.stringify(whole));
  // Neighbouring runs share events' windows without reporting each other's events as removed.
  assert.equal(reconcileRun(full, 'run-a', events).ok, true);
  assert.equal(reconcileRun(full, 'run-b', events).ok, true);
  const cut = full.slice(0, 6);
  const r = reconcileTrail(cut, events, { to: at(4000) });
  assert.equal(r.ok, false);
  assert.deepEqual(r.removed.map((x) => [x.user, x.change]), [['erin', { action: 'groupRemoved', group: 'g' }]]);
  assert.deepEqual(r.runs.map((x) => [x.runId, x.ok]), [['run-a', true], ['run-b', true]]);
  // An unaccounted change between run-a and run-b (inside both slacks) is reported once, by the nearer run.
  const between = reconcileTrail(full, [...events, ev('deactivated', { sec: 30, user: 'zoe' })], { to: at(4000) });
  assert.deepEqual(between.runs.map((x) => [x.runId, x.removed.map((y) => y.user)]), [['run-a', []], ['run-b', ['zoe']], ['run-c', []]]);
  assert.deepEqual(between.removed, []);
  // Changes by other accounts are not the trail's.
  assert.equal(reconcileTrail(cut, [...events.slice(0, 2), ev('groupRemoved', { sec: 3601, by: 'carol', user: 'erin', group: 'g' })], { to: at(4000) }).ok, true);
  assert.deepEqual(reconcileWindow(full, 'run-b'), { from: at(32 - 120), to: at(34 + 120) });
  assert.deepEqual(reconcileWindow(full, undefined, { now: T0 + 5000_000 }), { from: at(-120), to: at(5000) });
});

// --- paging ------------------------------------------------------------------------------------
function fakeHttp(pages) {
  const calls = [];
  return {
    calls,
    async getJson(path, query) {
      calls.push({ path, query });
      const page = typeof pages === 'function' ? pages(query, calls.length) : pages[calls.length - 1];
      if (page instanceof Error) throw page;
      return page;
    },
  };
}

test('readAuditEvents: follows nextPageCursor, sends from/to/limit, returns the events oldest first', async () => {
  const http = fakeHttp([
    { entities: [entity('deactivated', { sec: 9, user: 'b' }), entity('deactivated', { sec: 8, user: 'a' })], pagingInfo: { lastPage: false, nextPageCursor: { cursor: '8000,2' } } },
    { entities: [entity('groupRemoved', { sec: 1, user: 'c', group: 'g' })], pagingInfo: { lastPage: true } },
  ]);
  const out = await readAuditEvents(http, { from: at(0), to: new Date(T0 + 10_000), limit: 2 });
  assert.deepEqual(out.map((e) => [e.user, e.action]), [['c', 'groupRemoved'], ['a', 'deactivated'], ['b', 'deactivated']]);
  assert.equal(http.calls[0].path, '/rest/auditing/1.0/events');
  assert.deepEqual(http.calls[0].query, { from: '2026-11-27T03:00:00.000Z', to: '2026-11-27T03:00:10.000Z', limit: 2 });
  assert.equal(http.calls[1].query.pageCursor, '8000,2');
  // A string cursor works too; `host` objects exposing `http` are accepted.
  const h2 = fakeHttp([{ entities: [entity('created', { sec: 1, user: 'n' })], pagingInfo: { nextPageCursor: 'c1' } }, { entities: [], pagingInfo: {} }]);
  assert.equal((await readAuditEvents({ http: h2 }, { from: at(0), to: at(1) })).length, 1);
  assert.equal(h2.calls[1].query.pageCursor, 'c1');
});

test('readAuditEvents: a bounded number of pages, a clear error when the bound is hit; bad answers are errors', async () => {
  const endless = fakeHttp((q, n) => ({ entities: [entity('created', { sec: n, user: `u${n}` })], pagingInfo: { lastPage: false, nextPageCursor: { cursor: `c${n}` } } }));
  await assert.rejects(readAuditEvents(endless, { from: at(0), to: at(100), maxPages: 3 }), (e) => e.code === 'host.auditTooMany' && /more than 3 pages/.test(e.message) && /shorter period/.test(e.reason));
  assert.equal(endless.calls.length, 3);
  const stuck = fakeHttp(() => ({ entities: [entity('created', { sec: 1, user: 'u' })], pagingInfo: { nextPageCursor: { cursor: 'same' } } }));
  await assert.rejects(readAuditEvents(stuck, { from: at(0), to: at(1) }), /page cursor "same" repeats/);
  const missing = fakeHttp([Object.assign(new Error('GET /rest/auditing/1.0/events: HTTP 404'), { status: 404 })]);
  await assert.rejects(readAuditEvents(missing, { from: at(0), to: at(1) }), (e) => e.code === 'host.auditUnavailable' && /Jira 8\.8/.test(e.reason));
  await assert.rejects(readAuditEvents(fakeHttp([{ records: [] }]), { from: at(0), to: at(1) }), /no "entities" list/);
  await assert.rejects(readAuditEvents(fakeHttp([]), { from: 'yesterday', to: at(1) }), /from is not an instant/);
});

// ---------------------------------------------------------------------------------------------
// End to end: a real run through the CLI against the sandbox Jira, which keeps its own audit log;
// then the trail is tampered with and re-sealed (so the chain verifies) and reconcile must notice.

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const POLICY = join(ROOT, 'tests/fixtures/runner/policy.json');
const { AS_OF } = await import(join(ROOT, 'tests/fixtures/runner/world.mjs'));
const tmp = () => mkdtempSync(join(tmpdir(), 'uc-reconcile-'));
const KEY = 'e2e-audit-key-0123456789abcdef';

/** The CLI with no audit key from this shell (a test names the key it means). */
const cli = (args, { token = '', env = {} } = {}) => runCli(args, { token, env: { USER_CLEANUP_AUDIT_KEY: '', ...env } });


/** Re-seals records from index `from` on, as someone without the key can (hash chain only). */
async function reseal(recs, from) {
  const out = recs.slice(0, from);
  for (const r of recs.slice(from)) {
    const { mac: _m, ...fields } = r;
    out.push(await seal(fields, out.at(-1) ?? null));
  }
  return out;
}

/** The sandbox with the runner fixtures' users, one keyed run of the fixture policy done by admin. */
async function ranSandbox() {
  const sb = await worldSandbox();
  const dir = tmp();
  const audit = join(dir, 'audit.jsonl');
  const r = await cli(['run', '--policy', POLICY, '--jira', sb.url, '--yes', '--audit', audit, '--as-of', AS_OF, '--readonly-fallback', 'skip', '--json'], { token: sb.token, env: { USER_CLEANUP_AUDIT_KEY: KEY } });
  assert.equal(r.code, 0, r.err + r.out);
  return { sb, dir, audit, runId: JSON.parse(r.out).runId };
}

test('e2e: an untouched run reconciles with the sandbox Jira\'s audit log; the trail is 0600 and keyed', async () => {
  const { sb, audit, runId } = await ranSandbox();
  try {
    assert.equal(statSync(audit).mode & 0o777, 0o600);
    const recs = trailRecords(audit);
    assert.ok(recs.every((r) => /^[0-9a-f]{64}$/.test(r.mac)), 'every record carries a mac');
    const outcomes = recs.filter((r) => r.type === 'outcome' && r.status === 'done');
    assert.ok(outcomes.length >= 3, 'the fixture run changes several users');
    const r = await cli(['audit', 'reconcile', '--audit', audit, '--jira', sb.url], { token: sb.token });
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /^CONSISTENT: /);
    assert.match(r.out, new RegExp(`ok +run ${runId} by admin: \\d+ matched, 0 forged, 0 removed`));
    const j = await cli(['audit', 'reconcile', '--audit', audit, '--jira', sb.url, '--run', runId, '--json'], { token: sb.token });
    assert.equal(j.code, 0, j.err);
    const res = JSON.parse(j.out);
    assert.equal(res.ok, true);
    const changes = outcomes.reduce((n, o) => n + (o.effects?.deactivated ? 1 : 0) + (o.effects?.groupsRemoved?.length ?? 0), 0);
    assert.equal(res.runs[0].matched, changes);
    assert.ok(!`${r.out}${r.err}${j.out}${j.err}`.includes(sb.token), 'the token leaked');
    // A keyed trail without its key: reconcile says the MACs were not checked.
    assert.match(r.err, /MACs: NOT checked/);
    // An unknown run is bad input; without a token the command says what is missing.
    assert.equal((await cli(['audit', 'reconcile', '--audit', audit, '--jira', sb.url, '--run', 'run-nope'], { token: sb.token })).code, 2);
    const noToken = await cli(['audit', 'reconcile', '--audit', audit, '--jira', sb.url]);
    assert.equal(noToken.code, 2);
    assert.match(noToken.err, /USER_CLEANUP_TOKEN/);
    // The viewer (not an administrator) may not read the audit log.
    assert.equal((await cli(['audit', 'reconcile', '--audit', audit, '--jira', sb.url], { token: sb.viewerToken })).code, 3);
  } finally {
    await sb.close();
  }
});

test('e2e: a forged outcome (added, chain re-sealed) verifies without the key but reconcile finds it; the key finds it too', async () => {
  const { sb, dir, audit, runId } = await ranSandbox();
  try {
    const recs = trailRecords(audit);
    const finish = recs.findIndex((r) => r.type === 'runFinished');
    const planned = recs.find((r) => r.type === 'planned');
    // Claim a deactivation of a user the run did not change (protected: never actioned).
    const victim = planned.protected[0]?.user ?? 'svc-backup';
    const forgedRec = { ...recs[finish - 1], type: 'outcome', item: 999, user: victim, action: 'deactivate', status: 'done', effects: { deactivated: true } };
    delete forgedRec.reason;
    const tampered = await reseal([...recs.slice(0, finish), forgedRec, ...recs.slice(finish)], finish);
    const path = join(dir, 'forged.jsonl');
    writeTrail(path, tampered);
    assert.equal((await cli(['audit', 'verify', path])).code, 0, 'the re-sealed chain verifies');
    const keyed = await cli(['audit', 'verify', path], { env: { USER_CLEANUP_AUDIT_KEY: KEY } });
    assert.equal(keyed.code, 1);
    assert.match(keyed.out, new RegExp(`line ${finish + 1} .*has no MAC`));
    const r = await cli(['audit', 'reconcile', '--audit', path, '--jira', sb.url], { token: sb.token });
    assert.equal(r.code, 1, r.out + r.err);
    assert.match(r.out, /^MISMATCH: /);
    assert.match(r.out, new RegExp(`forged: +${victim} deactivated — the trail says so \\(line ${finish + 1},`));
    const j = JSON.parse((await cli(['audit', 'reconcile', '--audit', path, '--jira', sb.url, '--run', runId, '--json'], { token: sb.token })).out);
    assert.equal(j.ok, false);
    assert.deepEqual(j.runs[0].forged.map((f) => [f.user, f.change.action, f.record.seq]), [[victim, 'deactivated', finish + 1]]);
    assert.deepEqual(j.runs[0].removed, []);
  } finally {
    await sb.close();
  }
});

test('e2e: a second run removed whole from the end of the trail is caught by reconcile (Jira shows its group removals)', async () => {
  const sb = await worldSandbox();
  try {
    const dir = tmp();
    const audit = join(dir, 'audit.jsonl');
    // Run 1 only deactivates contractors; run 2 (the whole policy) then removes licence groups.
    const policy = JSON.parse(readFileSync(POLICY, 'utf8'));
    policy.rules = policy.rules.filter((r) => r.id === 'contractors-90d');
    delete policy.schedules;
    const first = join(dir, 'contractors-only.json');
    writeFileSync(first, JSON.stringify(policy));
    const run = (p) => cli(['run', '--policy', p, '--jira', sb.url, '--yes', '--audit', audit, '--as-of', AS_OF, '--readonly-fallback', 'skip', '--json'], { token: sb.token });
    const r1 = await run(first);
    assert.equal(r1.code, 0, r1.err);
    const afterFirst = trailRecords(audit).length;
    const r2 = await run(POLICY);
    assert.equal(r2.code, 0, r2.err);
    const recs = trailRecords(audit);
    const removedGroups = recs.slice(afterFirst).filter((r) => r.type === 'outcome' && r.status === 'done').flatMap((r) => (r.effects?.groupsRemoved ?? []).map((g) => `${r.user} ${g}`));
    assert.ok(removedGroups.length >= 1, 'run 2 removes licence groups');
    assert.equal((await cli(['audit', 'reconcile', '--audit', audit, '--jira', sb.url], { token: sb.token })).code, 0);
    writeTrail(audit, recs.slice(0, afterFirst));
    assert.equal((await cli(['audit', 'verify', audit])).code, 0, 'whole runs cut off the end leave a chain that verifies');
    const r = await cli(['audit', 'reconcile', '--audit', audit, '--jira', sb.url, '--json'], { token: sb.token });
    assert.equal(r.code, 1, r.out + r.err);
    const res = JSON.parse(r.out);
    const removed = [...res.removed, ...res.runs.flatMap((x) => x.removed)].map((x) => `${x.user} ${x.change.group}`);
    assert.deepEqual(removed.sort(), removedGroups.sort());
    assert.ok(res.runs.every((x) => x.forged.length === 0));
    // The readable report names them.
    const text = await cli(['audit', 'reconcile', '--audit', audit, '--jira', sb.url], { token: sb.token });
    assert.match(text.out, /removed: \S+ groupRemoved \S+ — Jira recorded it at \S+ by admin/);
  } finally {
    await sb.close();
  }
});

test('e2e: an undo run removed whole from the end of the trail is caught by reconcile (Jira shows its reactivations)', async () => {
  const { sb, audit, runId } = await ranSandbox();
  try {
    const before = trailRecords(audit).length;
    const u = await cli(['undo', '--run', runId, '--jira', sb.url, '--audit', audit, '--yes', '--json'], { token: sb.token, env: { USER_CLEANUP_AUDIT_KEY: KEY } });
    assert.equal(u.code, 0, u.err + u.out);
    assert.equal((await cli(['audit', 'reconcile', '--audit', audit, '--jira', sb.url], { token: sb.token })).code, 0);
    const recs = trailRecords(audit);
    const reactivated = recs.filter((r) => r.type === 'outcome' && r.runId.startsWith('undo-') && r.effects?.reactivated && r.status === 'done').map((r) => r.user);
    assert.ok(reactivated.length >= 1);
    // Cut the whole undo run off the end: the chain still verifies (nothing after it to link to).
    writeTrail(audit, recs.slice(0, before));
    assert.equal((await cli(['audit', 'verify', audit], { env: { USER_CLEANUP_AUDIT_KEY: KEY } })).code, 0);
    const r = await cli(['audit', 'reconcile', '--audit', audit, '--jira', sb.url, '--json'], { token: sb.token });
    assert.equal(r.code, 1, r.out + r.err);
    const res = JSON.parse(r.out);
    assert.equal(res.ok, false);
    const removed = [...res.removed, ...res.runs.flatMap((x) => x.removed)];
    for (const user of reactivated) {
      assert.ok(removed.some((x) => x.user === user && x.change.action === 'reactivated' && x.event.author === 'admin'), `${user}'s reactivation is reported as removed`);
    }
    assert.ok(res.runs.every((x) => x.forged.length === 0));
  } finally {
    await sb.close();
  }
});

test('e2e: a trail rewritten to name a foreign group (re-sealed) is flagged', async () => {
  const { sb, dir, audit, runId } = await ranSandbox();
  try {
    const recs = trailRecords(audit);
    const k = recs.findIndex((r) => r.type === 'outcome' && r.status === 'done' && r.effects?.groupsRemoved?.length);
    assert.ok(k > 0, 'the fixture run removes a group');
    const original = recs[k].effects.groupsRemoved[0];
    const rewritten = recs.map((r, n) => (n === k ? { ...r, effects: { ...r.effects, groupsRemoved: ['finance-approvers', ...r.effects.groupsRemoved.slice(1)] } } : r));
    const path = join(dir, 'rewritten.jsonl');
    writeTrail(path, await reseal(rewritten, k));
    assert.equal((await cli(['audit', 'verify', path])).code, 0);
    const r = await cli(['audit', 'reconcile', '--audit', path, '--jira', sb.url, '--run', runId], { token: sb.token });
    assert.equal(r.code, 1, r.out + r.err);
    assert.match(r.out, new RegExp(`forged: +${recs[k].user} groupRemoved finance-approvers`));
    assert.match(r.out, new RegExp(`removed: ${recs[k].user} groupRemoved ${original} — Jira recorded it at \\S+ by admin during the run`));
  } finally {
    await sb.close();
  }
});

test('e2e: host.auditEvents reads the sandbox\'s log through the adapter, in pages', async () => {
  const sb = await worldSandbox();
  try {
    const { createJiraHost } = await import(join(ROOT, 'plugin-shim/src/host/index.mjs'));
    const host = createJiraHost({ baseUrl: sb.url, token: sb.token });
    const from = new Date(Date.now() - 1000).toISOString();
    const users = sb.state.snapshotTruth().users.filter((u) => u.active && u.name !== 'admin').slice(0, 5).map((u) => u.name);
    assert.equal(users.length, 5);
    for (const name of users) sb.state.setActive(name, false, 'admin');
    const to = new Date(Date.now() + 1000).toISOString();
    const events = await host.auditEvents({ from, to, limit: 2 });
    const mine = events.filter((e) => e.action === 'deactivated' && e.author === 'admin');
    assert.deepEqual(mine.map((e) => e.user), users, 'all five, oldest first, across three pages');
    assert.equal(host.stats().byEndpoint['GET /rest/auditing/1.0/events'], 3);
    await assert.rejects(host.auditEvents({ from, to, limit: 2, maxPages: 2 }), (e) => e.code === 'host.auditTooMany');
  } finally {
    await sb.close();
  }
});
