// Small pieces the views share: a titled section, a list of problems, a file download, the
// name of a downloaded audit trail, and the typed count that confirms a change. Their styles are
// in user-cleanup.css.
import { h } from './dom.mjs';

export function section(id, title, ...body) {
  return h('section', { class: 'uc-section', id, 'aria-labelledby': `${id}-h` }, h('h2', { id: `${id}-h` }, title), ...body);
}

export function problems(title, list, kind = 'error') {
  return h('div', { class: `uc-message uc-message-${kind}`, role: kind === 'error' ? 'alert' : 'status' },
    h('p', { class: 'uc-message-title' }, title),
    h('ul', {}, (list ?? []).map((p) => h('li', {}, p.path ? `${p.path}: ` : '', p.message))));
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

/**
 * `user-cleanup-audit-20261127T100000Z.jsonl`: `executor` is the runner's executor module (runnerModules),
 * whose compactInstant also stamps run ids, so a trail's name and its runs read alike.
 */
export const trailName = (executor, prefix = 'user-cleanup-audit') => `${prefix}-${executor.compactInstant()}.jsonl`;

/**
 * The typed confirmation of a change to `n` accounts (Run, bulk operation, undo): a numeric text
 * field (`attrs`: its id, size, data…) and `typed()`, true once it holds n (spaces and thousands
 * separators allowed).
 */
export function countInput(n, attrs = {}) {
  const input = h('input', { class: 'uc-input', type: 'text', inputmode: 'numeric', autocomplete: 'off', ...attrs });
  return { input, typed: () => input.value.trim().replace(/[,\s]/g, '') === String(n) };
}
