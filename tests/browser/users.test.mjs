// The Users view, bulk operations and the review list in a real browser (Debian's Chromium through
// playwright-core) against the sandbox Jira serving the app as the JAR does: the counts per filter
// equal the engine's query run in Node over the same users, shown in its order (or sorted, with ties
// in its order); the URL hash restores a filtered view;
// a bulk deactivation of 50 selected users changes exactly those 50, its trail (kept in Jira)
// passes `audit verify`, and undo from History restores them; protected users are left out of a
// bulk deactivation with the reason; add to / remove from a group in bulk change exactly the
// selected memberships; review decisions survive a reload, and "keep" protects the user in the
// Preview until its expiry and not after (the sandbox's clock moved past it).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startAppSandbox, FIXED_NOW } from '../../plugin-shim/dev/page-server.mjs';
import { launch, settled, adminPage as openAdminPage, cannotRun, accountStates, accountChanges } from './helpers.mjs';
import { createStore } from '../../plugin-shim/app/store.mjs';

const skip = cannotRun();
const ROOT = new URL('../../', import.meta.url);
const ROOT_PATH = fileURLToPath(ROOT);
const POLICY = readFileSync(new URL('samples/policy.json', ROOT), 'utf8');
const TMP = mkdtempSync(join(tmpdir(), 'uc-browser-users-'));

let browser;
let sb;
let clock = FIXED_NOW;
before(async () => {
  if (skip) return;
  browser = await launch();
  sb = await startAppSandbox({ now: () => clock });
  assert.equal((await store().createAccount()).ok, true);
  const s = store();
  await s.savePolicy(POLICY, { savedBy: 'admin', expectRevision: (await s.loadPolicy()).revision ?? 0 });
});
after(async () => {
  await browser?.close();
  await sb?.close();
});

const store = () => createStore({ baseUrl: sb.url, token: sb.token });
const adminPage = () => openAdminPage(browser, sb.url, { viewport: { width: 1400, height: 1000 }, acceptDownloads: true });
const lc = (s) => String(s).toLowerCase();
const truth = () => accountStates(sb);
const diff = accountChanges;

/** The engine's query over the sandbox's users as they are now, run in Node. */
async function nodeQuery(filter, policy = POLICY) {
  const engine = await import(new URL('plugin-shim/src/engine.mjs', ROOT).href);
  const { createJiraHost } = await import(new URL('plugin-shim/src/host/index.mjs', ROOT).href);
  const snap = await createJiraHost({ baseUrl: sb.url, token: sb.token }).snapshot();
  const r = engine.query(policy, JSON.stringify(snap), filter, { asOf: snap.capturedAt, actor: 'admin' });
  assert.equal(r.type, 'success', JSON.stringify(r.errors));
  return r.value;
}

async function openUsers(page, query = '') {
  await page.goto('about:blank');
  await page.goto(`${sb.appUrl}#user-cleanup/users${query ? `?${query}` : ''}`);
  assert.equal(await settled(page), 'ready');
  await page.waitForSelector('#uc-users-count[data-count]');
}
const shownCount = async (page) => Number(await page.getAttribute('#uc-users-count', 'data-count'));

// Active jira-core users with an internal email address who used Jira lately; 50 of them that are in
// Jira's internal directory (Jira's REST API does not say which directory: the sandbox's truth does)
// are chosen one by one (a read-only LDAP user cannot be deactivated).
const FIFTY = 'email=internal&bucket=active&role=jira-core&active=yes&protected=no&review=no';
const FIFTY_FILTER = { email: { external: false }, buckets: ['active'], roles: ['jira-core'], active: true, protected: false, review: false };
const internalDirectory = () => new Set(sb.state.snapshotTruth().users.filter((u) => (u.directory ?? 'Jira Internal Directory') === 'Jira Internal Directory').map((u) => lc(u.name)));

