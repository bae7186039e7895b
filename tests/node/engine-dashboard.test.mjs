// Dashboard, tier planning and schedule run times (docs/engine-api.md).
// Expectations are hand-computed for small hand-made snapshots.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  engine, AS_OF, ago, user, snapshot, policy, rule, ok, failed, assertHasProblem,
  UTC_INSTANT,
} from '../golden/helpers.mjs';

// ---------------------------------------------------------------------------------------------
// Dashboard

const ROLES = [
  { key: 'jira-software', name: 'Jira Software', groups: ['jira-software-users', 'jira-administrators'], numberOfSeats: 500, userCount: 480, hasUnlimitedSeats: false },
  { key: 'jira-core', name: 'Jira Core', groups: ['jira-core-users'], numberOfSeats: -1, hasUnlimitedSeats: true },
];

const DASH_SNAPSHOT = snapshot([
  user('d1', { active: false, lastLogin: ago(200), groups: ['jira-software-users'], email: 'd1@partner.io' }),
  user('d2', { active: false, lastLogin: ago(1) }), // protected too, but deactivated wins
  user('p1', { lastLogin: ago(100), groups: ['staff'] }), // protect.users
  user('p2', { lastLogin: undefined, groups: ['jira-administrators'] }), // protect.groups; protected wins over unknown
  user('boss', { lastLogin: ago(1) }), // the actor (when given)
  user('svc', { lastLogin: ago(100) }), // service account, not expired
  user('svc-exp', { lastLogin: ago(100) }), // expired service account: not protected
  user('unk', { lastLogin: undefined, groups: ['jira-software-users'] }),
  user('nev', { lastLogin: null, created: ago(100), groups: ['jira-software-users'], email: 'nev@partner.io' }),
  user('a1', { lastLogin: ago(1), groups: ['jira-software-users'], email: 'a1@partner.io' }),
  user('a14', { lastLogin: ago(15, 1), groups: ['jira-core-users'], email: 'a14@eu.acme.com' }), // 15 d − 1 ms
  user('fut', { lastLogin: ago(-1) }), // after asOf
  user('l15', { lastLogin: ago(15), groups: ['jira-software-users'], email: 'l15@gmail.com' }), // exactly 15 d
  user('l29', { lastLogin: ago(30, 1), groups: ['jira-core-users'] }), // 30 d − 1 ms
  user('i30', { lastLogin: ago(30), groups: ['jira-software-users'], email: 'i30@notacme.com' }), // exactly 30 d
  user('i400', { lastLogin: ago(400), groups: ['jira-software-users'], email: 'i400@partner.io' }),
], ROLES);

const DASH_POLICY = policy([rule('r1')], {
  internalDomains: ['acme.com'],
  protect: { groups: ['jira-administrators'], users: ['p1', 'd2'] },
  serviceAccounts: [
    { user: 'svc', owner: 'ops@acme.com', purpose: 'CI', expires: '2030-01-01' },
    { user: 'svc-exp', owner: 'ops@acme.com', purpose: 'old', expires: '2026-01-01' },
  ],
});

