// The sandbox Jira (plugin-shim/src/sandbox/): version modes, paging caps, auth, XSRF, WebSudo,
// read-only directories, rate limiting, injected faults, mutations, resources, ground truth, CLI.
// Expected values come from docs/jira-rest.md (the Jira DC REST facts).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox } from '../../plugin-shim/src/sandbox/index.mjs';
import { sandboxOptions } from '../../plugin-shim/src/cli/commands/sandbox.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ASSETS = fileURLToPath(new URL('../fixtures/sandbox/assets/', import.meta.url));
const JIRA_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{4}$/;
const LDAP_USER = 'aaas'; // "Corporate LDAP (read-only)" in samples/snapshot.json
const INTERNAL_USER = 'svc-legacy-import'; // Jira Internal Directory, active, in service-accounts

/** A small request helper: { status, headers, body (parsed JSON when JSON), text }. */
async function call(sb, path, { token = sb.token, method = 'GET', body, headers = {}, basic, cookie, xsrf = true } = {}) {
  const h = { ...headers };
  if (token && !basic && !cookie) h.Authorization = `Bearer ${token}`;
  if (basic) h.Authorization = `Basic ${Buffer.from(basic).toString('base64')}`;
  if (cookie) h.Cookie = cookie;
  if (xsrf && method !== 'GET') h['X-Atlassian-Token'] = 'no-check';
  if (body !== undefined) h['Content-Type'] ??= 'application/json';
  const r = await fetch(sb.url + path, { method, headers: h, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body), redirect: 'manual' });
  const text = await r.text();
  let json;
  if ((r.headers.get('content-type') ?? '').includes('json') && text) json = JSON.parse(text);
  return { status: r.status, headers: r.headers, body: json, text };
}

/** Logs in through the REST session endpoint; returns the Cookie header value. */
async function login(sb, username, password) {
  const r = await fetch(`${sb.url}/rest/auth/1/session`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username, password }) });
  assert.equal(r.status, 200, await r.text());
  return r.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
}

describe('version modes', () => {
  const sandboxes = {};
  before(async () => {
    for (const jira of ['9', '10.0', '10.3', '11']) sandboxes[jira] = await startSandbox({ jira, sample: true });
  });
  after(async () => {
    for (const sb of Object.values(sandboxes)) await sb.close();
  });

  test('serverInfo reports the version of each mode', async () => {
    const want = { 9: ['9.17.5', [9, 17, 5]], '10.0': ['10.0.1', [10, 0, 1]], 10.3: ['10.3.12', [10, 3, 12]], 11: ['11.3.0', [11, 3, 0]] };
    for (const [jira, [version, numbers]] of Object.entries(want)) {
      const r = await call(sandboxes[jira], '/rest/api/2/serverInfo', { token: null });
      assert.equal(r.status, 200);
      assert.equal(r.body.version, version);
      assert.deepEqual(r.body.versionNumbers, numbers);
      assert.ok(['Server', 'DataCenter'].includes(r.body.deploymentType));
      assert.match(r.body.serverTime, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}[+-]\d{4}$/);
      assert.equal(r.body.baseUrl, sandboxes[jira].url);
    }
  });

  test('9.x: user/search pages of up to 1000 with the "." trick, no lastLoginTime, no user/list', async () => {
    const sb = sandboxes['9'];
    const all = [];
    for (let startAt = 0; ; startAt += 1000) {
      const r = await call(sb, `/rest/api/2/user/search?username=.&includeActive=true&includeInactive=true&startAt=${startAt}&maxResults=5000`);
      assert.equal(r.status, 200);
      assert.ok(Array.isArray(r.body), 'a bare array, no envelope');
      assert.ok(r.body.length <= 1000, 'truncated to 1000');
      all.push(...r.body);
      if (r.body.length < 1000) break;
    }
    assert.equal(all.length, sb.state.users.size);
    assert.equal(new Set(all.map((u) => u.name)).size, all.length, 'no user twice');
    assert.ok(all.every((u) => !('lastLoginTime' in u)));
    const active = await call(sb, '/rest/api/2/user/search?username=.&maxResults=1000&startAt=0');
    assert.ok(active.body.every((u) => u.active === true), 'includeInactive defaults to false');
    const list = await call(sb, '/rest/api/2/user/list');
    assert.equal(list.status, 404);
    const one = await call(sb, '/rest/api/2/user?username=admin');
    assert.ok(!('lastLoginTime' in one.body));
  });

  test('user/search matches username, email and display-name tokens by prefix', async () => {
    const sb = sandboxes['9'];
    const r = await call(sb, '/rest/api/2/user/search?username=svc-legacy&maxResults=50');
    assert.deepEqual(r.body.map((u) => u.name), ['svc-legacy-import']);
    const byMail = await call(sb, '/rest/api/2/user/search?username=crm-sync');
    assert.deepEqual(byMail.body.map((u) => u.name), ['svc-salesforce-sync']);
    const byDisplay = await call(sb, '/rest/api/2/user/search?username=lumbergh');
    assert.deepEqual(byDisplay.body.map((u) => u.name), ['initech-pm']);
  });

  test('10.0: user/search is capped at 100 results in total', async () => {
    const sb = sandboxes['10.0'];
    const q = '/rest/api/2/user/search?username=.&includeInactive=true';
    assert.equal((await call(sb, `${q}&startAt=0&maxResults=1000`)).body.length, 100);
    assert.equal((await call(sb, `${q}&startAt=98&maxResults=20`)).body.length, 2, 'startAt=98, maxResults=20 -> 2 users');
    const beyond = await call(sb, `${q}&startAt=100&maxResults=50`);
    assert.equal(beyond.status, 200);
    assert.deepEqual(beyond.body, []);
    assert.equal((await call(sb, '/rest/api/2/user/list')).status, 404);
    const u = (await call(sb, '/rest/api/2/user?username=admin')).body;
    assert.match(u.lastLoginTime, JIRA_TIME);
  });

  test('10.x/11: lastLoginTime in +hhmm form on user beans, null for never logged in', async () => {
    for (const jira of ['10.0', '10.3', '11']) {
      const sb = sandboxes[jira];
      const page = (await call(sb, '/rest/api/2/user/search?username=.&maxResults=100')).body;
      assert.ok(page.some((u) => JIRA_TIME.test(u.lastLoginTime ?? '')), jira);
      const never = (await call(sb, '/rest/api/2/user?username=svc-ci')).body;
      assert.equal(never.lastLoginTime, null, 'svc-ci never logged in');
    }
  });

  test('10.3 and 11: user/list streams every user once with nextCursor / isLast', async () => {
    for (const jira of ['10.3', '11']) {
      const sb = sandboxes[jira];
      const names = [];
      let path = '/rest/api/2/user/list?maxResults=700';
      let pages = 0;
      for (;;) {
        const r = await call(sb, path);
        assert.equal(r.status, 200);
        const b = r.body;
        assert.equal(typeof b.isLast, 'boolean');
        assert.ok(b.values.length <= 700);
        names.push(...b.values.map((u) => u.name));
        pages++;
        if (b.isLast) {
          assert.equal(b.nextCursor, undefined);
          break;
        }
        assert.equal(typeof b.nextCursor, 'string');
        assert.ok(b.nextPage.includes(`cursor=${b.nextCursor}`));
        path = `/rest/api/2/user/list?maxResults=700&cursor=${b.nextCursor}`;
      }
      assert.equal(pages, Math.ceil(sb.state.users.size / 700));
      assert.equal(names.length, sb.state.users.size);
      assert.equal(new Set(names).size, names.length);
      const big = await call(sb, '/rest/api/2/user/list?maxResults=5000');
      assert.equal(big.body.maxResults, 2000);
      assert.equal(big.body.values.length, 2000);
      assert.equal((await call(sb, '/rest/api/2/user/list?cursor=abc')).status, 400);
    }
  });

  test('user: 404 body for unknown users; groups and roles filled only when expanded', async () => {
    const sb = sandboxes['10.3'];
    const missing = await call(sb, '/rest/api/2/user?username=nobody-here');
    assert.equal(missing.status, 404);
    assert.deepEqual(missing.body, { errorMessages: ["The user named 'nobody-here' does not exist"], errors: {} });
    const plain = (await call(sb, `/rest/api/2/user?username=${LDAP_USER}`)).body;
    assert.equal(plain.groups.size, 5);
    assert.deepEqual(plain.groups.items, []);
    const full = (await call(sb, `/rest/api/2/user?username=${LDAP_USER}&expand=groups,applicationRoles`)).body;
    assert.deepEqual(full.groups.items.map((g) => g.name).sort(), ['acme-all-staff', 'Dept-Sales', 'jira-software-users', 'office-berlin', 'team-api'].sort());
    assert.ok(full.groups.items[0].self.includes('/rest/api/2/group?groupname='));
    assert.deepEqual(full.applicationRoles.items.map((r) => r.key), ['jira-software']);
    const byKey = (await call(sb, `/rest/api/2/user?key=${plain.key}`)).body;
    assert.equal(byKey.name, LDAP_USER);
    const latest = await call(sb, '/rest/api/latest/myself');
    assert.equal(latest.body.name, 'admin');
  });

  test('group/member pages (ordered by name, inactive only when asked); groups/picker', async () => {
    const sb = sandboxes['10.3'];
    const g = sb.state.group('service-accounts');
    const all = [...g.members].map((u) => u.name).sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()));
    const seen = [];
    let startAt = 0;
    for (;;) {
      const r = await call(sb, `/rest/api/2/group/member?groupname=service-accounts&includeInactiveUsers=true&startAt=${startAt}&maxResults=5`);
      assert.equal(r.status, 200);
      assert.equal(r.body.total, all.length);
      assert.equal(r.body.startAt, startAt);
      seen.push(...r.body.values.map((u) => u.name));
      if (r.body.isLast) {
        assert.equal(r.body.nextPage, undefined);
        break;
      }
      assert.ok(r.body.nextPage.includes(`startAt=${startAt + 5}`));
      startAt += 5;
    }
    assert.deepEqual(seen, all);
    const activeOnly = await call(sb, '/rest/api/2/group/member?groupname=service-accounts&maxResults=50');
    assert.equal(activeOnly.body.total, [...g.members].filter((u) => u.active).length);
    assert.ok(activeOnly.body.total < all.length, 'svc-ldap-sync-old is inactive');
    const capped = await call(sb, '/rest/api/2/group/member?groupname=acme-all-staff&maxResults=1000');
    assert.equal(capped.body.maxResults, 50);
    const unknown = await call(sb, '/rest/api/2/group/member?groupname=no-such-group');
    assert.equal(unknown.status, 404);
    assert.ok(Array.isArray(unknown.body.errorMessages));

    const picker = await call(sb, '/rest/api/2/groups/picker?query=');
    assert.equal(picker.body.groups.length, 20, 'jira.ajax.autocomplete.limit');
    assert.equal(picker.body.total, sb.state.groups.size);
    assert.equal(picker.body.header, `Showing 20 of ${sb.state.groups.size} matching groups`);
    const every = await call(sb, '/rest/api/2/groups/picker?query=&maxResults=1000');
    assert.equal(every.body.groups.length, sb.state.groups.size);
    const dept = await call(sb, '/rest/api/2/groups/picker?query=hr&maxResults=50');
    assert.ok(dept.body.groups.some((x) => x.name === 'Dept-HR' && x.html === 'Dept-<b>HR</b>'));
  });
});

