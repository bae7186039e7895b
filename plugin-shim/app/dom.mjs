// DOM helpers. Data from the host is never parsed as HTML: every string becomes a text node
// (textContent / createTextNode), attributes are set with setAttribute on a fixed list of names.
const NS_SVG = 'http://www.w3.org/2000/svg';

/**
 * h('div', { class: 'x', 'aria-label': 'y', onclick: fn, dataset: { k: 'v' } }, child, 'text', [more])
 * Children: Node, string/number (as text), null/false (skipped) or arrays of those.
 */
export function h(tag, attrs = {}, ...children) {
  const el = tag.startsWith('svg:') ? document.createElementNS(NS_SVG, tag.slice(4)) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v == null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') for (const [dk, dv] of Object.entries(v)) el.dataset[dk] = String(dv);
    else if (k === 'text') el.textContent = String(v);
    else if (k === 'style' && typeof v === 'object') Object.assign(el.style, v);
    else if (/^(innerHTML|outerHTML|srcdoc)$/i.test(k)) throw new Error(`h(): ${k} is not allowed`);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c == null || c === false) continue;
    el.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

const nf = new Intl.NumberFormat('en-GB');
export const num = (n) => (n == null ? '—' : nf.format(n));
export const pct = (share) => (share == null ? '—' : `${(share * 100).toFixed(share < 0.1 ? 1 : 0)}%`);
/** '2026-11-27T10:00:00Z' -> '2026-11-27' (dates are facts from the engine; shown, not computed). */
export const day = (iso) => (iso ? String(iso).slice(0, 10) : '—');

let uid = 0;
export const nextId = (prefix = 'uc') => `${prefix}-${++uid}`;

export function errorBox(title, e) {
  return h('div', { class: 'uc-message uc-message-error', role: 'alert' },
    h('p', { class: 'uc-message-title' }, title),
    h('p', {}, String(e?.reason ?? e?.message ?? e)));
}
