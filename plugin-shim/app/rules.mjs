// The Rules view: the whole policy as forms, checked by the engine as the admin types, stored in
// Jira (store.mjs) so every admin edits the same one, imported and exported as JSON.
//
// The form edits one plain object, `model`, in place: fields it does not know (an imported typo
// such as "inactveDays") stay in it, are exported and are reported by the engine, never dropped.
// Every input registers the JSON path it edits ("rules[2].include.groups[0]"); each problem the
// engine returns is shown beside the input of its path, else beside the nearest registered
// ancestor (the rule's card for an unknown field in a rule), else in the summary at the top.
// All text from Jira or a file is put on screen as text nodes or input values, never as HTML.
import { h, clear, errorBox, nextId } from './dom.mjs';

const DEBOUNCE_MS = 250;
const ACTIONS = [
  { type: 'deactivate', label: 'Deactivate the account' },
  { type: 'removeFromGroups', label: 'Remove from groups' },
  { type: 'review', label: 'List for review only' },
];
const EMAIL = [
  { v: 'any', label: 'Any email' },
  { v: 'external', label: 'External (domain not internal)' },
  { v: 'internal', label: 'Internal (an internal domain)' },
  { v: 'domains', label: 'One of these domains' },
];

/** Parent paths of a JSON path, nearest first: "a.b[2].c" -> ["a.b[2]", "a.b", "a"]. */
export function parentPaths(path) {
  const out = [];
  let p = path;
  for (;;) {
    const m = /^(.*)(\[\d+\]|\.[^.[\]]+)$/.exec(p);
    if (!m || !m[1]) break;
    p = m[1];
    out.push(p);
  }
  return out;
}

/** '90' -> 90, '' -> undefined (field removed), anything else stays text for the engine to report. */
function parseWhole(text) {
  const t = text.trim();
  if (t === '') return undefined;
  if (/^-?\d+$/.test(t)) return Number(t);
  return t;
}

