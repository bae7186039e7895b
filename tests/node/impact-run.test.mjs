// Impact before action (issue 11), end to end through the CLI against the sandbox Jira seeded with
// the sample: a project lead a rule selects is blocked in the plan and untouched by the run; with
// the policy's handover.projectLead the lead changes first, the user is deactivated, and undo gives
// both back (a project whose lead someone changed since is left alone and reported);
// skipIfOpenAssignedIssues skips exactly the users with open issues per the sandbox; on 10.3
// without the SQL export a never-logged-in rule selects exactly the users created before the
// threshold (audit-log dates inside the window, the window's bound outside), and the CSV wins.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox } from '../../plugin-shim/src/sandbox/index.mjs';
import { parseInstant } from '../../plugin-shim/src/sandbox/time.mjs';
import { readTrail } from '../../plugin-shim/src/runner/trail.mjs';
import { indexRuns } from '../../plugin-shim/src/runner/report.mjs';
import { undoPlan } from '../../plugin-shim/src/runner/undo-plan.mjs';
import { runCli } from '../helpers/cli.mjs';

const engine = await import('../../plugin-shim/src/engine.mjs');
const NOW = Date.parse('2026-11-27T10:00:00Z'); // the sample's capturedAt
const AS_OF = new Date(NOW).toISOString();
const DAY = 86_400_000;
const lc = (s) => String(s).toLowerCase();
const dir = mkdtempSync(join(tmpdir(), 'uc-impact-run-'));
let files = 0;

const cli = (args, token) => runCli(args, { token });

function file(text) {
  const p = join(dir, `f${++files}`);
  writeFileSync(p, typeof text === 'string' ? text : JSON.stringify(text));
  return p;
}

/**
 * A policy whose one rule deactivates the members of `cleanup-target` (the users a test names) who
 * have not logged in for a day (every user the tests name: idle() checks it).
 */
const targetPolicy = (rule = {}, extra = {}) => ({
  version: 1,
  limits: { maxActionsPerRun: 200 },
  rules: [{ id: 'targets', include: { groups: ['cleanup-target'] }, inactiveDays: 1, action: { type: 'deactivate' }, ...rule }],
  ...extra,
});

/** --as-of for a sandbox whose clock stands at the sample's instant; none (now) for a live one. */
const asOfArgs = (sb) => (sb.fixedClock ? ['--as-of', AS_OF] : []);

async function previewJson(sb, policy, more = []) {
  const r = await cli(['preview', '--policy', file(policy), '--jira', sb.url, ...asOfArgs(sb), '--actor', 'admin', '--json', ...more], sb.token);
  assert.equal(r.code, 0, r.err);
  return JSON.parse(r.out);
}

// Runs refuse a plan older than limits.maxSnapshotAgeMinutes: the sandboxes a test runs against
// keep the real time (the sample's users are then a few days idler than on its capturedAt).
const sample = async ({ live = false, ...o } = {}) => Object.assign(await startSandbox({ port: 0, jira: '10.3', sample: true, ...(live ? {} : { now: () => NOW }), ...o }), { fixedClock: !live });
const REAL_NOW = Date.now();
const idle = (sb, name) => typeof sb.state.user(name).lastLogin === 'number' && sb.state.user(name).lastLogin < Math.min(NOW, REAL_NOW) - 2 * DAY;
const target = (sb, names) => {
  for (const n of names) {
    assert.ok(idle(sb, n), `${n} has logged in, but not in the last two days`);
    sb.state.addToGroup(n, 'cleanup-target');
  }
};
const leadOf = (sb, key) => sb.state.projects.project(key).lead.name;
const ledBy = (sb, name) => sb.state.projects.list.filter((p) => lc(p.lead?.name) === lc(name)).map((p) => p.key);
/** Active non-leads of the sample (in name order) with and without open issues. */
function plainUsers(sb, { open, n }) {
  const leads = new Set(sb.state.projects.list.map((p) => lc(p.lead?.name)));
  return sb.state.sortedUsers()
    .filter((u) => u.active && idle(sb, u.name) && !leads.has(lc(u.name)) && u.name !== 'admin' && !u.readOnly && (sb.state.projects.openAssigned(u.name) > 0) === open)
    .slice(0, n).map((u) => u.name);
}

