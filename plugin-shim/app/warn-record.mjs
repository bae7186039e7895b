// The record of warning emails, kept in the Jira store (browser-safe: the page reads it for the
// Preview and the Dashboard; the CLI and the daemon write it through the same store module).
//
// Properties on the storage account (store.mjs), an append-only log cut into chunks:
//   com.usercleanup.warnings.<nnnnn>  {format: "user-cleanup/warnings", formatVersion: 1, chunk: n,
//                                       entries: [{user, rule, state, at, messageId, cycle, code?, reason?}]}
//   state: "intent" (about to send) | "sent" | "failed" | "skipped" (no email address: never sent)
// Appending rewrites the last chunk while it has room, then starts the next: nothing else is
// rewritten. Writers are serialised by the run lease (the CLI's warn and the daemon hold it).
//
// Everything read back is untrusted: an entry of the wrong shape is left out and reported in
// `problems`, never passed to the engine.
import { MAX_VALUE_LENGTH, lc } from './store.mjs';

export const WARNINGS_PREFIX = 'com.usercleanup.warnings.';
export const WARNINGS_FORMAT = 'user-cleanup/warnings';
const CHUNK_KEY = /^com\.usercleanup\.warnings\.(\d{5})$/;
const STATES = new Set(['intent', 'sent', 'failed', 'skipped']);
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;
// Leave room for the envelope and JSON escaping growth when a chunk is rewritten.
const CHUNK_BUDGET = MAX_VALUE_LENGTH - 1024;
export const pairKey = (user, rule) => `${lc(user)}\u0000${lc(rule)}`;

function validEntry(e) {
  if (!e || typeof e !== 'object' || Array.isArray(e)) return 'not an object';
  for (const f of ['user', 'rule', 'messageId', 'cycle']) if (typeof e[f] !== 'string' || e[f] === '' || e[f].length > 512) return `${f} is not a short text`;
  if (!STATES.has(e.state)) return `state ${JSON.stringify(e.state)} is not one of intent, sent, failed, skipped`;
  if (typeof e.at !== 'string' || !INSTANT.test(e.at) || Number.isNaN(Date.parse(e.at))) return 'at is not a UTC instant';
  return null;
}

/** Reads every chunk in order → {entries, problems, chunks: [{key, n, size}]}. */
export async function readWarningRecord(store) {
  // An active or licensed storage account could have rewritten the record (a forged "sent" lets a
  // rule act on an unwarned user): refuse, as the store refuses the policy and the trail.
  const st = await store.accountStatus?.();
  if (st && !st.ok) {
    throw Object.assign(new Error(`The record of warnings sent cannot be used: ${st.message} ${st.fix ?? ''}`.trim()), { code: st.problem === 'missing' ? 'store.noAccount' : 'store.unsafeAccount' });
  }
  const keys = (await store.listKeys()).filter((k) => CHUNK_KEY.test(k)).sort();
  const entries = [];
  const problems = [];
  const chunks = [];
  for (const key of keys) {
    const v = await store.getProp(key);
    const n = Number(CHUNK_KEY.exec(key)[1]);
    if (!v || v.format !== WARNINGS_FORMAT || v.formatVersion !== 1 || !Array.isArray(v.entries)) {
      problems.push({ key, message: `${key} is not a User Cleanup warnings record; it is ignored` });
      continue;
    }
    chunks.push({ key, n, size: JSON.stringify(v).length, value: v });
    v.entries.forEach((e, i) => {
      const bad = validEntry(e);
      if (bad) problems.push({ key, message: `${key} entries[${i}]: ${bad}; it is ignored` });
      else {
        const { user, rule, state, at, messageId, cycle } = e;
        entries.push({
          user, rule, state, at, messageId, cycle,
          ...(typeof e.code === 'string' ? { code: e.code.slice(0, 100) } : {}),
          ...(typeof e.reason === 'string' ? { reason: e.reason.slice(0, 2000) } : {}),
          ...(typeof e.runId === 'string' ? { runId: e.runId.slice(0, 100) } : {}),
        });
      }
    });
  }
  return { entries, problems, chunks };
}

/** An appender for the record: `append(entry)` resolves once the entry is stored in Jira. */
export async function openWarningRecord(store) {
  const read = await readWarningRecord(store);
  let last = read.chunks.at(-1) ?? null;
  let lastValue = last?.value ?? null;
  const entries = [...read.entries];
  let queue = Promise.resolve();
  async function write(entry) {
    const bad = validEntry(entry);
    if (bad) throw Object.assign(new Error(`a warning record entry is invalid: ${bad}`), { code: 'warn.badEntry' });
    const size = JSON.stringify(entry).length + 1;
    if (!lastValue || JSON.stringify(lastValue).length + size > CHUNK_BUDGET) {
      const n = last ? last.n + 1 : 0;
      last = { key: `${WARNINGS_PREFIX}${String(n).padStart(5, '0')}`, n };
      lastValue = { format: WARNINGS_FORMAT, formatVersion: 1, chunk: n, entries: [] };
    }
    const next = { ...lastValue, entries: [...lastValue.entries, entry] };
    await store.putProp(last.key, next);
    lastValue = next;
    entries.push(entry);
    return entry;
  }
  return {
    entries,
    problems: read.problems,
    append(entry) {
      const p = queue.then(() => write(entry));
      queue = p.catch(() => {});
      return p;
    },
  };
}

/**
 * What the record says, per warning (messageId):
 *   sent:      [{user, rule, sentAt}] — only warnings known to be SENT (the engine's `sent`)
 *   maybeSent: [{user, rule, messageId, at}] — an intent with no result (a crash between sending
 *              and recording): never sent again, and never counted as sent (see docs/warnings.md)
 *   byId:      Map(messageId → {state, entries}) — the latest state of each warning
 */
export function foldWarnings(entries) {
  const byId = new Map();
  for (const e of entries) {
    let w = byId.get(e.messageId);
    if (!w) byId.set(e.messageId, (w = { messageId: e.messageId, user: e.user, rule: e.rule, cycle: e.cycle, state: null, at: null, entries: [] }));
    w.entries.push(e);
    // A result settles the intent before it; a later intent (a retry of a failed send) reopens it.
    w.state = e.state;
    w.at = e.at;
    if (e.code) w.code = e.code;
    if (e.reason) w.reason = e.reason;
  }
  const sent = [];
  const maybeSent = [];
  for (const w of byId.values()) {
    if (w.state === 'sent') sent.push({ user: w.user, rule: w.rule, sentAt: w.at });
    else if (w.state === 'intent') maybeSent.push({ user: w.user, rule: w.rule, messageId: w.messageId, at: w.at });
  }
  return { sent, maybeSent, byId };
}

/** The engine's `sent` from the store (an empty list when nothing is recorded). */
export async function loadSent(store) {
  const { entries, problems } = await readWarningRecord(store);
  const f = foldWarnings(entries);
  return { sent: f.sent, maybeSent: f.maybeSent, problems, entries };
}

/** Whether a policy (text or object) has a rule with `warn`. */
export function policyWarns(policy) {
  try {
    const p = typeof policy === 'string' ? JSON.parse(policy) : policy;
    return Array.isArray(p?.rules) && p.rules.some((r) => r && typeof r === 'object' && r.warn);
  } catch {
    return false;
  }
}
