// The review list's waiting times and its approvals in a real browser (Debian's Chromium through
// playwright-core) against the sandbox Jira serving the app as the JAR does: the Dashboard counts
// who waits and says how long the longest has waited — since the earliest of two runs in the trail
// kept in Jira that listed them for review — each review row says since when, a user no run listed
// yet is "listed now, not yet by a run", and a trail that does not verify makes it "not known";
// approving while another run holds the run lease is refused, changes nothing and decides nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { FIXED_NOW } from '../../plugin-shim/dev/page-server.mjs';
import { appSession, withSavedPolicy, sessionStore, settled, adminPage as openAdminPage, cannotRun, accountStates } from './helpers.mjs';
import { openJiraTrail } from '../../plugin-shim/src/store/index.mjs';
import { loadDecisions } from '../../plugin-shim/app/review-store.mjs';

const skip = cannotRun();
const ROOT = new URL('../../', import.meta.url);
const POLICY = readFileSync(new URL('samples/policy.json', ROOT), 'utf8');
const DAY = 86_400_000;
const lc = (s) => String(s).toLowerCase();

const session = appSession(() => ({}), withSavedPolicy(POLICY));
const store = () => sessionStore(session);
const adminPage = () => openAdminPage(session.browser, session.sb.url, { viewport: { width: 1400, height: 1000 } });

/** The engine's review list over the sandbox's users as they are now, run in Node. */
async function listedForReview() {
  const engine = await import(new URL('plugin-shim/src/engine.mjs', ROOT).href);
  const { createJiraHost } = await import(new URL('plugin-shim/src/host/index.mjs', ROOT).href);
  const snap = await createJiraHost({ baseUrl: session.sb.url, token: session.sb.token }).snapshot();
  const r = engine.query(POLICY, JSON.stringify(snap), { review: true }, { asOf: snap.capturedAt, actor: 'admin' });
  assert.equal(r.type, 'success', JSON.stringify(r.errors));
  return r.value.users;
}

async function open(page, view) {
  await page.goto('about:blank');
  await page.goto(`${session.sb.appUrl}#user-cleanup/${view}`);
  assert.equal(await settled(page), 'ready');
}

// Two runs, twenty and five days before the sandbox's now, listed users for review.
const T20 = new Date(FIXED_NOW - 20 * DAY - 3_600_000).toISOString();
const T5 = new Date(FIXED_NOW - 5 * DAY - 3_600_000).toISOString();

test('the Dashboard and the review list say how long users have waited, from the runs in the trail; not known when it does not verify', { skip: skip || false }, async () => {
  const listed = await listedForReview();
  assert.ok(listed.length >= 4, 'four users are listed for review');
  const [u1, u2, u3, u4] = listed.map((u) => u.name);
  // Before any run has listed them: the page says so. The same page opens the Dashboard again
  // below, after the runs were stored, and reads the trail again (what others appended since).
  const { page, errors } = await adminPage();
  await open(page, 'dashboard');
  const box = page.locator('#uc-dash-review[data-waiting]');
  await box.waitFor();
  assert.equal(await box.getAttribute('data-oldest-state'), 'notYetByRun');
  assert.match(await box.textContent(), /no recorded run has listed them yet: listed now, waiting 0 days/);

  const trail = await openJiraTrail(store());
  const item = (i, user) => ({ i, user, action: 'review', rule: 'idle-365d-review', reasons: [] });
  await trail.append({ type: 'planned', runId: 'run-first', at: T20, items: [item(0, u1), item(1, u2)], protected: [] });
  await trail.append({ type: 'planned', runId: 'run-second', at: T5, items: [item(0, u1), item(1, u3)], protected: [] });
  await trail.close();

  await page.click('#user-cleanup a[href="#user-cleanup/review"]');
  assert.equal(await settled(page), 'ready');
  await page.goBack();
  assert.equal(await settled(page), 'ready');
  await box.waitFor();
  assert.equal(Number(await box.getAttribute('data-waiting')), listed.length);
  assert.equal(await box.getAttribute('data-oldest-days'), '20');
  assert.equal(await box.getAttribute('data-oldest-since'), T20);
  assert.match(await box.textContent(), new RegExp(`^${listed.length} of ${listed.length} users listed for review wait for a decision; the longest has waited 20 days \\((${u1}|${u2}), since ${T20.slice(0, 10)}\\)`));

  await open(page, 'review');
  assert.equal(await page.getAttribute('#uc-review-waiting', 'data-oldest-days'), '20');
  const row = (u) => page.locator(`#uc-review-table tr[data-user="${u}"]`);
  assert.equal(await row(u1).getAttribute('data-waiting-since'), T20);
  assert.equal(await row(u1).locator('.uc-review-since').textContent(), `waiting since ${T20.slice(0, 10)} (20 days)`);
  assert.equal(await row(u3).locator('.uc-review-since').textContent(), `waiting since ${T5.slice(0, 10)} (5 days)`);
  assert.equal(await row(u4).getAttribute('data-waiting-state'), 'notYetByRun');
  assert.equal(await row(u4).locator('.uc-review-since').textContent(), 'listed now, not yet by a run (0 days)');

  // Someone moves the first run's listing a year back in Jira without re-sealing the chain.
  const s = store();
  const key = (await s.listKeys()).find((k) => k.startsWith('com.usercleanup.audit.run-first.'));
  const chunk = await s.getProp(key);
  const moved = chunk.text.replace(`"at":"${T20}","runId":"run-first","type":"planned"`, `"at":"${new Date(Date.parse(T20) - 365 * DAY).toISOString()}","runId":"run-first","type":"planned"`);
  assert.notEqual(moved, chunk.text);
  await s.putProp(key, { ...chunk, text: moved });
  try {
    const fresh = await adminPage();
    await open(fresh.page, 'dashboard');
    const b = fresh.page.locator('#uc-dash-review[data-waiting]');
    await b.waitFor();
    assert.equal(await b.getAttribute('data-oldest-state'), 'unknown');
    assert.equal(await b.getAttribute('data-oldest-days'), '');
    assert.match(await b.textContent(), /waiting since: not known \(the audit trail does not verify\)/);
    await open(fresh.page, 'review');
    assert.equal(await fresh.page.locator(`#uc-review-table tr[data-user="${u1}"] .uc-review-since`).textContent(), 'waiting since: not known (the audit trail does not verify)');
    assert.deepEqual(fresh.errors, []);
    await fresh.context.close();
  } finally {
    await s.putProp(key, chunk);
  }
  assert.deepEqual(errors, []);
  await page.context().close();
});

