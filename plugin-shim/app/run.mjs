// The Run view: carries out the saved policy's plan from the page with the runner's own executor
// (plugin-shim/src/runner/executor.mjs), so the audit trail is the runner's format. Before each
// change the executor reads the user again and asks the page's engine whether the planned action
// still applies (engine.decide), so a user who joined a protected group since the preview is left
// alone. The run refuses: a policy that is not the one saved in Jira, an unsafe storage account, a
// plan over the policy's limit, and a plan older than the policy's maxSnapshotAgeMinutes (Refresh
// data reads the users again and plans again). The trail is stored in Jira record by record
// (page-trail.mjs); when it cannot be, the run starts only if the admin chooses to keep the trail
// as a download only.
import { h, clear, num, errorBox } from './dom.mjs';
import { section, problems, download, trailName, countInput } from './view-kit.mjs';
import { loadPlan, jiraNow } from './saved-plan.mjs';
import { runnerModules } from './runner-loader.mjs';
import { progressMeter } from './progress.mjs';
import { pageTrail, pageWho } from './page-trail.mjs';
import { acquirePageLease, leaseRefusalTitle } from './run-lease.mjs';
import { pageEngine } from './engine-loader.mjs';

const DEFAULT_MAX_AGE_MINUTES = 60;

function refusal(id, title, ...body) {
  return h('div', { class: 'uc-message uc-message-error', role: 'alert', id }, h('p', { class: 'uc-message-title' }, title), ...body.map((b) => (typeof b === 'string' ? h('p', {}, b) : b)));
}

/**
 * A run of one schedule asked for by the Schedules view (`ctx.runRequest = {schedule, mode}`), taken
 * once: the Run view then plans with only that schedule's rules (the engine's `schedule` option) and,
 * for mode 'preview', records a dry run instead of changing anything.
 */
function takeRequest(ctx) {
  const r = ctx.runRequest ?? null;
  ctx.runRequest = null;
  return r && typeof r.schedule === 'string' ? { schedule: r.schedule, mode: r.mode === 'preview' ? 'preview' : 'run' } : null;
}

