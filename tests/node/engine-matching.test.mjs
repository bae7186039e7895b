// Golden cases for the "Matching semantics — contract" (DESIGN.md, clauses 1–10) and the Plan
// shape (docs/engine-api.md). Every expectation here is computed by hand from the contract.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  engine, AS_OF, ago, user, snapshot, policy, rule, planOk, byUser, protectedByUser, users, sorted,
  UTC_INSTANT,
} from '../golden/helpers.mjs';

const lower = (xs) => xs.map((x) => x.toLowerCase());
const IDLE = ago(100); // idle for 100 days: selected by any rule with inactiveDays <= 100

describe('clause 1: only active users', () => {
  test('inactive users (active:false) are never actioned, not even by a review rule', () => {
    const s = snapshot([
      user('gone', { active: false, lastLogin: ago(400), groups: ['staff'] }),
      user('gone-never', { active: false, lastLogin: null, created: ago(400) }),
      user('idle', { lastLogin: ago(400), groups: ['staff'] }),
    ]);
    for (const type of ['deactivate', 'review']) {
      const p = policy([rule('r1', { neverLoggedIn: { createdMoreThanDays: 30 }, action: { type } })]);
      const plan = planOk(p, s);
      assert.deepEqual(users(plan), ['idle']);
      assert.equal(plan.counts.users, 3);
      assert.equal(plan.counts.activeUsers, 1);
      assert.equal(plan.counts.actions, 1);
    }
  });

  test('inactive users are never reported as protected (group, user, actor, service account)', () => {
    const s = snapshot([
      user('gone-admin', { active: false, lastLogin: ago(400), groups: ['jira-administrators'] }),
      user('gone-prot', { active: false, lastLogin: ago(400) }),
      user('gone-actor', { active: false, lastLogin: ago(400) }),
      user('gone-svc', { active: false, lastLogin: ago(400) }),
    ]);
    const p = policy([rule('r1')], {
      protect: { groups: ['jira-administrators'], users: ['gone-prot'] },
      serviceAccounts: [{ user: 'gone-svc', owner: 'ops@acme.com', purpose: 'CI', expires: '2030-01-01' }],
    });
    const plan = planOk(p, s, { asOf: AS_OF, actor: 'gone-actor' });
    assert.deepEqual(plan.actions, []);
    assert.deepEqual(plan.protected, []);
    assert.equal(plan.counts.protected, 0);
    assert.equal(plan.counts.activeUsers, 0);
  });
});

