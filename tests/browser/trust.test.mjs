// What the admin page refuses to trust, in a real browser (Debian's Chromium through
// playwright-core) against the sandbox Jira: a storage account that is active or licensed (Run and
// saving refused); no saved policy (Run refused); two page sessions writing the audit trail at once
// (one valid chain, checked in Node with the runner's chain.mjs); two admins running at once; a
// user who joined a protected group after the preview (not touched); a trail rewritten to name a
// foreign group (undo refuses it and shows it as tampering).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startAppSandbox, FIXED_NOW } from './app-server.mjs';
import { launch, settled, adminPage as openAdminPage, cannotRun } from './helpers.mjs';
import { createStore, POLICY_KEY } from '../../plugin-shim/app/store.mjs';
import * as chain from '../../plugin-shim/src/runner/chain.mjs';
import { sha256Hex } from '../../plugin-shim/src/runner/hash.mjs';
import { userPropertiesOf } from '../../plugin-shim/src/sandbox/routes/properties.mjs';

const skip = cannotRun();
const ACCOUNT = 'user-cleanup';
const SAMPLE_POLICY = JSON.parse(readFileSync(new URL('../../samples/policy.json', import.meta.url), 'utf8'));
const lc = (s) => String(s).toLowerCase();

let browser;
let sb;
before(async () => {
  if (skip) return;
  browser = await launch();
  sb = await startAppSandbox({ localGroups: ['jira-*-users'] }); // LDAP users' licence groups are Jira's own: removable
  // The storage account as the Rules view creates it: inactive, no application access.
  await createStore({ baseUrl: sb.url, token: sb.token }).createAccount();
});
after(async () => {
  await browser?.close();
  await sb?.close();
});

