// Impact before action (issue 11), host adapter against the sandbox Jira: project and component
// leads, unresolved issues assigned (batched JQL, request count), JQL injection, creation dates
// from the audit log (inside the window: the event's date; outside: the window's start as an
// upper bound), the refusal to deactivate a project lead, and changing a project's lead.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSandbox } from '../../plugin-shim/src/sandbox/index.mjs';
import { parseJql } from '../../plugin-shim/src/sandbox/jql.mjs';
import { parseInstant } from '../../plugin-shim/src/sandbox/time.mjs';
import { createJiraHost, openAssignedJql, jqlString } from '../../plugin-shim/src/host/index.mjs';

const DAY = 86_400_000;
const NOW = Date.parse('2026-11-27T10:00:00Z'); // the sample's capturedAt
const lc = (s) => String(s).toLowerCase();
const searches = (sb, from) => sb.requests.slice(from).filter((r) => r.path.startsWith('/rest/api/2/search')).length;

for (const jira of ['10.3', '9']) {
  describe(`jira ${jira}: leads and open assigned issues`, () => {
    let sb, host;
    before(async () => {
      sb = await startSandbox({ jira, users: 700, seed: 11, now: () => NOW });
      host = createJiraHost({ baseUrl: sb.url, token: sb.token });
    });
    after(() => sb.close());

    test('project and component leads equal the sandbox\u2019s; the snapshot\u2019s leads too', async () => {
      const projects = await host.projectLeads();
      assert.deepEqual(projects.map((p) => [p.key, p.name, p.lead]), sb.state.projects.list.map((p) => [p.key, p.name, p.lead.name]));
      assert.ok(projects.length >= 5);
      const components = await host.componentLeads();
      const want = sb.state.projects.list.flatMap((p) => p.components.map((c) => [p.key, c.name, c.lead?.name ?? null]));
      assert.deepEqual(components.map((c) => [c.project, c.name, c.lead]), want);
      assert.ok(components.some((c) => c.lead === null) && components.some((c) => c.lead !== null));
      const snap = await host.snapshot();
      const truth = new Map(sb.state.snapshotTruth({ includeWork: true }).users.map((u) => [lc(u.name), u]));
      let leaders = 0;
      for (const u of snap.users) {
        assert.deepEqual(u.leads, truth.get(lc(u.name)).leads, u.name);
        if (u.leads) leaders++;
        assert.equal('openAssigned' in u, false, 'not counted unless asked for');
      }
      assert.ok(leaders >= projects.length / 2);
      assert.deepEqual(snap.source.leads, { projects: projects.length, components: components.length });
      // Project leads only: one request, no component lists.
      const from = sb.requests.length;
      const only = await host.snapshot({ leads: 'projects' });
      assert.equal(sb.requests.slice(from).filter((r) => /\/rest\/api\/2\/project/.test(r.path)).length, 1);
      for (const u of only.users) {
        const t = truth.get(lc(u.name)).leads;
        assert.deepEqual(u.leads?.projects, t?.projects.length ? t.projects : undefined, u.name);
      }
    });

    test('open assigned counts equal the sandbox\u2019s for 350 users with at most \u2308350/50\u2309 = 7 searches', async () => {
      const names = sb.state.sortedUsers().slice(100, 450).map((u) => u.name);
      assert.ok(names.some((n) => !sb.state.user(n).active), 'inactive users are counted too');
      const from = sb.requests.length;
      const counts = await host.openAssignedCounts(names);
      assert.ok(searches(sb, from) <= Math.ceil(names.length / 50), `${searches(sb, from)} searches`);
      assert.equal(counts.size, names.length);
      let total = 0;
      for (const n of names) {
        assert.equal(counts.get(n), sb.state.projects.openAssigned(n), n);
        total += counts.get(n);
      }
      assert.ok(total > 100, `${total} open issues: the test counts something`);
      // The same through the snapshot, for the users a first plan selected.
      const before2 = sb.requests.length;
      const snap = await host.snapshot({ openAssigned: names.slice(0, 120) });
      assert.ok(searches(sb, before2) <= 3);
      const asked = new Set(names.slice(0, 120).map(lc));
      for (const u of snap.users) {
        if (asked.has(lc(u.name))) assert.equal(u.openAssigned, sb.state.projects.openAssigned(u.name), u.name);
        else assert.equal('openAssigned' in u, false);
      }
      assert.equal(snap.source.openAssigned.users, 120);
      // And added to a snapshot afterwards (mutates it).
      const r = await host.addOpenAssigned(snap, [names[200], 'no-such-user']);
      assert.equal(r.users, 1);
      assert.equal(snap.users.find((u) => u.name === names[200]).openAssigned, sb.state.projects.openAssigned(names[200]));
    });

    test('a user Jira does not know counts 0; a Jira that validates anyway names it, and the batch is asked again once', async () => {
      const someone = sb.state.sortedUsers().find((u) => sb.state.projects.openAssigned(u) > 0);
      const counts = await host.openAssignedCounts([someone.name, 'gone.user']);
      assert.equal(counts.get('gone.user'), 0);
      assert.equal(counts.get(someone.name), sb.state.projects.openAssigned(someone));
      // A fetch that drops validateQuery=false: the sandbox then refuses the unknown name.
      const strict = createJiraHost({
        baseUrl: sb.url, token: sb.token,
        fetch: (url, init) => {
          if (init?.body) {
            const b = JSON.parse(init.body);
            delete b.validateQuery;
            init = { ...init, body: JSON.stringify(b) };
          }
          return fetch(url, init);
        },
      });
      const from = sb.requests.length;
      const again = await strict.openAssignedCounts([someone.name, 'gone.user']);
      assert.equal(again.get(someone.name), sb.state.projects.openAssigned(someone));
      assert.equal(again.get('gone.user'), 0);
      assert.deepEqual(sb.requests.slice(from).filter((q) => q.path.startsWith('/rest/api/2/search')).map((q) => q.status), [400, 200]);
    });
  });
}

