// The emails this tool sends, as {subject, text, html} (browser-safe: no node: imports).
// The admin page imports this module for its live preview, so the preview is the email sent.
//
// Rules every email here follows:
// - the text part is the truth; the HTML part is made from it, and every character that comes
//   from data (display names, Jira's reasons, template text) is HTML-escaped — nothing is ever
//   inserted into HTML as markup;
// - the subject is one line: CR, LF and other control characters become spaces, so no value can
//   start a new header.
import { indexRuns } from '../runner/report.mjs';

/** An error in a template or in the values given to it; `code` and `path` say what and where. */
export class TemplateError extends Error {
  constructor(message, code, path) {
    super(message);
    this.name = 'TemplateError';
    this.code = code;
    this.path = path;
  }
}

/** The placeholders a warning template may use, `{{name}}` (spaces inside the braces allowed). */
export const PLACEHOLDERS = Object.freeze(['displayName', 'username', 'actionDate', 'actionWords', 'ruleDescription', 'contact']);

const HTML_ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(value) {
  return String(value).replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

/** One header line: control characters (CR, LF, TAB, NUL, U+2028/9, …) become one space; trimmed. */
export function oneLine(value) {
  // eslint-disable-next-line no-control-regex
  return String(value).replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').replace(/ {2,}/g, ' ').trim();
}

// `{{ name }}`: a name is letters and digits. Anything between `{{` and `}}` that is not a known
// name is an error (a typo must not reach users as literal braces).
const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;

/** The placeholders a text uses, in order of first use; throws TemplateError for an unknown one. */
export function placeholdersIn(text, path = 'body') {
  const used = [];
  for (const m of String(text).matchAll(PLACEHOLDER)) {
    const name = m[1];
    if (!PLACEHOLDERS.includes(name)) {
      throw new TemplateError(
        `${path}: unknown placeholder {{${name}}} at character ${m.index + 1}; the known ones are ${PLACEHOLDERS.map((p) => `{{${p}}}`).join(', ')}`,
        'template.unknownPlaceholder',
        path,
      );
    }
    if (!used.includes(name)) used.push(name);
  }
  return used;
}

function fill(text, values, path) {
  placeholdersIn(text, path); // unknown names fail before anything is filled in
  return String(text).replace(PLACEHOLDER, (_, name) => values[name]);
}

function checkValues(values, used) {
  const clean = {};
  for (const name of used) {
    const v = values?.[name];
    if (v === undefined || v === null || v === '') {
      const hint = name === 'contact' ? ' (the policy has no notify.contact)' : '';
      throw new TemplateError(`the template uses {{${name}}} but no value was given for it${hint}`, 'template.missingValue', `values.${name}`);
    }
    if (typeof v !== 'string' && typeof v !== 'number') {
      throw new TemplateError(`values.${name} must be text, got ${Array.isArray(v) ? 'a list' : typeof v}`, 'template.invalidValue', `values.${name}`);
    }
    clean[name] = String(v);
  }
  return clean;
}

/**
 * Fills a warning template. `template` = {subject, body} (both plain text); `values` holds the
 * placeholders' values (only those the template uses are required). Returns {subject, text, html}.
 * Throws TemplateError (code template.invalid | template.unknownPlaceholder | template.missingValue |
 * template.invalidValue, with a path) — check a template with `checkTemplate` when it is saved.
 */
export function renderTemplate(template, values) {
  checkTemplate(template);
  const used = [...new Set([...placeholdersIn(template.subject, 'subject'), ...placeholdersIn(template.body, 'body')])];
  const v = checkValues(values, used);
  const subject = oneLine(fill(template.subject, v, 'subject'));
  const text = normaliseBody(fill(template.body, v, 'body'));
  return { subject, text, html: htmlDocument(subject, textToHtml(text)) };
}

/** Throws TemplateError unless `template` is {subject, body} with non-blank text and known placeholders. */
export function checkTemplate(template) {
  if (template === null || typeof template !== 'object' || Array.isArray(template)) {
    throw new TemplateError('a template must be an object {subject, body}', 'template.invalid', 'template');
  }
  for (const field of ['subject', 'body']) {
    if (typeof template[field] !== 'string' || template[field].trim() === '') {
      throw new TemplateError(`template.${field} must be non-empty text`, 'template.invalid', field);
    }
    placeholdersIn(template[field], field);
  }
  return true;
}

/** A starting template (the page offers it when a policy has none; labelled as a template). */
export const DEFAULT_WARNING_TEMPLATE = Object.freeze({
  subject: 'Your Jira account will be {{actionWords}} on or after {{actionDate}}',
  body:
    'Hello {{displayName}},\n\n' +
    'your Jira account {{username}} will be {{actionWords}} on or after {{actionDate}}.\n' +
    'Reason: {{ruleDescription}}\n\n' +
    'If you still need it, log in to Jira before that date. Questions: {{contact}}',
});

/** The action in words, as it completes "your account will be …". */
export function describeAction(action) {
  if (action?.action === 'deactivate') return 'deactivated';
  if (action?.action === 'removeFromGroups') {
    const g = Array.isArray(action.groups) ? action.groups.map(String) : [];
    return g.length ? `removed from the group${g.length === 1 ? '' : 's'} ${g.join(', ')}` : 'removed from groups';
  }
  throw new TemplateError(`no words for the action ${JSON.stringify(action?.action)}`, 'template.invalidValue', 'action');
}

/** YYYY-MM-DD in UTC: the same text in the page (any time zone) and in the daemon. */
export function formatDate(instant) {
  const d = instant instanceof Date ? instant : new Date(instant);
  if (Number.isNaN(d.getTime())) throw new TemplateError(`not an instant: ${JSON.stringify(instant)}`, 'template.invalidValue', 'actionDate');
  return d.toISOString().slice(0, 10);
}

/**
 * The placeholder values for one user — the page's preview and the sender both build them here so
 * the preview is the email sent. user: a snapshot user {name, displayName?}; action: the plan
 * action {action, groups?}; actionDate: the instant the action may happen; rule: the policy rule
 * {id, description?}; contact: notify.contact (may be absent if the template does not use it).
 */
export function warningValues({ user, action, actionDate, rule, contact }) {
  return {
    displayName: String(user?.displayName || user?.name || ''),
    username: String(user?.name ?? ''),
    actionDate: formatDate(actionDate),
    actionWords: describeAction(action),
    ruleDescription: String(rule?.description || rule?.id || ''),
    contact: contact ?? undefined,
  };
}

function normaliseBody(text) {
  return text.replace(/\r\n?/g, '\n');
}

// Paragraphs (blank-line separated) become <p>, single line breaks <br>; everything escaped.
function textToHtml(text) {
  return text
    .split(/\n{2,}/)
    .filter((p) => p.trim() !== '')
    .map((p) => `<p>${p.split('\n').map(escapeHtml).join('<br>\n')}</p>`)
    .join('\n');
}

function htmlDocument(subject, body) {
  return (
    '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>' +
    escapeHtml(subject) +
    '</title></head>\n<body style="font-family: Arial, Helvetica, sans-serif; font-size: 14px; color: #172b4d;">\n' +
    body +
    '\n</body></html>\n'
  );
}

// ---------------------------------------------------------------------------------------------
// Run summaries (issue 9): what a scheduled run did, sent to notify.admins.

const MAX_LISTED = 50; // failures listed by name; the rest are counted (the trail has them all)

const n = (v) => (Number.isFinite(v) && v >= 0 ? Math.trunc(v) : 0);
const plural = (k, one, many = `${one}s`) => `${k} ${k === 1 ? one : many}`;

/** Totals, failures and refusal read from a run's trail records (those of other runs are ignored). */
export function summaryFromRecords(records, runId) {
  const run = indexRuns(records ?? []).get(runId);
  if (!run) return {};
  const out = {};
  if (run.refused) out.refused = { reason: run.refused.reason, message: run.refused.message };
  if (run.finished?.totals) out.totals = run.finished.totals;
  const items = run.planned?.items ?? [];
  const byAction = {};
  for (const it of items) byAction[it.action] = (byAction[it.action] ?? 0) + 1;
  if (items.length) out.planned = byAction;
  out.failures = [...run.outcomes.values()].filter((o) => o.status === 'failed').map((o) => ({ user: o.user, reason: o.reason ?? '' }));
  if (!out.totals && run.outcomes.size) {
    const t = { done: 0, failed: 0, skipped: 0 };
    for (const o of run.outcomes.values()) if (o.status in t) t[o.status] += 1;
    out.totals = t;
  }
  const s = run.started ?? run.refused;
  if (s?.schedule) out.schedule = s.schedule;
  if (s?.jira) out.jiraUrl = s.jira;
  return out;
}

/**
 * The summary email of one run (or of a slot that did not run).
 * @param {object} o
 * @param {string} o.runId
 * @param {'run'|'preview'} [o.mode]   preview = a dry run: `planned` counts what it would have done
 * @param {object[]} [o.records]       the run's trail records: totals, failures, refusal and schedule are read from them
 * @param {{done?, failed?, skipped?, review?, notStarted?}} [o.totals]  (overrides the records')
 * @param {{deactivate?, removeFromGroups?, review?}} [o.planned]         planned actions by type
 * @param {{user, reason}[]} [o.failures]   with Jira's reasons
 * @param {{reason, message}} [o.refused]   e.g. overLimit, planExpired
 * @param {{message, code?}} [o.error]      the slot failed before or during the run (e.g. Jira unreachable)
 * @param {string} [o.schedule] @param {string} [o.node] @param {string} [o.jiraUrl] @param {string} [o.link] URL of the run in the page
 * @param {string} [o.at]                   when the run ended (ISO text)
 * @returns {{subject, text, html}}
 */
export function renderRunSummary(o) {
  if (!o || typeof o.runId !== 'string' || o.runId === '') throw new TemplateError('renderRunSummary needs runId (text)', 'summary.invalid', 'runId');
  const fromTrail = o.records ? summaryFromRecords(o.records, o.runId) : {};
  const s = { ...fromTrail, ...Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) };
  const mode = s.mode === 'preview' ? 'preview' : 'run';
  const totals = s.totals ?? {};
  const failures = Array.isArray(s.failures) ? s.failures : [];
  const failed = Math.max(n(totals.failed), failures.length);
  const planned = s.planned ?? {};
  const where = s.schedule ? `schedule ${oneLine(s.schedule)}` : 'manual run';

  let status;
  if (s.error) status = 'Run failed';
  else if (s.refused) status = `Run refused${s.refused.reason ? ` (${oneLine(s.refused.reason)})` : ''}`;
  else if (mode === 'preview') status = `Dry run: ${plural(n(planned.deactivate) + n(planned.removeFromGroups), 'change')} would be made`;
  else if (failed) status = `Run finished with ${plural(failed, 'failure')}`;
  else status = `Run finished: ${n(totals.done)} done`;
  const subject = oneLine(`[User Cleanup] ${status} — ${where} — ${s.runId}`);

  // Lines of [label, value]: the same content in both parts.
  const facts = [
    ['Run', s.runId],
    ['Mode', mode === 'preview' ? 'preview (dry run: nothing was changed)' : 'run'],
    ['Schedule', s.schedule ?? '(none: started by hand)'],
  ];
  if (s.node) facts.push(['Node', s.node]);
  if (s.jiraUrl) facts.push(['Jira', s.jiraUrl]);
  if (s.at) facts.push(['Ended', s.at]);

  const counts = [];
  if (mode === 'preview' || (!s.totals && s.planned)) {
    counts.push(['Would deactivate', n(planned.deactivate)], ['Would remove from groups', n(planned.removeFromGroups)], ['Listed for review', n(planned.review)]);
  } else if (!s.refused && !s.error) {
    counts.push(['Done', n(totals.done)], ['Failed', failed], ['Skipped', n(totals.skipped)], ['Listed for review', n(totals.review)]);
    if (n(totals.notStarted)) counts.push(['Not started (stopped)', n(totals.notStarted)]);
  }

  const listed = failures.slice(0, MAX_LISTED).map((f) => ({ user: String(f.user ?? '?'), reason: String(f.reason ?? '') }));
  const more = failures.length - listed.length;

  const text = [];
  text.push(status, '');
  for (const [k, v] of facts) text.push(`${k}: ${v}`);
  if (s.error) text.push('', `The slot failed: ${s.error.message ?? s.error}${s.error.code ? ` (${s.error.code})` : ''}`, 'Nothing more was changed after the failure; the trail has every change made before it.');
  if (s.refused) text.push('', `The run was refused and nothing was changed: ${s.refused.message ?? s.refused.reason ?? ''}`);
  if (counts.length) {
    text.push('');
    for (const [k, v] of counts) text.push(`${k}: ${v}`);
  }
  if (listed.length) {
    text.push('', 'Failures (Jira\'s reasons):');
    for (const f of listed) text.push(`- ${f.user}: ${f.reason}`);
    if (more > 0) text.push(`- … and ${more} more (see the run's trail)`);
  }
  if (s.link) text.push('', `Open the run: ${s.link}`);
  text.push('', '— User Cleanup');
  const textBody = `${text.join('\n')}\n`;

  const row = ([k, v]) => `<tr><th align="left" style="padding-right:12px">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`;
  const html = [];
  html.push(`<p><strong>${escapeHtml(status)}</strong></p>`);
  html.push(`<table>${facts.map(row).join('')}</table>`);
  if (s.error) html.push(`<p>The slot failed: ${escapeHtml(`${s.error.message ?? s.error}${s.error.code ? ` (${s.error.code})` : ''}`)}<br>Nothing more was changed after the failure; the trail has every change made before it.</p>`);
  if (s.refused) html.push(`<p>The run was refused and nothing was changed: ${escapeHtml(s.refused.message ?? s.refused.reason ?? '')}</p>`);
  if (counts.length) html.push(`<table>${counts.map(row).join('')}</table>`);
  if (listed.length) {
    const items = listed.map((f) => `<li><strong>${escapeHtml(f.user)}</strong>: ${escapeHtml(f.reason)}</li>`);
    if (more > 0) items.push(`<li>… and ${more} more (see the run's trail)</li>`);
    html.push(`<p>Failures (Jira's reasons):</p><ul>${items.join('')}</ul>`);
  }
  // Only http(s) links become anchors; anything else is shown as text.
  if (s.link) html.push(/^https?:\/\//i.test(s.link) ? `<p><a href="${escapeHtml(s.link)}">Open the run</a></p>` : `<p>Open the run: ${escapeHtml(s.link)}</p>`);
  html.push('<p>— User Cleanup</p>');
  return { subject, text: textBody, html: htmlDocument(subject, html.join('\n')) };
}
