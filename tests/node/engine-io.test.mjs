// Inputs as objects and as JSON text, the result envelope, and robustness: the engine answers
// with data for any text or object, and throws only when called wrongly (docs/engine-api.md).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import {
  engine, AS_OF, ago, user, snapshot, policy, rule, ok, failed, assertEnvelope, prng, users,
} from '../golden/helpers.mjs';

// ---------------------------------------------------------------------------------------------
// Fixtures: a small hand-made policy/snapshot exercising every feature, and the repo samples.

const roles = [
  { key: 'jira-software', name: 'Jira Software', groups: ['jira-software-users', 'jira-administrators'], numberOfSeats: 25, userCount: 12, hasUnlimitedSeats: false },
  { key: 'jira-core', name: 'Jira Core', groups: ['jira-core-users'], numberOfSeats: -1, userCount: 3, hasUnlimitedSeats: true },
];
const HAND_SNAPSHOT = snapshot([
  user('admin', { groups: ['jira-administrators'], lastLogin: ago(200) }),
  user('alice', { groups: ['jira-software-users', 'contractors'], email: 'alice@partner.io', lastLogin: ago(100) }),
  user('Bob', { groups: ['jira-software-users', 'ext-acme'], email: 'bob@gmail.com', lastLogin: null, created: ago(100) }),
  user('carol', { groups: ['jira-software-users'], email: 'carol@eu.acme.com', lastLogin: ago(400) }),
  user('dave', { groups: ['jira-software-users', 'keep-forever'], lastLogin: ago(400) }),
  user('erin', { groups: ['jira-software-users', 'jira-core-users'], lastLogin: ago(2) }),
  user('frank', { groups: ['jira-core-users'], lastLogin: undefined }),
  user('gone', { active: false, groups: ['jira-software-users'], lastLogin: ago(900) }),
  user('svc-ci', { groups: ['jira-software-users'], lastLogin: ago(50) }),
  user('svc-old', { groups: ['jira-software-users'], lastLogin: ago(50) }),
  user('øyvind', { groups: ['jira-software-users', 'jira-core-users'], email: 'oyvind@acme.com', lastLogin: '2026-05-01T12:00:00+1000', displayName: 'Øyvind Ærø' }),
  user('zoë', { groups: ['jira-software-users'], email: undefined, lastLogin: ago(16) }),
  user('yusuf', { groups: ['jira-software-users'], email: 'yusuf@partner.io', lastLogin: ago(31) }),
], roles);
const HAND_POLICY = {
  version: 1,
  internalDomains: ['acme.com'],
  protect: { groups: ['jira-administrators'], users: ['svc-backup'] },
  serviceAccounts: [
    { user: 'svc-ci', owner: 'ops@acme.com', purpose: 'CI', expires: '2027-06-30' },
    { user: 'svc-old', owner: 'ops@acme.com', purpose: 'old', expires: '2026-01-01' },
  ],
  limits: { maxActionsPerRun: 3 },
  rules: [
    {
      id: 'externals',
      include: { groups: ['contractors', 'ext-*'] },
      exclude: { groups: ['keep-forever'], users: ['nobody'] },
      email: { external: true },
      inactiveDays: 30,
      neverLoggedIn: { createdMoreThanDays: 30 },
      action: { type: 'deactivate' },
    },
    { id: 'licence', include: { groups: ['jira-*-users'] }, exclude: { groups: ['keep-*'] }, email: { external: false }, inactiveDays: 180, action: { type: 'removeFromGroups', groups: ['jira-*-users'] } },
    { id: 'partners', email: { domains: ['partner.io'] }, inactiveDays: 30, action: { type: 'review' } },
    { id: 'everyone', inactiveDays: 45, action: { type: 'review' } },
  ],
  schedules: [{ id: 'weekly', cron: '0 3 * * MON', timezone: 'Europe/Oslo', rules: ['externals'] }],
};

const SAMPLE_DIR = new URL('../../samples/', import.meta.url);
const haveSamples = existsSync(new URL('policy.json', SAMPLE_DIR)) && existsSync(new URL('snapshot.json', SAMPLE_DIR));
const sampleText = (f) => readFileSync(new URL(f, SAMPLE_DIR), 'utf8');

