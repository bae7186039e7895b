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

/**
 * Per rule: users warned, how many logged in again after their warning, and how many of those
 * logged in only once since. Jira's REST API gives each user's LAST login only (a login count is
 * reported for the signed-in user alone, /rest/auth/1/session), so "only once" is shown as not
 * known, with why.
 */
export function warningsDashboard(ctx) {
  const unreadable = (e) => `The record of warnings sent could not be read: ${e.message}`;
  return afterRecordRead(ctx, 'uc-warn-dashboard', 'Warnings: do they work?', unreadable, (box, { s, p, record }) => {
    const rows = warningFigures(JSON.parse(p.text), s.snap, record.entries);
    box.hidden = false;
    clear(box).append(
      h('h2', { id: 'uc-warn-dashboard-h' }, 'Warnings: do they work?'),
      h('p', { class: 'uc-muted' }, 'A warned user who logs in keeps the account. Users who log in once only to keep it do not use it: that is what the last column would show.'),
      h('table', { class: 'uc-table' },
        h('thead', {}, h('tr', {}, ...['Rule', 'Warned users', 'Logged in after the warning', 'Of those, logged in only once since', 'Failed (retried next run)', 'Maybe sent'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, ...rows.map((r) => h('tr', { dataset: { rule: r.rule } },
          h('td', {}, r.rule), h('td', {}, num(r.warned)), h('td', {}, num(r.loggedInAfter)),
          h('td', { title: r.onlyOnceWhy ?? '' }, r.onlyOnce == null ? `not known: ${r.onlyOnceWhy}` : num(r.onlyOnce)),
          h('td', {}, num(r.failed)), h('td', {}, num(r.maybeSent)))))),
    );
  });
}

/** The dashboard's figures per warn rule (exported for tests). */
export function warningFigures(policy, snap, entries) {
  const byName = new Map((snap.users ?? []).map((u) => [String(u.name).toLowerCase(), u]));
  const rules = (policy.rules ?? []).filter((r) => r?.warn).map((r) => r.id);
  const folded = foldWarnings(entries);
  return rules.map((rule) => {
    const lc = String(rule).toLowerCase();
    const latest = new Map(); // user -> latest sentAt
    for (const x of folded.sent) if (x.rule.toLowerCase() === lc) {
      const k = x.user.toLowerCase();
      if (!latest.has(k) || Date.parse(x.sentAt) > Date.parse(latest.get(k))) latest.set(k, x.sentAt);
    }
    let loggedInAfter = 0;
    for (const [k, at] of latest) {
      const last = byName.get(k)?.lastLogin;
      if (last && Date.parse(last) > Date.parse(at)) loggedInAfter++;
    }
    const mine = [...folded.byId.values()].filter((w) => w.rule.toLowerCase() === lc);
    return {
      rule,
      warned: latest.size,
      loggedInAfter,
      onlyOnce: null, // not known: see onlyOnceWhy
      onlyOnceWhy: 'Jira reports only each user\u2019s last login, not how many times they logged in, so one login cannot be told from several',
      failed: mine.filter((w) => w.state === 'failed').length,
      maybeSent: mine.filter((w) => w.state === 'intent').length,
    };
  });
}
