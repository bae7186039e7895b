// bulk: deactivate, reactivate, add to or remove from groups the users named (--user) or every user
// a filter matches (--matching + the users filters), in Jira DC, through the same executor as a
// run: the engine's planBulk (protected users left out of destructive operations, with the
// reason), the policy's limit, the typed confirmation, decide again per user, the audit trail,
// undo (`user-cleanup undo --run ID`).
import { parseCommand } from '../args.mjs';
import { UsageError, EXIT_OK } from '../errors.mjs';
import { RefusedError, PlanFailed } from '../../errors.mjs';
import { sanitize, plural } from '../text.mjs';
import { report } from '../problems.mjs';
import { requireFlags } from './shared.mjs';
import { filterFrom, hasFilter } from './users-filter.mjs';
import { connect, confirmer, progressFactory, readonlyFallback, concurrency, withStop, DEFAULT_AUDIT } from '../runner.mjs';
import { planBulk, executeBulk, bulkExecutable, BULK_OPERATIONS } from '../../runner/bulk.mjs';
import { openTrail } from '../../runner/trail.mjs';
import { auditKey } from './audit.mjs';
import { withRunLease } from '../../store/run-lease.mjs';
import { userInfo } from 'node:os';


export async function bulk(argv, ctx) {
  const { values } = parseCommand('bulk', argv);
  requireFlags(values, ['jira', 'policy', 'operation'], 'bulk');
  if (!BULK_OPERATIONS.includes(values.operation)) throw new UsageError(`--operation must be one of ${BULK_OPERATIONS.join(', ')}, got ${JSON.stringify(values.operation)}`, 'bulk');
  const needsGroups = values.operation === 'addToGroups' || values.operation === 'removeFromGroups';
  if (needsGroups && !values.group?.length) throw new UsageError(`--operation ${values.operation} needs --group`, 'bulk');
  if (!needsGroups && values.group?.length) throw new UsageError(`--operation ${values.operation} takes no --group`, 'bulk');
  const named = values.user ?? [];
  if (Boolean(named.length) === Boolean(values.matching)) throw new UsageError('choose the users with --user NAME (repeatable) or --matching with filters', 'bulk');
  if (named.length && hasFilter(values)) throw new UsageError('filters choose users only with --matching', 'bulk');
  const fallback = readonlyFallback(values, 'bulk');
  const conc = concurrency(values, 'bulk');
  const audit = values.audit ?? DEFAULT_AUDIT;
  const operation = { type: values.operation, ...(needsGroups ? { groups: values.group } : {}) };

  const { host, url, doneReading } = await connect(ctx, values.jira);
  await host.assertAdmin();
  const me = await host.whoami();
  const actor = values.actor ?? me?.name;
  const snapshot = await host.snapshot();
  doneReading();
  const snapshotText = JSON.stringify(snapshot);
  const filter = values.matching ? filterFrom(values, 'bulk') : null;
  const chosen = values.matching ? (await matching(values, ctx, snapshotText, filter, actor)).map((u) => u.name) : named;
  const { readInput } = await import('../io.mjs');
  const policyText = readInput(values.policy, 'policy');
  const asOf = snapshot.capturedAt;
  const planned = planBulk(await ctx.engine(), policyText, snapshotText, { asOf, actor, users: chosen, operation });
  if (report(planned, { policy: values.policy, snapshot: `snapshot from ${url}`, input: 'bulk', options: 'bulk' }, ctx.io)) return 2;
  const plan = planned.value;
  const todo = bulkExecutable(plan);
  if (!values.json) showBulk(ctx, plan, operation, chosen);
  const trail = await openTrail(audit, { key: auditKey(values, ctx) });
  try {
    const who = { actor, jiraUser: me?.name ?? null, operator: operatorName() };
    if (plan.overLimit) {
      // executeBulk records the refusal in the trail and throws refused.overLimit.
    } else if (todo.length === 0) {
      ctx.io.out('Nothing to change: the operation changes none of these users.');
      return EXIT_OK;
    }
    let res;
    // One run at a time per Jira (the run lease run, undo, the page and the daemon take too).
    await withRunLease({ url, token: ctx.env.USER_CLEANUP_TOKEN, onNote: (m) => ctx.io.err(m) }, () => withStop(ctx, async (signal, confirmed) => {
      if (!plan.overLimit) await confirmed(confirmer(ctx, Boolean(values.yes), 'accounts'))(todo.length);
      const bar = values.json ? null : progressFactory(ctx)(todo.length);
      res = await executeBulk({
        host, engine: await ctx.engine(), plan, trail, who, actor, operation, users: chosen, via: 'cli bulk',
        policyText, policyPath: values.policy, jira: url,
        snapshot: { capturedAt: snapshot.capturedAt ?? null, users: snapshot.users?.length ?? 0 }, snapshotData: snapshot,
        readonlyFallback: fallback, concurrency: conc, signal,
        onOutcome: (rec, t) => bar?.outcome(rec, t),
      });
      bar?.finish();
    }));
    if (values.json) ctx.io.out(JSON.stringify({ runId: res.runId, totals: res.totals, exitCode: res.exitCode, outcomes: res.outcomes, protected: plan.protected ?? [] }));
    else {
      const t = res.totals;
      ctx.io.out('', ctx.c.bold(sanitize(`bulk run ${res.runId}: ${t.done} done, ${t.failed} failed, ${t.skipped} skipped${t.notStarted ? `, ${t.notStarted} not started (stopped)` : ''}`)));
      for (const o of res.outcomes.filter((x) => x.status !== 'done').slice(0, 50)) ctx.io.out(sanitize(`  ${o.status}  ${o.user}: ${o.reason ?? ''}`));
      ctx.io.out(sanitize(`audit trail: ${audit}  (undo: user-cleanup undo --run ${res.runId} --audit ${audit} --jira URL)`));
    }
    return res.exitCode;
  } catch (e) {
    if (e instanceof RefusedError || String(e?.code ?? '').startsWith('refused.')) throw new RefusedError(e.message, e.code);
    throw e;
  } finally {
    await trail.close();
  }
}

