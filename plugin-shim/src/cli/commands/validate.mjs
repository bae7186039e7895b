// validate: every problem of a policy (and of a snapshot, cross-checked with it), or "OK".
import { parseCommand } from '../args.mjs';
import { EXIT_OK } from '../errors.mjs';
import { displayPath } from '../io.mjs';
import { sanitize } from '../text.mjs';
import { requireFlags, readFiles, expectSuccess } from './shared.mjs';

export async function validate(argv, ctx) {
  const { values } = parseCommand('validate', argv);
  requireFlags(values, ['policy'], 'validate');
  const files = { policy: values.policy, snapshot: values.snapshot };
  const texts = readFiles(files, 'validate');

  const engine = await ctx.engine();
  const result = engine.validate(texts.policy, texts.snapshot ?? null);
  const value = expectSuccess(result, files, ctx.io);

  if (values.json) {
    ctx.io.out(JSON.stringify(value));
    return EXIT_OK;
  }
  const n = result.warnings?.length ?? 0;
  const warned = n ? ` (${n} ${n === 1 ? 'warning' : 'warnings'} on stderr)` : '';
  const count = (k, one) => `${k} ${k === 1 ? one : `${one}s`}`;
  ctx.io.out(
    `policy OK: ${count(value.rules ?? 0, 'rule')}, ${count(value.schedules ?? 0, 'schedule')}` +
      (texts.snapshot === undefined ? warned : ''),
  );
  if (texts.snapshot !== undefined) {
    ctx.io.out(`snapshot OK: ${count(value.users ?? 0, 'user')} (${sanitize(displayPath(files.snapshot))})${warned}`);
  }
  return EXIT_OK;
}
