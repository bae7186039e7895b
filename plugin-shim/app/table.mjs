// A sortable, keyboard-usable data table: column headers are buttons, `aria-sort` tells
// assistive technology the order. Cells are text only.
import { h, clear, num } from './dom.mjs';

/**
 * @param {object} o
 * @param {string} o.caption
 * @param {{key:string, label:string, type?:'text'|'num', get?:(r:any)=>any, format?:(v:any, r:any)=>string, title?:string}[]} o.columns
 * @param {any[]} o.rows
 * @param {{key:string, dir:'asc'|'desc'}} [o.sort]
 * @param {number} [o.limit]  rows shown before "Show all"
 * @param {string} [o.id]
 */
export function sortableTable(o) {
  let sort = o.sort ?? null;
  let showAll = !o.limit || o.rows.length <= o.limit;
  const wrap = h('div', { class: 'uc-table-wrap' });
  const table = h('table', { class: 'uc-table', id: o.id });
  const tbody = h('tbody');
  const headRow = h('tr');
  const ths = new Map();
  for (const c of o.columns) {
    const btn = h('button', { type: 'button', class: 'uc-sort', title: c.title }, c.label, h('span', { class: 'uc-sort-icon', 'aria-hidden': 'true' }));
    btn.addEventListener('click', () => {
      sort = sort?.key === c.key ? { key: c.key, dir: sort.dir === 'asc' ? 'desc' : 'asc' } : { key: c.key, dir: c.type === 'num' ? 'desc' : 'asc' };
      render();
    });
    const th = h('th', { scope: 'col', class: c.type === 'num' ? 'uc-num' : null, dataset: { key: c.key } }, btn);
    ths.set(c.key, th);
    headRow.appendChild(th);
  }
  table.append(h('caption', { class: 'uc-visually-hidden' }, o.caption), h('thead', {}, headRow), tbody);
  const more = h('button', { type: 'button', class: 'uc-button uc-button-link' });
  more.addEventListener('click', () => {
    showAll = !showAll;
    render();
  });
  wrap.append(table);
  if (o.limit && o.rows.length > o.limit) wrap.append(h('p', { class: 'uc-table-more' }, more));

  const val = (c, r) => (c.get ? c.get(r) : r[c.key]);
  function render() {
    let rows = o.rows;
    if (sort) {
      const c = o.columns.find((x) => x.key === sort.key);
      const dir = sort.dir === 'asc' ? 1 : -1;
      rows = [...rows].sort((a, b) => {
        const x = val(c, a), y = val(c, b);
        if (x == null && y == null) return 0;
        if (x == null) return 1; // unknown last, whatever the direction
        if (y == null) return -1;
        if (c.type === 'num') return (x - y) * dir;
        return String(x).localeCompare(String(y), 'en', { sensitivity: 'base' }) * dir;
      });
    }
    for (const [k, th] of ths) th.setAttribute('aria-sort', sort?.key === k ? (sort.dir === 'asc' ? 'ascending' : 'descending') : 'none');
    const shown = showAll ? rows : rows.slice(0, o.limit);
    clear(tbody);
    const frag = document.createDocumentFragment();
    for (const r of shown) {
      const tr = h('tr');
      for (const c of o.columns) {
        const v = val(c, r);
        const text = c.format ? c.format(v, r) : c.type === 'num' ? num(v) : v ?? '—';
        tr.appendChild(h('td', { class: c.type === 'num' ? 'uc-num' : null, dataset: { key: c.key } }, text));
      }
      frag.appendChild(tr);
    }
    tbody.appendChild(frag);
    more.textContent = showAll ? 'Show fewer' : `Show all ${num(o.rows.length)}`;
  }
  render();
  return wrap;
}
