// Undo a run from its trail: reactivate the users it deactivated and re-add the groups it removed
// (including read-only fallbacks), recorded in the same trail as an `undo-...` run:
//   undoStarted {undoOf, who, jira, user?} · planned {items} · intent/outcome per user · undoFinished.
// Only what the run's outcomes say it changed is restored, and only what is still missing in Jira
// (so undoing twice, or after someone restored a user by hand, changes nothing more).
// The logic is in undo-plan.mjs (browser-safe), shared with the admin page's History view.
import { userInfo } from 'node:os';
import { openTrail } from './trail.mjs';
import { undoable, undoItems } from './undo-plan.mjs';
import { InputError } from '../errors.mjs';

export { undoable };

export async function undoRun({ host, auditPath, auditKey, runId, user, confirm, progress, jira }) {
  const trail = await openTrail(auditPath, { key: auditKey });
  try {
    const todo = undoable(trail.records, runId, user);
    if (todo === null) throw new InputError(`${auditPath}: no run ${JSON.stringify(runId)} in this audit trail`);
    if (todo.length === 0) return { undoId: null, totals: { done: 0, failed: 0, skipped: 0 }, exitCode: 0, nothing: true };
    await host.assertAdmin();
    const me = await host.whoami();
    await confirm(todo.length);
    let operator = null;
    try {
      operator = userInfo().username;
    } catch {}
    const bar = progress?.(todo.length);
    const result = await undoItems({ host, trail, runId, todo, user, who: { actor: me?.name ?? null, jiraUser: me?.name ?? null, operator }, jira, onOutcome: (rec, t) => bar?.outcome(rec, t) });
    bar?.finish();
    return result;
  } finally {
    await trail.close();
  }
}

