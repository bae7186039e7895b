// The History view: past runs from the audit trail — the one stored in Jira (store.mjs) together
// with this page's records, or an imported JSON-lines file (e.g. one the CLI runner wrote) — with
// the chain's verification status, a summary per run, the per-user outcomes, and undo per run and
// per user (reactivate / re-add groups) with the runner's own undo logic, recorded in the same
// trail as an `undo-…` run.
import { h, clear, num, errorBox } from './dom.mjs';
import { ensureViewStyles, section, runnerModules, pageTrail, download, trailName } from './run.mjs';

export async function renderHistory(panel, ctx) {
  ensureViewStyles();
  ctx.state('loading');
  let mods, audit;
  try {
    [mods, audit] = await Promise.all([runnerModules(ctx), pageTrail(ctx)]);
  } catch (e) {
    panel.append(errorBox('The audit trail could not be read', e));
    ctx.state('error');
    return;
  }
  // Which trail is shown: the page's (Jira + this session) or an imported file.
  let source = { kind: 'page', trail: audit.trail, name: audit.savedInJira ? 'stored in Jira' : 'this page session' };
  const fileInput = h('input', { type: 'file', accept: '.jsonl,.json,.txt,application/x-ndjson', id: 'uc-history-import', class: 'uc-visually-hidden' });
  const importBtn = h('button', { type: 'button', class: 'uc-button' }, 'Import an audit trail…');
  importBtn.addEventListener('click', () => fileInput.click());
  const pageBtn = h('button', { type: 'button', class: 'uc-button', hidden: true }, 'Back to the page\u2019s trail');
  const dlBtn = h('button', { type: 'button', class: 'uc-button', id: 'uc-history-download' }, 'Download this trail');
  const csvBtn = h('button', { type: 'button', class: 'uc-button', id: 'uc-history-csv' }, 'Export CSV for auditors');
  const status = h('div', { id: 'uc-history-status' });
  const runsBox = h('div', { id: 'uc-history-runs' });
  panel.append(
    h('div', { class: 'uc-toolbar' }, importBtn, fileInput, pageBtn, h('span', { style: { flex: '1' } }), dlBtn, csvBtn),
    status, runsBox);
  dlBtn.addEventListener('click', () => download(trailName(), source.trail.text(), 'application/x-ndjson'));
  csvBtn.addEventListener('click', () => download(trailName('user-cleanup-audit').replace(/\.jsonl$/, '.csv'), mods.report.trailCsv(source.trail.records), 'text/csv'));
  pageBtn.addEventListener('click', () => {
    source = { kind: 'page', trail: audit.trail, name: audit.savedInJira ? 'stored in Jira' : 'this page session' };
    pageBtn.hidden = true;
    draw();
  });
  fileInput.addEventListener('change', async () => {
    const file = fileInput.files?.[0];
    if (!file) return;
    const text = await file.text();
    const v = await mods.chain.verifyText(text);
    // A broken trail is shown (what verifies of it) but never appended to: no undo from it.
    source = { kind: 'file', name: file.name, verify: v, trail: mods.executor.createMemoryTrail(v.records), readOnly: !v.ok };
    pageBtn.hidden = false;
    fileInput.value = '';
    draw();
  });

  async function draw() {
    const v = source.verify ?? (await mods.chain.verifyText(source.trail.text()));
    const records = source.trail.records;
    clear(status).append(
      h('p', { class: 'uc-summary' }, 'Audit trail: ', h('strong', {}, source.name), ` · ${num(records.length)} records`),
      v.ok
        ? h('div', { class: 'uc-message', role: 'status', dataset: { chain: 'ok' } }, h('p', { class: 'uc-message-title' }, 'Chain verified'),
          h('p', {}, `Every record's SHA-256 and its link to the previous one check out (${num(v.count)} records).`),
          v.warnings.length ? h('ul', {}, v.warnings.map((w) => h('li', {}, w))) : null)
        : h('div', { class: 'uc-message uc-message-error', role: 'alert', dataset: { chain: 'broken' } }, h('p', { class: 'uc-message-title' }, 'The chain does not verify'),
          h('p', {}, `${v.error.message}. The ${num(v.records.length)} records before it are shown; nothing can be undone from this trail.`)),
      audit.loadError && source.kind === 'page' ? h('div', { class: 'uc-message uc-message-warning' }, h('p', {}, String(audit.loadError.message))) : '');
    const runs = [...mods.report.indexRuns(records).values()].filter((r) => r.started || r.refused).reverse();
    clear(runsBox);
    if (!runs.length) {
      runsBox.append(h('p', { class: 'uc-muted', id: 'uc-history-empty' }, 'No runs in this trail yet. Runs made in the Run view appear here; a trail written by the command-line runner can be imported.'));
      return;
    }
    for (const run of runs) runsBox.append(runCard(run, records));
  }

  function runCard(run, records) {
    const s = run.started ?? run.refused;
    const isUndo = s.type === 'undoStarted';
    const t = run.finished?.totals;
    const state = run.refused ? 'refused' : run.finished ? (run.finished.stopped ? 'stopped' : 'finished') : 'interrupted (no finishing record)';
    const kind = isUndo ? `Undo of ${s.undoOf}` : run.refused ? 'Refused run' : 'Run';
    const card = h('section', { class: 'uc-run-card', dataset: { runId: run.id, state }, 'aria-label': `${kind} ${run.id}` },
      h('h3', {}, `${kind} · `, h('span', { class: 'uc-code' }, run.id), ' · ', state),
      h('p', { class: 'uc-muted' },
        `by ${s.who?.actor ?? s.who?.jiraUser ?? 'unknown'}${s.who?.operator ? ` (${s.who.operator})` : ''}${s.via ? ` via ${s.via}` : ''} at ${String(s.at).replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC')}`,
        s.policy?.hash ? ' · policy SHA-256 ' : '', s.policy?.hash ? h('span', { class: 'uc-code', title: s.policy.hash }, s.policy.hash.slice(0, 12)) : '',
        s.schedule ? ` · schedule ${s.schedule}` : '', s.jira ? ` · ${s.jira}` : ''),
      run.refused ? h('p', {}, run.refused.message) : null,
      t ? h('p', { class: 'uc-run-totals' }, `${num(t.done)} done · ${num(t.failed)} failed · ${num(t.skipped)} skipped`,
        t.review != null ? ` · ${num(t.review)} review` : '', t.notStarted ? ` · ${num(t.notStarted)} not started (stopped)` : '') : null);
    if (run.refused) return card;
    const todo = isUndo ? null : mods.executor.undoable(records, run.id);
    const canUndo = !source.readOnly && todo && todo.length > 0;
    const undoable = new Set((todo ?? []).map((c) => c.user.toLowerCase()));
    const msg = h('div', { class: 'uc-undo-result', 'aria-live': 'polite' });
    if (!isUndo) {
      const btn = h('button', { type: 'button', class: 'uc-button', dataset: { undo: 'run' }, disabled: !canUndo },
        canUndo ? `Undo this run (${num(todo.length)} users)` : 'Nothing to undo');
      const confirmBox = h('span', { class: 'uc-inline-confirm', hidden: true },
        `Reactivate and re-add groups for ${num(todo?.length ?? 0)} users?`,
        h('button', { type: 'button', class: 'uc-button uc-button-primary', dataset: { undoConfirm: 'run' } }, 'Undo run'),
        h('button', { type: 'button', class: 'uc-button uc-button-link' }, 'Cancel'));
      btn.addEventListener('click', () => { confirmBox.hidden = false; btn.hidden = true; confirmBox.querySelector('button').focus(); });
      confirmBox.lastChild.addEventListener('click', () => { confirmBox.hidden = true; btn.hidden = false; btn.focus(); });
      confirmBox.querySelector('button').addEventListener('click', () => undo(run.id, undefined, msg));
      card.append(h('p', {}, btn, confirmBox));
    }
    // Per user: the outcome of each planned item.
    const items = run.planned?.items ?? [];
    const rows = items.filter((it) => it.action !== 'review').map((it) => ({ it, o: run.outcomes.get(it.i), intent: run.intents.get(it.i) }));
    if (rows.length) {
      const tbody = h('tbody');
      for (const { it, o, intent } of rows) {
        const outcome = o ? o.status : intent ? 'interrupted' : 'not started';
        const what = o?.action ?? intent?.action ?? it.action;
        const groups = o?.effects?.groupsRemoved ?? o?.effects?.groupsAdded ?? it.groups ?? [];
        const cell = h('td', {});
        if (!isUndo && !source.readOnly && undoable.has(it.user.toLowerCase())) {
          const b = h('button', { type: 'button', class: 'uc-button uc-button-link', dataset: { undoUser: it.user } }, 'Undo');
          b.addEventListener('click', () => undo(run.id, it.user, msg));
          cell.append(b);
        }
        tbody.append(h('tr', { dataset: { user: it.user, status: outcome } },
          h('td', {}, it.user), h('td', {}, what + (groups.length ? `: ${groups.join(', ')}` : '')),
          h('td', {}, h('span', { class: `uc-status-${o?.status ?? 'skipped'}` }, outcome)), h('td', {}, o?.reason ?? ''), cell));
      }
      card.append(h('details', {}, h('summary', {}, `Users (${num(rows.length)})`),
        h('div', { class: 'uc-table-wrap uc-results' }, h('table', { class: 'uc-table uc-history-users' },
          h('thead', {}, h('tr', {}, ['User', 'Action', 'Outcome', 'Details', ''].map((x) => h('th', { scope: 'col' }, x)))), tbody))));
    }
    card.append(msg);
    return card;
  }

  async function undo(runId, user, msg) {
    const todo = mods.executor.undoable(source.trail.records, runId, user);
    if (!todo?.length) return;
    for (const b of runsBox.querySelectorAll('button')) b.disabled = true;
    ctx.state('running');
    clear(msg).append(h('p', { class: 'uc-status' }, `Restoring ${num(todo.length)} users…`));
    try {
      const who = { actor: ctx.me?.name ?? null, jiraUser: ctx.me?.name ?? null, operator: null };
      const r = await mods.executor.undoItems({ host: ctx.host, trail: source.trail, runId, todo, user, who, jira: location.origin + (ctx.contextPath ?? '') });
      await draw();
      const card = [...runsBox.querySelectorAll('.uc-run-card')].find((c) => c.dataset.runId === r.undoId);
      const note = h('div', { class: `uc-message${r.totals.failed ? ' uc-message-warning' : ''}`, role: 'status', id: 'uc-undo-finished', dataset: { undoId: r.undoId } },
        h('p', { class: 'uc-message-title' }, 'Undo finished'),
        h('p', {}, `${num(r.totals.done)} restored, ${num(r.totals.failed)} failed, ${num(r.totals.skipped)} already restored. Recorded as `, h('span', { class: 'uc-code' }, r.undoId), '.'),
        source.kind === 'file' || !audit.savedInJira ? h('p', {}, 'Download this trail to keep the record.') : null);
      runsBox.prepend(note);
      card?.scrollIntoView?.({ block: 'nearest' });
    } catch (e) {
      clear(msg).append(errorBox('The undo could not be completed', e));
    }
    ctx.state('ready');
  }

  await draw();
  ctx.state('ready');
}
