// The scheduler: runs each of the policy's schedules at its next run instants (from the engine's
// nextRuns), one run at a time, each with only that schedule's rules. A lock file per schedule
// (lock.mjs) keeps two daemons from running the same schedule, and `<id>.last.json` in the state
// directory records the last slot done, so a second daemon does not repeat a slot the first one
// finished. Every event is one JSON line (stdout and <state-dir>/daemon.log.jsonl).
import { mkdirSync, readFileSync } from 'node:fs';
import { appendSecure, writeSecure } from './files.mjs';
import { join } from 'node:path';
import { acquireLock } from './lock.mjs';
import { instant, jiraClock, clockMs } from './clock.mjs';
import { PlanFailed, isRefusal } from '../errors.mjs';

const MAX_SLEEP = 60_000;

/** The earliest next run of every schedule after `from`: [{id, at}] sorted by time, then id. */
export function dueList(engine, policyText, from) {
  const r = engine.nextRuns(policyText, { from, count: 1 });
  if (r.type !== 'success') throw new PlanFailed(r);
  return r.value.schedules
    // A disabled schedule does not run; a preview schedule only runs in the daemon against the store in Jira.
    .filter((s) => s.next.length && s.enabled !== false && (s.mode ?? 'run') === 'run')
    .map((s) => ({ id: s.id, at: s.next[0] }))
    .sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || a.id.localeCompare(b.id));
}

function sleep(ms, signal) {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const onAbort = () => { clearTimeout(t); resolve(); };
    const t = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve(); }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
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

// ---------------------------------------------------------------------------------------------
// The daemon against the store in Jira (`daemon --jira URL` without --policy): the policy the page
// saves, re-read at every poll (so at every slot); trails in the Jira store; a heartbeat; one
// node per slot through slot leases and one run at a time per Jira through the run lease
// (README "Several nodes, one run per slot"); a summary email to notify.admins.

const RUN_ID = /^run-[0-9TZ]+-[0-9a-f]{6}$/;

/** Whether `run` (indexRuns entry, or none) may be the run of a slot of schedule `id`: not started yet, or started (or refused) by a daemon for that schedule. */
function slotRun(run, id) {
  if (!run) return true;
  const first = run.started ?? run.refused;
  return first?.via === 'daemon' && first.schedule === id;
}
const KEEP_DONE = 3;

/**
 * @param {object} o
 * @param {object} o.store            createStore() with the PAT
 * @param {object} o.host, o.engine
 * @param {string} o.jiraUrl, o.daemonId, o.node (daemonId@host), o.version
 * @param {() => number} o.clock      ms (a fake clock in tests)
 * @param {number} o.pollMs, o.leaseMs, o.settleMs
 * @param {number} [o.runLeaseWaitMs] how long a slot waits for another run (page, CLI) to end before it is refused
 * @param {(policyText) => object} o.snapshotOptions
 * @param {object} o.runOptions       {readonlyFallback, concurrency, actor}
 * @param {object} o.env              for the mail (USER_CLEANUP_SMTP_URL, USER_CLEANUP_MAIL_FROM)
 * @param {(event) => void} o.log
 * @param {AbortSignal} o.signal
 */
