// The bulk operation dialog (Users and Review views): choose the operation (and groups), see the
// engine's bulk plan — what changes, who is protected and why (left out of destructive
// operations), who is unchanged — then the same run as the Run view: the policy's limit, the typed
// confirmation, decide again per user, progress, Stop, the trail in Jira, undo from History.
// Only the policy saved in Jira is used (it decides protection and the limit). Like every run that
// changes Jira (page run and undo, `run --jira`, `bulk`, the daemon) it holds the run lease: one
// run at a time per Jira.
import { h, clear, num, errorBox } from './dom.mjs';
import { acquirePageLease, leaseRefusalTitle } from './run-lease.mjs';
import { runnerModules } from './runner-loader.mjs';
import { pageTrail, pageWho } from './page-trail.mjs';
import { progressMeter } from './progress.mjs';
import { jiraNow } from './saved-plan.mjs';
import { countInput } from './view-kit.mjs';

const OPERATIONS = [['deactivate', 'Deactivate'], ['reactivate', 'Reactivate'], ['addToGroups', 'Add to groups'], ['removeFromGroups', 'Remove from groups']];
const bulkModule = (ctx) => import(new URL('bulk.mjs', String(ctx.runnerBase)).href);

/**
 * @param {HTMLElement} box
 * @param {object} ctx
 * @param {{users: string[], sess: object, operation?: {type, groups?}, onDone?: Function, onRun?: (result, operation) => void, title?: string}} o
 *   The run takes the run lease itself (refused, nothing changed, while another run holds it):
 *   a caller must not hold it around openBulk.
 */
