// The mail module against a real SMTP server (smtp-server on 127.0.0.1) and a real MIME parser
// (mailparser): what arrives is what a mail client would show.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSmtp, closedPort, startSilentServer } from '../helpers/smtp.mjs';
import { sendMail, verifySmtp, parseSmtpUrl, describeSmtp, stableMessageId } from '../../plugin-shim/src/mail/send.mjs';
import { renderRunSummary, renderTemplate, checkTemplate, placeholdersIn, escapeHtml, PLACEHOLDERS, DEFAULT_WARNING_TEMPLATE, warningValues } from '../../plugin-shim/src/mail/render.mjs';

const FROM = 'user-cleanup@acme.example';
let smtp;
before(async () => {
  smtp = await startSmtp();
});
after(() => smtp.close());

/** Sends and returns the parsed message as received (the n-th one, counting from 1). */
async function sendAndReceive(message, extra = {}) {
  const n = smtp.messages.length + 1;
  const res = await sendMail(message, { url: smtp.url, from: FROM, ...extra });
  assert.equal(res.ok, true, JSON.stringify(res));
  const all = await smtp.waitFor(n);
  return { res, m: all[n - 1] };
}

// A trail as the runner writes it (report.mjs reads it): 5 planned, 3 done, 1 failed, 1 review.
function trail(runId) {
  const items = [
    { i: 0, user: 'alice', action: 'deactivate', rule: 'inactive' },
    { i: 1, user: 'bob', action: 'deactivate', rule: 'inactive' },
    { i: 2, user: 'carol', action: 'removeFromGroups', groups: ['jira-software-users'], rule: 'ext' },
    { i: 3, user: 'dave', action: 'deactivate', rule: 'inactive' },
    { i: 4, user: 'erin', action: 'review', rule: 'review' },
  ];
  const out = (i, user, status, reason) => ({ runId, type: 'outcome', item: i, user, status, ...(reason ? { reason } : {}) });
  return [
    { runId: 'other-run', type: 'runStarted', schedule: 'x' },
    { runId, type: 'runStarted', schedule: 'nightly', jira: 'https://jira.acme.example' },
    { runId, type: 'planned', items },
    out(0, 'alice', 'done'),
    out(1, 'bob', 'failed', 'Jira: HTTP 400 — cannot deactivate a project lead (ABC)'),
    out(2, 'carol', 'done'),
    out(3, 'dave', 'done'),
    { runId, type: 'runFinished', totals: { done: 3, failed: 1, skipped: 0, review: 1 }, exitCode: 4 },
    { runId: 'other-run', type: 'outcome', item: 0, user: 'zed', status: 'failed', reason: 'not this run' },
  ];
}

test('a run summary arrives at the SMTP server with the counts, the failures with Jira\'s reasons and the run id', async () => {
  const runId = 'run-20261129T2200Z-abc123';
  const email = renderRunSummary({ runId, records: trail(runId), mode: 'run', node: 'jira-node-2', at: '2026-11-29T22:00:07Z' });
  const { res, m } = await sendAndReceive({ to: ['admin@acme.example', 'ops@acme.example'], ...email, headers: { 'X-User-Cleanup-Run': runId } });
  assert.deepEqual(res.accepted, ['admin@acme.example', 'ops@acme.example']);
  assert.deepEqual(m.envelope.to, ['admin@acme.example', 'ops@acme.example']);
  assert.equal(m.envelope.from, FROM);
  assert.equal(m.subject, `[User Cleanup] Run finished with 1 failure — schedule nightly — ${runId}`);
  for (const line of ['Done: 3', 'Failed: 1', 'Skipped: 0', 'Listed for review: 1', `Run: ${runId}`, 'Schedule: nightly', 'Node: jira-node-2', 'Jira: https://jira.acme.example']) {
    assert.ok(m.text.includes(line), `text has ${line}:\n${m.text}`);
  }
  assert.ok(m.text.includes('- bob: Jira: HTTP 400 — cannot deactivate a project lead (ABC)'));
  assert.ok(!m.text.includes('zed'), 'another run\'s failure is not in this summary');
  assert.ok(m.html.includes('<strong>bob</strong>: Jira: HTTP 400 — cannot deactivate a project lead (ABC)'));
  assert.ok(m.html.includes(runId));
  assert.equal(m.headers.get('x-user-cleanup-run'), runId);
  assert.equal(m.headers.get('auto-submitted'), 'auto-generated');
});

