// dashboard: activity buckets, roles, groups and external domains of a snapshot (a file, or read
// from Jira with --jira); with a policy that warns, also whether the warnings work.
import { parseCommand, nowInstant, wholeNumber } from '../args.mjs';
import { UsageError, EXIT_OK } from '../errors.mjs';
import { readInput } from '../io.mjs';
import { renderDashboard } from '../render/dashboard.mjs';
import { requireFlags, readFiles, expectSuccess, defined } from './shared.mjs';
import { connect } from '../runner.mjs';
import { readSent, outcomes, renderWarningOutcomes } from './dashboard-warnings.mjs';

export async function dashboard(argv, ctx) {
  const { values } = parseCommand('dashboard', argv);
  if (values.jira !== undefined && values.snapshot !== undefined) {
    throw new UsageError('give --snapshot FILE or --jira URL, not both', 'dashboard');
  }
  if (values.jira === undefined) requireFlags(values, ['snapshot'], 'dashboard');
  if (values['last-login-csv'] !== undefined && values.jira === undefined) {
    throw new UsageError('--last-login-csv goes with --jira (a snapshot file already holds the last logins)', 'dashboard');
  }
  const lowUsageDays = wholeNumber(values['low-usage-days'], 'low-usage-days', 'dashboard');
  const inactiveDays = wholeNumber(values['inactive-days'], 'inactive-days', 'dashboard');
  const top = wholeNumber(values.top, 'top', 'dashboard') ?? 10;
  const files = { policy: values.policy, snapshot: values.snapshot };
  const texts = readFiles(files, 'dashboard');
  const asOfSource = values['as-of'] === undefined ? 'now' : '--as-of';
  const asOf = values['as-of'] ?? nowInstant();

  const engine = await ctx.engine();
  let url;
  if (values.jira !== undefined) {
    const csv = values['last-login-csv'] !== undefined ? readInput(values['last-login-csv'], 'last-login CSV') : undefined;
    // Every user and group (the dashboard counts them all), read from Jira now (admins only).
    const conn = await connect(ctx, values.jira);
    url = conn.url;
    await conn.host.assertAdmin();
    texts.snapshot = JSON.stringify(await conn.host.snapshot(csv !== undefined ? { lastLoginCsv: csv } : {}));
    conn.doneReading();
    files.snapshot = `snapshot from ${url}`;
  }
  const options = defined({ asOf, actor: values.actor, lowUsageDays, inactiveDays });
  const value = expectSuccess(engine.dashboard(texts.policy ?? null, texts.snapshot, options), files, ctx.io);

  // Only with a policy that warns: the record of warnings sent lives in Jira (none with --snapshot).
  let warned;
  if (texts.policy !== undefined) {
    const { policyWarns } = await import('../../../app/warn-record.mjs');
    if (policyWarns(texts.policy)) {
      const { sent, why } = await readSent(ctx, url);
      warned = { value: outcomes(engine, texts, files, sent, { asOf, actor: values.actor }, ctx.io), why };
    }
  }

  if (values.json) {
    // `warnings` is added (every other field is the engine's Dashboard, unchanged): the engine's
    // WarningOutcomes, null when the record was not read, absent when the policy does not warn.
    ctx.io.out(JSON.stringify(warned ? { ...value, warnings: warned.value } : value));
    return EXIT_OK;
  }
  const policyGiven = texts.policy !== undefined;
  ctx.io.out(...renderDashboard(value, { top, asOfSource, policyGiven, width: ctx.width, c: ctx.c }));
  if (warned) ctx.io.out(...renderWarningOutcomes(warned.value, warned.why, { width: ctx.width, c: ctx.c }));
  return EXIT_OK;
}
