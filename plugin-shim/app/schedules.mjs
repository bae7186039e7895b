// The Schedules view: the schedules of the policy saved in Jira as the daemons run them. Per
// schedule: on or off, run or dry run, cron and zone, the next runs in the schedule's zone and the
// viewer's (the engine's nextRuns; Intl formats them), the daemons that report it (alive while
// their last poll is within 3 × their poll interval, else stale, with how long ago), the last
// run of the schedule with a link to it in History, and Run now / Dry run, which open the Run view
// for that schedule: the page plans only its rules and carries them out (or records the dry run)
// itself, through the same executor and confirmation as any page run.
//
// Heartbeats and trail records are read back from Jira: untrusted, shown as text only, and a
// malformed one is shown as unknown rather than trusted.
import { h, clear, num, errorBox } from './dom.mjs';
import { section, problems } from './view-kit.mjs';
import { runnerModules } from './runner-loader.mjs';
import { pageTrail } from './page-trail.mjs';

const NEXT_COUNT = 3;
const DEFAULT_POLL_SECONDS = 30;

const viewerZone = () => {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
};

function formatter(zone) {
  try {
    return new Intl.DateTimeFormat('en-GB', { timeZone: zone, weekday: 'short', year: 'numeric', month: 'short', day: '2-digit', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' });
  } catch {
    return null;
  }
}

/** 42 s, 5 min, 3 h 10 min, 2 days. */
export function ago(ms) {
  if (!Number.isFinite(ms)) return 'unknown';
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 90) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 90) return `${m} min`;
  const hrs = Math.floor(m / 60);
  if (hrs < 48) return `${hrs} h${m % 60 ? ` ${m % 60} min` : ''}`;
  return `${Math.floor(hrs / 24)} days`;
}

/** A heartbeat's liveness: alive while lastPoll is within 3 × pollSeconds (a malformed interval counts as the default). */
export function liveness(hb, now = Date.now()) {
  const poll = Number.isFinite(hb?.pollSeconds) && hb.pollSeconds > 0 ? hb.pollSeconds : DEFAULT_POLL_SECONDS;
  const last = typeof hb?.lastPoll === 'string' ? Date.parse(hb.lastPoll) : NaN;
  const age = now - last;
  // A lastPoll far in the future is as untrustworthy as an old one (a clock gone wrong, or a forged value).
  return { alive: Number.isFinite(age) && age <= 3 * poll * 1000 && age >= -3 * poll * 1000, age, poll };
}

const text = (v) => (typeof v === 'string' ? v : v == null ? '' : String(v));

// The open view's visibilitychange listener (one at a time: the panel is shared by every view).
let listening = null;

/**
 * Another admin may save the policy (and so its schedules) while this view is open. The view
 * keeps the revision it shows and asks the store for the saved one when the page becomes visible
 * again and on "Reload from Jira"; when it moved, the view is drawn again from the newer policy
 * (read and validated by the engine as on opening) with a note of who saved it and when. The view
 * edits nothing, so there are no unsaved edits to lose: saving happens in the Rules view, whose
 * save is compare-and-set on the revision.
 */
export async function renderSchedules(panel, ctx, { updated = null } = {}) {
  if (listening) document.removeEventListener('visibilitychange', listening);
  listening = null;
  const reloadBtn = h('button', { type: 'button', class: 'uc-button', id: 'uc-schedules-reload' }, 'Reload from Jira');
  const note = h('div', { id: 'uc-schedules-sync', role: 'status' });
  const bar = h('div', { class: 'uc-schedules-bar', id: 'uc-schedules-bar' }, reloadBtn, note);
  panel.append(bar);
  if (updated) note.append(updatedNote(updated));
  let shown = 0;
  let busy = true; // until the view is drawn: a redraw must not race the first one
  // Reads the saved revision; draws the view again when it is not the one shown. `explicit`: the button (says "up to date").
  const check = async (explicit) => {
    if (busy || !bar.isConnected) return;
    busy = true;
    reloadBtn.disabled = true;
    try {
      let cur = null;
      if (typeof ctx.store?.loadPolicy === 'function') {
        try {
          cur = await ctx.store.loadPolicy();
        } catch (e) {
          if (bar.isConnected) clear(note).append(errorBox('The policy saved in Jira could not be read again', e));
          return;
        }
      }
      if (!bar.isConnected) return;
      // Read back from Jira: untrusted. Only a whole-number revision different from the one shown counts as news.
      const rev = Number.isSafeInteger(cur?.revision) ? cur.revision : 0;
      if (cur && rev === shown) {
        if (explicit) clear(note).append(h('p', { class: 'uc-muted', dataset: { upToDate: String(rev) } }, `Up to date with the policy saved in Jira${rev ? ` (revision ${num(rev)})` : ''}.`));
        return;
      }
      if (!cur && !explicit) return;
      ctx.data.policyChanged?.();
      if (listening) document.removeEventListener('visibilitychange', listening);
      listening = null;
      clear(panel);
      await renderSchedules(panel, ctx, { updated: cur && rev !== shown ? { ...cur, revision: rev } : null });
    } finally {
      busy = false;
      reloadBtn.disabled = false;
    }
  };
  reloadBtn.addEventListener('click', () => check(true));
  const onVisible = () => {
    if (!bar.isConnected) {
      document.removeEventListener('visibilitychange', onVisible);
      if (listening === onVisible) listening = null;
      return;
    }
    if (document.visibilityState === 'visible') check(false);
  };
  listening = onVisible;
  document.addEventListener('visibilitychange', onVisible);
  try {
    await drawSchedules(panel, ctx, bar);
  } finally {
    shown = Number(bar.dataset.revision ?? 0);
    busy = false;
  }
}