describe('a project lead a rule selects', () => {
  let sb;
  before(async () => { sb = await sample({ live: true }); });
  after(() => sb.close());

  test('is blocked in the plan (with the reason) and untouched by the run', async () => {
    const leaders = new Set(sb.state.projects.list.map((p) => p.lead?.name).filter(Boolean));
    const leads = [...leaders].filter((n) => sb.state.user(n).active && idle(sb, n)).sort().slice(0, 2);
    assert.equal(leads.length, 2);
    const others = plainUsers(sb, { open: false, n: 3 });
    target(sb, [...leads, ...others]);
    const before = new Map(leads.map((n) => [n, ledBy(sb, n)]));
    assert.ok([...before.values()].every((k) => k.length > 0));

    const plan = await previewJson(sb, targetPolicy());
    const by = new Map(plan.actions.map((a) => [a.user, a]));
    for (const n of leads) {
      const a = by.get(n);
      assert.equal(a.status, 'blocked', n);
      assert.equal(a.blockedCode, 'blocked.projectLead');
      assert.match(a.blockedReason, new RegExp(`lead of projects? ${before.get(n).join(', ')}: Jira refuses to deactivate a project lead`));
    }
    for (const n of others) assert.equal(by.get(n).status, undefined, n);
    assert.equal(plan.counts.blocked, 2);
    assert.equal(plan.counts.executable, others.length);

    // The readable preview says it too.
    const text = await cli(['preview', '--policy', file(targetPolicy()), '--jira', sb.url, '--actor', 'admin'], sb.token);
    assert.match(text.out, /Blocked \(2\)/);
    assert.match(text.out, new RegExp(`${leads[0].replace('.', '\\.')} .*lead of project`));
    assert.match(text.out, /2 blocked \(never carried out\)/);

    const audit = join(dir, 'blocked.jsonl');
    const from = sb.state.mutations.length;
    const run = await cli(['run', '--policy', file(targetPolicy()), '--jira', sb.url, '--actor', 'admin', '--audit', audit, '--yes', '--json'], sb.token);
    assert.equal(run.code, 0, run.err);
    const res = JSON.parse(run.out);
    assert.equal(res.totals.done, others.length);
    const changed = sb.state.mutations.slice(from);
    for (const n of leads) {
      assert.equal(sb.state.user(n).active, true, n);
      assert.deepEqual(ledBy(sb, n), before.get(n));
      assert.equal(changed.filter((m) => m.user === n).length, 0, `${n}: no write at all`);
    }
    assert.equal(changed.filter((m) => m.op === 'projectLead').length, 0);
    for (const n of others) assert.equal(sb.state.user(n).active, false, n);
  });
});