test('summaries of a refused run, a dry run and a failed slot say so and count what they should', () => {
  const refused = renderRunSummary({ runId: 'r1', schedule: 'weekly', refused: { reason: 'overLimit', message: '120 actions planned, the limit is 50' } });
  assert.equal(refused.subject, '[User Cleanup] Run refused (overLimit) — schedule weekly — r1');
  assert.ok(refused.text.includes('The run was refused and nothing was changed: 120 actions planned, the limit is 50'));
  assert.ok(!refused.text.includes('Done:'));

  const dry = renderRunSummary({ runId: 'r2', mode: 'preview', schedule: 'nightly', planned: { deactivate: 4, removeFromGroups: 2, review: 1 } });
  assert.equal(dry.subject, '[User Cleanup] Dry run: 6 changes would be made — schedule nightly — r2');
  assert.ok(dry.text.includes('Would deactivate: 4') && dry.text.includes('Would remove from groups: 2') && dry.text.includes('Listed for review: 1'));
  assert.ok(dry.text.includes('preview (dry run: nothing was changed)'));

  const failed = renderRunSummary({ runId: 'r3', error: { message: 'Jira did not answer', code: 'host.unreachable' } });
  assert.match(failed.subject, /^\[User Cleanup\] Run failed — manual run — r3$/);
  assert.ok(failed.text.includes('The slot failed: Jira did not answer (host.unreachable)'));

  // Only the first 50 failures are named; the rest are counted.
  const many = Array.from({ length: 60 }, (_, i) => ({ user: `u${i}`, reason: 'HTTP 500' }));
  const big = renderRunSummary({ runId: 'r4', totals: { done: 0, failed: 60 }, failures: many });
  assert.ok(big.text.includes('- u49: HTTP 500') && !big.text.includes('- u50:'));
  assert.ok(big.text.includes('… and 10 more'));
  assert.throws(() => renderRunSummary({}), { code: 'summary.invalid' });
});

const TEMPLATE = {
  subject: 'Your Jira account will be {{ actionWords }} on {{actionDate}}',
  body: 'Hello {{displayName}},\n\nyour account {{username}} has not been used for a while.\nRule: {{ruleDescription}}.\n\nQuestions? {{contact}}',
};
const VALUES = { displayName: 'Ana Díaz', username: 'adiaz', actionDate: '2026-12-13', actionWords: 'deactivated', ruleDescription: 'No login for 180 days', contact: 'it-help@acme.example' };

test('a template email renders every placeholder in the subject, the text and the HTML part', async () => {
  const email = renderTemplate(TEMPLATE, VALUES);
  assert.equal(email.subject, 'Your Jira account will be deactivated on 2026-12-13');
  assert.equal(email.text, 'Hello Ana Díaz,\n\nyour account adiaz has not been used for a while.\nRule: No login for 180 days.\n\nQuestions? it-help@acme.example');
  const { m } = await sendAndReceive({ to: 'adiaz@acme.example', ...email, messageId: stableMessageId(['warning', 'adiaz', 'inactive', '2026-12-13'], 'acme.example') });
  assert.equal(m.subject, 'Your Jira account will be deactivated on 2026-12-13');
  assert.equal(m.text.trim(), email.text);
  assert.ok(m.html.includes('<p>Hello Ana Díaz,</p>'));
  assert.ok(m.html.includes('your account adiaz has not been used for a while.<br>\nRule: No login for 180 days.'));
  assert.doesNotMatch(m.html + m.text + m.subject, /\{\{|\}\}/);
});

