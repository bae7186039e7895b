#!/usr/bin/env node
// Assembles the installable Jira Data Center app: dist/user-cleanup-<version>.jar, a resources-only
// (no Java) P2 plugin. See docs/packaging.md.
//
//   node plugin-shim/package/build-jar.mjs [--out-dir DIR | --out FILE] [--version X] [--quiet]
//        [--app DIR] [--engine DIR] [--host DIR] [--chart FILE] [--policy FILE] [--descriptor FILE]
//
// JAR layout (the app finds its files relative to app/, see plugin-shim/app/layout.mjs):
//   META-INF/MANIFEST.MF     plain manifest, no OSGi headers: Jira's transformer generates them
//   atlassian-plugin.xml     plugin-shim/atlassian-plugin.xml with the version and ES modules filled in
//   app/**                   every file under plugin-shim/app/ (tests and dotfiles left out)
//   engine/user_cleanup_wasm.js, engine/user_cleanup_wasm_bg.wasm   pkg/web/ (./build.sh)
//   host/**                  plugin-shim/src/host/ (the REST host adapter, browser-safe ES modules)
//   vendor/chart.umd.min.js, vendor/chart.js-LICENSE.md             npm chart.js (npm ci)
//   samples/policy.json      samples/policy.json
//
// The output is deterministic: sorted entries, one fixed timestamp, fixed permissions.
import { readFile, readdir, mkdir, writeFile, rename, stat } from 'node:fs/promises';
import { join, resolve, relative, dirname, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { writeZip, readZip } from './zip.mjs';
import { renderDescriptor, checkDescriptor, downloadResources } from './descriptor.mjs';
import { BROWSER_MODULES as RUNNER_BROWSER_MODULES } from '../src/runner/browser.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const DEFAULTS = {
  appDir: join(ROOT, 'plugin-shim/app'),
  engineDir: join(ROOT, 'pkg/web'),
  hostDir: join(ROOT, 'plugin-shim/src/host'),
  runnerDir: join(ROOT, 'plugin-shim/src/runner'),
  chartFile: join(ROOT, 'node_modules/chart.js/dist/chart.umd.min.js'),
  policyFile: join(ROOT, 'samples/policy.json'),
  descriptor: join(ROOT, 'plugin-shim/atlassian-plugin.xml'),
  outDir: join(ROOT, 'dist'),
  packageJson: join(ROOT, 'package.json'),
};
export const ENGINE_FILES = ['user_cleanup_wasm.js', 'user_cleanup_wasm_bg.wasm'];
export const APP_REQUIRED = ['user-cleanup.js', 'user-cleanup.css', 'index.html'];

/** An error whose message is meant for the person running the build (no stack trace needed). */
export class PackageError extends Error {}

/** Files under the app directory that do not belong in the JAR. */
export function isExcluded(relPath) {
  const parts = relPath.split('/');
  const base = parts.at(-1);
  return (
    parts.some((p) => p.startsWith('.') || p === 'node_modules' || p === 'test' || p === 'tests' || p === '__tests__' || p === '__snapshots__') ||
    /\.(test|spec)\.[cm]?[jt]sx?$/.test(base) ||
    base.endsWith('~')
  );
}

