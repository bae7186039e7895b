// Trustworthy execution against the sandbox Jira: every write is decided again by the engine with
// the user as Jira shows it at that moment; plans expire; undo and resume stay within what the run
// was allowed to do, even when its trail was rewritten and re-sealed. The CLI runs in process (its
// `run` entry point, with a terminal-like stdin) so the test can change Jira while the prompt waits,
// or as a child process where nothing has to happen in between.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AS_OF } from '../fixtures/runner/world.mjs';
import { runCli as cli, worldSandbox } from '../helpers/cli.mjs';
import { startRun, resumeRun } from '../../plugin-shim/src/runner/run.mjs';
import { readTrail } from '../../plugin-shim/src/runner/trail.mjs';
import { reseal } from '../helpers/reseal.mjs';
import { indexRuns } from '../../plugin-shim/src/runner/report.mjs';
import { createJiraHost } from '../../plugin-shim/src/host/index.mjs';
import { RefusedError } from '../../plugin-shim/src/errors.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const POLICY = join(ROOT, 'tests/fixtures/runner/policy.json');
const POLICY_TEXT = readFileSync(POLICY, 'utf8');
const engine = await import('../../plugin-shim/src/engine.mjs');
const { startSandbox } = await import('../../plugin-shim/src/sandbox/index.mjs');
const { run: cliMain } = await import('../../plugin-shim/src/cli/main.mjs');
const tmp = () => mkdtempSync(join(tmpdir(), 'uc-decide-'));
const HOUR = 3600_000;

const sandbox = worldSandbox;
const truth = (sb, name) => sb.state.snapshotTruth().users.find((u) => u.name === name);
const mutationsOf = (sb, name) => sb.state.mutations.filter((m) => m.user === name);

/**
 * The CLI in process with a terminal on stdin: when it asks for the typed confirmation,
 * `onPrompt(count, outSoFar)` runs (Jira changes while the admin reads the preview), then the
 * number is typed.
 */
async function cliAtPrompt(args, { token, onPrompt = () => {} }) {
  const stdin = new PassThrough();
  stdin.isTTY = true;
  let out = '';
  let err = '';
  const prompts = [];
  const stdout = { write: (s) => (out += s), isTTY: false };
  const stderr = {
    isTTY: false,
    write: (s) => {
      err += s;
      const m = /Type (\d+) to carry out/.exec(String(s));
      if (m) {
        prompts.push(Number(m[1]));
        Promise.resolve(onPrompt(Number(m[1]), out)).then(() => stdin.write(`${m[1]}\n`));
      }
      return true;
    },
  };
  const code = await cliMain(args, { stdout, stderr, stdin, env: { ...process.env, NO_COLOR: '1', COLUMNS: '200', USER_CLEANUP_TOKEN: token } });
  return { code, out, err, prompts };
}

const runArgs = (sb, audit, extra = []) => ['run', '--policy', POLICY, '--jira', sb.url, '--audit', audit, '--as-of', AS_OF, '--readonly-fallback', 'skip', '--json', ...extra];

/** A confirmed (--yes) CLI run against `sb` that must succeed: its trail path and its JSON result. */
async function confirmedRun(sb) {
  const audit = join(tmp(), 'audit.jsonl');
  const r = await cli(runArgs(sb, audit, ['--yes']), { token: sb.token });
  assert.equal(r.code, 0, r.err);
  return { audit, result: JSON.parse(r.out) };
}

