// Validation: stable problem codes and exact JSON paths (docs/policy.md, docs/engine-api.md
// "Result envelope"). Expectations are hand-written from the contract.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  engine, AS_OF, ago, user, snapshot, policy, rule, ok, failed, assertHasProblem, findProblem,
} from '../golden/helpers.mjs';

const S = snapshot([user('fred', { groups: ['staff'] }), user('alice', { groups: ['contractors'] })]);
const P = () => policy([rule('r1')], { internalDomains: ['acme.com'] });

/** validate(policy) must fail with exactly one error, `code` at `path` (code undefined = any code). */
function oneError(p, code, path, snap) {
  const errors = failed(engine.validate(p, snap));
  assert.equal(errors.length, 1, `exactly one error, got ${JSON.stringify(errors, null, 1)}`);
  const [e] = errors;
  if (code !== undefined) assert.equal(e.code, code);
  assert.equal(e.path, path);
  assert.equal(e.source, 'policy');
  return e;
}

describe('policy: valid', () => {
  test('a valid policy validates, alone and with a snapshot', () => {
    ok(engine.validate(P()));
    ok(engine.validate(P(), S));
    ok(engine.validate(P(), S, { asOf: AS_OF }));
  });

  test("the README's example policy (without schedules) is valid", () => {
    const p = {
      version: 1,
      internalDomains: ['acme.com'],
      protect: { groups: ['jira-administrators'], users: ['svc-backup'] },
      serviceAccounts: [{ user: 'svc-ci', owner: 'ops@acme.com', purpose: 'CI', expires: '2027-06-30' }],
      limits: { maxActionsPerRun: 100 },
      rules: [{
        id: 'contractors-90d',
        description: 'Contractors idle for a quarter',
        include: { groups: ['contractors', 'ext-*'] },
        exclude: { groups: ['keep-forever'], users: ['alice'] },
        email: { external: true },
        inactiveDays: 90,
        neverLoggedIn: { createdMoreThanDays: 30 },
        action: { type: 'deactivate' },
      }],
    };
    ok(engine.validate(p));
  });

  test('every action type is accepted', () => {
    for (const action of [{ type: 'deactivate' }, { type: 'review' }, { type: 'removeFromGroups', groups: ['jira-*-users'] }]) {
      ok(engine.validate(policy([rule('r1', { action })])));
    }
  });

  test('every email form is accepted', () => {
    for (const email of [{ external: true }, { external: false }, { domains: ['partner.io', 'eu.partner.io'] }]) {
      ok(engine.validate(policy([rule('r1', { email })], { internalDomains: ['acme.com'] })));
    }
  });
});

describe('policy: unknown fields', () => {
  test('rules[0].inactveDays → policy.unknownField (the typo the contract names)', () => {
    const p = P();
    p.rules[0].inactveDays = 90;
    const e = oneError(p, 'policy.unknownField', 'rules[0].inactveDays');
    assert.equal(e.source, 'policy');
    assert.equal(e.severity, 'error');
    assert.ok(e.message.includes('inactveDays'), 'the message names the field');
  });

  for (const [label, mutate, path] of [
    ['top level', (p) => { p.rulez = []; }, 'rulez'],
    ['include', (p) => { p.rules[0].include = { grups: ['x'] }; }, 'rules[0].include.grups'],
    ['exclude', (p) => { p.rules[0].exclude = { user: ['x'] }; }, 'rules[0].exclude.user'],
    ['action', (p) => { p.rules[0].action.gropus = ['x']; }, 'rules[0].action.gropus'],
    ['protect', (p) => { p.protect = { user: ['root'] }; }, 'protect.user'],
    ['limits', (p) => { p.limits = { maxActions: 5 }; }, 'limits.maxActions'],
    ['email', (p) => { p.rules[0].email = { external: true, externel: true }; }, 'rules[0].email.externel'],
    ['serviceAccounts', (p) => {
      p.serviceAccounts = [{ user: 'svc', owner: 'o@acme.com', purpose: 'x', expires: '2027-01-01', expiry: '2027-01-01' }];
    }, 'serviceAccounts[0].expiry'],
    ['second rule', (p) => { p.rules.push(rule('r2', { inactivDays: 3 })); }, 'rules[1].inactivDays'],
  ]) {
    test(`unknown field in ${label} → policy.unknownField at ${path}`, () => {
      const p = P();
      mutate(p);
      oneError(p, 'policy.unknownField', path);
    });
  }

  test('unknown field in neverLoggedIn → policy.unknownField at rules[0].neverLoggedIn.createdMoreThanDay', () => {
    const p = P();
    p.rules[0].neverLoggedIn = { createdMoreThanDay: 5 };
    // createdMoreThanDays is then also missing: that may be reported too.
    assertHasProblem(failed(engine.validate(p)), 'policy.unknownField', 'rules[0].neverLoggedIn.createdMoreThanDay');
  });

  test('a key that needs quoting is reported with a bracketed path', () => {
    const p = P();
    p.rules[0]['bad key'] = 1;
    const errors = failed(engine.validate(p));
    assert.equal(errors.length, 1);
    assert.equal(errors[0].code, 'policy.unknownField');
    assert.equal(errors[0].path, 'rules[0]["bad key"]');
  });
});