async function walk(dir, base = dir, out = []) {
  for (const ent of (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const full = join(dir, ent.name);
    const rel = relative(base, full).split(sep).join('/');
    if (isExcluded(rel)) continue;
    if (ent.isDirectory()) await walk(full, base, out);
    else if (ent.isFile()) out.push(rel);
    // symlinks and other special files are left out on purpose: the JAR holds plain files only
  }
  return out;
}

async function isDir(p) {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

function manifest(version) {
  // Deliberately no Atlassian-Plugin-Key and no Bundle-* headers: without them Jira's plugin
  // framework transforms the JAR into an OSGi bundle itself (reference §5.1).
  return ['Manifest-Version: 1.0', 'Created-By: user-cleanup build-jar.mjs', 'Implementation-Title: User Cleanup', `Implementation-Version: ${version}`, '', ''].join('\r\n');
}

/** Byte order of UTF-8 names, the same on every machine (unlike localeCompare). */
const byBytes = (a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b));

/**
 * Builds the JAR and returns where it went plus what is in it.
 * @param {{appDir?: string, engineDir?: string, hostDir?: string, chartFile?: string, policyFile?: string,
 *          descriptor?: string, outDir?: string, out?: string, version?: string}} [options]
 * @returns {Promise<{path: string, bytes: Buffer, version: string, descriptor: string, entries: string[]}>}
 */
export async function buildJar(options = {}) {
  const appDir = resolve(options.appDir ?? DEFAULTS.appDir);
  const engineDir = resolve(options.engineDir ?? DEFAULTS.engineDir);
  const hostDir = resolve(options.hostDir ?? DEFAULTS.hostDir);
  const runnerDir = resolve(options.runnerDir ?? DEFAULTS.runnerDir);
  const chartFile = resolve(options.chartFile ?? DEFAULTS.chartFile);
  const policyFile = resolve(options.policyFile ?? DEFAULTS.policyFile);
  const descriptorPath = resolve(options.descriptor ?? DEFAULTS.descriptor);
  const version = options.version ?? JSON.parse(await readFile(DEFAULTS.packageJson, 'utf8')).version;

  const files = new Map(); // JAR path -> Buffer
  if (!(await isDir(appDir))) {
    throw new PackageError(`the admin page is missing: ${appDir} is not a directory (expected ${APP_REQUIRED.join(', ')} there)`);
  }
  const missingApp = [];
  for (const f of APP_REQUIRED) if (!(await stat(join(appDir, f)).catch(() => null))?.isFile()) missingApp.push(f);
  if (missingApp.length) throw new PackageError(`the admin page is incomplete: ${missingApp.join(', ')} missing in ${appDir}`);
  for (const rel of await walk(appDir)) files.set(`app/${rel}`, await readFile(join(appDir, rel)));

  const missingEngine = [];
  for (const f of ENGINE_FILES) {
    const data = await readFile(join(engineDir, f)).catch(() => null);
    if (data) files.set(`engine/${f}`, data);
    else missingEngine.push(f);
  }
  if (missingEngine.length) {
    throw new PackageError(`the engine is not built: ${missingEngine.join(', ')} missing in ${engineDir} (run ./build.sh first)`);
  }

  if (!(await isDir(hostDir))) throw new PackageError(`the host adapter is missing: ${hostDir} is not a directory`);
  const hostFiles = await walk(hostDir);
  if (!hostFiles.includes('index.mjs')) throw new PackageError(`the host adapter is incomplete: index.mjs missing in ${hostDir}`);
  for (const rel of hostFiles) files.set(`host/${rel}`, await readFile(join(hostDir, rel)));

  // The runner's browser-safe modules (the page's Run and History views use its executor and
  // audit chain, so the trail is the runner's format).
  for (const n of RUNNER_BROWSER_MODULES) {
    const data = await readFile(join(runnerDir, n)).catch(() => null);
    if (!data) throw new PackageError(`the runner is incomplete: ${n} missing in ${runnerDir}`);
    files.set(`runner/${n}`, data);
  }
  // The mail module's renderer (browser-safe; imports ../runner/report.mjs): the Rules view's
  // template preview runs it, so the preview is the email the sender sends.
  {
    const data = await readFile(join(runnerDir, '../mail/render.mjs')).catch(() => null);
    if (!data) throw new PackageError(`the mail module is incomplete: render.mjs missing in ${join(runnerDir, '../mail')}`);
    files.set('mail/render.mjs', data);
  }

  const chart = await readFile(chartFile).catch(() => {
    throw new PackageError(`Chart.js is not installed: ${chartFile} missing (run npm ci, or ./build.sh which does)`);
  });
  files.set('vendor/chart.umd.min.js', chart);
  // Chart.js is MIT-licensed: its licence travels with it when the package has one.
  const chartLicence = await readFile(join(dirname(chartFile), '../LICENSE.md')).catch(() => null);
  if (chartLicence) files.set('vendor/chart.js-LICENSE.md', chartLicence);

  const policy = await readFile(policyFile).catch(() => {
    throw new PackageError(`the sample policy is missing: ${policyFile}`);
  });
  files.set('samples/policy.json', policy);

  const template = await readFile(descriptorPath, 'utf8').catch(() => {
    throw new PackageError(`the plugin descriptor is missing: ${descriptorPath}`);
  });
  const descriptor = renderDescriptor(template, { version, files: files.keys() });
  files.set('atlassian-plugin.xml', Buffer.from(descriptor, 'utf8'));
  files.set('META-INF/MANIFEST.MF', Buffer.from(manifest(version), 'utf8'));

  // Directory entries for every parent, so class-loader lookups of "app/" etc. also succeed.
  const dirs = new Set();
  for (const name of files.keys()) {
    const parts = name.split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/') + '/');
  }
  const problems = checkDescriptor(descriptor, [...files.keys(), ...dirs], { version });
  if (problems.length) throw new PackageError(`the plugin descriptor does not match the files:\n  - ${problems.join('\n  - ')}`);

  // The manifest first (java.util.jar.JarInputStream only finds it there), then everything sorted.
  const rest = [...dirs, ...files.keys()].filter((n) => n !== 'META-INF/' && n !== 'META-INF/MANIFEST.MF').sort(byBytes);
  const order = ['META-INF/', 'META-INF/MANIFEST.MF', ...rest];
  const bytes = writeZip(order.map((name) => ({ name, data: files.get(name) })));

  const path = resolve(options.out ?? join(options.outDir ?? DEFAULTS.outDir, `user-cleanup-${version}.jar`));
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, bytes);
  await rename(tmp, path);
  return { path, bytes, version, descriptor, entries: order };
}

