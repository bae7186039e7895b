// The host adapter (plugin-shim/src/host/): unit tests over a tiny fake fetch
// (tests/fixtures/host/fake-jira.mjs), then end-to-end tests against the sandbox Jira
// (plugin-shim/src/sandbox) in every version mode.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { createJiraHost, HostError, parseCsv, parseLastLoginCsv, parseJiraTime, normaliseTime } from '../../plugin-shim/src/host/index.mjs';
import { previousLoginFor, withLoginExport } from '../../plugin-shim/src/host/lastlogin-csv.mjs';
import { createHttp, parseRetryAfter } from '../../plugin-shim/src/host/http.mjs';
import { modeFor, parseVersion, capabilitiesFor } from '../../plugin-shim/src/host/detect.mjs';
import { reasonFromBody, classifyStatus } from '../../plugin-shim/src/host/errors.mjs';
import { fakeJira, sampleUsers } from '../fixtures/host/fake-jira.mjs';

const BASE = 'http://jira.test/jira';
/** A virtual clock: sleeps return at once and advance time; `waits` records them. */
function vclock(random = 0.5) {
  let t = Date.now();
  const waits = [];
  return { now: () => t, sleep: async (ms) => { waits.push(ms); t += ms; }, random: () => random, waits };
}
const jsonRes = (status, body, headers = {}) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

// ---------------------------------------------------------------------------------------------
describe('http: retries, backoff, Retry-After, concurrency, auth', () => {
  test('GET is retried on 503/502 and network errors, then succeeds; stats count attempts', async () => {
    let n = 0;
    const fetch = async () => {
      n++;
      if (n === 1) return jsonRes(503, { errorMessages: ['maintenance'] });
      if (n === 2) throw new TypeError('fetch failed', { cause: { code: 'ECONNRESET' } });
      if (n === 3) return jsonRes(502, {});
      return jsonRes(200, { ok: 1 });
    };
    const c = vclock(0.5);
    const waits = c.waits;
    const http = createHttp({ baseUrl: BASE, token: 't', fetch, ...c, retries: 4, retryBaseMs: 100 });
    assert.deepEqual(await http.getJson('/rest/api/2/x'), { ok: 1 });
    const s = http.stats();
    assert.equal(s.requests, 4);
    assert.equal(s.retries, 3);
    assert.equal(s.byEndpoint['GET /rest/api/2/x'], 4);
    // exponential with equal jitter: 100·2^(k-1) · (0.5 + 0.5·0.5)
    assert.deepEqual(waits, [75, 150, 300]);
  });

  test('gives up after `retries` and reports the host message with the status', async () => {
    const fetch = async () => jsonRes(503, { errorMessages: ['Jira is in maintenance mode'], errors: {} });
    const http = createHttp({ baseUrl: BASE, fetch, ...vclock(), retries: 2 });
    await assert.rejects(http.getJson('/rest/api/2/x'), (e) => e instanceof HostError && e.code === 'host.http' && e.status === 503 && e.reason === 'Jira is in maintenance mode' && e.attempts === 3);
    assert.equal(http.stats().requests, 3);
  });

  test('429 honours Retry-After (seconds and HTTP date) and does not use up the retry budget', async () => {
    const c = vclock(0);
    let n = 0;
    const fetch = async () => {
      n++;
      if (n <= 3) return jsonRes(429, { errorMessages: ['Rate limit exceeded'] }, { 'Retry-After': '2', 'X-RateLimit-Remaining': '0' });
      if (n === 4) return jsonRes(429, {}, { 'Retry-After': new Date(c.now() + 3000).toUTCString() });
      return jsonRes(200, [1]);
    };
    const waits = c.waits;
    const http = createHttp({ baseUrl: BASE, fetch, ...c, retries: 1 });
    assert.deepEqual(await http.getJson('/x'), [1]);
    assert.deepEqual(waits.slice(0, 3), [2000, 2000, 2000]);
    assert.ok(waits[3] >= 2000 && waits[3] <= 3000, `HTTP-date Retry-After honoured: ${waits[3]}`);
    assert.equal(http.stats().rateLimited, 4);
  });

  test('429 without Retry-After falls back to X-RateLimit-Interval-Seconds', async () => {
    let n = 0;
    const fetch = async () => (++n === 1 ? jsonRes(429, {}, { 'X-RateLimit-Interval-Seconds': '7' }) : jsonRes(200, {}));
    const c = vclock(0);
    const http = createHttp({ baseUrl: BASE, fetch, ...c });
    await http.getJson('/x');
    assert.deepEqual(c.waits, [7000]);
  });

  test('503 with Retry-After waits that long', async () => {
    let n = 0;
    const fetch = async () => (++n === 1 ? jsonRes(503, {}, { 'retry-after': '5' }) : jsonRes(200, {}));
    const c = vclock(0);
    const http = createHttp({ baseUrl: BASE, fetch, ...c });
    await http.getJson('/x');
    assert.deepEqual(c.waits, [5000]);
  });

  test('POST is not retried on 500 or on a network error (not idempotent), but is on 429', async () => {
    let n = 0;
    const http = createHttp({ baseUrl: BASE, ...vclock(), fetch: async () => { n++; return jsonRes(500, { errorMessages: ['boom'] }); } });
    await assert.rejects(http.request('POST', '/x', { body: {} }), { code: 'host.http', status: 500 });
    assert.equal(n, 1);
    n = 0;
    const http2 = createHttp({ baseUrl: BASE, ...vclock(), fetch: async () => { n++; throw new TypeError('fetch failed'); } });
    await assert.rejects(http2.request('POST', '/x', { body: {} }), { code: 'host.network' });
    assert.equal(n, 1);
    n = 0;
    const http3 = createHttp({ baseUrl: BASE, ...vclock(), fetch: async () => (++n === 1 ? jsonRes(429, {}, { 'Retry-After': '0' }) : jsonRes(201, {})) });
    await http3.request('POST', '/x', { body: {} });
    assert.equal(n, 2);
  });

  test('4xx are not retried', async () => {
    let n = 0;
    const http = createHttp({ baseUrl: BASE, ...vclock(), fetch: async () => { n++; return jsonRes(404, { errorMessages: ["The user named 'x' does not exist"] }); } });
    await assert.rejects(http.getJson('/rest/api/2/user', { username: 'x' }), (e) => e.code === 'host.notFound' && e.reason === "The user named 'x' does not exist");
    assert.equal(n, 1);
  });

  test('a slow answer times out and is retried', async () => {
    let n = 0;
    const fetch = (url, init) => {
      n++;
      if (n === 1) return new Promise((_, rej) => init.signal.addEventListener('abort', () => rej(new DOMException('aborted', 'AbortError'))));
      return Promise.resolve(jsonRes(200, { fine: true }));
    };
    const http = createHttp({ baseUrl: BASE, fetch, ...vclock(), timeoutMs: 30 });
    assert.deepEqual(await http.getJson('/x'), { fine: true });
    assert.equal(n, 2);
  });

  test('the caller signal aborts without retrying', async () => {
    const ctl = new AbortController();
    const fetch = (url, init) => new Promise((_, rej) => init.signal.addEventListener('abort', () => rej(new DOMException('aborted', 'AbortError'))));
    const http = createHttp({ baseUrl: BASE, fetch, signal: ctl.signal });
    const p = http.getJson('/x');
    setTimeout(() => ctl.abort(), 10);
    await assert.rejects(p, { code: 'host.aborted' });
    assert.equal(http.stats().requests, 1);
  });

  test("one request's own signal (a run's Stop) ends its retry wait at once; other requests are unaffected", async () => {
    let n = 0;
    const fetch = async () => {
      n++;
      return jsonRes(503, { errorMessages: ['maintenance'] });
    };
    // Real sleeps: the first backoff is 5 s, so only the abort can end this quickly.
    const http = createHttp({ baseUrl: BASE, fetch, retryBaseMs: 10_000, retries: 4 });
    const stop = new AbortController();
    const started = Date.now();
    const p = http.getJson('/x', undefined, { signal: stop.signal });
    setTimeout(() => stop.abort(), 50);
    await assert.rejects(p, { code: 'host.aborted' });
    assert.ok(Date.now() - started < 2000, 'the wait ended on Stop');
    assert.equal(n, 1, 'not sent again');
    // The client is not stopped: a request without that signal still runs.
    let ok = false;
    const http2 = createHttp({ baseUrl: BASE, fetch: async () => jsonRes(200, { ok: (ok = true) }) });
    await http2.getJson('/y', undefined, { signal: new AbortController().signal });
    assert.ok(ok);
  });

  test('concurrency is bounded', async () => {
    let inFlight = 0;
    let peak = 0;
    const fetch = async () => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
      return jsonRes(200, {});
    };
    const http = createHttp({ baseUrl: BASE, fetch, concurrency: 3 });
    await Promise.all(Array.from({ length: 20 }, (_, i) => http.getJson(`/x${i}`)));
    assert.equal(peak, 3);
  });

  test('PAT goes in the Authorization header only; never in URLs or error messages', async () => {
    const token = 'SECRET-PAT-123';
    const seen = [];
    const fetch = async (url, init) => {
      seen.push({ url, init });
      throw new TypeError(`connect failed for Bearer ${token}`);
    };
    const http = createHttp({ baseUrl: BASE, token, fetch, ...vclock(), retries: 1 });
    const e = await http.getJson('/rest/api/2/myself').catch((x) => x);
    assert.equal(e.code, 'host.network');
    assert.ok(!e.message.includes(token) && !e.reason.includes(token) && !JSON.stringify(e).includes(token));
    assert.equal(seen[0].init.headers.Authorization, `Bearer ${token}`);
    assert.ok(seen.every((s) => !s.url.includes(token)));
    assert.equal(seen[0].url, 'http://jira.test/jira/rest/api/2/myself');
  });

  test('browser mode: no token -> same-origin credentials and no Authorization header', async () => {
    let init;
    const http = createHttp({ baseUrl: BASE, fetch: async (u, i) => { init = i; return jsonRes(200, {}); } });
    await http.getJson('/x');
    assert.equal(init.credentials, 'same-origin');
    assert.equal(init.headers.Authorization, undefined);
  });

  test('an HTML page where JSON was expected is a clear error (SSO login page)', async () => {
    const http = createHttp({ baseUrl: BASE, fetch: async () => new Response('<html><title>Log in</title></html>', { status: 200, headers: { 'content-type': 'text/html' } }) });
    await assert.rejects(http.getJson('/x'), (e) => e.code === 'host.badResponse' && /instead of JSON/.test(e.reason));
  });

  test('Retry-After parsing', () => {
    assert.equal(parseRetryAfter('3'), 3000);
    assert.equal(parseRetryAfter('0'), 0);
    assert.equal(parseRetryAfter(null), null);
    assert.equal(parseRetryAfter('garbage'), null);
    assert.equal(parseRetryAfter(new Date(10_000).toUTCString(), 4000), 6000);
  });
});

