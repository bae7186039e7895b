// The Preview view: every action the saved policy would take, with the engine's reasons and facts,
// protected users and the licence impact. The action list is a virtualised grid (fixed row height,
// only the visible rows exist in the DOM, recycled on scroll), so 100k rows scroll smoothly; it is
// filtered by rule / action, searched by username / name / email and sorted by column over
// precomputed keys. Cells are text nodes only. Exports: CSV (the runner's csv.mjs: RFC 4180 with
// spreadsheet-formula neutralisation) and the engine's plan as JSON, downloaded from Blob URLs.
import { h, clear, num, day } from './dom.mjs';
import { sortableTable } from './table.mjs';
import { section, problems, download } from './view-kit.mjs';
import { loadPlan } from './saved-plan.mjs';
import { runnerModules } from './runner-loader.mjs';
import { policyBanner } from './policy-banner.mjs';
import { warningsPreview } from './warn-views.mjs';
import { rowPool, columnKeys, sortByKeys, nextSort, sortHeader, markSorted, fillCells, scrollRowIntoView, keyTarget } from './vgrid.mjs';

const ROW_H = 32;
const ACTION_LABEL = { deactivate: 'Deactivate', removeFromGroups: 'Remove from groups', review: 'Review' };

export const COLUMNS = [
  { key: 'user', label: 'User', width: 'minmax(110px, 1.1fr)', get: (a) => a.user },
  { key: 'displayName', label: 'Name', width: 'minmax(110px, 1.2fr)', get: (a) => a.displayName ?? '' },
  { key: 'email', label: 'Email', width: 'minmax(130px, 1.4fr)', get: (a) => a.email ?? '' },
  { key: 'rule', label: 'Rule', width: 'minmax(90px, 1fr)', get: (a) => a.rule },
  { key: 'action', label: 'Action', width: 'minmax(110px, 1fr)', get: (a) => a.action, text: (a) => actionText(a) },
  { key: 'leads', label: 'Leads', width: 'minmax(70px, 0.8fr)', get: (a) => leadsText(a), text: (a) => leadsText(a) || (a.facts?.leads === undefined ? '?' : '—') },
  { key: 'openAssigned', label: 'Open', width: '56px', num: true, get: (a) => a.facts?.openAssigned ?? -1, text: (a) => (a.facts?.openAssigned == null ? '?' : num(a.facts.openAssigned)) },
  { key: 'lastLogin', label: 'Last login', width: '96px', get: (a) => a.facts?.lastLogin ?? '', text: (a) => (a.facts?.lastLogin ? day(a.facts.lastLogin) : a.facts?.lastLogin === null ? 'never' : '—') },
  { key: 'daysInactive', label: 'Days', width: '64px', num: true, get: (a) => a.facts?.daysInactive ?? -1, text: (a) => num(a.facts?.daysInactive) },
  { key: 'reasons', label: 'Reasons', width: 'minmax(160px, 2.4fr)', get: (a) => (a.reasons ?? []).join('; ') },
];

/** The action in words; a blocked one and one that hands projects over first say so. */
export function actionText(a) {
  const base = ACTION_LABEL[a.action] + (a.groups ? `: ${a.groups.join(', ')}` : '');
  if (a.status === 'blocked') return `${base} — blocked`;
  if (a.status) return `${base} — ${a.status === 'awaitingWarning' ? 'awaiting its warning' : a.status}`;
  if (a.handover) return `${base} after hand-over`;
  return base;
}

/** Projects (keys) and components ("PRJ/Name") the user leads, per the snapshot ('' = none or not known). */
export function leadsText(a) {
  const l = a.facts?.leads;
  if (!l) return '';
  return [...(l.projects ?? []).map((p) => p.key), ...(l.components ?? []).map((c) => `${c.project}/${c.name}`)].join(', ');
}

/** "hand over OPS, LI to bob, then deactivate" */
export const handoverText = (a) => `hand over ${a.handover.projects.join(', ')} to ${a.handover.projectLead}, then deactivate`;

