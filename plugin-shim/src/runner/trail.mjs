// The audit trail file (Node): append-only JSON lines with a hash chain (chain.mjs), one fsync per
// record, so a record whose append returned survives kill -9 and power loss. Created 0600 and never
// through a symlink (files.mjs). With an audit key every record is also MACed (chain.mjs); a trail
// is keyed or not from its first record on, and is only ever extended the same way.
import { writeSync, fsyncSync, closeSync, readFileSync, existsSync, ftruncateSync, fstatSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { seal, verifyText, macKey } from './chain.mjs';
import { openSecure } from './files.mjs';

/** The environment variable that holds the audit key (the CLI and the daemon). */
export const AUDIT_KEY_ENV = 'USER_CLEANUP_AUDIT_KEY';
const MIN_KEY_BYTES = 16;

export class TrailError extends Error {
  constructor(message) {
    super(message);
    this.name = 'TrailError';
  }
}

/**
 * The audit key, or null when none is configured: the content of `file` (--audit-key-file) when
 * given, else the environment variable USER_CLEANUP_AUDIT_KEY. Trailing line breaks of a file are
 * not part of the key. The key is never echoed in a message.
 * @param {{env?: Record<string, string|undefined>, file?: string}} o
 * @returns {Uint8Array|null}
 */
export function loadAuditKey({ env = {}, file } = {}) {
  let bytes;
  let source;
  if (file !== undefined) {
    source = `--audit-key-file ${file}`;
    let raw;
    try {
      raw = readFileSync(file);
    } catch (e) {
      throw new TrailError(`${file}: cannot read the audit key file: ${e.code === 'ENOENT' ? 'no such file' : e.code === 'EACCES' ? 'permission denied' : e.code === 'EISDIR' ? 'is a directory' : e.message}`);
    }
    let end = raw.length;
    while (end > 0 && (raw[end - 1] === 0x0a || raw[end - 1] === 0x0d)) end--;
    bytes = new Uint8Array(raw.subarray(0, end));
  } else {
    const v = env[AUDIT_KEY_ENV];
    if (v === undefined || v === '') return null;
    source = AUDIT_KEY_ENV;
    bytes = new TextEncoder().encode(v);
  }
  if (bytes.length < MIN_KEY_BYTES) {
    throw new TrailError(`the audit key from ${source} is too short: it needs at least ${MIN_KEY_BYTES} bytes (e.g. openssl rand -hex 32)`);
  }
  return bytes;
}

/** Reads and verifies a trail (and its macs when `key` is given); throws TrailError when it is broken. Missing file = empty. */
export async function readTrail(path, { mustExist = false, key = null } = {}) {
  if (!existsSync(path)) {
    if (mustExist) throw new TrailError(`${path}: no such audit trail`);
    return { records: [], warnings: [], macs: { checked: Boolean(key), present: 0 } };
  }
  const result = await verifyText(readFileSync(path, 'utf8'), { key });
  if (!result.ok) throw new TrailError(`${path}: the audit trail does not verify: ${result.error.message}`);
  return result;
}

/**
 * Opens a trail for appending. The existing content must verify (we never extend a broken chain),
 * except a torn last line (a write cut by a crash, no newline at the end), which is dropped and
 * recorded as a `repaired` record. With `key` (loadAuditKey()) every record appended carries a
 * mac, and the existing records must carry valid ones; a keyed trail is refused without the key
 * and an unkeyed one with it (a mixed trail could not be verified either way).
 * @param {string} path
 * @param {{now?: () => Date, key?: Uint8Array|string|null}} [o]
 */
export async function openTrail(path, { now = () => new Date(), key = null } = {}) {
  const k = key == null ? null : await macKey(key);
  mkdirSync(dirname(path), { recursive: true });
  let fd;
  try {
    fd = openSecure(path, 'a+');
  } catch (e) {
    throw new TrailError(e.message);
  }
  let text = readFileSync(fd, 'utf8');
  let torn = null;
  if (text !== '' && !text.endsWith('\n')) {
    const cut = text.lastIndexOf('\n') + 1;
    torn = text.slice(cut);
    ftruncateSync(fd, Buffer.byteLength(text.slice(0, cut)));
    fsyncSync(fd);
    text = text.slice(0, cut);
  }
  const verified = await verifyText(text, { key: k });
  if (!verified.ok) {
    closeSync(fd);
    if (verified.error.problem === 'missingMac' && verified.error.line === 1) {
      throw new TrailError(`${path}: this audit trail was started without an audit key, so it cannot be continued with one: use a new trail file with the key (or run without the key)`);
    }
    throw new TrailError(`${path}: the audit trail does not verify, refusing to append: ${verified.error.message}`);
  }
  if (!k && verified.macs.present > 0) {
    closeSync(fd);
    throw new TrailError(`${path}: this audit trail is keyed (its records carry MACs): give its key (${AUDIT_KEY_ENV} or --audit-key-file) to append to it`);
  }
  let last = verified.records.at(-1) ?? null;
  let queue = Promise.resolve();
  const trail = {
    path,
    records: verified.records,
    /** Appends one record (seq, at, prevHash, hash added); resolves once it is on disk. */
    append(fields) {
      const p = queue.then(async () => {
        const record = await seal({ at: now().toISOString(), ...fields }, last, k);
        const line = Buffer.from(`${JSON.stringify(record)}\n`, 'utf8');
        let off = 0;
        while (off < line.length) off += writeSync(fd, line, off, line.length - off);
        fsyncSync(fd);
        last = record;
        trail.records.push(record);
        return record;
      });
      queue = p.catch(() => {});
      return p;
    },
    async close() {
      await queue;
      closeSync(fd);
    },
    size() {
      return fstatSync(fd).size;
    },
  };
  if (torn !== null) {
    await trail.append({ type: 'repaired', runId: null, droppedBytes: Buffer.byteLength(torn), note: 'a torn last line (a write cut short by a crash) was dropped' });
  }
  return trail;
}
