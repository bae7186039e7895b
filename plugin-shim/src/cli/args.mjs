// The command line: one spec per subcommand (options, usage text), parsed strictly with
// util.parseArgs. Usage text is generated from the same spec, so the two cannot drift apart.
import { parseArgs } from 'node:util';
import { UsageError } from './errors.mjs';
import { sandboxCommand } from './commands/sandbox.mjs';
import { usersCommand, bulkCommand, reviewCommand } from './commands/users-specs.mjs';
import { help, json, policy, snapshot, asOf, actor, limit, all, jira, yes, audit, auditKeyFile, concurrency, storageUser } from './option-specs.mjs';

export const PROG = 'user-cleanup';


export const COMMANDS = {
  preview: {
    summary: 'what the policy would do to each user (changes nothing)',
    synopsis: 'preview --policy FILE (--snapshot FILE | --jira URL) [--as-of INSTANT] [--actor NAME] [--json]',
    options: {
      policy,
      snapshot,
      jira: { type: 'string', arg: 'URL', help: 'read the users from Jira DC instead of --snapshot (token in USER_CLEANUP_TOKEN)' },
      'last-login-csv': { type: 'string', arg: 'FILE', help: 'with --jira: last logins and creation dates exported with the SQL in docs/last-login-export.md (Jira 9)' },
      'audit-window-days': { type: 'string', arg: 'N', help: 'with --jira: read creation dates from only the last N days of Jira\'s audit log (its retention; default: all of it)' },
      'as-of': asOf,
      actor,
      json: { ...json, help: 'print the plan as JSON on stdout' },
      limit,
      all,
      help,
    },
    examples: [
      'preview --policy policy.json --snapshot snapshot.json --as-of 2026-11-27T00:00:00Z --json',
      'preview --policy policy.json --snapshot snapshot.json --actor admin --all',
      'preview --policy policy.json --jira https://jira.example.com   (USER_CLEANUP_TOKEN=<PAT>)',
    ],
  },
  schedules: {
    summary: 'the next run times of each schedule in the policy',
    synopsis: 'schedules --policy FILE [--from INSTANT] [--count N] [--json]',
    options: {
      policy,
      from: { type: 'string', arg: 'INSTANT', help: 'list runs after this instant, RFC 3339 (default: now)' },
      count: { type: 'string', arg: 'N', help: 'runs per schedule, 1 to 1000 (default 5)' },
      json,
      help,
    },
    examples: ['schedules --policy policy.json --from 2026-11-27T00:00:00Z --count 5 --json'],
  },
  dashboard: {
    summary: 'how the licensed users are used: activity buckets, roles, groups, external domains',
    synopsis: 'dashboard (--snapshot FILE | --jira URL) [--policy FILE] [--as-of INSTANT] [options]',
    options: {
      snapshot,
      jira: { type: 'string', arg: 'URL', help: 'read the users, and the record of warnings sent, from Jira DC instead of --snapshot (token in USER_CLEANUP_TOKEN)' },
      'last-login-csv': { type: 'string', arg: 'FILE', help: 'with --jira: last logins (and previous_login, for "do warnings work?") exported with the SQL in docs/last-login-export.md' },
      policy: { ...policy, help: 'a policy, for protection and internal domains, and its warn rules\' outcomes (optional)' },
      'as-of': asOf,
      actor,
      'low-usage-days': { type: 'string', arg: 'N', help: 'last login this many days ago or more is low usage (default 15)' },
      'inactive-days': { type: 'string', arg: 'N', help: 'last login this many days ago or more is inactive (default 30)' },
      top: { type: 'string', arg: 'N', help: 'list the N groups with most idle members (default 10)' },
      json,
      help,
    },
    examples: ['dashboard --snapshot snapshot.json --policy policy.json --inactive-days 90', 'dashboard --jira https://jira.example.com --policy policy.json   (USER_CLEANUP_TOKEN=<PAT>)'],
  },
  validate: {
    summary: 'check a policy (and a snapshot against it) and report every problem',
    synopsis: 'validate --policy FILE [--snapshot FILE] [--json]',
    options: { policy, snapshot: { ...snapshot, help: 'also check this snapshot and cross-check it with the policy' }, json, help },
    examples: ['validate --policy policy.json', 'validate --policy policy.json --snapshot snapshot.json'],
  },
  tier: {
    summary: 'which users to free so that a role fits a smaller licence tier',
    synopsis:
      'tier --policy FILE --snapshot FILE --role KEY (--target-seats N | --headroom N | --next-lower-tier) [options]',
    options: {
      policy,
      snapshot,
      role: { type: 'string', arg: 'KEY', help: 'the application role, e.g. jira-software' },
      'target-seats': { type: 'string', arg: 'N', help: 'get the role down to N seats used' },
      headroom: { type: 'string', arg: 'N', help: 'keep N seats free under the current licence' },
      'next-lower-tier': { type: 'boolean', help: 'fit the next lower licence tier' },
      'as-of': asOf,
      actor,
      json,
      limit,
      all,
      help,
    },
    examples: ['tier --policy policy.json --snapshot snapshot.json --role jira-software --next-lower-tier'],
  },
  snapshot: {
    summary: 'read every user, group, last login and application role from Jira DC into a snapshot file',
    synopsis: 'snapshot --jira URL [--policy FILE | --all-groups] [--out FILE] [--last-login-csv FILE] [--audit-window-days N | --no-impact] [--verbose]',
    options: {
      jira,
      policy: { ...policy, help: 'read the members of only the groups this policy needs (completeGroups); faster on a large Jira' },
      'all-groups': { type: 'boolean', help: 'read the members of every group (a full snapshot, the default without --policy)' },
      verbose: { type: 'boolean', help: 'print the requests made and the concurrency settled on (stderr)' },
      out: { type: 'string', arg: 'FILE', help: 'write the snapshot here (default: stdout)' },
      'last-login-csv': { type: 'string', arg: 'FILE', help: 'last logins and creation dates exported with the SQL in the README (Jira 9)' },
      'audit-window-days': { type: 'string', arg: 'N', help: 'read creation dates from only the last N days of Jira\'s audit log (its retention; default: all of it)' },
      'no-impact': { type: 'boolean', help: 'skip what preview --jira reads for a plan (creation dates from the audit log, project and component leads): a faster read, but a plan over the file may differ' },
      help,
    },
    examples: ['snapshot --jira https://jira.example.com --out snapshot.json', 'snapshot --jira https://jira.example.com --policy policy.json --out snapshot.json --verbose'],
  },
  run: {
    summary: 'plan, confirm and carry out a policy in Jira DC, with an audit trail',
    synopsis: 'run --policy FILE --jira URL [--yes] [--audit FILE] [--actor NAME] | run --resume RUN_ID --jira URL [--audit FILE] [--yes]',
    options: {
      policy,
      jira,
      yes,
      audit,
      'audit-key-file': auditKeyFile,
      actor: { ...actor, help: 'the acting admin, never actioned (default: the token\'s user)' },
      'as-of': asOf,
      'last-login-csv': { type: 'string', arg: 'FILE', help: 'with --jira: last logins and creation dates exported with the SQL in docs/last-login-export.md (Jira 9)' },
      'audit-window-days': { type: 'string', arg: 'N', help: 'read creation dates from only the last N days of Jira\'s audit log (its retention; default: all of it)' },
      resume: { type: 'string', arg: 'RUN_ID', help: 'finish an interrupted run from the audit trail (no re-planning)' },
      'readonly-fallback': {
        type: 'string',
        arg: 'MODE',
        help: 'users of read-only (LDAP) directories that cannot be deactivated: remove-licence-groups (default: remove them from every application-role group they hold) or skip',
      },
      concurrency,
      json: { type: 'boolean', help: 'print the result (run id, totals, outcomes) as JSON instead of the preview and summary' },
      limit,
      all,
      help,
    },
    examples: [
      'run --policy policy.json --jira https://jira.example.com --audit audit.jsonl',
      'run --resume run-20261127T030000Z-1a2b3c --jira https://jira.example.com --audit audit.jsonl',
    ],
  },
  warn: {
    summary: 'send the warning emails of the policy\'s warn rules now (who: the engine; record: the Jira store and trail)',
    synopsis: 'warn --jira URL [--yes] [--as-of INSTANT] [--policy FILE] [--storage-user NAME] [--resend-maybe-sent] [--json]',
    options: {
      jira: { type: 'string', arg: 'URL', help: 'the Jira base URL (token in USER_CLEANUP_TOKEN; mail server in USER_CLEANUP_SMTP_URL)' },
      yes: { ...yes, help: 'send without the prompt (needed when not on a terminal)' },
      'as-of': asOf,
      policy: { ...policy, help: 'the policy (default: the policy saved in Jira by the admin page)' },
      actor: { ...actor, help: 'the acting admin, never warned (default: the token\'s user)' },
      'storage-user': { ...storageUser, help: 'the Jira account holding User Cleanup\'s store (default user-cleanup)' },
      'resend-maybe-sent': { type: 'boolean', help: 'send again the warnings whose sending started but whose result was never recorded (after checking the mail server\'s log)' },
      json: { type: 'boolean', help: 'print the result as JSON' },
      help,
    },
    examples: ['warn --jira https://jira.example.com', 'warn --jira https://jira.example.com --yes --json'],
  },
  undo: {
    summary: 'reactivate the users and re-add the groups a run changed, from its audit trail',
    synopsis: 'undo --run RUN_ID --jira URL [--user NAME] [--audit FILE] [--yes]',
    options: {
      run: { type: 'string', arg: 'RUN_ID', help: 'the run to undo' },
      user: { type: 'string', arg: 'NAME', help: 'undo only this user' },
      jira,
      audit: { ...audit, help: 'the audit trail holding the run (default user-cleanup-audit.jsonl)' },
      'audit-key-file': auditKeyFile,
      yes: { ...yes, help: 'confirm without the prompt' },
      json: { type: 'boolean', help: 'print the result as JSON' },
      help,
    },
    examples: ['undo --run run-20261127T030000Z-1a2b3c --user fred --jira https://jira.example.com --audit audit.jsonl'],
  },
  audit: {
    summary: 'verify an audit trail (hash chain, MACs), export it as CSV, or reconcile it with Jira\'s audit log',
    synopsis: 'audit verify FILE [--json] | audit export FILE --csv [--out FILE] | audit reconcile --audit FILE --jira URL [--run ID] [--json]',
    options: {
      csv: { type: 'boolean', help: 'export as CSV (one row per user and run)' },
      out: { type: 'string', arg: 'FILE', help: 'write the export here (default: stdout)' },
      json: { type: 'boolean', help: 'verify, reconcile: print the result as JSON' },
      'audit-key-file': { ...auditKeyFile, help: 'check the MACs with this key (default: $USER_CLEANUP_AUDIT_KEY; without a key MACs are not checked)' },
      audit: { type: 'string', arg: 'FILE', multiple: true, help: 'reconcile: the trail (repeat for every trail the same Jira account writes, e.g. each daemon schedule\'s)' },
      jira: { type: 'string', arg: 'URL', help: 'reconcile: the Jira base URL whose audit log is read (token in USER_CLEANUP_TOKEN)' },
      run: { type: 'string', arg: 'RUN_ID', help: 'reconcile: only this run (default: every run, and the time after the last one)' },
      help,
    },
    positionals: true,
    examples: [
      'audit verify audit.jsonl',
      'audit export audit.jsonl --csv --out audit.csv',
      'audit reconcile --audit audit.jsonl --jira https://jira.example.com --run run-20261127T030000Z-1a2b3c',
    ],
  },
  daemon: {
    summary: 'run the policy\'s schedules: each at its next run time, one run at a time, one node per slot',
    synopsis: 'daemon --jira URL [--check] [--daemon-id ID] [--poll-seconds N]  |  daemon --policy FILE --jira URL --audit-dir DIR [--state-dir DIR] [--once] [--now INSTANT]',
    options: {
      policy,
      jira,
      'audit-dir': { type: 'string', arg: 'DIR', help: 'one audit trail per schedule: DIR/<schedule>.audit.jsonl' },
      'audit-key-file': auditKeyFile,
      'state-dir': { type: 'string', arg: 'DIR', help: 'locks, last runs and daemon.log.jsonl (default: the audit dir)' },
      'last-login-csv': { type: 'string', arg: 'FILE', help: 'with --jira: last logins and creation dates exported with the SQL in docs/last-login-export.md (Jira 9)' },
      actor: { ...actor, help: 'the acting admin, never actioned (default: the token\'s user)' },
      'readonly-fallback': { type: 'string', arg: 'MODE', help: 'remove-licence-groups (default) or skip; see run --help' },
      concurrency: { ...concurrency, help: 'actions in flight at once (default 4)' },
      once: { type: 'boolean', help: 'with --policy: run the next due schedule now, then exit with its exit code' },
      now: { type: 'string', arg: 'INSTANT', help: 'start the clock at this instant (tests)' },
      check: { type: 'boolean', help: 'check the token, admin rights, the storage account, the saved policy and SMTP, then exit (0 = ready)' },
      'daemon-id': { type: 'string', arg: 'ID', help: 'this daemon\'s name in heartbeats and leases, unique per daemon (default: <host>-<random>)' },
      'storage-user': storageUser,
      'poll-seconds': { type: 'string', arg: 'N', help: 'how often the policy is read and the heartbeat written (default 30)' },
      'lease-seconds': { type: 'string', arg: 'N', help: 'slot and run lease time to live (default 60; see docs/daemon.md)' },
      'settle-ms': { type: 'string', arg: 'MS', help: 'wait between writing a claim and reading the claims back (default 3000; more than twice the clock skew plus a write)' },
      'clock-file': { type: 'string', arg: 'FILE', help: 'TEST ONLY: the current instant is read from FILE (RFC 3339) at every poll' },
      help,
    },
    examples: ['daemon --jira https://jira.example.com --check', 'daemon --jira https://jira.example.com', 'daemon --policy policy.json --jira https://jira.example.com --audit-dir /var/lib/user-cleanup'],
  },
  sandbox: sandboxCommand,
  users: usersCommand,
  bulk: bulkCommand,
  review: reviewCommand,
  help: {
    summary: 'show help for a command',
    synopsis: 'help [COMMAND]',
    options: { help },
    positionals: true,
    examples: ['help preview'],
  },
};