describe('dashboard', () => {
  test('default thresholds 15 / 30: each user in exactly one bucket, first match wins', () => {
    const d = ok(engine.dashboard(DASH_POLICY, DASH_SNAPSHOT, { asOf: AS_OF, actor: 'boss' }));
    assert.equal(d.asOf, AS_OF);
    assert.deepEqual(d.thresholds, { lowUsageDays: 15, inactiveDays: 30 });
    assert.equal(d.total, 16);
    assert.deepEqual(d.buckets, {
      deactivated: 2, // d1, d2
      protected: 4, // p1, p2, boss, svc
      unknown: 1, // unk
      neverLoggedIn: 1, // nev
      active: 3, // a1, a14 (15 d − 1 ms), fut
      lowUsage: 2, // l15 (exactly 15 d), l29 (30 d − 1 ms)
      inactive: 3, // i30 (exactly 30 d), i400, svc-exp
    });
    const sum = Object.values(d.buckets).reduce((a, b) => a + b, 0);
    assert.equal(sum, d.total);
  });

  test('without an actor the admin is an ordinary user', () => {
    const d = ok(engine.dashboard(DASH_POLICY, DASH_SNAPSHOT, { asOf: AS_OF }));
    assert.equal(d.buckets.protected, 3);
    assert.equal(d.buckets.active, 4);
  });

  test('custom thresholds 20 / 100', () => {
    const d = ok(engine.dashboard(DASH_POLICY, DASH_SNAPSHOT, { asOf: AS_OF, actor: 'boss', lowUsageDays: 20, inactiveDays: 100 }));
    assert.deepEqual(d.thresholds, { lowUsageDays: 20, inactiveDays: 100 });
    assert.deepEqual(d.buckets, {
      deactivated: 2, protected: 4, unknown: 1, neverLoggedIn: 1,
      active: 4, // a1, a14, fut, l15
      lowUsage: 2, // l29, i30
      inactive: 2, // i400, svc-exp (exactly 100 d)
    });
  });

  test('null policy: only the actor is protected', () => {
    const d = ok(engine.dashboard(null, DASH_SNAPSHOT, { asOf: AS_OF, actor: 'boss' }));
    // d2 deactivated; p1 → inactive (100 d); p2 → unknown; boss protected; svc → inactive
    assert.deepEqual(d.buckets, {
      deactivated: 2, protected: 1, unknown: 2, neverLoggedIn: 1, active: 3, lowUsage: 2, inactive: 5,
    });
  });

  test('roles: seatsUsed computed from the snapshot, userCount echoed, remaining, share, idle seats, tier', () => {
    const d = ok(engine.dashboard(DASH_POLICY, DASH_SNAPSHOT, { asOf: AS_OF, actor: 'boss' }));
    const roles = Object.fromEntries(d.roles.map((r) => [r.key, r]));
    assert.deepEqual(Object.keys(roles).sort(), ['jira-core', 'jira-software']);
    // active users in jira-software-users or jira-administrators: p2, unk, nev, a1, l15, i30, i400
    assert.deepEqual(roles['jira-software'], {
      key: 'jira-software', name: 'Jira Software', groups: ['jira-software-users', 'jira-administrators'],
      numberOfSeats: 500, hasUnlimitedSeats: false,
      seatsUsed: 7, userCount: 480, remaining: 493, usedShare: 0.014,
      idleSeats: 3, // nev (never), i30 and i400 (inactive)
      tier: { current: 500, nextLower: 250 },
    });
    const core = roles['jira-core'];
    assert.equal(core.seatsUsed, 2); // a14, l29
    assert.equal(core.userCount, null);
    assert.equal(core.hasUnlimitedSeats, true);
    assert.equal(core.remaining, null);
    assert.equal(core.idleSeats, 0);
    assert.deepEqual(core.tier, { current: null, nextLower: null });
  });

  test('groups: members, active members, inactive / never / unknown, sorted by inactive + never', () => {
    const d = ok(engine.dashboard(DASH_POLICY, DASH_SNAPSHOT, { asOf: AS_OF, actor: 'boss' }));
    const names = d.groups.map((g) => g.group);
    assert.equal(new Set(names).size, names.length, 'each group once');
    // (the engine lists only groups with idle members: jira-core-users, with none, may be left out)
    assert.deepEqual(d.groups[0], {
      group: 'jira-software-users',
      members: 7, // d1, unk, nev, a1, l15, i30, i400
      activeMembers: 6,
      inactive: 2, // i30, i400
      neverLoggedIn: 1, // nev
      unknown: 1, // unk
      inactiveShare: 0.5, // (2 + 1) / 6
    });
    const core = d.groups.find((g) => g.group === 'jira-core-users');
    if (core) assert.deepEqual(core, { group: 'jira-core-users', members: 2, activeMembers: 2, inactive: 0, neverLoggedIn: 0, unknown: 0, inactiveShare: 0 });
    for (let i = 1; i < d.groups.length; i++) {
      const key = (g) => g.inactive + g.neverLoggedIn;
      assert.ok(key(d.groups[i - 1]) >= key(d.groups[i]), 'sorted by inactive + never, descending');
    }
  });

  test('externalDomains: domains outside internalDomains, with counts and first / last login', () => {
    const d = ok(engine.dashboard(DASH_POLICY, DASH_SNAPSHOT, { asOf: AS_OF, actor: 'boss' }));
    const doms = Object.fromEntries(d.externalDomains.map((x) => [x.domain, x]));
    assert.deepEqual(Object.keys(doms).sort(), ['gmail.com', 'notacme.com', 'partner.io']);
    assert.deepEqual(doms['partner.io'], {
      domain: 'partner.io', users: 4, activeUsers: 3, inactive: 1, neverLoggedIn: 1,
      firstLogin: ago(400), lastLogin: ago(1),
    });
    assert.deepEqual(doms['notacme.com'], {
      domain: 'notacme.com', users: 1, activeUsers: 1, inactive: 1, neverLoggedIn: 0, firstLogin: ago(30), lastLogin: ago(30),
    });
    assert.deepEqual(doms['gmail.com'], {
      domain: 'gmail.com', users: 1, activeUsers: 1, inactive: 0, neverLoggedIn: 0, firstLogin: ago(15), lastLogin: ago(15),
    });
  });

  test('externalDomains: firstLogin / lastLogin null when nobody logged in', () => {
    const s = snapshot([user('n', { email: 'n@partner.io', lastLogin: null }), user('u', { email: 'u@partner.io', lastLogin: undefined })]);
    const d = ok(engine.dashboard(policy([rule('r1')], { internalDomains: ['acme.com'] }), s, { asOf: AS_OF }));
    assert.deepEqual(d.externalDomains, [{ domain: 'partner.io', users: 2, activeUsers: 2, inactive: 0, neverLoggedIn: 1, firstLogin: null, lastLogin: null }]);
  });

  test('output instants are UTC, milliseconds kept only when not zero', () => {
    const s = snapshot([
      user('x', { email: 'x@partner.io', lastLogin: '2026-11-20T19:50:49.756+1000' }),
      user('y', { email: 'y@partner.io', lastLogin: '2026-11-21T09:50:49.000Z' }),
    ]);
    const d = ok(engine.dashboard(policy([rule('r1')], { internalDomains: ['acme.com'] }), s, { asOf: AS_OF }));
    assert.equal(d.externalDomains[0].firstLogin, '2026-11-20T09:50:49.756Z');
    assert.equal(d.externalDomains[0].lastLogin, '2026-11-21T09:50:49Z');
  });
});

