// audit verify FILE: recompute the hash chain, report the first bad line (exit 0 / 1).
// audit export FILE --csv [--out F]: the trail as CSV for auditors.
import { readFileSync, writeFileSync } from 'node:fs';
import { parseCommand } from '../args.mjs';
import { UsageError, InputError, EXIT_OK } from '../errors.mjs';
import { readInput } from '../io.mjs';
import { sanitize } from '../text.mjs';
import { verifyText } from '../../runner/chain.mjs';
import { trailCsv } from '../../runner/report.mjs';

export async function audit(argv, ctx) {
  const { values, positionals } = parseCommand('audit', argv);
  const [sub, file, ...extra] = positionals;
  if (sub !== 'verify' && sub !== 'export') throw new UsageError('give a subcommand: audit verify FILE, or audit export FILE --csv', 'audit');
  if (file === undefined) throw new UsageError(`audit ${sub} needs the trail FILE`, 'audit');
  if (extra.length) throw new UsageError(`unexpected argument ${JSON.stringify(extra[0])}`, 'audit');
  const text = readInput(file, 'audit trail');
  const result = await verifyText(text);
  if (sub === 'verify') {
    if (values.csv || values.out !== undefined) throw new UsageError('--csv and --out belong to audit export', 'audit');
    if (values.json) {
      ctx.io.out(JSON.stringify({ ok: result.ok, records: result.count, error: result.error ?? null, warnings: result.warnings }));
    } else if (result.ok) {
      ctx.io.out(sanitize(`OK: ${file}: ${result.count} records, hash chain intact`));
    } else {
      ctx.io.out(sanitize(`BROKEN: ${file}: line ${result.error.line}: ${result.error.message}`));
    }
    for (const w of result.warnings) ctx.io.err(sanitize(`warning: ${w}`));
    return result.ok ? EXIT_OK : 1;
  }
  if (!values.csv) throw new UsageError('audit export needs --csv (the only format)', 'audit');
  if (!result.ok) throw new InputError(sanitize(`${file}: the audit trail does not verify, not exporting: line ${result.error.line}: ${result.error.message}`));
  const csv = trailCsv(result.records);
  if (values.out === undefined || values.out === '-') (ctx.stdout ?? process.stdout).write(csv);
  else writeFileSync(values.out, csv);
  return EXIT_OK;
}
