// The sections of the Rules form: rules (each a card), protected users and groups, internal
// domains, service accounts, limits and schedules (with their next runs from the engine). Each
// builder reads and writes the policy object through the field builders (fields.mjs) and calls
// `changed` — with `rebuild` when the form's shape changes (a rule added, moved or removed).
import { h, clear, nextId } from '../dom.mjs';
import { warnBlock, templatesSection } from '../warn-editor.mjs';
import { ACTIONS, EMAIL, isObject, sub, lazy, parseWhole, removeAt, move, emailMode, setEmailMode, setActionType, addRule, addServiceAccount, addSchedule, handoverCheckPolicy, activeUserNames } from './model.mjs';

/**
 * Builds the whole form into `form` (emptied by the caller).
 * @param {HTMLElement} form
 * @param {{model: object, fields: ReturnType<import('./fields.mjs').createFields>, changed: Function}} ed
 * @returns {{schedules: {s: object, box: HTMLElement}[]}}  where each schedule's next runs go (showNextRuns)
 */
export function buildForm(form, ed) {
  const { model, fields } = ed;
  const schedules = [];
  if (!isObject(model)) {
    form.append(h('p', { class: 'uc-muted' }, 'The policy is not a JSON object; import another file or reload.'));
    return { schedules };
  }
  form.append(
    section('uc-rules-rules', 'Rules', 'Tried in order: the first rule that selects a user decides what happens to them. A rule needs an activity condition.', rulesSection(ed)),
    section('uc-rules-templates', 'Warning emails', 'Templates for rules that warn before acting. The preview is the email a real user of the snapshot would receive.', templatesSection(ed)),
    section('uc-rules-protect', 'Protected users and groups', 'Never actioned, whatever a rule says. Group patterns may use *.', protectSection(ed)),
    section('uc-rules-handover', 'Project leads', 'Jira refuses to deactivate a project lead, so the plan marks such deactivations blocked. Name an active user to take their projects over first; undo gives them back.', handoverSection(ed)),
    section('uc-rules-domains', 'Internal email domains', 'Your company\u2019s domains; subdomains belong to them. Rules use them to tell external users from internal.', fields.listField(model, 'internalDomains', 'internalDomains', { placeholder: 'acme.com', add: 'Add domain' })),
    section('uc-rules-service', 'Service accounts', 'Protected while their expiry date is in the future; once expired they are reported and may be actioned.', serviceSection(ed)),
    section('uc-rules-limits', 'Limits', null, limitsSection(ed)),
    section('uc-rules-schedules', 'Schedules', 'Classic five-field cron (minute hour day-of-month month day-of-week) in the schedule\u2019s time zone.', schedulesSection(ed, schedules)),
  );
  // Fields of the policy the form does not edit are still reported (unknown fields -> summary).
  return { schedules };
}

function section(id, title, intro, ...body) {
  const s = h('section', { class: 'uc-section uc-rules-section', id, 'aria-labelledby': `${id}-h` }, h('h2', { id: `${id}-h` }, title));
  if (intro) s.append(h('p', { class: 'uc-muted' }, intro));
  s.append(...body);
  return s;
}

const subtle = (label, text, attrs = {}) => h('button', { type: 'button', class: 'uc-button uc-button-subtle', 'aria-label': label, ...attrs }, text);

// ------------------------------------------------------------------------------------- rules

function rulesSection(ed) {
  const { model, fields, changed } = ed;
  const out = h('div', { class: 'uc-rule-list' });
  if (!Array.isArray(model.rules)) {
    fields.register('rules', null);
    if (model.rules !== undefined) out.append(h('p', { class: 'uc-muted' }, 'rules is not a list (as imported).'));
  } else {
    out.append(fields.register('rules', null));
    model.rules.forEach((r, i) => out.append(ruleCard(ed, r, i)));
  }
  const add = h('button', { type: 'button', class: 'uc-button', id: 'uc-rules-add' }, '+ Add a rule');
  add.addEventListener('click', () => {
    const i = addRule(model);
    changed({ rebuild: true });
    fields.focusPath(`rules[${i}].id`);
  });
  out.append(add);
  return out;
}