/**
 * What Jira would serve from a built JAR, in the shape the sandbox's `resources` option takes:
 * { "com.usercleanup.jira:assets": { "app/index.html": Buffer, ... }, ... }.
 * @param {string} jarPath
 */
export async function jarResources(jarPath) {
  const jar = readZip(await readFile(jarPath));
  const xml = jar.get('atlassian-plugin.xml');
  if (!xml) throw new PackageError(`${jarPath} has no atlassian-plugin.xml`);
  return downloadResources(xml.toString('utf8'), jar);
}

function parseArgs(argv) {
  const opts = {};
  const keys = { '--app': 'appDir', '--engine': 'engineDir', '--host': 'hostDir', '--chart': 'chartFile', '--policy': 'policyFile', '--out-dir': 'outDir', '--out': 'out', '--version': 'version', '--descriptor': 'descriptor' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--help' || a === '-h') return { help: true };
    if (a === '--quiet') opts.quiet = true;
    else if (Object.hasOwn(keys, a)) {
      if (i + 1 >= argv.length) throw new PackageError(`${a} needs a value`);
      opts[keys[a]] = argv[++i];
    } else throw new PackageError(`unknown argument: ${a} (see --help)`);
  }
  return opts;
}

const HELP = `Usage: node plugin-shim/package/build-jar.mjs [options]
Builds dist/user-cleanup-<version>.jar, the Jira Data Center app (resources-only P2 plugin).
  --app DIR         the admin page (default plugin-shim/app)
  --engine DIR      the wasm-pack web build (default pkg/web)
  --host DIR        the REST host adapter (default plugin-shim/src/host)
  --chart FILE      Chart.js UMD build (default node_modules/chart.js/dist/chart.umd.min.js)
  --policy FILE     the sample policy (default samples/policy.json)
  --descriptor F    the descriptor template (default plugin-shim/atlassian-plugin.xml)
  --out-dir DIR     where the JAR goes (default dist)
  --out FILE        the JAR's exact path (overrides --out-dir)
  --version X       the plugin version (default: package.json)
  --quiet           print only the JAR's path
`;

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  try {
    const opts = parseArgs(process.argv.slice(2));
    if (opts.help) {
      process.stdout.write(HELP);
    } else {
      const r = await buildJar(opts);
      if (!opts.quiet) process.stderr.write(`${r.entries.length} entries, ${r.bytes.length} bytes, version ${r.version}\n`);
      const rel = relative(process.cwd(), r.path);
      process.stdout.write(`${rel && !rel.startsWith('..') ? rel : r.path}\n`);
    }
  } catch (e) {
    if (e instanceof PackageError) {
      process.stderr.write(`build-jar: ${e.message}\n`);
      process.exit(1);
    }
    throw e;
  }
}
