// The admin page's Dashboard in a real browser (Debian's Chromium through playwright-core),
// against the sandbox Jira serving the app the way the JAR does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startAppSandbox } from '../../plugin-shim/dev/page-server.mjs';
import { appSession, SHOTS, login, settled, adminPage as openAdminPage, parseNum, cannotRun, hostileSample, XSS_NAME, XSS_GROUP, FORMULA_EMAIL } from './helpers.mjs';

const skip = cannotRun();
const ROOT = new URL('../../', import.meta.url);
const POLICY = readFileSync(new URL('samples/policy.json', ROOT), 'utf8');

function hostileSnapshot() {
  const snap = hostileSample();
  snap.users.find((u) => u.name === 'admin').displayName = XSS_NAME;
  return snap;
}

const app = appSession(() => ({ snapshot: hostileSnapshot() }));

const adminPage = (viewport) => openAdminPage(app.browser, app.sb.url, { viewport });

/**
 * The engine's answers over the same data, computed in Node through the host adapter with the
 * page's reads: creation dates from the audit log, open issues counted for the users the plan
 * selects (then planned again) — so blocked project leads and skipped users free no seat here either.
 */
async function expected() {
  const engine = await import(new URL('plugin-shim/src/engine.mjs', ROOT).href);
  const { createJiraHost } = await import(new URL('plugin-shim/src/host/index.mjs', ROOT).href);
  const host = createJiraHost({ baseUrl: app.sb.url, token: app.sb.token });
  const snap = await host.snapshot({ creationDates: true });
  const options = { asOf: snap.capturedAt, actor: 'admin' };
  const dash = engine.dashboard(POLICY, JSON.stringify(snap), options);
  const { result: plan } = await host.planWithOpenAssigned({ engine, policyText: POLICY, snapshot: snap, options });
  assert.equal(dash.type, 'success');
  assert.equal(plan.type, 'success');
  return { dash: dash.value, plan: plan.value };
}