describe('clause 2: case-insensitive names and * patterns', () => {
  test('include.groups compares case-insensitively', () => {
    const s = snapshot([
      user('c1', { groups: ['contractors'], lastLogin: IDLE }),
      user('c2', { groups: ['staff', 'CONTRACTORS'], lastLogin: IDLE }),
      user('x', { groups: ['staff'], lastLogin: IDLE }),
    ]);
    const plan = planOk(policy([rule('r1', { include: { groups: ['Contractors'] } })]), s);
    assert.deepEqual(users(plan), ['c1', 'c2']);
    const a = byUser(plan);
    assert.deepEqual(lower(a.c1.facts.matchedGroups), ['contractors']);
    assert.deepEqual(lower(a.c2.facts.matchedGroups), ['contractors']);
  });

  test('exclude.groups and exclude.users compare case-insensitively', () => {
    const s = snapshot([
      user('bob', { lastLogin: IDLE }),
      user('alice', { groups: ['keep'], lastLogin: IDLE }),
      user('Carol', { lastLogin: IDLE }),
    ]);
    const p = policy([rule('r1', { exclude: { groups: ['KEEP'], users: ['BoB'] } })]);
    assert.deepEqual(users(planOk(p, s)), ['Carol']);
  });

  test('protect.groups, protect.users, service accounts and actor compare case-insensitively', () => {
    const s = snapshot([
      user('adm', { groups: ['jira-administrators'], lastLogin: IDLE }),
      user('root', { lastLogin: IDLE }),
      user('admin', { lastLogin: IDLE }),
      user('svc-ci', { lastLogin: IDLE }),
      user('joe', { lastLogin: IDLE }),
    ]);
    const p = policy([rule('r1')], {
      protect: { groups: ['Jira-Administrators'], users: ['ROOT'] },
      serviceAccounts: [{ user: 'SVC-CI', owner: 'ops@acme.com', purpose: 'CI', expires: '2027-06-30' }],
    });
    const plan = planOk(p, s, { asOf: AS_OF, actor: 'ADMIN' });
    assert.deepEqual(users(plan), ['joe']);
    const prot = protectedByUser(plan);
    assert.deepEqual(Object.keys(prot).sort(), ['adm', 'admin', 'root', 'svc-ci']);
    assert.equal(prot.adm.code, 'protect.group');
    assert.equal(prot.root.code, 'protect.user');
    assert.equal(prot.admin.code, 'protect.actor');
    assert.equal(prot['svc-ci'].code, 'protect.serviceAccount');
  });

  const cases = [
    // [pattern, group, matches]
    ['ext-*', 'ext-a', true],
    ['ext-*', 'EXT-B', true],
    ['EXT-*', 'ext-c', true],
    ['ext-*', 'ext-a-b-c', true],
    ['ext-*', 'my-ext-a', false],
    ['ext-*', 'xext-a', false],
    ['ext-*', 'ext', false],
    ['ext-*', 'ext-', true], // `*` matches any run of characters, including none
    ['jira-*-users', 'jira-software-users', true],
    ['jira-*-users', 'JIRA-ServiceManagement-Users', true],
    ['jira-*-users', 'jira-users', false],
    ['jira-*-users', 'jira-software-users-old', false],
    ['jira-*-users', 'old-jira-software-users', false],
    ['*', 'anything', true],
    ['*', 'Ünïcödé group', true],
    ['*-*', 'a-b', true],
    ['*-*', 'ab', false],
    ['team.a', 'team.a', true], // no regular expressions: `.` is a dot
    ['team.a', 'teamxa', false],
    ['a+b', 'aab', false],
    ['ext-?', 'ext-a', false],
    ['ext-?', 'ext-?', true],
    ['[ab]', 'a', false],
    ['[ab]', '[ab]', true],
  ];
  for (const [pattern, group, matches] of cases) {
    test(`include pattern ${JSON.stringify(pattern)} ${matches ? 'matches' : 'does not match'} ${JSON.stringify(group)}`, () => {
      const s = snapshot([user('u', { groups: [group], lastLogin: IDLE })]);
      const plan = planOk(policy([rule('r1', { include: { groups: [pattern] } })]), s);
      assert.deepEqual(users(plan), matches ? ['u'] : []);
      if (matches) assert.deepEqual(plan.actions[0].facts.matchedGroups, [group]);
    });
  }

  test('`*` alone selects members of any group, not users in no group', () => {
    const s = snapshot([
      user('grouped', { groups: ['whatever'], lastLogin: IDLE }),
      user('loner', { groups: [], lastLogin: IDLE }),
    ]);
    assert.deepEqual(users(planOk(policy([rule('r1', { include: { groups: ['*'] } })]), s)), ['grouped']);
  });

  test('patterns also work in exclude.groups and protect.groups', () => {
    const s = snapshot([
      user('kept', { groups: ['keep-forever'], lastLogin: IDLE }),
      user('adm', { groups: ['admins-eu'], lastLogin: IDLE }),
      user('plain', { groups: ['staff'], lastLogin: IDLE }),
    ]);
    const p = policy([rule('r1', { exclude: { groups: ['keep-*'] } })], { protect: { groups: ['ADMINS-*'] } });
    const plan = planOk(p, s);
    assert.deepEqual(users(plan), ['plain']);
    assert.deepEqual(plan.protected.map((x) => [x.user, x.code]), [['adm', 'protect.group']]);
  });
});

describe('clause 3: include absent or empty = all users', () => {
  const s = snapshot([
    user('nogroups', { groups: [], lastLogin: IDLE }),
    user('grouped', { groups: ['staff'], lastLogin: IDLE }),
    user('fresh', { groups: ['staff'], lastLogin: ago(1) }),
  ]);
  for (const [label, extra] of [
    ['absent', {}],
    ['include: {}', { include: {} }],
    ['include.groups: []', { include: { groups: [] } }],
  ]) {
    test(`include ${label} selects every (idle) user`, () => {
      const plan = planOk(policy([rule('r1', extra)]), s);
      assert.deepEqual(users(plan), ['grouped', 'nogroups']);
      for (const a of plan.actions) assert.deepEqual(a.facts.matchedGroups, []);
    });
  }
});

describe('clause 4: exclude stops the rule; the next rule is tried', () => {
  test('exclude.groups / exclude.users fall through to the next rule', () => {
    const s = snapshot([
      user('amy', { groups: ['contractors'], lastLogin: IDLE }),
      user('bob', { groups: ['contractors'], lastLogin: IDLE }),
      user('cat', { groups: ['contractors', 'keep-forever'], lastLogin: IDLE }),
      user('dan', { groups: ['staff'], lastLogin: IDLE }),
    ]);
    const p = policy([
      rule('r1', { include: { groups: ['contractors'] }, exclude: { groups: ['keep-*'], users: ['bob'] } }),
      rule('r2', { action: { type: 'review' } }),
    ]);
    const a = byUser(planOk(p, s));
    assert.deepEqual(Object.keys(a).sort(), ['amy', 'bob', 'cat', 'dan']);
    assert.deepEqual([a.amy.rule, a.amy.action], ['r1', 'deactivate']);
    assert.deepEqual([a.bob.rule, a.bob.action], ['r2', 'review']);
    assert.deepEqual([a.cat.rule, a.cat.action], ['r2', 'review']);
    assert.deepEqual([a.dan.rule, a.dan.action], ['r2', 'review']);
  });

  test('an excluded user that is also protected is not reported protected by the excluding rule', () => {
    const s = snapshot([user('vip', { groups: ['keep'], lastLogin: IDLE })]);
    const p = policy([rule('r1', { exclude: { groups: ['keep'] } })], { protect: { users: ['vip'] } });
    const plan = planOk(p, s);
    assert.deepEqual(plan.actions, []);
    assert.deepEqual(plan.protected, []);
  });
});