describe('policy: wrong types', () => {
  for (const [label, mutate, path] of [
    ['inactiveDays as text', (p) => { p.rules[0].inactiveDays = '90'; }, 'rules[0].inactiveDays'],
    ['include.groups as text', (p) => { p.rules[0].include = { groups: 'contractors' }; }, 'rules[0].include.groups'],
    ['include.groups[0] a number', (p) => { p.rules[0].include = { groups: ['a', 7] }; }, 'rules[0].include.groups[1]'],
    ['protect.users as text', (p) => { p.protect = { users: 'root' }; }, 'protect.users'],
    ['rules an object', (p) => { p.rules = { r1: rule('r1') }; }, 'rules'],
    ['a rule as text', (p) => { p.rules = ['r1']; }, 'rules[0]'],
    ['action as text', (p) => { p.rules[0].action = 'deactivate'; }, 'rules[0].action'],
    ['neverLoggedIn true', (p) => { p.rules[0].neverLoggedIn = true; }, 'rules[0].neverLoggedIn'],
    ['email.external as text', (p) => { p.rules[0].email = { external: 'yes' }; }, 'rules[0].email.external'],
    ['limits.maxActionsPerRun as text', (p) => { p.limits = { maxActionsPerRun: '100' }; }, 'limits.maxActionsPerRun'],
    ['internalDomains as text', (p) => { p.internalDomains = 'acme.com'; }, 'internalDomains'],
    ['rule id a number', (p) => { p.rules[0].id = 1; }, 'rules[0].id'],
  ]) {
    test(`${label} → policy.invalidType at ${path}`, () => {
      const p = P();
      mutate(p);
      const errors = failed(engine.validate(p));
      assertHasProblem(errors, 'policy.invalidType', path);
    });
  }

  test('version as text → policy.invalidType at version', () => {
    const p = P();
    p.version = '1';
    assertHasProblem(failed(engine.validate(p)), 'policy.invalidType', 'version');
  });

  for (const [label, mutate, path] of [
    ['version as text', (p) => { p.version = '1'; }, 'version'],
    ['negative inactiveDays', (p) => { p.rules[0].inactiveDays = -5; }, 'rules[0].inactiveDays'],
    ['fractional inactiveDays', (p) => { p.rules[0].inactiveDays = 1.5; }, 'rules[0].inactiveDays'],
    ['negative createdMoreThanDays', (p) => { p.rules[0].neverLoggedIn = { createdMoreThanDays: -1 }; }, 'rules[0].neverLoggedIn.createdMoreThanDays'],
    ['negative maxActionsPerRun', (p) => { p.limits = { maxActionsPerRun: -1 }; }, 'limits.maxActionsPerRun'],
    ['unsupported version', (p) => { p.version = 2; }, 'version'],
  ]) {
    test(`${label} → an error at ${path}`, () => {
      const p = P();
      mutate(p);
      const errors = failed(engine.validate(p));
      assert.ok(errors.some((e) => e.path === path && e.source === 'policy'), JSON.stringify(errors));
    });
  }

  test('the policy itself not an object (JSON text of an array / a number / null)', () => {
    for (const text of ['[]', '42', 'null', '"policy"', 'true']) {
      const errors = failed(engine.validate(text));
      assert.ok(errors.some((e) => e.path === '' && e.source === 'policy'), `${text}: ${JSON.stringify(errors)}`);
    }
  });
});

