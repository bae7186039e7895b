// What the commands have in common: required flags, row limits, reading inputs, engine results.
import { UsageError, InputError } from '../errors.mjs';
import { wholeNumber } from '../args.mjs';
import { readInput } from '../io.mjs';
import { report } from '../problems.mjs';

export function requireFlags(values, flags, command) {
  const missing = flags.filter((f) => values[f] === undefined);
  if (missing.length) {
    throw new UsageError(`missing ${missing.map((f) => `--${f}`).join(' and ')}`, command);
  }
}

/** Rows per table: --all = every row, --limit N, else 50. */
export function rowLimit(values, command) {
  if (values.all) return Infinity;
  return wholeNumber(values.limit, 'limit', command) ?? 50;
}

/** Reads the given files as text, refusing two of them on stdin. */
export function readFiles(files, command) {
  const fromStdin = Object.entries(files).filter(([, p]) => p === '-');
  if (fromStdin.length > 1) throw new UsageError('only one input can be read from stdin ("-")', command);
  const texts = {};
  for (const [what, path] of Object.entries(files)) {
    if (path !== undefined) texts[what] = readInput(path, what);
  }
  return texts;
}

/** Prints the result's warnings (and errors); a failure ends the command with exit 2. */
export function expectSuccess(result, files, io) {
  // The problems are the message: nothing more to print.
  if (report(result, files, io)) throw new InputError('');
  return result.value;
}

/** The options object without the keys that were not given. */
export function defined(options) {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
}
