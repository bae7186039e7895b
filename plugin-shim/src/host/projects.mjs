// Project and component leads (Jira refuses to deactivate a project lead; a component lead is
// replaced by the project's default without notice), and changing a project's lead.
//   GET /rest/api/2/project?expand=lead          each project with lead {name, key, displayName, active}
//   GET /rest/api/2/project/{key}/components     each component with lead / leadUserName
//   PUT /rest/api/2/project/{key} {"lead": name}  (Jira DC takes the username)
// One request for the projects plus one per project for its components: never one per user.
import { HostError, toFailure } from './errors.mjs';

const enc = encodeURIComponent;
const str = (v) => (typeof v === 'string' && v ? v : null);

/** The lead's username from a project or component bean (`lead.name`, else `leadUserName`). */
function leadName(bean) {
  return str(bean?.lead?.name) ?? str(bean?.leadUserName);
}

/**
 * Every project the caller can see, with its lead: `[{key, name, id?, lead: username|null, leadKey?}]`
 * (sorted by key). A project whose answer has no lead gets `lead: null`.
 */
export async function projectLeads(http) {
  const arr = await http.getJson('/rest/api/2/project', { expand: 'lead' });
  if (!Array.isArray(arr)) throw new HostError('host.badResponse', 'GET /rest/api/2/project: the answer is not a list', { reason: 'Jira answered the project list in an unexpected shape' });
  const out = [];
  for (const p of arr) {
    if (!p || typeof p.key !== 'string' || !p.key) continue;
    const o = { key: p.key, name: typeof p.name === 'string' ? p.name : p.key, lead: leadName(p) };
    if (p.id != null) o.id = String(p.id);
    if (p.lead?.key != null) o.leadKey = String(p.lead.key);
    out.push(o);
  }
  return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/**
 * The components of the given projects (default: every project) with their leads:
 * `[{project, name, id?, lead: username|null}]`. `projects` are keys or `projectLeads` entries.
 * Requests run with the adapter's concurrency.
 */
export async function componentLeads(http, projects) {
  const keys = (projects ?? (await projectLeads(http))).map((p) => (typeof p === 'string' ? p : p.key));
  const lists = await Promise.all(keys.map(async (key) => {
    let arr;
    try {
      arr = await http.getJson(`/rest/api/2/project/${enc(key)}/components`);
    } catch (e) {
      // A project removed between the two reads has no components to lead.
      if (e instanceof HostError && e.status === 404) return [];
      throw e;
    }
    if (!Array.isArray(arr)) throw new HostError('host.badResponse', `GET /rest/api/2/project/${key}/components: the answer is not a list`, { reason: 'Jira answered a component list in an unexpected shape' });
    return arr.filter((c) => c && typeof c.name === 'string').map((c) => {
      const o = { project: key, name: c.name, lead: leadName(c) };
      if (c.id != null) o.id = String(c.id);
      return o;
    });
  }));
  return lists.flat();
}

/**
 * Per-user `leads` for a snapshot: Map lowercase username → {projects: [{key, name}],
 * components: [{project, name, id?}]}.
 */
export function leadsByUser(projects, components) {
  /** @type {Map<string, {projects: {key: string, name: string}[], components: {project: string, name: string, id?: string}[]}>} */
  const m = new Map();
  const of = (name) => {
    const k = name.toLowerCase();
    let v = m.get(k);
    if (!v) m.set(k, (v = { projects: [], components: [] }));
    return v;
  };
  for (const p of projects) if (p.lead) of(p.lead).projects.push({ key: p.key, name: p.name });
  for (const c of components) if (c.lead) of(c.lead).components.push({ project: c.project, name: c.name, ...(c.id !== undefined ? { id: c.id } : {}) });
  return m;
}

/**
 * Makes `user` the lead of project `key`: `{ok: true}` or `{ok: false, status, code, reason}`
 * (Jira's own reason: no such user, not allowed, …). Nothing throws except bad arguments.
 */
export async function setProjectLead(http, key, user) {
  if (typeof key !== 'string' || !key) throw new TypeError('project key must be a non-empty string');
  if (typeof user !== 'string' || !user) throw new TypeError('user must be a non-empty string');
  try {
    await http.request('PUT', `/rest/api/2/project/${enc(key)}`, { body: { lead: user }, json: false });
    return { ok: true };
  } catch (e) {
    if (e instanceof HostError) return toFailure(e);
    throw e;
  }
}