// ---------------------------------------------------------------------------------------------
describe('errors, versions, times', () => {
  test('reasons come from errorMessages/errors, WebSudo XML, plain text', () => {
    assert.equal(reasonFromBody({ errorMessages: ['a'], errors: { active: 'b' } }, ''), 'a; active: b');
    assert.equal(reasonFromBody(undefined, '<status><status-code>401</status-code><message>This resource requires WebSudo.</message></status>'), 'This resource requires WebSudo.');
    assert.equal(reasonFromBody(undefined, 'XSRF check failed'), 'XSRF check failed');
    assert.equal(classifyStatus(401, 'This resource requires WebSudo.'), 'host.websudo');
    assert.equal(classifyStatus(403, 'XSRF check failed'), 'host.xsrf');
    assert.equal(classifyStatus(400, 'Cannot update user: the user directory is read-only'), 'host.readOnlyDirectory');
    assert.equal(classifyStatus(400, 'Something else'), 'host.http');
  });

  test('versions map to listing modes', () => {
    assert.deepEqual(parseVersion('10.3.12'), [10, 3, 12]);
    assert.deepEqual(parseVersion('9.12.15-QR-2024'), [9, 12, 15]);
    assert.equal(modeFor([8, 20, 1]), '9');
    assert.equal(modeFor([9, 17, 5]), '9');
    assert.equal(modeFor([10, 0, 1]), '10.0');
    assert.equal(modeFor([10, 2, 0]), '10.0');
    assert.equal(modeFor([10, 3, 12]), '10.3');
    assert.equal(modeFor([10, 7, 4]), '10.3');
    assert.equal(modeFor([11, 3, 0]), '11');
    assert.deepEqual(capabilitiesFor('9'), { userList: false, userSearchCap: 1000, lastLoginTime: false });
    assert.deepEqual(capabilitiesFor('10.0'), { userList: false, userSearchCap: 100, lastLoginTime: true });
    assert.deepEqual(capabilitiesFor('11'), { userList: true, userSearchCap: 100, lastLoginTime: true });
  });

  test("Jira's +hhmm timestamps and RFC 3339 parse to the same instant", () => {
    assert.equal(parseJiraTime('2023-08-30T16:37:01+1000'), Date.parse('2023-08-30T06:37:01Z'));
    assert.equal(parseJiraTime('2023-08-30T16:37:01+10:00'), Date.parse('2023-08-30T06:37:01Z'));
    assert.equal(parseJiraTime('2026-11-27T10:00:00.123-0530'), Date.parse('2026-11-27T15:30:00.123Z'));
    assert.equal(parseJiraTime('2026-11-27 10:00:00+02'), Date.parse('2026-11-27T08:00:00Z'));
    assert.equal(normaliseTime('2026-11-27T11:00:00.000+0100'), '2026-11-27T10:00:00Z');
    assert.ok(Number.isNaN(parseJiraTime('yesterday')));
    assert.ok(Number.isNaN(parseJiraTime('2026-13-01T00:00:00Z')));
  });
});

