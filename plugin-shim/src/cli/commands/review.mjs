// review: the users review rules list, and the decisions about them kept in Jira
// (app/review-store.mjs, the same module the admin page uses):
//   review list (--snapshot FILE --policy FILE | --jira URL [--policy FILE]) [--json | --csv]
//   review approve --jira URL --user NAME --operation OP [--group G] [--yes]   (a bulk run; the trail in Jira)
//   review keep --jira URL --user NAME --reason TEXT --until DATE              (an exception in the saved policy)
//   review postpone --jira URL --user NAME [--until DATE]
// Every decision is a `reviewDecision` record in the audit trail kept in Jira. `review list` also says
// since when each undecided user waits (app/review-age.mjs, over the verified trail in Jira).
import { parseCommand } from '../args.mjs';
import { UsageError, EXIT_OK, InputError } from '../errors.mjs';
import { RefusedError } from '../../errors.mjs';
import { sanitize, plural, day } from '../text.mjs';
import { table } from '../table.mjs';
import { report } from '../problems.mjs';
import { requireFlags } from './shared.mjs';
import { queryUsers } from './users.mjs';
import { showBulk } from './bulk.mjs';
import { USER_CSV_HEADER, userCsvRow } from './users-filter.mjs';
import { connect, confirmer, withStop } from '../runner.mjs';
import { toCsv } from '../../runner/csv.mjs';
import { planBulk, executeBulk, bulkExecutable, BULK_OPERATIONS } from '../../runner/bulk.mjs';
import { createStore, openJiraTrail } from '../../store/index.mjs';
import { loadDecisions, recordDecision, waiting } from '../../../app/review-store.mjs';
import { waitingSince, oldestWait, waitText, verifiedTrail } from '../../../app/review-age.mjs';
import { verifyText } from '../../runner/chain.mjs';
import { jiraUrl } from '../../runner/connect.mjs';
import { withRunLease } from '../../store/run-lease.mjs';


export async function review(argv, ctx) {
  const { values, positionals } = parseCommand('review', argv);
  const [sub, ...extra] = positionals;
  if (!['list', 'approve', 'keep', 'postpone'].includes(sub)) throw new UsageError('review needs list, approve, keep or postpone', 'review');
  if (extra.length) throw new UsageError(`unexpected argument ${JSON.stringify(extra[0])}`, 'review');
  if (sub === 'list') return list(values, ctx);
  requireFlags(values, ['jira', 'user'], 'review');
  return decide(sub, values, ctx);
}

function storeFor(ctx, values) {
  const token = ctx.env.USER_CLEANUP_TOKEN;
  if (!token) throw new InputError('--jira needs a personal access token of a Jira administrator in the environment variable USER_CLEANUP_TOKEN');
  return createStore({ baseUrl: jiraUrl(values.jira), token, storageUser: values['storage-user'] });
}

async function savedPolicyText(store) {
  const p = await store.loadPolicy();
  if (p?.text == null) throw new InputError('no policy is saved in Jira (save one in the Rules view) and no --policy was given');
  return p.text;
}

async function list(values, ctx) {
  if (values.json && values.csv) throw new UsageError('--json and --csv cannot both be given', 'review');
  let store = null;
  let policyText;
  if (values.jira !== undefined) {
    store = storeFor(ctx, values);
    if (values.policy === undefined) policyText = await savedPolicyText(store);
  } else requireFlags(values, ['snapshot', 'policy'], 'review');
  const q = await queryUsers({ ...values, policyText }, ctx, 'review', { filter: { review: true } });
  const decisions = store ? (await loadDecisions(store)).decisions : {};
  const now = Date.parse(q.asOf);
  // Since when each waits: from the verified trail in Jira (app/review-age.mjs); not known without one.
  const waits = waitingSince({ listed: q.value.users, decisions, trail: store ? await trailIn(store) : { ok: false, reason: 'none' }, now });
  const rows = q.value.users.map((u) => ({
    ...u, decision: decisions[u.name.toLowerCase()] ?? null, waiting: waiting(decisions[u.name.toLowerCase()], now),
    waitingSince: waits.get(u.name.toLowerCase()) ?? null,
  }));
  const oldest = oldestWait(waits);
  if (values.json) {
    ctx.io.out(JSON.stringify({ asOf: q.value.asOf, users: rows, waiting: rows.filter((r) => r.waiting).length, oldestWait: oldest }));
    return EXIT_OK;
  }
  if (values.csv) {
    ctx.stdout.write(toCsv([...USER_CSV_HEADER, 'decision', 'decided_by', 'decided_at', 'until', 'decision_reason', 'waiting_since', 'waiting_days'],
      rows.map((r) => [...userCsvRow(r), r.decision?.decision ?? '', r.decision?.by ?? '', r.decision?.at ?? '', r.decision?.until ?? '', r.decision?.reason ?? '',
        r.waitingSince?.since ?? '', r.waitingSince?.days ?? ''])));
    return EXIT_OK;
  }
  ctx.io.out(ctx.c.bold(`${plural(rows.length, 'user')} listed for review, ${rows.filter((r) => r.waiting).length} waiting for a decision`));
  if (oldest.state !== 'none') {
    ctx.io.out(sanitize(oldest.state === 'run' ? `the longest: ${oldest.user}, ${waitText(oldest)}`
      : oldest.state === 'notYetByRun' ? 'no recorded run has listed them yet: listed now, waiting 0 days' : waitText(oldest)));
  }
  if (rows.length) {
    ctx.io.out(...table({
      columns: [{ header: 'USER' }, { header: 'NAME', give: 2 }, { header: 'RULE' }, { header: 'LAST LOGIN', shrink: false }, { header: 'WAITING SINCE', shrink: false }, { header: 'DECISION', give: 3 }],
      rows: rows.map((r) => [r.name, r.displayName, r.review, r.lastLogin === undefined ? 'not known' : day(r.lastLogin), sinceCell(r.waitingSince),
        r.decision ? `${r.decision.decision} by ${r.decision.by}${r.decision.until ? ` until ${r.decision.until}` : ''}${r.waiting ? ' (expired)' : ''}` : 'waiting']),
      width: ctx.width,
      c: ctx.c,
    }));
  }
  return EXIT_OK;
}

