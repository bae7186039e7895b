// The scheduler: runs each of the policy's schedules at its next run instants (from the engine's
// nextRuns), one run at a time, each with only that schedule's rules. A lock file per schedule
// (lock.mjs) keeps two daemons from running the same schedule, and `<id>.last.json` in the state
// directory records the last slot done, so a second daemon does not repeat a slot the first one
// finished. Every event is one JSON line (stdout and <state-dir>/daemon.log.jsonl).
import { mkdirSync, readFileSync } from 'node:fs';
import { appendSecure, writeSecure } from './files.mjs';
import { join } from 'node:path';
import { acquireLock } from './lock.mjs';
import { instant } from './clock.mjs';
import { PlanFailed, isRefusal } from '../errors.mjs';

const MAX_SLEEP = 60_000;

/** The earliest next run of every schedule after `from`: [{id, at}] sorted by time, then id. */
export function dueList(engine, policyText, from) {
  const r = engine.nextRuns(policyText, { from, count: 1 });
  if (r.type !== 'success') throw new PlanFailed(r);
  return r.value.schedules
    .filter((s) => s.next.length)
    .map((s) => ({ id: s.id, at: s.next[0] }))
    .sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || a.id.localeCompare(b.id));
}

function sleep(ms, signal) {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
  });
}


/**
 * @param {object} o
 * @param {string} o.policyText
 * @param {object} o.engine
 * @param {(scheduleId: string, slot: string, policyText: string, auditPath: string, asOf: string) => Promise<{runId, exitCode, totals}>} o.runSchedule
 * @param {string} o.auditDir, o.stateDir
 * @param {boolean} [o.once]      run the next due schedule now and return its exit code
 * @param {string} [o.now]        the clock starts at this instant (tests)
 * @param {(event: object) => void} [o.print]
 * @param {AbortSignal} [o.signal]
 */
export async function runDaemon(o) {
  const { policyText, engine, auditDir, stateDir, signal } = o;
  mkdirSync(auditDir, { recursive: true });
  mkdirSync(stateDir, { recursive: true });
  const logPath = join(stateDir, 'daemon.log.jsonl');
  const started = Date.now();
  const clock = o.now ? () => Date.parse(o.now) + (Date.now() - started) : () => Date.now();
  const log = (event) => {
    const line = JSON.stringify({ at: new Date().toISOString(), pid: process.pid, ...event });
    appendSecure(logPath, `${line}\n`);
    o.print?.(line);
  };
  const policy = JSON.parse(policyText);

  const runSlot = async ({ id, at }) => {
    const lockPath = join(stateDir, `${id}.lock`);
    const lock = acquireLock(lockPath, { purpose: `schedule ${id}`, staleMs: o.staleMs });
    if (!lock) {
      log({ event: 'skipped', schedule: id, slot: at, reason: 'another daemon holds the lock for this schedule' });
      return 0;
    }
    const lastPath = join(stateDir, `${id}.last.json`);
    try {
      const last = readJson(lastPath);
      if (last && Date.parse(last.slot) >= Date.parse(at) && !o.once) {
        log({ event: 'skipped', schedule: id, slot: at, reason: `slot already run (${last.runId})` });
        return 0;
      }
      // The whole policy: the engine plans it as this schedule runs it (its rules only).
      const text = policyText;
      const auditPath = join(auditDir, `${id}.audit.jsonl`);
      const asOf = instant(Math.max(clock(), Date.parse(at)));
      log({ event: 'runStarting', schedule: id, slot: at, asOf, audit: auditPath });
      let result;
      try {
        result = await o.runSchedule(id, at, text, auditPath, asOf);
        log({ event: 'runFinished', schedule: id, slot: at, runId: result.runId, totals: result.totals, exitCode: result.exitCode });
      } catch (e) {
        const refused = isRefusal(e) || e?.code === 'host.notAdmin';
        log({ event: refused ? 'runRefused' : 'runFailed', schedule: id, slot: at, message: e?.message ?? String(e), ...(e instanceof PlanFailed ? { problems: e.result.errors } : {}) });
        result = { exitCode: refused ? 3 : e instanceof PlanFailed ? 2 : 1, runId: e?.runId ?? null };
      }
      writeJson(lastPath, { slot: at, runId: result.runId ?? null, exitCode: result.exitCode, at: new Date().toISOString() });
      return result.exitCode;
    } finally {
      lock.release();
    }
  };

  log({ event: 'daemonStarted', schedules: (policy.schedules ?? []).map((s) => s.id), now: instant(clock()), once: Boolean(o.once) });
  if (o.once) {
    const [next] = dueList(engine, policyText, instant(clock()));
    if (!next) {
      log({ event: 'idle', reason: 'no schedule has a next run' });
      return 0;
    }
    const code = await runSlot(next);
    log({ event: 'daemonStopped' });
    return code;
  }
  let cursor = clock();
  while (!signal?.aborted) {
    const due = dueList(engine, policyText, instant(cursor));
    if (!due.length) {
      log({ event: 'idle', reason: 'no schedule has a next run' });
      break;
    }
    const slot = Date.parse(due[0].at);
    log({ event: 'waiting', until: due[0].at, schedules: due.filter((d) => d.at === due[0].at).map((d) => d.id) });
    while (!signal?.aborted && clock() < slot) await sleep(Math.min(MAX_SLEEP, slot - clock()), signal);
    if (signal?.aborted) break;
    for (const d of due.filter((x) => Date.parse(x.at) === slot)) {
      if (signal?.aborted) break;
      await runSlot(d);
    }
    cursor = slot;
  }
  log({ event: 'daemonStopped' });
  return 0;
}

function readJson(p) {
  try {
    return JSON.parse(readFileSync(p, 'utf8'));
  } catch {
    return null;
  }
}

function writeJson(p, v) {
  writeSecure(p, JSON.stringify(v));
}
