// planBulk and decide for bulk items (docs/engine-api.md "planBulk"), through the WebAssembly build.
// Expectations are worked out by hand from the policy below and docs/matching.md (M7 protection,
// M13 project leads); the sample checks compare planBulk with query and plan over the same inputs.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { engine, AS_OF, ago, user, policy, rule, ok, failed, assertHasProblem } from '../golden/helpers.mjs';

const P = policy([rule('idle-90d', { inactiveDays: 90 })], {
  protect: { groups: ['jira-administrators'], users: ['root'] },
  serviceAccounts: [
    { user: 'svc-ci', owner: 'ops@acme.com', expires: '2027-06-30' },
    { user: 'svc-old', owner: 'ops@acme.com', expires: '2026-01-01' },
  ],
  exceptions: [
    { user: 'kept', reason: 'parental leave', by: 'boss', until: '2027-03-01' },
    { user: 'was-kept', reason: 'project ended', by: 'boss', until: '2026-11-01' },
  ],
  limits: { maxActionsPerRun: 4 },
});

const USERS = [
  user('ann', { key: 'K1', groups: ['staff', 'jira-software-users'] }),
  user('bob', { key: 'K2', active: false, groups: ['staff'] }),
  user('carl', { groups: ['Jira-Administrators'] }),
  user('root', { groups: ['staff'] }),
  user('svc-ci'),
  user('svc-old'),
  user('kept', { groups: ['staff'] }),
  user('was-kept', { groups: ['staff'] }),
  user('me', { groups: ['staff'] }),
  user('lead', { groups: ['staff'], leads: { projects: [{ key: 'OPS' }, { key: 'ABC' }] } }),
];
const S = { capturedAt: AS_OF, users: USERS, applicationRoles: [] };
const ALL = [...USERS.map((u) => u.name), 'ghost'];

function bulk(operation, users = ALL, o = {}, p = P, s = S) {
  return ok(engine.planBulk(p, s, { asOf: AS_OF, actor: 'me', users, operation, ...o }));
}
const names = (list) => list.map((x) => x.user);

describe('planBulk: destructive operations leave protected users out, with the reason', () => {
  test('deactivate: actor, protect.users/groups, unexpired service accounts and exceptions are protected', () => {
    const v = bulk({ type: 'deactivate' });
    assert.deepEqual(
      v.protected.map((p) => [p.user, p.code]),
      [['carl', 'protect.group'], ['kept', 'protect.exception'], ['me', 'protect.actor'], ['root', 'protect.user'], ['svc-ci', 'protect.serviceAccount']],
    );
    assert.equal(v.protected[0].reason, 'member of protected group Jira-Administrators');
    assert.equal(v.protected[1].reason, 'kept by boss until 2027-03-01: parental leave');
    // Expired service account and expired exception protect no more.
    assert.deepEqual(names(v.actions), ['ann', 'lead', 'svc-old', 'was-kept']);
    assert.deepEqual(v.unchanged, [{ user: 'bob', reason: 'already inactive' }]);
    assert.deepEqual(v.unknown, ['ghost']);
    const ann = v.actions[0];
    assert.deepEqual(
      { user: ann.user, key: ann.key, action: ann.action, rule: ann.rule, groups: ann.groups, status: ann.status },
      { user: 'ann', key: 'K1', action: 'deactivate', rule: 'bulk', groups: undefined, status: undefined },
    );
    assert.equal(ann.displayName, 'User ann');
    assert.deepEqual(ann.reasons, ['chosen for a bulk deactivation']);
  });

  test('a project lead\'s deactivation is blocked as in a plan, or handed over', () => {
    let v = bulk({ type: 'deactivate' }, ['lead']);
    assert.equal(v.actions[0].status, 'blocked');
    assert.equal(v.actions[0].blockedCode, 'blocked.projectLead');
    assert.equal(v.actions[0].blockedReason, 'lead of projects ABC, OPS: Jira refuses to deactivate a project lead');
    assert.deepEqual([v.counts.blocked, v.counts.executable], [1, 0]);
    v = bulk({ type: 'deactivate' }, ['lead', 'ann'], {}, { ...P, handover: { projectLead: 'ann' } });
    assert.deepEqual(v.protected.map((p) => [p.user, p.code]), [['ann', 'protect.handover']]);
    assert.deepEqual(v.actions[0].handover, { projectLead: 'ann', projects: ['ABC', 'OPS'] });
    assert.equal(v.actions[0].status, undefined);
    assert.equal(v.counts.blocked, undefined, 'absent when 0');
  });

  test('removeFromGroups: only groups the user is in, protected users left out', () => {
    const v = bulk({ type: 'removeFromGroups', groups: ['STAFF', 'jira-software-users', 'nope'] });
    assert.deepEqual(v.operation, { type: 'removeFromGroups', groups: ['STAFF', 'jira-software-users', 'nope'] });
    assert.deepEqual(v.actions.map((a) => [a.user, a.groups]), [
      ['ann', ['STAFF', 'jira-software-users']],
      ['bob', ['STAFF']], // an inactive user's memberships may be removed too
      ['lead', ['STAFF']],
      ['was-kept', ['STAFF']],
    ]);
    assert.deepEqual(names(v.protected), ['kept', 'me', 'root']);
    assert.deepEqual(v.unchanged.map((u) => [u.user, u.reason]), [
      ['carl', 'not a member of STAFF, jira-software-users, nope'],
      ['svc-ci', 'not a member of STAFF, jira-software-users, nope'],
      ['svc-old', 'not a member of STAFF, jira-software-users, nope'],
    ]);
  });
});

