// Projects, components and the issue search: GET /rest/api/2/project[?expand=lead],
// GET /rest/api/2/project/{keyOrId}, GET /rest/api/2/project/{keyOrId}/components,
// PUT /rest/api/2/project/{keyOrId} {"lead": "username"} (admins), GET|POST /rest/api/2/search
// with the JQL family in ../jql.mjs.
import { HttpError, intParam } from '../http.mjs';
import { isAdmin, canBrowseUsers } from '../permissions.mjs';
import { parseJql, JqlError } from '../jql.mjs';

const enc = encodeURIComponent;

/** The short user bean Jira nests in projects, components and issues. */
function userRef(ctx, u) {
  const base = ctx.baseUrl;
  return {
    self: `${base}/rest/api/2/user?username=${enc(u.name)}`,
    key: u.key,
    name: u.name,
    emailAddress: u.email,
    avatarUrls: { '48x48': `${base}/secure/useravatar?ownerId=${enc(u.key)}&avatarId=10122` },
    displayName: u.displayName,
    active: u.active,
    timeZone: ctx.timeZone,
  };
}

function projectBean(ctx, p, { lead = false, full = false } = {}) {
  const b = {
    expand: 'description,lead,url,projectKeys',
    self: `${ctx.baseUrl}/rest/api/2/project/${p.id}`,
    id: String(p.id),
    key: p.key,
    name: p.name,
    avatarUrls: { '48x48': `${ctx.baseUrl}/secure/projectavatar?avatarId=10324` },
    projectTypeKey: 'software',
    archived: false,
  };
  if (lead || full) b.lead = userRef(ctx, p.lead);
  if (full) {
    b.description = '';
    b.components = p.components.map((c) => componentBean(ctx, c));
    b.assigneeType = 'PROJECT_LEAD';
    b.projectKeys = [p.key];
  }
  return b;
}

function componentBean(ctx, c) {
  const b = {
    self: `${ctx.baseUrl}/rest/api/2/component/${c.id}`,
    id: String(c.id),
    name: c.name,
    assigneeType: 'PROJECT_DEFAULT',
    realAssigneeType: c.lead ? 'COMPONENT_LEAD' : 'PROJECT_DEFAULT',
    isAssigneeTypeValid: true,
    project: c.project.key,
    projectId: c.project.id,
  };
  if (c.lead) {
    b.lead = userRef(ctx, c.lead);
    b.leadUserName = c.lead.name;
  }
  return b;
}