function ruleCard(ed, r, i) {
  const { model, fields, changed } = ed;
  const p = `rules[${i}]`;
  const card = h('fieldset', { class: 'uc-card uc-rule', dataset: { rule: String(i) } });
  if (!isObject(r)) {
    card.append(h('legend', {}, `Rule ${i + 1}`), h('p', { class: 'uc-muted' }, 'Not an object (as imported).'), fields.register(p, null));
    return card;
  }
  const title = h('legend', {}, `Rule ${i + 1}`, typeof r.id === 'string' && r.id ? `: ${r.id}` : '');
  const up = subtle(`Move rule ${i + 1} up`, '\u2191 Up', { disabled: i === 0 });
  const down = subtle(`Move rule ${i + 1} down`, '\u2193 Down', { disabled: i === model.rules.length - 1 });
  const rm = subtle(`Remove rule ${i + 1}`, 'Remove');
  const shift = (d) => {
    move(model.rules, i, d);
    changed({ rebuild: true });
    card.ownerDocument.querySelector(`fieldset[data-rule="${i + d}"] button[aria-label^="Move rule ${i + d + 1} ${d < 0 ? 'up' : 'down'}"]`)?.focus();
  };
  up.addEventListener('click', () => shift(-1));
  down.addEventListener('click', () => shift(1));
  rm.addEventListener('click', () => {
    model.rules.splice(i, 1);
    changed({ rebuild: true });
  });
  card.append(title, h('div', { class: 'uc-card-tools' }, up, down, rm), fields.register(p, null));

  const idField = fields.field(r, 'id', `${p}.id`, 'Id', { placeholder: 'contractors-90d', width: '16em' });
  idField.querySelector('input').addEventListener('input', () => { title.lastChild.textContent = r.id ? `: ${r.id}` : ''; });
  card.append(h('div', { class: 'uc-row' },
    idField,
    fields.field(r, 'description', `${p}.description`, 'Description', { placeholder: 'What this rule is for', width: '100%' })));

  // Who
  const exc = lazy(r, 'exclude');
  card.append(h('div', { class: 'uc-row' },
    groupBlock(fields, 'Include members of (all users when empty)', lazy(r, 'include'), `${p}.include`),
    groupBlock(fields, 'Exclude members of', exc, `${p}.exclude`),
    h('div', { class: 'uc-col' }, fields.listField(exc, 'users', `${p}.exclude.users`, { label: 'Exclude users', placeholder: 'username', list: 'uc-rules-users', add: 'Add user' }))));
  card.append(emailBlock(ed, r, p), activityBlock(ed, r, p), actionBlock(ed, r, p), warnBlock(ed, r, p));
  return card;
}

function groupBlock(fields, label, obj, p) {
  return h('div', { class: 'uc-col' }, fields.listField(obj, 'groups', `${p}.groups`, { label, placeholder: 'group or pattern*', list: 'uc-rules-groups', add: 'Add group' }));
}

function emailBlock({ fields, changed }, r, p) {
  const mode = emailMode(r);
  const id = nextId('uc-email');
  const select = h('select', { id, class: 'uc-select' }, EMAIL.map((o) => h('option', { value: o.v, selected: o.v === mode }, o.label)));
  select.value = mode;
  select.addEventListener('change', () => {
    setEmailMode(r, select.value);
    changed({ rebuild: true });
  });
  const out = h('div', { class: 'uc-row' }, h('div', { class: 'uc-field' }, h('label', { for: id }, 'Email'), select, fields.register(`${p}.email`, select)));
  if (mode === 'domains') out.append(h('div', { class: 'uc-col' }, fields.listField(r.email, 'domains', `${p}.email.domains`, { label: 'Domains', placeholder: 'partner.io', add: 'Add domain' })));
  return out;
}