describe('auth, permissions, XSRF, read-only directory, mutations', () => {
  let sb;
  before(async () => {
    sb = await startSandbox({ jira: '10.3', sample: true });
  });
  after(() => sb.close());

  test('no credentials: 401 with Jira body; bad token: 401', async () => {
    const r = await call(sb, '/rest/api/2/myself', { token: null });
    assert.equal(r.status, 401);
    assert.deepEqual(r.body, { errorMessages: ['You are not authenticated. Authentication required to perform this operation.'], errors: {} });
    assert.equal((await call(sb, '/rest/api/2/myself', { token: 'not-a-token' })).status, 401);
    assert.equal((await call(sb, '/rest/api/2/user/list', { token: null })).status, 401);
  });

  test('viewer: reads its own data, 403 on admin endpoints; mypermissions says who is admin', async () => {
    const v = { token: sb.viewerToken };
    assert.equal((await call(sb, '/rest/api/2/myself', v)).body.name, 'viewer');
    const perms = (await call(sb, '/rest/api/2/mypermissions?permissions=ADMINISTER,SYSTEM_ADMIN', v)).body.permissions;
    assert.equal(perms.ADMINISTER.havePermission, false);
    assert.equal(perms.SYSTEM_ADMIN.havePermission, false);
    assert.equal(perms.ADMINISTER.id, '0');
    assert.equal(perms.SYSTEM_ADMIN.id, '44');
    const admin = (await call(sb, '/rest/api/2/mypermissions')).body.permissions;
    assert.equal(admin.ADMINISTER.havePermission, true);
    assert.equal(admin.SYSTEM_ADMIN.havePermission, true);
    for (const path of ['/rest/api/2/applicationrole', '/rest/api/2/group/member?groupname=jira-administrators', '/rest/plugins/applications/1.0/installed/jira-software/license']) {
      const r = await call(sb, path, v);
      assert.equal(r.status, 403, path);
      assert.ok(Array.isArray(r.body.errorMessages), path);
    }
    const put = await call(sb, `/rest/api/2/user?username=${INTERNAL_USER}`, { ...v, method: 'PUT', body: { active: false } });
    assert.equal(put.status, 403);
    const del = await call(sb, `/rest/api/2/group/user?groupname=service-accounts&username=${INTERNAL_USER}`, { ...v, method: 'DELETE' });
    assert.equal(del.status, 403);
    assert.equal(sb.state.user(INTERNAL_USER).active, true);
    assert.ok(sb.state.user(INTERNAL_USER).inGroup('service-accounts'));
  });

  test('Basic auth and REST session login work in 10.3; the session cookie authenticates', async () => {
    const r = await call(sb, '/rest/api/2/myself', { basic: 'admin:admin' });
    assert.equal(r.status, 200);
    assert.equal((await call(sb, '/rest/api/2/myself', { basic: 'admin:wrong' })).status, 401);
    const cookie = await login(sb, 'viewer', 'viewer');
    assert.match(cookie, /JSESSIONID=.+; atlassian\.xsrf\.token=/);
    const me = await call(sb, '/rest/api/2/myself', { cookie });
    assert.equal(me.body.name, 'viewer');
    assert.equal(sb.requests.at(-1).auth, 'cookie');
    const session = await call(sb, '/rest/auth/1/session', { cookie });
    assert.equal(session.body.name, 'viewer');
    assert.ok(session.body.loginInfo.loginCount >= 1);
  });

  test('XSRF: the browser Origin rule — a cross-origin POST from a browser fails even with the header', async () => {
    const cross = await call(sb, '/rest/api/2/group/user?groupname=keep-forever', {
      method: 'POST', body: { name: INTERNAL_USER }, headers: { Origin: 'https://evil.example', 'User-Agent': 'Mozilla/5.0' },
    });
    assert.equal(cross.status, 403);
    assert.equal(cross.text, 'XSRF check failed');
    assert.ok(!sb.state.user(INTERNAL_USER).inGroup('keep-forever'));
    assert.equal(sb.state.mutations.length, 0);
  });

  test('read-only LDAP directory: deactivation and group changes refused with 400', async () => {
    const u = sb.state.user(LDAP_USER);
    assert.equal(u.directory, 'Corporate LDAP (read-only)');
    assert.equal(u.readOnly, true);
    const put = await call(sb, `/rest/api/2/user?username=${LDAP_USER}`, { method: 'PUT', body: { active: false } });
    assert.equal(put.status, 400);
    assert.equal(put.body.errorMessages.length, 1);
    assert.match(put.body.errorMessages[0], /read-only/);
    assert.deepEqual(put.body.errors, {});
    const del = await call(sb, `/rest/api/2/group/user?groupname=team-api&username=${LDAP_USER}`, { method: 'DELETE' });
    assert.equal(del.status, 400);
    assert.match(del.body.errorMessages[0], /read-only/);
    const add = await call(sb, '/rest/api/2/group/user?groupname=keep-forever', { method: 'POST', body: { name: LDAP_USER } });
    assert.equal(add.status, 400);
    assert.equal(u.active, true);
    assert.ok(u.inGroup('team-api'));
    assert.ok(!u.inGroup('keep-forever'));
  });

  test('mutations change the state, the seat counts and the ground truth', async () => {
    const seats = async () => (await call(sb, '/rest/api/2/applicationrole')).body.find((r) => r.key === 'jira-software');
    const before = await seats();
    assert.equal(before.remainingSeats, before.numberOfSeats - before.userCount);
    const off = await call(sb, `/rest/api/2/user?username=${INTERNAL_USER}`, { method: 'PUT', body: { active: false } });
    assert.equal(off.status, 200);
    assert.equal(off.body.active, false);
    assert.equal(sb.state.user(INTERNAL_USER).active, false);
    assert.equal((await seats()).userCount, before.userCount - 1);
    assert.ok(sb.state.user(INTERNAL_USER).inGroup('service-accounts'), 'deactivation keeps groups');

    const del = await call(sb, `/rest/api/2/group/user?groupname=service-accounts&username=${INTERNAL_USER}`, { method: 'DELETE' });
    assert.equal(del.status, 200);
    assert.equal(del.text, '');
    assert.ok(!sb.state.user(INTERNAL_USER).inGroup('service-accounts'));
    const again = await call(sb, `/rest/api/2/group/user?groupname=service-accounts&username=${INTERNAL_USER}`, { method: 'DELETE' });
    assert.equal(again.status, 400, 'not a member any more');
    const add = await call(sb, '/rest/api/2/group/user?groupname=service-accounts', { method: 'POST', body: { name: INTERNAL_USER } });
    assert.equal(add.status, 201);
    assert.equal(add.body.name, 'service-accounts');
    const on = await call(sb, `/rest/api/2/user?username=${INTERNAL_USER}`, { method: 'PUT', body: { active: true } });
    assert.equal(on.status, 200);
    assert.equal((await seats()).userCount, before.userCount);
    assert.deepEqual(
      { d: sb.state.counters.deactivated, r: sb.state.counters.reactivated, rm: sb.state.counters.removedFromGroup, add: sb.state.counters.addedToGroup },
      { d: 1, r: 1, rm: 1, add: 1 },
    );
    assert.deepEqual(sb.state.mutations.map((m) => m.op), ['deactivate', 'removeFromGroup', 'addToGroup', 'reactivate']);
    assert.equal((await call(sb, '/rest/api/2/user?username=ghost', { method: 'PUT', body: { active: false } })).status, 404);
    const self = await call(sb, '/rest/api/2/user?username=admin', { method: 'PUT', body: { active: false } });
    assert.equal(self.status, 400, 'an admin cannot deactivate itself');
    assert.equal((await call(sb, `/rest/api/2/user?username=${INTERNAL_USER}`, { method: 'PUT', body: 'active=false', headers: { 'Content-Type': 'text/plain' } })).status, 415);
  });

  test('snapshotTruth: the Snapshot contract shape, same lastLogin strings as the REST API', async () => {
    const truth = sb.state.snapshotTruth();
    assert.equal(truth.users.length, sb.state.users.size);
    const a = truth.users.find((u) => u.name === 'admin');
    const served = (await call(sb, '/rest/api/2/user?username=admin')).body;
    assert.equal(a.lastLogin, served.lastLoginTime);
    assert.ok(a.groups.includes('jira-administrators'));
    assert.equal(truth.users.find((u) => u.name === 'svc-ci').lastLogin, null);
    const roles = (await call(sb, '/rest/api/2/applicationrole')).body;
    for (const r of truth.applicationRoles) assert.equal(r.userCount, roles.find((x) => x.key === r.key).userCount);
  });
});