async function drawSchedules(panel, ctx, bar) {
  ctx.state('loading');
  const loading = h('p', { class: 'uc-status', role: 'status' }, 'Reading the schedules and the daemons\u2019 heartbeats…');
  panel.append(loading);
  let policy;
  try {
    policy = await ctx.data.savedPolicy();
  } catch (e) {
    loading.remove();
    panel.append(errorBox('The policy could not be read', e));
    ctx.state('error');
    return;
  }
  bar.dataset.revision = String(Number.isSafeInteger(policy?.saved?.revision) ? policy.saved.revision : 0);
  if (policy?.source !== 'saved') {
    loading.remove();
    panel.append(h('div', { class: 'uc-message', role: 'status', id: 'uc-schedules-no-policy' }, h('p', { class: 'uc-message-title' }, 'No policy saved in Jira'),
      h('p', {}, 'The daemons run the schedules of the policy saved in Jira. Write rules and schedules in the Rules view and save them.')));
    ctx.state('ready');
    return;
  }
  const now = new Date();
  let next;
  try {
    next = ctx.engine.nextRuns(policy.text, { from: now.toISOString().replace(/\.\d+Z$/, 'Z'), count: NEXT_COUNT });
  } catch (e) {
    next = { type: 'failure', errors: [{ path: '', message: e?.message ?? String(e) }] };
  }
  if (next?.type !== 'success') {
    loading.remove();
    panel.append(problems('The saved policy\u2019s schedules do not validate', next?.errors));
    ctx.state('ready');
    return;
  }
  let declared = [];
  try {
    const p = JSON.parse(policy.text);
    declared = Array.isArray(p.schedules) ? p.schedules : [];
  } catch {
    declared = [];
  }
  const byId = new Map(declared.filter((s) => s && typeof s.id === 'string').map((s) => [s.id.toLowerCase(), s]));

  // The daemons and the trail are read side by side; either may fail without hiding the other.
  const [beats, trail] = await Promise.all([
    (typeof ctx.store?.listHeartbeats === 'function' ? ctx.store.listHeartbeats() : Promise.resolve([])).then((v) => ({ v }), (e) => ({ e })),
    (async () => {
      const [mods, audit] = await Promise.all([runnerModules(ctx), pageTrail(ctx)]);
      if (audit.savedInJira && typeof audit.trail.sync === 'function') await audit.trail.sync();
      return { runs: mods.report.indexRuns(audit.trail.records), savedInJira: audit.savedInJira };
    })().then((v) => ({ v }), (e) => ({ e })),
  ]);
  loading.remove();
  const heartbeats = Array.isArray(beats.v) ? beats.v : [];
  const nowMs = Date.now();

  // ------------------------------------------------------------------ the daemons
  const daemonRows = heartbeats.map((hb) => {
    const l = liveness(hb, nowMs);
    return h('tr', { dataset: { daemon: text(hb.daemonId), state: l.alive ? 'alive' : 'stale' } },
      h('td', {}, text(hb.daemonId)), h('td', {}, text(hb.node ?? hb.host)), h('td', {}, text(hb.version)),
      h('td', {}, h('span', { class: `uc-badge ${l.alive ? 'uc-badge-ok' : 'uc-badge-stale'}` }, l.alive ? 'alive' : 'stale')),
      h('td', {}, h('time', { datetime: text(hb.lastPoll) }, `${ago(l.age)} ago`), ` (polls every ${num(l.poll)} s)`),
      h('td', {}, text(hb.started)));
  });
  panel.append(section('uc-schedules-daemons', 'Daemons',
    beats.e ? errorBox('The daemons\u2019 heartbeats could not be read', beats.e) : null,
    heartbeats.length
      ? h('div', { class: 'uc-table-wrap' }, h('table', { class: 'uc-table', id: 'uc-daemons' },
        h('caption', { class: 'uc-visually-hidden' }, 'Daemons and their last heartbeat'),
        h('thead', {}, h('tr', {}, ['Daemon', 'Node', 'Version', 'State', 'Last poll', 'Started'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, daemonRows)))
      : h('p', { class: 'uc-muted', id: 'uc-daemons-none' }, 'No daemon has written a heartbeat to this Jira. Scheduled runs need `user-cleanup daemon --jira URL` on a machine that can reach Jira (docs/daemon.md).'),
    h('p', { class: 'uc-muted' }, 'A daemon is stale when its last poll is older than three poll intervals: it stopped, or cannot reach Jira.')));

  // ------------------------------------------------------------------ the schedules
  const vz = viewerZone();
  const vfmt = formatter(vz);
  const list = h('div', { id: 'uc-schedules-list' });
  const schedules = next.value.schedules ?? [];
  if (!schedules.length) list.append(h('p', { class: 'uc-muted', id: 'uc-schedules-none' }, 'The saved policy has no schedules. Add one in the Rules view.'));
  for (const s of schedules) list.append(scheduleCard(ctx, s, byId.get(String(s.id).toLowerCase()) ?? {}, { heartbeats, trail, nowMs, vz, vfmt }));
  if (trail.e) list.prepend(errorBox('The audit trail could not be read, so the schedules\u2019 last runs are not shown', trail.e));
  panel.append(section('uc-schedules', 'Schedules', list));
  ctx.state('ready');
}

/** "Saved in Jira by <who> at <when> since you opened this view" (who and when read back from Jira: text only). */
function updatedNote(cur) {
  const who = typeof cur.savedBy === 'string' && cur.savedBy ? cur.savedBy : 'someone';
  const when = typeof cur.savedAt === 'string' && !Number.isNaN(Date.parse(cur.savedAt)) ? cur.savedAt.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC') : 'an unknown time';
  if (!cur.revision) {
    return h('div', { class: 'uc-message uc-message-warning', dataset: { policyRemoved: '' } }, h('p', {}, 'The policy is no longer saved in Jira (removed since you opened this view).'));
  }
  return h('div', { class: 'uc-message', dataset: { updatedRevision: String(cur.revision) } },
    h('p', {}, `Saved in Jira by ${who} at ${when} since you opened this view: these are the schedules of revision ${num(cur.revision)}.`));
}

function scheduleCard(ctx, s, declared, { heartbeats, trail, nowMs, vz, vfmt }) {
  const id = text(s.id);
  const enabled = s.enabled !== false;
  const mode = s.mode === 'preview' ? 'preview' : 'run';
  const zone = typeof declared.timezone === 'string' && declared.timezone ? declared.timezone : 'UTC';
  const zfmt = formatter(zone);
  const rules = Array.isArray(declared.rules) ? declared.rules.map(text) : null;
  const card = h('section', { class: 'uc-card uc-schedule-card', dataset: { schedule: id, enabled: String(enabled), mode }, 'aria-label': `Schedule ${id}` },
    h('h3', {}, h('span', { class: 'uc-code' }, id), ' ',
      h('span', { class: `uc-badge ${enabled ? 'uc-badge-ok' : 'uc-badge-off'}`, dataset: { enabledBadge: '' } }, enabled ? 'enabled' : 'disabled'), ' ',
      h('span', { class: 'uc-badge', dataset: { modeBadge: '' } }, mode === 'preview' ? 'dry run (preview)' : 'run')),
    h('p', {}, 'Cron ', h('span', { class: 'uc-code' }, text(declared.cron)), ` in ${zone}`, rules ? ` · rules ${rules.join(', ')}` : ' · every rule'),
    enabled ? null : h('p', { class: 'uc-muted' }, 'Disabled: the daemons do not run it. Run now and Dry run still work from this page.'));

  // Next runs, in the schedule's zone and the viewer's.
  const nexts = Array.isArray(s.next) ? s.next : [];
  card.append(nexts.length
    ? h('table', { class: 'uc-table uc-next-table', dataset: { next: id } },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, `Next runs (${zone})`), h('th', { scope: 'col' }, `Your time (${vz})`))),
      h('tbody', {}, nexts.map((t) => h('tr', {},
        h('td', {}, h('time', { datetime: t }, zfmt ? zfmt.format(new Date(t)) : t)),
        h('td', {}, h('time', { datetime: t }, vfmt ? vfmt.format(new Date(t)) : t))))))
    : h('p', { class: 'uc-muted' }, 'No next run.'));

  // The daemons that report this schedule.
  const reporting = heartbeats.map((hb) => ({ hb, entry: (hb.schedules ?? []).find((x) => x && typeof x.id === 'string' && x.id.toLowerCase() === id.toLowerCase()) }))
    .filter((x) => x.entry);
  const daemonsBox = h('div', { class: 'uc-schedule-daemons', dataset: { daemons: reporting.length ? String(reporting.length) : 'none' } });
  if (!reporting.length) {
    daemonsBox.append(h('p', { class: 'uc-muted' }, heartbeats.length ? 'No daemon reports this schedule yet (it is read at the next poll).' : 'No daemon runs this schedule.'));
  } else {
    daemonsBox.append(h('ul', {}, reporting.map(({ hb }) => {
      const l = liveness(hb, nowMs);
      return h('li', { dataset: { daemon: text(hb.daemonId), state: l.alive ? 'alive' : 'stale' } },
        h('span', { class: `uc-badge ${l.alive ? 'uc-badge-ok' : 'uc-badge-stale'}` }, l.alive ? 'alive' : 'stale'), ' ',
        text(hb.node ?? hb.daemonId), ` · last poll ${ago(l.age)} ago`);
    })));
  }
  card.append(daemonsBox);

  // The last run: the newest in the trail for this schedule (a daemon's or a page's Run now), else a heartbeat's last result.
  const last = lastRun(trail.v?.runs, id);
  const beat = reporting.map((x) => x.entry.lastResult && { ...x.entry.lastResult, slot: x.entry.lastSlot }).filter((r) => r && typeof r.runId === 'string')
    .sort((a, b) => String(b.slot ?? '').localeCompare(String(a.slot ?? '')))[0];
  const lastBox = h('div', { class: 'uc-schedule-last' });
  if (last) {
    const st = last.started ?? last.refused;
    const t = last.finished?.totals;
    const status = last.refused ? 'refused' : st.mode === 'preview' ? 'dry run' : last.finished ? (t?.failed ? 'finished with failures' : 'done') : 'interrupted';
    const link = h('a', { href: '#user-cleanup/history', dataset: { runLink: last.id } }, 'Open in History');
    link.addEventListener('click', (e) => {
      e.preventDefault();
      ctx.focusRun = last.id;
      ctx.go?.('history');
    });
    lastBox.dataset.lastRun = last.id;
    lastBox.append(h('p', {}, 'Last run: ', h('span', { class: 'uc-code' }, last.id), ` · ${status}`,
      st.at ? ` · ${text(st.at).replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC')}` : '',
      st.via ? ` · via ${text(st.via)}` : '', st.node ? ` (${text(st.node)})` : '',
      t ? ` · ${num(t.done ?? 0)} done, ${num(t.failed ?? 0)} failed, ${num(t.skipped ?? 0)} skipped` : '', ' · ', link));
  } else if (beat) {
    lastBox.dataset.lastRun = beat.runId;
    lastBox.append(h('p', {}, 'Last run (from a daemon\u2019s heartbeat): ', h('span', { class: 'uc-code' }, text(beat.runId)), ` · ${text(beat.status)}`));
  } else {
    lastBox.append(h('p', { class: 'uc-muted' }, 'No run of this schedule in the audit trail yet.'));
  }
  card.append(lastBox);

  const runNow = h('button', { type: 'button', class: 'uc-button uc-button-primary', dataset: { runNow: id } }, 'Run now\u2026');
  const dry = h('button', { type: 'button', class: 'uc-button', dataset: { dryRun: id } }, 'Dry run\u2026');
  const open = (m) => {
    ctx.runRequest = { schedule: id, mode: m };
    ctx.go?.('run');
  };
  runNow.addEventListener('click', () => open('run'));
  dry.addEventListener('click', () => open('preview'));
  card.append(h('p', { class: 'uc-run-actions' }, runNow, ' ', dry,
    h('span', { class: 'uc-muted' }, ' Both plan only this schedule\u2019s rules and ask for confirmation in the Run view.')));
  return card;
}

/** The newest run (or refused slot) of schedule `id` in the trail's runs (report.indexRuns). */
function lastRun(runs, id) {
  if (!runs) return null;
  let best = null;
  for (const r of runs.values()) {
    const s = r.started ?? r.refused;
    if (!s || s.type === 'undoStarted' || typeof s.schedule !== 'string' || s.schedule.toLowerCase() !== id.toLowerCase()) continue;
    best = r; // indexRuns keeps trail order: the last one seen is the newest
  }
  return best;
}
