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

/** What group/member is asked for a page; the server's answer says what it serves (see below). */
export const GROUP_PAGE_ASK = 1000;
/** The page size Jira is documented to serve (third-party accounts: larger values may be cut to it). */
export const GROUP_PAGE_SAFE = 50;

/**
 * Walks /rest/api/2/group/member for each group (includeInactiveUsers=true). Pages of `pageSize`
 * are asked for (1000), and the walk follows what the server answers: a server that cuts pages to 50
 * (as Jira is said to) answers 50 values and `maxResults: 50`, and the rest of that group is read in
 * pages of that size; one that serves 1000 needs 20 times fewer requests. A server that refuses the
 * larger size (400) is asked again in pages of 50, for every group after that (the first group's
 * first page is asked alone, so that is known before the others are asked). After the first page
 * (which tells the total), the remaining pages of a group are fetched concurrently (the limiter in
 * http bounds the total). Calls `onMember(group, bean)` for each member; a group that vanished
 * meanwhile (404) is skipped.
 * @param {any} http
 * @param {string[]} groups
 * @param {(group:string, bean:any)=>void} onMember
 * @param {{pageSize?: number, onProgress?: (done:number, total:number)=>void, onGroupDone?: (group:string)=>void}} [o]
 *   onGroupDone: a group's every page has been taken (not called for a missing group)
 * @returns {Promise<{requests:number, memberships:number, missingGroups:string[], pageSize:number|null, ask:number}>}
 *   pageSize: the page size the server served (the largest seen of a first page that was not the
 *   last), null when every group fit in one page; ask: what a first page asks for now (50 after a refusal)
 */
export async function walkGroupMembers(http, groups, onMember, { pageSize = GROUP_PAGE_ASK, onProgress, onGroupDone } = {}) {
  let requests = 0;
  let memberships = 0;
  let doneGroups = 0;
  let served = null;
  // What a first page asks for: lowered to 50 for good when the server refuses more.
  let ask = Math.max(1, Math.floor(pageSize));
  const missingGroups = [];
  const fetchPage = async (group, startAt, maxResults) => {
    requests++;
    // bulk: a sequential chain (user/list cursor pages) read alongside goes first (http.mjs).
    return http.getJson('/rest/api/2/group/member', { groupname: group, includeInactiveUsers: true, startAt, maxResults }, { bulk: true });
  };
  // The first group's first page goes alone: whether Jira refuses the larger page is known before
  // the other groups' first pages are asked (one round trip, instead of one refusal per group).
  let probe = null;
  const firstPage = (group) => {
    if (!probe) return (probe = askFirst(group));
    const again = () => askFirst(group);
    return probe.then(again, again);
  };
  const askFirst = async (group) => {
    const size = ask;
    try {
      return { page: await fetchPage(group, 0, size), size };
    } catch (e) {
      if (!(e instanceof HostError && e.status === 400 && size > GROUP_PAGE_SAFE)) throw e;
      ask = GROUP_PAGE_SAFE;
      return { page: await fetchPage(group, 0, GROUP_PAGE_SAFE), size: GROUP_PAGE_SAFE };
    }
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
    let asked;
    try {
      ({ page: first, size: asked } = await firstPage(group));
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
    const total = typeof first?.total === 'number' ? first.total : null;
    // The server's page size: the values of a first page that is not the last (a short last page
    // says nothing), never more than was asked for.
    const more = first?.isLast === false || (first?.isLast == null && total != null && total > got);
    const step = more && got > 0 ? got : null;
    if (step != null) served = Math.max(served ?? 0, step);
    let startAt = got;
    if (first?.isLast !== true && got > 0) {
      if (total != null && total > got) {
        // Fetch the rest concurrently, in the server's page size (asked for as such, so that
        // pages tile even on a server that would serve more than its first answer did).
        const starts = [];
        for (let s = got; s < total; s += step) starts.push(s);
        const pages = await Promise.all(starts.map((s) => fetchPage(group, s, step)));
        let last = null;
        for (const p of pages) {
          got += take(group, p);
          last = p;
        }
        startAt = starts.length ? starts[starts.length - 1] + (Array.isArray(last?.values) ? last.values.length : 0) : got;
        // The group grew meanwhile, or the total lied: carry on sequentially.
        let tail = last;
        while (tail && tail.isLast === false && Array.isArray(tail.values) && tail.values.length > 0) {
          tail = await fetchPage(group, startAt, step);
          const n = take(group, tail);
          startAt += n;
          if (n === 0) break;
        }
      } else {
        // No total: sequential pages until isLast, or (no isLast either) a page shorter than the
        // server's page size: the answer's maxResults, else the first page's length when it was
        // shorter than asked (a server may cut pages without saying so: then an empty page ends it).
        const said = Number.isInteger(first.maxResults) && first.maxResults > 0 && first.maxResults <= asked ? first.maxResults : null;
        const size = said ?? Math.min(got, asked);
        let page = first;
        if (page.isLast == null && got < size) page = null;
        while (page && page.isLast !== true && Array.isArray(page.values) && page.values.length > 0 && (total == null || startAt < total)) {
          page = await fetchPage(group, startAt, size);
          const n = take(group, page);
          if (n === 0) break;
          startAt += n;
          if (page.isLast == null && n < size) break;
        }
      }
    }
    doneGroups++;
    onGroupDone?.(group);
    onProgress?.(doneGroups, groups.length);
  }));
  return { requests, memberships, missingGroups, pageSize: served, ask };
}
