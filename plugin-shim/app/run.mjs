// The Run view: carries out the saved policy's plan from the page, with the runner's own executor
// (plugin-shim/src/runner/executor.mjs) so the audit trail is the runner's format, byte for byte
// the same kind of records (`user-cleanup audit verify` accepts a trail downloaded here).
// Also the helpers the Preview and History views share: the runner modules, the page's audit
// trail (kept in Jira through store.mjs when it exists, else in memory and downloaded), downloads.
import { h, clear, num, errorBox } from './dom.mjs';

// ---------------------------------------------------------------- shared helpers

/** The runner's browser-safe modules, loaded once from ctx.runnerBase. */
const runnerCache = new Map();
export function runnerModules(ctx) {
  const base = String(ctx.runnerBase);
  if (!runnerCache.has(base)) {
    const at = (n) => import(new URL(n, base).href);
    runnerCache.set(base, Promise.all([at('executor.mjs'), at('chain.mjs'), at('hash.mjs'), at('csv.mjs'), at('report.mjs')])
      .then(([executor, chain, hash, csv, report]) => ({ executor, chain, hash, csv, report })));
    runnerCache.get(base).catch(() => runnerCache.delete(base));
  }
  return runnerCache.get(base);
}

/** store.mjs (policy and audit trail in Jira): ctx.store when main.mjs made one, else null. */
let storeP = null;
export function auditStore(ctx) {
  if (ctx.store !== undefined) return Promise.resolve(ctx.store ?? null);
  storeP ??= import('./store.mjs')
    .then((m) => m.createStore({ baseUrl: location.origin + (ctx.contextPath ?? '') }))
    .then((s) => (s && typeof s.appendAudit === 'function' && typeof s.loadAudit === 'function' ? s : null))
    .catch(() => null);
  return storeP;
}

/** JSON lines of what loadAudit answers ({text, records}, text, or records). */
const toText = (x) => (typeof x === 'string' ? x : typeof x?.text === 'string' ? x.text
  : Array.isArray(x?.records ?? x) ? (x.records ?? x).map((r) => `${JSON.stringify(r)}\n`).join('') : '');

/**
 * The page's audit trail: one hash chain per page session, continuing the trail stored in Jira
 * when store.mjs has one (verified first: a broken chain is never extended). Every record is also
 * kept in memory so the trail can be downloaded at any time. Records are saved in Jira in batches
 * (one appendAudit call for the records appended meanwhile); an append resolves once its batch is
 * saved, so an intent is in Jira before its request is sent. After a failed save the page stops
 * saving and says so; the trail is then downloaded.
 * → { trail, store, savedInJira, saveErrors, loadError }
 */
const trails = new WeakMap();
export function pageTrail(ctx) {
  if (!trails.has(ctx)) {
    const p = (async () => {
      const { executor, chain } = await runnerModules(ctx);
      const store = await auditStore(ctx);
      const state = { store, savedInJira: Boolean(store), saveErrors: [], loadError: null };
      let records = [];
      if (store) {
        try {
          const st = typeof store.accountStatus === 'function' ? await store.accountStatus() : { exists: true };
          if (!st.exists) throw new Error(`The audit trail cannot be kept in Jira: its storage account "${st.account ?? store.account}" does not exist (the Rules view can create it). It is kept on this page and downloaded instead.`);
          const text = toText(await store.loadAudit());
          const v = await chain.verifyText(text);
          if (!v.ok) throw new Error(`The audit trail stored in Jira does not verify (${v.error.message}); new records are kept on this page and downloaded instead.`);
          records = v.records;
        } catch (e) {
          state.loadError = e;
          state.savedInJira = false;
        }
      }
      let batch = [];
      let flushing = null;
      const flush = async () => {
        while (batch.length) {
          const mine = batch;
          batch = [];
          if (!state.savedInJira) {
            for (const b of mine) b.resolve();
            continue;
          }
          try {
            await store.appendAudit(mine.map((b) => b.rec));
          } catch (e) {
            state.saveErrors.push(e);
            state.savedInJira = false;
          }
          for (const b of mine) b.resolve();
        }
        flushing = null;
      };
      state.trail = executor.createMemoryTrail(records, {
        onAppend: state.savedInJira
          ? (rec) => new Promise((resolve) => {
            batch.push({ rec, resolve });
            flushing ??= Promise.resolve().then(flush);
          })
          : null,
      });
      return state;
    })();
    p.catch(() => trails.delete(ctx));
    trails.set(ctx, p);
  }
  return trails.get(ctx);
}

