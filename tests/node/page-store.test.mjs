// The admin page's store (plugin-shim/app/store.mjs) over the sandbox Jira: the policy and the audit
// trail kept as user properties of the storage account; the account's safety check; appends that
// never fork the chain when two page sessions write at once (page-trail.mjs over store.appendTrail),
// verified with the runner's chain.mjs.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSandbox } from '../../plugin-shim/src/sandbox/index.mjs';
import { userPropertiesOf } from '../../plugin-shim/src/sandbox/routes/properties.mjs';
import { createStore, POLICY_KEY, HEAD_KEY, LOCK_PREFIX, MAX_VALUE_LENGTH } from '../../plugin-shim/app/store.mjs';
import { createJiraTrail } from '../../plugin-shim/app/page-trail.mjs';
import * as chain from '../../plugin-shim/src/runner/chain.mjs';

const ACCOUNT = 'user-cleanup';

async function rest(sb, method, path, body) {
  const r = await fetch(sb.url + path, {
    method,
    headers: { Authorization: `Bearer ${sb.token}`, 'Content-Type': 'application/json', Accept: 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  assert.ok(r.status < 300, `${method} ${path}: ${r.status} ${await r.clone().text()}`);
  return r;
}

/** Sealed records continuing `prev` (one chain, as the runner writes it). */
async function sealed(list, prev = null) {
  const out = [];
  for (const f of list) {
    prev = await chain.seal(f, prev);
    out.push(prev);
  }
  return out;
}
const text = (records) => records.map((r) => `${JSON.stringify(r)}\n`).join('');

describe('store.mjs: the storage account', () => {
  let sb;
  before(async () => { sb = await startSandbox({ sample: true }); });
  after(() => sb.close());
  const store = () => createStore({ baseUrl: sb.url, token: sb.token });

  test('missing: accountStatus says so and how to fix it; load finds nothing, save and append refuse (store.unsafeAccount); createAccount makes a safe one', async () => {
    const s = store();
    const st = await s.accountStatus();
    assert.equal(st.ok, false);
    assert.equal(st.problem, 'missing');
    assert.match(st.message, /"user-cleanup" does not exist/);
    assert.match(st.fix, /Rules view/);
    assert.deepEqual(await s.loadPolicy(), { text: null, missing: 'account', account: ACCOUNT, revision: 0 });
    await assert.rejects(s.savePolicy({ version: 1 }), (e) => e.code === 'store.unsafeAccount' && e.problem === 'missing');
    await assert.rejects(s.appendAudit(await sealed([{ at: '2026-11-27T10:00:00Z', runId: 'run-a', type: 'runStarted' }])), (e) => e.code === 'store.unsafeAccount');
    const made = await s.createAccount();
    assert.equal(made.ok, true);
    assert.equal(sb.state.user(ACCOUNT).active, false);
    assert.deepEqual(sb.state.user(ACCOUNT).groups, []);
    const ok = await s.accountStatus();
    assert.equal(ok.ok, true);
    assert.equal((await s.loadPolicy()).missing, 'policy');
  });

  test('active, then licensed (in an application role\u2019s group): every load, save and append refuses with the reason and the fix', async () => {
    await rest(sb, 'PUT', `/rest/api/2/user?username=${ACCOUNT}`, { active: true });
    let s = store();
    let st = await s.accountStatus();
    assert.equal(st.problem, 'active');
    assert.match(st.message, /is active/);
    assert.match(st.fix, /Deactivate "user-cleanup"/);
    for (const p of [s.loadPolicy(), s.savePolicy({ version: 1 }), s.loadAudit()]) {
      await assert.rejects(p, (e) => e.code === 'store.unsafeAccount' && e.problem === 'active' && /Deactivate/.test(e.message));
    }
    await rest(sb, 'PUT', `/rest/api/2/user?username=${ACCOUNT}`, { active: false });
    const roleGroup = sb.state.roleStats()[0].groups[0];
    sb.state.addToGroup(ACCOUNT, roleGroup);
    s = store();
    st = await s.accountStatus();
    assert.equal(st.problem, 'licensed');
    assert.match(st.message, new RegExp(`holds an application role: .*through ${roleGroup}`));
    assert.match(st.fix, new RegExp(`Remove "user-cleanup" from ${roleGroup}`));
    await assert.rejects(s.savePolicy({ version: 1 }), (e) => e.code === 'store.unsafeAccount' && e.problem === 'licensed');
    await assert.rejects(s.appendAudit(await sealed([{ at: '2026-11-27T10:00:00Z', runId: 'run-a', type: 'runStarted' }])), (e) => e.code === 'store.unsafeAccount');
    assert.equal([...userPropertiesOf(sb.state, ACCOUNT).keys()].length, 0, 'nothing was written');
    await rest(sb, 'DELETE', `/rest/api/2/group/user?groupname=${encodeURIComponent(roleGroup)}&username=${ACCOUNT}`);
    assert.equal((await store().accountStatus()).ok, true);
  });
});

describe('store.mjs: policy and audit trail', () => {
  let sb;
  before(async () => {
    sb = await startSandbox({ sample: true });
    await createStore({ baseUrl: sb.url, token: sb.token }).createAccount();
  });
  after(() => sb.close());
  const store = (o = {}) => createStore({ baseUrl: sb.url, token: sb.token, ...o });

  test('save and load a policy; a second admin sees it; a stale editor gets a conflict', async () => {
    const a = store();
    const b = store();
    const policy = { version: 1, rules: [{ id: 'r', inactiveDays: 90, action: { type: 'review' } }] };
    assert.equal((await a.savePolicy(policy, { savedBy: 'admin', expectRevision: 0 })).revision, 1);
    const got = await b.loadPolicy();
    assert.deepEqual(got.policy, policy);
    assert.equal(got.savedBy, 'admin');
    assert.deepEqual(userPropertiesOf(sb.state, ACCOUNT).get(POLICY_KEY).policy, policy);
    await b.savePolicy({ ...policy, internalDomains: ['acme.com'] }, { expectRevision: 1 });
    await assert.rejects(a.savePolicy(policy, { expectRevision: 1 }), (e) => e.code === 'store.conflict');
    const big = { version: 1, internalDomains: Array.from({ length: 4000 }, (_, i) => `d${i}.example.com`) };
    await assert.rejects(a.savePolicy(big), (e) => e.code === 'store.tooLarge');
    assert.deepEqual((await a.loadPolicy()).policy.internalDomains, ['acme.com'], 'a refused save changes nothing');
  });

  test('audit: one chain over two runs, chunked under the property limit (a record may span chunks); a stale tail is refused', async () => {
    const s = store();
    const A = 'run-20261127T100000Z-aaaa';
    const B = 'run-20261128T100000Z-bbbb';
    const at = (k) => `2026-11-27T10:${String(Math.floor(k / 60) % 60).padStart(2, '0')}:${String(k % 60).padStart(2, '0')}Z`;
    const first = await sealed([{ at: at(0), runId: A, type: 'runStarted' }, { at: at(1), runId: A, type: 'planned', blob: 'p'.repeat(70_000) }]);
    await s.appendAudit(first);
    let prev = first.at(-1);
    const all = [...first];
    for (let i = 0; i < 200; i += 50) {
      const more = await sealed(Array.from({ length: 50 }, (_, k) => ({ at: at(2 + i + k), runId: k % 2 ? B : A, type: 'outcome', user: `u${i + k}`, note: 'é"\\'.repeat(20) })), prev);
      await s.appendAudit(more);
      all.push(...more);
      prev = more.at(-1);
    }
    const props = userPropertiesOf(sb.state, ACCOUNT);
    const chunks = [...props.keys()].filter((k) => k.startsWith(`com.usercleanup.audit.${A}`));
    assert.ok(chunks.length >= 3, `chunks: ${chunks.length}`);
    for (const k of props.keys()) assert.ok(JSON.stringify(props.get(k)).length <= MAX_VALUE_LENGTH);
    assert.equal(props.get(HEAD_KEY).hash, prev.hash);
    const back = await store().loadAudit();
    assert.deepEqual(back.records, all);
    const v = await chain.verifyText(back.text);
    assert.equal(v.ok, true, v.error?.message);
    assert.equal(v.count, 202);
    assert.deepEqual(back.runs.map((r) => r.runId).sort(), [A, B]);
    // Records sealed on an old tail (another session appended since): refused, nothing written.
    const stale = await sealed([{ at: at(300), runId: A, type: 'outcome' }], first.at(-1));
    await assert.rejects(s.appendAudit(stale), (e) => e.code === 'store.trailConflict' && e.newer.length === 200);
    assert.equal((await store().loadAudit()).records.length, 202);
    await assert.rejects(s.appendAudit([{ seq: 1 }]), (e) => e.code === 'store.badRecord');
    assert.equal([...userPropertiesOf(sb.state, ACCOUNT).keys()].filter((k) => k.startsWith(LOCK_PREFIX)).length, 0, 'no lock left behind');
  });

  test('two page sessions appending at once leave one valid chain holding every record of both', async () => {
    const loaded = await store().loadAudit();
    const base = (await chain.verifyText(loaded.text)).records;
    const trails = [0, 1].map(() => createJiraTrail({ store: store(), chain, records: [...base] }));
    const N = 40;
    const runIds = ['run-20261129T100000Z-s1s1s1', 'run-20261129T100000Z-s2s2s2'];
    // Each session appends like the executor: up to four records in flight at a time.
    await Promise.all(trails.map(async (t, k) => {
      for (let i = 0; i < N; i += 4) {
        await Promise.all([0, 1, 2, 3].map((j) => t.append({ runId: runIds[k], type: 'outcome', item: i + j, user: `s${k}-u${i + j}` })));
        await new Promise((r) => setTimeout(r, 5 + Math.random() * 10)); // the requests to Jira between appends
      }
    }));
    const stored = await store().loadAudit();
    const v = await chain.verifyText(stored.text);
    assert.equal(v.ok, true, v.error?.message);
    assert.equal(v.count, base.length + 2 * N);
    for (const [k, id] of runIds.entries()) {
      assert.deepEqual(v.records.filter((r) => r.runId === id).map((r) => r.user), Array.from({ length: N }, (_, i) => `s${k}-u${i}`));
    }
    assert.deepEqual(stored.orphans, []);
    // Each session's own view is the stored chain too (it adopted the other's records), and after
    // sync() (History reads the trail again) all of it.
    for (const t of trails) assert.deepEqual(t.records.map((r) => r.hash), v.records.slice(0, t.records.length).map((r) => r.hash));
    for (const t of trails) {
      await t.sync();
      assert.deepEqual(t.records.map((r) => r.hash), v.records.map((r) => r.hash));
    }
    const conflicts = trails.reduce((n, t) => n + t.stats.conflicts, 0);
    assert.ok(conflicts >= 1, `the sessions interleaved (continued from the other's tail ${conflicts} times)`);
    console.log(`# two sessions, ${2 * N} records: ${trails.map((t) => `${t.stats.batches} batches, ${t.stats.conflicts} continued from the other's tail`).join('; ')}`);
  });

  test('a lock left by a session that died is taken over after lockStaleMs; records a failed append left behind are not part of the chain', async () => {
    const s = store({ lockStaleMs: 300 });
    await s.putProp(`${LOCK_PREFIX}deadbeef.0001`, { writer: 'deadbeef', at: '2026-11-27T10:00:00Z' });
    const before = await store().loadAudit();
    const last = before.records.at(-1);
    // An orphan: written to a run's chunk but never reached by the head (its writer lost the lock).
    const orphan = (await sealed([{ at: '2026-11-29T10:00:00Z', runId: 'run-20261129T100000Z-s1s1s1', type: 'outcome', user: 'ghost' }], last))[0];
    const key = [...userPropertiesOf(sb.state, ACCOUNT).keys()].filter((k) => k.startsWith('com.usercleanup.audit.run-20261129T100000Z-s1s1s1.')).sort().at(-1);
    const chunk = await s.getProp(key);
    await s.putProp(key, { ...chunk, text: chunk.text + text([orphan]) });
    const t = createJiraTrail({ store: s, chain, records: [...before.records] });
    const t0 = Date.now();
    const rec = await t.append({ runId: 'run-20261129T100000Z-s2s2s2', type: 'outcome', user: 'after-dead-lock' });
    assert.ok(Date.now() - t0 >= 300, 'waited for the dead lock to be stale');
    assert.equal(rec.seq, last.seq + 1);
    const after = await store().loadAudit();
    assert.deepEqual(after.orphans.map((r) => r.user), ['ghost']);
    const v = await chain.verifyText(after.text);
    assert.equal(v.ok, true, v.error?.message);
    assert.equal(v.records.at(-1).user, 'after-dead-lock');
    assert.equal([...userPropertiesOf(sb.state, ACCOUNT).keys()].filter((k) => k.startsWith(LOCK_PREFIX)).length, 0);
  });
});