describe('planBulk: non-destructive operations and what changes nothing', () => {
  test('reactivate lists only inactive users; protection does not matter', () => {
    const v = bulk({ type: 'reactivate' });
    assert.deepEqual(names(v.actions), ['bob']);
    assert.deepEqual(v.protected, []);
    assert.equal(v.unchanged.length, 9);
    assert.ok(v.unchanged.every((u) => u.reason === 'already active'));
  });

  test('addToGroups lists only groups the user is not in (case-insensitively), protected users included', () => {
    const v = bulk({ type: 'addToGroups', groups: ['Staff', 'jira-core-users'] }, ['ann', 'root', 'svc-ci', 'bob']);
    assert.deepEqual(v.actions.map((a) => [a.user, a.groups]), [
      ['ann', ['jira-core-users']],
      ['bob', ['jira-core-users']],
      ['root', ['jira-core-users']],
      ['svc-ci', ['Staff', 'jira-core-users']],
    ]);
    const w = bulk({ type: 'addToGroups', groups: ['STAFF'] }, ['ann']);
    assert.deepEqual(w.unchanged, [{ user: 'ann', reason: 'already a member of STAFF' }]);
    assert.deepEqual(w.actions, []);
  });

  test('names are case-insensitive, trimmed and counted once; unknown names kept as given', () => {
    const v = bulk({ type: 'deactivate' }, ['ANN', ' ann ', 'Ghost', 'ghost']);
    assert.deepEqual(names(v.actions), ['ann']);
    assert.deepEqual(v.unknown, ['Ghost']);
    assert.equal(v.counts.requested, 2);
  });
});

describe('planBulk: the limit', () => {
  test('maxActionsPerRun applies to executable actions (blocked ones excluded)', () => {
    let v = bulk({ type: 'deactivate' });
    assert.deepEqual(v.counts, { requested: 11, actions: 4, executable: 3, blocked: 1, protected: 5, unchanged: 1, unknown: 1 });
    assert.deepEqual(v.limit, { maxActionsPerRun: 4, maxSnapshotAgeMinutes: 60 });
    assert.equal(v.overLimit, false);
    v = bulk({ type: 'addToGroups', groups: ['new'] });
    assert.equal(v.counts.executable, 10);
    assert.equal(v.overLimit, true);
    v = bulk({ type: 'addToGroups', groups: ['new'] }, ALL, {}, { ...P, limits: {} });
    assert.equal(v.limit.maxActionsPerRun, null);
    assert.equal(v.overLimit, false);
  });
});

