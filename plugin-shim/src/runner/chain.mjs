// The audit trail's hash chain (browser-safe: no Node imports).
//
// A trail is JSON lines. Record n (1-based `seq`) is `{seq, at, runId, type, ..., prevHash, hash, mac?}`
// where `hash` = SHA-256 hex of the canonical JSON of the record without `hash` and `mac`, and
// `prevHash` is the previous record's `hash` (GENESIS for the first). Any edit, removal, insertion
// or reordering breaks either a hash, a prevHash link or the seq sequence at the first affected line.
//
// The chain alone proves order and integrity only against someone who cannot recompute it: anyone
// who can write the file can also re-seal an edited trail. With a secret key (the CLI's and the
// daemon's USER_CLEANUP_AUDIT_KEY / --audit-key-file) every record also carries
// `mac` = HMAC-SHA256(key, hash) (hex), which nobody without the key can compute; a keyed trail is
// verified with the key, and then every record must carry a valid mac.
import { canonicalJson, sha256Hex, subtle } from './hash.mjs';

export const GENESIS = '0'.repeat(64);

/** The hash of a record (its `hash` and `mac` members, if any, are ignored). */
export async function recordHash(record) {
  const { hash: _ignored, mac: _mac, ...rest } = record;
  return sha256Hex(canonicalJson(rest));
}

/**
 * An HMAC-SHA256 key for sealing and verifying macs, from the secret (text as UTF-8, or bytes).
 * The CryptoKey is not extractable: the secret cannot be read back from it.
 */
export async function macKey(secret) {
  const bytes = typeof secret === 'string' ? new TextEncoder().encode(secret) : secret;
  if (!bytes || bytes.length === 0) throw new TypeError('the audit key is empty');
  return subtle().importKey('raw', bytes, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
}

const isCryptoKey = (k) => k && typeof k === 'object' && k.type === 'secret' && k.algorithm?.name === 'HMAC';
const asKey = async (key) => (key == null ? null : isCryptoKey(key) ? key : macKey(key));

/** HMAC-SHA256(key, hash) as lowercase hex; `key` from macKey(). */
export async function recordMac(key, hash) {
  const sig = await subtle().sign('HMAC', key, new TextEncoder().encode(hash));
  return Array.from(new Uint8Array(sig), (b) => b.toString(16).padStart(2, '0')).join('');
}

async function macMatches(key, hash, mac) {
  if (typeof mac !== 'string' || !/^[0-9a-f]{64}$/.test(mac)) return false;
  const bytes = new Uint8Array(32);
  for (let k = 0; k < 32; k++) bytes[k] = Number.parseInt(mac.slice(2 * k, 2 * k + 2), 16);
  // subtle.verify compares in constant time.
  return subtle().verify('HMAC', key, bytes, new TextEncoder().encode(hash));
}

/**
 * Completes a record with seq, prevHash and hash, given the previous record (or null), and with
 * `mac` when a key (macKey()'s CryptoKey, or the secret) is given.
 */
export async function seal(fields, prev, key = null) {
  const { seq: _s, at, runId, type, prevHash: _p, hash: _h, mac: _m, ...rest } = fields;
  const record = { seq: prev ? prev.seq + 1 : 1, at, runId, type, ...rest, prevHash: prev ? prev.hash : GENESIS };
  record.hash = await recordHash(record);
  const k = await asKey(key);
  if (k) record.mac = await recordMac(k, record.hash);
  return record;
}

/**
 * Verifies the text of a trail. Returns `{ ok, records, count, error?, warnings, macs }` where
 * `error` is `{ line, problem, message }` for the first bad line (1-based line numbers) and
 * `macs` is `{ checked, present }`: whether macs were verified (a key was given) and how many
 * records carry one. With a key every record must carry a mac that the key confirms
 * (problems `missingMac`, `badMac`); without one, macs are not checked.
 * @param {string} text
 * @param {{key?: CryptoKey|string|Uint8Array|null}} [o]
 */
export async function verifyText(text, { key = null } = {}) {
  const records = [];
  const warnings = [];
  const k = await asKey(key);
  const macs = { checked: Boolean(k), present: 0 };
  if (text === '') return { ok: true, records, count: 0, warnings, macs };
  const lines = text.split('\n');
  const endsWithNewline = lines[lines.length - 1] === '';
  if (endsWithNewline) lines.pop();
  let prev = null;
  for (let i = 0; i < lines.length; i++) {
    const line = i + 1;
    const bad = (problem, message) => ({ ok: false, records, count: records.length, warnings, macs, error: { line, problem, message } });
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
    if (record.mac !== undefined) macs.present += 1;
    if (k) {
      if (record.mac === undefined) {
        return bad('missingMac', `line ${line} (seq ${record.seq}) has no MAC, but the trail is verified with a key: it was written without the key, or its MAC was removed`);
      }
      if (!(await macMatches(k, record.hash, record.mac))) {
        return bad('badMac', `line ${line} (seq ${record.seq}): its MAC does not match: the record was changed and re-sealed by someone without the key (or the key is not the one it was written with)`);
      }
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
  return { ok: true, records, count: records.length, warnings, macs };
}
