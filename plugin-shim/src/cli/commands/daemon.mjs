// daemon: run the policy's schedules (see runner/daemon.mjs).
import { parseCommand } from '../args.mjs';
import { UsageError } from '../errors.mjs';
import { readInput } from '../io.mjs';
import { requireFlags, readFiles, expectSuccess } from './shared.mjs';
import { connect, readonlyFallback, concurrency, stdio } from '../runner.mjs';
import { runDaemon } from '../../runner/daemon.mjs';
import { startRun } from '../../runner/run.mjs';
import { auditKey } from './audit.mjs';

export async function daemon(argv, ctx) {
  const { values } = parseCommand('daemon', argv);
  requireFlags(values, ['policy', 'jira', 'audit-dir'], 'daemon');
  if (values.now !== undefined && Number.isNaN(Date.parse(values.now))) throw new UsageError(`--now needs an RFC 3339 instant, got ${JSON.stringify(values.now)}`, 'daemon');
  const fallback = readonlyFallback(values, 'daemon');
  const conc = concurrency(values, 'daemon');
  const key = auditKey(values, ctx);
  const files = { policy: values.policy };
  const texts = readFiles(files, 'daemon');
  const csvPath = values['last-login-csv'];
  const engine = await ctx.engine();
  expectSuccess(engine.validate(texts.policy), files, ctx.io);
  const { host, url } = await connect(ctx, values.jira);
  const { stdout } = stdio(ctx);
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    return await runDaemon({
      policyText: texts.policy,
      engine,
      auditDir: values['audit-dir'],
      stateDir: values['state-dir'] ?? values['audit-dir'],
      once: Boolean(values.once),
      now: values.now,
      signal: controller.signal,
      print: (line) => stdout.write(`${line}\n`),
      runSchedule: async (id, slot, policyText, auditPath, asOf) =>
        startRun({
          host,
          engine,
          policyText,
          policyPath: values.policy,
          schedule: id,
          jira: url,
          auditPath,
          auditKey: key,
          asOf,
          actor: values.actor,
          // Re-read at every run: the export is refreshed between runs.
          // Only the groups the policy needs (the engine's policyGroups); an invalid policy is reported by the plan.
          snapshotOptions: {
            ...(csvPath !== undefined ? { lastLoginCsv: readInput(csvPath, 'last-login CSV') } : {}),
            ...(engine.validate(policyText, null).type === 'success' ? { scope: { policy: policyText, engine } } : {}),
          },
          readonlyFallback: fallback,
          concurrency: conc,
          signal: controller.signal, // SIGTERM stops the run in progress the way Stop does in the page
          confirm: async () => {}, // a schedule is the admin's standing confirmation; over-limit plans are still refused
        }),
    });
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
