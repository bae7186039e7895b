// query(policy | null, snapshot, filter, options): the users matching a filter built from the
// rules' conditions and the dashboard's facets (docs/query.md). Checked against hand-made
// snapshots and, over the sample, against the plan and the dashboard the same engine makes.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  engine, AS_OF, ago, user, snapshot, policy, rule, ok, failed, assertEnvelope, assertHasProblem, sorted,
} from '../golden/helpers.mjs';

const read = (path) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const names = (v) => v.users.map((u) => u.name);
const q = (p, s, filter, opts = { asOf: AS_OF }) => ok(engine.query(p, s, filter, opts));

const ROLES = [
  { key: 'jira-software', name: 'Jira Software', groups: ['jira-software-users'], numberOfSeats: 10 },
  { key: 'jira-servicedesk', name: 'Service Desk', groups: ['sd-agents'], numberOfSeats: 5 },
];
const SNAP = snapshot([
  user('ann', { lastLogin: ago(200), groups: ['contractors', 'jira-software-users'], email: 'ann@partner.io', directory: 'Jira Internal Directory' }),
  user('Bea', { lastLogin: ago(20), groups: ['staff', 'jira-software-users'], displayName: 'Beatrice Quux', directory: 'LDAP' }),
  user('cal', { lastLogin: null, created: '2025-01-10T00:00:00Z', groups: ['contractors'], email: 'cal@eu.acme.com', directory: 'ldap' }),
  user('dan', { lastLogin: null, created: undefined, createdBefore: '2025-11-01T00:00:00Z', groups: ['sd-agents'], email: '' }),
  user('eve', { lastLogin: undefined, groups: ['admins', 'jira-software-users'] }),
  user('fay', { active: false, lastLogin: ago(400), groups: ['contractors'] }),
  user('gus', { lastLogin: ago(1), groups: ['staff'] }),
], ROLES);
const POLICY = policy([
  rule('contractors', { include: { groups: ['contractors'] }, inactiveDays: 90, neverLoggedIn: { createdMoreThanDays: 30 } }),
  rule('look', { inactiveDays: 10, action: { type: 'review' } }),
], {
  internalDomains: ['acme.com'],
  protect: { groups: ['admins'] },
  exceptions: [{ user: 'bea', reason: 'parental leave', by: 'root', until: '2027-03-01' }],
});

describe('query: the rules\' conditions as a filter', () => {
  test('an empty (or absent) filter lists every user in the snapshot\'s order, with facts', () => {
    const v = q(POLICY, SNAP, {});
    assert.deepEqual(names(v), ['ann', 'Bea', 'cal', 'dan', 'eve', 'fay', 'gus']);
    assert.equal(v.total, 7);
    assert.deepEqual(q(POLICY, SNAP, null), v, 'null filter = {}');
    const ann = v.users[0];
    assert.equal(ann.lastLogin, ago(200));
    assert.equal(ann.daysInactive, 200);
    assert.equal(ann.bucket, 'inactive');
    assert.deepEqual(ann.roles, ['jira-software']);
    assert.deepEqual(ann.groups, ['contractors', 'jira-software-users']);
    assert.equal(ann.emailDomain, 'partner.io');
    assert.deepEqual(ann.reasons, [], 'no condition, no reason');
    const byName = Object.fromEntries(v.users.map((u) => [u.name, u]));
    assert.equal(byName.cal.lastLogin, null, 'never logged in is null');
    assert.ok(!('lastLogin' in byName.eve), 'not known is absent');
    assert.equal(byName.dan.createdBefore, '2025-11-01T00:00:00Z');
    assert.ok(!('created' in byName.dan));
    assert.deepEqual(byName.Bea.protected, { code: 'protect.exception', reason: 'kept by root until 2027-03-01: parental leave' });
    assert.equal(byName.eve.protected.code, 'protect.group');
    assert.equal(byName.gus.review, undefined, 'logged in yesterday: no rule lists gus');
    assert.equal(byName.ann.review, undefined, 'the contractors rule (deactivate) wins over review');
  });

  test('include, email and activity select as the rule does, with the plan\'s reasons', () => {
    const filter = { include: { groups: ['contractors'] }, inactiveDays: 90, neverLoggedIn: { createdMoreThanDays: 30 }, active: true };
    const v = q(POLICY, SNAP, filter);
    assert.deepEqual(names(v), ['ann', 'cal']);
    const plan = ok(engine.plan(policy([POLICY.rules[0]], { internalDomains: ['acme.com'] }), SNAP, { asOf: AS_OF }));
    assert.deepEqual(plan.actions.map((a) => a.user), ['ann', 'cal']);
    for (const [i, u] of v.users.entries()) {
      assert.deepEqual(u.reasons.slice(0, -1), plan.actions[i].reasons, `${u.name}: the plan's words`);
      assert.equal(u.reasons.at(-1), 'active');
    }
    assert.deepEqual(names(q(POLICY, SNAP, { email: { external: false } })), ['Bea', 'cal', 'eve', 'fay', 'gus'], 'eu.acme.com is internal');
    assert.deepEqual(names(q(POLICY, SNAP, { email: { external: true } })), ['ann'], 'dan has no email: never selected by an email condition');
    assert.deepEqual(names(q(POLICY, SNAP, { email: { domains: ['@ACME.com'] } })), ['Bea', 'cal', 'eve', 'fay', 'gus']);
    assert.deepEqual(names(q(null, SNAP, { email: { external: false } })), [], 'without a policy no domain is internal');
    assert.deepEqual(names(q(POLICY, SNAP, { exclude: { groups: ['jira-*'], users: ['GUS'] } })), ['cal', 'dan', 'fay']);
  });

  test('neverLoggedIn without a threshold lists every user who never logged in; unknown is never "never"', () => {
    assert.deepEqual(names(q(POLICY, SNAP, { neverLoggedIn: {} })), ['cal', 'dan']);
    assert.deepEqual(names(q(POLICY, SNAP, { neverLoggedIn: { createdMoreThanDays: 300 } })), ['cal', 'dan'],
      'dan by the bound createdBefore (391 days)');
    assert.deepEqual(names(q(POLICY, SNAP, { neverLoggedIn: { createdMoreThanDays: 400 } })), ['cal']);
    assert.deepEqual(names(q(POLICY, SNAP, { neverLoggedIn: { createdMoreThanDays: 700 } })), []);
    assert.deepEqual(names(q(POLICY, SNAP, { inactiveDays: 0 })), ['ann', 'Bea', 'fay', 'gus']);
  });
});

