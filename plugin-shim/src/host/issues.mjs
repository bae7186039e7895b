// Unresolved issues assigned to users — work that breaks silently when its assignee is
// deactivated. Counted with batched JQL, never one request per user:
//
//   POST /rest/api/2/search {"jql": "assignee in (\"u1\", \"u2\", …) AND resolution = Unresolved",
//                            "fields": ["assignee"], "maxResults": 1000, "validateQuery": false}
//
// 200 names per query and one page of up to 1000 issues per query, so n users cost ⌈n/200⌉
// requests unless 200 users hold more than 1000 open issues between them (then that batch pages
// on). The POST body has no URL-length limit, and 200 terms stay far below Lucene's clause limit
// (Jira's jira.search.maxclauses; 1024 in the oldest Lucene). Fewer, larger queries: at 100,000
// users a plan can select 17,000, which was 339 searches of 50 (each a full query for Jira) and is
// 85. Every name is a JQL string literal with `"` and `\` escaped, so a username cannot change the query.
import { HostError } from './errors.mjs';

export const JQL_BATCH = 200;
export const SEARCH_PAGE = 1000;
const MAX_PAGES_PER_BATCH = 1000;

/** A JQL string literal: double quotes, with `\` `"` and control characters escaped. */
export function jqlString(s) {
  let out = '"';
  for (const ch of String(s)) {
    const c = ch.charCodeAt(0);
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/** The query for one batch of usernames. */
export function openAssignedJql(names) {
  return `assignee in (${names.map(jqlString).join(', ')}) AND resolution = Unresolved`;
}

/**
 * Unresolved issues assigned to each of `usernames`: Map username (as given, first spelling of a
 * case-insensitive repeat) → count. Users Jira does not know (renamed or removed since they were
 * read) count 0.
 * @param {any} http  the adapter's HTTP layer
 * @param {string[]} usernames
 * @param {{batchSize?: number, pageSize?: number, onRequest?: () => void}} [o]
 */
export async function openAssignedCounts(http, usernames, { batchSize = JQL_BATCH, pageSize = SEARCH_PAGE } = {}) {
  if (!Array.isArray(usernames)) throw new TypeError('openAssignedCounts: usernames must be a list');
  const byLc = new Map();
  for (const n of usernames) {
    if (typeof n !== 'string' || !n) throw new TypeError(`openAssignedCounts: not a username: ${JSON.stringify(n)}`);
    if (!byLc.has(n.toLowerCase())) byLc.set(n.toLowerCase(), n);
  }
  const names = [...byLc.values()];
  /** @type {Map<string, number>} */
  const counts = new Map(names.map((n) => [n.toLowerCase(), 0]));
  const size = Math.max(1, Math.min(JQL_BATCH, Math.floor(batchSize)));
  const batches = [];
  for (let i = 0; i < names.length; i += size) batches.push(names.slice(i, i + size));
  let requests = 0;

  async function runBatch(batch) {
    let startAt = 0;
    let list = batch;
    let retriedUnknown = false;
    for (let page = 0; ; page++) {
      if (page >= MAX_PAGES_PER_BATCH) throw new HostError('host.badResponse', 'POST /rest/api/2/search: paging does not end', { reason: 'Jira kept answering more issues than it said it had' });
      if (!list.length) return;
      let body;
      try {
        requests++;
        const r = await http.request('POST', '/rest/api/2/search', {
          body: { jql: openAssignedJql(list), startAt, maxResults: pageSize, fields: ['assignee'], validateQuery: false },
          idempotent: true, // a search changes nothing: safe to repeat
          json: true,
        });
        body = r.json;
      } catch (e) {
        // A Jira that validates anyway names the users it does not know: drop them (they hold no
        // issues) and ask again, once.
        const unknown = e instanceof HostError && e.status === 400 && !retriedUnknown ? unknownUsers(e) : [];
        if (!unknown.length) throw e;
        retriedUnknown = true;
        const drop = new Set(unknown.map((n) => n.toLowerCase()));
        list = list.filter((n) => !drop.has(n.toLowerCase()));
        startAt = 0;
        continue;
      }
      const issues = Array.isArray(body?.issues) ? body.issues : null;
      if (!issues || !Number.isInteger(body.total)) throw new HostError('host.badResponse', 'POST /rest/api/2/search: the answer has no issues and total', { reason: 'Jira answered the issue search in an unexpected shape' });
      for (const issue of issues) {
        const a = issue?.fields?.assignee;
        const k = typeof a?.name === 'string' ? a.name.toLowerCase() : null;
        if (k !== null && counts.has(k)) counts.set(k, counts.get(k) + 1);
      }
      startAt += issues.length;
      if (startAt >= body.total || issues.length === 0) return;
    }
  }

  await Promise.all(batches.map(runBatch));
  const out = new Map();
  for (const [k, n] of byLc) out.set(n, counts.get(k) ?? 0);
  Object.defineProperty(out, 'requests', { value: requests, enumerable: false });
  return out;
}

/** Usernames in Jira's "The value 'x' does not exist for the field 'assignee'." messages. */
function unknownUsers(err) {
  const text = String(err.reason ?? err.message ?? '');
  const out = [];
  for (const m of text.matchAll(/The value '((?:[^']|'(?! does not exist))*)' does not exist for the field 'assignee'/g)) out.push(m[1]);
  return out;
}