test('warningValues words the action and dates it in UTC; the default template renders with them', async () => {
  const user = { name: 'jdoe', displayName: 'Jane Doe', email: 'jdoe@acme.example' };
  const v = warningValues({ user, action: { action: 'removeFromGroups', groups: ['jira-software-users', 'confluence-users'] }, actionDate: '2026-12-13T23:30:00-05:00', rule: { id: 'ext', description: 'External, idle 90 days' }, contact: 'it@acme.example' });
  assert.deepEqual(v, { displayName: 'Jane Doe', username: 'jdoe', actionDate: '2026-12-14', actionWords: 'removed from the groups jira-software-users, confluence-users', ruleDescription: 'External, idle 90 days', contact: 'it@acme.example' });
  assert.equal(warningValues({ user: { name: 'x' }, action: { action: 'deactivate' }, actionDate: 0, rule: { id: 'r1' } }).displayName, 'x');
  assert.throws(() => warningValues({ user, action: { action: 'review' }, actionDate: 0, rule: {} }), { code: 'template.invalidValue' });
  assert.throws(() => warningValues({ user, action: { action: 'deactivate' }, actionDate: 'soon', rule: {} }), { code: 'template.invalidValue', path: 'actionDate' });
  // What a preview renders is byte for byte what the mail client shows.
  const preview = renderTemplate(DEFAULT_WARNING_TEMPLATE, v);
  const { m } = await sendAndReceive({ to: user.email, ...preview });
  assert.equal(m.subject, preview.subject);
  assert.equal(m.text.trim(), preview.text.trim());
  assert.equal(m.html, preview.html);
  assert.equal(preview.subject, 'Your Jira account will be removed from the groups jira-software-users, confluence-users on or after 2026-12-14');
});

test('the Message-ID is the caller\'s: the same warning always carries the same id', async () => {
  const id = stableMessageId(['warning', 'adiaz', 'inactive', '2026-12-13'], 'acme.example');
  assert.equal(id, stableMessageId(['warning', 'adiaz', 'inactive', '2026-12-13'], 'acme.example'));
  assert.notEqual(id, stableMessageId(['warning', 'adiaz', 'inactive', '2026-12-14'], 'acme.example'));
  assert.match(id, /^<[0-9a-f]{40}@acme\.example>$/);
  const { res, m } = await sendAndReceive({ to: 'a@acme.example', subject: 's', text: 't', messageId: id });
  assert.equal(res.messageId, id);
  assert.equal(m.messageId, id);
});

test('an unknown placeholder is an error naming it, where it is, and the known ones; missing values are named too', () => {
  assert.throws(
    () => renderTemplate({ subject: 'Hi {{displayname}}', body: 'x' }, VALUES),
    (e) => e.code === 'template.unknownPlaceholder' && e.path === 'subject' && e.message.includes('{{displayname}}') && PLACEHOLDERS.every((p) => e.message.includes(`{{${p}}}`)),
  );
  assert.throws(() => checkTemplate({ subject: 'ok', body: 'see {{ foo bar }}' }), { code: 'template.unknownPlaceholder', path: 'body' });
  assert.throws(() => checkTemplate({ subject: '', body: 'x' }), { code: 'template.invalid', path: 'subject' });
  assert.throws(() => checkTemplate('text'), { code: 'template.invalid' });
  assert.throws(() => renderTemplate(TEMPLATE, { ...VALUES, contact: undefined }), (e) => e.code === 'template.missingValue' && e.path === 'values.contact' && /notify\.contact/.test(e.message));
  assert.throws(() => renderTemplate(TEMPLATE, { ...VALUES, username: ['a'] }), { code: 'template.invalidValue', path: 'values.username' });
  // Values a template does not use are not required; a lone brace is text.
  assert.equal(renderTemplate({ subject: 'a { b }', body: 'only {{username}}' }, { username: 'u' }).text, 'only u');
  assert.deepEqual(placeholdersIn('{{username}} {{ username }} {{contact}}'), ['username', 'contact']);
});

