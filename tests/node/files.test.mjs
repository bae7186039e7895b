// Files holding people's data are created 0600, never through a planted symlink, and temporary
// files are created exclusively under names nobody can guess.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, symlinkSync, statSync, lstatSync, readdirSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSecure, openSecure, appendSecure, tempPathFor, FileError } from '../../plugin-shim/src/runner/files.mjs';
import { openTrail } from '../../plugin-shim/src/runner/trail.mjs';
import { closeSync, writeSync } from 'node:fs';

const tmp = () => mkdtempSync(join(tmpdir(), 'uc-files-'));
const mode = (p) => statSync(p).mode & 0o777;

// A permissive umask shows the mode is asked for, not inherited.
process.umask(0o000);

test('writeSecure creates the file 0600 with exactly the data, and replaces an existing one atomically', () => {
  const dir = tmp();
  const p = join(dir, 'snapshot.json');
  writeSecure(p, '{"a":1}\n');
  assert.equal(readFileSync(p, 'utf8'), '{"a":1}\n');
  assert.equal(mode(p), 0o600);
  writeFileSync(join(dir, 'other'), 'x', { mode: 0o644 });
  writeSecure(p, Buffer.from('second'));
  assert.equal(readFileSync(p, 'utf8'), 'second');
  assert.equal(mode(p), 0o600);
  // No temporary file is left behind.
  assert.deepEqual(readdirSync(dir).sort(), ['other', 'snapshot.json']);
});

test('temporary names are random (128 bits), next to the target, hidden', () => {
  const a = tempPathFor('/x/y/audit.csv');
  const b = tempPathFor('/x/y/audit.csv');
  assert.notEqual(a, b);
  assert.match(a, /^\/x\/y\/\.audit\.csv\.[0-9a-f]{32}\.tmp$/);
});

test('a symlink planted at the temporary path is not followed: its target is untouched, another name is used', () => {
  const dir = tmp();
  const victim = join(dir, 'victim');
  writeFileSync(victim, 'precious', { mode: 0o644 });
  const target = join(dir, 'out.csv');
  // The attacker predicted the first name and planted a link there.
  symlinkSync(victim, join(dir, '.out.csv.planted.tmp'));
  const names = ['planted', 'fresh'];
  writeSecure(target, 'data', { random: () => names.shift() });
  assert.equal(readFileSync(victim, 'utf8'), 'precious');
  assert.equal(mode(victim), 0o644);
  assert.equal(readFileSync(target, 'utf8'), 'data');
  assert.equal(lstatSync(target).isSymbolicLink(), false);
  assert.equal(mode(target), 0o600);
  assert.equal(lstatSync(join(dir, '.out.csv.planted.tmp')).isSymbolicLink(), true);
  // A dangling link (the usual trick: make the victim be created) is not followed either.
  const dangling = join(dir, 'created-by-attacker');
  symlinkSync(dangling, join(dir, '.out.csv.again.tmp'));
  const more = ['again', 'other'];
  writeSecure(target, 'data2', { random: () => more.shift() });
  assert.throws(() => statSync(dangling), /ENOENT/);
  // Always the same name: gives up with a clear error instead of writing through it.
  symlinkSync(victim, join(dir, '.out.csv.same.tmp'));
  assert.throws(() => writeSecure(target, 'x', { random: () => 'same' }), (e) => e instanceof FileError && /already exists/.test(e.message));
  assert.equal(readFileSync(victim, 'utf8'), 'precious');
});

test('writeSecure over a symlink at the final path replaces the link, never writes to its target', () => {
  const dir = tmp();
  const victim = join(dir, 'victim');
  writeFileSync(victim, 'precious');
  const p = join(dir, 'audit.csv');
  symlinkSync(victim, p);
  writeSecure(p, 'export');
  assert.equal(readFileSync(victim, 'utf8'), 'precious');
  assert.equal(lstatSync(p).isSymbolicLink(), false);
  assert.equal(readFileSync(p, 'utf8'), 'export');
});

test('openSecure / appendSecure: created 0600; a symlink at the path is refused (O_NOFOLLOW)', () => {
  const dir = tmp();
  const log = join(dir, 'daemon.log.jsonl');
  appendSecure(log, 'one\n');
  appendSecure(log, 'two\n');
  assert.equal(readFileSync(log, 'utf8'), 'one\ntwo\n');
  assert.equal(mode(log), 0o600);
  const fd = openSecure(join(dir, 'lock'), 'wx');
  writeSync(fd, 'x');
  closeSync(fd);
  assert.equal(mode(join(dir, 'lock')), 0o600);
  assert.throws(() => openSecure(join(dir, 'lock'), 'wx'), /already exists/);
  const victim = join(dir, 'victim');
  writeFileSync(victim, 'precious');
  const link = join(dir, 'link.jsonl');
  symlinkSync(victim, link);
  assert.throws(() => appendSecure(link, 'evil'), (e) => e instanceof FileError && /symbolic link/.test(e.message));
  assert.equal(readFileSync(victim, 'utf8'), 'precious');
  assert.throws(() => openSecure(link, 'bogus'), /unsupported flags/);
  // An existing file keeps the mode its owner chose.
  const chosen = join(dir, 'chosen');
  writeFileSync(chosen, '');
  chmodSync(chosen, 0o640);
  appendSecure(chosen, 'x');
  assert.equal(mode(chosen), 0o640);
});

test('the audit trail file is created 0600 and refuses a symlink in its place', async () => {
  const dir = tmp();
  const p = join(dir, 'audit.jsonl');
  const t = await openTrail(p);
  await t.append({ type: 'x', runId: 'r' });
  await t.close();
  assert.equal(mode(p), 0o600);
  const victim = join(dir, 'victim.jsonl');
  writeFileSync(victim, '');
  const link = join(dir, 'link.jsonl');
  symlinkSync(victim, link);
  await assert.rejects(openTrail(link), /symbolic link/);
  assert.equal(readFileSync(victim, 'utf8'), '');
});

test('the daemon\'s log, state, lock and (keyed) trails are created 0600', async () => {
  const { runDaemon } = await import('../../plugin-shim/src/runner/daemon.mjs');
  const engine = await import('../../plugin-shim/src/engine.mjs');
  const policyText = readFileSync(new URL('../fixtures/runner/policy.json', import.meta.url), 'utf8');
  const dir = tmp();
  const key = 'daemon-audit-key-0123456789';
  let lockMode = null;
  const code = await runDaemon({
    policyText,
    engine,
    auditDir: join(dir, 'audits'),
    stateDir: join(dir, 'state'),
    once: true,
    now: '2026-11-27T00:00:00Z',
    runSchedule: async (id, slot, text, auditPath) => {
      lockMode = mode(join(dir, 'state', `${id}.lock`));
      const t = await openTrail(auditPath, { key });
      await t.append({ type: 'runStarted', runId: 'run-d', schedule: id });
      await t.close();
      return { runId: 'run-d', exitCode: 0, totals: {} };
    },
  });
  assert.equal(code, 0);
  assert.equal(lockMode, 0o600);
  const state = readdirSync(join(dir, 'state')).sort();
  assert.ok(state.includes('daemon.log.jsonl') && state.some((n) => n.endsWith('.last.json')), state.join(', '));
  for (const n of state) assert.equal(mode(join(dir, 'state', n)), 0o600, n);
  const [trailName] = readdirSync(join(dir, 'audits'));
  const trailPath = join(dir, 'audits', trailName);
  assert.equal(mode(trailPath), 0o600);
  assert.match(JSON.parse(readFileSync(trailPath, 'utf8')).mac, /^[0-9a-f]{64}$/);
});
