// The installable Jira DC app (plugin-shim/package/build-jar.mjs -> dist/user-cleanup-<version>.jar).
// The JAR is built into temp dirs and then opened with readers that share no code with the writer
// (fflate): Python's zipfile (CRC-checked) and xml.etree for the descriptor, `unzip -t`, and the
// JDK's `jar tf` when it is installed. python3 and unzip are required: ./build.sh test installs
// them, and under CI a missing one fails the test instead of skipping it. A fixture admin page is
// used so the test does not depend on the page being written; the real plugin-shim/app/ and
// pkg/web/ are packaged too when present.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, mkdir, writeFile, readFile, rm, cp } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildJar, isExcluded, jarResources } from '../../plugin-shim/package/build-jar.mjs';
import { writeZip, readZip } from '../../plugin-shim/package/zip.mjs';
import { BROWSER_MODULES } from '../../plugin-shim/src/runner/browser.mjs';
import { parseXml, XmlError } from '../../plugin-shim/package/xml.mjs';
import { checkDescriptor, downloadResources } from '../../plugin-shim/package/descriptor.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BUILD = join(ROOT, 'plugin-shim/package/build-jar.mjs');
const VERSION = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')).version;
const PLUGIN_KEY = 'com.usercleanup.jira';
const ADMIN = 'com.atlassian.jira.plugin.webfragment.conditions.UserIsAdminCondition';
const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const HAVE_PY = has('python3');
const HAVE_UNZIP = has('unzip');
const HAVE_JAR = has('jar');
// Under CI, or when ./build.sh test has installed the tools (USER_CLEANUP_REQUIRE_TOOLS=1).
const UNDER_CI = Boolean(process.env.CI || process.env.USER_CLEANUP_REQUIRE_TOOLS);
/**
 * The skip reason for a test that needs a tool, or false to run it. Under CI a missing tool is
 * not a reason to skip: the test runs and fails, saying what to install.
 */
const needs = (have, what) => (have || UNDER_CI ? false : `${what} not installed (apt-get install -y ${what}; ./build.sh test installs it)`);
function requireTool(have, what) {
  assert.ok(have, `${what} is not installed: apt-get install -y ${what} (./build.sh test installs it when run as root)`);
}
const REAL_ENGINE = join(ROOT, 'pkg/web');

const tmpRoot = await mkdtemp(join(tmpdir(), 'uc-package-'));
process.on('exit', () => spawnSync('rm', ['-rf', tmpRoot]));
let n = 0;
const tmp = async () => {
  const d = join(tmpRoot, String(n++));
  await mkdir(d, { recursive: true });
  return d;
};

// A minimal admin page and engine with the real layout: entry JS/CSS, index.html, nested ES
// modules, and files that must stay out of the JAR (tests, dotfiles).
async function fixture() {
  const d = await tmp();
  const files = {
    'app/user-cleanup.js': "(function(){ if (location.hash === '#user-cleanup') import(AJS.contextPath() + '/download/resources/com.usercleanup.jira:assets/app/main.mjs'); })();\n",
    'app/user-cleanup.css': '.user-cleanup { display: block; }\n',
    'app/index.html': '<!doctype html>\n<meta charset="utf-8"><title>User Cleanup</title><script type="module" src="main.mjs"></script>\n',
    'app/main.mjs': "import './views/dashboard.mjs';\nexport const engineUrl = new URL('../engine/user_cleanup_wasm.js', import.meta.url);\n",
    'app/views/dashboard.mjs': 'export const view = "dashboard";\n',
    'app/vendor/chart.umd.js': 'window.Chart = {};\n',
    'app/Ümlaut name.svg': '<svg xmlns="http://www.w3.org/2000/svg"/>\n',
    'app/main.test.mjs': 'throw new Error("tests are not packaged")\n',
    'app/tests/page.spec.mjs': 'throw new Error("tests are not packaged")\n',
    'app/.DS_Store': 'junk',
    'engine/user_cleanup_wasm.js': 'export default async function init() {}\n',
    'engine/user_cleanup_wasm_bg.wasm': Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]),
    'engine/user_cleanup_wasm.d.ts': 'export {};\n',
    'host/index.mjs': "export * from './errors.mjs';\n",
    'host/errors.mjs': 'export class HostError extends Error {}\n',
    'host/index.test.mjs': 'throw new Error("tests are not packaged")\n',
    'chart/dist/chart.umd.min.js': '/*! Chart.js (fixture) */ window.Chart = function () {};\n',
    'chart/LICENSE.md': 'The MIT License (MIT)\n',
    'samples/policy.json': '{"version": 1, "rules": []}\n',
  };
  for (const [p, data] of Object.entries(files)) {
    await mkdir(join(d, p, '..'), { recursive: true });
    await writeFile(join(d, p), data);
  }
  const opts = (base = d) => ({
    appDir: join(base, 'app'),
    engineDir: join(base, 'engine'),
    hostDir: join(base, 'host'),
    chartFile: join(base, 'chart/dist/chart.umd.min.js'),
    policyFile: join(base, 'samples/policy.json'),
  });
  return { ...opts(), opts, dir: d };
}

