// Where User Cleanup keeps its shared data inside Jira: the policy and the audit trail, as JSON
// entity properties on one dedicated Jira account (user properties,
// /rest/api/2/user/properties/{key}?username=). Works in the browser (same-origin session) and in
// Node (PAT); only fetch and URL are used.
//
// Why user properties: a resources-only app (no Java) has no storage of its own, and Jira DC's
// REST API offers JSON entity properties on issues, projects, comments, issue types, dashboard
// items and users. User properties need no project or issue (whose visibility depends on
// permission schemes), and any Jira administrator may read and write the properties of any user,
// so every admin sees the same policy. The account holding them ("user-cleanup" by default,
// `storageUser` to choose another) is created without application access and deactivated, so it
// holds no licence and no cleanup rule can select it (inactive users are never actioned).
// Limits: a property value is at most 32,768 characters of JSON (EntityConstants
// .EXTREMELY_LONG_MAXIMUM_LENGTH in Jira's entity-property manager) and a key at most 255; the
// properties are deleted if the account is deleted. Fallback: Export/Import of the policy as a
// JSON file, and the runner's own JSON-lines trail files.
//
// Keys:
//   com.usercleanup.policy                 {format: "user-cleanup/policy", formatVersion: 1, revision,
//                                            savedAt, savedBy, policy: <the policy object>}
//   com.usercleanup.audit.<runId>.<nnnnn>  {format: "user-cleanup/audit", formatVersion: 1, runId,
//                                            chunk: n, text: "<JSON lines>"}
//   com.usercleanup.trail.head             {seq, hash, runId, at, writer}: the last record of the stored chain
//   com.usercleanup.trail.lock.<writer>.<nonce>   {writer, at}: held while one page session appends
//   com.usercleanup.lease.<name>.<owner>   {format: "user-cleanup/lease", name, owner, node, claimedAt, expiresAt,
//                                            state: claiming|held|done, runId?, result?}: the run lease ("run") and
//                                            the daemons' slot leases ("slot.<schedule>.<instant>"), see claimLease
//   com.usercleanup.heartbeat.<daemonId>   {format: "user-cleanup/heartbeat", daemonId, host, version, pid, started,
//                                            lastPoll, pollSeconds, schedules: [...]}
// The trail is ONE hash chain (chain.mjs) over every run; each run's records are kept in that
// run's chunks (their `text` concatenated, in chunk order, is JSON lines, cut wherever the
// 32,768-character limit falls, so a record may span chunks). Appending rewrites the run's last
// chunk while it has room, then adds chunks; nothing else is rewritten. The stored trail is the
// chain that ends at the head, followed back through prevHash to the first record: records a
// failed append left behind (not reachable from the head) are not part of it.
//
// Appends never fork the chain (compare-and-set). Jira's properties have no atomic
// compare-and-set, so an append takes a short lock first: it lists the lock keys, and if none is
// held it writes its own and lists again; seeing any other lock it withdraws and retries after a
// random wait, so of two sessions that race at most one proceeds (each sees the other's lock).
// Holding the lock it re-reads the head; when another session appended since (the head is not the
// tail this session knows), it gets the newer records to continue the chain from the new tail
// (the caller re-seals its records not yet stored on top of it). It then writes the records,
// checks that its lock is still there, moves the head and releases the lock. A lock seen
// unchanged for LOCK_STALE_MS belongs to a session that died mid-append and is removed.
//
// The storage account must be safe (accountStatus): it exists, is inactive (an active account
// could log in and rewrite its own properties, the trail included) and holds no application role
// (no licence). Otherwise loading, saving and appending refuse with code 'store.unsafeAccount'.

export const POLICY_KEY = 'com.usercleanup.policy';
export const AUDIT_PREFIX = 'com.usercleanup.audit.';
export const HEAD_KEY = 'com.usercleanup.trail.head';
export const LOCK_PREFIX = 'com.usercleanup.trail.lock.';
export const LEASE_PREFIX = 'com.usercleanup.lease.';
export const HEARTBEAT_PREFIX = 'com.usercleanup.heartbeat.';
export const RUN_LEASE = 'run';
export const MAX_VALUE_LENGTH = 32768;
export const MAX_KEY_LENGTH = 255;
export const DEFAULT_STORAGE_USER = 'user-cleanup';
export const LOCK_STALE_MS = 20_000;
const LOCK_WAIT_MS = 120_000;
const STATUS_TTL_MS = 30_000;
const GENESIS = '0'.repeat(64);
const AUDIT_KEY = /^com\.usercleanup\.audit\.(.+)\.(\d{5})$/;