function activityBlock({ fields, changed }, r, p) {
  const never = h('input', { type: 'checkbox', id: nextId('uc-never'), checked: r.neverLoggedIn !== undefined });
  const nlField = fields.field(lazy(r, 'neverLoggedIn'), 'createdMoreThanDays', `${p}.neverLoggedIn.createdMoreThanDays`, 'created more than (days)', { parse: parseWhole, inputmode: 'numeric', width: '6em' });
  nlField.hidden = r.neverLoggedIn === undefined;
  never.addEventListener('change', () => {
    if (never.checked) r.neverLoggedIn = { createdMoreThanDays: 30 };
    else delete r.neverLoggedIn;
    changed({ rebuild: true });
  });
  const neverBox = fields.register(`${p}.neverLoggedIn`, never);
  // Only true is written (absent = false); a value the form does not know stays for the engine to report.
  const skip = h('input', { type: 'checkbox', id: nextId('uc-skip-open'), checked: r.skipIfOpenAssignedIssues === true, dataset: { skipOpen: '' } });
  skip.addEventListener('change', () => {
    if (skip.checked) r.skipIfOpenAssignedIssues = true;
    else delete r.skipIfOpenAssignedIssues;
    changed();
  });
  return h('div', { class: 'uc-row' },
    fields.field(r, 'inactiveDays', `${p}.inactiveDays`, 'Inactive for at least (days)', { parse: parseWhole, inputmode: 'numeric', width: '6em', hint: 'since the last login' }),
    h('div', { class: 'uc-field' },
      h('span', { class: 'uc-check' }, never, h('label', { for: never.id }, 'Also select users who never logged in')),
      nlField, neverBox),
    h('div', { class: 'uc-field' },
      h('span', { class: 'uc-check' }, skip, h('label', { for: skip.id }, 'Skip users with unresolved issues assigned')),
      fields.register(`${p}.skipIfOpenAssignedIssues`, skip)));
}

function actionBlock({ fields, changed }, r, p) {
  const a = sub(r, 'action');
  const type = a?.type;
  const id = nextId('uc-action');
  const opts = ACTIONS.map((o) => h('option', { value: o.type, selected: o.type === type }, o.label));
  if (type !== undefined && !ACTIONS.some((o) => o.type === type)) opts.push(h('option', { value: String(type), selected: true }, `${String(type)} (unknown)`));
  if (type === undefined) opts.unshift(h('option', { value: '', selected: true }, '(choose)'));
  const select = h('select', { id, class: 'uc-select' }, opts);
  select.addEventListener('change', () => {
    setActionType(r, select.value);
    changed({ rebuild: true });
  });
  const out = h('div', { class: 'uc-row' }, h('div', { class: 'uc-field' }, h('label', { for: id }, 'Action'), select, fields.register(`${p}.action`, select)));
  if (type === 'removeFromGroups' || (a && 'groups' in a)) {
    out.append(h('div', { class: 'uc-col' }, fields.listField(a, 'groups', `${p}.action.groups`, { label: 'Remove from (only the groups the user is in)', placeholder: 'jira-*-users', list: 'uc-rules-groups', add: 'Add group' })));
  }
  return out;
}

// ------------------------------------------------------------------- the rest of the policy

function protectSection({ model, fields }) {
  const pr = lazy(model, 'protect');
  return h('div', { class: 'uc-row' }, fields.register('protect', null),
    h('div', { class: 'uc-col' }, fields.listField(pr, 'groups', 'protect.groups', { label: 'Groups', placeholder: 'jira-administrators', list: 'uc-rules-groups', add: 'Add group' })),
    h('div', { class: 'uc-col' }, fields.listField(pr, 'users', 'protect.users', { label: 'Users', placeholder: 'username', list: 'uc-rules-users', add: 'Add user' })));
}

/**
 * handover.projectLead, with the engine's problems beside it (as every field) and, once the
 * snapshot is read, the engine's check of that user against it (exists, active), and active users
 * to choose from. `ed.engine` / `ed.data` are absent in an older caller: then only the former.
 */