/** Every user the filter matches (the engine's query over the snapshot read). */
async function matching(values, ctx, snapshotText, filter, actor) {
  const engine = await ctx.engine();
  const { readInput } = await import('../io.mjs');
  const policyText = readInput(values.policy, 'policy');
  const r = engine.query(policyText, snapshotText, { ...filter, view: 'brief' }, { asOf: JSON.parse(snapshotText).capturedAt, ...(actor ? { actor } : {}) });
  if (report(r, { policy: values.policy, input: 'filter' }, ctx.io)) throw new PlanFailed(r);
  return r.value.users;
}

function operatorName() {
  try {
    return userInfo().username;
  } catch {
    return null;
  }
}

/** The bulk plan as the admin confirms it: what changes, who is protected and why, who is unchanged. */
export function showBulk(ctx, plan, operation, chosen) {
  const c = ctx.c;
  const what = operation.groups ? `${operation.type} ${operation.groups.join(', ')}` : operation.type;
  const todo = bulkExecutable(plan);
  ctx.io.out(c.bold(sanitize(`bulk ${what}: ${plural(chosen.length, 'user')} chosen, ${plural(todo.length, 'account')} to change`)));
  for (const a of todo.slice(0, 50)) ctx.io.out(sanitize(`  ${a.user}  ${a.action}${a.groups ? ` ${a.groups.join(', ')}` : ''}`));
  if (todo.length > 50) ctx.io.out(`  … and ${plural(todo.length - 50, 'more')}`);
  for (const p of plan.protected ?? []) ctx.io.out(c.yellow(sanitize(`  protected, left out: ${p.user}: ${p.reason}`)));
  for (const u of plan.unchanged ?? []) ctx.io.out(sanitize(`  unchanged: ${u.user}: ${u.reason}`));
  for (const n of plan.unknown ?? []) ctx.io.out(c.red(sanitize(`  unknown user: ${n}`)));
  if (plan.limit?.maxActionsPerRun != null) ctx.io.out(sanitize(`limit: ${plan.limit.maxActionsPerRun} changes per run${plan.overLimit ? ' — over the limit: refused' : ''}`));
  ctx.io.flush();
}
