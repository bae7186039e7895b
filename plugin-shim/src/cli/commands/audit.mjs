// audit verify FILE: recompute the hash chain (and the MACs, with the audit key), report the first
//   bad line (exit 0 / 1).
// audit export FILE --csv [--out F]: the trail as CSV for auditors (written 0600).
// audit reconcile --audit FILE [--audit FILE2 ...] --jira URL [--run ID]: compare the trail with
//   Jira's own audit log (runner/reconcile.mjs); exit 0 consistent, 1 any mismatch.
// The audit key comes from --audit-key-file or USER_CLEANUP_AUDIT_KEY and is never printed.
import { parseCommand } from '../args.mjs';
import { UsageError, InputError, EXIT_OK } from '../errors.mjs';
import { readInput, displayPath } from '../io.mjs';
import { sanitize, plural } from '../text.mjs';
import { connect } from '../runner.mjs';
import { verifyText } from '../../runner/chain.mjs';
import { trailCsv } from '../../runner/report.mjs';
import { loadAuditKey, TrailError, AUDIT_KEY_ENV } from '../../runner/trail.mjs';
import { writeSecure } from '../../runner/files.mjs';
import { reconcileRun, reconcileTrail, reconcileWindow, RECONCILE_SLACK_MS } from '../../runner/reconcile.mjs';

const SUBS = ['verify', 'export', 'reconcile'];
const EXIT_MISMATCH = 1;

/** The audit key of --audit-key-file or USER_CLEANUP_AUDIT_KEY (null: none); a bad one is exit 2. */
export function auditKey(values, ctx) {
  try {
    return loadAuditKey({ env: ctx.env ?? {}, file: values['audit-key-file'] });
  } catch (e) {
    if (e instanceof TrailError) throw new InputError(e.message);
    throw e;
  }
}

function macNote(result, file) {
  if (result.macs.checked) return `MACs: all ${plural(result.count, 'record')} verified with the audit key`;
  const why = `no audit key given (${AUDIT_KEY_ENV} or --audit-key-file)`;
  return result.macs.present
    ? `MACs: NOT checked, ${why}; ${result.macs.present} of ${result.count} records of ${file} carry one`
    : `MACs: not checked, ${why}; this trail carries none`;
}

export async function audit(argv, ctx) {
  const { values, positionals } = parseCommand('audit', argv);
  const [sub, ...rest] = positionals;
  if (!SUBS.includes(sub)) throw new UsageError('give a subcommand: audit verify FILE, audit export FILE --csv, or audit reconcile --audit FILE --jira URL', 'audit');
  if (sub === 'reconcile') return reconcile(values, rest, ctx);
  for (const f of ['jira', 'run', 'audit']) {
    if (values[f] !== undefined) throw new UsageError(`--${f} belongs to audit reconcile`, 'audit');
  }
  const [file, ...extra] = rest;
  if (file === undefined) throw new UsageError(`audit ${sub} needs the trail FILE`, 'audit');
  if (extra.length) throw new UsageError(`unexpected argument ${JSON.stringify(extra[0])}`, 'audit');
  const key = auditKey(values, ctx);
  const text = readInput(file, 'audit trail');
  const result = await verifyText(text, { key });
  if (sub === 'verify') {
    if (values.csv || values.out !== undefined) throw new UsageError('--csv and --out belong to audit export', 'audit');
    if (values.json) {
      ctx.io.out(JSON.stringify({ ok: result.ok, records: result.count, error: result.error ?? null, warnings: result.warnings, macs: result.macs }));
    } else if (result.ok) {
      ctx.io.out(sanitize(`OK: ${displayPath(file)}: ${result.count} records, hash chain intact`), sanitize(macNote(result, displayPath(file))));
    } else {
      ctx.io.out(sanitize(`BROKEN: ${displayPath(file)}: line ${result.error.line}: ${result.error.message}`));
    }
    for (const w of result.warnings) ctx.io.err(sanitize(`warning: ${w}`));
    return result.ok ? EXIT_OK : EXIT_MISMATCH;
  }
  if (!values.csv) throw new UsageError('audit export needs --csv (the only format)', 'audit');
  if (values.json) throw new UsageError('--json belongs to audit verify and audit reconcile', 'audit');
  if (!result.ok) throw new InputError(sanitize(`${displayPath(file)}: the audit trail does not verify, not exporting: line ${result.error.line}: ${result.error.message}`));
  if (!result.macs.checked && result.macs.present) ctx.io.err(sanitize(`warning: ${macNote(result, displayPath(file))}`));
  const csv = trailCsv(result.records);
  if (values.out === undefined || values.out === '-') (ctx.stdout ?? process.stdout).write(csv);
  else {
    try {
      writeSecure(values.out, csv);
    } catch (e) {
      throw new InputError(sanitize(e.message));
    }
  }
  return EXIT_OK;
}

const changeText = (c) => (c.group !== undefined ? `${c.action} ${c.group}` : c.action);