export class StoreError extends Error {
  constructor(code, message, extra = {}) {
    super(message);
    this.name = 'StoreError';
    this.code = code;
    Object.assign(this, extra);
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const randomId = () => Array.from(globalThis.crypto.getRandomValues(new Uint8Array(6)), (b) => b.toString(16).padStart(2, '0')).join('');
/** The comparison key of a user or group name (Jira compares them case-insensitively). */
export const lc = (s) => String(s).toLowerCase();
/** `s` as a safe part of a property key (letters, digits, _ and -; others as ~hex), at most `max` characters. */
export const keyPart = (s, max = 80) => String(s).replace(/[^A-Za-z0-9_-]/g, (c) => `~${c.charCodeAt(0).toString(16)}`).slice(0, max);

/**
 * @param {object} o
 * @param {string} o.baseUrl  Jira base URL with context path
 * @param {typeof fetch} [o.fetch]
 * @param {string} [o.token]  PAT (Node); the browser uses the session cookie
 * @param {string} [o.storageUser]  the account holding the properties ('user-cleanup')
 * @param {string} [o.writer]  this session's name in locks and the head (random by default)
 * @param {number} [o.lockStaleMs]  how long another session's lock may stay unchanged before it is taken as dead
 */
export function createStore(o) {
  const base = String(o.baseUrl).replace(/\/+$/, '');
  const f = o.fetch ?? globalThis.fetch.bind(globalThis);
  const account = o.storageUser || DEFAULT_STORAGE_USER;
  const writer = o.writer ?? randomId();
  const lockStaleMs = o.lockStaleMs ?? LOCK_STALE_MS;
  let queue = Promise.resolve();
  let statusP = null;
  let statusAt = 0;
  const chunkCache = new Map(); // audit key -> {text, final} (what this session last read or wrote)

  async function call(method, path, { query = {}, body } = {}) {
    const u = new URL(base + path);
    for (const [k, v] of Object.entries(query)) u.searchParams.set(k, String(v));
    const headers = { Accept: 'application/json' };
    if (o.token) headers.Authorization = `Bearer ${o.token}`;
    if (method !== 'GET') headers['X-Atlassian-Token'] = 'no-check';
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let r;
    for (let attempt = 1; ; attempt++) {
      try {
        r = await f(u.href, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: o.token ? 'omit' : 'same-origin' });
      } catch (e) {
        if (attempt < 3) continue; // PUT/GET/DELETE of a property are idempotent
        throw new StoreError('store.network', `Jira could not be reached: ${e?.message ?? e}`);
      }
      if (r.status >= 500 && attempt < 3 && method !== 'POST') continue;
      break;
    }
    const text = await r.text();
    let json;
    try { json = text ? JSON.parse(text) : undefined; } catch { json = undefined; }
    return { status: r.status, json, text };
  }

  const reason = (r) => {
    const j = r.json;
    const parts = [...(j?.errorMessages ?? []), ...Object.values(j?.errors ?? {})];
    return parts.length ? parts.join(' ') : `HTTP ${r.status}`;
  };
  const fail = (what, r) => {
    if (r.status === 401 && /websudo/i.test(r.text ?? '')) {
      return new StoreError('store.websudo', `${what}: Jira wants you to confirm your password first (secure administrator session). Open any Jira administration page, confirm it, then try again.`, { status: 401 });
    }
    const code = r.status === 401 ? 'store.unauthorized' : r.status === 403 ? 'store.forbidden' : r.status === 404 ? 'store.notFound' : 'store.http';
    return new StoreError(code, `${what}: ${reason(r)}`, { status: r.status });
  };
  const propPath = (key) => `/rest/api/2/user/properties/${encodeURIComponent(key)}`;

  async function getProp(key) {
    const r = await call('GET', propPath(key), { query: { username: account } });
    if (r.status === 200) return r.json?.value;
    if (r.status === 404) return undefined;
    throw fail(`Reading ${key} from Jira failed`, r);
  }

  async function putProp(key, value) {
    const size = JSON.stringify(value).length;
    if (key.length > MAX_KEY_LENGTH) throw new StoreError('store.keyTooLong', `The property key ${key} is longer than ${MAX_KEY_LENGTH} characters.`);
    if (size > MAX_VALUE_LENGTH) {
      throw new StoreError('store.tooLarge', `This is ${size.toLocaleString('en-GB')} characters of JSON; Jira stores at most ${MAX_VALUE_LENGTH.toLocaleString('en-GB')} in one property. Export it as a file instead, or make it shorter.`, { size });
    }
    const r = await call('PUT', propPath(key), { query: { username: account }, body: value });
    if (r.status === 200 || r.status === 201 || r.status === 204) return r.status;
    if (r.status === 404) throw new StoreError('store.noAccount', accountMissingMessage(), { status: 404 });
    throw fail(`Saving ${key} in Jira failed`, r);
  }

  async function deleteProp(key) {
    const r = await call('DELETE', propPath(key), { query: { username: account } });
    if (r.status === 204 || r.status === 200 || r.status === 404) return;
    throw fail(`Removing ${key} from Jira failed`, r);
  }

  function accountMissingMessage() {
    return `The storage account "${account}" does not exist in Jira. Create it (User Cleanup can do it: no application access, deactivated, so it holds no licence) or choose an existing account with the storageUser option.`;
  }

  // ------------------------------------------------------------------ the storage account

  /**
   * Whether the storage account is safe to keep the policy and the audit trail on:
   * {ok, problem?: 'missing'|'active'|'licensed'|'unreadable', message, fix, account, exists, active?, roles?}.
   * Licensed = in a group of an application role (GET /rest/api/2/applicationrole), or Jira lists
   * an application role for it. Answers are kept for 30 s (`refresh` reads again).
   */
  function accountStatus({ refresh = false } = {}) {
    if (refresh || !statusP || Date.now() - statusAt > STATUS_TTL_MS) {
      statusAt = Date.now();
      statusP = readAccountStatus();
      statusP.catch(() => { statusP = null; });
    }
    return statusP;
  }

  async function readAccountStatus() {
    const who = `The storage account "${account}"`;
    const unreadable = (e) => ({
      ok: false, problem: 'unreadable', account, exists: undefined,
      message: `${who} could not be checked: ${e.message}`,
      fix: 'Make sure you are signed in as a Jira administrator (with a secure administrator session), then reload the page.',
    });
    const r = await call('GET', '/rest/api/2/user', { query: { username: account, expand: 'groups,applicationRoles' } });
    if (r.status === 404) {
      return {
        ok: false, problem: 'missing', account, exists: false,
        message: `${who} does not exist in Jira, so the policy and the audit trail cannot be kept there.`,
        fix: 'Create it from the Rules view (User Cleanup creates it without application access and deactivates it), or ask a Jira administrator to create it inactive and without application access.',
      };
    }
    if (r.status !== 200) return unreadable(fail('Reading the storage account failed', r));
    const user = r.json ?? {};
    const groups = (user.groups?.items ?? []).map((g) => g?.name).filter((g) => typeof g === 'string');
    const roleItems = (user.applicationRoles?.items ?? []).map((x) => x?.name ?? x?.key).filter(Boolean);
    const rr = await call('GET', '/rest/api/2/applicationrole');
    if (rr.status !== 200 || !Array.isArray(rr.json)) return unreadable(fail('Reading the application roles failed', rr));
    const roles = [];
    for (const role of rr.json) {
      const hit = (role?.groups ?? []).filter((g) => groups.some((x) => lc(x) === lc(g)));
      if (hit.length) roles.push({ role: role.name ?? role.key, groups: hit });
    }
    for (const name of roleItems) if (!roles.some((x) => x.role === name)) roles.push({ role: name, groups: [] });
    const active = user.active !== false;
    if (roles.length) {
      const via = roles.map((x) => (x.groups.length ? `${x.role} (through ${x.groups.join(', ')})` : x.role)).join('; ');
      return {
        ok: false, problem: 'licensed', account, exists: true, active, roles,
        message: `${who} holds an application role: ${via}. It uses a licence, and an account with application access is not a safe place for the audit trail.`,
        fix: `Remove "${account}" from ${roles.flatMap((x) => x.groups).join(', ') || 'its application roles'} (User management → the user → Groups / Application access)${active ? ', and deactivate it' : ''}, then reload the page.`,
      };
    }
    if (active) {
      return {
        ok: false, problem: 'active', account, exists: true, active,
        message: `${who} is active. Anyone who can sign in as it could rewrite its own properties — the saved policy and the audit trail — so User Cleanup does not use it.`,
        fix: `Deactivate "${account}" (User management → the user → Edit → uncheck Active), then reload the page.`,
      };
    }
    return { ok: true, account, exists: true, active, roles: [], message: `${who} exists, is inactive and holds no application role.`, fix: '' };
  }

  /** Throws StoreError 'store.unsafeAccount' unless the storage account is safe. */
  async function assertSafe(what) {
    const st = await accountStatus();
    if (st.ok) return st;
    throw new StoreError('store.unsafeAccount', `${what} refused: ${st.message} ${st.fix}`.trim(), { problem: st.problem, status: st, fix: st.fix });
  }

  /** Creates the storage account without application access, then deactivates it. */
  async function createAccount({ emailAddress = `${account}@localhost.invalid` } = {}) {
    const r = await call('POST', '/rest/api/2/user', {
      body: { name: account, displayName: 'User Cleanup storage (do not delete)', emailAddress, applicationKeys: [] },
    });
    if (r.status !== 201 && r.status !== 200) throw fail(`Creating the storage account "${account}" failed`, r);
    const d = await call('PUT', '/rest/api/2/user', { query: { username: account }, body: { active: false } });
    if (d.status >= 300) throw fail(`The storage account "${account}" was created but could not be deactivated`, d);
    const st = await accountStatus({ refresh: true });
    return { account, exists: st.exists, active: st.active, ok: st.ok };
  }

  // ------------------------------------------------------------------ the policy

  /**
   * The saved policy: {text, policy, revision, savedAt, savedBy, account} or {text: null, missing}
   * where missing is 'account' (no storage account) or 'policy' (nothing saved yet). Refuses
   * ('store.unsafeAccount') when the account exists but is active or licensed.
   */
  async function loadPolicy() {
    const st = await accountStatus();
    if (st.problem === 'missing') return { text: null, missing: 'account', account, revision: 0 };
    await assertSafe('Loading the policy');
    const v = await getProp(POLICY_KEY);
    if (v === undefined) return { text: null, missing: 'policy', account, revision: 0 };
    if (!v || typeof v !== 'object' || v.format !== 'user-cleanup/policy' || !('policy' in v)) {
      throw new StoreError('store.badFormat', `The property ${POLICY_KEY} on "${account}" is not a User Cleanup policy.`);
    }
    return { text: JSON.stringify(v.policy, null, 2), policy: v.policy, revision: v.revision ?? 0, savedAt: v.savedAt ?? null, savedBy: v.savedBy ?? null, account };
  }

  /**
   * Saves a policy (object or JSON text). `expectRevision`: the revision the editor loaded; when
   * another admin saved in between, StoreError 'store.conflict' and nothing is written.
   */
  async function savePolicy(policy, { savedBy = null, expectRevision, now = new Date() } = {}) {
    const obj = typeof policy === 'string' ? JSON.parse(policy) : policy;
    await assertSafe('Saving the policy');
    const current = await getProp(POLICY_KEY);
    const revision = current?.revision ?? 0;
    if (expectRevision != null && revision !== expectRevision) {
      throw new StoreError('store.conflict', `${current?.savedBy ?? 'Someone'} saved the policy in Jira at ${current?.savedAt ?? 'an unknown time'} after you loaded it. Reload to see their version (export yours first to keep it).`, { current });
    }
    const value = { format: 'user-cleanup/policy', formatVersion: 1, revision: revision + 1, savedAt: now.toISOString(), savedBy, policy: obj };
    await putProp(POLICY_KEY, value);
    return { revision: value.revision, savedAt: value.savedAt, savedBy, account };
  }

  // ------------------------------------------------------------------ the audit trail

  async function listKeys() {
    const r = await call('GET', '/rest/api/2/user/properties', { query: { username: account } });
    if (r.status === 404) return [];
    if (r.status !== 200) throw fail('Listing the audit trail failed', r);
    return (r.json?.keys ?? []).map((k) => k.key).filter((k) => typeof k === 'string').sort();
  }

  const chunkKey = (runId, n) => `${AUDIT_PREFIX}${runId}.${String(n).padStart(5, '0')}`;
  const chunkValue = (runId, n, text) => ({ format: 'user-cleanup/audit', formatVersion: 1, runId, chunk: n, text });

  /** The longest prefix of `text` whose chunk value fits one property. */
  function fit(runId, n, text) {
    if (JSON.stringify(chunkValue(runId, n, text)).length <= MAX_VALUE_LENGTH) return text.length;
    let lo = 0, hi = text.length;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (JSON.stringify(chunkValue(runId, n, text.slice(0, mid))).length <= MAX_VALUE_LENGTH) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Audit chunk keys grouped by run: Map(runId -> [keys in chunk order]). */
  function runsOf(keys) {
    const byRun = new Map();
    for (const k of keys) {
      const m = AUDIT_KEY.exec(k);
      if (!m) continue;
      if (!byRun.has(m[1])) byRun.set(m[1], []);
      byRun.get(m[1]).push(k);
    }
    return byRun;
  }

  const CLOSED = /"type":"(runFinished|undoFinished|runRefused)"/;

  /**
   * Every record stored (parsed), reading only what may have changed since this session last
   * read: new chunks, and the last chunk of each run that is not finished (or all with `full`).
   */
  async function readRecords(keys, { full = false } = {}) {
    const byRun = runsOf(keys);
    const texts = [];
    const fetches = [];
    for (const [runId, ks] of byRun) {
      for (let i = 0; i < ks.length; i++) {
        const k = ks[i];
        const last = i === ks.length - 1;
        const cached = chunkCache.get(k);
        if (full || !cached?.final) {
          fetches.push(getProp(k).then((v) => {
            const text = typeof v?.text === 'string' ? v.text : '';
            // A chunk followed by another one is full and never rewritten; so is the last chunk
            // of a finished run. Others may still grow.
            chunkCache.set(k, { text, final: !last || CLOSED.test(text) });
          }));
        }
      }
      texts.push([runId, ks]);
    }
    for (let i = 0; i < fetches.length; i += 8) await Promise.all(fetches.slice(i, i + 8));
    const records = [];
    const runs = [];
    for (const [runId, ks] of texts) {
      const text = ks.map((k) => chunkCache.get(k)?.text ?? '').join('');
      const recs = [];
      for (const [n, line] of text.split('\n').entries()) {
        if (!line.trim()) continue;
        try {
          recs.push(JSON.parse(line));
        } catch {
          throw new StoreError('store.badFormat', `The stored audit trail of run ${runId} is damaged: line ${n + 1} of its chunks is not JSON.`);
        }
      }
      runs.push({ runId, text, records: recs, chunks: ks.length });
      records.push(...recs);
    }
    return { records, runs };
  }

  /**
   * The stored chain: the records from the first to the head, following prevHash back from the
   * head. Without a head (a trail written before heads existed) every record, in seq order.
   * → {records, head, orphans: records not on the chain}
   */
  function chainOf(records, head) {
    const bySeq = (a, b) => (a.seq ?? 0) - (b.seq ?? 0);
    if (!head) return { records: [...records].sort(bySeq), head: null, orphans: [] };
    const byHash = new Map(records.filter((r) => typeof r?.hash === 'string').map((r) => [r.hash, r]));
    const chain = [];
    for (let h = head.hash; h !== GENESIS;) {
      const r = byHash.get(h);
      if (!r) return null; // not all of it read yet (or damaged)
      chain.push(r);
      byHash.delete(h); // a loop is not a chain
      h = r.prevHash;
      if (chain.length > records.length) return null;
    }
    chain.reverse();
    const on = new Set(chain);
    return { records: chain, head, orphans: records.filter((r) => !on.has(r)) };
  }

  async function readHead() {
    const v = await getProp(HEAD_KEY);
    if (v === undefined) return null;
    if (!v || typeof v !== 'object' || !Number.isSafeInteger(v.seq) || typeof v.hash !== 'string') {
      throw new StoreError('store.badFormat', `The property ${HEAD_KEY} on "${account}" is not a User Cleanup trail head.`);
    }
    return v;
  }

  async function storedChain(keys) {
    const head = await readHead();
    let got = await readRecords(keys);
    let chain = chainOf(got.records, head);
    if (!chain) {
      got = await readRecords(keys, { full: true });
      chain = chainOf(got.records, head);
    }
    if (!chain) {
      throw new StoreError('store.badFormat', `The audit trail stored in Jira is incomplete: the record its head names (seq ${head.seq}) cannot be followed back to the first record.`);
    }
    return { ...chain, runs: got.runs };
  }

  /**
   * The trail kept in Jira: {records (the chain, in order), text (its JSON lines), runs: [{runId,
   * text, records, chunks}], head, orphans}. The caller verifies it (chain.mjs verifyText).
   */
  async function loadAudit() {
    await assertSafe('Reading the audit trail');
    const keys = await listKeys();
    const c = await storedChain(keys);
    return { runs: c.runs, records: c.records, head: c.head, orphans: c.orphans, text: c.records.map((r) => `${JSON.stringify(r)}\n`).join('') };
  }

  // The lock: see the header. Its key carries a fresh nonce, so a key seen unchanged for
  // lockStaleMs (LOCK_STALE_MS by default) is a lock nobody is using any more.
  async function acquireLock() {
    const mine = `${LOCK_PREFIX}${writer}.${randomId()}`;
    const seen = new Map(); // other lock key -> when this session first saw it
    const t0 = Date.now();
    for (let attempt = 0; ; attempt++) {
      const others = (await listKeys()).filter((k) => k.startsWith(LOCK_PREFIX) && k !== mine);
      const now = Date.now();
      for (const k of others) if (!seen.has(k)) seen.set(k, now);
      const stale = others.filter((k) => now - seen.get(k) > lockStaleMs);
      for (const k of stale) await deleteProp(k);
      if (others.length === stale.length) {
        await putProp(mine, { writer, at: new Date().toISOString() });
        const keys = await listKeys();
        if (!keys.some((k) => k.startsWith(LOCK_PREFIX) && k !== mine)) return { lock: mine, keys };
        await deleteProp(mine); // another session is claiming too: both step back, one wins later
      }
      if (Date.now() - t0 > Math.max(LOCK_WAIT_MS, 3 * lockStaleMs)) {
        throw new StoreError('store.trailBusy', `Another User Cleanup session kept the audit trail locked for ${Math.round(LOCK_WAIT_MS / 1000)} s; nothing was written.`);
      }
      // Short waits: a session holds the lock only while it writes one batch, and between its
      // batches (while its requests to Jira are out) the lock is free for the others.
      await sleep(10 + Math.random() * Math.min(20 * 2 ** attempt, 150));
    }
  }

  /** Writes records to their runs' chunks; `keys`: the property keys listed under the lock. */
  async function writeRecords(records, keys) {
    const byRun = new Map();
    for (const rec of records) {
      const runId = rec?.runId;
      if (typeof runId !== 'string' || !/^[A-Za-z0-9._:-]{1,180}$/.test(runId)) throw new StoreError('store.badRecord', 'Every audit record needs a runId (letters, digits, . _ : -).');
      if (!byRun.has(runId)) byRun.set(runId, []);
      byRun.get(runId).push(`${JSON.stringify(rec)}\n`);
    }
    for (const [runId, lines] of byRun) {
      const mine = keys.filter((k) => k.startsWith(`${AUDIT_PREFIX}${runId}.`) && AUDIT_KEY.test(k));
      let n = mine.length ? Number(mine[mine.length - 1].slice(-5)) : 1;
      let text = '';
      if (mine.length) {
        // A run is written by one session only, so the text this session last wrote is current.
        const cached = chunkCache.get(chunkKey(runId, n));
        const last = cached?.mine ? cached : await getProp(chunkKey(runId, n));
        text = typeof last?.text === 'string' ? last.text : '';
      }
      let rest = lines.join('');
      for (;;) {
        const room = fit(runId, n, text + rest);
        const take = Math.max(0, room - text.length);
        if (take === 0 && text.length > 0) { // the last chunk is full
          n++;
          text = '';
          continue;
        }
        if (take === 0) throw new StoreError('store.tooLarge', 'An audit chunk cannot hold any text.');
        text += rest.slice(0, take);
        rest = rest.slice(take);
        await putProp(chunkKey(runId, n), chunkValue(runId, n, text));
        chunkCache.set(chunkKey(runId, n), { text, final: false, mine: true });
        if (!rest) break;
        n++;
        text = '';
      }
    }
  }

  /**
   * Appends to the chain in Jira without forking it (compare-and-set, see the header).
   * `tail`: {seq, hash} of the last record this session knows is stored (null: none).
   * `build(newer)`: given the records stored after `tail` by other sessions (already in chain
   * order, possibly empty), returns the sealed records to store after them. Calls are serialised.
   * Resolves to {newer, records}.
   */
  function appendTrail({ tail, build }) {
    const p = queue.then(() => doAppendTrail(tail, build));
    queue = p.catch(() => {});
    return p;
  }

  async function doAppendTrail(tail, build) {
    await assertSafe('Saving the audit trail');
    const { lock, keys } = await acquireLock();
    try {
      let head = await readHead();
      let newer = [];
      const known = tail ?? { seq: 0, hash: GENESIS };
      // `keys` was listed under the lock: no other session writes records until it is released.
      if (!head) {
        // No head yet: the trail was written before heads existed (or is empty); its last record.
        const c = await storedChain(keys);
        const last = c.records.at(-1);
        head = last ? { seq: last.seq, hash: last.hash } : { seq: 0, hash: GENESIS };
      }
      if (head.seq !== known.seq || head.hash !== known.hash) {
        const c = await storedChain(keys);
        const at = c.records.findIndex((r) => r.hash === known.hash);
        if (known.seq > 0 && at < 0) {
          throw new StoreError('store.trailDiverged', `The audit trail in Jira no longer contains this page's last record (seq ${known.seq}); nothing was written. Reload the page.`);
        }
        newer = c.records.slice(at + 1);
      }
      const records = await build(newer);
      if (!records.length) return { newer, records };
      await writeRecords(records, keys);
      // The lock must still be this session's before the head moves (a stalled session's lock is
      // removed by others after lockStaleMs).
      if ((await getProp(lock)) === undefined) {
        throw new StoreError('store.lockLost', `The audit trail lock was taken over while this page was writing (it took longer than ${Math.round(lockStaleMs / 1000)} s); nothing was recorded as stored. Try again.`);
      }
      const last = records.at(-1);
      await putProp(HEAD_KEY, { seq: last.seq, hash: last.hash, runId: last.runId, at: last.at, writer });
      return { newer, records };
    } finally {
      await deleteProp(lock).catch(() => {});
    }
  }

  /**
   * Appends already sealed records (or JSON-lines text) that continue the stored chain; refuses
   * ('store.trailConflict', with the stored `newer` records) when another session appended since.
   */
  async function appendAudit(records) {
    const list = typeof records === 'string'
      ? records.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l))
      : Array.isArray(records) ? records : [records];
    if (!list.length) return { records: [] };
    for (const rec of list) {
      if (typeof rec?.runId !== 'string' || !/^[A-Za-z0-9._:-]{1,180}$/.test(rec.runId)) throw new StoreError('store.badRecord', 'Every audit record needs a runId (letters, digits, . _ : -).');
      if (!Number.isSafeInteger(rec.seq) || typeof rec.prevHash !== 'string' || typeof rec.hash !== 'string') throw new StoreError('store.badRecord', 'Every audit record needs seq, prevHash and hash (a sealed record, chain.mjs).');
    }
    const first = list[0];
    const tail = first.seq === 1 ? null : { seq: first.seq - 1, hash: first.prevHash };
    return appendTrail({
      tail,
      build: (newer) => {
        if (newer.length) throw new StoreError('store.trailConflict', `Another session appended ${newer.length} record(s) to the audit trail in Jira since seq ${first.seq - 1}; re-seal on top of them.`, { newer });
        return list;
      },
    });
  }

