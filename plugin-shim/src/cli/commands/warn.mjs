// warn: send the warning emails of the policy's warn rules now (docs/warnings.md). Who is warned
// is the engine's answer; the record of warnings sent lives in the Jira store (the page's) and
// every intent and result also goes to the audit trail in Jira. Shows who gets a warning, asks
// for the number, sends. Holds the run lease meanwhile (one run or send at a time per Jira).
import { hostname } from 'node:os';
import { parseCommand } from '../args.mjs';
import { UsageError } from '../errors.mjs';
import { sanitize, plural } from '../text.mjs';
import { report } from '../problems.mjs';
import { requireFlags, readFiles } from './shared.mjs';
import { connect, confirmer } from '../runner.mjs';
import { describeSmtp } from '../../mail/send.mjs';
import { clockMs, instant, jiraClock } from '../../runner/clock.mjs';

export async function warn(argv, ctx) {
  const { values } = parseCommand('warn', argv);
  requireFlags(values, ['jira'], 'warn');
  const engine = await ctx.engine();
  const { createStore, openJiraTrail } = await import('../../store/index.mjs');
  const { openWarningRecord } = await import('../../../app/warn-record.mjs');
  const { sendWarnings, planWarnings } = await import('../../runner/warn.mjs');
  const { host, url, doneReading } = await connect(ctx, values.jira);
  const store = createStore({ baseUrl: url, token: ctx.env.USER_CLEANUP_TOKEN, storageUser: values['storage-user'] });

  let policyText;
  let policyFrom;
  if (values.policy !== undefined) {
    policyText = readFiles({ policy: values.policy }, 'warn').policy;
    policyFrom = values.policy;
  } else {
    const saved = await store.loadPolicy();
    if (saved.text === null) {
      throw new UsageError(saved.missing === 'account' ? `no policy is saved in ${url}: the storage account does not exist (create it in the admin page's Rules view), or pass --policy FILE` : `no policy is saved in ${url} yet: save one in the admin page, or pass --policy FILE`, 'warn');
    }
    policyText = saved.text;
    policyFrom = `the policy saved in Jira (revision ${saved.revision})`;
  }
  const v = engine.validate(policyText, null);
  if (v.type !== 'success') {
    report(v, { policy: policyFrom }, ctx.io);
    return 2;
  }
  await host.assertAdmin();
  const me = await host.whoami();
  const actor = values.actor ?? me?.name;
  const snapshot = await host.snapshot({ scope: { policy: policyText, engine } });
  doneReading();
  // Without --as-of, "now" is Jira's clock (runner/clock.mjs), as the runs that read the record
  // decide on it: a sentAt from a machine running ahead would not count there (options.sentInFuture).
  const asOf = values['as-of'] ?? instant(Math.floor(clockMs(await jiraClock(host)) / 1000) * 1000);
  const record = await openWarningRecord(store);
  for (const p of record.problems) ctx.io.err(sanitize(`warning: ${p.message}`));
  const resendMaybeSent = Boolean(values['resend-maybe-sent']);
  const preview = planWarnings({ engine, policyText, snapshot, asOf, actor, entries: record.entries, resendMaybeSent });
  // Records dated after now (forged, or a wrong clock): not counted, those users are warned now.
  for (const p of preview.sentInFuture) ctx.io.err(sanitize(`warning: ${p.message} [${p.code}]`));
  const c = ctx.c;
  const w = preview.warnings;
  if (!values.json) {
    ctx.io.out(c.bold(sanitize(`Warnings as of ${asOf} (${policyFrom}); mail server: ${describeSmtp(ctx.env) ?? 'not configured (USER_CLEANUP_SMTP_URL)'}`)));
    ctx.io.out(sanitize(`  warn now ${w.counts.warn} (of whom ${w.counts.upcoming} upcoming), waiting ${w.counts.wait}, may be acted on ${w.counts.act}`));
    for (const x of preview.todo) ctx.io.out(sanitize(`  send   ${x.w.user} <${x.w.email}>  rule ${x.w.rule}: ${x.w.reason}${x.retry ? ` (retry: last attempt ${x.retry.code})` : ''}`));
    for (const x of preview.noEmail) ctx.io.out(c.yellow(sanitize(`  no email  ${x.w.user}  rule ${x.w.rule}: cannot be warned, so the rule does not act on them`)));
    for (const x of preview.maybeSent) {
      ctx.io.out(c.yellow(sanitize(`  maybe sent  ${x.w.user}  rule ${x.w.rule}: sending started ${x.since} and its result was never recorded; not sent again, and not counted as sent (check the mail server's log for ${x.messageId}, then --resend-maybe-sent if it never left)`)));
    }
  }
  if (!preview.todo.length && !preview.noEmail.some((x) => !x.recorded)) {
    if (values.json) ctx.io.out(JSON.stringify({ sent: 0, counts: w.counts, maybeSent: preview.maybeSent.map((x) => ({ user: x.w.user, rule: x.w.rule, messageId: x.messageId })) }));
    else ctx.io.out('Nothing to send.');
    return 0;
  }
  if (preview.todo.length) await confirmer(ctx, Boolean(values.yes), 'warning emails')(preview.todo.length);

  const owner = `cli-${hostname()}-${process.pid}`;
  const lease = await store.acquireRunLease({ owner, node: owner, ttlMs: 10 * 60_000, data: { warn: true } });
  let res;
  try {
    const trail = await openJiraTrail(store);
    try {
      res = await sendWarnings({
        engine, policyText, snapshot, asOf, actor, store, record, trail, via: 'cli', resendMaybeSent,
        mail: { env: ctx.env },
        onResult: values.json ? undefined : (r) => ctx.io.out(sanitize(r.status === 'sent' ? `  sent    ${r.user} <${r.email}>` : r.status === 'failed' ? `  FAILED  ${r.user} <${r.email}>: ${r.reason} [${r.code}]` : `  skipped ${r.user}: ${r.reason}`)),
      });
    } finally {
      await trail.close?.();
    }
  } finally {
    await store.releaseRunLease(lease).catch(() => {});
  }
  if (values.json) {
    ctx.io.out(JSON.stringify({ runId: res.runId, counts: res.counts, results: res.results, maybeSent: res.maybeSent }));
  } else {
    ctx.io.out(c.bold(sanitize(`warnings ${res.runId}: ${plural(res.counts.sent, 'sent', 'sent')}, ${res.counts.failed} failed (retried on the next run), ${res.counts.skipped} without email, ${res.counts.maybeSent} maybe sent`)));
  }
  return res.counts.failed ? 1 : 0;
}