describe('JQL injection through a username is inert', () => {
  const HOSTILE = [
    'x") OR resolution = Unresolved OR assignee in ("y',
    "o'brien",
    'back\\slash',
    'trailing\\',
    'comma, paren) and more',
    'line\nbreak',
    '\u00e6\u00f8\u00e5 \u65e5\u672c',
    'ends with quote"',
  ];
  let sb, host;
  before(async () => {
    sb = await startSandbox({ jira: '10.3', snapshot: { users: [] } });
    host = createJiraHost({ baseUrl: sb.url, token: sb.token });
    for (const name of [...HOSTILE, 'bob', 'carol']) sb.state.addUser({ name, groups: ['jira-software-users'] });
    const p = sb.state.projects.addProject({ key: 'INJ', lead: 'bob' });
    HOSTILE.forEach((name, i) => {
      for (let k = 0; k <= i % 3; k++) sb.state.projects.addIssue(p.key, { assignee: name });
    });
    for (let k = 0; k < 7; k++) sb.state.projects.addIssue(p.key, { assignee: 'bob' });
    for (let k = 0; k < 5; k++) sb.state.projects.addIssue(p.key, { assignee: 'carol' });
  });
  after(() => sb.close());

  test('each hostile name counts exactly its own issues, alone and in a batch', async () => {
    for (const name of HOSTILE) {
      const c = await host.openAssignedCounts([name]);
      assert.equal(c.get(name), sb.state.projects.openAssigned(name), JSON.stringify(name));
    }
    const all = await host.openAssignedCounts([...HOSTILE, 'carol']);
    for (const name of [...HOSTILE, 'carol']) assert.equal(all.get(name), sb.state.projects.openAssigned(name), JSON.stringify(name));
    assert.equal(all.has('bob'), false);
  });

  test('the query the host builds parses back to exactly the names given (any characters)', () => {
    const rnd = (() => {
      let s = 7;
      return () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296);
    })();
    const alphabet = ['"', "'", '\\', ',', '(', ')', ' ', 'a', 'Z', '0', '\n', '\t', '\u0001', '\u00e9', '=', '\u{1F600}'];
    for (let t = 0; t < 300; t++) {
      const names = Array.from({ length: 1 + Math.floor(rnd() * 5) }, () => Array.from({ length: 1 + Math.floor(rnd() * 12) }, () => alphabet[Math.floor(rnd() * alphabet.length)]).join(''));
      const q = parseJql(openAssignedJql(names));
      assert.deepEqual(q.assignees, [names]);
      assert.equal(q.unresolved, true);
    }
    assert.equal(jqlString('a"b\\c'), '"a\\"b\\\\c"');
  });
});