const fixtures = [['hand-made', JSON.stringify(HAND_POLICY), JSON.stringify(HAND_SNAPSHOT)]];
if (haveSamples) fixtures.push(['samples/', sampleText('policy.json'), sampleText('snapshot.json')]);

// ---------------------------------------------------------------------------------------------

describe('objects and JSON text give identical results', () => {
  for (const [name, pText, sText] of fixtures) {
    const pObj = JSON.parse(pText);
    const sObj = JSON.parse(sText);
    const opts = { asOf: AS_OF, actor: 'admin' };

    test(`${name}: plan`, () => {
      const a = engine.plan(pText, sText, opts);
      assertEnvelope(a);
      assert.equal(a.type, 'success', JSON.stringify(a.errors));
      assert.deepEqual(engine.plan(pObj, sObj, opts), a);
      assert.deepEqual(engine.plan(pObj, sText, JSON.stringify(opts)), a);
      assert.deepEqual(engine.plan(pText, sObj, opts), a);
    });

    test(`${name}: planJson is the text of plan's result`, () => {
      const expected = JSON.stringify(engine.plan(pObj, sObj, opts));
      assert.equal(engine.planJson(pText, sText, JSON.stringify(opts)), expected);
      assert.equal(engine.planJson(pObj, sObj, opts), expected);
    });

    test(`${name}: dashboard`, () => {
      const o = { asOf: AS_OF, actor: 'admin', lowUsageDays: 10, inactiveDays: 40 };
      const a = engine.dashboard(pText, sText, o);
      ok(a);
      assert.deepEqual(engine.dashboard(pObj, sObj, o), a);
      assert.deepEqual(engine.dashboard(null, sObj, o), engine.dashboard(null, sText, JSON.stringify(o)));
    });

    test(`${name}: validate`, () => {
      const a = engine.validate(pText, sText);
      ok(a);
      assert.deepEqual(engine.validate(pObj, sObj), a);
      assert.deepEqual(engine.validate(pObj), engine.validate(pText));
    });

    test(`${name}: planTier`, () => {
      const o = { asOf: AS_OF, role: 'jira-software', targetSeats: 5 };
      const a = engine.planTier(pText, sText, o);
      ok(a);
      assert.deepEqual(engine.planTier(pObj, sObj, o), a);
      assert.deepEqual(engine.planTier(pObj, sObj, JSON.stringify(o)), a);
    });

    test(`${name}: nextRuns`, () => {
      const o = { from: AS_OF, count: 3 };
      assert.deepEqual(engine.nextRuns(pObj, o), engine.nextRuns(pText, JSON.stringify(o)));
    });
  }

  test('failures are identical too (same errors, same order)', () => {
    const bad = { version: 1, rules: [{ id: 'r', inactveDays: 3, inactiveDays: 3, action: { type: 'nuke' } }], internalDomains: ['x y'] };
    const s = snapshot([user('fred'), user('FRED', { lastLogin: 'nope' })]);
    const a = engine.plan(bad, s, { asOf: AS_OF });
    failed(a);
    assert.deepEqual(engine.plan(JSON.stringify(bad), JSON.stringify(s), JSON.stringify({ asOf: AS_OF })), a);
    assert.equal(engine.planJson(JSON.stringify(bad), JSON.stringify(s), JSON.stringify({ asOf: AS_OF })), JSON.stringify(a));
    assert.deepEqual(engine.validate(bad, s), engine.validate(JSON.stringify(bad), JSON.stringify(s)));
  });

  test('the same call twice gives the same answer (no hidden state, no clock)', () => {
    const [, pText, sText] = fixtures[fixtures.length - 1];
    const a = engine.planJson(pText, sText, JSON.stringify({ asOf: AS_OF }));
    const b = engine.planJson(pText, sText, JSON.stringify({ asOf: AS_OF }));
    assert.equal(a, b);
  });

  test('hand-made fixture: a few facts, for orientation', () => {
    const plan = ok(engine.plan(HAND_POLICY, HAND_SNAPSHOT, { asOf: AS_OF, actor: 'admin' }));
    // admin: protected group (and actor); alice: externals (external partner.io, 100 d);
    // Bob: externals (never logged in, created 100 d ago); carol: licence (internal, 400 d);
    // dave: keep-forever → not externals/licence (internal anyway), everyone (400 d) → review;
    // erin: fresh; frank: unknown; gone: inactive; svc-ci: protected service account (50 d, everyone);
    // svc-old: expired, everyone (50 d) → review; øyvind: 2026-05-01T02:00Z → 209 d → licence;
    // zoë: 16 d, no email → nothing; yusuf: partner.io, 31 d → partners (review).
    assert.deepEqual(plan.actions.map((a) => [a.user, a.rule, a.action]), [
      ['alice', 'externals', 'deactivate'],
      ['Bob', 'externals', 'deactivate'],
      ['carol', 'licence', 'removeFromGroups'],
      ['dave', 'everyone', 'review'],
      ['svc-old', 'everyone', 'review'],
      ['yusuf', 'partners', 'review'],
      ['øyvind', 'licence', 'removeFromGroups'],
    ]);
    assert.deepEqual(plan.protected.map((p) => [p.user, p.rule]).sort(), [['admin', 'everyone'], ['svc-ci', 'everyone']]);
    assert.equal(plan.counts.executable, 4);
    assert.equal(plan.overLimit, true);
  });
});

