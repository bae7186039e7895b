// decide: the engine decides again for one user at the moment of change (docs/engine-api.md
// "decide"). Expectations are worked out by hand from the policy below and docs/matching.md.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { engine, AS_OF, ago, user, policy, rule, ok } from '../golden/helpers.mjs';

const P = policy(
  [
    rule('contractors-90d', { include: { groups: ['contractors'] }, inactiveDays: 90 }),
    rule('licence-180d', { inactiveDays: 180, action: { type: 'removeFromGroups', groups: ['jira-*-users'] } }),
    rule('look-30d', { inactiveDays: 30, action: { type: 'review' } }),
  ],
  {
    internalDomains: ['acme.com'],
    protect: { groups: ['jira-administrators'], users: ['root'] },
    limits: { maxActionsPerRun: 100, maxSnapshotAgeMinutes: 120 },
    schedules: [{ id: 'weekly', cron: '0 3 * * MON', rules: ['licence-180d'] }],
  },
);
const FRED = user('fred', { key: 'JIRAUSER10', groups: ['contractors', 'jira-software-users'], lastLogin: ago(100) });
const PLANNED = { user: 'fred', key: 'JIRAUSER10', action: 'deactivate', rule: 'contractors-90d' };
const OPTS = { asOf: AS_OF };

function decided(input, options = OPTS, p = P) {
  return ok(engine.decide(p, input, options));
}
const fresh = (o) => ({ ...FRED, ...o });

describe('decide: proceed', () => {
  test('the planned action, with the reasons of the rule that still selects', () => {
    const d = decided({ user: FRED, planned: PLANNED });
    assert.deepEqual(d.action, { action: 'deactivate', rule: 'contractors-90d' });
    assert.equal(d.decision, 'proceed');
    assert.equal(d.code, 'decide.proceed');
    assert.match(d.reason, /^rule contractors-90d still selects fred: member of contractors; last login .*, 100 days ago \(threshold 90 days\)$/);
  });

  test('JSON text and objects give the same decision', () => {
    const input = { user: FRED, planned: PLANNED };
    assert.deepEqual(
      engine.decide(JSON.stringify(P), JSON.stringify(input), JSON.stringify(OPTS)),
      engine.decide(P, input, OPTS),
    );
  });

  test('removeFromGroups removes only groups the plan listed that the user still holds', () => {
    const u = fresh({ groups: ['jira-software-users', 'jira-core-users', 'staff'], lastLogin: ago(200) });
    const planned = { user: 'fred', action: 'removeFromGroups', groups: ['Jira-Software-Users', 'jira-servicedesk-users'], rule: 'licence-180d' };
    const d = decided({ user: u, planned });
    assert.equal(d.code, 'decide.proceed');
    // jira-core-users matches the rule now but the preview did not show it; servicedesk is gone.
    // Spelled as planned (Jira compares group names case-insensitively).
    assert.deepEqual(d.action, { action: 'removeFromGroups', groups: ['Jira-Software-Users'], rule: 'licence-180d' });
  });
});