export async function runStoreDaemon(o) {
  const { store, engine, signal, log } = o;
  const { openJiraTrail } = await import('../store/jira-trail.mjs');
  const { startRun, resumeRun, makePlan } = await import('./run.mjs');
  const { keepLease, guardHost, guardTrail, slotLeaseName } = await import('./lease.mjs');
  const { createHeartbeat } = await import('./heartbeat.mjs');
  const { notifyRun } = await import('./notify.mjs');
  const { planItems, roleGroupsOf } = await import('./items.mjs');
  const { newRunId } = await import('./run-id.mjs');
  const { sha256Hex } = await import('./hash.mjs');
  const { indexRuns } = await import('./report.mjs');
  const { hostForPlan } = await import('../host/plan-impact.mjs');

  const hb = createHeartbeat({ store, daemonId: o.daemonId, node: o.node, version: o.version, pollSeconds: o.pollMs / 1000, log });
  const wait = (ms) => sleep(ms, signal);
  let cursor = o.clock();
  let lastGood = null; // the last valid policy text: its schedules say when slots are due while the saved one is invalid

  async function readPolicy() {
    const saved = await store.loadPolicy();
    if (saved.text === null) return { text: null, missing: saved.missing };
    const v = engine.validate(saved.text, null);
    if (v.type !== 'success') return { text: saved.text, invalid: v.errors ?? [], revision: saved.revision };
    return { text: saved.text, policy: JSON.parse(saved.text), revision: saved.revision };
  }

  function schedulesOf(text, from) {
    const r = engine.nextRuns(text, { from: instant(from), count: 1 });
    if (r.type !== 'success') return [];
    const zones = new Map((JSON.parse(text).schedules ?? []).map((s) => [s.id, s.timezone ?? 'UTC']));
    return r.value.schedules.map((s) => ({ id: s.id, enabled: s.enabled !== false, mode: s.mode ?? 'run', zone: zones.get(s.id) ?? 'UTC', next: s.next[0] ?? null }));
  }

  const who = async () => {
    const me = await o.host.whoami();
    return { actor: o.runOptions?.actor ?? me?.name ?? null, jiraUser: me?.name ?? null, operator: null };
  };

  /** A slot that cannot run (invalid policy, another run holding Jira, an error before it started): one runRefused record. */
  async function refuseSlot(trail, s, runId, reason, message, extra = {}) {
    await trail.append({
      type: 'runRefused', runId, who: await who().catch(() => null), via: 'daemon', node: o.node, mode: s.mode, schedule: s.id, slot: s.at,
      jira: o.jiraUrl, asOf: s.at, reason, message, ...extra,
    });
  }

  async function preview(trail, s, runId, policyText, host) {
    const me = await who();
    const snapshot = await host.snapshot(o.snapshotOptions(policyText));
    const asOf = instant(Math.max(o.clock(), Date.parse(s.at)));
    const { plan } = makePlan(engine, policyText, snapshot, { asOf, actor: me.actor, schedule: s.id });
    const items = planItems(plan, snapshot);
    const roles = Array.isArray(snapshot.applicationRoles) ? snapshot.applicationRoles : undefined;
    await trail.append({
      type: 'runStarted', runId, who: me, via: 'daemon', node: o.node, mode: 'preview', policy: { hash: await sha256Hex(policyText), path: null, text: policyText },
      schedule: s.id, jira: o.jiraUrl, asOf: plan.asOf, counts: plan.counts, limit: plan.limit, engineVersion: engine.version(),
      snapshot: { capturedAt: snapshot.capturedAt ?? null, users: snapshot.users?.length ?? null }, options: {},
    });
    await trail.append({ type: 'planned', runId, items, protected: plan.protected ?? [], roleGroups: roleGroupsOf(snapshot), ...(roles ? { applicationRoles: roles } : {}) });
    const totals = { done: 0, failed: 0, skipped: 0, review: items.filter((i) => i.action === 'review').length };
    await trail.append({ type: 'runFinished', runId, totals, exitCode: 0, preview: true });
    const count = (a) => items.filter((i) => i.action === a && !i.status).length;
    return { status: 'preview', totals, planned: { deactivate: count('deactivate'), removeFromGroups: count('removeFromGroups'), review: count('review') } };
  }

  /** Runs (or finishes) the slot while holding its lease. → {status, runId, counts} */
  async function runLeased(s, claim, policyText, policy) {
    const lease = claim.lease;
    const named = (v) => v.state === 'held' && typeof v.runId === 'string' && RUN_ID.test(v.runId);
    let prev = claim.expired.find(named);
    let runId = prev?.runId ?? newRunId(new Date(o.clock()));
    await store.renewLease(lease, { data: { runId, schedule: s.id, slot: s.at } });
    const keeper = keepLease(store, lease, { onLost: (e) => log({ event: 'leaseLost', schedule: s.id, slot: s.at, message: e.message }) });
    const stop = AbortSignal.any([keeper.signal, ...(signal ? [signal] : [])]);
    let runLease = null;
    let runKeeper = null;
    let trail = null;
    let out = { status: 'failed', runId, counts: null };
    let notice = {};
    try {
      const check = () => { keeper.check(); runKeeper?.check(); };
      // Opened first, so a slot refused while waiting for another run is recorded too.
      trail = guardTrail(await openJiraTrail(store), check);
      const runs = indexRuns(trail.records);
      // Claims are read back from storage: an expired claim's run is taken over only when the trail
      // shows it is this schedule's daemon run (or it never started). A claim naming any other run
      // (a CLI run, another schedule's) is passed over, and the slot gets a run of its own.
      const taken = claim.expired.find((v) => named(v) && slotRun(runs.get(v.runId), s.id));
      if (taken !== prev) {
        log({ event: 'claimIgnored', schedule: s.id, slot: s.at, runId: prev.runId, reason: `run ${prev.runId} is not a daemon run of schedule ${s.id}` });
        prev = taken;
        runId = taken?.runId ?? newRunId(new Date(o.clock()));
        out = { ...out, runId };
        await store.renewLease(lease, { data: { runId } });
      }
      // One run at a time per Jira: wait (holding the slot) while a page or CLI run is going.
      const t0 = Date.now();
      for (;;) {
        try {
          runLease = await store.acquireRunLease({ owner: o.daemonId, node: o.node, ttlMs: o.leaseMs, settleMs: o.settleMs, skewMs: o.skewMs, data: { runId, schedule: s.id } });
          break;
        } catch (e) {
          if (e?.code !== 'store.runBusy' || Date.now() - t0 > (o.runLeaseWaitMs ?? 15 * 60_000)) throw e;
          log({ event: 'waitingForRun', schedule: s.id, slot: s.at, message: e.message });
          keeper.check();
          await sleep(o.pollMs, stop);
          if (stop.aborted) throw stop.reason ?? new Error('stopped');
        }
      }
      runKeeper = keepLease(store, runLease);
      const runStop = AbortSignal.any([stop, runKeeper.signal]);
      // The run's instant on Jira's clock (the node's plus the offset measured from Jira's answer):
      // the plan, the warnings' recorded sentAt and every decision use the same time, so a node whose
      // clock runs ahead of Jira's never records warnings that readers on Jira's clock must ignore
      // as dated in the future (and would then send again).
      const runClock = await jiraClock(o.host, o.clock);
      const asOf = instant(Math.max(clockMs(runClock), Date.parse(s.at)));
      // As `run` does: creation dates from the audit log, open assigned issues for the users the plan selects.
      const planHost = policy ? hostForPlan(o.host, { engine, policyText, planOptions: { asOf, ...(o.runOptions?.actor ? { actor: o.runOptions.actor } : {}), schedule: s.id } }) : o.host;
      const host = guardHost(planHost, check);
      // The daemon's clock (a test's --clock-file included) also judges the plan's age and is decide's "now".
      const common = { host, engine, trail, jira: o.jiraUrl, via: 'daemon', node: o.node, schedule: s.id, signal: runStop, confirm: async () => {}, auditPath: 'the audit trail in Jira', now: runClock };
      const known = runs.get(runId);
      if (!policy) {
        await refuseSlot(trail, s, runId, 'policyInvalid', `the policy saved in Jira is not valid, so schedule ${s.id} did not run: ${s.problems.map((p) => `${p.path ?? ''} ${p.message} [${p.code}]`.trim()).join('; ')}`, { problems: s.problems });
        out = { status: 'skipped', runId, counts: null, reason: 'policyInvalid' };
        notice = { refused: { reason: 'policyInvalid', message: 'the policy saved in Jira is not valid' } };
      } else if (known?.started && known.started.type === 'runStarted') {
        // Taking over a run a node that died started: finish it from the stored trail.
        log({ event: 'takingOver', schedule: s.id, slot: s.at, runId, from: prev?.node ?? prev?.owner });
        if (known.finished) {
          out = { status: known.started.mode === 'preview' ? 'preview' : (known.finished.totals?.failed ? 'failed' : 'done'), runId, counts: known.finished.totals ?? null };
        } else if (known.started.mode === 'preview') {
          // A dry run never carries anything out: it is only closed.
          await trail.append({ type: 'runFinished', runId, totals: { done: 0, failed: 0, skipped: 0, review: 0 }, exitCode: 0, preview: true });
          out = { status: 'preview', runId, counts: null };
        } else {
          const r = await resumeRun({ ...common, runId });
          out = { status: r.totals?.failed ? 'failed' : 'done', runId, counts: r.totals ?? null };
        }
        if (trail.records.some((r) => r.type === 'notified' && r.runId === runId)) notice = null;
      } else if (known?.refused) {
        out = { status: 'refused', runId, counts: null }; // a refusal the dead node recorded
      } else if (s.mode === 'preview') {
        const r = await preview(trail, s, runId, policyText, host);
        out = { status: 'preview', runId, counts: r.totals };
        notice = { planned: r.planned };
      } else {
        // Warn rules: send today's warnings first (runner/warn.mjs); the run acts only on users warned long enough ago.
        const { warnBeforeRun } = await import('./warn.mjs');
        const { policyWarns } = await import('../../app/warn-record.mjs');
        const snapshotOptions = o.snapshotOptions(policyText);
        // The users the warnings are made from are the run's first snapshot too: read once, not twice.
        const snapshot = policyWarns(policyText) ? await host.snapshot(snapshotOptions) : undefined;
        const sent = await warnBeforeRun({ store, engine, host, policyText, snapshot, snapshotOptions, asOf, trail, schedule: s.id, node: o.node, actor: o.runOptions?.actor, env: o.env, log, signal: runStop });
        const r = await startRun({ ...common, runId, policyText, policyPath: null, asOf, mode: 'run', actor: o.runOptions?.actor, snapshot, snapshotOptions, readonlyFallback: o.runOptions?.readonlyFallback, concurrency: o.runOptions?.concurrency, sent });
        out = { status: r.totals?.failed ? 'failed' : 'done', runId, counts: r.totals ?? null, exitCode: r.exitCode };
      }
    } catch (e) {
      if (keeper.lost || runKeeper?.lost) {
        log({ event: 'slotAbandoned', schedule: s.id, slot: s.at, runId, message: (keeper.lost ?? runKeeper.lost).message });
        return { status: 'abandoned', runId };
      }
      const refused = isRefusal(e) || e?.code === 'store.runBusy' || e?.code === 'host.notAdmin';
      log({ event: refused ? 'runRefused' : 'runFailed', schedule: s.id, slot: s.at, runId, message: e?.message ?? String(e), ...(e instanceof PlanFailed ? { problems: e.result.errors } : {}) });
      out = { status: refused ? 'refused' : 'failed', runId, counts: null };
      notice = refused ? { refused: { reason: e?.code ?? 'refused', message: e?.message } } : { error: { message: e?.message ?? String(e), code: e?.code } };
      // startRun records its own refusals; anything else that ended the slot before the run started is recorded here.
      if (trail && !indexRuns(trail.records).get(runId)) {
        await refuseSlot(trail, s, runId, refused ? (e?.code ?? 'refused') : 'failed', e?.message ?? String(e), e instanceof PlanFailed ? { problems: e.result.errors } : {}).catch(() => {});
      }
    } finally {
      keeper.stop();
      runKeeper?.stop();
      if (runLease) await store.releaseRunLease(runLease).catch(() => {});
    }
    if (stop.aborted && signal?.aborted) {
      // SIGTERM: the run was stopped the way Stop stops it; the slot stays open (its lease expires).
      log({ event: 'slotStopped', schedule: s.id, slot: s.at, runId });
      return { status: 'stopped', runId };
    }
    if (notice && trail) {
      await notifyRun({ trail, runId, admins: (policy ?? lastGoodPolicy())?.notify?.admins, mode: s.mode, schedule: s.id, node: o.node, jiraUrl: o.jiraUrl, env: o.env, log, ...notice });
      await trail.close().catch(() => {});
    }
    await store.releaseLease(lease, { done: true, data: { runId, result: { status: out.status, counts: out.counts } } });
    await tidy(s.id, s.at).catch((e) => log({ event: 'tidyFailed', message: e?.message ?? String(e) }));
    return out;
  }

  const lastGoodPolicy = () => (lastGood ? JSON.parse(lastGood) : null);

  async function handleSlot(s, current) {
    const name = slotLeaseName(s.id, s.at);
    let said = false;
    for (let attempt = 0; !signal?.aborted; attempt++) {
      let claim;
      try {
        claim = await store.claimLease(name, { owner: o.daemonId, node: o.node, ttlMs: o.leaseMs, settleMs: o.settleMs, skewMs: o.skewMs, data: { schedule: s.id, slot: s.at } });
      } catch (e) {
        log({ event: 'leaseFailed', schedule: s.id, slot: s.at, message: e?.message ?? String(e) });
        await wait(o.pollMs);
        continue;
      }
      if (claim.ok) {
        log({ event: 'runStarting', schedule: s.id, slot: s.at, mode: s.mode });
        // The heartbeat goes on while the run does (the page shows this daemon alive, running the slot).
        const beating = setInterval(() => { hb.beat({ running: { schedule: s.id, slot: s.at } }).catch(() => {}); }, o.pollMs);
        let r;
        try {
          r = await runLeased(s, claim, current.text, current.policy);
        } finally {
          clearInterval(beating);
        }
        log({ event: 'slotDone', schedule: s.id, slot: s.at, ...r });
        if (r.status !== 'abandoned' && r.status !== 'stopped') hb.result(s.id, s.at, { runId: r.runId, status: r.status, counts: r.counts ?? null });
        return;
      }
      const h = claim.holder;
      if (h?.state === 'done') {
        log({ event: 'skipped', schedule: s.id, slot: s.at, reason: `run by ${h.node ?? h.owner}`, runId: h.runId ?? null });
        if (h.result) hb.result(s.id, s.at, { runId: h.runId ?? null, ...h.result });
        return;
      }
      if (!said) log({ event: 'slotHeld', schedule: s.id, slot: s.at, by: h?.node ?? h?.owner ?? null, ...(claim.slowWrite ? { slowWriteMs: claim.slowWrite } : {}) });
      said = true;
      await hb.beat();
      await wait(o.pollMs);
    }
  }

  /**
   * Slots a node left unfinished (its lease expired, its run not done) — e.g. this daemon itself
   * before a restart, with no other daemon watching: claimed and finished like any takeover.
   */
  async function recoverOrphans(current) {
    let runsP = null; // the verified trail's runs, read once and only when a slot was left unfinished
    const runs = () => (runsP ??= openJiraTrail(store).then((t) => indexRuns(t.records)));
    const names = new Set();
    for (const key of await store.leaseKeys('slot.')) {
      const v = await store.getProp(key);
      if (typeof v?.name === 'string' && v.name.startsWith('slot.')) names.add(v.name);
    }
    let watching = false;
    for (const name of names) {
      // readClaims reads the keys of exactly this name, so a claim naming another lease is ignored.
      const claims = (await store.readClaims(name)).map((c) => c.value);
      if (!claims.length || claims.some((v) => v.state === 'done')) continue;
      if (claims.some((v) => Date.parse(v.expiresAt) + (o.skewMs ?? 0) > Date.now())) {
        watching = true; // still running somewhere (or not yet expired): look again at the next poll
        continue;
      }
      // Every dead node's claim is looked at, so a claim that is not taken over hides no other.
      for (const dead of claims.filter((v) => v.state === 'held' && typeof v.schedule === 'string' && !Number.isNaN(Date.parse(v.slot)))) {
        const { sched, why } = await orphanSlot(dead, name, current, runs);
        if (why) {
          log({ event: 'orphanIgnored', schedule: dead.schedule, slot: dead.slot, runId: dead.runId ?? null, lease: name, reason: why });
          continue;
        }
        log({ event: 'orphanedSlot', schedule: dead.schedule, slot: dead.slot, runId: dead.runId ?? null, from: dead.node ?? dead.owner });
        await handleSlot({ id: dead.schedule, at: dead.slot, mode: sched.mode, problems: current.invalid ?? [] }, current);
        break;
      }
    }
    return watching;
  }

  /**
   * The schedule whose slot an expired claim names, `{sched}`, when that slot is taken over; else
   * `{why}`. A claim is read back from storage, so it only names a slot and a run: the slot is
   * finished only when the saved policy calls for it (the schedule exists and is enabled, the
   * instant is one of its slots and has come, the lease is that slot's) and the verified trail holds
   * that run, started by a daemon for that schedule (a finished one is only marked done). So a forged claim starts
   * nothing, and a node that died before its run started (it changed nothing) leaves a missed
   * slot, as a daemon that was down does.
   */
  async function orphanSlot(dead, name, current, runs) {
    const sched = schedulesOf(current.text, Date.parse(dead.slot) - 1).find((x) => x.id === dead.schedule);
    if (!sched) return { why: 'no such schedule in the saved policy' };
    if (!sched.enabled) return { why: 'the schedule is disabled' };
    if (Date.parse(sched.next) !== Date.parse(dead.slot) || Date.parse(dead.slot) > o.clock() || slotLeaseName(dead.schedule, dead.slot) !== name) {
      return { why: 'not a due slot of the schedule' };
    }
    const run = (await runs()).get(dead.runId);
    if (!run?.started || !slotRun(run, dead.schedule)) return { why: 'the trail holds no daemon run of the schedule by that id' };
    return { sched };
  }

  /** Done markers of a schedule's older slots are removed; the last KEEP_DONE stay (a late daemon skips them). */
  async function tidy(scheduleId, slot) {
    const done = [];
    for (const key of await store.leaseKeys(`slot.${scheduleId}.`)) {
      const v = await store.getProp(key);
      if (v?.state === 'done' && v.schedule === scheduleId && !Number.isNaN(Date.parse(v.slot))) done.push({ key, at: Date.parse(v.slot) });
    }
    done.sort((a, b) => b.at - a.at);
    for (const d of done.slice(KEEP_DONE)) if (d.at < Date.parse(slot)) await store.deleteProp(d.key).catch(() => {});
  }

  log({ event: 'daemonStarted', daemonId: o.daemonId, node: o.node, now: instant(o.clock()), jira: o.jiraUrl, store: store.account });
  let lastState = null;
  let recover = true;
  while (!signal?.aborted) {
    let current;
    try {
      current = await readPolicy();
    } catch (e) {
      log({ event: 'policyUnreadable', message: e?.message ?? String(e) });
      await hb.beat({ problem: e?.message ?? String(e) });
      await wait(o.pollMs);
      continue;
    }
    const state = current.policy ? `valid:${current.revision}` : current.invalid ? `invalid:${current.revision}` : 'missing';
    if (state !== lastState) log({ event: 'policy', state, ...(current.invalid ? { problems: current.invalid } : {}) });
    lastState = state;
    if (current.policy) lastGood = current.text;
    if (recover && current.policy) {
      try {
        recover = await recoverOrphans(current);
      } catch (e) {
        log({ event: 'slotError', message: `looking for unfinished slots: ${e?.message ?? e}` });
      }
    }
    const basis = current.policy ? current.text : lastGood;
    const now = o.clock();
    hb.schedules(basis ? schedulesOf(basis, now) : []);
    await hb.beat(current.invalid ? { problem: 'the saved policy is not valid' } : current.missing ? { problem: `no policy saved (${current.missing})` } : {});
    const due = basis ? schedulesOf(basis, cursor).filter((s) => s.next) : [];
    const first = due.reduce((m, s) => (m === null || Date.parse(s.next) < m ? Date.parse(s.next) : m), null);
    if (first === null || first > now) {
      await wait(first === null ? o.pollMs : Math.min(o.pollMs, Math.max(50, first - now)));
      continue;
    }
    for (const s of due.filter((x) => Date.parse(x.next) === first).sort((a, b) => a.id.localeCompare(b.id))) {
      if (signal?.aborted) break;
      const slot = { id: s.id, at: s.next, mode: s.mode, problems: current.invalid ?? [] };
      if (current.policy && !s.enabled) {
        log({ event: 'skipped', schedule: s.id, slot: s.next, reason: 'the schedule is disabled' });
        hb.result(s.id, s.next, { runId: null, status: 'skipped', counts: null });
        continue;
      }
      try {
        await handleSlot(slot, current);
      } catch (e) {
        // Jira failing between the run and the lease bookkeeping: the slot's lease expires and
        // another daemon watching it (or this one, when it starts again: recoverOrphans) settles it.
        log({ event: 'slotError', schedule: s.id, slot: s.next, message: e?.message ?? String(e) });
      }
    }
    cursor = first;
  }
  await hb.beat({ stoppedAt: new Date().toISOString() });
  log({ event: 'daemonStopped' });
  return 0;
}