test('dashboard: numbers equal the engine\u2019s over the same snapshot; hostile data stays text; screenshot', { skip: skip || false }, async () => {
  const { context, page, errors } = await adminPage();
  const t0 = Date.now();
  // Nothing is saved in this sandbox: the development server applies the sample policy given with ?policy=.
  await page.goto(`${app.sb.appUrl}?policy=../samples/policy.json`);
  assert.equal(await settled(page), 'ready');
  const openToDrawn = Date.now() - t0;
  assert.equal(await page.getAttribute('#uc-policy-banner', 'data-source'), 'dev-file', 'labelled as the development file');
  assert.match(await page.textContent('.uc-summary'), /policy: development file policy\.json/);
  const timings = await page.evaluate(() => globalThis.__userCleanup.timings);
  console.log(`# sample (${app.sb.state.users?.size ?? '3k'} users): page open -> dashboard drawn ${openToDrawn} ms (in page: ${timings.dashboardDrawn} ms; snapshot ${timings.snapshotMs} ms, engine load ${timings.engine.ms} ms via ${timings.engine.via}, dashboard ${timings.dashboardEngineMs} ms, plan ${timings.planEngineMs} ms)`);
  assert.equal(timings.engine.via, 'streaming');

  const { dash, plan } = await expected();
  // Activity buckets.
  const shown = await page.$$eval('.uc-bucket', (els) => Object.fromEntries(els.map((e) => [e.dataset.bucket, e.querySelector('.uc-count').textContent])));
  assert.deepEqual(Object.keys(shown).sort(), Object.keys(dash.buckets).sort());
  for (const [k, v] of Object.entries(dash.buckets)) assert.equal(parseNum(shown[k]), v, `bucket ${k}`);
  assert.ok(dash.buckets.protected > 0 && dash.buckets.inactive > 0);
  // Seats per role.
  const roleRows = await page.$$eval('#uc-roles-table tbody tr', (trs) => trs.map((tr) => Object.fromEntries([...tr.cells].map((td) => [td.dataset.key, td.textContent]))));
  assert.equal(roleRows.length, dash.roles.length);
  for (const r of dash.roles) {
    const row = roleRows.find((x) => x.name === r.name);
    assert.ok(row, r.name);
    assert.equal(parseNum(row.seatsUsed), r.seatsUsed);
    assert.equal(parseNum(row.idleSeats), r.idleSeats);
  }
  assert.equal(await page.locator('#uc-seats canvas').count(), 1, 'the seat chart is drawn');
  // What the saved policy would free: drawn after the first paint, once the plan is there.
  assert.equal(await page.waitForSelector('#uc-impact[data-plan="ready"], #uc-impact[data-plan="error"]').then((el) => el.getAttribute('data-plan')), 'ready');
  const impact = await page.$$eval('#uc-impact-table tbody tr', (trs) => trs.map((tr) => Object.fromEntries([...tr.cells].map((td) => [td.dataset.key, td.textContent]))));
  for (const l of plan.licence) assert.equal(parseNum(impact.find((x) => x.name === l.name).seatsFreed), l.seatsFreed, `freed ${l.role}`);
  assert.equal(parseNum(await page.textContent('.uc-freed-total')), plan.licence.reduce((s, l) => s + l.seatsFreed, 0));
  // Groups and domains.
  assert.equal(parseNum((await page.textContent('#uc-groups .uc-table-more button')).trim()), dash.groups.length);

  // Hostile strings are shown as text, nothing from them runs or renders as markup.
  assert.equal(await page.textContent('.uc-me'), XSS_NAME);
  await page.click('#uc-groups .uc-table-more button');
  const groupCells = await page.$$eval('#uc-groups-table td[data-key="group"]', (tds) => tds.map((td) => td.textContent));
  assert.ok(groupCells.includes(XSS_GROUP), 'hostile group name shown as text');
  if (await page.locator('#uc-domains .uc-table-more button').count()) await page.click('#uc-domains .uc-table-more button');
  const domainCells = await page.$$eval('#uc-domains-table td[data-key="domain"]', (tds) => tds.map((td) => td.textContent));
  const hostileDomain = FORMULA_EMAIL.slice(FORMULA_EMAIL.lastIndexOf('@') + 1).toLowerCase();
  assert.ok(domainCells.includes(hostileDomain), `hostile email domain shown as text: ${domainCells.join(', ')}`);
  assert.equal(await page.locator('#user-cleanup img, #user-cleanup script, #user-cleanup b').count(), 0);
  assert.equal(await page.evaluate(() => globalThis.__pwned), undefined);
  assert.deepEqual(errors, []);

  await page.click('#uc-groups .uc-table-more button'); // back to the short list for the picture
  await page.screenshot({ path: `${SHOTS}dashboard.png`, fullPage: true });
  await context.close();
});

test('dashboard: sortable domain table and tabs work with the keyboard', { skip: skip || false }, async () => {
  const { context, page } = await adminPage();
  await page.goto(app.sb.appUrl);
  assert.equal(await settled(page), 'ready');
  const header = page.locator('#uc-domains-table th[data-key="domain"]');
  await header.locator('button').focus();
  await page.keyboard.press('Enter');
  assert.equal(await header.getAttribute('aria-sort'), 'ascending');
  const names = await page.$$eval('#uc-domains-table td[data-key="domain"]', (tds) => tds.map((td) => td.textContent));
  assert.deepEqual(names, [...names].sort((a, b) => a.localeCompare(b, 'en', { sensitivity: 'base' })));
  await page.keyboard.press('Enter');
  assert.equal(await header.getAttribute('aria-sort'), 'descending');

  await page.focus('#uc-tab-dashboard');
  await page.keyboard.press('ArrowRight');
  assert.equal(await page.getAttribute('#uc-tab-rules', 'aria-selected'), 'true');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'uc-tab-rules');
  await page.waitForSelector('#uc-panel .uc-rules');
  assert.match(page.url(), /#user-cleanup\/rules$/);
  // End selects the last tab of the list as drawn (views are added over time).
  const last = await page.$$eval('#user-cleanup [role="tab"]', (tabs) => tabs.at(-1).dataset.view);
  assert.ok(last && last !== 'rules', `last tab ${last}`);
  await page.keyboard.press('End');
  assert.equal(await page.getAttribute(`#uc-tab-${last}`, 'aria-selected'), 'true');
  assert.equal(await page.evaluate(() => document.activeElement.id), `uc-tab-${last}`);
  assert.equal(new URL(page.url()).hash, `#user-cleanup/${last}`);
  await page.keyboard.press('Home');
  await page.waitForSelector('#uc-buckets');
  await context.close();
});