function handoverSection({ model, fields, engine, data }) {
  const listId = 'uc-rules-active-users';
  const list = h('datalist', { id: listId });
  const f = fields.field(lazy(model, 'handover'), 'projectLead', 'handover.projectLead', 'Hand their projects over to', {
    placeholder: 'username (an active user)', list: listId, width: '16em',
    hint: 'empty: project leads are not deactivated (blocked in the plan)',
  });
  const input = f.querySelector('input');
  input.id ||= nextId('uc-handover');
  const check = h('ul', { class: 'uc-field-problems uc-handover-check', id: 'uc-handover-check', hidden: true, 'aria-live': 'polite' });
  input.setAttribute('aria-describedby', `${input.getAttribute('aria-describedby') ?? ''} ${check.id}`.trim());
  f.append(check);
  let snapText = null;
  const verify = () => {
    clear(check);
    check.hidden = true;
    delete f.dataset.handoverCheck;
    if (!snapText || !engine || model.handover?.projectLead === undefined) return;
    let r;
    try {
      r = engine.validate(handoverCheckPolicy(model), snapText);
    } catch {
      return; // the form's own check reports what the engine cannot read
    }
    const problems = r.type === 'success' ? [] : (r.errors ?? []).filter((e) => String(e.path).startsWith('handover'));
    f.dataset.handoverCheck = problems.length ? 'error' : 'ok';
    if (!problems.length) return;
    // Type and emptiness are already shown by the form's own check (same path): only what the snapshot adds.
    const own = problems.filter((e) => e.code === 'policy.handoverUnknownUser' || e.code === 'policy.handoverInactiveUser');
    if (!own.length) return;
    check.append(...own.map((e) => h('li', { class: 'uc-problem uc-problem-error', dataset: { code: e.code } }, e.message)));
    check.hidden = false;
  };
  input.addEventListener('input', verify);
  data?.snapshot?.().then((s) => {
    snapText = s.text;
    list.append(...activeUserNames(s.snap).map((n) => h('option', { value: n })));
    verify();
  }).catch(() => {});
  return h('div', { class: 'uc-row' }, fields.register('handover', null), f, list);
}

function serviceSection({ model, fields, changed }) {
  const out = h('div', { class: 'uc-service-list' }, fields.register('serviceAccounts', null));
  const list = Array.isArray(model.serviceAccounts) ? model.serviceAccounts : null;
  if (model.serviceAccounts !== undefined && !list) out.append(h('p', { class: 'uc-muted' }, 'serviceAccounts is not a list (as imported).'));
  (list ?? []).forEach((s, i) => {
    const p = `serviceAccounts[${i}]`;
    const rm = subtle(`Remove service account ${i + 1}`, 'Remove');
    rm.addEventListener('click', () => {
      removeAt(model, 'serviceAccounts', i);
      changed({ rebuild: true });
    });
    const row = h('div', { class: 'uc-card uc-service', dataset: { service: String(i) } }, fields.register(p, null));
    if (!isObject(s)) {
      row.append(h('p', { class: 'uc-muted' }, 'Not an object (as imported).'), rm);
    } else {
      row.append(h('div', { class: 'uc-row' },
        fields.field(s, 'user', `${p}.user`, 'User', { placeholder: 'svc-ci', list: 'uc-rules-users', width: '12em' }),
        fields.field(s, 'owner', `${p}.owner`, 'Owner', { placeholder: 'ops@acme.com', width: '14em' }),
        fields.field(s, 'purpose', `${p}.purpose`, 'Purpose', { placeholder: 'CI pipelines', width: '16em' }),
        fields.field(s, 'expires', `${p}.expires`, 'Expires', { placeholder: 'YYYY-MM-DD', width: '12em' }),
        h('div', { class: 'uc-field uc-field-end' }, rm)));
    }
    out.append(row);
  });
  const add = h('button', { type: 'button', class: 'uc-button', id: 'uc-rules-add-service' }, '+ Add a service account');
  add.addEventListener('click', () => {
    addServiceAccount(model);
    changed({ rebuild: true });
  });
  out.append(add);
  return out;
}

function limitsSection({ model, fields }) {
  return h('div', { class: 'uc-row' }, fields.register('limits', null), fields.field(lazy(model, 'limits'), 'maxActionsPerRun', 'limits.maxActionsPerRun', 'Most actions per run', {
    parse: parseWhole, inputmode: 'numeric', width: '8em',
    hint: 'a plan with more deactivations and group removals is refused (review-only actions do not count)',
  }));
}

