// Warning figures in the Preview and the Dashboard. Who is warned today, who waits and who may be
// acted on is the engine's `warnings` answer over the snapshot and the record of warnings sent
// (app/warn-record.mjs, in the Jira store, read once per snapshot: data.warningsSent); this module
// only shows it.
import { h, clear, num } from './dom.mjs';
import { section } from './view-kit.mjs';
import { policyWarns, foldWarnings } from './warn-record.mjs';

const STATES = [
  { state: 'warn', label: 'warned today' },
  { state: 'wait', label: 'waiting' },
  { state: 'act', label: 'acted on' },
];

async function inputs(ctx) {
  const [s, p] = await Promise.all([ctx.data.snapshot(), ctx.data.savedPolicy()]);
  if (p.text == null || !policyWarns(p.text)) return null;
  const record = await ctx.data.warningsSent();
  return { s, p, record };
}

/**
 * A section filled once the warnings record is read (`fill(box, inputs)`): hidden until then, the
 * error `unreadable(e)` says in place of its body when the record cannot be read, and left hidden
 * when there is nothing to show (no warn rules).
 */
function afterRecordRead(ctx, id, title, unreadable, fill) {
  const box = section(id, title, h('p', { class: 'uc-status' }, 'Reading the warnings sent…'));
  box.hidden = true;
  (async () => {
    let got;
    try {
      got = await inputs(ctx);
    } catch (e) {
      box.hidden = false;
      clear(box).append(h('h2', {}, title), h('p', { class: 'uc-message uc-message-error' }, unreadable(e)));
      return;
    }
    if (!got) return;
    fill(box, got);
  })();
  return box;
}

/**
 * The Preview's warnings section (#uc-preview-warnings): counts per state and a filterable table.
 * Returned at once and filled when the record is read; stays empty (hidden) without warn rules.
 */
export function warningsPreview(ctx) {
  const unreadable = (e) => `The record of warnings sent could not be read: ${e.message}. Until it can, no warn rule acts on anyone.`;
  return afterRecordRead(ctx, 'uc-preview-warnings', 'Warnings before acting', unreadable, (box, { s, p, record }) => {
    const r = ctx.engine.warnings(p.text, s.text, { asOf: s.snap.capturedAt, ...(ctx.me?.name ? { actor: ctx.me.name } : {}), sent: record.sent });
    box.hidden = false;
    const body = h('div', {});
    clear(box).append(h('h2', { id: 'uc-preview-warnings-h' }, 'Warnings before acting'), body);
    if (r.type !== 'success') {
      body.append(h('p', { class: 'uc-muted' }, 'The engine refused the policy or the snapshot (see above).'));
      return;
    }
    const users = r.value.users;
    const c = r.value.counts;
    const maybe = new Set(record.maybeSent.map((x) => `${x.user.toLowerCase()}\u0000${x.rule.toLowerCase()}`));
    body.append(h('p', { class: 'uc-summary' },
      ...STATES.flatMap((x, i) => [i ? ', ' : '', h('strong', { dataset: { count: x.state } }, num(c[x.state] ?? 0)), ` ${x.label}`]),
      ` (${num(c.upcoming ?? 0)} of those warned today not selected yet)`,
      record.maybeSent.length ? h('span', {}, '; ', h('strong', { dataset: { count: 'maybeSent' } }, num(record.maybeSent.length)), ' maybe sent (sending started, no result recorded: not sent again, and the rule does not act on them)') : ''));
    const filters = h('div', { class: 'uc-filter-buttons', role: 'group', 'aria-label': 'Show' });
    const tbody = h('tbody', {});
    let filter = 'all';
    const draw = () => {
      clear(tbody).append(...users.filter((u) => filter === 'all' || u.state === filter).map((u) => h('tr', { dataset: { state: u.state } },
        h('td', {}, u.user), h('td', {}, u.rule), h('td', {}, STATES.find((x) => x.state === u.state)?.label ?? u.state),
        h('td', {}, u.actionDate.slice(0, 10)), h('td', {}, u.email ?? 'no email: cannot be warned'),
        h('td', {}, maybe.has(`${u.user.toLowerCase()}\u0000${u.rule.toLowerCase()}`) ? `${u.reason} (maybe sent)` : u.reason))));
      for (const b of filters.children) b.setAttribute('aria-pressed', String(b.dataset.filter === filter));
    };
    for (const f of [{ state: 'all', label: 'All' }, ...STATES]) {
      const b = h('button', { type: 'button', class: 'uc-button uc-button-subtle', dataset: { filter: f.state } }, `${f.label[0].toUpperCase()}${f.label.slice(1)} (${num(f.state === 'all' ? users.length : c[f.state] ?? 0)})`);
      b.addEventListener('click', () => { filter = f.state; draw(); });
      filters.append(b);
    }
    body.append(filters, h('table', { class: 'uc-table' },
      h('thead', {}, h('tr', {}, ...['User', 'Rule', 'State', 'Action on or after', 'Email', 'Why'].map((t) => h('th', { scope: 'col' }, t)))), tbody));
    draw();
  });
}

/** "2", "1 (1 not known)", "3 not known": a count the engine knows, and how many it does not. */
function knownOf(known, notKnown) {
  if (!notKnown) return num(known);
  return known ? `${num(known)} (${num(notKnown)} not known)` : `${num(notKnown)} not known`;
}

