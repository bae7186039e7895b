// Input files are read as text and handed to the engine as text (its fast path); output is
// collected and written in one go.
import { readFileSync } from 'node:fs';
import { InputError } from './errors.mjs';

const REASONS = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'is a directory, not a file',
  ENOTDIR: 'a part of the path is not a directory',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'the path is too long',
};

/**
 * The text of an input file ("-" = stdin). A missing or unreadable file is an InputError naming
 * the path. A UTF-8 byte order mark is dropped.
 * @param {string} path
 * @param {string} what  "policy" | "snapshot"
 */
export function readInput(path, what) {
  let text;
  try {
    text = readFileSync(path === '-' ? 0 : path, 'utf8');
  } catch (e) {
    const why = REASONS[e.code] ?? e.message;
    throw new InputError(`${displayPath(path)}: cannot read the ${what} file: ${why}`);
  }
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

export function displayPath(path) {
  return path === '-' ? '<stdin>' : path;
}

/** Parses JSON the engine has already accepted, for display details (rule order, schedule rules). */
export function parseQuietly(text) {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** Line sinks for stdout and stderr. Output is buffered and flushed once (large tables, pipes). */
export function createOutput({ stdout = process.stdout, stderr = process.stderr } = {}) {
  const outLines = [];
  return {
    out(...lines) {
      outLines.push(...lines);
    },
    err(...lines) {
      for (const l of lines) stderr.write(`${l}\n`);
    },
    flush() {
      if (outLines.length) stdout.write(`${outLines.join('\n')}\n`);
      outLines.length = 0;
    },
  };
}