// ---------------------------------------------------------------------------------------------

function assertThrowsArgument(fn, label) {
  let thrown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  assert.ok(thrown !== undefined, `${label}: expected a throw`);
  assert.ok(thrown instanceof Error, `${label}: a real Error`);
  assert.equal(thrown.name, 'UserCleanupError', label);
  assert.equal(thrown.code, 'argument.invalid', label);
  assert.equal(typeof thrown.message, 'string');
}

describe('wrong argument types throw UserCleanupError (argument.invalid)', () => {
  const P = JSON.stringify(policy([rule('r1')]));
  const S = JSON.stringify(snapshot([user('fred')]));
  const wrong = [['a number', 42], ['undefined', undefined], ['a boolean', true], ['a BigInt', 10n], ['a symbol', Symbol('x')], ['a function', () => ({})]];
  for (const [label, v] of wrong) {
    test(`policy as ${label}`, () => {
      assertThrowsArgument(() => engine.validate(v), `validate(${label})`);
      assertThrowsArgument(() => engine.plan(v, S, { asOf: AS_OF }), `plan(${label})`);
      assertThrowsArgument(() => engine.planJson(v, S, { asOf: AS_OF }), `planJson(${label})`);
      assertThrowsArgument(() => engine.planTier(v, S, { asOf: AS_OF, role: 'x', targetSeats: 1 }), `planTier(${label})`);
      assertThrowsArgument(() => engine.nextRuns(v, { from: AS_OF, count: 1 }), `nextRuns(${label})`);
      if (v !== undefined) assertThrowsArgument(() => engine.dashboard(v, S, { asOf: AS_OF }), `dashboard(${label})`);
    });
    if (v === undefined) continue;
    test(`snapshot as ${label}`, () => {
      assertThrowsArgument(() => engine.plan(P, v, { asOf: AS_OF }), `plan(P, ${label})`);
      assertThrowsArgument(() => engine.dashboard(P, v, { asOf: AS_OF }), `dashboard(P, ${label})`);
      assertThrowsArgument(() => engine.planTier(P, v, { asOf: AS_OF, role: 'x', targetSeats: 1 }), `planTier(P, ${label})`);
      assertThrowsArgument(() => engine.validate(P, v), `validate(P, ${label})`);
    });
    test(`options as ${label}`, () => {
      assertThrowsArgument(() => engine.plan(P, S, v), `plan(P, S, ${label})`);
      assertThrowsArgument(() => engine.dashboard(P, S, v), `dashboard(P, S, ${label})`);
      assertThrowsArgument(() => engine.nextRuns(P, v), `nextRuns(P, ${label})`);
    });
  }

  test('snapshot missing (undefined) in plan throws', () => {
    assertThrowsArgument(() => engine.plan(P, undefined, { asOf: AS_OF }), 'plan(P, undefined)');
  });

  test('a cyclic object throws UserCleanupError', () => {
    const p = policy([rule('r1')]);
    p.self = p;
    assertThrowsArgument(() => engine.validate(p), 'validate(cyclic)');
    assertThrowsArgument(() => engine.plan(p, S, { asOf: AS_OF }), 'plan(cyclic)');
    const s = snapshot([user('fred')]);
    s.users[0].me = s.users[0];
    assertThrowsArgument(() => engine.plan(P, s, { asOf: AS_OF }), 'plan(P, cyclic)');
    const o = { asOf: AS_OF };
    o.o = o;
    assertThrowsArgument(() => engine.plan(P, S, o), 'plan(P, S, cyclic)');
  });

  test('a BigInt inside an object throws UserCleanupError', () => {
    assertThrowsArgument(() => engine.validate({ version: 1n, rules: [] }), 'validate({version: 1n})');
  });

  test('an object whose toJSON gives undefined throws UserCleanupError', () => {
    assertThrowsArgument(() => engine.validate({ toJSON: () => undefined }), 'validate({toJSON})');
  });

  test('the engine still works after throwing', () => {
    try { engine.plan(42, S, {}); } catch { /* expected */ }
    ok(engine.plan(P, S, { asOf: AS_OF }));
  });
});

