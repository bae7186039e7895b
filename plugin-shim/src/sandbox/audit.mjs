// Jira's audit log (GET /rest/auditing/1.0/events, Jira 8.8+) as the sandbox keeps it: an
// append-only list of user-management events that Jira writes itself, with the acting user as the
// author. Nothing over REST can edit or delete an event; events older than the retention window
// are gone (Jira's audit retention). The event names are ASSUMPTIONS (the real strings are not
// verified against a real instance): see AUDIT_NAMES and the sandbox README.
//
// Paging as documented for developers: newest first; `limit` (default 200, at most 1000),
// `offset`, `pageCursor` = "<epoch ms>,<id>" of the last event of the previous page (from
// pagingInfo.nextPageCursor.cursor), `from`/`to` (ISO 8601, both inclusive), and the filters
// `categories`, `actions` (comma-separated, case-insensitive) and `search` (substring of the
// author, affected objects and changed values).
import { HttpError, intParam } from './http.mjs';

const DAY = 86_400_000;

/** The category and action strings of each event kind (assumed; overridable with the `auditNames` option). */
export const AUDIT_NAMES = Object.freeze({
  created: { category: 'user management', action: 'User created' },
  deactivated: { category: 'user management', action: 'User deactivated' },
  reactivated: { category: 'user management', action: 'User reactivated' },
  renamed: { category: 'user management', action: 'User renamed' },
  updated: { category: 'user management', action: 'User updated' },
  addedToGroup: { category: 'user management', action: 'User added to group' },
  removedFromGroup: { category: 'user management', action: 'User removed from group' },
  projectUpdated: { category: 'projects', action: 'Project updated' },
});

const I18N = {
  created: 'jira.auditing.user.created',
  deactivated: 'jira.auditing.user.deactivated',
  reactivated: 'jira.auditing.user.reactivated',
  renamed: 'jira.auditing.user.renamed',
  updated: 'jira.auditing.user.updated',
  addedToGroup: 'jira.auditing.user.added.to.group',
  removedFromGroup: 'jira.auditing.user.removed.from.group',
  projectUpdated: 'jira.auditing.project.updated',
};

/** A stored event's `changedValues` keys and their i18n keys. */
const CHANGE_KEYS = { active: 'common.words.active', username: 'common.words.username', displayName: 'common.words.fullname', emailAddress: 'common.words.email', lead: 'common.concepts.projectlead' };

const iso = (ms) => new Date(ms).toISOString();

export class AuditLog {
  /**
   * @param {{now: () => number, retentionDays?: number, names?: Record<string, {category?: string, action?: string}>}} options
   */
  constructor({ now, retentionDays = 365, names = {} }) {
    if (!(Number.isFinite(retentionDays) && retentionDays >= 0)) throw new Error(`audit retention must be a number of days >= 0, not ${retentionDays}`);
    this.now = now;
    this.retentionDays = retentionDays;
    this.names = {};
    for (const [kind, n] of Object.entries(AUDIT_NAMES)) this.names[kind] = { ...n, ...(names[kind] ?? {}) };
    /** @type {object[]} frozen events in the order written */
    this.events = [];
    this.nextId = 1;
    /** Off while the seed is built: its adjustments are not things anyone did. */
    this.recording = false;
  }

  get oldest() {
    return this.now() - this.retentionDays * DAY;
  }

  /**
   * Appends an event. kind: a key of AUDIT_NAMES; author: {id, name, type}; objects: [{id, name,
   * type, path}] (path is made absolute when served); changes: [{key, from, to}].
   */
  record(kind, { at = this.now(), author, objects, changes = [], method = 'System' }) {
    const n = this.names[kind];
    if (!n) throw new Error(`unknown audit event kind ${kind}`);
    const ev = {
      id: this.nextId++,
      at,
      author: Object.freeze({ ...author }),
      type: Object.freeze({ category: n.category, categoryI18nKey: `jira.auditing.category.${n.category.replace(/\s+/g, '')}`, action: n.action, actionI18nKey: I18N[kind] }),
      affectedObjects: Object.freeze(objects.map((o) => Object.freeze({ ...o }))),
      changedValues: Object.freeze(changes.map((c) => Object.freeze({ key: c.key, i18nKey: CHANGE_KEYS[c.key] ?? c.key, from: c.from, to: c.to }))),
      method,
    };
    this.events.push(Object.freeze(ev));
    return ev;
  }

  /** Events inside the retention window, newest first (ties: higher id first). */
  visible() {
    const oldest = this.oldest;
    const out = this.events.filter((e) => e.at >= oldest);
    out.sort((a, b) => b.at - a.at || b.id - a.id);
    return out;
  }

