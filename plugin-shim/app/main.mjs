// The User Cleanup admin page: mount(root, options) builds the page inside `root`.
// Order matters: the admin check is the first request and nothing else is fetched (no user
// data, no engine, no chart library) until it passes.
import { h, clear, errorBox } from './dom.mjs';
import { createRouter, viewFromHash } from './router.mjs';
import { loadEngine } from './engine-loader.mjs';
import { createData } from './data.mjs';
import { renderDashboard } from './dashboard.mjs';
import { renderRules } from './rules.mjs';
import { createStore } from './store.mjs';
import { renderPreview } from './preview.mjs';
import { renderRun } from './run.mjs';
import { renderHistory } from './history.mjs';
import { renderUsers } from './users.mjs';
import { renderReview } from './review.mjs';
import { renderSchedules } from './schedules.mjs';
import { assetUrls } from './layout.mjs';
import { createAccountWatch, accountBanner } from './account-status.mjs';

/**
 * @param {HTMLElement} root
 * @param {object} o
 * @param {string|URL} o.base  URL of the app folder (ends with '/')
 * @param {string} [o.contextPath]  Jira's context path ('' or '/jira')
 * Where the other files are (defaults: the JAR's "assets" module layout, see layout.mjs):
 * @param {string|URL} [o.hostUrl]  the host adapter module (host/index.mjs)
 * @param {string|URL} [o.engineBase]  folder with user_cleanup_wasm.js and _bg.wasm
 * @param {string|URL} [o.chartUrl]  Chart.js UMD build
 * @param {string|URL|null} [o.policyUrl]  a policy file for development (`?policy=`): used only when nothing is
 *   saved and only when the development server serves the page (see devServer below); ignored otherwise
 * @param {boolean} [o.embedded]  inside a Jira page (no own page header chrome)
 * @param {string} [o.storageUser]  the Jira account whose properties hold the policy and audit trail (store.mjs; "user-cleanup")
 */