describe('planBulk: bad input', () => {
  test('option problems come with codes and paths, all at once', () => {
    const e = failed(engine.planBulk(P, S, { asOf: AS_OF, users: [], operation: { type: 'addToGroups', groups: ['ok', ''] } }));
    assert.deepEqual(e.map((x) => [x.code, x.path, x.source]), [
      ['options.invalid', 'users', 'options'],
      ['options.invalid', 'operation.groups[1]', 'options'],
    ]);
    const f = failed(engine.planBulk(P, S, { asOf: 'now', users: ['a'], operation: { type: 'purge' } }));
    assert.deepEqual(f.map((x) => [x.code, x.path]), [['options.invalidTimestamp', 'asOf'], ['options.invalid', 'operation.type']]);
    const g = failed(engine.planBulk(P, S, { asOf: AS_OF, users: ['a'], operation: { type: 'reactivate', groups: ['x'] } }));
    assert.deepEqual(g.map((x) => [x.code, x.path]), [['options.invalid', 'operation.groups']]);
    const h = failed(engine.planBulk(P, S, { asOf: AS_OF, users: ['a'] }));
    assert.deepEqual(h.map((x) => [x.code, x.path]), [['options.missing', 'operation']]);
    // Policy problems too; a rule may not be called "bulk".
    const i = failed(engine.planBulk(policy([rule('BULK')]), S, { asOf: AS_OF, users: ['a'], operation: { type: 'deactivate' } }));
    assertHasProblem(i, 'policy.reservedRuleId', 'rules[0].id');
    assert.throws(() => engine.planBulk(P, S, 42), { name: 'UserCleanupError', code: 'argument.invalid' });
  });

  test('JSON text and objects give the same answer', () => {
    const o = { asOf: AS_OF, users: ALL, operation: { type: 'deactivate' } };
    assert.deepEqual(engine.planBulk(JSON.stringify(P), JSON.stringify(S), JSON.stringify(o)), engine.planBulk(P, S, o));
  });

  test('a scoped snapshot warns about an operation group whose members it did not read', () => {
    const r = engine.planBulk(P, { ...S, completeGroups: ['staff'] }, {
      asOf: AS_OF, users: ['ann'], operation: { type: 'removeFromGroups', groups: ['staff', 'jira-software-users'] },
    });
    assert.equal(r.type, 'success');
    assert.deepEqual(r.warnings.filter((w) => w.code === 'options.groupNotRead').map((w) => w.path), ['operation.groups[1]']);
  });
});