describe('decide: every skip code', () => {
  const cases = [
    ['decide.identityChanged', { user: fresh({ key: 'JIRAUSER99' }), planned: PLANNED },
      'renamed or replaced: planned for key JIRAUSER10, the account named fred now has key JIRAUSER99'],
    ['decide.identityChanged', { user: fresh({ name: 'fred2' }), planned: { ...PLANNED, key: undefined } },
      'renamed or replaced: planned for fred, the account read is named fred2'],
    ['decide.inactive', { user: fresh({ active: false }), planned: PLANNED }, 'fred is already inactive'],
    ['decide.protected', { user: fresh({ groups: ['contractors', 'Jira-Administrators'] }), planned: PLANNED },
      'protected: member of protected group Jira-Administrators'],
    ['decide.notSelected', { user: fresh({ lastLogin: ago(1) }), planned: PLANNED },
      `logged in ${ago(1).slice(0, 10)}, 1 day ago: rule contractors-90d needs 90 days`],
    ['decide.otherRule', { user: fresh({ groups: ['jira-software-users'], lastLogin: ago(200) }), planned: PLANNED },
      'now selected by rule licence-180d (removeFromGroups), not by the planned rule contractors-90d'],
    ['decide.otherAction', { user: FRED, planned: { ...PLANNED, action: 'removeFromGroups', groups: ['x'] } },
      'rule contractors-90d now plans deactivate for fred, not the planned removeFromGroups'],
    ['decide.nothingLeft',
      { user: fresh({ groups: ['jira-core-users'], lastLogin: ago(200) }),
        planned: { user: 'fred', action: 'removeFromGroups', groups: ['jira-software-users'], rule: 'licence-180d' } },
      'fred is in none of the planned groups (jira-software-users) any more'],
    ['decide.planExpired', { user: FRED, planned: PLANNED, capturedAt: '2026-11-26T21:59:59Z' },
      'the plan\'s snapshot was read at 2026-11-26T21:59:59Z, 120 minutes ago; the policy allows 120 (limits.maxSnapshotAgeMinutes): make a new plan'],
    // A plan read after "now" (forged, or clocks that disagree by more than 5 minutes) never ages: refused.
    ['decide.planInFuture', { user: FRED, planned: PLANNED, capturedAt: '2026-11-27T01:00:00Z' },
      'the plan\'s snapshot was read at 2026-11-27T01:00:00Z, 60 minutes after now (2026-11-27T00:00:00Z); clocks may differ by at most 5 minutes: check the clocks, then make a new plan'],
    // docs/matching.md#m13: became a project lead after the preview.
    ['decide.blocked', { user: fresh({ leads: { projects: [{ key: 'OPS' }, { key: 'ABC' }] } }), planned: PLANNED },
      'lead of projects ABC, OPS: Jira refuses to deactivate a project lead'],
    ['decide.leadChanged',
      { user: fresh({ leads: { projects: [{ key: 'OPS' }, { key: 'NEW' }] } }),
        planned: { ...PLANNED, handover: { projectLead: 'heir', projects: ['OPS'] } } },
      'now lead of project NEW, which the plan did not hand over: make a new plan',
      { ...P, handover: { projectLead: 'heir' } }],
    // docs/matching.md#m16: the rule warns first, and no record of a warning was passed.
    ['decide.awaitingWarning', { user: FRED, planned: PLANNED },
      'rule contractors-90d warns before acting: not warned yet: warning now, action on or after 2026-12-11',
      { ...P,
        rules: P.rules.map((r) => (r.id === 'contractors-90d' ? { ...r, warn: { daysBefore: 14, template: 't' } } : r)),
        templates: [{ id: 't', subject: 's', body: 'b' }] }],
  ];
  for (const [code, input, reason, p] of cases) {
    test(`${code}: ${reason}`, () => {
      const d = decided(input, OPTS, p);
      assert.deepEqual(d, { decision: 'skip', code, reason });
    });
  }

  test('the registry lists every decision code, and each is reached above or in the proceed tests', () => {
    const doc = readFileSync(new URL('../../docs/problem-codes.md', import.meta.url), 'utf8');
    const documented = [...doc.matchAll(/^\| `(decide\.[a-zA-Z]+)` \| decision \|/gm)].map((m) => m[1]);
    const reached = new Set(['decide.proceed', ...cases.map((c) => c[0])]);
    assert.deepEqual([...reached].sort(), [...documented].sort());
  });
});

describe('decide: the fresh read and the snapshot', () => {
  test('a fresh lastLogin that is absent (not known) falls back to the snapshot value', () => {
    const u = fresh({ lastLogin: undefined });
    const unknown = decided({ user: u, planned: PLANNED });
    assert.equal(unknown.code, 'decide.notSelected');
    assert.match(unknown.reason, /last login is not known/);
    const d = decided({ user: u, planned: PLANNED, previous: { lastLogin: ago(100) } });
    assert.equal(d.code, 'decide.proceed');
    // A fresh value always wins over the snapshot's.
    const recent = decided({ user: fresh({ lastLogin: ago(2) }), planned: PLANNED, previous: { lastLogin: ago(100) } });
    assert.equal(recent.code, 'decide.notSelected');
  });

  test('never logged in (null) is a fact, and the snapshot\'s created date fills a missing one', () => {
    const p = policy([rule('never', { inactiveDays: undefined, neverLoggedIn: { createdMoreThanDays: 30 } })],
      { limits: { maxActionsPerRun: 10 } });
    const planned = { user: 'fred', action: 'deactivate', rule: 'never' };
    const u = user('fred', { lastLogin: null, created: undefined });
    assert.match(decided({ user: u, planned }, OPTS, p).reason, /creation date is not known/);
    assert.equal(decided({ user: u, planned, previous: { created: ago(40) } }, OPTS, p).code, 'decide.proceed');
    assert.equal(decided({ user: u, planned, previous: { created: ago(10) } }, OPTS, p).code, 'decide.notSelected');
  });

  test('a plan is not expired at exactly maxSnapshotAgeMinutes; the default is 60', () => {
    assert.equal(decided({ user: FRED, planned: PLANNED, capturedAt: '2026-11-26T22:00:00Z' }).code, 'decide.proceed');
    const p = { ...P, limits: { maxActionsPerRun: 100 } };
    assert.equal(decided({ user: FRED, planned: PLANNED, capturedAt: '2026-11-26T23:00:00Z' }, OPTS, p).code, 'decide.proceed');
    assert.equal(decided({ user: FRED, planned: PLANNED, capturedAt: '2026-11-26T22:59:00Z' }, OPTS, p).code, 'decide.planExpired');
  });

  test('a schedule decides with its own rules, and the actor is protected', () => {
    const weekly = decided({ user: fresh({ groups: ['contractors'] }), planned: PLANNED }, { asOf: AS_OF, schedule: 'weekly' });
    assert.deepEqual(weekly, { decision: 'skip', code: 'decide.notSelected', reason: 'schedule weekly does not run rule contractors-90d' });
    const actor = decided({ user: FRED, planned: PLANNED }, { asOf: AS_OF, actor: 'Fred' });
    assert.deepEqual(actor, { decision: 'skip', code: 'decide.protected', reason: 'protected: fred is the acting administrator' });
    const gone = decided({ user: FRED, planned: { ...PLANNED, rule: 'deleted-rule' } });
    assert.deepEqual(gone, { decision: 'skip', code: 'decide.otherRule', reason: 'now selected by rule contractors-90d (deactivate), not by the planned rule deleted-rule' });
  });
});

