// A sandbox Jira serving User Cleanup's page the way the JAR lays it out
// (plugin-shim/atlassian-plugin.xml): the "admin-page" web-resource (entry script + CSS) and the
// "assets" download resource with app/, engine/ (pkg/web), host/ (plugin-shim/src/host),
// vendor/chart.umd.min.js (npm chart.js) and samples/policy.json. Also a stand-in for Jira's
// User Browser admin page (with an AMD `define` on it, as real Jira pages have) that loads the
// entry script, so the injected mode can be tested.
//
//   node tests/browser/app-server.mjs [--users N] [--port P]   prints the page URLs (a demo)
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSandbox } from '../../plugin-shim/src/sandbox/index.mjs';
import { BROWSER_MODULES as RUNNER_BROWSER_MODULES } from '../../plugin-shim/src/runner/browser.mjs';

export { RUNNER_BROWSER_MODULES };

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const PLUGIN_KEY = 'com.usercleanup.jira';
export const FIXED_NOW = Date.parse('2026-11-27T10:00:00Z');

function addDir(map, dir, prefix, filter = () => true) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) addDir(map, p, `${prefix}${name}/`, filter);
    else if (filter(name)) map[`${prefix}${relative(dir, p).split(sep).join('/')}`] = readFileSync(p);
  }
}

/** The download resources as the JAR would serve them: { 'pluginKey:module': { name: Buffer } }. */
export function appResources() {
  const engineDir = join(ROOT, 'pkg/web');
  if (!existsSync(join(engineDir, 'user_cleanup_wasm_bg.wasm'))) throw new Error('pkg/web is not built: run ./build.sh first');
  const assets = {};
  addDir(assets, join(ROOT, 'plugin-shim/app'), 'app/');
  addDir(assets, engineDir, 'engine/', (n) => /\.(js|wasm)$/.test(n));
  addDir(assets, join(ROOT, 'plugin-shim/src/host'), 'host/', (n) => n.endsWith('.mjs'));
  // The runner's browser-safe modules (Run / History views): executor, audit chain, CSV, report.
  for (const n of RUNNER_BROWSER_MODULES) assets[`runner/${n}`] = readFileSync(join(ROOT, 'plugin-shim/src/runner', n));
  assets['vendor/chart.umd.min.js'] = readFileSync(join(ROOT, 'node_modules/chart.js/dist/chart.umd.min.js'));
  assets['samples/policy.json'] = readFileSync(join(ROOT, 'samples/policy.json'));
  const adminPage = {
    'user-cleanup.js': assets['app/user-cleanup.js'],
    'user-cleanup.css': assets['app/user-cleanup.css'],
  };
  return { [`${PLUGIN_KEY}:assets`]: assets, [`${PLUGIN_KEY}:admin-page`]: adminPage };
}

/** A stand-in for /secure/admin/user/UserBrowser.jspa with the web-resource included. */
export function userBrowserPage(contextPath = '') {
  const res = `${contextPath}/download/resources/${PLUGIN_KEY}:admin-page`;
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><title>User Browser - Jira</title>
<meta name="ajs-context-path" content="${contextPath}">
<script>/* an AMD loader is on every Jira page */ window.define = function () { window.__anonymousDefine = (window.__anonymousDefine || 0) + 1; }; window.define.amd = { jQuery: true };</script>
<link rel="stylesheet" href="${res}/user-cleanup.css">
<script src="${res}/user-cleanup.js"></script>
<style>body{margin:0;font:14px/20px sans-serif;color:#172B4D}body>header{background:#0747A6;color:#fff;padding:10px 20px}.aui-page-panel{display:flex}.aui-page-panel-sidebar{width:200px;padding:20px;border-right:1px solid #DFE1E6}.aui-page-panel-content{flex:1;min-width:0;padding:20px}</style>
</head><body><header>Jira · Administration</header>
<div class="aui-page-panel"><div class="aui-page-panel-sidebar"><a href="#">Users</a><br><a href="#user-cleanup">User Cleanup</a></div>
<section class="aui-page-panel-content"><h1 id="user-browser-title">Users</h1><table id="user_browser_table"><tr><td>the user list</td></tr></table></section></div>
</body></html>`;
}

/**
 * Starts the sandbox with the app. Options go to startSandbox (sample by default, clock fixed at
 * the sample's capture time so results are reproducible).
 */
export async function startAppSandbox(options = {}) {
  const sb = await startSandbox({
    port: 0,
    sample: options.users === undefined && options.snapshot === undefined,
    now: () => FIXED_NOW,
    // From the built plugin JAR exactly as Jira would serve it (demo), or from the sources (tests).
    resources: options.jar ? await (await import('../../plugin-shim/package/build-jar.mjs')).jarResources(options.jar) : appResources(),
    pages: { '/secure/admin/user/UserBrowser.jspa': userBrowserPage(options.contextPath ?? '') },
    ...options,
  });
  sb.appUrl = `${sb.url}/download/resources/${PLUGIN_KEY}:assets/app/index.html`;
  sb.userBrowserUrl = `${sb.url}/secure/admin/user/UserBrowser.jspa#user-cleanup`;
  return sb;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const opt = (name) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const users = opt('--users');
  const jar = opt('--jar');
  const sb = await startAppSandbox({ port: Number(opt('--port') ?? 0), ...(users ? { users: Number(users) } : {}), ...(jar ? { jar } : {}), logRequests: false });
  console.log(`sandbox Jira: ${sb.url}  (log in as admin/admin or viewer/viewer: POST /rest/auth/1/session, or ${sb.url}/login.jsp)`);
  console.log(`standalone page: ${sb.appUrl}`);
  console.log(`inside Jira:     ${sb.userBrowserUrl}`);
}