// Python: list and CRC-check every entry, read the manifest, and parse the descriptor with
// xml.etree (strict: raises on anything not well-formed) into a JSON tree.
const PY = String.raw`
import json, sys, zipfile, xml.etree.ElementTree as ET
z = zipfile.ZipFile(sys.argv[1])
bad = z.testzip()
def tree(e):
    return {"tag": e.tag, "attrib": dict(e.attrib), "text": (e.text or "").strip(), "children": [tree(c) for c in e]}
out = {"bad": bad, "names": z.namelist(),
       "infos": [{"name": i.filename, "date_time": list(i.date_time), "method": i.compress_type, "size": i.file_size} for i in z.infolist()],
       "manifest": z.read("META-INF/MANIFEST.MF").decode("utf-8")}
try:
    out["descriptor"] = tree(ET.fromstring(z.read("atlassian-plugin.xml")))
except ET.ParseError as e:
    out["descriptorError"] = str(e)
json.dump(out, sys.stdout)
`;
function pyInspect(jar) {
  requireTool(HAVE_PY, 'python3');
  const r = spawnSync('python3', ['-c', PY, jar], { encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, `python3 zipfile failed:\n${r.stderr}`);
  return JSON.parse(r.stdout);
}

const kids = (el, tag) => el.children.filter((c) => tag === undefined || c.tag === tag);
const paramOf = (el, name) => kids(el, 'param').find((p) => p.attrib.name === name);

/** Every check the issue asks for, made on the independent reading of the JAR. */
function assertGoodPlugin(info, { appFiles }) {
  assert.equal(info.bad, null, `CRC error in ${info.bad}`);
  assert.equal(info.descriptorError, undefined, `descriptor is not well-formed: ${info.descriptorError}`);
  const names = new Set(info.names);
  assert.equal(names.size, info.names.length, 'duplicate entries');
  assert.deepEqual(info.names.slice(0, 2), ['META-INF/', 'META-INF/MANIFEST.MF'], 'the manifest comes first');
  assert.match(info.manifest, /^Manifest-Version: 1\.0\r\n/);
  assert.doesNotMatch(info.manifest, /Atlassian-Plugin-Key|Bundle-SymbolicName|Spring-Context/, 'a plain manifest: the transformer makes the OSGi headers');
  assert.match(info.manifest, new RegExp(`Implementation-Version: ${VERSION.replaceAll('.', '\\.')}\r\n`));
  for (const line of info.manifest.split('\r\n')) assert.ok(Buffer.byteLength(line) <= 72, `manifest line over 72 bytes: ${line}`);
  for (const i of info.infos) assert.deepEqual(i.date_time, [1980, 2, 1, 0, 0, 0], `${i.name} has the fixed timestamp`);

  const root = info.descriptor;
  assert.equal(root.tag, 'atlassian-plugin');
  assert.equal(root.attrib['plugins-version'], '2');
  assert.equal(root.attrib.key, PLUGIN_KEY);
  const pinfo = kids(root, 'plugin-info')[0];
  assert.equal(kids(pinfo, 'version')[0].text, VERSION);
  assert.ok(kids(pinfo, 'vendor')[0].attrib.name);
  assert.equal(paramOf(pinfo, 'atlassian-data-center-status')?.text, 'compatible');
  assert.equal(paramOf(pinfo, 'atlassian-data-center-compatible')?.text, 'true');

  const modules = root.children.filter((c) => c.tag !== 'plugin-info');
  const keys = modules.map((m) => m.attrib.key);
  assert.ok(keys.every(Boolean), 'every module has a key');
  assert.equal(new Set(keys).size, keys.length, `module keys are unique: ${keys}`);

  // Every resource location exists in the JAR (a directory location: the entry and files under it).
  for (const m of modules) {
    const resourceNames = kids(m, 'resource').map((r) => r.attrib.name);
    assert.equal(new Set(resourceNames).size, resourceNames.length, `resource names unique in ${m.attrib.key}`);
    for (const r of kids(m, 'resource')) {
      const loc = r.attrib.location;
      assert.ok(loc, `resource ${r.attrib.name} has a location`);
      if (loc.endsWith('/')) {
        assert.ok(names.has(loc), `directory ${loc} is in the JAR`);
        assert.ok(info.names.some((x) => x.startsWith(loc) && !x.endsWith('/')), `files under ${loc}`);
        assert.ok(r.attrib.name.endsWith('/'), 'directory name and location both end in /');
      } else {
        assert.ok(names.has(loc), `${loc} (resource ${r.attrib.name} of ${m.attrib.key}) is in the JAR`);
      }
      if (/\.wasm$/.test(loc)) assert.equal(paramOf(r, 'content-type')?.attrib.value, 'application/wasm', `${loc} is served as application/wasm`);
      if (/\.mjs$/.test(loc)) assert.equal(paramOf(r, 'content-type')?.attrib.value, 'text/javascript', `${loc} is served as JavaScript`);
    }
  }

  // The page's web-resource: atl.admin, AUI, admins only, the entry JS and CSS.
  const page = modules.find((m) => m.tag === 'web-resource' && kids(m, 'context').some((c) => c.text === 'atl.admin'));
  assert.ok(page, 'a web-resource in context atl.admin');
  assert.ok(kids(page, 'dependency').some((d) => d.text === 'com.atlassian.auiplugin:ajs'), 'depends on AUI');
  assert.ok(kids(page, 'condition').some((c) => c.attrib.class === ADMIN), 'the page web-resource is for admins only');
  const pageLocs = kids(page, 'resource').map((r) => r.attrib.location).sort();
  assert.deepEqual(pageLocs, ['app/user-cleanup.css', 'app/user-cleanup.js']);

  // The static files: the engine (wasm with its content type) and the whole app/ directory.
  const assets = modules.find((m) => m.attrib.key === 'assets');
  assert.equal(assets.tag, 'web-resource');
  assert.equal(kids(assets, 'context').length, 0, 'assets are fetched by URL, never put on pages');
  const byName = Object.fromEntries(kids(assets, 'resource').map((r) => [r.attrib.name, r]));
  assert.equal(byName['app/']?.attrib.location, 'app/');
  assert.equal(byName['app/'].attrib.type, 'download');
  assert.equal(paramOf(byName['engine/user_cleanup_wasm_bg.wasm'], 'content-type').attrib.value, 'application/wasm');
  assert.ok(byName['engine/user_cleanup_wasm.js']);
  const wasmEntries = info.names.filter((x) => x.endsWith('.wasm'));
  assert.deepEqual(wasmEntries, ['engine/user_cleanup_wasm_bg.wasm'], 'the only wasm is the one with an explicit resource');

  // The link in User management: admins only, to the page's hash marker.
  const items = modules.filter((m) => m.tag === 'web-item');
  assert.equal(items.length, 1);
  const [item] = items;
  assert.equal(item.attrib.section, 'admin_users_menu/users_groups_section');
  assert.equal(kids(item, 'link')[0].text, '/secure/admin/user/UserBrowser.jspa#user-cleanup');
  assert.ok(kids(item, 'condition').some((c) => c.attrib.class === ADMIN), 'the link is for admins only');
  assert.ok(kids(item, 'label')[0].text);

  // Every packaged app file, at its relative path; nothing else under app/.
  const packagedApp = info.names.filter((x) => x.startsWith('app/') && !x.endsWith('/')).sort();
  assert.deepEqual(packagedApp, appFiles.map((f) => `app/${f}`).sort());
  // What the app loads relative to app/ (plugin-shim/app/layout.mjs) is there and served.
  assert.equal(byName['host/']?.attrib.location, 'host/');
  assert.ok(names.has('host/index.mjs'));
  assert.equal(paramOf(byName['vendor/chart.umd.min.js'], 'content-type')?.attrib.value, 'text/javascript');
  assert.equal(paramOf(byName['samples/policy.json'], 'content-type')?.attrib.value, 'application/json');
  // Every ES module has its own resource (a module script needs a JavaScript content type).
  const mjs = info.names.filter((x) => x.endsWith('.mjs'));
  assert.ok(mjs.length >= 2);
  for (const x of mjs) assert.equal(paramOf(byName[x], 'content-type')?.attrib.value, 'text/javascript', `${x} has a resource`);
  assert.ok(!info.names.some((x) => /\.(test|spec)\.mjs$/.test(x)), 'no tests packaged');
  // No Java and nothing unexpected at the top level.
  assert.deepEqual([...new Set(info.names.map((x) => x.split('/')[0] + (x.includes('/') ? '/' : '')))].sort(), ['META-INF/', 'app/', 'atlassian-plugin.xml', 'engine/', 'host/', 'mail/', 'runner/', 'samples/', 'vendor/']);
  assert.ok(!info.names.some((x) => x.endsWith('.class')));
}

const FIXTURE_APP_FILES = ['Ümlaut name.svg', 'index.html', 'main.mjs', 'user-cleanup.css', 'user-cleanup.js', 'vendor/chart.umd.js', 'views/dashboard.mjs'];

test('build-jar: the fixture page packages into a good plugin (read by Python zipfile + xml.etree)', { skip: needs(HAVE_PY, 'python3') }, async () => {
  const fx = await fixture();
  const out = await tmp();
  const r = await buildJar({ ...fx.opts(), outDir: out });
  assert.equal(r.path, join(out, `user-cleanup-${VERSION}.jar`));
  assert.ok(existsSync(r.path));
  const info = pyInspect(r.path);
  assertGoodPlugin(info, { appFiles: FIXTURE_APP_FILES });
  // the file contents round-trip
  const jar = readZip(await readFile(r.path));
  assert.equal(jar.get('app/views/dashboard.mjs').toString(), 'export const view = "dashboard";\n');
  assert.deepEqual(jar.get('engine/user_cleanup_wasm_bg.wasm'), await readFile(join(fx.engineDir, 'user_cleanup_wasm_bg.wasm')));
  assert.ok(!jar.has('engine/user_cleanup_wasm.d.ts'), 'only the two engine files are packaged');
  assert.deepEqual([...jar.keys()].filter((x) => x.startsWith('host/') || x.startsWith('vendor/') || x.startsWith('samples/')).sort(), [
    'host/', 'host/errors.mjs', 'host/index.mjs', 'samples/', 'samples/policy.json', 'vendor/', 'vendor/chart.js-LICENSE.md', 'vendor/chart.umd.min.js',
  ]);
});

test('build-jar: two builds are byte-identical; a changed input changes the JAR', async () => {
  const fx = await fixture();
  const a = await buildJar({ ...fx.opts(), outDir: await tmp() });
  // A copy made later (other mtimes, other directory) must not change a byte.
  const copy = join(await tmp(), 'copy');
  await cp(fx.dir, copy, { recursive: true });
  await new Promise((res) => setTimeout(res, 1100));
  const b = await buildJar({ ...fx.opts(copy), outDir: await tmp() });
  assert.ok(a.bytes.equals(await readFile(b.path)), 'byte-identical JARs');
  assert.ok((await readFile(a.path)).equals(a.bytes));
  await writeFile(join(copy, 'app/views/dashboard.mjs'), 'export const view = "changed";\n');
  const c = await buildJar({ ...fx.opts(copy), outDir: await tmp() });
  assert.ok(!a.bytes.equals(c.bytes));
});

test('build-jar: the same bytes in any time zone (fflate writes DOS times from local fields)', async () => {
  const fx = await fixture();
  const jars = [];
  for (const tz of ['UTC', 'Pacific/Kiritimati', 'America/Los_Angeles']) {
    const out = join(await tmp(), 'x.jar');
    const flags = ['--app', fx.appDir, '--engine', fx.engineDir, '--host', fx.hostDir, '--chart', fx.chartFile, '--policy', fx.policyFile, '--out', out, '--quiet'];
    const r = spawnSync(process.execPath, [BUILD, ...flags], { encoding: 'utf8', env: { ...process.env, TZ: tz } });
    assert.equal(r.status, 0, r.stderr);
    jars.push(await readFile(out));
  }
  assert.ok(jars[0].equals(jars[1]) && jars[0].equals(jars[2]), 'byte-identical across time zones');
});

test('build-jar: unzip -t (and the JDK jar tool, when installed) accept the JAR', { skip: needs(HAVE_UNZIP, 'unzip') }, async () => {
  requireTool(HAVE_UNZIP, 'unzip');
  const fx = await fixture();
  const r = await buildJar({ ...fx.opts(), outDir: await tmp() });
  {
    const u = spawnSync('unzip', ['-t', r.path], { encoding: 'utf8' });
    assert.equal(u.status, 0, u.stdout + u.stderr);
    assert.match(u.stdout, /No errors detected/);
  }
  if (HAVE_JAR) {
    const j = spawnSync('jar', ['tf', r.path], { encoding: 'utf8' });
    assert.equal(j.status, 0, j.stderr);
    assert.deepEqual(j.stdout.trim().split('\n'), r.entries);
  }
});

test('build-jar: the real admin page and engine package into a good plugin', { skip: (!existsSync(join(REAL_ENGINE, 'user_cleanup_wasm_bg.wasm')) && 'pkg/web not built') || needs(HAVE_PY, 'python3') }, async () => {
  const r = await buildJar({ outDir: await tmp() });
  const jar = readZip(r.bytes);
  const appFiles = [...jar.keys()].filter((x) => x.startsWith('app/') && !x.endsWith('/')).map((x) => x.slice(4));
  assert.ok(appFiles.includes('index.html'));
  assert.ok(!appFiles.some(isExcluded));
  assertGoodPlugin(pyInspect(r.path), { appFiles });
  assert.deepEqual(jar.get('engine/user_cleanup_wasm_bg.wasm'), await readFile(join(REAL_ENGINE, 'user_cleanup_wasm_bg.wasm')));
});

test('build-jar CLI: prints the JAR path; missing inputs fail with a clear message, no stack trace', async () => {
  const fx = await fixture();
  const out = await tmp();
  const flags = (o = fx.opts()) => ['--app', o.appDir, '--engine', o.engineDir, '--host', o.hostDir, '--chart', o.chartFile, '--policy', o.policyFile];
  const ok = spawnSync(process.execPath, [BUILD, ...flags(), '--out-dir', out], { encoding: 'utf8' });
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(ok.stdout.trim(), join(out, `user-cleanup-${VERSION}.jar`));

  const run = (...args) => spawnSync(process.execPath, [BUILD, ...args], { encoding: 'utf8' });
  const noApp = run(...flags({ ...fx.opts(), appDir: join(fx.dir, 'nope') }), '--out-dir', out);
  assert.equal(noApp.status, 1);
  assert.match(noApp.stderr, /^build-jar: the admin page is missing: .*nope is not a directory/);
  assert.doesNotMatch(noApp.stderr, /^\s+at /m);

  await rm(join(fx.appDir, 'user-cleanup.css'));
  const partial = run(...flags(), '--out-dir', out);
  assert.equal(partial.status, 1);
  assert.match(partial.stderr, /the admin page is incomplete: user-cleanup\.css missing/);

  await writeFile(join(fx.appDir, 'user-cleanup.css'), '');
  await rm(join(fx.engineDir, 'user_cleanup_wasm_bg.wasm'));
  const noEngine = run(...flags(), '--out-dir', out);
  assert.equal(noEngine.status, 1);
  assert.match(noEngine.stderr, /the engine is not built: user_cleanup_wasm_bg\.wasm missing .*run \.\/build\.sh first/);
  const noChart = run(...flags({ ...fx.opts(), engineDir: join(ROOT, 'pkg/web'), chartFile: join(fx.dir, 'nope.js') }), '--out-dir', out);
  if (existsSync(join(ROOT, 'pkg/web/user_cleanup_wasm_bg.wasm'))) {
    assert.equal(noChart.status, 1);
    assert.match(noChart.stderr, /Chart\.js is not installed: .*nope\.js missing \(run npm ci/);
  }
  const noHost = run(...flags({ ...fx.opts(), hostDir: join(fx.dir, 'app') }), '--out-dir', out);
  assert.equal(noHost.status, 1);
  assert.match(noHost.stderr, /the engine is not built|the host adapter is incomplete: index\.mjs missing/);

  const bad = run('--frobnicate');
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /unknown argument: --frobnicate/);
  assert.match(run('--help').stdout, /^Usage: node plugin-shim\/package\/build-jar\.mjs/);
});

test('build-jar refuses a descriptor that does not match the files', async () => {
  const fx = await fixture();
  const template = await readFile(join(ROOT, 'plugin-shim/atlassian-plugin.xml'), 'utf8');
  const cases = [
    [template.replace('location="app/user-cleanup.css"', 'location="app/missing.css"'), /app\/missing\.css is not in the JAR/],
    [template.replace('key="user-cleanup-link"', 'key="assets"'), /module key "assets" is used twice/],
    [template.replace('<param name="content-type" value="application/wasm"/>', ''), /user_cleanup_wasm_bg\.wasm .* served without .*application\/wasm/],
    [template.replace('plugins-version="2"', 'plugins-version="1"'), /plugins-version must be "2"/],
    [template.replace(/(<web-item[\s\S]*?)<condition[^>]*\/>/, '$1'), /<web-item key="user-cleanup-link"> must carry UserIsAdminCondition/],
    [template.replace('<!-- @app-modules@ -->', ''), /app\/main\.mjs .* ES module served without a JavaScript content-type/],
    [template.replace('</web-item>', '</web-itme>'), /not well-formed XML: line \d+: unexpected close tag/],
  ];
  for (const [xml, expected] of cases) {
    const p = join(await tmp(), 'atlassian-plugin.xml');
    await writeFile(p, xml);
    await assert.rejects(buildJar({ ...fx.opts(), descriptor: p, outDir: await tmp() }), expected);
  }
});

test('isExcluded: tests, dotfiles and editor backups stay out; everything else goes in', () => {
  for (const p of ['a.test.mjs', 'x/b.spec.js', 'tests/a.mjs', 'x/test/b.js', '__tests__/c.js', '.DS_Store', 'x/.hidden/a.js', 'node_modules/a.js', 'a.js~']) {
    assert.ok(isExcluded(p), p);
  }
  for (const p of ['index.html', 'main.mjs', 'views/testing.mjs', 'vendor/chart.umd.js', 'latest.css', 'contest/a.js']) assert.ok(!isExcluded(p), p);
});

test('zip (fflate): round trip, entry order kept, names checked; Python zipfile reads what it writes', async () => {
  const big = Buffer.from(Array.from({ length: 70000 }, (_, i) => (i * 7919) & 0xff));
  const entries = [{ name: 'd/' }, { name: 'd/a.txt', data: 'hello hello hello hello' }, { name: 'empty', data: '' }, { name: 'bin', data: big }, { name: 'é.txt', data: 'x' }, { name: 'a.txt', data: 'first?' }];
  const zip = writeZip(entries);
  const back = readZip(zip);
  assert.deepEqual([...back.keys()], entries.map((e) => e.name), 'the order given, not sorted');
  assert.equal(back.get('d/a.txt').toString(), 'hello hello hello hello');
  assert.ok(back.get('bin').equals(big));
  assert.equal(back.get('empty').length, 0);
  assert.ok(writeZip(entries).equals(zip), 'the same bytes again');
  assert.throws(() => writeZip([{ name: 'a' }, { name: 'a' }]), /duplicate ZIP entry/);
  for (const bad of ['/abs', '../x', 'a/../b', 'a\\b', 'a//b']) assert.throws(() => writeZip([{ name: bad, data: 'x' }]), /bad ZIP entry name/);
  assert.throws(() => writeZip([{ name: 'x.txt', data: 'a' }, { name: '7', data: 'b' }]), /looks like an array index/);
  assert.throws(() => writeZip([{ name: 'd/', data: 'x' }]), /directory entry with data/);
  assert.throws(() => readZip(Buffer.from('not a zip at all, not at all')), /not a readable ZIP file/);
  if (needs(HAVE_PY, 'python3')) return; // outside CI without python3: the round trip above is all
  requireTool(HAVE_PY, 'python3');
  const path = join(await tmp(), 'z.zip');
  await writeFile(path, zip);
  const py = spawnSync('python3', ['-c', 'import sys, zipfile, json; z = zipfile.ZipFile(sys.argv[1]); print(json.dumps([z.testzip(), [(i.filename, i.compress_type, i.external_attr >> 16, i.date_time) for i in z.infolist()]]))', path], { encoding: 'utf8' });
  assert.equal(py.status, 0, py.stderr);
  const [bad, infos] = JSON.parse(py.stdout);
  assert.equal(bad, null, 'CRCs check out');
  assert.deepEqual(infos.map((i) => i[0]), entries.map((e) => e.name));
  assert.deepEqual(infos.map((i) => i[1]), [0, 8, 0, 8, 8, 8], 'directories and empty files stored, the rest deflated');
  assert.deepEqual(infos.map((i) => i[2]), [0o40755, 0o100644, 0o100644, 0o100644, 0o100644, 0o100644]);
  for (const i of infos) assert.deepEqual(i[3], [1980, 2, 1, 0, 0, 0]);
});

test('xml (saxes): well-formed documents parse; malformed ones are refused with a line number', () => {
  const root = parseXml('<?xml version="1.0" encoding="UTF-8"?>\n<!-- c <x> -->\n<a x="1 &amp; 2" y=\'&#x41;\'>t&lt;<b\n  z="1"/><![CDATA[<raw>]]><?pi <d> ?>\n<c/></a>\n');
  assert.equal(root.name, 'a');
  assert.equal(root.line, 3);
  assert.deepEqual({ ...root.attrs }, { x: '1 & 2', y: 'A' });
  assert.deepEqual(root.children.map((c) => (typeof c === 'string' ? c : `<${c.name}>@${c.line}`)), ['t<', '<b>@3', '<raw>', '\n', '<c>@5']);
  const bad = [
    ['<a><b></a>', /unexpected close tag/],
    ['<a x="1" x="2"/>', /duplicate attribute: x/],
    ['<a x=1/>', /unquoted attribute value/],
    ['<a>&nbsp;</a>', /undefined entity/],
    ['<a>AT&T</a>', /line 1:/],
    ['<a><!-- a -- b --></a>', /malformed comment/],
    ['<a/><b/>', /only one root/],
    ['<a/>text', /text data outside of root/],
    ['text<a/>', /text data outside of root/],
    ['<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>', /DOCTYPE is not supported/],
    ['<a x="<"/>', /disallowed character/],
    ['<a', /line 1:/],
    ['<a>', /unclosed tag: a/],
    ['<a b="1"c="2"/>', /no whitespace between attributes/],
    ['<a>\u0001</a>', /disallowed character/],
    ['<a>&#0;</a>', /malformed character entity/],
    ['\n\n<a>]]></a>', /^line 3: the string "\]\]>" is disallowed/],
    ['<a/><?xml version="1.0"?>', /XML declaration must be at the start/],
    ['', /root element/],
  ];
  for (const [xml, re] of bad) assert.throws(() => parseXml(xml), (e) => e instanceof XmlError && re.test(e.message), xml);
});

test('xml parser agrees with Python xml.etree on the shipped descriptor template', { skip: needs(HAVE_PY, 'python3') }, async () => {
  requireTool(HAVE_PY, 'python3');
  const path = join(ROOT, 'plugin-shim/atlassian-plugin.xml');
  const r = spawnSync('python3', ['-c', 'import sys, xml.etree.ElementTree as ET; r = ET.parse(sys.argv[1]).getroot(); print(sum(1 for _ in r.iter()))', path], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const count = (el) => 1 + el.children.filter((c) => typeof c !== 'string').reduce((s, c) => s + count(c), 0);
  assert.equal(count(parseXml(await readFile(path, 'utf8'))), Number(r.stdout.trim()));
});

test('the runner modules shipped to the browser import nothing from Node', async () => {
  for (const n of BROWSER_MODULES) {
    const text = await readFile(join(ROOT, 'plugin-shim/src/runner', n), 'utf8');
    assert.doesNotMatch(text, /from\s+['"]node:|import\(\s*['"]node:/, `${n} imports a node: module`);
    for (const m of text.matchAll(/from\s+'\.\/([\w-]+\.mjs)'/g)) assert.ok(BROWSER_MODULES.includes(m[1]), `${n} imports ${m[1]}, which is not shipped`);
  }
});

test('downloadResources: what Jira would serve per module, for the sandbox demo', async () => {
  const fx = await fixture();
  const r = await buildJar({ ...fx.opts(), outDir: await tmp() });
  const res = downloadResources(r.descriptor, readZip(r.bytes));
  assert.deepEqual(Object.keys(res).sort(), [`${PLUGIN_KEY}:admin-page`, `${PLUGIN_KEY}:assets`]);
  assert.deepEqual(Object.keys(res[`${PLUGIN_KEY}:admin-page`]).sort(), ['user-cleanup.css', 'user-cleanup.js']);
  const assets = res[`${PLUGIN_KEY}:assets`];
  assert.deepEqual(Object.keys(assets).sort(), [
    'app/index.html', 'app/main.mjs', 'app/user-cleanup.css', 'app/user-cleanup.js', 'app/vendor/chart.umd.js', 'app/views/dashboard.mjs', 'app/Ümlaut name.svg',
    'engine/user_cleanup_wasm.js', 'engine/user_cleanup_wasm_bg.wasm',
    'host/errors.mjs', 'host/index.mjs',
    'mail/render.mjs', // the mail renderer (the Rules view's template preview)
    ...BROWSER_MODULES.map((n) => `runner/${n}`),
    'samples/policy.json', 'vendor/chart.umd.min.js',
  ].sort(), 'the licence file is in the JAR but not served');
  assert.equal(assets['app/views/dashboard.mjs'].toString(), 'export const view = "dashboard";\n');
  // checkDescriptor on the built descriptor and entries: clean
  assert.deepEqual(checkDescriptor(r.descriptor, r.entries, { version: VERSION }), []);
});

// Every relative reference in the served app (imports, src/href, the layout's '../x' strings) must
// resolve to something the JAR serves from the same module, or the page breaks only inside Jira.
function unresolvedReferences(served) {
  const missing = [];
  for (const [name, buf] of Object.entries(served)) {
    if (!/\.(mjs|js|html|css)$/.test(name) || name.startsWith('vendor/') || name.startsWith('engine/')) continue;
    const text = buf.toString('utf8');
    const refs = new Set();
    for (const m of text.matchAll(/["'`](\.{1,2}\/[^"'`\s?#]+?\.(?:mjs|js|json|wasm|css|html|svg|png))["'`]/g)) refs.add(m[1]);
    for (const m of text.matchAll(/url\(\s*["']?(\.{1,2}\/[^"')]+)["']?\s*\)/g)) refs.add(m[1]);
    for (const ref of refs) {
      const resolved = new URL(ref, `http://x/r/${name}`).pathname.replace(/^\/r\//, '');
      // dev/ is only served by the development page server (its absence tells the page it is in Jira)
      if (resolved.startsWith('dev/')) continue;
      if (!Object.hasOwn(served, resolved)) missing.push(`${name} -> ${ref}`);
    }
  }
  return missing;
}

test('the real app: every relative reference resolves to a served resource', { skip: (!existsSync(join(REAL_ENGINE, 'user_cleanup_wasm_bg.wasm')) && 'pkg/web not built') }, async () => {
  const r = await buildJar({ outDir: await tmp() });
  const assets = downloadResources(r.descriptor, readZip(r.bytes))[`${PLUGIN_KEY}:assets`];
  assert.deepEqual(unresolvedReferences(assets), []);
  // the reference check itself catches a missing file
  assert.deepEqual(unresolvedReferences({ 'app/a.mjs': Buffer.from("import './b.mjs'; const u = '../engine/x.wasm'; const d = '../dev/page-server.json';") }), ['app/a.mjs -> ./b.mjs', 'app/a.mjs -> ../engine/x.wasm']);
});

const SANDBOX = join(ROOT, 'plugin-shim/src/sandbox/index.mjs');
test('the built JAR served by the sandbox the way Jira does: page, modules, wasm content type', async () => {
  const fx = await fixture();
  const r = await buildJar({ ...fx.opts(), outDir: await tmp() });
  const { startSandbox } = await import(SANDBOX);
  const resources = await jarResources(r.path);
  assert.deepEqual(Object.keys(resources), Object.keys(downloadResources(r.descriptor, readZip(r.bytes))));
  const sb = await startSandbox({ sample: true, resources });
  try {
    const get = (p) => fetch(`${sb.url}/download/resources/${PLUGIN_KEY}:${p}`);
    const page = await get('assets/app/index.html');
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<title>User Cleanup<\/title>/);
    const mod = await get('assets/app/views/dashboard.mjs');
    assert.equal(mod.status, 200);
    assert.match(mod.headers.get('content-type'), /javascript/);
    const wasm = await get('assets/engine/user_cleanup_wasm_bg.wasm');
    assert.equal(wasm.headers.get('content-type'), 'application/wasm');
    assert.deepEqual(Buffer.from(await wasm.arrayBuffer()), await readFile(join(fx.engineDir, 'user_cleanup_wasm_bg.wasm')));
    assert.equal((await get('admin-page/user-cleanup.js')).status, 200);
    assert.equal((await get('assets/app/main.test.mjs')).status, 404, 'tests are not served');
    assert.equal((await get('assets/atlassian-plugin.xml')).status, 404, 'only declared resources are served');
  } finally {
    await sb.close();
  }
});