test('dashboard fits Jira\u2019s narrower admin widths', { skip: skip || false }, async () => {
  const { context, page } = await adminPage({ width: 1024, height: 768 });
  await page.goto(app.sb.appUrl);
  assert.equal(await settled(page), 'ready');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `no horizontal page scroll at 1024px (overflow ${overflow}px)`);
  await page.screenshot({ path: `${SHOTS}dashboard-1024.png`, fullPage: true });
  await context.close();
});

test('a visitor who is not a Jira administrator is refused and nothing else is fetched', { skip: skip || false }, async () => {
  for (const who of ['viewer', null]) {
    const context = await app.browser.newContext();
    if (who) await login(context, app.sb.url, who);
    const page = await context.newPage();
    const from = app.sb.requests.length;
    await page.goto(app.sb.appUrl);
    assert.equal(await settled(page), 'refused');
    const text = await page.textContent('#user-cleanup [role="alert"]');
    assert.match(text, who ? /need to be a Jira administrator/ : /Log in as a Jira administrator/);
    const rest = app.sb.requests.slice(from).filter((r) => r.path.startsWith('/rest/'));
    assert.deepEqual(rest.map((r) => r.path.split('?')[0]), ['/rest/api/2/mypermissions'], `${who ?? 'anonymous'}: only the permission check`);
    assert.ok(!app.sb.requests.slice(from).some((r) => /\/rest\/api\/2\/(user|group|applicationrole)/.test(r.path)), 'no user, group or role data requested');
    const extra = app.sb.requests.slice(from).map((r) => r.path).filter((p) => /\.wasm$|policy\.json|vendor\/chart/.test(p));
    assert.deepEqual(extra, [], 'neither the engine, the chart library nor the policy loaded');
    assert.equal(await page.locator('.uc-bucket, .uc-tabs').count(), 0);
    if (who) await page.screenshot({ path: `${SHOTS}refused.png` });
    await context.close();
  }
});

test('inside Jira\u2019s User Browser page (AMD loader present): #user-cleanup shows the app, no hash shows Jira\u2019s page', { skip: skip || false }, async () => {
  const { context, page, errors } = await adminPage();
  await page.goto(app.sb.userBrowserUrl);
  assert.equal(await settled(page), 'ready');
  assert.equal(await page.isHidden('#user_browser_table'), true);
  assert.equal(await page.locator('#uc-seats canvas').count(), 1, 'Chart.js drew despite the AMD define on the page');
  assert.equal(await page.evaluate(() => window.__anonymousDefine ?? 0), 0, 'Chart.js did not register as an anonymous AMD module');
  assert.equal(await page.evaluate(() => typeof window.define), 'function', 'define is put back');
  await page.screenshot({ path: `${SHOTS}in-jira.png` });
  await page.evaluate(() => { location.hash = ''; });
  await page.waitForSelector('#user_browser_table', { state: 'visible' });
  assert.equal(await page.locator('#user-cleanup').count(), 0);
  assert.deepEqual(errors, []);
  await context.close();
});