// ---------------------------------------------------------------------------------------------
// planTier

const fresh = Array.from({ length: 248 }, (_, i) => user(`f${String(i).padStart(3, '0')}`, { lastLogin: ago(1), groups: ['jira-software-users'] }));
const TIER_SNAPSHOT = snapshot([
  ...fresh,
  user('x1', { lastLogin: ago(400), groups: ['jira-software-users'] }),
  user('x2', { lastLogin: null, created: ago(500), groups: ['jira-software-users'] }),
  user('x3', { lastLogin: ago(200), groups: ['jira-software-users', 'jira-administrators', 'other'] }),
  user('x4', { lastLogin: ago(1000), groups: ['jira-software-users'] }), // protected
  user('x5', { lastLogin: undefined, groups: ['jira-software-users'] }), // unknown last login
  user('x6', { active: false, lastLogin: ago(900), groups: ['jira-software-users'] }), // holds no seat
  user('x7', { lastLogin: ago(300), groups: ['jira-software-users'] }),
  user('x8', { lastLogin: ago(300), groups: ['jira-administrators'] }),
  user('y1', { lastLogin: ago(999), groups: ['other'] }), // no seat of the role
], ROLES);
const TIER_POLICY = policy([rule('r1')], { protect: { users: ['x4'] } });
// seats used: 248 + x1 x2 x3 x4 x5 x7 x8 = 255; eligible: 255 − x4 − x5 = 253
// longest inactive first: x2 (500, from created), x1 (400), x7 (300), x8 (300), x3 (200), f000, ...

