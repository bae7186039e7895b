// What a snapshot's users hold in Jira beyond their groups — read after the users, and added as
// the optional per-user fields of the snapshot contract (docs/snapshot.md):
//   leads        {projects: [{key, name}], components: [{project, name, id?}]}, only for leads
//                (projects.mjs: project?expand=lead + components per project)
//   openAssigned unresolved issues assigned (issues.mjs: batched JQL), for the users asked for
//   created      from the audit log's "User created" events, where the SQL export gave none
//   createdBefore the audit window's start, for users with no creation date at all (created.mjs)
// The engine decides what they mean; nothing here changes a plan by itself.
import { HostError } from './errors.mjs';
import { projectLeads, componentLeads, leadsByUser } from './projects.mjs';
import { openAssignedCounts } from './issues.mjs';
import { creationDates, createdOf } from './created.mjs';

/**
 * Sets `openAssigned` on the snapshot users named (all when `names` is true). Mutates `snap`.
 * @returns {Promise<{users: number, requests: number}>}
 */
export async function addOpenAssigned(http, snap, names) {
  const users = snap.users;
  const wanted = names === true ? users.map((u) => u.name) : names;
  if (!Array.isArray(wanted)) throw new TypeError('openAssigned: a list of usernames, or true for every user');
  const byLc = new Map(users.map((u) => [String(u.name).toLowerCase(), u]));
  const known = wanted.filter((n) => typeof n === 'string' && byLc.has(n.toLowerCase()));
  const counts = await openAssignedCounts(http, known);
  for (const [name, n] of counts) byLc.get(name.toLowerCase()).openAssigned = n;
  const out = { users: counts.size, requests: /** @type {any} */ (counts).requests ?? 0 };
  (snap.source ??= {}).openAssigned = out;
  return out;
}

/**
 * Adds leads, open assigned counts and audit-log creation dates to a freshly built snapshot.
 * @param {any} http
 * @param {any} snap  `{capturedAt, users, source}` (mutated)
 * @param {{leads?: boolean|'projects', openAssigned?: boolean|string[], creationDates?: boolean, auditWindowDays?: number, csvCreated?: boolean}} o
 */
export async function addImpact(http, snap, o) {
  const source = snap.source ?? (snap.source = {});
  // Leads and the audit log are read at the same time: the audit log is a chain of cursor pages,
  // each waiting for the one before, and the component reads fill the connections meanwhile.
  await Promise.all([o.leads !== false ? addLeads(http, snap, o) : null, o.creationDates ? addCreationDates(http, snap, o) : null]);
  if (o.openAssigned) await addOpenAssigned(http, snap, o.openAssigned);
  return snap;
}

/** Project and component leads → users' `leads`, `source.leads` (or why they could not be read). */
async function addLeads(http, snap, o) {
  const source = snap.source;
  try {
    const projects = await projectLeads(http);
    // 'projects': the project leads only (one request), for a Jira with thousands of projects.
    const components = o.leads === 'projects' ? [] : await componentLeads(http, projects);
    const m = leadsByUser(projects, components);
    for (const u of snap.users) {
      const l = m.get(String(u.name).toLowerCase());
      if (l) u.leads = l;
    }
    source.leads = { projects: projects.length, components: o.leads === 'projects' ? null : components.length };
  } catch (e) {
    // Leads not readable (a proxy hiding the endpoint, a failure after the retries): the
    // snapshot still serves, without leads, and says why. Not unsafe: Jira itself still
    // refuses to deactivate a lead, which the run then reports as a failure.
    if (!(e instanceof HostError)) throw e;
    for (const u of snap.users) delete u.leads;
    source.leads = { error: e.reason || e.message, code: e.code };
  }
}

/** Creation dates from the audit log → users' `created` / `createdBefore`, `source.created`. */
async function addCreationDates(http, snap, o) {
  const source = snap.source;
  try {
    const r = await creationDates(http, { now: snap.capturedAt ?? Date.now(), windowDays: o.auditWindowDays });
    const keys = new Set(snap.users.filter((u) => u.key != null).map((u) => String(u.key).toLowerCase()));
    let fromAudit = 0;
    for (const u of snap.users) {
      if (u.created) continue; // the SQL export wins
      const at = createdOf(r.created, u, keys);
      if (at) { u.created = at; fromAudit++; }
    }
    // Creation events none of which matches a user mean the events are not being read as
    // assumed: then an upper bound would be a guess, so none is given.
    const windowStart = fromAudit > 0 ? r.windowStart : null;
    let bounded = 0;
    if (windowStart) {
      for (const u of snap.users) if (!u.created) { u.createdBefore = windowStart; bounded++; }
    }
    source.created = { from: o.csvCreated ? 'csv+audit' : 'audit', auditFrom: r.from, windowStart, created: fromAudit, createdBefore: bounded, events: r.events };
  } catch (e) {
    // No audit log (before 8.8), not allowed, or more events than the bound: users keep no
    // creation date (never-logged-in rules then select nobody), and the snapshot says why.
    if (!(e instanceof HostError)) throw e;
    source.created = { from: o.csvCreated ? 'csv' : 'none', error: e.reason || e.message, code: e.code };
  }
}