describe('with handover.projectLead', () => {
  let sb;
  before(async () => { sb = await sample({ live: true }); });
  after(() => sb.close());

  test('the lead changes first, the user is deactivated, and undo restores both (a lead changed since is left and reported)', async () => {
    const HANDOVER = 'hnakamura';
    const leads = ['taro.yoshida', 'sandra.moore', 'x-ebrathen'];
    target(sb, leads);
    const had = new Map(leads.map((n) => [n, ledBy(sb, n)]));
    assert.deepEqual(had.get('taro.yoshida'), ['LI', 'M2']);
    const policy = targetPolicy({}, { handover: { projectLead: HANDOVER } });

    const plan = await previewJson(sb, policy);
    for (const n of leads) {
      const a = plan.actions.find((x) => x.user === n);
      assert.equal(a.status, undefined);
      assert.deepEqual(a.handover, { projectLead: HANDOVER, projects: had.get(n) });
    }
    const text = await cli(['preview', '--policy', file(policy), '--jira', sb.url, '--actor', 'admin'], sb.token);
    assert.match(text.out, /taro\.yoshida: hand over LI, M2 to hnakamura, then deactivate/);

    const audit = join(dir, 'handover.jsonl');
    const run = await cli(['run', '--policy', file(policy), '--jira', sb.url, '--actor', 'admin', '--audit', audit, '--yes', '--json'], sb.token);
    assert.equal(run.code, 0, run.err);
    const { runId } = JSON.parse(run.out);
    for (const n of leads) {
      assert.equal(sb.state.user(n).active, false, n);
      for (const k of had.get(n)) assert.equal(leadOf(sb, k), HANDOVER, k);
    }
    // The hand-over came before the deactivation, for each user.
    const m = sb.state.mutations;
    for (const n of leads) {
      const firstLead = m.findIndex((x) => x.op === 'projectLead' && x.from === n);
      const deact = m.findIndex((x) => x.user === n && x.op === 'deactivate');
      assert.ok(firstLead >= 0 && firstLead < deact, n);
    }

    // Someone gives sandra.moore's project to another user after the run: undo leaves it.
    const [sandraProject] = had.get('sandra.moore');
    sb.state.projects.setLead(sandraProject, 'viewer');

    const undo = await cli(['undo', '--run', runId, '--jira', sb.url, '--audit', audit, '--yes', '--json'], sb.token);
    assert.equal(undo.code, 0, undo.err + undo.out);
    for (const n of leads) assert.equal(sb.state.user(n).active, true, n);
    for (const k of had.get('taro.yoshida')) assert.equal(leadOf(sb, k), 'taro.yoshida', k);
    for (const k of had.get('x-ebrathen')) assert.equal(leadOf(sb, k), 'x-ebrathen', k);
    assert.equal(leadOf(sb, sandraProject), 'viewer', 'a later change is not overwritten');

    const { records } = await readTrail(audit);
    const undoRun = [...indexRuns(records).values()].find((r) => r.started?.type === 'undoStarted');
    const sandra = [...undoRun.outcomes.values()].find((o) => o.user === 'sandra.moore');
    assert.equal(sandra.status, 'done');
    assert.match(sandra.reason, new RegExp(`project ${sandraProject} is now led by viewer`));
    assert.deepEqual(sandra.effects.leadsLeft, [{ project: sandraProject, lead: 'viewer' }]);
    const taro = [...undoRun.outcomes.values()].find((o) => o.user === 'taro.yoshida');
    assert.deepEqual(taro.effects.leadsRestored, ['LI', 'M2']);

    // Nothing left to undo: the projects given back are not given back twice.
    const again = await undoPlan(records, runId, { engine });
    assert.deepEqual(again.changes, []);

    // A trail naming a project the run's plan did not list is refused as tampering.
    const forged = records.map((r) => (r.runId === runId && r.type === 'outcome' && r.user === 'x-ebrathen'
      ? { ...r, effects: { ...r.effects, projectsHandedOver: [...r.effects.projectsHandedOver, 'SEC'] } } : r))
      .filter((r) => r.type !== 'undoStarted' && !(r.runId ?? '').startsWith('undo'));
    const refused = (await undoPlan(forged, runId, { engine })).refused;
    assert.deepEqual(refused.map((r) => [r.user, r.project, r.code]), [['x-ebrathen', 'SEC', 'tampered.notIntended']]);
    // Plan, intent and outcome all rewritten to another hand-over user: the run's stored policy
    // (checked against its hash) names hnakamura, so nothing of it is given back on that basis.
    const other = (h) => (h ? { ...h, projectLead: 'mallory' } : h);
    const rewritten = records.filter((r) => r.runId === runId || r.type === 'runStarted').map((r) => {
      if (r.runId !== runId) return r;
      if (r.type === 'planned') return { ...r, items: r.items.map((it) => ({ ...it, handover: other(it.handover) })) };
      if (r.type === 'intent') return { ...r, handover: other(r.handover) };
      if (r.type === 'outcome' && r.effects?.projectLead) return { ...r, effects: { ...r.effects, projectLead: 'mallory' } };
      return r;
    });
    const notAllowed = await undoPlan(rewritten, runId, { engine });
    assert.equal(notAllowed.refused.length, 4, JSON.stringify(notAllowed.refused));
    assert.ok(notAllowed.refused.every((r) => r.code === 'tampered.notAllowed' && /names hnakamura, not mallory/.test(r.reason)));
    assert.ok(notAllowed.changes.every((c) => !c.leads));
  });
});