export function topUsage() {
  const names = Object.keys(COMMANDS);
  const w = Math.max(...names.map((n) => n.length));
  return [
    `Usage: ${PROG} <command> [options]`,
    '',
    'Finds the Jira Data Center users a cleanup policy deactivates, and says why.',
    '',
    'Commands:',
    ...names.map((n) => `  ${n.padEnd(w)}  ${COMMANDS[n].summary}`),
    '',
    'Options:',
    '  -h, --help     show this help (also after any command)',
    '  -V, --version  print the CLI and engine versions',
    '',
    `Run "${PROG} <command> --help" for the options of a command.`,
    'Exit codes: 0 done, 2 bad command line or input (problems on stderr), 1 unexpected error,',
    '  3 refused (over the limit, not confirmed, not a Jira administrator), 4 a run finished with failed actions;',
    '  audit verify: 0 the chain verifies, 1 it does not; audit reconcile: 0 consistent with Jira\'s audit log, 1 not.',
  ].join('\n');
}

export function commandUsage(name) {
  const spec = COMMANDS[name];
  const flags = Object.entries(spec.options).map(([long, o]) => [
    `${o.short ? `-${o.short}, ` : '    '}--${long}${o.arg ? ` ${o.arg}` : ''}`,
    o.help,
  ]);
  const w = Math.max(...flags.map(([f]) => f.length));
  const lines = [`Usage: ${PROG} ${spec.synopsis}`, '', `${name}: ${spec.summary}.`, '', 'Options:'];
  for (const [f, h] of flags) lines.push(`  ${f.padEnd(w)}  ${h}`);
  if (spec.examples?.length) {
    lines.push('', 'Examples:');
    for (const e of spec.examples) lines.push(`  ${PROG} ${e}`);
  }
  return lines.join('\n');
}