describe('planTier', () => {
  test('never logged in with no creation date is never a candidate (it may be a new account)', () => {
    const roles = [{ key: 'jira-software', name: 'Jira Software', groups: ['jira-software-users'], numberOfSeats: 3, hasUnlimitedSeats: false }];
    const s = snapshot([
      user('new', { lastLogin: null, created: undefined, groups: ['jira-software-users'] }),
      user('old', { lastLogin: ago(400), groups: ['jira-software-users'] }),
      user('mid', { lastLogin: ago(40), groups: ['jira-software-users'] }),
    ], roles);
    const t = ok(engine.planTier(policy([rule('r1')]), s, { asOf: AS_OF, role: 'jira-software', targetSeats: 0 }));
    assert.deepEqual(t.candidates.map((c) => c.user), ['old', 'mid']);
    assert.deepEqual(t.excluded, { protected: 0, unknownLastLogin: 0, unknownCreated: 1 });
    assert.equal(t.shortfall, 1);
    assert.equal(t.reachable, false);
  });
  test('nextLowerTier: 500 → 250, candidates longest inactive first, protected and unknown excluded', () => {
    const t = ok(engine.planTier(TIER_POLICY, TIER_SNAPSHOT, { asOf: AS_OF, role: 'jira-software', nextLowerTier: true }));
    assert.equal(t.role, 'jira-software');
    assert.equal(t.name, 'Jira Software');
    assert.equal(t.numberOfSeats, 500);
    assert.equal(t.seatsUsed, 255);
    assert.equal(t.target, 250);
    assert.equal(t.targetSource, 'nextLowerTier');
    assert.equal(t.needed, 5);
    assert.equal(t.reachable, true);
    assert.equal(t.shortfall, 0);
    assert.deepEqual(t.candidates.map((c) => c.user), ['x2', 'x1', 'x7', 'x8', 'x3']);
    assert.deepEqual(t.excluded, { protected: 1, unknownLastLogin: 1, unknownCreated: 0 });
    const [x2, x1, , , x3] = t.candidates;
    assert.equal(x2.lastLogin, null);
    assert.equal(x2.daysInactive, 500);
    assert.equal(x2.displayName, 'User x2');
    assert.deepEqual(x2.groups, ['jira-software-users']);
    assert.equal(x1.lastLogin, ago(400));
    assert.equal(x1.daysInactive, 400);
    assert.deepEqual([...x3.groups].sort(), ['jira-administrators', 'jira-software-users']);
    for (const c of t.candidates) assert.ok(typeof c.reason === 'string' && c.reason.length > 0);
  });

  test('targetSeats', () => {
    const t = ok(engine.planTier(TIER_POLICY, TIER_SNAPSHOT, { asOf: AS_OF, role: 'jira-software', targetSeats: 252 }));
    assert.equal(t.target, 252);
    assert.equal(t.targetSource, 'targetSeats');
    assert.equal(t.needed, 3);
    assert.deepEqual(t.candidates.map((c) => c.user), ['x2', 'x1', 'x7']);
  });

  test('headroom: target = numberOfSeats − headroom', () => {
    const t = ok(engine.planTier(TIER_POLICY, TIER_SNAPSHOT, { asOf: AS_OF, role: 'jira-software', headroom: 10 }));
    assert.equal(t.target, 490);
    assert.equal(t.targetSource, 'headroom');
    assert.equal(t.needed, 0);
    assert.deepEqual(t.candidates, []);
    assert.equal(t.reachable, true);
    const t2 = ok(engine.planTier(TIER_POLICY, TIER_SNAPSHOT, { asOf: AS_OF, role: 'jira-software', headroom: 247 }));
    assert.equal(t2.target, 253);
    assert.deepEqual(t2.candidates.map((c) => c.user), ['x2', 'x1']);
  });

  test('unreachable target: shortfall', () => {
    const t = ok(engine.planTier(TIER_POLICY, TIER_SNAPSHOT, { asOf: AS_OF, role: 'jira-software', targetSeats: 0 }));
    assert.equal(t.needed, 255);
    assert.equal(t.candidates.length, 253);
    assert.equal(t.reachable, false);
    assert.equal(t.shortfall, 2);
    assert.ok(!t.candidates.some((c) => ['x4', 'x5', 'x6', 'y1'].includes(c.user)));
    assert.deepEqual(t.candidates.slice(5, 8).map((c) => c.user), ['f000', 'f001', 'f002'], 'ties by username');
  });

  test('the actor is protected', () => {
    const t = ok(engine.planTier(TIER_POLICY, TIER_SNAPSHOT, { asOf: AS_OF, actor: 'X2', role: 'jira-software', nextLowerTier: true }));
    assert.deepEqual(t.candidates.map((c) => c.user), ['x1', 'x7', 'x8', 'x3', 'f000']);
    assert.deepEqual(t.excluded, { protected: 2, unknownLastLogin: 1, unknownCreated: 0 });
  });

  test('unknown role → options.unknownRole', () => {
    const errors = failed(engine.planTier(TIER_POLICY, TIER_SNAPSHOT, { asOf: AS_OF, role: 'confluence', nextLowerTier: true }));
    const e = assertHasProblem(errors, 'options.unknownRole');
    assert.equal(e.source, 'options');
    assert.equal(e.path, 'role');
  });
});

