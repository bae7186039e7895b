// schedules: the next run instants of each schedule (the engine's nextRuns value).
import { parseCommand, nowInstant, wholeNumber } from '../args.mjs';
import { EXIT_OK } from '../errors.mjs';
import { parseQuietly } from '../io.mjs';
import { renderSchedules } from '../render/schedules.mjs';
import { requireFlags, readFiles, expectSuccess, defined } from './shared.mjs';

export async function schedules(argv, ctx) {
  const { values } = parseCommand('schedules', argv);
  requireFlags(values, ['policy'], 'schedules');
  const count = wholeNumber(values.count, 'count', 'schedules', { min: 1 }) ?? 5;
  const files = { policy: values.policy };
  const texts = readFiles(files, 'schedules');
  const fromSource = values.from === undefined ? 'now' : '--from';
  const from = values.from ?? nowInstant();

  const engine = await ctx.engine();
  const value = expectSuccess(engine.nextRuns(texts.policy, defined({ from, count })), files, ctx.io);

  if (values.json) {
    ctx.io.out(JSON.stringify(value));
    return EXIT_OK;
  }
  const details = new Map();
  for (const s of parseQuietly(texts.policy)?.schedules ?? []) {
    if (s && typeof s.id === 'string') details.set(s.id, { timezone: s.timezone, cron: s.cron, rules: s.rules });
  }
  ctx.io.out(...renderSchedules(value, { from, fromSource, count, details, width: ctx.width, c: ctx.c }));
  return EXIT_OK;
}
