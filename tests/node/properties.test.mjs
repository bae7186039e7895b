// User properties in the sandbox Jira (plugin-shim/src/sandbox/routes/properties.mjs) and the app's
// store over them (plugin-shim/app/store.mjs): the policy and the audit trail kept in Jira.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSandbox } from '../../plugin-shim/src/sandbox/index.mjs';
import { userPropertiesOf } from '../../plugin-shim/src/sandbox/routes/properties.mjs';
import { createStore, POLICY_KEY, MAX_VALUE_LENGTH } from '../../plugin-shim/app/store.mjs';

async function call(sb, path, { token = sb.token, method = 'GET', body, xsrf = true, type } = {}) {
  const h = {};
  if (token) h.Authorization = `Bearer ${token}`;
  if (xsrf && method !== 'GET') h['X-Atlassian-Token'] = 'no-check';
  if (body !== undefined) h['Content-Type'] = type ?? 'application/json';
  const r = await fetch(sb.url + path, { method, headers: h, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await r.text();
  let json;
  if ((r.headers.get('content-type') ?? '').includes('json') && text) json = JSON.parse(text);
  return { status: r.status, body: json, text };
}

const P = (key, user = 'admin') => `/rest/api/2/user/properties/${encodeURIComponent(key)}?username=${encodeURIComponent(user)}`;

describe('sandbox: user properties', () => {
  let sb;
  before(async () => { sb = await startSandbox({ sample: true }); });
  after(() => sb.close());

  test('PUT creates (201), PUT again updates (200), GET returns {key, value}, keys are listed, DELETE 204 then 404', async () => {
    let r = await call(sb, P('a.b'), { method: 'PUT', body: { x: 1 } });
    assert.equal(r.status, 201);
    r = await call(sb, P('a.b'), { method: 'PUT', body: { x: 2, s: 'ü' } });
    assert.equal(r.status, 200);
    r = await call(sb, P('a.b'));
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { key: 'a.b', value: { x: 2, s: 'ü' } });
    r = await call(sb, '/rest/api/2/user/properties?username=admin');
    assert.deepEqual(r.body.keys.map((k) => k.key), ['a.b']);
    assert.match(r.body.keys[0].self, /\/rest\/api\/2\/user\/properties\/a\.b\?username=admin$/);
    assert.deepEqual([...userPropertiesOf(sb.state, 'ADMIN').keys()], ['a.b']);
    r = await call(sb, P('a.b'), { method: 'DELETE' });
    assert.equal(r.status, 204);
    r = await call(sb, P('a.b'));
    assert.equal(r.status, 404);
    assert.match(r.body.errorMessages[0], /property with key 'a\.b' does not exist/);
    r = await call(sb, P('a.b'), { method: 'DELETE' });
    assert.equal(r.status, 404);
  });

  test('limits: value at most 32,768 characters of JSON, key at most 255; the value must be JSON', async () => {
    const pad = (n) => ({ t: 'x'.repeat(n - 8) }); // {"t":"…"} is n characters
    assert.equal(JSON.stringify(pad(MAX_VALUE_LENGTH)).length, MAX_VALUE_LENGTH);
    assert.equal((await call(sb, P('big'), { method: 'PUT', body: pad(MAX_VALUE_LENGTH) })).status, 201);
    const r = await call(sb, P('big'), { method: 'PUT', body: pad(MAX_VALUE_LENGTH + 1) });
    assert.equal(r.status, 400);
    assert.match(r.body.errorMessages[0], /too long.*32768/);
    assert.equal((await call(sb, P('big'))).body.value.t.length, MAX_VALUE_LENGTH - 8, 'the refused write changed nothing');
    assert.equal((await call(sb, P('k'.repeat(256)), { method: 'PUT', body: {} })).status, 400);
    assert.equal((await call(sb, P('bad'), { method: 'PUT', body: '{nope', type: 'application/json' })).status, 400);
    assert.equal((await call(sb, P('bad'), { method: 'PUT', body: 'x=1', type: 'text/plain' })).status, 415);
  });

  test('permissions, unknown user, XSRF and authentication', async () => {
    // viewer: own properties yes, somebody else's no
    assert.equal((await call(sb, P('mine', 'viewer'), { token: sb.viewerToken, method: 'PUT', body: { a: 1 } })).status, 201);
    assert.equal((await call(sb, P('mine', 'admin'), { token: sb.viewerToken, method: 'PUT', body: { a: 1 } })).status, 403);
    assert.equal((await call(sb, P('big', 'admin'), { token: sb.viewerToken })).status, 403);
    // admin: anybody's
    assert.equal((await call(sb, P('mine', 'viewer'))).body.value.a, 1);
    const r = await call(sb, P('x', 'nobody-here'));
    assert.equal(r.status, 404);
    assert.match(r.body.errorMessages[0], /user with username 'nobody-here' does not exist/);
    assert.equal((await call(sb, '/rest/api/2/user/properties/x')).status, 400);
    assert.equal((await call(sb, P('x'), { method: 'PUT', body: {}, xsrf: false })).status, 403);
    assert.equal((await call(sb, P('x'), { token: null })).status, 401);
  });

  test('POST /rest/api/2/user creates a user; applicationKeys [] gives no application access (no licence)', async () => {
    const before = sb.state.roleStats().map((r) => r.userCount ?? r.seatsUsed);
    let r = await call(sb, '/rest/api/2/user', { method: 'POST', body: { name: 'store-x', displayName: 'Store', emailAddress: 'x@y.z', applicationKeys: [] } });
    assert.equal(r.status, 201);
    assert.equal(r.body.name, 'store-x');
    assert.equal(r.body.groups.size, 0);
    assert.deepEqual(sb.state.roleStats().map((x) => x.userCount ?? x.seatsUsed), before);
    r = await call(sb, '/rest/api/2/user', { method: 'POST', body: { name: 'store-x', displayName: 'Store', emailAddress: 'x@y.z' } });
    assert.equal(r.status, 400);
    assert.match(r.body.errors.username, /already exists/);
    assert.equal((await call(sb, '/rest/api/2/user', { token: sb.viewerToken, method: 'POST', body: { name: 'v2', displayName: 'V', emailAddress: 'v@x.y' } })).status, 403);
  });
});

describe('store.mjs over the sandbox', () => {
  let sb;
  before(async () => { sb = await startSandbox({ sample: true }); });
  after(() => sb.close());
  const store = () => createStore({ baseUrl: sb.url, token: sb.token });

  test('without the storage account: load says so, save refuses; createAccount makes an inactive account with no groups', async () => {
    const s = store();
    assert.deepEqual(await s.loadPolicy(), { text: null, missing: 'account', account: 'user-cleanup', revision: 0 });
    await assert.rejects(s.savePolicy({ version: 1 }), (e) => e.code === 'store.noAccount');
    const st = await s.createAccount();
    assert.deepEqual(st, { account: 'user-cleanup', exists: true, active: false });
    const u = sb.state.user('user-cleanup');
    assert.equal(u.active, false);
    assert.deepEqual(u.groups, []);
    assert.equal((await s.loadPolicy()).missing, 'policy');
  });

  test('save and load a policy; a second admin sees it; a stale editor gets a conflict', async () => {
    const a = store();
    const b = store();
    const policy = { version: 1, rules: [{ id: 'r', inactiveDays: 90, action: { type: 'review' } }] };
    const saved = await a.savePolicy(policy, { savedBy: 'admin', expectRevision: 0 });
    assert.equal(saved.revision, 1);
    const got = await b.loadPolicy();
    assert.deepEqual(got.policy, policy);
    assert.deepEqual(JSON.parse(got.text), policy);
    assert.equal(got.savedBy, 'admin');
    assert.equal(got.revision, 1);
    assert.deepEqual(userPropertiesOf(sb.state, 'user-cleanup').get(POLICY_KEY).policy, policy);
    await b.savePolicy({ ...policy, internalDomains: ['acme.com'] }, { expectRevision: 1 });
    await assert.rejects(a.savePolicy(policy, { expectRevision: 1 }), (e) => e.code === 'store.conflict');
    const big = { version: 1, internalDomains: Array.from({ length: 4000 }, (_, i) => `d${i}.example.com`) };
    await assert.rejects(a.savePolicy(big), (e) => e.code === 'store.tooLarge');
    assert.deepEqual((await a.loadPolicy()).policy.internalDomains, ['acme.com'], 'a refused save changes nothing');
  });

  test('audit: appended records come back in order, chunked under the property limit, a record may span chunks', async () => {
    const s = store();
    const rec = (runId, seq, extra = {}) => ({ seq, at: `2026-11-27T10:00:${String(seq % 60).padStart(2, '0')}Z`, runId, type: 'outcome', user: `u${seq}`, ...extra });
    const run1 = [rec('run-20261127T100000Z-aaaa', 1, { type: 'run' }), rec('run-20261127T100000Z-aaaa', 2, { plan: { blob: 'p'.repeat(70_000) } })];
    await s.appendAudit(run1);
    const more = Array.from({ length: 200 }, (_, i) => rec('run-20261127T100000Z-aaaa', 3 + i, { note: 'é"\\'.repeat(20) }));
    for (let i = 0; i < more.length; i += 50) await s.appendAudit(more.slice(i, i + 50));
    await s.appendAudit(`${JSON.stringify(rec('run-20261128T100000Z-bbbb', 1, { at: '2026-11-28T10:00:00Z' }))}\n`);
    const props = userPropertiesOf(sb.state, 'user-cleanup');
    const chunks = [...props.keys()].filter((k) => k.startsWith('com.usercleanup.audit.run-20261127'));
    assert.ok(chunks.length >= 4, `chunks: ${chunks.length}`);
    for (const k of chunks) assert.ok(JSON.stringify(props.get(k)).length <= MAX_VALUE_LENGTH);
    const back = await store().loadAudit();
    assert.deepEqual(back.runs.map((r) => r.runId), ['run-20261127T100000Z-aaaa', 'run-20261128T100000Z-bbbb']);
    assert.deepEqual(back.runs[0].records, [...run1, ...more]);
    assert.equal(back.records.length, 203);
    assert.equal(back.text.split('\n').filter(Boolean).length, 203);
    await assert.rejects(s.appendAudit([{ seq: 1 }]), (e) => e.code === 'store.badRecord');
  });
});