export function openBulk(box, ctx, o) {
  clear(box);
  const op = h('select', { class: 'uc-select', id: 'uc-bulk-operation' }, OPERATIONS.map(([v, l]) => h('option', { value: v }, l)));
  if (o.operation) op.value = o.operation.type;
  const groups = h('input', { class: 'uc-input', id: 'uc-bulk-groups', type: 'text', placeholder: 'groups, comma-separated', autocomplete: 'off', value: (o.operation?.groups ?? []).join(', ') });
  const planBtn = h('button', { type: 'button', class: 'uc-button', id: 'uc-bulk-plan' }, 'Check what would change');
  const cancel = h('button', { type: 'button', class: 'uc-button uc-button-link', id: 'uc-bulk-cancel' }, 'Close');
  const out = h('div', { id: 'uc-bulk-plan-out' });
  const dialog = h('section', { class: 'uc-confirm uc-bulk', id: 'uc-bulk', 'aria-label': 'Bulk operation' },
    h('h3', {}, o.title ?? `Bulk operation on ${num(o.users.length)} selected user${o.users.length === 1 ? '' : 's'}`),
    h('div', { class: 'uc-toolbar' }, h('label', { class: 'uc-field', for: 'uc-bulk-operation' }, 'Operation', op),
      h('label', { class: 'uc-field', for: 'uc-bulk-groups' }, 'Groups', groups), planBtn, cancel),
    out);
  box.append(dialog);
  const syncGroups = () => { groups.disabled = !['addToGroups', 'removeFromGroups'].includes(op.value); };
  syncGroups();
  op.addEventListener('change', () => { syncGroups(); clear(out); });
  cancel.addEventListener('click', () => clear(box));
  planBtn.addEventListener('click', () => plan());

  async function plan() {
    clear(out);
    const sess = o.sess;
    if (sess.policy.source !== 'saved') {
      out.append(h('div', { class: 'uc-message uc-message-error', role: 'alert', id: 'uc-bulk-no-saved-policy' },
        h('p', { class: 'uc-message-title' }, 'Save a policy in the Rules view first'),
        h('p', {}, 'Bulk operations use the policy saved in Jira for protection and the limit per run, so that every administrator sees what applied. Nothing was changed.')));
      return;
    }
    const operation = { type: op.value, ...(groups.disabled ? {} : { groups: groups.value.split(',').map((g) => g.trim()).filter(Boolean) }) };
    let bulk;
    try {
      bulk = await bulkModule(ctx);
    } catch (e) {
      out.append(errorBox('The runner could not be loaded', e));
      return;
    }
    const r = bulk.planBulk(ctx.engine, sess.policy.text, sess.snapText, { asOf: sess.asOf, actor: ctx.me?.name ?? undefined, users: o.users, operation });
    if (r.type !== 'success') {
      out.append(h('div', { class: 'uc-message uc-message-error', role: 'alert', id: 'uc-bulk-problems' }, h('p', { class: 'uc-message-title' }, 'This operation cannot be planned'),
        h('ul', {}, (r.errors ?? []).map((p) => h('li', { dataset: { code: p.code ?? '' } }, p.path ? `${p.path}: ` : '', p.message)))));
      return;
    }
    const p = r.value;
    const todo = bulk.bulkExecutable(p);
    const n = todo.length;
    out.append(h('p', { class: 'uc-summary', id: 'uc-bulk-summary', dataset: { actions: String(n), protected: String(p.protected?.length ?? 0), unchanged: String(p.unchanged?.length ?? 0) } },
      h('strong', {}, num(n)), ` account${n === 1 ? '' : 's'} would change`,
      p.protected?.length ? `, ${num(p.protected.length)} protected (left out)` : '',
      p.unchanged?.length ? `, ${num(p.unchanged.length)} unchanged` : '',
      p.unknown?.length ? `, ${num(p.unknown.length)} not found` : '',
      p.limit?.maxActionsPerRun != null ? ` · limit ${num(p.limit.maxActionsPerRun)} per run` : ''));
    if (p.protected?.length) {
      out.append(h('div', { class: 'uc-message uc-message-warning', id: 'uc-bulk-protected' },
        h('p', { class: 'uc-message-title' }, 'Protected users are left out of this operation'),
        h('ul', {}, p.protected.map((x) => h('li', { dataset: { user: x.user, code: x.code } }, h('strong', {}, x.user), ` — ${x.reason}`)))));
    }
    if (p.unchanged?.length) {
      out.append(h('details', { id: 'uc-bulk-unchanged' }, h('summary', {}, `Unchanged (${num(p.unchanged.length)})`),
        h('ul', {}, p.unchanged.map((x) => h('li', { dataset: { user: x.user } }, `${x.user} — ${x.reason}`)))));
    }
    if (p.overLimit) {
      out.append(h('div', { class: 'uc-message uc-message-error', role: 'alert', id: 'uc-bulk-overlimit' }, h('p', { class: 'uc-message-title' }, 'Over the policy\u2019s limit: this cannot be run'),
        h('p', {}, `It would change ${num(p.counts.executable)} accounts; the policy allows at most ${num(p.limit.maxActionsPerRun)} per run. Select fewer users. Nothing was changed.`)));
      return;
    }
    if (n === 0) {
      out.append(h('p', { class: 'uc-muted', id: 'uc-bulk-nothing' }, 'Nothing to change.'));
      return;
    }
    await confirmAndRun(p, operation, n, bulk);
  }

  async function confirmAndRun(p, operation, n, bulk) {
    const sess = o.sess;
    const [{ hash, executor }, audit] = await Promise.all([runnerModules(ctx), pageTrail(ctx)]);
    const { input, typed } = countInput(n, { id: 'uc-bulk-confirm-input', size: '8' });
    const start = h('button', { type: 'button', class: 'uc-button uc-button-primary', id: 'uc-bulk-start', disabled: true }, `Change ${num(n)} accounts`);
    const stop = h('button', { type: 'button', class: 'uc-button uc-button-danger', id: 'uc-bulk-stop', hidden: true }, 'Stop');
    const { bar, counter, show } = progressMeter({ label: 'Bulk progress', counterId: 'uc-bulk-counter', total: n });
    const tbody = h('tbody');
    const results = h('div', { class: 'uc-table-wrap uc-results', hidden: true }, h('table', { class: 'uc-table', id: 'uc-bulk-results' },
      h('thead', {}, h('tr', {}, ['User', 'Action', 'Result', 'Details'].map((t) => h('th', { scope: 'col' }, t)))), tbody));
    const finished = h('div', { id: 'uc-bulk-outcome' });
    if (!audit.savedInJira) {
      out.append(h('div', { class: 'uc-message uc-message-error', role: 'alert', id: 'uc-bulk-no-trail' }, h('p', { class: 'uc-message-title' }, 'The audit trail cannot be kept in Jira, so bulk operations are off'),
        h('p', {}, String(audit.loadError?.message ?? 'No storage in Jira.'))));
      return;
    }
    out.append(h('p', {}, 'Before each change the user is read again from Jira and the engine checks that the change still applies (protection, identity, still a change).'),
      h('p', {}, h('label', { for: 'uc-bulk-confirm-input' }, `To confirm, type the number of accounts that will be changed (${num(n)}): `), input),
      h('p', {}, start, ' ', stop), bar, counter, results, finished);
    input.addEventListener('input', () => { start.disabled = !typed(); });
    const controller = new AbortController();
    stop.addEventListener('click', () => {
      controller.abort();
      stop.disabled = true;
      counter.append(' · Stopping: requests already sent finish, nothing new starts.');
    });
    start.addEventListener('click', async () => {
      if (start.disabled) return;
      start.disabled = true;
      input.disabled = true;
      clear(finished);
      // One run at a time per Jira (the store's run lease, shared with page runs, the CLI and the
      // daemons): taken before anything is written, so a refusal leaves no trail records.
      const runId = executor.newRunId(jiraNow(sess.snapshot));
      let lease;
      try {
        lease = await acquirePageLease(ctx, { runId, what: `bulk ${operation.type}` });
      } catch (e) {
        finished.append(h('div', { class: 'uc-message uc-message-error', role: 'alert', id: 'uc-bulk-run-busy', dataset: { code: e?.code ?? '' } },
          h('p', { class: 'uc-message-title' }, leaseRefusalTitle(e)),
          h('p', {}, `${e?.message ?? e} Nothing was changed; try again when it has finished.`)));
        start.disabled = !typed();
        input.disabled = false;
        return;
      }
      stop.hidden = false;
      results.hidden = false;
      ctx.state('running');
      audit.clockOffset = jiraNow(sess.snapshot).getTime() - Date.now();
      const me = ctx.me?.name ?? null;
      show({ done: 0, failed: 0, skipped: 0 });
      let res;
      try {
        res = await bulk.executeBulk({
          host: ctx.host, plan: p, trail: audit.trail, who: pageWho(ctx), via: 'admin page bulk', runId,
          engine: ctx.engine, operation, users: o.users, policyText: sess.policy.text, policyHash: await hash.sha256Hex(sess.policy.text),
          policyPath: sess.policy.label ?? null, jira: location.origin + (ctx.contextPath ?? ''), engineVersion: ctx.timings?.engine?.version ?? null,
          snapshot: { capturedAt: sess.snap.capturedAt ?? null, users: sess.snap.users?.length ?? 0 }, snapshotData: sess.snap,
          actor: me ?? undefined, now: () => jiraNow(sess.snapshot), concurrency: 4, signal: controller.signal,
          onOutcome: (rec, totals) => {
            const groups = rec.effects?.groupsAdded ?? rec.effects?.groupsRemoved ?? [];
            tbody.append(h('tr', { dataset: { user: rec.user, status: rec.status, code: rec.code ?? '' } }, h('td', {}, rec.user),
              h('td', {}, `${rec.action}${groups.length ? ` ${groups.join(', ')}` : ''}`), h('td', {}, h('span', { class: `uc-status-${rec.status}` }, rec.status)), h('td', {}, rec.reason ?? '')));
            show(totals);
            // A lease that could not be renewed: another run may start; this one stops sending.
            if (lease.lost() && !controller.signal.aborted) controller.abort();
          },
        });
      } catch (e) {
        await lease.release();
        stop.hidden = true;
        finished.append(errorBox(e?.code === 'refused.planExpired' ? 'The users were read too long ago: Refresh data and try again' : 'The bulk operation could not be completed', e));
        ctx.state('ready');
        return;
      }
      await lease.release();
      stop.hidden = true;
      const t = res.totals;
      // The decision (review) and the fresh read of the users come first: once "finished" shows,
      // the view shows Jira as it is now.
      let after = null;
      try {
        await o.onRun?.(res, operation);
        await o.onDone?.(res);
      } catch (e) {
        after = errorBox('Afterwards', e);
      }
      finished.append(h('div', { class: `uc-message${t.failed ? ' uc-message-warning' : ''}`, role: 'status', id: 'uc-bulk-finished', dataset: { runId: res.runId, stopped: String(res.stopped) } },
        h('p', { class: 'uc-message-title' }, res.stopped ? 'Bulk operation stopped' : 'Bulk operation finished'),
        h('p', {}, `${num(t.done)} done, ${num(t.failed)} failed, ${num(t.skipped)} skipped`, t.notStarted ? `, ${num(t.notStarted)} not started` : '', '. Run ', h('span', { class: 'uc-code' }, res.runId),
          '; the audit trail is saved in Jira. Undo it from History if needed.')), after ?? '');
      ctx.state('ready');
    });
  }
}
