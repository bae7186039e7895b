// dashboard: activity buckets, roles, groups and external domains of a snapshot.
import { parseCommand, nowInstant, wholeNumber } from '../args.mjs';
import { EXIT_OK } from '../errors.mjs';
import { renderDashboard } from '../render/dashboard.mjs';
import { requireFlags, readFiles, expectSuccess, defined } from './shared.mjs';

export async function dashboard(argv, ctx) {
  const { values } = parseCommand('dashboard', argv);
  requireFlags(values, ['snapshot'], 'dashboard');
  const lowUsageDays = wholeNumber(values['low-usage-days'], 'low-usage-days', 'dashboard');
  const inactiveDays = wholeNumber(values['inactive-days'], 'inactive-days', 'dashboard');
  const top = wholeNumber(values.top, 'top', 'dashboard') ?? 10;
  const files = { policy: values.policy, snapshot: values.snapshot };
  const texts = readFiles(files, 'dashboard');
  const asOfSource = values['as-of'] === undefined ? 'now' : '--as-of';
  const asOf = values['as-of'] ?? nowInstant();

  const engine = await ctx.engine();
  const options = defined({ asOf, actor: values.actor, lowUsageDays, inactiveDays });
  const value = expectSuccess(engine.dashboard(texts.policy ?? null, texts.snapshot, options), files, ctx.io);

  if (values.json) {
    ctx.io.out(JSON.stringify(value));
    return EXIT_OK;
  }
  const policyGiven = texts.policy !== undefined;
  ctx.io.out(...renderDashboard(value, { top, asOfSource, policyGiven, width: ctx.width, c: ctx.c }));
  return EXIT_OK;
}