// ---------------------------------------------------------------------------------------------
describe('last-login CSV', () => {
  test('RFC 4180: quotes, commas and line breaks in fields, "" escapes, CRLF, BOM, blank lines', () => {
    const text = '\uFEFFusername,last_login,created\r\n"smith, john",1700000000000,"2020-01-01T00:00:00Z"\r\n"say ""hi""",,\r\n\r\n"multi\r\nline",2026-10-01 08:12:00+02,\r\nplain,"",1577836800000';
    const rows = parseCsv(text);
    assert.deepEqual(rows.map((r) => [...r]), [
      ['username', 'last_login', 'created'],
      ['smith, john', '1700000000000', '2020-01-01T00:00:00Z'],
      ['say "hi"', '', ''],
      ['multi\nline', '2026-10-01 08:12:00+02', ''],
      ['plain', '', '1577836800000'],
    ]);
    assert.equal(rows[3].line, 5);
  });

  test('semicolon and tab exports are recognised from the header', () => {
    assert.deepEqual(parseCsv('a;b\n1;"2;3"\n').map((r) => [...r]), [['a', 'b'], ['1', '2;3']]);
    assert.deepEqual(parseCsv('a\tb\n1\t2').map((r) => [...r]), [['a', 'b'], ['1', '2']]);
  });

  test('an unclosed quote is an error with the line number', () => {
    assert.throws(() => parseCsv('a,b\n1,"oops\n2,3\n'), (e) => e.code === 'host.csv' && /line 2/.test(e.message));
  });

  test('columns, aliases and values: epoch millis, ISO, Jira +hhmm, NULL = never', () => {
    const m = parseLastLoginCsv('USER_NAME,lastLoginMillis,Created_Date,Directory_Name\nfred,1759306320000,2024-01-31 09:00:00,Jira Internal Directory\nFred,1,2,dup ignored\nnever,NULL,1706691600000,LDAP\nold,1700000000,2024-01-31T10:00:00+0100,\n');
    assert.deepEqual(m.get('fred'), { name: 'fred', lastLogin: '2025-10-01T08:12:00Z', created: '2024-01-31T09:00:00Z', directory: 'Jira Internal Directory' });
    assert.deepEqual(m.get('never'), { name: 'never', lastLogin: null, created: '2024-01-31T09:00:00Z', directory: 'LDAP' });
    assert.deepEqual(m.get('old'), { name: 'old', lastLogin: '2023-11-14T22:13:20Z', created: '2024-01-31T09:00:00Z' });
    assert.equal(m.size, 3);
  });

  test('bad files are refused with a reason', () => {
    assert.throws(() => parseLastLoginCsv(''), { code: 'host.csv' });
    assert.throws(() => parseLastLoginCsv('who,when\nx,1\n'), (e) => /username/.test(e.reason));
    assert.throws(() => parseLastLoginCsv('username\nx\n'), (e) => /last_login/.test(e.reason));
    assert.throws(() => parseLastLoginCsv('username,last_login\nx,last tuesday\n'), (e) => /line 2/.test(e.reason));
  });

  test('previous_login (login.previousLoginMillis): optional, empty = no login before the last; old files unchanged', () => {
    const m = parseLastLoginCsv('username,last_login,previous_login,created\nann,1762732800000,1751328000000,\nbob,2026-11-10T00:00:00Z,NULL,\nnever,,,\n');
    assert.deepEqual(m.get('ann'), { name: 'ann', lastLogin: '2025-11-10T00:00:00Z', previousLogin: '2025-07-01T00:00:00Z', created: null });
    assert.equal(m.get('bob').previousLogin, null);
    assert.deepEqual(m.get('never'), { name: 'never', lastLogin: null, previousLogin: null, created: null });
    // Aliases as the SQL or a spreadsheet may spell them.
    for (const header of ['login.previousLoginMillis', 'PreviousLoginMillis', 'previous_login_time']) {
      assert.equal(parseLastLoginCsv(`username,last_login,${header}\nann,2026-11-10T00:00:00Z,2026-11-01T00:00:00Z\n`).get('ann').previousLogin, '2026-11-01T00:00:00Z', header);
    }
    // The export before the column: the same map as before, no previousLogin key at all.
    assert.ok(!('previousLogin' in parseLastLoginCsv('username,last_login,created,directory\nann,1762732800000,,\n').get('ann')));
  });

  test('a previous login after the last one, or without one, is refused with the line', () => {
    assert.throws(() => parseLastLoginCsv('username,last_login,previous_login\nok,2026-11-10T00:00:00Z,\nann,2026-11-10T00:00:00Z,2026-11-11T00:00:00Z\n'),
      (e) => e.code === 'host.csv' && /CSV line 3, previous_login: '2026-11-11T00:00:00Z' is after last_login/.test(e.reason));
    assert.throws(() => parseLastLoginCsv('username,last_login,previous_login\nann,,2026-11-01T00:00:00Z\n'), (e) => /line 2, previous_login.*last_login is empty/.test(e.reason));
    assert.throws(() => parseLastLoginCsv('username,created,previous_login\nann,,2026-11-01T00:00:00Z\n'), (e) => /previous_login" column but no "last_login"/.test(e.reason));
  });

  test('previousLoginFor: the export\'s previous login belongs to its own last login only', () => {
    const row = { lastLogin: '2026-11-10T00:00:00Z', previousLogin: '2026-11-01T00:00:00Z' };
    assert.equal(previousLoginFor(row, '2026-11-10T00:00:00Z'), '2026-11-01T00:00:00Z');
    assert.equal(previousLoginFor(row, '2026-11-10T10:00:00+1000'), '2026-11-01T00:00:00Z', 'the same instant in Jira\'s offset');
    assert.equal(previousLoginFor(row, '2026-11-12T00:00:00Z'), undefined, 'REST saw a later login: the one before it is not known');
    assert.equal(previousLoginFor({ lastLogin: null, previousLogin: null }, null), null);
    assert.equal(previousLoginFor({ lastLogin: null, previousLogin: null }, '2026-11-12T00:00:00Z'), undefined);
    assert.equal(previousLoginFor({ lastLogin: '2026-11-10T00:00:00Z' }, '2026-11-10T00:00:00Z'), undefined, 'no column: not known');
    assert.equal(previousLoginFor(undefined, '2026-11-10T00:00:00Z'), undefined);
  });

  test('withLoginExport: a snapshot read over REST, with the export merged (later wins), not changed itself', () => {
    const snap = { capturedAt: '2026-11-20T00:00:00Z', source: { lastLogin: 'rest' }, users: [
      { name: 'Ann', active: true, lastLogin: '2026-11-10T00:00:00Z' },
      { name: 'bob', active: true, lastLogin: '2026-11-15T00:00:00Z', previousLogin: '2026-11-14T00:00:00Z' },
      { name: 'cy', active: true },
      { name: 'dee', active: true, lastLogin: null },
      { name: 'eve', active: true, lastLogin: '2026-11-01T00:00:00Z' },
    ] };
    const before = structuredClone(snap);
    const out = withLoginExport(snap, 'username,last_login,previous_login\nann,2026-11-10T00:00:00Z,2026-10-01T00:00:00Z\nbob,2026-11-12T00:00:00Z,2026-11-11T00:00:00Z\ncy,2026-11-09T00:00:00Z,\ndee,,\n');
    assert.deepEqual(snap, before);
    const by = Object.fromEntries(out.users.map((u) => [u.name, u]));
    assert.deepEqual(by.Ann, { name: 'Ann', active: true, lastLogin: '2026-11-10T00:00:00Z', previousLogin: '2026-10-01T00:00:00Z' });
    assert.deepEqual(by.bob, before.users[1], 'REST is later: its own previous login stays, the export\'s is stale');
    assert.deepEqual(by.cy, { name: 'cy', active: true, lastLogin: '2026-11-09T00:00:00Z', previousLogin: null });
    assert.deepEqual(by.dee, { name: 'dee', active: true, lastLogin: null, previousLogin: null });
    assert.equal(by.eve, snap.users[4], 'not in the export: the same user');
    assert.equal(out.source.lastLogin, 'rest+csv');
    assert.throws(() => withLoginExport(snap, 'username,last_login,previous_login\nann,2026-11-10T00:00:00Z,2026-11-11T00:00:00Z\n'), { code: 'host.csv' });
  });
});

// ---------------------------------------------------------------------------------------------
/** The expected snapshot users for the fake (same rules as the adapter: see the docs). */
function expectedUsers(fj, { lastLogin }) {
  return fj.users.map((u) => {
    const out = { name: u.name, key: u.key, displayName: u.displayName, email: u.email, active: u.active, groups: fj.effective(u) };
    if (lastLogin === 'rest') out.lastLogin = u.lastLoginTime == null ? null : normaliseTime(u.lastLoginTime);
    return out;
  }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

const ROLES = [{ key: 'jira-software', name: 'Jira Software', groups: ['jira-software-users'], defaultGroups: ['jira-software-users'], numberOfSeats: 10, remainingSeats: 7, userCount: 3, hasUnlimitedSeats: false }];

describe('snapshot over the fake (each listing strategy)', () => {
  for (const mode of ['9', '10.0', '10.3', '11']) {
    test(`mode ${mode}: users, effective groups (nested), last logins, roles; no request per user`, async () => {
      const fj = fakeJira({ mode, users: sampleUsers(260), subgroups: { staff: ['team-a'] }, roles: ROLES });
      const progress = [];
      const host = createJiraHost({ baseUrl: 'http://jira', token: fj.token, fetch: fj.fetch, onProgress: (p) => progress.push(p) });
      const info = await host.detect();
      assert.equal(info.mode, mode);
      const snap = await host.snapshot();
      assert.equal(snap.capturedAt, '2026-11-27T10:00:00Z');
      let want = expectedUsers(fj, { lastLogin: mode === '9' ? 'none' : 'rest' });
      if (mode === '10.0') want = want.filter((u) => u.groups.length > 0); // the group walk cannot see users in no group
      assert.deepEqual(snap.users, want);
      assert.deepEqual(snap.applicationRoles, ROLES);
      const perUser = fj.log.filter((r) => r.path === '/rest/api/2/user');
      assert.equal(perUser.length, 0, 'no per-user requests');
      assert.ok(fj.log.length < 80, `requests: ${fj.log.length}`);
      assert.ok(progress.some((p) => p.phase === 'done'));
      assert.ok(fj.log.every((r) => !r.url.toString().includes(fj.token)));
    });
  }

  test('10.0 with findUsersWithoutGroups also finds users in no group', async () => {
    const fj = fakeJira({ mode: '10.0', users: sampleUsers(30), roles: ROLES });
    const host = createJiraHost({ baseUrl: 'http://jira', token: fj.token, fetch: fj.fetch, findUsersWithoutGroups: true });
    const snap = await host.snapshot();
    assert.deepEqual(snap.users, expectedUsers(fj, { lastLogin: 'rest' }));
  });

  test('user/list without inactive users: the group walk adds them', async () => {
    const fj = fakeJira({ mode: '10.3', users: sampleUsers(40), userListInactive: false, roles: ROLES });
    const host = createJiraHost({ baseUrl: 'http://jira', token: fj.token, fetch: fj.fetch });
    const snap = await host.snapshot();
    const want = expectedUsers(fj, { lastLogin: 'rest' }).filter((u) => u.active || u.groups.length);
    assert.deepEqual(snap.users, want);
  });

  test('user/list carrying complete groups: no group walk at all', async () => {
    const fj = fakeJira({ mode: '11', users: sampleUsers(40), userListGroups: true, roles: ROLES });
    const host = createJiraHost({ baseUrl: 'http://jira', token: fj.token, fetch: fj.fetch });
    const snap = await host.snapshot();
    assert.deepEqual(snap.users, expectedUsers(fj, { lastLogin: 'rest' }));
    assert.equal(fj.log.filter((r) => r.path === '/rest/api/2/group/member').length, 0);
  });

  test('a bean without lastLoginTime says "not known" (absent), never "never"', async () => {
    const fj = fakeJira({ mode: '10.3', users: sampleUsers(20), omitNullLastLogin: true, roles: ROLES });
    const snap = await createJiraHost({ baseUrl: 'http://jira', token: fj.token, fetch: fj.fetch }).snapshot();
    const want = expectedUsers(fj, { lastLogin: 'rest' });
    for (const u of want) if (u.lastLogin === null) delete u.lastLogin;
    assert.deepEqual(snap.users, want);
  });

  test('Jira 9 + CSV: last logins, created dates and directories from the export; absent when not in it', async () => {
    const fj = fakeJira({ mode: '9', users: sampleUsers(7), roles: ROLES });
    const csv = 'username,last_login,created,directory\r\nalice,1759306320000,2024-01-31T09:00:00Z,Jira Internal Directory\r\nbob,,2024-02-01T00:00:00Z,"LDAP, read-only"\r\nghost,1,1,x\r\n';
    const snap = await createJiraHost({ baseUrl: 'http://jira', token: fj.token, fetch: fj.fetch }).snapshot({ lastLoginCsv: csv });
    const by = Object.fromEntries(snap.users.map((u) => [u.name, u]));
    assert.equal(by.alice.lastLogin, '2025-10-01T08:12:00Z');
    assert.equal(by.alice.created, '2024-01-31T09:00:00Z');
    assert.equal(by.alice.directory, 'Jira Internal Directory');
    assert.equal(by.Bob.lastLogin, null); // matched case-insensitively; empty = never
    assert.equal(by.Bob.directory, 'LDAP, read-only');
    assert.ok(!('lastLogin' in by.carol) && !('created' in by.carol) && !('directory' in by.carol));
    assert.ok(!by.ghost);
    assert.equal(snap.source.lastLogin, 'csv');
  });

  test('a capped group picker: exclude paging', async () => {
    const fj = fakeJira({ mode: '10.0', users: sampleUsers(120), groups: Array.from({ length: 45 }, (_, i) => `empty-${i}`), pickerLimit: 10, roles: ROLES });
    const snap = await createJiraHost({ baseUrl: 'http://jira', token: fj.token, fetch: fj.fetch }).snapshot();
    assert.deepEqual(snap.users, expectedUsers(fj, { lastLogin: 'rest' }).filter((u) => u.groups.length));
    assert.ok(fj.log.some((r) => r.url.searchParams.getAll('exclude').length > 0));
  });

  test('a capped group picker that ignores exclude: query sharding', async () => {
    const fj = fakeJira({ mode: '10.0', users: sampleUsers(120), pickerLimit: 5, pickerExclude: false, roles: ROLES });
    const snap = await createJiraHost({ baseUrl: 'http://jira', token: fj.token, fetch: fj.fetch }).snapshot();
    assert.deepEqual(snap.users, expectedUsers(fj, { lastLogin: 'rest' }).filter((u) => u.groups.length));
  });

  test('faults: 503s, 429s and dropped connections still give the full snapshot', async () => {
    let k = 0;
    const fault = () => {
      k++;
      if (k % 7 === 0) return new Response('', { status: 503 });
      if (k % 11 === 0) return jsonRes(429, {}, { 'Retry-After': '0' });
      if (k % 13 === 0) throw new TypeError('fetch failed', { cause: { code: 'UND_ERR_SOCKET' } });
      return undefined;
    };
    const fj = fakeJira({ mode: '10.0', users: sampleUsers(200), roles: ROLES, fault });
    const host = createJiraHost({ baseUrl: 'http://jira', token: fj.token, fetch: fj.fetch, ...vclock() });
    const snap = await host.snapshot();
    assert.deepEqual(snap.users, expectedUsers(fj, { lastLogin: 'rest' }).filter((u) => u.groups.length));
    assert.ok(host.stats().retries > 5);
  });
});

// ---------------------------------------------------------------------------------------------
describe('admin check, whoami, mutations', () => {
  test('a non-admin is refused before any user data is read', async () => {
    const fj = fakeJira({ mode: '10.3', users: sampleUsers(10), roles: ROLES });
    const host = createJiraHost({ baseUrl: 'http://jira', token: fj.viewerToken, fetch: fj.fetch });
    await assert.rejects(host.snapshot(), (e) => e instanceof HostError && e.name === 'HostError' && e.code === 'host.notAdmin');
    assert.deepEqual(fj.log.map((r) => r.path), ['/rest/api/2/mypermissions']);
    await assert.rejects(host.assertAdmin(), { code: 'host.notAdmin' });
    assert.deepEqual(await host.whoami(), { name: 'viewer', displayName: 'Viewer', key: 'viewer' });
  });

  test('a bad token is a clear host.unauthorized error', async () => {
    const fj = fakeJira({ users: [] });
    const host = createJiraHost({ baseUrl: 'http://jira', token: 'wrong', fetch: fj.fetch });
    await assert.rejects(host.assertAdmin(), (e) => e.code === 'host.unauthorized' && e.status === 401 && /not authenticated/.test(e.reason));
  });

  test('deactivate / reactivate: PUT with JSON body and the XSRF header', async () => {
    const fj = fakeJira({ mode: '10.3', users: sampleUsers(7) });
    const host = createJiraHost({ baseUrl: 'http://jira', token: fj.token, fetch: fj.fetch });
    assert.deepEqual(await host.deactivate('alice'), { ok: true });
    const put = fj.log.at(-1);
    assert.equal(put.method, 'PUT');
    assert.equal(put.url.searchParams.get('username'), 'alice');
    assert.equal(put.headers['X-Atlassian-Token'], 'no-check');
    assert.equal(put.headers['Content-Type'], 'application/json');
    assert.deepEqual(JSON.parse(put.body), { active: false });
    assert.equal((await host.getUser('alice')).active, false);
    assert.deepEqual(await host.reactivate('alice'), { ok: true });
    assert.equal((await host.getUser('ALICE')).active, true);
    assert.equal(await host.getUser('nobody'), null);
  });

  test('read-only directory, unknown user, XSRF refusal: per-user reasons', async () => {
    const fj = fakeJira({ mode: '10.3', users: sampleUsers(7) });
    const host = createJiraHost({ baseUrl: 'http://jira', token: fj.token, fetch: fj.fetch });
    assert.deepEqual(await host.deactivate('dave'), { ok: false, status: 400, code: 'host.readOnlyDirectory', reason: 'Cannot update user: the user directory is read-only' });
    assert.deepEqual(await host.removeFromGroup('dave', 'team-a'), { ok: false, status: 400, code: 'host.readOnlyDirectory', reason: 'Cannot remove user from group: the user directory is read-only' });
    assert.deepEqual(await host.deactivate('nobody'), { ok: false, status: 404, code: 'host.notFound', reason: "The user named 'nobody' does not exist" });
    // A server refusing the write (e.g. XSRF) is reported, never retried blindly.
    const fj2 = fakeJira({ mode: '10.3', users: sampleUsers(7), fault: ({ method }) => (method === 'PUT' ? new Response('XSRF check failed', { status: 403, headers: { 'content-type': 'text/plain' } }) : undefined) });
    const host2 = createJiraHost({ baseUrl: 'http://jira', token: fj2.token, fetch: fj2.fetch });
    assert.deepEqual(await host2.deactivate('alice'), { ok: false, status: 403, code: 'host.forbidden', reason: 'XSRF check failed', detail: 'host.xsrf' });
  });

  test('removeFromGroup / addToGroup: headers, idempotence after a retry', async () => {
    let dropNextDelete = true;
    // The first DELETE reaches Jira, then the connection drops: the retry gets "not a member".
    const fj = fakeJira({ mode: '10.3', users: sampleUsers(7) });
    const inner = fj.fetch;
    const fetch = async (url, init) => {
      if (init.method === 'DELETE' && dropNextDelete) {
        dropNextDelete = false;
        await inner(url, init);
        throw new TypeError('fetch failed', { cause: { code: 'ECONNRESET' } });
      }
      return inner(url, init);
    };
    const host = createJiraHost({ baseUrl: 'http://jira', token: fj.token, fetch, ...vclock() });
    assert.deepEqual(await host.removeFromGroup('alice', 'staff'), { ok: true, already: true });
    const del = fj.log.find((r) => r.method === 'DELETE');
    assert.equal(del.headers['X-Atlassian-Token'], 'no-check');
    assert.equal(del.body, undefined);
    assert.deepEqual((await host.getUser('alice')).groups, ['jira-software-users']);
    assert.deepEqual(await host.addToGroup('alice', 'staff'), { ok: true });
    const post = fj.log.filter((r) => r.method === 'POST').at(-1);
    assert.equal(post.headers['X-Atlassian-Token'], 'no-check');
    assert.equal(post.headers['Content-Type'], 'application/json');
    assert.deepEqual(JSON.parse(post.body), { name: 'alice' });
    assert.deepEqual(await host.addToGroup('alice', 'staff'), { ok: true, already: true });
    const gone = await host.removeFromGroup('alice', 'no-such-group');
    assert.equal(gone.ok, false);
    assert.equal(gone.code, 'host.notFound');
    assert.equal(gone.reason, "Group 'no-such-group' does not exist.");
  });

  test('network failures become host.network with a readable reason', async () => {
    const host = createJiraHost({ baseUrl: 'http://jira', token: 'x', ...vclock(), retries: 1, fetch: async () => { throw new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } }); } });
    const r = await host.deactivate('alice');
    assert.equal(r.ok, false);
    assert.equal(r.code, 'host.network');
    assert.match(r.reason, /ECONNREFUSED/);
    assert.equal(host.stats().requests, 2);
  });
});