describe('query: facets a rule does not have', () => {
  test('created before (exclusive) and after (inclusive); a bound proves only "before"', () => {
    assert.deepEqual(names(q(POLICY, SNAP, { created: { before: '2025-01-10' } })), ['ann', 'Bea', 'eve', 'fay', 'gus']);
    assert.deepEqual(names(q(POLICY, SNAP, { created: { after: '2025-01-10' } })), ['cal']);
    assert.deepEqual(names(q(POLICY, SNAP, { created: { before: '2025-11-02' , after: '2025-01-01' } })), ['cal']);
    assert.deepEqual(names(q(POLICY, SNAP, { created: { before: '2025-11-02' } })).includes('dan'), true);
    assert.deepEqual(names(q(POLICY, SNAP, { created: { before: '2025-11-01T00:00:00Z' } })).includes('dan'), false);
    const cal = q(POLICY, SNAP, { created: { after: '2025-01-10' } }).users[0];
    assert.deepEqual(cal.reasons, ['created 2025-01-10 (on or after 2025-01-10)']);
  });

  test('buckets, roles, directories, active, protected, review and search', () => {
    assert.deepEqual(names(q(POLICY, SNAP, { buckets: ['protected'] })), ['Bea', 'eve']);
    assert.deepEqual(names(q(POLICY, SNAP, { buckets: ['neverLoggedIn', 'deactivated'] })), ['cal', 'dan', 'fay']);
    assert.deepEqual(names(q(POLICY, SNAP, { roles: ['JIRA-SOFTWARE'] })), ['ann', 'Bea', 'eve']);
    assert.deepEqual(names(q(POLICY, SNAP, { directories: ['LDAP'] })), ['Bea', 'cal'], 'case-insensitive');
    assert.deepEqual(names(q(POLICY, SNAP, { active: false })), ['fay']);
    assert.deepEqual(names(q(POLICY, SNAP, { protected: true })), ['Bea', 'eve']);
    assert.deepEqual(names(q(POLICY, SNAP, { protected: false, active: true })), ['ann', 'cal', 'dan', 'gus']);
    const review = q(POLICY, SNAP, { review: true });
    assert.deepEqual(names(review), []);
    const looser = { ...POLICY, rules: [POLICY.rules[1]] };
    const listed = q(looser, SNAP, { review: true });
    assert.deepEqual(names(listed), ['ann'], 'Bea is kept (exception), eve protected, cal/dan never logged in');
    assert.equal(listed.users[0].review, 'look');
    assert.deepEqual(listed.users[0].reasons, ['listed for review by rule look']);
    const found = q(POLICY, SNAP, { search: '  QUUX ' });
    assert.deepEqual(names(found), ['Bea']);
    assert.deepEqual(found.users[0].reasons, ['display name contains "quux"']);
    assert.deepEqual(names(q(POLICY, SNAP, { search: 'PARTNER.io' })), ['ann']);
    assert.deepEqual(names(q(POLICY, SNAP, { search: 'an' })), ['ann', 'dan']);
  });

  test('facet counts: each facet counts the users meeting every other part of the filter', () => {
    const v = q(POLICY, SNAP, { active: true, roles: ['jira-software'] });
    assert.deepEqual(names(v), ['ann', 'Bea', 'eve']);
    assert.deepEqual(v.counts.active, { yes: 3, no: 0 }, 'roles only: fay has no software role');
    assert.deepEqual(v.counts.roles, { 'jira-software': 3, 'jira-servicedesk': 1 }, 'active only: dan is an agent');
    assert.deepEqual(v.counts.protected, { yes: 2, no: 1 });
    assert.deepEqual(v.counts.buckets, { active: 0, lowUsage: 0, inactive: 1, neverLoggedIn: 0, unknown: 0, deactivated: 0, protected: 2 });
    assert.deepEqual(v.counts.email, { internal: 2, external: 1, none: 0 }, 'bea@ and eve@acme.com are internal');
    const all = q(POLICY, SNAP, { active: false });
    assert.deepEqual(all.counts.active, { yes: 6, no: 1 }, 'the active facet ignores its own condition');
    assert.deepEqual(all.counts.directories, { '': 1 });
  });

  test('the buckets agree with the dashboard\'s, over the sample', () => {
    const p = read('samples/policy.json');
    const s = read('samples/snapshot.json');
    const opts = { asOf: '2026-11-27T10:00:00Z', actor: 'admin' };
    const v = q(p, s, {}, opts);
    const d = ok(engine.dashboard(p, s, opts));
    assert.equal(v.total, d.total);
    assert.deepEqual(v.counts.buckets, d.buckets);
    for (const b of Object.keys(d.buckets)) {
      assert.equal(q(p, s, { buckets: [b] }, opts).total, d.buckets[b], b);
    }
  });

  test('over the sample, review: true is exactly the plan\'s review actions, and every user the plan protects is protected', () => {
    const p = read('samples/policy.json');
    const s = read('samples/snapshot.json');
    const opts = { asOf: '2026-11-27T10:00:00Z', actor: 'admin' };
    const plan = ok(engine.plan(p, s, opts));
    const reviews = plan.actions.filter((a) => a.action === 'review');
    assert.ok(reviews.length > 10, `${reviews.length} review actions`);
    const listed = q(p, s, { review: true }, opts);
    assert.deepEqual(listed.users.map((u) => [u.name, u.review]), reviews.map((a) => [a.user, a.rule]));
    const prot = Object.fromEntries(q(p, s, { protected: true }, opts).users.map((u) => [u.name, u.protected.code]));
    for (const pr of plan.protected) assert.equal(prot[pr.user], pr.code, pr.user);
  });
});

