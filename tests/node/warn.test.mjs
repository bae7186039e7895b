// Warning emails end to end: the sandbox Jira (with a fake clock), the Jira store, a real SMTP
// server (smtp-server) and a real MIME parser (mailparser). Who is warned is the engine's answer;
// these tests check that exactly those users get exactly their email, once, that the record of
// warnings sent is what lets a later run act (and only on users who did not log in since), and that
// a crash between sending and recording never sends a warning twice.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startSmtp, closedPort } from '../helpers/smtp.mjs';
import { startSandbox } from '../../plugin-shim/src/sandbox/index.mjs';
import { createJiraHost } from '../../plugin-shim/src/host/index.mjs';
import { createStore } from '../../plugin-shim/app/store.mjs';
import { loadSent, readWarningRecord, foldWarnings } from '../../plugin-shim/app/warn-record.mjs';
import { sendWarnings, warningMessageId, renderWarning } from '../../plugin-shim/src/runner/warn.mjs';
import { startRun } from '../../plugin-shim/src/runner/run.mjs';
import { createMemoryTrail } from '../../plugin-shim/src/runner/memory-trail.mjs';
import { stableMessageId } from '../../plugin-shim/src/mail/send.mjs';

const engine = await import('../../plugin-shim/src/engine.mjs');
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DAY = 86_400_000;
const T0 = '2026-11-29T03:00:00Z';
const at = (days) => new Date(Date.parse(T0) + days * DAY).toISOString().replace('.000Z', 'Z');

const HOSTILE = '<script>alert(1)</script>"><img src=x onerror=alert(2)>';
const POLICY = {
  version: 1,
  limits: { maxActionsPerRun: 50 },
  protect: { groups: ['jira-administrators'] },
  notify: { admins: ['ops@acme.com'], contact: 'help@acme.com' },
  rules: [
    { id: 'idle-90d', description: 'No login for 90 days', include: { groups: ['staff'] }, inactiveDays: 90, action: { type: 'deactivate' }, warn: { daysBefore: 14, template: 'idle' } },
  ],
  templates: [{
    id: 'idle',
    subject: 'Your Jira account will be {{actionWords}} on or after {{actionDate}}',
    body: 'Hello {{displayName}},\n\nyour account {{username}} will be {{actionWords}} on or after {{actionDate}}.\nReason: {{ruleDescription}}\n\nQuestions: {{contact}}',
  }],
};
const POLICY_TEXT = JSON.stringify(POLICY);
const user = (name, lastLogin, extra = {}) => ({
  name, displayName: `${name[0].toUpperCase()}${name.slice(1)} Person`, email: `${name}@acme.com`, active: true,
  groups: ['staff', 'jira-software-users'], created: '2024-01-01T00:00:00Z', lastLogin, ...extra,
});
const SNAPSHOT = {
  users: [
    user('ann', '2026-08-01T00:00:00Z'),                 // selected: warned now, action 2026-12-13
    user('bob', '2026-09-10T00:00:00Z'),                 // selected from 2026-12-09: warned now (upcoming)
    user('cy', '2026-11-20T00:00:00Z'),                  // recent: nothing
    user('dee', '2026-06-01T00:00:00Z', { email: undefined }), // selected, no email: reported, never warned
    user('eve', '2026-07-01T00:00:00Z', { displayName: HOSTILE }),
    user('fay', '2026-07-15T00:00:00Z'),
  ],
};

/** A world: sandbox Jira on a fake clock, a safe storage account, a host, an SMTP server. */
async function world({ smtp = true } = {}) {
  const clock = { now: Date.parse(T0) };
  const sb = await startSandbox({ port: 0, jira: '10.3', snapshot: structuredClone(SNAPSHOT), now: () => clock.now, logRequests: false });
  const store = createStore({ baseUrl: sb.url, token: sb.token });
  await store.createAccount();
  const host = createJiraHost({ baseUrl: sb.url, token: sb.token });
  const mailServer = smtp ? await startSmtp() : null;
  const env = { USER_CLEANUP_SMTP_URL: mailServer?.url ?? '', USER_CLEANUP_MAIL_FROM: 'jira-cleanup@acme.com' };
  return {
    sb, store, host, smtp: mailServer, env, clock,
    async send(asOf, o = {}) {
      clock.now = Date.parse(asOf);
      const snapshot = await host.snapshot();
      const trail = o.trail ?? createMemoryTrail([]);
      const res = await sendWarnings({ engine, policyText: POLICY_TEXT, snapshot, asOf, store, trail, mail: { env: o.env ?? env }, ...o.extra });
      return { res, snapshot, trail };
    },
    async close() {
      await mailServer?.close();
      await sb.close();
    },
  };
}

