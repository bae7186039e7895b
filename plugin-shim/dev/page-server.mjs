// The development page server: a sandbox Jira serving User Cleanup's page the way the JAR lays it out
// (plugin-shim/atlassian-plugin.xml): the "admin-page" web-resource (entry script + CSS) and the
// "assets" download resource with app/, engine/ (pkg/web), host/ (plugin-shim/src/host),
// vendor/chart.umd.min.js (npm chart.js) and samples/policy.json. Also a stand-in for Jira's
// User Browser admin page (with an AMD `define` on it, as real Jira pages have) that loads the
// entry script, so the injected mode can be tested. Used by ./build.sh page and demo (from the
// built JAR) and by the browser tests (from the sources).
//
//   node plugin-shim/dev/page-server.mjs [--jar FILE] [--users N | --snapshot FILE] [--port P]
//
// --snapshot seeds the sandbox from a snapshot (e.g. one `user-cleanup snapshot` exported from
// your Jira), so an admin can look at the page over their own data; the sandbox's clock is then
// the snapshot's capturedAt. Prints the URLs; runs until Ctrl-C.
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { join, relative, sep, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { startSandbox } from '../src/sandbox/index.mjs';
import { BROWSER_MODULES as RUNNER_BROWSER_MODULES } from '../src/runner/browser.mjs';

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
  // The mail module's renderer (browser-safe): the Rules view's template preview is the email sent.
  assets['mail/render.mjs'] = readFileSync(join(ROOT, 'plugin-shim/src/mail/render.mjs'));
  assets['vendor/chart.umd.min.js'] = readFileSync(join(ROOT, 'node_modules/chart.js/dist/chart.umd.min.js'));
  assets['samples/policy.json'] = readFileSync(join(ROOT, 'samples/policy.json'));
  assets['dev/page-server.json'] = Buffer.from('{"devServer": true}\n'); // marks this server: the page honours ?policy= only here (the JAR never has it)
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

/** An error meant for the person starting the server (printed without a stack trace). */
export class PageServerError extends Error {}

/**
 * Reads a snapshot file for seeding: JSON with a "users" array. Anything else is a
 * PageServerError naming the file and what is wrong (the file is untrusted input).
 */
export function readSnapshotFile(path) {
  let text;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new PageServerError(`${path}: cannot read the snapshot: ${e.code === 'ENOENT' ? 'no such file' : e.message}`);
  }
  let snap;
  try {
    snap = JSON.parse(text);
  } catch (e) {
    throw new PageServerError(`${path}: the snapshot is not valid JSON: ${e.message}`);
  }
  if (!snap || typeof snap !== 'object' || !Array.isArray(snap.users)) throw new PageServerError(`${path}: the snapshot has no "users" array`);
  const bad = snap.users.findIndex((u) => !u || typeof u !== 'object' || typeof u.name !== 'string' || u.name === '');
  if (bad >= 0) throw new PageServerError(`${path}: users[${bad}] has no "name"`);
  const seen = new Set();
  for (const [i, u] of snap.users.entries()) {
    const lc = u.name.toLowerCase();
    if (seen.has(lc)) throw new PageServerError(`${path}: users[${i}].name ${JSON.stringify(u.name)} appears twice (usernames are unique case-insensitively)`);
    seen.add(lc);
  }
  return snap;
}

/**
 * Starts the sandbox with the app. Options go to startSandbox (sample by default, clock fixed at
 * the sample's capture time so results are reproducible; with a snapshot, at its capturedAt).
 * `snapshot` may be an object or a file path; `jar` serves the page from a built JAR; `resources`
 * replaces the served files altogether.
 */
export async function startAppSandbox(options = {}) {
  const snapshot = typeof options.snapshot === 'string' ? readSnapshotFile(options.snapshot) : options.snapshot;
  const captured = Date.parse(snapshot?.capturedAt ?? '');
  const now = snapshot ? (Number.isFinite(captured) ? () => captured : Date.now) : () => FIXED_NOW;
  const sb = await startSandbox({
    port: 0,
    sample: options.users === undefined && snapshot === undefined,
    now,
    // From the built plugin JAR exactly as Jira would serve it (demo), or from the sources (tests).
    resources: options.resources ?? (options.jar ? await (await import('../package/build-jar.mjs')).jarResources(options.jar) : appResources()),
    pages: { '/secure/admin/user/UserBrowser.jspa': userBrowserPage(options.contextPath ?? '') },
    ...options,
    snapshot,
  });
  sb.appUrl = `${sb.url}/download/resources/${PLUGIN_KEY}:assets/app/index.html`;
  sb.userBrowserUrl = `${sb.url}/secure/admin/user/UserBrowser.jspa#user-cleanup`;
  return sb;
}

const USAGE = 'usage: node plugin-shim/dev/page-server.mjs [--jar FILE] [--users N | --snapshot FILE] [--port P]';

async function main(argv) {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, strict: true, options: { jar: { type: 'string' }, users: { type: 'string' }, snapshot: { type: 'string' }, port: { type: 'string' }, help: { type: 'boolean', short: 'h' } } }));
  } catch (e) {
    throw new PageServerError(`${e.message.replace(/\. To specify a positional argument.*$/s, '')}\n${USAGE}`);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (values.users !== undefined && values.snapshot !== undefined) throw new PageServerError('give --users N or --snapshot FILE, not both');
  for (const k of ['users', 'port']) {
    if (values[k] !== undefined && !/^\d+$/.test(values[k])) throw new PageServerError(`--${k} must be a whole number, got ${JSON.stringify(values[k])}`);
  }
  if (values.jar !== undefined && !existsSync(values.jar)) throw new PageServerError(`${values.jar}: no such JAR (./build.sh builds it)`);
  let resources;
  if (values.jar !== undefined) {
    // The JAR is a file given on the command line: anything wrong with it is reported, not thrown.
    const { jarResources } = await import('../package/build-jar.mjs');
    try {
      resources = await jarResources(values.jar);
    } catch (e) {
      throw new PageServerError(`${values.jar}: not a usable plugin JAR: ${e.message}`);
    }
  }
  const sb = await startAppSandbox({
    port: Number(values.port ?? 0),
    ...(values.users ? { users: Number(values.users) } : {}),
    ...(values.snapshot ? { snapshot: values.snapshot } : {}),
    ...(resources ? { resources } : {}),
    logRequests: false,
  });
  const seeded = values.snapshot ? `${sb.state.users.size} users from ${values.snapshot}` : values.users ? `${sb.state.users.size} generated users` : 'the built-in sample';
  console.log(`sandbox Jira: ${sb.url}  (${seeded}; log in as admin/admin or viewer/viewer: POST /rest/auth/1/session, or ${sb.url}/login.jsp)`);
  console.log(`standalone page: ${sb.appUrl}`);
  console.log(`inside Jira:     ${sb.userBrowserUrl}`);
  const stop = () => sb.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).catch((e) => {
    if (!(e instanceof PageServerError) && !e?.code) throw e;
    process.stderr.write(`page-server: ${e.code === 'EADDRINUSE' ? 'the port is in use' : e.message}\n`);
    process.exit(2);
  });
}
