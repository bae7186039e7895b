// The Rules view: the whole policy as a form, checked by the engine as the admin types, stored in
// Jira (store.mjs) so every admin edits the same one, imported and exported as JSON.
// This module holds the view's state and wires its parts together:
//   rules/model.mjs     the policy object being edited (in place; unknown fields are kept)
//   rules/fields.mjs    inputs bound to JSON paths, each with its problem list
//   rules/problems.mjs  the engine's problems beside their fields and in the summary
//   rules/sections.mjs  the form's sections (rules, protection, domains, service accounts, limits, schedules)
//   rules/io.mjs        load (saved policy, else the template), save, import, export
// Saving is refused while the engine reports errors and while the storage account is not safe
// (ctx.account, main.mjs); the button says why.
import { h, clear, errorBox } from './dom.mjs';
import { ruleIds } from './rules/model.mjs';
import { createFields } from './rules/fields.mjs';
import { check, showProblems } from './rules/problems.mjs';
import { buildForm, showNextRuns, timeZones } from './rules/sections.mjs';
import { loadForEditing, savePolicy, readPolicyFile, exportPolicy } from './rules/io.mjs';
import { policyBanner } from './policy-banner.mjs';

const DEBOUNCE_MS = 250;

export async function renderRules(panel, ctx) {
  const { engine, store } = ctx;
  const root = h('div', { class: 'uc-rules' });
  const loading = h('p', { class: 'uc-status', role: 'status' }, 'Reading the policy from Jira…');
  panel.append(root);
  root.append(loading);
  ctx.state('loading');

  let model = null; // the policy being edited
  let loaded = null; // {revision, savedAt, savedBy, account, source, label, missing}
  let dirty = false;
  let verdict = { errors: [], warnings: [] };
  let timer = null;
  let nextRuns = [];

  // --- toolbar, messages, autocomplete lists --------------------------------------------------
  const saveBtn = h('button', { type: 'button', class: 'uc-button uc-button-primary', id: 'uc-rules-save', 'aria-describedby': 'uc-rules-save-reason' }, 'Save to Jira');
  const saveReason = h('span', { class: 'uc-rules-save-reason uc-muted', id: 'uc-rules-save-reason' });
  const reloadBtn = h('button', { type: 'button', class: 'uc-button', id: 'uc-rules-reload' }, 'Reload');
  const fileInput = h('input', { type: 'file', accept: 'application/json,.json', class: 'uc-visually-hidden', id: 'uc-rules-file', tabindex: '-1', 'aria-hidden': 'true' });
  const importBtn = h('button', { type: 'button', class: 'uc-button', id: 'uc-rules-import' }, 'Import JSON…');
  const exportBtn = h('button', { type: 'button', class: 'uc-button', id: 'uc-rules-export' }, 'Export JSON');
  const status = h('p', { class: 'uc-rules-status uc-muted', role: 'status', 'aria-live': 'polite', id: 'uc-rules-status' });
  const banner = h('div', { class: 'uc-rules-banner' });
  const notices = h('div', { class: 'uc-rules-notices' });
  const summary = h('div', { class: 'uc-rules-summary', id: 'uc-rules-summary' });
  const form = h('div', { class: 'uc-rules-form' });
  const groupList = h('datalist', { id: 'uc-rules-groups' });
  const userList = h('datalist', { id: 'uc-rules-users' });
  const zoneList = h('datalist', { id: 'uc-rules-zones' }, timeZones().map((z) => h('option', { value: z })));
  const ruleIdList = h('datalist', { id: 'uc-rules-ruleids' });
  const toolbar = h('div', { class: 'uc-rules-toolbar' }, saveBtn, reloadBtn, importBtn, exportBtn, fileInput, saveReason);

  const fields = createFields({ changed, form });

  saveBtn.addEventListener('click', () => save());
  // Reload over unsaved changes asks once, in place (no browser dialog): a second click discards them.
  let reloadArmed = false;
  const disarm = () => {
    reloadArmed = false;
    reloadBtn.textContent = 'Reload';
  };
  reloadBtn.addEventListener('click', () => {
    if (dirty && !reloadArmed) {
      reloadArmed = true;
      reloadBtn.textContent = 'Discard changes and reload';
      status.textContent = 'You have unsaved changes: click again to discard them and read the policy from Jira, or Export them first.';
      return;
    }
    disarm();
    load();
  });
  reloadBtn.addEventListener('blur', () => {
    if (!reloadArmed) return;
    disarm();
    describe();
  });
  importBtn.addEventListener('click', () => fileInput.click());
  fileInput.addEventListener('change', () => importFile());
  exportBtn.addEventListener('click', () => exportPolicy(model, root));
  // The storage account's state (main.mjs) decides whether saving is possible at all.
  ctx.account?.subscribe(() => {
    if (loaded?.missing === 'account' && ctx.account.status.ok) loaded.missing = 'policy';
    refreshSave();
  }, root);

  // Groups and users for autocomplete, from the snapshot the Dashboard reads (cached for the page).
  ctx.data.snapshot().then((s) => {
    const gs = new Map();
    for (const r of s.snap.applicationRoles ?? []) for (const g of r.groups ?? []) gs.set(g.toLowerCase(), g);
    for (const u of s.snap.users) for (const g of u.groups ?? []) if (!gs.has(g.toLowerCase())) gs.set(g.toLowerCase(), g);
    // A snapshot read for the policy names the groups whose members it did not read (data.mjs).
    for (const g of s.snap.source?.groupsNotRead ?? []) if (typeof g === 'string' && !gs.has(g.toLowerCase())) gs.set(g.toLowerCase(), g);
    const groupNames = [...gs.values()].sort((a, b) => a.localeCompare(b, 'en', { sensitivity: 'base' }));
    const userNames = s.snap.users.length <= 5000 ? s.snap.users.map((u) => u.name).sort() : [];
    groupList.append(...groupNames.map((g) => h('option', { value: g })));
    userList.append(...userNames.map((u) => h('option', { value: u })));
    root.dataset.groups = String(groupNames.length);
  }).catch(() => {});

  async function load() {
    clear(notices);
    status.textContent = 'Reading the policy from Jira…';
    const got = await loadForEditing(store, ctx.data, ctx.account);
    ({ model, loaded } = got);
    for (const p of got.problems) notices.append(errorBox(p.title, p.error));
    clear(banner).append(policyBanner(loaded, 'This form holds') ?? '');
    dirty = false;
    build();
    validateNow();
    describe();
  }

  function describe() {
    if (dirty) status.textContent = 'Unsaved changes.';
    else if (loaded.source === 'saved') status.textContent = `Saved in Jira${loaded.savedBy ? ` by ${loaded.savedBy}` : ''}${loaded.savedAt ? ` at ${loaded.savedAt.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC')}` : ''} (revision ${loaded.revision}).`;
    else if (loaded.source === 'dev-file') status.textContent = `No policy is saved in Jira yet; this is ${loaded.label} from the development server, not saved.`;
    else status.textContent = 'No policy is saved in Jira yet; this is a starting template, not saved.';
    root.dataset.dirty = String(dirty);
    root.dataset.source = loaded.source;
  }

  function changed({ rebuild = false } = {}) {
    dirty = true;
    describe();
    if (rebuild) build();
    clearTimeout(timer);
    root.dataset.validated = 'pending';
    timer = setTimeout(validateNow, DEBOUNCE_MS);
  }

  /** Why saving is not possible now, or null. */
  function cannotSave() {
    const n = verdict.errors.length;
    const account = ctx.account?.status;
    if (account && !account.ok) return account.problem === 'missing' ? 'Create the storage account first (see above).' : 'Saving is off: the storage account is not safe (see above).';
    if (loaded?.missing === 'account') return 'Create the storage account first (see above).';
    if (loaded?.missing === 'error') return 'The policy saved in Jira could not be read; Reload first.';
    if (n > 0) return `Fix the ${n} problem${n === 1 ? '' : 's'} first.`;
    return null;
  }

  function refreshSave() {
    const why = cannotSave();
    saveBtn.disabled = why != null;
    saveBtn.title = why ?? '';
    saveReason.textContent = why ?? '';
  }

  function validateNow() {
    clearTimeout(timer);
    verdict = check(engine, model);
    showProblems(fields, summary, verdict);
    showNextRuns(engine, nextRuns);
    refreshSave();
    root.dataset.validated = verdict.errors.length ? 'errors' : 'ok';
    root.dataset.errors = String(verdict.errors.length);
  }

  function build() {
    fields.reset();
    clear(ruleIdList).append(...(model && typeof model === 'object' ? ruleIds(model) : []).map((id) => h('option', { value: id })));
    nextRuns = buildForm(form, { model, fields, changed, engine, data: ctx.data }).schedules;
  }

  async function save() {
    validateNow();
    const why = cannotSave();
    if (why) {
      status.textContent = `Not saved: ${why}`;
      return;
    }
    saveBtn.disabled = true;
    status.textContent = 'Saving to Jira…';
    try {
      const r = await savePolicy(store, model, loaded, ctx.me?.name ?? null);
      loaded = { ...loaded, revision: r.revision, savedAt: r.savedAt, savedBy: r.savedBy, source: 'saved', label: `saved in Jira (${loaded.account})`, missing: null };
      dirty = false;
      ctx.data.policyChanged?.();
      clear(notices);
      clear(banner);
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
    try {
      model = await readPolicyFile(file);
    } catch (e) {
      notices.append(errorBox(e.title, e));
      return;
    }
    changed({ rebuild: true });
    validateNow();
    status.textContent = `Imported ${file.name}; not saved yet.`;
  }

  root.append(h('div', { class: 'uc-rules-head' }, toolbar, status), banner, notices, summary, form,
    h('div', { class: 'uc-rules-lists' }, groupList, userList, zoneList, ruleIdList));
  loading.remove();
  await load();
  ctx.state('ready');
  return { get model() { return model; } };
}