  // ------------------------------------------------------------------ leases (src/runner/README.md: "Leases in Jira")

  /** Every claim stored for the lease `name`: [{key, value}] (values that are not claims are left out). */
  async function readClaims(name) {
    const prefix = `${LEASE_PREFIX}${keyPart(name)}.`;
    const keys = (await listKeys()).filter((k) => k.startsWith(prefix));
    const out = [];
    for (const key of keys) {
      const value = await getProp(key);
      // Read back from storage: untrusted; a malformed claim is ignored (it can win nothing).
      if (value && typeof value === 'object' && value.format === 'user-cleanup/lease' && typeof value.owner === 'string'
        && !Number.isNaN(Date.parse(value.claimedAt)) && !Number.isNaN(Date.parse(value.expiresAt))) out.push({ key, value });
    }
    return out;
  }

  /**
   * One claim round for the lease `name` (see the runner README for why this is safe without a
   * compare-and-set): refuse when another owner holds it (held or done, not expired); else write
   * this owner's claim, wait `settleMs`, read every claim back; the live claim with the smallest
   * (claimedAt, owner) wins. The winner's claim becomes `held`. A claim whose PUT took longer than
   * `maxWriteMs` is withdrawn (the timing the argument needs did not hold).
   * → {ok: true, lease: {name, key, value}, expired: [values of expired claims]} | {ok: false, holder: value}
   */
  async function claimLease(name, { owner, node = null, ttlMs = 60_000, settleMs = 2_000, skewMs, maxWriteMs, data = {}, now = () => Date.now() } = {}) {
    // settleMs ≥ 2 × skewMs + maxWriteMs (README): by default a quarter of the settle time each way for clock skew, half for the write.
    skewMs ??= Math.floor(settleMs / 4);
    maxWriteMs ??= Math.max(0, settleMs - 2 * skewMs);
    if (typeof owner !== 'string' || !owner) throw new StoreError('store.badLease', 'A lease needs an owner id.');
    const key = `${LEASE_PREFIX}${keyPart(name)}.${keyPart(owner)}`;
    const live = (v) => v.state === 'done' || Date.parse(v.expiresAt) + skewMs > now();
    const byAge = (a, b) => Date.parse(a.value.claimedAt) - Date.parse(b.value.claimedAt) || (a.value.owner < b.value.owner ? -1 : a.value.owner > b.value.owner ? 1 : 0);
    let claims = await readClaims(name);
    const holder = claims.find((c) => c.key !== key && live(c.value) && (c.value.state === 'held' || c.value.state === 'done'));
    if (holder) return { ok: false, holder: holder.value };
    // Expired claims, this owner's own included (a daemon restarted under the same id finds the run it left).
    const expired = claims.filter((c) => !live(c.value)).map((c) => c.value);
    const t0 = now();
    const value = { format: 'user-cleanup/lease', name, owner, node, claimedAt: new Date(t0).toISOString(), expiresAt: new Date(t0 + ttlMs).toISOString(), state: 'claiming', ...data };
    await putProp(key, value);
    const took = now() - t0;
    if (took > maxWriteMs) {
      await deleteProp(key).catch(() => {});
      return { ok: false, holder: null, slowWrite: took };
    }
    await sleep(settleMs);
    claims = (await readClaims(name)).filter((c) => live(c.value));
    const held = claims.find((c) => c.key !== key && (c.value.state === 'held' || c.value.state === 'done'));
    const first = held ?? [...claims].sort(byAge)[0];
    if (!first || first.key !== key) {
      await deleteProp(key).catch(() => {});
      return { ok: false, holder: first?.value ?? null };
    }
    const lease = { name, key, value: { ...value, state: 'held', expiresAt: new Date(now() + ttlMs).toISOString() }, ttlMs };
    await putProp(key, lease.value);
    // The claims of owners whose lease expired (a node that died) are removed; the caller gets them.
    for (const c of await readClaims(name)) if (c.key !== key && !live(c.value)) await deleteProp(c.key).catch(() => {});
    return { ok: true, lease, expired };
  }