test('the engine loads from an ArrayBuffer when Jira serves the .wasm with another content type', { skip: skip || false }, async () => {
  const other = await startAppSandbox({ wasmContentType: 'application/octet-stream' });
  try {
    const context = await app.browser.newContext();
    await login(context, other.url, 'admin');
    const page = await context.newPage();
    await page.goto(other.appUrl);
    assert.equal(await settled(page), 'ready');
    const t = await page.evaluate(() => globalThis.__userCleanup.timings.engine);
    assert.equal(t.via, 'arrayBuffer');
    await context.close();
  } finally {
    await other.close();
  }
});

test('the first paint waits for no impact read: leads, the audit log and the open-issue searches are held until the Dashboard is drawn, then its plan fills in', { skip: skip || false }, async () => {
  const { context, page, errors } = await adminPage();
  let release;
  const gate = new Promise((r) => { release = r; });
  const held = new Map();
  let drawn = false;
  const hold = (what) => async (route) => {
    if (!drawn) held.set(what, (held.get(what) ?? 0) + 1);
    await gate;
    await route.continue();
  };
  await page.route('**/rest/api/2/project**', hold('leads'));
  await page.route('**/rest/auditing/**', hold('audit'));
  await page.route('**/rest/api/2/search', hold('search'));
  await page.goto(`${app.sb.appUrl}?policy=../samples/policy.json`);
  assert.equal(await settled(page), 'ready');
  drawn = true;
  assert.equal(await page.getAttribute('#uc-impact', 'data-plan'), 'loading');
  assert.match(await page.textContent('#uc-impact'), /Working out what the policy would free/);
  assert.ok(await page.locator('#uc-buckets .uc-bucket').count() > 0, 'the Dashboard\u2019s numbers are drawn');
  // The impact reads had started (they are held, not missing), and no search: that comes after the plan's first pass.
  assert.ok(held.get('leads') > 0 && held.get('audit') > 0, JSON.stringify([...held]));
  assert.equal(held.get('search') ?? 0, 0);
  release();
  await page.waitForSelector('#uc-impact[data-plan="ready"]');
  const { plan } = await expected();
  assert.equal(parseNum(await page.textContent('.uc-freed-total')), plan.licence.reduce((s, l) => s + l.seatsFreed, 0));
  const timings = await page.evaluate(() => globalThis.__userCleanup.timings);
  assert.ok(timings.planDrawn > timings.dashboardDrawn, JSON.stringify(timings));
  assert.deepEqual(errors, []);
  await context.close();
});

test('Refresh data reads Jira again (the snapshot is otherwise cached for the page)', { skip: skip || false }, async () => {
  const { context, page, errors } = await adminPage();
  await page.goto(app.sb.appUrl);
  assert.equal(await settled(page), 'ready');
  const count = () => page.textContent('.uc-bucket[data-bucket="deactivated"] .uc-count').then(parseNum);
  const before = await count();
  const rest = () => app.sb.requests.filter((r) => r.path.startsWith('/rest/api/2/user/list')).length;
  const listed = rest();
  await page.click('#uc-tab-rules');
  await page.click('#uc-tab-dashboard');
  await page.waitForSelector('#user-cleanup[data-state="ready"] .uc-bucket');
  assert.equal(rest(), listed, 'switching views does not read Jira again');
  const u = [...app.sb.state.sortedUsers()].find((x) => x.active && !x.inGroup('jira-administrators'));
  app.sb.state.setActive(u, false);
  await page.click('text=Refresh data');
  await page.waitForFunction((n) => {
    const el = document.querySelector('#user-cleanup[data-state="ready"] .uc-bucket[data-bucket="deactivated"] .uc-count');
    return el && Number(el.textContent.replace(/\D/g, '')) === n;
  }, before + 1, { timeout: 60_000 });
  assert.ok(rest() > listed);
  app.sb.state.setActive(u, true);
  assert.deepEqual(errors, []);
  await context.close();
});