// ---------------------------------------------------------------------------------------------
// Against the sandbox Jira (plugin-shim/src/sandbox/index.mjs).
const SANDBOX = fileURLToPath(new URL('../../plugin-shim/src/sandbox/index.mjs', import.meta.url));

/** Contract fields only, sorted, times as instants: what "equal" means across the two. */
function canonical(snap) {
  const t = (v) => (v == null ? v : new Date(parseJiraTime(v)).toISOString());
  return {
    users: [...snap.users].map((u) => {
      const o = { name: u.name, displayName: u.displayName ?? u.name, email: u.email ?? '', active: u.active, groups: [...(u.groups || [])].map((g) => g.toLowerCase()).sort() };
      if (u.key != null) o.key = u.key;
      if ('lastLogin' in u) o.lastLogin = t(u.lastLogin);
      if ('created' in u) o.created = t(u.created);
      if ('directory' in u) o.directory = u.directory;
      return o;
    }).sort((a, b) => (a.name.toLowerCase() < b.name.toLowerCase() ? -1 : 1)),
    applicationRoles: (snap.applicationRoles || []).map((r) => ({ key: r.key, name: r.name, groups: [...r.groups].sort(), numberOfSeats: r.numberOfSeats, userCount: r.userCount, hasUnlimitedSeats: r.hasUnlimitedSeats })).sort((a, b) => (a.key < b.key ? -1 : 1)),
  };
}