const warnedNow = (snapshot, asOf, sent) => {
  const r = engine.warnings(POLICY_TEXT, snapshot, { asOf, sent });
  assert.equal(r.type, 'success', JSON.stringify(r.errors));
  return r.value;
};

describe('sending warnings', () => {
  let w;
  before(async () => { w = await world(); });
  after(async () => { await w.close(); });

  test('a run warns exactly the users the engine lists, each email with its dates and rule; no email = reported, recorded once', async () => {
    const { res, snapshot, trail } = await w.send(T0);
    const listed = warnedNow(snapshot, T0, []).users.filter((x) => x.state === 'warn');
    assert.deepEqual(listed.map((x) => x.user), ['ann', 'bob', 'dee', 'eve', 'fay']);
    const mails = await w.smtp.waitFor(4);
    assert.equal(w.smtp.messages.length, 4);
    const byTo = new Map(mails.map((m) => [m.envelope.to[0], m]));
    assert.deepEqual([...byTo.keys()].sort(), ['ann@acme.com', 'bob@acme.com', 'eve@acme.com', 'fay@acme.com']);
    for (const x of listed.filter((u) => u.email)) {
      const m = byTo.get(x.email);
      const date = x.actionDate.slice(0, 10);
      assert.equal(m.subject, `Your Jira account will be deactivated on or after ${date}`);
      assert.match(m.text, new RegExp(`your account ${x.user} will be deactivated on or after ${date}\\.`));
      assert.match(m.text, /Reason: No login for 90 days/);
      assert.equal(m.headers.get('x-user-cleanup-rule'), 'idle-90d');
      const cycle = snapshot.users.find((u) => u.name === x.user).lastLogin;
      assert.equal(m.messageId, warningMessageId(x.user, x.rule, cycle));
      assert.equal(m.messageId, stableMessageId(['warning', x.user, 'idle-90d', cycle]));
    }
    assert.equal(byTo.get('ann@acme.com').subject, 'Your Jira account will be deactivated on or after 2026-12-13');
    assert.equal(byTo.get('bob@acme.com').subject, 'Your Jira account will be deactivated on or after 2026-12-13');
    assert.deepEqual(res.counts, { sent: 4, failed: 0, skipped: 1, maybeSent: 0, retried: 0 });
    const dee = res.results.find((r) => r.user === 'dee');
    assert.equal(dee.status, 'skipped');
    assert.match(dee.reason, /no email address/);
    // Trail: intent before each send, then its result; dee skipped.
    const types = trail.records.map((r) => `${r.type}:${r.user ?? ''}`);
    for (const u of ['ann', 'bob', 'eve', 'fay']) assert.ok(types.indexOf(`warningIntent:${u}`) < types.indexOf(`warningSent:${u}`), u);
    assert.ok(types.includes('warningSkipped:dee'));
    // The record in Jira: 4 sent, dee skipped; nothing maybe-sent.
    const rec = await loadSent(w.store);
    assert.deepEqual(rec.sent.map((s) => s.user).sort(), ['ann', 'bob', 'eve', 'fay']);
    assert.ok(rec.sent.every((s) => s.sentAt === T0 && s.rule === 'idle-90d'));
    assert.deepEqual(rec.maybeSent, []);

    // The next day: everybody warned waits; nothing is sent, dee is reported but not recorded again.
    const again = await w.send(at(1));
    assert.equal(again.res.counts.sent, 0);
    assert.equal(again.res.counts.skipped, 1);
    const entries = (await readWarningRecord(w.store)).entries;
    assert.equal(entries.filter((e) => e.user === 'dee').length, 1, 'skipped once per cycle');
    assert.equal(w.smtp.messages.length, 4);
  });

  test('a hostile display name is inert in the HTML email', async () => {
    const eve = w.smtp.messages.find((m) => m.envelope.to[0] === 'eve@acme.com');
    assert.ok(eve, 'eve was warned');
    assert.doesNotMatch(eve.html, /<script|<img/i);
    assert.match(eve.html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;&quot;&gt;&lt;img src=x onerror=alert\(2\)&gt;/);
    assert.ok(eve.text.includes(`Hello ${HOSTILE},`), 'the text part shows the name as typed');
    assert.doesNotMatch(eve.subject, /[\r\n]/);
  });

  test('14 days later: only warned users who did not log in are acted on; one who logged in is warned again only when selected again', async () => {
    // Day 3: ann logs in (Jira records it at the fake clock).
    w.clock.now = Date.parse(at(3));
    w.sb.state.recordLogin('ann');
    // Day 14: the run.
    const asOf = at(14);
    w.clock.now = Date.parse(asOf);
    const { sent } = await loadSent(w.store);
    const trail = createMemoryTrail([]);
    const res = await startRun({
      host: w.host, engine, trail, policyText: POLICY_TEXT, jira: w.sb.url, asOf, sent, confirm: async () => {}, now: () => w.clock.now,
    });
    const deactivated = w.sb.state.mutations.filter((m) => m.op === 'deactivate' && m.user !== 'user-cleanup').map((m) => m.user).sort(); // the storage account is made inactive at set-up
    assert.deepEqual(deactivated, ['bob', 'eve', 'fay']);
    assert.equal(res.totals.done, 3);
    assert.equal(res.plan.counts.awaitingWarning, 1, 'dee (no email, never warned) awaits her warning');
    const deeAction = res.plan.actions.find((a) => a.user === 'dee');
    assert.equal(deeAction.status, 'awaitingWarning');
    assert.ok(!res.plan.actions.some((a) => a.user === 'ann'), 'ann logged in after her warning: not selected');

    // Without the record nobody is acted on (safe by default).
    const bare = engine.plan(POLICY_TEXT, await w.host.snapshot(), { asOf });
    assert.equal(bare.value.counts.executable, 0);

    // Day 14 warn: ann is not selected, so not warned again.
    const day14 = await w.send(asOf);
    assert.equal(day14.res.counts.sent, 0);
    // Day 80: ann (last login day 3) is selected from day 93, within 14 days: warned again, a new cycle.
    const before = w.smtp.messages.length;
    const day80 = await w.send(at(80));
    // (cy, last login 2026-11-20, is selected from day 81: warned for the first time.)
    assert.deepEqual(day80.res.results.filter((r) => r.status === 'sent').map((r) => r.user), ['ann', 'cy']);
    const fresh = (await w.smtp.waitFor(before + 2)).slice(before);
    assert.equal(fresh.length, 2);
    const m = fresh.find((x) => x.envelope.to[0] === 'ann@acme.com');
    const annLogin = day80.snapshot.users.find((u) => u.name === 'ann').lastLogin;
    assert.equal(m.messageId, warningMessageId('ann', 'idle-90d', annLogin));
    assert.notEqual(m.messageId, warningMessageId('ann', 'idle-90d', '2026-08-01T00:00:00Z'));
    assert.equal(m.subject, `Your Jira account will be deactivated on or after ${at(94).slice(0, 10)}`);
  });
});