for (const jira of ['10.3', '9']) {
  describe(`jira ${jira}: creation dates from the audit log`, () => {
    const RETENTION = 200;
    let sb, host, truth;
    before(async () => {
      sb = await startSandbox({ jira, sample: true, now: () => NOW, auditRetentionDays: RETENTION });
      host = createJiraHost({ baseUrl: sb.url, token: sb.token });
      truth = new Map([...sb.state.users.values()].map((u) => [lc(u.name), u.created === undefined ? undefined : parseInstant(u.created)]));
    });
    after(() => sb.close());

    test('inside the window: the "User created" date; outside or unknown: createdBefore = the window\u2019s start', async () => {
      const windowStart = NOW - RETENTION * DAY;
      const snap = await host.snapshot({ creationDates: true });
      let inside = 0, outside = 0;
      const bound = Date.parse(snap.source.created.windowStart);
      assert.ok(bound >= windowStart, 'the bound is never before the real window start');
      for (const u of snap.users) {
        const t = truth.get(lc(u.name));
        if (t !== undefined && t >= windowStart) {
          inside++;
          assert.equal(Date.parse(u.created), t, u.name);
          assert.equal('createdBefore' in u, false, u.name);
        } else {
          outside++;
          assert.equal('created' in u, false, u.name);
          assert.equal(u.createdBefore, snap.source.created.windowStart, u.name);
          if (t !== undefined) assert.ok(t < bound, `${u.name}: created ${new Date(t).toISOString()} is before its bound`);
        }
      }
      assert.ok(inside > 50 && outside > 1000, `${inside} inside, ${outside} outside`);
      assert.equal(snap.source.created.created, inside);
      assert.equal(snap.source.created.createdBefore, outside);
    });

    test('auditWindowDays reads only the last N days; the bound moves with it and stays correct', async () => {
      const snap = await host.snapshot({ creationDates: true, auditWindowDays: 60 });
      const bound = Date.parse(snap.source.created.windowStart);
      assert.ok(bound >= NOW - 60 * DAY);
      for (const u of snap.users) {
        const t = truth.get(lc(u.name));
        if (u.created) assert.equal(Date.parse(u.created), t);
        else if (t !== undefined) assert.ok(t < Date.parse(u.createdBefore), u.name);
      }
      assert.ok(snap.users.some((u) => u.created) && snap.users.some((u) => u.createdBefore));
    });

    test('the SQL export\u2019s created date wins over the audit log', async () => {
      const recent = [...sb.state.users.values()].find((u) => u.created && parseInstant(u.created) > NOW - 100 * DAY && u.lastLogin !== undefined);
      const csv = `username,last_login,created\r\n${recent.name},,${NOW - 1000 * DAY}\r\n`;
      const snap = await host.snapshot({ lastLoginCsv: csv, creationDates: true });
      const u = snap.users.find((x) => x.name === recent.name);
      assert.equal(Date.parse(u.created), NOW - 1000 * DAY);
      assert.equal(snap.source.created.from, 'csv+audit');
    });

    test('without creationDates nothing is added (the default)', async () => {
      const snap = await host.snapshot();
      assert.ok(snap.users.every((u) => !('createdBefore' in u) && !('created' in u)));
    });
  });
}

