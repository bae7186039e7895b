// The daemon against the store in Jira (issue 9), as real child processes against the sandbox Jira
// and a real SMTP server (tests/helpers/smtp.mjs): the policy the page saves (written here with
// the store module the page uses) is read before every slot; enabled/mode; trails in the Jira
// store; heartbeats; slot leases (three daemons, one run per slot; kill -9 of the holder mid-run
// and another one finishes it); summary emails, and an unreachable SMTP server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir, hostname } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSandbox } from '../../plugin-shim/src/sandbox/index.mjs';
import { createStore } from '../../plugin-shim/src/store/index.mjs';
import { indexRuns } from '../../plugin-shim/src/runner/report.mjs';
import { verifyText } from '../../plugin-shim/src/runner/chain.mjs';
import { world } from '../fixtures/runner/world.mjs';
import { startSmtp, closedPort } from '../helpers/smtp.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'plugin-shim/bin/user-cleanup.mjs');
const BASE = JSON.parse(readFileSync(join(ROOT, 'tests/fixtures/runner/policy.json'), 'utf8'));
const T0 = '2026-11-27T00:30:00Z';
const SLOT = (h) => `2026-11-27T${String(h).padStart(2, '0')}:00:00Z`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const lc = (s) => s.toLowerCase();

function policyWith(schedules, extra = {}) {
  return { ...BASE, schedules, ...extra };
}
const hourly = (id, rules, more = {}) => ({ id, cron: '0 * * * *', timezone: 'UTC', rules, ...more });

async function setup(o = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'uc-daemon-'));
  const clockFile = join(dir, 'clock');
  writeFileSync(clockFile, T0);
  // Jira keeps the daemons' time, as a real Jira and its daemons agree on it: the snapshot's
  // capturedAt (Jira's serverTime) is never hours after the daemon's "now" (decide.planInFuture).
  // A test that runs the CLI (this machine's clock) instead keeps Jira on real time (realClock).
  // jiraAheadMs: Jira's clock that far ahead of the daemons' (a node whose clock lags).
  const jiraClock = o.realClock ? Date.now : () => (Date.parse(readFileSync(clockFile, 'utf8').trim()) || Date.now()) + (o.jiraAheadMs ?? 0);
  const sb = await startSandbox({ port: 0, jira: '10.3', snapshot: world({ extra: o.extra ?? 0 }), now: jiraClock, ...(o.latencyMs ? { latencyMs: o.latencyMs } : {}) });
  const store = createStore({ baseUrl: sb.url, token: sb.token });
  await store.createAccount();
  const children = [];
  const daemon = (id, { env = {}, args = [] } = {}) => {
    const child = spawn(process.execPath, [BIN, 'daemon', '--jira', sb.url, '--daemon-id', id, '--poll-seconds', '1', '--lease-seconds', String(o.leaseSeconds ?? 6),
      '--settle-ms', '600', '--clock-file', clockFile, '--readonly-fallback', 'skip', ...args], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1', USER_CLEANUP_TOKEN: sb.token, USER_CLEANUP_SMTP_URL: '', USER_CLEANUP_MAIL_FROM: 'uc@acme.com', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.out = '';
    child.err = '';
    child.stdout.on('data', (d) => (child.out += d));
    child.stderr.on('data', (d) => (child.err += d));
    child.done = new Promise((r) => child.on('close', (code, signal) => r({ code, signal })));
    child.events = () => child.out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
    children.push(child);
    return child;
  };
  const close = async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
    await Promise.all(children.map((c) => Promise.race([c.done, sleep(8000).then(() => c.kill('SIGKILL'))])));
    await sb.close();
  };
  return { sb, store, dir, clockFile, daemon, close, setClock: (t) => writeFileSync(clockFile, t) };
}

/** Waits until `pred()` is truthy (polled), or fails naming `what`. */
async function until(pred, what, ms = 60_000, children = []) {
  const t0 = Date.now();
  for (;;) {
    const v = await pred();
    if (v) return v;
    if (Date.now() - t0 > ms) {
      throw new Error(`timed out waiting for ${what}\n${children.map((c) => `--- ${c.pid}\n${c.out.slice(-3000)}\n${c.err.slice(-2000)}`).join('\n')}`);
    }
    await sleep(250);
  }
}

