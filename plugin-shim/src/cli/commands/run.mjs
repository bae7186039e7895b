// run: plan a policy against Jira DC, show it, refuse over the limit, confirm, carry it out with an
// audit trail. run --resume RUN_ID: finish an interrupted run from the trail.
import { parseCommand, nowInstant, wholeNumber } from '../args.mjs';
import { UsageError } from '../errors.mjs';
import { sanitize, plural } from '../text.mjs';
import { report } from '../problems.mjs';
import { readInput } from '../io.mjs';
import { requireFlags, rowLimit, readFiles } from './shared.mjs';
import { connect, showPlan, confirmer, progressFactory, readonlyFallback, concurrency, withStop, DEFAULT_AUDIT } from '../runner.mjs';
import { startRun, resumeRun } from '../../runner/run.mjs';
import { auditKey } from './audit.mjs';
import { withRunLease } from '../../store/run-lease.mjs';
import { hostForPlan } from '../../host/plan-impact.mjs';

export async function run(argv, ctx) {
  const { values } = parseCommand('run', argv);
  const audit = values.audit ?? DEFAULT_AUDIT;
  const fallback = readonlyFallback(values, 'run');
  const conc = concurrency(values, 'run');
  if (values.resume !== undefined) {
    requireFlags(values, ['jira'], 'run');
    for (const f of ['policy', 'actor', 'as-of', 'last-login-csv', 'audit-window-days']) {
      if (values[f] !== undefined) throw new UsageError(`--resume finishes the run as it was planned; --${f} cannot be given`, 'run');
    }
    const engine = await ctx.engine();
    const { host, url } = await connect(ctx, values.jira);
    const res = await withRunLease({ url, token: ctx.env.USER_CLEANUP_TOKEN, onNote: (m) => ctx.io.err(m) }, () => withStop(ctx, (signal, confirmed) => resumeRun({
      signal,
      host,
      engine,
      auditPath: audit,
      auditKey: auditKey(values, ctx),
      runId: values.resume,
      jira: url,
      readonlyFallback: fallback,
      concurrency: conc,
      confirm: confirmed(confirmer(ctx, Boolean(values.yes), 'remaining actions')),
      progress: values.json ? undefined : progressFactory(ctx),
    })));
    if (values.json) ctx.io.out(JSON.stringify(res));
    else if (res.already) ctx.io.out(sanitize(`run ${res.runId} had already finished: ${totalsLine(res.totals)}`));
    else {
      ctx.io.out(sanitize(`resumed run ${res.runId}: ${res.resumed.pending} interrupted ${res.resumed.pending === 1 ? 'action' : 'actions'} settled, ${res.resumed.remaining} left to do`));
      summary(ctx, res, audit);
    }
    return res.exitCode;
  }
  requireFlags(values, ['policy', 'jira'], 'run');
  const limit = rowLimit(values, 'run');
  const files = { policy: values.policy };
  const texts = readFiles(files, 'run');
  const csv = values['last-login-csv'] !== undefined ? readInput(values['last-login-csv'], 'last-login CSV') : undefined;
  const asOfSource = values['as-of'] === undefined ? 'now' : '--as-of';
  const asOf = values['as-of'] ?? nowInstant();
  const auditWindowDays = wholeNumber(values['audit-window-days'], 'audit-window-days', 'run', { min: 1 });
  const engine = await ctx.engine();
  const { host: jiraHost, url, doneReading } = await connect(ctx, values.jira);
  // Every snapshot the run plans over (also the one read again when the plan expired) holds
  // creation dates from the audit log and open assigned counts for the users the plan selects.
  const host = hostForPlan(jiraHost, { engine, policyText: texts.policy, planOptions: { asOf: values['as-of'], actor: values.actor }, auditWindowDays });
  const sent = await warningsSent(ctx, url, texts.policy);
  let res;
  try {
    // One run at a time per Jira (the run lease the page and the daemon take too).
    res = await withRunLease({ url, token: ctx.env.USER_CLEANUP_TOKEN, onNote: (m) => ctx.io.err(m) }, () => withStop(ctx, (signal, confirmed) => startRun({
      signal,
      host,
      engine,
      policyText: texts.policy,
      policyPath: values.policy,
      jira: url,
      auditPath: audit,
      auditKey: auditKey(values, ctx),
      asOf,
      asOfNow: values['as-of'] === undefined,
      sent,
      actor: values.actor,
      // Only the groups the policy needs (the engine's policyGroups); an invalid policy is reported by the plan.
      snapshotOptions: {
        ...(csv !== undefined ? { lastLoginCsv: csv } : {}),
        ...(engine.validate(texts.policy, null).type === 'success' ? { scope: { policy: texts.policy, engine } } : {}),
      },
      readonlyFallback: fallback,
      concurrency: conc,
      onWarnings: (warnings) => {
        doneReading();
        report({ type: 'success', warnings }, { ...files, snapshot: `snapshot from ${url}` }, ctx.io);
      },
      show: values.json ? undefined : (plan) => showPlan(ctx, plan, { policyText: texts.policy, asOfSource, limit }),
      confirm: confirmed(confirmer(ctx, Boolean(values.yes), 'actions')),
      onReplan: ({ changed }) => {
        ctx.io.err(
          changed
            ? 'The plan expired while waiting for the answer (limits.maxSnapshotAgeMinutes). The users were read again and the plan changed: check it and confirm again.'
            : 'The plan expired while waiting for the answer (limits.maxSnapshotAgeMinutes). The users were read again; the plan is the same.',
        );
      },
      progress: values.json ? undefined : progressFactory(ctx),
    })));
  } catch (e) {
    if (e?.name === 'PlanFailed') {
      report(e.result, { ...files, snapshot: `snapshot from ${url}` }, ctx.io);
      return 2;
    }
    throw e;
  }
  if (values.json) ctx.io.out(JSON.stringify({ runId: res.runId, totals: res.totals, exitCode: res.exitCode, outcomes: res.outcomes }));
  else summary(ctx, res, audit);
  return res.exitCode;
}