/** Checks each user's box, finding them by search. */
async function selectUsers(page, names) {
  for (const n of names) {
    await page.fill('#uc-users-search', n);
    // The search has been applied (the hash is written as the grid is drawn) and the user is shown.
    await page.waitForFunction((x) => new URLSearchParams(location.hash.split('?')[1] ?? '').get('q') === x
      && [...document.querySelectorAll('#uc-users-grid .uc-vgrid-row:not([hidden])')].some((r) => r.dataset.user === x), n);
    const box = page.locator(`#uc-users-grid .uc-vgrid-row:not([hidden])[data-user="${n}"] .uc-users-check`);
    try {
      await box.check({ timeout: 10_000 });
    } catch (e) {
      await page.screenshot({ path: join(TMP, 'select.png') });
      throw new Error(`${e.message}\n${TMP}/select.png; rows: ${JSON.stringify(await page.locator('#uc-users-grid .uc-vgrid-row:not([hidden])').evaluateAll((r) => r.map((x) => [x.dataset.user, x.style.top, x.getBoundingClientRect().height])))}`);
    }
  }
}

test('the counts for several filters equal the engine\u2019s query in Node; the URL hash restores the view', { skip: skip || false }, async () => {
  const { page, errors } = await adminPage();
  await openUsers(page);
  const all = await nodeQuery({});
  assert.equal(await shownCount(page), all.users.length, 'every user without a filter');
  // The facet counts beside each activity bucket are the engine's.
  for (const [bucket, n] of Object.entries(all.counts.buckets)) {
    assert.equal(Number(await page.getAttribute(`#uc-users-buckets label[for="uc-users-bucket-${bucket}"]`, 'data-count')), n, bucket);
  }
  const cases = [
    ['inactive=90&email=external', { inactiveDays: 90, email: { external: true } }],
    ['include=contractors&exclude=jira-administrators', { include: { groups: ['contractors'] }, exclude: { groups: ['jira-administrators'] } }],
    ['bucket=inactive&bucket=neverLoggedIn&active=yes', { buckets: ['inactive', 'neverLoggedIn'], active: true }],
    ['never=1&role=jira-software', { neverLoggedIn: {}, roles: ['jira-software'] }],
    ['protected=yes', { protected: true }],
    ['review=yes', { review: true }],
    ['before=2024-01-01&q=an', { created: { before: '2024-01-01' }, search: 'an' }],
    [FIFTY, FIFTY_FILTER],
  ];
  for (const [hash, filter] of cases) {
    await openUsers(page, hash);
    const expected = await nodeQuery(filter);
    assert.equal(await shownCount(page), expected.users.length, `count for ${hash}`);
    const names = await page.locator('#uc-users-grid .uc-vgrid-row:not([hidden])').evaluateAll((rows) => rows.map((r) => r.dataset.user));
    const want = new Set(expected.users.map((u) => u.name));
    for (const n of names) assert.ok(want.has(n), `${n} shown for ${hash} is one the engine matched`);
    // Unsorted, the grid shows the engine's users in the engine's order (its positions are right).
    assert.deepEqual(names, expected.users.slice(0, names.length).map((u) => u.name), `order for ${hash}`);
  }
  // Sorted over a filter: the grid orders the engine's users as a sort of them would (descending
  // days, ties in the engine's order), also after the filter changes under the sort.
  for (const [hash, filter] of [['include=contractors', { include: { groups: ['contractors'] } }], ['include=contractors&active=yes', { include: { groups: ['contractors'] }, active: true }]]) {
    await openUsers(page, `${hash}&sort=daysInactive%3Adesc`);
    const got = await page.locator('#uc-users-grid .uc-vgrid-row:not([hidden])').evaluateAll((rows) => rows.map((r) => r.dataset.user));
    const users = (await nodeQuery(filter)).users;
    const sortedUsers = users.map((u, i) => [u.daysInactive ?? -1, i, u.name]).sort((a, b) => b[0] - a[0] || a[1] - b[1]).map((x) => x[2]);
    assert.ok(got.length > 5, `${got.length} rows shown`);
    assert.deepEqual(got, sortedUsers.slice(0, got.length), `sorted ${hash}`);
  }
  await page.selectOption('#uc-users-active', 'no');
  await page.waitForFunction(() => location.hash.includes('active=no'));
  const inactiveOnes = (await nodeQuery({ include: { groups: ['contractors'] }, active: false })).users;
  assert.ok(inactiveOnes.length > 5, `${inactiveOnes.length} deactivated contractors`);
  assert.equal(await shownCount(page), inactiveOnes.length, 'a filter change under a sort');
  const shownNow = await page.locator('#uc-users-grid .uc-vgrid-row:not([hidden])').evaluateAll((rows) => rows.map((r) => r.dataset.user));
  assert.deepEqual(shownNow, inactiveOnes.map((u, i) => [u.daysInactive ?? -1, i, u.name]).sort((a, b) => b[0] - a[0] || a[1] - b[1]).map((x) => x[2]).slice(0, shownNow.length));

  // Controls → hash, and hash → controls after a reload.
  await openUsers(page);
  await page.fill('#uc-users-inactive', '120');
  await page.selectOption('#uc-users-email', 'external');
  await page.fill('#uc-users-include', 'contractors, ext-*');
  await page.waitForFunction(() => location.hash.includes('inactive=120') && location.hash.includes('include=ext-*'));
  const n = await shownCount(page);
  assert.equal(n, (await nodeQuery({ inactiveDays: 120, email: { external: true }, include: { groups: ['contractors', 'ext-*'] } })).users.length);
  await page.click('#uc-users-grid [data-key="daysInactive"] button');
  const hash = await page.evaluate(() => location.hash);
  assert.match(hash, /sort=daysInactive%3Adesc/);
  const page2 = await (await page.context()).newPage();
  await page2.goto(`${sb.appUrl}${hash}`);
  assert.equal(await settled(page2), 'ready');
  await page2.waitForSelector('#uc-users-count[data-count]');
  assert.equal(await shownCount(page2), n, 'the bookmarked view shows the same users');
  assert.equal(await page2.inputValue('#uc-users-inactive'), '120');
  assert.equal(await page2.inputValue('#uc-users-email'), 'external');
  assert.equal(await page2.inputValue('#uc-users-include'), 'contractors, ext-*');
  assert.equal(await page2.getAttribute('#uc-users-grid [role="columnheader"][data-key="daysInactive"]', 'aria-sort'), 'descending');
  const days = await page2.locator('#uc-users-grid .uc-vgrid-row:not([hidden]) [data-key="daysInactive"]').allTextContents();
  const nums = days.map((d) => Number(d.replace(/[^\d]/g, '')));
  assert.deepEqual(nums, [...nums].sort((a, b) => b - a), 'sorted by days, longest first');
  // The detail panel: facts and every group membership (once the background read of the groups
  // the policy does not name has finished, the view shows them all).
  await page2.waitForSelector('#uc-users-groups-note', { state: 'detached', timeout: 120_000 });
  await page2.click('#uc-users-grid .uc-vgrid-row:not([hidden]) >> nth=0');
  const first = await page2.getAttribute('#uc-users-detail .uc-message-title', 'data-user');
  const groups = await page2.locator('#uc-users-detail-groups li').allTextContents();
  const u = (await nodeQuery({ search: first })).users.find((x) => x.name === first);
  assert.deepEqual(groups, u.groups);
  assert.deepEqual(errors, []);
  await page.context().close();
});

