// Prints (does not assert) the time of engine.query over a synthetic snapshot (default 100,000
// users from samples/generate.mjs, cached in .bench/), native and WASM in Node, for a few filters:
// the whole call (snapshot text in, answer out), best of 3.
//   node tests/bench/query-bench.mjs [--users 100000] [--policy samples/policy.json]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { writeSnapshot } from '../../samples/generate.mjs';
import * as engine from '../../plugin-shim/src/engine.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const { values } = parseArgs({
  options: { users: { type: 'string', default: '100000' }, policy: { type: 'string', default: `${root}samples/policy.json` } },
});
const n = Number(values.users);
mkdirSync(`${root}.bench`, { recursive: true });
const snapPath = `${root}.bench/synthetic-${n}.json`;
if (!existsSync(snapPath)) await writeSnapshot(snapPath, { kind: 'synthetic', users: n, seed: 7 });

const FILTERS = {
  empty: {},
  ruleLike: { include: { groups: ['ext-*', 'contractors'] }, inactiveDays: 90, neverLoggedIn: { createdMoreThanDays: 30 }, active: true },
  facets: { buckets: ['inactive', 'neverLoggedIn'], roles: ['jira-software'], protected: false, review: false },
  search: { search: 'ann' },
};
const asOf = '2026-11-27T10:00:00Z';

execFileSync('cargo', ['build', '-q', '--profile', 'bench-native', '--example', 'query_bench'], { cwd: root, stdio: 'inherit' });
const native = JSON.parse(execFileSync(`${root}target/bench-native/examples/query_bench`, [values.policy, snapPath, asOf]).toString());

const policy = readFileSync(values.policy, 'utf8');
const snapshot = readFileSync(snapPath, 'utf8');
let t0 = performance.now();
const session = engine.openQuery(policy, snapshot, { asOf }).value;
const openMs = performance.now() - t0;
const best3 = (f) => {
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    f();
    best = Math.min(best, performance.now() - t);
  }
  return +best.toFixed(1);
};
const rows = [];
for (const [name, filter] of Object.entries(FILTERS)) {
  let best = Infinity;
  let total = 0;
  let bestText = Infinity;
  for (let i = 0; i < 3; i++) {
    let t = performance.now();
    const r = engine.query(policy, snapshot, filter, { asOf });
    best = Math.min(best, performance.now() - t);
    if (r.type !== 'success') throw new Error(JSON.stringify(r.errors));
    total = r.value.total;
    t = performance.now();
    engine.queryJson(policy, snapshot, filter, { asOf });
    bestText = Math.min(bestText, performance.now() - t);
  }
  rows.push({
    filter: name, users: total, nativeMs: native[name].ms, wasmMs: +best.toFixed(1), wasmJsonTextMs: +bestText.toFixed(1),
    nativeSessionMs: native[name].sessionMs, sessionMs: best3(() => session.query(filter)),
    sessionBriefMs: best3(() => session.query({ ...filter, view: 'brief' })),
  });
}
session.free();
console.log(`query over ${n.toLocaleString('en')} users (${(snapshot.length / 1e6).toFixed(1)} MB snapshot text), best of 3, whole call:`);
console.table(rows);
console.log(`openQuery (parse once, per-user facts): WASM ${openMs.toFixed(0)} ms, native ${native.openMs} ms; session* = a query on it`);
