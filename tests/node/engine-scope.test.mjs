// policyGroups and completeGroups: a host reads the members of only the groups a policy looks at,
// and the plan is the plan over the full snapshot (docs/engine-api.md "policyGroups",
// docs/snapshot.md "completeGroups"). Expectations are worked out by hand from the policy below.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { engine, AS_OF, ago, user, snapshot, policy, rule, ok, assertEnvelope } from '../golden/helpers.mjs';

const P = policy(
  [
    rule('contractors-90d', { include: { groups: ['contractors', 'ext-*'] }, exclude: { groups: ['keep'] }, inactiveDays: 90 }),
    rule('licence-180d', { inactiveDays: 180, action: { type: 'removeFromGroups', groups: ['jira-*-users'] } }),
  ],
  { protect: { groups: ['jira-administrators'] } },
);
const ROLES = [{ key: 'jira-software', name: 'Jira Software', groups: ['jira-software-users'], numberOfSeats: 10 }];
const ALL = ['staff', 'ext-acme', 'Ext-Beta', 'contractors', 'keep', 'keep-2', 'jira-software-users', 'jira-core-users', 'jira-users', 'jira-administrators', 'board', 'empty-group'];
const USERS = [
  user('ann', { groups: ['ext-acme', 'staff', 'board'], lastLogin: ago(100) }),
  user('bob', { groups: ['contractors', 'keep', 'jira-software-users'], lastLogin: ago(100) }),
  user('cat', { groups: ['staff', 'jira-software-users', 'jira-core-users'], lastLogin: ago(200) }),
  user('dan', { groups: ['jira-administrators', 'ext-beta'], lastLogin: ago(300) }),
  user('eve', { groups: ['staff', 'board'], lastLogin: ago(400) }),
];

describe('policyGroups', () => {
  test('every include, exclude, protect and removeFromGroups pattern resolved against the list, and the role groups', () => {
    const v = ok(engine.policyGroups(P, { groups: ALL, applicationRoles: ROLES }));
    assert.deepEqual(v.groups, ['contractors', 'ext-acme', 'Ext-Beta', 'jira-administrators', 'jira-core-users', 'jira-software-users', 'keep']);
    assert.deepEqual(v.reasons.find((r) => r.group === 'jira-software-users').by, ['rules[1].action.groups[0] "jira-*-users"', 'application role jira-software']);
    assert.deepEqual(v.reasons.find((r) => r.group === 'Ext-Beta').by, ['rules[0].include.groups[1] "ext-*"']);
    assert.deepEqual(v.reasons.find((r) => r.group === 'keep').by, ['rules[0].exclude.groups[0] "keep"']);
  });

  test('JSON text and objects give the same answer; bad input is failure data with paths', () => {
    const input = { groups: ALL, applicationRoles: ROLES };
    assert.deepEqual(engine.policyGroups(JSON.stringify(P), JSON.stringify(input)), engine.policyGroups(P, input));
    const r = assertEnvelope(engine.policyGroups(P, { groups: ['a', 7], applicationRoles: [{ groups: [] }] }));
    assert.equal(r.type, 'failure');
    assert.deepEqual(r.errors.map((e) => [e.code, e.path, e.source]), [
      ['input.invalid', 'groups[1]', 'input'],
      ['input.invalid', 'applicationRoles[0].key', 'input'],
    ]);
    assert.throws(() => engine.policyGroups(P, 3), { name: 'UserCleanupError', code: 'argument.invalid' });
  });
});

