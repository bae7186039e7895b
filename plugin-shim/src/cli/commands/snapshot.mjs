// snapshot: read the users, groups, last logins and roles from Jira DC into a Snapshot file.
// By default it also reads what `preview --jira` and `run` read for a plan (creation dates from the
// audit log, project and component leads: the host's impact reads), so a plan over the file equals
// one over Jira; `--no-impact` skips those reads. Open assigned issue counts are left out: which
// users need one is a plan's answer (host/plan-impact.mjs), and a snapshot has no plan.
import { writeSecure } from '../../runner/files.mjs';
import { parseCommand, wholeNumber } from '../args.mjs';
import { UsageError, EXIT_OK } from '../errors.mjs';
import { readInput } from '../io.mjs';
import { sanitize } from '../text.mjs';
import { requireFlags, expectSuccess } from './shared.mjs';
import { connect } from '../runner.mjs';

export async function snapshot(argv, ctx) {
  const { values } = parseCommand('snapshot', argv);
  requireFlags(values, ['jira'], 'snapshot');
  const impact = !values['no-impact'];
  if (!impact && values['audit-window-days'] !== undefined) {
    throw new UsageError('--audit-window-days reads creation dates, which --no-impact skips: give one of them', 'snapshot');
  }
  const auditWindowDays = wholeNumber(values['audit-window-days'], 'audit-window-days', 'snapshot', { min: 1 });
  const csv = values['last-login-csv'] !== undefined ? readInput(values['last-login-csv'], 'last-login CSV') : undefined;
  // With a policy (and without --all-groups): only the groups it needs, as the engine says (policyGroups).
  let scope;
  if (values.policy !== undefined && !values['all-groups']) {
    const policy = readInput(values.policy, 'policy');
    const engine = await ctx.engine();
    expectSuccess(engine.validate(policy, null), { policy: values.policy }, ctx.io);
    scope = { policy, engine };
  }
  const { host, doneReading } = await connect(ctx, values.jira);
  await host.assertAdmin();
  const t0 = Date.now();
  // The same impact options as preview --jira (host snapshot → impact.mjs addImpact); leads are
  // the host's default, so --no-impact has to turn them off.
  const impactOpts = impact ? { creationDates: true, ...(auditWindowDays !== undefined ? { auditWindowDays } : {}) } : { leads: false, creationDates: false };
  const snap = await host.snapshot({ ...(csv !== undefined ? { lastLoginCsv: csv } : {}), ...(scope ? { scope } : {}), ...impactOpts });
  doneReading();
  if (values.verbose) {
    const s = host.stats();
    const c = s.concurrency;
    const g = snap.source?.scope;
    ctx.io.err(sanitize(`snapshot: ${s.requests} requests in ${((Date.now() - t0) / 1000).toFixed(1)} s; ${g ? `members of ${g.groupsRead} groups the policy needs (${g.groupsNotRead} others not read)` : 'members of every group'}; concurrency started at ${c.start}, settled on ${c.settled} (peak ${c.peak}, cap ${c.cap}${c.throttled ? `, throttled ${c.throttled}×` : ''})`));
  }
  const text = `${JSON.stringify(snap, null, 2)}\n`;
  if (values.out === undefined || values.out === '-') {
    ctx.io.out(text.trimEnd());
    return EXIT_OK;
  }
  writeSecure(values.out, text);
  const roles = snap.applicationRoles?.length ?? 0;
  ctx.io.err(sanitize(`snapshot: ${snap.users?.length ?? 0} users, ${roles} application roles, captured ${snap.capturedAt} → ${values.out}`));
  return EXIT_OK;
}