const STATUS = [
  { v: '', label: 'Any status', test: () => true },
  { v: 'blocked', label: 'Blocked', test: (a) => a.status === 'blocked' },
  { v: 'handover', label: 'Hand-over first', test: (a) => !a.status && Boolean(a.handover) },
  { v: 'openAssigned', label: 'With open issues', test: (a) => (a.facts?.openAssigned ?? 0) > 0 },
  { v: 'ready', label: 'Not blocked', test: (a) => !a.status },
];

export const CSV_HEADER = ['user', 'display_name', 'email', 'rule', 'action', 'groups', 'reasons', 'last_login', 'days_inactive', 'created', 'matched_groups', 'email_domain', 'directory', 'status', 'blocked_reason', 'handover', 'leads', 'open_assigned'];
export const csvRow = (a) => [a.user, a.displayName, a.email, a.rule, a.action, a.groups ?? [], a.reasons ?? [], a.facts?.lastLogin === null ? 'never' : a.facts?.lastLogin,
  a.facts?.daysInactive, a.facts?.created, a.facts?.matchedGroups ?? [], a.facts?.emailDomain, a.facts?.directory,
  a.status ?? '', a.blockedReason ?? '', a.handover ? handoverText(a) : '', leadsText(a), a.facts?.openAssigned ?? ''];

export async function renderPreview(panel, ctx) {
  const t0 = performance.now();
  const got = await loadPlan(panel, ctx, 'preview');
  if (!got) return;
  const { plan, warnings } = got;
  const c = plan.counts;
  const by = c.byAction ?? {};
  const banner = policyBanner(await ctx.data.savedPolicy(), 'This preview applies');
  if (banner) panel.append(banner);
  panel.append(h('p', { class: 'uc-summary', id: 'uc-preview-summary' },
    h('strong', { dataset: { count: 'actions' } }, num(c.actions)), ' planned actions over ', num(c.users), ' users (', num(c.activeUsers), ' active) as of ',
    h('time', { datetime: plan.asOf }, plan.asOf.replace('T', ' ').replace('Z', ' UTC')), ': ',
    h('span', { dataset: { count: 'deactivate' } }, num(by.deactivate ?? 0)), ' deactivate, ',
    h('span', { dataset: { count: 'removeFromGroups' } }, num(by.removeFromGroups ?? 0)), ' remove from groups, ',
    h('span', { dataset: { count: 'review' } }, num(by.review ?? 0)), ' review; ',
    h('span', { dataset: { count: 'protected' } }, num(c.protected)), ' protected',
    // blocked/skipped are absent from counts when 0 (the engine's contract).
    c.blocked ? h('span', {}, '; ', h('span', { dataset: { count: 'blocked' } }, num(c.blocked)), ' blocked (not carried out)') : '',
    c.skipped ? h('span', {}, '; ', h('span', { dataset: { count: 'skipped' } }, num(c.skipped)), ' users skipped for open issues') : '',
    plan.limit?.maxActionsPerRun != null ? ` · limit ${num(plan.limit.maxActionsPerRun)} changes per run` : ''));
  if (plan.overLimit) {
    panel.append(h('div', { class: 'uc-message uc-message-warning', role: 'status', id: 'uc-preview-overlimit' },
      h('p', { class: 'uc-message-title' }, 'Over the limit: this plan cannot be run'),
      h('p', {}, `${num(c.executable)} accounts would change, more than limits.maxActionsPerRun (${num(plan.limit.maxActionsPerRun)}).`)));
  }
  if (warnings.length) panel.append(problems('Warnings from the engine', warnings, 'warning'));

  const grid = actionGrid(plan, ctx);
  panel.append(section('uc-preview-actions', 'Planned actions', grid.el));
  panel.append(warningsPreview(ctx)); // rules that warn first: who is warned today, waits, is acted on
  if (plan.skipped?.length) panel.append(section('uc-preview-skipped', `Skipped for open issues (${num(plan.skipped.length)})`, skippedTable(plan)));
  panel.append(section('uc-preview-protected', 'Protected users', protectedTable(plan)));
  panel.append(section('uc-preview-licence', 'Licence impact', licenceTable(plan)));
  await new Promise((r) => requestAnimationFrame(() => r()));
  ctx.timings.previewDrawn = Math.round(performance.now() - t0);
  ctx.timings.previewPlanMs = got.ms ?? null;
  ctx.state('ready');
}