// ---------------------------------------------------------------------------------------------

const GARBAGE_TEXTS = [
  '', ' ', '\n', 'null', 'true', 'false', '0', '-1', '1e999', '"text"', '[]', '{}', '[{}]', '{"a":1}',
  '{', '}', '[', ']', '{"version":1', '{"version":1,"rules":null}', '{"version":1,"rules":[null]}',
  '{"version":1,"rules":[[]]}', '{"version":1,"rules":[{}]}', '{"version":1,"rules":[{"id":null}]}',
  '{"users":null}', '{"users":[null]}', '{"users":[{}]}', '{"users":[[]]}', '{"users":{}}',
  '{"users":[{"name":"x","active":true,"groups":null}]}', '{"users":[{"name":"","active":true,"groups":[]}]}',
  '{"version":1,"version":2,"rules":[]}', '{"__proto__":{"x":1},"version":1,"rules":[]}',
  '\uFEFF{"version":1,"rules":[]}', '{"version":1,"rules":[]} trailing', '{"version":1,"rules":[],}',
  "{'version':1}", '{"version":1e2,"rules":[]}', '{"version":1.0,"rules":[]}', '{"version":-0,"rules":[]}',
  '{"a":"\\ud800"}', '{"a":"\\u0000"}', '\u0000', '\uFFFF', '💥', 'NaN', 'Infinity', 'undefined',
  '{"version":18446744073709551616,"rules":[]}', '{"version":1,"rules":[],"limits":{"maxActionsPerRun":1e308}}',
  '{"version":1,"rules":[{"id":"r","inactiveDays":99999999999999999999,"action":{"type":"deactivate"}}]}',
];

function allFunctions(pText, sText) {
  const out = [];
  out.push(['validate', engine.validate(pText)]);
  out.push(['validate2', engine.validate(pText, sText)]);
  out.push(['plan', engine.plan(pText, sText, { asOf: AS_OF })]);
  out.push(['planJson', JSON.parse(engine.planJson(pText, sText, JSON.stringify({ asOf: AS_OF })))]);
  out.push(['dashboard', engine.dashboard(pText, sText, { asOf: AS_OF })]);
  out.push(['planTier', engine.planTier(pText, sText, { asOf: AS_OF, role: 'jira-software', nextLowerTier: true })]);
  out.push(['nextRuns', engine.nextRuns(pText, { from: AS_OF, count: 2 })]);
  return out;
}

