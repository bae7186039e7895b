// The audit trail's hash chain (browser-safe: no Node imports).
//
// A trail is JSON lines. Record n (1-based `seq`) is `{seq, at, runId, type, ..., prevHash, hash}`
// where `hash` = SHA-256 hex of the canonical JSON of the record without `hash`, and `prevHash` is
// the previous record's `hash` (GENESIS for the first). Any edit, removal, insertion or reordering
// breaks either a hash, a prevHash link or the seq sequence at the first affected line.
import { canonicalJson, sha256Hex } from './hash.mjs';

export const GENESIS = '0'.repeat(64);

/** The hash of a record (its `hash` member, if any, is ignored). */
export async function recordHash(record) {
  const { hash: _ignored, ...rest } = record;
  return sha256Hex(canonicalJson(rest));
}

/** Completes a record with seq, prevHash and hash, given the previous record (or null). */
export async function seal(fields, prev) {
  const { seq: _s, at, runId, type, prevHash: _p, hash: _h, ...rest } = fields;
  const record = { seq: prev ? prev.seq + 1 : 1, at, runId, type, ...rest, prevHash: prev ? prev.hash : GENESIS };
  record.hash = await recordHash(record);
  return record;
}

/**
 * Verifies the text of a trail. Returns `{ ok, records, count, error?, warnings }` where `error` is
 * `{ line, problem, message }` for the first bad line (1-based line numbers).
 */
export async function verifyText(text) {
  const records = [];
  const warnings = [];
  if (text === '') return { ok: true, records, count: 0, warnings };
  const lines = text.split('\n');
  const endsWithNewline = lines[lines.length - 1] === '';
  if (endsWithNewline) lines.pop();
  let prev = null;
  for (let i = 0; i < lines.length; i++) {
    const line = i + 1;
    const bad = (problem, message) => ({ ok: false, records, count: records.length, warnings, error: { line, problem, message } });
    const isLast = i === lines.length - 1;
    let record;
    try {
      record = JSON.parse(lines[i]);
    } catch {
      if (isLast && !endsWithNewline) return bad('truncated', `line ${line} is cut short (not a whole JSON record): the trail was truncated`);
      return bad('notJson', `line ${line} is not a JSON record`);
    }
    if (record === null || typeof record !== 'object' || Array.isArray(record)) return bad('notRecord', `line ${line} is not a JSON object`);
    if (typeof record.hash !== 'string' || typeof record.prevHash !== 'string' || !Number.isSafeInteger(record.seq)) {
      return bad('missingFields', `line ${line} has no seq / prevHash / hash`);
    }
    const expectedSeq = prev ? prev.seq + 1 : 1;
    if ((await recordHash(record)) !== record.hash) {
      return bad('edited', `line ${line} (seq ${record.seq}) was edited: its hash does not match its content`);
    }
    if (record.prevHash !== (prev ? prev.hash : GENESIS) || record.seq !== expectedSeq) {
      const what =
        record.seq > expectedSeq
          ? `record(s) ${expectedSeq}..${record.seq - 1} before it were removed`
          : record.seq < expectedSeq
            ? 'it is out of order (reordered or duplicated)'
            : 'its link to the previous record is broken (removed, inserted or reordered records)';
      return bad(record.seq > expectedSeq ? 'removed' : 'reordered', `line ${line} (seq ${record.seq}): expected seq ${expectedSeq}; ${what}`);
    }
    records.push(record);
    prev = record;
  }
  if (!endsWithNewline) warnings.push('the last line has no newline at the end');
  const started = new Map();
  for (const r of records) {
    if (r.type === 'runStarted' || r.type === 'undoStarted') started.set(r.runId, r);
    if (r.type === 'runFinished' || r.type === 'undoFinished') started.delete(r.runId);
  }
  for (const id of started.keys()) {
    warnings.push(`run ${id} has no finishing record (interrupted — resume it with run --resume — or the end of the trail was cut off)`);
  }
  return { ok: true, records, count: records.length, warnings };
}