describe('do warnings work? (warningOutcomes over the record in Jira and the last-login export)', () => {
  test('one login since the warning vs several: not known over REST, counted with previous_login; a login after the export is not known again', async () => {
    const w = await world();
    try {
      const day0 = await w.send(T0);
      assert.deepEqual(day0.res.results.filter((r) => r.status === 'sent').map((r) => r.user).sort(), ['ann', 'bob', 'eve', 'fay']);
      // ann logs in once after her warning, bob twice; eve and fay not.
      for (const [day, name] of [[2, 'ann'], [3, 'bob'], [5, 'bob']]) {
        w.clock.now = Date.parse(at(day));
        w.sb.state.recordLogin(name);
      }
      w.clock.now = Date.parse(at(7));
      const { sent } = await loadSent(w.store);
      const outcomes = (snapshot) => {
        const r = engine.warningOutcomes(POLICY_TEXT, snapshot, { asOf: at(7), sent });
        assert.equal(r.type, 'success', JSON.stringify(r.errors));
        const { rule, ...counts } = r.value.rules[0];
        assert.equal(rule, 'idle-90d');
        return counts;
      };
      // Over REST only the last login is known.
      assert.deepEqual(outcomes(await w.host.snapshot()), { warned: 4, loggedInAfter: 2, onlyOnce: 0, moreThanOnce: 0, notKnown: 2, lastLoginNotKnown: 0 });
      // With the SQL export (previous_login): ann once, bob more than once.
      const csv = w.sb.state.loginExportCsv();
      assert.deepEqual(outcomes(await w.host.snapshot({ lastLoginCsv: csv })), { warned: 4, loggedInAfter: 2, onlyOnce: 1, moreThanOnce: 1, notKnown: 0, lastLoginNotKnown: 0 });
      // fay logs in after the export was taken: REST's later login wins, the one before it is not known.
      w.clock.now = Date.parse(at(8));
      w.sb.state.recordLogin('fay');
      assert.deepEqual(outcomes(await w.host.snapshot({ lastLoginCsv: csv })), { warned: 4, loggedInAfter: 3, onlyOnce: 1, moreThanOnce: 1, notKnown: 1, lastLoginNotKnown: 0 });
    } finally {
      await w.close();
    }
  });
});