describe('clause 5: email', () => {
  const s = snapshot([
    user('in1', { email: 'a@acme.com', lastLogin: IDLE }),
    user('in2', { email: 'b@eu.acme.com', lastLogin: IDLE }),
    user('in3', { email: 'C@ACME.COM', lastLogin: IDLE }),
    user('in4', { email: 'y@partner.io@Eu.Acme.com', lastLogin: IDLE }), // last @ wins
    user('ex1', { email: 'd@notacme.com', lastLogin: IDLE }),
    user('ex2', { email: 'e@acme.com.evil.io', lastLogin: IDLE }),
    user('ex3', { email: 'x@acme.com@partner.io', lastLogin: IDLE }), // last @ wins
    user('ex4', { email: 'p@PARTNER.IO', lastLogin: IDLE }),
    user('ex5', { email: 'q@sub.partner.io', lastLogin: IDLE }),
    user('ex6', { email: 'r@notpartner.io', lastLogin: IDLE }),
    user('nomail', { email: undefined, lastLogin: IDLE }),
    user('emptymail', { email: '', lastLogin: IDLE }),
  ]);
  const withEmail = (email) => policy([rule('r1', { email, action: { type: 'review' } })], { internalDomains: ['acme.com'] });

  test('external: true selects domains belonging to no internal domain', () => {
    assert.deepEqual(users(planOk(withEmail({ external: true }), s)), ['ex1', 'ex2', 'ex3', 'ex4', 'ex5', 'ex6']);
  });

  test('external: false selects domains belonging to an internal domain (subdomains too)', () => {
    assert.deepEqual(users(planOk(withEmail({ external: false }), s)), ['in1', 'in2', 'in3', 'in4']);
  });

  test('domains selects domains belonging to a listed one', () => {
    assert.deepEqual(users(planOk(withEmail({ domains: ['partner.io'] }), s)), ['ex3', 'ex4', 'ex5']);
  });

  test('external: true with no internalDomains: every domain is external; no email still never', () => {
    const plan = planOk(policy([rule('r1', { email: { external: true } })]), s);
    assert.deepEqual(users(plan), ['ex1', 'ex2', 'ex3', 'ex4', 'ex5', 'ex6', 'in1', 'in2', 'in3', 'in4']);
  });

  test('emailDomain fact: the part after the last @, lowercased', () => {
    const a = byUser(planOk(policy([rule('r1')], { internalDomains: ['acme.com'] }), s));
    const domains = Object.fromEntries(Object.values(a).map((x) => [x.user, x.facts.emailDomain]));
    assert.deepEqual(domains, {
      in1: 'acme.com', in2: 'eu.acme.com', in3: 'acme.com', in4: 'eu.acme.com',
      ex1: 'notacme.com', ex2: 'acme.com.evil.io', ex3: 'partner.io', ex4: 'partner.io',
      ex5: 'sub.partner.io', ex6: 'notpartner.io', nomail: null, emptymail: null,
    });
  });

  test('users without an email (absent or empty) are never selected by an email condition, and fall through', () => {
    for (const email of [{ external: true }, { external: false }, { domains: ['acme.com', 'partner.io'] }]) {
      const p = policy(
        [rule('r1', { email }), rule('r2', { action: { type: 'review' } })],
        { internalDomains: ['acme.com'] },
      );
      const a = byUser(planOk(p, s));
      assert.equal(a.nomail.rule, 'r2', JSON.stringify(email));
      assert.equal(a.emptymail.rule, 'r2', JSON.stringify(email));
    }
  });
});