describe('decide: bad input is failure data with codes and paths', () => {
  const errors = (input, options = OPTS, p = P) => {
    const r = engine.decide(p, input, options);
    assert.equal(r.type, 'failure', JSON.stringify(r));
    return r.errors.map((e) => `${e.source} ${e.code} ${e.path}`);
  };
  test('each problem of the input at once, with its JSON path', () => {
    assert.deepEqual(errors({ user: FRED }), ['input input.invalid planned']);
    assert.deepEqual(errors({ user: FRED, planned: { user: 'fred', action: 'review', rule: 'r' }, previous: { lastLogin: 'soon' } }),
      ['input input.invalid planned.action', 'input input.invalidTimestamp previous.lastLogin']);
    assert.deepEqual(errors({ user: FRED, planned: { ...PLANNED, action: 'removeFromGroups', groups: [] } }), ['input input.invalid planned.groups']);
    assert.deepEqual(errors({ user: fresh({ lastLogin: 'last week' }), planned: PLANNED, extra: true }),
      ['input input.invalid extra', 'input snapshot.invalidTimestamp user.lastLogin']);
    assert.deepEqual(errors({ user: { active: true, groups: [] }, planned: PLANNED }), ['input snapshot.invalid user.name']);
    assert.deepEqual(errors('{"user":'), ['input json.syntax ']);
  });
  test('options and policy problems come with the input\'s', () => {
    assert.deepEqual(errors({ user: FRED, planned: PLANNED }, { asOf: 'now' }), ['options options.invalidTimestamp asOf']);
    assert.deepEqual(errors({ user: FRED, planned: PLANNED }, { asOf: AS_OF, schedule: 'daily' }), ['options options.unknownSchedule schedule']);
    assert.deepEqual(errors({ user: FRED, planned: PLANNED }, OPTS, { ...P, version: 2 }), ['policy policy.unsupportedVersion version']);
  });
  test('an argument that is neither text nor an object throws UserCleanupError', () => {
    assert.throws(() => engine.decide(P, 42, OPTS), (e) => e.name === 'UserCleanupError' && e.code === 'argument.invalid');
  });
});

describe('decide agrees with plan on the sample', () => {
  test('every executable action of the sample plan proceeds, unchanged, with the snapshot\'s own data', () => {
    const read = (f) => readFileSync(new URL(`../../samples/${f}`, import.meta.url), 'utf8');
    const [policyText, snapshotText] = [read('policy.json'), read('snapshot.json')];
    const snapshot = JSON.parse(snapshotText);
    const asOf = '2026-11-27T10:00:00Z';
    const plan = ok(engine.plan(policyText, snapshotText, { asOf, actor: 'admin' }));
    const users = new Map(snapshot.users.map((u) => [u.name.toLowerCase(), u]));
    // A blocked action (a project lead, docs/matching.md#m13) is never executable: decide says so.
    const executable = plan.actions.filter((a) => a.action !== 'review' && !a.status);
    for (const a of plan.actions.filter((x) => x.status === 'blocked')) {
      const planned = { user: a.user, key: a.key, action: a.action, rule: a.rule };
      const d = ok(engine.decide(policyText, { user: users.get(a.user.toLowerCase()), planned, capturedAt: asOf }, { asOf, actor: 'admin' }));
      assert.deepEqual([d.code, d.reason], ['decide.blocked', a.blockedReason], a.user);
    }
    assert.ok(executable.length > 100, `the sample plans ${executable.length} executable actions`);
    for (const a of executable) {
      const planned = { user: a.user, key: a.key, action: a.action, rule: a.rule, ...(a.groups ? { groups: a.groups } : {}) };
      const d = ok(engine.decide(policyText, { user: users.get(a.user.toLowerCase()), planned, applicationRoles: snapshot.applicationRoles, capturedAt: asOf }, { asOf, actor: 'admin' }));
      assert.equal(d.code, 'decide.proceed', `${a.user}: ${d.reason}`);
      assert.deepEqual(d.action, { action: a.action, ...(a.groups ? { groups: a.groups } : {}), rule: a.rule }, a.user);
    }
  });
});
