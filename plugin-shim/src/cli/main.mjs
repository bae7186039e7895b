// The command dispatcher: picks the subcommand, handles --help / --version, and turns the ways a
// command can end into exit codes (0 done, 2 bad command line or input, 1 unexpected).
import { readFileSync } from 'node:fs';
import { COMMANDS, PROG, topUsage, commandUsage, closest, parseCommand } from './args.mjs';
import { UsageError, InputError, EXIT_OK, EXIT_UNEXPECTED, EXIT_BAD_INPUT } from './errors.mjs';
import { createOutput } from './io.mjs';
import { colours, colourEnabled } from './colour.mjs';
import { sanitize } from './text.mjs';
import { preview } from './commands/preview.mjs';
import { schedules } from './commands/schedules.mjs';
import { dashboard } from './commands/dashboard.mjs';
import { validate } from './commands/validate.mjs';
import { tier } from './commands/tier.mjs';
import { snapshot } from './commands/snapshot.mjs';
import { run as runCommand } from './commands/run.mjs';
import { undo } from './commands/undo.mjs';
import { audit } from './commands/audit.mjs';
import { daemon } from './commands/daemon.mjs';
import { sandbox } from './commands/sandbox.mjs';
import { users } from './commands/users.mjs';
import { bulk } from './commands/bulk.mjs';
import { review } from './commands/review.mjs';
import { warn } from './commands/warn.mjs';
import { isRefusal, EXIT_REFUSED } from '../errors.mjs';
import { redactor } from '../runner/connect.mjs';

const RUN = { preview, schedules, dashboard, validate, tier, snapshot, run: runCommand, warn, undo, audit, daemon, sandbox, users, bulk, review, help: helpCommand };

let enginePromise;
/** The engine, loaded on first use (so --help works without a built pkg/). */
function loadEngine() {
  enginePromise ??= import('../engine.mjs');
  return enginePromise;
}

/** The version in the repository's package.json. */
function cliVersion() {
  try {
    return JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/**
 * Runs the CLI and returns the exit code. Never throws.
 * @param {string[]} argv  the arguments after the script name
 */
export async function run(argv, { stdout = process.stdout, stderr = process.stderr, stdin = process.stdin, env = process.env } = {}) {
  // The token never reaches the output, whatever a message or a host's answer contains.
  const redact = redactor(env.USER_CLEANUP_TOKEN);
  stdout = redacting(stdout, redact);
  stderr = redacting(stderr, redact);
  const io = createOutput({ stdout, stderr });
  const ctx = {
    io,
    env,
    stdout,
    stderr,
    stdin,
    c: colours(colourEnabled(stdout, env)),
    width: terminalWidth(stdout, env),
    engine: loadEngine,
  };
  let code;
  try {
    code = await dispatch(argv, ctx);
  } catch (e) {
    code = failure(e, io, env);
  }
  io.flush();
  return code;
}

/** A stream whose written text has the secret replaced (isTTY and columns pass through). */
function redacting(stream, redact) {
  return {
    write: (chunk, ...rest) => stream.write(typeof chunk === 'string' ? redact(chunk) : chunk, ...rest),
    get isTTY() {
      return stream.isTTY;
    },
    get columns() {
      return stream.columns;
    },
  };
}

/** The terminal's width; when stdout is not a terminal, $COLUMNS, else 120. */
function terminalWidth(stdout, env) {
  const cols = stdout.columns || Number.parseInt(env.COLUMNS ?? '', 10) || 120;
  return Math.max(40, cols);
}

async function dispatch(argv, ctx) {
  const [first, ...rest] = argv;
  if (first === undefined) {
    ctx.io.err(topUsage());
    return EXIT_BAD_INPUT;
  }
  if (first === '-h' || first === '--help') {
    ctx.io.out(topUsage());
    return EXIT_OK;
  }
  if (first === '-V' || first === '--version') {
    const engine = await ctx.engine();
    ctx.io.out(`${PROG} ${cliVersion()} (engine ${engine.version()})`);
    return EXIT_OK;
  }
  if (first.startsWith('-')) throw new UsageError(`unknown option ${first} (options come after the command)`);
  if (!Object.hasOwn(RUN, first)) {
    const near = closest(first, Object.keys(RUN));
    throw new UsageError(`unknown command ${JSON.stringify(first)}${near ? ` (did you mean ${near}?)` : ''}`);
  }
  // --help wins over everything else on the line (before a "--" terminator).
  const end = rest.indexOf('--');
  const own = end < 0 ? rest : rest.slice(0, end);
  if (own.includes('--help') || own.includes('-h')) {
    ctx.io.out(commandUsage(first));
    return EXIT_OK;
  }
  return RUN[first](rest, ctx);
}

async function helpCommand(argv, ctx) {
  const { positionals } = parseCommand('help', argv);
  if (positionals.length > 1) throw new UsageError('help takes at most one command name', 'help');
  const [name] = positionals;
  if (name === undefined) {
    ctx.io.out(topUsage());
    return EXIT_OK;
  }
  if (!Object.hasOwn(COMMANDS, name)) {
    const near = closest(name, Object.keys(COMMANDS));
    throw new UsageError(`unknown command ${JSON.stringify(name)}${near ? ` (did you mean ${near}?)` : ''}`);
  }
  ctx.io.out(commandUsage(name));
  return EXIT_OK;
}

function failure(e, io, env) {
  if (e instanceof UsageError) {
    const who = e.command ? `${PROG} ${e.command}` : PROG;
    io.err(`${who}: ${sanitize(e.message)}`);
    io.err(`Run "${who} --help" for usage.`);
    return EXIT_BAD_INPUT;
  }
  if (e instanceof InputError) {
    if (e.message) io.err(sanitize(e.message));
    return EXIT_BAD_INPUT;
  }
  if (isRefusal(e)) {
    io.err(sanitize(e.message));
    return EXIT_REFUSED;
  }
  if (e?.code === 'host.notAdmin') {
    io.err(`refused: ${sanitize(e.message)}${e.reason ? ` (${sanitize(e.reason)})` : ''}`);
    return EXIT_REFUSED;
  }
  io.err(`error: ${sanitize(e?.message ?? String(e))}`);
  if (env.USER_CLEANUP_DEBUG && e?.stack) io.err(e.stack);
  return EXIT_UNEXPECTED;
}
