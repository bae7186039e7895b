// The page reads only the groups the policy needs before its first paint, then the other groups'
// members in the background, once the plan is made: the Dashboard is drawn while that read is held
// back (so it cannot have waited for it), Preview works meanwhile, and the completed groups table
// equals the one of a full read.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startAppSandbox } from '../../plugin-shim/dev/page-server.mjs';
import { launch, settled, adminPage, parseNum, cannotRun } from './helpers.mjs';

const skip = cannotRun();
const ROOT = new URL('../../', import.meta.url);
const POLICY = readFileSync(new URL('samples/policy.json', ROOT), 'utf8');

let browser;
let sb;
before(async () => {
  if (skip) return;
  browser = await launch();
  sb = await startAppSandbox({});
});
after(async () => {
  await browser?.close();
  await sb?.close();
});

/** The engine's answers over a full read in Node: the policy's groups and the complete groups table. */
async function expected() {
  const engine = await import(new URL('plugin-shim/src/engine.mjs', ROOT).href);
  const { createJiraHost } = await import(new URL('plugin-shim/src/host/index.mjs', ROOT).href);
  const snap = await createJiraHost({ baseUrl: sb.url, token: sb.token }).snapshot();
  const names = new Map();
  for (const u of snap.users) for (const g of u.groups) names.set(g.toLowerCase(), g);
  const pg = engine.policyGroups(POLICY, { groups: [...names.values()], applicationRoles: snap.applicationRoles.map((r) => ({ key: r.key, groups: r.groups })) });
  const dash = engine.dashboard(POLICY, JSON.stringify(snap), { asOf: snap.capturedAt, actor: 'admin' });
  assert.equal(dash.type, 'success');
  return { policyGroups: new Set(pg.value.groups.map((g) => g.toLowerCase())), groups: dash.value.groups, all: names.size };
}

const rows = (page) => page.$$eval('#uc-groups-table tbody tr', (trs) => trs.map((tr) => Object.fromEntries([...tr.cells].map((td) => [td.dataset.key, td.textContent]))));

test('Dashboard first paint before the background group read ends; Preview meanwhile; the completed table equals a full read\u2019s', { skip: skip || false }, async () => {
  const want = await expected();
  assert.ok(want.policyGroups.size < want.all, 'the sample policy leaves groups out');
  const { context, page, errors } = await adminPage(browser, sb.url);
  // Hold back every member page of a group outside the policy's until the Dashboard is drawn.
  let release;
  const gate = new Promise((r) => { release = r; });
  const walked = { policy: new Set(), other: new Set(), otherBeforeDrawn: 0, planAtFirstOther: null };
  let drawn = false;
  await page.route('**/rest/api/2/group/member?*', async (route) => {
    const g = new URL(route.request().url()).searchParams.get('groupname');
    if (want.policyGroups.has(g.toLowerCase())) walked.policy.add(g);
    else {
      // The other groups are read only once the plan (what Preview and Run wait for) is made.
      if (walked.other.size === 0) walked.planAtFirstOther = await page.evaluate(() => document.querySelector('#uc-impact')?.dataset.plan ?? null).catch((e) => `unknown: ${e.message}`);
      walked.other.add(g);
      if (!drawn) walked.otherBeforeDrawn++;
      await gate;
    }
    await route.continue();
  });
  await page.goto(`${sb.appUrl}?policy=../samples/policy.json`);
  assert.equal(await settled(page), 'ready');
  drawn = true;
  // First paint: the policy's groups were all read; the others are still held.
  assert.deepEqual([...walked.policy].map((g) => g.toLowerCase()).sort(), [...want.policyGroups].sort());
  assert.equal(await page.getAttribute('#uc-groups-box', 'data-fill'), 'reading');
  await page.waitForFunction(() => /of [\d,]+ groups/.test(document.querySelector('#uc-groups-progress')?.textContent ?? ''));
  const progress = await page.textContent('#uc-groups-progress');
  assert.match(progress, /reading the other groups\u2019 members in the background: \d+ of [\d,]+ groups/);
  const firstRows = await rows(page);
  for (const r of firstRows) assert.ok(want.policyGroups.has(r.group.toLowerCase()), `${r.group}: only the policy's groups before the read ends`);

  // Preview is not blocked by the background read.
  await page.click('#uc-tab-preview');
  await page.waitForSelector('#uc-preview-summary', { timeout: 30_000 });
  await page.click('#uc-tab-dashboard');
  await page.waitForSelector('#uc-groups-box');

  release();
  await page.waitForSelector('#uc-groups-box[data-fill="complete"]', { timeout: 60_000 });
  const timings = await page.evaluate(() => globalThis.__userCleanup.timings);
  assert.ok(timings.dashboardDrawn < timings.groupsComplete, JSON.stringify(timings));
  assert.match(await page.textContent('#uc-groups-progress'), /All groups read: the [\d,]+ groups the policy does not use took/);
  if (await page.locator('#uc-groups .uc-table-more button').count()) await page.click('#uc-groups .uc-table-more button');
  const shown = await rows(page);
  const key = (r) => r.group;
  const got = shown.map((r) => [r.group, parseNum(r.activeMembers), parseNum(r.inactive), parseNum(r.neverLoggedIn)]).sort((a, b) => (key({ group: a[0] }) < key({ group: b[0] }) ? -1 : 1));
  const exp = want.groups.map((g) => [g.group, g.activeMembers, g.inactive, g.neverLoggedIn]).sort((a, b) => (a[0] < b[0] ? -1 : 1));
  assert.deepEqual(got, exp, 'the completed table is the full read\u2019s');
  assert.ok(exp.length > firstRows.length, 'the background read added groups to the table');
  assert.ok(walked.other.size > 0 && [...walked.other].every((g) => !want.policyGroups.has(g.toLowerCase())));
  assert.equal(walked.planAtFirstOther, 'ready', 'the first other group was asked for after the plan was drawn');
  assert.deepEqual(errors, []);
  console.log(`# first paint ${timings.dashboardDrawn} ms, groups complete ${timings.groupsComplete} ms (held until drawn); ${walked.policy.size} policy groups, ${walked.other.size} others`);
  await context.close();
});
