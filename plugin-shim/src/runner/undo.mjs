// Undo a run from its trail (Node): reactivate the users it deactivated, re-add the groups it
// removed (including read-only fallbacks) and give back the projects it handed over (only while
// Jira still shows the hand-over user as their lead), recorded in the same trail as an `undo-...` run:
//   undoStarted {undoOf, who, jira, user?} · planned {items} · intent/outcome per user · undoFinished.
// What may be restored is undoPlan()'s (undo-plan.mjs, shared with the admin page): only what the
// run announced before doing it and what its stored policy allowed. A trail naming anything else
// has been tampered with: the whole undo is refused (exit 3) and every such entry reported, since
// nothing else in that trail can be trusted either. Only what is still missing in Jira is restored.
import { userInfo } from 'node:os';
import { openTrail } from './trail.mjs';
import { undoable, undoPlan, undoItems } from './undo-plan.mjs';
import { InputError, RefusedError } from '../errors.mjs';

export { undoable, undoPlan };

/**
 * @param {object} o
 * @param {object} o.host, o.engine
 * @param {string} o.auditPath, o.runId, o.jira
 * @param {string} [o.user]            undo only this user
 * @param {(changes) => void} [o.show]  lists every user and group before the confirmation
 * @param {(count) => Promise<void>} o.confirm
 */
export async function undoRun({ host, engine, auditPath, auditKey, runId, user, show, confirm, progress, jira }) {
  const trail = await openTrail(auditPath, { key: auditKey });
  try {
    const plan = await undoPlan(trail.records, runId, { user, engine });
    if (plan === null) throw new InputError(`${auditPath}: no run ${JSON.stringify(runId)} in this audit trail`);
    if (plan.refused.length) {
      const what = plan.refused.map((r) => `${r.user}${r.group ? ` (${r.group})` : r.project ? ` (project ${r.project})` : ''}: ${r.reason} [${r.code}]`);
      const legacy = plan.refused.every((r) => r.code === 'tampered.noPolicy');
      const head = legacy
        ? `refused: run ${runId} did not store the policy it was planned with (an older version made it, or the record was edited), so what it may undo cannot be checked; nothing is undone`
        : `refused: the audit trail of run ${runId} has been tampered with, so nothing is undone: ${what.join('; ')}`;
      throw Object.assign(new RefusedError(head, plan.refused[0].code), { refused: plan.refused });
    }
    const todo = plan.changes;
    if (todo.length === 0) return { undoId: null, totals: { done: 0, failed: 0, skipped: 0 }, exitCode: 0, nothing: true };
    await host.assertAdmin();
    const me = await host.whoami();
    show?.(todo);
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