/** Offers a download of `text` (a Blob URL; the page never writes data into markup). */
export function download(name, text, type = 'text/plain') {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = h('a', { href: url, download: name, hidden: true });
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** The views' own layout rules (constant text; no data). */
export function ensureViewStyles() {
  if (document.getElementById('uc-view-styles')) return;
  const css = `
.uc-app [hidden] { display: none !important; }
.uc-app .uc-toolbar { display: flex; flex-wrap: wrap; align-items: flex-end; gap: 8px 12px; margin: 0 0 12px; }
.uc-app .uc-field { display: flex; flex-direction: column; gap: 2px; font-size: 12px; color: var(--uc-subtle); }
.uc-app .uc-input, .uc-app .uc-select { font: inherit; font-size: 14px; color: var(--uc-text); height: 30px; padding: 4px 6px; border: 2px solid var(--uc-border); border-radius: 3px; background: #FAFBFC; min-width: 0; }
.uc-app .uc-input:focus, .uc-app .uc-select:focus { border-color: var(--uc-focus); background: #fff; outline: none; }
.uc-app .uc-button-primary { background: #0052CC; color: #fff; }
.uc-app .uc-button-primary:hover { background: #0065FF; }
.uc-app .uc-button-primary:disabled { background: rgba(9,30,66,.04); color: #A5ADBA; }
.uc-app .uc-button-danger { background: #DE350B; color: #fff; }
.uc-app .uc-button-danger:hover { background: #FF5630; }
.uc-vgrid { border: 1px solid var(--uc-border); border-radius: 3px; }
.uc-vgrid-head, .uc-vgrid-row { display: grid; grid-template-columns: var(--uc-cols); align-items: center; }
.uc-vgrid-head { border-bottom: 2px solid var(--uc-border); color: var(--uc-subtle); font-weight: 600; font-size: 12px; background: #fff; }
.uc-vgrid-head > div, .uc-vgrid-row > div { padding: 0 8px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.uc-vgrid-head > div { padding-top: 6px; padding-bottom: 6px; }
.uc-vgrid-scroll { position: relative; overflow: auto; height: 480px; contain: strict; }
.uc-vgrid-scroll:focus { outline: 2px solid var(--uc-focus); outline-offset: -2px; }
.uc-vgrid-spacer { position: relative; width: 100%; }
.uc-vgrid-row { position: absolute; left: 0; right: 0; height: 32px; border-bottom: 1px solid var(--uc-border); cursor: default; }
.uc-vgrid-row:hover { background: var(--uc-bg-subtle); }
.uc-vgrid-row[aria-selected="true"] { background: #DEEBFF; }
.uc-vgrid-row .uc-num, .uc-vgrid-head .uc-num { text-align: right; font-variant-numeric: tabular-nums; }
.uc-vgrid-empty { padding: 16px; color: var(--uc-subtle); }
.uc-detail { border: 1px solid var(--uc-border); border-top: 0; padding: 10px 12px; background: #FAFBFC; min-height: 64px; }
.uc-detail dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 6px 0 0; }
.uc-detail dt { color: var(--uc-subtle); }
.uc-detail dd { margin: 0; overflow-wrap: anywhere; }
.uc-detail ul { margin: 4px 0 0; padding-left: 20px; }
.uc-progress { height: 8px; background: var(--uc-bg-subtle); border-radius: 4px; overflow: hidden; margin: 8px 0; max-width: 640px; }
.uc-progress-fill { height: 100%; width: 0; background: #0052CC; transition: width .15s; }
.uc-confirm { max-width: 640px; padding: 12px 16px; border: 1px solid var(--uc-border); border-radius: 3px; margin: 0 0 16px; }
.uc-status-done { color: #006644; font-weight: 600; }
.uc-status-failed { color: #BF2600; font-weight: 600; }
.uc-status-skipped { color: #5E6C84; font-weight: 600; }
.uc-results { max-height: 420px; overflow: auto; }
.uc-run-card { border: 1px solid var(--uc-border); border-radius: 3px; padding: 10px 12px; margin: 0 0 12px; }
.uc-run-card h3 { font-size: 14px; margin: 0 0 4px; }
.uc-inline-confirm { display: inline-flex; gap: 8px; align-items: center; margin-left: 8px; }
.uc-code { font-family: SFMono-Medium, "SF Mono", Menlo, Consolas, monospace; font-size: 12px; }
`;
  document.head.appendChild(h('style', { id: 'uc-view-styles' }, css));
}

export function section(id, title, ...body) {
  return h('section', { class: 'uc-section', id, 'aria-labelledby': `${id}-h` }, h('h2', { id: `${id}-h` }, title), ...body);
}

export function problems(title, list, kind = 'error') {
  return h('div', { class: `uc-message uc-message-${kind}`, role: kind === 'error' ? 'alert' : 'status' },
    h('p', { class: 'uc-message-title' }, title),
    h('ul', {}, (list ?? []).map((p) => h('li', {}, p.path ? `${p.path}: ` : '', p.message))));
}

/** The saved policy's plan (over the cached snapshot) or a message already shown in `panel`. */
export async function loadPlan(panel, ctx, what) {
  const loading = h('p', { class: 'uc-status', role: 'status' }, 'Reading users from Jira…');
  panel.append(loading);
  ctx.state('loading');
  try {
    const snap = await ctx.data.snapshot();
    loading.textContent = 'Evaluating the policy…';
    const [plan, policy] = await Promise.all([ctx.data.plan({ actor: ctx.me?.name }), ctx.data.savedPolicy()]);
    loading.remove();
    if (!plan.result) {
      panel.append(h('div', { class: 'uc-message', role: 'status' }, h('p', { class: 'uc-message-title' }, 'No saved policy'), h('p', {}, `Write rules in the Rules view first; ${what} shows what they would do.`)));
      ctx.state('ready');
      return null;
    }
    if (plan.result.type !== 'success') {
      panel.append(problems('The policy or the data does not validate', plan.result.errors));
      ctx.state('ready');
      return null;
    }
    return { snap, plan: plan.result.value, warnings: plan.result.warnings ?? [], policy, ms: plan.ms, policySource: plan.policySource };
  } catch (e) {
    clear(panel).append(errorBox(`The ${what} could not be built`, e));
    ctx.state('error');
    return null;
  }
}

export const EXECUTABLE = new Set(['deactivate', 'removeFromGroups']);
export const trailName = (prefix = 'user-cleanup-audit') => `${prefix}-${new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}.jsonl`;

// ---------------------------------------------------------------- the Run view

export async function renderRun(panel, ctx) {
  ensureViewStyles();
  const got = await loadPlan(panel, ctx, 'run');
  if (!got) return;
  const { snap, plan, policy } = got;
  const c = plan.counts;
  const executable = plan.actions.filter((a) => EXECUTABLE.has(a.action));
  const n = executable.length;

  panel.append(h('p', { class: 'uc-summary' },
    'The saved policy', got.policySource ? ` (${got.policySource.split('/').pop()})` : '', ' over ', h('strong', {}, num(c.users)), ' users read at ',
    h('time', { datetime: plan.asOf }, plan.asOf.replace('T', ' ').replace('Z', ' UTC')), ': ',
    h('strong', { id: 'uc-run-executable' }, num(n)), ' accounts to change (',
    `${num(c.byAction?.deactivate ?? 0)} deactivate, ${num(c.byAction?.removeFromGroups ?? 0)} remove from groups`,
    `), ${num(c.byAction?.review ?? 0)} listed for review only, ${num(c.protected)} protected`,
    plan.limit?.maxActionsPerRun != null ? ` · limit ${num(plan.limit.maxActionsPerRun)} per run` : ' · no limit per run'));

  if (plan.overLimit) {
    panel.append(h('div', { class: 'uc-message uc-message-error', role: 'alert', id: 'uc-run-refused' },
      h('p', { class: 'uc-message-title' }, 'This plan is over the policy\u2019s limit, so it cannot be run'),
      h('p', {}, `It would change ${num(c.executable)} accounts; the policy allows at most ${num(plan.limit.maxActionsPerRun)} per run (limits.maxActionsPerRun). Nothing was changed. Narrow the rules or raise the limit in the Rules view, then check the Preview again.`)));
    ctx.state('ready');
    return;
  }
  if (n === 0) {
    panel.append(h('div', { class: 'uc-message', role: 'status', id: 'uc-run-nothing' }, h('p', { class: 'uc-message-title' }, 'Nothing to run'),
      h('p', {}, 'The saved policy changes no account today. Accounts listed for review are only listed.')));
    ctx.state('ready');
    return;
  }

  const [{ executor, hash }, audit] = await Promise.all([runnerModules(ctx), pageTrail(ctx)]);
  const inputId = 'uc-run-confirm-input';
  const input = h('input', { class: 'uc-input', id: inputId, type: 'text', inputmode: 'numeric', autocomplete: 'off', size: '8', 'aria-describedby': 'uc-run-confirm-help' });
  const fallback = h('select', { class: 'uc-select', id: 'uc-run-fallback' },
    h('option', { value: 'remove-licence-groups' }, 'remove them from their licence groups'),
    h('option', { value: 'skip' }, 'skip them'));
  const start = h('button', { type: 'button', class: 'uc-button uc-button-primary', id: 'uc-run-start', disabled: true }, `Change ${num(n)} accounts`);
  const stop = h('button', { type: 'button', class: 'uc-button uc-button-danger', id: 'uc-run-stop', hidden: true }, 'Stop');
  const fill = h('div', { class: 'uc-progress-fill' });
  const bar = h('div', { class: 'uc-progress', role: 'progressbar', 'aria-label': 'Run progress', 'aria-valuemin': '0', 'aria-valuemax': String(n), 'aria-valuenow': '0' }, fill);
  const counter = h('p', { class: 'uc-muted', id: 'uc-run-counter', 'aria-live': 'polite' });
  const tbody = h('tbody');
  const results = h('div', { class: 'uc-results uc-table-wrap' }, h('table', { class: 'uc-table', id: 'uc-run-results' },
    h('caption', { class: 'uc-visually-hidden' }, 'Per-user results'),
    h('thead', {}, h('tr', {}, ['#', 'User', 'Action', 'Result', 'Details'].map((t) => h('th', { scope: 'col' }, t)))), tbody));
  const outcomeBox = h('div', { id: 'uc-run-outcome' });
  const progressBox = h('div', { hidden: true, id: 'uc-run-progress' }, bar, counter, results);

  const trailInfo = audit.savedInJira
    ? 'The audit trail is saved in Jira, record by record, and can be downloaded afterwards.'
    : 'The audit trail is kept on this page and downloaded when the run ends (store it with your records; History can import it).';
  const confirmBox = h('div', { class: 'uc-confirm', id: 'uc-run-confirm' },
    h('p', {}, 'Before each change the user is read again from Jira; accounts that are already inactive or gone are skipped. ', trailInfo),
    audit.loadError ? h('p', { class: 'uc-message uc-message-warning' }, String(audit.loadError.message)) : null,
    h('p', {}, h('label', { for: 'uc-run-fallback' }, 'Users in a read-only (LDAP) directory cannot be deactivated; ', fallback)),
    h('p', {}, h('label', { for: inputId, id: 'uc-run-confirm-help' }, `To confirm, type the number of accounts that will be changed (${num(n)}): `), input),
    h('p', {}, start, ' ', stop));
  panel.append(section('uc-run', 'Run the saved policy', confirmBox, progressBox, outcomeBox));
  input.addEventListener('input', () => {
    start.disabled = input.value.trim().replace(/[,\s]/g, '') !== String(n);
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !start.disabled) start.click();
  });

  const controller = new AbortController();
  stop.addEventListener('click', () => {
    controller.abort();
    stop.disabled = true;
    stop.textContent = 'Stopping…';
    counter.append(' · Stopping: requests already sent finish, nothing new starts.');
  });

  start.addEventListener('click', async () => {
    if (start.disabled || input.value.trim().replace(/[,\s]/g, '') !== String(n)) return;
    start.disabled = true;
    input.disabled = true;
    fallback.disabled = true;
    stop.hidden = false;
    progressBox.hidden = false;
    ctx.state('running');
    const who = { actor: ctx.me?.name ?? null, jiraUser: ctx.me?.name ?? null, operator: null };
    let shown = 0;
    const show = (t) => {
      const k = t.done + t.failed + t.skipped;
      fill.style.width = `${(100 * k) / n}%`;
      bar.setAttribute('aria-valuenow', String(k));
      counter.firstChild ? (counter.firstChild.textContent = `${num(k)} of ${num(n)} · done ${num(t.done)} · failed ${num(t.failed)} · skipped ${num(t.skipped)}`)
        : counter.append(`${num(k)} of ${num(n)} · done ${num(t.done)} · failed ${num(t.failed)} · skipped ${num(t.skipped)}`);
    };
    show({ done: 0, failed: 0, skipped: 0 });
    let result;
    try {
      const policyHash = await hash.sha256Hex(policy.text);
      result = await executor.executePlan({
        host: ctx.host,
        plan,
        trail: audit.trail,
        who,
        via: 'admin page',
        policyHash,
        policyPath: policy.source ?? null,
        jira: location.origin + (ctx.contextPath ?? ''),
        engineVersion: ctx.timings?.engine?.version ?? null,
        snapshot: { capturedAt: snap.snap.capturedAt ?? null, users: snap.snap.users?.length ?? 0 },
        roleGroups: executor.roleGroupsOf(snap.snap),
        readonlyFallback: fallback.value,
        concurrency: 4,
        signal: controller.signal,
        onOutcome: (rec, totals) => {
          shown += 1;
          const what = rec.fallback ? `${rec.action} (read-only fallback)` : rec.action;
          const groups = rec.effects?.groupsRemoved?.length ? ` ${rec.effects.groupsRemoved.join(', ')}` : '';
          tbody.append(h('tr', { dataset: { user: rec.user, status: rec.status } },
            h('td', { class: 'uc-num' }, String(shown)), h('td', {}, rec.user), h('td', {}, what + groups),
            h('td', {}, h('span', { class: `uc-status-${rec.status}` }, rec.status)), h('td', {}, rec.reason ?? '')));
          show(totals);
        },
      });
    } catch (e) {
      outcomeBox.append(errorBox('The run could not be completed', e));
      ctx.state('ready');
      stop.hidden = true;
      offerTrail(outcomeBox, audit, true);
      return;
    }
    stop.hidden = true;
    const t = result.totals;
    outcomeBox.append(h('div', { class: `uc-message${t.failed ? ' uc-message-warning' : ''}`, role: 'status', id: 'uc-run-finished', dataset: { runId: result.runId, stopped: String(result.stopped) } },
      h('p', { class: 'uc-message-title' }, result.stopped ? 'Run stopped' : 'Run finished'),
      h('p', {}, `${num(t.done)} done, ${num(t.failed)} failed, ${num(t.skipped)} skipped`,
        t.notStarted ? `, ${num(t.notStarted)} not started (stopped)` : '', `, ${num(t.review)} listed for review. Run `, h('span', { class: 'uc-code' }, result.runId), '.'),
      h('p', {}, 'Undo it from History if needed. The users were read again; Refresh data shows the new state.')));
    offerTrail(outcomeBox, audit, !audit.savedInJira);
    ctx.state('ready');
  });
  ctx.state('ready');
}

function offerTrail(box, audit, autoDownload) {
  const text = audit.trail.text();
  const name = trailName();
  const btn = h('button', { type: 'button', class: 'uc-button', id: 'uc-run-download' }, 'Download the audit trail (JSON lines)');
  btn.addEventListener('click', () => download(name, audit.trail.text(), 'application/x-ndjson'));
  const where = audit.savedInJira && !audit.saveErrors.length
    ? 'The audit trail is saved in Jira.'
    : audit.saveErrors.length
      ? `Saving the audit trail in Jira failed (${audit.saveErrors[0].message}); download it now and keep it.`
      : 'The audit trail was downloaded; keep it with your records.';
  box.append(h('p', { id: 'uc-run-trail' }, where, ' ', btn));
  if (autoDownload || audit.saveErrors.length) download(name, text, 'application/x-ndjson');
}