describe('policy: missing fields', () => {
  test('missing version → policy.missingField at version', () => {
    const p = P();
    delete p.version;
    oneError(p, 'policy.missingField', 'version');
  });

  test('missing rules → policy.missingField at rules', () => {
    const p = P();
    delete p.rules;
    oneError(p, 'policy.missingField', 'rules');
  });

  test('missing action → policy.missingField at rules[0].action', () => {
    const p = P();
    delete p.rules[0].action;
    oneError(p, 'policy.missingField', 'rules[0].action');
  });

  test('missing action.type → policy.missingField at rules[0].action.type', () => {
    const p = P();
    p.rules[0].action = {};
    oneError(p, 'policy.missingField', 'rules[0].action.type');
  });

  test('removeFromGroups without groups → policy.missingField at rules[0].action.groups', () => {
    const p = P();
    p.rules[0].action = { type: 'removeFromGroups' };
    oneError(p, 'policy.missingField', 'rules[0].action.groups');
  });
});

describe('policy: values', () => {
  test('unknown action type → policy.unknownAction at rules[0].action.type', () => {
    const p = P();
    p.rules[0].action = { type: 'delete' };
    const e = oneError(p, 'policy.unknownAction', 'rules[0].action.type');
    assert.ok(e.message.includes('delete'), 'the message names the value');
  });

  for (const [label, mutate, path] of [
    ['internalDomains with a space', (p) => { p.internalDomains = ['acme.com', 'not a domain']; }, 'internalDomains[1]'],
    ['internalDomains with a URL', (p) => { p.internalDomains = ['https://acme.com']; }, 'internalDomains[0]'],
    ['email.domains with a space', (p) => { p.rules[0].email = { domains: ['partner.io', 'partner io'] }; }, 'rules[0].email.domains[1]'],
    ['email.domains with a path', (p) => { p.rules[0].email = { domains: ['partner.io/x'] }; }, 'rules[0].email.domains[0]'],
    ['internalDomains with ..', (p) => { p.internalDomains = ['acme..com']; }, 'internalDomains[0]'],
  ]) {
    test(`bad domain: ${label} → policy.invalidDomain at ${path}`, () => {
      const p = P();
      mutate(p);
      oneError(p, 'policy.invalidDomain', path);
    });
  }

  test('a lone "@" is not a domain → an error at internalDomains[0]', () => {
    const p = P();
    p.internalDomains = ['@'];
    const errors = failed(engine.validate(p));
    assert.ok(errors.some((e) => e.path === 'internalDomains[0]'), JSON.stringify(errors));
  });

  for (const expires of ['2027-13-45', 'next year', '30/06/2027', '2027-02-30']) {
    test(`bad service account date ${JSON.stringify(expires)} → policy.invalidDate at serviceAccounts[0].expires`, () => {
      const p = P();
      p.serviceAccounts = [{ user: 'svc-ci', owner: 'ops@acme.com', purpose: 'CI', expires }];
      oneError(p, 'policy.invalidDate', 'serviceAccounts[0].expires');
    });
  }

  test('email with both external and domains → policy.emailConflict under rules[0].email', () => {
    const p = P();
    p.rules[0].email = { external: true, domains: ['partner.io'] };
    const errors = failed(engine.validate(p));
    assert.equal(errors.length, 1, JSON.stringify(errors));
    assert.equal(errors[0].code, 'policy.emailConflict');
    assert.ok(errors[0].path.startsWith('rules[0].email'), errors[0].path);
  });

  test('email with neither external nor domains is an error under rules[0].email', () => {
    const p = P();
    p.rules[0].email = {};
    const errors = failed(engine.validate(p));
    assert.ok(errors.some((e) => e.path.startsWith('rules[0].email')), JSON.stringify(errors));
  });

  test('duplicate rule id → policy.duplicateRuleId at rules[1].id', () => {
    const p = P();
    p.rules.push(rule('r1', { action: { type: 'review' } }));
    oneError(p, 'policy.duplicateRuleId', 'rules[1].id');
  });

  test('all problems at once: a policy with 3 mistakes gives 3 errors', () => {
    const p = P();
    p.rules[0].inactveDays = 90;
    p.rules.push(rule('r2', { action: { type: 'nuke' } }));
    p.internalDomains = ['bad domain'];
    const errors = failed(engine.validate(p));
    assert.equal(errors.length, 3, JSON.stringify(errors, null, 1));
    assertHasProblem(errors, 'policy.unknownField', 'rules[0].inactveDays');
    assertHasProblem(errors, 'policy.unknownAction', 'rules[1].action.type');
    assertHasProblem(errors, 'policy.invalidDomain', 'internalDomains[0]');
    // plan reports the same problems
    const viaPlan = failed(engine.plan(p, S, { asOf: AS_OF }));
    assert.deepEqual(viaPlan, errors);
  });
});

