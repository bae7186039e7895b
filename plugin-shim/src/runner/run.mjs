// A cleanup run from start to finish (Node), and its resumption after a crash. Carrying out the
// plan is execution.mjs, the same code the admin page runs.
//
// Trail records of a run (all with the same runId):
//   runStarted {who, policy: {hash, path, text}, schedule?, snapshot: {capturedAt, users}, jira, asOf, counts, limit, engineVersion, options}
//   planned    {items: [{i, user, key?, action, groups?, rule, reasons, previous?}], protected, roleGroups, applicationRoles?}
//   intent / outcome per executable item (execution.mjs)
//   runResumed {who, pending, remaining}  (each resume)
//   runFinished {totals, exitCode}
// A refused run (over the limit, not confirmed, expired) leaves one runRefused record.
import { userInfo } from 'node:os';
import { sha256Hex } from './hash.mjs';
import { openTrail, TrailError } from './trail.mjs';
import { indexRuns } from './report.mjs';
import { executePlan, carryOut } from './execution.mjs';
import { makeDecider, planAge } from './decide.mjs';
import { clockMs, instant, jiraClock } from './clock.mjs';
import { roleGroupsOf, isExecutable } from './items.mjs';
import { newRunId } from './run-id.mjs';
import { checkResumable } from './bounds.mjs';
import { RefusedError, PlanFailed, InputError, isRefusal } from '../errors.mjs';

function operator() {
  try {
    return userInfo().username;
  } catch {
    return null;
  }
}

/** Plans with the engine; PlanFailed when the policy or snapshot does not validate. */
export function makePlan(engine, policyText, snapshot, { asOf, actor, schedule, sent }) {
  // sent: the warnings known to be sent (runner/warn.mjs); without it a warn rule's actions all await their warning.
  const options = { asOf, ...(actor ? { actor } : {}), ...(schedule ? { schedule } : {}), ...(Array.isArray(sent) ? { sent } : {}) };
  const result = JSON.parse(engine.planJson(policyText, typeof snapshot === 'string' ? snapshot : JSON.stringify(snapshot), JSON.stringify(options)));
  if (result.type !== 'success') throw new PlanFailed(result);
  return { plan: result.value, warnings: result.warnings ?? [] };
}

/** What a plan would change, for comparing two plans: user, action, groups, rule per action. */
function planKey(plan) {
  return JSON.stringify((plan.actions ?? []).map((a) => [a.user, a.action, a.groups ?? null, a.rule]));
}

/** A refusal from execution.mjs (browser-safe, coded) as the runner's RefusedError. */
function asRefused(e) {
  return isRefusal(e) && !(e instanceof RefusedError) ? new RefusedError(e.message, e.code) : e;
}

/**
 * @param {object} o
 * @param {object} o.host, o.engine
 * @param {string} o.policyText, o.policyPath, o.jira (base URL, no token), o.auditPath, o.asOf
 * @param {boolean} [o.asOfNow]     asOf is "now" (no --as-of): the plan is made as of Jira's clock (jiraClock), a re-plan as of the time it is made
 * @param {string} [o.actor]        default: the token's user (whoami)
 * @param {string} [o.schedule]     the schedule id when the daemon runs it
 * @param {(plan, info) => void} [o.show]           print the preview (again when a re-plan changed it)
 * @param {(count) => Promise<void>} o.confirm       throws RefusedError when not confirmed
 * @param {(total) => object} [o.progress]           { outcome(rec, totals), finish() }
 * @param {(result) => void} [o.onWarnings]
 * @param {(info) => void} [o.onReplan]              the plan expired while waiting for the answer and was made again
 * @param {AbortSignal} [o.signal]  Stop (the daemon's SIGTERM)
 * @param {object[]} [o.sent]       warnings known to be sent [{user, rule, sentAt}] (app/warn-record.mjs loadSent)
 * @param {object} [o.snapshot]     the users just read with o.snapshotOptions (the daemon's, for its warnings): planned first instead of
 *                                  a second read; read again, as any snapshot, once older than limits.maxSnapshotAgeMinutes
 * @param {() => Date|number} [o.now]  the runner's clock; the run decides on Jira's (this clock plus the offset measured by jiraClock)
 */
