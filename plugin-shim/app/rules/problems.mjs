// The engine's problems on the Rules form: each one beside the input of its JSON path, else
// beside the nearest registered ancestor (the rule's card for an unknown field in a rule), else in
// the summary at the top. Messages are the engine's words, put on screen as text.
import { h, clear } from '../dom.mjs';

/** The engine's verdict on `model`: {errors, warnings}; a thrown error becomes one problem. */
export function check(engine, model) {
  let r;
  try {
    r = engine.validate(model);
  } catch (e) {
    r = { type: 'failure', errors: [{ code: 'policy.invalid', path: '', message: String(e?.message ?? e), severity: 'error' }], warnings: [] };
  }
  return { errors: r.type === 'success' ? [] : r.errors ?? [], warnings: r.warnings ?? [] };
}

/**
 * Shows `errors` and `warnings` beside their fields (`fields` from fields.mjs) and the rest, with
 * the counts, in `summary`.
 */
export function showProblems(fields, summary, { errors, warnings }) {
  for (const s of fields.slots.values()) {
    clear(s.box);
    s.box.hidden = true;
    s.input?.removeAttribute('aria-invalid');
  }
  const unmapped = [];
  for (const p of [...errors, ...warnings]) {
    const s = p.path ? fields.slotFor(p.path) : null;
    if (!s) {
      unmapped.push(p);
      continue;
    }
    const exact = fields.slots.get(p.path) === s;
    s.box.hidden = false;
    s.box.append(h('li', { class: `uc-problem uc-problem-${p.severity ?? 'error'}`, dataset: { path: p.path, code: p.code } },
      exact ? null : h('code', {}, p.path.slice(p.path.lastIndexOf('.') + 1) || p.path), exact ? null : ' ',
      p.message));
    if (s.input && p.severity !== 'warning') s.input.setAttribute('aria-invalid', 'true');
  }
  clear(summary).append(summaryBox(errors.length, warnings.length, unmapped));
}

function summaryBox(nErr, nWarn, unmapped) {
  if (!nErr && !nWarn) return h('div', { class: 'uc-message uc-message-ok', role: 'status' }, 'The engine accepts this policy.');
  const plural = (n, w) => `${n} ${w}${n === 1 ? '' : 's'}`;
  const box = h('div', { class: `uc-message uc-message-${nErr ? 'error' : 'warning'}`, role: nErr ? 'alert' : 'status' },
    h('p', { class: 'uc-message-title' },
      nErr ? `${plural(nErr, 'problem')} to fix before saving` : 'The engine accepts this policy',
      nWarn ? ` (${plural(nWarn, 'warning')})` : '',
      unmapped.length ? '' : '; each is shown beside its field.'));
  if (unmapped.length) {
    box.append(h('ul', { class: 'uc-rules-unmapped' }, unmapped.map((p) => h('li', { dataset: { path: p.path, code: p.code } },
      h('code', {}, p.path || '(the whole policy)'), ' ', p.message))));
  }
  return box;
}
