// Which policy the page applies, and that it says so. With nothing saved in Jira the Dashboard
// and Preview apply the starting template under a "Template — not saved" banner (the sample
// policy is never loaded); `?policy=` is honoured by the development server only, never by the
// page served from the built JAR. Also a screenshot of every view in that state.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startAppSandbox } from './app-server.mjs';
import { launch, settled, adminPage, parseNum, cannotRun } from './helpers.mjs';
import { TEMPLATE } from '../../plugin-shim/app/template.mjs';

const skip = cannotRun();
const ROOT = new URL('../../', import.meta.url);
const SHOTS = fileURLToPath(new URL('screenshots/', import.meta.url));

let browser;
let sb; // the development server (sources)
let jarSb; // the same sandbox serving the app from a freshly built JAR
let tmp;
before(async () => {
  if (skip) return;
  mkdirSync(SHOTS, { recursive: true });
  tmp = mkdtempSync(join(tmpdir(), 'uc-policy-source-'));
  browser = await launch();
  sb = await startAppSandbox();
  const { buildJar } = await import('../../plugin-shim/package/build-jar.mjs');
  const jar = await buildJar({ out: join(tmp, 'user-cleanup.jar') });
  jarSb = await startAppSandbox({ jar: jar.path, logRequests: true });
});
after(async () => {
  await browser?.close();
  await sb?.close();
  await jarSb?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/**
 * The engine's answers over the template and the sandbox's users, computed in Node with the
 * page's reads: creation dates from the audit log, open issues counted for the users the plan
 * selects (then planned again), so blocked project leads free no seat here either.
 */
async function expected(url, token) {
  const engine = await import(new URL('plugin-shim/src/engine.mjs', ROOT).href);
  const { createJiraHost } = await import(new URL('plugin-shim/src/host/index.mjs', ROOT).href);
  const host = createJiraHost({ baseUrl: url, token });
  const snap = await host.snapshot({ creationDates: true });
  const options = { asOf: snap.capturedAt, actor: 'admin' };
  const policy = JSON.stringify(TEMPLATE);
  const dash = engine.dashboard(policy, JSON.stringify(snap), options);
  const { result: plan } = await host.planWithOpenAssigned({ engine, policyText: policy, snapshot: snap, options });
  assert.equal(dash.type, 'success');
  assert.equal(plan.type, 'success');
  return { dash: dash.value, plan: plan.value };
}

const policyFileRequests = (server, from) => server.requests.slice(from).filter((r) => /samples\/policy\.json$/.test(r.path.split('?')[0]));

test('nothing saved: Dashboard and Preview apply the template under a banner and say nothing is saved; every view pictured', { skip: skip || false }, async () => {
  const { context, page, errors } = await adminPage(browser, sb.url);
  const from = sb.requests.length;
  await page.goto(sb.appUrl);
  assert.equal(await settled(page), 'ready');
  assert.equal(await page.getAttribute('#uc-policy-banner', 'data-source'), 'template');
  const banner = await page.textContent('#uc-policy-banner');
  assert.match(banner, /Template — not saved/);
  assert.match(banner, /No policy is saved in Jira/);
  assert.match(banner, /nothing can be run/);
  assert.match(await page.textContent('.uc-summary'), /policy: Template — not saved/);
  assert.match(await page.textContent('#uc-impact h2'), /What the template would free \(not saved\)/);
  // the storage account is missing in a fresh sandbox: the page says so above the views
  assert.equal(await page.getAttribute('#uc-account', 'data-problem'), 'missing');

  const { dash, plan } = await expected(sb.url, sb.token);
  const shown = await page.$$eval('.uc-bucket', (els) => Object.fromEntries(els.map((e) => [e.dataset.bucket, e.querySelector('.uc-count').textContent])));
  for (const [k, v] of Object.entries(dash.buckets)) assert.equal(parseNum(shown[k]), v, `bucket ${k}`);
  assert.equal(parseNum(await page.textContent('.uc-freed-total')), plan.licence.reduce((s, l) => s + l.seatsFreed, 0));
  assert.ok(plan.licence.some((l) => l.seatsFreed > 0), 'the template frees seats in the sample');
  await page.screenshot({ path: `${SHOTS}view-dashboard.png`, fullPage: true });

  await page.click('#uc-tab-preview');
  await page.waitForSelector('#uc-preview-summary');
  assert.equal(await page.getAttribute('#uc-policy-banner', 'data-source'), 'template');
  assert.match(await page.textContent('#uc-policy-banner'), /No policy is saved in Jira\. This preview applies a starting template/);
  assert.equal(parseNum(await page.textContent('#uc-preview-summary [data-count="actions"]')), plan.counts.actions);
  await page.screenshot({ path: `${SHOTS}view-preview.png`, fullPage: true });

  for (const view of ['rules', 'run', 'history']) {
    await page.click(`#uc-tab-${view}`);
    await page.waitForFunction(() => ['ready', 'error'].includes(document.querySelector('#user-cleanup').dataset.state) && document.querySelector('#uc-panel').childElementCount > 0);
    await page.waitForTimeout(300);
    await page.screenshot({ path: `${SHOTS}view-${view}.png`, fullPage: true });
  }
  assert.deepEqual(policyFileRequests(sb, from), [], 'the sample policy is never loaded');
  assert.deepEqual(errors, []);
  await context.close();
});

test('the development server honours ?policy= and labels it; the page served from the JAR ignores it and says so', { skip: skip || false }, async () => {
  const dev = await adminPage(browser, sb.url);
  await dev.page.goto(`${sb.appUrl}?policy=../samples/policy.json`);
  assert.equal(await settled(dev.page), 'ready');
  assert.equal(await dev.page.getAttribute('#uc-policy-banner', 'data-source'), 'dev-file');
  assert.match(await dev.page.textContent('#uc-policy-banner'), /Development file — not saved/);
  assert.equal(await dev.page.locator('#uc-policy-param-ignored').count(), 0);
  await dev.context.close();

  const { context, page, errors } = await adminPage(browser, jarSb.url);
  const from = jarSb.requests.length;
  await page.goto(`${jarSb.appUrl}?policy=../samples/policy.json`);
  assert.equal(await settled(page), 'ready');
  assert.match(await page.textContent('#uc-policy-param-ignored'), /ignored: User Cleanup takes its policy only from Jira/);
  assert.equal(await page.getAttribute('#uc-policy-banner', 'data-source'), 'template');
  assert.match(await page.textContent('.uc-summary'), /policy: Template — not saved/);
  assert.deepEqual(policyFileRequests(jarSb, from).map((r) => r.path), [], 'the file named in ?policy= is not fetched');
  const probe = jarSb.requests.slice(from).find((r) => r.path.endsWith('/dev/page-server.json'));
  assert.equal(probe?.status, 404, 'the JAR has no development-server marker');
  // without ?policy= the page served from the JAR makes no such request at all
  const from2 = jarSb.requests.length;
  await page.goto(jarSb.appUrl);
  assert.equal(await settled(page), 'ready');
  assert.equal(jarSb.requests.slice(from2).filter((r) => /page-server\.json|samples\//.test(r.path.split('?')[0])).length, 0);
  assert.deepEqual(errors, []);
  await context.close();
});
