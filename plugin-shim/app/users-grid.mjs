// The Users view's virtualised grid (the Preview's technique: fixed row height, only the visible
// rows in the DOM, recycled on scroll), with a selection checkbox per row. It holds every user's
// row once (the engine's brief `query` answer for the empty filter, in the session's user order);
// per filter it gets the matching positions from the engine (`matches`) and shows those — no
// matching here. It only sorts (each column's order computed once, then any filter's users are
// ordered in one walk) and pages. Cells are text nodes only.
import { h, num, day } from './dom.mjs';
import { rowPool, columnKeys, columnOrder, orderSubset, nextSort, sortHeader, markSorted, fillCells, scrollRowIntoView, keyTarget } from './vgrid.mjs';

const ROW_H = 32;
const yesNo = (b) => (b ? 'yes' : 'no');

export const USER_COLUMNS = [
  { key: 'name', label: 'User', width: 'minmax(110px, 1.1fr)', get: (u) => u.name },
  { key: 'displayName', label: 'Name', width: 'minmax(110px, 1.2fr)', get: (u) => u.displayName ?? '' },
  { key: 'email', label: 'Email', width: 'minmax(130px, 1.4fr)', get: (u) => u.email ?? '' },
  { key: 'active', label: 'Active', width: '60px', get: (u) => (u.active ? 'yes' : 'no'), text: (u) => yesNo(u.active) },
  { key: 'lastLogin', label: 'Last login', width: '96px', get: (u) => u.lastLogin ?? '', text: (u) => (u.lastLogin ? day(u.lastLogin) : u.lastLogin === null ? 'never' : 'not known') },
  { key: 'daysInactive', label: 'Days', width: '64px', num: true, get: (u) => u.daysInactive ?? -1, text: (u) => num(u.daysInactive) },
  { key: 'bucket', label: 'Activity', width: 'minmax(80px, 0.8fr)', get: (u) => u.bucket ?? '' },
  { key: 'protected', label: 'Protected', width: 'minmax(90px, 1.2fr)', get: (u) => u.protected?.reason ?? '', text: (u) => u.protected?.reason ?? '' },
  { key: 'review', label: 'Review', width: 'minmax(70px, 0.8fr)', get: (u) => u.review ?? '' },
];

/**
 * @param {object} o
 * @param {(u) => void} o.onActivate   a row was chosen (detail panel)
 * @param {() => void} o.onSelection   the checked set changed
 * @param {(sort) => void} o.onSort    the sort changed (for the URL)
 */
