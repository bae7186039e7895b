// Cursor paging, as user/list (10.3+) and the audit log answer: each page names the cursor of the
// next. One loop for both, so both stop the same way and both refuse a cursor that comes back
// (Jira answering it again would loop forever).
import { HostError } from './errors.mjs';

/**
 * Yields the items of each page, first page first.
 * @param {(cursor: string|undefined) => Promise<{items: any[], next?: string, last?: boolean}>} fetchPage
 *   one page (cursor undefined: the first); `next` the following page's cursor, absent when none
 * @param {{endpoint: string, maxPages?: number, tooMany?: () => Error}} o
 *   endpoint names the resource in errors; after `maxPages` pages `tooMany()` is thrown instead of
 *   fetching more
 * @returns {AsyncGenerator<any[]>}
 */
export async function* cursorPages(fetchPage, { endpoint, maxPages = Infinity, tooMany }) {
  const seen = new Set();
  let cursor;
  for (let page = 1; ; page++) {
    if (page > maxPages) throw tooMany ? tooMany() : new HostError('host.badResponse', `${endpoint}: more than ${maxPages} pages`);
    const { items, next, last } = await fetchPage(cursor);
    yield items;
    // The end: a last page, an empty one, or no cursor to go on with.
    if (last === true || items.length === 0 || next === undefined || next === '') return;
    if (seen.has(next)) {
      throw new HostError('host.badResponse', `${endpoint}: the page cursor ${JSON.stringify(next)} repeats`, { reason: `Jira's ${endpoint} paging does not advance` });
    }
    seen.add(next);
    cursor = next;
  }
}