describe('skipIfOpenAssignedIssues and open assigned counts', () => {
  let sb;
  before(async () => { sb = await sample(); });
  after(() => sb.close());

  test('skips exactly the users with open issues per the sandbox; counts are fetched for the selected users only', async () => {
    const withOpen = plainUsers(sb, { open: true, n: 12 });
    const without = plainUsers(sb, { open: false, n: 9 });
    target(sb, [...withOpen, ...without]);
    const from = sb.requests.length;
    const plan = await previewJson(sb, targetPolicy({ skipIfOpenAssignedIssues: true }));
    const searches = sb.requests.slice(from).filter((r) => r.path.startsWith('/rest/api/2/search'));
    assert.ok(searches.length >= 1 && searches.length <= 1, `${searches.length} searches for 21 users`);
    assert.deepEqual(plan.actions.map((a) => a.user).sort(), [...without].sort());
    assert.deepEqual((plan.skipped ?? []).map((s) => s.user).sort(), [...withOpen].sort());
    for (const s of plan.skipped) {
      assert.equal(s.code, 'skipped.openAssigned');
      assert.equal(s.openAssigned, sb.state.projects.openAssigned(s.user), s.user);
    }
    assert.equal(plan.counts.skipped, withOpen.length);

    // Without the flag: the same users are actions, each with its open issues as a fact.
    const all = await previewJson(sb, targetPolicy());
    assert.equal(all.actions.length, withOpen.length + without.length);
    for (const a of all.actions) assert.equal(a.facts.openAssigned, sb.state.projects.openAssigned(a.user), a.user);
    assert.ok(all.actions.some((a) => a.reasons.some((r) => /unresolved issues? assigned/.test(r))));
  });
});

describe('jira 10.3 without the SQL export: never-logged-in rules from the audit log', () => {
  const RETENTION = 200;
  const DAYS = 30;
  let sb, created;
  before(async () => {
    sb = await sample({ auditRetentionDays: RETENTION });
    created = new Map([...sb.state.users.values()].map((u) => [u.name, parseInstant(u.created)]));
  });
  after(() => sb.close());
  const policy = { version: 1, rules: [{ id: 'never', neverLoggedIn: { createdMoreThanDays: DAYS }, action: { type: 'review' } }] };
  const neverActive = () => [...sb.state.users.values()].filter((u) => u.active && u.lastLogin === null && u.name !== 'admin');

  test('selects exactly the users created before the threshold: audit-log dates inside the window, its bound outside', async () => {
    const plan = await previewJson(sb, policy);
    const threshold = NOW - DAYS * DAY;
    // The sandbox's truth: no creation date, or one before the threshold.
    const want = neverActive().filter((u) => created.get(u.name) === undefined || created.get(u.name) < threshold).map((u) => u.name).sort();
    assert.deepEqual(plan.actions.map((a) => a.user).sort(), want);
    const inWindow = plan.actions.filter((a) => a.facts.created);
    const bounded = plan.actions.filter((a) => a.facts.createdBefore);
    assert.ok(inWindow.length > 5 && bounded.length > 5, `${inWindow.length} with an audit-log date, ${bounded.length} with the bound`);
    for (const a of inWindow) assert.equal(Date.parse(a.facts.created), created.get(a.user), a.user);
    for (const a of bounded) {
      assert.ok(Date.parse(a.facts.createdBefore) >= NOW - RETENTION * DAY);
      assert.ok(a.reasons.some((r) => /created before .*start of Jira's audit log/.test(r)), a.user);
    }
    // Users created inside the threshold are not selected (the test would pass vacuously without them).
    assert.ok(neverActive().some((u) => created.get(u.name) >= threshold));

    // --audit-window-days: a shorter read, the same users (the bound stays before the threshold).
    const short = await previewJson(sb, policy, ['--audit-window-days', '100']);
    assert.deepEqual(short.actions.map((a) => a.user).sort(), want);
  });

  test('the SQL export still takes precedence', async () => {
    const threshold = NOW - DAYS * DAY;
    const recent = neverActive().find((u) => created.get(u.name) >= threshold);
    const old = neverActive().find((u) => created.get(u.name) !== undefined && created.get(u.name) < threshold && created.get(u.name) >= NOW - RETENTION * DAY);
    assert.ok(recent && old);
    const csv = `username,last_login,created\r\n${recent.name},,${NOW - 1000 * DAY}\r\n${old.name},,${NOW - DAY}\r\n`;
    const plan = await previewJson(sb, policy, ['--last-login-csv', file(csv)]);
    const users = new Set(plan.actions.map((a) => a.user));
    assert.ok(users.has(recent.name), `${recent.name}: the CSV says created 1000 days ago`);
    assert.ok(!users.has(old.name), `${old.name}: the CSV says created yesterday`);
  });
});