describe('snapshot problems', () => {
  test('duplicate usernames (case-insensitive) → snapshot.duplicateUser at users[1].name', () => {
    const s = snapshot([user('fred'), user('FRED')]);
    for (const r of [engine.validate(P(), s), engine.plan(P(), s, { asOf: AS_OF })]) {
      const errors = failed(r);
      assert.equal(errors.length, 1, JSON.stringify(errors));
      assert.equal(errors[0].code, 'snapshot.duplicateUser');
      assert.equal(errors[0].path, 'users[1].name');
      assert.equal(errors[0].source, 'snapshot');
    }
  });

  test('duplicate usernames, non-ASCII case → snapshot.duplicateUser', () => {
    const s = snapshot([user('alice'), user('øyvind'), user('ØYVIND')]);
    assertHasProblem(failed(engine.validate(P(), s)), 'snapshot.duplicateUser', 'users[2].name');
  });

  for (const [field, value] of [['lastLogin', 'yesterday'], ['lastLogin', '2026-13-01T00:00:00Z'], ['created', '2026-02-30T00:00:00Z'], ['lastLogin', '']]) {
    test(`bad timestamp ${field} ${JSON.stringify(value)} → snapshot.invalidTimestamp at users[0].${field}`, () => {
      const s = snapshot([user('fred', { [field]: value }), user('alice')]);
      const errors = failed(engine.validate(P(), s));
      assert.equal(errors.length, 1, JSON.stringify(errors));
      assert.equal(errors[0].code, 'snapshot.invalidTimestamp');
      assert.equal(errors[0].path, `users[0].${field}`);
      assert.equal(errors[0].source, 'snapshot');
    });
  }

  test('invalid JSON → json.syntax, the message names line and column', () => {
    const text = '{\n  "users": [\n    {"name": }\n  ]\n}';
    const errors = failed(engine.validate(P(), text));
    assert.equal(errors.length, 1);
    assert.equal(errors[0].code, 'json.syntax');
    assert.equal(errors[0].source, 'snapshot');
    assert.equal(errors[0].path, '');
    assert.match(errors[0].message, /line 3\b/);
    assert.match(errors[0].message, /column \d+/);
  });

  test('invalid JSON in the policy → json.syntax with source policy', () => {
    const errors = failed(engine.validate('{"version": 1,\n "rules": [}'));
    assert.equal(errors[0].code, 'json.syntax');
    assert.equal(errors[0].source, 'policy');
    assert.match(errors[0].message, /line 2\b/);
    assert.match(errors[0].message, /column \d+/);
  });

  test('truncated JSON → json.syntax', () => {
    const errors = failed(engine.plan(JSON.stringify(P()), '{"users": [', { asOf: AS_OF }));
    assertHasProblem(errors, 'json.syntax', '');
  });

  for (const [label, mutate, path] of [
    ['users[0].active as text', (s) => { s.users[0].active = 'yes'; }, 'users[0].active'],
    ['users[1].groups as text', (s) => { s.users[1].groups = 'staff'; }, 'users[1].groups'],
    ['users[0].name a number', (s) => { s.users[0].name = 5; }, 'users[0].name'],
    ['users[0].lastLogin a number', (s) => { s.users[0].lastLogin = 1700000000000; }, 'users[0].lastLogin'],
    ['users not an array', (s) => { s.users = 'fred'; }, 'users'],
  ]) {
    test(`wrong snapshot structure: ${label} → error at ${path}`, () => {
      const s = structuredClone(S);
      mutate(s);
      const errors = failed(engine.validate(P(), s));
      assert.ok(errors.some((e) => e.path === path && e.source === 'snapshot'), JSON.stringify(errors, null, 1));
    });
  }

  test('missing users[1].name → an error at users[1].name', () => {
    const s = structuredClone(S);
    delete s.users[1].name;
    const errors = failed(engine.validate(P(), s));
    assert.ok(errors.some((e) => e.path === 'users[1].name' && e.source === 'snapshot'), JSON.stringify(errors, null, 1));
  });

  test('policy and snapshot problems are reported together', () => {
    const p = P();
    p.rules[0].inactveDays = 1;
    const s = snapshot([user('fred'), user('Fred')]);
    const errors = failed(engine.validate(p, s));
    assertHasProblem(errors, 'policy.unknownField', 'rules[0].inactveDays');
    assertHasProblem(errors, 'snapshot.duplicateUser', 'users[1].name');
  });
});

