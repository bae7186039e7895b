// Groups: list every group (groups/picker, which the 'jira.ajax.autocomplete.limit' property
// caps), then walk group/member pages to build effective memberships (group -> members,
// nested-group members included by Jira) without a request per user.
import { HostError } from './errors.mjs';

const PICKER = '/rest/api/2/groups/picker';
const URL_BUDGET = 6000; // keep request URLs well under Tomcat's 8 KB header limit
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789-_. @'.split('');

function names(page) {
  const gs = Array.isArray(page?.groups) ? page.groups : [];
  return gs.map((g) => (typeof g === 'string' ? g : g && g.name)).filter((n) => typeof n === 'string' && n);
}

/**
 * Lists every group name.
 * 1. One picker call with an empty query and a large maxResults.
 * 2. When the answer is capped (total > returned), page on with `exclude=` (every group already
 *    seen) while the URL stays short enough,
 * 3. then shard by query: each character, refined (q + c) while an answer is still capped.
 * `extra` names known from elsewhere (application roles) are added.
 * @returns {Promise<{groups:string[], requests:number, capped:boolean, complete:boolean}>}
 */
export async function listGroups(http, { maxResults = 10000, extra = [], maxShardQueries = 5000 } = {}) {
  const seen = new Map(); // lower -> name
  const add = (n) => {
    const k = n.toLowerCase();
    if (!seen.has(k)) seen.set(k, n);
  };
  let requests = 0;
  const first = await http.getJson(PICKER, { query: '', maxResults });
  requests++;
  const firstNames = names(first);
  firstNames.forEach(add);
  const total = typeof first?.total === 'number' ? first.total : null;
  let complete = total == null ? firstNames.length < maxResults : firstNames.length >= total;
  const cap = firstNames.length; // the autocomplete limit, when capped
  const capped = !complete;

  // 2. exclude-paging
  while (!complete && cap > 0) {
    const exclude = [...seen.values()];
    const url = http.buildUrl(PICKER, { query: '', maxResults, exclude });
    if (url.toString().length > URL_BUDGET) break;
    const page = await http.getJson(PICKER, { query: '', maxResults, exclude });
    requests++;
    const all = names(page);
    const got = all.filter((n) => !seen.has(n.toLowerCase()));
    got.forEach(add);
    if (all.length === 0) { complete = true; break; } // nothing left
    if (got.length === 0) break; // exclude is ignored by this Jira: shard by query instead
    if (all.length < cap) complete = true;
  }

  // 3. query sharding (works whether the picker matches by prefix or by substring)
  if (!complete && cap > 0) {
    const queue = [...ALPHABET];
    const done = new Set();
    let shardRequests = 0;
    while (queue.length) {
      const q = queue.shift();
      if (done.has(q)) continue;
      done.add(q);
      if (++shardRequests > maxShardQueries) {
        throw new HostError('host.groupsIncomplete', 'could not list every group under the picker limit', {
          reason: "Jira's group picker limit (jira.ajax.autocomplete.limit) is too low to list every group; raise it",
        });
      }
      const page = await http.getJson(PICKER, { query: q, maxResults });
      requests++;
      const ns = names(page);
      ns.forEach(add);
      const t = typeof page?.total === 'number' ? page.total : null;
      const full = t != null ? ns.length < t : ns.length >= cap;
      if (full && ns.length > 0) for (const c of ALPHABET) queue.push(q + c);
    }
    complete = true;
  }
  for (const n of extra) if (typeof n === 'string' && n) add(n);
  const groups = [...seen.values()].sort((a, b) => a.localeCompare(b, 'en'));
  return { groups, requests, capped, complete };
}

/**
 * Walks /rest/api/2/group/member for each group (includeInactiveUsers=true), pages of
 * `pageSize` (50: Jira may ignore larger values). After the first page, the remaining pages of a
 * group are fetched concurrently (the limiter in http bounds the total). Calls
 * `onMember(group, bean)` for each member; a group that vanished meanwhile (404) is skipped.
 * @param {any} http
 * @param {string[]} groups
 * @param {(group:string, bean:any)=>void} onMember
 * @param {{pageSize?: number, onProgress?: (done:number, total:number)=>void, onGroupDone?: (group:string)=>void}} [o]
 *   onGroupDone: a group's every page has been taken (not called for a missing group)
 * @returns {Promise<{requests:number, memberships:number, missingGroups:string[]}>}
 */
export async function walkGroupMembers(http, groups, onMember, { pageSize = 50, onProgress, onGroupDone } = {}) {
  let requests = 0;
  let memberships = 0;
  let doneGroups = 0;
  const missingGroups = [];
  const fetchPage = async (group, startAt) => {
    requests++;
    // bulk: a sequential chain (user/list cursor pages) read alongside goes first (http.mjs).
    return http.getJson('/rest/api/2/group/member', { groupname: group, includeInactiveUsers: true, startAt, maxResults: pageSize }, { bulk: true });
  };
  const take = (group, page) => {
    const vs = Array.isArray(page?.values) ? page.values : [];
    for (const b of vs) {
      memberships++;
      onMember(group, b);
    }
    return vs.length;
  };
  await Promise.all(groups.map(async (group) => {
    let first;
    try {
      first = await fetchPage(group, 0);
    } catch (e) {
      if (e instanceof HostError && e.status === 404) {
        missingGroups.push(group);
        doneGroups++;
        onProgress?.(doneGroups, groups.length);
        return;
      }
      throw e;
    }
    let got = take(group, first);
    const step = got;
    const total = typeof first?.total === 'number' ? first.total : null;
    let startAt = got;
    if (first?.isLast !== true && got > 0) {
      if (total != null && total > got) {
        // Fetch the rest concurrently, in the server's page size.
        const starts = [];
        for (let s = got; s < total; s += step) starts.push(s);
        const pages = await Promise.all(starts.map((s) => fetchPage(group, s)));
        let last = null;
        for (const p of pages) {
          got += take(group, p);
          last = p;
        }
        startAt = starts.length ? starts[starts.length - 1] + (Array.isArray(last?.values) ? last.values.length : 0) : got;
        // The group grew meanwhile, or the total lied: carry on sequentially.
        let tail = last;
        while (tail && tail.isLast === false && Array.isArray(tail.values) && tail.values.length > 0) {
          tail = await fetchPage(group, startAt);
          const n = take(group, tail);
          startAt += n;
          if (n === 0) break;
        }
      } else {
        // No total: sequential pages until isLast or a short page.
        let page = first;
        while (page && page.isLast !== true && Array.isArray(page.values) && page.values.length > 0 && (total == null || startAt < total)) {
          page = await fetchPage(group, startAt);
          const n = take(group, page);
          if (n === 0) break;
          startAt += n;
          if (page.isLast == null && n < pageSize) break;
        }
      }
    }
    doneGroups++;
    onGroupDone?.(group);
    onProgress?.(doneGroups, groups.length);
  }));
  return { requests, memberships, missingGroups };
}
