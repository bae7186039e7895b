#!/usr/bin/env node
// user-cleanup: preview, schedules, dashboard, validate and tier planning over the rules engine.
// Usage: user-cleanup <command> [options]   (user-cleanup --help)
// Exit codes: 0 done, 2 bad command line or input (problems on stderr), 1 unexpected error.

// Output cut short by the reader (`user-cleanup preview ... | head`) is not an error.
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

try {
  const { run } = await import('../src/cli/main.mjs');
  process.exitCode = await run(process.argv.slice(2));
} catch (e) {
  // Only reached when the CLI itself cannot load; run() reports everything else.
  process.stderr.write(`error: ${e?.message ?? e}\n`);
  if (process.env.USER_CLEANUP_DEBUG && e?.stack) process.stderr.write(`${e.stack}\n`);
  process.exitCode = 1;
}
