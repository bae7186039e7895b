// Creating files that hold what Jira said about people (Node only): audit trails, snapshots, CSV
// exports, daemon logs and state. They are created readable by their owner only (mode 0600; the
// umask can only take more away), and never through a symbolic link someone planted: a path that
// is a symlink is refused (O_NOFOLLOW), and a temporary file is created exclusively (O_EXCL) under
// a random name, so another local user can neither predict it nor have it exist already.
// Files that already exist keep their mode (an administrator may have chosen it).
import { openSync, writeSync, fsyncSync, closeSync, renameSync, unlinkSync, constants } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';

export const SECURE_MODE = 0o600;

const { O_WRONLY, O_RDWR, O_CREAT, O_EXCL, O_APPEND, O_TRUNC, O_RDONLY } = constants;
// Windows has no O_NOFOLLOW (nor symlinks an unprivileged user can plant in the same way).
const O_NOFOLLOW = constants.O_NOFOLLOW ?? 0;

const FLAGS = {
  r: O_RDONLY,
  'r+': O_RDWR,
  w: O_WRONLY | O_CREAT | O_TRUNC,
  wx: O_WRONLY | O_CREAT | O_EXCL,
  'w+': O_RDWR | O_CREAT | O_TRUNC,
  a: O_WRONLY | O_CREAT | O_APPEND,
  ax: O_WRONLY | O_CREAT | O_APPEND | O_EXCL,
  'a+': O_RDWR | O_CREAT | O_APPEND,
};

export class FileError extends Error {
  constructor(path, e) {
    const why =
      e.code === 'ELOOP' || e.code === 'EMLINK'
        ? 'it is a symbolic link, which is not followed (a link planted there could redirect the write)'
        : e.code === 'EEXIST'
          ? 'it already exists'
          : e.code === 'EACCES' || e.code === 'EPERM'
            ? 'permission denied'
            : e.code === 'ENOENT'
              ? 'no such directory'
              : e.code === 'EISDIR'
                ? 'it is a directory'
                : e.message;
    super(`${path}: cannot write: ${why}`);
    this.name = 'FileError';
    this.code = e.code;
    this.path = path;
  }
}

/**
 * Opens a file without following a symlink at `path`; a file it creates gets mode 0600.
 * `flags` is one of fs's flag strings ('a', 'a+', 'w', 'wx', ...) or a number.
 * @returns {number} a file descriptor
 */
export function openSecure(path, flags = 'a') {
  const bits = typeof flags === 'number' ? flags : FLAGS[flags];
  if (bits === undefined) throw new TypeError(`openSecure: unsupported flags ${JSON.stringify(flags)}`);
  try {
    return openSync(path, bits | O_NOFOLLOW, SECURE_MODE);
  } catch (e) {
    throw new FileError(path, e);
  }
}

/** A temporary name next to `path` that nobody can guess: `.<name>.<128 random bits>.tmp`. */
export function tempPathFor(path, random = () => randomBytes(16).toString('hex')) {
  return join(dirname(path), `.${basename(path)}.${random()}.tmp`);
}

function writeAll(fd, data) {
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data);
  let off = 0;
  while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
}

/**
 * Writes a whole file atomically: into a temporary file created exclusively (O_EXCL | O_NOFOLLOW,
 * 0600) next to it, fsync'd, then renamed over `path`. Readers see the old or the new content,
 * never half; a symlink at `path` is replaced, not followed. A name that exists already (a file or
 * link planted there) is never opened: another random name is tried.
 * @param {string} path
 * @param {string|Uint8Array} data
 * @param {{random?: () => string}} [o]  the random part of the temporary name (tests)
 */
export function writeSecure(path, data, o = {}) {
  let tmp;
  let fd;
  for (let attempt = 0; ; attempt++) {
    tmp = tempPathFor(path, o.random);
    try {
      fd = openSync(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, SECURE_MODE);
      break;
    } catch (e) {
      if (e.code !== 'EEXIST' || attempt >= 8) throw new FileError(path, e);
    }
  }
  try {
    writeAll(fd, data);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {}
    throw e instanceof FileError ? e : new FileError(path, e);
  }
}

/** Appends text to a file (created 0600, never through a symlink); one write, then closed. */
export function appendSecure(path, data) {
  const fd = openSecure(path, 'a');
  try {
    writeAll(fd, data);
  } finally {
    closeSync(fd);
  }
}
