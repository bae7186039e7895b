// undo: reactivate the users and re-add the groups a run changed, from its audit trail.
import { parseCommand } from '../args.mjs';
import { sanitize } from '../text.mjs';
import { requireFlags } from './shared.mjs';
import { connect, confirmer, progressFactory, DEFAULT_AUDIT } from '../runner.mjs';
import { undoRun } from '../../runner/undo.mjs';
import { auditKey } from './audit.mjs';

export async function undo(argv, ctx) {
  const { values } = parseCommand('undo', argv);
  requireFlags(values, ['run', 'jira'], 'undo');
  const audit = values.audit ?? DEFAULT_AUDIT;
  const { host, url } = await connect(ctx, values.jira);
  const res = await undoRun({
    host,
    auditPath: audit,
    auditKey: auditKey(values, ctx),
    runId: values.run,
    user: values.user,
    jira: url,
    confirm: confirmer(ctx, Boolean(values.yes), 'restores'),
    progress: values.json ? undefined : progressFactory(ctx),
  });
  if (values.json) ctx.io.out(JSON.stringify(res));
  else if (res.nothing) ctx.io.out(sanitize(`nothing to undo for run ${values.run}${values.user ? ` and user ${values.user}` : ''}: it changed nothing, or it is already undone`));
  else ctx.io.out(sanitize(`undo ${res.undoId} of ${values.run}: ${res.totals.done} restored, ${res.totals.failed} failed, ${res.totals.skipped} skipped`));
  return res.exitCode;
}