describe('against the sandbox Jira', () => {
  for (const jira of ['9', '10.0', '10.3', '11']) {
    test(`jira ${jira}: snapshot equals the sandbox ground truth; no per-user requests`, async () => {
      const { startSandbox } = await import(SANDBOX);
      const sb = await startSandbox({ port: 0, jira, sample: true, seed: 1 });
      try {
        const host = createJiraHost({ baseUrl: sb.url, token: sb.token });
        const info = await host.detect();
        assert.equal(info.mode, jira);
        const before = sb.requests.length;
        const snap = await host.snapshot();
        const truth = sb.state.snapshotTruth();
        const got = canonical(snap);
        const want = canonical(truth);
        if (jira === '9') for (const u of want.users) delete u.lastLogin; // not over REST on 9.x
        for (const u of want.users) { delete u.created; delete u.directory; } // not over REST at all
        assert.equal(got.users.length, want.users.length);
        assert.deepEqual(got.users, want.users);
        assert.deepEqual(got.applicationRoles, want.applicationRoles);
        const reqs = sb.requests.slice(before);
        const perUser = reqs.filter((r) => /\/rest\/api\/2\/user(\?|$)/.test(r.url ?? r.path ?? ''));
        assert.equal(perUser.length, 0, 'no per-user requests while listing');
        assert.ok(reqs.length < want.users.length / 5, `${reqs.length} requests for ${want.users.length} users`);
      } finally {
        await sb.close();
      }
    });
  }
});

