// The command line: one spec per subcommand (options, usage text), parsed strictly with
// util.parseArgs. Usage text is generated from the same spec, so the two cannot drift apart.
import { parseArgs } from 'node:util';
import { UsageError } from './errors.mjs';

export const PROG = 'user-cleanup';

const help = { type: 'boolean', short: 'h', help: 'show this help' };
const json = { type: 'boolean', help: 'print the result as JSON on stdout' };
const policy = { type: 'string', arg: 'FILE', help: 'the cleanup policy (JSON); "-" reads stdin' };
const snapshot = { type: 'string', arg: 'FILE', help: 'the users snapshot (JSON); "-" reads stdin' };
const asOf = {
  type: 'string',
  arg: 'INSTANT',
  help: 'evaluation instant, RFC 3339 (default: now), e.g. 2026-11-27T00:00:00Z',
};
const actor = { type: 'string', arg: 'NAME', help: 'the acting admin (never actioned)' };
const limit = { type: 'string', arg: 'N', help: 'list at most N rows per table (default 50)' };
const all = { type: 'boolean', help: 'list every row' };

export const COMMANDS = {
  preview: {
    summary: 'what the policy would do to each user (changes nothing)',
    synopsis: 'preview --policy FILE --snapshot FILE [--as-of INSTANT] [--actor NAME] [--json]',
    options: {
      policy,
      snapshot,
      jira: { type: 'string', arg: 'URL', help: 'read users from Jira DC instead (token in USER_CLEANUP_TOKEN); not available yet' },
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
    synopsis: 'dashboard --snapshot FILE [--policy FILE] [--as-of INSTANT] [options]',
    options: {
      snapshot,
      policy: { ...policy, help: 'a policy, for protection and internal domains (optional)' },
      'as-of': asOf,
      actor,
      'low-usage-days': { type: 'string', arg: 'N', help: 'last login this many days ago or more is low usage (default 15)' },
      'inactive-days': { type: 'string', arg: 'N', help: 'last login this many days ago or more is inactive (default 30)' },
      top: { type: 'string', arg: 'N', help: 'list the N groups with most idle members (default 10)' },
      json,
      help,
    },
    examples: ['dashboard --snapshot snapshot.json --policy policy.json --inactive-days 90'],
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
    'Exit codes: 0 done, 2 bad command line or input (problems on stderr), 1 unexpected error.',
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
    options[long] = o.short ? { type: o.type, short: o.short } : { type: o.type };
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
