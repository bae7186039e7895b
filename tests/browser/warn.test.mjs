// Warning emails in the admin page (Chromium) against the sandbox Jira: the Rules view's template
// preview for a real user equals the email the sender actually sends to that user (received by a
// real SMTP server, parsed by mailparser); a hostile display name stays text in the preview; the
// Preview and Dashboard show the warning figures, and the Dashboard counts who logged in only once
// since the warning once the last-login export (with previous_login) is supplied.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startAppSandbox } from '../../plugin-shim/dev/page-server.mjs';
import { launch, settled, adminPage as openAdminPage, cannotRun } from './helpers.mjs';
import { createStore } from '../../plugin-shim/app/store.mjs';
import { createJiraHost } from '../../plugin-shim/src/host/index.mjs';
import { sendWarnings } from '../../plugin-shim/src/runner/warn.mjs';
import { startSmtp } from '../helpers/smtp.mjs';

const skip = cannotRun();
const engine = await import('../../plugin-shim/src/engine.mjs');
const DAY = 86_400_000;
const ago = (days) => new Date(Date.now() - days * DAY).toISOString().replace(/\.\d+Z$/, 'Z');
const HOSTILE = '<img src=x onerror="window.__pwned=1">"><script>window.__pwned=2</script>';

const POLICY = {
  version: 1,
  limits: { maxActionsPerRun: 50 },
  protect: { groups: ['jira-administrators'] },
  notify: { admins: ['ops@acme.com'], contact: 'help@acme.com' },
  rules: [{ id: 'idle-90d', description: 'No login for 90 days', include: { groups: ['staff'] }, inactiveDays: 90, action: { type: 'deactivate' }, warn: { daysBefore: 14, template: 'idle' } }],
  templates: [{ id: 'idle', subject: 'Account {{username}}: {{actionWords}} on or after {{actionDate}}', body: 'Hello {{displayName}},\n\n{{ruleDescription}}.\nLog in before {{actionDate}}.\n\nQuestions: {{contact}}' }],
};
const u = (name, days, extra = {}) => ({ name, displayName: `${name} Person`, email: `${name}@acme.com`, active: true, groups: ['staff', 'jira-software-users'], directory: 'Jira Internal Directory', created: '2020-01-01T00:00:00Z', lastLogin: ago(days), ...extra });

let browser;
let sb;
let smtp;
before(async () => {
  if (skip) return;
  browser = await launch();
  sb = await startAppSandbox({ snapshot: { users: [u('ann', 120), u('eve', 150, { displayName: HOSTILE }), u('cy', 5)] } });
  const store = createStore({ baseUrl: sb.url, token: sb.token });
  assert.equal((await store.createAccount()).ok, true);
  await store.savePolicy(JSON.stringify(POLICY), { savedBy: 'admin', expectRevision: 0 });
  smtp = await startSmtp();
});
after(async () => {
  await browser?.close();
  await sb?.close();
  await smtp?.close();
});

async function previewFor(page, user) {
  const card = page.locator('.uc-template').first();
  await card.locator('select.uc-template-user option', { hasText: user }).first().waitFor({ state: 'attached', timeout: 60_000 });
  await card.locator('select.uc-template-user').selectOption(user);
  await page.waitForFunction((name) => document.querySelector('.uc-template')?.dataset.previewUser === name, user);
  return card.evaluate((el) => ({
    subject: el.querySelector('.uc-template-subject').textContent,
    html: el.querySelector('iframe.uc-template-html').srcdoc,
    text: el.querySelector('.uc-template-text').textContent,
    sandbox: el.querySelector('iframe.uc-template-html').getAttribute('sandbox'),
  }));
}

