// The pieces both virtualised grids (Preview's planned actions, Users) share: which rows are in
// view and the recycled row elements that show them, sort keys computed once per column, a stable sort over them, the header's sort button and
// aria-sort, keyboard moves and keeping the active row in view. Each grid keeps its own rows,
// columns and row elements; only this mechanics is common, so both behave the same.
import { h } from './dom.mjs';

/** The positions [from, to) to draw: the visible rows plus 4 either side, so scrolling shows no gap. */
export function visibleRange(scroller, rowH, length) {
  const height = scroller.clientHeight || 480;
  const top = scroller.scrollTop;
  return {
    from: Math.max(0, Math.floor(top / rowH) - 4),
    to: Math.min(length, Math.ceil((top + height) / rowH) + 4),
  };
}

/**
 * The recycled row elements of a grid: `paint(length, force)` draws the rows in view of `length`
 * rows, making more with `makeRow()` (→ {row, …}) only while the view needs them, hiding the spare
 * ones, and placing each at its position (top, data-pos, aria-rowindex after the header row)
 * before `drawRow(r, pos)` fills it. Nothing is redrawn while the range in view is unchanged,
 * unless `force`.
 */
export function rowPool(scroller, spacer, rowH, makeRow, drawRow) {
  const pool = [];
  let first = -1;
  let last = -1;
  return function paint(length, force = false) {
    const { from, to } = visibleRange(scroller, rowH, length);
    if (!force && from === first && to === last) return;
    first = from;
    last = to;
    while (pool.length < to - from) {
      const r = makeRow();
      pool.push(r);
      spacer.appendChild(r.row);
    }
    for (let k = 0; k < pool.length; k++) {
      const r = pool[k];
      const pos = from + k;
      if (pos >= to) {
        r.row.hidden = true;
        continue;
      }
      r.row.hidden = false;
      r.row.style.top = `${pos * rowH}px`;
      r.row.dataset.pos = String(pos);
      r.row.setAttribute('aria-rowindex', String(pos + 2));
      drawRow(r, pos);
    }
  };
}

/** One sort key per item for `col` (numbers as they are, text lower-cased), cached by column key. */
export function columnKeys(cache, col, items) {
  if (!cache.has(col.key)) {
    const arr = new Array(items.length);
    for (let i = 0; i < items.length; i++) {
      const v = col.get(items[i]);
      arr[i] = col.num ? v : String(v).toLowerCase();
    }
    cache.set(col.key, arr);
  }
  return cache.get(col.key);
}

/** Sorts item indexes `idx` in place by `keys`; ties keep their original order. */
export function sortByKeys(idx, keys, num, dirName) {
  const dir = dirName === 'asc' ? 1 : -1;
  idx.sort(num ? (x, y) => (keys[x] - keys[y]) * dir || x - y : (x, y) => (keys[x] < keys[y] ? -dir : keys[x] > keys[y] ? dir : x - y));
  return idx;
}

/**
 * Every item's index in `col`'s ascending order (ties by index), sorted once per column and cached
 * (under `order:` + the column's key): a grid whose rows stay while its view changes (the Users
 * view per filter) then orders any subset in one walk (`orderSubset`) instead of sorting again.
 */
export function columnOrder(cache, col, items) {
  const at = `order:${col.key}`;
  if (!cache.has(at)) {
    const keys = columnKeys(cache, col, items);
    const idx = Array.from({ length: items.length }, (_, i) => i);
    cache.set(at, Uint32Array.from(sortByKeys(idx, keys, col.num, 'asc')));
  }
  return cache.get(at);
}

/**
 * The indexes in `member` (a Uint8Array over every item, or null for all of them) in the order
 * `sortByKeys(…, dirName)` gives — ascending, or descending with ties still by index — from the
 * column's ascending `order` and its `keys`, in one walk.
 */
export function orderSubset(order, keys, member, count, dirName) {
  const out = new Uint32Array(count);
  let k = 0;
  if (dirName === 'asc') {
    for (let p = 0; p < order.length; p++) if (!member || member[order[p]]) out[k++] = order[p];
    return out;
  }
  // Descending: the runs of equal keys from the last to the first, each run still by index.
  let end = order.length;
  while (end > 0) {
    let start = end - 1;
    while (start > 0 && keys[order[start - 1]] === keys[order[end - 1]]) start--;
    for (let p = start; p < end; p++) if (!member || member[order[p]]) out[k++] = order[p];
    end = start;
  }
  return out;
}

/** The sort after a click on `col`'s header: the same column flips, another starts (numbers descending). */
export const nextSort = (sort, col) => (sort?.key === col.key
  ? { key: col.key, dir: sort.dir === 'asc' ? 'desc' : 'asc' }
  : { key: col.key, dir: col.num ? 'desc' : 'asc' });

/** The column header (a sort button) at aria column `colIndex`. */
export function sortHeader(col, colIndex, onClick) {
  const btn = h('button', { type: 'button', class: 'uc-sort', dataset: { key: col.key } }, col.label, h('span', { class: 'uc-sort-icon', 'aria-hidden': 'true' }));
  btn.addEventListener('click', onClick);
  return h('div', { role: 'columnheader', class: col.num ? 'uc-num' : null, 'aria-colindex': String(colIndex), 'aria-sort': 'none', dataset: { key: col.key } }, btn);
}

/** Marks each sortable header with the current sort (screen readers announce it). */
export function markSorted(headCells, sort) {
  for (const th of headCells) th.setAttribute('aria-sort', sort?.key === th.dataset.key ? (sort.dir === 'asc' ? 'ascending' : 'descending') : 'none');
}

/** Writes each column's text into its cell, touching the DOM only where the text changed. */
export function fillCells(cells, columns, item) {
  for (let ci = 0; ci < columns.length; ci++) {
    const col = columns[ci];
    const text = col.text ? col.text(item) : String(col.get(item) || '—');
    if (cells[ci].textContent !== text) {
      cells[ci].textContent = text;
      cells[ci].title = text;
    }
  }
}

/** Scrolls just enough that row `pos` is fully visible. */
export function scrollRowIntoView(scroller, pos, rowH) {
  const y = pos * rowH;
  if (y < scroller.scrollTop) scroller.scrollTop = y;
  else if (y + rowH > scroller.scrollTop + scroller.clientHeight) scroller.scrollTop = y + rowH - scroller.clientHeight;
}

/** The position a navigation key moves to (arrows, pages, Home/End), or null for any other key. */
export function keyTarget(key, scroller, rowH, active, length) {
  const page = Math.max(1, Math.floor(scroller.clientHeight / rowH) - 1);
  const moves = { ArrowDown: 1, ArrowUp: -1, PageDown: page, PageUp: -page };
  if (key in moves) return (active < 0 ? 0 : active) + moves[key];
  if (key === 'Home') return 0;
  if (key === 'End') return length - 1;
  return null;
}