const HOSTILE = ['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>'];

test('a hostile display name is inert in the HTML part (escaped) and verbatim in the text part, as received', async () => {
  for (const displayName of HOSTILE) {
    const email = renderTemplate(TEMPLATE, { ...VALUES, displayName });
    const { m } = await sendAndReceive({ to: 'x@acme.example', ...email });
    assert.ok(m.text.includes(`Hello ${displayName},`), 'verbatim in the text part');
    assert.ok(m.html.includes(`Hello ${escapeHtml(displayName)},`), 'escaped in the HTML part');
    assert.doesNotMatch(m.html, /<script|<img|onerror=alert\(1\)>/i);
  }
  // The same for a summary: a user name and a Jira reason are data.
  const s = renderRunSummary({ runId: '<b>r</b>', schedule: '<i>s</i>', totals: { failed: 1 }, failures: [{ user: HOSTILE[1], reason: HOSTILE[0] }], link: 'javascript:alert(1)' });
  assert.doesNotMatch(s.html, /<script|<img|<b>r|<i>s|href="javascript/i);
  assert.ok(s.text.includes(`- ${HOSTILE[1]}: ${HOSTILE[0]}`));
});

test('header injection through the subject is impossible: CR/LF become spaces and the received headers are only ours', async () => {
  const injected = 'Ana\r\nBcc: victim@evil.example\r\nX-Evil: 1\n\nbody';
  const email = renderTemplate(TEMPLATE, { ...VALUES, actionWords: injected });
  assert.doesNotMatch(email.subject, /[\r\n]/);
  const { m } = await sendAndReceive({ to: 'x@acme.example', ...email });
  assert.deepEqual(m.envelope.to, ['x@acme.example']);
  assert.equal(m.headers.get('bcc'), undefined);
  assert.equal(m.headers.get('x-evil'), undefined);
  assert.equal(m.subject, 'Your Jira account will be Ana Bcc: victim@evil.example X-Evil: 1 body on 2026-12-13');
  // sendMail itself refuses a multi-line subject or header, and an address that is really a list.
  for (const bad of [
    { to: 'x@acme.example', subject: 'a\r\nBcc: v@evil.example', text: 't' },
    { to: 'x@acme.example', subject: 's', text: 't', headers: { 'X-A': 'b\r\nBcc: v@evil.example' } },
    { to: 'x@acme.example', subject: 's', text: 't', headers: { Bcc: 'v@evil.example' } },
    { to: 'x@acme.example, v@evil.example', subject: 's', text: 't' },
    { to: 'Victim <v@evil.example>', subject: 's', text: 't' },
    { to: [], subject: 's', text: 't' },
  ]) {
    const r = await sendMail(bad, { url: smtp.url, from: FROM });
    assert.equal(r.ok, false);
    assert.equal(r.code, 'mail.badMessage', JSON.stringify(bad));
  }
});

test('SMTP answers 4xx and 5xx become ok:false with the server\'s reason; retryable only for 4xx', async () => {
  const before = smtp.messages.length;
  smtp.failNext(451, 'Greylisted, try again later');
  const t = await sendMail({ to: 'x@acme.example', subject: 's', text: 't' }, { url: smtp.url, from: FROM });
  assert.deepEqual([t.ok, t.code, t.responseCode, t.retryable], [false, 'mail.tempFailure', 451, true]);
  assert.match(t.reason, /451 Greylisted/);
  smtp.failNext(550, 'Mailbox unavailable');
  const p = await sendMail({ to: 'x@acme.example', subject: 's', text: 't' }, { url: smtp.url, from: FROM });
  assert.deepEqual([p.ok, p.code, p.responseCode, p.retryable], [false, 'mail.rejected', 550, false]);
  assert.equal(smtp.messages.length, before);
});

test('an unreachable SMTP server (closed port) returns ok:false with a reason, without throwing, quickly', async () => {
  const port = await closedPort();
  const t0 = Date.now();
  const r = await sendMail({ to: 'x@acme.example', subject: 's', text: 't' }, { url: `smtp://127.0.0.1:${port}`, from: FROM });
  const ms = Date.now() - t0;
  assert.deepEqual([r.ok, r.code, r.retryable], [false, 'mail.connection', true]);
  assert.match(r.reason, new RegExp(`cannot reach 127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`));
  assert.ok(ms < 5000, `${ms} ms`);
});

test('a server that accepts and never answers is abandoned after the timeout', async () => {
  const silent = await startSilentServer();
  try {
    const t0 = Date.now();
    const r = await sendMail({ to: 'x@acme.example', subject: 's', text: 't' }, { url: silent.url, from: FROM, timeoutMs: 800 });
    const ms = Date.now() - t0;
    assert.deepEqual([r.ok, r.code, r.retryable], [false, 'mail.timeout', true]);
    assert.ok(ms >= 700 && ms < 3000, `${ms} ms`);
    const v = await verifySmtp({ url: silent.url, timeoutMs: 800 });
    assert.equal(v.code, 'mail.timeout');
  } finally {
    await silent.close();
  }
});

test('a server slow at every step, each in time, is abandoned at the overall deadline', async () => {
  const slow = await startSmtp({ delayMs: 1000 });
  try {
    const t0 = Date.now();
    const r = await sendMail({ to: ['a@acme.example', 'b@acme.example', 'c@acme.example'], subject: 's', text: 't' }, { url: slow.url, from: FROM, timeoutMs: 1000 });
    const ms = Date.now() - t0;
    assert.deepEqual([r.ok, r.code], [false, 'mail.timeout'], JSON.stringify(r));
    assert.ok(ms < 2500, `${ms} ms (the steps together take 4 s)`);
    assert.equal(slow.messages.length, 0);
    // The caller's signal (the daemon's SIGTERM) stops it too, and says so.
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 200);
    const s = await sendMail({ to: 'a@acme.example', subject: 's', text: 't' }, { url: slow.url, from: FROM, timeoutMs: 5000, signal: stop.signal });
    assert.deepEqual([s.ok, s.code], [false, 'mail.stopped']);
  } finally {
    await slow.close();
  }
});