export async function mount(root, o) {
  const t0 = performance.now();
  const timings = { start: t0 };
  const base = new URL(String(o.base), document.baseURI);
  const urls = assetUrls(base, o);
  const contextPath = (o.contextPath ?? '').replace(/\/+$/, '');
  const state = (s) => { root.dataset.state = s; };
  globalThis.__userCleanup = { timings, root };

  root.classList.add('uc-app');
  if (o.embedded) root.classList.add('uc-embedded');
  clear(root);
  const status = h('p', { class: 'uc-status', role: 'status' }, 'Checking your permissions…');
  const header = h('div', { class: 'uc-page-header' },
    h('div', { class: 'uc-page-header-main' }, h('h1', {}, 'User Cleanup'),
      h('p', { class: 'uc-muted' }, 'Find and clean up accounts that should no longer hold a licence, by rules.')),
    h('div', { class: 'uc-page-header-actions' }));
  root.append(header, status);
  state('checking');

  const { createJiraHost } = await import(urls.host.href);
  const host = createJiraHost({
    baseUrl: location.origin + contextPath,
    credentials: 'same-origin',
    fetch: o.fetch ?? globalThis.fetch.bind(globalThis),
    onProgress: (p) => progress(p),
  });

  try {
    await host.assertAdmin();
  } catch (e) {
    timings.refused = performance.now() - t0;
    const refused = ['host.notAdmin', 'host.forbidden', 'host.unauthorized'].includes(e?.code) || e?.status === 401 || e?.status === 403;
    clear(root).append(header, refused ? refusal(e, contextPath) : errorBox('Jira could not be reached', e));
    state(refused ? 'refused' : 'error');
    return { refused };
  }
  timings.adminOk = performance.now() - t0;

  status.textContent = 'Loading…';
  state('loading');
  const engineP = loadEngine(urls.engine);
  const meP = host.whoami().catch(() => null);
  const f = o.fetch ?? globalThis.fetch.bind(globalThis);
  // The shipped app takes its policy only from Jira: a policy URL is honoured only by the development server.
  const devPolicyUrl = o.policyUrl != null && (await devServer(base, f)) ? new URL(String(o.policyUrl), base) : null;
  const ignoredPolicyUrl = o.policyUrl != null && devPolicyUrl == null;
  // The engine's functions the views use, once it has loaded; one the loaded build lacks is
  // undefined (so `typeof ctx.engine.decide === 'function'` tells an older engine apart).
  const engineProxy = {};
  for (const name of ['dashboard', 'planJson', 'validate', 'nextRuns', 'decide', 'removableGroups', 'policyGroups', 'openQuery', 'planBulk']) {
    Object.defineProperty(engineProxy, name, { enumerable: true, get: () => engineLoaded?.api?.[name] });
  }
  // Warn before acting (warn-editor.mjs, warn-views.mjs): who is warned, waits, may be acted on.
  for (const name of ['warnings', 'warningOutcomes']) {
    Object.defineProperty(engineProxy, name, { enumerable: true, get: () => engineLoaded?.api?.[name] });
  }
  let engineLoaded = null;
  // The policy and audit trail kept in Jira (user properties of the storage account, store.mjs).
  const store = createStore({ baseUrl: location.origin + contextPath, fetch: f, storageUser: o.storageUser });
  // Is the storage account safe? Until it is, no saved policy is loaded and saving and running are off.
  const account = createAccountWatch(store);
  // The snapshot reads only the policy's groups (the engine says which, once loaded): engineReady.
  const data = createData({ host, engine: engineProxy, engineReady: engineP.then((e) => { engineLoaded = e; }), store, account, devPolicyUrl, fetch: f });
  // Start the snapshot now; the views wait for it.
  data.snapshot().catch(() => {});

  function progress(p) {
    const status = root.querySelector('.uc-status');
    if (!status) return;
    const what = { roles: 'application roles', users: 'users', groups: 'groups', members: 'group members', done: 'users' }[p.phase] ?? p.phase;
    status.textContent = p.total ? `Reading ${what}… ${p.done} of ${p.total}` : `Reading ${what}… ${p.done}`;
  }

  let me;
  try {
    [engineLoaded, me] = await Promise.all([engineP, meP, account.ready]);
  } catch (e) {
    clear(root).append(header, errorBox('The engine could not be loaded', e));
    state('error');
    return { error: e };
  }
  timings.engine = { ms: engineLoaded.ms, via: engineLoaded.loadedVia, version: engineLoaded.version };

  status.remove();
  const who = header.querySelector('.uc-page-header-actions');
  if (me) who.append(h('span', { class: 'uc-muted uc-whoami' }, 'Signed in as ', h('strong', { class: 'uc-me' }, me.displayName ?? me.name)));
  const refresh = h('button', { type: 'button', class: 'uc-button', 'aria-label': 'Read users from Jira again' }, 'Refresh data');
  who.append(refresh);

  const nav = h('nav', { class: 'uc-nav', 'aria-label': 'User Cleanup' });
  const panel = h('div', { class: 'uc-panel', tabindex: '-1' });
  root.append(accountBanner(account));
  if (ignoredPolicyUrl) {
    root.append(h('div', { class: 'uc-message', role: 'status', id: 'uc-policy-param-ignored' },
      'The policy parameter in this address is ignored: User Cleanup takes its policy only from Jira (the Rules view).'));
  }
  root.append(nav, panel);

  const ctx = {
    data, me, contextPath, timings, t0, store, engine: engineProxy,
    account, // account-status.mjs: account.status.ok false = saving and running are off (and why)
    chartUrl: urls.chart,
    host,
    runnerBase: new URL(String(o.runnerBase ?? '../runner/'), base),
    status,
    state,
  };
  const router = createRouter(nav, panel, {
    dashboard: (p) => renderDashboard(p, ctx),
    rules: (p) => renderRules(p, ctx),
    preview: (p) => renderPreview(p, ctx),
    run: (p) => renderRun(p, ctx),
    history: (p) => renderHistory(p, ctx),
    users: (p) => renderUsers(p, ctx),
    review: (p) => renderReview(p, ctx),
    schedules: (p) => renderSchedules(p, ctx),
  });
  // The Schedules view opens the Run view (Run now, Dry run) and History (a schedule's last run).
  ctx.go = (id) => router.go(id);
  refresh.addEventListener('click', async () => {
    refresh.disabled = true;
    try {
      await data.snapshot({ refresh: true });
      await router.reload();
    } finally {
      refresh.disabled = false;
    }
  });
  await router.show(viewFromHash());
  return { router, data, host };
}

/**
 * True when the page is served by the development server (plugin-shim/dev), which serves
 * ../dev/page-server.json beside the app; the JAR never contains that file. Asked only when a
 * policy URL was passed, so the shipped app makes no extra request.
 */
async function devServer(base, f) {
  try {
    const r = await f(new URL('../dev/page-server.json', base).href, { credentials: 'same-origin' });
    return r.ok && (await r.json())?.devServer === true;
  } catch {
    return false;
  }
}

function refusal(e, contextPath) {
  const notLoggedIn = e?.status === 401 || e?.code === 'host.unauthorized';
  const box = h('div', { class: 'uc-message uc-message-error', role: 'alert', dataset: { refusal: notLoggedIn ? 'login' : 'admin' } },
    h('p', { class: 'uc-message-title' }, notLoggedIn ? 'Log in as a Jira administrator' : 'You need to be a Jira administrator'),
    h('p', {}, notLoggedIn
      ? 'User Cleanup shows and changes user accounts, so it is only available to Jira administrators. You are not logged in.'
      : 'User Cleanup shows and changes user accounts, so it is only available to members with the Jira Administrators global permission. Ask an administrator if you need access.'));
  if (notLoggedIn) {
    const dest = location.pathname.slice(contextPath.length) + location.search + location.hash;
    box.append(h('p', {}, h('a', { href: `${contextPath}/login.jsp?os_destination=${encodeURIComponent(dest)}` }, 'Log in')));
  }
  return box;
}