  /** Extends a held lease (and records `data`, e.g. the run id); throws 'store.leaseLost' when another owner's claim replaced it. */
  async function renewLease(lease, { data = {}, now = () => Date.now() } = {}) {
    const cur = await getProp(lease.key);
    if (!cur || cur.owner !== lease.value.owner || cur.claimedAt !== lease.value.claimedAt) {
      throw new StoreError('store.leaseLost', `The lease ${lease.name} is no longer held by ${lease.value.owner}.`);
    }
    lease.value = { ...lease.value, ...data, expiresAt: new Date(now() + (lease.ttlMs ?? 60_000)).toISOString() };
    await putProp(lease.key, lease.value);
    return lease;
  }

  /** Ends a lease: removed, or kept for good as `done` with `data` (a slot that was run). */
  async function releaseLease(lease, { done = false, data = {} } = {}) {
    if (done) {
      lease.value = { ...lease.value, ...data, state: 'done', doneAt: new Date().toISOString() };
      await putProp(lease.key, lease.value);
    } else {
      await deleteProp(lease.key);
    }
  }

  /** The lease names stored (for housekeeping): Map(name -> [keys]). */
  async function leaseKeys(prefix = '') {
    const p = `${LEASE_PREFIX}${keyPart(prefix)}`;
    return (await listKeys()).filter((k) => k.startsWith(p));
  }

