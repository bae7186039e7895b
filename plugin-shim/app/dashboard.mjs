// The Dashboard view. Every number on it comes from the engine (`dashboard` and `plan`); this
// module only lays them out. Display strings from Jira are text nodes, never HTML.
import { h, clear, num, pct, day, errorBox } from './dom.mjs';
import { sortableTable } from './table.mjs';
import { loadChart } from './chart-loader.mjs';
import { policyBanner } from './policy-banner.mjs';
import { section, problems as problemsBox } from './view-kit.mjs';
import { reviewBox } from './review.mjs';
import { warningsDashboard } from './warn-views.mjs';

export const BUCKETS = [
  { key: 'active', label: 'Active', colour: '#36B37E', describe: (t) => `Logged in within ${t.lowUsageDays} days` },
  { key: 'lowUsage', label: 'Low usage', colour: '#FFAB00', describe: (t) => `Last login ${t.lowUsageDays}–${t.inactiveDays} days ago` },
  { key: 'inactive', label: 'Inactive', colour: '#DE350B', describe: (t) => `No login for ${t.inactiveDays} days or more` },
  { key: 'neverLoggedIn', label: 'Never logged in', colour: '#6554C0', describe: () => 'Active account, no login recorded' },
  { key: 'protected', label: 'Protected', colour: '#0065FF', describe: () => 'Protected by the policy, or you' },
  { key: 'deactivated', label: 'Deactivated', colour: '#97A0AF', describe: () => 'Hold no licence' },
  { key: 'unknown', label: 'Last login unknown', colour: '#C1C7D0', describe: () => 'Jira did not say; see the last-login export' },
];

const COLOURS = { inUse: '#36B37E', idle: '#DE350B', free: '#DFE1E6', over: '#BF2600', tier: '#172B4D' };

export async function renderDashboard(panel, ctx) {
  const loading = h('p', { class: 'uc-status', role: 'status' }, 'Reading users from Jira…');
  panel.append(loading);
  ctx.state('loading');
  let dash, snap, policy;
  // The first paint waits only for the users, roles and the policy's groups (data.firstSnapshot);
  // the plan (its impact reads: leads, creation dates, open issues) fills its section after.
  const first = typeof ctx.data.firstSnapshot === 'function' ? ctx.data.firstSnapshot : ctx.data.snapshot;
  let planP = null;
  try {
    snap = await first();
    planP = ctx.data.plan({ actor: ctx.me?.name });
    planP.catch(() => {}); // shown in its section
    loading.textContent = 'Evaluating…';
    [dash, policy] = await Promise.all([ctx.data.dashboard({ actor: ctx.me?.name }), ctx.data.savedPolicy()]);
  } catch (e) {
    clear(panel).append(errorBox('The dashboard could not be built', e));
    ctx.state('error');
    return;
  }
  if (!panel.isConnected && panel.parentNode == null) return;
  clear(panel);
  if (dash.result.type !== 'success') {
    panel.append(problemsBox('The engine refused the data', dash.result.errors));
    ctx.state('error');
    return;
  }
  const d = dash.result.value;
  const roleChart = h('div', { class: 'uc-chart', style: { height: `${Math.max(120, 56 * d.roles.filter((r) => !r.hasUnlimitedSeats).length + 70)}px` } });

  const saved = policy.source === 'saved';
  panel.append(
    policyBanner(policy, 'The dashboard applies') ?? '',
    summary(d, snap, dash),
    section('uc-buckets', 'Activity', buckets(d)),
    section('uc-seats', 'Seats per application role', seats(d, roleChart)),
    impactSection(planP, saved, policy, ctx),
    section('uc-review', 'Waiting for review', reviewBox(ctx)),
    warningsDashboard(ctx),
    section('uc-groups', 'Groups where action is needed', groupsBox(d, ctx, dash.options)),
    section('uc-domains', 'External users by email domain', domains(d)),
  );
  if (dash.result.warnings?.length) panel.append(problemsBox('Warnings from the engine', dash.result.warnings, 'warning'));

  // The chart library loads while the numbers are already on screen.
  try {
    const Chart = await loadChart(ctx.chartUrl);
    drawSeatChart(Chart, roleChart, d.roles);
  } catch (e) {
    roleChart.replaceChildren(h('p', { class: 'uc-muted' }, `The chart could not be drawn (${e.message}); the table below has the same numbers.`));
  }
  await new Promise((r) => requestAnimationFrame(() => r()));
  ctx.timings.dashboardDrawn = Math.round(performance.now() - ctx.t0);
  ctx.timings.snapshotMs = snap.ms;
  ctx.timings.dashboardEngineMs = dash.ms;
  // Requests made and the in-flight limit the host settled on, for the perf bench.
  try {
    const st = ctx.host?.stats?.();
    if (st) ctx.timings.hostAtDrawn = { requests: st.requests, concurrency: st.concurrency };
  } catch { /* a bench figure only */ }
  ctx.state('ready');
}

