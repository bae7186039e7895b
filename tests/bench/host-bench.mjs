// Host adapter benchmark. Prints (does not assert):
// 1. baseline: a sandbox Jira of 100k users in 300 groups, in 10.3 mode (user/list cursor pages)
//    and in 10.0 mode (group walk): the requests made, the time to a complete snapshot, and the
//    request count of the naive way (one GET /user?expand=groups per user);
// 2. scoped: the sample policy over the sample generator's 100k users (~300 groups) in 10.3 mode:
//    a full snapshot at today's fixed limit of 4, a full one with the adaptive limit, and one that
//    reads only the groups the policy needs (the engine's policyGroups), with the limit settled on.
// 3. with --group-page-max N: the scoped read once more against a sandbox serving N members a
//    group/member page (the host asks for 1000 and follows the answer; the sandbox, as Jira is said
//    to, serves 50 unless told otherwise) — what a Jira serving larger pages would give.
//   node tests/bench/host-bench.mjs [--users 100000] [--groups 300] [--modes 10.3,10.0] [--concurrency 8] [--skip-baseline] [--skip-scoped] [--group-page-max N]
import { readFileSync } from 'node:fs';
import { startSandbox } from '../../plugin-shim/src/sandbox/index.mjs';
import { createJiraHost } from '../../plugin-shim/src/host/index.mjs';
import { generateSnapshot } from '../../samples/generate.mjs';
import * as engine from '../../plugin-shim/src/engine.mjs';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const N = Number(arg('users', 100_000));
const GROUPS = Number(arg('groups', 300));
const MODES = String(arg('modes', '10.3,10.0')).split(',');
const CONCURRENCY = Number(arg('concurrency', 8));
const GROUP_PAGE_MAX = arg('group-page-max', null) == null ? null : Number(arg('group-page-max', null));

/** 100k users in 300 groups (3 role groups + 297 teams), each user in 1 role group + 1–3 teams. */
function makeSnapshot(n, groups) {
  let x = 42;
  const rnd = () => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648);
  const roleGroups = ['jira-software-users', 'jira-servicemanagement-users', 'jira-core-users'];
  const teams = Array.from({ length: Math.max(0, groups - roleGroups.length) }, (_, i) => `team-${String(i).padStart(3, '0')}`);
  const now = Date.parse('2026-11-27T10:00:00Z');
  const users = [];
  for (let i = 0; i < n; i++) {
    const name = `user${String(i).padStart(6, '0')}`;
    const r = rnd();
    const gs = new Set([roleGroups[r < 0.7 ? 0 : r < 0.85 ? 1 : 2]]);
    const k = 1 + Math.floor(rnd() * 3);
    for (let j = 0; j < k && teams.length; j++) gs.add(teams[Math.floor(rnd() * teams.length)]);
    const ll = rnd();
    users.push({
      name, key: `JIRAUSER${10000 + i}`, displayName: `User ${i}`, email: `${name}@acme.com`, active: rnd() > 0.1,
      groups: [...gs], directory: 'Jira Internal Directory', created: '2020-01-01T00:00:00Z',
      lastLogin: ll < 0.05 ? null : new Date(now - Math.floor(ll * 800) * 86400000).toISOString(),
    });
  }
  return {
    capturedAt: '2026-11-27T10:00:00Z', users,
    applicationRoles: [
      { key: 'jira-software', name: 'Jira Software', groups: ['jira-software-users'], numberOfSeats: 100000, hasUnlimitedSeats: false },
      { key: 'jira-servicedesk', name: 'Jira Service Management', groups: ['jira-servicemanagement-users'], numberOfSeats: 20000, hasUnlimitedSeats: false },
      { key: 'jira-core', name: 'Jira Core', groups: ['jira-core-users'], numberOfSeats: -1, hasUnlimitedSeats: true },
    ],
  };
}