async function storedTrail(store) {
  const a = await store.loadAudit();
  const v = await verifyText(a.text);
  assert.ok(v.ok, `the trail in Jira verifies: ${v.error?.message}`);
  return v.records;
}
const hbOf = async (store, id) => (await store.listHeartbeats()).find((h) => h.daemonId === id);
const slotOf = (hb, sid) => hb?.schedules.find((s) => s.id === sid);
const truth = (sb) => new Map(sb.state.snapshotTruth().users.map((u) => [lc(u.name), { active: u.active, groups: [...u.groups].map(lc).sort() }]));

test('a daemon started before the policy is saved runs the next slot with the saved rules; a disabled schedule does not run; a preview changes nothing and records its plan; the summary email has the counts', async () => {
  const smtp = await startSmtp();
  const t = await setup();
  try {
    const d = t.daemon('solo', { env: { USER_CLEANUP_SMTP_URL: smtp.url } });
    // Alive with nothing to run: the heartbeat says no policy is saved.
    const hb0 = await until(() => hbOf(t.store, 'solo'), 'the first heartbeat', 30_000, [d]);
    assert.match(hb0.problem, /no policy saved/);
    assert.equal(hb0.node, `solo@${hostname()}`);
    assert.equal(hb0.pollSeconds, 1);
    const before = truth(t.sb);

    await t.store.savePolicy(policyWith([
      hourly('contractors', ['contractors-90d']),
      hourly('licences-preview', ['licence-180d', 'idle-365d-review'], { mode: 'preview' }),
      hourly('switched-off', ['licence-180d'], { enabled: false }),
    ], { notify: { admins: ['it-admins@acme.com'] } }), { savedBy: 'admin' });
    const hb1 = await until(async () => { const h = await hbOf(t.store, 'solo'); return h?.schedules.length === 3 && h; }, 'the saved schedules in the heartbeat', 30_000, [d]);
    assert.deepEqual(hb1.schedules.map((s) => [s.id, s.enabled, s.mode, s.next]), [
      ['contractors', true, 'run', SLOT(1)], ['licences-preview', true, 'preview', SLOT(1)], ['switched-off', false, 'run', SLOT(1)],
    ]);
    assert.equal(hb1.problem, undefined);

    t.setClock('2026-11-27T01:00:02Z');
    const hb = await until(async () => {
      const h = await hbOf(t.store, 'solo');
      return h && ['contractors', 'licences-preview', 'switched-off'].every((id) => slotOf(h, id)?.lastSlot === SLOT(1)) && h;
    }, 'slot 01:00 done', 90_000, [d]);
    assert.equal(slotOf(hb, 'switched-off').lastResult.status, 'skipped');
    assert.equal(slotOf(hb, 'licences-preview').lastResult.status, 'preview');
    assert.equal(slotOf(hb, 'contractors').lastResult.status, 'done');

    const records = await storedTrail(t.store);
    const runs = [...indexRuns(records).values()].filter((r) => r.started?.type === 'runStarted');
    assert.deepEqual(runs.map((r) => r.started.schedule).sort(), ['contractors', 'licences-preview'], 'the disabled schedule did not run');
    const run = runs.find((r) => r.started.schedule === 'contractors');
    const prev = runs.find((r) => r.started.schedule === 'licences-preview');
    assert.equal(run.started.via, 'daemon');
    assert.equal(run.started.node, `solo@${hostname()}`);
    assert.equal(run.started.mode, 'run');
    assert.equal(prev.started.mode, 'preview');
    // The saved rules ran: only the schedule's rule, and everyone it deactivated is inactive now.
    const after = truth(t.sb);
    const done = [...run.outcomes.values()].filter((o) => o.status === 'done');
    assert.ok(done.length > 0);
    assert.ok(done.every((o) => o.rule === 'contractors-90d' && after.get(lc(o.user)).active === false));
    assert.equal(run.finished.totals.done, done.length);
    // The preview: its plan is recorded, nothing carried out, nothing changed beyond the run's users.
    assert.ok(prev.planned.items.some((i) => i.action === 'removeFromGroups'));
    assert.equal(prev.intents.size, 0);
    assert.equal(prev.outcomes.size, 0);
    assert.equal(prev.finished.preview, true);
    const touched = new Set(done.map((o) => lc(o.user)));
    for (const [name, s] of before) if (!touched.has(name)) assert.deepEqual(after.get(name), s, `${name} unchanged`);

    // Two summaries (the run and the dry run), each recorded as notified.
    await smtp.waitFor(2, 20_000);
    const mail = smtp.messages.find((m) => m.subject.includes(run.started.runId));
    assert.match(mail.subject, new RegExp(`Run finished: ${done.length} done — schedule contractors`));
    assert.deepEqual(mail.envelope.to, ['it-admins@acme.com']);
    assert.match(mail.text, new RegExp(`Done:? +${done.length}`));
    assert.ok(smtp.messages.some((m) => /Dry run: \d+ changes? would be made — schedule licences-preview/.test(m.subject)));
    const notified = (await storedTrail(t.store)).filter((r) => r.type === 'notified');
    assert.equal(notified.length, 2);
    assert.ok(notified.every((n) => n.result.ok === true));

    // An edit in the page takes effect at the next slot: disabled now, it does not run at 02:00.
    await t.store.savePolicy(policyWith([hourly('contractors', ['contractors-90d'], { enabled: false })]), { savedBy: 'admin' });
    // The loop is sequential: once a heartbeat shows the edit, every later poll plans with it.
    await until(async () => slotOf(await hbOf(t.store, 'solo'), 'contractors')?.enabled === false, 'the edit read', 30_000, [d]);
    t.setClock('2026-11-27T02:00:02Z');
    await until(async () => slotOf(await hbOf(t.store, 'solo'), 'contractors')?.lastSlot === SLOT(2), 'slot 02:00 seen', 30_000, [d]);
    const runs2 = [...indexRuns(await storedTrail(t.store)).values()].filter((r) => r.started?.type === 'runStarted');
    assert.equal(runs2.length, 2, 'no run at 02:00');

    // An invalid saved policy is never run: the slot is recorded as refused with the engine's problems.
    await t.store.putProp('com.usercleanup.policy', { format: 'user-cleanup/policy', formatVersion: 1, revision: 99, policy: { ...policyWith([hourly('contractors', ['contractors-90d'])]), rules: [{ id: 'x' }] } });
    await until(async () => (await hbOf(t.store, 'solo'))?.problem === 'the saved policy is not valid', 'the invalid policy read', 30_000, [d]);
    t.setClock('2026-11-27T03:00:02Z');
    const refused = await until(async () => (await storedTrail(t.store)).find((r) => r.type === 'runRefused' && r.reason === 'policyInvalid'), 'the invalid policy refused', 30_000, [d]);
    assert.ok(Array.isArray(refused.problems) && refused.problems.length > 0 && refused.problems[0].code);
    assert.equal(refused.schedule, 'contractors');
    const hb3 = await until(async () => { const h = await hbOf(t.store, 'solo'); return slotOf(h, 'contractors')?.lastSlot === SLOT(3) && h; }, 'the heartbeat after 03:00', 30_000, [d]);
    assert.equal(slotOf(hb3, 'contractors').lastResult.status, 'skipped');
    assert.equal(slotOf(hb3, 'contractors').lastResult.runId, refused.runId);

    d.kill('SIGTERM');
    const end = await d.done;
    assert.equal(end.code, 0, d.err);
    assert.ok((await hbOf(t.store, 'solo')).stoppedAt);
  } finally {
    await t.close();
    await smtp.close();
  }
});

