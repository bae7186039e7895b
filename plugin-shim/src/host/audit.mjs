// Jira's own audit log (GET /rest/auditing/1.0/events, Jira 8.8+; needs the Administer Jira
// permission). Jira writes these events itself, with the acting account as the author, and nothing
// over REST edits or deletes them: they are the independent record the runner's audit trail is
// reconciled against (runner/reconcile.mjs). Browser and Node, like the rest of the adapter.
//
// Response (as documented for developers): `{entities: [{timestamp, author: {id, name, type, uri},
// type: {category, action, ...I18nKey}, affectedObjects: [{id, name, type, uri}], changedValues:
// [{key, i18nKey, from, to}], ...}], pagingInfo: {lastPage, nextPageCursor: {cursor}, ...}}`.
// The exact category and action strings, and the key that carries the active flag, are NOT
// verified against a real Jira, so events are read leniently (see normaliseEvent and the
// "Reconcile" section of runner/README.md).
import { HostError } from './errors.mjs';
import { parseJiraTime } from './detect.mjs';
import { cursorPages } from './paging.mjs';

const PATH = '/rest/auditing/1.0/events';
export const AUDIT_PAGE_LIMIT = 1000;
export const AUDIT_MAX_PAGES = 200;

const lc = (s) => (typeof s === 'string' ? s.toLowerCase() : '');
const str = (v) => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');

function isoParam(v, name) {
  const ms = v instanceof Date ? v.getTime() : typeof v === 'number' ? v : Date.parse(v);
  if (!Number.isFinite(ms)) throw new HostError('host.config', `readAuditEvents: ${name} is not an instant: ${JSON.stringify(v)}`);
  return new Date(ms).toISOString();
}

/** The username in a Jira profile URI (`…/ViewProfile.jspa?name=fred`), if any. */
function nameFromUri(uri) {
  if (typeof uri !== 'string' || !uri) return '';
  try {
    return new URL(uri, 'http://x').searchParams.get('name') ?? '';
  } catch {
    return '';
  }
}

// A value read as a boolean "active" flag: Jira may write true/false, Active/Inactive, yes/no.
function activeValue(v) {
  const s = lc(str(v).trim());
  if (['true', 'active', 'yes', '1', 'enabled'].includes(s)) return true;
  if (['false', 'inactive', 'no', '0', 'disabled'].includes(s)) return false;
  return null;
}

/**
 * One event in the normalised shape reconcile needs:
 * `{at, author, authorIds, action, user, userIds, group?, raw}` where `action` is one of
 * deactivated | reactivated | groupRemoved | groupAdded | created | renamed | other,
 * `author` the author's name and `authorIds` every spelling of the author (name, id, the name in
 * its profile URI; lowercase), `user` the affected user's name and `userIds` its name and id.
 *
 * Matching is lenient because the strings are not verified:
 * - only events whose category (or its i18n key) mentions "user" or "group" count;
 * - the affected user is the affected object whose type mentions "user";
 * - deactivated / reactivated: a changed value whose key or i18n key mentions "active" going
 *   true → false / false → true (true/active/yes, false/inactive/no), or else an action naming
 *   deactivation / reactivation (or activation);
 * - groupAdded / groupRemoved: an action naming a group with "add" / "remov"; the group is the
 *   affected object whose type mentions "group" (absent when the event names none);
 * - created: an action naming creation; renamed: an action naming a rename, or a changed
 *   username key.
 */
