// Scoped snapshots: the host reads the members of exactly the groups the engine's policyGroups
// names (never one outside it), for every Jira mode the sandbox imitates; the plan over the scoped
// snapshot is the plan over the full one; the remaining groups read later complete it. Also the
// adaptive in-flight limit of the HTTP layer.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startSandbox } from '../../plugin-shim/src/sandbox/index.mjs';
import { createJiraHost } from '../../plugin-shim/src/host/index.mjs';
import { createHttp, createAdaptiveLimit, createLimiter } from '../../plugin-shim/src/host/http.mjs';
import { chooseGroups, mergeMemberships } from '../../plugin-shim/src/host/scope.mjs';
import * as engine from '../../plugin-shim/src/engine.mjs';

const POLICY = readFileSync(new URL('../../samples/policy.json', import.meta.url), 'utf8');
const lc = (s) => s.toLowerCase();
const sorted = (xs) => [...xs].map(lc).sort();

/** A fetch that records the groupname of every group/member request. */
function recording() {
  const walked = new Set();
  const fetch = (url, init) => {
    const u = new URL(url);
    if (u.pathname.endsWith('/rest/api/2/group/member')) walked.add(u.searchParams.get('groupname'));
    return globalThis.fetch(url, init);
  };
  return { walked, fetch };
}

/** The engine's answer over the sandbox's own group names and roles (what the host should walk). */
function engineAnswer(sb) {
  const truth = sb.state.snapshotTruth();
  const names = new Map();
  for (const u of truth.users) for (const g of u.groups) names.set(lc(g), g);
  for (const r of truth.applicationRoles) for (const g of r.groups) names.set(lc(g), g);
  const r = engine.policyGroups(POLICY, { groups: [...names.values()], applicationRoles: truth.applicationRoles.map((x) => ({ key: x.key, groups: x.groups })) });
  assert.equal(r.type, 'success');
  return { groups: r.value.groups, all: [...names.values()] };
}

const plan = (snap) => {
  const r = JSON.parse(engine.planJson(POLICY, JSON.stringify(snap), JSON.stringify({ asOf: snap.capturedAt })));
  assert.equal(r.type, 'success', JSON.stringify(r.errors));
  return r.value;
};

describe('scoped snapshot per Jira mode', () => {
  for (const jira of ['9', '10.0', '10.3', '11']) {
    test(`Jira ${jira}: groups walked = the engine's policyGroups answer; plan equal to the full snapshot's`, async () => {
      const sb = await startSandbox({ port: 0, jira, sample: true, seed: 1 });
      try {
        const want = engineAnswer(sb);
        assert.ok(want.groups.length > 0 && want.groups.length < want.all.length, 'the sample policy needs some groups, not all');
        const rec = recording();
        const host = createJiraHost({ baseUrl: sb.url, token: sb.token, fetch: rec.fetch });
        const scoped = await host.snapshot({ scope: { policy: POLICY, engine } });
        const fullRec = recording();
        const fullHost = createJiraHost({ baseUrl: sb.url, token: sb.token, fetch: fullRec.fetch });
        const full = await fullHost.snapshot();
        assert.equal(full.completeGroups, undefined, 'a full snapshot has no completeGroups');
        if (jira === '10.0') {
          // Users are listed only through their groups here: every group is read, and the snapshot says it is full.
          assert.deepEqual(sorted(rec.walked), sorted(fullRec.walked));
          assert.equal(scoped.completeGroups, undefined);
          assert.equal(scoped.source.scope, undefined);
        } else {
          assert.deepEqual(sorted(rec.walked), sorted(want.groups), 'exactly the engine\u2019s groups are walked');
          for (const g of rec.walked) assert.ok(want.groups.some((x) => lc(x) === lc(g)), `${g} is outside the engine's answer`);
          assert.deepEqual(sorted(scoped.completeGroups), sorted(want.groups));
          assert.equal(scoped.source.scope.groupsRead, want.groups.length);
          assert.deepEqual(sorted([...scoped.source.groupsNotRead, ...scoped.completeGroups]), sorted(want.all));
          assert.ok(host.stats().requests < fullHost.stats().requests, 'fewer requests than the full walk');
        }
        assert.equal(scoped.users.length, full.users.length, 'every user is in the scoped snapshot');
        const a = plan(scoped);
        const b = plan(full);
        assert.deepEqual(a.actions, b.actions);
        assert.deepEqual(a.counts, b.counts);
        assert.deepEqual(a.licence, b.licence);

        if (jira === '10.3') {
          // The rest, read later on its own lane, makes the full snapshot's memberships.
          const progress = [];
          const r = await host.readGroups(scoped.source.groupsNotRead, { onProgress: (p) => progress.push(p) });
          assert.equal(r.read.size, scoped.source.groupsNotRead.length);
          assert.ok(progress.length === scoped.source.groupsNotRead.length && progress.at(-1).done === progress.at(-1).total);
          const { snapshot: merged, unknownMembers } = mergeMemberships(scoped, r.read, { allRead: true });
          assert.equal(unknownMembers, 0);
          assert.equal(merged.completeGroups, undefined);
          const groupsOf = (s) => Object.fromEntries(s.users.map((u) => [u.name, sorted(u.groups)]));
          assert.deepEqual(groupsOf(merged), groupsOf(full));
          const opts = { asOf: full.capturedAt };
          assert.deepEqual(engine.dashboard(POLICY, JSON.stringify(merged), opts).value.groups, engine.dashboard(POLICY, JSON.stringify(full), opts).value.groups);
        }
      } finally {
        await sb.close();
      }
    });
  }

  test('an invalid policy: the scoped read refuses with a clear error, before any member is read', async () => {
    const sb = await startSandbox({ port: 0, jira: '10.3', sample: true, seed: 1 });
    try {
      const rec = recording();
      const host = createJiraHost({ baseUrl: sb.url, token: sb.token, fetch: rec.fetch });
      await assert.rejects(host.snapshot({ scope: { policy: '{"rules": 3}', engine } }), (e) => e.code === 'host.scope' && /policy/.test(e.reason));
      assert.equal(rec.walked.size, 0);
    } finally {
      await sb.close();
    }
  });
});