test('a bulk deactivation of 50 selected users changes exactly those 50; the trail verifies; undo from History restores them', { skip: skip || false }, async () => {
  const { page, errors } = await adminPage();
  const internal = internalDirectory();
  const names = (await nodeQuery(FIFTY_FILTER)).users.map((u) => u.name).filter((n) => internal.has(lc(n))).slice(0, 50);
  assert.equal(names.length, 50);
  const expected = names.map(lc).sort();
  const before = truth();
  await openUsers(page, FIFTY);
  // "Select all that match", then clear, then the 50 one by one.
  await page.click('#uc-users-select-all');
  assert.equal(await page.getAttribute('#uc-users-selected', 'data-count'), String(await shownCount(page)));
  await page.click('#uc-users-clear-selection');
  await selectUsers(page, names);
  assert.equal(await page.getAttribute('#uc-users-selected', 'data-count'), '50');
  await page.click('#uc-users-bulk');
  await page.selectOption('#uc-bulk-operation', 'deactivate');
  await page.click('#uc-bulk-plan');
  await page.waitForSelector('#uc-bulk-summary');
  assert.equal(await page.getAttribute('#uc-bulk-summary', 'data-actions'), '50');
  assert.equal(await page.isDisabled('#uc-bulk-start'), true);
  await page.fill('#uc-bulk-confirm-input', '49');
  assert.equal(await page.isDisabled('#uc-bulk-start'), true, 'not with a wrong number');
  await page.fill('#uc-bulk-confirm-input', '50');
  await page.click('#uc-bulk-start');
  await page.waitForSelector('#uc-bulk-finished', { timeout: 120_000 });
  const runId = await page.getAttribute('#uc-bulk-finished', 'data-run-id');
  assert.match(runId, /^run-/);
  const changed = diff(before, truth());
  assert.deepEqual([...changed.keys()].sort(), expected, 'exactly the 50 selected users changed');
  for (const c of changed.values()) assert.deepEqual(c, { deactivated: true, reactivated: false, removed: [], added: [] });

  // The trail stored in Jira verifies with the CLI.
  const t = await store().loadAudit();
  const path = join(TMP, 'bulk.jsonl');
  writeFileSync(path, t.text);
  const v = spawnSync(process.execPath, [join(ROOT_PATH, 'plugin-shim/bin/user-cleanup.mjs'), 'audit', 'verify', path], { encoding: 'utf8' });
  assert.equal(v.status, 0, v.stdout + v.stderr);
  const started = t.records.find((r) => r.type === 'runStarted' && r.runId === runId);
  assert.equal(started.bulk.operation.type, 'deactivate');
  assert.equal(started.bulk.users.length, 50);

  // Undo from History.
  await page.goto(`${sb.appUrl}#user-cleanup/history`);
  assert.equal(await settled(page), 'ready');
  const card = page.locator(`.uc-run-card[data-run-id="${runId}"]`);
  await card.locator('[data-undo="run"]').click();
  const confirm = card.locator('.uc-undo-confirm');
  await confirm.locator('.uc-undo-list').waitFor();
  const listed = await confirm.locator('.uc-undo-list li').evaluateAll((l) => l.map((x) => x.dataset.user));
  assert.equal(listed.length, 50);
  await confirm.locator('[data-undo-input]').fill('50');
  await confirm.locator('[data-undo-confirm]').click();
  await page.waitForSelector('#uc-undo-finished', { timeout: 120_000 });
  assert.equal(diff(before, truth()).size, 0, 'undo restored every user');
  assert.deepEqual(errors, []);
  await page.context().close();
});