describe('query: input', () => {
  test('a bad filter is a failure with a code and a path for every problem (source input)', () => {
    const errors = failed(engine.query(POLICY, SNAP, {
      serach: 'x', include: { groups: 'staff' }, email: { external: 'yes' }, inactiveDays: -1,
      neverLoggedIn: { createdMoreThanDays: 40000 }, created: { before: 'soon', after: 5 },
      buckets: ['idle'], roles: [''], active: 'true',
    }, { asOf: AS_OF }));
    const got = errors.map((e) => `${e.code} ${e.path}`);
    for (const want of [
      'input.invalid serach', 'input.invalid include.groups', 'input.invalid email.external', 'input.invalid inactiveDays',
      'input.invalid neverLoggedIn.createdMoreThanDays', 'input.invalidTimestamp created.before', 'input.invalid created.after',
      'input.invalid buckets[0]', 'input.invalid roles[0]', 'input.invalid active',
    ]) assert.ok(got.includes(want), `${want} in ${got.join(', ')}`);
    for (const e of errors) assert.equal(e.source, 'input');
    assert.equal(failed(engine.query(POLICY, SNAP, '{', { asOf: AS_OF }))[0].code, 'json.syntax');
    assert.equal(failed(engine.query(POLICY, SNAP, [], { asOf: AS_OF }))[0].path, '');
  });

  test('filter, options and policy problems are reported together; an unknown role is a warning', () => {
    const r = engine.query({ version: 1, rules: 3 }, SNAP, { active: 1 }, { asof: AS_OF });
    const errors = failed(r);
    assertHasProblem(errors, 'policy.invalidType', 'rules');
    assertHasProblem(errors, 'input.invalid', 'active');
    assertHasProblem(errors, 'options.invalid');
    const w = engine.query(POLICY, SNAP, { roles: ['jira-core'] }, { asOf: AS_OF });
    assert.equal(ok(w).total, 0);
    assertHasProblem(w.warnings, 'query.unknownRole', 'roles[0]');
  });

  test('objects and JSON text give the same answer; queryJson is its text; a wrong argument throws UserCleanupError', () => {
    const filter = { include: { groups: ['contractors'] }, inactiveDays: 90 };
    const a = engine.query(POLICY, SNAP, filter, { asOf: AS_OF });
    const b = engine.query(JSON.stringify(POLICY), JSON.stringify(SNAP), JSON.stringify(filter), JSON.stringify({ asOf: AS_OF }));
    assertEnvelope(a);
    assert.deepEqual(a, b);
    assert.deepEqual(JSON.parse(engine.queryJson(POLICY, SNAP, filter, { asOf: AS_OF })), a);
    assert.throws(() => engine.query(POLICY, 42, {}, { asOf: AS_OF }), (e) => e.name === 'UserCleanupError' && e.code === 'argument.invalid');
  });

  test('view: "brief" keeps a grid row per user (no groups, roles, reasons)', () => {
    const full = q(POLICY, SNAP, { include: { groups: ['contractors'] } });
    const brief = q(POLICY, SNAP, { include: { groups: ['contractors'] }, view: 'brief' });
    assert.deepEqual(names(brief), names(full));
    assert.deepEqual(brief.counts, full.counts);
    for (const [i, u] of brief.users.entries()) {
      const f = full.users[i];
      assert.deepEqual(u, Object.fromEntries(
        ['name', 'displayName', 'email', 'active', 'lastLogin', 'daysInactive', 'bucket', 'protected', 'review']
          .filter((k) => k in f).map((k) => [k, f[k]])), u.name);
    }
    assertHasProblem(failed(engine.query(POLICY, SNAP, { view: 'rows' }, { asOf: AS_OF })), 'input.invalid', 'view');
  });

  test('openQuery parses once and answers every filter exactly as query does; bad inputs are a failure envelope', () => {
    const opened = engine.openQuery(POLICY, JSON.stringify(SNAP), { asOf: AS_OF, actor: 'gus' });
    assert.equal(opened.type, 'success');
    const session = opened.value;
    try {
      assert.equal(session.users(), 7);
      for (const f of [{}, null, { protected: true }, { search: 'an', view: 'brief' }, { buckets: ['nope'] }, { roles: ['x'] }]) {
        assert.deepEqual(session.query(f), engine.query(POLICY, SNAP, f, { asOf: AS_OF, actor: 'gus' }), JSON.stringify(f));
      }
      assert.equal(session.queryJson({ active: false }), engine.queryJson(POLICY, SNAP, { active: false }, { asOf: AS_OF, actor: 'gus' }));
      assert.equal(session.query({ protected: true }).value.users.find((u) => u.name === 'gus').protected.code, 'protect.actor');
    } finally {
      session.free();
    }
    const bad = engine.openQuery({ version: 1, rules: [] }, '{"users": 1}', { asOf: 'now' });
    assertEnvelope(bad);
    assert.equal(bad.type, 'failure');
    assertHasProblem(bad.errors, 'options.invalidTimestamp', 'asOf');
  });

  test('the thresholds of the buckets are the dashboard options', () => {
    const v = q(POLICY, SNAP, { buckets: ['lowUsage'] }, { asOf: AS_OF, lowUsageDays: 1, inactiveDays: 300 });
    assert.deepEqual(sorted(names(v)), ['ann', 'gus']);
    assert.deepEqual(v.thresholds, { lowUsageDays: 1, inactiveDays: 300 });
    assert.equal(failed(engine.query(POLICY, SNAP, {}, { asOf: AS_OF, lowUsageDays: 40 }))[0].code, 'options.invalidThresholds');
  });
});

