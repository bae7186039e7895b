// preview: the Plan for a policy over a snapshot. --json prints the Plan (the engine's value).
import { parseCommand, nowInstant, wholeNumber } from '../args.mjs';
import { UsageError, EXIT_OK } from '../errors.mjs';
import { parseQuietly, readInput } from '../io.mjs';
import { renderPlan } from '../render/plan.mjs';
import { requireFlags, rowLimit, readFiles, expectSuccess, defined } from './shared.mjs';
import { connect } from '../runner.mjs';
import { planWithOpenAssigned } from '../../host/plan-impact.mjs';

export async function preview(argv, ctx) {
  const { values } = parseCommand('preview', argv);
  if (values.jira !== undefined && values.snapshot !== undefined) {
    throw new UsageError('give --snapshot FILE or --jira URL, not both', 'preview');
  }
  requireFlags(values, values.jira !== undefined ? ['policy'] : ['policy', 'snapshot'], 'preview');
  const limit = rowLimit(values, 'preview');
  const files = { policy: values.policy, snapshot: values.snapshot };
  const texts = readFiles(files, 'preview');
  if (values['last-login-csv'] !== undefined && values.jira === undefined) {
    throw new UsageError('--last-login-csv goes with --jira (a snapshot file already holds the last logins)', 'preview');
  }
  if (values['audit-window-days'] !== undefined && values.jira === undefined) {
    throw new UsageError('--audit-window-days goes with --jira (a snapshot file already holds the creation dates)', 'preview');
  }
  const asOfSource = values['as-of'] === undefined ? 'now' : '--as-of';
  const asOf = values['as-of'] ?? nowInstant();
  const planOptions = JSON.stringify(defined({ asOf, actor: values.actor }));
  if (values.jira !== undefined) {
    const auditWindowDays = wholeNumber(values['audit-window-days'], 'audit-window-days', 'preview', { min: 1 });
    const csv = values['last-login-csv'] !== undefined ? readInput(values['last-login-csv'], 'last-login CSV') : undefined;
    // The same plan as with --snapshot, over a snapshot read from Jira now (admins only).
    const { host, url, doneReading } = await connect(ctx, values.jira);
    await host.assertAdmin();
    // Only the groups the policy needs (the engine's policyGroups): the plan is the same, the read shorter.
    const eng = await ctx.engine();
    const scope = eng.validate(texts.policy, null).type === 'success' ? { policy: texts.policy, engine: eng } : undefined;
    // Creation dates from the audit log (where the CSV gives none), then open assigned issues
    // counted for the users the plan selects: plan, count, plan again (plan-impact.mjs).
    const snap = await host.snapshot({ ...(csv !== undefined ? { lastLoginCsv: csv } : {}), ...(scope ? { scope } : {}), creationDates: true, ...(auditWindowDays !== undefined ? { auditWindowDays } : {}) });
    if (scope) await planWithOpenAssigned({ host, engine: eng, policyText: texts.policy, snapshot: snap, options: JSON.parse(planOptions) });
    texts.snapshot = JSON.stringify(snap);
    doneReading();
    files.snapshot = `snapshot from ${url}`;
  }

  const engine = await ctx.engine();
  const result = JSON.parse(engine.planJson(texts.policy, texts.snapshot, planOptions));
  const plan = expectSuccess(result, files, ctx.io);

  if (values.json) {
    ctx.io.out(JSON.stringify(plan));
    return EXIT_OK;
  }
  const ruleOrder = (parseQuietly(texts.policy)?.rules ?? []).map((r) => r?.id).filter((id) => typeof id === 'string');
  ctx.io.out(...renderPlan(plan, { asOfSource, ruleOrder, limit, width: ctx.width, c: ctx.c }));
  return EXIT_OK;
}