// ---------------------------------------------------------------------------------------------
// nextRuns

function runs(schedules, from, count) {
  return engine.nextRuns(policy([rule('r1')], { schedules }), { from, count });
}

function cronValue(_t, r) {
  return ok(r);
}

describe('nextRuns', () => {
  test('contract example: 0 3 * * MON Europe/Oslo from 2026-11-27T00:00:00Z, weekly', (t) => {
    const v = cronValue(t, runs([{ id: 'weekly', cron: '0 3 * * MON', timezone: 'Europe/Oslo' }], AS_OF, 3));
    if (!v) return;
    assert.equal(v.schedules.length, 1);
    assert.equal(v.schedules[0].id, 'weekly');
    assert.deepEqual(v.schedules[0].next, ['2026-11-30T02:00:00Z', '2026-12-07T02:00:00Z', '2026-12-14T02:00:00Z']);
  });

  test('an empty cron is an error at schedules[0].cron', () => {
    const p = policy([rule('r1')], { schedules: [{ id: 's', cron: '', timezone: 'UTC' }] });
    const errors = failed(engine.validate(p));
    assert.ok(errors.some((e) => e.path === 'schedules[0].cron'), JSON.stringify(errors));
  });

  test('each schedule is exactly {id, next, enabled, mode} (the runner contract); enabled run by default', (t) => {
    const v = cronValue(t, runs([{ id: 'weekly', cron: '0 3 * * MON', timezone: 'Europe/Oslo' }], AS_OF, 1));
    assert.deepEqual(v.schedules[0], { id: 'weekly', next: ['2026-11-30T02:00:00Z'], enabled: true, mode: 'run' });
  });

  test('a disabled schedule still lists its next instants, with enabled false; a preview schedule says so', (t) => {
    const v = cronValue(t, runs([
      { id: 'off', cron: '0 3 * * MON', timezone: 'Europe/Oslo', enabled: false },
      { id: 'look', cron: '0 3 * * MON', timezone: 'Europe/Oslo', mode: 'preview' },
      { id: 'both', cron: '0 3 * * MON', timezone: 'Europe/Oslo', enabled: false, mode: 'preview' },
    ], AS_OF, 1));
    assert.deepEqual(v.schedules, [
      { id: 'off', next: ['2026-11-30T02:00:00Z'], enabled: false, mode: 'run' },
      { id: 'look', next: ['2026-11-30T02:00:00Z'], enabled: true, mode: 'preview' },
      { id: 'both', next: ['2026-11-30T02:00:00Z'], enabled: false, mode: 'preview' },
    ]);
  });

  const cases = [
    ['weekly across the spring DST change', '0 3 * * MON', 'Europe/Oslo', '2027-03-20T00:00:00Z', 3,
      ['2027-03-22T02:00:00Z', '2027-03-29T01:00:00Z', '2027-04-05T01:00:00Z']],
    ['daily across the spring DST change', '0 3 * * *', 'Europe/Oslo', '2027-03-27T00:00:00Z', 3,
      ['2027-03-27T02:00:00Z', '2027-03-28T01:00:00Z', '2027-03-29T01:00:00Z']],
    ['daily across the autumn DST change', '0 12 * * *', 'Europe/Oslo', '2026-10-24T00:00:00Z', 3,
      ['2026-10-24T10:00:00Z', '2026-10-25T11:00:00Z', '2026-10-26T11:00:00Z']],
    ['Vixie: both day fields restricted → either', '0 12 13 * FRI', 'UTC', AS_OF, 4,
      ['2026-11-27T12:00:00Z', '2026-12-04T12:00:00Z', '2026-12-11T12:00:00Z', '2026-12-13T12:00:00Z']],
    ['Vixie: an impossible day of month still runs on the weekday', '0 0 30 2 MON', 'UTC', AS_OF, 2,
      ['2027-02-01T00:00:00Z', '2027-02-08T00:00:00Z']],
    ['names, ranges and steps', '*/30 9-10 * JAN-MAR MON-FRI', 'UTC', AS_OF, 5,
      ['2027-01-01T09:00:00Z', '2027-01-01T09:30:00Z', '2027-01-01T10:00:00Z', '2027-01-01T10:30:00Z', '2027-01-04T09:00:00Z']],
    ['month list, southern hemisphere summer time', '0 7 1 JAN,APR,JUL,OCT *', 'Australia/Sydney', AS_OF, 3,
      ['2026-12-31T20:00:00Z', '2027-03-31T20:00:00Z', '2027-06-30T21:00:00Z']],
    ['monthly in New York', '30 2 1 * *', 'America/New_York', AS_OF, 2, ['2026-12-01T07:30:00Z', '2027-01-01T07:30:00Z']],
    ['Sunday as 0', '0 0 * * 0', 'UTC', AS_OF, 2, ['2026-11-29T00:00:00Z', '2026-12-06T00:00:00Z']],
    ['Sunday as 7', '0 0 * * 7', 'UTC', AS_OF, 2, ['2026-11-29T00:00:00Z', '2026-12-06T00:00:00Z']],
    ['lower-case names', '0 0 * * sun', 'UTC', AS_OF, 1, ['2026-11-29T00:00:00Z']],
    ['range with step', '0 0-12/6 * * *', 'UTC', '2026-11-27T01:00:00Z', 4, ['2026-11-27T06:00:00Z', '2026-11-27T12:00:00Z', '2026-11-28T00:00:00Z', '2026-11-28T06:00:00Z']],
  ];
  for (const [label, cron, timezone, from, count, expected] of cases) {
    test(`${label}: ${cron} ${timezone}`, (t) => {
      const v = cronValue(t, runs([{ id: 's', cron, timezone }], from, count));
      if (!v) return;
      assert.deepEqual(v.schedules[0].next, expected);
    });
  }

  test('DST overlap: a daily 02:30 job runs once on the autumn change day', (t) => {
    const v = cronValue(t, runs([{ id: 's', cron: '30 2 * * *', timezone: 'Europe/Oslo' }], '2026-10-24T12:00:00Z', 2));
    if (!v) return;
    // 02:30 happens twice on 2026-10-25 (00:30Z in CEST, 01:30Z in CET): one run, then the next day
    assert.equal(v.schedules[0].next.length, 2);
    assert.ok(['2026-10-25T00:30:00Z', '2026-10-25T01:30:00Z'].includes(v.schedules[0].next[0]), v.schedules[0].next[0]);
    assert.equal(v.schedules[0].next[1], '2026-10-26T01:30:00Z');
  });

  test('DST gap: a daily 02:30 job is not lost on the spring change day', (t) => {
    const v = cronValue(t, runs([{ id: 's', cron: '30 2 * * *', timezone: 'Europe/Oslo' }], '2027-03-27T12:00:00Z', 2));
    if (!v) return;
    // 02:30 does not exist on 2027-03-28 (02:00 CET → 03:00 CEST = 01:00Z); Vixie cron runs it at the change
    const [first, second] = v.schedules[0].next;
    assert.ok(first >= '2027-03-28T01:00:00Z' && first < '2027-03-28T22:00:00Z', first);
    assert.equal(second, '2027-03-29T00:30:00Z');
  });

  test('several schedules, in policy order', (t) => {
    const v = cronValue(t, runs([
      { id: 'b', cron: '0 0 * * 0', timezone: 'UTC' },
      { id: 'a', cron: '0 3 * * MON', timezone: 'Europe/Oslo' },
    ], AS_OF, 1));
    if (!v) return;
    assert.deepEqual(v.schedules.map((s) => [s.id, s.next]), [['b', ['2026-11-29T00:00:00Z']], ['a', ['2026-11-30T02:00:00Z']]]);
  });

  for (const cron of ['61 * * * *', '* * * *', '0 3 * * MONX', '0 25 * * *', '0 0 32 * *', '0 0 * 13 *', 'every monday', '*/0 * * * *', '0 0 * * * *']) {
    test(`invalid cron ${JSON.stringify(cron)} → cron.invalid at schedules[0].cron`, () => {
      const p = policy([rule('r1')], { schedules: [{ id: 's', cron, timezone: 'UTC' }] });
      for (const r of [engine.validate(p), engine.nextRuns(p, { from: AS_OF, count: 1 })]) {
        const e = assertHasProblem(failed(r), 'cron.invalid', 'schedules[0].cron');
        assert.equal(e.source, 'policy');
      }
    });
  }

  test('unknown time zone → timezone.unknown at schedules[0].timezone', () => {
    for (const timezone of ['Mars/Olympus', 'Europe/Olso', 'not a zone']) {
      const p = policy([rule('r1')], { schedules: [{ id: 's', cron: '0 3 * * MON', timezone }] });
      for (const r of [engine.validate(p), engine.nextRuns(p, { from: AS_OF, count: 1 })]) {
        assertHasProblem(failed(r), 'timezone.unknown', 'schedules[0].timezone');
      }
    }
  });

  test('missing or bad from → an options error at from', () => {
    const p = policy([rule('r1')], { schedules: [{ id: 's', cron: '0 3 * * MON', timezone: 'UTC' }] });
    for (const o of [{ count: 1 }, { from: 'soon', count: 1 }]) {
      const errors = failed(engine.nextRuns(p, o));
      assert.ok(errors.some((e) => e.source === 'options' && e.path === 'from'), JSON.stringify(errors));
    }
  });

  test('run instants beyond year 9999 are not printed as raw numbers', () => {
    const r = ok(runs([{ id: 's', cron: '0 0 29 2 *', timezone: 'UTC' }], '9999-01-01T00:00:00Z', 3));
    assert.deepEqual(r.schedules[0].next, [], 'no 29 February is left before year 10000');
    const r2 = ok(runs([{ id: 's', cron: '0 0 29 2 *', timezone: 'UTC' }], '9995-01-01T00:00:00Z', 3));
    assert.deepEqual(r2.schedules[0].next, ['9996-02-29T00:00:00Z']);
  });
});