test('protected users are left out of a bulk deactivation, with the reason', { skip: skip || false }, async () => {
  const { page, errors } = await adminPage();
  const prot = (await nodeQuery({ protected: true, active: true })).users.filter((u) => u.name !== 'admin');
  assert.ok(prot.length >= 2);
  // Two protected users and one that is not, chosen by search and checkbox.
  const pick = [prot[0].name, prot[1].name];
  const internal = internalDirectory();
  const plain = (await nodeQuery({ protected: false, active: true })).users.find((u) => internal.has(lc(u.name))).name;
  await openUsers(page, 'protected=yes&active=yes');
  for (const n of pick) await page.check(`#uc-users-grid .uc-vgrid-row:not([hidden])[data-user="${n}"] .uc-users-check`);
  await page.fill('#uc-users-search', plain);
  await page.selectOption('#uc-users-protected', '');
  await page.waitForFunction((n) => [...document.querySelectorAll('#uc-users-grid .uc-vgrid-row:not([hidden])')].some((r) => r.dataset.user === n), plain);
  await page.check(`#uc-users-grid .uc-vgrid-row:not([hidden])[data-user="${plain}"] .uc-users-check`);
  assert.equal(await page.getAttribute('#uc-users-selected', 'data-count'), '3');
  await page.click('#uc-users-bulk');
  await page.selectOption('#uc-bulk-operation', 'deactivate');
  await page.click('#uc-bulk-plan');
  await page.waitForSelector('#uc-bulk-summary');
  assert.equal(await page.getAttribute('#uc-bulk-summary', 'data-actions'), '1');
  const left = await page.locator('#uc-bulk-protected li').evaluateAll((l) => l.map((x) => ({ user: x.dataset.user, text: x.textContent })));
  assert.deepEqual(left.map((x) => x.user).sort(), [...pick].sort());
  for (const x of left) assert.equal(x.text, `${x.user} — ${prot.find((p) => p.name === x.user).protected.reason}`);
  // Reactivate is not destructive: nobody is left out (they are already active: unchanged).
  await page.selectOption('#uc-bulk-operation', 'reactivate');
  await page.click('#uc-bulk-plan');
  await page.waitForSelector('#uc-bulk-summary');
  assert.equal(await page.getAttribute('#uc-bulk-summary', 'data-protected'), '0');
  assert.deepEqual(errors, []);
  await page.context().close();
});