function protectedTable(plan) {
  if (!plan.protected?.length) return h('p', { class: 'uc-muted' }, 'No rule selected a protected user.');
  return sortableTable({
    id: 'uc-protected-table', caption: 'Protected users', limit: 20, sort: { key: 'user', dir: 'asc' },
    columns: [
      { key: 'user', label: 'User' },
      { key: 'rule', label: 'Rule that would have selected them' },
      { key: 'reason', label: 'Why protected' },
    ],
    rows: plan.protected,
  });
}

function skippedTable(plan) {
  return sortableTable({
    id: 'uc-skipped-table', caption: 'Users a rule with skipIfOpenAssignedIssues passed over', limit: 20, sort: { key: 'user', dir: 'asc' },
    columns: [
      { key: 'user', label: 'User' },
      { key: 'rule', label: 'Rule' },
      { key: 'openAssigned', label: 'Open issues', type: 'num', format: (v) => (v == null ? 'unknown' : num(v)) },
      { key: 'reason', label: 'Why skipped' },
    ],
    rows: plan.skipped,
  });
}

function licenceTable(plan) {
  if (!plan.licence?.length) return h('p', { class: 'uc-muted' }, 'Jira reported no application roles.');
  return sortableTable({
    id: 'uc-licence-table', caption: 'Licence impact per application role',
    columns: [
      { key: 'name', label: 'Application role' },
      { key: 'numberOfSeats', label: 'Seats', type: 'num', format: (v, r) => (r.hasUnlimitedSeats ? 'unlimited' : num(v)) },
      { key: 'seatsBefore', label: 'Used now', type: 'num' },
      { key: 'seatsAfter', label: 'Used after', type: 'num' },
      { key: 'seatsFreed', label: 'Freed', type: 'num' },
      { key: 'remainingAfter', label: 'Free after', type: 'num' },
    ],
    rows: plan.licence,
  });
}