test('a user added to a protected group after the preview is not touched (CLI run)', async () => {
  const sb = await sandbox();
  try {
    const audit = join(tmp(), 'audit.jsonl');
    const r = await cliAtPrompt(runArgs(sb, audit), { token: sb.token, onPrompt: () => sb.state.addToGroup('bob', 'jira-administrators') });
    assert.equal(r.code, 0, r.err);
    assert.equal(r.prompts.length, 1);
    const res = JSON.parse(r.out);
    const bob = res.outcomes.find((o) => o.user === 'bob');
    assert.equal(bob.status, 'skipped');
    assert.equal(bob.code, 'decide.protected');
    assert.ok(bob.reason.length > 0, 'the engine says why in words');
    assert.equal(truth(sb, 'bob').active, true);
    assert.deepEqual(mutationsOf(sb, 'bob').filter((m) => m.op !== 'addToGroup'), []);
    assert.equal(res.outcomes.find((o) => o.user === 'nina').status, 'done', 'the others are still carried out');
    const { records } = await readTrail(audit);
    assert.ok(!records.some((x) => x.type === 'intent' && x.user === 'bob'), 'no write was announced for bob');
  } finally {
    await sb.close();
  }
});

test('a user who logs in after the preview is not touched (10.3 reports last logins)', async () => {
  const sb = await sandbox();
  try {
    const audit = join(tmp(), 'audit.jsonl');
    const r = await cliAtPrompt(runArgs(sb, audit), { token: sb.token, onPrompt: () => sb.state.recordLogin('ivan') });
    assert.equal(r.code, 0, r.err);
    const ivan = JSON.parse(r.out).outcomes.find((o) => o.user === 'ivan');
    assert.equal(ivan.status, 'skipped');
    assert.equal(ivan.code, 'decide.notSelected');
    assert.equal(truth(sb, 'ivan').active, true);
    assert.deepEqual(mutationsOf(sb, 'ivan'), []);
  } finally {
    await sb.close();
  }
});

test('a renamed user whose name is then reused by a new account is not touched (identity changed)', async () => {
  const sb = await sandbox();
  try {
    const audit = join(tmp(), 'audit.jsonl');
    const oldKey = truth(sb, 'bob').key;
    const r = await cliAtPrompt(runArgs(sb, audit), {
      token: sb.token,
      onPrompt: () => {
        sb.state.renameUser('bob', 'bob-left');
        // A new account under the old name, which the rule would select just as well.
        sb.state.addUser({ name: 'bob', displayName: 'Bob New', email: 'bob@globex.com', active: true, groups: ['contractors'], directory: 'Jira Internal Directory', created: '2024-01-01T00:00:00Z', lastLogin: '2025-01-01T00:00:00Z' }, { by: 'admin' });
      },
    });
    assert.equal(r.code, 0, r.err);
    assert.notEqual(truth(sb, 'bob').key, oldKey);
    const bob = JSON.parse(r.out).outcomes.find((o) => o.user === 'bob');
    assert.equal(bob.status, 'skipped');
    assert.equal(bob.code, 'decide.identityChanged');
    assert.equal(truth(sb, 'bob').active, true, 'the new account is untouched');
    assert.equal(truth(sb, 'bob-left').active, true, 'the renamed one too: the run knew it by its old name');
    const { records } = await readTrail(audit);
    assert.equal(records.find((x) => x.type === 'planned').items.find((it) => it.user === 'bob').key, oldKey, 'the plan recorded whom it meant');
  } finally {
    await sb.close();
  }
});

test('undo lists every user and group before the typed confirmation, and restores them', async () => {
  const sb = await sandbox();
  try {
    const before = sb.state.snapshotTruth().users;
    const { audit, result: { runId, outcomes } } = await confirmedRun(sb);
    const changed = outcomes.filter((o) => o.status === 'done').length;
    let listed = '';
    const u = await cliAtPrompt(['undo', '--run', runId, '--jira', sb.url, '--audit', audit], { token: sb.token, onPrompt: (n, out) => (listed = out) });
    assert.equal(u.code, 0, u.err);
    assert.match(listed, new RegExp(`Undo of run-\\S+: ${changed} users to restore`));
    assert.match(listed, /^ {2}bob: reactivate$/m);
    assert.match(listed, /^ {2}dave: add to jira-servicedesk-users$/m);
    const now = sb.state.snapshotTruth().users;
    for (const b of before) {
      const a = now.find((x) => x.name === b.name);
      assert.deepEqual([a.active, a.groups], [b.active, b.groups], b.name);
    }
  } finally {
    await sb.close();
  }
});