export async function renderRun(panel, ctx, req = takeRequest(ctx)) {
  // The storage account first: while it is unsafe nothing is loaded from it or run.
  if (ctx.store && typeof ctx.store.accountStatus === 'function') {
    let st;
    try {
      st = await ctx.store.accountStatus();
    } catch (e) {
      st = { ok: false, problem: 'unreadable', message: `The storage account could not be checked: ${e.message}`, fix: 'Reload the page.' };
    }
    if (!st.ok) {
      panel.append(refusal('uc-run-unsafe', 'Runs are off: the storage account is not safe', st.message, st.fix ?? ''));
      panel.lastChild.dataset.code = 'store.unsafeAccount';
      panel.lastChild.dataset.problem = st.problem ?? '';
      ctx.state('ready');
      return;
    }
  }
  const got = await loadPlan(panel, ctx, 'run');
  if (!got) return;
  const { snap, policy } = got;
  let { plan } = got;
  if (got.policySource !== 'saved') {
    const what = got.policySource === 'template' ? 'a starting template, not a saved policy'
      : got.policySource === 'dev-file' ? 'a file given to the development server, not the policy saved in Jira'
        : 'not the policy saved in Jira';
    panel.append(refusal('uc-run-no-saved-policy', 'Save a policy in the Rules view first',
      `The policy on this page is ${what}. A run only carries out the policy saved in Jira, so that every administrator sees what ran and the audit trail can name it. Nothing was changed.`));
    ctx.state('ready');
    return;
  }
  if (req) {
    // Only the schedule's rules, as the daemon plans its slot (the engine decides which rules run).
    let r;
    try {
      r = JSON.parse(ctx.engine.planJson(policy.text, snap.text, JSON.stringify({ asOf: snap.snap.capturedAt, ...(ctx.me?.name ? { actor: ctx.me.name } : {}), schedule: req.schedule })));
    } catch (e) {
      panel.append(errorBox(`The plan of schedule ${req.schedule} could not be made`, e));
      ctx.state('error');
      return;
    }
    if (r?.type !== 'success') {
      panel.append(problems(`The plan of schedule ${req.schedule} could not be made`, r?.errors));
      ctx.state('ready');
      return;
    }
    plan = r.value;
    panel.append(h('div', { class: 'uc-message', role: 'status', id: 'uc-run-schedule', dataset: { schedule: req.schedule, mode: req.mode } },
      h('p', { class: 'uc-message-title' }, req.mode === 'preview' ? `Dry run of schedule ${req.schedule}` : `Run schedule ${req.schedule} now`),
      h('p', {}, req.mode === 'preview'
        ? 'Only this schedule\u2019s rules. A dry run records in the audit trail what it would do and changes nothing in Jira.'
        : 'Only this schedule\u2019s rules, carried out now by this page (not by a daemon).')));
    if (req.mode === 'preview') {
      await renderDryRun(panel, ctx, { snap, plan, policy, label: got.policyLabel, schedule: req.schedule });
      return;
    }
  }
  const c = plan.counts;
  // Which actions a run writes, and which of those it carries out, are the runner's own sets
  // (executor.EXECUTABLE / isExecutable): actions the engine marks (blocked, e.g. deactivating a
  // project lead, which Jira refuses) are not counted as changes; the executor skips them.
  const { executor: runner } = await runnerModules(ctx);
  const writes = plan.actions.filter((a) => runner.EXECUTABLE.has(a.action));
  const blocked = writes.filter((a) => a.status === 'blocked').length;
  const n = writes.filter(runner.isExecutable).length;

  panel.append(h('p', { class: 'uc-summary' },
    'The policy saved in Jira over ', h('strong', {}, num(c.users)), ' users read at ',
    h('time', { datetime: plan.asOf }, plan.asOf.replace('T', ' ').replace('Z', ' UTC')), ': ',
    h('strong', { id: 'uc-run-executable' }, num(n)), ' accounts to change (',
    `${num(c.byAction?.deactivate ?? 0)} deactivate, ${num(c.byAction?.removeFromGroups ?? 0)} remove from groups`,
    `), ${num(c.byAction?.review ?? 0)} listed for review only, ${num(c.protected)} protected`,
    blocked ? `, ${num(blocked)} blocked (Jira would refuse them; see the Preview)` : '',
    plan.limit?.maxActionsPerRun != null ? ` · limit ${num(plan.limit.maxActionsPerRun)} per run` : ' · no limit per run'));

  if (plan.overLimit) {
    panel.append(refusal('uc-run-refused', 'This plan is over the policy\u2019s limit, so it cannot be run',
      `It would change ${num(c.executable)} accounts; the policy allows at most ${num(plan.limit.maxActionsPerRun)} per run (limits.maxActionsPerRun). Nothing was changed. Narrow the rules or raise the limit in the Rules view, then check the Preview again.`));
    ctx.state('ready');
    return;
  }
  if (n === 0) {
    panel.append(h('div', { class: 'uc-message', role: 'status', id: 'uc-run-nothing' }, h('p', { class: 'uc-message-title' }, 'Nothing to run'),
      h('p', {}, 'The saved policy changes no account today. Accounts listed for review are only listed.')));
    ctx.state('ready');
    return;
  }

  const refreshData = async () => {
    clear(panel);
    try {
      await ctx.data.snapshot({ refresh: true });
    } catch (e) {
      panel.append(errorBox('Jira could not be read again', e));
      ctx.state('error');
      return;
    }
    await renderRun(panel, ctx, req);
  };
  const expiredBox = (why) => {
    const btn = h('button', { type: 'button', class: 'uc-button uc-button-primary', id: 'uc-run-refresh' }, 'Refresh data');
    btn.addEventListener('click', refreshData);
    return h('div', { class: 'uc-message uc-message-warning', role: 'alert', id: 'uc-run-expired' },
      h('p', { class: 'uc-message-title' }, 'The plan is too old to run'), h('p', {}, why), h('p', {}, btn));
  };
  const maxAge = plan.limit?.maxSnapshotAgeMinutes ?? DEFAULT_MAX_AGE_MINUTES;
  const ageMinutes = (jiraNow(snap) - Date.parse(snap.snap.capturedAt)) / 60_000;
  if (Number.isFinite(ageMinutes) && ageMinutes > maxAge) {
    panel.append(expiredBox(`The users were read ${num(Math.floor(ageMinutes))} minutes ago; the policy allows a run of a plan at most ${num(maxAge)} minutes old (limits.maxSnapshotAgeMinutes). Read the users again and check the new plan.`));
    ctx.state('ready');
    return;
  }

  const [{ executor, hash }, audit, engine] = await Promise.all([runnerModules(ctx), pageTrail(ctx), pageEngine(ctx)]);
  const inputId = 'uc-run-confirm-input';
  const { input, typed } = countInput(n, { id: inputId, size: '8', 'aria-describedby': 'uc-run-confirm-help' });
  const fallback = h('select', { class: 'uc-select', id: 'uc-run-fallback' },
    h('option', { value: 'remove-licence-groups' }, 'remove them from their licence groups'),
    h('option', { value: 'skip' }, 'skip them'));
  const start = h('button', { type: 'button', class: 'uc-button uc-button-primary', id: 'uc-run-start', disabled: true }, `Change ${num(n)} accounts`);
  const busyBox = h('div', { id: 'uc-run-busy-box' });
  const stop = h('button', { type: 'button', class: 'uc-button uc-button-danger', id: 'uc-run-stop', hidden: true }, 'Stop');
  // every write item gets an outcome (blocked ones: skipped)
  const { bar, counter, show } = progressMeter({ label: 'Run progress', counterId: 'uc-run-counter', total: writes.length });
  const tbody = h('tbody');
  const results = h('div', { class: 'uc-results uc-table-wrap' }, h('table', { class: 'uc-table', id: 'uc-run-results' },
    h('caption', { class: 'uc-visually-hidden' }, 'Per-user results'),
    h('thead', {}, h('tr', {}, ['#', 'User', 'Action', 'Result', 'Details'].map((t) => h('th', { scope: 'col' }, t)))), tbody));
  const outcomeBox = h('div', { id: 'uc-run-outcome' });
  const progressBox = h('div', { hidden: true, id: 'uc-run-progress' }, bar, counter, results);

  // Where the trail goes. Not in Jira: only with the admin's explicit choice.
  const downloadOnly = h('input', { type: 'checkbox', id: 'uc-run-download-only' });
  const trailBox = audit.savedInJira
    ? h('p', { id: 'uc-run-trail-where', dataset: { kept: 'jira' } }, 'The audit trail is saved in Jira before each change is sent, and can be downloaded afterwards.')
    : h('div', { class: 'uc-message uc-message-warning', id: 'uc-run-trail-where', dataset: { kept: 'none' } },
      h('p', { class: 'uc-message-title' }, 'The audit trail cannot be kept in Jira'),
      h('p', {}, String(audit.loadError?.message ?? 'No storage in Jira.')),
      h('p', {}, h('label', { class: 'uc-check' }, downloadOnly, ' Keep the trail as a download only (it is downloaded when the run ends; store it with your records — History can import it)')));
  const confirmBox = h('div', { class: 'uc-confirm', id: 'uc-run-confirm' },
    h('p', {}, 'Before each change the user is read again from Jira and the engine checks that the planned action still applies; accounts that changed since (inactive, gone, now protected, no longer selected) are skipped.'),
    trailBox,
    h('p', {}, h('label', { for: 'uc-run-fallback' }, 'Users in a read-only (LDAP) directory cannot be deactivated; ', fallback)),
    h('p', {}, h('label', { for: inputId, id: 'uc-run-confirm-help' }, `To confirm, type the number of accounts that will be changed (${num(n)}): `), input),
    h('p', {}, start, ' ', stop), busyBox);
  panel.append(section('uc-run', req ? `Run schedule ${req.schedule}` : 'Run the saved policy', confirmBox, progressBox, outcomeBox));
  const ready = () => typed() && (audit.savedInJira || downloadOnly.checked);
  const update = () => { start.disabled = !ready(); };
  input.addEventListener('input', update);
  downloadOnly.addEventListener('change', update);
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !start.disabled) start.click();
  });

  const controller = new AbortController();
  stop.addEventListener('click', () => {
    controller.abort();
    stop.disabled = true;
    stop.textContent = 'Stopping…';
    counter.append(' · Stopping: requests already sent finish, nothing new starts.');
  });

  start.addEventListener('click', async () => {
    if (start.disabled || !ready()) return;
    start.disabled = true;
    input.disabled = true;
    fallback.disabled = true;
    downloadOnly.disabled = true;
    clear(busyBox);
    // One run at a time per Jira (the store's run lease, shared with the CLI and the daemons).
    const runId = executor.newRunId(jiraNow(snap));
    let lease;
    try {
      lease = await acquirePageLease(ctx, { runId });
    } catch (e) {
      busyBox.append(refusal('uc-run-busy', leaseRefusalTitle(e), `${e?.message ?? e} Nothing was changed.`));
      busyBox.lastChild.dataset.code = e?.code ?? '';
      start.disabled = false;
      input.disabled = false;
      fallback.disabled = false;
      downloadOnly.disabled = false;
      update();
      return;
    }
    const trail = audit.savedInJira ? audit.trail : audit.downloadOnly();
    audit.clockOffset = jiraNow(snap).getTime() - Date.now();
    stop.hidden = false;
    progressBox.hidden = false;
    ctx.state('running');
    const who = pageWho(ctx);
    let shown = 0;
    show({ done: 0, failed: 0, skipped: 0 });
    let result;
    try {
      const policyHash = await hash.sha256Hex(policy.text);
      result = await executor.executePlan({
        host: ctx.host,
        plan,
        trail,
        who,
        runId,
        via: 'admin page',
        ...(req ? { schedule: req.schedule, mode: 'run' } : {}),
        engine,
        policyText: policy.text,
        policyHash,
        policyPath: got.policyLabel,
        jira: location.origin + (ctx.contextPath ?? ''),
        engineVersion: ctx.timings?.engine?.version ?? null,
        snapshot: { capturedAt: snap.snap.capturedAt ?? null, users: snap.snap.users?.length ?? 0 },
        snapshotData: snap.snap,
        actor: ctx.me?.name ?? undefined,
        now: () => jiraNow(snap),
        roleGroups: executor.roleGroupsOf(snap.snap),
        readonlyFallback: fallback.value,
        concurrency: 4,
        signal: controller.signal,
        onOutcome: (rec, totals) => {
          shown += 1;
          const what = rec.fallback ? `${rec.action} (read-only fallback)` : rec.action;
          const groups = rec.effects?.groupsRemoved?.length ? ` ${rec.effects.groupsRemoved.join(', ')}` : '';
          tbody.append(h('tr', { dataset: { user: rec.user, status: rec.status, code: rec.code ?? '' } },
            h('td', { class: 'uc-num' }, String(shown)), h('td', {}, rec.user), h('td', {}, what + groups),
            h('td', {}, h('span', { class: `uc-status-${rec.status}` }, rec.status)), h('td', {}, rec.reason ?? '')));
          show(totals);
          // A lease that could not be renewed: another run may start; this one stops sending.
          if (lease.lost() && !controller.signal.aborted) controller.abort();
        },
      });
    } catch (e) {
      await lease.release();
      stop.hidden = true;
      ctx.state('ready');
      if (e?.code === 'refused.planExpired') {
        outcomeBox.append(expiredBox(`${e.message} Nothing was changed.`));
        return;
      }
      outcomeBox.append(errorBox('The run could not be completed', e));
      offerTrail(outcomeBox, audit, trail, true, executor);
      return;
    }
    await lease.release();
    stop.hidden = true;
    const t = result.totals;
    outcomeBox.append(h('div', { class: `uc-message${t.failed ? ' uc-message-warning' : ''}`, role: 'status', id: 'uc-run-finished', dataset: { runId: result.runId, stopped: String(result.stopped) } },
      h('p', { class: 'uc-message-title' }, result.stopped ? 'Run stopped' : 'Run finished'),
      h('p', {}, `${num(t.done)} done, ${num(t.failed)} failed, ${num(t.skipped)} skipped`,
        t.notStarted ? `, ${num(t.notStarted)} not started (stopped)` : '', `, ${num(t.review)} listed for review. Run `, h('span', { class: 'uc-code' }, result.runId), '.'),
      h('p', {}, 'Undo it from History if needed. The users were read again; Refresh data shows the new state.')));
    offerTrail(outcomeBox, audit, trail, !audit.savedInJira, executor);
    ctx.state('ready');
  });
  ctx.state('ready');
}