test('a password is never sent in clear text to another machine: STARTTLS is required, and its absence is mail.tls', async (t) => {
  let plain;
  try {
    plain = await startSmtp({ auth: { user: 'u', pass: 'secretpw' }, listen: '::' });
  } catch (e) {
    return t.skip(`no IPv6 on this machine (${e.code})`);
  }
  try {
    // [::ffff:127.0.0.1] reaches this machine but is not a loopback name to the sender.
    const r = await sendMail({ to: 'x@acme.example', subject: 's', text: 't' }, { url: `smtp://u:secretpw@[::ffff:127.0.0.1]:${plain.port}`, from: FROM });
    assert.deepEqual([r.ok, r.code, r.retryable], [false, 'mail.tls', false], JSON.stringify(r));
    assert.equal(plain.authAttempts.length, 0, 'the login was never attempted');
    assert.equal(plain.messages.length, 0);
    // Over loopback the same server takes the login (the tests' own setup).
    const ok = await sendMail({ to: 'x@acme.example', subject: 's', text: 't' }, { url: `smtp://u:secretpw@127.0.0.1:${plain.port}`, from: FROM });
    assert.equal(ok.ok, true, JSON.stringify(ok));
    assert.equal(plain.authAttempts.length, 1);
  } finally {
    await plain.close();
  }
});