test('approving while another run holds the run lease is refused: nothing changed, nothing decided; then it runs and lets the lease go', { skip: skip || false }, async () => {
  const internal = new Set(session.sb.state.snapshotTruth().users.filter((u) => u.active && (u.directory ?? 'Jira Internal Directory') === 'Jira Internal Directory').map((u) => lc(u.name)));
  const user = (await listedForReview()).find((u) => internal.has(lc(u.name))).name;
  const s = store();
  const lease = await s.acquireRunLease({ owner: 'cli-bob', node: 'cli (bob)', ttlMs: 120_000, settleMs: 100 });
  const before = accountStates(session.sb);
  const { page, errors } = await adminPage();
  await open(page, 'review');
  const approve = async () => {
    await page.click(`#uc-review-table tr[data-user="${user}"] [data-decide="approve"]`);
    await page.selectOption('#uc-bulk-operation', 'deactivate');
    await page.click('#uc-bulk-plan');
    await page.waitForSelector('#uc-bulk-summary[data-actions="1"]');
    await page.fill('#uc-bulk-confirm-input', '1');
    await page.click('#uc-bulk-start');
  };
  try {
    await approve();
    const refused = page.locator('#uc-bulk-outcome #uc-bulk-run-busy');
    await refused.waitFor({ timeout: 60_000 });
    assert.equal(await refused.getAttribute('data-code'), 'store.runBusy');
    assert.match(await refused.textContent(), /Another User Cleanup run is in progress: cli \(bob\)/);
    assert.equal(await page.locator('#uc-bulk-finished').count(), 0);
    assert.equal(await page.locator('#uc-review-saved').count(), 0, 'nothing decided');
    assert.deepEqual(accountStates(session.sb), before, 'nothing changed in Jira');
    const recs = (await s.loadAudit()).records;
    assert.ok(!recs.some((r) => r.type === 'reviewDecision' && r.user === user), 'no decision in the trail');
    assert.ok(!recs.some((r) => r.type === 'runStarted' && r.bulk), 'no bulk run in the trail');
    assert.equal((await loadDecisions(s)).decisions[lc(user)], undefined, 'no decision kept in Jira');
  } finally {
    await s.releaseRunLease(lease);
  }
  // With the lease free the approval runs, is decided, and lets the lease go.
  await open(page, 'review');
  await approve();
  await page.waitForSelector('#uc-bulk-finished', { timeout: 120_000 });
  await page.waitForSelector(`#uc-review-saved[data-user="${user}"][data-decision="approve"]`);
  assert.equal(accountStates(session.sb).get(lc(user)).active, false);
  assert.deepEqual(await s.readClaims('run'), [], 'the lease was released');
  assert.deepEqual(errors, []);
  await page.context().close();
});
