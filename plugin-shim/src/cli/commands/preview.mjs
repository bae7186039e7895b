// preview: the Plan for a policy over a snapshot. --json prints the Plan (the engine's value).
import { parseCommand, nowInstant } from '../args.mjs';
import { UsageError, InputError, EXIT_OK } from '../errors.mjs';
import { parseQuietly } from '../io.mjs';
import { renderPlan } from '../render/plan.mjs';
import { requireFlags, rowLimit, readFiles, expectSuccess, defined } from './shared.mjs';

export async function preview(argv, ctx) {
  const { values } = parseCommand('preview', argv);
  if (values.jira !== undefined) {
    if (values.snapshot !== undefined) throw new UsageError('give --snapshot FILE or --jira URL, not both', 'preview');
    throw new InputError(
      '--jira: not available yet: the Jira host adapter is not built; use --snapshot FILE (a snapshot of the users exported from Jira)',
    );
  }
  requireFlags(values, ['policy', 'snapshot'], 'preview');
  const limit = rowLimit(values, 'preview');
  const files = { policy: values.policy, snapshot: values.snapshot };
  const texts = readFiles(files, 'preview');
  const asOfSource = values['as-of'] === undefined ? 'now' : '--as-of';
  const asOf = values['as-of'] ?? nowInstant();

  const engine = await ctx.engine();
  const result = JSON.parse(engine.planJson(texts.policy, texts.snapshot, JSON.stringify(defined({ asOf, actor: values.actor }))));
  const plan = expectSuccess(result, files, ctx.io);

  if (values.json) {
    ctx.io.out(JSON.stringify(plan));
    return EXIT_OK;
  }
  const ruleOrder = (parseQuietly(texts.policy)?.rules ?? []).map((r) => r?.id).filter((id) => typeof id === 'string');
  ctx.io.out(...renderPlan(plan, { asOfSource, ruleOrder, limit, width: ctx.width, c: ctx.c }));
  return EXIT_OK;
}