/** Parses the options of one subcommand; throws UsageError with a readable message. */
export function parseCommand(name, argv) {
  const spec = COMMANDS[name];
  const options = {};
  for (const [long, o] of Object.entries(spec.options)) {
    options[long] = { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) };
  }
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: Boolean(spec.positionals) });
  } catch (e) {
    throw new UsageError(explainParseError(e, Object.keys(spec.options)), name);
  }
}

function explainParseError(e, known) {
  const quoted = /'(-{1,2}[^' ]+)/.exec(e.message)?.[1];
  switch (e.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION': {
      const near = quoted && closest(quoted.replace(/^-+/, '').split('=')[0], known);
      return `unknown option ${quoted ?? ''}${near ? ` (did you mean --${near}?)` : ''}`.trim();
    }
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      const opt = /--[a-z-]+/.exec(e.message)?.[0] ?? quoted ?? 'an option';
      if (/does not take an argument/.test(e.message)) return `option ${opt} takes no value`;
      return `option ${opt} needs a value`;
    }
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL': {
      const arg = /'([^']*)'/.exec(e.message)?.[1];
      return `unexpected argument ${arg !== undefined ? JSON.stringify(arg) : ''}`.trim();
    }
    default:
      return e.message;
  }
}

/** The known name nearest to `word` by edit distance, when it is near enough to be a typo. */
export function closest(word, candidates) {
  let best = null;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) [best, bestD] = [c, d];
  }
  return bestD <= Math.max(1, Math.floor(word.length / 3)) ? best : null;
}

function editDistance(a, b) {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length];
}

/** A whole number option ("--count 5"), checked; undefined stays undefined. */
export function wholeNumber(value, flag, command, { min = 0 } = {}) {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value.trim()) || Number(value) < min || !Number.isSafeInteger(Number(value))) {
    throw new UsageError(`--${flag} needs a whole number${min > 0 ? ` of at least ${min}` : ''}, got ${JSON.stringify(value)}`, command);
  }
  return Number(value);
}

/** The instant to use when --as-of / --from is absent: now, to the second. */
export function nowInstant(now = new Date()) {
  return now.toISOString().replace(/\.\d+Z$/, 'Z');
}