test('undo refuses a trail rewritten to name a foreign group, even re-sealed with the same code', async () => {
  const sb = await sandbox();
  try {
    const { audit, result: { runId } } = await confirmedRun(sb);
    const original = readFileSync(audit, 'utf8');
    const daveOutcome = (f) => f.find((x) => x.type === 'outcome' && x.user === 'dave');
    const cases = [
      {
        what: 'the outcome only',
        code: /tampered\.notIntended/,
        edit: (f) => daveOutcome(f).effects.groupsRemoved.push('jira-system-administrators'),
      },
      {
        what: 'the outcome, its intent and the planned item',
        code: /tampered\.notAllowed/,
        edit: (f) => {
          daveOutcome(f).effects.groupsRemoved.push('jira-system-administrators');
          f.find((x) => x.type === 'intent' && x.user === 'dave').groups.push('jira-system-administrators');
          f.find((x) => x.type === 'planned').items.find((it) => it.user === 'dave').groups.push('jira-system-administrators');
        },
      },
      {
        what: 'a reactivation the run never announced',
        code: /tampered\.notIntended/,
        edit: (f) => {
          const o = f.find((x) => x.type === 'outcome' && x.user === 'oscar');
          o.effects = { ...o.effects, deactivated: true };
        },
      },
    ];
    for (const c of cases) {
      writeFileSync(audit, original);
      await reseal(audit, c.edit);
      const verify = await cli(['audit', 'verify', audit]);
      assert.equal(verify.code, 0, `${c.what}: the chain verifies (the attacker re-sealed it)`);
      const n = sb.state.mutations.length;
      const u = await cli(['undo', '--run', runId, '--jira', sb.url, '--audit', audit, '--yes'], { token: sb.token });
      assert.equal(u.code, 3, `${c.what}: ${u.err}`);
      assert.match(u.err, /tampered with, so nothing is undone/, c.what);
      assert.match(u.err, c.code, c.what);
      assert.equal(sb.state.mutations.length, n, `${c.what}: nothing was changed`);
    }
    assert.ok(!truth(sb, 'dave').groups.includes('jira-system-administrators'));
  } finally {
    await sb.close();
  }
});

test('resume checks the run against its stored policy: an edited plan is refused, the untouched one resumes', async () => {
  const sb = await sandbox();
  try {
    const { audit, result: { runId } } = await confirmedRun(sb);
    // The trail as a crash after three outcomes left it: a prefix of a chain verifies.
    const lines = readFileSync(audit, 'utf8').split('\n').filter(Boolean);
    let outcomes = 0;
    const cut = lines.findIndex((l) => JSON.parse(l).type === 'outcome' && ++outcomes === 3);
    const interrupted = `${lines.slice(0, cut + 1).join('\n')}\n`;
    const planned = (f) => f.find((x) => x.type === 'planned');
    const cases = [
      { what: 'an item added', edit: (f) => planned(f).items.push({ i: planned(f).items.length + 1, user: 'kim', action: 'deactivate', rule: 'contractors-90d', reasons: [] }) },
      { what: 'a rule the policy does not have', edit: (f) => (planned(f).items.find((it) => it.user === 'ivan').rule = 'everyone') },
      { what: 'an action other than its rule\'s', edit: (f) => (planned(f).items.find((it) => it.user === 'ivan').action = 'removeFromGroups') },
      { what: 'a group the policy does not let it remove', edit: (f) => (planned(f).items.find((it) => it.user === 'oscar').groups = ['jira-administrators']) },
      { what: 'the stored policy edited', edit: (f) => (f[0].policy.text = f[0].policy.text.replace('"svc-backup"', '"svc-backup-x"')) },
    ];
    for (const c of cases) {
      writeFileSync(audit, interrupted);
      await reseal(audit, c.edit);
      const n = sb.state.mutations.length;
      const res = await cli(['run', '--resume', runId, '--jira', sb.url, '--audit', audit, '--yes'], { token: sb.token });
      assert.equal(res.code, 3, `${c.what}: ${res.err}`);
      assert.match(res.err, /does not match what it was allowed to do/, c.what);
      assert.match(res.err, /tampered\./, c.what);
      assert.equal(sb.state.mutations.length, n, `${c.what}: nothing was changed`);
    }
    writeFileSync(audit, interrupted);
    const n = sb.state.mutations.length;
    const ok = await cli(['run', '--resume', runId, '--jira', sb.url, '--audit', audit, '--yes', '--json'], { token: sb.token });
    assert.equal(ok.code, 0, ok.err);
    const end = indexRuns((await readTrail(audit)).records).get(runId);
    assert.ok(end.finished);
    // Jira already shows what the lost outcomes did: settled from Jira or, decided again, skipped;
    // nothing is sent twice.
    for (const o of [...end.outcomes.values()].slice(3)) assert.ok(o.status === 'skipped' || (o.status === 'done' && o.resumed), `${o.user}: ${o.status} ${o.reason ?? ''}`);
    assert.equal(sb.state.mutations.length, n);
    assert.equal(sb.state.counters.unchanged, 0);
  } finally {
    await sb.close();
  }
});