describe('failures and crashes', () => {
  test('an SMTP outage records failures; the next run retries them with the same Message-ID', async () => {
    const w = await world();
    try {
      const down = { USER_CLEANUP_SMTP_URL: `smtp://127.0.0.1:${await closedPort()}`, USER_CLEANUP_MAIL_FROM: 'jira-cleanup@acme.com' };
      const first = await w.send(T0, { env: down });
      assert.deepEqual(first.res.counts, { sent: 0, failed: 4, skipped: 1, maybeSent: 0, retried: 0 });
      assert.ok(first.res.results.filter((r) => r.status === 'failed').every((r) => r.code === 'mail.connection'), JSON.stringify(first.res.results));
      const failed = first.trail.records.filter((r) => r.type === 'warningFailed');
      assert.equal(failed.length, 4);
      assert.ok(failed.every((r) => r.code === 'mail.connection' && r.retryable === true && /reach|refused|ECONNREFUSED/i.test(r.reason)));
      assert.deepEqual((await loadSent(w.store)).sent, [], 'a failed warning is not a sent one');
      // The plan still waits for every warning.
      const snap = await w.host.snapshot();
      assert.equal(engine.plan(POLICY_TEXT, snap, { asOf: at(14), sent: [] }).value.counts.executable, 0);

      const second = await w.send(at(1));
      assert.equal(second.res.counts.sent, 4);
      assert.equal(second.res.counts.retried, 4);
      const mails = await w.smtp.waitFor(4);
      const ids = new Map(first.res.results.filter((r) => r.status === 'failed').map((r) => [r.user, r.messageId]));
      for (const m of mails) assert.equal(m.messageId, ids.get(m.envelope.to[0].split('@')[0]));
      assert.ok(second.trail.records.filter((r) => r.type === 'warningIntent').every((r) => r.retryOf?.code === 'mail.connection'));
    } finally {
      await w.close();
    }
  });

  test('a temporary refusal (451) for one user is recorded and retried, the others are sent', async () => {
    const w = await world();
    try {
      w.smtp.failNext(451, 'greylisted, try later');
      const first = await w.send(T0);
      assert.equal(first.res.counts.sent, 3);
      const f = first.res.results.find((r) => r.status === 'failed');
      assert.equal(f.code, 'mail.tempFailure');
      const second = await w.send(at(1));
      assert.deepEqual(second.res.results.filter((r) => r.status === 'sent').map((r) => r.user), [f.user]);
      assert.equal(w.smtp.messages.length, 4);
    } finally {
      await w.close();
    }
  });

  test('killing the process between sending and recording sends no duplicate (kill -9 in a child process)', async () => {
    const w = await world();
    try {
      // The child sends with a hook that stops right after the first email is accepted, before the
      // result is recorded; the parent kills it with SIGKILL there.
      const code = `
        import { createJiraHost } from './plugin-shim/src/host/index.mjs';
        import { createStore } from './plugin-shim/app/store.mjs';
        import { sendWarnings } from './plugin-shim/src/runner/warn.mjs';
        import * as engine from './plugin-shim/src/engine.mjs';
        const [url, token, smtpUrl, asOf, policyText] = JSON.parse(process.argv[1]);
        const host = createJiraHost({ baseUrl: url, token });
        const store = createStore({ baseUrl: url, token });
        const snapshot = await host.snapshot();
        await sendWarnings({ engine, policyText, snapshot, asOf, store, mail: { env: { USER_CLEANUP_SMTP_URL: smtpUrl } },
          hook: async (stage) => { if (stage === 'afterSend') { process.stdout.write('SENT\\n'); await new Promise(() => {}); } } });
      `;
      const child = spawn(process.execPath, ['--input-type=module', '-e', code, JSON.stringify([w.sb.url, w.sb.token, w.smtp.url, T0, POLICY_TEXT])], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      let err = '';
      child.stderr.on('data', (d) => (err += d));
      await new Promise((resolve, reject) => {
        child.stdout.on('data', (d) => { if (String(d).includes('SENT')) resolve(); });
        child.on('exit', (c) => reject(new Error(`the child ended (${c}) before sending: ${err}`)));
      });
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      assert.equal(w.smtp.messages.length, 1);
      const victim = w.smtp.messages[0].envelope.to[0].split('@')[0];
      const rec = await loadSent(w.store);
      assert.deepEqual(rec.sent, [], 'the result was never recorded');
      assert.deepEqual(rec.maybeSent.map((x) => x.user), [victim]);

      // The next run: the maybe-sent warning is not sent again (nor counted as sent); the others are sent.
      const next = await w.send(T0);
      assert.deepEqual(next.res.maybeSent.map((x) => x.user), [victim]);
      await w.smtp.waitFor(4);
      const to = w.smtp.messages.map((m) => m.envelope.to[0].split('@')[0]).sort();
      assert.deepEqual(to, ['ann', 'bob', 'eve', 'fay'], 'each user once');
      assert.ok(next.trail.records.some((r) => r.type === 'warningsStarted' && r.maybeSent.some((x) => x.user === victim)));
      // Never acted on: the maybe-sent warning does not count as sent.
      const { sent } = await loadSent(w.store);
      assert.ok(!sent.some((s) => s.user === victim));
      const p = engine.plan(POLICY_TEXT, next.snapshot, { asOf: at(14), sent }).value;
      assert.equal(p.actions.find((a) => a.user === victim).status, 'awaitingWarning');
      // Until an admin resends it (same Message-ID).
      const resent = await w.send(at(1), { extra: { resendMaybeSent: true } });
      assert.deepEqual(resent.res.results.filter((r) => r.status === 'sent').map((r) => r.user), [victim]);
      const [a, b] = w.smtp.messages.filter((m) => m.envelope.to[0] === `${victim}@acme.com`);
      assert.equal(a.messageId, b.messageId);
    } finally {
      await w.close();
    }
  });
});

describe('the record in Jira is untrusted', () => {
  test('entries of the wrong shape are left out and reported; an unsafe storage account is refused', async () => {
    const w = await world({ smtp: false });
    try {
      await w.store.putProp('com.usercleanup.warnings.00000', {
        format: 'user-cleanup/warnings', formatVersion: 1, chunk: 0,
        entries: [{ user: 'ann', rule: 'idle-90d', state: 'sent', at: 'yesterday', messageId: '<x@y>', cycle: 'never' }, { user: 'bob', rule: 'idle-90d', state: 'sent', at: T0, messageId: '<b@y>', cycle: 'never' }, 'junk'],
      });
      const r = await readWarningRecord(w.store);
      assert.deepEqual(r.entries.map((e) => e.user), ['bob']);
      assert.equal(r.problems.length, 2);
      assert.deepEqual(foldWarnings(r.entries).sent, [{ user: 'bob', rule: 'idle-90d', sentAt: T0 }]);
      w.sb.state.setActive(w.sb.state.user('user-cleanup'), true, 'test');
      await assert.rejects(readWarningRecord(createStore({ baseUrl: w.sb.url, token: w.sb.token })), (e) => e.code === 'store.unsafeAccount');
    } finally {
      await w.close();
    }
  });

  test('a "sent" dated after now does not count: the user is warned now (the action waits the full 14 days), and it is reported', async () => {
    const w = await world();
    try {
      // Forged in the store: ann "warned" on 2027-06-01 for her current cycle. Counted, she would
      // wait for 2027-06-15 and be deactivated then, never having received a warning.
      const cycle = SNAPSHOT.users[0].lastLogin;
      const messageId = warningMessageId('ann', 'idle-90d', cycle);
      await w.store.putProp('com.usercleanup.warnings.00000', {
        format: 'user-cleanup/warnings', formatVersion: 1, chunk: 0,
        entries: [{ user: 'ann', rule: 'idle-90d', state: 'sent', at: '2027-06-01T00:00:00Z', messageId, cycle }],
      });
      // The CLI's preview says so (and, without --yes, sends nothing).
      await w.store.savePolicy(POLICY_TEXT);
      const { run } = await import('../../plugin-shim/src/cli/main.mjs');
      let out = '';
      let err = '';
      const code = await run(['warn', '--jira', w.sb.url, '--as-of', T0], { stdout: { write: (x) => (out += x), isTTY: false }, stderr: { write: (x) => (err += x), isTTY: false }, stdin: { isTTY: false }, env: { ...w.env, NO_COLOR: '1', USER_CLEANUP_TOKEN: w.sb.token } });
      assert.equal(code, 3, err);
      assert.match(err, /warning: the warning to "ann" for rule "idle-90d" is recorded as sent at 2027-06-01T00:00:00Z, .* \[options\.sentInFuture\]/);
      assert.match(out, /send {3}ann <ann@acme\.com> {2}rule idle-90d: not warned yet: warning now/);
      assert.equal(w.smtp.messages.length, 0);
      // Without --as-of the CLI's "now" is Jira's clock (the sandbox's, at T0), not this machine's.
      let out2 = '';
      const code2 = await run(['warn', '--jira', w.sb.url], { stdout: { write: (x) => (out2 += x), isTTY: false }, stderr: { write: () => {}, isTTY: false }, stdin: { isTTY: false }, env: { ...w.env, NO_COLOR: '1', USER_CLEANUP_TOKEN: w.sb.token } });
      assert.equal(code2, 3);
      assert.match(out2, /Warnings as of 2026-11-29T03:00:0\dZ/);
      const { res, trail } = await w.send(T0);
      const ann = res.results.find((r) => r.user === 'ann');
      assert.deepEqual([ann.status, ann.messageId, ann.actionDate], ['sent', messageId, '2026-12-13T03:00:00Z']);
      assert.equal(w.smtp.messages.filter((m) => m.to.includes('ann@acme.com')).length, 1, 'ann got her warning now');
      assert.deepEqual(res.sentInFuture.map((x) => [x.code, x.path]), [['options.sentInFuture', 'sent[0].sentAt']]);
      assert.match(res.sentInFuture[0].message, /"ann".*2027-06-01T00:00:00Z/);
      assert.equal(trail.records.find((r) => r.type === 'warningIntent' && r.user === 'ann').notCounted, '2027-06-01T00:00:00Z');
      // The record now says sent at T0: counted, the action waits 14 days from now; a second run sends nothing.
      const { sent } = await loadSent(w.store);
      const plan = engine.plan(POLICY_TEXT, structuredClone(SNAPSHOT), { asOf: at(1), sent });
      const a = plan.value.actions.find((x) => x.user === 'ann');
      assert.deepEqual([a.status, a.warning.state, a.warning.warnedAt], ['awaitingWarning', 'wait', T0]);
      const again = await w.send(at(1));
      assert.equal(again.res.results.filter((r) => r.user === 'ann').length, 0);
    } finally {
      await w.close();
    }
  });
});

describe('CLI warn', () => {
  test('warn --jira --yes --as-of: shows who, sends, records; a second call sends nothing', async () => {
    const w = await world();
    try {
      await w.store.savePolicy(POLICY_TEXT);
      const { run } = await import('../../plugin-shim/src/cli/main.mjs');
      const cli = async (args) => {
        let out = '';
        let err = '';
        const code = await run(args, { stdout: { write: (s) => (out += s), isTTY: false }, stderr: { write: (s) => (err += s), isTTY: false }, stdin: { isTTY: false }, env: { ...w.env, NO_COLOR: '1', USER_CLEANUP_TOKEN: w.sb.token } });
        return { code, out, err };
      };
      const refused = await cli(['warn', '--jira', w.sb.url, '--as-of', T0]);
      assert.equal(refused.code, 3, refused.err);
      assert.match(refused.err, /--yes/);
      assert.equal(w.smtp.messages.length, 0);
      const r = await cli(['warn', '--jira', w.sb.url, '--as-of', T0, '--yes']);
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, /send {3}ann <ann@acme\.com> {2}rule idle-90d: not warned yet: warning now, action on or after 2026-12-13/);
      assert.match(r.out, /no email {2}dee/);
      assert.match(r.out, /4 sent, 0 failed/);
      await w.smtp.waitFor(4);
      const again = await cli(['warn', '--jira', w.sb.url, '--as-of', at(1), '--yes']);
      assert.equal(again.code, 0, again.err);
      assert.match(again.out, /Nothing to send/);
      assert.equal(w.smtp.messages.length, 4);
      // The trail in Jira holds the intents and results.
      const { openJiraTrail } = await import('../../plugin-shim/src/store/index.mjs');
      const trail = await openJiraTrail(w.store);
      assert.equal(trail.records.filter((x) => x.type === 'warningSent').length, 4);
      assert.equal(trail.records.filter((x) => x.type === 'warningIntent').length, 4);
    } finally {
      await w.close();
    }
  });
});