function schedulesSection(ed, boxes) {
  const { model, fields, changed } = ed;
  const out = h('div', { class: 'uc-schedule-list' }, fields.register('schedules', null));
  const list = Array.isArray(model.schedules) ? model.schedules : null;
  if (model.schedules !== undefined && !list) out.append(h('p', { class: 'uc-muted' }, 'schedules is not a list (as imported).'));
  (list ?? []).forEach((s, i) => {
    const p = `schedules[${i}]`;
    const card = h('fieldset', { class: 'uc-card uc-schedule', dataset: { schedule: String(i) } }, h('legend', {}, `Schedule ${i + 1}`), fields.register(p, null));
    out.append(card);
    if (!isObject(s)) return;
    const rm = subtle(`Remove schedule ${i + 1}`, 'Remove');
    rm.addEventListener('click', () => {
      removeAt(model, 'schedules', i);
      changed({ rebuild: true });
    });
    const next = h('div', { class: 'uc-next-runs', dataset: { schedule: String(i) }, 'aria-live': 'polite' });
    boxes.push({ s, box: next });
    card.append(h('div', { class: 'uc-card-tools' }, rm),
      h('div', { class: 'uc-row' },
        fields.field(s, 'id', `${p}.id`, 'Id', { placeholder: 'weekly', width: '10em' }),
        fields.field(s, 'cron', `${p}.cron`, 'Cron', { placeholder: '0 3 * * MON', width: '12em', hint: 'min hour day month weekday' }),
        fields.field(s, 'timezone', `${p}.timezone`, 'Time zone', { placeholder: 'UTC', list: 'uc-rules-zones', width: '14em' }),
        h('div', { class: 'uc-col' }, fields.listField(s, 'rules', `${p}.rules`, { label: 'Rules (all when empty)', placeholder: 'rule id', list: 'uc-rules-ruleids', add: 'Add rule' }))),
      scheduleSwitches(ed, s, p),
      next);
  });
  const add = h('button', { type: 'button', class: 'uc-button', id: 'uc-rules-add-schedule' }, '+ Add a schedule');
  add.addEventListener('click', () => {
    addSchedule(model, Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC');
    changed({ rebuild: true });
  });
  out.append(add);
  return out;
}

/**
 * A schedule's `enabled` (absent = true, so only false is written) and `mode` (absent = "run"):
 * what the daemons do at its slots. A value the form does not know stays as imported for the
 * engine to report.
 */
function scheduleSwitches({ fields, changed }, s, p) {
  const on = h('input', { type: 'checkbox', id: nextId('uc-sched-on'), checked: s.enabled !== false, dataset: { scheduleEnabled: '' } });
  on.addEventListener('change', () => {
    if (on.checked) delete s.enabled;
    else s.enabled = false;
    changed();
  });
  const id = nextId('uc-sched-mode');
  const known = s.mode === undefined || s.mode === 'run' || s.mode === 'preview';
  const mode = h('select', { id, class: 'uc-select', dataset: { scheduleMode: '' } },
    h('option', { value: 'run', selected: s.mode === undefined || s.mode === 'run' }, 'Run: carry out the plan'),
    h('option', { value: 'preview', selected: s.mode === 'preview' }, 'Dry run: record the plan, change nothing'),
    known ? null : h('option', { value: '', selected: true }, `${String(s.mode)} (unknown)`));
  mode.addEventListener('change', () => {
    if (mode.value === 'run') delete s.mode;
    else if (mode.value === 'preview') s.mode = 'preview';
    changed();
  });
  return h('div', { class: 'uc-row' },
    h('div', { class: 'uc-field' }, h('span', { class: 'uc-check' }, on, h('label', { for: on.id }, 'Enabled (the daemons run it)')), fields.register(`${p}.enabled`, on)),
    h('div', { class: 'uc-field' }, h('label', { for: id }, 'Mode'), mode, fields.register(`${p}.mode`, mode)));
}

/** Next runs of each schedule on its own (engine.nextRuns), so one broken schedule does not hide the others'. */
export function showNextRuns(engine, boxes, now = new Date()) {
  const from = now.toISOString().replace(/\.\d+Z$/, 'Z');
  for (const { s, box } of boxes) {
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

/** The IANA zones this browser knows, UTC first (the time-zone autocomplete). */
export function timeZones() {
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
