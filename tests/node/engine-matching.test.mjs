// The contract corpus (tests/contract/*.json, format in tests/contract/README.md) run through the
// WebAssembly build, the same files crates/engine/tests/contract.rs runs through the Rust API.
// Each case's expectation is a projection: only the fields it lists are compared, so output fields
// added later do not break it. On top of the expectation, this side checks what only the boundary
// can get wrong: every answer is a well-formed envelope, and objects, JSON text and planJson's text
// give the same answer.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { engine, assertEnvelope } from '../golden/helpers.mjs';

const DIR = new URL('../contract/', import.meta.url);
const CASE_KEYS = new Set(['name', 'clause', 'call', 'policy', 'policyText', 'snapshot', 'snapshotText', 'input', 'inputText', 'options', 'expect', 'was']);
const EXPECT_KEYS = new Set(['type', 'value', 'errors', 'errorsInclude', 'warningsInclude', 'warningsExclude']);

/** Every case file; throws (failing this test file) when the folder is missing or has none. */
function loadCorpus() {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();
  if (files.length === 0) throw new Error(`no *.json case files in ${DIR.pathname}`);
  return files.map((file) => {
    const doc = JSON.parse(readFileSync(new URL(file, DIR), 'utf8'));
    if (!Array.isArray(doc.cases) || doc.cases.length === 0) throw new Error(`${file}: no cases`);
    for (const c of doc.cases) {
      // A typo in a case (say "expcet") would make it assert nothing: refuse unknown keys.
      for (const k of Object.keys(c)) if (!CASE_KEYS.has(k)) throw new Error(`${file}: ${c.name}: unknown case key ${k}`);
      if (!c.name || !c.clause || !c.expect) throw new Error(`${file}: a case lacks name, clause or expect`);
      for (const k of Object.keys(c.expect)) if (!EXPECT_KEYS.has(k)) throw new Error(`${file}: ${c.name}: unknown expect key ${k}`);
    }
    return { file, shared: doc.snapshots ?? {}, cases: doc.cases };
  });
}

const corpus = loadCorpus();
const caseCount = corpus.reduce((n, f) => n + f.cases.length, 0);

/** The inputs of a case twice: as JSON text, and as objects (null when the case gives raw text). */
function inputs(c, shared) {
  const snapshot = typeof c.snapshot === 'string' ? shared[c.snapshot] : c.snapshot;
  if (typeof c.snapshot === 'string') assert.ok(snapshot, `no shared snapshot ${c.snapshot}`);
  const text = {
    policy: c.policyText ?? JSON.stringify(c.policy),
    snapshot: c.snapshotText ?? (snapshot === undefined ? undefined : JSON.stringify(snapshot)),
    input: c.inputText ?? (c.input === undefined ? undefined : JSON.stringify(c.input)),
    options: JSON.stringify(c.options ?? {}),
  };
  const objects = c.policyText === undefined && c.snapshotText === undefined && c.inputText === undefined
    ? { policy: c.policy, snapshot, input: c.input, options: c.options ?? {} }
    : null;
  return { text, objects };
}

function call(c, i) {
  switch (c.call ?? 'plan') {
    case 'plan': return engine.plan(i.policy, i.snapshot, i.options);
    case 'validate': return engine.validate(i.policy, i.snapshot);
    case 'decide': return engine.decide(i.policy, i.input, i.options);
    case 'planBulk': return engine.planBulk(i.policy, i.snapshot, i.options);
    default: throw new Error(`unknown call ${c.call}`);
  }
}

const sortedList = (xs) => (Array.isArray(xs) ? xs.map(String).sort() : xs);
const show = (v) => JSON.stringify(v);

/**
 * Throws unless `actual` has what `expected` lists. Objects: only the listed keys; arrays: same
 * length, element by element; null: null or absent. By key: groups/matchedGroups compare as sets,
 * reasons is a list of lists of substrings (one list per reason), reason/message are substrings of
 * a non-empty text, byRule is compared whole. Mirrors `matches` in crates/engine/tests/contract.rs.
 */
