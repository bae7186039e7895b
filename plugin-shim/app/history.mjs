// The History view: past runs from the audit trail — the one stored in Jira (page-trail.mjs) with
// this page's records, or an imported JSON-lines file (e.g. one the CLI runner wrote) — with the
// chain's verification status, a summary per run, the per-user outcomes, undo per run and per user,
// and a reconciliation of each run with Jira's own audit log.
// Undo uses the runner's undoPlan: only the effects the run recorded an intent for and that its
// stored policy allowed; anything else in the trail (a group the run could not have removed, a
// user it never planned) is refused and shown as tampering. Every user and group to be restored
// is listed before the typed confirmation.
import { h, clear, num, errorBox } from './dom.mjs';
import { download, trailName, countInput } from './view-kit.mjs';
import { runnerModules } from './runner-loader.mjs';
import { pageTrail, pageWho } from './page-trail.mjs';
import { jiraNow } from './saved-plan.mjs';
import { acquirePageLease } from './run-lease.mjs';
import { pageEngine } from './engine-loader.mjs';

const when = (at) => String(at ?? '').replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC');

export async function renderHistory(panel, ctx) {
  ctx.state('loading');
  let mods, audit;
  try {
    [mods, audit] = await Promise.all([runnerModules(ctx), pageTrail(ctx)]);
  } catch (e) {
    panel.append(errorBox('The audit trail could not be read', e));
    ctx.state('error');
    return;
  }
  // The engine is for undoPlan; undo works without it on an older runner.
  const engine = await pageEngine(ctx).catch(() => null);
  // Another admin (or tab) may have appended since this page read the trail.
  let syncError = null;
  if (audit.savedInJira && typeof audit.trail.sync === 'function') {
    try {
      await audit.trail.sync();
    } catch (e) {
      syncError = e;
    }
  }
  const pageSource = () => ({ kind: 'page', trail: audit.trail, name: audit.savedInJira ? 'stored in Jira' : 'this page session' });
  let source = pageSource();
  const fileInput = h('input', { type: 'file', accept: '.jsonl,.json,.txt,application/x-ndjson', id: 'uc-history-import', class: 'uc-visually-hidden' });
  const importBtn = h('button', { type: 'button', class: 'uc-button' }, 'Import an audit trail…');
  importBtn.addEventListener('click', () => fileInput.click());
  const pageBtn = h('button', { type: 'button', class: 'uc-button', hidden: true }, 'Back to the page\u2019s trail');
  const dlBtn = h('button', { type: 'button', class: 'uc-button', id: 'uc-history-download' }, 'Download this trail');
  const csvBtn = h('button', { type: 'button', class: 'uc-button', id: 'uc-history-csv' }, 'Export CSV for auditors');
  const status = h('div', { id: 'uc-history-status' });
  const runsBox = h('div', { id: 'uc-history-runs' });
  panel.append(h('div', { class: 'uc-toolbar' }, importBtn, fileInput, pageBtn, h('span', { class: 'uc-grow' }), dlBtn, csvBtn), status, runsBox);
  dlBtn.addEventListener('click', () => download(trailName(mods.executor), source.trail.text(), 'application/x-ndjson'));
  // report.trailCsv writes every cell through csv.mjs's csvCell (formula neutralisation).
  csvBtn.addEventListener('click', () => download(trailName(mods.executor).replace(/\.jsonl$/, '.csv'), mods.report.trailCsv(source.trail.records), 'text/csv'));
  pageBtn.addEventListener('click', () => {
    source = pageSource();
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

  /** What undoing `runId` (or one user of it) would restore, and what the trail claims that is refused. */
  async function undoWork(runId, user) {
    const records = source.trail.records;
    if (typeof mods.executor.undoPlan === 'function') {
      const p = await mods.executor.undoPlan(records, runId, { ...(user !== undefined ? { user } : {}), engine });
      return { changes: p?.changes ?? [], refused: p?.refused ?? [] };
    }
    return { changes: mods.executor.undoable(records, runId, user) ?? [], refused: [] };
  }

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
      audit.orphans?.length && source.kind === 'page'
        ? h('div', { class: 'uc-message uc-message-warning', role: 'status', id: 'uc-history-orphans', dataset: { count: String(audit.orphans.length) } },
          h('p', {}, `${num(audit.orphans.length)} record(s) stored in Jira are not part of the chain: left by an append that failed half-way, or hidden by moving the trail's head back. Reconcile the runs around them with Jira's audit log.`),
          h('ul', {}, audit.orphans.slice(0, 20).map((r) => h('li', {}, `seq ${r.seq ?? '?'} · ${r.type ?? '?'} · run ${r.runId ?? '?'}${r.user ? ` · ${r.user}` : ''}`))))
        : '',
      syncError && source.kind === 'page' ? h('div', { class: 'uc-message uc-message-warning', role: 'alert' }, h('p', {}, `The trail could not be read again from Jira: ${syncError.message}`)) : '',
      audit.loadError && source.kind === 'page'
        ? h('div', { class: 'uc-message uc-message-warning', id: 'uc-history-not-stored', dataset: { code: audit.loadError.code ?? '' } }, h('p', {}, String(audit.loadError.message)))
        : '');
    const runs = [...mods.report.indexRuns(records).values()].filter((r) => r.started || r.refused).reverse();
    clear(runsBox);
    if (!runs.length) {
      runsBox.append(h('p', { class: 'uc-muted', id: 'uc-history-empty' }, 'No runs in this trail yet. Runs made in the Run view appear here; a trail written by the command-line runner can be imported.'));
      return;
    }
    for (const run of runs) runsBox.append(runCard(run));
    // The Schedules view's "Open in History": that run's card, in view and focused.
    if (ctx.focusRun) {
      const card = [...runsBox.querySelectorAll('.uc-run-card')].find((c) => c.dataset.runId === ctx.focusRun);
      ctx.focusRun = null;
      if (card) {
        card.classList.add('uc-run-card-focus');
        card.tabIndex = -1;
        card.scrollIntoView({ block: 'start' });
        card.focus({ preventScroll: true });
      }
    }
  }

  function runCard(run) {
    const s = run.started ?? run.refused;
    const isUndo = s.type === 'undoStarted';
    const t = run.finished?.totals;
    const state = run.refused ? 'refused' : run.finished ? (run.finished.stopped ? 'stopped' : 'finished') : 'interrupted (no finishing record)';
    // A dry run (mode preview: a daemon's preview slot or the Schedules view's Dry run) recorded its plan and changed nothing.
    const dry = !isUndo && s.mode === 'preview';
    const scheduled = s.via === 'daemon';
    const kind = isUndo ? `Undo of ${s.undoOf}` : run.refused ? (scheduled ? 'Refused scheduled run' : 'Refused run') : dry ? 'Dry run' : scheduled ? 'Scheduled run' : 'Run';
    const tags = { runId: run.id, state, kind: isUndo ? 'undo' : dry ? 'dry-run' : 'run' };
    if (typeof s.schedule === 'string') tags.schedule = s.schedule;
    if (typeof s.node === 'string') tags.node = s.node;
    if (typeof s.mode === 'string') tags.mode = s.mode;
    if (typeof s.via === 'string') tags.via = s.via;
    const card = h('section', { class: `uc-run-card${dry ? ' uc-run-card-dry' : ''}`, dataset: tags, 'aria-label': `${kind} ${run.id}` },
      h('h3', {}, `${kind} · `, h('span', { class: 'uc-code' }, run.id), ' · ', dry && run.finished ? 'recorded, nothing changed' : state),
      s.schedule || dry ? h('p', { class: 'uc-run-schedule' },
        s.schedule ? h('span', { class: 'uc-badge' }, `schedule ${s.schedule}`) : '', ' ',
        h('span', { class: 'uc-badge' }, `mode ${dry ? 'preview (dry run)' : 'run'}`), ' ',
        scheduled ? h('span', { class: 'uc-badge' }, 'via daemon') : h('span', { class: 'uc-badge' }, `via ${s.via ?? 'unknown'}`),
        s.node ? ' ' : '', s.node ? h('span', { class: 'uc-badge' }, `node ${s.node}`) : '') : null,
      h('p', { class: 'uc-muted' },
        `by ${s.who?.actor ?? s.who?.jiraUser ?? 'unknown'}${s.who?.operator ? ` (${s.who.operator})` : ''}${s.via ? ` via ${s.via}` : ''} at ${when(s.at)}`,
        s.policy?.hash ? ' · policy SHA-256 ' : '', s.policy?.hash ? h('span', { class: 'uc-code', title: s.policy.hash }, s.policy.hash.slice(0, 12)) : '',
        s.schedule ? ` · schedule ${s.schedule}` : '', s.jira ? ` · ${s.jira}` : ''),
      run.refused ? h('p', {}, run.refused.message) : null,
      dry ? h('p', { class: 'uc-run-totals', dataset: { dryRun: run.id } }, dryWords(run)) : null,
      t && !dry ? h('p', { class: 'uc-run-totals' }, `${num(t.done)} done · ${num(t.failed)} failed · ${num(t.skipped)} skipped`,
        t.review != null ? ` · ${num(t.review)} review` : '', t.notStarted ? ` · ${num(t.notStarted)} not started (stopped)` : '') : null);
    if (run.refused) return card;
    const msg = h('div', { class: 'uc-undo-result', 'aria-live': 'polite' });
    const confirmBox = h('div', { class: 'uc-confirm uc-undo-confirm', hidden: true });
    const actions = h('p', { class: 'uc-run-actions' });
    // What the run recorded it changed (bounded by its intents); undoPlan, when the admin asks to
    // undo, also checks the run's own policy and lists what it refuses.
    const recorded = isUndo ? [] : (mods.executor.undoable(source.trail.records, run.id) ?? []);
    if (!isUndo && !dry) {
      const canUndo = !source.readOnly && recorded.length > 0;
      const btn = h('button', { type: 'button', class: 'uc-button', dataset: { undo: 'run' }, disabled: !canUndo },
        canUndo ? `Undo this run (${num(recorded.length)} users)\u2026` : 'Nothing to undo');
      btn.addEventListener('click', () => openConfirm(run.id, undefined, confirmBox, msg));
      actions.append(btn);
    }
    if (mods.reconcile && typeof ctx.host?.auditEvents === 'function') {
      const rb = h('button', { type: 'button', class: 'uc-button', dataset: { reconcile: run.id } }, 'Reconcile with Jira\u2019s audit log');
      const out = h('div', { class: 'uc-reconcile', 'aria-live': 'polite' });
      rb.addEventListener('click', () => reconcile(run.id, rb, out));
      actions.append(' ', rb);
      card.append(actions, out);
    } else card.append(actions);
    card.append(confirmBox);
    // Per user: the outcome of each planned item.
    const items = run.planned?.items ?? [];
    const undoable = new Set(recorded.map((c) => c.user.toLowerCase()));
    const rows = items.filter((it) => it.action !== 'review').map((it) => ({ it, o: run.outcomes.get(it.i), intent: run.intents.get(it.i) }));
    if (rows.length) {
      const tbody = h('tbody');
      for (const { it, o, intent } of rows) {
        const outcome = dry ? 'would be done (dry run)' : o ? o.status : intent ? 'interrupted' : 'not started';
        const what = o?.action ?? intent?.action ?? it.action;
        const groups = o?.effects?.groupsRemoved ?? o?.effects?.groupsAdded ?? it.groups ?? [];
        const cell = h('td', {});
        if (!isUndo && !source.readOnly && undoable.has(String(it.user).toLowerCase())) {
          const b = h('button', { type: 'button', class: 'uc-button uc-button-link', dataset: { undoUser: it.user } }, 'Undo');
          b.addEventListener('click', () => openConfirm(run.id, it.user, confirmBox, msg));
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

  function tampering(refused, id) {
    return h('div', { class: 'uc-message uc-message-error', role: 'alert', dataset: { tampered: String(refused.length) }, ...(id ? { id } : {}) },
      h('p', { class: 'uc-message-title' }, `${num(refused.length)} change(s) in this trail will not be undone: the run did not record them or its policy did not allow them`),
      h('p', {}, 'The trail claims effects the run could not have had — a sign it was rewritten. Check them against Jira\u2019s audit log (Reconcile).'),
      h('ul', { class: 'uc-undo-refused' }, refused.map((r) => h('li', { dataset: { user: r.user, group: r.group ?? '', code: r.code ?? '' } },
        h('strong', {}, r.user), r.group ? ` · group ${r.group}` : '', ` — ${r.reason ?? r.code ?? 'refused'}`))));
  }

  /** Lists every user and group the undo would restore, then asks for the number of users. */
  async function openConfirm(runId, user, box, msg) {
    clear(box);
    box.hidden = false;
    box.append(h('p', { class: 'uc-status' }, 'Checking the run\u2019s trail against its policy\u2026'));
    let work;
    try {
      work = await undoWork(runId, user);
    } catch (e) {
      clear(box).append(errorBox('What this undo may restore could not be worked out', e));
      return;
    }
    clear(box);
    box.dataset.undoFor = user ?? '';
    const n = work.changes.length;
    if (n === 0) {
      const close = h('button', { type: 'button', class: 'uc-button uc-button-link' }, 'Close');
      close.addEventListener('click', () => { clear(box); box.hidden = true; });
      box.append(h('p', { class: 'uc-message-title', dataset: { undoNothing: runId } }, 'Nothing of this run can be undone'),
        work.refused.length ? tampering(work.refused) : null, h('p', {}, close));
      return;
    }
    const list = h('ul', { class: 'uc-undo-list' }, work.changes.map((c) => h('li', { dataset: { user: c.user } },
      h('strong', {}, c.user), ': ', [c.reactivate ? 'reactivate' : null, c.groups.length ? `add back to ${c.groups.join(', ')}` : null].filter(Boolean).join(', and '))));
    const { input, typed } = countInput(n, { size: '6', dataset: { undoInput: runId } });
    const go = h('button', { type: 'button', class: 'uc-button uc-button-primary', dataset: { undoConfirm: user === undefined ? 'run' : 'user' }, disabled: true }, user === undefined ? 'Undo run' : `Undo ${user}`);
    const cancel = h('button', { type: 'button', class: 'uc-button uc-button-link' }, 'Cancel');
    const keep = h('input', { type: 'checkbox', dataset: { undoDownloadOnly: runId } });
    // Recorded anywhere but in Jira (an imported file, or a page whose trail cannot be kept there):
    // only with the admin's explicit choice.
    const needsChoice = source.kind === 'file' || !audit.savedInJira;
    const ready = () => typed() && (!needsChoice || keep.checked);
    const update = () => { go.disabled = !ready(); };
    input.addEventListener('input', update);
    keep.addEventListener('change', update);
    input.addEventListener('keydown', (e) => { if (e.key === 'Enter' && ready()) go.click(); });
    cancel.addEventListener('click', () => { clear(box); box.hidden = true; });
    go.addEventListener('click', () => { if (ready()) undo(runId, user, work, msg, box); });
    box.append(
      h('p', { class: 'uc-message-title' }, `Undo ${user === undefined ? `run ${runId}` : `${user} in run ${runId}`}: ${num(n)} user(s) will be restored`),
      list,
      work.refused.length ? tampering(work.refused) : null,
      needsChoice ? h('p', {}, h('label', { class: 'uc-check' }, keep, source.kind === 'file'
        ? ' This undo is recorded in the imported trail, not in Jira: keep the trail as a download only'
        : ' The audit trail cannot be kept in Jira: keep it as a download only')) : null,
      h('p', {}, h('label', {}, `To confirm, type the number of users (${num(n)}): `, input), ' ', go, ' ', cancel));
    input.focus();
  }

  async function undo(runId, user, work, msg, box) {
    if (!work.changes.length) return;
    for (const b of runsBox.querySelectorAll('button, input')) b.disabled = true;
    ctx.state('running');
    clear(msg).append(h('p', { class: 'uc-status' }, `Restoring ${num(work.changes.length)} users…`));
    try {
      const trail = source.kind === 'page' && !audit.savedInJira ? audit.downloadOnly() : source.trail;
      if (source.kind === 'page') {
        const snap = await ctx.data?.snapshot?.().catch(() => null);
        if (snap) audit.clockOffset = jiraNow(snap).getTime() - Date.now();
      }
      // One run at a time per Jira: an undo changes Jira too, so it holds the run lease (a daemon's
      // or another page's run in progress refuses it, naming who holds the lease).
      const lease = source.kind === 'page' && audit.savedInJira ? await acquirePageLease(ctx, { what: `undo of ${runId}` }) : { release: async () => {} };
      let r;
      try {
        r = await mods.executor.undoItems({ host: ctx.host, trail, runId, todo: work.changes, user, who: pageWho(ctx), jira: location.origin + (ctx.contextPath ?? ''), engine });
      } finally {
        await lease.release();
      }
      if (source.kind === 'page') source = pageSource();
      await draw();
      const note = h('div', { class: `uc-message${r.totals.failed ? ' uc-message-warning' : ''}`, role: 'status', id: 'uc-undo-finished', dataset: { undoId: r.undoId } },
        h('p', { class: 'uc-message-title' }, 'Undo finished'),
        h('p', {}, `${num(r.totals.done)} restored, ${num(r.totals.failed)} failed, ${num(r.totals.skipped)} already restored. Recorded as `, h('span', { class: 'uc-code' }, r.undoId), '.'),
        source.kind === 'file' || !audit.savedInJira ? h('p', {}, 'Download this trail to keep the record.') : null);
      runsBox.prepend(note);
    } catch (e) {
      clear(box);
      box.hidden = true;
      clear(msg).append(errorBox('The undo could not be completed', e));
      for (const b of runsBox.querySelectorAll('button, input')) b.disabled = false;
    }
    ctx.state('ready');
  }

  async function reconcile(runId, btn, out) {
    btn.disabled = true;
    clear(out).append(h('p', { class: 'uc-status' }, 'Reading Jira\u2019s audit log…'));
    try {
      const records = source.trail.records;
      const window = mods.reconcile.reconcileWindow(records, runId);
      if (!window) throw new Error('This run has no timestamps to place it in Jira\u2019s audit log.');
      const events = await ctx.host.auditEvents(window);
      const r = mods.reconcile.reconcileRun(records, runId, events, {});
      const change = (c) => `${c.change?.action ?? ''}${c.change?.group ? ` ${c.change.group}` : ''}`;
      const block = (kind, title, explain, list, row) => h('div', { class: `uc-message ${list.length ? 'uc-message-error' : ''}`, dataset: { reconcile: kind, count: String(list.length) } },
        h('p', { class: 'uc-message-title' }, `${title}: ${num(list.length)}`), h('p', {}, explain),
        list.length ? h('ul', {}, list.map((x) => h('li', { dataset: { user: x.user ?? '' } }, row(x)))) : null);
      clear(out).append(
        h('p', { dataset: { reconcileOk: String(r.ok), matched: String(r.matched.length) } }, r.ok
          ? `Jira\u2019s audit log agrees with this run: ${num(r.matched.length)} change(s) matched (${when(r.window?.from)} to ${when(r.window?.to)}).`
          : `Jira\u2019s audit log and this run disagree (${num(r.matched.length)} change(s) matched, ${when(r.window?.from)} to ${when(r.window?.to)}).`),
        block('forged', 'Forged', 'Changes the trail claims that Jira did not record.', r.forged, (x) => [h('strong', {}, x.user), ` — ${change(x)}`]),
        block('removed', 'Removed', 'Changes Jira recorded for the account that ran it, in its time, that the trail does not show.', r.removed, (x) => [h('strong', {}, x.user ?? '?'), ` — ${change(x)} at ${when(x.event?.at)}`]),
        r.interrupted?.length ? block('interrupted', 'Interrupted', 'Sent (an intent was recorded) but no outcome was written.', r.interrupted, (x) => [h('strong', {}, x.user), ` — ${change(x)}`]) : null,
        ...(r.problems ?? []).map((p) => h('p', { class: 'uc-message uc-message-warning' }, p)));
    } catch (e) {
      clear(out).append(errorBox('Jira\u2019s audit log could not be compared', e));
    }
    btn.disabled = false;
  }

  await draw();
  ctx.state('ready');
}

/** What a dry run's plan would have done, from its planned record. */
function dryWords(run) {
  const items = (run.planned?.items ?? []).filter((i) => !i.status);
  const n = (a) => items.filter((i) => i.action === a).length;
  return `Dry run: would deactivate ${num(n('deactivate'))} and remove ${num(n('removeFromGroups'))} from groups; ${num(n('review'))} listed for review. Nothing was changed.`;
}