/**
 * "What the policy would free": drawn when the plan is there (after the first paint: the plan
 * waits for the impact reads and counts open issues). `data-plan` on the section: loading, ready, error.
 */
function impactSection(planP, saved, policy, ctx) {
  const title = saved ? 'What the saved policy would free' : `What the ${policy.source === 'template' ? 'template' : 'development file'} would free (not saved)`;
  const body = h('div', {}, h('p', { class: 'uc-status', role: 'status' }, 'Working out what the policy would free (reading project leads and creation dates, counting open issues)…'));
  const box = section('uc-impact', title, body);
  box.dataset.plan = 'loading';
  planP.then((plan) => {
    body.replaceChildren(...[impact(plan, saved)].flat());
    box.dataset.plan = 'ready';
    ctx.timings.planEngineMs ??= plan.ms ?? null;
    ctx.timings.planDrawn ??= Math.round(performance.now() - ctx.t0);
  }, (e) => {
    body.replaceChildren(errorBox('What the policy would free could not be worked out', e));
    box.dataset.plan = 'error';
  });
  return box;
}

function summary(d, snap, dash) {
  const src = snap.snap.source ?? {};
  return h('p', { class: 'uc-summary' },
    h('strong', {}, num(d.total)), ' users, read from Jira ', src.jiraVersion ? `${src.jiraVersion} ` : '',
    'at ', h('time', { datetime: d.asOf }, d.asOf.replace('T', ' ').replace('Z', ' UTC')),
    ` · thresholds: low usage ${d.thresholds.lowUsageDays} days, inactive ${d.thresholds.inactiveDays} days`,
    ` · policy: ${dash.policyLabel}`,
    src.lastLogin === 'none' ? h('span', { class: 'uc-lozenge uc-lozenge-moved' }, 'last login not available over REST') : null);
}

function buckets(d) {
  const total = d.total || 1;
  const bar = h('div', { class: 'uc-stack', role: 'img', 'aria-label': BUCKETS.map((b) => `${b.label} ${d.buckets[b.key] ?? 0}`).join(', ') });
  for (const b of BUCKETS) {
    const n = d.buckets[b.key] ?? 0;
    if (n > 0) bar.append(h('span', { class: 'uc-stack-part', title: `${b.label}: ${num(n)}`, style: { flexGrow: String(n), background: b.colour } }));
  }
  const list = h('ul', { class: 'uc-bucket-list' });
  for (const b of BUCKETS) {
    const n = d.buckets[b.key] ?? 0;
    list.append(h('li', { class: 'uc-bucket', dataset: { bucket: b.key } },
      h('span', { class: 'uc-swatch', style: { background: b.colour }, 'aria-hidden': 'true' }),
      h('span', { class: 'uc-bucket-label' }, b.label),
      h('span', { class: 'uc-bucket-figures' },
        h('span', { class: 'uc-count' }, num(n)),
        h('span', { class: 'uc-bucket-share uc-muted' }, pct(n / total))),
      h('span', { class: 'uc-bucket-desc uc-muted' }, b.describe(d.thresholds))));
  }
  return [bar, list];
}