describe('clause 6: inactivity', () => {
  test('lastLogin a date: selected exactly at inactiveDays × 24 h, not 1 ms before', () => {
    const s = snapshot([
      user('exact', { lastLogin: ago(90) }),
      user('almost', { lastLogin: ago(90, 1) }),
      user('old', { lastLogin: ago(400) }),
      user('msformat', { lastLogin: '2026-08-29T00:00:00.000Z' }),
      user('fresh', { lastLogin: ago(0, -1) }),
    ]);
    const plan = planOk(policy([rule('r1', { inactiveDays: 90 })]), s);
    assert.deepEqual(users(plan), ['exact', 'msformat', 'old']);
    const a = byUser(plan);
    assert.equal(a.exact.facts.daysInactive, 90);
    assert.equal(a.exact.facts.lastLogin, '2026-08-29T00:00:00Z');
    assert.equal(a.old.facts.daysInactive, 400);
  });

  test('daysInactive is whole days (floor)', () => {
    const s = snapshot([user('u', { lastLogin: ago(91, 1) })]); // 90 days and 23:59:59.999
    const a = byUser(planOk(policy([rule('r1', { inactiveDays: 90 })]), s));
    assert.equal(a.u.facts.daysInactive, 90);
  });

  test('Jira +1000 offsets and RFC 3339 offsets are the same instant', () => {
    const s = snapshot([
      user('jira', { lastLogin: '2026-08-29T10:00:00+1000' }), // == 2026-08-29T00:00:00Z == asOf − 90 d
      user('jiralate', { lastLogin: '2026-08-29T10:00:01+1000' }),
      user('rfc', { lastLogin: '2026-08-29T10:00:00+10:00' }),
      user('west', { lastLogin: '2026-08-28T20:00:00-0400' }),
      user('westlate', { lastLogin: '2026-08-28T20:00:01-04:00' }),
    ]);
    const plan = planOk(policy([rule('r1', { inactiveDays: 90 })]), s);
    assert.deepEqual(users(plan), ['jira', 'rfc', 'west']);
    for (const a of plan.actions) {
      assert.equal(a.facts.lastLogin, '2026-08-29T00:00:00Z', a.user);
      assert.equal(a.facts.daysInactive, 90, a.user);
    }
  });

  test('lastLogin null: only with neverLoggedIn, created known, created ≥ createdMoreThanDays × 24 h ago', () => {
    const s = snapshot([
      user('n-exact', { lastLogin: null, created: ago(30) }),
      user('n-almost', { lastLogin: null, created: ago(30, 1) }),
      user('n-nocreated', { lastLogin: null, created: undefined }),
      user('n-offset', { lastLogin: null, created: '2026-10-28T10:00:00+1000' }), // asOf − 30 d
      user('n-old', { lastLogin: null, created: ago(400) }),
      user('recent', { lastLogin: ago(10), created: ago(400) }),
    ]);
    const withNever = planOk(policy([rule('r1', { inactiveDays: 90, neverLoggedIn: { createdMoreThanDays: 30 } })]), s);
    assert.deepEqual(users(withNever), ['n-exact', 'n-offset', 'n-old']);
    const a = byUser(withNever);
    assert.equal(a['n-exact'].facts.lastLogin, null);
    assert.equal(a['n-exact'].facts.daysInactive, 30);
    assert.equal(a['n-exact'].facts.created, ago(30));
    assert.equal(a['n-offset'].facts.created, '2026-10-28T00:00:00Z');
    assert.equal(a['n-old'].facts.daysInactive, 400);

    const without = planOk(policy([rule('r1', { inactiveDays: 90 })]), s);
    assert.deepEqual(users(without), [], 'never-logged-in users need neverLoggedIn');
  });

  test('lastLogin absent (not known) is never selected, even with neverLoggedIn and an old account', () => {
    const s = snapshot([
      user('unknown', { lastLogin: undefined, created: ago(4000) }),
      user('unknown-nocreated', { lastLogin: undefined, created: undefined }),
    ]);
    const p = policy([rule('r1', { inactiveDays: 1, neverLoggedIn: { createdMoreThanDays: 0 } })]);
    const plan = planOk(p, s);
    assert.deepEqual(plan.actions, []);
    assert.deepEqual(plan.protected, []);
  });

  test('inactiveDays 0 / createdMoreThanDays 0: asOf itself is selected, 1 ms in the future is not', () => {
    const s = snapshot([
      user('now', { lastLogin: AS_OF }),
      user('fut', { lastLogin: ago(0, 1) }),
      user('n-now', { lastLogin: null, created: AS_OF }),
      user('n-fut', { lastLogin: null, created: ago(0, 1) }),
    ]);
    const plan = planOk(policy([rule('r1', { inactiveDays: 0, neverLoggedIn: { createdMoreThanDays: 0 } })]), s);
    assert.deepEqual(users(plan), ['n-now', 'now']);
    for (const a of plan.actions) assert.equal(a.facts.daysInactive, 0);
  });

  test('facts: created null when not known, directory null when absent', () => {
    const s = snapshot([
      user('u1', { lastLogin: IDLE, created: undefined }),
      user('u2', { lastLogin: IDLE, directory: 'Corporate LDAP (read-only)' }),
    ]);
    const a = byUser(planOk(policy([rule('r1')]), s));
    assert.equal(a.u1.facts.created, null);
    assert.equal(a.u1.facts.directory, null);
    assert.equal(a.u2.facts.directory, 'Corporate LDAP (read-only)');
    assert.equal(a.u2.facts.created, '2020-01-01T00:00:00Z');
  });
});