describe('garbage in, envelope out', () => {
  const goodP = JSON.stringify(HAND_POLICY);
  const goodS = JSON.stringify(HAND_SNAPSHOT);

  test('garbage texts as policy, snapshot and options', () => {
    for (const g of GARBAGE_TEXTS) {
      for (const [name, r] of allFunctions(g, goodS)) assertEnvelope(r, `${name} policy=${JSON.stringify(g)}`);
      for (const [name, r] of allFunctions(goodP, g)) assertEnvelope(r, `${name} snapshot=${JSON.stringify(g)}`);
      assertEnvelope(engine.plan(goodP, goodS, g));
      assertEnvelope(engine.dashboard(goodP, goodS, g));
      assertEnvelope(engine.planTier(goodP, goodS, g));
      assertEnvelope(engine.nextRuns(goodP, g));
      assertEnvelope(JSON.parse(engine.planJson(goodP, goodS, g)));
    }
  });

  test('garbage objects as policy, snapshot and options', () => {
    const objs = [{}, [], [1, 2], { version: 1 }, { rules: {} }, { version: 1, rules: [{ action: null }] },
      { users: [{ name: {} }] }, { users: [{ name: 'x', active: 'yes' }] }, new Date(0), { toJSON: () => 'text' },
      Object.create(null), new Map([[1, 2]]), { asOf: [] }, { asOf: AS_OF, count: -1 },
      { a: NaN, b: Infinity, c: undefined }];
    for (const o of objs) {
      for (const call of [
        () => engine.validate(o), () => engine.validate(goodP, o), () => engine.plan(o, goodS, { asOf: AS_OF }),
        () => engine.plan(goodP, o, { asOf: AS_OF }), () => engine.plan(goodP, goodS, o), () => engine.dashboard(o, goodS, o),
        () => engine.planTier(goodP, goodS, o), () => engine.nextRuns(o, o),
      ]) {
        let r;
        try {
          r = call();
        } catch (e) {
          // Only a wrong argument may throw; anything the host can turn into JSON is data.
          assert.fail(`threw ${e?.name} ${e?.code} ${e?.message} for ${String(call)} with ${JSON.stringify(o)}`);
        }
        assertEnvelope(r);
      }
    }
  });

  test('dashboard accepts a null / undefined policy', () => {
    ok(engine.dashboard(null, goodS, { asOf: AS_OF }));
    ok(engine.dashboard(undefined, goodS, { asOf: AS_OF }));
  });

  test('deeply nested JSON (10 000 levels) fails cleanly, as policy, snapshot and options', () => {
    const open = '['.repeat(10000);
    const closed = open + ']'.repeat(10000);
    const objs = '{"a":'.repeat(10000) + '1' + '}'.repeat(10000);
    for (const t of [open, closed, objs, `{"version":1,"rules":${closed}}`]) {
      assertEnvelope(engine.validate(t));
      assertEnvelope(engine.plan(goodP, t, { asOf: AS_OF }));
      assertEnvelope(engine.plan(goodP, goodS, t));
      assertEnvelope(JSON.parse(engine.planJson(t, t, t)));
      assertEnvelope(engine.dashboard(t, t, { asOf: AS_OF }));
      assertEnvelope(engine.nextRuns(t, { from: AS_OF }));
    }
    // as a JS object: V8's own JSON.stringify gives up at this depth, so a UserCleanupError is
    // as good as an envelope here; anything else (a RangeError, a wasm trap) is not.
    let deep = 1;
    for (let i = 0; i < 10000; i++) deep = [deep];
    for (const call of [() => engine.validate({ version: 1, rules: deep }), () => engine.plan(goodP, { users: deep }, { asOf: AS_OF })]) {
      let r;
      try {
        r = call();
      } catch (e) {
        assert.equal(e?.name, 'UserCleanupError', String(e));
        continue;
      }
      assertEnvelope(r);
    }
    // and the engine still works afterwards
    ok(engine.plan(goodP, goodS, { asOf: AS_OF }));
  });

  test('huge strings', () => {
    const big = 'x'.repeat(5_000_000);
    // The policy caps its texts (docs/engine-api.md "Limits"): a refusal with a path, not a hang.
    const huge = structuredClone(HAND_POLICY);
    huge.rules[0].description = big;
    const tooLong = failed(engine.validate(huge));
    assert.deepEqual(tooLong.map((e) => `${e.code} ${e.path}`), ['policy.tooLong rules[0].description']);
    const p = structuredClone(HAND_POLICY);
    p.rules[0].description = 'd'.repeat(4096);
    ok(engine.validate(p));
    const s = structuredClone(HAND_SNAPSHOT);
    s.users[1].displayName = big;
    s.users.push(user('y'.repeat(1_000_000), { groups: ['g'.repeat(1_000_000)], lastLogin: ago(400), email: `${'e'.repeat(100_000)}@${'d'.repeat(100_000)}.io` }));
    const plan = ok(engine.plan(p, s, { asOf: AS_OF }));
    assert.equal(plan.actions.find((a) => a.user === 'alice').displayName.length, big.length);
    assert.ok(plan.actions.some((a) => a.user.length === 1_000_000));
    // a huge unknown key, a huge rule id, a huge error value
    const q = structuredClone(HAND_POLICY);
    q.rules[0][big] = 1;
    assertEnvelope(engine.validate(q));
    q.rules[0] = { ...HAND_POLICY.rules[0], id: big };
    assert.ok(failed(engine.validate(q)).some((e) => e.code === 'policy.tooLong' && e.path === 'rules[0].id'));
    assertEnvelope(engine.plan(goodP, goodS, { asOf: big }));
    assertEnvelope(engine.validate(' '.repeat(10_000_000) + goodP));
  });

  test('non-ASCII names: case-insensitive, sorted, echoed unchanged', () => {
    const s = snapshot([
      user('øyvind', { groups: ['Ærø-team'], lastLogin: ago(100), displayName: 'Øyvind 🚀 Ærø' }),
      user('ÅSE', { groups: ['ærø-team'], lastLogin: ago(100) }),
      user('straße', { groups: ['team-東京'], lastLogin: ago(100), email: 'straße@bücher.de' }),
      user('محمد', { groups: ['team-東京'], lastLogin: ago(100) }),
    ]);
    const p = policy([
      rule('r1', { include: { groups: ['ÆRØ-*'] }, exclude: { users: ['ØYVIND'] } }),
      rule('r2', { include: { groups: ['team-東京'] }, action: { type: 'review' } }),
    ]);
    const plan = ok(engine.plan(p, s, { asOf: AS_OF }));
    const got = Object.fromEntries(plan.actions.map((a) => [a.user, a.rule]));
    assert.deepEqual(got, { 'ÅSE': 'r1', 'straße': 'r2', 'محمد': 'r2' });
    assert.equal(plan.actions.find((a) => a.user === 'straße').facts.emailDomain, 'bücher.de');
    const plan2 = ok(engine.plan(policy([rule('r1')]), s, { asOf: AS_OF }));
    assert.equal(plan2.actions.find((a) => a.user === 'øyvind').displayName, 'Øyvind 🚀 Ærø');
    assert.equal(users(plan2).length, 4);
  });
});