test('the page\u2019s two steps (users first, then addImpact) give the snapshot one read gives; planWithOpenAssigned reuses the text it is given and returns the counted one', async () => {
  const sb = await startSandbox({ jira: '10.3', sample: true, now: () => NOW, auditRetentionDays: 200 });
  try {
    const host = createJiraHost({ baseUrl: sb.url, token: sb.token });
    const one = await host.snapshot({ creationDates: true });
    const from = sb.requests.length;
    const first = await host.snapshot({ leads: false });
    const firstRequests = sb.requests.slice(from).map((r) => r.path);
    assert.ok(firstRequests.every((p) => !p.startsWith('/rest/api/2/project') && !p.startsWith('/rest/auditing')), 'no impact read before the users are there');
    assert.ok(first.users.every((u) => !('leads' in u) && !('created' in u) && !('createdBefore' in u)));
    const same = await host.addImpact(first, { creationDates: true });
    assert.equal(same, first, 'added to the same snapshot object');
    const strip = (s) => ({ ...s, source: { ...s.source, requests: 0 } });
    assert.deepEqual(strip(first), strip(one));
    assert.ok(first.users.some((u) => u.leads) && first.users.some((u) => u.created) && first.users.some((u) => u.createdBefore));

    const engine = await import('../../plugin-shim/src/engine.mjs');
    const { readFileSync } = await import('node:fs');
    const policy = readFileSync(new URL('../../samples/policy.json', import.meta.url), 'utf8');
    const options = { asOf: first.capturedAt };
    const text = JSON.stringify(first);
    const w = await host.planWithOpenAssigned({ engine, policyText: policy, snapshot: first, text, options });
    assert.equal(w.result.type, 'success');
    assert.ok(w.counted > 0 && w.passes === 2);
    assert.equal(w.text, JSON.stringify(first), 'the text returned is the snapshot with its counts');
    assert.notEqual(w.text, text);
    assert.deepEqual(w.result, JSON.parse(engine.planJson(policy, w.text, JSON.stringify(options))));
    // The text given is what the first pass plans over: one that is not JSON is the engine's error.
    const bad = await host.planWithOpenAssigned({ engine, policyText: policy, snapshot: first, text: '{', options });
    assert.equal(bad.result.type, 'failure');
  } finally {
    await sb.close();
  }
});

test('leads that cannot be read: the snapshot serves without them and says why', async () => {
  const sb = await startSandbox({ jira: '10.3', users: 100, seed: 4 });
  try {
    const host = createJiraHost({ baseUrl: sb.url, token: sb.token, fetch: (url, init) => (String(url).includes('/rest/api/2/project') ? fetch(String(url).replace('/project', '/no-such-resource'), init) : fetch(url, init)) });
    const snap = await host.snapshot();
    assert.ok(snap.users.every((u) => !('leads' in u)));
    assert.equal(snap.source.leads.code, 'host.notFound');
    assert.ok(snap.users.length > 100);
  } finally {
    await sb.close();
  }
});

test('an audit log without creation events gives no bound (it may not record user creation)', async () => {
  const sb = await startSandbox({ jira: '10.3', users: 50, seed: 2, now: () => NOW, auditRetentionDays: 0 });
  try {
    // One event inside the window, none of them a creation.
    sb.state.setActive(sb.state.sortedUsers().find((u) => u.active && u.name !== 'admin'), false, 'admin');
    const snap = await createJiraHost({ baseUrl: sb.url, token: sb.token }).snapshot({ creationDates: true });
    assert.equal(snap.source.created.windowStart, null);
    assert.ok(snap.users.every((u) => !('createdBefore' in u)));
  } finally {
    await sb.close();
  }
});