test('plans expire: a late answer re-reads Jira and asks again when the plan changed; a late resume is refused', async () => {
  let offset = 0;
  const clock = () => Date.now() + offset;
  const sb = await sandbox({ now: clock });
  try {
    const dir = tmp();
    const host = createJiraHost({ baseUrl: sb.url, token: sb.token });
    const shown = [];
    const replans = [];
    let asked = 0;
    const res = await startRun({
      host, engine, policyText: POLICY_TEXT, jira: sb.url.replace(/\/$/, ''), auditPath: join(dir, 'a.jsonl'), asOf: new Date(clock()).toISOString(), asOfNow: true, readonlyFallback: 'skip', now: clock,
      show: (plan) => shown.push(plan.actions.map((a) => a.user)),
      onReplan: (x) => replans.push(x.changed),
      confirm: async () => {
        asked += 1;
        if (asked === 1) {
          // The admin answers two hours later; meanwhile ivan logged in.
          offset += 2 * HOUR;
          sb.state.recordLogin('ivan');
        }
      },
    });
    assert.equal(asked, 2, 'asked again: the plan changed');
    assert.deepEqual(replans, [true]);
    assert.ok(shown[0].includes('ivan') && !shown[1].includes('ivan'));
    assert.ok(!res.outcomes.some((o) => o.user === 'ivan'));
    assert.equal(truth(sb, 'ivan').active, true);
    const { records } = await readTrail(join(dir, 'a.jsonl'));
    assert.equal(Date.parse(records.find((x) => x.type === 'runStarted').snapshot.capturedAt) >= Date.now() + HOUR, true, 'the run used the second read');

    // Late again, but nothing changed: one more read, no second question.
    const sb2 = await sandbox({ now: clock });
    try {
      const host2 = createJiraHost({ baseUrl: sb2.url, token: sb2.token });
      let asked2 = 0;
      const replans2 = [];
      await startRun({
        host: host2, engine, policyText: POLICY_TEXT, jira: sb2.url, auditPath: join(dir, 'b.jsonl'), asOf: new Date(clock()).toISOString(), asOfNow: true, readonlyFallback: 'skip', now: clock,
        onReplan: (x) => replans2.push(x.changed),
        confirm: async () => {
          asked2 += 1;
          offset += 2 * HOUR;
        },
      });
      assert.equal(asked2, 1);
      assert.deepEqual(replans2, [false]);
    } finally {
      await sb2.close();
    }

    // A run cut short and resumed after its plan's limit: refused, nothing changed. The run and
    // its resume decide on Jira's clock (runner/clock.mjs jiraClock), so "two hours later" is two
    // hours later in Jira: the runner's own clock is not what ages a plan.
    offset = 0;
    const sb3 = await sandbox({ now: clock });
    try {
      const audit = join(dir, 'c.jsonl');
      const r = await cli(['run', '--policy', POLICY, '--jira', sb3.url, '--audit', audit, '--readonly-fallback', 'skip', '--yes', '--json'], { token: sb3.token });
      assert.equal(r.code, 0, r.err);
      const { runId } = JSON.parse(r.out);
      const lines = readFileSync(audit, 'utf8').split('\n').filter(Boolean);
      writeFileSync(audit, `${lines.slice(0, lines.findIndex((l) => JSON.parse(l).type === 'outcome') + 1).join('\n')}\n`);
      const n = sb3.state.mutations.length;
      const host3 = createJiraHost({ baseUrl: sb3.url, token: sb3.token });
      offset += 2 * HOUR;
      const late = resumeRun({ host: host3, engine, auditPath: audit, runId, confirm: async () => {}, now: Date.now });
      await assert.rejects(late, (e) => e instanceof RefusedError && e.code === 'refused.planExpired' && /cannot be resumed/.test(e.message));
      assert.equal(sb3.state.mutations.length, n);
    } finally {
      await sb3.close();
    }
  } finally {
    await sb.close();
  }
});