const expandOf = (q) => new Set((q.get('expand') ?? '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean));

function findProject(ctx, keyOrId) {
  const p = ctx.state.projects.project(keyOrId);
  if (!p) throw new HttpError(404, `No project could be found with key '${keyOrId}'.`);
  return p;
}

function listProjects(ctx, { url, principal }) {
  // Browse Projects: the sandbox grants it to everyone who may browse users (admins and role holders).
  if (!canBrowseUsers(ctx.state, principal.user)) return { body: [] };
  const lead = expandOf(url.searchParams).has('lead');
  return { body: ctx.state.projects.list.map((p) => projectBean(ctx, p, { lead })) };
}

function getProject(ctx, { params, principal }) {
  if (!canBrowseUsers(ctx.state, principal.user)) throw new HttpError(404, `No project could be found with key '${params[0]}'.`);
  return { body: projectBean(ctx, findProject(ctx, params[0]), { full: true }) };
}

function listComponents(ctx, { params, principal }) {
  if (!canBrowseUsers(ctx.state, principal.user)) throw new HttpError(404, `No project could be found with key '${params[0]}'.`);
  return { body: findProject(ctx, params[0]).components.map((c) => componentBean(ctx, c)) };
}

function putProject(ctx, { params, principal, json }) {
  if (!isAdmin(principal.user)) throw new HttpError(403, 'You must have global administrator rights in order to modify projects.');
  const p = findProject(ctx, params[0]);
  const body = json ?? {};
  if (typeof body !== 'object' || Array.isArray(body)) throw new HttpError(400, 'Can not deserialize the request body.');
  let lead;
  if ('lead' in body) {
    if (typeof body.lead !== 'string' || !body.lead.trim()) throw new HttpError(400, [], { projectLead: 'You must specify a valid project lead.' });
    lead = ctx.state.user(body.lead);
    if (!lead) throw new HttpError(400, [], { projectLead: 'The user you have specified as project lead does not exist.' });
    // Assumed (not verified against a real Jira): an inactive user cannot become a lead.
    if (!lead.active) throw new HttpError(400, [], { projectLead: `The user '${lead.name}' is not active and cannot be the project lead.` });
  }
  if ('name' in body && (typeof body.name !== 'string' || !body.name.trim())) throw new HttpError(400, [], { projectName: 'You must specify a valid project name.' });
  return {
    commit() {
      if (lead) ctx.state.projects.setLead(p, lead, principal.user.name);
      if (typeof body.name === 'string') p.name = body.name;
      // Jira DC documents 201 for an updated project.
      return { status: 201, body: projectBean(ctx, p, { full: true }) };
    },
  };
}

const DEFAULT_FIELDS = ['summary', 'assignee', 'resolution', 'project', 'status'];

function issueBean(ctx, i, fields) {
  const f = {};
  for (const name of fields) {
    if (name === 'assignee') f.assignee = i.assignee ? userRef(ctx, i.assignee) : null;
    else if (name === 'summary') f.summary = i.summary;
    else if (name === 'resolution') f.resolution = i.resolution === null ? null : { name: i.resolution };
    else if (name === 'project') f.project = { id: String(i.project.id), key: i.project.key, name: i.project.name };
    else if (name === 'status') f.status = { name: i.resolution === null ? 'Open' : 'Closed' };
  }
  return { expand: 'operations,versionedRepresentations,editmeta,changelog,renderedFields', id: String(i.id), self: `${ctx.baseUrl}/rest/api/2/issue/${i.id}`, key: i.key, fields: f };
}

function fieldsOf(v) {
  const list = (Array.isArray(v) ? v : typeof v === 'string' ? v.split(',') : []).map((s) => String(s).trim().toLowerCase()).filter(Boolean);
  if (!list.length || list.includes('*all') || list.includes('*navigable')) return DEFAULT_FIELDS;
  return DEFAULT_FIELDS.filter((f) => list.includes(f));
}

function search(ctx, principal, { jql, startAt, maxResults, fields, validateQuery }) {
  let q;
  try {
    q = parseJql(jql ?? '');
  } catch (e) {
    if (e instanceof JqlError) throw new HttpError(400, e.message);
    throw e;
  }
  const state = ctx.state;
  const sets = [];
  for (const list of q.assignees) {
    const set = new Set();
    const unknown = [];
    for (const name of list) {
      const u = state.user(name);
      if (u) set.add(u);
      else unknown.push(name);
    }
    // Jira validates user values unless validateQuery=false (then they match nobody).
    if (unknown.length && validateQuery !== false) throw new HttpError(400, unknown.map((n) => `The value '${n}' does not exist for the field 'assignee'.`));
    sets.push(set);
  }
  let matching = canBrowseUsers(state, principal.user)
    ? state.projects.issues.filter((i) => (!q.unresolved || i.resolution === null) && sets.every((s) => i.assignee !== null && s.has(i.assignee)))
    : [];
  if (q.order.length) {
    const cmp = (a, b, f) => {
      const x = f === 'assignee' ? (a.assignee?.name.toLowerCase() ?? '') : f === 'id' ? a.id : a.project.key === b.project.key ? Number(a.key.split('-')[1]) : a.project.key;
      const y = f === 'assignee' ? (b.assignee?.name.toLowerCase() ?? '') : f === 'id' ? b.id : a.project.key === b.project.key ? Number(b.key.split('-')[1]) : b.project.key;
      return x < y ? -1 : x > y ? 1 : 0;
    };
    matching = [...matching].sort((a, b) => {
      for (const o of q.order) {
        const c = cmp(a, b, o.field);
        if (c) return o.desc ? -c : c;
      }
      return a.id - b.id;
    });
  }
  const start = Math.max(0, startAt);
  const max = Math.max(0, Math.min(maxResults, ctx.opts.searchMax));
  const page = matching.slice(start, start + max);
  const wanted = fieldsOf(fields);
  return { body: { expand: 'schema,names', startAt: start, maxResults: max, total: matching.length, issues: page.map((i) => issueBean(ctx, i, wanted)) } };
}

function searchGet(ctx, { url, principal }) {
  const q = url.searchParams;
  const vq = q.get('validateQuery');
  return search(ctx, principal, {
    jql: q.get('jql') ?? '',
    startAt: intParam(q, 'startAt', 0),
    maxResults: intParam(q, 'maxResults', 50),
    fields: q.getAll('fields').join(','),
    validateQuery: vq === null ? true : vq.toLowerCase() !== 'false',
  });
}

function searchPost(ctx, { json, principal }) {
  const b = json ?? {};
  if (typeof b !== 'object' || Array.isArray(b)) throw new HttpError(400, 'Can not deserialize the request body.');
  if (b.jql !== undefined && typeof b.jql !== 'string') throw new HttpError(400, 'jql must be a string');
  for (const k of ['startAt', 'maxResults']) if (b[k] !== undefined && !Number.isInteger(b[k])) throw new HttpError(400, `${k} must be a whole number`);
  return search(ctx, principal, {
    jql: b.jql ?? '',
    startAt: b.startAt ?? 0,
    maxResults: b.maxResults ?? 50,
    fields: b.fields,
    validateQuery: b.validateQuery === false || b.validateQuery === 'false' ? false : true,
  });
}

const PROJECT = /^\/rest\/api\/2\/project\/([^/]+)$/;

export const projectRoutes = [
  { method: 'GET', path: '/rest/api/2/project', auth: true, handler: listProjects },
  { method: 'GET', path: PROJECT, auth: true, handler: getProject },
  { method: 'PUT', path: PROJECT, auth: true, admin: true, mutation: true, handler: putProject },
  { method: 'GET', path: /^\/rest\/api\/2\/project\/([^/]+)\/components$/, auth: true, handler: listComponents },
  { method: 'GET', path: '/rest/api/2/search', auth: true, handler: searchGet },
  // A read with a JSON body (`json`): not a mutation, so an injected fault never "applies" it.
  { method: 'POST', path: '/rest/api/2/search', auth: true, json: true, handler: searchPost },
];
