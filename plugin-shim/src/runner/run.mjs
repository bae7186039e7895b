// A cleanup run from start to finish, and its resumption after a crash.
//
// Trail records of a run (all with the same runId):
//   runStarted {who, policy: {hash, path}, schedule?, snapshot: {capturedAt, users}, jira, asOf, counts, limit, engineVersion, options}
//   planned    {items: [{i, user, action, groups?, rule, reasons}], protected: [...], roleGroups: [...]}   ← resume needs no re-planning
//   intent / outcome per executable item (execute.mjs)
//   runResumed {who, pending}  (each resume)
//   runFinished {totals, exitCode}
// A refused run (over the limit, not confirmed) leaves one runRefused record.
import { userInfo } from 'node:os';
import { sha256Hex } from './hash.mjs';
import { openTrail, TrailError } from './trail.mjs';
import { indexRuns } from './report.mjs';
import { carryOut as carryOutItems } from './execution.mjs';
import { roleGroupsOf, EXECUTABLE, planItems } from './items.mjs';
import { newRunId } from './run-id.mjs';
import { RefusedError, PlanFailed, InputError } from '../errors.mjs';


function operator() {
  try {
    return userInfo().username;
  } catch {
    return null;
  }
}

/** Plans with the engine; PlanFailed when the policy or snapshot does not validate. */
export function makePlan(engine, policyText, snapshot, { asOf, actor, schedule }) {
  const options = { asOf, ...(actor ? { actor } : {}), ...(schedule ? { schedule } : {}) };
  const result = JSON.parse(engine.planJson(policyText, typeof snapshot === 'string' ? snapshot : JSON.stringify(snapshot), JSON.stringify(options)));
  if (result.type !== 'success') throw new PlanFailed(result);
  return { plan: result.value, warnings: result.warnings ?? [] };
}

/**
 * @param {object} o
 * @param {object} o.host, o.engine
 * @param {string} o.policyText, o.policyPath, o.jira (base URL, no token), o.auditPath, o.asOf
 * @param {string} [o.actor]        default: the token's user (whoami)
 * @param {string} [o.schedule]     the schedule id when the daemon runs it
 * @param {(plan, info) => void} [o.show]           print the preview
 * @param {(count) => Promise<void>} o.confirm       throws RefusedError when not confirmed
 * @param {(plan) => object} [o.progress]            { outcome(rec, totals), finish() }
 * @param {(result) => void} [o.onWarnings]
 */
export async function startRun(o) {
  const { host, engine, policyText, auditPath, asOf } = o;
  const trail = await openTrail(auditPath, { key: o.auditKey });
  try {
    await host.assertAdmin();
    const me = await host.whoami();
    const actor = o.actor ?? me?.name;
    const snapshot = await host.snapshot(o.snapshotOptions ?? {});
    const { plan, warnings } = makePlan(engine, policyText, snapshot, { asOf, actor, schedule: o.schedule });
    o.onWarnings?.(warnings);
    o.show?.(plan);
    const runId = o.runId ?? newRunId();
    const common = {
      runId,
      who: { actor, jiraUser: me?.name ?? null, operator: operator() },
      policy: { hash: await sha256Hex(o.policyHashText ?? policyText), path: o.policyPath ?? null },
      ...(o.schedule ? { schedule: o.schedule } : {}),
      jira: o.jira,
      asOf,
      counts: plan.counts,
      limit: plan.limit,
      engineVersion: engine.version(),
    };
    const executable = plan.actions.filter((a) => EXECUTABLE.has(a.action)).length;
    if (plan.overLimit) {
      const message = `refused: the plan has ${plan.counts.executable} executable actions, more than the policy's limits.maxActionsPerRun ${plan.limit?.maxActionsPerRun}; nothing was changed`;
      await trail.append({ type: 'runRefused', ...common, reason: 'overLimit', message });
      throw new RefusedError(message);
    }
    if (executable > 0) {
      try {
        await o.confirm(executable);
      } catch (e) {
        if (e instanceof RefusedError) await trail.append({ type: 'runRefused', ...common, reason: 'notConfirmed', message: e.message });
        throw e;
      }
    }
    await trail.append({
      type: 'runStarted',
      ...common,
      snapshot: { capturedAt: snapshot.capturedAt ?? null, users: snapshot.users?.length ?? 0 },
      options: { concurrency: o.concurrency ?? 4, readonlyFallback: o.readonlyFallback ?? 'remove-licence-groups' },
    });
    const items = planItems(plan);
    await trail.append({ type: 'planned', runId, items, protected: plan.protected ?? [], roleGroups: roleGroupsOf(snapshot) });
    const result = await carryOut({ ...o, trail, runId, items, pending: new Map(), roleGroups: roleGroupsOf(snapshot) });
    return { runId, plan, ...result };
  } finally {
    await trail.close();
  }
}

async function carryOut({ progress, items, done = new Set(), ...rest }) {
  const bar = progress?.(items.filter((it) => EXECUTABLE.has(it.action) && !done.has(it.i)).length);
  const result = await carryOutItems({ ...rest, items, done, onOutcome: (rec, t) => bar?.outcome(rec, t) });
  bar?.finish();
  return { totals: result.totals, exitCode: result.exitCode, outcomes: result.outcomes };
}

/** Finishes an interrupted run from its trail: settles intents without outcomes, then the rest. */
export async function resumeRun(o) {
  const { host, auditPath, runId } = o;
  const trail = await openTrail(auditPath, { key: o.auditKey });
  try {
    const run = indexRuns(trail.records).get(runId);
    if (!run?.started || run.started.type !== 'runStarted' || !run.planned) {
      throw new InputError(`${auditPath}: no run ${JSON.stringify(runId)} to resume in this audit trail`);
    }
    if (run.finished) return { runId, already: true, totals: run.finished.totals, exitCode: run.finished.exitCode, outcomes: [...run.outcomes.values()] };
    if (o.jira && run.started.jira && o.jira !== run.started.jira) {
      throw new InputError(`run ${runId} was made against ${run.started.jira}, not ${o.jira}`);
    }
    await host.assertAdmin();
    const me = await host.whoami();
    const done = new Set(run.outcomes.keys());
    const pending = new Map([...run.intents].filter(([i]) => !done.has(i)));
    const items = run.planned.items;
    const left = items.filter((it) => EXECUTABLE.has(it.action) && !done.has(it.i)).length;
    await trail.append({ type: 'runResumed', runId, who: { jiraUser: me?.name ?? null, operator: operator() }, pending: pending.size, remaining: left });
    const opts = run.started.options ?? {};
    const result = await carryOut({
      host,
      trail,
      runId,
      items,
      pending,
      done,
      roleGroups: run.planned.roleGroups ?? [],
      readonlyFallback: o.readonlyFallback ?? opts.readonlyFallback,
      concurrency: o.concurrency ?? opts.concurrency,
      progress: o.progress,
    });
    return { runId, resumed: { pending: pending.size, remaining: left }, ...result };
  } finally {
    await trail.close();
  }
}

export { TrailError };