/** The filter bar, the virtualised grid, the detail pane of the selected row, the exports. */
function actionGrid(plan, ctx) {
  const actions = plan.actions;
  const N = actions.length;
  // Precomputed per row, once: the search haystack and each column's sort key.
  const hay = new Array(N);
  for (let i = 0; i < N; i++) {
    const a = actions[i];
    hay[i] = `${a.user}\u0000${a.displayName ?? ''}\u0000${a.email ?? ''}`.toLowerCase();
  }
  const sortKeys = new Map();
  const keysFor = (col) => columnKeys(sortKeys, col, actions);

  const rules = [...new Set(actions.map((a) => a.rule))].sort();
  const ruleSel = h('select', { class: 'uc-select', id: 'uc-filter-rule' }, h('option', { value: '' }, 'All rules'), rules.map((r) => h('option', { value: r }, r)));
  const actionSel = h('select', { class: 'uc-select', id: 'uc-filter-action' }, h('option', { value: '' }, 'All actions'),
    Object.entries(ACTION_LABEL).map(([k, v]) => h('option', { value: k }, v)));
  const statusSel = h('select', { class: 'uc-select', id: 'uc-filter-status' }, STATUS.map((st) => {
    if (!st.v) return h('option', { value: st.v }, st.label);
    const n = actions.reduce((k, a) => k + (st.test(a) ? 1 : 0), 0);
    return h('option', { value: st.v, dataset: { count: String(n) } }, `${st.label} (${num(n)})`);
  }));
  const search = h('input', { class: 'uc-input', id: 'uc-filter-search', type: 'search', placeholder: 'User, name or email', autocomplete: 'off' });
  const shownCount = h('span', { class: 'uc-muted', id: 'uc-preview-shown', 'aria-live': 'polite' });
  const csvBtn = h('button', { type: 'button', class: 'uc-button', id: 'uc-export-csv' }, 'Export CSV');
  const jsonBtn = h('button', { type: 'button', class: 'uc-button', id: 'uc-export-json' }, 'Export JSON');
  const toolbar = h('div', { class: 'uc-toolbar', role: 'search' },
    h('label', { class: 'uc-field' }, 'Search', search),
    h('label', { class: 'uc-field' }, 'Rule', ruleSel),
    h('label', { class: 'uc-field' }, 'Action', actionSel),
    h('label', { class: 'uc-field' }, 'Status', statusSel),
    shownCount, h('span', { style: { flex: '1' } }), csvBtn, jsonBtn);

  const cols = COLUMNS.map((col) => col.width).join(' ');
  let sort = null; // { key, dir }
  const headCells = COLUMNS.map((col, ci) => sortHeader(col, ci + 1, () => {
    sort = nextSort(sort, col);
    apply();
  }));
  const head = h('div', { class: 'uc-vgrid-head', role: 'row', 'aria-rowindex': '1' }, headCells);
  const spacer = h('div', { class: 'uc-vgrid-spacer', role: 'rowgroup' });
  const scroller = h('div', { class: 'uc-vgrid-scroll', tabindex: '0', 'aria-label': 'Planned actions: arrow keys move, Home/End jump' }, spacer);
  const gridEl = h('div', { class: 'uc-vgrid', role: 'grid', id: 'uc-actions-grid', 'aria-label': 'Planned actions', 'aria-colcount': String(COLUMNS.length), style: { '--uc-cols': cols } },
    h('div', { role: 'rowgroup' }, head), scroller);
  gridEl.style.setProperty('--uc-cols', cols);
  const empty = h('p', { class: 'uc-vgrid-empty', hidden: true }, 'No planned action matches.');
  const detail = h('div', { class: 'uc-detail', id: 'uc-action-detail', 'aria-live': 'polite' }, h('p', { class: 'uc-muted' }, 'Select a row to see all its reasons and facts.'));

  let view = Int32Array.from({ length: N }, (_, i) => i); // indexes into actions, filtered + sorted
  let active = -1; // position in view

  function rowEl() {
    const cells = COLUMNS.map((col, ci) => h('div', { role: 'gridcell', class: col.num ? 'uc-num' : null, 'aria-colindex': String(ci + 1), dataset: { key: col.key } }));
    const row = h('div', { class: 'uc-vgrid-row', role: 'row' }, cells);
    row.addEventListener('click', () => select(Number(row.dataset.pos), false));
    return { row, cells };
  }

  const pool = rowPool(scroller, spacer, ROW_H, rowEl, ({ row, cells }, pos) => {
    const a = actions[view[pos]];
    row.dataset.user = a.user;
    if (a.status) row.dataset.status = a.status;
    else delete row.dataset.status;
    row.id = `uc-row-${pos}`;
    row.setAttribute('aria-selected', String(pos === active));
    fillCells(cells, COLUMNS, a);
  });
  const paint = (force = false) => pool(view.length, force);

  function apply() {
    const q = search.value.trim().toLowerCase();
    const rule = ruleSel.value;
    const act = actionSel.value;
    const st = STATUS.find((x) => x.v === statusSel.value) ?? STATUS[0];
    let idx = [];
    for (let i = 0; i < N; i++) {
      const a = actions[i];
      if (rule && a.rule !== rule) continue;
      if (act && a.action !== act) continue;
      if (!st.test(a)) continue;
      if (q && !hay[i].includes(q)) continue;
      idx.push(i);
    }
    if (sort) {
      const col = COLUMNS.find((x) => x.key === sort.key);
      sortByKeys(idx, keysFor(col), col.num, sort.dir);
    }
    view = Int32Array.from(idx);
    markSorted(headCells, sort);
    gridEl.setAttribute('aria-rowcount', String(view.length + 1));
    spacer.style.height = `${view.length * ROW_H}px`;
    shownCount.textContent = view.length === N ? `${num(N)} actions` : `${num(view.length)} of ${num(N)} actions`;
    empty.hidden = view.length > 0;
    active = view.length ? Math.min(Math.max(active, 0), view.length - 1) : -1;
    scroller.scrollTop = 0;
    paint(true);
    showDetail();
  }

  function select(pos, scrollIntoView = true) {
    if (!view.length) return;
    active = Math.max(0, Math.min(view.length - 1, pos));
    if (scrollIntoView) scrollRowIntoView(scroller, active, ROW_H);
    paint(true);
    scroller.setAttribute('aria-activedescendant', `uc-row-${active}`);
    showDetail();
  }

  function showDetail() {
    if (active < 0 || !view.length) {
      clear(detail).append(h('p', { class: 'uc-muted' }, view.length ? 'Select a row to see all its reasons and facts.' : ''));
      return;
    }
    const a = actions[view[active]];
    const f = a.facts ?? {};
    const dl = h('dl', {});
    const fact = (k, v) => dl.append(h('dt', {}, k), h('dd', {}, v == null || v === '' ? '—' : String(v)));
    fact('Name', a.displayName);
    fact('Email', a.email);
    fact('Rule', a.rule);
    fact('Action', actionText(a));
    if (a.status === 'blocked') fact('Blocked', a.blockedReason ?? a.blockedCode);
    if (a.handover) fact('Hand-over', handoverText(a));
    const l = f.leads;
    fact('Project lead of', l === undefined ? 'not known (not read)' : (l?.projects ?? []).map((p) => `${p.key} (${p.name ?? p.key})`).join(', ') || 'none');
    fact('Component lead of', l === undefined ? 'not known (not read)' : (l?.components ?? []).map((c) => `${c.project} / ${c.name}`).join(', ') || 'none');
    fact('Open assigned issues', f.openAssigned == null ? 'not counted' : `${num(f.openAssigned)} (they stay assigned to the account)`);
    fact('Last login', f.lastLogin === null ? 'never' : f.lastLogin);
    fact('Days inactive', f.daysInactive);
    fact('Created', f.created ?? (f.createdBefore ? `before ${f.createdBefore} (start of Jira's audit log)` : null));
    fact('Matched groups', (f.matchedGroups ?? []).join(', '));
    fact('Email domain', f.emailDomain);
    fact('Directory', f.directory);
    if (f.serviceAccount) fact('Service account', `owner ${f.serviceAccount.owner}, ${f.serviceAccount.purpose}, expired ${f.serviceAccount.expires}`);
    clear(detail).append(h('p', { class: 'uc-message-title' }, a.user),
      a.status === 'blocked' ? h('p', { class: 'uc-message uc-message-warning', id: 'uc-detail-blocked' }, `Blocked: ${a.blockedReason ?? a.blockedCode}. A run does not carry this out.`) : '',
      h('ul', { class: 'uc-reasons' }, (a.reasons ?? []).map((r) => h('li', {}, r))), dl);
  }

  scroller.addEventListener('scroll', () => paint(), { passive: true });
  scroller.addEventListener('keydown', (e) => {
    const to = keyTarget(e.key, scroller, ROW_H, active, view.length);
    if (to === null) return;
    select(to);
    e.preventDefault();
  });
  scroller.addEventListener('focus', () => {
    if (active < 0 && view.length) select(0);
  });
  let timer = null;
  search.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(apply, N > 20000 ? 150 : 60);
  });
  ruleSel.addEventListener('change', apply);
  actionSel.addEventListener('change', apply);
  statusSel.addEventListener('change', apply);
  if (typeof ResizeObserver === 'function') new ResizeObserver(() => paint(true)).observe(scroller);

  csvBtn.addEventListener('click', async () => {
    const { csv } = await runnerModules(ctx);
    const rows = Array.from(view, (i) => csvRow(actions[i]));
    download(`user-cleanup-preview-${plan.asOf.slice(0, 10)}.csv`, csv.toCsv(CSV_HEADER, rows), 'text/csv');
  });
  jsonBtn.addEventListener('click', () => download(`user-cleanup-plan-${plan.asOf.slice(0, 10)}.json`, JSON.stringify(plan, null, 2), 'application/json'));

  const el = h('div', {}, toolbar, gridEl, empty, detail);
  // First paint once the grid is in the document (clientHeight known).
  requestAnimationFrame(() => paint(true));
  apply();
  return { el };
}