export async function renderRules(panel, ctx) {
  ensureStyles();
  const engine = ctx.engine;
  const store = ctx.store;
  const root = h('div', { class: 'uc-rules' });
  const loading = h('p', { class: 'uc-status', role: 'status' }, 'Reading the policy from Jira…');
  panel.append(root);
  root.append(loading);
  ctx.state('loading');

  let model = null; // the policy being edited
  let loaded = null; // {revision, savedAt, savedBy, account, source}
  let dirty = false;
  let errors = [];
  let warnings = [];
  let timer = null;
  let groupNames = [];
  let userNames = [];
  const slots = new Map(); // path -> {box: problems list, input?: element}

  // --- toolbar and messages -------------------------------------------------------------------
  const saveBtn = h('button', { type: 'button', class: 'uc-button uc-button-primary', id: 'uc-rules-save' }, 'Save to Jira');
  const reloadBtn = h('button', { type: 'button', class: 'uc-button', id: 'uc-rules-reload' }, 'Reload');
  const fileInput = h('input', { type: 'file', accept: 'application/json,.json', class: 'uc-visually-hidden', id: 'uc-rules-file', tabindex: '-1', 'aria-hidden': 'true' });
  const importBtn = h('button', { type: 'button', class: 'uc-button', id: 'uc-rules-import' }, 'Import JSON…');
  const exportBtn = h('button', { type: 'button', class: 'uc-button', id: 'uc-rules-export' }, 'Export JSON');
  const status = h('p', { class: 'uc-rules-status uc-muted', role: 'status', 'aria-live': 'polite', id: 'uc-rules-status' });
  const notices = h('div', { class: 'uc-rules-notices' });
  const summary = h('div', { class: 'uc-rules-summary', id: 'uc-rules-summary' });
  const form = h('div', { class: 'uc-rules-form' });
  const lists = h('div', { class: 'uc-rules-lists' });
  const groupList = h('datalist', { id: 'uc-rules-groups' });
  const userList = h('datalist', { id: 'uc-rules-users' });
  const zoneList = h('datalist', { id: 'uc-rules-zones' });
  const ruleIdList = h('datalist', { id: 'uc-rules-ruleids' });
  lists.append(groupList, userList, zoneList, ruleIdList);
  for (const z of timeZones()) zoneList.append(h('option', { value: z }));

  const toolbar = h('div', { class: 'uc-rules-toolbar' }, saveBtn, reloadBtn, importBtn, exportBtn, fileInput);

  saveBtn.addEventListener('click', () => save());
  // Reload over unsaved changes asks once, in place (no browser dialog): a second click discards them.
  let reloadArmed = false;
  reloadBtn.addEventListener('click', () => {
    if (dirty && !reloadArmed) {
      reloadArmed = true;
      reloadBtn.textContent = 'Discard changes and reload';
      status.textContent = 'You have unsaved changes: click again to discard them and read the policy from Jira, or Export them first.';
      return;
    }
    reloadArmed = false;
    reloadBtn.textContent = 'Reload';
    load();
  });
  reloadBtn.addEventListener('blur', () => {
    if (!reloadArmed) return;
    reloadArmed = false;
    reloadBtn.textContent = 'Reload';
    describe();
  });
  importBtn.addEventListener('click', () => fileInput.click());
  fileInput.addEventListener('change', () => importFile());
  exportBtn.addEventListener('click', () => exportJson());

  // Groups and users for autocomplete, from the snapshot the Dashboard reads (cached for the page).
  ctx.data.snapshot().then((s) => {
    const gs = new Map();
    for (const r of s.snap.applicationRoles ?? []) for (const g of r.groups ?? []) gs.set(g.toLowerCase(), g);
    for (const u of s.snap.users) for (const g of u.groups ?? []) if (!gs.has(g.toLowerCase())) gs.set(g.toLowerCase(), g);
    groupNames = [...gs.values()].sort((a, b) => a.localeCompare(b, 'en', { sensitivity: 'base' }));
    userNames = s.snap.users.length <= 5000 ? s.snap.users.map((u) => u.name).sort() : [];
    for (const g of groupNames) groupList.append(h('option', { value: g }));
    for (const u of userNames) userList.append(h('option', { value: u }));
    root.dataset.groups = String(groupNames.length);
  }).catch(() => {});

  async function load() {
    clear(notices);
    status.textContent = 'Reading the policy from Jira…';
    let saved;
    try {
      saved = await store.loadPolicy();
    } catch (e) {
      notices.append(errorBox('The policy saved in Jira could not be read', e));
      saved = { text: null, missing: 'error', account: store.account, revision: null };
    }
    let text = saved.text;
    let source = 'jira';
    if (text == null) {
      // Nothing saved yet: start from the policy the Dashboard applies (the sample in the demo).
      const fallback = await ctx.data.savedPolicy().catch(() => ({ text: null }));
      text = fallback.text ?? JSON.stringify({ version: 1, rules: [] });
      source = fallback.text ? 'fallback' : 'empty';
      if (saved.missing === 'account') notices.append(accountNotice(saved.account));
    }
    try {
      model = JSON.parse(text);
    } catch (e) {
      model = { version: 1, rules: [] };
      notices.append(errorBox('The saved policy is not JSON', e));
    }
    loaded = { revision: saved.revision ?? null, savedAt: saved.savedAt ?? null, savedBy: saved.savedBy ?? null, account: saved.account, source, missing: saved.missing };
    dirty = false;
    build();
    validateNow();
    describe();
  }

  function accountNotice(account) {
    const btn = h('button', { type: 'button', class: 'uc-button', id: 'uc-rules-create-account' }, `Create the account "${account}"`);
    const box = h('div', { class: 'uc-message uc-message-warning', role: 'status', id: 'uc-rules-account' },
      h('p', { class: 'uc-message-title' }, 'Nowhere to save yet'),
      h('p', {}, `User Cleanup keeps the policy in Jira as properties of the account "${account}", which does not exist. `
        + 'Created here, it gets no application access and is deactivated at once, so it holds no licence and no rule can select it. '
        + 'Do not delete it: its properties hold the policy and the audit trail.'),
      h('p', {}, btn));
    btn.addEventListener('click', async () => {
      btn.disabled = true;
      try {
        await store.createAccount();
        box.replaceWith(h('div', { class: 'uc-message', role: 'status' }, `The storage account "${account}" was created (inactive, no application access). You can save now.`));
        loaded.missing = 'policy';
        refreshSave();
      } catch (e) {
        btn.disabled = false;
        box.append(errorBox('The account could not be created', e));
      }
    });
    return box;
  }

  function describe() {
    if (dirty) status.textContent = 'Unsaved changes.';
    else if (loaded.source === 'jira') status.textContent = `Saved in Jira${loaded.savedBy ? ` by ${loaded.savedBy}` : ''}${loaded.savedAt ? ` at ${loaded.savedAt.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC')}` : ''} (revision ${loaded.revision}).`;
    else if (loaded.source === 'fallback') status.textContent = 'No policy is saved in Jira yet; this is the sample policy the Dashboard applies until you save one.';
    else status.textContent = 'No policy is saved in Jira yet.';
    root.dataset.dirty = String(dirty);
  }

  function changed({ rebuild = false } = {}) {
    dirty = true;
    describe();
    if (rebuild) build();
    clearTimeout(timer);
    root.dataset.validated = 'pending';
    timer = setTimeout(validateNow, DEBOUNCE_MS);
  }

  function refreshSave() {
    const n = errors.length;
    saveBtn.disabled = n > 0 || loaded?.missing === 'account' || loaded?.missing === 'error';
    saveBtn.title = n > 0 ? `Fix the ${n} problem${n === 1 ? '' : 's'} first` : loaded?.missing === 'account' ? 'Create the storage account first' : '';
  }

  // --- validation -----------------------------------------------------------------------------
  function validateNow() {
    clearTimeout(timer);
    let r;
    try {
      r = engine.validate(model);
    } catch (e) {
      r = { type: 'failure', errors: [{ code: 'policy.invalid', path: '', message: String(e?.message ?? e), severity: 'error' }], warnings: [] };
    }
    errors = r.type === 'success' ? [] : r.errors ?? [];
    warnings = r.warnings ?? [];
    showProblems();
    showNextRuns();
    refreshSave();
    root.dataset.validated = errors.length ? 'errors' : 'ok';
    root.dataset.errors = String(errors.length);
  }

  function slotFor(path) {
    if (slots.has(path)) return slots.get(path);
    for (const p of parentPaths(path)) if (slots.has(p)) return slots.get(p);
    return null;
  }

  function showProblems() {
    for (const s of slots.values()) {
      clear(s.box);
      s.box.hidden = true;
      if (s.input) {
        s.input.removeAttribute('aria-invalid');
      }
    }
    const unmapped = [];
    for (const p of [...errors, ...warnings]) {
      const s = p.path ? slotFor(p.path) : null;
      if (!s) {
        unmapped.push(p);
        continue;
      }
      const exact = slots.get(p.path) === s;
      s.box.hidden = false;
      s.box.append(h('li', { class: `uc-problem uc-problem-${p.severity ?? 'error'}`, dataset: { path: p.path, code: p.code } },
        exact ? null : h('code', {}, p.path.slice(p.path.lastIndexOf('.') + 1) || p.path), exact ? null : ' ',
        p.message));
      if (s.input && p.severity !== 'warning') s.input.setAttribute('aria-invalid', 'true');
    }
    clear(summary);
    const nErr = errors.length;
    const nWarn = warnings.length;
    if (!nErr && !nWarn) {
      summary.append(h('div', { class: 'uc-message uc-message-ok', role: 'status' }, 'The engine accepts this policy.'));
      return;
    }
    const kind = nErr ? 'error' : 'warning';
    const box = h('div', { class: `uc-message uc-message-${kind}`, role: nErr ? 'alert' : 'status' },
      h('p', { class: 'uc-message-title' },
        nErr ? `${nErr} problem${nErr === 1 ? '' : 's'} to fix before saving` : 'The engine accepts this policy',
        nWarn ? ` (${nWarn} warning${nWarn === 1 ? '' : 's'})` : '',
        unmapped.length ? '' : '; each is shown beside its field.'));
    if (unmapped.length) {
      box.append(h('ul', { class: 'uc-rules-unmapped' }, unmapped.map((p) => h('li', { dataset: { path: p.path, code: p.code } },
        h('code', {}, p.path || '(the whole policy)'), ' ', p.message))));
    }
    summary.append(box);
  }

  // --- building the form ----------------------------------------------------------------------
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

  function build() {
    slots.clear();
    clear(form);
    if (!model || typeof model !== 'object' || Array.isArray(model)) {
      form.append(h('p', { class: 'uc-muted' }, 'The policy is not a JSON object; import another file or reload.'));
      return;
    }
    clear(ruleIdList);
    for (const r of Array.isArray(model.rules) ? model.rules : []) if (r && typeof r.id === 'string') ruleIdList.append(h('option', { value: r.id }));

    form.append(
      section('uc-rules-rules', 'Rules', 'Tried in order: the first rule that selects a user decides what happens to them. A rule needs an activity condition.', rulesSection()),
      section('uc-rules-protect', 'Protected users and groups', 'Never actioned, whatever a rule says. Group patterns may use *.', protectSection()),
      section('uc-rules-domains', 'Internal email domains', 'Your company\u2019s domains; subdomains belong to them. Rules use them to tell external users from internal.', listField(model, 'internalDomains', 'internalDomains', { placeholder: 'acme.com', add: 'Add domain' })),
      section('uc-rules-service', 'Service accounts', 'Protected while their expiry date is in the future; once expired they are reported and may be actioned.', serviceSection()),
      section('uc-rules-limits', 'Limits', null, limitsSection()),
      section('uc-rules-schedules', 'Schedules', 'Classic five-field cron (minute hour day-of-month month day-of-week) in the schedule\u2019s time zone.', schedulesSection()),
    );
    // fields of the policy itself the form does not edit are still reported (unknown fields -> summary)
  }

  function section(id, title, intro, ...body) {
    const s = h('section', { class: 'uc-section uc-rules-section', id, 'aria-labelledby': `${id}-h` }, h('h2', { id: `${id}-h` }, title));
    if (intro) s.append(h('p', { class: 'uc-muted' }, intro));
    s.append(...body);
    return s;
  }

  /** A labelled input bound to obj[key]; `parse` turns text into the stored value (undefined = remove). */
  function field(obj, key, path, label, { parse = (t) => (t === '' ? undefined : t), format = (v) => (v == null ? '' : String(v)), placeholder, list, hint, width, inputmode } = {}) {
    const id = nextId('uc-f');
    const input = h('input', { type: 'text', id, class: 'uc-input', value: format(obj[key]), placeholder, list, inputmode, autocomplete: 'off', spellcheck: 'false', style: width ? { width } : null });
    input.value = format(obj[key]);
    input.addEventListener('input', () => {
      const v = parse(input.value);
      if (v === undefined) delete obj[key];
      else obj[key] = v;
      changed();
    });
    const box = register(path, input);
    return h('div', { class: 'uc-field', dataset: { field: path } },
      h('label', { for: id }, label), input, hint ? h('span', { class: 'uc-hint uc-muted' }, hint) : null, box);
  }

  /** An editable list of strings at obj[key] (path `path`), one input per item. */
  function listField(obj, key, path, { placeholder, list, add = 'Add', label } = {}) {
    const wrap = h('div', { class: 'uc-list', dataset: { field: path } });
    const items = h('ul', { class: 'uc-list-items' });
    const box = register(path, null);
    const arr = () => obj[key];
    function draw() {
      clear(items);
      const a = arr();
      if (!Array.isArray(a)) {
        if (a !== undefined) items.append(h('li', { class: 'uc-muted' }, 'Not a list (as imported); the engine says why.'));
        return;
      }
      a.forEach((v, i) => {
        const p = `${path}[${i}]`;
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
        const pbox = register(p, input);
        items.append(h('li', { class: 'uc-list-item' }, input, rm, pbox));
      });
    }
    draw();
    const addBtn = h('button', { type: 'button', class: 'uc-button uc-button-link uc-list-add' }, `+ ${add}`);
    addBtn.addEventListener('click', () => {
      if (!Array.isArray(obj[key])) obj[key] = [];
      obj[key].push('');
      changed({ rebuild: true });
      const last = form.querySelector(`[data-path="${cssEscape(`${path}[${obj[key].length - 1}]`)}"]`);
      last?.focus();
    });
    wrap.append(label ? h('span', { class: 'uc-list-label' }, label) : null, items, addBtn, box);
    return wrap;
  }

  function sub(obj, key) {
    if (!obj[key] || typeof obj[key] !== 'object' || Array.isArray(obj[key])) return null;
    return obj[key];
  }
  /** obj[key] as an object, created on first write (and removed again when emptied by a list). */
  function lazy(obj, key) {
    return new Proxy({}, {
      get: (_, k) => sub(obj, key)?.[k],
      set: (_, k, v) => {
        if (!sub(obj, key)) obj[key] = {};
        obj[key][k] = v;
        return true;
      },
      deleteProperty: (_, k) => {
        const o = sub(obj, key);
        if (o) {
          delete o[k];
          if (!Object.keys(o).length) delete obj[key];
        }
        return true;
      },
    });
  }

  function rulesSection() {
    const out = h('div', { class: 'uc-rule-list' });
    if (!Array.isArray(model.rules)) {
      register('rules', null);
      if (model.rules !== undefined) out.append(h('p', { class: 'uc-muted' }, 'rules is not a list (as imported).'));
    } else {
      out.append(register('rules', null));
      model.rules.forEach((r, i) => out.append(ruleCard(r, i)));
    }
    const add = h('button', { type: 'button', class: 'uc-button', id: 'uc-rules-add' }, '+ Add a rule');
    add.addEventListener('click', () => {
      if (!Array.isArray(model.rules)) model.rules = [];
      let n = model.rules.length + 1;
      const ids = new Set(model.rules.map((r) => r?.id));
      while (ids.has(`rule-${n}`)) n++;
      model.rules.push({ id: `rule-${n}`, inactiveDays: 90, action: { type: 'review' } });
      changed({ rebuild: true });
      form.querySelector(`[data-path="rules[${model.rules.length - 1}].id"]`)?.focus();
    });
    out.append(add);
    return out;
  }

  function ruleCard(r, i) {
    const p = `rules[${i}]`;
    const card = h('fieldset', { class: 'uc-card uc-rule', dataset: { rule: String(i) } });
    if (!r || typeof r !== 'object' || Array.isArray(r)) {
      card.append(h('legend', {}, `Rule ${i + 1}`), h('p', { class: 'uc-muted' }, 'Not an object (as imported).'), register(p, null));
      return card;
    }
    const title = h('legend', {}, `Rule ${i + 1}`, typeof r.id === 'string' && r.id ? `: ${r.id}` : '');
    const up = h('button', { type: 'button', class: 'uc-button uc-button-subtle', disabled: i === 0, 'aria-label': `Move rule ${i + 1} up` }, '\u2191 Up');
    const down = h('button', { type: 'button', class: 'uc-button uc-button-subtle', disabled: i === model.rules.length - 1, 'aria-label': `Move rule ${i + 1} down` }, '\u2193 Down');
    const rm = h('button', { type: 'button', class: 'uc-button uc-button-subtle', 'aria-label': `Remove rule ${i + 1}` }, 'Remove');
    const move = (d) => {
      const a = model.rules;
      [a[i], a[i + d]] = [a[i + d], a[i]];
      changed({ rebuild: true });
      form.querySelector(`fieldset[data-rule="${i + d}"] button[aria-label^="Move rule ${i + d + 1} ${d < 0 ? 'up' : 'down'}"]`)?.focus();
    };
    up.addEventListener('click', () => move(-1));
    down.addEventListener('click', () => move(1));
    rm.addEventListener('click', () => {
      model.rules.splice(i, 1);
      changed({ rebuild: true });
    });
    const cardBox = register(p, null);
    card.append(title, h('div', { class: 'uc-card-tools' }, up, down, rm), cardBox);

    const idField = field(r, 'id', `${p}.id`, 'Id', { placeholder: 'contractors-90d', width: '16em' });
    idField.querySelector('input').addEventListener('input', () => { title.lastChild.textContent = r.id ? `: ${r.id}` : ''; });
    card.append(h('div', { class: 'uc-row' },
      idField,
      field(r, 'description', `${p}.description`, 'Description', { placeholder: 'What this rule is for', width: '100%' })));

    // Who
    const inc = lazy(r, 'include');
    const exc = lazy(r, 'exclude');
    card.append(h('div', { class: 'uc-row' },
      groupBlock('Include members of', 'all users when empty', inc, `${p}.include`),
      groupBlock('Exclude members of', null, exc, `${p}.exclude`, 'groups'),
      h('div', { class: 'uc-col' }, listField(exc, 'users', `${p}.exclude.users`, { label: 'Exclude users', placeholder: 'username', list: 'uc-rules-users', add: 'Add user' }))));

    // Email
    card.append(emailBlock(r, p));

    // Activity
    const never = h('input', { type: 'checkbox', id: nextId('uc-never'), checked: r.neverLoggedIn !== undefined });
    const nl = lazy(r, 'neverLoggedIn');
    const nlField = field(nl, 'createdMoreThanDays', `${p}.neverLoggedIn.createdMoreThanDays`, 'created more than (days)', { parse: parseWhole, inputmode: 'numeric', width: '6em' });
    nlField.hidden = r.neverLoggedIn === undefined;
    never.addEventListener('change', () => {
      if (never.checked) r.neverLoggedIn = { createdMoreThanDays: 30 };
      else delete r.neverLoggedIn;
      changed({ rebuild: true });
    });
    const neverBox = register(`${p}.neverLoggedIn`, never);
    card.append(h('div', { class: 'uc-row' },
      field(r, 'inactiveDays', `${p}.inactiveDays`, 'Inactive for at least (days)', { parse: parseWhole, inputmode: 'numeric', width: '6em', hint: 'since the last login' }),
      h('div', { class: 'uc-field' },
        h('span', { class: 'uc-check' }, never, h('label', { for: never.id }, 'Also select users who never logged in')),
        nlField, neverBox)));

    // Action
    card.append(actionBlock(r, p));
    return card;
  }

  function groupBlock(label, hint, obj, p) {
    return h('div', { class: 'uc-col' }, listField(obj, 'groups', `${p}.groups`, { label: hint ? `${label} (${hint})` : label, placeholder: 'group or pattern*', list: 'uc-rules-groups', add: 'Add group' }));
  }

  function emailBlock(r, p) {
    const e = sub(r, 'email');
    const mode = !e ? 'any' : 'domains' in e ? 'domains' : e.external === false ? 'internal' : 'external';
    const id = nextId('uc-email');
    const select = h('select', { id, class: 'uc-select' }, EMAIL.map((o) => h('option', { value: o.v, selected: o.v === mode }, o.label)));
    select.value = mode;
    select.addEventListener('change', () => {
      const v = select.value;
      if (v === 'any') delete r.email;
      else if (v === 'domains') r.email = { domains: Array.isArray(r.email?.domains) ? r.email.domains : [''] };
      else r.email = { external: v === 'external' };
      changed({ rebuild: true });
    });
    const box = register(`${p}.email`, select);
    const out = h('div', { class: 'uc-row' }, h('div', { class: 'uc-field' }, h('label', { for: id }, 'Email'), select, box));
    if (mode === 'domains') out.append(h('div', { class: 'uc-col' }, listField(r.email, 'domains', `${p}.email.domains`, { label: 'Domains', placeholder: 'partner.io', add: 'Add domain' })));
    return out;
  }

  function actionBlock(r, p) {
    const a = sub(r, 'action');
    const type = a?.type;
    const id = nextId('uc-action');
    const opts = ACTIONS.map((o) => h('option', { value: o.type, selected: o.type === type }, o.label));
    if (type !== undefined && !ACTIONS.some((o) => o.type === type)) opts.push(h('option', { value: String(type), selected: true }, `${String(type)} (unknown)`));
    if (type === undefined) opts.unshift(h('option', { value: '', selected: true }, '(choose)'));
    const select = h('select', { id, class: 'uc-select' }, opts);
    select.addEventListener('change', () => {
      const t = select.value;
      if (!sub(r, 'action')) r.action = {};
      r.action.type = t;
      if (t === 'removeFromGroups' && !Array.isArray(r.action.groups)) r.action.groups = [''];
      if (t !== 'removeFromGroups') delete r.action.groups;
      changed({ rebuild: true });
    });
    const box = register(`${p}.action`, select);
    const out = h('div', { class: 'uc-row' }, h('div', { class: 'uc-field' }, h('label', { for: id }, 'Action'), select, box));
    if (type === 'removeFromGroups' || (a && 'groups' in a)) {
      out.append(h('div', { class: 'uc-col' }, listField(a, 'groups', `${p}.action.groups`, { label: 'Remove from (only the groups the user is in)', placeholder: 'jira-*-users', list: 'uc-rules-groups', add: 'Add group' })));
    }
    return out;
  }

  function protectSection() {
    const pr = lazy(model, 'protect');
    return h('div', { class: 'uc-row' }, register('protect', null),
      h('div', { class: 'uc-col' }, listField(pr, 'groups', 'protect.groups', { label: 'Groups', placeholder: 'jira-administrators', list: 'uc-rules-groups', add: 'Add group' })),
      h('div', { class: 'uc-col' }, listField(pr, 'users', 'protect.users', { label: 'Users', placeholder: 'username', list: 'uc-rules-users', add: 'Add user' })));
  }

  function serviceSection() {
    const out = h('div', { class: 'uc-service-list' });
    const box = register('serviceAccounts', null);
    out.append(box);
    const list = Array.isArray(model.serviceAccounts) ? model.serviceAccounts : null;
    if (model.serviceAccounts !== undefined && !list) out.append(h('p', { class: 'uc-muted' }, 'serviceAccounts is not a list (as imported).'));
    (list ?? []).forEach((s, i) => {
      const p = `serviceAccounts[${i}]`;
      const rm = h('button', { type: 'button', class: 'uc-button uc-button-subtle', 'aria-label': `Remove service account ${i + 1}` }, 'Remove');
      rm.addEventListener('click', () => {
        list.splice(i, 1);
        if (!list.length) delete model.serviceAccounts;
        changed({ rebuild: true });
      });
      const row = h('div', { class: 'uc-card uc-service', dataset: { service: String(i) } }, register(p, null));
      if (!s || typeof s !== 'object') {
        row.append(h('p', { class: 'uc-muted' }, 'Not an object (as imported).'), rm);
      } else {
        row.append(h('div', { class: 'uc-row' },
          field(s, 'user', `${p}.user`, 'User', { placeholder: 'svc-ci', list: 'uc-rules-users', width: '12em' }),
          field(s, 'owner', `${p}.owner`, 'Owner', { placeholder: 'ops@acme.com', width: '14em' }),
          field(s, 'purpose', `${p}.purpose`, 'Purpose', { placeholder: 'CI pipelines', width: '16em' }),
          field(s, 'expires', `${p}.expires`, 'Expires', { placeholder: 'YYYY-MM-DD', width: '12em' }),
          h('div', { class: 'uc-field uc-field-end' }, rm)));
      }
      out.append(row);
    });
    const add = h('button', { type: 'button', class: 'uc-button', id: 'uc-rules-add-service' }, '+ Add a service account');
    add.addEventListener('click', () => {
      if (!Array.isArray(model.serviceAccounts)) model.serviceAccounts = [];
      model.serviceAccounts.push({ user: '', owner: '', purpose: '', expires: '' });
      changed({ rebuild: true });
    });
    out.append(add);
    return out;
  }

  function limitsSection() {
    return h('div', { class: 'uc-row' }, register('limits', null), field(lazy(model, 'limits'), 'maxActionsPerRun', 'limits.maxActionsPerRun', 'Most actions per run', {
      parse: parseWhole, inputmode: 'numeric', width: '8em',
      hint: 'a plan with more deactivations and group removals is refused (review-only actions do not count)',
    }));
  }

  const nextRunBoxes = [];
  function schedulesSection() {
    nextRunBoxes.length = 0;
    const out = h('div', { class: 'uc-schedule-list' }, register('schedules', null));
    const list = Array.isArray(model.schedules) ? model.schedules : null;
    if (model.schedules !== undefined && !list) out.append(h('p', { class: 'uc-muted' }, 'schedules is not a list (as imported).'));
    (list ?? []).forEach((s, i) => {
      const p = `schedules[${i}]`;
      const card = h('fieldset', { class: 'uc-card uc-schedule', dataset: { schedule: String(i) } }, h('legend', {}, `Schedule ${i + 1}`), register(p, null));
      if (!s || typeof s !== 'object') {
        out.append(card);
        return;
      }
      const rm = h('button', { type: 'button', class: 'uc-button uc-button-subtle', 'aria-label': `Remove schedule ${i + 1}` }, 'Remove');
      rm.addEventListener('click', () => {
        list.splice(i, 1);
        if (!list.length) delete model.schedules;
        changed({ rebuild: true });
      });
      const next = h('div', { class: 'uc-next-runs', dataset: { schedule: String(i) }, 'aria-live': 'polite' });
      nextRunBoxes.push({ i, s, box: next });
      card.append(h('div', { class: 'uc-card-tools' }, rm),
        h('div', { class: 'uc-row' },
          field(s, 'id', `${p}.id`, 'Id', { placeholder: 'weekly', width: '10em' }),
          field(s, 'cron', `${p}.cron`, 'Cron', { placeholder: '0 3 * * MON', width: '12em', hint: 'min hour day month weekday' }),
          field(s, 'timezone', `${p}.timezone`, 'Time zone', { placeholder: 'UTC', list: 'uc-rules-zones', width: '14em' }),
          h('div', { class: 'uc-col' }, listField(s, 'rules', `${p}.rules`, { label: 'Rules (all when empty)', placeholder: 'rule id', list: 'uc-rules-ruleids', add: 'Add rule' }))),
        next);
      out.append(card);
    });
    const add = h('button', { type: 'button', class: 'uc-button', id: 'uc-rules-add-schedule' }, '+ Add a schedule');
    add.addEventListener('click', () => {
      if (!Array.isArray(model.schedules)) model.schedules = [];
      model.schedules.push({ id: `schedule-${model.schedules.length + 1}`, cron: '0 3 * * MON', timezone: Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC' });
      changed({ rebuild: true });
    });
    out.append(add);
    return out;
  }

  /** Next runs of each schedule on its own, so one broken schedule does not hide the others'. */
  function showNextRuns() {
    const from = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    for (const { s, box } of nextRunBoxes) {
      clear(box);
      let r;
      try {
        const { rules: _ids, ...timing } = s; // which rules it runs does not change when
        r = engine.nextRuns({ version: 1, rules: [], schedules: [timing] }, { from, count: 5 });
      } catch {
        r = null;
      }
      if (!r || r.type !== 'success') {
        box.append(h('p', { class: 'uc-muted' }, 'Next runs: shown once the schedule is valid.'));
        continue;
      }
      const zone = typeof s.timezone === 'string' && s.timezone ? s.timezone : 'UTC';
      const fmt = safeFormatter(zone);
      box.append(h('p', { class: 'uc-next-title' }, `Next runs (${zone}):`),
        h('ol', { class: 'uc-next-list' }, (r.value.schedules[0]?.next ?? []).map((t) => h('li', {}, h('time', { datetime: t, title: t }, fmt ? fmt.format(new Date(t)) : t)))));
    }
  }

  // --- save, import, export -------------------------------------------------------------------
  async function save() {
    validateNow();
    if (errors.length) {
      status.textContent = `Not saved: fix the ${errors.length} problem${errors.length === 1 ? '' : 's'} first.`;
      return;
    }
    saveBtn.disabled = true;
    status.textContent = 'Saving to Jira…';
    try {
      const r = await store.savePolicy(model, { savedBy: ctx.me?.name ?? null, expectRevision: loaded.source === 'jira' ? loaded.revision : (loaded.missing === 'policy' ? 0 : undefined) });
      loaded = { ...loaded, revision: r.revision, savedAt: r.savedAt, savedBy: r.savedBy, source: 'jira', missing: null };
      dirty = false;
      ctx.data.policyChanged?.();
      clear(notices);
      describe();
      root.dataset.saved = String(r.revision);
    } catch (e) {
      notices.append(errorBox(e?.code === 'store.conflict' ? 'Someone else saved the policy' : 'The policy was not saved', e));
      status.textContent = 'Not saved.';
    } finally {
      refreshSave();
    }
  }

  async function importFile() {
    const file = fileInput.files?.[0];
    fileInput.value = '';
    if (!file) return;
    clear(notices);
    let obj;
    try {
      obj = JSON.parse(await file.text());
    } catch (e) {
      notices.append(errorBox(`${file.name} is not JSON; nothing was imported`, e));
      return;
    }
    if (!obj || typeof obj !== 'object' || Array.isArray(obj)) {
      notices.append(errorBox(`${file.name} is not a policy; nothing was imported`, 'A policy is a JSON object.'));
      return;
    }
    model = obj;
    changed({ rebuild: true });
    validateNow();
    status.textContent = `Imported ${file.name}; not saved yet.`;
  }

  function exportJson() {
    const text = `${JSON.stringify(model, null, 2)}\n`;
    const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
    const a = h('a', { href: url, download: 'user-cleanup-policy.json', hidden: true });
    root.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }

  root.append(h('div', { class: 'uc-rules-head' }, toolbar, status), notices, summary, form, lists);
  loading.remove();
  await load();
  ctx.state('ready');
  return { get model() { return model; } };
}

function timeZones() {
  try {
    return ['UTC', ...Intl.supportedValuesOf('timeZone').filter((z) => z !== 'UTC')];
  } catch {
    return ['UTC', 'Europe/Oslo', 'Europe/London', 'America/New_York', 'Asia/Tokyo'];
  }
}

function safeFormatter(zone) {
  try {
    return new Intl.DateTimeFormat('en-GB', { timeZone: zone, weekday: 'short', year: 'numeric', month: 'short', day: '2-digit', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' });
  } catch {
    return null;
  }
}

function cssEscape(s) {
  return globalThis.CSS?.escape ? CSS.escape(s) : s.replace(/["\\\]\[]/g, '\\$&');
}

const CSS_TEXT = `
.uc-rules-head { display: flex; flex-wrap: wrap; align-items: center; gap: 8px 16px; margin-bottom: 12px; position: sticky; top: 0; background: #fff; padding: 6px 0; z-index: 2; }
.uc-rules-toolbar { display: flex; flex-wrap: wrap; gap: 8px; }
.uc-app .uc-rules-status { margin: 0; }
.uc-button-primary { background: #0052CC; color: #fff; }
.uc-button-primary:hover { background: #0065FF; }
.uc-button-primary:disabled { background: rgba(9, 30, 66, 0.04); color: #A5ADBA; }
.uc-button-subtle { background: none; height: 24px; padding: 0 6px; font-weight: 400; }
.uc-message-ok { background: #E3FCEF; }
.uc-message-ok::before { content: "\\2713"; background: #00875A; }
.uc-rules-section { max-width: 1100px; }
.uc-card { border: 1px solid var(--uc-border); border-radius: 3px; padding: 8px 14px 12px; margin: 0 0 12px; min-width: 0; position: relative; }
.uc-card legend { font-weight: 600; padding: 0 4px; overflow-wrap: anywhere; }
.uc-card-tools { position: absolute; right: 8px; top: 6px; display: flex; gap: 2px; }
.uc-row { display: flex; flex-wrap: wrap; gap: 8px 20px; align-items: flex-start; margin: 6px 0; }
.uc-col { min-width: 220px; flex: 1 1 220px; }
.uc-field { display: flex; flex-direction: column; gap: 2px; min-width: 0; }
.uc-field:has(input[style*="100%"]) { flex: 1 1 260px; }
.uc-field-end { align-self: flex-end; }
.uc-field > label, .uc-list-label { font-size: 12px; font-weight: 600; color: var(--uc-subtle); }
.uc-input, .uc-select { font: inherit; color: var(--uc-text); background: #FAFBFC; border: 2px solid #DFE1E6; border-radius: 3px; height: 32px; padding: 2px 6px; max-width: 100%; }
.uc-input:focus, .uc-select:focus { background: #fff; border-color: #4C9AFF; outline: none; }
.uc-input[aria-invalid="true"], .uc-select[aria-invalid="true"] { border-color: #DE350B; }
.uc-hint { font-size: 12px; line-height: 16px; }
.uc-check { display: flex; align-items: center; gap: 6px; min-height: 32px; margin-top: 18px; }
.uc-list-items { list-style: none; margin: 2px 0; padding: 0; }
.uc-list-item { display: flex; flex-wrap: wrap; align-items: center; gap: 2px 4px; margin: 0 0 4px; }
.uc-list-item .uc-input { flex: 1 1 160px; }
.uc-list-item .uc-field-problems { flex-basis: 100%; }
.uc-field-problems { list-style: none; margin: 2px 0 0; padding: 0; font-size: 12px; line-height: 16px; max-width: 42em; }
.uc-problem { color: #BF2600; padding-left: 16px; position: relative; overflow-wrap: anywhere; }
.uc-problem::before { content: "!"; position: absolute; left: 0; top: 1px; width: 12px; height: 12px; border-radius: 50%; background: #DE350B; color: #fff; font: 700 9px/12px sans-serif; text-align: center; }
.uc-problem-warning { color: #974F0C; }
.uc-problem-warning::before { background: #FF8B00; }
.uc-rules-unmapped { margin: 4px 0 0; padding-left: 18px; }
.uc-next-runs { font-size: 12px; color: var(--uc-subtle); }
.uc-next-title { margin: 4px 0 0; font-weight: 600; }
.uc-next-list { margin: 0; padding-left: 18px; display: flex; flex-wrap: wrap; gap: 0 22px; }
`;

function ensureStyles() {
  if (document.getElementById('uc-rules-style')) return;
  document.head.append(h('style', { id: 'uc-rules-style' }, CSS_TEXT));
}