describe('clause 7: protection', () => {
  const SA = (u, expires) => ({ user: u, owner: `${u}-owner@acme.com`, purpose: `purpose of ${u}`, expires });

  test('protect.groups, protect.users and actor: never actioned, reported with rule, code and reason', () => {
    const s = snapshot([
      user('adm', { groups: ['jira-administrators'], lastLogin: IDLE }),
      user('keeper', { lastLogin: IDLE }),
      user('boss', { lastLogin: IDLE }),
      user('joe', { lastLogin: IDLE }),
    ]);
    const p = policy([rule('r1')], { protect: { groups: ['jira-administrators'], users: ['keeper'] } });
    const plan = planOk(p, s, { asOf: AS_OF, actor: 'boss' });
    assert.equal(plan.actor, 'boss');
    assert.deepEqual(users(plan), ['joe']);
    const prot = protectedByUser(plan);
    assert.deepEqual(Object.keys(prot).sort(), ['adm', 'boss', 'keeper']);
    for (const [u, code] of [['adm', 'protect.group'], ['keeper', 'protect.user'], ['boss', 'protect.actor']]) {
      assert.equal(prot[u].rule, 'r1');
      assert.equal(prot[u].code, code);
      assert.equal(typeof prot[u].reason, 'string');
      assert.ok(prot[u].reason.length > 0);
    }
    assert.ok(prot.adm.reason.includes('jira-administrators'), 'the group reason names the group');
    assert.equal(plan.counts.protected, 3);
  });

  test('actor is null when not given; then the admin is not protected', () => {
    const s = snapshot([user('boss', { lastLogin: IDLE })]);
    const plan = planOk(policy([rule('r1')]), s);
    assert.equal(plan.actor, null);
    assert.deepEqual(users(plan), ['boss']);
  });

  test('protected users are reported only when a rule would have selected them, naming that rule', () => {
    const s = snapshot([
      user('p-fresh', { lastLogin: ago(1) }),
      user('p-unknown', { lastLogin: undefined }),
      user('p-contractor', { groups: ['contractors'], lastLogin: IDLE }),
      user('p-staff', { groups: ['staff'], lastLogin: IDLE }),
    ]);
    const p = policy(
      [rule('r1', { include: { groups: ['contractors'] } }), rule('r2', { inactiveDays: 60, action: { type: 'review' } })],
      { protect: { users: ['p-fresh', 'p-unknown', 'p-contractor', 'p-staff'] } },
    );
    const plan = planOk(p, s);
    assert.deepEqual(plan.actions, []);
    assert.deepEqual(
      plan.protected.map((x) => [x.user, x.rule, x.code]).sort(),
      [['p-contractor', 'r1', 'protect.user'], ['p-staff', 'r2', 'protect.user']],
    );
    assert.equal(plan.counts.protected, 2);
  });

  test('service accounts: protected while expires is after asOf; date-only expiry is 00:00 UTC', () => {
    const s = snapshot([
      user('sa-future', { lastLogin: IDLE }),
      user('sa-ts-after', { lastLogin: IDLE }),
      user('sa-today', { lastLogin: IDLE }),
      user('sa-ts-equal', { lastLogin: IDLE }),
      user('sa-past', { lastLogin: IDLE }),
      user('sa-past-fresh', { lastLogin: ago(1) }),
    ]);
    const p = policy([rule('r1')], {
      serviceAccounts: [
        SA('sa-future', '2026-11-28'),
        SA('sa-ts-after', '2026-11-27T00:00:01Z'),
        SA('sa-today', '2026-11-27'), // == asOf: not after, so expired
        SA('sa-ts-equal', '2026-11-27T00:00:00Z'),
        SA('sa-past', '2026-01-01'),
        SA('sa-past-fresh', '2025-12-31'),
      ],
    });
    const plan = planOk(p, s);
    assert.deepEqual(users(plan), ['sa-past', 'sa-today', 'sa-ts-equal']);
    const prot = protectedByUser(plan);
    assert.deepEqual(Object.keys(prot).sort(), ['sa-future', 'sa-ts-after']);
    assert.equal(prot['sa-future'].code, 'protect.serviceAccount');
    assert.equal(prot['sa-ts-after'].code, 'protect.serviceAccount');

    const a = byUser(plan);
    assert.deepEqual(a['sa-today'].facts.serviceAccount, {
      owner: 'sa-today-owner@acme.com', purpose: 'purpose of sa-today', expires: '2026-11-27', expired: true,
    });
    for (const u of ['sa-ts-equal', 'sa-past']) assert.equal(a[u].facts.serviceAccount.expired, true);

    const expired = Object.fromEntries(plan.expiredServiceAccounts.map((e) => [e.user, e]));
    assert.deepEqual(Object.keys(expired).sort(), ['sa-past', 'sa-past-fresh', 'sa-today', 'sa-ts-equal']);
    assert.equal(expired['sa-today'].actioned, true);
    assert.equal(expired['sa-today'].owner, 'sa-today-owner@acme.com');
    assert.equal(expired['sa-today'].purpose, 'purpose of sa-today');
    assert.equal(expired['sa-today'].expires, '2026-11-27');
    assert.equal(expired['sa-past'].actioned, true);
    assert.equal(expired['sa-past-fresh'].actioned, false);
  });

  test('facts.serviceAccount appears only for expired service accounts', () => {
    const s = snapshot([user('plain', { lastLogin: IDLE })]);
    const a = byUser(planOk(policy([rule('r1')]), s));
    assert.ok(!('serviceAccount' in a.plain.facts));
  });

  test('protection applies to every rule, the first that would select is named', () => {
    const s = snapshot([user('adm', { groups: ['jira-administrators', 'contractors'], lastLogin: IDLE })]);
    const p = policy(
      [rule('r0', { inactiveDays: 200 }), rule('r1', { include: { groups: ['contractors'] } }), rule('r2')],
      { protect: { groups: ['jira-administrators'] } },
    );
    const plan = planOk(p, s);
    assert.deepEqual(plan.actions, []);
    assert.deepEqual(plan.protected.map((x) => [x.user, x.rule]), [['adm', 'r1']]);
  });
});

