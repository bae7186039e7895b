// The development page server (plugin-shim/dev/page-server.mjs, behind ./build.sh page and demo):
// seeding the sandbox from an exported snapshot (--snapshot), serving the page from a built JAR,
// and clear refusals of bad input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startAppSandbox, readSnapshotFile, PLUGIN_KEY } from '../../plugin-shim/dev/page-server.mjs';
import { buildJar } from '../../plugin-shim/package/build-jar.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SERVER = join(ROOT, 'plugin-shim/dev/page-server.mjs');
const dir = mkdtempSync(join(tmpdir(), 'uc-page-server-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

// What `user-cleanup snapshot` exports from a real Jira (with its extra top-level fields).
const SNAPSHOT = {
  capturedAt: '2026-03-02T08:00:00Z',
  source: { users: 'user/list', lastLogin: 'rest' },
  users: [
    { name: 'kari.nordmann', key: 'JIRAUSER20001', displayName: 'Kari Nordmann', email: 'kari@acme.com', active: true, groups: ['jira-software-users', 'team-oslo'], lastLogin: '2026-02-27T09:15:00+0100' },
    { name: 'ext.contractor', key: 'JIRAUSER20002', displayName: 'Ext Contractor', email: 'c@partner.example', active: true, groups: ['jira-software-users', 'contractors'], lastLogin: null },
    { name: 'gone.person', key: 'JIRAUSER20003', displayName: 'Gone Person', email: 'gone@acme.com', active: false, groups: ['jira-software-users'] },
  ],
  applicationRoles: [{ key: 'jira-software', name: 'Jira Software', groups: ['jira-software-users'], numberOfSeats: 50, userCount: 2, hasUnlimitedSeats: false }],
};
const snapPath = join(dir, 'snapshot.json');
writeFileSync(snapPath, JSON.stringify(SNAPSHOT));

const basic = { Authorization: `Basic ${Buffer.from('admin:admin').toString('base64')}` };

test('startAppSandbox({snapshot: FILE}) seeds the sandbox from it, with the clock at its capturedAt', async () => {
  const sb = await startAppSandbox({ snapshot: snapPath, resources: {} });
  try {
    assert.deepEqual([...sb.state.users.keys()].sort(), ['admin', 'ext.contractor', 'gone.person', 'kari.nordmann', 'viewer']);
    assert.equal(sb.state.now(), Date.parse(SNAPSHOT.capturedAt));
    const kari = await (await fetch(`${sb.url}/rest/api/2/user?username=kari.nordmann&expand=groups`, { headers: basic })).json();
    assert.equal(kari.key, 'JIRAUSER20001');
    assert.equal(Date.parse(kari.lastLoginTime.replace(/([+-]\d{2})(\d{2})$/, '$1:$2')), Date.parse('2026-02-27T08:15:00Z'));
    assert.deepEqual(kari.groups.items.map((g) => g.name), ['jira-software-users', 'team-oslo']);
    const roles = await (await fetch(`${sb.url}/rest/api/2/applicationrole`, { headers: basic })).json();
    assert.equal(roles[0].numberOfSeats, 50);
    assert.equal(roles[0].userCount, 4, 'kari, ext.contractor, and the admin and viewer every sandbox has; gone.person is inactive');
  } finally {
    await sb.close();
  }
});

test('readSnapshotFile: a bad file is refused with what and where', () => {
  const write = (name, text) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };
  assert.throws(() => readSnapshotFile(join(dir, 'missing.json')), /missing\.json: cannot read the snapshot: no such file/);
  assert.throws(() => readSnapshotFile(write('bad.json', '{"users": [')), /bad\.json: the snapshot is not valid JSON/);
  assert.throws(() => readSnapshotFile(write('nousers.json', '{"capturedAt": "x"}')), /nousers\.json: the snapshot has no "users" array/);
  assert.throws(() => readSnapshotFile(write('noname.json', '{"users": [{"name": "a"}, {"displayName": "b"}]}')), /noname\.json: users\[1\] has no "name"/);
  assert.throws(() => readSnapshotFile(write('dup.json', '{"users": [{"name": "Ann"}, {"name": "ann"}]}')), /dup\.json: users\[1\]\.name "ann" appears twice/);
});

test('CLI: --snapshot with --jar serves the page from the JAR over the snapshot\'s users; bad input exits 2 without a stack trace', async () => {
  // A JAR from the real page and host adapter, with a stand-in engine when pkg/web is not built.
  const engine = join(dir, 'engine');
  mkdirSync(engine, { recursive: true });
  writeFileSync(join(engine, 'user_cleanup_wasm.js'), 'export default async function init() {}\n');
  writeFileSync(join(engine, 'user_cleanup_wasm_bg.wasm'), Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
  const jar = (await buildJar({ engineDir: engine, out: join(dir, 'uc.jar') })).path;

  const child = spawn(process.execPath, [SERVER, '--jar', jar, '--snapshot', snapPath, '--port', '0'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    let out = '';
    const url = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no URL printed: ${out}`)), 20_000);
      child.stdout.on('data', (d) => {
        out += d;
        const m = /^sandbox Jira: (http:\/\/\S+)/m.exec(out);
        if (m && out.includes('inside Jira:')) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      child.on('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
    });
    assert.match(out, new RegExp(`5 users from ${snapPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    const who = await (await fetch(`${url}/rest/api/2/user?username=ext.contractor`, { headers: basic })).json();
    assert.equal(who.lastLoginTime, null);
    const page = await fetch(`${url}/download/resources/${PLUGIN_KEY}:assets/app/index.html`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<html/i);
    const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
  } finally {
    child.kill('SIGKILL');
  }

  const run = (...args) => spawnSync(process.execPath, [SERVER, ...args], { encoding: 'utf8', timeout: 20_000 });
  const badJson = join(dir, 'broken.json');
  writeFileSync(badJson, 'not json');
  for (const [args, message] of [
    [['--snapshot', badJson], /^page-server: .*broken\.json: the snapshot is not valid JSON/],
    [['--snapshot', snapPath, '--users', '5'], /^page-server: give --users N or --snapshot FILE, not both/],
    [['--jar', join(dir, 'nope.jar')], /^page-server: .*nope\.jar: no such JAR/],
    [['--frobnicate'], /^page-server: Unknown option '--frobnicate'/],
    [['--jar', badJson], /^page-server: .*broken\.json: not a usable plugin JAR: not a readable ZIP file/],
  ]) {
    const r = run(...args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.doesNotMatch(r.stderr, /^\s+at /m);
  }
});