test('three daemons against one Jira run each slot exactly once; an unreachable SMTP server is recorded without failing the run', async () => {
  const t = await setup();
  const port = await closedPort();
  try {
    await t.store.savePolicy(policyWith([hourly('contractors', ['contractors-90d'])], { notify: { admins: ['ops@acme.com'] } }));
    const ds = ['a', 'b', 'c'].map((id) => t.daemon(id, { env: { USER_CLEANUP_SMTP_URL: `smtp://127.0.0.1:${port}` } }));
    await until(async () => (await t.store.listHeartbeats()).filter((h) => h.schedules.length === 1).length === 3, 'three heartbeats', 30_000, ds);
    for (const h of [1, 2, 3]) {
      t.setClock(`2026-11-27T0${h}:00:01Z`);
      await until(async () => {
        const hbs = await t.store.listHeartbeats();
        return hbs.filter((x) => slotOf(x, 'contractors')?.lastSlot === SLOT(h)).length === 3;
      }, `all three daemons past slot ${SLOT(h)}`, 90_000, ds);
    }
    const records = await storedTrail(t.store);
    const runs = [...indexRuns(records).values()].filter((r) => r.started?.type === 'runStarted');
    assert.equal(runs.length, 3, 'one run per slot');
    assert.ok(runs.every((r) => r.finished && r.started.schedule === 'contractors'));
    // Each slot's lease says which run it was, and every daemon saw the same result.
    const claims = [];
    for (const h of [1, 2, 3]) claims.push(...(await t.store.readClaims(`slot.contractors.2026112${7}T0${h}0000Z`)).map((c) => c.value));
    assert.equal(claims.length, 3);
    assert.ok(claims.every((c) => c.state === 'done'));
    assert.deepEqual(claims.map((c) => c.runId).sort(), runs.map((r) => r.started.runId).sort());
    const hbs = await t.store.listHeartbeats();
    for (const x of hbs) assert.equal(slotOf(x, 'contractors').lastResult.runId, claims[2].runId);
    // The email could not be sent: recorded, and the runs finished all the same.
    const notified = records.filter((r) => r.type === 'notified');
    assert.equal(notified.length, 3);
    assert.ok(notified.every((n) => n.result.ok === false && n.result.code === 'mail.connection'), JSON.stringify(notified.map((n) => n.result)));
    assert.ok(runs.every((r) => r.finished.exitCode === 0));
    // No daemon ran while another held the run lease: none left behind.
    assert.deepEqual(await t.store.readClaims('run'), []);
  } finally {
    await t.close();
  }
});