test('the template preview equals the email actually sent to the same user; a hostile name is inert', { skip: skip || false }, async () => {
  const { context, page, errors } = await openAdminPage(browser, sb.url);
  try {
    await page.goto(`${sb.appUrl}#user-cleanup/rules`);
    assert.equal(await settled(page), 'ready');
    const ann = await previewFor(page, 'ann');
    const eve = await previewFor(page, 'eve');
    assert.equal(eve.sandbox, '', 'the iframe runs no script');

    // The sender, for real, over the same Jira.
    const host = createJiraHost({ baseUrl: sb.url, token: sb.token });
    const snapshot = await host.snapshot();
    const res = await sendWarnings({
      engine, policyText: JSON.stringify(POLICY), snapshot, asOf: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      store: createStore({ baseUrl: sb.url, token: sb.token }), mail: { env: { USER_CLEANUP_SMTP_URL: smtp.url } },
    });
    assert.equal(res.counts.sent, 2, JSON.stringify(res.results));
    const mails = await smtp.waitFor(2);
    for (const [name, shown] of [['ann', ann], ['eve', eve]]) {
      const m = mails.find((x) => x.envelope.to[0] === `${name}@acme.com`);
      assert.equal(shown.subject, m.subject, name);
      assert.equal(shown.html.trim(), m.html.trim(), name);
      assert.equal(shown.text.trim(), m.text.trim(), name);
    }
    assert.match(eve.html, /&lt;img src=x onerror=&quot;window.__pwned=1&quot;&gt;/);
    assert.equal(await page.evaluate(() => window.__pwned ?? null), null);
    const frame = page.frames().find((f) => f !== page.mainFrame());
    if (frame) assert.equal(await frame.evaluate(() => document.querySelectorAll('img, script').length).catch(() => 0), 0);

    // Editing the template updates the preview live.
    const body = page.locator('.uc-template textarea.uc-template-body').first();
    await body.fill('Dear {{displayName}}, see {{actionDate}}.');
    await page.waitForFunction(() => /Dear /.test(document.querySelector('.uc-template .uc-template-text')?.textContent ?? ''));
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('Preview lists who is warned, waits and is acted on; Dashboard shows warned users per rule', { skip: skip || false }, async () => {
  const { context, page, errors } = await openAdminPage(browser, sb.url);
  try {
    await page.goto(`${sb.appUrl}#user-cleanup/preview`);
    assert.equal(await settled(page), 'ready');
    const box = page.locator('#uc-preview-warnings');
    await box.waitFor({ timeout: 60_000 });
    await page.waitForFunction(() => document.querySelector('#uc-preview-warnings [data-count="wait"]'));
    assert.equal(await box.locator('[data-count="wait"]').textContent(), '2', 'ann and eve were warned by the first test and wait');
    assert.equal(await box.locator('[data-count="warn"]').textContent(), '0');
    assert.equal(await box.locator('[data-count="act"]').textContent(), '0');
    await box.locator('button[data-filter="wait"]').click();
    assert.deepEqual((await box.locator('tbody tr td:first-child').allTextContents()).sort(), ['ann', 'eve']);
    // The planned actions are planned with the record too: ann's action waits for her warning period, citing it.
    const planned = await page.textContent('#uc-preview-actions');
    assert.match(planned, /warned \d{4}-\d{2}-\d{2}: action on or after/);
    assert.doesNotMatch(planned, /not warned yet/);

    await page.goto(`${sb.appUrl}#user-cleanup/dashboard`);
    assert.equal(await settled(page), 'ready');
    const dash = page.locator('#uc-warn-dashboard');
    await page.waitForFunction(() => document.querySelector('#uc-warn-dashboard tbody tr'), null, { timeout: 60_000 });
    const row = await dash.locator('tbody tr').first().locator('td').allTextContents();
    assert.equal(row[0], 'idle-90d');
    assert.equal(row[1], '2');
    assert.equal(row[2], '0');
    assert.equal(row[3], '0', 'nobody logged in after the warning: none of them only once, known without the export');
    assert.equal(await dash.locator('#uc-warn-not-known').count(), 0);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('Dashboard: logged in once or more since the warning — not known over REST, counted with the last-login export', { skip: skip || false }, async () => {
  // ann and eve were warned by the first test. ann logs in once, eve twice (Jira moves the last
  // login to login.previousLoginMillis at each login); cy was not warned and logs in too.
  sb.state.recordLogin('ann');
  sb.state.recordLogin('eve');
  sb.state.recordLogin('eve');
  sb.state.recordLogin('cy');
  const { context, page, errors } = await openAdminPage(browser, sb.url);
  try {
    await page.goto(`${sb.appUrl}#user-cleanup/dashboard`);
    assert.equal(await settled(page), 'ready');
    const dash = page.locator('#uc-warn-dashboard');
    await page.waitForFunction(() => document.querySelector('#uc-warn-dashboard tbody tr'), null, { timeout: 60_000 });
    const cells = async () => dash.locator('tbody tr[data-rule="idle-90d"] td').allTextContents();
    let row = await cells();
    assert.deepEqual(row.slice(0, 5), ['idle-90d', '2', '2', '2 not known', '2 not known'], 'REST gives the last login only');
    assert.match(await dash.locator('#uc-warn-not-known').textContent(), /previous_login column/);

    // The SQL export (with previous_login), as the documented query gives it from this Jira.
    await page.setInputFiles('#uc-warn-login-export', { name: 'last-login.csv', mimeType: 'text/csv', buffer: Buffer.from(sb.state.loginExportCsv()) });
    await page.waitForFunction(() => document.querySelector('#uc-warn-export-loaded'));
    row = await cells();
    assert.deepEqual(row.slice(0, 5), ['idle-90d', '2', '2', '1', '1'], 'ann once, eve twice');
    assert.equal(await dash.locator('#uc-warn-not-known').count(), 0);
    assert.match(await dash.locator('#uc-warn-export-loaded').textContent(), /last-login\.csv/);

    // A broken export is refused with its line; the figures stay as they were.
    await page.setInputFiles('#uc-warn-login-export', { name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from('username,last_login,previous_login\nann,2026-01-02T00:00:00Z,2026-02-01T00:00:00Z\n') });
    await page.waitForFunction(() => document.querySelector('#uc-warn-export-error'));
    assert.match(await dash.locator('#uc-warn-export-error').textContent(), /bad\.csv: CSV line 2, previous_login: .* is after last_login/);
    assert.deepEqual((await cells()).slice(0, 5), ['idle-90d', '2', '2', '1', '1']);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});
