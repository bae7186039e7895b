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
// The audit trail of a run is the concatenation of its chunks' `text`, in chunk order: exactly the
// runner's JSON-lines trail (chain.mjs), one record per line, cut wherever the 32,768-character
// limit falls (a record may span chunks). Appending rewrites the last chunk while it has room,
// then adds chunks; nothing else is ever rewritten. The hash chain inside the records shows any edit.

export const POLICY_KEY = 'com.usercleanup.policy';
export const AUDIT_PREFIX = 'com.usercleanup.audit.';
export const MAX_VALUE_LENGTH = 32768;
export const MAX_KEY_LENGTH = 255;
export const DEFAULT_STORAGE_USER = 'user-cleanup';

export class StoreError extends Error {
  constructor(code, message, extra = {}) {
    super(message);
    this.name = 'StoreError';
    this.code = code;
    Object.assign(this, extra);
  }
}

/**
 * @param {object} o
 * @param {string} o.baseUrl  Jira base URL with context path
 * @param {typeof fetch} [o.fetch]
 * @param {string} [o.token]  PAT (Node); the browser uses the session cookie
 * @param {string} [o.storageUser]  the account holding the properties ('user-cleanup')
 */
export function createStore(o) {
  const base = String(o.baseUrl).replace(/\/+$/, '');
  const f = o.fetch ?? globalThis.fetch.bind(globalThis);
  const account = o.storageUser || DEFAULT_STORAGE_USER;
  let auditKeys = null; // cached key list
  let queue = Promise.resolve();

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

  function accountMissingMessage() {
    return `The storage account "${account}" does not exist in Jira. Create it (User Cleanup can do it: no application access, deactivated, so it holds no licence) or choose an existing account with the storageUser option.`;
  }

  /** {exists, active?} of the storage account. */
  async function accountStatus() {
    const r = await call('GET', '/rest/api/2/user', { query: { username: account } });
    if (r.status === 200) return { account, exists: true, active: r.json?.active !== false };
    if (r.status === 404) return { account, exists: false };
    throw fail('Checking the storage account failed', r);
  }

  /** Creates the storage account without application access, then deactivates it. */
  async function createAccount({ emailAddress = `${account}@localhost.invalid` } = {}) {
    const r = await call('POST', '/rest/api/2/user', {
      body: { name: account, displayName: 'User Cleanup storage (do not delete)', emailAddress, applicationKeys: [] },
    });
    if (r.status !== 201 && r.status !== 200) throw fail(`Creating the storage account "${account}" failed`, r);
    const d = await call('PUT', '/rest/api/2/user', { query: { username: account }, body: { active: false } });
    if (d.status >= 300) throw fail(`The storage account "${account}" was created but could not be deactivated`, d);
    return accountStatus();
  }

  /**
   * The saved policy: {text, policy, revision, savedAt, savedBy, account} or {text: null, missing}
   * where missing is 'account' (no storage account) or 'policy' (nothing saved yet).
   */
  async function loadPolicy() {
    const v = await getProp(POLICY_KEY);
    if (v === undefined) {
      const st = await accountStatus();
      return { text: null, missing: st.exists ? 'policy' : 'account', account, revision: 0 };
    }
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
    const current = await getProp(POLICY_KEY);
    const revision = current?.revision ?? 0;
    if (expectRevision != null && revision !== expectRevision) {
      throw new StoreError('store.conflict', `${current?.savedBy ?? 'Someone'} saved the policy in Jira at ${current?.savedAt ?? 'an unknown time'} after you loaded it. Reload to see their version (export yours first to keep it).`, { current });
    }
    const value = { format: 'user-cleanup/policy', formatVersion: 1, revision: revision + 1, savedAt: now.toISOString(), savedBy, policy: obj };
    await putProp(POLICY_KEY, value);
    return { revision: value.revision, savedAt: value.savedAt, savedBy, account };
  }

  async function listAuditKeys(refresh = false) {
    if (auditKeys && !refresh) return auditKeys;
    const r = await call('GET', '/rest/api/2/user/properties', { query: { username: account } });
    if (r.status === 404) {
      auditKeys = [];
      return auditKeys;
    }
    if (r.status !== 200) throw fail('Listing the audit trail failed', r);
    auditKeys = (r.json?.keys ?? []).map((k) => k.key).filter((k) => k.startsWith(AUDIT_PREFIX)).sort();
    return auditKeys;
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

  /**
   * Appends records (sealed trail records, or JSON-lines text) to the trail in Jira. Calls are
   * serialised. Resolves to {runs: [{runId, chunks}]}.
   */
  function appendAudit(records) {
    const p = queue.then(() => doAppend(records));
    queue = p.catch(() => {});
    return p;
  }

  async function doAppend(records) {
    const list = typeof records === 'string'
      ? records.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l))
      : Array.isArray(records) ? records : [records];
    const byRun = new Map();
    for (const rec of list) {
      const runId = rec?.runId;
      if (typeof runId !== 'string' || !/^[A-Za-z0-9._:-]{1,180}$/.test(runId)) throw new StoreError('store.badRecord', 'Every audit record needs a runId (letters, digits, . _ : -).');
      if (!byRun.has(runId)) byRun.set(runId, []);
      byRun.get(runId).push(`${JSON.stringify(rec)}\n`);
    }
    const keys = await listAuditKeys();
    const out = [];
    for (const [runId, lines] of byRun) {
      const mine = keys.filter((k) => k.startsWith(`${AUDIT_PREFIX}${runId}.`));
      let n = mine.length ? Number(mine[mine.length - 1].slice(-5)) : 1;
      let text = '';
      if (mine.length) {
        const last = await getProp(chunkKey(runId, n));
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
        if (!keys.includes(chunkKey(runId, n))) {
          keys.push(chunkKey(runId, n));
          keys.sort();
        }
        if (!rest) break;
        n++;
        text = '';
      }
      out.push({ runId, chunks: n });
    }
    return { runs: out };
  }

  /**
   * The trail kept in Jira: {runs: [{runId, text, records, chunks}], records (every run's, by
   * time then seq), text (JSON lines of each run in that order)}.
   */
  async function loadAudit() {
    const keys = await listAuditKeys(true);
    const byRun = new Map();
    for (const k of keys) {
      const m = /^com\.usercleanup\.audit\.(.+)\.(\d{5})$/.exec(k);
      if (!m) continue;
      if (!byRun.has(m[1])) byRun.set(m[1], []);
      byRun.get(m[1]).push(k);
    }
    const runs = [];
    for (const [runId, ks] of byRun) {
      const parts = await Promise.all(ks.map((k) => getProp(k)));
      const text = parts.map((p) => (typeof p?.text === 'string' ? p.text : '')).join('');
      const records = text.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
      runs.push({ runId, text, records, chunks: ks.length });
    }
    runs.sort((a, b) => String(a.records[0]?.at ?? '').localeCompare(String(b.records[0]?.at ?? '')) || a.runId.localeCompare(b.runId));
    return { runs, records: runs.flatMap((r) => r.records), text: runs.map((r) => r.text).join('') };
  }

  return { account, accountStatus, createAccount, loadPolicy, savePolicy, appendAudit, loadAudit, getProp, putProp };
}
