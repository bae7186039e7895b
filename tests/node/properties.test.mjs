// User properties in the sandbox Jira (plugin-shim/src/sandbox/routes/properties.mjs). The app's store
// over them (plugin-shim/app/store.mjs) is tested in page-store.test.mjs.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSandbox } from '../../plugin-shim/src/sandbox/index.mjs';
import { userPropertiesOf, MAX_VALUE_LENGTH } from '../../plugin-shim/src/sandbox/routes/properties.mjs';

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
    // XSRF as Jira checks it: a JSON write passes without the header, a text/plain one does not.
    assert.equal((await call(sb, P('x'), { method: 'PUT', body: {}, xsrf: false })).status, 201);
    assert.equal((await call(sb, P('x'), { method: 'PUT', body: '{}', xsrf: false, type: 'text/plain' })).status, 403);
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