export function normaliseEvent(e) {
  const raw = e;
  const ts = e?.timestamp;
  const ms = typeof ts === 'number' ? ts : typeof ts === 'string' ? parseJiraTime(ts) : null;
  const author = e?.author && typeof e.author === 'object' ? e.author : {};
  const authorIds = [...new Set([str(author.name), str(author.id), nameFromUri(author.uri)].filter(Boolean).map(lc))];
  const type = e?.type && typeof e.type === 'object' ? e.type : {};
  const category = `${lc(str(type.category))} ${lc(str(type.categoryI18nKey))}`;
  const action = `${lc(str(type.action))} ${lc(str(type.actionI18nKey))}`;
  const objects = Array.isArray(e?.affectedObjects) ? e.affectedObjects.filter((o) => o && typeof o === 'object') : [];
  const userObj = objects.find((o) => /user/.test(lc(str(o.type))));
  const groupObj = objects.find((o) => /group/.test(lc(str(o.type))));
  const changes = Array.isArray(e?.changedValues) ? e.changedValues.filter((c) => c && typeof c === 'object') : [];
  const out = {
    at: Number.isFinite(ms) ? new Date(ms).toISOString() : null,
    author: str(author.name) || str(author.id) || null,
    authorIds,
    action: 'other',
    user: userObj ? str(userObj.name) || str(userObj.id) || null : null,
    userIds: userObj ? [...new Set([str(userObj.name), str(userObj.id), nameFromUri(userObj.uri)].filter(Boolean).map(lc))] : [],
    raw,
  };
  if (!/user|group/.test(category) || !out.user) return out;
  const activeChange = changes.find((c) => /active/.test(`${lc(str(c.key))} ${lc(str(c.i18nKey))}`));
  const from = activeChange ? activeValue(activeChange.from) : null;
  const to = activeChange ? activeValue(activeChange.to) : null;
  if (from === true && to === false) out.action = 'deactivated';
  else if (from === false && to === true) out.action = 'reactivated';
  else if (/deactivat|disabl/.test(action)) out.action = 'deactivated';
  else if (/reactivat|\bactivat|enabl/.test(action)) out.action = 'reactivated';
  else if (/group/.test(action) && /add/.test(action)) out.action = 'groupAdded';
  else if (/group/.test(action) && /remov|delet/.test(action)) out.action = 'groupRemoved';
  else if (/creat/.test(action)) out.action = 'created';
  else if (/renam/.test(action) || changes.some((c) => /username|user\.?name/.test(`${lc(str(c.key))} ${lc(str(c.i18nKey))}`))) out.action = 'renamed';
  if ((out.action === 'groupAdded' || out.action === 'groupRemoved') && groupObj) out.group = str(groupObj.name) || str(groupObj.id);
  return out;
}

/**
 * Every audit event between `from` and `to` (inclusive), oldest first, normalised.
 * Pages of `limit` (at most 1000) follow `pagingInfo.nextPageCursor`; after `maxPages` pages the
 * read stops with an error instead of returning a partial log (a partial log would make missing
 * events look like forged outcomes).
 * @param {{getJson: Function}|{http: {getJson: Function}}} http  the adapter's HTTP layer (host/http.mjs)
 * @param {{from: string|Date|number, to: string|Date|number, limit?: number, maxPages?: number}} o
 */
export async function readAuditEvents(http, { from, to, limit = AUDIT_PAGE_LIMIT, maxPages = AUDIT_MAX_PAGES } = {}) {
  const h = typeof http?.getJson === 'function' ? http : http?.http;
  if (typeof h?.getJson !== 'function') throw new HostError('host.config', 'readAuditEvents needs the host adapter\'s HTTP layer');
  const query = { from: isoParam(from, 'from'), to: isoParam(to, 'to'), limit: Math.max(1, Math.min(AUDIT_PAGE_LIMIT, Math.floor(limit))) };
  const events = [];
  const fetchPage = async (cursor) => {
    let body;
    try {
      body = await h.getJson(PATH, { ...query, ...(cursor !== undefined ? { pageCursor: cursor } : {}) });
    } catch (e) {
      if (e?.status === 404) {
        throw new HostError('host.auditUnavailable', `${PATH}: HTTP 404`, { status: 404, reason: 'Jira has no audit log REST API here (it needs Jira 8.8 or later)' });
      }
      throw e;
    }
    const entities = Array.isArray(body?.entities) ? body.entities : null;
    if (!entities) throw new HostError('host.badResponse', `${PATH}: the answer has no "entities" list`, { reason: 'Jira\'s audit log answered in an unexpected shape' });
    const info = body.pagingInfo ?? {};
    const next = info.nextPageCursor;
    return { items: entities, last: info.lastPage === true, next: typeof next === 'string' ? next : typeof next?.cursor === 'string' ? next.cursor : undefined };
  };
  const tooMany = () => new HostError('host.auditTooMany', `${PATH}: more than ${maxPages} pages of ${query.limit} events between ${query.from} and ${query.to}`, {
    reason: `Jira's audit log holds more than ${maxPages * query.limit} events in this period; reconcile a shorter period (one run with --run)`,
  });
  for await (const entities of cursorPages(fetchPage, { endpoint: PATH, maxPages, tooMany })) {
    for (const e of entities) events.push(normaliseEvent(e));
  }
  // Jira answers newest first: reversed, events of the same millisecond keep their order.
  events.reverse();
  events.sort((a, b) => Date.parse(a.at ?? 0) - Date.parse(b.at ?? 0));
  return events;
}