function offerTrail(box, audit, trail, autoDownload, executor) {
  const name = trailName(executor);
  const btn = h('button', { type: 'button', class: 'uc-button', id: 'uc-run-download' }, 'Download the audit trail (JSON lines)');
  btn.addEventListener('click', () => download(name, trail.text(), 'application/x-ndjson'));
  const failed = trail.failed ?? null;
  const where = audit.savedInJira && !failed
    ? 'The audit trail is saved in Jira.'
    : failed
      ? `Saving the audit trail in Jira failed (${failed.message}), so the run stopped before any change it could not record; download the trail now and keep it.`
      : 'The audit trail was downloaded; keep it with your records.';
  box.append(h('p', { id: 'uc-run-trail' }, where, ' ', btn));
  if (autoDownload || failed) download(name, trail.text(), 'application/x-ndjson');
}

/**
 * A dry run of one schedule from the page (mode preview): records runStarted (mode preview),
 * planned and runFinished in the trail kept in Jira, as a daemon's preview slot does, and changes
 * nothing in Jira.
 */
async function renderDryRun(panel, ctx, { snap, plan, policy, label, schedule }) {
  const [{ executor, hash }, audit, engine] = await Promise.all([runnerModules(ctx), pageTrail(ctx), pageEngine(ctx)]);
  const items = executor.planItems(plan, snap.snap);
  const count = (a) => items.filter((i) => i.action === a && !i.status).length;
  const planned = { deactivate: count('deactivate'), removeFromGroups: count('removeFromGroups'), review: count('review') };
  const out = h('div', { id: 'uc-run-outcome' });
  const go = h('button', { type: 'button', class: 'uc-button uc-button-primary', id: 'uc-run-dry-start', disabled: !audit.savedInJira }, 'Record the dry run');
  const list = h('ul', { class: 'uc-dry-list' }, items.filter((i) => i.action !== 'review').slice(0, 200).map((i) => h('li', { dataset: { user: i.user } },
    h('strong', {}, i.user), `: ${i.action}${i.groups?.length ? ` ${i.groups.join(', ')}` : ''}${i.status ? ` (${i.status})` : ''}`)));
  panel.append(section('uc-run', `Dry run of schedule ${schedule}`,
    h('p', { id: 'uc-run-dry-counts' }, `It would deactivate ${num(planned.deactivate)} and remove ${num(planned.removeFromGroups)} from groups; ${num(planned.review)} listed for review.`),
    list,
    audit.savedInJira ? h('p', {}, 'Recording adds this plan to the audit trail in Jira (History shows it as a dry run). No account is changed.')
      : refusal('uc-run-dry-no-trail', 'A dry run is recorded in the audit trail in Jira, which cannot be kept there now', String(audit.loadError?.message ?? '')),
    h('p', {}, go), out));
  go.addEventListener('click', async () => {
    go.disabled = true;
    ctx.state('running');
    try {
      audit.clockOffset = jiraNow(snap).getTime() - Date.now();
      const runId = executor.newRunId(jiraNow(snap));
      const who = pageWho(ctx);
      const roles = Array.isArray(snap.snap.applicationRoles) ? snap.snap.applicationRoles : undefined;
      const trail = audit.trail;
      await trail.append({
        type: 'runStarted', runId, who, via: 'admin page', mode: 'preview', schedule,
        policy: { hash: await hash.sha256Hex(policy.text), path: label ?? null, text: policy.text },
        jira: location.origin + (ctx.contextPath ?? ''), asOf: plan.asOf, counts: plan.counts, limit: plan.limit,
        engineVersion: ctx.timings?.engine?.version ?? (typeof engine?.version === 'function' ? engine.version() : null),
        snapshot: { capturedAt: snap.snap.capturedAt ?? null, users: snap.snap.users?.length ?? null }, options: {},
      });
      await trail.append({ type: 'planned', runId, items, protected: plan.protected ?? [], roleGroups: executor.roleGroupsOf(snap.snap), ...(roles ? { applicationRoles: roles } : {}) });
      await trail.append({ type: 'runFinished', runId, totals: { done: 0, failed: 0, skipped: 0, review: planned.review }, exitCode: 0, preview: true });
      out.append(h('div', { class: 'uc-message', role: 'status', id: 'uc-run-dry-finished', dataset: { runId } },
        h('p', { class: 'uc-message-title' }, 'Dry run recorded'),
        h('p', {}, 'Nothing was changed. Run ', h('span', { class: 'uc-code' }, runId), ' is in History as a dry run.')));
    } catch (e) {
      out.append(errorBox('The dry run could not be recorded', e));
      go.disabled = false;
    }
    ctx.state('ready');
  });
  ctx.state('ready');
}
