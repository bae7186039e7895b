// One registry of codes (crates/engine/src/code.rs): docs/problem-codes.md and the unions in
// plugin-shim/src/engine.d.mts list the same codes with the same kinds, and every code the built
// engine emits for a battery of bad inputs is one of them, of the kind it appears as.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { engine, AS_OF, ago, user, snapshot, policy, rule } from '../golden/helpers.mjs';

const read = (path) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

/** code → kind, from the markdown table. */
function documented() {
  const rows = [...read('docs/problem-codes.md').matchAll(/^\| `([^`]+)` \| (\w+) \| (.+) \|$/gm)];
  assert.ok(rows.length > 60, `the table lists ${rows.length} codes`);
  const map = new Map();
  for (const [, code, kind, meaning] of rows) {
    assert.ok(!map.has(code), `${code} listed once`);
    assert.ok(meaning.trim().length > 10, `${code} has a meaning`);
    map.set(code, kind);
  }
  return map;
}

/** The members of a generated union type in engine.d.mts. */
function union(name) {
  const text = read('plugin-shim/src/engine.d.mts');
  const m = text.match(new RegExp(`export type ${name} =\\n((?:  \\| '[^']+'\\n?)+);`));
  assert.ok(m, `engine.d.mts declares ${name}`);
  return [...m[1].matchAll(/'([^']+)'/g)].map((x) => x[1]);
}

const DOCS = documented();

describe('the registry, its docs and its types agree', () => {
  test('each TypeScript union holds exactly the documented codes of its kinds', () => {
    const ofKinds = (...kinds) => [...DOCS].filter(([, k]) => kinds.includes(k)).map(([c]) => c).sort();
    assert.deepEqual(union('KnownProblemCode').sort(), ofKinds('error', 'warning'));
    assert.deepEqual(union('ProtectionCode').sort(), ofKinds('protection'));
    assert.deepEqual(union('DecisionCode').sort(), ofKinds('decision'));
    assert.deepEqual(union('ThrownErrorCode').sort(), ofKinds('thrown'));
    assert.deepEqual(union('BlockedCode').sort(), ofKinds('blocked'));
    assert.deepEqual(union('SkippedCode').sort(), ofKinds('skipped'));
  });

  test('codes keep their wire form (area.name) and today\'s names', () => {
    for (const code of DOCS.keys()) assert.match(code, /^[a-z][a-zA-Z]*\.[a-zA-Z]+$/, code);
    for (const code of ['policy.unknownField', 'snapshot.noLastLogin', 'options.unknownSchedule', 'argument.invalid', 'internal.json']) {
      assert.ok(DOCS.has(code), code);
    }
  });
});

describe('every code the engine emits is documented with its kind', () => {
  const seen = new Map();
  const collect = (r) => {
    for (const e of r.errors ?? []) seen.set(e.code, 'error');
    for (const w of r.warnings ?? []) seen.set(w.code, 'warning');
    for (const p of r.value?.protected ?? []) seen.set(p.code, 'protection');
    for (const a of r.value?.actions ?? []) if (a.blockedCode) seen.set(a.blockedCode, 'blocked');
    for (const s of r.value?.skipped ?? []) seen.set(s.code, 'skipped');
    if (r.value?.decision) seen.set(r.value.code, 'decision');
    return r;
  };
  const S = snapshot([
    user('fred', { key: 'K1', groups: ['staff'], lastLogin: ago(100) }),
    user('root', { groups: ['admins'], lastLogin: ago(100) }),
    user('svc', { lastLogin: ago(100) }),
  ]);

  test('a battery of policies, snapshots, options and decisions', () => {
    const bad = [
      '{', '[]', { version: 2, rules: [] }, { version: 1 }, { version: 1, rules: [], extra: 1 },
      policy([rule('a', { inactveDays: 3 })]),
      policy([rule('a', { inactiveDays: -1, action: { type: 'deactivat' } })]),
      policy([rule('a', { inactiveDays: 99_999, email: { external: true, domains: [] } })]),
      policy([rule('a', { action: { type: 'deactivate', groups: ['x'] } }), rule('A')]),
      policy([rule('a', { inactiveDays: undefined })], { internalDomains: ['..'], serviceAccounts: [{ user: 'x', owner: '', expires: 'soon' }, { user: 'X', owner: 'o' }] }),
      policy([rule('a')], { schedules: [{ id: 'bad id', cron: '61 * * * *', timezone: 'Mars/Base' }, { id: 'ok', cron: '0 3 * * *', rules: [] }, { id: 'OK', cron: '0 3 * * *', rules: ['nope'] }] }),
      policy(Array.from({ length: 1001 }, (_, i) => rule(`r${i}`))),
      policy([rule('x'.repeat(300))]),
      { version: 1, rules: [], limits: {} },
      policy([rule('a', { email: { external: false } })], { protect: { users: ['a', 'A', 'ghost'], groups: ['ghosts'] } }),
    ];
    for (const p of bad) collect(engine.validate(p, S));
    collect(engine.validate(policy([rule('a')]), '{"users": 5}'));
    collect(engine.validate(policy([rule('a')]), { users: [{ name: ' ', active: true }, { name: 'a', active: true, lastLogin: 'x' }, { name: 'A', active: true }] }));
    collect(engine.validate(policy([rule('a')]), { users: [{ name: 'a', active: true }] }));
    collect(engine.validate(policy([rule('a')]), { users: [], applicationRoles: [{ key: 'r' }, { key: 'r' }] }));
    collect(engine.validate(policy([rule('a')]), { users: [], applicationRoles: Array.from({ length: 65 }, (_, i) => ({ key: `r${i}` })) }));
    const P = policy([rule('a', { inactiveDays: 30 })], {
      protect: { users: ['root'], groups: ['staff'] },
      serviceAccounts: [{ user: 'svc', owner: 'o', expires: '2030-01-01' }, { user: 'old', owner: 'o', expires: '2020-01-01' }],
    });
    collect(engine.plan(P, S, { asOf: AS_OF, actor: 'fred' }));
    collect(engine.plan(P, S, { asOf: 'now' }));
    collect(engine.plan(P, S, {}));
    collect(engine.plan(P, S, { asOf: AS_OF, typo: 1 }));
    collect(engine.plan(P, S, { asOf: AS_OF, schedule: 'none' }));
    collect(engine.plan(policy([rule('a')], { protect: { users: ['root'] } }), S, { asOf: AS_OF }));
    collect(engine.dashboard(null, S, { asOf: AS_OF, lowUsageDays: 40, inactiveDays: 30 }));
    const roles = { users: [user('a', { groups: ['g'] })], applicationRoles: [{ key: 'js', name: 'JS', groups: ['g'], numberOfSeats: 10 }, { key: 'free', name: 'Free', groups: ['g'], hasUnlimitedSeats: true }] };
    for (const o of [{ role: 'nope', targetSeats: 1 }, { role: 'free', headroom: 1 }, { role: 'js', nextLowerTier: true }, { role: 'js' }]) {
      collect(engine.planTier(policy([rule('a')]), roles, { asOf: AS_OF, ...o }));
    }
    collect(engine.nextRuns(policy([rule('a')]), { from: AS_OF, count: 0 }));
    const D = policy([rule('a', { inactiveDays: 30 })], { protect: { groups: ['admins'] } });
    const planned = { user: 'fred', key: 'K1', action: 'deactivate', rule: 'a' };
    const fred = user('fred', { key: 'K1', lastLogin: ago(100) });
    for (const input of [
      { user: fred, planned },
      { user: { ...fred, key: 'K2' }, planned },
      { user: { ...fred, active: false }, planned },
      { user: { ...fred, groups: ['admins'] }, planned },
      { user: { ...fred, lastLogin: ago(1) }, planned },
      { user: fred, planned: { ...planned, rule: 'b' } },
      { user: fred, planned: { ...planned, action: 'removeFromGroups', groups: ['g'] } },
      { user: fred, planned, capturedAt: '2026-11-20T00:00:00Z' },
      { user: fred, planned, capturedAt: '2026-11-28T00:00:00Z' },
      { user: fred, planned: { ...planned, action: 'review' }, previous: { created: 'x' } },
      { user: { ...fred, leads: { projects: [{ key: 'OPS' }] } }, planned },
    ]) collect(engine.decide(D, input, { asOf: AS_OF }));
    collect(engine.decide({ ...D, handover: { projectLead: 'heir' } }, { user: { ...fred, leads: { projects: [{ key: 'OPS' }] } }, planned }, { asOf: AS_OF }));
    // Impact (docs/matching.md#m13, #m14): blocked actions, skipped users, the hand-over user.
    const I = { users: [user('lead', { lastLogin: ago(100), leads: { projects: [{ key: 'OPS' }] } }), user('busy', { lastLogin: ago(100), openAssigned: 2 }),
      user('idle', { lastLogin: ago(100) }), user('heir', { lastLogin: ago(100) }), user('gone', { active: false })] };
    collect(engine.plan(policy([rule('a', { inactiveDays: 30, skipIfOpenAssignedIssues: true })]), I, { asOf: AS_OF }));
    collect(engine.plan(policy([rule('a', { inactiveDays: 30 })], { handover: { projectLead: 'heir' } }), I, { asOf: AS_OF }));
    for (const lead of ['nobody', 'gone']) collect(engine.validate(policy([rule('a')], { handover: { projectLead: lead } }), I));
    collect(engine.validate(policy([rule('a')]), { users: [user('x', { openAssigned: -1, leads: { projects: [{ key: '' }] } })] }));
    collect(engine.decide(policy([rule('a', { action: { type: 'removeFromGroups', groups: ['g*'] } })]),
      { user: { ...fred, groups: ['g2'] }, planned: { ...planned, action: 'removeFromGroups', groups: ['g1'] } }, { asOf: AS_OF }));
    // Warn before acting (docs/matching.md#m16): without a record of warnings sent, a warn rule's action waits.
    collect(engine.decide(policy([rule('a', { inactiveDays: 30, warn: { daysBefore: 14, template: 't' } })], { templates: [{ id: 't', subject: 'Account', body: 'Hello {{displayName}}' }] }),
      { user: fred, planned }, { asOf: AS_OF }));
    // A warning record dated after asOf (read back from Jira: untrusted) does not count.
    collect(engine.warnings(policy([rule('a', { inactiveDays: 30, warn: { daysBefore: 14, template: 't' } })], { templates: [{ id: 't', subject: 'Account', body: 'Hello {{displayName}}' }] }),
      S, { asOf: AS_OF, sent: [{ user: 'fred', rule: 'a', sentAt: '2099-01-01T00:00:00Z' }] }));
    assert.ok(seen.has('options.sentInFuture'), 'options.sentInFuture reached');

    assert.ok(seen.size > 50, `${seen.size} distinct codes emitted`);
    for (const [code, kind] of seen) {
      assert.equal(DOCS.get(code), kind, `${code} is emitted as ${kind}; docs/problem-codes.md says ${DOCS.get(code)}`);
    }
    const decisions = [...DOCS].filter(([, k]) => k === 'decision').map(([c]) => c);
    for (const c of decisions) assert.ok(seen.has(c), `decision ${c} reached`);
  });

  test('thrown errors carry documented codes', () => {
    for (const call of [() => engine.plan(42, '{}', {}), () => engine.decide({}, Symbol('x'), {}), () => engine.validate(undefined)]) {
      assert.throws(call, (e) => e.name === 'UserCleanupError' && DOCS.get(e.code) === 'thrown');
    }
  });
});
