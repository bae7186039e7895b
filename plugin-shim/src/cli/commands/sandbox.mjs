// sandbox: runs the sandbox Jira (a stand-in for Jira Data Center) until SIGINT/SIGTERM.
// Prints exactly one line on stdout once it listens: "ready URL token=PAT" (the admin's PAT).
import { parseArgs } from 'node:util';
import { UsageError, EXIT_OK } from '../errors.mjs';
import { text, flag, help } from '../option-specs.mjs';

/** The option spec, in the shape of args.mjs COMMANDS entries (for the lead to register). */
export const sandboxCommand = {
  summary: 'run a sandbox Jira Data Center (for tests and demos) until stopped',
  synopsis: 'sandbox [--port P] [--jira 9|10.0|10.3|11] [--users N | --snapshot FILE] [--rate-limit] [--faults SHARE] [--seed N] [--xsrf jira|strict|off]',
  options: {
    port: text('P', 'port to listen on (default 0: any free port)'),
    host: text('HOST', 'address to listen on (default 127.0.0.1)'),
    jira: text('VERSION', 'Jira version to emulate: 9, 10.0, 10.3 or 11 (default 10.3)'),
    users: text('N', 'seed N generated users (default: the built-in sample)'),
    snapshot: text('FILE', 'seed the users from a snapshot file (docs/snapshot.md)'),
    'rate-limit': flag('turn on the rate limiter (token bucket per user, 429 + Retry-After)'),
    faults: text('SHARE', 'share of REST requests that fail (500/502/503, slow, dropped), 0 to 1'),
    seed: text('N', 'seed for generated users and injected faults (default 1)'),
    websudo: flag('admin writes over a session cookie need WebSudo'),
    'latency-ms': text('MS', 'delay every request by MS milliseconds'),
    xsrf: text('MODE', 'jira (default: JSON writes pass without X-Atlassian-Token, as in Jira), strict (every write needs it) or off'),
    'audit-retention-days': text('N', 'days the audit log keeps (default 365): seeded users created earlier have no "User created" event'),
    'local-groups': {
      type: 'string',
      arg: 'PATTERNS',
      help: 'comma-separated groups (`*` allowed) kept in Jira for read-only LDAP users ("read only, with local groups"): their memberships can change',
    },
    help,
  },
  examples: ['sandbox --port 8080 --jira 10.3', 'sandbox --port 8080 --local-groups "jira-*-users"', 'sandbox --port 0 --jira 9 --users 100000 --rate-limit --faults 0.05 --seed 7'],
};

function nonNegativeInt(v, flag, max = Number.MAX_SAFE_INTEGER, min = 0) {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) > max || Number(v) < min) throw new UsageError(`--${flag} must be a whole number from ${min} to ${max}, got ${JSON.stringify(v)}`, 'sandbox');
  return Number(v);
}

/** Parses the command line into startSandbox options (throws UsageError). */
export function sandboxOptions(argv) {
  const options = {};
  for (const [long, o] of Object.entries(sandboxCommand.options)) options[long] = o.short ? { type: o.type, short: o.short } : { type: o.type };
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options, strict: true, allowPositionals: false }));
  } catch (e) {
    throw new UsageError(e.message.replace(/\. To specify a positional argument.*$/s, ''), 'sandbox');
  }
  if (values.users !== undefined && values.snapshot !== undefined) throw new UsageError('give --users N or --snapshot FILE, not both', 'sandbox');
  const jira = values.jira ?? '10.3';
  if (!/^(9|10|11)(\.\d+){0,2}$/.test(jira)) throw new UsageError(`--jira must be 9, 10.0, 10.3 or 11, got ${JSON.stringify(jira)}`, 'sandbox');
  let faults;
  if (values.faults !== undefined) {
    faults = Number(values.faults);
    if (!/^\d*\.?\d+$/.test(values.faults) || !(faults >= 0 && faults <= 1)) throw new UsageError(`--faults must be a share from 0 to 1, got ${JSON.stringify(values.faults)}`, 'sandbox');
  }
  const xsrf = values.xsrf ?? 'jira';
  if (!['jira', 'strict', 'off'].includes(xsrf)) throw new UsageError(`--xsrf must be jira, strict or off, got ${JSON.stringify(xsrf)}`, 'sandbox');
  return {
    help: Boolean(values.help),
    port: nonNegativeInt(values.port, 'port', 65535) ?? 0,
    host: values.host ?? '127.0.0.1',
    jira,
    users: nonNegativeInt(values.users, 'users', 10_000_000, 1),
    snapshot: values.snapshot,
    rateLimit: Boolean(values['rate-limit']),
    faults: faults ?? 0,
    seed: nonNegativeInt(values.seed, 'seed', 0xffffffff) ?? 1,
    websudo: Boolean(values.websudo),
    latencyMs: nonNegativeInt(values['latency-ms'], 'latency-ms', 600_000) ?? 0,
    localGroups: (values['local-groups'] ?? '').split(',').map((g) => g.trim()).filter(Boolean),
    xsrf,
    auditRetentionDays: nonNegativeInt(values['audit-retention-days'], 'audit-retention-days', 36_500) ?? 365,
  };
}

/**
 * The command. Resolves with exit code 0 after SIGINT/SIGTERM and a clean shutdown.
 * ctx.stdout (optional) is where the ready line goes; it is written at once, not buffered.
 */
export async function sandbox(argv, ctx = {}) {
  const o = sandboxOptions(argv);
  const stdout = ctx.stdout ?? process.stdout;
  if (o.help) {
    stdout.write(`Usage: user-cleanup ${sandboxCommand.synopsis}\n`);
    return EXIT_OK;
  }
  const { startSandbox } = await import('../../sandbox/index.mjs');
  let snapshot;
  if (o.snapshot !== undefined) {
    const { readInput } = await import('../io.mjs');
    const { InputError } = await import('../errors.mjs');
    const text = readInput(o.snapshot, 'snapshot');
    try {
      snapshot = JSON.parse(text);
    } catch (e) {
      throw new InputError(`${o.snapshot}: the snapshot is not valid JSON: ${e.message}`);
    }
    if (!snapshot || !Array.isArray(snapshot.users)) throw new InputError(`${o.snapshot}: the snapshot has no "users" array`);
  }
  let sb;
  try {
    sb = await startSandbox({ ...o, help: undefined, snapshot, sample: o.users === undefined && snapshot === undefined, logRequests: false });
  } catch (e) {
    if (e?.code === 'EADDRINUSE' || e?.code === 'EACCES') {
      const { InputError } = await import('../errors.mjs');
      throw new InputError(`sandbox: cannot listen on ${o.host}:${o.port}: ${e.code === 'EADDRINUSE' ? 'the port is in use' : 'permission denied'}`);
    }
    throw e;
  }
  stdout.write(`ready ${sb.url} token=${sb.token}\n`);
  await new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    ctx.signal?.addEventListener('abort', stop, { once: true });
  });
  await sb.close();
  return EXIT_OK;
}