describe('clause 8: rule order', () => {
  test('the first selecting rule decides; a user is actioned at most once', () => {
    const s = snapshot([
      user('u1', { groups: ['contractors'], lastLogin: ago(100) }),
      user('u2', { groups: ['contractors'], lastLogin: ago(45) }),
      user('u3', { groups: ['staff'], lastLogin: ago(100) }),
      user('u4', { groups: ['staff'], lastLogin: ago(2) }),
    ]);
    const p = policy([
      rule('r1', { include: { groups: ['contractors'] }, inactiveDays: 60 }),
      rule('r2', { inactiveDays: 30, action: { type: 'review' } }),
      rule('r3', { inactiveDays: 30 }),
    ]);
    const plan = planOk(p, s);
    assert.deepEqual(plan.actions.map((a) => [a.user, a.rule, a.action]), [
      ['u1', 'r1', 'deactivate'],
      ['u2', 'r2', 'review'],
      ['u3', 'r2', 'review'],
    ]);
    assert.equal(plan.counts.byRule.r1, 1);
    assert.equal(plan.counts.byRule.r2, 2);
    assert.equal(plan.counts.byRule.r3 ?? 0, 0);
  });
});

describe('clause 9: removeFromGroups', () => {
  test('lists only the groups the user is in; a user in none falls through to the next rule', () => {
    const s = snapshot([
      user('m1', { groups: ['jira-software-users', 'JIRA-Core-Users', 'staff', 'confluence-users'], lastLogin: IDLE }),
      user('m2', { groups: ['staff'], lastLogin: IDLE }),
      user('m3', { groups: [], lastLogin: IDLE }),
    ]);
    const p = policy([
      rule('r1', { action: { type: 'removeFromGroups', groups: ['jira-*-users', 'Confluence-Users', 'bitbucket-users'] } }),
      rule('r2', { action: { type: 'review' } }),
    ]);
    const plan = planOk(p, s);
    const a = byUser(plan);
    assert.deepEqual([a.m1.rule, a.m1.action], ['r1', 'removeFromGroups']);
    assert.deepEqual(sorted(lower(a.m1.groups)), ['confluence-users', 'jira-core-users', 'jira-software-users']);
    assert.deepEqual([a.m2.rule, a.m2.action], ['r2', 'review']);
    assert.deepEqual([a.m3.rule, a.m3.action], ['r2', 'review']);
    assert.ok(!('groups' in a.m2), 'review actions carry no groups');
  });

  test('deactivate actions carry no groups', () => {
    const s = snapshot([user('d', { groups: ['staff'], lastLogin: IDLE })]);
    const a = byUser(planOk(policy([rule('r1')]), s));
    assert.ok(!('groups' in a.d));
  });

  test('a protected user in the groups is reported protected, not actioned', () => {
    const s = snapshot([user('vip', { groups: ['jira-software-users'], lastLogin: IDLE })]);
    const p = policy([rule('r1', { action: { type: 'removeFromGroups', groups: ['jira-*-users'] } })], { protect: { users: ['vip'] } });
    const plan = planOk(p, s);
    assert.deepEqual(plan.actions, []);
    assert.deepEqual(plan.protected.map((x) => [x.user, x.rule]), [['vip', 'r1']]);
  });
});