test('renderWarning is the email sent: same subject, text and html as the message received', async () => {
  const w = await world();
  try {
    const { snapshot } = await w.send(T0);
    const listed = warnedNow(snapshot, T0, []).users.find((x) => x.user === 'fay');
    const expected = renderWarning(POLICY, listed);
    const [m] = (await w.smtp.waitFor(4)).filter((x) => x.envelope.to[0] === 'fay@acme.com');
    assert.equal(m.subject, expected.subject);
    assert.equal(m.text.trim(), expected.text.trim());
    assert.equal(m.html.trim(), expected.html.trim());
  } finally {
    await w.close();
  }
});

describe('the daemon step and the CLI run', () => {
  test('warnBeforeRun: nothing without warn rules; sends and answers sent; an unsafe store answers [] (everything waits)', async () => {
    const { warnBeforeRun } = await import('../../plugin-shim/src/runner/warn.mjs');
    const w = await world();
    try {
      const events = [];
      const log = (e) => events.push(e);
      const noWarn = JSON.stringify({ ...POLICY, rules: [{ ...POLICY.rules[0], warn: undefined }], templates: undefined });
      assert.equal(await warnBeforeRun({ store: w.store, engine, host: w.host, policyText: noWarn, asOf: T0, env: w.env, log }), undefined);
      const trail = createMemoryTrail([]);
      const sent = await warnBeforeRun({ store: w.store, engine, host: w.host, policyText: POLICY_TEXT, asOf: T0, trail, env: w.env, log, schedule: undefined });
      assert.deepEqual(sent.map((s) => s.user).sort(), ['ann', 'bob', 'eve', 'fay']);
      assert.equal(events.at(-1).event, 'warnings');
      assert.equal(trail.records.filter((r) => r.type === 'warningSent').length, 4);
      w.sb.state.setActive(w.sb.state.user('user-cleanup'), true, 'test');
      const unsafe = createStore({ baseUrl: w.sb.url, token: w.sb.token });
      assert.deepEqual(await warnBeforeRun({ store: unsafe, engine, host: w.host, policyText: POLICY_TEXT, asOf: at(1), env: w.env, log }), []);
      assert.equal(events.at(-1).event, 'warningsFailed');
      assert.equal(w.smtp.messages.length, 4);
    } finally {
      await w.close();
    }
  });

  test('CLI run reads the record in Jira: plan (--as-of 14 days later) and decide (the real clock) both get the warnings sent', async () => {
    const w = await world();
    try {
      await w.send(T0);
      w.clock.now = Date.parse(at(3));
      w.sb.state.recordLogin('ann');
      // Jira reads the users at the real moment of the run (a plan whose snapshot was read after
      // now is refused: decide.planInFuture); the plan looks 14 days ahead with --as-of.
      w.clock.now = Date.now();
      const { writeFileSync, mkdtempSync } = await import('node:fs');
      const { tmpdir } = await import('node:os');
      const { join } = await import('node:path');
      const dir = mkdtempSync(join(tmpdir(), 'uc-warn-'));
      writeFileSync(join(dir, 'policy.json'), POLICY_TEXT);
      const { run } = await import('../../plugin-shim/src/cli/main.mjs');
      let out = '';
      let err = '';
      const code = await run(['run', '--policy', join(dir, 'policy.json'), '--jira', w.sb.url, '--yes', '--as-of', at(14), '--audit', join(dir, 'audit.jsonl')], {
        stdout: { write: (s) => (out += s), isTTY: false }, stderr: { write: (s) => (err += s), isTTY: false }, stdin: { isTTY: false },
        env: { ...w.env, NO_COLOR: '1', COLUMNS: '200', USER_CLEANUP_TOKEN: w.sb.token },
      });
      assert.equal(code, 0, err + out);
      // The plan (as of day 14) acts on the three warned users who did not log in; dee waits.
      assert.match(out, /actions {3}4: 3 executable/);
      assert.match(out, /dee .*deactivate \(awaitingWarning\).*not warned yet/);
      assert.doesNotMatch(out, /^\s*ann /m, 'ann logged in after her warning');
      // decide runs at the real moment of change (the wall clock, not --as-of): before the action
      // date it skips them citing the warning it was given — without the record it would say "not
      // warned yet" — and on or after it, it deactivates them.
      const done = new Set(w.sb.state.mutations.filter((m) => m.op === 'deactivate').map((m) => m.user));
      for (const name of ['eve', 'fay']) {
        if (done.has(name)) continue;
        assert.match(out, new RegExp(`skipped ${name} deactivate — rule idle-90d warns before acting: warned 2026-11-29: action on or after 2026-12-13`));
      }
      assert.ok(!done.has('dee') && !done.has('ann'));
    } finally {
      await w.close();
    }
  });
});