describe('decide for bulk items', () => {
  const OPTS = { asOf: AS_OF, actor: 'me' };
  const decided = (u, planned, o = OPTS) => ok(engine.decide(P, { user: u, planned }, o));
  const ANN = USERS[0];

  test('every action planBulk lists proceeds when nothing changed, with exactly the planned change', () => {
    for (const operation of [
      { type: 'deactivate' },
      { type: 'reactivate' },
      { type: 'addToGroups', groups: ['staff', 'new'] },
      { type: 'removeFromGroups', groups: ['staff', 'jira-software-users'] },
    ]) {
      const v = bulk(operation);
      for (const a of v.actions.filter((x) => !x.status)) {
        const u = USERS.find((x) => x.name === a.user);
        const planned = { user: a.user, key: a.key, action: a.action, groups: a.groups, rule: a.rule, handover: a.handover };
        const d = decided(u, planned);
        assert.equal(d.code, 'decide.proceed', `${operation.type} ${a.user}: ${d.reason}`);
        assert.deepEqual(d.action, a.groups ? { action: a.action, groups: a.groups, rule: 'bulk' } : { action: a.action, rule: 'bulk' });
      }
    }
  });

  test('what changes nothing any more is skipped; groups narrow to what still changes', () => {
    const rm = { user: 'ann', key: 'K1', action: 'removeFromGroups', groups: ['staff', 'jira-software-users'], rule: 'bulk' };
    let d = decided({ ...ANN, groups: ['Jira-Software-Users'] }, rm);
    assert.deepEqual(d.action, { action: 'removeFromGroups', groups: ['jira-software-users'], rule: 'bulk' });
    d = decided({ ...ANN, groups: ['other'] }, rm);
    assert.equal(d.code, 'decide.nothingLeft');
    assert.equal(d.reason, 'ann is not a member of staff, jira-software-users');

    const add = { user: 'ann', key: 'K1', action: 'addToGroups', groups: ['a', 'b'], rule: 'bulk' };
    assert.deepEqual(decided({ ...ANN, groups: ['B'] }, add).action, { action: 'addToGroups', groups: ['a'], rule: 'bulk' });
    assert.equal(decided({ ...ANN, groups: ['A', 'b'] }, add).code, 'decide.nothingLeft');

    const re = { user: 'bob', key: 'K2', action: 'reactivate', rule: 'bulk' };
    assert.equal(decided({ ...USERS[1], active: true }, re).code, 'decide.nothingLeft');
    const de = { user: 'ann', key: 'K1', action: 'deactivate', rule: 'bulk' };
    assert.equal(decided({ ...ANN, active: false }, de).code, 'decide.inactive');
  });

  test('identity and (for destructive items) protection are checked again', () => {
    const de = { user: 'ann', key: 'K1', action: 'deactivate', rule: 'bulk' };
    assert.equal(decided({ ...ANN, key: 'K9' }, de).code, 'decide.identityChanged');
    assert.equal(decided({ ...ANN, name: 'anne' }, de).code, 'decide.identityChanged');
    let d = decided({ ...ANN, groups: ['jira-administrators'] }, de);
    assert.deepEqual([d.code, d.reason], ['decide.protected', 'protected: member of protected group jira-administrators']);
    d = decided(ANN, de, { asOf: AS_OF, actor: 'ANN' });
    assert.equal(d.code, 'decide.protected');
    // Adding a protected user to a group is not destructive.
    const add = { user: 'ann', key: 'K1', action: 'addToGroups', groups: ['x'], rule: 'bulk' };
    assert.equal(decided({ ...ANN, groups: ['jira-administrators'] }, add).code, 'decide.proceed');
    // Led a project since the plan: blocked (no hand-over user).
    d = decided({ ...ANN, leads: { projects: [{ key: 'NEW' }] } }, de);
    assert.equal(d.code, 'decide.blocked');
    // A stale plan is refused as for rules.
    d = ok(engine.decide(P, { user: ANN, planned: de, capturedAt: ago(1) }, OPTS));
    assert.equal(d.code, 'decide.planExpired');
  });

  test('reactivate and addToGroups belong to bulk items only', () => {
    const e = failed(engine.decide(P, { user: ANN, planned: { user: 'ann', action: 'reactivate', rule: 'idle-90d' } }, OPTS));
    assert.deepEqual(e.map((x) => [x.code, x.path]), [['input.invalid', 'planned.action']]);
    const f = failed(engine.decide(P, { user: ANN, planned: { user: 'ann', action: 'addToGroups', rule: 'bulk' } }, OPTS));
    assert.deepEqual(f.map((x) => [x.code, x.path]), [['input.invalid', 'planned.groups']]);
  });
});

describe('planBulk over the sample', () => {
  const policyText = readFileSync(new URL('../../samples/policy.json', import.meta.url), 'utf8');
  const snapshotText = readFileSync(new URL('../../samples/snapshot.json', import.meta.url), 'utf8');
  const snapshot = JSON.parse(snapshotText);
  const asOf = snapshot.capturedAt;
  const everyone = snapshot.users.map((u) => u.name);

  test('deactivating everyone: protected = the active users query calls protected; the rest of the active users are actions', () => {
    const v = ok(engine.planBulk(policyText, snapshotText, { asOf, actor: 'admin', users: everyone, operation: { type: 'deactivate' } }));
    const q = ok(engine.query(policyText, snapshotText, { active: true }, { asOf, actor: 'admin' }));
    const qProtected = q.users.filter((u) => u.protected).map((u) => u.name);
    assert.deepEqual(names(v.protected), qProtected);
    assert.deepEqual(names(v.actions), q.users.filter((u) => !u.protected).map((u) => u.name));
    assert.equal(v.unchanged.length, snapshot.users.filter((u) => !u.active).length);
    assert.equal(v.counts.actions + v.counts.protected + v.counts.unchanged, everyone.length);
    assert.ok(v.overLimit, 'thousands of deactivations exceed the sample limit');
    // Every user the plan protects is protected here too, with the same code.
    const plan = ok(engine.plan(policyText, snapshotText, { asOf, actor: 'admin' }));
    const byUser = new Map(v.protected.map((p) => [p.user, p.code]));
    for (const p of plan.protected) assert.equal(byUser.get(p.user), p.code, p.user);
  });
});