describe('clause 10: maxActionsPerRun', () => {
  const s = snapshot([
    user('d1', { groups: ['d'], lastLogin: IDLE }),
    user('d2', { groups: ['d'], lastLogin: IDLE }),
    user('g1', { groups: ['g', 'jira-software-users'], lastLogin: IDLE }),
    user('r1', { groups: ['r'], lastLogin: IDLE }),
    user('r2', { groups: ['r'], lastLogin: IDLE }),
    user('r3', { groups: ['r'], lastLogin: IDLE }),
    user('r4', { groups: ['r'], lastLogin: IDLE }),
  ]);
  const rules = [
    rule('deact', { include: { groups: ['d'] } }),
    rule('remove', { include: { groups: ['g'] }, action: { type: 'removeFromGroups', groups: ['jira-software-users'] } }),
    rule('rev', { include: { groups: ['r'] }, action: { type: 'review' } }),
  ];
  const withLimit = (n) => policy(rules, { limits: { maxActionsPerRun: n } });

  test('counts: review actions do not count as executable', () => {
    const plan = planOk(withLimit(3), s);
    assert.deepEqual(plan.counts, {
      ...plan.counts,
      users: 7, activeUsers: 7, actions: 7, executable: 3, protected: 0,
    });
    assert.equal(plan.counts.byAction.deactivate, 2);
    assert.equal(plan.counts.byAction.removeFromGroups, 1);
    assert.equal(plan.counts.byAction.review, 4);
    assert.deepEqual(plan.counts.byRule, { deact: 2, remove: 1, rev: 4 });
  });

  test('executable == limit → not over the limit', () => {
    const plan = planOk(withLimit(3), s);
    assert.equal(plan.overLimit, false);
    assert.deepEqual(plan.limit, { maxActionsPerRun: 3 });
  });

  test('executable > limit → over the limit, and every action is still listed', () => {
    const plan = planOk(withLimit(2), s);
    assert.equal(plan.overLimit, true);
    assert.equal(plan.actions.length, 7);
    assert.deepEqual(plan.limit, { maxActionsPerRun: 2 });
  });

  test('no limit → limit null (docs: "null when the policy sets none"), never over', () => {
    const p = { version: 1, rules };
    const plan = planOk(p, s);
    // The doc comment is ambiguous between `limit: null` and `limit: {maxActionsPerRun: null}`.
    assert.ok(plan.limit === null || (typeof plan.limit === 'object' && plan.limit.maxActionsPerRun === null),
      `limit is ${JSON.stringify(plan.limit)}`);
    assert.equal(plan.overLimit, false);
  });

  test('only review actions, limit 1 → not over the limit', () => {
    const plan = planOk(policy([rules[2]], { limits: { maxActionsPerRun: 1 } }), s);
    assert.equal(plan.actions.length, 4);
    assert.equal(plan.counts.executable, 0);
    assert.equal(plan.overLimit, false);
  });
});

describe('plan shape', () => {
  test('actions are sorted by username case-insensitively', () => {
    const names = ['carol', 'Dave', 'bob', 'alice2', 'B0', 'Alice', 'a1'];
    const s = snapshot(names.map((n) => user(n, { lastLogin: IDLE })));
    const plan = planOk(policy([rule('r1')]), s);
    assert.deepEqual(users(plan), ['a1', 'Alice', 'alice2', 'B0', 'bob', 'carol', 'Dave']);
  });

  test('asOf echoed in UTC; each action has user, displayName, email, rule, action, reasons, facts', () => {
    const s = snapshot([user('fred', { displayName: 'Fred F. User', email: 'fred@partner.io', groups: ['contractors'], lastLogin: '2026-08-01T09:00:00Z' })]);
    const p = policy([rule('contractors-90d', { include: { groups: ['contractors'] }, email: { external: true }, inactiveDays: 90 })], { internalDomains: ['acme.com'] });
    const plan = planOk(p, s, { asOf: '2026-11-27T01:00:00+01:00' });
    assert.equal(plan.asOf, AS_OF);
    const [a] = plan.actions;
    assert.equal(a.user, 'fred');
    assert.equal(a.displayName, 'Fred F. User');
    assert.equal(a.email, 'fred@partner.io');
    assert.equal(a.rule, 'contractors-90d');
    assert.equal(a.action, 'deactivate');
    assert.ok(Array.isArray(a.reasons) && a.reasons.length > 0);
    for (const r of a.reasons) assert.ok(typeof r === 'string' && r.length > 0);
    assert.deepEqual(a.facts, {
      lastLogin: '2026-08-01T09:00:00Z',
      daysInactive: 117, // 2026-08-01T09:00Z → 2026-11-27T00:00Z = 117 d 15 h
      created: '2020-01-01T00:00:00Z',
      matchedGroups: ['contractors'],
      emailDomain: 'partner.io',
      directory: null,
    });
  });

  test('output instants are UTC with milliseconds only when not zero', () => {
    const s = snapshot([user('ms', { lastLogin: '2026-01-05T12:45:47.756Z', created: '2020-01-01T00:00:00.250+01:00' })]);
    const [a] = planOk(policy([rule('r1')]), s).actions;
    assert.match(a.facts.lastLogin, UTC_INSTANT);
    assert.match(a.facts.created, UTC_INSTANT);
    assert.equal(a.facts.lastLogin, '2026-01-05T12:45:47.756Z');
    assert.equal(a.facts.created, '2019-12-31T23:00:00.250Z');
  });
});