test('add to a group and remove from a group in bulk change exactly the selected memberships', { skip: skip || false }, async () => {
  const { page, errors } = await adminPage();
  const internal = internalDirectory();
  const users = (await nodeQuery({ active: true, protected: false, exclude: { groups: ['contractors'] }, buckets: ['lowUsage'] })).users.filter((u) => internal.has(lc(u.name))).slice(0, 4).map((u) => u.name);
  assert.equal(users.length, 4);
  const before = truth();
  await openUsers(page, 'active=yes&protected=no&exclude=contractors&bucket=lowUsage');
  await selectUsers(page, users);
  assert.equal(await page.getAttribute('#uc-users-selected', 'data-count'), '4');
  const run = async (operation, n) => {
    await page.click('#uc-users-bulk');
    await page.selectOption('#uc-bulk-operation', operation);
    await page.fill('#uc-bulk-groups', 'contractors');
    await page.click('#uc-bulk-plan');
    await page.waitForSelector('#uc-bulk-summary');
    assert.equal(await page.getAttribute('#uc-bulk-summary', 'data-actions'), String(n), await page.textContent('#uc-bulk'));
    await page.fill('#uc-bulk-confirm-input', String(n));
    await page.click('#uc-bulk-start');
    await page.waitForSelector('#uc-bulk-finished', { timeout: 120_000 });
    return page.getAttribute('#uc-bulk-finished', 'data-run-id');
  };
  await run('addToGroups', 4);
  const added = diff(before, truth());
  assert.deepEqual([...added.keys()].sort(), users.map(lc).sort());
  for (const c of added.values()) assert.deepEqual(c, { deactivated: false, reactivated: false, removed: [], added: ['contractors'] });
  await run('removeFromGroups', 4);
  assert.equal(diff(before, truth()).size, 0, 'removed again: every membership as before');
  assert.deepEqual(errors, []);
  await page.context().close();
});