describe('Jira 11 auth, WebSudo, XSRF modes', () => {
  test('11: Basic and REST session login refused; PAT and the UI login form work', async () => {
    const sb = await startSandbox({ jira: '11', sample: true });
    try {
      const basic = await call(sb, '/rest/api/2/myself', { basic: 'admin:admin' });
      assert.equal(basic.status, 401);
      assert.match(basic.body.errorMessages[0], /Basic authentication has been disabled/);
      const rest = await fetch(`${sb.url}/rest/auth/1/session`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"username":"admin","password":"admin"}' });
      assert.equal(rest.status, 403);
      assert.equal((await call(sb, '/rest/api/2/myself')).body.name, 'admin');
      const form = await fetch(`${sb.url}/login.jsp`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'os_username=admin&os_password=admin', redirect: 'manual' });
      assert.equal(form.status, 302);
      const cookie = form.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
      assert.equal((await call(sb, '/rest/api/2/myself', { cookie })).body.name, 'admin');
    } finally {
      await sb.close();
    }
  });

  test('WebSudo: admin writes over a session cookie need elevation; PATs do not', async () => {
    const sb = await startSandbox({ jira: '10.3', sample: true, websudo: true });
    try {
      const cookie = await login(sb, 'admin', 'admin');
      const put = await call(sb, `/rest/api/2/user?username=${INTERNAL_USER}`, { cookie, method: 'PUT', body: { active: false } });
      assert.equal(put.status, 401);
      assert.match(put.text, /<message>This resource requires WebSudo\.<\/message>/);
      assert.equal(sb.state.user(INTERNAL_USER).active, true);
      assert.equal((await call(sb, '/rest/api/2/applicationrole', { cookie })).status, 200, 'reads need no WebSudo');
      const elevate = await fetch(`${sb.url}/secure/admin/WebSudoAuthenticate.jspa`, { method: 'POST', headers: { Cookie: cookie, 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'webSudoPassword=admin' });
      assert.equal(elevate.status, 200);
      const ok = await call(sb, `/rest/api/2/user?username=${INTERNAL_USER}`, { cookie, method: 'PUT', body: { active: false } });
      assert.equal(ok.status, 200);
      const pat = await call(sb, `/rest/api/2/user?username=${INTERNAL_USER}`, { method: 'PUT', body: { active: true } });
      assert.equal(pat.status, 200);
    } finally {
      await sb.close();
    }
  });

  test('xsrf "strict" mode (the project\'s own client tests): every write needs the header, JSON or not', async () => {
    const sb = await startSandbox({ jira: '10.3', sample: true, xsrf: 'strict' });
    try {
      const put = await call(sb, `/rest/api/2/user?username=${INTERNAL_USER}`, { method: 'PUT', body: { active: false }, xsrf: false });
      assert.equal(put.status, 403);
      assert.equal(put.text, 'XSRF check failed');
      const del = await call(sb, `/rest/api/2/group/user?groupname=service-accounts&username=${INTERNAL_USER}`, { method: 'DELETE', headers: { 'Content-Type': 'application/json' }, xsrf: false });
      assert.equal(del.status, 403);
      const post = await call(sb, '/rest/api/2/group/user?groupname=keep-forever', { method: 'POST', body: { name: INTERNAL_USER }, xsrf: false });
      assert.equal(post.status, 403);
      const u = sb.state.user(INTERNAL_USER);
      assert.equal(u.active, true);
      assert.ok(u.inGroup('service-accounts') && !u.inGroup('keep-forever'));
      assert.equal(sb.state.mutations.length, 0);
      assert.equal((await call(sb, `/rest/api/2/user?username=${INTERNAL_USER}`, { method: 'PUT', body: { active: false } })).status, 200, 'with the header it passes');
      assert.throws(() => sandboxOptions(['--xsrf', 'lenient']), /--xsrf must be jira, strict or off/);
      assert.equal(sandboxOptions(['--xsrf', 'strict']).xsrf, 'strict');
      await assert.rejects(startSandbox({ sample: true, xsrf: 'lenient' }), /xsrf must be one of jira, strict, off/);
    } finally {
      await sb.close();
    }
  });
});

describe('XSRF as Jira does it (the default): only form, text and content-type-less writes need the header', () => {
  // Three users in a writable directory, one per way of authenticating.
  const snapshot = {
    capturedAt: '2026-11-27T10:00:00Z',
    users: ['pat', 'basic', 'cookie'].map((n) => ({ name: `via-${n}`, displayName: n, email: `${n}@example.com`, active: true, groups: ['jira-software-users', 'team-x'], directory: 'Jira Internal Directory' })),
  };
  const pythonStyle = { 'Content-Type': 'application/json', Accept: 'application/json', 'User-Agent': 'python-requests/2.32.3' };

  test('atlassian-python-api style: a JSON PUT deactivates and a JSON DELETE removes a membership, without the header, with PAT, Basic or a session', async () => {
    const sb = await startSandbox({ jira: '10.3', snapshot });
    try {
      const cookie = await login(sb, 'admin', 'admin');
      const auths = { pat: {}, basic: { basic: 'admin:admin' }, cookie: { cookie } };
      for (const [via, auth] of Object.entries(auths)) {
        const name = `via-${via}`;
        const put = await call(sb, `/rest/api/2/user?username=${name}`, { ...auth, method: 'PUT', body: { active: false }, headers: { ...pythonStyle }, xsrf: false });
        assert.equal(put.status, 200, `${via}: ${put.text}`);
        assert.equal(put.body.active, false);
        const del = await call(sb, `/rest/api/2/group/user?groupname=team-x&username=${name}`, { ...auth, method: 'DELETE', headers: { ...pythonStyle }, xsrf: false });
        assert.equal(del.status, 200, `${via}: ${del.text}`);
        assert.equal(sb.state.user(name).active, false);
        assert.ok(!sb.state.user(name).inGroup('team-x'));
        assert.equal(sb.requests.at(-1).auth, via);
      }
      assert.deepEqual(sb.state.mutations.map((m) => `${m.op} ${m.user}`), ['deactivate via-pat', 'removeFromGroup via-pat', 'deactivate via-basic', 'removeFromGroup via-basic', 'deactivate via-cookie', 'removeFromGroup via-cookie']);
    } finally {
      await sb.close();
    }
  });

  test('a form-encoded, text or content-type-less POST/PUT/DELETE without the header gets 403 "XSRF check failed" and changes nothing', async () => {
    const sb = await startSandbox({ jira: '10.3', snapshot });
    try {
      const cookie = await login(sb, 'admin', 'admin');
      const cases = [
        ['POST', '/rest/api/2/group/user?groupname=keep-forever', 'name=via-pat', 'application/x-www-form-urlencoded'],
        ['POST', '/rest/api/2/group/user?groupname=keep-forever', undefined, undefined],
        ['DELETE', '/rest/api/2/group/user?groupname=team-x&username=via-pat', undefined, undefined],
        ['DELETE', '/rest/api/2/group/user?groupname=team-x&username=via-pat', undefined, 'application/x-www-form-urlencoded'],
        ['PUT', '/rest/api/2/user?username=via-pat', '{"active":false}', 'text/plain'],
        ['POST', '/rest/api/2/group/user?groupname=keep-forever', '--x\r\n', 'multipart/form-data; boundary=x'],
      ];
      for (const auth of [{}, { basic: 'admin:admin' }, { cookie }]) {
        for (const [method, path, body, type] of cases) {
          const r = await call(sb, path, { ...auth, method, body, headers: type ? { 'Content-Type': type } : {}, xsrf: false });
          assert.equal(r.status, 403, `${method} ${type ?? '(no content type)'}`);
          assert.equal(r.text, 'XSRF check failed');
          assert.equal(sb.requests.at(-1).xsrf, 'missing X-Atlassian-Token: no-check');
        }
      }
      const u = sb.state.user('via-pat');
      assert.equal(u.active, true);
      assert.ok(u.inGroup('team-x') && !u.inGroup('keep-forever'));
      assert.equal(sb.state.mutations.length, 0);
      // The same DELETE with the header passes (the client rule: always send it).
      const ok = await call(sb, '/rest/api/2/group/user?groupname=team-x&username=via-pat', { method: 'DELETE' });
      assert.equal(ok.status, 200);
    } finally {
      await sb.close();
    }
  });
});

