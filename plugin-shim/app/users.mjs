// The Users view: every user, the filters of a rule (and a few more) as controls, search, counts
// per filter value, the virtualised grid, a detail panel with the facts and group memberships,
// exports, and bulk operations on the users selected. Who matches is the engine's (an openQuery
// session, users-session.mjs): the grid holds every user's row once and per filter gets the
// engine's matching positions (`matches`) — no matching here; the grid only sorts and pages.
// The filters live in the URL hash (`#user-cleanup/users?include=contractors&inactive=90&…`), so a
// view can be bookmarked and shared.
import { h, clear, num, errorBox } from './dom.mjs';
import { section, download } from './view-kit.mjs';
import { usersGrid } from './users-grid.mjs';
import { usersSession, runQuery, allRows, matchQuery } from './users-session.mjs';
import { runnerModules } from './runner-loader.mjs';
import { openBulk } from './users-bulk.mjs';

const BUCKETS = [['active', 'Active'], ['lowUsage', 'Low usage'], ['inactive', 'Inactive'], ['neverLoggedIn', 'Never logged in'], ['unknown', 'Last login not known'], ['deactivated', 'Deactivated'], ['protected', 'Protected']];
const LIST_PARAMS = ['include', 'exclude', 'domain', 'bucket', 'role', 'directory'];
const ONE_PARAMS = ['q', 'email', 'inactive', 'never', 'before', 'after', 'active', 'protected', 'review', 'sort'];

export const CSV_HEADER = ['user', 'display_name', 'email', 'active', 'last_login', 'days_inactive', 'bucket', 'created', 'directory', 'groups', 'roles', 'protected', 'review', 'reasons'];
export const csvRow = (u) => [u.name, u.displayName, u.email, u.active, u.lastLogin === null ? 'never' : u.lastLogin, u.daysInactive, u.bucket, u.created ?? (u.createdBefore ? `before ${u.createdBefore}` : null),
  u.directory, u.groups ?? [], u.roles ?? [], u.protected?.reason ?? '', u.review ?? '', u.reasons ?? []];

/** The view's state from the hash's query part (`#user-cleanup/users?…`). */
export function stateFromHash(hash = location.hash) {
  const q = hash.indexOf('?');
  const p = new URLSearchParams(q < 0 ? '' : hash.slice(q + 1));
  const st = {};
  for (const k of ONE_PARAMS) if (p.get(k) != null && p.get(k) !== '') st[k] = p.get(k);
  for (const k of LIST_PARAMS) {
    const v = p.getAll(k).map((x) => x.trim()).filter(Boolean);
    if (v.length) st[k] = v;
  }
  return st;
}

export function hashFromState(st) {
  const p = new URLSearchParams();
  for (const k of ONE_PARAMS) if (st[k] != null && st[k] !== '') p.set(k, String(st[k]));
  for (const k of LIST_PARAMS) for (const v of st[k] ?? []) p.append(k, v);
  const s = p.toString();
  return `#user-cleanup/users${s ? `?${s}` : ''}`;
}

/** The engine's filter for the view's state (the engine checks it and says what is wrong). */
export function filterFromState(st) {
  const f = {};
  if (st.q) f.search = st.q;
  if (st.include?.length) f.include = { groups: st.include };
  if (st.exclude?.length) f.exclude = { groups: st.exclude };
  if (st.email === 'external' || st.email === 'internal') f.email = { external: st.email === 'external' };
  else if (st.email === 'domains' && st.domain?.length) f.email = { domains: st.domain };
  if (st.inactive != null && st.inactive !== '') f.inactiveDays = /^\d+$/.test(st.inactive) ? Number(st.inactive) : st.inactive;
  if (st.never === '1') f.neverLoggedIn = {};
  if (st.before || st.after) f.created = { ...(st.before ? { before: st.before } : {}), ...(st.after ? { after: st.after } : {}) };
  if (st.bucket?.length) f.buckets = st.bucket;
  if (st.role?.length) f.roles = st.role;
  if (st.directory?.length) f.directories = st.directory;
  for (const k of ['active', 'protected', 'review']) if (st[k] === 'yes' || st[k] === 'no') f[k] = st[k] === 'yes';
  return f;
}

