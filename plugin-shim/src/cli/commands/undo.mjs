// undo: reactivate the users and re-add the groups a run changed, from its audit trail.
import { parseCommand } from '../args.mjs';
import { sanitize, plural } from '../text.mjs';
import { requireFlags } from './shared.mjs';
import { connect, confirmer, progressFactory, DEFAULT_AUDIT } from '../runner.mjs';
import { undoRun } from '../../runner/undo.mjs';
import { auditKey } from './audit.mjs';
import { withRunLease } from '../../store/run-lease.mjs';

export async function undo(argv, ctx) {
  const { values } = parseCommand('undo', argv);
  requireFlags(values, ['run', 'jira'], 'undo');
  const audit = values.audit ?? DEFAULT_AUDIT;
  const engine = await ctx.engine();
  const { host, url } = await connect(ctx, values.jira);
  // One run at a time per Jira: an undo changes Jira too, so it takes the run lease like run, the page and the daemon.
  const res = await withRunLease({ url, token: ctx.env.USER_CLEANUP_TOKEN, onNote: (m) => ctx.io.err(m) }, () => undoRun({
    host,
    engine,
    auditPath: audit,
    auditKey: auditKey(values, ctx),
    runId: values.run,
    user: values.user,
    jira: url,
    show: values.json ? undefined : (changes) => showUndo(ctx, values.run, changes),
    confirm: confirmer(ctx, Boolean(values.yes), 'restores'),
    progress: values.json ? undefined : progressFactory(ctx),
  }));
  if (values.json) ctx.io.out(JSON.stringify(res));
  else if (res.nothing) ctx.io.out(sanitize(`nothing to undo for run ${values.run}${values.user ? ` and user ${values.user}` : ''}: it changed nothing, or it is already undone`));
  else ctx.io.out(sanitize(`undo ${res.undoId} of ${values.run}: ${res.totals.done} restored, ${res.totals.failed} failed, ${res.totals.skipped} skipped`));
  return res.exitCode;
}

/** Every user and every group the undo would restore, before the confirmation. */
function showUndo(ctx, runId, changes) {
  ctx.io.out(sanitize(`Undo of ${runId}: ${plural(changes.length, 'user')} to restore (only what Jira does not already show is changed):`));
  for (const c of changes) {
    const what = [c.reactivate ? 'reactivate' : null, c.groups.length ? `add to ${c.groups.join(', ')}` : null,
      c.leads ? `lead of ${c.leads.projects.join(', ')} again (where ${c.leads.projectLead} still leads them)` : null].filter(Boolean).join('; ');
    ctx.io.out(sanitize(`  ${c.user}: ${what}`));
  }
  ctx.io.flush();
}