export async function startRun(o) {
  const { host, engine, policyText, auditPath } = o;
  const local = o.now ?? (() => Date.now());
  // o.trail: an open trail (the daemon's, kept in Jira); else the trail file at auditPath.
  const trail = o.trail ?? (await openTrail(auditPath, { key: o.auditKey }));
  try {
    await host.assertAdmin();
    const me = await host.whoami();
    const actor = o.actor ?? me?.name;
    // The one decision instant of the run, on Jira's clock (clock.mjs jiraClock): the plan's age,
    // a re-plan's asOf and every decide of executePlan.
    const now = await jiraClock(host, local);
    let asOf = o.asOfNow ? instant(Math.floor(clockMs(now) / 1000) * 1000) : o.asOf;
    let snapshot = o.snapshot ?? (await host.snapshot(o.snapshotOptions ?? {}));
    let { plan, warnings } = makePlan(engine, policyText, snapshot, { asOf, actor, schedule: o.schedule, sent: o.sent });
    o.onWarnings?.(warnings);
    o.show?.(plan);
    const runId = o.runId ?? newRunId();
    const who = { actor, jiraUser: me?.name ?? null, operator: operator() };
    const refusedRecord = async (reason, message) =>
      trail.append({
        type: 'runRefused', runId, who, policy: { hash: await sha256Hex(policyText), path: o.policyPath ?? null },
        ...(o.schedule ? { schedule: o.schedule } : {}), ...(o.via ? { via: o.via } : {}), ...(o.node ? { node: o.node } : {}),
        jira: o.jira, asOf, counts: plan.counts, limit: plan.limit, engineVersion: engine.version(), reason, message,
      });
    for (;;) {
      if (plan.overLimit) {
        const message = `refused: the plan has ${plan.counts.executable} executable actions, more than the policy's limits.maxActionsPerRun ${plan.limit?.maxActionsPerRun}; nothing was changed`;
        await refusedRecord('overLimit', message);
        throw new RefusedError(message, 'refused.overLimit');
      }
      const executable = plan.actions.filter(isExecutable).length;
      if (executable > 0) {
        try {
          await o.confirm(executable);
        } catch (e) {
          if (e instanceof RefusedError) await refusedRecord('notConfirmed', e.message);
          throw e;
        }
      }
      // The prompt has no time limit (and o.snapshot was read before the warnings were sent); a
      // plan whose snapshot expired meanwhile is made again from a fresh read, and asked about
      // again only when it changed.
      if (!planAge({ capturedAt: snapshot.capturedAt, limit: plan.limit, now })) break;
      if (o.asOfNow) asOf = instant(Math.floor(clockMs(now) / 1000) * 1000);
      snapshot = await host.snapshot(o.snapshotOptions ?? {});
      const before = planKey(plan);
      ({ plan, warnings } = makePlan(engine, policyText, snapshot, { asOf, actor, schedule: o.schedule, sent: o.sent }));
      const changed = planKey(plan) !== before;
      o.onReplan?.({ changed, plan });
      if (!changed) break;
      o.onWarnings?.(warnings);
      o.show?.(plan);
    }
    let bar = null;
    try {
      const result = await executePlan({
        host,
        engine,
        plan,
        trail,
        runId,
        who,
        actor,
        schedule: o.schedule,
        via: o.via,
        node: o.node,
        mode: o.mode,
        policyText,
        policyPath: o.policyPath ?? null,
        jira: o.jira,
        snapshot: { capturedAt: snapshot.capturedAt ?? null, users: snapshot.users?.length ?? 0 },
        snapshotData: snapshot,
        roleGroups: roleGroupsOf(snapshot),
        concurrency: o.concurrency,
        readonlyFallback: o.readonlyFallback,
        signal: o.signal,
        sent: o.sent,
        now,
        onStart: (id, items) => {
          bar = o.progress?.(items.filter(isExecutable).length) ?? null;
        },
        onOutcome: (rec, t) => bar?.outcome(rec, t),
      });
      bar?.finish();
      return { runId, plan, totals: result.totals, exitCode: result.exitCode, outcomes: result.outcomes, stopped: result.stopped };
    } catch (e) {
      throw asRefused(e);
    }
  } finally {
    await trail.close();
  }
}