const rows = [];
const baseline = !process.argv.includes('--skip-baseline');
const SNAPSHOT = baseline ? makeSnapshot(N, GROUPS) : null;
for (const jira of baseline ? MODES : []) {
  const t0 = performance.now();
  const sb = await startSandbox({ port: 0, jira, snapshot: SNAPSHOT, seed: 42, logRequests: false });
  const seeded = performance.now() - t0;
  try {
    const truth = sb.state.snapshotTruth();
    const groupCount = new Set(truth.users.flatMap((u) => u.groups.map((g) => g.toLowerCase()))).size;
    const memberships = truth.users.reduce((s, u) => s + u.groups.length, 0);
    const host = createJiraHost({ baseUrl: sb.url, token: sb.token, concurrency: CONCURRENCY });
    const t1 = performance.now();
    const snap = await host.snapshot();
    const ms = performance.now() - t1;
    const s = host.stats();
    const ok = snap.users.length === truth.users.length || (jira === '10.0' && snap.users.length === truth.users.filter((u) => u.groups.length).length);
    rows.push({
      run: `baseline, full, fixed ${CONCURRENCY}`,
      mode: jira,
      users: truth.users.length,
      groups: groupCount,
      memberships,
      requests: s.requests,
      'user/list pages': s.byEndpoint['GET /rest/api/2/user/list'] ?? 0,
      'user/search pages': s.byEndpoint['GET /rest/api/2/user/search'] ?? 0,
      'group/member pages': s.byEndpoint['GET /rest/api/2/group/member'] ?? 0,
      'picker calls': s.byEndpoint['GET /rest/api/2/groups/picker'] ?? 0,
      'snapshot s': (ms / 1000).toFixed(1),
      concurrency: CONCURRENCY,
      'naive requests': truth.users.length + 1,
      'users complete': ok,
      'sandbox seed s': (seeded / 1000).toFixed(1),
    });
    console.error(`${jira}: ${JSON.stringify(rows.at(-1))}`);
  } finally {
    await sb.close();
  }
}
if (!process.argv.includes('--skip-scoped')) {
  const POLICY = readFileSync(new URL('../../samples/policy.json', import.meta.url), 'utf8');
  const t0 = performance.now();
  const snap = generateSnapshot({ kind: 'synthetic', users: N, seed: 1 });
  const sb = await startSandbox({ port: 0, jira: '10.3', snapshot: snap, seed: 42, logRequests: false });
  const seeded = performance.now() - t0;
  const larger = GROUP_PAGE_MAX ? await startSandbox({ port: 0, jira: '10.3', snapshot: snap, seed: 42, logRequests: false, groupMemberMax: GROUP_PAGE_MAX }) : null;
  try {
    const truth = sb.state.snapshotTruth();
    const groupCount = new Set(truth.users.flatMap((u) => u.groups.map((g) => g.toLowerCase()))).size;
    const memberships = truth.users.reduce((s, u) => s + u.groups.length, 0);
    const plans = [];
    const runs = [
      ['sample policy, full, fixed 4 (before)', { concurrency: 4, adaptive: false }, {}],
      ['sample policy, full, adaptive 4→16', {}, {}],
      ['sample policy, scoped, adaptive 4→16', {}, { scope: { policy: POLICY, engine } }],
    ];
    if (larger) runs.push([`sample policy, scoped, adaptive 4→16, ${GROUP_PAGE_MAX} a page`, {}, { scope: { policy: POLICY, engine } }, larger]);
    for (const [run, hostOpts, snapOpts, server = sb] of runs) {
      const host = createJiraHost({ baseUrl: server.url, token: server.token, ...hostOpts });
      const t1 = performance.now();
      const out = await host.snapshot(snapOpts);
      const ms = performance.now() - t1;
      const s = host.stats();
      const c = s.concurrency;
      const p = JSON.parse(engine.planJson(POLICY, JSON.stringify(out), JSON.stringify({ asOf: '2026-11-27T10:00:00Z' })));
      plans.push(JSON.stringify(p.value?.actions));
      rows.push({
        run,
        mode: '10.3',
        users: truth.users.length,
        groups: groupCount,
        memberships,
        requests: s.requests,
        'user/list pages': s.byEndpoint['GET /rest/api/2/user/list'] ?? 0,
        'user/search pages': 0,
        'group/member pages': s.byEndpoint['GET /rest/api/2/group/member'] ?? 0,
        'picker calls': s.byEndpoint['GET /rest/api/2/groups/picker'] ?? 0,
        'snapshot s': (ms / 1000).toFixed(1),
        concurrency: c.start === c.cap ? `${c.settled}` : `${c.start}→${c.settled} (peak ${c.peak}, cap ${c.cap})`,
        'naive requests': truth.users.length + 1,
        'users complete': out.users.length === truth.users.length,
        'groups read': out.completeGroups ? `${out.completeGroups.length} of ${groupCount}` : 'all',
        'members a page': out.source.groupPageSize,
        'sandbox seed s': (seeded / 1000).toFixed(1),
      });
      console.error(`${run}: ${JSON.stringify(rows.at(-1))}`);
    }
    console.error(`plans over the scoped and the full snapshots are ${plans.every((x) => x === plans[0]) ? 'identical' : 'DIFFERENT'}`);
    const full = rows.at(larger ? -4 : -3);
    const scoped = rows.at(larger ? -2 : -1);
    console.error(`scoped vs full (fixed 4): ${(full.requests / scoped.requests).toFixed(2)}× fewer requests, ${(Number(full['snapshot s']) / Number(scoped['snapshot s'])).toFixed(2)}× faster`);
  } finally {
    await sb.close();
    await larger?.close();
  }
}
console.table(rows);