test('kill -9 of the daemon holding a slot mid-run: another finishes it from the stored trail; the end state equals an uninterrupted run', async () => {
  const policy = policyWith([hourly('contractors', ['contractors-90d'])]);
  // The uninterrupted run, for comparison.
  const ref = await setup({ extra: 16 });
  let want;
  try {
    await ref.store.savePolicy(policy);
    const d = ref.daemon('ref');
    await until(async () => (await hbOf(ref.store, 'ref'))?.schedules.length === 1, 'ref heartbeat', 30_000, [d]);
    ref.setClock('2026-11-27T01:00:01Z');
    await until(async () => slotOf(await hbOf(ref.store, 'ref'), 'contractors')?.lastSlot === SLOT(1), 'ref slot', 120_000, [d]);
    want = truth(ref.sb);
  } finally {
    await ref.close();
  }

  const t = await setup({ extra: 16, latencyMs: 40, leaseSeconds: 5 });
  try {
    await t.store.savePolicy(policy);
    const ds = ['k1', 'k2', 'k3'].map((id) => t.daemon(id));
    await until(async () => (await t.store.listHeartbeats()).filter((h) => h.schedules.length === 1).length === 3, 'three heartbeats', 60_000, ds);
    t.setClock('2026-11-27T01:00:01Z');
    // Wait until the holder has carried out a few actions, then kill it.
    const name = 'slot.contractors.20261127T010000Z';
    const holder = await until(async () => {
      const c = (await t.store.readClaims(name)).find((x) => x.value.state === 'held' && x.value.runId);
      if (!c) return null;
      const recs = await storedTrail(t.store);
      return recs.filter((r) => r.type === 'outcome' && r.runId === c.value.runId).length >= 3 && c.value;
    }, 'the holder mid-run', 120_000, ds);
    const victim = ds.find((c, k) => ['k1', 'k2', 'k3'][k] === holder.owner);
    // Its heartbeat goes on while it runs the slot.
    await until(async () => (await hbOf(t.store, holder.owner))?.running?.schedule === 'contractors', 'the heartbeat of the daemon running the slot', 20_000, ds);
    victim.kill('SIGKILL');
    await victim.done;
    const lastBeat = (await hbOf(t.store, holder.owner)).lastPoll;
    const before = (await storedTrail(t.store)).filter((r) => r.runId === holder.runId);
    assert.equal(before.some((r) => r.type === 'runFinished'), false, 'killed before the end');
    const alive = ds.filter((c) => c !== victim);
    await until(async () => (await t.store.readClaims(name)).some((x) => x.value.state === 'done'), 'another daemon finishes the slot', 180_000, alive);
    const records = await storedTrail(t.store);
    const run = indexRuns(records).get(holder.runId);
    assert.ok(run.finished, 'the same run finished');
    assert.equal(records.filter((r) => r.type === 'runStarted').length, 1, 'no second run');
    assert.ok(records.filter((r) => r.type === 'runResumed' && r.runId === holder.runId).length >= 1, 'resumed from the stored trail');
    // Every executable item has exactly one outcome: nothing repeated, nothing lost.
    const outcomes = records.filter((r) => r.type === 'outcome' && r.runId === holder.runId);
    assert.equal(new Set(outcomes.map((o) => o.item)).size, outcomes.length);
    assert.equal(outcomes.length, run.planned.items.filter((i) => i.action !== 'review' && !i.status).length);
    const done = (await t.store.readClaims(name)).find((x) => x.value.state === 'done').value;
    assert.notEqual(done.owner, holder.owner);
    assert.deepEqual(truth(t.sb), want);
    // The dead daemon's heartbeat stopped (the page shows it stale); it never said it stopped.
    const dead = await hbOf(t.store, holder.owner);
    assert.equal(dead.lastPoll, lastBeat);
    assert.equal(dead.stoppedAt, undefined);
    assert.ok(Date.now() - Date.parse(dead.lastPoll) > 3 * dead.pollSeconds * 1000);
  } finally {
    await t.close();
  }
});

