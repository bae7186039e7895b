// The Review view: the users the saved policy's `review` rules list (the engine's query with
// {review: true}), each with the decision the admins recorded (kept in Jira, review-store.mjs):
// approve (carry out an operation now, as a bulk run: users-bulk.mjs, whose run holds the run lease;
// refused while another run holds it, and then nothing is decided), keep (an exception in the
// saved policy with a reason, the deciding admin and an expiry: the user is protected until then),
// or postpone. Every decision is a `reviewDecision` record in the audit trail kept in Jira.
// Also reviewSummary() for the Dashboard: how many wait, and how long the longest has waited.
// Since when each waits is review-age.mjs's, over the verified audit trail in Jira.
import { h, clear, num, day, errorBox } from './dom.mjs';
import { section } from './view-kit.mjs';
import { usersSession, runQuery } from './users-session.mjs';
import { loadDecisions, recordDecision, POSTPONE_DAYS } from './review-store.mjs';
import { pageTrail } from './page-trail.mjs';
import { jiraNow } from './saved-plan.mjs';
import { openBulk } from './users-bulk.mjs';
import { waitingSince, oldestWait, waitText } from './review-age.mjs';

const DAY = 86_400_000;
const dateIn = (d) => new Date(d).toISOString().slice(0, 10);

// Views that have used the page's trail for waiting times (by the trail's state, page-trail.mjs).
const trailSeen = new WeakSet();

/**
 * The page's trail for review-age.mjs, read once per view open: the first use takes it as
 * pageTrail loaded it (just now, or by the view that loaded it); every later open brings in what
 * others appended since with sync(), as History does. → {audit?, trail: {ok, records} | {ok: false, reason, message}}
 */
async function reviewTrail(ctx) {
  let audit;
  try {
    audit = await pageTrail(ctx);
  } catch (e) {
    return { trail: { ok: false, reason: 'unreadable', message: e.message } };
  }
  const broken = (e) => ({ ok: false, reason: ['trail.brokenInJira', 'store.trailDiverged'].includes(e?.code) ? 'unverified' : 'unreadable', message: e?.message });
  if (audit.loadError) return { audit, trail: broken(audit.loadError) };
  if (trailSeen.has(audit) && audit.savedInJira && typeof audit.trail.sync === 'function') {
    try {
      await audit.trail.sync();
    } catch (e) {
      return { audit, trail: broken(e) };
    }
  }
  trailSeen.add(audit);
  return { audit, trail: { ok: true, records: audit.trail.records } };
}

/** {listed, waiting, oldest (review-age.mjs oldestWait: since when the longest waiting user waits), decisions} */
export async function reviewSummary(ctx) {
  const sess = await usersSession(ctx);
  const listed = runQuery(sess, { review: true, view: 'brief' }).users;
  let decisions = {};
  const [, { trail }] = await Promise.all([
    ctx.store ? loadDecisions(ctx.store).then((d) => { decisions = d.decisions; }, () => { /* shown as undecided */ }) : null,
    reviewTrail(ctx),
  ]);
  const now = jiraNow(sess.snapshot).getTime();
  const waits = waitingSince({ listed, decisions, trail, now });
  return { listed: listed.length, waiting: waits.size, oldest: oldestWait(waits), decisions };
}

/** The Dashboard's words for the longest wait. */
function oldestWords(o) {
  if (o.state === 'run') return `; the longest has waited ${num(o.days)} day${o.days === 1 ? '' : 's'} (${o.user}, since ${day(o.since)})`;
  if (o.state === 'notYetByRun') return '; no recorded run has listed them yet: listed now, waiting 0 days';
  if (o.state === 'unknown') return `; ${waitText(o)}`;
  return '';
}

/** The Dashboard's box: filled once the numbers are in. */
export function reviewBox(ctx) {
  const box = h('div', { id: 'uc-dash-review', class: 'uc-summary', 'aria-live': 'polite' }, 'Counting the users waiting for review…');
  // After the Dashboard is drawn: opening the query session parses the snapshot once more.
  const later = globalThis.requestIdleCallback ?? ((fn) => setTimeout(fn, 200));
  later(() => reviewSummary(ctx).then((r) => {
    box.dataset.waiting = String(r.waiting);
    box.dataset.oldestDays = r.oldest.days == null ? '' : String(r.oldest.days);
    box.dataset.oldestSince = r.oldest.since ?? '';
    box.dataset.oldestState = r.oldest.state;
    clear(box).append(h('strong', {}, num(r.waiting)), ` of ${num(r.listed)} users listed for review wait for a decision`,
      oldestWords(r.oldest), ' · ', h('a', { href: '#user-cleanup/review' }, 'Open the review list'));
  }, (e) => { clear(box).append(`The review list could not be counted: ${e.message}`); }));
  return box;
}