describe('against the sandbox Jira: variants, admin check, mutations, faults', () => {
  const start = async (o) => (await import(SANDBOX)).startSandbox({ port: 0, seed: 1, ...o });
  const isUserData = (p) => /\/rest\/api\/2\/(user|users|group|groups|applicationrole)(\/|\?|$)/.test(p);

  test('a non-admin token is refused before any user data is requested (request log)', async () => {
    const sb = await start({ jira: '10.3', sample: true });
    try {
      const before = sb.requests.length;
      const host = createJiraHost({ baseUrl: sb.url, token: sb.viewerToken });
      await assert.rejects(host.snapshot(), (e) => e instanceof HostError && e.code === 'host.notAdmin');
      const reqs = sb.requests.slice(before);
      assert.ok(reqs.length >= 1 && reqs.every((r) => !isUserData(r.path)), JSON.stringify(reqs.map((r) => r.path)));
      assert.ok(reqs[0].path.startsWith('/rest/api/2/mypermissions'));
    } finally { await sb.close(); }
  });

  for (const jira of ['9', '10.0', '10.3', '11']) {
    test(`jira ${jira}, 2,500 generated users: equal to the truth in about N/2000 + group pages`, async () => {
      const sb = await start({ jira, users: 2500, seed: 7 });
      try {
        const host = createJiraHost({ baseUrl: sb.url, token: sb.token });
        const snap = await host.snapshot();
        const want = canonical(sb.state.snapshotTruth());
        for (const u of want.users) { delete u.created; delete u.directory; }
        const got = canonical(snap);
        if (jira === '10.0') {
          // The group walk cannot see users in no group (they hold no licence); see the docs.
          want.users = want.users.filter((u) => u.groups.length);
        }
        assert.deepEqual(got.users, want.users);
        assert.deepEqual(got.applicationRoles, want.applicationRoles);
        const s = host.stats();
        assert.equal(s.byEndpoint['GET /rest/api/2/user'] ?? 0, 0);
        assert.ok(s.requests < 2500 / 4, `${s.requests} requests`);
      } finally { await sb.close(); }
    });
  }

  test('jira 10.0 with findUsersWithoutGroups: users in no group too', async () => {
    const sb = await start({ jira: '10.0', users: 600, seed: 3 });
    try {
      const snap = await createJiraHost({ baseUrl: sb.url, token: sb.token, findUsersWithoutGroups: true }).snapshot();
      const want = canonical(sb.state.snapshotTruth());
      for (const u of want.users) { delete u.created; delete u.directory; }
      assert.deepEqual(canonical(snap).users, want.users);
    } finally { await sb.close(); }
  });

  test('user/list without inactive users, never-logins omitted, context path: still the truth', async () => {
    const sb = await start({ jira: '10.3', sample: true, userListIncludesInactive: false, neverLoginAs: 'omit', contextPath: '/jira' });
    try {
      assert.match(sb.url, /\/jira\/?$/);
      const snap = await createJiraHost({ baseUrl: sb.url, token: sb.token }).snapshot();
      const want = canonical(sb.state.snapshotTruth());
      for (const u of want.users) { delete u.created; delete u.directory; }
      assert.deepEqual(canonical(snap).users, want.users);
    } finally { await sb.close(); }
  });

  test('listing endpoints without lastLoginTime: last login "not known" for everyone (never guessed)', async () => {
    const sb = await start({ jira: '10.3', sample: true, lastLoginIn: ['user'] });
    try {
      const snap = await createJiraHost({ baseUrl: sb.url, token: sb.token }).snapshot();
      assert.ok(snap.users.every((u) => !('lastLogin' in u)));
      assert.equal(snap.source.lastLogin, 'none');
    } finally { await sb.close(); }
  });

  test('jira 9 + the SQL export as CSV: last logins, created dates and directories equal the truth', async () => {
    const full = await start({ jira: '10.3', sample: true });
    let truth;
    try { truth = full.state.snapshotTruth(); } finally { await full.close(); }
    // What the SQL in docs/last-login-export.md produces: epoch millis, empty = never.
    const q = (s) => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
    const lines = ['username,last_login,created,directory'];
    for (const u of truth.users) {
      if (!('lastLogin' in u)) continue; // not in the export: stays "not known"
      lines.push([q(u.name), u.lastLogin == null ? '' : String(parseJiraTime(u.lastLogin)), u.created ?? '', q(u.directory ?? '')].join(','));
    }
    const csv = lines.join('\r\n') + '\r\n';
    const sb = await start({ jira: '9', sample: true });
    try {
      const snap = await createJiraHost({ baseUrl: sb.url, token: sb.token }).snapshot({ lastLoginCsv: csv });
      const want = canonical(truth);
      for (const u of want.users) if (!('lastLogin' in u)) { delete u.created; delete u.directory; }
      assert.deepEqual(canonical(snap).users, want.users);
      assert.equal(snap.source.lastLogin, 'csv');
    } finally { await sb.close(); }
  });

  test('the export with previous_login from the sandbox\'s logins: REST + CSV give each user the login before the last, unless REST saw a later one', async () => {
    const sb = await start({ jira: '10.3', sample: true });
    try {
      const names = [...sb.state.users.values()].filter((u) => u.active && typeof u.lastLogin === 'number').map((u) => u.name).slice(0, 3);
      assert.equal(names.length, 3);
      const [once, twice, later] = names;
      const seeded = (n) => sb.state.users.get(n.toLowerCase()).lastLogin;
      const firstOf = { [once]: seeded(once), [twice]: seeded(twice) };
      sb.state.recordLogin(once);
      sb.state.recordLogin(twice);
      const secondLogin = sb.state.users.get(twice.toLowerCase()).lastLogin;
      sb.state.recordLogin(twice);
      const csv = sb.state.loginExportCsv();
      assert.match(csv, /^username,last_login,previous_login,created,directory\r\n/);
      sb.state.recordLogin(later); // after the export: REST knows a later login than the CSV
      const snap = await createJiraHost({ baseUrl: sb.url, token: sb.token }).snapshot({ lastLoginCsv: csv });
      assert.equal(snap.source.lastLogin, 'rest+csv');
      const by = new Map(snap.users.map((u) => [u.name, u]));
      assert.equal(parseJiraTime(by.get(once).previousLogin), firstOf[once]);
      assert.equal(parseJiraTime(by.get(twice).previousLogin), secondLogin);
      assert.ok(!('previousLogin' in by.get(later)), 'logged in after the export: the login before the last is not known');
      // REST's lastLoginTime has whole seconds.
      assert.equal(parseJiraTime(by.get(later).lastLogin), Math.floor(sb.state.users.get(later.toLowerCase()).lastLogin / 1000) * 1000);
      // Users who never logged in a second time: no earlier login (null), as the SQL's NULL says.
      const others = snap.users.filter((u) => ![once, twice, later].includes(u.name) && u.lastLogin);
      assert.ok(others.length > 0 && others.every((u) => u.previousLogin === null));
      // The engine takes the merged snapshot.
      const { validate } = await import('../../plugin-shim/src/engine.mjs');
      assert.equal(validate('{"version":1,"rules":[]}', snap).type, 'success');
      // The export without the column (older SQL): no previousLogin anywhere.
      const old = await createJiraHost({ baseUrl: sb.url, token: sb.token }).snapshot({ lastLoginCsv: sb.state.loginExportCsv({ previousLogin: false }) });
      assert.ok(old.users.every((u) => !('previousLogin' in u)));
    } finally { await sb.close(); }
  });

  test('rate limiting and 5% injected faults (500/502/503, slow, dropped): still the truth', async () => {
    // A bucket of 30 refilled with 100 each second: the snapshot meets many 429s and waits them out.
    const sb = await start({ jira: '10.0', sample: true, rateLimit: { capacity: 30, fillRate: 100, intervalSeconds: 1 }, faults: 0.05, slowMs: 300 });
    try {
      const host = createJiraHost({ baseUrl: sb.url, token: sb.token, retries: 6, retryBaseMs: 20, timeoutMs: 5000 });
      const snap = await host.snapshot();
      const want = canonical(sb.state.snapshotTruth());
      for (const u of want.users) { delete u.created; delete u.directory; }
      assert.deepEqual(canonical(snap).users, want.users);
      const s = host.stats();
      assert.ok(s.retries > 0, 'faults were met and retried');
      assert.ok(s.rateLimited > 0, 'the rate limiter answered 429');
      assert.equal(s.failures, 0);
    } finally { await sb.close(); }
  });

  test('mutations: XSRF header sent (the sandbox refuses writes without it), state changes, per-user reasons', async () => {
    const sb = await start({ jira: '10.3', sample: true, xsrf: 'strict' });
    try {
      const truth = sb.state.snapshotTruth();
      const writable = truth.users.find((u) => u.active && u.groups.length && !/read[- ]?only/i.test(u.directory ?? '') && u.name !== 'admin');
      const readOnly = truth.users.find((u) => u.active && /read[- ]?only/i.test(u.directory ?? ''));
      assert.ok(writable && readOnly);
      // The sandbox refuses a write without the header ...
      const raw = await fetch(`${sb.url.replace(/\/$/, '')}/rest/api/2/group/user?groupname=${encodeURIComponent(writable.groups[0])}&username=${encodeURIComponent(writable.name)}`, { method: 'DELETE', headers: { Authorization: `Bearer ${sb.token}` } });
      assert.equal(raw.status, 403);
      // ... and the adapter's writes pass.
      const host = createJiraHost({ baseUrl: sb.url, token: sb.token });
      assert.deepEqual(await host.deactivate(writable.name), { ok: true });
      assert.equal((await host.getUser(writable.name)).active, false);
      assert.deepEqual(await host.reactivate(writable.name), { ok: true });
      const g = writable.groups[0];
      assert.deepEqual(await host.removeFromGroup(writable.name, g), { ok: true });
      assert.ok(!(await host.getUser(writable.name)).groups.some((x) => x.toLowerCase() === g.toLowerCase()));
      assert.deepEqual(await host.addToGroup(writable.name, g), { ok: true });
      const after = sb.state.snapshotTruth().users.find((u) => u.name === writable.name);
      assert.equal(after.active, true);
      assert.deepEqual([...after.groups].sort(), [...writable.groups].sort());

      const ro = await host.deactivate(readOnly.name);
      assert.equal(ro.ok, false);
      assert.equal(ro.code, 'host.readOnlyDirectory');
      assert.equal(ro.status, 400);
      assert.match(ro.reason, /read-only/);
      const roG = await host.removeFromGroup(readOnly.name, readOnly.groups[0]);
      assert.equal(roG.code, 'host.readOnlyDirectory');
      const nf = await host.deactivate('no-such-user-xyz');
      assert.equal(nf.code, 'host.notFound');
      assert.ok(nf.reason.length > 0);
      assert.equal(await host.getUser('no-such-user-xyz'), null);
    } finally { await sb.close(); }
  });

  test('getUser: key, groups, active, and the last login where the version reports it (absent on 9: not known)', async () => {
    for (const jira of ['9', '10.3']) {
      const sb = await start({ jira, sample: true });
      try {
        const host = createJiraHost({ baseUrl: sb.url, token: sb.token });
        const truth = sb.state.snapshotTruth().users;
        // On 9 the truth has no last logins either (the mode does not report them).
        const withLogin = truth.find((u) => (jira === '9' || typeof u.lastLogin === 'string') && u.groups.length);
        const got = await host.getUser(withLogin.name.toUpperCase());
        assert.equal(got.name, withLogin.name);
        assert.equal(got.key, withLogin.key);
        assert.equal(got.active, withLogin.active);
        assert.deepEqual([...got.groups].sort(), [...withLogin.groups].sort());
        if (jira === '9') assert.ok(!('lastLogin' in got), 'Jira 9 reports no last login over REST');
        else assert.equal(got.lastLogin, normaliseTime(withLogin.lastLogin));
        sb.state.recordLogin(withLogin.name);
        const after = await host.getUser(withLogin.name);
        if (jira !== '9') assert.ok(Date.parse(after.lastLogin) > Date.parse(got.lastLogin), 'a login shows at once');
        assert.equal(await host.getUser('no-such-user-here'), null);
        assert.ok(!('directory' in got) && !('created' in got), 'not in Jira\'s user bean');
      } finally { await sb.close(); }
    }
  });

  test('whoami and detect', async () => {
    const sb = await start({ jira: '11', sample: true });
    try {
      const host = createJiraHost({ baseUrl: sb.url, token: sb.token });
      const me = await host.whoami();
      assert.equal(me.name, 'admin');
      const d = await host.detect();
      assert.equal(d.mode, '11');
      assert.deepEqual(d.capabilities, { userList: true, userSearchCap: 100, lastLoginTime: true });
      await host.assertAdmin();
    } finally { await sb.close(); }
  });
});

