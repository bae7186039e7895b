// User listing strategies. Never a request per user.
//   user/list   (10.3 LTS, 11): cursor pages of up to 2000
//   user/search (9.x): username=. pages of 1000 (includeActive + includeInactive)
//   group walk  (10.0–10.2, and for memberships everywhere): see groups.mjs
import { HostError } from './errors.mjs';
import { cursorPages } from './paging.mjs';

const own = (o, k) => Object.prototype.hasOwnProperty.call(o, k);

/**
 * The collected view of users while a snapshot is built, keyed by lower-cased username.
 * Each entry: {name, key, displayName, email, active, groups:Set, ll:{seen, value}}
 */
export function createUserTable() {
  /** @type {Map<string, any>} */
  const map = new Map();
  const lastLoginSources = new Set(); // endpoints whose beans carried the lastLoginTime key
  return {
    map,
    lastLoginSources,
    /**
     * Merges a user bean. `source` names the endpoint (for the lastLoginTime evidence).
     * @returns the entry
     */
    addBean(bean, source) {
      if (!bean || typeof bean.name !== 'string' || !bean.name) return null;
      const k = bean.name.toLowerCase();
      let u = map.get(k);
      if (!u) {
        u = { name: bean.name, groups: new Set(), llSeen: false, llValue: undefined };
        map.set(k, u);
      }
      if (bean.key != null && u.key == null) u.key = String(bean.key);
      if (bean.displayName != null && u.displayName == null) u.displayName = String(bean.displayName);
      if (bean.emailAddress != null && u.email == null) u.email = String(bean.emailAddress);
      if (typeof bean.active === 'boolean' && u.active === undefined) u.active = bean.active;
      if (own(bean, 'lastLoginTime')) {
        lastLoginSources.add(source);
        u.llSeen = true;
        const v = bean.lastLoginTime;
        if (v != null && v !== '' && u.llValue == null) u.llValue = v;
      }
      // A bean without the key says nothing: "not known" (never guessed to mean "never").
      return u;
    },
    get size() { return map.size; },
  };
}

/** Groups carried on a bean, when complete: {size, items:[{name}]} with items.length === size. */
export function beanGroups(bean) {
  const g = bean && bean.groups;
  if (!g || !Array.isArray(g.items)) return null;
  const size = typeof g.size === 'number' ? g.size : g.items.length;
  if (g.items.length < size) return null;
  return g.items.map((x) => (typeof x === 'string' ? x : x && x.name)).filter(Boolean);
}

/**
 * Pages /rest/api/2/user/list. Returns {ok:true, pages, groupsComplete} or {ok:false} when the
 * endpoint does not exist (404 / 405: not 10.3+ after all).
 */
/**
 * @param {any} http
 * @param {any} table
 * @param {{pageSize?: number, onPage?: (n:number, groupsComplete:boolean)=>void}} [o]
 */
export async function listViaUserList(http, table, { pageSize = 2000, onPage } = {}) {
  let pages = 0;
  let groupsComplete = true;
  let anyGroups = false;
  const fetchPage = async (cursor) => {
    const page = await http.getJson('/rest/api/2/user/list', { maxResults: pageSize, cursor });
    const next = page?.nextCursor;
    return {
      items: Array.isArray(page?.values) ? page.values : Array.isArray(page) ? page : [],
      last: page?.isLast === true,
      next: next == null ? undefined : String(next),
    };
  };
  try {
    for await (const values of cursorPages(fetchPage, { endpoint: '/rest/api/2/user/list' })) {
      pages++;
      for (const b of values) {
        const u = table.addBean(b, 'user/list');
        if (!u) continue;
        const gs = beanGroups(b);
        if (gs === null) groupsComplete = false;
        else {
          anyGroups ||= gs.length > 0 || (b.groups && b.groups.size === 0);
          for (const g of gs) u.groups.add(g);
        }
      }
      onPage?.(table.size, groupsComplete && anyGroups);
    }
  } catch (e) {
    if (pages === 0 && e instanceof HostError && (e.status === 404 || e.status === 405)) return { ok: false, pages };
    throw e;
  }
  return { ok: true, pages, groupsComplete: groupsComplete && anyGroups };
}

/**
 * Pages /rest/api/2/user/search?username=. (9.x: up to 1000 a page, startAt paging).
 * Returns {ok:true, pages, capped:false} or {ok:false, capped:true} when the server caps the
 * result at 100 in total (10.x behaviour): the caller then walks groups.
 */
/**
 * @param {any} http
 * @param {any} table
 * @param {{pageSize?: number, query?: string, onPage?: (n:number)=>void}} [o]
 */
export async function listViaUserSearch(http, table, { pageSize = 1000, query = '.', onPage } = {}) {
  let startAt = 0;
  let pages = 0;
  for (;;) {
    const arr = await http.getJson('/rest/api/2/user/search', {
      username: query, includeActive: true, includeInactive: true, startAt, maxResults: pageSize,
    });
    pages++;
    const values = Array.isArray(arr) ? arr : Array.isArray(arr?.values) ? arr.values : [];
    // A 10.x server answers at most 100 in total: a first page of exactly 100 when 1000 were asked.
    if (pages === 1 && pageSize > 100 && values.length === 100) {
      const probe = await http.getJson('/rest/api/2/user/search', {
        username: query, includeActive: true, includeInactive: true, startAt: 100, maxResults: pageSize,
      });
      pages++;
      if (!Array.isArray(probe) || probe.length === 0) {
        for (const b of values) table.addBean(b, 'user/search');
        return { ok: false, capped: true, pages };
      }
      for (const b of values) table.addBean(b, 'user/search');
      for (const b of probe) table.addBean(b, 'user/search');
      startAt = 100 + probe.length;
      onPage?.(table.size);
      if (probe.length < pageSize) break;
      continue;
    }
    for (const b of values) table.addBean(b, 'user/search');
    onPage?.(table.size);
    if (values.length < pageSize || values.length === 0) break;
    startAt += values.length;
  }
  return { ok: true, capped: false, pages };
}

/**
 * Opt-in completeness sweep for 10.0–10.2 (where user/search answers at most 100 in total and the
 * group walk cannot see users in no group): user/search by prefix, refined (q + c) while an
 * answer is full. Costs roughly (matching tokens per user) × N / 100 requests, so it is off by
 * default; users in no group hold no application access (no licence).
 * @param {any} http
 * @param {any} table
 * @param {{cap?: number, alphabet?: string, maxQueries?: number, onPage?: (n:number)=>void}} [o]
 */
export async function sweepViaUserSearch(http, table, { cap = 100, alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789', maxQueries = 100_000, onPage } = {}) {
  const queue = alphabet.split('');
  let requests = 0;
  while (queue.length) {
    const q = queue.shift();
    if (++requests > maxQueries) break;
    const arr = await http.getJson('/rest/api/2/user/search', { username: q, includeActive: true, includeInactive: true, startAt: 0, maxResults: cap });
    const values = Array.isArray(arr) ? arr : [];
    for (const b of values) table.addBean(b, 'user/search');
    onPage?.(table.size);
    if (values.length >= cap) for (const c of alphabet) queue.push(q + c);
  }
  return { requests };
}