describe('chooseGroups and mergeMemberships', () => {
  test('the walk is the engine\u2019s answer; a role group the picker missed is read too', async () => {
    const r = await chooseGroups({ policy: POLICY, engine }, ['contractors', 'office-oslo', 'team-x', 'keep-forever'], [{ key: 'jira-software', groups: ['jira-software-users'] }]);
    assert.deepEqual(sorted(r.walk), sorted(['contractors', 'office-oslo', 'keep-forever', 'jira-software-users']));
    assert.deepEqual(r.notRead, ['team-x']);
    const all = await chooseGroups(null, ['a', 'b'], []);
    assert.deepEqual(all, { walk: ['a', 'b'], notRead: [], scoped: false });
  });

  test('merging adds groups case-insensitively once, keeps completeGroups until all is read, counts strangers', () => {
    const snap = { capturedAt: 'x', completeGroups: ['g1'], users: [{ name: 'Ann', groups: ['g1'] }, { name: 'bob', groups: [] }] };
    const { snapshot, unknownMembers } = mergeMemberships(snap, [['G2', ['ann', 'BOB', 'carl']], ['g1', ['ann']]]);
    assert.deepEqual(snapshot.users.map((u) => u.groups), [['G2', 'g1'], ['G2']]);
    assert.deepEqual(snapshot.completeGroups, ['g1', 'G2']);
    assert.equal(unknownMembers, 1);
    assert.deepEqual(snap.users[0].groups, ['g1'], 'the original is not changed');
  });
});

describe('adaptive in-flight limit', () => {
  test('rises while requests wait and answers stay fast, up to the cap', async () => {
    let inFlight = 0;
    let peak = 0;
    const fetch = async () => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 2));
      inFlight--;
      return new Response('{}', { status: 200, headers: { 'content-type': 'application/json' } });
    };
    const http = createHttp({ baseUrl: 'http://jira', fetch, maxConcurrency: 12 });
    await Promise.all(Array.from({ length: 600 }, (_, i) => http.getJson(`/x${i}`)));
    const c = http.stats().concurrency;
    assert.equal(c.start, 4);
    assert.ok(c.settled > 4 && c.settled <= 12, JSON.stringify(c));
    assert.ok(peak <= 12 && peak > 4, `peak ${peak}`);
  });

  test('halves on 429 with Retry-After and never exceeds an explicit concurrency', async () => {
    let n = 0;
    let inFlight = 0;
    let peak = 0;
    const fetch = async () => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 1));
      inFlight--;
      n++;
      if (n % 25 === 0) return new Response('{}', { status: 429, headers: { 'retry-after': '0', 'content-type': 'application/json' } });
      return new Response('{}', { status: 200, headers: { 'content-type': 'application/json' } });
    };
    const http = createHttp({ baseUrl: 'http://jira', fetch, concurrency: 8 });
    await Promise.all(Array.from({ length: 200 }, (_, i) => http.getJson(`/y${i}`)));
    const c = http.stats().concurrency;
    assert.ok(c.lowered >= 1 && c.throttled >= 1 && c.low <= 4, JSON.stringify(c));
    assert.ok(peak <= 8);
  });

  test('bulk work (a group walk) waits behind a sequential chain queued after it', async () => {
    const lim = createLimiter(1);
    const order = [];
    let open;
    const first = lim.run(() => new Promise((r) => { open = r; }));
    const bulk = [1, 2, 3].map((i) => lim.run(async () => { order.push(`bulk${i}`); }, { low: true }));
    const chain = lim.run(async () => { order.push('chain'); });
    assert.equal(lim.pending, 4);
    await new Promise((r) => setImmediate(r)); // the first task has started
    open();
    await Promise.all([first, chain, ...bulk]);
    assert.deepEqual(order, ['chain', 'bulk1', 'bulk2', 'bulk3']);
  });

  test('latency growth lowers the limit; without waiting requests it does not rise', () => {
    const changes = [];
    const a = createAdaptiveLimit({ start: 8, cap: 16, onChange: (n, why) => changes.push([n, why]) });
    for (let i = 0; i < 8; i++) a.observe({ ms: 10, queued: true });
    assert.equal(a.limit, 9);
    for (let i = 0; i < 9; i++) a.observe({ ms: 60, queued: true });
    assert.equal(a.limit, 8);
    assert.deepEqual(changes.map((c) => c[1]), ['demand', 'latency']);
    // Slower answers alone never take it below where it started (only 429 / Retry-After do).
    for (let i = 0; i < 40; i++) a.observe({ ms: 500, queued: false });
    assert.equal(a.limit, 8);
    const b = createAdaptiveLimit({ start: 4, cap: 16 });
    for (let i = 0; i < 100; i++) b.observe({ ms: 5, queued: false });
    assert.equal(b.limit, 4);
    assert.equal(b.stats().settled, 4);
  });
});