/**
 * The warnings sent, from the record in the Jira store, when the policy has warn rules (a warn
 * rule acts only on users warned long enough ago). Unreadable → none: every such action waits.
 */
async function warningsSent(ctx, url, policyText) {
  const { policyWarns, loadSent } = await import('../../../app/warn-record.mjs');
  if (!policyWarns(policyText)) return undefined;
  try {
    const { createStore } = await import('../../store/index.mjs');
    const r = await loadSent(createStore({ baseUrl: url, token: ctx.env.USER_CLEANUP_TOKEN }));
    for (const p of r.problems) ctx.io.err(sanitize(`warning: ${p.message}`));
    if (r.maybeSent.length) ctx.io.err(sanitize(`${plural(r.maybeSent.length, 'warning')} may have been sent (no result recorded): not counted as sent (see user-cleanup warn)`));
    return r.sent;
  } catch (e) {
    ctx.io.err(sanitize(`The record of warnings sent could not be read from Jira (${e?.message ?? e}): the warn rules' actions all wait for their warning.`));
    return [];
  }
}

function totalsLine(t) {
  return `${t.done} done, ${t.failed} failed, ${t.skipped} skipped${t.review ? `, ${t.review} review only` : ''}${t.blocked ? `, ${t.blocked} blocked` : ''}${t.notStarted ? `, ${t.notStarted} not started (stopped)` : ''}`;
}

function summary(ctx, res, audit) {
  const c = ctx.c;
  ctx.io.out('', c.bold(sanitize(`run ${res.runId}: ${totalsLine(res.totals)}`)));
  const failed = res.outcomes.filter((o) => o.status === 'failed');
  for (const o of failed.slice(0, 50)) ctx.io.out(c.red(sanitize(`  failed  ${o.user} ${o.action}: ${o.reason}`)));
  if (failed.length > 50) ctx.io.out(`  … and ${plural(failed.length - 50, 'more failure')}`);
  ctx.io.out(sanitize(`audit trail: ${audit}  (undo: user-cleanup undo --run ${res.runId} --audit ${audit} --jira URL)`));
}
