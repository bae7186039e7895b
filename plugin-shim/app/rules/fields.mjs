// The Rules form's inputs. Every input is bound to one place in the policy object and registers
// the JSON path it edits ("rules[2].include.groups[0]") with a problem list beside it, so the
// engine's problems can be shown where they belong (problems.mjs). Values are set as input values,
// never as HTML.
import { h, clear, nextId } from '../dom.mjs';
import { parentPaths } from './model.mjs';

/**
 * @param {object} o
 * @param {(opts?: {rebuild?: boolean}) => void} o.changed  the policy changed (rebuild: the form's shape too)
 * @param {HTMLElement} o.form  the form (new list items are looked up in it to be focused)
 */
export function createFields({ changed, form }) {
  const slots = new Map(); // path -> {box: problem list, input?: element}

  /** A problem list for `path`, tied to `input` (aria-describedby) when there is one. */
  function register(path, input) {
    const box = h('ul', { class: 'uc-field-problems', id: nextId('uc-problems'), hidden: true, dataset: { for: path } });
    slots.set(path, { box, input });
    if (input) {
      input.dataset.path = path;
      const d = input.getAttribute('aria-describedby');
      input.setAttribute('aria-describedby', d ? `${d} ${box.id}` : box.id);
    }
    return box;
  }

  /** A labelled input bound to obj[key]; `parse` turns text into the stored value (undefined = remove). */
  function field(obj, key, path, label, { parse = (t) => (t === '' ? undefined : t), format = (v) => (v == null ? '' : String(v)), placeholder, list, hint, width, inputmode } = {}) {
    const id = nextId('uc-f');
    const input = h('input', { type: 'text', id, class: 'uc-input', placeholder, list, inputmode, autocomplete: 'off', spellcheck: 'false', style: width ? { width } : null });
    input.value = format(obj[key]);
    input.addEventListener('input', () => {
      const v = parse(input.value);
      if (v === undefined) delete obj[key];
      else obj[key] = v;
      changed();
    });
    const box = register(path, input);
    return h('div', { class: `uc-field${width === '100%' ? ' uc-field-wide' : ''}`, dataset: { field: path } },
      h('label', { for: id }, label), input, hint ? h('span', { class: 'uc-hint uc-muted' }, hint) : null, box);
  }

  /** An editable list of strings at obj[key] (path `path`), one input per item. */
  function listField(obj, key, path, { placeholder, list, add = 'Add', label } = {}) {
    const wrap = h('div', { class: 'uc-list', dataset: { field: path } });
    const items = h('ul', { class: 'uc-list-items' });
    const box = register(path, null);
    const a = obj[key];
    if (Array.isArray(a)) {
      a.forEach((v, i) => {
        const input = h('input', { type: 'text', class: 'uc-input', placeholder, list, autocomplete: 'off', spellcheck: 'false', 'aria-label': `${label ?? key} ${i + 1}` });
        input.value = typeof v === 'string' ? v : JSON.stringify(v);
        input.addEventListener('input', () => {
          a[i] = input.value;
          changed();
        });
        const rm = h('button', { type: 'button', class: 'uc-button uc-button-subtle', 'aria-label': `Remove ${typeof v === 'string' ? v : 'item'}` }, '\u00d7');
        rm.addEventListener('click', () => {
          a.splice(i, 1);
          if (!a.length) delete obj[key];
          changed({ rebuild: true });
        });
        items.append(h('li', { class: 'uc-list-item' }, input, rm, register(`${path}[${i}]`, input)));
      });
    } else if (a !== undefined) {
      items.append(h('li', { class: 'uc-muted' }, 'Not a list (as imported); the engine says why.'));
    }
    const addBtn = h('button', { type: 'button', class: 'uc-button uc-button-link uc-list-add' }, `+ ${add}`);
    addBtn.addEventListener('click', () => {
      if (!Array.isArray(obj[key])) obj[key] = [];
      obj[key].push('');
      changed({ rebuild: true });
      focusPath(`${path}[${obj[key].length - 1}]`);
    });
    if (label) wrap.append(h('span', { class: 'uc-list-label' }, label));
    wrap.append(items, addBtn, box);
    return wrap;
  }

  /** Focuses the input of `path` (after a rebuild). */
  function focusPath(path) {
    form.querySelector(`[data-path="${cssEscape(path)}"]`)?.focus();
  }

  /** The registered slot of `path`, else of its nearest registered ancestor. */
  function slotFor(path) {
    if (slots.has(path)) return slots.get(path);
    for (const p of parentPaths(path)) if (slots.has(p)) return slots.get(p);
    return null;
  }

  function reset() {
    slots.clear();
    clear(form);
  }

  return { register, field, listField, focusPath, slotFor, slots, reset };
}

function cssEscape(s) {
  return globalThis.CSS?.escape ? CSS.escape(s) : s.replace(/["\\\]\[]/g, '\\$&');
}
