// The audit trail file (Node): append-only JSON lines with a hash chain (chain.mjs), one fsync per
// record, so a record whose append returned survives kill -9 and power loss.
import { openSync, writeSync, fsyncSync, closeSync, readFileSync, existsSync, ftruncateSync, fstatSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { seal, verifyText } from './chain.mjs';

export class TrailError extends Error {
  constructor(message) {
    super(message);
    this.name = 'TrailError';
  }
}

/** Reads and verifies a trail; throws TrailError when it is broken. Missing file = empty. */
export async function readTrail(path, { mustExist = false } = {}) {
  if (!existsSync(path)) {
    if (mustExist) throw new TrailError(`${path}: no such audit trail`);
    return { records: [], warnings: [] };
  }
  const result = await verifyText(readFileSync(path, 'utf8'));
  if (!result.ok) throw new TrailError(`${path}: the audit trail does not verify: ${result.error.message}`);
  return result;
}

/**
 * Opens a trail for appending. The existing content must verify (we never extend a broken chain),
 * except a torn last line (a write cut by a crash, no newline at the end), which is dropped and
 * recorded as a `repaired` record.
 */
export async function openTrail(path, { now = () => new Date() } = {}) {
  mkdirSync(dirname(path), { recursive: true });
  const fd = openSync(path, 'a+');
  let text = readFileSync(fd, 'utf8');
  let torn = null;
  if (text !== '' && !text.endsWith('\n')) {
    const cut = text.lastIndexOf('\n') + 1;
    torn = text.slice(cut);
    ftruncateSync(fd, Buffer.byteLength(text.slice(0, cut)));
    fsyncSync(fd);
    text = text.slice(0, cut);
  }
  const verified = await verifyText(text);
  if (!verified.ok) {
    closeSync(fd);
    throw new TrailError(`${path}: the audit trail does not verify, refusing to append: ${verified.error.message}`);
  }
  let last = verified.records.at(-1) ?? null;
  let queue = Promise.resolve();
  const trail = {
    path,
    records: verified.records,
    /** Appends one record (seq, at, prevHash, hash added); resolves once it is on disk. */
    append(fields) {
      const p = queue.then(async () => {
        const record = await seal({ at: now().toISOString(), ...fields }, last);
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