// ---------------------------------------------------------------------------------------------

const TOKENS = ['null', 'true', 'false', '0', '-1', '1.5', '1e999', '""', '"x"', '[]', '{}', '"*"', '"2026-13-01"',
  '"2026-11-27T00:00:00+1000"', ',', ':', '"', '\\', '{', '}', '[', ']', '"\\u0000"', '"\\ud800"', '"é"', '💥', ' '];
const VALUES = [null, true, false, 0, -1, 1.5, 1e300, '', 'x', '*', '2026-13-01', '2026-11-27', '2026-11-27T00:00:00+1000',
  [], {}, ['*'], { type: 'review' }, 'ext-*', 'nope', -0.0, 2 ** 53, 'Europe/Oslo', 'Mars/Olympus', '0 3 * * MON', '61 * * * *'];

function mutateText(text, rnd) {
  const pick = (xs) => xs[Math.floor(rnd() * xs.length)];
  const pos = () => Math.floor(rnd() * (text.length + 1));
  switch (Math.floor(rnd() * 5)) {
    case 0: { // replace one character
      const i = pos();
      return text.slice(0, i) + pick(TOKENS)[0] + text.slice(i + 1);
    }
    case 1: { // delete a slice
      const i = pos();
      return text.slice(0, i) + text.slice(i + 1 + Math.floor(rnd() * 20));
    }
    case 2: { // insert a token
      const i = pos();
      return text.slice(0, i) + pick(TOKENS) + text.slice(i);
    }
    case 3: { // duplicate a slice
      const i = pos();
      const j = Math.min(text.length, i + Math.floor(rnd() * 200));
      return text.slice(0, j) + text.slice(i, j) + text.slice(j);
    }
    default: { // truncate
      return text.slice(0, pos());
    }
  }
}

