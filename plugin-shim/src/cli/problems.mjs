// Engine problems → lines naming the file (or the command-line flag), the JSON path and the code:
//   policy.json: rules[0].inactveDays: unknown field "inactveDays" in a rule (...) [policy.unknownField]
import { sanitize } from './text.mjs';
import { displayPath } from './io.mjs';

// Engine option names → the flags that set them.
const FLAGS = {
  asOf: '--as-of',
  actor: '--actor',
  from: '--from',
  count: '--count',
  role: '--role',
  targetSeats: '--target-seats',
  headroom: '--headroom',
  nextLowerTier: '--next-lower-tier',
  lowUsageDays: '--low-usage-days',
  inactiveDays: '--inactive-days',
};

/**
 * @param {{code: string, path: string, message: string, source: string}} p
 * @param {{policy?: string, snapshot?: string}} files  paths as given on the command line
 */
export function formatProblem(p, files) {
  const path = sanitize(p.path ?? '');
  let where;
  if (p.source === 'options') {
    const head = path.split(/[.[]/)[0];
    where = FLAGS[head] ?? (path ? `options: ${path}` : 'options');
  } else {
    const file = files[p.source];
    where = file !== undefined ? sanitize(displayPath(file)) : sanitize(p.source ?? 'input');
    if (path) where += `: ${path}`;
  }
  return `${where}: ${sanitize(p.message)} [${sanitize(p.code)}]`;
}

/** Prints warnings ("warning: ...") and, for a failure, the errors; returns true when it failed. */
export function report(result, files, io) {
  for (const w of result.warnings ?? []) io.err(`warning: ${formatProblem(w, files)}`);
  if (result.type === 'success') return false;
  for (const e of result.errors ?? []) io.err(formatProblem(e, files));
  return true;
}