describe('deactivating a project lead; changing a project\u2019s lead', () => {
  let sb, host;
  before(async () => {
    sb = await startSandbox({ jira: '10.3', sample: true, now: () => NOW });
    host = createJiraHost({ baseUrl: sb.url, token: sb.token });
  });
  after(() => sb.close());

  // A writable (not read-only) lead of exactly the given number of projects.
  const leadOf = (n) => [...sb.state.users.values()].find((u) => u.active && !u.readOnly && u.name !== 'admin' && sb.state.projects.ledBy(u).length === n);

  test('Jira refuses: 400 naming the projects, the user stays active; a component lead is deactivated', async () => {
    const lead = leadOf(2);
    assert.ok(lead, 'the sample has a writable lead of two projects');
    const keys = sb.state.projects.ledBy(lead).map((p) => p.key);
    const r = await host.deactivate(lead.name);
    assert.equal(r.ok, false);
    assert.equal(r.status, 400);
    for (const k of keys) assert.match(r.reason, new RegExp(`\\(${k}\\)`));
    assert.equal(sb.state.user(lead.name).active, true);
    const compLead = [...sb.state.users.values()].find((u) => u.active && !u.readOnly && u.name !== 'admin' && !sb.state.projects.ledBy(u).length && sb.state.projects.componentsLedBy(u).length);
    assert.deepEqual(await host.deactivate(compLead.name), { ok: true });
    assert.equal(sb.state.user(compLead.name).active, false);
  });

  test('setProjectLead changes the lead, Jira audits it, and the old lead can then be deactivated', async () => {
    const lead = leadOf(1);
    const [project] = sb.state.projects.ledBy(lead);
    const handover = 'admin';
    const t0 = new Date(NOW - 1000).toISOString();
    assert.deepEqual(await host.setProjectLead(project.key, handover), { ok: true });
    const leads = await host.projectLeads();
    assert.equal(leads.find((p) => p.key === project.key).lead, handover);
    const events = await host.auditEvents({ from: t0, to: new Date(NOW + 1000).toISOString() });
    const ev = events.find((e) => e.raw.type.category === 'projects');
    assert.ok(ev, 'a "Project updated" event');
    assert.equal(ev.author, 'admin');
    assert.deepEqual(ev.raw.changedValues.map((c) => [c.key, c.from, c.to]), [['lead', lead.name, handover]]);
    assert.equal(ev.action, 'other', 'not mistaken for a change to a user');
    const now = await host.userLeads({ components: false });
    assert.equal(now.get(lc(lead.name)), undefined, 'no longer a lead');
    assert.ok(now.get('admin').projects.some((p) => p.key === project.key));
    assert.deepEqual(await host.deactivate(lead.name), { ok: true });
    // Undo: the old lead back (active again first: Jira does not make an inactive user a lead).
    const refused = await host.setProjectLead(project.key, lead.name);
    assert.equal(refused.ok, false);
    assert.equal(refused.status, 400);
    assert.deepEqual(await host.reactivate(lead.name), { ok: true });
    assert.deepEqual(await host.setProjectLead(project.key, lead.name), { ok: true });
    assert.equal(sb.state.projects.project(project.key).lead.name, lead.name);
    const nobody = await host.setProjectLead(project.key, 'no-such-user');
    assert.equal(nobody.ok, false);
    assert.match(nobody.reason, /does not exist/);
    await assert.rejects(() => host.setProjectLead('', 'admin'), TypeError);
  });
});

test('under injected faults and rate limiting the counts and leads still equal the sandbox\u2019s (searches are retried)', async () => {
  // 2,000 users: 10 searches of 200 names, enough for the faults to meet some of them.
  const sb = await startSandbox({ jira: '10.3', users: 2000, seed: 6, faults: 0.15, slowMs: 50, rateLimit: { capacity: 10, fillRate: 50, intervalSeconds: 1 } });
  try {
    const host = createJiraHost({ baseUrl: sb.url, token: sb.token, retries: 8, retryBaseMs: 10, timeoutMs: 5000 });
    const names = sb.state.sortedUsers().map((u) => u.name);
    const counts = await host.openAssignedCounts(names);
    for (const n of names) assert.equal(counts.get(n), sb.state.projects.openAssigned(n), n);
    const leads = await host.userLeads();
    for (const u of sb.state.sortedUsers()) assert.deepEqual(leads.get(lc(u.name)), sb.state.projects.userWork(u).leads, u.name);
    const s = host.stats();
    assert.ok(s.retries > 0, 'faults were met');
    assert.equal(s.failures, 0);
  } finally {
    await sb.close();
  }
});