describe('audit log (GET /rest/auditing/1.0/events)', () => {
  const NOW = Date.parse('2026-11-27T10:00:00Z');
  const DAY = 86_400_000;
  const snapshot = {
    capturedAt: '2026-11-27T10:00:00Z',
    users: [
      { name: 'new-hire', displayName: 'New', email: 'n@example.com', active: true, groups: ['jira-software-users'], directory: 'Jira Internal Directory', created: '2026-11-20T09:00:00Z' },
      { name: 'mid-year', displayName: 'Mid', email: 'm@example.com', active: true, groups: ['jira-software-users', 'team-x'], directory: 'Jira Internal Directory', created: '2026-06-01T08:00:00+0200' },
      { name: 'old-timer', displayName: 'Old', email: 'o@example.com', active: true, groups: ['jira-software-users'], directory: 'Jira Internal Directory', created: '2019-03-04T10:00:00Z' },
      { name: 'no-date', displayName: 'No date', email: 'x@example.com', active: true, groups: ['jira-software-users'], directory: 'Jira Internal Directory' },
      { name: 'ldap-u', displayName: 'L', email: 'l@example.com', active: true, groups: ['jira-software-users'], directory: 'Corp LDAP (read-only)', created: '2026-10-01T00:00:00Z' },
      { name: 'ops', displayName: 'Ops admin', email: 'ops@example.com', active: true, groups: ['jira-administrators'], directory: 'Jira Internal Directory' },
    ],
  };
  const events = async (sb, query = '', opts = {}) => call(sb, `/rest/auditing/1.0/events${query}`, opts);
  const actions = (list) => list.map((e) => `${e.type.action}: ${e.affectedObjects.map((o) => o.name).join(' / ')}`);

  test('seeded users have "User created" events only inside the retention window; the shape is the documented one', async () => {
    const sb = await startSandbox({ jira: '10.3', snapshot, now: () => NOW });
    try {
      const r = await events(sb);
      assert.equal(r.status, 200);
      assert.deepEqual(Object.keys(r.body), ['entities', 'pagingInfo']);
      assert.deepEqual(actions(r.body.entities), ['User created: new-hire', 'User created: ldap-u', 'User created: mid-year'], 'newest first; old-timer and no-date have none');
      const e = r.body.entities[2];
      assert.deepEqual(Object.keys(e), ['timestamp', 'author', 'type', 'affectedObjects', 'changedValues', 'extraAttributes', 'method', 'node', 'source', 'system']);
      assert.equal(e.timestamp, '2026-06-01T06:00:00.000Z');
      assert.deepEqual(Object.keys(e.author), ['id', 'name', 'type', 'uri', 'avatarUri']);
      assert.equal(e.author.type, 'system');
      assert.deepEqual(Object.keys(e.type), ['category', 'categoryI18nKey', 'action', 'actionI18nKey']);
      assert.equal(e.type.category, 'user management');
      const u = sb.state.user('mid-year');
      assert.deepEqual(e.affectedObjects, [{ id: u.key, name: 'mid-year', type: 'USER', uri: `${sb.url}/secure/ViewProfile.jspa?name=mid-year` }]);
      assert.deepEqual(r.body.pagingInfo, { lastPage: true, size: 3 });
      assert.deepEqual(sb.state.auditEvents(), [...r.body.entities].reverse(), 'state.auditEvents(): the same events, oldest first');
    } finally {
      await sb.close();
    }
    const short = await startSandbox({ jira: '10.3', snapshot, now: () => NOW, auditRetentionDays: 30 });
    try {
      assert.deepEqual(actions((await events(short)).body.entities), ['User created: new-hire']);
    } finally {
      await short.close();
    }
  });

  test('every change is recorded with the acting user as author; repeats and refusals are not', async () => {
    let now = NOW;
    const sb = await startSandbox({ jira: '10.3', snapshot, now: () => now, passwords: { ops: 'ops-pw' } });
    try {
      const before = sb.state.auditEvents().length;
      const step = async (path, opts) => {
        now += 1000;
        const r = await call(sb, path, opts);
        assert.ok(r.status < 300, `${path}: ${r.status} ${r.text}`);
        return r;
      };
      await step('/rest/api/2/user?username=mid-year', { method: 'PUT', body: { active: false } });
      await step('/rest/api/2/user?username=mid-year', { method: 'PUT', body: { active: true }, basic: 'ops:ops-pw' });
      await step('/rest/api/2/group/user?groupname=team-x&username=mid-year', { method: 'DELETE', basic: 'ops:ops-pw' });
      await step('/rest/api/2/group/user?groupname=team-x', { method: 'POST', body: { name: 'new-hire' } });
      await step('/rest/api/2/user?username=new-hire', { method: 'PUT', body: { name: 'new-hire-2', displayName: 'New Two' } });
      const created = await step('/rest/api/2/user', { method: 'POST', body: { name: 'svc-x', displayName: 'Svc', emailAddress: 's@example.com', password: 'pw' } });
      // a repeat and refusals: no events
      assert.equal((await call(sb, '/rest/api/2/user?username=old-timer', { method: 'PUT', body: { active: true } })).status, 200);
      assert.equal((await call(sb, '/rest/api/2/user?username=ldap-u', { method: 'PUT', body: { active: false } })).status, 400);
      assert.equal((await call(sb, '/rest/api/2/user?username=old-timer', { method: 'PUT', body: { active: false }, token: sb.viewerToken })).status, 403);

      const all = sb.state.auditEvents().slice(before);
      assert.deepEqual(actions(all), [
        'User deactivated: mid-year',
        'User reactivated: mid-year',
        'User removed from group: mid-year / team-x',
        'User added to group: new-hire / team-x',
        'User renamed: new-hire-2',
        'User updated: new-hire-2',
        'User created: svc-x',
      ]);
      assert.deepEqual(all.map((e) => e.author.name), ['admin', 'ops', 'ops', 'admin', 'admin', 'admin', 'admin']);
      assert.deepEqual(all.map((e) => e.author.type), Array(7).fill('user'));
      assert.equal(all[1].author.id, sb.state.user('ops').key);
      assert.deepEqual(all[0].changedValues, [{ key: 'active', i18nKey: 'common.words.active', from: 'true', to: 'false' }]);
      assert.deepEqual(all[1].changedValues.map((c) => [c.key, c.from, c.to]), [['active', 'false', 'true']]);
      assert.deepEqual(all[2].affectedObjects.map((o) => o.type), ['USER', 'GROUP']);
      assert.deepEqual(all[4].changedValues.map((c) => [c.key, c.from, c.to]), [['username', 'new-hire', 'new-hire-2']]);
      assert.deepEqual(all[5].changedValues.map((c) => [c.key, c.from, c.to]), [['displayName', 'New', 'New Two']]);
      assert.equal(all[6].affectedObjects[0].id, created.body.key);
      assert.equal(all[0].timestamp, new Date(NOW + 1000).toISOString());
      // direct changes through the state helpers are recorded too (author: the given name, a system actor when not a user)
      sb.state.addToGroup('old-timer', 'brand-new-group', 'jira-sync');
      const last = sb.state.auditEvents().at(-1);
      assert.deepEqual([last.type.action, last.author.name, last.author.type], ['User added to group', 'jira-sync', 'system']);
    } finally {
      await sb.close();
    }
  });

  test('paging: limit, offset, pageCursor, from/to and filters; cursor and offset walks agree', async () => {
    let now = NOW;
    const sb = await startSandbox({ jira: '10.3', snapshot, now: () => now });
    try {
      for (let i = 0; i < 12; i++) {
        now += 60_000;
        sb.state.setActive('old-timer', i % 2 === 1, 'admin');
      }
      const total = sb.state.auditEvents().length;
      assert.equal(total, 15);
      const byCursor = [];
      let q = '?limit=4';
      for (let pages = 0; ; pages++) {
        assert.ok(pages < 10);
        const r = await events(sb, q);
        assert.equal(r.status, 200);
        const p = r.body.pagingInfo;
        assert.equal(p.size, r.body.entities.length);
        byCursor.push(...r.body.entities);
        if (p.lastPage) {
          assert.equal(p.nextPageCursor, undefined);
          break;
        }
        assert.deepEqual(Object.keys(p), ['lastPage', 'nextPageCursor', 'nextPageLink', 'nextPageOffset', 'size']);
        assert.match(p.nextPageCursor.cursor, /^\d+,\d+$/);
        assert.ok(p.nextPageLink.startsWith(`${sb.url}/rest/auditing/1.0/events?`));
        q = `?limit=4&pageCursor=${encodeURIComponent(p.nextPageCursor.cursor)}`;
      }
      const byOffset = [];
      for (let offset = 0; ; ) {
        const r = await events(sb, `?limit=4&offset=${offset}`);
        byOffset.push(...r.body.entities);
        if (r.body.pagingInfo.lastPage) break;
        offset = r.body.pagingInfo.nextPageOffset;
      }
      assert.equal(byCursor.length, total);
      assert.deepEqual(byCursor, byOffset);
      const times = byCursor.map((e) => Date.parse(e.timestamp));
      assert.deepEqual(times, [...times].sort((a, b) => b - a), 'newest first');
      // following nextPageLink as given works too
      const first = await events(sb, '?limit=5');
      const next = await fetch(first.body.pagingInfo.nextPageLink, { headers: { Authorization: `Bearer ${sb.token}` } });
      assert.deepEqual((await next.json()).entities, byCursor.slice(5, 10));
      // from / to (inclusive) and filters
      const from = new Date(NOW + 3 * 60_000).toISOString(), to = new Date(NOW + 5 * 60_000).toISOString();
      const window = await events(sb, `?from=${from}&to=${to}`);
      assert.deepEqual(window.body.entities.map((e) => e.timestamp), [to, new Date(NOW + 4 * 60_000).toISOString(), from]);
      assert.equal((await events(sb, '?actions=User%20deactivated')).body.entities.length, 6);
      assert.equal((await events(sb, '?categories=USER%20MANAGEMENT&actions=user%20created,user%20reactivated')).body.entities.length, 9);
      assert.deepEqual(actions((await events(sb, '?search=mid-')).body.entities), ['User created: mid-year']);
      for (const bad of ['?limit=0', '?limit=x', '?pageCursor=abc', '?from=yesterday', '?offset=-1']) assert.equal((await events(sb, bad)).status, 400, bad);
    } finally {
      await sb.close();
    }
  });

  test('admins only; nothing over REST edits or deletes an event; events past the retention window are gone', async () => {
    let now = NOW;
    const sb = await startSandbox({ jira: '10.3', snapshot, now: () => now, auditRetentionDays: 10 });
    try {
      assert.equal((await events(sb, '', { token: sb.viewerToken })).status, 403);
      assert.equal((await events(sb, '', { token: null })).status, 401);
      for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
        assert.equal((await events(sb, '', { method, body: method === 'DELETE' ? undefined : { entities: [] } })).status, 405, method);
      }
      assert.equal((await call(sb, '/rest/auditing/1.0/events/1', { method: 'DELETE' })).status, 404);
      const copy = sb.state.auditEvents();
      copy[0].type.action = 'edited';
      copy.length = 0;
      assert.deepEqual(actions(sb.state.auditEvents()), ['User created: new-hire'], 'the helper hands out copies');
      assert.throws(() => { sb.state.audit.events[0].at = 0; }, TypeError, 'stored events are frozen');
      now += 8 * DAY; // new-hire was created 7 days before NOW: 15 days ago now, past the 10-day window
      assert.deepEqual((await events(sb)).body.entities, []);
    } finally {
      await sb.close();
    }
  });

  test('event names can be overridden (a reader tested against other spellings)', async () => {
    const sb = await startSandbox({ jira: '10.3', snapshot, now: () => NOW, auditNames: { deactivated: { action: 'User updated' } } });
    try {
      await call(sb, '/rest/api/2/user?username=mid-year', { method: 'PUT', body: { active: false } });
      const e = sb.state.auditEvents().at(-1);
      assert.deepEqual([e.type.category, e.type.action, e.changedValues[0].key, e.changedValues[0].to], ['user management', 'User updated', 'active', 'false']);
    } finally {
      await sb.close();
    }
  });
});