test('a trail that cannot be written stops the sending before the email leaves, and the warning is retried, not "maybe sent"', async () => {
  const w = await world();
  try {
    const broken = { records: [], append: async (r) => { if (r.type === 'warningIntent') throw new Error('disk full'); return r; } };
    await assert.rejects(w.send(T0, { trail: broken }), /disk full/);
    assert.equal(w.smtp.messages.length, 0);
    const rec = await loadSent(w.store);
    assert.deepEqual(rec.maybeSent, []);
    const next = await w.send(T0);
    assert.equal(next.res.counts.sent, 4);
    assert.equal(next.res.counts.retried, 1);
  } finally {
    await w.close();
  }
});

test('CLI dashboard --jira: "Warnings: do they work?" from the record in Jira (--json `warnings`, text, --last-login-csv); --snapshot: not read', async () => {
  const w = await world();
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'uc-dash-warn-'));
  try {
    await w.send(T0); // ann, bob, eve, fay warned
    w.clock.now = Date.parse(at(2));
    w.sb.state.recordLogin('ann'); // once after her warning
    w.clock.now = Date.parse(at(7));
    const policyFile = join(dir, 'policy.json');
    writeFileSync(policyFile, POLICY_TEXT);
    const { run } = await import('../../plugin-shim/src/cli/main.mjs');
    const cli = async (args) => {
      let out = '';
      let err = '';
      const code = await run(args, { stdout: { write: (s) => (out += s), isTTY: false }, stderr: { write: (s) => (err += s), isTTY: false }, stdin: { isTTY: false }, env: { NO_COLOR: '1', USER_CLEANUP_TOKEN: w.sb.token } });
      return { code, out, err };
    };
    const args = ['dashboard', '--jira', w.sb.url, '--policy', policyFile, '--as-of', at(7)];
    const j = await cli([...args, '--json']);
    assert.equal(j.code, 0, j.err);
    const { warnings, ...rest } = JSON.parse(j.out);
    assert.deepEqual(warnings, { asOf: at(7), rules: [{ rule: 'idle-90d', warned: 4, loggedInAfter: 1, onlyOnce: 0, moreThanOnce: 0, notKnown: 1, lastLoginNotKnown: 0 }] });
    // Every other field is the engine's Dashboard, unchanged.
    const snapshot = await w.host.snapshot();
    assert.deepEqual(rest, engine.dashboard(POLICY_TEXT, snapshot, { asOf: at(7) }).value);
    const t = await cli(args);
    assert.equal(t.code, 0, t.err);
    assert.match(t.out, /Warnings: do they work\?\n/);
    assert.match(t.out, /idle-90d +4 +1 +0 +0 +1\n/);
    assert.match(t.out, /--last-login-csv/);
    // With the export's previous_login: ann logged in only once.
    const csvFile = join(dir, 'logins.csv');
    writeFileSync(csvFile, w.sb.state.loginExportCsv());
    const withCsv = await cli([...args, '--last-login-csv', csvFile, '--json']);
    assert.equal(withCsv.code, 0, withCsv.err);
    assert.deepEqual(JSON.parse(withCsv.out).warnings.rules[0], { rule: 'idle-90d', warned: 4, loggedInAfter: 1, onlyOnce: 1, moreThanOnce: 0, notKnown: 0, lastLoginNotKnown: 0 });
    // From a file: no record of warnings sent.
    const snapFile = join(dir, 'snapshot.json');
    writeFileSync(snapFile, JSON.stringify(snapshot));
    const file = await cli(['dashboard', '--snapshot', snapFile, '--policy', policyFile, '--as-of', at(7)]);
    assert.equal(file.code, 0, file.err);
    assert.match(file.out, /warnings sent: not read \(no Jira\)/);
    assert.equal(JSON.parse((await cli(['dashboard', '--snapshot', snapFile, '--policy', policyFile, '--as-of', at(7), '--json'])).out).warnings, null);
  } finally {
    await w.close();
  }
});
