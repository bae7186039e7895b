// The Rules view's warning parts: a "Warn before acting" block per rule (warn.daysBefore,
// warn.template) and the templates section, each template with a live preview of its email for a
// real user of the snapshot. The preview is made by app/warn-email.mjs with the mail module's
// render.mjs — the very code the sender runs — for a user the engine's `warnings` lists, so what
// the admin sees is the email that user would receive. The HTML is shown in a sandboxed iframe
// without scripts (render.mjs escapes every value; the sandbox is a second wall).
import { h, clear, nextId } from './dom.mjs';
import { renderWarning } from './warn-email.mjs';

// render.mjs ships next to runner/ (JAR and development server: mail/render.mjs).
let renderP = null;
export function loadRender() {
  renderP ??= import(new URL('../mail/render.mjs', import.meta.url).href);
  renderP.catch(() => { renderP = null; });
  return renderP;
}

const isObject = (v) => v != null && typeof v === 'object' && !Array.isArray(v);
const FALLBACK_TEMPLATE = {
  subject: 'Your Jira account will be {{actionWords}} on or after {{actionDate}}',
  body: 'Hello {{displayName}},\n\nyour Jira account {{username}} has not been used for a while and will be {{actionWords}} on or after {{actionDate}}.\nReason: {{ruleDescription}}\n\nIf you still need it, log in to Jira before that date.',
};

/** The per-rule block (not for review rules: the engine refuses warn there). */
export function warnBlock({ model, fields, changed }, r, p) {
  const box = h('div', { class: 'uc-row uc-warn-block', dataset: { field: `${p}.warn` } });
  if (r?.action?.type === 'review' && r.warn === undefined) return box;
  const id = nextId('uc-warn');
  const on = h('input', { type: 'checkbox', id, checked: r.warn !== undefined });
  on.addEventListener('change', async () => {
    if (on.checked) {
      if (!Array.isArray(model.templates)) model.templates = [];
      if (!model.templates.length) {
        const render = await loadRender().catch(() => null);
        model.templates.push({ id: 'warning', ...(render?.DEFAULT_WARNING_TEMPLATE ? { subject: render.DEFAULT_WARNING_TEMPLATE.subject, body: render.DEFAULT_WARNING_TEMPLATE.body } : FALLBACK_TEMPLATE) });
      }
      r.warn = { daysBefore: 14, template: String(model.templates[0]?.id ?? 'warning') };
    } else delete r.warn;
    changed({ rebuild: true });
  });
  box.append(h('div', { class: 'uc-field uc-check' }, on, h('label', { for: id }, 'Warn the user by email before acting'), fields.register(`${p}.warn`, on)));
  if (!isObject(r.warn)) return box;
  const listId = nextId('uc-warn-templates');
  box.append(
    fields.field(r.warn, 'daysBefore', `${p}.warn.daysBefore`, 'Days between the warning and the action', {
      width: '6em', inputmode: 'numeric',
      parse: (t) => (t.trim() === '' ? undefined : /^\d+$/.test(t.trim()) ? Number(t.trim()) : t),
      hint: '1 to 365; a login meanwhile cancels the action',
    }),
    fields.field(r.warn, 'template', `${p}.warn.template`, 'Email template', { list: listId, width: '12em', placeholder: 'template id' }),
    h('datalist', { id: listId }, (Array.isArray(model.templates) ? model.templates : []).filter((t) => t && typeof t.id === 'string').map((t) => h('option', { value: t.id }))),
  );
  return box;
}

/** The templates section: id, subject, body per template, and the live email preview. */
export function templatesSection(ed) {
  const { model, fields, changed } = ed;
  const out = h('div', { class: 'uc-template-list' }, fields.register('templates', null));
  const list = Array.isArray(model.templates) ? model.templates : null;
  if (model.templates !== undefined && !list) out.append(h('p', { class: 'uc-muted' }, 'templates is not a list (as imported).'));
  (list ?? []).forEach((t, i) => out.append(templateCard(ed, t, i)));
  const add = h('button', { type: 'button', class: 'uc-button', id: 'uc-templates-add' }, '+ Add a template');
  add.addEventListener('click', async () => {
    if (!Array.isArray(model.templates)) model.templates = [];
    const render = await loadRender().catch(() => null);
    const base = render?.DEFAULT_WARNING_TEMPLATE ?? FALLBACK_TEMPLATE;
    let n = model.templates.length + 1;
    while (model.templates.some((x) => String(x?.id).toLowerCase() === `warning-${n}`)) n++;
    model.templates.push({ id: `warning-${n}`, subject: base.subject, body: base.body });
    changed({ rebuild: true });
    fields.focusPath(`templates[${model.templates.length - 1}].id`);
  });
  out.append(add);
  return out;
}

