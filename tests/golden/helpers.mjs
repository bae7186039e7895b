// Shared helpers for the Node engine tests (tests/node/engine-*.test.mjs).
// Expectations in the tests are computed by hand from docs/engine-api.md and docs/matching.md;
// these helpers only build inputs and check shapes.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { spawnSync } from 'node:child_process';

const ENGINE_URL = new URL('../../plugin-shim/src/engine.mjs', import.meta.url);
const WAIT_MS = 5 * 60 * 1000;

/** Whether a fresh Node process can load the engine and call it (pkg/ may be mid-rebuild). */
function loadsInChild() {
  const probe = `const m = await import(${JSON.stringify(ENGINE_URL.href)});
    if (typeof m.plan !== 'function' || typeof m.version() !== 'string') process.exit(3);`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', probe], { encoding: 'utf8', timeout: 60_000 });
  return { ok: r.status === 0, why: (r.stderr || r.error?.message || `exit ${r.status}`).trim().split('\n').slice(0, 3).join(' ') };
}

/**
 * The engine module. pkg/ is rebuilt often, and a failed load cannot be retried in the same process
 * (Node caches the broken module and its package scope), so wait in child processes until pkg/
 * loads (up to 5 minutes), then load it here.
 */
export async function loadEngine() {
  const start = Date.now();
  for (let attempt = 0; ; attempt++) {
    const probe = loadsInChild();
    if (probe.ok) break;
    if (Date.now() - start > WAIT_MS) {
      throw new Error(`the engine did not load for ${WAIT_MS / 1000} s: ${probe.why}`);
    }
    if (attempt === 0) process.stderr.write(`# waiting for pkg/ to load: ${probe.why}\n`);
    await sleep(3000);
  }
  const mod = await import(ENGINE_URL.href);
  assert.equal(typeof mod.plan, 'function', 'engine.mjs exports plan()');
  return mod;
}

export const engine = await loadEngine();

export const AS_OF = '2026-11-27T00:00:00Z';
export const AS_OF_MS = Date.parse(AS_OF);
export const DAY = 24 * 60 * 60 * 1000;

/** The instant `days` whole days (plus `ms`) before AS_OF, as RFC 3339 text without milliseconds when possible. */
export function ago(days, ms = 0) {
  return iso(AS_OF_MS - days * DAY + ms);
}

export function iso(ms) {
  const s = new Date(ms).toISOString();
  return s.endsWith('.000Z') ? s.slice(0, -5) + 'Z' : s;
}

/**
 * A snapshot user: active, in no group, email NAME@acme.com, created 2020-01-01, last login a day
 * before AS_OF. Any field in `o` overrides; a field given as `undefined` is left out (so
 * `{ lastLogin: undefined }` = last login not known, `{ lastLogin: null }` = never logged in).
 */
export function user(name, o = {}) {
  const u = {
    name,
    displayName: `User ${name}`,
    email: `${name.toLowerCase()}@acme.com`,
    active: true,
    groups: [],
    created: '2020-01-01T00:00:00Z',
    lastLogin: ago(1),
  };
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined) delete u[k];
    else u[k] = v;
  }
  return u;
}

export function snapshot(users, applicationRoles = []) {
  return { capturedAt: AS_OF, users, applicationRoles };
}

export function policy(rules, extra = {}) {
  return { version: 1, limits: { maxActionsPerRun: 1000 }, ...extra, rules };
}

export function rule(id, o = {}) {
  return { id, inactiveDays: 30, action: { type: 'deactivate' }, ...o };
}

const SOURCES = new Set(['policy', 'snapshot', 'options', 'input']); // input: decide's input

/** Asserts one well-formed Problem. */
export function assertProblem(p, severity) {
  assert.equal(typeof p, 'object');
  assert.ok(p !== null);
  assert.equal(typeof p.code, 'string');
  assert.ok(p.code.length > 0, 'code is not empty');
  assert.match(p.code, /^[a-z][a-zA-Z]*(\.[a-zA-Z]+)+$/, `code ${p.code} looks like area.name`);
  assert.equal(typeof p.path, 'string');
  assert.equal(typeof p.message, 'string');
  assert.ok(p.message.length > 0, 'message is not empty');
  assert.ok(SOURCES.has(p.source), `source ${p.source}`);
  assert.equal(p.severity, severity);
}

/** Asserts a well-formed Result<T> envelope (success or failure); `label` prefixes a failure. */
export function assertEnvelope(r, label) {
  if (label === undefined) return checkEnvelope(r);
  try {
    return checkEnvelope(r);
  } catch (e) {
    e.message = `${label}: ${e.message}`;
    throw e;
  }
}

function checkEnvelope(r) {
  assert.equal(typeof r, 'object');
  assert.ok(r !== null);
  assert.ok(r.type === 'success' || r.type === 'failure', `type is ${r.type}`);
  assert.ok(Array.isArray(r.warnings), 'warnings is an array');
  for (const w of r.warnings) assertProblem(w, 'warning');
  if (r.type === 'success') {
    assert.ok('value' in r, 'success has a value');
    assert.ok(!('errors' in r), 'success has no errors');
  } else {
    assert.ok(Array.isArray(r.errors), 'errors is an array');
    assert.ok(r.errors.length > 0, 'a failure has at least one error');
    for (const e of r.errors) assertProblem(e, 'error');
    assert.ok(!('value' in r), 'failure has no value');
  }
  return r;
}

/** The value of a success, failing the test (with the errors) otherwise. */
export function ok(r) {
  assertEnvelope(r);
  assert.equal(r.type, 'success', `expected success, got ${JSON.stringify(r.errors ?? r)}`);
  return r.value;
}

/** The errors of a failure, failing the test otherwise. */
export function failed(r) {
  assertEnvelope(r);
  assert.equal(r.type, 'failure', 'expected a failure');
  return r.errors;
}

export function planOk(p, s, opts = { asOf: AS_OF }) {
  return ok(engine.plan(p, s, opts));
}

export function byUser(plan) {
  return Object.fromEntries(plan.actions.map((a) => [a.user, a]));
}

export function protectedByUser(plan) {
  return Object.fromEntries(plan.protected.map((p) => [p.user, p]));
}

export function users(plan) {
  return plan.actions.map((a) => a.user);
}

/** Finds a problem by code and path in a list (errors or warnings). */
export function findProblem(list, code, path) {
  return list.find((p) => p.code === code && (path === undefined || p.path === path));
}

export function assertHasProblem(list, code, path) {
  const p = findProblem(list, code, path);
  assert.ok(p, `expected ${code} at ${JSON.stringify(path)} among ${JSON.stringify(list, null, 1)}`);
  return p;
}

/** UTC output instant, `YYYY-MM-DDTHH:MM:SSZ`, milliseconds only when not zero (docs/engine-api.md). */
export const UTC_INSTANT = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z$/;

/** mulberry32: a small seeded PRNG, so fuzz failures are reproducible. */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const sorted = (xs) => [...xs].sort();
