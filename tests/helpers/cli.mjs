// What the end-to-end Node tests share: the CLI run as a child process (as an admin would run it,
// nothing happening in between), the sandbox Jira seeded with the runner fixture's world, and an
// audit trail read or written as records.
//
//   const r = await runCli(['run', '--policy', POLICY, '--jira', sb.url, '--yes'], { token: sb.token });
//   // r = { code, signal, out, err }
//   const sb = await worldSandbox({ extra: 5 });   // close with sb.close()
//   const recs = trailRecords(auditPath);
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSandbox } from '../../plugin-shim/src/sandbox/index.mjs';
import { world } from '../fixtures/runner/world.mjs';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = join(ROOT, 'plugin-shim/bin/user-cleanup.mjs');

/**
 * Runs `user-cleanup ARGS` with stdin closed (not a terminal), no colour, wide output, no debug
 * traces and the PAT `token` (none by default); `env` adds to or overrides the environment;
 * `onSpawn(child)` lets a test act on the running process (kill it mid-run). Resolves with the
 * exit code, or the signal that ended it.
 */
export function runCli(args, { token, env = {}, onSpawn } = {}) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1', COLUMNS: '200', USER_CLEANUP_DEBUG: '', USER_CLEANUP_TOKEN: token ?? '', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    child.stdin.end();
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    onSpawn?.(child);
    child.on('close', (code, signal) => resolve({ code, signal, out, err }));
  });
}

/** A sandbox Jira 10.3 on a free port seeded with the runner fixture's world (`extra` more users). */
export const worldSandbox = ({ extra = 0, ...o } = {}) => startSandbox({ port: 0, jira: '10.3', snapshot: world({ extra }), ...o });

/** The records of an audit trail file (JSON lines), in order. */
export const trailRecords = (path) => readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));

/** Writes `records` as an audit trail file (one JSON line each), as a tamperer would. */
export const writeTrail = (path, records) => writeFileSync(path, records.map((r) => `${JSON.stringify(r)}\n`).join(''));
