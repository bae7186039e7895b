// Account creation dates from Jira's audit log (GET /rest/auditing/1.0/events, 8.8+), for
// never-logged-in rules on Jira versions whose REST user has no creation date (all of them).
//
// An account created inside the log's window has a "User created" event there: its date. An
// account with none was created before the window began — an upper bound (`createdBefore`). The
// window's start is not reported over REST, so the bound used is the OLDEST EVENT READ: every
// event older than the real start is gone, so the oldest one left is at or after it, and an
// account created at or after it would have its own event. That bound only ever errs late
// (fewer accounts count as old), never early. With `windowDays` (what the admin set as the audit
// retention) only the events of the last `windowDays` days are read, which bounds the work.
//
// Assumptions, documented in the README: Jira records user creation in the audit log (its
// default coverage; if an admin turned user-management auditing off, no account has an event and
// the bound would be wrong — so when the log holds no creation event at all, no bound is given),
// and events are read leniently (audit.mjs).
import { readAuditEvents } from './audit.mjs';

const DAY = 86_400_000;

/**
 * @param {any} http  the adapter's HTTP layer
 * @param {{now: number|string|Date, windowDays?: number, maxPages?: number}} o
 *   now: Jira's time (serverInfo); the read goes to a day past it
 * @returns {Promise<{created: Map<string, string>, windowStart: string|null, from: string, to: string, events: number, createdEvents: number}>}
 *   created: lowercase username AND lowercase user key → ISO instant of the latest creation event
 */
export async function creationDates(http, { now, windowDays, maxPages } = /** @type {any} */ ({})) {
  const to = now instanceof Date ? now.getTime() : typeof now === 'number' ? now : Date.parse(String(now));
  if (!Number.isFinite(to)) throw new TypeError(`creationDates: now is not an instant: ${JSON.stringify(now)}`);
  if (windowDays !== undefined && !(Number.isFinite(windowDays) && windowDays > 0)) throw new TypeError(`creationDates: windowDays must be a number of days > 0, not ${JSON.stringify(windowDays)}`);
  const from = windowDays !== undefined ? to - windowDays * DAY : 0;
  // Read a day past `now`: an account created while the users were being read (after `now`)
  // must find its event, or it would get the window's start as its bound.
  const events = await readAuditEvents(http, { from, to: to + DAY, ...(maxPages ? { maxPages } : {}) });
  /** @type {Map<string, string>} */
  const created = new Map();
  let oldest = Infinity;
  let createdEvents = 0;
  for (const e of events) {
    const at = e.at ? Date.parse(e.at) : NaN;
    if (!Number.isFinite(at)) continue;
    if (at < oldest) oldest = at;
    if (e.action !== 'created') continue;
    createdEvents++;
    // Events are oldest first: a later creation (a name reused by a new account) wins.
    for (const id of e.userIds) created.set(id, e.at);
  }
  return {
    created,
    windowStart: createdEvents > 0 && Number.isFinite(oldest) ? new Date(oldest).toISOString() : null,
    from: new Date(from).toISOString(),
    to: new Date(to + DAY).toISOString(),
    events: events.length,
    createdEvents,
  };
}

/**
 * A user's creation instant from `creationDates(...).created`: by user key first (the key
 * survives renames), then by username — unless the event under that name belongs to another key.
 */
export function createdOf(created, user, keysInSnapshot) {
  const key = user.key != null ? String(user.key).toLowerCase() : null;
  if (key && created.has(key)) return created.get(key);
  const name = String(user.name).toLowerCase();
  // A name that is also some other account's key would point at that account's event.
  if (keysInSnapshot?.has(name) && name !== key) return undefined;
  return created.get(name);
}
