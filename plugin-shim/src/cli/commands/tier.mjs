// tier: which users to free so that an application role fits a target.
import { parseCommand, nowInstant, wholeNumber } from '../args.mjs';
import { UsageError, EXIT_OK } from '../errors.mjs';
import { renderTier } from '../render/tier.mjs';
import { requireFlags, rowLimit, readFiles, expectSuccess, defined } from './shared.mjs';

export async function tier(argv, ctx) {
  const { values } = parseCommand('tier', argv);
  requireFlags(values, ['policy', 'snapshot', 'role'], 'tier');
  const targetSeats = wholeNumber(values['target-seats'], 'target-seats', 'tier');
  const headroom = wholeNumber(values.headroom, 'headroom', 'tier');
  const nextLowerTier = values['next-lower-tier'] ? true : undefined;
  const targets = [targetSeats, headroom, nextLowerTier].filter((t) => t !== undefined).length;
  if (targets !== 1) {
    throw new UsageError(
      `${targets ? 'give only one' : 'give one'} of --target-seats N, --headroom N, --next-lower-tier`,
      'tier',
    );
  }
  const limit = rowLimit(values, 'tier');
  const files = { policy: values.policy, snapshot: values.snapshot };
  const texts = readFiles(files, 'tier');
  const asOfSource = values['as-of'] === undefined ? 'now' : '--as-of';
  const asOf = values['as-of'] ?? nowInstant();

  const engine = await ctx.engine();
  const options = defined({ asOf, actor: values.actor, role: values.role, targetSeats, headroom, nextLowerTier });
  const value = expectSuccess(engine.planTier(texts.policy, texts.snapshot, options), files, ctx.io);

  if (values.json) {
    ctx.io.out(JSON.stringify(value));
    return EXIT_OK;
  }
  ctx.io.out(...renderTier(value, { asOf, asOfSource, limit, width: ctx.width, c: ctx.c }));
  return EXIT_OK;
}