describe('rename, create, and the test helpers the execution-safety tests use', () => {
  const snapshot = {
    capturedAt: '2026-11-27T10:00:00Z',
    users: [
      { name: 'jdoe', displayName: 'J Doe', email: 'j@example.com', active: true, groups: ['jira-software-users'], directory: 'Jira Internal Directory', lastLogin: '2025-01-01T00:00:00Z' },
      { name: 'other', displayName: 'Other', email: 'o@example.com', active: true, groups: ['jira-software-users'], directory: 'Jira Internal Directory', lastLogin: null },
      { name: 'ldap-u', displayName: 'L', email: 'l@example.com', active: true, groups: ['jira-software-users'], directory: 'Corp LDAP (read-only)' },
    ],
  };

  test('PUT user {"name"} renames and keeps the key; the old name can then be created again with a new key', async () => {
    const sb = await startSandbox({ jira: '10.3', snapshot, tokens: { jdoe: 'jdoe-pat' } });
    try {
      const key = (await call(sb, '/rest/api/2/user?username=jdoe')).body.key;
      assert.match(key, /^JIRAUSER\d+$/);
      await call(sb, '/rest/api/2/user/properties/k?username=jdoe', { method: 'PUT', body: { v: 1 } });
      const r = await call(sb, '/rest/api/2/user?username=jdoe', { method: 'PUT', body: { name: 'jdoe-left' } });
      assert.equal(r.status, 200);
      assert.deepEqual([r.body.name, r.body.key], ['jdoe-left', key]);
      assert.equal((await call(sb, '/rest/api/2/user?username=jdoe')).status, 404);
      assert.equal((await call(sb, `/rest/api/2/user?key=${key}`)).body.name, 'jdoe-left');
      assert.equal((await call(sb, '/rest/api/2/myself', { token: 'jdoe-pat' })).body.name, 'jdoe-left', 'the PAT follows the user');
      assert.deepEqual((await call(sb, '/rest/api/2/user/properties/k?username=jdoe-left')).body.value, { v: 1 }, 'properties follow the user');
      assert.ok((await call(sb, '/rest/api/2/user/search?username=jdoe-left')).body.some((u) => u.key === key));
      const created = await call(sb, '/rest/api/2/user', { method: 'POST', body: { name: 'jdoe', password: 'pw1', emailAddress: 'j2@example.com', displayName: 'Another J Doe' } });
      assert.equal(created.status, 201);
      assert.notEqual(created.body.key, key);
      assert.equal(created.body.name, 'jdoe');
      assert.equal((await call(sb, '/rest/api/2/myself', { basic: 'jdoe:pw1' })).body.key, created.body.key, 'the password given at creation works');
      assert.equal((await call(sb, '/rest/api/2/user?username=jdoe')).body.key, created.body.key);
      assert.deepEqual(sb.state.snapshotTruth().users.filter((u) => u.name.startsWith('jdoe')).map((u) => [u.name, u.key]), [['jdoe', created.body.key], ['jdoe-left', key]]);
      // refusals: a taken name, an empty name, a read-only directory
      const taken = await call(sb, '/rest/api/2/user?username=jdoe-left', { method: 'PUT', body: { name: 'OTHER' } });
      assert.equal(taken.status, 400);
      assert.match(taken.body.errors.username, /already exists/);
      assert.equal((await call(sb, '/rest/api/2/user?username=jdoe-left', { method: 'PUT', body: { name: '' } })).status, 400);
      assert.equal((await call(sb, '/rest/api/2/user?username=ldap-u', { method: 'PUT', body: { name: 'ldap-v' } })).status, 400);
      assert.equal((await call(sb, '/rest/api/2/user', { method: 'POST', body: { name: 'JDOE', emailAddress: 'x@example.com', displayName: 'X' } })).status, 400);
      // a change of case only is a rename too
      assert.equal((await call(sb, '/rest/api/2/user?username=other', { method: 'PUT', body: { name: 'Other' } })).body.name, 'Other');
    } finally {
      await sb.close();
    }
  });

  test('state.recordLogin and state.addToGroup by name: the REST API shows fresh data at once', async () => {
    let now = Date.parse('2026-11-27T10:00:00Z');
    const sb = await startSandbox({ jira: '10.3', snapshot, now: () => now, timeZone: 'UTC' });
    const sb9 = await startSandbox({ jira: '9', snapshot, now: () => now });
    try {
      const before = (await call(sb, '/rest/api/2/user?username=other')).body;
      assert.equal(before.lastLoginTime, null);
      now += 3_600_000;
      sb.state.recordLogin('other');
      const after = (await call(sb, '/rest/api/2/user?username=other&expand=groups')).body;
      assert.equal(after.lastLoginTime, '2026-11-27T11:00:00+0000');
      assert.equal(after.key, before.key);
      sb.state.addToGroup('other', 'jira-servicemanagement-users');
      const g = (await call(sb, '/rest/api/2/user?username=other&expand=groups')).body.groups.items.map((x) => x.name);
      assert.ok(g.includes('jira-servicemanagement-users'));
      const member = await call(sb, '/rest/api/2/group/member?groupname=jira-servicemanagement-users');
      assert.ok(member.body.values.some((u) => u.name === 'other'));
      assert.throws(() => sb.state.recordLogin('ghost'), /no user named "ghost"/);
      sb9.state.recordLogin('other');
      const nine = (await call(sb9, '/rest/api/2/user?username=other')).body;
      assert.ok(!('lastLoginTime' in nine), '9.x does not serve it');
      assert.match(nine.key, /^JIRAUSER/);
    } finally {
      await sb.close();
      await sb9.close();
    }
  });
});

describe('rate limiting and injected faults', () => {
  test('token bucket: 429 with Retry-After and X-RateLimit-* headers; UI cookie requests exempt', async () => {
    let now = 1_000_000;
    const sb = await startSandbox({ jira: '10.3', sample: true, rateLimit: { capacity: 3, fillRate: 2, intervalSeconds: 60 }, now: () => now });
    try {
      const statuses = [];
      let last;
      for (let i = 0; i < 4; i++) {
        last = await call(sb, '/rest/api/2/myself');
        statuses.push(last.status);
      }
      assert.deepEqual(statuses, [200, 200, 200, 429]);
      assert.equal(last.headers.get('retry-after'), '60');
      assert.equal(last.headers.get('x-ratelimit-limit'), '3');
      assert.equal(last.headers.get('x-ratelimit-remaining'), '0');
      assert.equal(last.headers.get('x-ratelimit-interval-seconds'), '60');
      assert.equal(last.headers.get('x-ratelimit-fillrate'), '2');
      // Another user has its own bucket.
      assert.equal((await call(sb, '/rest/api/2/myself', { token: sb.viewerToken })).status, 200);
      // A UI request (JSESSIONID + atlassian.xsrf.token) is never limited.
      const cookie = await login(sb, 'admin', 'admin');
      for (let i = 0; i < 5; i++) {
        const r = await call(sb, '/rest/api/2/myself', { cookie });
        assert.equal(r.status, 200);
        assert.equal(r.headers.get('x-ratelimit-limit'), null);
      }
      // A cookie without the xsrf cookie is an external client: limited.
      const bare = cookie.split('; ').find((c) => c.startsWith('JSESSIONID'));
      assert.equal((await call(sb, '/rest/api/2/myself', { cookie: bare })).status, 429);
      now += 60_000; // one interval: 2 tokens back
      const after = await call(sb, '/rest/api/2/myself');
      assert.equal(after.status, 200);
      assert.equal(after.headers.get('x-ratelimit-remaining'), '1');
    } finally {
      await sb.close();
    }
  });

  async function faultRun(seed, extra = {}) {
    const sb = await startSandbox({ jira: '10.3', sample: true, faults: 0.3, seed, slowMs: 20, ...extra });
    const outcomes = [];
    try {
      for (let i = 0; i < 40; i++) {
        try {
          outcomes.push((await call(sb, `/rest/api/2/user/search?username=.&startAt=${i}&maxResults=1`)).status);
        } catch {
          outcomes.push('drop');
        }
      }
      return { outcomes, faults: sb.requests.map((r) => r.fault ?? '-') };
    } finally {
      await sb.close();
    }
  }

  test('faults are deterministic by seed and cover 500/502/503, slow and dropped connections', async () => {
    const a = await faultRun(7);
    const b = await faultRun(7);
    const c = await faultRun(8);
    assert.deepEqual(a.outcomes, b.outcomes);
    assert.deepEqual(a.faults, b.faults);
    assert.notDeepEqual(a.faults, c.faults);
    const kinds = new Set([...a.faults, ...c.faults]);
    const faulted = a.faults.filter((f) => f !== '-').length;
    assert.ok(faulted >= 4 && faulted <= 24, `about 30% of 40 faulted, got ${faulted}`);
    for (const k of ['500', '502', '503', 'drop']) assert.ok(kinds.has(k), `fault kind ${k} seen`);
    assert.ok(a.outcomes.includes('drop'));
  });

  test('a mutation failed by an injected fault is not applied; faultsAfterCommit applies it', async () => {
    for (const afterCommit of [false, true]) {
      const sb = await startSandbox({ jira: '10.3', sample: true, faults: 1, seed: 3, faultKinds: [['drop', 1]], faultsAfterCommit: afterCommit });
      try {
        await assert.rejects(call(sb, `/rest/api/2/user?username=${INTERNAL_USER}`, { method: 'PUT', body: { active: false } }));
        assert.equal(sb.state.user(INTERNAL_USER).active, afterCommit ? false : true, `afterCommit=${afterCommit}`);
        assert.equal(sb.requests.at(-1).fault, afterCommit ? 'drop-after-commit' : 'drop');
      } finally {
        await sb.close();
      }
    }
    const sb = await startSandbox({ jira: '10.3', sample: true, faults: 1, seed: 3, faultKinds: [['503', 1]] });
    try {
      const r = await call(sb, `/rest/api/2/group/user?groupname=service-accounts&username=${INTERNAL_USER}`, { method: 'DELETE' });
      assert.equal(r.status, 503);
      assert.ok(sb.state.user(INTERNAL_USER).inGroup('service-accounts'));
      assert.equal(sb.state.counters.removedFromGroup, 0);
    } finally {
      await sb.close();
    }
  });
});