test('the sample: a run against the sandbox ends exactly as planned, each user decided again', async () => {
  const snap = JSON.parse(readFileSync(join(ROOT, 'samples/snapshot.json'), 'utf8'));
  // Its LDAP directory is read-only with local licence groups: deactivating those users is
  // refused by Jira (skipped, --readonly-fallback skip), removing their licence groups works.
  const sb = await startSandbox({ port: 0, jira: '10.3', snapshot: snap, localGroups: ['jira-*-users'] });
  try {
    const policy = join(ROOT, 'samples/policy.json');
    const p = await cli(['preview', '--policy', policy, '--jira', sb.url, '--actor', 'admin', '--json'], { token: sb.token });
    assert.equal(p.code, 0, p.err);
    const plan = JSON.parse(p.out);
    const before = new Map(sb.state.snapshotTruth().users.map((u) => [u.name.toLowerCase(), u]));
    const audit = join(tmp(), 'audit.jsonl');
    const r = await cli(['run', '--policy', policy, '--jira', sb.url, '--audit', audit, '--readonly-fallback', 'skip', '--yes', '--json', '--concurrency', '8'], { token: sb.token });
    const res = JSON.parse(r.out);
    assert.equal(r.code, 0, r.err);
    // Project leads: the engine lists their deactivation as blocked (Jira would refuse it); never sent.
    assert.ok(plan.counts.blocked > 0, 'the sample has project leads to deactivate');
    assert.equal(res.totals.blocked, plan.counts.blocked);
    assert.equal(res.outcomes.length, plan.counts.executable);
    const by = new Map(res.outcomes.map((o) => [o.user.toLowerCase(), o]));
    const after = new Map(sb.state.snapshotTruth().users.map((u) => [u.name.toLowerCase(), u]));
    for (const a of plan.actions) {
      const k = a.user.toLowerCase();
      const o = by.get(k);
      if (a.action === 'review') continue;
      if (a.status === 'blocked') {
        assert.ok(!o, `${a.user}: a blocked action is never carried out`);
        assert.deepEqual(after.get(k), before.get(k));
        continue;
      }
      if (o.status === 'skipped') {
        assert.equal(o.code, 'host.readOnlyDirectory', `${a.user}: only read-only users are skipped (${o.reason})`);
        assert.deepEqual(after.get(k), before.get(k));
        continue;
      }
      assert.equal(o.status, 'done', `${a.user}: ${o.reason}`);
      if (a.action === 'deactivate') assert.equal(after.get(k).active, false, a.user);
      else for (const g of a.groups) assert.ok(!after.get(k).groups.includes(g), `${a.user} left ${g}`);
    }
    assert.equal(sb.state.counters.unchanged, 0);
  } finally {
    await sb.close();
  }
});