describe('option problems', () => {
  test('plan without asOf → an options error at asOf', () => {
    for (const opts of [{}, undefined, { actor: 'admin' }]) {
      const errors = failed(engine.plan(P(), S, opts));
      assert.ok(errors.some((e) => e.source === 'options' && e.path === 'asOf' && e.code.startsWith('options.')), JSON.stringify(errors));
    }
  });

  test('plan with a bad asOf → an options error at asOf', () => {
    for (const asOf of ['tomorrow', '2026-11-27T25:00:00Z', 42, '']) {
      const errors = failed(engine.plan(P(), S, { asOf }));
      assert.ok(errors.some((e) => e.source === 'options' && e.path === 'asOf' && e.code.startsWith('options.')), `${asOf}: ${JSON.stringify(errors)}`);
    }
  });

  test('asOf is an RFC 3339 instant with any offset', () => {
    const s = snapshot([user('u', { lastLogin: ago(90) })]);
    const p = policy([rule('r1', { inactiveDays: 90 })]);
    for (const asOf of ['2026-11-27T00:00:00Z', '2026-11-27T10:00:00+10:00', '2026-11-26T19:00:00-05:00', '2026-11-27T00:00:00.000Z']) {
      const plan = ok(engine.plan(p, s, { asOf }));
      assert.equal(plan.asOf, AS_OF);
      assert.equal(plan.actions.length, 1, asOf);
    }
  });

  test('dashboard and planTier without asOf → an options error at asOf', () => {
    const e1 = failed(engine.dashboard(null, S, {}));
    assert.ok(e1.some((e) => e.source === 'options' && e.path === 'asOf'), JSON.stringify(e1));
    const e2 = failed(engine.planTier(P(), S, { role: 'jira-software', nextLowerTier: true }));
    assert.ok(e2.some((e) => e.source === 'options' && e.path === 'asOf'), JSON.stringify(e2));
  });
});

describe('warnings', () => {
  test('a group no user has → policy.groupNotInSnapshot (a warning, still a success)', () => {
    const p = policy([rule('r1', { include: { groups: ['staff', 'ghosts'] } })], { protect: { groups: ['phantoms'] } });
    const r = engine.validate(p, S);
    ok(r);
    const w = assertHasProblem(r.warnings, 'policy.groupNotInSnapshot', 'rules[0].include.groups[1]');
    assert.equal(w.severity, 'warning');
    assert.equal(w.source, 'policy');
    assert.ok(w.message.includes('ghosts'));
    assertHasProblem(r.warnings, 'policy.groupNotInSnapshot', 'protect.groups[0]');
    assert.equal(findProblem(r.warnings, 'policy.groupNotInSnapshot', 'rules[0].include.groups[0]'), undefined, 'staff exists');
    // plan carries the same warning
    const plan = engine.plan(p, S, { asOf: AS_OF });
    ok(plan);
    assertHasProblem(plan.warnings, 'policy.groupNotInSnapshot', 'rules[0].include.groups[1]');
  });

  test('group names are compared case-insensitively for the cross-check', () => {
    const p = policy([rule('r1', { include: { groups: ['STAFF'] } })]);
    const r = engine.validate(p, S);
    ok(r);
    assert.equal(findProblem(r.warnings, 'policy.groupNotInSnapshot'), undefined, JSON.stringify(r.warnings));
  });

  test('without a snapshot there is no groupNotInSnapshot warning', () => {
    const p = policy([rule('r1', { include: { groups: ['ghosts'] } })]);
    const r = engine.validate(p);
    ok(r);
    assert.equal(findProblem(r.warnings, 'policy.groupNotInSnapshot'), undefined);
  });

  test('a schedule naming a missing rule → schedule.unknownRule', () => {
    const p = policy([rule('r1')], {
      schedules: [{ id: 'weekly', cron: '0 3 * * MON', timezone: 'Europe/Oslo', rules: ['r1', 'nope'] }],
    });
    const r = engine.validate(p);
    const w = assertHasProblem([...r.warnings, ...(r.errors ?? [])], 'schedule.unknownRule', 'schedules[0].rules[1]');
    assert.equal(w.severity, 'warning');
    ok(r);
  });
});