test('review decisions survive a reload; keep protects the user in the Preview until its expiry and not after', { skip: skip || false }, async () => {
  const { page, errors } = await adminPage();
  const listed = (await nodeQuery({ review: true })).users;
  assert.ok(listed.length >= 2);
  const [kept, later] = listed;
  await page.goto(`${sb.appUrl}#user-cleanup/review`);
  assert.equal(await settled(page), 'ready');
  const waiting0 = Number(await page.getAttribute('#uc-review-waiting', 'data-count'));
  assert.equal(waiting0, listed.length);
  // Keep: reason and expiry.
  await page.click(`#uc-review-table tr[data-user="${kept.name}"] [data-decide="keep"]`);
  await page.click('#uc-review-save');
  await page.waitForSelector('#uc-review-error');
  assert.match(await page.textContent('#uc-review-error'), /keep needs a reason/);
  await page.fill('#uc-review-reason', 'runs the quarterly import');
  await page.fill('#uc-review-until', '2026-12-31');
  await page.click('#uc-review-save');
  await page.waitForSelector(`#uc-review-saved[data-user="${kept.name}"]`);
  // Postpone another.
  await page.click(`#uc-review-table tr[data-user="${later.name}"] [data-decide="postpone"]`);
  await page.click('#uc-review-save');
  await page.waitForSelector(`#uc-review-saved[data-user="${later.name}"]`);

  // Approve a third: carry out a deactivation now, as a bulk run (confirmed by typing 1).
  const internal = internalDirectory();
  const approved = listed.find((u) => u !== kept && u !== later && internal.has(lc(u.name)));
  const t0 = truth();
  await page.click(`#uc-review-table tr[data-user="${approved.name}"] [data-decide="approve"]`);
  await page.selectOption('#uc-bulk-operation', 'deactivate');
  await page.click('#uc-bulk-plan');
  await page.waitForSelector('#uc-bulk-summary[data-actions="1"]');
  await page.fill('#uc-bulk-confirm-input', '1');
  await page.click('#uc-bulk-start');
  await page.waitForSelector('#uc-bulk-finished', { timeout: 120_000 });
  await page.waitForSelector(`#uc-review-saved[data-user="${approved.name}"][data-decision="approve"]`);
  assert.deepEqual([...diff(t0, truth()).keys()], [lc(approved.name)]);

  // After a reload the decisions are there (kept in Jira), and the kept user is no longer listed.
  await page.reload();
  assert.equal(await settled(page), 'ready');
  const decided = await page.locator('#uc-review-decisions tbody tr').evaluateAll((r) => r.map((x) => [x.dataset.user, x.dataset.decision]));
  assert.deepEqual(new Map(decided).get(kept.name), 'keep');
  assert.deepEqual(new Map(decided).get(later.name), 'postpone');
  assert.equal(await page.locator(`#uc-review-table tr[data-user="${kept.name}"]`).count(), 0, 'a kept user is protected, so no rule lists them');
  assert.equal(await page.getAttribute(`#uc-review-table tr[data-user="${later.name}"]`, 'data-waiting'), 'false');
  assert.equal(new Map(decided).get(approved.name), 'approve');
  assert.equal(Number(await page.getAttribute('#uc-review-waiting', 'data-count')), listed.length - 3);
  // Each decision is a trail record with who, when and why.
  const recs = (await store().loadAudit()).records.filter((r) => r.type === 'reviewDecision');
  const k = recs.find((r) => r.user === kept.name);
  assert.equal(k.decision, 'keep');
  assert.equal(k.by, 'admin');
  assert.equal(k.reason, 'runs the quarterly import');
  assert.equal(k.until, '2026-12-31');
  // The Dashboard counts who waits.
  await page.goto(`${sb.appUrl}#user-cleanup/dashboard`);
  assert.equal(await settled(page), 'ready');
  await page.waitForSelector('#uc-dash-review[data-waiting]');
  assert.equal(Number(await page.getAttribute('#uc-dash-review', 'data-waiting')), listed.length - 3);

  // The Preview shows the kept user protected, with who, until when and why.
  await page.goto(`${sb.appUrl}#user-cleanup/preview`);
  assert.equal(await settled(page), 'ready');
  const showAll = page.locator('#uc-preview-protected .uc-table-more button');
  if (await showAll.count()) await showAll.click();
  const rows = await page.locator('#uc-protected-table tbody tr').evaluateAll((r) => r.map((x) => [...x.cells].map((c) => c.textContent)));
  const row = rows.find((r) => r[0] === kept.name);
  assert.ok(row, `${kept.name} is listed as protected`);
  assert.equal(row[2], 'kept by admin until 2026-12-31: runs the quarterly import');

  // After the expiry (the sandbox's clock moved on), the next Preview no longer protects them.
  clock = Date.parse('2027-01-02T10:00:00Z');
  try {
    await page.goto('about:blank');
    await page.goto(`${sb.appUrl}#user-cleanup/preview`);
    assert.equal(await settled(page), 'ready');
    if (await showAll.count()) await showAll.click();
    const after = await page.locator('#uc-protected-table tbody tr').evaluateAll((r) => r.map((x) => x.cells[0].textContent));
    assert.ok(!after.includes(kept.name), 'the expired exception protects no more');
    await page.fill('#uc-filter-search', kept.name);
    await page.waitForFunction((n) => [...document.querySelectorAll('#uc-actions-grid .uc-vgrid-row:not([hidden])')].some((r) => r.dataset.user === n), kept.name);
  } finally {
    clock = FIXED_NOW;
  }
  assert.deepEqual(errors, []);
  await page.context().close();
});