  // One run at a time per Jira (INTERFACES.md): page runs, `run --jira` and the daemon.
  /**
   * → the lease; throws StoreError 'store.runBusy' (with `holder`: {owner, node, claimedAt,
   * expiresAt, runId?}) naming who holds it and since when.
   */
  async function acquireRunLease({ owner, node = null, ttlMs = 120_000, settleMs = 2_000, skewMs, data = {} } = {}) {
    await assertSafe('Starting a run');
    const r = await claimLease(RUN_LEASE, { owner, node, ttlMs, settleMs, skewMs, data });
    if (r.ok) return r.lease;
    const h = r.holder;
    const who = h ? `${h.node ?? h.owner}${h.runId ? ` (run ${h.runId})` : ''} since ${h.claimedAt}` : 'another session starting at the same moment';
    throw new StoreError('store.runBusy', `Another User Cleanup run is in progress: ${who}. One run at a time per Jira; try again when it has finished.`, { holder: h });
  }
  const renewRunLease = (lease, o) => renewLease(lease, o);
  const releaseRunLease = (lease) => releaseLease(lease);

  // ------------------------------------------------------------------ daemon heartbeats

  /** Writes this daemon's heartbeat ({daemonId, host, version, pid, started, lastPoll, pollSeconds, schedules}). */
  async function putHeartbeat(hb) {
    await assertSafe('Saving the heartbeat');
    await putProp(`${HEARTBEAT_PREFIX}${keyPart(hb.daemonId)}`, { format: 'user-cleanup/heartbeat', formatVersion: 1, ...hb });
  }

  /** Every daemon's last heartbeat (untrusted: only well-formed ones), newest poll first. */
  async function listHeartbeats() {
    await assertSafe('Reading the daemons\' heartbeats');
    const out = [];
    for (const k of (await listKeys()).filter((x) => x.startsWith(HEARTBEAT_PREFIX))) {
      const v = await getProp(k);
      if (v && typeof v === 'object' && typeof v.daemonId === 'string' && !Number.isNaN(Date.parse(v.lastPoll))) {
        out.push({ ...v, schedules: Array.isArray(v.schedules) ? v.schedules : [] });
      }
    }
    return out.sort((a, b) => Date.parse(b.lastPoll) - Date.parse(a.lastPoll));
  }

  return {
    account, writer, accountStatus, createAccount, loadPolicy, savePolicy, appendTrail, appendAudit, loadAudit, getProp, putProp,
    deleteProp, listKeys, claimLease, renewLease, releaseLease, readClaims, leaseKeys, acquireRunLease, renewRunLease, releaseRunLease,
    putHeartbeat, listHeartbeats,
  };
}