export async function renderReview(panel, ctx) {
  ctx.state('loading');
  let sess, decisions, audit, trail;
  try {
    sess = await usersSession(ctx);
    [decisions, { audit, trail }] = await Promise.all([ctx.store ? loadDecisions(ctx.store).then((d) => d.decisions) : {}, reviewTrail(ctx)]);
    audit ??= await pageTrail(ctx);
  } catch (e) {
    panel.append(errorBox('The review list could not be read', e));
    ctx.state('error');
    return;
  }
  const listed = runQuery(sess, { review: true }).users;
  const now = jiraNow(sess.snapshot).getTime();
  const me = ctx.me?.name ?? null;
  const waits = waitingSince({ listed, decisions, trail, now });
  const open = listed.filter((u) => waits.has(u.name.toLowerCase()));
  const msg = h('div', { id: 'uc-review-message', 'aria-live': 'polite' });
  const bulkBox = h('div', { id: 'uc-review-bulk' });
  const oldest = oldestWait(waits);
  panel.append(h('p', { class: 'uc-summary', id: 'uc-review-waiting', dataset: { count: String(open.length), listed: String(listed.length), oldestDays: oldest.days == null ? '' : String(oldest.days) } },
    h('strong', {}, num(open.length)), ` of ${num(listed.length)} users listed for review by the ${sess.policy.source === 'saved' ? 'saved policy' : 'policy on this page (not saved)'} wait for a decision`,
    `${oldestWords(oldest)}.`));
  if (!audit.savedInJira || sess.policy.source !== 'saved') {
    panel.append(h('div', { class: 'uc-message uc-message-warning', id: 'uc-review-readonly' },
      h('p', {}, sess.policy.source !== 'saved' ? 'Decisions need a policy saved in Jira (the Rules view).' : `Decisions are recorded in the audit trail in Jira, which cannot be used: ${audit.loadError?.message ?? ''}`)));
  }
  const canDecide = audit.savedInJira && sess.policy.source === 'saved';

  const tbody = h('tbody');
  for (const u of listed) {
    const d = decisions[u.name.toLowerCase()];
    const w = waits.get(u.name.toLowerCase());
    const wait = Boolean(w);
    const cell = h('td', {});
    if (canDecide) {
      const b = (kind, label) => {
        const btn = h('button', { type: 'button', class: 'uc-button uc-button-link', dataset: { decide: kind, user: u.name } }, label);
        btn.addEventListener('click', () => openDecision(kind, u, row));
        return btn;
      };
      cell.append(b('approve', 'Approve…'), ' ', b('keep', 'Keep…'), ' ', b('postpone', 'Postpone…'));
    }
    const row = h('tr', { dataset: { user: u.name, waiting: String(wait), decision: d?.decision ?? '', waitingSince: w?.since ?? '', waitingState: w?.state ?? '' } },
      h('td', {}, u.name), h('td', {}, u.displayName ?? ''), h('td', {}, u.review ?? ''),
      h('td', {}, u.lastLogin ? day(u.lastLogin) : u.lastLogin === null ? 'never' : 'not known'), h('td', { class: 'uc-num' }, num(u.daysInactive)),
      h('td', { class: 'uc-review-decision' }, d ? describe(d) + (wait ? ' (expired)' : '') : 'waiting', w ? h('div', { class: 'uc-muted uc-review-since' }, waitText(w)) : ''), cell);
    tbody.append(row);
  }
  const form = h('div', { id: 'uc-review-form' });
  panel.append(section('uc-review-list', 'Listed for review',
    listed.length ? h('div', { class: 'uc-table-wrap' }, h('table', { class: 'uc-table', id: 'uc-review-table' },
      h('thead', {}, h('tr', {}, ['User', 'Name', 'Rule', 'Last login', 'Days', 'Decision', ''].map((x) => h('th', { scope: 'col' }, x)))), tbody))
      : h('p', { class: 'uc-muted', id: 'uc-review-empty' }, 'No user is listed for review.'),
    form, bulkBox, msg));

  const all = Object.values(decisions).sort((a, b) => String(b.at).localeCompare(String(a.at)));
  panel.append(section('uc-review-decided', 'Decisions recorded', all.length
    ? h('div', { class: 'uc-table-wrap' }, h('table', { class: 'uc-table', id: 'uc-review-decisions' },
      h('thead', {}, h('tr', {}, ['User', 'Decision', 'By', 'At', 'Until', 'Reason'].map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', {}, all.map((d) => h('tr', { dataset: { user: d.user, decision: d.decision } }, h('td', {}, d.user), h('td', {}, d.decision + (d.action ? ` (${d.action.type})` : '')),
        h('td', {}, d.by), h('td', {}, String(d.at).replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC')), h('td', {}, d.until ?? ''), h('td', {}, d.reason ?? ''))))))
    : h('p', { class: 'uc-muted' }, 'No decision recorded yet.')));

  function describe(d) {
    if (d.decision === 'keep') return `kept by ${d.by} until ${d.until}: ${d.reason ?? ''}`;
    if (d.decision === 'postpone') return `postponed by ${d.by} until ${d.until}`;
    return `approved by ${d.by}${d.action ? ` (${d.action.type})` : ''}`;
  }

  async function save(fields, user) {
    clear(msg);
    try {
      const rec = await recordDecision({ store: ctx.store, trail: audit.trail, engine: ctx.engine, user: user.name, by: me ?? 'unknown', now: () => jiraNow(sess.snapshot), ...fields });
      if (rec.decision === 'keep') ctx.data.policyChanged?.();
      msg.append(h('div', { class: 'uc-message', role: 'status', id: 'uc-review-saved', dataset: { user: user.name, decision: rec.decision } },
        h('p', {}, `Recorded: ${user.name} — ${describe(rec)}. It is in the audit trail in Jira.`)));
      return rec;
    } catch (e) {
      msg.append(h('div', { class: 'uc-message uc-message-error', role: 'alert', id: 'uc-review-error', dataset: { code: e.code ?? '' } }, h('p', {}, e.message)));
      return null;
    }
  }

  function openDecision(kind, u) {
    clear(form);
    clear(bulkBox);
    if (kind === 'approve') {
      openBulk(bulkBox, ctx, {
        users: [u.name], sess, operation: { type: 'deactivate' }, title: `Approve: carry out an operation on ${u.name}`,
        onRun: async (res, operation) => { await save({ decision: 'approve', action: operation, runId: res.runId }, u); },
      });
      return;
    }
    const reason = h('input', { class: 'uc-input', id: 'uc-review-reason', type: 'text', size: '40', maxlength: '1024' });
    const until = h('input', { class: 'uc-input', id: 'uc-review-until', type: 'date', value: dateIn(now + (kind === 'keep' ? 90 : POSTPONE_DAYS) * DAY) });
    const ok = h('button', { type: 'button', class: 'uc-button uc-button-primary', id: 'uc-review-save' }, kind === 'keep' ? `Keep ${u.name}` : `Postpone ${u.name}`);
    const cancel = h('button', { type: 'button', class: 'uc-button uc-button-link' }, 'Cancel');
    cancel.addEventListener('click', () => clear(form));
    ok.addEventListener('click', async () => {
      ok.disabled = true;
      const rec = await save({ decision: kind, reason: reason.value.trim() || undefined, until: until.value || undefined }, u);
      ok.disabled = false;
      if (rec) {
        clear(form);
        const row = tbody.querySelector(`tr[data-user="${CSS.escape(u.name)}"]`);
        if (row) {
          row.dataset.decision = rec.decision;
          row.dataset.waiting = 'false';
          row.querySelector('.uc-review-decision').textContent = describe(rec);
        }
      }
    });
    form.append(h('div', { class: 'uc-confirm', dataset: { for: u.name, kind } },
      h('p', { class: 'uc-message-title' }, kind === 'keep' ? `Keep ${u.name}: an exception in the saved policy, protected until the date` : `Postpone the decision about ${u.name}`),
      h('p', {}, h('label', { for: 'uc-review-reason' }, kind === 'keep' ? 'Reason (required): ' : 'Reason: '), reason),
      h('p', {}, h('label', { for: 'uc-review-until' }, kind === 'keep' ? 'Kept until: ' : 'Until: '), until),
      h('p', {}, ok, ' ', cancel)));
  }
  ctx.state('ready');
}