describe('group/member paging: asks for more, follows what the server answers', () => {
  /** Every group's members as the sandbox holds them, and the pages a walk in pages of `size` needs. */
  const truthOf = (sb) => {
    const members = new Map();
    for (const u of sb.state.snapshotTruth().users) for (const g of u.groups) members.set(lc(g), (members.get(lc(g)) ?? 0) + 1);
    return members;
  };
  const pagesFor = (members, size) => [...members.values()].reduce((s, n) => s + Math.max(1, Math.ceil(n / size)), 0);
  const memberships = (snap) => snap.users.map((u) => `${lc(u.name)}:${sorted(u.groups).join(',')}`).sort();
  /** A fetch whose group/member answers pass through `edit(url, status, body)` (→ [status, body]). */
  const editing = (edit, log) => async (url, init) => {
    const u = new URL(url);
    if (!u.pathname.endsWith('/rest/api/2/group/member')) return globalThis.fetch(url, init);
    log?.push(Number(u.searchParams.get('maxResults')));
    const r = await globalThis.fetch(url, init);
    const [status, body] = edit(u, r.status, await r.json());
    return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  };
  const read = async (opts, host) => {
    const sb = await startSandbox({ port: 0, jira: '10.0', users: 1500, seed: 3, ...opts });
    try {
      const from = sb.requests.length;
      const snap = await createJiraHost({ baseUrl: sb.url, token: sb.token, ...host }).snapshot({ leads: false });
      const pages = sb.requests.slice(from).filter((r) => r.path.startsWith('/rest/api/2/group/member'));
      return { snap, pages, members: truthOf(sb), truth: sb.state.snapshotTruth() };
    } finally {
      await sb.close();
    }
  };

  test('the sandbox cuts pages to 50 (as Jira is said to): 1000 is asked, pages of 50 are read, every membership is there', async () => {
    const r = await read({});
    assert.ok([...r.members.values()].some((n) => n > 1000), 'a group larger than one page of 1000');
    assert.deepEqual(memberships(r.snap), memberships(r.truth));
    assert.equal(r.pages.length, pagesFor(r.members, 50));
    assert.equal(r.snap.source.groupPageSize, 50);
  });

  test('a Jira that serves 1000 a page: the same memberships in ⌈members/1000⌉ pages per group', async () => {
    const r = await read({ groupMemberMax: 1000 });
    assert.deepEqual(memberships(r.snap), memberships(r.truth));
    assert.equal(r.pages.length, pagesFor(r.members, 1000));
    assert.ok(r.pages.length < pagesFor(r.members, 50), `${r.pages.length} pages`);
    assert.equal(r.snap.source.groupPageSize, 1000);
  });

  test('a Jira that refuses more than 50 (400): asked again in pages of 50, and every later group too', async () => {
    const log = [];
    const refuse = editing((u, status, body) => (Number(u.searchParams.get('maxResults')) > 50 ? [400, { errorMessages: ['maxResults too large'], errors: {} }] : [status, body]), log);
    const r = await read({}, { fetch: refuse });
    assert.deepEqual(memberships(r.snap), memberships(r.truth));
    assert.equal(log.filter((n) => n > 50).length, 1, 'refused once, then 50 for every group');
    assert.equal(r.snap.source.groupPageSize, 50);
  });

  test('a Jira that answers neither total, isLast nor maxResults and cuts pages silently: every membership, one empty page more per group at most', async () => {
    const bare = editing((u, status, body) => [status, { values: body.values }]);
    const r = await read({}, { fetch: bare });
    assert.deepEqual(memberships(r.snap), memberships(r.truth));
    const groups = r.members.size;
    assert.ok(r.pages.length <= pagesFor(r.members, 50) + groups, `${r.pages.length} pages`);
  });

  test('a Jira that says maxResults but no total or isLast: a short page ends the group (no extra request)', async () => {
    const noTotal = editing((u, status, body) => [status, { maxResults: body.maxResults, values: body.values }]);
    const r = await read({}, { fetch: noTotal });
    assert.deepEqual(memberships(r.snap), memberships(r.truth));
    // Groups of an exact multiple of 50 members need one empty page to be sure.
    const exact = [...r.members.values()].filter((n) => n % 50 === 0).length;
    assert.equal(r.pages.length, pagesFor(r.members, 50) + exact);
  });
});