function mutateValue(doc, rnd) {
  const pick = (xs) => xs[Math.floor(rnd() * xs.length)];
  // walk to a random container
  let node = doc;
  for (let depth = 0; depth < 6; depth++) {
    const keys = Object.keys(node);
    if (keys.length === 0) break;
    const k = pick(keys);
    const child = node[k];
    if (child === null || typeof child !== 'object' || rnd() < 0.3) {
      const op = rnd();
      if (op < 0.5) node[k] = structuredClone(pick(VALUES));
      else if (op < 0.7) { if (Array.isArray(node)) node.splice(Number(k), 1); else delete node[k]; }
      else if (op < 0.85) node[Array.isArray(node) ? node.length : `${k}X`] = structuredClone(child);
      else node[k] = typeof child === 'string' ? child.toUpperCase() + pick(['', '*', '@', ' ']) : structuredClone(pick(VALUES));
      return doc;
    }
    node = child;
  }
  return doc;
}

describe('fuzz: 5000 seeded mutations of a valid policy / snapshot', () => {
  const SEED = 20261127;
  const N = 5000;
  const pText = JSON.stringify(HAND_POLICY);
  const sText = JSON.stringify(HAND_SNAPSHOT);
  const pPretty = JSON.stringify(HAND_POLICY, null, 2);
  const sPretty = JSON.stringify(HAND_SNAPSHOT, null, 2);

  test(`seed ${SEED}: every call returns a well-formed envelope`, () => {
    const rnd = prng(SEED);
    let successes = 0;
    for (let i = 0; i < N; i++) {
      const onPolicy = i % 2 === 0;
      let p = pText;
      let s = sText;
      const structural = rnd() < 0.5;
      if (structural) {
        const doc = JSON.parse(onPolicy ? pText : sText);
        const steps = 1 + Math.floor(rnd() * 3);
        for (let k = 0; k < steps; k++) mutateValue(doc, rnd);
        if (onPolicy) p = JSON.stringify(doc); else s = JSON.stringify(doc);
      } else {
        let t = onPolicy ? pPretty : sPretty;
        const steps = 1 + Math.floor(rnd() * 3);
        for (let k = 0; k < steps; k++) t = mutateText(t, rnd);
        if (onPolicy) p = t; else s = t;
      }
      const where = `iteration ${i} (seed ${SEED}), ${onPolicy ? 'policy' : 'snapshot'}: ${(onPolicy ? p : s).slice(0, 300)}`;
      let r;
      try {
        r = engine.plan(p, s, { asOf: AS_OF, actor: 'admin' });
        assertEnvelope(r);
        if (r.type === 'success') successes++;
        if (i % 5 === 0) {
          assertEnvelope(engine.validate(p, s));
          assertEnvelope(engine.dashboard(p, s, { asOf: AS_OF }));
          assertEnvelope(engine.planTier(p, s, { asOf: AS_OF, role: 'jira-software', headroom: 2 }));
          assertEnvelope(engine.nextRuns(p, { from: AS_OF, count: 2 }));
        }
        if (i % 25 === 0) assert.equal(engine.planJson(p, s, JSON.stringify({ asOf: AS_OF, actor: 'admin' })), JSON.stringify(r));
      } catch (e) {
        e.message = `${where}\n${e.message}`;
        throw e;
      }
    }
    // the mutations are not all fatal: some still plan
    assert.ok(successes > N / 10, `only ${successes} of ${N} mutations planned`);
  });
});
