// The Users view's bulk operation takes the run lease, as page runs, undo, `run --jira`, `bulk`
// and the daemon do (one run at a time per Jira), in a real browser (Debian's Chromium through
// playwright-core) against the sandbox Jira serving the app as the JAR does: while another run
// holds the lease the bulk run is refused naming the holder — nothing changed in Jira, no run
// started in the trail kept in Jira, the lease still the other's — and once it is released the same
// dialog runs, changes exactly the selected users and lets the lease go.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { appSession, withSavedPolicy, sessionStore, settled, adminPage as openAdminPage, cannotRun, accountStates, accountChanges } from './helpers.mjs';

const skip = cannotRun();
const ROOT = new URL('../../', import.meta.url);
const POLICY = readFileSync(new URL('samples/policy.json', ROOT), 'utf8');
const lc = (s) => String(s).toLowerCase();

const session = appSession(() => ({}), withSavedPolicy(POLICY));
const store = () => sessionStore(session);

/** Two active, unprotected users of Jira's internal directory (a read-only LDAP user cannot be deactivated). */
async function twoUsers() {
  const engine = await import(new URL('plugin-shim/src/engine.mjs', ROOT).href);
  const { createJiraHost } = await import(new URL('plugin-shim/src/host/index.mjs', ROOT).href);
  const snap = await createJiraHost({ baseUrl: session.sb.url, token: session.sb.token }).snapshot();
  const r = engine.query(POLICY, JSON.stringify(snap), { active: true, protected: false, review: false }, { asOf: snap.capturedAt, actor: 'admin' });
  assert.equal(r.type, 'success', JSON.stringify(r.errors));
  const internal = new Set(session.sb.state.snapshotTruth().users.filter((u) => (u.directory ?? 'Jira Internal Directory') === 'Jira Internal Directory').map((u) => lc(u.name)));
  const names = r.value.users.map((u) => u.name).filter((n) => internal.has(lc(n)) && lc(n) !== 'admin').slice(0, 2);
  assert.equal(names.length, 2, 'two users to deactivate');
  return names;
}

async function selectUsers(page, names) {
  for (const n of names) {
    await page.fill('#uc-users-search', n);
    // The search has been applied (the hash is written as the grid is drawn) and the user is shown.
    await page.waitForFunction((x) => new URLSearchParams(location.hash.split('?')[1] ?? '').get('q') === x
      && [...document.querySelectorAll('#uc-users-grid .uc-vgrid-row:not([hidden])')].some((r) => r.dataset.user === x), n);
    await page.locator(`#uc-users-grid .uc-vgrid-row:not([hidden])[data-user="${n}"] .uc-users-check`).check({ timeout: 10_000 });
  }
}

const runsStarted = async (s) => (await s.loadAudit()).records.filter((r) => r.type === 'runStarted' || r.type === 'runRefused').length;

test('a bulk run from the Users view is refused while another run holds the run lease (nothing changed, no run in the trail); after release it runs and lets the lease go', { skip: skip || false }, async () => {
  const names = await twoUsers();
  const s = store();
  const lease = await s.acquireRunLease({ owner: 'cli-bob', node: 'cli (bob)', ttlMs: 120_000, settleMs: 100, data: { runId: 'run-20261127T090000Z-b0b0b0' } });
  const before = accountStates(session.sb);
  const startedBefore = await runsStarted(s);
  const { page, errors } = await openAdminPage(session.browser, session.sb.url, { viewport: { width: 1400, height: 1000 } });
  try {
    await page.goto(`${session.sb.appUrl}#user-cleanup/users`);
    assert.equal(await settled(page), 'ready');
    await page.waitForSelector('#uc-users-count[data-count]');
    await selectUsers(page, names);
    assert.equal(await page.getAttribute('#uc-users-selected', 'data-count'), '2');
    await page.click('#uc-users-bulk');
    await page.selectOption('#uc-bulk-operation', 'deactivate');
    await page.click('#uc-bulk-plan');
    await page.waitForSelector('#uc-bulk-summary[data-actions="2"]');
    await page.fill('#uc-bulk-confirm-input', '2');
    await page.click('#uc-bulk-start');

    // Refused, naming who holds the lease and its run; the dialog stays open to try again.
    const refused = page.locator('#uc-bulk-outcome #uc-bulk-run-busy');
    await refused.waitFor({ timeout: 60_000 });
    assert.equal(await refused.getAttribute('data-code'), 'store.runBusy');
    const text = await refused.textContent();
    assert.match(text, /Another run is in progress/);
    assert.match(text, /cli \(bob\) \(run run-20261127T090000Z-b0b0b0\)/);
    assert.match(text, /Nothing was changed/);
    assert.equal(await page.locator('#uc-bulk-finished').count(), 0);
    assert.equal(await page.isDisabled('#uc-bulk-start'), false, 'it can be tried again');
    assert.deepEqual(accountStates(session.sb), before, 'nothing changed in Jira');
    assert.equal(await runsStarted(s), startedBefore, 'no run started or refused in the trail');
    const claims = await s.readClaims('run');
    assert.deepEqual(claims.map((c) => c.value.owner), ['cli-bob'], 'the lease is still the other run\u2019s');
  } finally {
    await s.releaseRunLease(lease);
  }

  // Released: the same dialog runs now, changes exactly the two users, and lets the lease go.
  await page.click('#uc-bulk-start');
  await page.waitForSelector('#uc-bulk-finished', { timeout: 120_000 });
  assert.equal(await page.locator('#uc-bulk-run-busy').count(), 0, 'the refusal is cleared');
  const changed = accountChanges(before, accountStates(session.sb));
  assert.deepEqual([...changed.keys()].sort(), names.map(lc).sort(), 'exactly the selected users changed');
  for (const n of names) assert.equal(session.sb.state.user(n).active, false);
  assert.equal(await runsStarted(s), startedBefore + 1, 'one run in the trail');
  const runId = await page.getAttribute('#uc-bulk-finished', 'data-run-id');
  const started = (await s.loadAudit()).records.find((r) => r.type === 'runStarted' && r.runId === runId);
  assert.equal(started?.via, 'admin page bulk');
  assert.deepEqual(await s.readClaims('run'), [], 'the lease was released');
  assert.deepEqual(errors, []);
  await page.context().close();
});