describe('completeGroups', () => {
  const full = snapshot(USERS, ROLES);
  const keep = ok(engine.policyGroups(P, { groups: ALL, applicationRoles: ROLES })).groups.map((g) => g.toLowerCase());
  const partial = {
    ...snapshot(USERS.map((u) => ({ ...u, groups: u.groups.filter((g) => keep.includes(g.toLowerCase())) })), ROLES),
    completeGroups: keep,
  };

  test('the plan over only the policy groups equals the plan over every membership', () => {
    const a = ok(engine.plan(P, full, { asOf: AS_OF }));
    const b = ok(engine.plan(P, partial, { asOf: AS_OF }));
    assert.deepEqual(b, a);
    // What the plan is, by hand: ann (ext-acme, 100 days) deactivated; bob excluded by keep from
    // the first rule, not 180 days idle; cat loses jira-software-users and jira-core-users; dan protected.
    assert.deepEqual(a.actions.map((x) => [x.user, x.action, x.groups ?? null]), [
      ['ann', 'deactivate', null],
      ['cat', 'removeFromGroups', ['jira-core-users', 'jira-software-users']],
    ]);
    assert.deepEqual(a.protected.map((x) => [x.user, x.code]), [['dan', 'protect.group']]);
    assert.deepEqual(a.licence.map((l) => [l.seatsBefore, l.seatsAfter]), [[2, 1]]);
  });

  test('no "no user has this group" warning for a group whose members were not read', () => {
    const p = policy([rule('r', { include: { groups: ['nobody-here', 'empty-group'] } })]);
    const codes = (s) => assertEnvelope(engine.validate(p, s)).warnings.filter((w) => w.code === 'policy.groupNotInSnapshot').map((w) => w.path);
    assert.deepEqual(codes(full), ['rules[0].include.groups[0]', 'rules[0].include.groups[1]']);
    // empty-group's members were read (there are none): still warned; nobody-here was not read.
    assert.deepEqual(codes({ ...full, completeGroups: ['empty-group', 'staff'] }), ['rules[0].include.groups[1]']);
  });

  test('the dashboard lists only groups it holds completely and says which it did not read', () => {
    const d = ok(engine.dashboard(P, partial, { asOf: AS_OF }));
    assert.deepEqual(d.groupsRead.notRead, []);
    assert.ok(d.groups.every((g) => keep.includes(g.group.toLowerCase())));
    const some = { ...full, completeGroups: ['staff'] };
    const d2 = ok(engine.dashboard(P, some, { asOf: AS_OF }));
    assert.deepEqual(d2.groups.map((g) => g.group), ['staff']);
    assert.deepEqual(d2.groupsRead, {
      complete: ['staff'],
      notRead: ['board', 'contractors', 'ext-acme', 'ext-beta', 'jira-administrators', 'jira-core-users', 'jira-software-users', 'keep'],
    });
    assert.equal(ok(engine.dashboard(P, full, { asOf: AS_OF })).groupsRead, undefined, 'absent for a full snapshot');
  });

  test('a blank name in completeGroups is snapshot.invalid at its path', () => {
    const r = assertEnvelope(engine.plan(P, { ...full, completeGroups: ['staff', ' '] }, { asOf: AS_OF }));
    assert.deepEqual(r.errors.map((e) => [e.code, e.path]), [['snapshot.invalid', 'completeGroups[1]']]);
  });
});

describe('the sample', () => {
  test('its plan over only the policy groups memberships equals its plan over every membership', async () => {
    const { readFile } = await import('node:fs/promises');
    const policyText = await readFile(new URL('../../samples/policy.json', import.meta.url), 'utf8');
    const full = JSON.parse(await readFile(new URL('../../samples/snapshot.json', import.meta.url), 'utf8'));
    const all = [...new Set([...full.users.flatMap((u) => u.groups ?? []), ...(full.applicationRoles ?? []).flatMap((r) => r.groups)])];
    const keep = new Set(ok(engine.policyGroups(policyText, { groups: all, applicationRoles: full.applicationRoles })).groups.map((g) => g.toLowerCase()));
    assert.ok(keep.size < all.length, `${keep.size} of ${all.length} groups: the sample has groups the policy does not look at`);
    const partial = { ...full, users: full.users.map((u) => ({ ...u, groups: (u.groups ?? []).filter((g) => keep.has(g.toLowerCase())) })), completeGroups: [...keep] };
    const options = { asOf: '2026-11-27T10:00:00Z' };
    assert.deepEqual(ok(engine.plan(policyText, partial, options)), ok(engine.plan(policyText, full, options)));
  });
});