export function usersGrid({ onActivate, onSelection, onSort, label = 'Users' }) {
  const cols = ['36px', ...USER_COLUMNS.map((c) => c.width)].join(' ');
  let rows = [];
  let matches = new Uint32Array(0); // positions in `rows` the filter matches, ascending
  let view = new Uint32Array(0); // the same, in display order
  let sort = null;
  let keyCache = new Map();
  let active = -1;
  const selected = new Map(); // lower-case username → username

  const allBox = h('input', { type: 'checkbox', id: 'uc-users-select-shown', 'aria-label': 'Select every user shown' });
  const headCells = [h('div', { role: 'columnheader', 'aria-colindex': '1' }, allBox), ...USER_COLUMNS.map((col, ci) => sortHeader(col, ci + 2, () => {
    setSort(nextSort(sort, col));
    onSort?.(sort);
  }))];
  const head = h('div', { class: 'uc-vgrid-head', role: 'row', 'aria-rowindex': '1' }, headCells);
  const spacer = h('div', { class: 'uc-vgrid-spacer', role: 'rowgroup' });
  const scroller = h('div', { class: 'uc-vgrid-scroll', tabindex: '0', 'aria-label': `${label}: arrow keys move, space selects` }, spacer);
  const el = h('div', { class: 'uc-vgrid', role: 'grid', id: 'uc-users-grid', 'aria-label': label, 'aria-colcount': String(USER_COLUMNS.length + 1) },
    h('div', { role: 'rowgroup' }, head), scroller);
  el.style.setProperty('--uc-cols', cols);

  allBox.addEventListener('change', () => {
    for (const i of view) {
      const k = rows[i].name.toLowerCase();
      if (allBox.checked) selected.set(k, rows[i].name);
      else selected.delete(k);
    }
    paint(true);
    onSelection?.();
  });

  function rowEl() {
    const box = h('input', { type: 'checkbox', class: 'uc-users-check' });
    const cells = USER_COLUMNS.map((col, ci) => h('div', { role: 'gridcell', class: col.num ? 'uc-num' : null, 'aria-colindex': String(ci + 2), dataset: { key: col.key } }));
    const row = h('div', { class: 'uc-vgrid-row', role: 'row' }, h('div', { role: 'gridcell', 'aria-colindex': '1' }, box), cells);
    box.addEventListener('click', (e) => e.stopPropagation());
    box.addEventListener('change', () => {
      const k = row.dataset.user.toLowerCase();
      if (box.checked) selected.set(k, row.dataset.user);
      else selected.delete(k);
      onSelection?.();
    });
    row.addEventListener('click', () => activate(Number(row.dataset.pos), false));
    return { row, cells, box };
  }

  const pool = rowPool(scroller, spacer, ROW_H, rowEl, ({ row, cells, box }, pos) => {
    const u = rows[view[pos]];
    row.dataset.user = u.name;
    row.id = `uc-users-row-${pos}`;
    row.setAttribute('aria-selected', String(pos === active));
    box.checked = selected.has(u.name.toLowerCase());
    box.setAttribute('aria-label', `Select ${u.name}`);
    fillCells(cells, USER_COLUMNS, u);
  });
  const paint = (force = false) => pool(view.length, force);

  function order() {
    if (sort) {
      const col = USER_COLUMNS.find((x) => x.key === sort.key) ?? USER_COLUMNS[0];
      const all = matches.length === rows.length;
      let member = null;
      if (!all) {
        member = new Uint8Array(rows.length);
        for (const i of matches) member[i] = 1;
      }
      view = orderSubset(columnOrder(keyCache, col, rows), columnKeys(keyCache, col, rows), member, matches.length, sort.dir);
    } else {
      view = matches;
    }
    markSorted(headCells.slice(1), sort);
    el.setAttribute('aria-rowcount', String(view.length + 1));
    spacer.style.height = `${view.length * ROW_H}px`;
    active = view.length ? Math.min(Math.max(active, 0), view.length - 1) : -1;
    // Every row shown is selected: impossible with fewer selected than shown (no walk then).
    allBox.checked = view.length > 0 && selected.size >= view.length && view.every((i) => selected.has(rows[i].name.toLowerCase()));
    paint(true);
  }

  /** Every user's row, in the session's order (once per session); nothing matched until `setMatches`. */
  function setRows(next) {
    rows = next;
    keyCache = new Map();
    matches = new Uint32Array(0);
    scroller.scrollTop = 0;
    active = -1;
    order();
  }

  /** The engine's positions (into the rows) of the users a filter matches, ascending. */
  function setMatches(positions) {
    const n = rows.length;
    matches = positions.every((i) => i < n) ? positions : positions.filter((i) => i < n);
    scroller.scrollTop = 0;
    active = -1;
    order();
  }

  function setSort(s) {
    sort = s && USER_COLUMNS.some((c) => c.key === s.key) ? { key: s.key, dir: s.dir === 'desc' ? 'desc' : 'asc' } : null;
    order();
  }

  function activate(pos, scroll = true) {
    if (!view.length) return;
    active = Math.max(0, Math.min(view.length - 1, pos));
    if (scroll) scrollRowIntoView(scroller, active, ROW_H);
    paint(true);
    scroller.setAttribute('aria-activedescendant', `uc-users-row-${active}`);
    onActivate?.(rows[view[active]]);
  }

  scroller.addEventListener('scroll', () => paint(), { passive: true });
  scroller.addEventListener('keydown', (e) => {
    const to = keyTarget(e.key, scroller, ROW_H, active, view.length);
    if (to !== null) activate(to);
    else if (e.key === ' ' && active >= 0) {
      const k = rows[view[active]].name.toLowerCase();
      if (selected.has(k)) selected.delete(k);
      else selected.set(k, rows[view[active]].name);
      paint(true);
      onSelection?.();
    } else return;
    e.preventDefault();
  });
  if (typeof ResizeObserver === 'function') new ResizeObserver(() => paint(true)).observe(scroller);
  requestAnimationFrame(() => paint(true));

  return {
    el,
    setRows,
    setMatches,
    setSort,
    get sort() { return sort; },
    /** The rows shown, in display order. */
    shown: () => Array.from(view, (i) => rows[i]),
    selected,
    selectShown() {
      for (const i of view) selected.set(rows[i].name.toLowerCase(), rows[i].name);
      paint(true);
      onSelection?.();
    },
    clearSelection() {
      selected.clear();
      paint(true);
      onSelection?.();
    },
    repaint: () => paint(true),
  };
}