function cli(args, env) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1', USER_CLEANUP_SMTP_URL: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

test('daemon --check passes on a good setup and names the problem: a bad token, an unsafe storage account, an invalid saved policy, an unreachable SMTP server', async () => {
  const smtp = await startSmtp();
  const t = await setup();
  try {
    const check = (env = {}) => cli(['daemon', '--jira', t.sb.url, '--check'], { USER_CLEANUP_TOKEN: t.sb.token, ...env });
    let r = await check();
    assert.equal(r.code, 1);
    assert.match(r.out, /FAIL +saved policy: no policy is saved in Jira yet/);
    await t.store.savePolicy(policyWith([hourly('contractors', ['contractors-90d'])], { notify: { admins: ['ops@acme.com'] } }), { savedBy: 'admin' });
    r = await check({ USER_CLEANUP_SMTP_URL: smtp.url });
    assert.equal(r.code, 0, r.out + r.err);
    for (const w of ['token', 'admin rights', 'storage account', 'saved policy', 'store access', 'SMTP']) assert.match(r.out, new RegExp(`^ok +${w}`, 'm'));
    assert.match(r.out, /ready: the daemon can run/);
    assert.doesNotMatch(r.out + r.err, new RegExp(t.sb.token));

    r = await check({ USER_CLEANUP_SMTP_URL: `smtp://127.0.0.1:${await closedPort()}` });
    assert.equal(r.code, 1);
    assert.match(r.out, /FAIL +SMTP: smtp:\/\/127\.0\.0\.1:\d+: .*\[mail\.connection\]/);
    r = await check();
    assert.match(r.out, /FAIL +SMTP: the policy sends run summaries to ops@acme\.com but USER_CLEANUP_SMTP_URL is not set/);

    r = await check({ USER_CLEANUP_TOKEN: 'not-a-token', USER_CLEANUP_SMTP_URL: smtp.url });
    assert.equal(r.code, 1);
    assert.match(r.out, /FAIL +token: .* did not accept USER_CLEANUP_TOKEN/);
    assert.doesNotMatch(r.out, /not-a-token/);
    r = await check({ USER_CLEANUP_TOKEN: t.sb.viewerToken, USER_CLEANUP_SMTP_URL: smtp.url });
    assert.equal(r.code, 1);
    assert.match(r.out, /FAIL +admin rights/);

    await t.store.putProp('com.usercleanup.policy', { format: 'user-cleanup/policy', formatVersion: 1, revision: 7, policy: { ...BASE, rules: [{ id: 'x' }] } });
    r = await check({ USER_CLEANUP_SMTP_URL: smtp.url });
    assert.equal(r.code, 1);
    assert.match(r.out, /FAIL +saved policy: not valid \(revision 7\): rules\[0\]/);

    const put = await fetch(`${t.sb.url}/rest/api/2/user?username=user-cleanup`, { method: 'PUT', headers: { Authorization: `Bearer ${t.sb.token}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ active: true }) });
    assert.ok(put.status < 300);
    r = await check({ USER_CLEANUP_SMTP_URL: smtp.url });
    assert.equal(r.code, 1);
    assert.match(r.out, /FAIL +storage account: The storage account "user-cleanup" is active/);
  } finally {
    await t.close();
    await smtp.close();
  }
});

test('leases in Jira: of many owners claiming at once exactly one wins; a held lease refuses others with who and since when; an expired one is taken over; run --jira refuses while another run holds the run lease', async () => {
  const t = await setup({ latencyMs: 15, realClock: true });
  try {
    for (let round = 0; round < 3; round++) {
      const name = `slot.test.2026112${round}T000000Z`;
      const stores = Array.from({ length: 5 }, (_, k) => createStore({ baseUrl: t.sb.url, token: t.sb.token, writer: `w${k}` }));
      // Never two winners; a round may have none (a claim written too slowly for the timing bound is
      // withdrawn), and then the claimers try again, as the daemons do at their next poll.
      let winners = 0;
      for (let attempt = 0; attempt < 6 && winners === 0; attempt++) {
        const results = await Promise.all(stores.map((s, k) => s.claimLease(name, { owner: `owner-${k}`, ttlMs: 3000, settleMs: 800 })));
        winners = results.filter((r) => r.ok).length;
        assert.ok(winners <= 1, `round ${round}: at most one winner (${JSON.stringify(results.map((r) => r.ok))})`);
      }
      assert.equal(winners, 1, `round ${round}: one winner in the end`);
      const claims = await t.store.readClaims(name);
      assert.equal(claims.length, 1, 'the losers withdrew their claims');
      assert.equal(claims[0].value.state, 'held');
    }
    // The run lease: held → refused with the holder; released → free; expired → taken over.
    const a = createStore({ baseUrl: t.sb.url, token: t.sb.token });
    const b = createStore({ baseUrl: t.sb.url, token: t.sb.token });
    const lease = await a.acquireRunLease({ owner: 'page-alice', node: 'admin page (alice)', ttlMs: 2500, settleMs: 200, data: { runId: 'run-20261127T000000Z-abcdef' } });
    await assert.rejects(b.acquireRunLease({ owner: 'cli-bob', ttlMs: 2500, settleMs: 200 }), (e) => {
      assert.equal(e.code, 'store.runBusy');
      assert.match(e.message, /admin page \(alice\) \(run run-20261127T000000Z-abcdef\) since 20\d\d-/);
      assert.equal(e.holder.owner, 'page-alice');
      return true;
    });
    // run --jira is refused the same way (exit 3), and nothing is changed.
    const before = truth(t.sb);
    writeFileSync(join(t.dir, 'p.json'), JSON.stringify(policyWith([])));
    const r = await cli(['run', '--policy', join(t.dir, 'p.json'), '--jira', t.sb.url, '--yes', '--audit', join(t.dir, 'a.jsonl'), '--readonly-fallback', 'skip'], { USER_CLEANUP_TOKEN: t.sb.token });
    assert.equal(r.code, 3, r.out + r.err);
    assert.match(r.err + r.out, /Another User Cleanup run is in progress: admin page \(alice\)/);
    assert.deepEqual(truth(t.sb), before);
    // Released: free again. Not renewed: expired, and taken over.
    await a.releaseRunLease(lease);
    const l2 = await b.acquireRunLease({ owner: 'cli-bob', ttlMs: 1500, settleMs: 200 });
    await assert.rejects(a.acquireRunLease({ owner: 'page-alice', ttlMs: 1500, settleMs: 200 }), (e) => e.code === 'store.runBusy');
    await sleep(2200);
    const l3 = await a.acquireRunLease({ owner: 'page-alice', ttlMs: 1500, settleMs: 200 });
    assert.equal(l3.value.owner, 'page-alice');
    await assert.rejects(b.renewRunLease(l2), (e) => e.code === 'store.leaseLost');
    // The CLI run goes ahead once the lease is free, and leaves no lease behind.
    await a.releaseRunLease(l3);
    const ok = await cli(['run', '--policy', join(t.dir, 'p.json'), '--jira', t.sb.url, '--yes', '--audit', join(t.dir, 'a.jsonl'), '--readonly-fallback', 'skip'], { USER_CLEANUP_TOKEN: t.sb.token });
    assert.equal(ok.code, 0, ok.out + ok.err);
    assert.deepEqual(await t.store.readClaims('run'), []);
  } finally {
    await t.close();
  }
});

test('a lone daemon killed mid-run: started again, it finishes the run it left (the slot\'s lease expired, nobody else was watching)', async () => {
  const t = await setup({ extra: 12, latencyMs: 40, leaseSeconds: 4 });
  try {
    await t.store.savePolicy(policyWith([hourly('contractors', ['contractors-90d'])]));
    const first = t.daemon('node1');
    await until(async () => (await hbOf(t.store, 'node1'))?.schedules.length === 1, 'heartbeat', 30_000, [first]);
    t.setClock('2026-11-27T01:00:01Z');
    const name = 'slot.contractors.20261127T010000Z';
    const held = await until(async () => {
      const c = (await t.store.readClaims(name)).find((x) => x.value.state === 'held' && x.value.runId);
      return c && (await storedTrail(t.store)).filter((r) => r.type === 'outcome' && r.runId === c.value.runId).length >= 2 && c.value;
    }, 'the run under way', 120_000, [first]);
    first.kill('SIGKILL');
    await first.done;
    const again = t.daemon('node1');
    await until(async () => (await t.store.readClaims(name)).some((x) => x.value.state === 'done'), 'the restarted daemon finishes the slot', 120_000, [again]);
    assert.ok(again.events().some((e) => e.event === 'orphanedSlot' && e.runId === held.runId));
    const records = await storedTrail(t.store);
    const run = indexRuns(records).get(held.runId);
    assert.ok(run.finished);
    const outcomes = records.filter((r) => r.type === 'outcome' && r.runId === held.runId);
    assert.equal(new Set(outcomes.map((o) => o.item)).size, outcomes.length, 'no action repeated');
    assert.equal(outcomes.length, run.planned.items.filter((i) => i.action !== 'review' && !i.status).length, 'none lost');
    for (const o of outcomes.filter((x) => x.status === 'done')) assert.equal(t.sb.state.user(o.user).active, false);
  } finally {
    await t.close();
  }
});

test('forged slot claims start nothing: an expired claim is taken over only for a due slot of an enabled schedule whose daemon run the trail holds', async () => {
  const t = await setup();
  try {
    await t.store.savePolicy(policyWith([hourly('contractors', ['contractors-90d']), hourly('switched-off', ['licence-180d'], { enabled: false })]), { savedBy: 'admin' });
    const before = truth(t.sb);
    // Claims as a node that died would leave them (held, expired), each naming a slot the daemon must not run.
    const forged = [
      ['switched-off', SLOT(0), 'the schedule is disabled'],
      ['contractors', '2026-11-27T00:15:00Z', 'not a due slot of the schedule'],
      ['contractors', SLOT(0), 'the trail holds no daemon run of the schedule by that id'],
      ['ghost', SLOT(0), 'no such schedule in the saved policy'],
    ];
    for (const [schedule, slot] of forged) {
      const name = `slot.${schedule}.${slot.replace(/[-:]/g, '')}`;
      const c = await t.store.claimLease(name, { owner: 'dead-node', ttlMs: 300, settleMs: 0, skewMs: 0, maxWriteMs: 60_000, data: { schedule, slot, runId: 'run-20261127T000000Z-abcdef' } });
      assert.ok(c.ok, `claimed ${name}`);
    }
    await sleep(1000);
    const d = t.daemon('solo');
    const ignored = await until(() => { const e = d.events().filter((x) => x.event === 'orphanIgnored'); return e.length === forged.length && e; }, 'every forged claim looked at', 30_000, [d]);
    assert.deepEqual(ignored.map((e) => [e.schedule, e.slot, e.reason]).sort(), forged.map((f) => [...f]).sort());
    await until(async () => (await hbOf(t.store, 'solo'))?.schedules.length === 2, 'a heartbeat after', 30_000, [d]);
    assert.ok(!d.events().some((e) => e.event === 'orphanedSlot' || e.event === 'runStarting'), d.out);
    assert.deepEqual((await storedTrail(t.store)).filter((r) => r.type === 'runStarted'), [], 'no run started');
    assert.deepEqual(truth(t.sb), before, 'nothing changed in Jira');
  } finally {
    await t.close();
  }
});

test('store: what is read back is untrusted — malformed heartbeats and claims are ignored (a claim can only ever block, never grant)', async () => {
  const t = await setup();
  try {
    await t.store.putProp('com.usercleanup.heartbeat.bad', { daemonId: 5, lastPoll: 'soon' });
    await t.store.putProp('com.usercleanup.heartbeat.text', 'hello');
    await t.store.putHeartbeat({ daemonId: 'good', node: 'good@h', host: 'h', version: '0.1.0', pid: 1, started: new Date().toISOString(), lastPoll: new Date().toISOString(), pollSeconds: 30, schedules: 'not a list' });
    const hbs = await t.store.listHeartbeats();
    assert.deepEqual(hbs.map((h) => h.daemonId), ['good']);
    assert.deepEqual(hbs[0].schedules, []);
    await t.store.putProp('com.usercleanup.lease.run.x', { format: 'user-cleanup/lease', owner: 'x', state: 'held', claimedAt: 'nope', expiresAt: '2999-01-01T00:00:00Z' });
    await t.store.putProp('com.usercleanup.lease.run.y', ['not', 'a', 'claim']);
    assert.deepEqual(await t.store.readClaims('run'), []);
    const lease = await t.store.acquireRunLease({ owner: 'me', ttlMs: 5000, settleMs: 200 });
    assert.equal(lease.value.state, 'held');
    await t.store.releaseRunLease(lease);
    await assert.rejects(t.store.claimLease('run', { owner: '' }), (e) => e.code === 'store.badLease');
  } finally {
    await t.close();
  }
});

test('a node whose clock lags Jira\'s by 2 hours: the daemon runs its slot on its own clock and decides on Jira\'s (not every user refused as a plan from the future)', async () => {
  const t = await setup({ jiraAheadMs: 2 * 3600_000 });
  try {
    const d = t.daemon('late');
    await t.store.savePolicy(policyWith([hourly('contractors', ['contractors-90d'])]), { savedBy: 'admin' });
    await until(async () => (await hbOf(t.store, 'late'))?.schedules.length === 1, 'the saved schedule in the heartbeat', 30_000, [d]);
    t.setClock('2026-11-27T01:00:02Z');
    const hb = await until(async () => { const h = await hbOf(t.store, 'late'); return slotOf(h, 'contractors')?.lastSlot === SLOT(1) && h; }, 'slot 01:00 done', 90_000, [d]);
    assert.equal(slotOf(hb, 'contractors').lastResult.status, 'done', JSON.stringify(slotOf(hb, 'contractors').lastResult));
    const run = [...indexRuns(await storedTrail(t.store)).values()].find((r) => r.started?.type === 'runStarted');
    const outcomes = [...run.outcomes.values()];
    assert.ok(outcomes.some((o) => o.status === 'done'), JSON.stringify(outcomes));
    assert.ok(!outcomes.some((o) => /planInFuture|planExpired/.test(o.code ?? '')), JSON.stringify(outcomes));
    // Jira's capture time is 2 hours after the slot the daemon ran on its own clock.
    assert.ok(Date.parse(run.started.snapshot.capturedAt) - Date.parse(SLOT(1)) >= 2 * 3600_000 - 60_000, run.started.snapshot.capturedAt);
    const after = truth(t.sb);
    assert.ok(outcomes.filter((o) => o.status === 'done').every((o) => after.get(lc(o.user)).active === false || o.action !== 'deactivate'));
  } finally {
    await t.close();
  }
});