describe('limits and caps (docs/engine-api.md "Limits")', () => {
  test('limits.maxSnapshotAgeMinutes: 1 to 525,600 minutes; the plan reports the effective value (default 60)', () => {
    const s = S;
    const withAge = (n) => policy([rule('r1')], { limits: { maxActionsPerRun: 5, maxSnapshotAgeMinutes: n } });
    assert.deepEqual(ok(engine.plan(withAge(15), s, { asOf: AS_OF })).limit, { maxActionsPerRun: 5, maxSnapshotAgeMinutes: 15 });
    assert.deepEqual(ok(engine.plan(P(), s, { asOf: AS_OF })).limit, { maxActionsPerRun: 1000, maxSnapshotAgeMinutes: 60 });
    oneError(withAge(0), 'policy.outOfRange', 'limits.maxSnapshotAgeMinutes');
    oneError(withAge(525_601), 'policy.outOfRange', 'limits.maxSnapshotAgeMinutes');
    oneError(withAge('60'), 'policy.invalidType', 'limits.maxSnapshotAgeMinutes');
    ok(engine.validate(withAge(525_600)));
    const typo = oneError(policy([rule('r1')], { limits: { maxActionsPerRun: 5, maxSnapshotAgeMinute: 5 } }), 'policy.unknownField', 'limits.maxSnapshotAgeMinute');
    assert.match(typo.message, /did you mean "maxSnapshotAgeMinutes"/);
  });

  test('schedule ids are 1 to 64 of A-Z a-z 0-9 . _ -', () => {
    const withId = (id) => policy([rule('r1')], { schedules: [{ id, cron: '0 3 * * MON' }] });
    ok(engine.validate(withId('weekly.externals_2-a')));
    for (const id of ['weekly run', 'a/b', 'æøå', 'x'.repeat(65)]) oneError(withId(id), 'policy.invalidScheduleId', 'schedules[0].id');
  });

  test('at most 1000 rules and 10,000 entries per list, refused once at the list', () => {
    const rules = Array.from({ length: 1001 }, (_, i) => rule(`r${i}`));
    oneError(policy(rules), 'policy.tooMany', 'rules');
    ok(engine.validate(policy(rules.slice(0, 1000))));
    const users = Array.from({ length: 10_001 }, (_, i) => `u${i}`);
    oneError(policy([rule('r1')], { protect: { users } }), 'policy.tooMany', 'protect.users');
    oneError(policy([rule('r1', { include: { groups: users } })]), 'policy.tooMany', 'rules[0].include.groups');
  });

  test('names and patterns at most 256 characters, purpose 1,024, description 4,096', () => {
    oneError(policy([rule('r'.repeat(257))]), 'policy.tooLong', 'rules[0].id');
    oneError(policy([rule('r1', { exclude: { users: ['ok', 'u'.repeat(257)] } })]), 'policy.tooLong', 'rules[0].exclude.users[1]');
    oneError(policy([rule('r1', { description: 'd'.repeat(4097) })]), 'policy.tooLong', 'rules[0].description');
    const sa = (purpose) => policy([rule('r1')], { serviceAccounts: [{ user: 'svc', owner: 'o', purpose, expires: '2030-01-01' }] });
    oneError(sa('p'.repeat(1025)), 'policy.tooLong', 'serviceAccounts[0].purpose');
    ok(engine.validate(sa('p'.repeat(1024))));
  });

  test('an entry listed twice is a warning at its second place', () => {
    const r = engine.validate(policy([rule('r1', { exclude: { users: ['Ann', 'bob', 'ann'] } })], { internalDomains: ['acme.com', 'ACME.com'] }));
    ok(r);
    assertHasProblem(r.warnings, 'policy.duplicateEntry', 'rules[0].exclude.users[2]');
    assertHasProblem(r.warnings, 'policy.duplicateEntry', 'internalDomains[1]');
  });
});