describe('nested groups and repeated actions', () => {
  test('group/member includes members of nested groups; effective groups and seats follow', async () => {
    const snapshot = {
      users: [
        { name: 'ann', active: true, groups: ['team-a'] },
        { name: 'bob', active: true, groups: ['all-staff'] },
        { name: 'cat', active: false, groups: ['team-a'] },
      ],
      applicationRoles: [{ key: 'jira-software', name: 'Jira Software', groups: ['all-staff'], numberOfSeats: 10, hasUnlimitedSeats: false }],
    };
    const sb = await startSandbox({ jira: '10.3', snapshot, nestedGroups: { 'all-staff': ['team-a'] } });
    try {
      const r = await call(sb, '/rest/api/2/group/member?groupname=all-staff&includeInactiveUsers=true');
      assert.deepEqual(r.body.values.map((u) => u.name), ['ann', 'bob', 'cat', 'viewer'], 'viewer joins the first role group');
      const ann = (await call(sb, '/rest/api/2/user?username=ann&expand=groups')).body;
      assert.deepEqual(ann.groups.items.map((g) => g.name), ['all-staff', 'team-a']);
      const roles = (await call(sb, '/rest/api/2/applicationrole')).body;
      assert.equal(roles[0].userCount, 3, 'ann (nested), bob and viewer; cat is inactive');
      const del = await call(sb, '/rest/api/2/group/user?groupname=all-staff&username=ann', { method: 'DELETE' });
      assert.equal(del.status, 400, 'ann is only a nested member');
      assert.deepEqual(sb.state.snapshotTruth().users.find((u) => u.name === 'ann').groups, ['all-staff', 'team-a']);
    } finally {
      await sb.close();
    }
  });

  test('repeated actions are recorded apart from applied mutations; sessions can be killed', async () => {
    const sb = await startSandbox({ jira: '10.3', sample: true });
    try {
      for (let i = 0; i < 2; i++) await call(sb, `/rest/api/2/user?username=${INTERNAL_USER}`, { method: 'PUT', body: { active: false } });
      for (let i = 0; i < 2; i++) await call(sb, `/rest/api/2/group/user?groupname=service-accounts&username=${INTERNAL_USER}`, { method: 'DELETE' });
      assert.deepEqual(sb.state.mutations.map((m) => m.op), ['deactivate', 'removeFromGroup']);
      assert.deepEqual(sb.state.repeats.map((m) => m.op), ['deactivate', 'removeFromGroup']);
      assert.equal(sb.state.mutations[0].by, 'admin');
      const cookie = await login(sb, 'viewer', 'viewer');
      assert.equal((await call(sb, '/rest/api/2/user/session/viewer', { method: 'DELETE' })).status, 204);
      assert.equal((await call(sb, '/rest/api/2/myself', { cookie })).status, 401);
    } finally {
      await sb.close();
    }
  });
});

describe('latency, slow faults, context path', () => {
  test('latencyMs delays every request; a "slow" fault delays and then answers normally', async () => {
    const sb = await startSandbox({ jira: '10.3', sample: true, latencyMs: 60, contextPath: '/jira' });
    try {
      assert.ok(sb.url.endsWith('/jira'));
      const t = performance.now();
      const r = await call(sb, '/rest/api/2/myself');
      assert.equal(r.status, 200);
      assert.ok(performance.now() - t >= 55);
      assert.ok(r.body.self.startsWith(`${sb.url}/rest/api/2/user?username=`));
      assert.equal((await fetch(sb.url.replace('/jira', '') + '/rest/api/2/myself')).status, 404);
    } finally {
      await sb.close();
    }
    const slow = await startSandbox({ jira: '10.3', sample: true, faults: 1, faultKinds: [['slow', 1]], slowMs: 80 });
    try {
      const t = performance.now();
      const r = await call(slow, '/rest/api/2/myself');
      assert.equal(r.status, 200);
      assert.ok(performance.now() - t >= 75);
      assert.equal(slow.requests.at(-1).fault, 'slow');
    } finally {
      await slow.close();
    }
  });
});

describe('plugin resources', () => {
  test('served at /download/resources/{plugin}:{module}/{name} with content types; 404 otherwise', async () => {
    const sb = await startSandbox({ sample: true, resources: { 'com.example.usercleanup:assets': ASSETS, 'com.example.usercleanup:inline': { 'a.js': 'x=1' } } });
    try {
      const base = '/download/resources/com.example.usercleanup:assets';
      const types = { 'engine.wasm': 'application/wasm', 'ui.js': 'application/javascript', 'ui.css': 'text/css', 'index.html': 'text/html' };
      for (const [name, type] of Object.entries(types)) {
        const r = await fetch(`${sb.url}${base}/${name}`);
        assert.equal(r.status, 200, name);
        assert.equal(r.headers.get('content-type').split(';')[0], type, name);
      }
      const wasm = Buffer.from(await (await fetch(`${sb.url}${base}/engine.wasm`)).arrayBuffer());
      assert.deepEqual([...wasm.subarray(0, 4)], [0, 0x61, 0x73, 0x6d]);
      const cached = await fetch(`${sb.url}/s/abc123-CDN/-1/1.0/_${base}/ui.js`);
      assert.equal(cached.status, 200);
      assert.equal((await (await fetch(`${sb.url}/download/resources/com.example.usercleanup:inline/a.js`)).text()), 'x=1');
      for (const bad of [`${base}/missing.js`, '/download/resources/com.example.usercleanup:other/ui.js', `${base}/..%2F..%2Fsandbox.test.mjs`, `${base}/../../../package.json`]) {
        assert.equal((await fetch(`${sb.url}${bad}`)).status, 404, bad);
      }
    } finally {
      await sb.close();
    }
  });
});

describe('seeding and scale', () => {
  test('seeded from a snapshot object: admin and viewer added; 9.x truth has no lastLogin', async () => {
    const snapshot = {
      capturedAt: '2026-11-27T10:00:00Z',
      users: [
        { name: 'Fred', displayName: 'Fred F. User', email: 'fred@example.com', active: true, groups: ['jira-software-users'], directory: 'Corp LDAP', lastLogin: '2026-10-01T08:12:00Z' },
        { name: 'erin', displayName: 'Erin', email: 'erin@example.com', active: true, groups: ['jira-software-users'], lastLogin: null },
      ],
      applicationRoles: [{ key: 'jira-software', name: 'Jira Software', groups: ['jira-software-users'], numberOfSeats: 10, userCount: 2, hasUnlimitedSeats: false }],
    };
    const sb = await startSandbox({ jira: '9', snapshot, readOnlyDirectories: ['Corp LDAP'] });
    try {
      assert.deepEqual([...sb.state.users.keys()].sort(), ['admin', 'erin', 'fred', 'viewer']);
      assert.equal(sb.state.user('fred').readOnly, true);
      const truth = sb.state.snapshotTruth();
      assert.ok(truth.users.every((u) => !('lastLogin' in u)));
      assert.equal(truth.applicationRoles[0].userCount, 4, 'fred, erin, viewer and the added admin');
      assert.equal((await call(sb, '/rest/api/2/user?username=FRED')).body.name, 'Fred', 'usernames are case-insensitive');
    } finally {
      await sb.close();
    }
    const sb10 = await startSandbox({ jira: '10.3', snapshot });
    try {
      const truth = sb10.state.snapshotTruth();
      assert.match(truth.users.find((u) => u.name === 'Fred').lastLogin, JIRA_TIME);
      assert.equal(truth.users.find((u) => u.name === 'erin').lastLogin, null);
    } finally {
      await sb10.close();
    }
  });

  test('100k generated users in ~300 groups: listing and group pages stay fast', async () => {
    const sb = await startSandbox({ jira: '10.3', users: 100_000, seed: 7 });
    try {
      assert.equal(sb.state.users.size >= 100_000, true);
      assert.ok(sb.state.groups.size >= 250);
      const t0 = performance.now();
      let n = 0, cursor = '';
      for (;;) {
        const r = await call(sb, `/rest/api/2/user/list?maxResults=2000${cursor}`);
        n += r.body.values.length;
        if (r.body.isLast) break;
        cursor = `&cursor=${r.body.nextCursor}`;
      }
      assert.equal(n, sb.state.users.size);
      const listMs = performance.now() - t0;
      const t1 = performance.now();
      const biggest = [...sb.state.groups.values()].sort((a, b) => b.size - a.size)[0];
      for (let i = 0; i < 100; i++) {
        const r = await call(sb, `/rest/api/2/group/member?groupname=${encodeURIComponent(biggest.name)}&includeInactiveUsers=true&startAt=${i * 50}&maxResults=50`);
        assert.equal(r.body.total, biggest.size);
      }
      const memberMs = performance.now() - t1;
      await call(sb, `/rest/api/2/user?username=admin`, { method: 'PUT', body: { displayName: 'Admin' } });
      const t2 = performance.now();
      await call(sb, '/rest/api/2/applicationrole');
      const rolesMs = performance.now() - t2;
      assert.ok(listMs < 15_000, `user/list of 100k took ${listMs} ms`);
      assert.ok(memberMs < 5_000, `100 member pages of ${biggest.size} took ${memberMs} ms`);
      assert.ok(rolesMs < 2_000, `applicationrole took ${rolesMs} ms`);
    } finally {
      await sb.close();
    }
  });
});