describe('against the sandbox Jira: mutations under faults', () => {
  test('30% faults, some committed before the failure: every mutation ends ok, state as intended, no duplicate', async () => {
    const { startSandbox } = await import(SANDBOX);
    const sb = await startSandbox({ port: 0, jira: '10.3', sample: true, seed: 5, faults: 0.3, faultsAfterCommit: true, slowMs: 200 });
    try {
      const host = createJiraHost({ baseUrl: sb.url, token: sb.token, retries: 8, retryBaseMs: 5, timeoutMs: 2000 });
      const truth = sb.state.snapshotTruth();
      const targets = truth.users.filter((u) => u.active && u.groups.length > 1 && !/read[- ]?only/i.test(u.directory ?? '') && u.name !== 'admin').slice(0, 25);
      assert.equal(targets.length, 25);
      const results = await Promise.all(targets.map(async (u) => {
        const a = await host.deactivate(u.name);
        const b = await host.removeFromGroup(u.name, u.groups[0]);
        const c = await host.addToGroup(u.name, u.groups[0]);
        const d = await host.removeFromGroup(u.name, u.groups[1]);
        return [a, b, c, d];
      }));
      for (const r of results.flat()) assert.equal(r.ok, true, JSON.stringify(r));
      const after = new Map(sb.state.snapshotTruth().users.map((u) => [u.name, u]));
      for (const u of targets) {
        const a = after.get(u.name);
        assert.equal(a.active, false);
        assert.deepEqual([...a.groups].sort(), u.groups.filter((g) => g !== u.groups[1]).sort());
      }
      assert.ok(host.stats().retries > 0);
    } finally { await sb.close(); }
  });
});