describe('licence impact', () => {
  const roles = [
    { key: 'jira-software', name: 'Jira Software', groups: ['jira-software-users', 'jira-administrators'], numberOfSeats: 10, userCount: 5, hasUnlimitedSeats: false },
    { key: 'jira-servicedesk', name: 'Jira Service Management', groups: ['jira-servicemanagement-users'], numberOfSeats: 5, userCount: 2, hasUnlimitedSeats: false },
    { key: 'jira-core', name: 'Jira Core', groups: ['jira-core-users'], numberOfSeats: -1, userCount: 2, hasUnlimitedSeats: true },
  ];
  const s = snapshot([
    // deactivated: frees a seat in every role held
    user('A', { groups: ['deact', 'jira-software-users', 'jira-servicemanagement-users', 'jira-core-users'], lastLogin: IDLE }),
    // loses jira-software-users but keeps jira-administrators: still holds the Software seat
    user('B', { groups: ['remove', 'jira-software-users', 'jira-administrators'], lastLogin: IDLE }),
    // loses both role groups: frees Software and Service Management
    user('C', { groups: ['remove', 'jira-software-users', 'jira-servicemanagement-users'], lastLogin: IDLE }),
    // review: frees nothing
    user('D', { groups: ['rev', 'jira-software-users'], lastLogin: IDLE }),
    // not selected
    user('E', { groups: ['jira-software-users'], lastLogin: ago(1) }),
    // inactive: holds no seat
    user('F', { active: false, groups: ['deact', 'jira-software-users'], lastLogin: IDLE }),
    // loses jira-core-users: frees Core
    user('G', { groups: ['remove', 'jira-core-users'], lastLogin: IDLE }),
  ], roles);
  const p = policy([
    rule('r-deact', { include: { groups: ['deact'] } }),
    rule('r-remove', { include: { groups: ['remove'] }, action: { type: 'removeFromGroups', groups: ['jira-*-users'] } }),
    rule('r-review', { include: { groups: ['rev'] }, action: { type: 'review' } }),
  ]);

  test('seats before / after / freed and remaining per role', () => {
    const plan = planOk(p, s);
    const lic = Object.fromEntries(plan.licence.map((l) => [l.role, l]));
    assert.deepEqual(Object.keys(lic).sort(), ['jira-core', 'jira-servicedesk', 'jira-software']);
    assert.deepEqual(lic['jira-software'], {
      role: 'jira-software', name: 'Jira Software', numberOfSeats: 10, hasUnlimitedSeats: false,
      seatsBefore: 5, seatsAfter: 3, seatsFreed: 2, remainingBefore: 5, remainingAfter: 7,
    });
    assert.deepEqual(lic['jira-servicedesk'], {
      role: 'jira-servicedesk', name: 'Jira Service Management', numberOfSeats: 5, hasUnlimitedSeats: false,
      seatsBefore: 2, seatsAfter: 0, seatsFreed: 2, remainingBefore: 3, remainingAfter: 5,
    });
    assert.equal(lic['jira-core'].hasUnlimitedSeats, true);
    assert.equal(lic['jira-core'].seatsBefore, 2);
    assert.equal(lic['jira-core'].seatsAfter, 0);
    assert.equal(lic['jira-core'].seatsFreed, 2);
    assert.equal(lic['jira-core'].remainingBefore, null);
    assert.equal(lic['jira-core'].remainingAfter, null);
  });

  test('role groups compare case-insensitively with user groups', () => {
    const s2 = snapshot([user('a', { groups: ['jira-software-users'], lastLogin: IDLE })],
      [{ key: 'js', name: 'JS', groups: ['JIRA-Software-Users'], numberOfSeats: 10, userCount: 1, hasUnlimitedSeats: false }]);
    const [l] = planOk(policy([rule('r1')]), s2).licence;
    assert.deepEqual([l.seatsBefore, l.seatsAfter, l.seatsFreed], [1, 0, 1]);
  });

  test('counts', () => {
    const plan = planOk(p, s);
    assert.equal(plan.counts.users, 7);
    assert.equal(plan.counts.activeUsers, 6);
    assert.equal(plan.counts.actions, 5);
    assert.equal(plan.counts.executable, 4);
    assert.deepEqual(
      { deactivate: 0, removeFromGroups: 0, review: 0, ...plan.counts.byAction },
      { deactivate: 1, removeFromGroups: 3, review: 1 },
    );
    assert.deepEqual(plan.counts.byRule, { 'r-deact': 1, 'r-remove': 3, 'r-review': 1 });
    assert.equal(plan.counts.protected, 0);
    const a = byUser(plan);
    assert.deepEqual(a.B.groups, ['jira-software-users']);
    assert.deepEqual(sorted(a.C.groups), ['jira-servicemanagement-users', 'jira-software-users']);
  });
});

test('engine.mjs exports the documented functions; version() is a non-empty string', () => {
  for (const f of ['version', 'validate', 'plan', 'planJson', 'dashboard', 'planTier', 'nextRuns']) {
    assert.equal(typeof engine[f], 'function', f);
  }
  assert.equal(typeof engine.version(), 'string');
  assert.ok(engine.version().length > 0);
});
