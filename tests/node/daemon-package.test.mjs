// The npm package (issue 9 item 7): `npm pack` gives a tarball that installs into an empty folder
// and whose `user-cleanup` bin runs from there, with the WebAssembly engine inside it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const npm = (args, cwd) => spawnSync('npm', args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false' }, timeout: 180_000 });

test('npm pack: the tarball installs into an empty folder and user-cleanup runs from it (help, version, the engine, the daemon\'s options)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'uc-pack-'));
  const packed = npm(['pack', ROOT, '--pack-destination', dir, '--json'], dir);
  assert.equal(packed.status, 0, packed.stderr);
  const info = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('[')))[0];
  const paths = info.files.map((f) => f.path);
  for (const p of ['plugin-shim/bin/user-cleanup.mjs', 'pkg/node/user_cleanup_wasm.js', 'pkg/node/user_cleanup_wasm_bg.wasm', 'pkg/node/package.json',
    'plugin-shim/src/runner/daemon.mjs', 'plugin-shim/src/store/index.mjs', 'plugin-shim/app/store.mjs', 'docs/daemon.md', 'docs/systemd/user-cleanup-daemon.service', 'docs/systemd/user-cleanup.env']) {
    assert.ok(paths.includes(p), `${p} is in the package`);
  }
  assert.ok(!paths.some((p) => p.startsWith('tests/') || p.startsWith('crates/') || p.startsWith('target/')), 'no tests or sources of the engine');
  const tgz = readdirSync(dir).find((f) => f.endsWith('.tgz'));
  const inst = join(dir, 'install');
  spawnSync('mkdir', [inst]);
  writeFileSync(join(inst, 'package.json'), '{"name":"empty","version":"1.0.0","private":true}\n');
  const installed = npm(['install', join(dir, tgz), '--prefer-offline', '--no-audit', '--no-fund'], inst);
  assert.equal(installed.status, 0, installed.stderr);
  const bin = join(inst, 'node_modules/.bin/user-cleanup');
  assert.ok(existsSync(bin));
  const run = (...args) => spawnSync(bin, args, { cwd: inst, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  const help = run('--help');
  assert.equal(help.status, 0, help.stderr);
  assert.match(help.stdout, /^Usage: user-cleanup <command>/);
  assert.match(help.stdout, /daemon/);
  const v = run('--version');
  assert.match(v.stdout, /^user-cleanup \d+\.\d+\.\d+ \(engine \d+\.\d+\.\d+\)/);
  const d = run('daemon', '--help');
  assert.match(d.stdout, /--check/);
  // The engine answers from the installed package: the sample policy validates.
  const val = run('validate', '--policy', join(inst, 'node_modules/user-cleanup/samples/policy.json'));
  assert.equal(val.status, 0, val.stdout + val.stderr);
});