function seats(d, chartBox) {
  const caption = h('p', { class: 'uc-muted' }, 'Seats in use (green), held by inactive or never-logged-in users (red), and free (grey), as a share of each role\u2019s licence; the dark mark is the next lower licence tier.');
  const table = sortableTable({
    caption: 'Seats per application role',
    id: 'uc-roles-table',
    rows: d.roles,
    columns: [
      { key: 'name', label: 'Application role' },
      { key: 'seatsUsed', label: 'Seats used', type: 'num' },
      { key: 'numberOfSeats', label: 'Licence', type: 'num', get: (r) => (r.hasUnlimitedSeats ? null : r.numberOfSeats), format: (v) => (v == null ? 'Unlimited' : num(v)) },
      { key: 'usedShare', label: 'Used', type: 'num', format: (v) => pct(v) },
      { key: 'remaining', label: 'Free', type: 'num' },
      { key: 'idleSeats', label: 'Idle seats', type: 'num', title: 'Seats held by inactive or never-logged-in users' },
      { key: 'tier', label: 'Next lower tier', type: 'num', get: (r) => r.tier?.nextLower ?? null },
    ],
  });
  const unlimited = d.roles.filter((r) => r.hasUnlimitedSeats).map((r) => r.name);
  const note = unlimited.length ? h('p', { class: 'uc-muted' }, `Unlimited (not charted): ${unlimited.join(', ')}.`) : null;
  return [caption, chartBox, note, table];
}