describe('query session: matches (positions instead of users)', () => {
  // A small seeded generator, so that a failure names a filter that can be run again.
  const rng = (seed) => () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const pick = (r, list) => list[Math.floor(r() * list.length)];
  const some = (r, list, max = 3) => [...new Set(Array.from({ length: 1 + Math.floor(r() * max) }, () => pick(r, list)))];
  /** A random filter over the sample's groups, roles, directories and words (search included). */
  function randomFilter(r, snap) {
    const groups = [...new Set(snap.users.flatMap((u) => u.groups))];
    const dirs = [...new Set(snap.users.map((u) => u.directory).filter(Boolean))];
    const u = pick(r, snap.users);
    const words = [u.name, u.displayName ?? '', u.email ?? ''].filter(Boolean);
    const word = pick(r, words);
    const from = Math.floor(r() * word.length);
    const f = {};
    const fields = [
      () => { f.search = r() < 0.3 ? word.slice(from, from + 2).toUpperCase() : ` ${word.slice(from, from + 1 + Math.floor(r() * 4))} `; },
      () => { f.include = { groups: some(r, groups).map((g) => (r() < 0.3 ? `${g.slice(0, 3)}*` : g)) }; },
      () => { f.exclude = { groups: some(r, groups), ...(r() < 0.5 ? { users: [u.name.toUpperCase()] } : {}) }; },
      () => { f.email = r() < 0.7 ? { external: r() < 0.5 } : { domains: ['acme.com'] }; },
      () => { f.inactiveDays = Math.floor(r() * 400); },
      () => { f.neverLoggedIn = r() < 0.5 ? {} : { createdMoreThanDays: Math.floor(r() * 900) }; },
      () => { f.created = r() < 0.5 ? { before: '2024-06-01' } : { after: '2023-01-01', before: '2026-01-01' }; },
      () => { f.buckets = some(r, ['active', 'lowUsage', 'inactive', 'neverLoggedIn', 'unknown', 'deactivated', 'protected']); },
      () => { f.roles = some(r, ['jira-software', 'JIRA-CORE', 'jira-servicedesk'], 2); },
      () => { f.directories = some(r, dirs, 2).map((d) => (r() < 0.5 ? d.toUpperCase() : d)); },
      () => { f.active = r() < 0.7; },
      () => { f.protected = r() < 0.4; },
      () => { f.review = r() < 0.5; },
    ];
    const n = Math.floor(r() * 4);
    for (let i = 0; i < n; i++) pick(r, fields)();
    return f;
  }

  test('for random filters (search among them), the positions are exactly the users query answers, with its counts', () => {
    const p = read('samples/policy.json');
    const s = read('samples/snapshot.json');
    const snap = JSON.parse(s);
    const opts = { asOf: '2026-11-27T10:00:00Z', actor: 'admin' };
    const session = engine.openQuery(p, s, opts).value;
    try {
      const everyone = session.query({ view: 'brief' }).value.users.map((u) => u.name);
      assert.equal(everyone.length, snap.users.length);
      const r = rng(20261130);
      let searched = 0;
      let nonEmpty = 0;
      for (let k = 0; k < 100; k++) {
        const f = k === 0 ? {} : randomFilter(r, snap);
        const full = ok(engine.query(p, s, f, opts));
        const m = session.matches(f);
        assert.equal(m.type, 'success', JSON.stringify(f));
        assert.ok(m.value.rows instanceof Uint32Array, 'rows are a Uint32Array');
        assert.deepEqual(Array.from(m.value.rows, (i) => everyone[i]), names(full), JSON.stringify(f));
        assert.equal(m.value.total, full.total);
        assert.deepEqual(m.value.counts, full.counts, JSON.stringify(f));
        assert.equal(m.value.asOf, full.asOf);
        assert.ok(!('users' in m.value), 'no users in a matches answer');
        if (f.search) searched++;
        if (full.total && full.total < everyone.length) nonEmpty++;
      }
      assert.ok(searched >= 10 && nonEmpty >= 20, `varied enough: ${searched} searches, ${nonEmpty} partial answers`);
    } finally {
      session.free();
    }
  });

  test('matches fails as query does on a bad filter, and ignores view', () => {
    const session = engine.openQuery(POLICY, SNAP, { asOf: AS_OF }).value;
    try {
      const bad = session.matches({ buckets: ['idle'], search: 4 });
      assertEnvelope(bad);
      assert.deepEqual(bad, engine.query(POLICY, SNAP, { buckets: ['idle'], search: 4 }, { asOf: AS_OF }));
      assert.equal(session.matches('{').errors[0].code, 'json.syntax');
      assert.deepEqual(Array.from(session.matches({ search: 'an', view: 'brief' }).value.rows), [0, 3], 'ann and dan');
      assert.deepEqual(session.matches({ roles: ['x'] }).warnings.map((w) => w.code), ['query.unknownRole']);
      assert.throws(() => session.matches(42), (e) => e.name === 'UserCleanupError' && e.code === 'argument.invalid');
    } finally {
      session.free();
    }
  });
});