const store = () => createStore({ baseUrl: sb.url, token: sb.token });
const adminPage = () => openAdminPage(browser, sb.url);
async function openView(page, view) {
  await page.goto(`${sb.appUrl}#user-cleanup/${view}`);
  assert.equal(await settled(page), 'ready');
}
async function rest(method, path, body) {
  const r = await fetch(sb.url + path, { method, headers: { Authorization: `Bearer ${sb.token}`, 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  assert.ok(r.status < 300, `${method} ${path}: ${r.status}`);
}
/** The stored trail, verified with the runner's chain.mjs. */
async function storedChain() {
  const t = await store().loadAudit();
  const v = await chain.verifyText(t.text);
  assert.equal(v.ok, true, v.error?.message);
  return v.records;
}
/** A policy of one rule of the sample, saved in Jira (as the Rules view saves it). */
async function savePolicy(ruleIds) {
  const p = structuredClone(SAMPLE_POLICY);
  p.rules = p.rules.filter((r) => ruleIds.includes(r.id));
  const s = store();
  const current = await s.loadPolicy();
  await s.savePolicy(p, { savedBy: 'admin', expectRevision: current.revision ?? 0 });
  return JSON.stringify(p);
}
const truth = () => new Map(sb.state.snapshotTruth().users.map((u) => [lc(u.name), { active: u.active, groups: u.groups.map(lc).sort() }]));

test('with no saved policy the Run view refuses, and nothing changes', { skip: skip || false }, async () => {
  assert.equal((await store().accountStatus()).ok, true);
  const before = JSON.stringify([...truth()]);
  const { page, errors } = await adminPage();
  await openView(page, 'run');
  await page.waitForSelector('#uc-run-no-saved-policy');
  assert.match(await page.textContent('#uc-run-no-saved-policy'), /Save a policy in the Rules view first/);
  assert.match(await page.textContent('#uc-run-no-saved-policy'), /starting template/);
  assert.equal(await page.locator('#uc-run-start').count(), 0);
  assert.equal(JSON.stringify([...truth()]), before);
  assert.deepEqual(errors, []);
  await page.context().close();
});

test('an active, then a licensed storage account: the Run view refuses and saving is refused in the page (store.unsafeAccount)', { skip: skip || false }, async () => {
  await savePolicy(['external-idle-90d']);
  const saved = JSON.stringify(userPropertiesOf(sb.state, ACCOUNT).get(POLICY_KEY));
  const roleGroup = sb.state.roleStats()[0].groups[0];
  const cases = [
    ['active', async () => rest('PUT', `/rest/api/2/user?username=${ACCOUNT}`, { active: true }), async () => rest('PUT', `/rest/api/2/user?username=${ACCOUNT}`, { active: false })],
    ['licensed', async () => sb.state.addToGroup(ACCOUNT, roleGroup), async () => rest('DELETE', `/rest/api/2/group/user?groupname=${encodeURIComponent(roleGroup)}&username=${ACCOUNT}`)],
  ];
  for (const [problem, make, undo] of cases) {
    await make();
    const { page, errors } = await adminPage();
    await openView(page, 'run');
    const box = page.locator('#uc-run-unsafe');
    await box.waitFor();
    assert.equal(await box.getAttribute('data-problem'), problem);
    assert.equal(await box.getAttribute('data-code'), 'store.unsafeAccount');
    const text = await box.textContent();
    assert.match(text, problem === 'active' ? /is active.*Deactivate "user-cleanup"/s : new RegExp(`holds an application role.*Remove "user-cleanup" from ${roleGroup}`, 's'));
    assert.equal(await page.locator('#uc-run-start').count(), 0);
    // Saving from this page is refused the same way, and the saved policy is untouched.
    const refusedSave = await page.evaluate(async () => {
      const { createStore } = await import(new URL('store.mjs', location.href).href);
      try {
        await createStore({ baseUrl: location.origin }).savePolicy({ version: 1, rules: [] });
        return null;
      } catch (e) {
        return { code: e.code, problem: e.problem, message: e.message };
      }
    });
    assert.equal(refusedSave?.code, 'store.unsafeAccount');
    assert.equal(refusedSave.problem, problem);
    assert.equal(JSON.stringify(userPropertiesOf(sb.state, ACCOUNT).get(POLICY_KEY)), saved);
    assert.deepEqual(errors, []);
    await page.context().close();
    await undo();
  }
  assert.equal((await store().accountStatus({ refresh: true })).ok, true);
});

test('two page sessions appending to the trail in Jira at once leave one valid chain (verified with chain.mjs in Node)', { skip: skip || false }, async () => {
  const base = await storedChain();
  const sessions = await Promise.all([adminPage(), adminPage()]);
  for (const s of sessions) await openView(s.page, 'history');
  const N = 24;
  // Each page session appends through its own page trail (page-trail.mjs) as the executor does:
  // four records in flight at a time, with pauses for the requests to Jira in between.
  const stats = await Promise.all(sessions.map(({ page }, k) => page.evaluate(async ({ k, N }) => {
    const app = new URL('./', location.href);
    const [{ createStore }, { pageTrail }] = await Promise.all([import(new URL('store.mjs', app).href), import(new URL('page-trail.mjs', app).href)]);
    const ctx = { runnerBase: new URL('../runner/', app), store: createStore({ baseUrl: location.origin }) };
    const audit = await pageTrail(ctx);
    if (!audit.savedInJira) throw new Error(`not kept in Jira: ${audit.loadError?.message}`);
    const runId = `run-20261129T100000Z-page${k}0`;
    for (let i = 0; i < N; i += 4) {
      await Promise.all([0, 1, 2, 3].map((j) => audit.trail.append({ runId, type: 'outcome', item: i + j, user: `p${k}-u${i + j}` })));
      await new Promise((r) => setTimeout(r, 5 + Math.random() * 15));
    }
    return audit.trail.stats;
  }, { k, N })));
  const records = await storedChain();
  assert.equal(records.length, base.length + 2 * N);
  for (const k of [0, 1]) {
    assert.deepEqual(records.filter((r) => r.runId === `run-20261129T100000Z-page${k}0`).map((r) => r.user), Array.from({ length: N }, (_, i) => `p${k}-u${i}`));
  }
  const continued = stats.reduce((n, s) => n + s.conflicts, 0);
  console.log(`# two browser sessions, ${2 * N} records: ${stats.map((s) => `${s.batches} batches, ${s.conflicts} continued from the other's tail`).join('; ')}`);
  assert.ok(continued >= 1, 'the sessions interleaved');
  for (const s of sessions) await s.context.close();
});

/** Opens the Run view, confirms, and resolves to the run id once it finished. */
async function runFromPage(page, { beforeStart } = {}) {
  await openView(page, 'run');
  const n = Number((await page.textContent('#uc-run-executable')).replace(/\D/g, ''));
  assert.equal(await page.getAttribute('#uc-run-trail-where', 'data-kept'), 'jira');
  await beforeStart?.();
  await page.fill('#uc-run-confirm-input', String(n));
  await page.click('#uc-run-start');
  await page.waitForSelector('#uc-run-finished, #uc-run-outcome .uc-message-error', { timeout: 120_000 });
  assert.equal(await page.locator('#uc-run-finished').count(), 1, `the run finished: ${await page.textContent('#uc-run-outcome')}`);
  const runId = await page.getAttribute('#uc-run-finished', 'data-run-id');
  return { runId, n };
}

test('a user who joined a protected group after the preview is not touched by a run from the page', { skip: skip || false }, async () => {
  await savePolicy(['external-idle-90d']);
  const before = truth();
  const { page, errors } = await adminPage();
  let victim;
  const { runId } = await runFromPage(page, {
    beforeStart: async () => {
      // The plan on screen was made; now someone adds one of its users to a protected group.
      const t = await store().loadPolicy();
      const protectedGroup = t.policy.protect.groups[0];
      // The first deactivation the engine planned (from the same snapshot the page read).
      const engine = await import('../../plugin-shim/src/engine.mjs');
      const { createJiraHost } = await import('../../plugin-shim/src/host/index.mjs');
      const snap = await createJiraHost({ baseUrl: sb.url, token: sb.token }).snapshot();
      const p = JSON.parse(engine.planJson(t.text, JSON.stringify(snap), JSON.stringify({ asOf: snap.capturedAt, actor: 'admin' })));
      victim = p.value.actions.find((a) => a.action === 'deactivate').user;
      sb.state.addToGroup(victim, protectedGroup);
    },
  });
  const records = await storedChain();
  const outcome = records.find((r) => r.runId === runId && r.type === 'outcome' && lc(r.user) === lc(victim));
  assert.equal(outcome.status, 'skipped');
  assert.equal(outcome.code, 'decide.protected');
  assert.equal(records.some((r) => r.runId === runId && r.type === 'intent' && lc(r.user) === lc(victim)), false, 'no intent: nothing was sent for this user');
  assert.equal(truth().get(lc(victim)).active, before.get(lc(victim)).active);
  assert.equal(await page.getAttribute(`#uc-run-results tr[data-user="${victim}"]`, 'data-status'), 'skipped');
  // History: Jira's audit log shows every change the run reports, and nothing it does not claim is forged.
  await page.click('#uc-tab-history');
  const card = page.locator(`.uc-run-card[data-run-id="${runId}"]`);
  await card.locator('[data-reconcile]').click();
  await card.locator('[data-reconcile="forged"]').waitFor();
  const done = records.filter((r) => r.runId === runId && r.type === 'outcome' && r.status === 'done').length;
  assert.ok(done > 0);
  assert.equal(await card.locator('[data-reconcile="forged"]').getAttribute('data-count'), '0');
  assert.equal(Number(await card.locator('[data-matched]').getAttribute('data-matched')), done, 'one Jira event per deactivation');
  assert.deepEqual(errors, []);
  await page.context().close();
});

test('two admins starting the saved policy at once: one runs, the other is refused naming it (run lease) and runs after; one valid chain with both runs; Jira changed exactly for the users reported done', { skip: skip || false }, async () => {
  // Users the last test protected are left alone; the policy now removes licence groups of idle staff.
  await savePolicy(['staff-idle-180d-licence']);
  const before = truth();
  const startedBefore = (await storedChain()).filter((r) => r.type === 'runStarted').length;
  const sessions = await Promise.all([adminPage(), adminPage()]);
  const ns = [];
  for (const { page } of sessions) {
    await openView(page, 'run');
    const n = Number((await page.textContent('#uc-run-executable')).replace(/\D/g, ''));
    assert.equal(await page.getAttribute('#uc-run-trail-where', 'data-kept'), 'jira');
    await page.fill('#uc-run-confirm-input', String(n));
    ns.push(n);
  }
  assert.equal(ns[0], ns[1], 'both admins see the same plan');
  const n = ns[0];
  // Both press Run at the same moment. One run at a time per Jira (the store's run lease): the
  // first claim wins, the other is refused, naming the run that holds the lease, and changes nothing.
  await Promise.all(sessions.map(({ page }) => page.click('#uc-run-start')));
  const ends = await Promise.all(sessions.map(({ page }) => page.waitForSelector('#uc-run-finished, #uc-run-busy, #uc-run-outcome .uc-message-error', { timeout: 120_000 })
    .then((el) => el.getAttribute('id'))));
  assert.deepEqual([...ends].sort(), ['uc-run-busy', 'uc-run-finished'], `one run, one refusal: ${ends}`);
  const winner = sessions[ends.indexOf('uc-run-finished')].page;
  const refused = sessions[ends.indexOf('uc-run-busy')].page;
  const firstId = await winner.getAttribute('#uc-run-finished', 'data-run-id');
  assert.equal(await refused.getAttribute('#uc-run-busy', 'data-code'), 'store.runBusy');
  assert.match(await refused.textContent('#uc-run-busy'), new RegExp(`run ${firstId}`), 'the refusal names the run holding the lease');
  assert.equal((await storedChain()).filter((r) => r.type === 'runStarted').length, startedBefore + 1, 'the refused run wrote nothing');
  // The lease was released when the first run ended: the second admin's run goes ahead now, over
  // the same plan, each user decided again against Jira as it is after the first run.
  assert.equal(await refused.isDisabled('#uc-run-start'), false, 'Run can be pressed again');
  await refused.click('#uc-run-start');
  await refused.waitForSelector('#uc-run-finished, #uc-run-busy, #uc-run-outcome .uc-message-error', { timeout: 120_000 });
  assert.equal(await refused.locator('#uc-run-finished').count(), 1, `the second run finished: ${await refused.textContent('#uc-run-outcome')}`);
  const ids = [firstId, await refused.getAttribute('#uc-run-finished', 'data-run-id')];
  assert.notEqual(ids[0], ids[1]);
  const records = await storedChain();
  for (const id of ids) assert.ok(records.some((r) => r.runId === id && r.type === 'runFinished'), `${id} finished in the stored chain`);
  const outcomes = records.filter((r) => ids.includes(r.runId) && r.type === 'outcome');
  assert.equal(outcomes.length, 2 * n, 'each run recorded an outcome for every planned user');
  // One after the other, never at once: a user the first run changed is skipped by the second.
  const done = outcomes.filter((r) => r.status === 'done').map((r) => lc(r.user));
  assert.equal(new Set(done).size, done.length, 'no user done twice');
  // Jira changed for exactly the users some run reports done.
  const after = truth();
  const changed = [...before.keys()].filter((k) => JSON.stringify(before.get(k)) !== JSON.stringify(after.get(k)));
  assert.deepEqual(changed.sort(), [...done].sort());
  const by = (st) => outcomes.filter((o) => o.status === st).length;
  console.log(`# two admins at once: ${n} planned users; outcomes ${by('done')} done, ${by('skipped')} skipped, ${by('failed')} failed`);
  for (const s of sessions) await s.context.close();
});

test('a trail rewritten (and re-sealed) to name a foreign group: undo in the page refuses that group and shows it as tampering', { skip: skip || false }, async () => {
  const victim = sb.state.snapshotTruth().users.find((u) => u.active && u.directory === 'Jira Internal Directory' && u.groups.includes('jira-software-users') && !u.groups.includes('jira-administrators')).name;
  const policy = structuredClone(SAMPLE_POLICY);
  policy.rules = policy.rules.filter((r) => r.id === 'staff-idle-180d-licence');
  const policyText = JSON.stringify(policy);
  // The run as the page writes it: the user removed from jira-software-users (the policy's jira-*-users).
  sb.state.removeFromGroup(victim, 'jira-software-users', 'admin');
  // ... rewritten by someone who can write the storage account's properties: the plan, the intent
  // and the outcome now also name jira-administrators, and the chain is sealed again.
  const runId = 'run-20261127T100500Z-forged';
  const groups = ['jira-software-users', 'jira-administrators'];
  const at = new Date(FIXED_NOW).toISOString(); // the sandbox's (frozen) clock, as the page times its records
  const who = { actor: 'admin', jiraUser: 'admin', operator: null };
  const fields = [
    { type: 'runStarted', who, via: 'admin page', policy: { hash: await sha256Hex(policyText), path: null, text: policyText }, jira: sb.url, asOf: at, counts: { executable: 1, byAction: { removeFromGroups: 1 } }, limit: {}, snapshot: { capturedAt: at, users: 1 }, options: {} },
    { type: 'planned', items: [{ i: 1, user: victim, action: 'removeFromGroups', groups, rule: 'staff-idle-180d-licence', reasons: [] }], protected: [], roleGroups: [] },
    { type: 'intent', item: 1, user: victim, rule: 'staff-idle-180d-licence', action: 'removeFromGroups', groups, reasons: [] },
    { type: 'outcome', item: 1, user: victim, rule: 'staff-idle-180d-licence', action: 'removeFromGroups', status: 'done', effects: { groupsRemoved: groups } },
    { type: 'runFinished', totals: { done: 1, failed: 0, skipped: 0, review: 0 }, exitCode: 0 },
  ];
  let prev = (await storedChain()).at(-1) ?? null;
  const sealed = [];
  for (const f of fields) {
    prev = await chain.seal({ at, runId, ...f }, prev);
    sealed.push(prev);
  }
  await store().appendAudit(sealed);

  const { page, errors } = await adminPage();
  await openView(page, 'history');
  assert.equal(await page.getAttribute('#uc-history-status [data-chain]', 'data-chain'), 'ok', 'the re-sealed chain verifies: only the run\u2019s own bounds catch it');
  const card = page.locator(`.uc-run-card[data-run-id="${runId}"]`);
  // Jira's audit log recorded the removal from jira-software-users, not the one from
  // jira-administrators: that one is forged.
  await card.locator('[data-reconcile]').click();
  const forged = card.locator('[data-reconcile="forged"]');
  await forged.waitFor();
  assert.equal(await page.getAttribute(`.uc-run-card[data-run-id="${runId}"] [data-reconcile-ok]`, 'data-reconcile-ok'), 'false');
  assert.equal(await forged.getAttribute('data-count'), '1');
  assert.match(await forged.textContent(), new RegExp(`${victim}.*groupRemoved jira-administrators`));
  assert.doesNotMatch(await forged.textContent(), /jira-software-users/);
  // "Removed" (Jira shows, the trail does not) is shown apart: here only what this file's tests did
  // by hand to the storage account.
  const removedUsers = await card.locator('[data-reconcile="removed"] li').evaluateAll((l) => l.map((x) => x.dataset.user));
  assert.ok(removedUsers.every((u) => u.toLowerCase() === ACCOUNT), removedUsers.join(', '));
  await card.locator('[data-undo="run"]').click();
  const confirm = card.locator('.uc-undo-confirm');
  await confirm.locator('.uc-undo-list, [role="alert"]').first().waitFor();
  assert.equal(await confirm.locator('.uc-undo-list').count(), 1, `the undo is listed: ${await confirm.textContent()}`);
  // Every user and group is listed before the confirmation; the foreign group only as refused.
  assert.deepEqual(await confirm.locator('.uc-undo-list li').allTextContents(), [`${victim}: add back to jira-software-users`]);
  const refused = confirm.locator('.uc-undo-refused li');
  assert.equal(await refused.count(), 1);
  assert.equal(await refused.first().getAttribute('data-group'), 'jira-administrators');
  assert.match(await refused.first().getAttribute('data-code'), /^tampered\./);
  assert.equal(await confirm.locator('[data-undo-confirm]').isDisabled(), true);
  await confirm.locator('[data-undo-input]').fill('1');
  await confirm.locator('[data-undo-confirm]').click();
  await page.waitForSelector('#uc-undo-finished');
  const u = sb.state.user(victim);
  assert.ok(u.groups.includes('jira-software-users'), 'the group the run could remove is restored');
  assert.ok(!u.groups.includes('jira-administrators'), 'the foreign group was not added');
  assert.deepEqual(errors, []);
  await page.context().close();
});

test('the trail\u2019s head moved back to hide its last record: History says which stored records are not on the chain', { skip: skip || false }, async () => {
  let records = await storedChain();
  let prevRec = records.at(-1) ?? null;
  const more = [];
  for (const type of ['runStarted', 'runFinished']) {
    prevRec = await chain.seal({ at: new Date(FIXED_NOW).toISOString(), runId: 'run-20261127T100000Z-hidden', type, who: { actor: 'admin', jiraUser: 'admin', operator: null } }, prevRec);
    more.push(prevRec);
  }
  await store().appendAudit(more);
  records = await storedChain();
  const head = userPropertiesOf(sb.state, ACCOUNT).get('com.usercleanup.trail.head');
  const hidden = records.at(-1);
  const prev = records.at(-2);
  await store().putProp('com.usercleanup.trail.head', { ...head, seq: prev.seq, hash: prev.hash });
  try {
    const { page, errors } = await adminPage();
    await openView(page, 'history');
    const box = page.locator('#uc-history-orphans');
    await box.waitFor();
    assert.equal(await box.getAttribute('data-count'), '1');
    assert.match(await box.textContent(), new RegExp(`seq ${hidden.seq} · ${hidden.type}`));
    assert.equal(await page.getAttribute('#uc-history-status [data-chain]', 'data-chain'), 'ok', 'what is left still verifies: only the orphan shows it');
    assert.deepEqual(errors, []);
    await page.context().close();
  } finally {
    await store().putProp('com.usercleanup.trail.head', head);
  }
});