describe('CLI', () => {
  test('sandbox prints "ready URL token=PAT", serves, and exits 0 on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sandbox-cli-'));
    const harness = join(dir, 'harness.mjs');
    const cmd = new URL('../../plugin-shim/src/cli/commands/sandbox.mjs', import.meta.url).href;
    writeFileSync(harness, `import { sandbox } from ${JSON.stringify(cmd)};\nprocess.exitCode = await sandbox(process.argv.slice(2));\n`);
    const child = spawn(process.execPath, [harness, '--port', '0', '--jira', '9', '--users', '500', '--seed', '3'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let out = '';
      const line = await new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ready line: ${out}`)), 20_000);
        child.stdout.on('data', (d) => {
          out += d;
          if (out.includes('\n')) {
            clearTimeout(timer);
            resolve(out.split('\n')[0]);
          }
        });
        child.on('exit', (code) => reject(new Error(`exited ${code}`)));
      });
      const m = /^ready (http:\/\/127\.0\.0\.1:\d+) token=(\S+)$/.exec(line);
      assert.ok(m, line);
      const r = await fetch(`${m[1]}/rest/api/2/myself`, { headers: { Authorization: `Bearer ${m[2]}` } });
      assert.equal((await r.json()).name, 'admin');
      const info = await (await fetch(`${m[1]}/rest/api/2/serverInfo`)).json();
      assert.equal(info.version, '9.17.5');
      const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
      child.kill('SIGTERM');
      assert.deepEqual(await exited, { code: 0, signal: null });
      assert.equal(out.trim().split('\n').length, 1, 'exactly one line on stdout');
    } finally {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('bad command lines are usage errors', async () => {
    const { sandboxOptions } = await import('../../plugin-shim/src/cli/commands/sandbox.mjs');
    assert.throws(() => sandboxOptions(['--users', '5', '--snapshot', 'x.json']), /not both/);
    assert.throws(() => sandboxOptions(['--jira', '8']), /--jira/);
    assert.throws(() => sandboxOptions(['--faults', '2']), /--faults/);
    assert.throws(() => sandboxOptions(['--port', 'abc']), /--port/);
    assert.deepEqual(
      { ...sandboxOptions(['--port', '8080', '--jira', '11', '--rate-limit', '--faults', '0.05', '--seed', '9']) },
      { help: false, port: 8080, host: '127.0.0.1', jira: '11', users: undefined, snapshot: undefined, rateLimit: true, faults: 0.05, seed: 9, websudo: false, latencyMs: 0, localGroups: [], xsrf: 'jira', auditRetentionDays: 365 },
    );
    assert.deepEqual(sandboxOptions(['--local-groups', 'jira-*-users, jira-administrators']).localGroups, ['jira-*-users', 'jira-administrators']);
    assert.equal(sandboxOptions(['--audit-retention-days', '30']).auditRetentionDays, 30);
    assert.throws(() => sandboxOptions(['--audit-retention-days', '-1']), /--audit-retention-days/);
  });
});

test('a person can log in through the login page and land where they were going', async () => {
  const sb = await startSandbox({ jira: '10.3', users: 5 });
  try {
    const page = await fetch(`${sb.url}/login.jsp?os_destination=${encodeURIComponent('/secure/admin/user/UserBrowser.jspa#user-cleanup')}`);
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /<form method="post" action="[^"]*\/login\.jsp">/);
    assert.match(html, /name="os_destination" value="\/secure\/admin\/user\/UserBrowser\.jspa#user-cleanup"/);
    const body = new URLSearchParams({ os_username: 'admin', os_password: 'admin', os_destination: '/secure/admin/user/UserBrowser.jspa' });
    const r = await fetch(`${sb.url}/login.jsp`, { method: 'POST', body, redirect: 'manual' });
    assert.equal(r.status, 302);
    assert.equal(r.headers.get('location'), `${sb.url}/secure/admin/user/UserBrowser.jspa`);
    const cookie = r.headers.get('set-cookie').split(';')[0];
    const me = await fetch(`${sb.url}/rest/api/2/myself`, { headers: { cookie } });
    assert.equal((await me.json()).name, 'admin');
    const bad = await fetch(`${sb.url}/login.jsp`, { method: 'POST', body: new URLSearchParams({ os_username: 'admin', os_password: 'x' }) });
    assert.match(await bad.text(), /incorrect/);
  } finally {
    await sb.close();
  }
});

// ---------------------------------------------------------------------------------------------
// Projects, components, issues and the issue search (issue 11).
describe('projects, components, issues, search', () => {
  let sb;
  before(async () => {
    sb = await startSandbox({ jira: '10.3', sample: true });
  });
  after(() => sb.close());

  const post = (jql, extra = {}) => call(sb, '/rest/api/2/search', { method: 'POST', body: { jql, fields: ['assignee'], ...extra }, xsrf: false });
  const get = (jql, q = '') => call(sb, `/rest/api/2/search?jql=${encodeURIComponent(jql)}${q}`);
  const open = (name) => sb.state.projects.openAssigned(name);

  test('the sample seeds projects led by its users, components and issues (from leads / openAssigned)', async () => {
    const { readFileSync } = await import('node:fs');
    const sample = JSON.parse(readFileSync(join(ROOT, 'samples/snapshot.json'), 'utf8'));
    const want = sample.users.flatMap((u) => (u.leads?.projects ?? []).map((p) => `${p.key}:${u.name}`)).sort();
    const got = sb.state.projects.list.map((p) => `${p.key}:${p.lead.name}`).sort();
    assert.deepEqual(got, want);
    assert.ok(got.length >= 20);
    for (const u of sample.users) assert.equal(open(u.name), u.openAssigned, u.name);
    // Some projects are led by users idle for more than a year: the accounts cleanup rules select.
    const idle = sb.state.projects.list.filter((p) => p.lead.lastLogin && Date.parse(sample.capturedAt) - p.lead.lastLogin > 365 * 86_400_000);
    assert.ok(idle.length >= 3, `idle leads: ${idle.map((p) => p.key)}`);
    assert.ok(sb.state.projects.issues.some((i) => i.resolution !== null), 'resolved issues exist too');
  });

  test('GET project: lead only with expand=lead; project by key or id; 404 otherwise; components with lead and leadUserName', async () => {
    const plain = await call(sb, '/rest/api/2/project');
    assert.equal(plain.status, 200);
    assert.ok(plain.body.every((p) => !('lead' in p) && typeof p.key === 'string' && typeof p.id === 'string'));
    const withLead = await call(sb, '/rest/api/2/project?expand=lead');
    const p0 = sb.state.projects.list[0];
    const b0 = withLead.body.find((p) => p.key === p0.key);
    assert.deepEqual([b0.lead.name, b0.lead.key, b0.lead.displayName, b0.lead.active], [p0.lead.name, p0.lead.key, p0.lead.displayName, p0.lead.active]);
    assert.equal((await call(sb, `/rest/api/2/project/${p0.id}`)).body.key, p0.key);
    const missing = await call(sb, '/rest/api/2/project/NOPE/components');
    assert.equal(missing.status, 404);
    assert.deepEqual(missing.body, { errorMessages: ["No project could be found with key 'NOPE'."], errors: {} });
    const withComponents = sb.state.projects.list.find((p) => p.components.some((c) => c.lead) && p.components.some((c) => !c.lead));
    const comps = (await call(sb, `/rest/api/2/project/${withComponents.key}/components`)).body;
    assert.equal(comps.length, withComponents.components.length);
    for (const c of withComponents.components) {
      const b = comps.find((x) => x.name === c.name);
      assert.equal(b.leadUserName, c.lead?.name);
      assert.equal(b.lead?.name, c.lead?.name);
      assert.equal(b.project, withComponents.key);
    }
    // Anonymous callers see nothing; the viewer (holds a role) may browse.
    assert.equal((await call(sb, '/rest/api/2/project', { token: null })).status, 401);
    assert.ok((await call(sb, '/rest/api/2/project', { token: sb.viewerToken })).body.length > 0);
  });

  test('search: the assignee/resolution JQL family, paging, fields=assignee, POST and GET agree', async () => {
    const names = sb.state.projects.list.slice(0, 3).map((p) => p.lead.name);
    const want = names.reduce((n, u) => n + open(u), 0);
    const jql = `assignee in (${names.map((n) => `"${n}"`).join(', ')}) AND resolution = Unresolved`;
    const first = await post(jql, { maxResults: 2 });
    assert.equal(first.status, 200);
    assert.equal(first.body.total, want);
    assert.equal(first.body.issues.length, Math.min(2, want));
    assert.deepEqual(Object.keys(first.body.issues[0].fields), ['assignee']);
    let seen = [];
    for (let startAt = 0; startAt < want; startAt += 2) seen.push(...(await post(jql, { startAt, maxResults: 2 })).body.issues.map((i) => i.key));
    assert.equal(new Set(seen).size, want, 'paging visits each issue once');
    // Spellings of the same query: case-insensitive keywords, single quotes, bare words, `is EMPTY`, clause order, ORDER BY.
    for (const q of [
      `ASSIGNEE IN (${names.join(',')}) and RESOLUTION = unresolved`,
      `resolution is EMPTY AND assignee in ('${names.join("', '")}')`,
      `assignee in (${names.map((n) => `"${n}"`).join(', ')}) AND resolution = "Unresolved" ORDER BY key DESC`,
    ]) {
      const r = await get(q, '&maxResults=0');
      assert.equal(r.status, 200, `${q}: ${r.text}`);
      assert.equal(r.body.total, want, q);
      assert.equal(r.body.issues.length, 0);
    }
    // Without the resolution clause resolved issues count too.
    const all = sb.state.projects.issues.filter((i) => i.assignee && names.includes(i.assignee.name)).length;
    assert.equal((await get(`assignee in (${names.join(',')})`, '&maxResults=0')).body.total, all);
    assert.ok(all > want, 'some of their issues are resolved');
    // maxResults is capped at 1000.
    assert.equal((await get('resolution = Unresolved', '&maxResults=5000')).body.maxResults, 1000);
  });

  test('search: anything outside the family, or an unknown user, is a 400 with Jira\u2019s error shape', async () => {
    for (const q of ['assignee in (admin) OR resolution = Unresolved', 'project = ABC', 'assignee in (currentUser())', 'assignee in ("admin)', 'assignee in (admin', 'resolution = Done', 'NOT assignee in (admin)', 'assignee in ()', 'assignee in (admin) AND']) {
      const r = await post(q);
      assert.equal(r.status, 400, q);
      assert.ok(Array.isArray(r.body.errorMessages) && r.body.errorMessages.length === 1 && typeof r.body.errorMessages[0] === 'string', q);
      assert.deepEqual(r.body.errors, {}, q);
    }
    const unknown = await post('assignee in (admin, "no-such-user") AND resolution = Unresolved');
    assert.equal(unknown.status, 400);
    assert.deepEqual(unknown.body.errorMessages, ["The value 'no-such-user' does not exist for the field 'assignee'."]);
    const lenient = await post('assignee in (admin, "no-such-user") AND resolution = Unresolved', { validateQuery: false });
    assert.equal(lenient.status, 200);
    assert.equal(lenient.body.total, open('admin'));
  });

  test('search: escapes inside quoted names are honoured (a quote in a username cannot end the list)', async () => {
    const s2 = await startSandbox({ jira: '10.3', snapshot: { users: [] } });
    try {
      const evil = 'x") OR resolution = Unresolved OR assignee in ("y';
      s2.state.addUser({ name: evil, groups: ['jira-software-users'] });
      s2.state.addUser({ name: 'back\\slash', groups: ['jira-software-users'] });
      s2.state.addUser({ name: 'bob', groups: ['jira-software-users'] });
      const p = s2.state.projects.addProject({ key: 'EV', lead: 'bob' });
      s2.state.projects.addIssue(p.key, { assignee: evil });
      s2.state.projects.addIssue(p.key, { assignee: 'back\\slash' });
      for (let i = 0; i < 3; i++) s2.state.projects.addIssue(p.key, { assignee: 'bob' });
      const q = (jql) => call(s2, '/rest/api/2/search', { method: 'POST', body: { jql } });
      assert.equal((await q('assignee in ("x\\") OR resolution = Unresolved OR assignee in (\\"y") AND resolution = Unresolved')).body.total, 1);
      assert.equal((await q('assignee = "back\\\\slash"')).body.total, 1);
      assert.equal((await q('assignee = \'x") OR resolution = Unresolved OR assignee in ("y\'')).body.total, 1);
      // Unescaped, the same name is a different query: Jira would run it (the sandbox refuses OR).
      assert.equal((await q(`assignee in ("${evil}") AND resolution = Unresolved`)).status, 400);
    } finally {
      await s2.close();
    }
  });

  test('PUT project lead: admins only, an existing active user; audited as "Project updated"; the lead refusal follows the lead', async () => {
    const s2 = await startSandbox({ jira: '10.3', users: 300, seed: 5 });
    try {
      const p = s2.state.projects.list[0];
      const old = p.lead;
      const next = [...s2.state.users.values()].find((u) => u.active && u !== old && u.name !== 'admin' && !s2.state.projects.ledBy(u).length && !u.readOnly);
      assert.equal((await call(s2, `/rest/api/2/project/${p.key}`, { method: 'PUT', body: { lead: next.name }, token: s2.viewerToken })).status, 403);
      const nobody = await call(s2, `/rest/api/2/project/${p.key}`, { method: 'PUT', body: { lead: 'no-such-user' } });
      assert.equal(nobody.status, 400);
      assert.match(nobody.body.errors.projectLead, /does not exist/);
      const inactive = [...s2.state.users.values()].find((u) => !u.active);
      assert.equal((await call(s2, `/rest/api/2/project/${p.key}`, { method: 'PUT', body: { lead: inactive.name } })).status, 400);
      assert.equal(p.lead, old, 'refused changes change nothing');
      const r = await call(s2, `/rest/api/2/project/${p.key}`, { method: 'PUT', body: { lead: next.name }, xsrf: false });
      assert.equal(r.status, 201);
      assert.equal(r.body.lead.name, next.name);
      assert.equal(p.lead, next);
      const ev = s2.state.auditEvents().at(-1);
      assert.equal(ev.type.action, 'Project updated');
      assert.equal(ev.type.category, 'projects');
      assert.equal(ev.author.name, 'admin');
      assert.deepEqual(ev.affectedObjects.map((o) => [o.type, o.name]), [['PROJECT', p.name]]);
      assert.deepEqual(ev.changedValues.map((c) => [c.key, c.from, c.to]), [['lead', old.name, next.name]]);
      // The new lead cannot be deactivated now; the old one can, unless they lead another project.
      const auditedBefore = s2.state.auditEvents().length;
      const refused = await call(s2, `/rest/api/2/user?username=${encodeURIComponent(next.name)}`, { method: 'PUT', body: { active: false } });
      assert.equal(refused.status, 400);
      assert.deepEqual(refused.body.errors, {});
      assert.match(refused.body.errorMessages[0], new RegExp(`project lead of .*\\(${p.key}\\)`));
      assert.equal(next.active, true);
      assert.equal(s2.state.auditEvents().length, auditedBefore, 'a refused deactivation writes no audit event');
    } finally {
      await s2.close();
    }
  });

  test('generated users (--users N) get projects deterministically; projects: false seeds none', async () => {
    const a = await startSandbox({ jira: '10.3', users: 400, seed: 9 });
    const b = await startSandbox({ jira: '10.3', users: 400, seed: 9 });
    const c = await startSandbox({ jira: '10.3', users: 400, seed: 9, projects: false });
    try {
      const view = (s) => JSON.stringify(s.state.snapshotTruth({ includeWork: true }).users.map((u) => [u.name, u.leads, u.openAssigned]));
      assert.equal(view(a), view(b));
      assert.ok(a.state.projects.list.length >= 3);
      assert.equal(c.state.projects.list.length, 0);
      assert.equal(c.state.projects.issues.length, 0);
    } finally {
      await Promise.all([a.close(), b.close(), c.close()]);
    }
  });
});

test('seeding: a generated user key never repeats a key the snapshot gives a later user', async () => {
  const sb = await startSandbox({ jira: '10.3', sample: true });
  try {
    const keys = [...sb.state.users.values()].map((u) => u.key.toLowerCase());
    assert.equal(new Set(keys).size, keys.length);
  } finally {
    await sb.close();
  }
});

test('the built-in sample\u2019s audit log has history: past deactivations of its inactive users, by admin', async () => {
  const NOW = Date.parse('2026-11-27T10:00:00Z');
  const sb = await startSandbox({ jira: '10.3', sample: true, now: () => NOW });
  const plain = await startSandbox({ jira: '10.3', snapshot: sb.state.snapshotTruth(), now: () => NOW });
  try {
    const deact = sb.state.auditEvents().filter((e) => e.type.action === 'User deactivated');
    assert.ok(deact.length > 50, `${deact.length} past deactivations`);
    for (const e of deact) {
      const u = sb.state.userByKey(e.affectedObjects[0].id);
      assert.equal(u.active, false, u.name);
      assert.equal(e.author.name, 'admin');
      assert.ok(Date.parse(e.timestamp) < NOW && Date.parse(e.timestamp) > u.lastLogin, u.name);
      assert.deepEqual(e.changedValues.map((c) => [c.key, c.from, c.to]), [['active', 'true', 'false']]);
    }
    assert.equal(plain.state.auditEvents().filter((e) => e.type.action === 'User deactivated').length, 0, 'a given snapshot gets creations only');
  } finally {
    await Promise.all([sb.close(), plain.close()]);
  }
});