function drawSeatChart(Chart, box, roles) {
  const limited = roles.filter((r) => !r.hasUnlimitedSeats && r.numberOfSeats > 0);
  if (!limited.length) {
    box.replaceChildren(h('p', { class: 'uc-muted' }, 'Every application role has unlimited seats.'));
    box.style.height = 'auto';
    return;
  }
  const canvas = h('canvas', { role: 'img', 'aria-label': limited.map((r) => `${r.name}: ${r.seatsUsed} of ${r.numberOfSeats} seats used, ${r.idleSeats} idle`).join('; ') });
  box.replaceChildren(canvas);
  // Geometry only: each bar is drawn as a share of its role's licence so roles of different size
  // share one axis. The values themselves are the engine's.
  const share = (n, r) => (100 * n) / r.numberOfSeats;
  const inUse = limited.map((r) => share(Math.max(0, r.seatsUsed - r.idleSeats), r));
  const idle = limited.map((r) => share(r.idleSeats, r));
  const free = limited.map((r) => share(Math.max(0, r.remaining ?? 0), r));
  const tierMarks = {
    id: 'ucTierMarks',
    afterDatasetsDraw(chart) {
      const { ctx: g, scales: { x, y } } = chart;
      g.save();
      limited.forEach((r, i) => {
        const t = r.tier?.nextLower;
        if (!t) return;
        const px = x.getPixelForValue(share(t, r));
        const py = y.getPixelForValue(i);
        const half = (y.height / limited.length) * 0.42;
        g.strokeStyle = COLOURS.tier;
        g.lineWidth = 2;
        g.setLineDash([4, 3]);
        g.beginPath();
        g.moveTo(px, py - half);
        g.lineTo(px, py + half);
        g.stroke();
        g.setLineDash([]);
        g.fillStyle = COLOURS.tier;
        g.font = '11px -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, sans-serif';
        const label = `next tier ${num(t)}`;
        const right = px + 8 + g.measureText(label).width > x.right;
        g.textAlign = right ? 'right' : 'left';
        g.fillText(label, right ? px - 4 : px + 4, py - half + 10);
      });
      g.restore();
    },
  };
  const absolute = [
    (r) => Math.max(0, r.seatsUsed - r.idleSeats),
    (r) => r.idleSeats,
    (r) => Math.max(0, r.remaining ?? 0),
  ];
  new Chart(canvas, {
    type: 'bar',
    data: {
      labels: limited.map((r) => `${r.name} (${num(r.seatsUsed)} of ${num(r.numberOfSeats)})`),
      datasets: [
        { label: 'In use', data: inUse, backgroundColor: COLOURS.inUse },
        { label: 'Idle (inactive or never logged in)', data: idle, backgroundColor: COLOURS.idle },
        { label: 'Free', data: free, backgroundColor: COLOURS.free },
      ],
    },
    options: {
      indexAxis: 'y',
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      scales: {
        x: { stacked: true, min: 0, max: Math.max(100, ...limited.map((r) => share(r.seatsUsed, r))), ticks: { callback: (v) => `${v}%` }, title: { display: true, text: 'share of the licence' } },
        y: { stacked: true },
      },
      plugins: {
        legend: { position: 'bottom', labels: { boxWidth: 12 } },
        tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${absolute[c.datasetIndex](limited[c.dataIndex])} seats` } },
      },
    },
    plugins: [tierMarks],
  });
}

function impact(plan, saved) {
  const which = saved ? 'the saved policy' : 'this policy, which is not saved,';
  if (!plan || plan.result == null) return h('p', { class: 'uc-muted' }, 'There is no policy to apply. Write one in the Rules view to see what it would free.');
  if (plan.result.type !== 'success') return problemsBox(`The ${saved ? 'saved ' : ''}policy does not validate`, plan.result.errors);
  const p = plan.result.value;
  const freed = p.licence.reduce((s, r) => s + (r.seatsFreed ?? 0), 0);
  const lead = h('p', {},
    `Applying ${which} now would act on `, h('strong', {}, num(p.counts.executable)), ' accounts (',
    `${num(p.counts.byAction.deactivate ?? 0)} deactivated, ${num(p.counts.byAction.removeFromGroups ?? 0)} removed from licence groups`,
    `; ${num(p.counts.byAction.review ?? 0)} more listed for review) and free `, h('strong', { class: 'uc-freed-total' }, num(freed)), ' seats.');
  const out = [lead];
  if (p.overLimit) {
    out.push(h('div', { class: 'uc-message uc-message-warning', role: 'status' },
      `That is more than the policy's limit of ${num(p.limit.maxActionsPerRun)} actions per run, so a run would be refused until the limit or the rules change.`));
  }
  out.push(sortableTable({
    caption: 'Licence impact per application role',
    id: 'uc-impact-table',
    rows: p.licence,
    columns: [
      { key: 'name', label: 'Application role' },
      { key: 'seatsBefore', label: 'Seats used now', type: 'num' },
      { key: 'seatsAfter', label: 'After', type: 'num' },
      { key: 'seatsFreed', label: 'Freed', type: 'num' },
      { key: 'remainingBefore', label: 'Free now', type: 'num', format: (v, r) => (r.hasUnlimitedSeats ? 'Unlimited' : num(v)) },
      { key: 'remainingAfter', label: 'Free after', type: 'num', format: (v, r) => (r.hasUnlimitedSeats ? 'Unlimited' : num(v)) },
    ],
  }));
  out.push(h('p', { class: 'uc-muted' }, `Policy: ${plan.policyLabel}. ${num(p.counts.protected)} accounts a rule would have selected are protected.`));
  return out;
}

/**
 * The groups table. Over a snapshot read for the policy (`groupsRead` present) it first lists the
 * policy's and the roles' groups, then grows as the background read of the other groups goes on
 * (data.groupsFill); the progress line says how far it is and about how long is left.
 */
function groupsBox(d, ctx, options) {
  const fill = ctx.data.groupsFill;
  const box = h('div', { id: 'uc-groups-box', dataset: { fill: d.groupsRead && fill && !fill.state.complete ? 'reading' : 'complete' } });
  const line = h('p', { class: 'uc-muted uc-groups-progress', role: 'status', id: 'uc-groups-progress' });
  const body = h('div', {}, groups(d));
  box.append(line, body);
  if (!d.groupsRead || !fill) return box;
  const show = (st) => {
    if (st.error) {
      line.textContent = `The other groups could not all be read (${st.error.message ?? st.error}); the table lists the ${num(d.groupsRead.complete.length)} groups the policy and the roles use.`;
      box.dataset.fill = 'error';
      return;
    }
    if (st.complete) {
      line.textContent = st.total
        ? `All groups read: the ${num(st.total)} groups the policy does not use took ${(st.ms / 1000).toFixed(1)} s (${num(st.requests)} requests, ${st.concurrency ?? '?'} at a time).`
        : '';
      return;
    }
    if (st.startedAt == null) {
      line.textContent = `Listing the groups the policy and the roles use; the other ${num(st.total)} groups\u2019 members are read in the background once the plan is made.`;
      return;
    }
    const eta = st.etaMs == null ? '' : ` · about ${st.etaMs < 90_000 ? `${Math.max(1, Math.round(st.etaMs / 1000))} s` : `${Math.round(st.etaMs / 60_000)} min`} left`;
    const conc = st.concurrency ? ` · ${st.concurrency} requests at a time` : '';
    line.textContent = `Listing the groups the policy and the roles use; reading the other groups\u2019 members in the background: ${num(st.done)} of ${num(st.total)} groups${eta}${conc}.`;
  };
  let drawing = Promise.resolve();
  // One redraw at a time; the last step always draws (it is the complete table).
  const redraw = (st) => {
    const complete = st.complete;
    drawing = drawing.then(async () => {
      const r = await fill.dashboard(options);
      if (r.type !== 'success') return;
      body.replaceChildren(groups(r.value));
      if (complete) {
        box.dataset.fill = 'complete';
        ctx.timings.groupsComplete ??= Math.round(performance.now() - ctx.t0);
      }
    }).catch(() => {});
  };
  show(fill.state);
  if (fill.state.complete) {
    if (fill.state.total) redraw(fill.state);
    return box;
  }
  const off = ctx.data.onGroupsFill((st) => {
    if (!box.isConnected) { off(); return; }
    show(st);
    // The start (no group read yet) changes only the line, not the table.
    if (st.done > 0 || st.complete) redraw(st);
    if (st.complete || st.error) off();
  });
  return box;
}

/** A sortable table of `spec.rows`, or the sentence `none` when there are no rows. */
const tableOrNone = (none, spec) => (spec.rows.length ? sortableTable(spec) : h('p', { class: 'uc-muted' }, none));
/** The idle counts the groups and domains tables both break down. */
const IDLE_COLUMNS = [
  { key: 'inactive', label: 'Inactive', type: 'num' },
  { key: 'neverLoggedIn', label: 'Never logged in', type: 'num' },
];

function groups(d) {
  return tableOrNone('No group has inactive or never-logged-in members.', {
    caption: 'Groups with inactive or never-logged-in active members',
    id: 'uc-groups-table',
    rows: d.groups,
    limit: 15,
    columns: [
      { key: 'group', label: 'Group' },
      { key: 'activeMembers', label: 'Active members', type: 'num' },
      ...IDLE_COLUMNS,
      { key: 'unknown', label: 'Not known', type: 'num' },
      { key: 'inactiveShare', label: 'Idle share', type: 'num', format: (v) => pct(v) },
    ],
  });
}

function domains(d) {
  return tableOrNone('No external email domains (or no internal domains set in the policy).', {
    caption: 'External users by email domain',
    id: 'uc-domains-table',
    rows: d.externalDomains,
    limit: 20,
    sort: { key: 'users', dir: 'desc' },
    columns: [
      { key: 'domain', label: 'Domain' },
      { key: 'users', label: 'Users', type: 'num' },
      { key: 'activeUsers', label: 'Active accounts', type: 'num' },
      ...IDLE_COLUMNS,
      { key: 'firstLogin', label: 'Oldest last login', format: day },
      { key: 'lastLogin', label: 'Newest last login', format: day },
    ],
  });
}
