// Golden cases on disk: tests/golden/cases/<name>/{policy.json, snapshot.json, expected.json}.
// expected.json is hand-computed; only the fields it lists are compared (arrays of group names
// are compared as sets, protected entries in username order), so fields added to the output later
// do not break a case.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { engine, ok, assertHasProblem } from '../golden/helpers.mjs';

const CASES = new URL('../golden/cases/', import.meta.url);
// A missing or empty folder fails the file: golden cases that vanished must not pass as "nothing failed".
const names = readdirSync(CASES, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
if (names.length === 0) throw new Error(`no golden cases in ${CASES.pathname}`);

const GROUP_LISTS = new Set(['groups', 'matchedGroups']);

/** `actual` reduced to the keys `expected` has (recursively for plain objects). */
function project(actual, expected) {
  if (expected === null || typeof expected !== 'object' || Array.isArray(expected)) return actual;
  if (actual === null || typeof actual !== 'object') return actual;
  const out = {};
  for (const k of Object.keys(expected)) {
    if (!(k in actual)) continue;
    // byRule's keys are rule ids, not fields: compared whole.
    out[k] = GROUP_LISTS.has(k) && Array.isArray(actual[k]) ? [...actual[k]].sort()
      : k === 'byRule' ? actual[k] : project(actual[k], expected[k]);
  }
  return out;
}

function normaliseExpected(e) {
  if (e === null || typeof e !== 'object' || Array.isArray(e)) return e;
  return Object.fromEntries(Object.entries(e).map(([k, v]) => [k, GROUP_LISTS.has(k) && Array.isArray(v) ? [...v].sort() : normaliseExpected(v)]));
}

for (const name of names) {
  const dir = new URL(`${name}/`, CASES);
  const policyText = readFileSync(new URL('policy.json', dir), 'utf8');
  const snapshotText = readFileSync(new URL('snapshot.json', dir), 'utf8');
  const expected = JSON.parse(readFileSync(new URL('expected.json', dir), 'utf8'));

  describe(`golden case ${name}`, () => {
    const result = engine.plan(policyText, snapshotText, expected.options);

    test('plan succeeds', () => {
      ok(result);
    });

    const exp = expected.plan ?? {};
    const plan = result.value ?? {};

    for (const key of ['asOf', 'actor', 'overLimit', 'limit', 'counts']) {
      if (!(key in exp)) continue;
      // Projected like everything else: fields the engine adds later (limit gained
      // maxSnapshotAgeMinutes) must not break a golden case.
      test(`plan.${key}`, () => assert.deepEqual(project(plan[key], exp[key]), exp[key]));
    }

    if (exp.actions) {
      test('plan.actions (sorted by username)', () => {
        assert.deepEqual(plan.actions.map((a) => a.user), exp.actions.map((a) => a.user));
        exp.actions.forEach((e, i) => {
          assert.deepEqual(project(plan.actions[i], e), normaliseExpected(e), `action for ${e.user}`);
        });
      });
    }

    if (exp.protected) {
      test('plan.protected', () => {
        const byName = (a, b) => (a.user < b.user ? -1 : a.user > b.user ? 1 : 0);
        const got = plan.protected.map((p) => project(p, exp.protected[0])).sort(byName);
        assert.deepEqual(got, [...exp.protected].sort(byName));
      });
    }

    if (exp.expiredServiceAccounts) {
      test('plan.expiredServiceAccounts', () => {
        const got = plan.expiredServiceAccounts.map((p) => project(p, exp.expiredServiceAccounts[0]));
        assert.deepEqual(got, exp.expiredServiceAccounts);
      });
    }

    if (exp.licence) {
      test('plan.licence', () => {
        for (const e of exp.licence) {
          const l = plan.licence.find((x) => x.role === e.role);
          assert.ok(l, `licence for ${e.role}`);
          assert.deepEqual(project(l, e), e);
        }
      });
    }

    if (expected.warnings) {
      test('warnings', () => {
        for (const w of expected.warnings) assertHasProblem(result.warnings, w.code, w.path);
      });
    }

    test('validate and dashboard accept the inputs', () => {
      ok(engine.validate(policyText, snapshotText));
      ok(engine.dashboard(policyText, snapshotText, expected.options));
    });

    if (expected.nextRuns) {
      test('nextRuns', () => {
        const v = ok(engine.nextRuns(policyText, expected.nextRuns.options));
        assert.deepEqual(v.schedules.map((s) => ({ id: s.id, next: s.next })), expected.nextRuns.schedules);
      });
    }
  });
}

test(`golden cases: ${names.length}`, () => {
  assert.ok(names.length > 0);
});