/**
 * Finishes an interrupted run from its trail, after checking the trail's run against its stored
 * policy (bounds.mjs): settles intents without outcomes, then the rest, each user decided
 * again by the engine with the run's own policy.
 */
export async function resumeRun(o) {
  const { host, engine, auditPath, runId } = o;
  const local = o.now ?? (() => Date.now());
  const trail = o.trail ?? (await openTrail(auditPath, { key: o.auditKey }));
  try {
    const run = indexRuns(trail.records).get(runId);
    if (!run?.started || run.started.type !== 'runStarted' || !run.planned) {
      throw new InputError(`${auditPath}: no run ${JSON.stringify(runId)} to resume in this audit trail`);
    }
    if (run.finished) return { runId, already: true, totals: run.finished.totals, exitCode: run.finished.exitCode, outcomes: [...run.outcomes.values()] };
    if (o.jira && run.started.jira && o.jira !== run.started.jira) {
      throw new InputError(`run ${runId} was made against ${run.started.jira}, not ${o.jira}`);
    }
    const problems = await checkResumable(run, engine);
    if (problems.length) {
      throw new RefusedError(
        `refused: run ${runId} in ${auditPath} does not match what it was allowed to do, so it is not resumed; nothing was changed: ${problems.map((p) => `${p.message} [${p.code}]`).join('; ')}`,
        problems[0].code,
      );
    }
    const s = run.started;
    // Jira's clock read now, never the trail's capturedAt: a forged capture time cannot move "now".
    const now = await jiraClock(host, local);
    const expired = planAge({ capturedAt: s.snapshot?.capturedAt, limit: s.limit, now });
    if (expired) throw new RefusedError(`${expired.message.replace('refused:', `refused: run ${runId} cannot be resumed:`)}`, expired.code);
    const decide = makeDecider({
      engine,
      policyText: s.policy.text,
      actor: s.who?.actor ?? undefined,
      schedule: s.schedule,
      capturedAt: s.snapshot?.capturedAt,
      applicationRoles: Array.isArray(run.planned.applicationRoles) ? run.planned.applicationRoles : undefined,
      sent: o.sent,
      now,
    });
    await host.assertAdmin();
    const me = await host.whoami();
    const done = new Set(run.outcomes.keys());
    const pending = new Map([...run.intents].filter(([i]) => !done.has(i)));
    const items = run.planned.items;
    const left = items.filter((it) => isExecutable(it) && !done.has(it.i)).length;
    if (left > 0) await o.confirm?.(left);
    const who = { jiraUser: me?.name ?? null, operator: operator() };
    await trail.append({ type: 'runResumed', runId, who, pending: pending.size, remaining: left });
    const opts = s.options ?? {};
    const bar = o.progress?.(left);
    const result = await carryOut({
      host,
      trail,
      runId,
      items,
      decide,
      pending,
      done,
      roleGroups: run.planned.roleGroups ?? [],
      readonlyFallback: o.readonlyFallback ?? opts.readonlyFallback,
      concurrency: o.concurrency ?? opts.concurrency,
      signal: o.signal,
      stoppedBy: who,
      onOutcome: (rec, t) => bar?.outcome(rec, t),
    });
    bar?.finish();
    return { runId, resumed: { pending: pending.size, remaining: left }, totals: result.totals, exitCode: result.exitCode, outcomes: result.outcomes };
  } finally {
    await trail.close();
  }
}

export { TrailError };
