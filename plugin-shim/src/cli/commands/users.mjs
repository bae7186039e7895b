// users: every user of a snapshot (or read from Jira) that a filter matches, with the facts and the
// reasons they match — the engine's `query` (docs/query.md); --json prints its answer, --csv a
// neutralised CSV (runner/csv.mjs), else a table. Also the reading half of `bulk` and `review`.
import { writeFileSync } from 'node:fs';
import { parseCommand, nowInstant } from '../args.mjs';
import { EXIT_OK, InputError } from '../errors.mjs';
import { UsageError } from '../errors.mjs';
import { table } from '../table.mjs';
import { sanitize, plural, day } from '../text.mjs';
import { requireFlags, rowLimit, readFiles, expectSuccess } from './shared.mjs';
import { filterFrom, USER_CSV_HEADER, userCsvRow } from './users-filter.mjs';
import { toCsv } from '../../runner/csv.mjs';
import { connect } from '../runner.mjs';


/**
 * The snapshot text and the engine's query answer for `values` (shared with bulk and review).
 * → {value, snapshotText, files, url?, host?}
 */
export async function queryUsers(values, ctx, command, { filter = filterFrom(values, command), host: given } = {}) {
  if ((values.snapshot === undefined) === (values.jira === undefined)) throw new UsageError('give one of --snapshot FILE or --jira URL', command);
  const files = { policy: values.policy, snapshot: values.snapshot };
  const texts = readFiles(files, command);
  const engine = await ctx.engine();
  let snapshotText = texts.snapshot;
  let host = given;
  let url;
  if (values.jira !== undefined) {
    if (!host) {
      const c = await connect(ctx, values.jira);
      host = c.host;
      url = c.url;
      await host.assertAdmin();
      // Every group's members: a filter may name any group.
      snapshotText = JSON.stringify(await host.snapshot());
      c.doneReading();
    }
    files.snapshot = `snapshot from ${url ?? values.jira}`;
  }
  const asOf = values['as-of'] ?? nowInstant();
  const options = { asOf, ...(values.actor ? { actor: values.actor } : {}) };
  const policyText = values.policyText ?? texts.policy ?? null;
  const value = expectSuccess(engine.query(policyText, snapshotText, filter, options), { ...files, input: 'filter' }, ctx.io);
  return { value, snapshotText, policyText, files, url, host, engine, asOf, filter };
}

export async function users(argv, ctx) {
  const { values } = parseCommand('users', argv);
  if (values.json && values.csv) throw new UsageError('--json and --csv cannot both be given', 'users');
  if (values.out !== undefined && !values.json && !values.csv) throw new UsageError('--out needs --json or --csv', 'users');
  const limit = rowLimit(values, 'users');
  const { value } = await queryUsers(values, ctx, 'users');
  if (values.json || values.csv) {
    const text = values.json ? `${JSON.stringify(value)}\n` : toCsv(USER_CSV_HEADER, value.users.map(userCsvRow));
    if (values.out !== undefined) {
      const { writeSecure } = await import('../../runner/files.mjs');
      try {
        writeSecure(values.out, text);
      } catch (e) {
        throw new InputError(`${values.out}: cannot write: ${e.message}`);
      }
      ctx.io.err(sanitize(`${plural(value.users.length, 'user')} written to ${values.out}`));
    } else ctx.stdout.write(text);
    return EXIT_OK;
  }
  ctx.io.out(...renderUsers(value, { limit, width: ctx.width, c: ctx.c }));
  return EXIT_OK;
}

export function renderUsers(value, { limit, width, c }) {
  const shown = value.users.slice(0, limit);
  const lines = [c.bold(`${plural(value.total ?? value.users.length, 'user')} match${value.users.length === 1 ? 'es' : ''} (as of ${value.asOf})`)];
  if (shown.length) {
    lines.push(...table({
      columns: [
        { header: 'USER', min: 6 }, { header: 'NAME', give: 2 }, { header: 'EMAIL', give: 2 }, { header: 'ACTIVE', shrink: false },
        { header: 'LAST LOGIN', shrink: false }, { header: 'DAYS', align: 'right', shrink: false }, { header: 'BUCKET' }, { header: 'PROTECTED', give: 3 }, { header: 'REVIEW' },
      ],
      rows: shown.map((u) => [u.name, u.displayName, u.email ?? '', u.active ? 'yes' : 'no', u.lastLogin === undefined ? 'not known' : day(u.lastLogin), u.daysInactive ?? '', u.bucket,
        u.protected?.reason ?? '', u.review ?? '']),
      width,
      c,
    }));
  }
  if (value.users.length > shown.length) lines.push(`  … ${plural(value.users.length - shown.length, 'more user')} (--all or --limit N to list them; --csv or --json for every one)`);
  const b = value.counts?.buckets ?? {};
  lines.push('', `buckets: ${Object.entries(b).map(([k, n]) => `${k} ${n}`).join(', ')}`);
  return lines;
}