const splitList = (text) => String(text ?? '').split(',').map((x) => x.trim()).filter(Boolean);

export async function renderUsers(panel, ctx) {
  const loading = h('p', { class: 'uc-status', role: 'status' }, 'Reading users from Jira…');
  panel.append(loading);
  ctx.state('loading');
  let sess;
  try {
    sess = await usersSession(ctx);
  } catch (e) {
    clear(panel).append(errorBox('The users could not be listed', e));
    ctx.state('error');
    return;
  }
  loading.remove();
  let st = stateFromHash();

  // ---- controls
  const field = (label, control, id) => h('label', { class: 'uc-field', for: id }, label, control);
  const search = h('input', { class: 'uc-input', id: 'uc-users-search', type: 'search', placeholder: 'User, name or email', autocomplete: 'off' });
  const include = h('input', { class: 'uc-input', id: 'uc-users-include', type: 'text', placeholder: 'groups, comma-separated (* allowed)', autocomplete: 'off' });
  const exclude = h('input', { class: 'uc-input', id: 'uc-users-exclude', type: 'text', placeholder: 'groups, comma-separated', autocomplete: 'off' });
  const email = h('select', { class: 'uc-select', id: 'uc-users-email' });
  const domains = h('input', { class: 'uc-input', id: 'uc-users-domains', type: 'text', placeholder: 'domains, comma-separated', autocomplete: 'off' });
  const inactive = h('input', { class: 'uc-input', id: 'uc-users-inactive', type: 'number', min: '0', max: '36500', step: '1', size: '5' });
  const never = h('input', { type: 'checkbox', id: 'uc-users-never' });
  const before = h('input', { class: 'uc-input', id: 'uc-users-before', type: 'date' });
  const after = h('input', { class: 'uc-input', id: 'uc-users-after', type: 'date' });
  const tri = (id, label) => h('select', { class: 'uc-select', id }, h('option', { value: '' }, `${label}: any`), h('option', { value: 'yes' }, 'yes'), h('option', { value: 'no' }, 'no'));
  const active = tri('uc-users-active', 'Active');
  const prot = tri('uc-users-protected', 'Protected');
  const review = tri('uc-users-review', 'Listed for review');
  const bucketsBox = h('fieldset', { class: 'uc-users-facet', id: 'uc-users-buckets' }, h('legend', {}, 'Activity'));
  const rolesBox = h('fieldset', { class: 'uc-users-facet', id: 'uc-users-roles' }, h('legend', {}, 'Application role'));
  const dirsBox = h('fieldset', { class: 'uc-users-facet', id: 'uc-users-directories' }, h('legend', {}, 'Directory'));
  const resetBtn = h('button', { type: 'button', class: 'uc-button uc-button-link', id: 'uc-users-reset' }, 'Clear filters');
  const problemBox = h('div', { id: 'uc-users-problem', 'aria-live': 'polite' });
  const countLine = h('p', { class: 'uc-summary', id: 'uc-users-count', 'aria-live': 'polite' });

  const toolbar = h('div', { class: 'uc-toolbar', role: 'search' },
    field('Search', search, 'uc-users-search'), field('In any of the groups', include, 'uc-users-include'), field('In none of the groups', exclude, 'uc-users-exclude'),
    field('Email', email, 'uc-users-email'), field('Domains', domains, 'uc-users-domains'),
    field('Inactive at least (days)', inactive, 'uc-users-inactive'),
    h('label', { class: 'uc-check', for: 'uc-users-never' }, never, ' Never logged in'),
    field('Created before', before, 'uc-users-before'), field('Created on or after', after, 'uc-users-after'),
    active, prot, review, resetBtn);
  const facets = h('div', { class: 'uc-users-facets' }, bucketsBox, rolesBox, dirsBox);

  // ---- selection, bulk, exports
  const selCount = h('span', { id: 'uc-users-selected', class: 'uc-muted' }, 'No user selected');
  const selectAll = h('button', { type: 'button', class: 'uc-button', id: 'uc-users-select-all' }, 'Select all that match');
  const clearSel = h('button', { type: 'button', class: 'uc-button uc-button-link', id: 'uc-users-clear-selection' }, 'Clear selection');
  const bulkBtn = h('button', { type: 'button', class: 'uc-button uc-button-primary', id: 'uc-users-bulk', disabled: true }, 'Bulk operation…');
  const csvBtn = h('button', { type: 'button', class: 'uc-button', id: 'uc-users-csv' }, 'Export CSV');
  const jsonBtn = h('button', { type: 'button', class: 'uc-button', id: 'uc-users-json' }, 'Export JSON');
  const bulkBox = h('div', { id: 'uc-users-bulk-box' });
  const detail = h('div', { class: 'uc-detail', id: 'uc-users-detail', 'aria-live': 'polite' }, h('p', { class: 'uc-muted' }, 'Select a row to see the user\u2019s facts and groups.'));

  const grid = usersGrid({
    onActivate: (u) => showDetail(u),
    onSelection: () => updateSelection(),
    onSort: (s) => {
      st.sort = s ? `${s.key}:${s.dir}` : '';
      writeHash();
    },
  });

  const groupsNote = sess.allGroups ? null : h('p', { class: 'uc-message uc-message-warning', id: 'uc-users-groups-note' },
    'Group memberships are complete only for the groups the policy names until the background read of the other groups finishes (Dashboard); group filters on other groups may miss members. Reopen this view when it is done.');
  panel.append(section('uc-users', 'Users',
    groupsNote ?? '', toolbar, facets, problemBox, countLine,
    h('div', { class: 'uc-toolbar' }, selectAll, clearSel, selCount, h('span', { class: 'uc-grow' }), bulkBtn, csvBtn, jsonBtn),
    bulkBox, grid.el, detail));

  // ---- state → controls
  function fillControls() {
    search.value = st.q ?? '';
    include.value = (st.include ?? []).join(', ');
    exclude.value = (st.exclude ?? []).join(', ');
    email.value = st.email ?? '';
    domains.value = (st.domain ?? []).join(', ');
    domains.disabled = email.value !== 'domains';
    inactive.value = st.inactive ?? '';
    never.checked = st.never === '1';
    before.value = /^\d{4}-\d{2}-\d{2}$/.test(st.before ?? '') ? st.before : '';
    after.value = /^\d{4}-\d{2}-\d{2}$/.test(st.after ?? '') ? st.after : '';
    active.value = st.active ?? '';
    prot.value = st.protected ?? '';
    review.value = st.review ?? '';
  }
  function readControls() {
    const next = { sort: st.sort };
    const set = (k, v) => { if (v != null && v !== '' && !(Array.isArray(v) && !v.length)) next[k] = v; };
    set('q', search.value.trim());
    set('include', splitList(include.value));
    set('exclude', splitList(exclude.value));
    set('email', email.value);
    set('domain', email.value === 'domains' ? splitList(domains.value) : []);
    set('inactive', inactive.value.trim());
    set('never', never.checked ? '1' : '');
    set('before', before.value);
    set('after', after.value);
    set('bucket', [...bucketsBox.querySelectorAll('input:checked')].map((x) => x.value));
    set('role', [...rolesBox.querySelectorAll('input:checked')].map((x) => x.value));
    set('directory', [...dirsBox.querySelectorAll('input:checked')].map((x) => x.value));
    set('active', active.value);
    set('protected', prot.value);
    set('review', review.value);
    domains.disabled = email.value !== 'domains';
    return next;
  }
  function writeHash() {
    const hash = hashFromState(st);
    if (location.hash !== hash) history.replaceState(null, '', hash);
  }

  // ---- counts (the engine's: how many users choosing each value would give)
  const opt = (sel, value, label, n) => {
    let o = sel.querySelector(`option[value="${value}"]`);
    if (o) o.textContent = `${label}${n != null ? ` (${num(n)})` : ''}`;
  };
  function facet(box, name, entries, chosen) {
    const legend = box.querySelector('legend');
    clear(box).append(legend);
    for (const [value, label, n] of entries) {
      const id = `uc-users-${name}-${value.replace(/[^A-Za-z0-9_-]/g, '_')}`;
      const cb = h('input', { type: 'checkbox', id, value, dataset: { facet: name } });
      cb.checked = (chosen ?? []).some((x) => x.toLowerCase() === value.toLowerCase());
      cb.addEventListener('change', apply);
      box.append(h('label', { class: 'uc-check', for: id, dataset: { count: String(n) } }, cb, ` ${label} `, h('span', { class: 'uc-muted uc-facet-count' }, `(${num(n)})`)));
    }
  }
  function showCounts(c) {
    email.replaceChildren(
      h('option', { value: '' }, 'any'),
      h('option', { value: 'external' }, `external (${num(c.email?.external ?? 0)})`),
      h('option', { value: 'internal' }, `internal (${num(c.email?.internal ?? 0)})`),
      h('option', { value: 'domains' }, 'in the domains…'));
    email.value = st.email ?? '';
    opt(active, 'yes', 'yes', c.active?.yes); opt(active, 'no', 'no', c.active?.no);
    opt(prot, 'yes', 'yes', c.protected?.yes); opt(prot, 'no', 'no', c.protected?.no);
    opt(review, 'yes', 'yes', c.review?.yes); opt(review, 'no', 'no', c.review?.no);
    facet(bucketsBox, 'bucket', BUCKETS.map(([k, l]) => [k, l, c.buckets?.[k] ?? 0]), st.bucket);
    facet(rolesBox, 'role', Object.entries(c.roles ?? {}).map(([k, n]) => [k, k, n]), st.role);
    facet(dirsBox, 'directory', Object.entries(c.directories ?? {}).filter(([k]) => k !== '').map(([k, n]) => [k, k, n]), st.directory);
  }

  let lastFilter = {};
  let rowsOf = null; // the session whose rows the grid holds
  function apply() {
    const t0 = performance.now();
    st = readControls();
    writeHash();
    query(t0);
  }
  function query(t0 = performance.now()) {
    const filter = filterFromState(st);
    let value;
    try {
      if (rowsOf !== sess) {
        grid.setRows(allRows(sess));
        rowsOf = sess;
      }
      value = matchQuery(sess, filter);
    } catch (e) {
      clear(problemBox).append(h('div', { class: 'uc-message uc-message-error', role: 'alert', dataset: { code: e.code ?? '' } },
        h('p', { class: 'uc-message-title' }, 'This filter cannot be used'),
        h('ul', {}, (e.errors ?? [{ message: e.message }]).map((p) => h('li', {}, p.path ? `${p.path}: ` : '', p.message)))));
      return;
    }
    clear(problemBox);
    lastFilter = filter;
    const tq = performance.now();
    grid.setMatches(value.rows);
    showCounts(value.counts ?? {});
    countLine.dataset.count = String(value.total);
    countLine.textContent = `${num(value.total)} of ${num(sess.snap.users?.length ?? sess.rows?.length ?? 0)} users match`;
    requestAnimationFrame(() => {
      const t = ctx.timings;
      t.usersFilter = { queryMs: Math.round(tq - t0), totalMs: Math.round(performance.now() - t0), rows: value.total };
    });
  }

  function updateSelection() {
    const n = grid.selected.size;
    selCount.textContent = n ? `${num(n)} selected` : 'No user selected';
    selCount.dataset.count = String(n);
    bulkBtn.disabled = n === 0;
  }

  function showDetail(u) {
    let full = null;
    try {
      full = runQuery(sess, { search: u.name }).users.find((x) => x.name === u.name) ?? null;
    } catch { /* shown from the row */ }
    const f = full ?? u;
    const dl = h('dl', {});
    const fact = (k, v) => dl.append(h('dt', {}, k), h('dd', {}, v == null || v === '' ? '—' : String(v)));
    fact('Name', f.displayName);
    fact('Email', f.email);
    fact('Active', f.active ? 'yes' : 'no');
    fact('Last login', f.lastLogin === null ? 'never' : f.lastLogin === undefined ? 'not known' : f.lastLogin);
    fact('Days inactive', f.daysInactive);
    fact('Created', f.created ?? (f.createdBefore ? `before ${f.createdBefore}` : null));
    fact('Directory', f.directory);
    fact('Activity', f.bucket);
    fact('Application roles', (f.roles ?? []).join(', '));
    fact('Protected', f.protected ? f.protected.reason : 'no');
    fact('Listed for review', f.review ?? 'no');
    if (f.openAssigned != null) fact('Open issues assigned', f.openAssigned);
    const groups = f.groups ?? [];
    clear(detail).append(h('p', { class: 'uc-message-title', dataset: { user: u.name } }, u.name),
      (full?.reasons ?? []).length ? h('ul', { class: 'uc-reasons' }, full.reasons.map((r) => h('li', {}, r))) : '',
      dl,
      h('p', { class: 'uc-muted' }, `Groups (${num(groups.length)})`),
      h('ul', { class: 'uc-users-groups', id: 'uc-users-detail-groups' }, groups.map((g) => h('li', {}, g))));
  }

  // ---- events
  let timer = null;
  const later = () => {
    clearTimeout(timer);
    timer = setTimeout(apply, 120);
  };
  for (const el of [search, include, exclude, domains, inactive]) el.addEventListener('input', later);
  for (const el of [email, never, before, after, active, prot, review]) el.addEventListener('change', apply);
  resetBtn.addEventListener('click', () => {
    st = { sort: st.sort };
    fillControls();
    writeHash();
    query();
  });
  selectAll.addEventListener('click', () => grid.selectShown());
  clearSel.addEventListener('click', () => grid.clearSelection());
  bulkBtn.addEventListener('click', () => openBulk(bulkBox, ctx, {
    users: [...grid.selected.values()],
    sess,
    onDone: async () => {
      // The users changed in Jira: read them again, then show the same filter over them.
      await ctx.data.snapshot({ refresh: true });
      sess = await usersSession(ctx);
      query();
    },
  }));
  csvBtn.addEventListener('click', async () => {
    const { csv } = await runnerModules(ctx);
    const users = sortedFull();
    download(`user-cleanup-users-${sess.asOf.slice(0, 10)}.csv`, csv.toCsv(CSV_HEADER, users.map(csvRow)), 'text/csv');
  });
  jsonBtn.addEventListener('click', () => {
    download(`user-cleanup-users-${sess.asOf.slice(0, 10)}.json`, JSON.stringify({ asOf: sess.asOf, filter: lastFilter, users: sortedFull() }, null, 2), 'application/json');
  });
  /** Every matching user with all facts, in the grid's order. */
  function sortedFull() {
    const full = runQuery(sess, lastFilter).users;
    const byName = new Map(full.map((u) => [u.name, u]));
    return grid.shown().map((u) => byName.get(u.name)).filter(Boolean);
  }

  function fromHash() {
    st = stateFromHash();
    fillControls();
    const [key, dir] = String(st.sort ?? '').split(':');
    grid.setSort(key ? { key, dir } : null);
    query();
  }
  // A bookmarked or shared address opened in this tab changes only the hash: show its view.
  const onHash = () => {
    if (!panel.isConnected || !/^#user-cleanup\/users\b/.test(location.hash)) {
      if (!panel.isConnected) window.removeEventListener('hashchange', onHash);
      return;
    }
    if (location.hash !== hashFromState(st)) fromHash();
  };
  window.addEventListener('hashchange', onHash);
  // Once the background read of the other groups is done, every membership is known: query again.
  if (!sess.allGroups && typeof ctx.data.onGroupsFill === 'function') {
    const off = ctx.data.onGroupsFill(async (fs) => {
      if (!panel.isConnected) return off();
      if (!fs.complete) return;
      off();
      try {
        sess = await usersSession(ctx);
      } catch {
        return;
      }
      if (sess.allGroups) groupsNote?.remove();
      query();
    });
  }
  fromHash();
  ctx.usersView = { grid, apply, state: () => st };
  ctx.state('ready');
}