/**
 * Per rule: users warned, how many logged in again after their warning, and how many of those
 * logged in only once since ("kept the seat but does not use it"). The counting is the engine's
 * (`warningOutcomes`); one login is told from several by each user's previous login, which only
 * the last-login export gives (Jira's REST API reports the last login alone). The export can be
 * chosen here: it is merged into a copy of the snapshot for these figures only.
 */
export function warningsDashboard(ctx) {
  const unreadable = (e) => `The record of warnings sent could not be read: ${e.message}`;
  return afterRecordRead(ctx, 'uc-warn-dashboard', 'Warnings: do they work?', unreadable, (box, { s, p, record }) => {
    let snapText = s.text;
    let loaded = null; // {file, users} once an export is merged
    let exportError = null;
    const draw = () => {
      const r = ctx.engine.warningOutcomes(p.text, snapText, { asOf: s.snap.capturedAt, ...(ctx.me?.name ? { actor: ctx.me.name } : {}), sent: record.sent });
      box.hidden = false;
      clear(box).append(h('h2', { id: 'uc-warn-dashboard-h' }, 'Warnings: do they work?'));
      if (r.type !== 'success') {
        box.append(h('p', { class: 'uc-message uc-message-error' }, `The engine refused the policy or the snapshot: ${r.errors.map((e) => `${e.path ? `${e.path}: ` : ''}${e.message}`).join('; ')}`));
        return;
      }
      const rules = r.value.rules;
      const extra = recordFigures(rules.map((x) => x.rule), record.entries);
      box.append(
        h('p', { class: 'uc-muted' }, 'A warned user who logs in keeps the account. Users who log in only once after their warning, to keep it, do not use it: the fourth column counts them.'),
        h('table', { class: 'uc-table' },
          h('thead', {}, h('tr', {}, ...['Rule', 'Warned users', 'Logged in after the warning', 'Of those, logged in only once since', 'More than once', 'Failed (retried next run)', 'Maybe sent'].map((t) => h('th', { scope: 'col' }, t)))),
          h('tbody', {}, ...rules.map((x, i) => h('tr', { dataset: { rule: x.rule } },
            h('td', {}, x.rule), h('td', {}, num(x.warned)),
            h('td', { title: x.lastLoginNotKnown ? `${num(x.lastLoginNotKnown)} warned users have no known last login` : '' }, knownOf(x.loggedInAfter, x.lastLoginNotKnown)),
            h('td', { dataset: { onlyOnce: x.onlyOnce, notKnown: x.notKnown }, title: `${num(x.onlyOnce)} only once, ${num(x.moreThanOnce)} more than once, ${num(x.notKnown)} not known` }, knownOf(x.onlyOnce, x.notKnown)),
            h('td', {}, knownOf(x.moreThanOnce, x.notKnown)),
            h('td', {}, num(extra[i].failed)), h('td', {}, num(extra[i].maybeSent)))))),
      );
      const notKnown = rules.reduce((n, x) => n + x.notKnown + x.lastLoginNotKnown, 0);
      if (!notKnown && !loaded && !exportError) return;
      const input = h('input', { type: 'file', accept: '.csv,.tsv,.txt,text/csv', id: 'uc-warn-login-export' });
      input.addEventListener('change', async () => {
        const file = input.files?.[0];
        if (!file) return;
        try {
          const { withLoginExport } = await import(new URL('../host/lastlogin-csv.mjs', import.meta.url).href);
          const merged = withLoginExport(s.snap, await file.text());
          snapText = JSON.stringify(merged);
          loaded = { file: file.name, users: merged.users.filter((u) => 'previousLogin' in u).length };
          exportError = null;
        } catch (e) {
          exportError = `${file.name}: ${e?.reason ?? e?.message ?? e}`;
        }
        draw();
      });
      box.append(h('div', { class: 'uc-warn-export', id: 'uc-warn-export' },
        notKnown ? h('p', { class: 'uc-muted', id: 'uc-warn-not-known' },
          `Not known: whether a user logged in once or more since the warning needs the login before their last one, which Jira's REST API does not report. `,
          'Supply the last-login SQL export with its previous_login column (docs/last-login-export.md): choose it here for these figures, or give it to the command line with --last-login-csv.') : null,
        loaded ? h('p', { class: 'uc-status', id: 'uc-warn-export-loaded' }, `Counted with ${loaded.file}: a previous login for ${num(loaded.users)} users.`) : null,
        exportError ? h('p', { class: 'uc-message uc-message-error', id: 'uc-warn-export-error' }, `The export could not be read: ${exportError}`) : null,
        h('label', {}, 'Last-login export (CSV): ', input)));
    };
    draw();
  });
}

/** Per rule (ids as the engine lists them): failed and maybe-sent warnings, from the record. */
function recordFigures(rules, entries) {
  // One walk over the record (not one per rule), counting by rule id, case ignored.
  const by = new Map();
  for (const w of foldWarnings(entries).byId.values()) {
    const k = String(w.rule).toLowerCase();
    if (!by.has(k)) by.set(k, { failed: 0, maybeSent: 0 });
    if (w.state === 'failed') by.get(k).failed++;
    else if (w.state === 'intent') by.get(k).maybeSent++;
  }
  return rules.map((rule) => by.get(String(rule).toLowerCase()) ?? { failed: 0, maybeSent: 0 });
}