/** The table's WAITING SINCE cell: a date and days, "listed now" (no run listed them yet), "not known", or empty (decided). */
function sinceCell(w) {
  if (!w) return '';
  if (w.state === 'run') return `${w.since.slice(0, 10)} (${w.days} d)`;
  return w.state === 'notYetByRun' ? 'not yet by a run (0 d)' : 'not known';
}

/** The trail stored in Jira, verified (as openJiraTrail verifies it), for review-age: its records or why there are none. */
async function trailIn(store) {
  let loaded;
  try {
    loaded = await store.loadAudit();
  } catch (e) {
    return { ok: false, reason: 'unreadable', message: e.message };
  }
  return verifiedTrail(await verifyText(typeof loaded?.text === 'string' ? loaded.text : ''));
}

async function decide(sub, values, ctx) {
  const store = storeFor(ctx, values);
  const engine = await ctx.engine();
  const { host, url, doneReading } = await connect(ctx, values.jira);
  await host.assertAdmin();
  const me = await host.whoami();
  const by = me?.name ?? 'unknown';
  const decision = sub === 'approve' ? 'approve' : sub;
  let runId;
  const trail = await openJiraTrail(store);
  try {
    if (sub === 'approve') {
      requireFlags(values, ['operation'], 'review');
      if (!BULK_OPERATIONS.includes(values.operation)) throw new UsageError(`--operation must be one of ${BULK_OPERATIONS.join(', ')}`, 'review');
      const operation = { type: values.operation, ...(values.group?.length ? { groups: values.group } : {}) };
      const policyText = values.policy !== undefined ? (await import('../io.mjs')).readInput(values.policy, 'policy') : await savedPolicyText(store);
      const snapshot = await host.snapshot();
      doneReading();
      const planned = planBulk(engine, policyText, JSON.stringify(snapshot), { asOf: snapshot.capturedAt, actor: by, users: [values.user], operation });
      if (report(planned, { policy: values.policy ?? 'policy saved in Jira', snapshot: `snapshot from ${url}`, input: 'review', options: 'review' }, ctx.io)) return 2;
      const plan = planned.value;
      if (!values.json) showBulk(ctx, plan, operation, [values.user]);
      const todo = bulkExecutable(plan);
      if (plan.protected?.length && !todo.length) throw new RefusedError(`refused: ${values.user} is protected (${plan.protected[0].reason}); nothing was changed or decided`, 'refused.protected');
      if (todo.length) {
        let res;
        // One run at a time per Jira: the approval's bulk run takes the run lease as `bulk` does.
        await withRunLease({ url, token: ctx.env.USER_CLEANUP_TOKEN, storageUser: values['storage-user'], onNote: (m) => ctx.io.err(m) }, () => withStop(ctx, async (signal, confirmed) => {
          if (!plan.overLimit) await confirmed(confirmer(ctx, Boolean(values.yes), 'accounts'))(todo.length);
          res = await executeBulk({
            host, engine, plan, trail, who: { actor: by, jiraUser: by, operator: null }, actor: by, operation, users: [values.user], via: 'cli review approve',
            policyText, policyPath: values.policy ?? 'saved in Jira', jira: url,
            snapshot: { capturedAt: snapshot.capturedAt ?? null, users: snapshot.users?.length ?? 0 }, snapshotData: snapshot, signal,
          });
        }));
        runId = res.runId;
        if (!values.json) ctx.io.out(sanitize(`bulk run ${res.runId}: ${res.totals.done} done, ${res.totals.failed} failed, ${res.totals.skipped} skipped`));
      }
      const rec = await recordDecision({ store, trail, engine, user: values.user, decision, by, reason: values.reason, action: operation, runId });
      if (values.json) ctx.io.out(JSON.stringify({ decision: rec, runId: runId ?? null }));
      else ctx.io.out(sanitize(`approved ${values.user} (${operation.type}) by ${by}; recorded in the audit trail in Jira`));
      return EXIT_OK;
    }
    if (sub === 'keep') requireFlags(values, ['reason', 'until'], 'review');
    const rec = await recordDecision({ store, trail, engine, user: values.user, decision, by, reason: values.reason, until: values.until });
    if (values.json) ctx.io.out(JSON.stringify({ decision: rec }));
    else {
      ctx.io.out(sanitize(sub === 'keep'
        ? `kept ${values.user} by ${by} until ${rec.until}: ${rec.reason} — an exception in the policy saved in Jira; recorded in the audit trail`
        : `postponed ${values.user} until ${rec.until} by ${by}; recorded in the audit trail`));
    }
    return EXIT_OK;
  } catch (e) {
    if (e?.name === 'ReviewError' && e.code !== 'store.unsafeAccount') throw new InputError(e.message);
    if (e?.code === 'store.unsafeAccount') throw new RefusedError(`refused: ${e.message}`, e.code);
    throw e;
  } finally {
    await trail.close();
  }
}