  /** An event in the REST shape (reference §2c); `base` is the server's base URL. */
  static entity(e, base) {
    const user = (o) => ({ id: o.id, name: o.name, type: o.type, uri: o.path === undefined ? '' : `${base}${o.path}` });
    return {
      timestamp: iso(e.at),
      author: { ...user(e.author), avatarUri: e.author.type === 'user' ? `${base}/secure/useravatar?size=small&ownerId=${encodeURIComponent(e.author.id)}` : '' },
      type: { ...e.type },
      affectedObjects: e.affectedObjects.map(user),
      changedValues: e.changedValues.map((c) => ({ ...c })),
      extraAttributes: [],
      method: e.method,
      node: null,
      source: '127.0.0.1',
      system: base,
    };
  }
}

/** The author object of an event from a `by` name: the user of that name, else a system actor. */
export function authorOf(state, by) {
  const u = by === undefined ? undefined : state.user(by);
  if (u) return { id: u.key, name: u.name, type: 'user', path: `/secure/ViewProfile.jspa?name=${encodeURIComponent(u.name)}` };
  return { id: String(by ?? 'system'), name: by === undefined || by === 'system' ? 'System' : String(by), type: 'system' };
}

export const userObject = (u) => ({ id: u.key, name: u.name, type: 'USER', path: `/secure/ViewProfile.jspa?name=${encodeURIComponent(u.name)}` });
export const groupObject = (g) => ({ id: g.name, name: g.name, type: 'GROUP', path: `/secure/admin/user/ViewGroup.jspa?name=${encodeURIComponent(g.name)}` });

function listParam(q, name) {
  const out = [];
  for (const v of q.getAll(name)) for (const part of v.split(',')) if (part.trim()) out.push(part.trim().toLowerCase());
  return out;
}

function instantParam(q, name) {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  const ms = Date.parse(v);
  if (!/^\d{4}-\d{2}-\d{2}/.test(v) || Number.isNaN(ms)) throw new HttpError(400, `The value '${v}' of parameter '${name}' is not an ISO 8601 instant.`);
  return ms;
}

/** GET /rest/auditing/1.0/events: one page, as the REST resource answers. */
export function auditPage(log, base, url) {
  const q = url.searchParams;
  const from = instantParam(q, 'from');
  const to = instantParam(q, 'to');
  let limit = intParam(q, 'limit', 200);
  if (limit <= 0) throw new HttpError(400, 'limit must be greater than 0');
  limit = Math.min(limit, 1000);
  const offset = intParam(q, 'offset', 0);
  if (offset < 0) throw new HttpError(400, 'offset must not be negative');
  const cursorText = q.get('pageCursor');
  let cursor;
  if (cursorText !== null && cursorText !== '') {
    const m = /^(\d+),(\d+)$/.exec(cursorText);
    if (!m) throw new HttpError(400, `Invalid page cursor '${cursorText}': expected "timestamp,id"`);
    cursor = { at: Number(m[1]), id: Number(m[2]) };
  }
  const categories = listParam(q, 'categories');
  const actions = listParam(q, 'actions');
  const search = (q.get('search') ?? '').toLowerCase();

  const matching = log.visible().filter((e) => {
    if (from !== undefined && e.at < from) return false;
    if (to !== undefined && e.at > to) return false;
    if (cursor && !(e.at < cursor.at || (e.at === cursor.at && e.id < cursor.id))) return false;
    if (categories.length && !categories.includes(e.type.category.toLowerCase())) return false;
    if (actions.length && !actions.includes(e.type.action.toLowerCase())) return false;
    if (search) {
      const text = [e.author.name, e.type.action, ...e.affectedObjects.map((o) => o.name), ...e.changedValues.flatMap((c) => [c.from, c.to])].join('\n').toLowerCase();
      if (!text.includes(search)) return false;
    }
    return true;
  });
  const page = matching.slice(offset, offset + limit);
  const lastPage = offset + page.length >= matching.length;
  const pagingInfo = { lastPage };
  if (!lastPage) {
    const last = page[page.length - 1];
    const cursorValue = `${last.at},${last.id}`;
    const next = new URL(`${base}/rest/auditing/1.0/events`);
    for (const [k, v] of q) if (k !== 'pageCursor' && k !== 'offset') next.searchParams.append(k, v);
    next.searchParams.set('pageCursor', cursorValue);
    next.searchParams.set('limit', String(limit));
    pagingInfo.nextPageCursor = { cursor: cursorValue };
    pagingInfo.nextPageLink = next.href;
    pagingInfo.nextPageOffset = offset + page.length;
  }
  pagingInfo.size = page.length;
  return { entities: page.map((e) => AuditLog.entity(e, base)), pagingInfo };
}
