// daemon: run the policy's schedules (see runner/daemon.mjs and docs/daemon.md).
//   daemon --jira URL            the policy saved in Jira (the admin page's store), trails in Jira, heartbeats, leases
//   daemon --jira URL --check    is this node ready to run the daemon?
//   daemon --policy FILE --jira URL --audit-dir DIR   the file-based daemon (trails in files)
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { parseCommand, wholeNumber } from '../args.mjs';
import { UsageError } from '../errors.mjs';
import { readInput } from '../io.mjs';
import { requireFlags, readFiles, expectSuccess } from './shared.mjs';
import { connect, readonlyFallback, concurrency, stdio } from '../runner.mjs';
import { runDaemon, runStoreDaemon } from '../../runner/daemon.mjs';
import { startRun } from '../../runner/run.mjs';
import { jiraUrl } from '../../runner/connect.mjs';
import { appendSecure } from '../../runner/files.mjs';
import { auditKey } from './audit.mjs';

const version = () => {
  try {
    return JSON.parse(readFileSync(new URL('../../../../package.json', import.meta.url), 'utf8')).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
};

export async function daemon(argv, ctx) {
  const { values } = parseCommand('daemon', argv);
  if (values.check) return check(values, ctx);
  if (values.policy === undefined) return storeDaemon(values, ctx);
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

function timing(values) {
  const poll = wholeNumber(values['poll-seconds'], 'poll-seconds', 'daemon', { min: 1 }) ?? 30;
  const lease = wholeNumber(values['lease-seconds'], 'lease-seconds', 'daemon', { min: 2 }) ?? 60;
  const settle = wholeNumber(values['settle-ms'], 'settle-ms', 'daemon', { min: 0 }) ?? 3000;
  if (settle >= lease * 1000 / 2) throw new UsageError('--settle-ms must be well below half of --lease-seconds', 'daemon');
  return { pollMs: poll * 1000, leaseMs: lease * 1000, settleMs: settle, skewMs: Math.floor(settle / 4) };
}

/** The clock: real time, or (tests only) the instant written in --clock-file, read at every call. */
function clockOf(values) {
  const file = values['clock-file'];
  if (file === undefined) return () => Date.now();
  let last = null;
  const read = () => {
    try {
      const t = Date.parse(readFileSync(file, 'utf8').trim());
      if (!Number.isNaN(t)) last = t;
    } catch {}
    if (last === null) throw new UsageError(`--clock-file ${file}: needs an RFC 3339 instant`, 'daemon');
    return last;
  };
  read();
  return read;
}

async function storeDaemon(values, ctx) {
  requireFlags(values, ['jira'], 'daemon');
  if (values['audit-dir'] !== undefined || values.once || values.now !== undefined) {
    throw new UsageError('--audit-dir, --once and --now go with --policy FILE (the file-based daemon); with the policy saved in Jira the trail is kept in Jira', 'daemon');
  }
  const t = timing(values);
  const clock = clockOf(values);
  const fallback = readonlyFallback(values, 'daemon');
  const conc = concurrency(values, 'daemon');
  const csvPath = values['last-login-csv'];
  const engine = await ctx.engine();
  const { host, url } = await connect(ctx, values.jira);
  const { createStore } = await import('../../store/index.mjs');
  const id = values['daemon-id'] ?? `${hostname()}-${Array.from(globalThis.crypto.getRandomValues(new Uint8Array(3)), (b) => b.toString(16).padStart(2, '0')).join('')}`;
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(id)) throw new UsageError('--daemon-id: 1 to 64 letters, digits, dots, dashes or underscores', 'daemon');
  const store = createStore({
    baseUrl: url, token: ctx.env.USER_CLEANUP_TOKEN, storageUser: values['storage-user'], writer: id,
    // A node that died holding the trail's short append lock frees it well within its slot lease.
    lockStaleMs: Math.max(3000, Math.min(20_000, t.leaseMs / 3)),
  });
  const { stdout } = stdio(ctx);
  const logFile = values['state-dir'] ? `${values['state-dir']}/daemon.log.jsonl` : null;
  const log = (event) => {
    const line = JSON.stringify({ at: new Date().toISOString(), pid: process.pid, ...event });
    stdout.write(`${line}\n`);
    if (logFile) appendSecure(logFile, `${line}\n`);
  };
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    await host.assertAdmin();
    return await runStoreDaemon({
      store, host, engine, jiraUrl: url, daemonId: id, node: `${id}@${hostname()}`, version: version(), clock, ...t,
      snapshotOptions: (policyText) => ({
        ...(csvPath !== undefined ? { lastLoginCsv: readInput(csvPath, 'last-login CSV') } : {}),
        scope: { policy: policyText, engine },
      }),
      runOptions: { readonlyFallback: fallback, concurrency: conc, actor: values.actor },
      env: ctx.env,
      log,
      signal: controller.signal,
    });
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

/** daemon --check: every thing the daemon needs, each said ok or what is wrong and how to fix it. */
async function check(values, ctx) {
  requireFlags(values, ['jira'], 'daemon');
  const out = (ok, what, detail) => ctx.io.out(`${ok ? 'ok  ' : 'FAIL'}  ${what}${detail ? `: ${detail}` : ''}`);
  let failed = 0;
  const fail = (what, detail) => {
    failed++;
    out(false, what, detail);
  };
  const url = jiraUrl(values.jira);
  if (!ctx.env.USER_CLEANUP_TOKEN) {
    fail('token', 'USER_CLEANUP_TOKEN is not set: put a personal access token of a Jira administrator in it (see docs/systemd/user-cleanup.env)');
    ctx.io.flush();
    return 1;
  }
  const engine = await ctx.engine();
  const { host } = await connect(ctx, url);
  let me = null;
  try {
    me = await host.whoami();
    out(true, 'token', `accepted by ${url} (user ${me?.name ?? '?'})`);
  } catch (e) {
    fail('token', `${url} did not accept USER_CLEANUP_TOKEN (${e?.message ?? e}); create a new personal access token for a Jira administrator`);
    ctx.io.flush();
    return 1;
  }
  try {
    await host.assertAdmin();
    out(true, 'admin rights', `${me?.name ?? 'the token\'s user'} is a Jira administrator`);
  } catch (e) {
    fail('admin rights', `${e?.message ?? e}`);
  }
  const { createStore } = await import('../../store/index.mjs');
  const store = createStore({ baseUrl: url, token: ctx.env.USER_CLEANUP_TOKEN, storageUser: values['storage-user'] });
  let policy = null;
  try {
    const st = await store.accountStatus();
    if (!st.ok) fail('storage account', `${st.message} ${st.fix}`.trim());
    else {
      out(true, 'storage account', st.message);
      const saved = await store.loadPolicy();
      if (saved.text === null) fail('saved policy', 'no policy is saved in Jira yet: open User Cleanup in Jira, edit the rules and save them');
      else {
        const v = engine.validate(saved.text, null);
        if (v.type !== 'success') fail('saved policy', `not valid (revision ${saved.revision}): ${(v.errors ?? []).map((p) => `${p.path ?? ''} ${p.message} [${p.code}]`.trim()).join('; ')}`);
        else {
          policy = JSON.parse(saved.text);
          const n = (policy.schedules ?? []).length;
          out(true, 'saved policy', `valid (revision ${saved.revision}, saved ${saved.savedAt ?? '?'} by ${saved.savedBy ?? '?'}), ${n} schedule${n === 1 ? '' : 's'}`);
        }
      }
      await store.listHeartbeats();
      out(true, 'store access', 'the heartbeats can be read');
    }
  } catch (e) {
    fail('store access', e?.message ?? String(e));
  }
  const { verifySmtp, describeSmtp } = await import('../../mail/send.mjs');
  const admins = policy?.notify?.admins ?? [];
  if (ctx.env.USER_CLEANUP_SMTP_URL) {
    const r = await verifySmtp({ env: ctx.env });
    if (r.ok) out(true, 'SMTP', `${describeSmtp(ctx.env)} accepted the connection${admins.length ? ` (summaries go to ${admins.join(', ')})` : ' (the policy names no notify.admins: no summaries are sent)'}`);
    else fail('SMTP', `${describeSmtp(ctx.env) ?? 'USER_CLEANUP_SMTP_URL'}: ${r.reason} [${r.code}]`);
  } else if (admins.length) {
    fail('SMTP', `the policy sends run summaries to ${admins.join(', ')} but USER_CLEANUP_SMTP_URL is not set`);
  } else {
    out(true, 'SMTP', 'not configured (no summaries are sent)');
  }
  ctx.io.out(failed ? `${failed} problem${failed === 1 ? '' : 's'}: the daemon is not ready` : 'ready: the daemon can run');
  ctx.io.flush();
  return failed ? 1 : 0;
}