test('not configured, or a bad URL: ok:false with a code, never a throw', async () => {
  const none = await sendMail({ to: 'x@acme.example', subject: 's', text: 't' }, { env: {} });
  assert.deepEqual([none.ok, none.code], [false, 'mail.notConfigured']);
  assert.equal(describeSmtp({}), null);
  // Odd arguments are answered, not thrown.
  for (const [m, o] of [[null, { url: smtp.url }], [undefined, null], [{ to: 5, subject: 's', text: 't' }, { url: smtp.url }], [{ to: 'x@acme.example', subject: 's', text: 't' }, { url: 42 }]]) {
    const r = await sendMail(m, o);
    assert.equal(r.ok, false, JSON.stringify(r));
    assert.equal(typeof r.reason, 'string');
  }
  assert.equal((await verifySmtp(null)).ok, false);
  for (const url of ['http://h', 'smtp://', 'smtp://h/path', 'smtp://h?x=1', 'not a url']) {
    const r = await sendMail({ to: 'x@acme.example', subject: 's', text: 't' }, { url });
    assert.deepEqual([r.ok, r.code], [false, 'mail.badUrl'], url);
  }
  assert.deepEqual(
    { ...parseSmtpUrl('smtps://mail.acme.example') },
    { secure: true, host: 'mail.acme.example', port: 465, user: undefined, pass: undefined, display: 'smtps://mail.acme.example:465', requireTLS: false },
  );
  // A password over plain SMTP to another machine needs STARTTLS; on this machine it does not.
  assert.equal(parseSmtpUrl('smtp://u:p@mail.acme.example:587').requireTLS, true);
  assert.equal(parseSmtpUrl('smtp://u:p@127.0.0.1:2525').requireTLS, false);
  assert.equal(parseSmtpUrl('smtp://mail.acme.example').requireTLS, false);
});

test('credentials never appear in a result: wrong login, echoing server, closed port, timeout, bad URLs', async () => {
  const user = 'svc-cleanup';
  const pass = 'Pa55:w%rd@x/y';
  const authed = await startSmtp({ auth: { user, pass }, authReply: (a) => `Invalid login for ${a.username} with password ${a.password}` });
  const silent = await startSilentServer();
  const port = await closedPort();
  const enc = encodeURIComponent(pass);
  const forms = [pass, enc, Buffer.from(pass).toString('base64'), Buffer.from(`\0${user}\0${pass}`).toString('base64')];
  const msg = { to: 'x@acme.example', subject: 's', text: 't' };
  try {
    // The right password works (the URL form round-trips a password with : % @ /).
    const good = await sendMail(msg, { url: authed.url, from: FROM });
    assert.equal(good.ok, true, JSON.stringify(good));
    assert.deepEqual((await verifySmtp({ url: authed.url })).ok, true);

    const wrongPass = `${pass}!`;
    const urls = [
      authed.url.replace(enc, encodeURIComponent(wrongPass)),
      `smtp://${user}:${enc}@127.0.0.1:${port}`,
      `smtp://${user}:${enc}@127.0.0.1:${silent.port}`,
      `ftp://${user}:${enc}@127.0.0.1:${port}`,
      `smtp://${user}:${enc}@127.0.0.1:${port}/x`,
      `smtp://${user}:${pass}@127.0.0.1:${port}`, // not encoded: not a valid URL
    ];
    const results = [];
    for (const url of urls) {
      results.push(await sendMail(msg, { url, from: FROM, timeoutMs: 800 }));
      results.push(await verifySmtp({ url, timeoutMs: 800 }));
      results.push({ describe: describeSmtp({ USER_CLEANUP_SMTP_URL: url }) });
    }
    assert.equal(results[0].code, 'mail.auth');
    assert.ok(results[0].reason.includes('Invalid login for svc-cleanup with password ***'), results[0].reason);
    const all = JSON.stringify(results);
    for (const f of [...forms, wrongPass, encodeURIComponent(wrongPass), Buffer.from(wrongPass).toString('base64')]) {
      assert.ok(!all.includes(f), `a form of the password leaked: ${f}\n${all}`);
    }
    assert.ok(results.every((r) => r.ok === false || r.describe !== undefined));
    assert.ok(all.includes(`smtp://${user}:***@127.0.0.1:`), 'the URL is shown with the password hidden');
  } finally {
    await authed.close();
    await silent.close();
  }
});