async function reconcile(values, rest, ctx) {
  if (values.csv || values.out !== undefined) throw new UsageError('--csv and --out belong to audit export', 'audit');
  if (values.jira === undefined) throw new UsageError('audit reconcile needs --jira URL (Jira\'s audit log is read from there)', 'audit');
  const files = [...(values.audit ?? []), ...rest];
  if (files.length === 0) throw new UsageError('audit reconcile needs the trail: --audit FILE', 'audit');
  const key = auditKey(values, ctx);
  const records = [];
  const warnings = [];
  for (const file of files) {
    const result = await verifyText(readInput(file, 'audit trail'), { key });
    if (!result.ok) {
      const msg = `BROKEN: ${displayPath(file)}: line ${result.error.line}: ${result.error.message}`;
      if (values.json) ctx.io.out(JSON.stringify({ ok: false, error: { file, ...result.error } }));
      else ctx.io.out(sanitize(msg));
      return EXIT_MISMATCH;
    }
    if (!result.macs.checked && result.macs.present) warnings.push(macNote(result, displayPath(file)));
    records.push(...result.records);
  }
  const runId = values.run;
  const now = Date.now();
  const window = reconcileWindow(records, runId, { now });
  if (window === null) {
    if (runId !== undefined) throw new InputError(sanitize(`${files.map(displayPath).join(', ')}: no run ${JSON.stringify(runId)} in the audit trail`));
    if (values.json) ctx.io.out(JSON.stringify({ ok: true, runs: [], removed: [], window: null }));
    else ctx.io.out('nothing to reconcile: the trail holds no run');
    return EXIT_OK;
  }
  const { host } = await connect(ctx, values.jira);
  await host.assertAdmin();
  let events;
  try {
    events = await host.auditEvents(window);
  } catch (e) {
    if (e?.code?.startsWith?.('host.audit')) throw new InputError(sanitize(`--jira: cannot read Jira's audit log: ${e.reason ?? e.message}`));
    throw e;
  }
  const result = runId !== undefined ? wrapRun(reconcileRun(records, runId, events)) : reconcileTrail(records, events, { to: window.to });
  for (const w of warnings) ctx.io.err(sanitize(`warning: ${w}`));
  if (values.json) {
    ctx.io.out(JSON.stringify(forJson(result, events.length)));
  } else {
    ctx.io.out(...readable(result, { files, events: events.length, window }).map((l) => sanitize(l)));
  }
  return result.ok ? EXIT_OK : EXIT_MISMATCH;
}

const wrapRun = (r) => ({ ok: r.ok, runs: [r], removed: [], authors: r.authors, window: r.window });

/** JSON without the raw Jira events' bulk: each event as {at, author, action, user, group?}. */
function forJson(result, eventCount) {
  const ev = (e) => (e ? { at: e.at, author: e.author, action: e.action, user: e.user, ...(e.group !== undefined ? { group: e.group } : {}) } : undefined);
  const rec = (r) => (r ? { seq: r.seq, at: r.at, type: r.type, item: r.item } : undefined);
  return {
    ok: result.ok,
    window: result.window,
    authors: result.authors,
    events: eventCount,
    runs: result.runs.map((r) => ({
      runId: r.runId,
      kind: r.kind,
      ok: r.ok,
      window: r.window,
      segments: r.segments,
      matched: r.matched.length,
      forged: r.forged.map((f) => ({ user: f.user, change: f.change, record: rec(f.record) })),
      removed: r.removed.map((f) => ({ user: f.user, change: f.change, event: ev(f.event) })),
      interrupted: r.interrupted.map((f) => ({ user: f.user, change: f.change, intent: rec(f.intent), event: ev(f.event) })),
      problems: r.problems,
    })),
    removed: result.removed.map((f) => ({ user: f.user, change: f.change, event: ev(f.event) })),
  };
}

function readable(result, { files, events, window }) {
  const lines = [];
  const head = result.ok ? 'CONSISTENT' : 'MISMATCH';
  lines.push(`${head}: ${files.map(displayPath).join(', ')} against Jira's audit log, ${window.from} to ${window.to} (${plural(events, 'event')} read; ±${RECONCILE_SLACK_MS / 60_000} min around each run)`);
  for (const r of result.runs) {
    const counts = `${r.matched.length} matched, ${r.forged.length} forged, ${r.removed.length} removed${r.interrupted.length ? `, ${r.interrupted.length} interrupted` : ''}`;
    lines.push(`${r.ok ? 'ok      ' : 'MISMATCH'} ${r.kind} ${r.runId} by ${r.authors.join(', ') || 'an unknown account'}: ${counts}`);
    for (const f of r.forged) lines.push(`  forged:  ${f.user} ${changeText(f.change)} — the trail says so (line ${f.record.seq}, ${f.record.at}) but Jira's audit log has no such change by ${r.authors.join('/') || '?'} during the run`);
    for (const f of r.removed) lines.push(`  removed: ${f.user} ${changeText(f.change)} — Jira recorded it at ${f.event.at} by ${f.event.author} during the run, the trail has no outcome for it`);
    for (const f of r.interrupted) lines.push(`  interrupted: ${f.user} ${changeText(f.change)} — announced (line ${f.intent.seq}) and done in Jira at ${f.event.at}, no outcome recorded (resume the run)`);
    for (const p of r.problems) lines.push(`  problem: ${p}`);
  }
  for (const f of result.removed) {
    lines.push(`removed: ${f.user} ${changeText(f.change)} — Jira recorded it at ${f.event.at} by ${f.event.author}, and no run in the trail covers that time (a run removed from the trail?)`);
  }
  if (!result.ok && result.runs.some((r) => r.forged.length) && events === 0) {
    lines.push('note: Jira returned no audit events at all for this period: events older than the audit log\'s retention period are gone, and the audit log\'s coverage must include user management');
  }
  return lines;
}