function templateCard(ed, t, i) {
  const { model, fields, changed } = ed;
  const p = `templates[${i}]`;
  const card = h('fieldset', { class: 'uc-card uc-template', dataset: { template: String(i) } });
  if (!isObject(t)) {
    card.append(h('legend', {}, `Template ${i + 1}`), h('p', { class: 'uc-muted' }, 'Not an object (as imported).'), fields.register(p, null));
    return card;
  }
  const rm = h('button', { type: 'button', class: 'uc-button uc-button-subtle', 'aria-label': `Remove template ${i + 1}` }, 'Remove');
  rm.addEventListener('click', () => {
    model.templates.splice(i, 1);
    if (!model.templates.length) delete model.templates;
    changed({ rebuild: true });
  });
  const bodyId = nextId('uc-tpl-body');
  const body = h('textarea', { id: bodyId, class: 'uc-input uc-template-body', rows: 9, spellcheck: 'true' });
  body.value = typeof t.body === 'string' ? t.body : '';
  body.addEventListener('input', () => { t.body = body.value; changed(); });
  const preview = h('div', { class: 'uc-template-preview', 'aria-live': 'polite' });
  card.append(
    h('legend', {}, `Template ${i + 1}`, typeof t.id === 'string' && t.id ? `: ${t.id}` : ''),
    h('div', { class: 'uc-card-tools' }, rm), fields.register(p, null),
    h('div', { class: 'uc-row' }, fields.field(t, 'id', `${p}.id`, 'Id', { width: '12em', placeholder: 'idle-warning' }),
      fields.field(t, 'subject', `${p}.subject`, 'Subject', { width: '100%' })),
    h('div', { class: 'uc-field uc-field-wide', dataset: { field: `${p}.body` } },
      h('label', { for: bodyId }, 'Body (plain text; placeholders {{displayName}} {{username}} {{actionDate}} {{actionWords}} {{ruleDescription}} {{contact}})'),
      body, fields.register(`${p}.body`, body)),
    preview,
  );
  livePreview(ed, t, preview, card);
  return card;
}

/**
 * The users the engine lists for rules using template `t` (any state: each has its action date),
 * warn-now users first. → [{...warned user}] or {problem}
 */
export function previewUsers(engine, model, snapText, asOf, id) {
  let r;
  try {
    r = engine.warnings(JSON.stringify(model), snapText, { asOf });
  } catch (e) {
    return { problem: `the engine could not answer: ${e?.message ?? e}` };
  }
  if (r?.type !== 'success') return { problem: 'the policy has problems (listed above); the preview needs a valid policy' };
  const mine = r.value.users.filter((u) => String(u.template).toLowerCase() === String(id).toLowerCase());
  const order = { warn: 0, wait: 1, act: 2 };
  return mine.sort((a, b) => (order[a.state] ?? 3) - (order[b.state] ?? 3));
}

function livePreview(ed, t, box, card) {
  const { model, engine, data } = ed;
  const pick = h('select', { class: 'uc-select uc-template-user', 'aria-label': 'Preview for user' });
  const subject = h('p', { class: 'uc-template-subject' });
  const frame = h('iframe', { class: 'uc-template-html', sandbox: '', title: 'The email as HTML', referrerpolicy: 'no-referrer' });
  const text = h('pre', { class: 'uc-template-text' });
  const note = h('p', { class: 'uc-muted uc-template-note' });
  box.append(h('h3', {}, 'Preview'), h('div', { class: 'uc-row' }, h('label', {}, 'For ', pick)), note, subject, frame, h('details', {}, h('summary', {}, 'Text part'), text));
  let users = [];
  let snap = null;
  let timer = null;
  const draw = async () => {
    if (!snap || !engine?.warnings) {
      note.textContent = engine?.warnings ? 'Reading users from Jira…' : 'This engine build has no warnings(); reload the page after updating.';
      return;
    }
    const render = await loadRender().catch((e) => ({ error: e }));
    if (render.error) {
      note.textContent = `The email module could not be loaded (${render.error.message}).`;
      return;
    }
    const got = previewUsers(engine, model, snap.text, snap.snap.capturedAt ?? new Date().toISOString(), t.id);
    if (!Array.isArray(got)) {
      note.textContent = got.problem;
      return;
    }
    const keep = pick.value;
    users = got;
    clear(pick).append(...users.map((u) => h('option', { value: u.user, selected: u.user === keep }, `${u.user} (${u.state === 'warn' ? 'warned now' : u.state === 'wait' ? 'waiting' : 'may be acted on'}, rule ${u.rule})`)));
    const w = users.find((u) => u.user === pick.value) ?? users[0];
    if (!w) {
      note.textContent = 'No user of the snapshot is warned, waiting or acted on by a rule using this template today.';
      subject.textContent = '';
      frame.srcdoc = '';
      text.textContent = '';
      card.dataset.previewUser = '';
      return;
    }
    try {
      const mail = renderWarning(render, model, w, t);
      note.textContent = `To ${w.email ?? '(no email address: this user cannot be warned)'} · action on or after ${w.actionDate.slice(0, 10)}`;
      subject.textContent = mail.subject;
      frame.srcdoc = mail.html;
      text.textContent = mail.text;
      card.dataset.previewUser = w.user;
    } catch (e) {
      note.textContent = `This template cannot be sent: ${e.message}`;
      subject.textContent = '';
      frame.srcdoc = '';
      text.textContent = '';
    }
  };
  const soon = () => { clearTimeout(timer); timer = setTimeout(draw, 150); };
  pick.addEventListener('change', draw);
  card.addEventListener('input', soon);
  data?.snapshot?.().then((s) => { snap = s; draw(); }).catch((e) => { note.textContent = `The users could not be read (${e.message}).`; });
  draw();
}