function expectMatch(actual, expected, at = 'value') {
  if (expected === null) {
    if (actual !== null && actual !== undefined) throw new Error(`at ${at}: expected null or absent, got ${show(actual)}`);
    return;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) {
      throw new Error(`at ${at}: expected ${expected.length} entries ${show(expected)}, got ${show(actual)}`);
    }
    expected.forEach((e, i) => expectMatch(actual[i], e, `${at}[${i}]`));
    return;
  }
  if (typeof expected !== 'object') {
    if (actual !== expected) throw new Error(`at ${at}: expected ${show(expected)}, got ${show(actual)}`);
    return;
  }
  if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) throw new Error(`at ${at}: expected an object, got ${show(actual)}`);
  for (const [k, e] of Object.entries(expected)) {
    const a = actual[k];
    const here = `${at}.${k}`;
    if ((k === 'groups' || k === 'matchedGroups') && Array.isArray(e)) {
      if (show(sortedList(a)) !== show(sortedList(e))) throw new Error(`at ${here}: expected the set ${show(e)}, got ${show(a)}`);
    } else if (k === 'reasons' && Array.isArray(e)) {
      if (!Array.isArray(a) || a.length !== e.length) throw new Error(`at ${here}: expected ${e.length} reasons, got ${show(a)}`);
      a.forEach((r, i) => {
        if (typeof r !== 'string' || r.length === 0) throw new Error(`at ${here}: a reason is not text: ${show(a)}`);
        for (const s of e[i]) if (!r.includes(s)) throw new Error(`at ${here}: reason ${show(r)} does not mention ${show(s)}`);
      });
    } else if ((k === 'reason' || k === 'message') && typeof e === 'string') {
      if (typeof a !== 'string' || a.length === 0 || !a.includes(e)) throw new Error(`at ${here}: expected a text containing ${show(e)}, got ${show(a)}`);
    } else if (k === 'byRule') {
      assert.deepEqual(a, e, `at ${here}`);
    } else {
      expectMatch(a, e, here);
    }
  }
}

const holds = (actual, expected) => {
  try {
    expectMatch(actual, expected);
    return true;
  } catch {
    return false;
  }
};

function check(expect, out) {
  const failure = 'errors' in expect || 'errorsInclude' in expect;
  const type = expect.type ?? (failure ? 'failure' : 'success');
  assert.equal(out.type, type, `expected ${type}, got ${show(out)}`);
  if ('value' in expect) expectMatch(out.value, expect.value, 'value');
  if ('errors' in expect) expectMatch(out.errors, expect.errors, 'errors');
  for (const [key, kind, present] of [['errorsInclude', 'errors', true], ['warningsInclude', 'warnings', true], ['warningsExclude', 'warnings', false]]) {
    for (const want of expect[key] ?? []) {
      const found = (out[kind] ?? []).some((p) => holds(p, want));
      assert.equal(found, present, `${kind} ${present ? 'lacks' : 'has'} ${show(want)}: ${show(out[kind])}`);
    }
  }
}

for (const { file, shared, cases } of corpus) {
  describe(file, () => {
    for (const c of cases) {
      test(`[${c.clause}] ${c.name}`, () => {
        const { text, objects } = inputs(c, shared);
        const out = assertEnvelope(call(c, text));
        check(c.expect, out);
        // The boundary: objects are the same input as their text, and planJson is plan as text.
        if (objects) assert.deepEqual(call(c, objects), out, 'objects and JSON text give the same answer');
        if ((c.call ?? 'plan') === 'plan') {
          assert.deepEqual(JSON.parse(engine.planJson(text.policy, text.snapshot, text.options)), out, 'planJson is the text of plan');
        }
      });
    }
  });
}

test(`the corpus has cases (${caseCount} in ${corpus.length} files)`, () => {
  assert.ok(caseCount > 0);
});

test('the projection rejects what differs (so no case can pass vacuously)', () => {
  const v = { actions: [{ user: 'a', groups: ['x', 'Y'], reasons: ['member of g'] }], n: 1 };
  assert.ok(holds(v, { n: 1, extra: null }));
  assert.ok(holds(v, { actions: [{ groups: ['Y', 'x'] }] }));
  assert.ok(!holds(v, { n: 2 }));
  assert.ok(!holds(v, { actions: [] }));
  assert.ok(!holds(v, { actions: [{ groups: ['x'] }] }));
  assert.ok(holds(v, { actions: [{ reasons: [['member']] }] }));
  assert.ok(!holds(v, { actions: [{ reasons: [['absent']] }] }));
  assert.ok(!holds(v, { actions: [{ user: null }] }));
  assert.ok(!holds(v, { missing: 0 }));
});

test('engine.mjs exports the documented functions; version() is a non-empty string', () => {
  for (const f of ['version', 'validate', 'plan', 'planJson', 'dashboard', 'planTier', 'nextRuns', 'decide']) {
    assert.equal(typeof engine[f], 'function', f);
  }
  assert.equal(typeof engine.version(), 'string');
  assert.ok(engine.version().length > 0);
});
