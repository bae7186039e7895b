// User resources: myself, user (get; update active, displayName, emailAddress, name = rename), user/search (9.x pages / 10.x window of 100),
// user/list (10.3 LTS and 11 cursor stream), user/duplicated/list and count.
import { HttpError, intParam, boolParam } from '../http.mjs';
import { userBean } from '../beans.mjs';
import { isAdmin, canBrowseUsers } from '../permissions.mjs';

const notFoundUser = (name) => new HttpError(404, `The user named '${name}' does not exist`);

function expandOf(q) {
  const e = q.get('expand');
  return new Set((e ?? '').split(',').map((s) => s.trim()).filter(Boolean));
}

function findUser(ctx, q) {
  const username = q.get('username');
  const key = q.get('key');
  if (username === null && key === null) throw new HttpError(404, 'The username query parameter was not provided');
  const u = username !== null ? ctx.state.user(username) : ctx.state.userByKey(key);
  if (!u) throw username !== null ? notFoundUser(username) : new HttpError(404, `The user with key '${key}' does not exist`);
  return u;
}

/**
 * Candidates for a user/search query, sorted by name: prefix-token match on username, email and
 * display name (reference §1.2); a query of only separators ("." "%" "_") matches everyone.
 */
function candidates(state, query) {
  const q = query.trim().toLowerCase();
  if (/^[\s.@%_*]*$/.test(q)) return state.sortedUsers();
  return state.usersWithPrefix(q);
}

function myself(ctx, { principal, url }) {
  return { body: userBean(ctx, principal.user, { expand: expandOf(url.searchParams), groupsSize: true }) };
}

function getUser(ctx, { url }) {
  const q = url.searchParams;
  const u = findUser(ctx, q);
  return { body: userBean(ctx, u, { expand: expandOf(q), groupsSize: true, lastLogin: ctx.opts.lastLoginIn.has('user') }) };
}

async function putUser(ctx, { url, principal, json }) {
  const q = url.searchParams;
  if (!isAdmin(principal.user)) throw new HttpError(403, 'The user does not have permission to complete this operation.');
  const u = findUser(ctx, q);
  const body = json ?? {};
  if (typeof body !== 'object' || Array.isArray(body)) throw new HttpError(400, 'Can not deserialize the request body.');
  if ('active' in body && typeof body.active !== 'boolean') throw new HttpError(400, [], { active: 'The value must be true or false.' });
  if ('name' in body && (typeof body.name !== 'string' || !body.name.trim())) throw new HttpError(400, [], { username: 'You must specify a username.' });
  const rename = typeof body.name === 'string' && body.name !== u.name ? body.name : undefined;
  if (rename !== undefined) {
    const other = ctx.state.user(rename);
    if (other && other !== u) throw new HttpError(400, [], { username: 'A user with that username already exists.' });
  }
  const changes = ['active', 'displayName', 'emailAddress'].filter((f) => f in body && body[f] !== (f === 'emailAddress' ? u.email : u[f]));
  if (rename !== undefined) changes.push('name');
  if (changes.length && u.readOnly) {
    ctx.state.counters.refused++;
    throw new HttpError(400, `Cannot edit user '${u.name}' as the directory '${u.directory}' is read-only.`);
  }
  if (body.active === false && u === principal.user) {
    ctx.state.counters.refused++;
    throw new HttpError(400, [], { active: 'You cannot deactivate yourself.' });
  }
  // Jira refuses to deactivate a project lead (component leads do not block). The wording is
  // realistic, not verified against a real Jira.
  const led = body.active === false && u.active ? ctx.state.projects.ledBy(u) : [];
  if (led.length) {
    ctx.state.counters.refused++;
    throw new HttpError(400, [`Cannot deactivate user '${u.name}': they are the project lead of ${led.map((p) => `${p.name} (${p.key})`).join(', ')}. Choose another project lead for ${led.length === 1 ? 'that project' : 'those projects'} first.`]);
  }
  return {
    commit() {
      const by = principal.user.name;
      if (rename !== undefined) {
        // Jira keeps the key; what is keyed by the name here (credentials, sessions, properties) follows.
        const oldLc = u.lc;
        ctx.state.renameUser(u, rename, by);
        ctx.auth.renamed(oldLc, u.lc);
        const props = ctx.state.userProperties;
        if (props?.has(oldLc)) {
          props.set(u.lc, props.get(oldLc));
          if (oldLc !== u.lc) props.delete(oldLc);
        }
      }
      if ('active' in body) ctx.state.setActive(u, body.active, by);
      ctx.state.updateDetails(u, { displayName: body.displayName, email: body.emailAddress }, by);
      return { body: userBean(ctx, u, { groupsSize: true }) };
    },
  };
}

function searchUsers(ctx, { url, principal }) {
  const q = url.searchParams;
  const username = q.get('username');
  if (username === null) throw new HttpError(400, "The 'username' query parameter is required.");
  if (!canBrowseUsers(ctx.state, principal.user)) return { body: [] };
  const includeActive = boolParam(q, 'includeActive', true);
  const includeInactive = boolParam(q, 'includeInactive', false);
  const startAt = Math.max(0, intParam(q, 'startAt', 0));
  let maxResults = intParam(q, 'maxResults', 50);
  if (maxResults < 0) maxResults = 50;
  maxResults = Math.min(maxResults, ctx.mode.searchPageMax);
  const end = Math.min(startAt + maxResults, ctx.mode.searchWindow);
  if (startAt >= end) return { body: [] };
  const out = [];
  let seen = 0;
  for (const u of candidates(ctx.state, username)) {
    if (u.active ? !includeActive : !includeInactive) continue;
    if (seen >= startAt) out.push(u);
    seen++;
    if (seen >= end) break;
  }
  return { body: out.map((u) => userBean(ctx, u, { lastLogin: ctx.opts.lastLoginIn.has('search') })) };
}

function listUsers(ctx, { url, principal }) {
  const q = url.searchParams;
  if (!canBrowseUsers(ctx.state, principal.user)) throw new HttpError(403, 'You do not have permission to browse users.');
  const cursorText = q.get('cursor');
  let cursor = -Infinity;
  if (cursorText !== null && cursorText !== '') {
    if (!/^-?\d+$/.test(cursorText)) throw new HttpError(400, `Invalid cursor: '${cursorText}'`);
    cursor = Number(cursorText);
  }
  let maxResults = intParam(q, 'maxResults', ctx.opts.userListMax);
  if (maxResults <= 0) throw new HttpError(400, 'maxResults must be greater than 0');
  maxResults = Math.min(maxResults, ctx.opts.userListMax);
  const byId = ctx.state.byId;
  // first index with id > cursor (ids ascend in byId)
  let lo = 0, hi = byId.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (byId[mid].id > cursor) hi = mid;
    else lo = mid + 1;
  }
  const values = [];
  let i = lo;
  for (; i < byId.length && values.length < maxResults; i++) {
    const u = byId[i];
    if (!u.active && !ctx.opts.userListIncludesInactive) continue;
    values.push(u);
  }
  let more = false;
  for (let j = i; j < byId.length; j++) {
    if (byId[j].active || ctx.opts.userListIncludesInactive) {
      more = true;
      break;
    }
  }
  const self = `${ctx.baseUrl}${url.pathname}${url.search}`;
  const body = {
    self,
    maxResults,
    values: values.map((u) => userBean(ctx, u, { lastLogin: ctx.opts.lastLoginIn.has('list') })),
    isLast: !more,
  };
  if (more) {
    const next = String(values[values.length - 1].id);
    body.nextCursor = next;
    const nu = new URL(self);
    nu.searchParams.set('cursor', next);
    nu.searchParams.set('maxResults', String(maxResults));
    body.nextPage = nu.href;
  }
  return { body };
}

function killSessions(ctx, { principal, params }) {
  if (!isAdmin(principal.user)) throw new HttpError(403, 'You do not have permission to complete this operation.');
  const u = ctx.state.user(params[0]);
  if (!u) throw notFoundUser(params[0]);
  return {
    commit() {
      for (const s of [...ctx.auth.sessions.values()]) if (s.user === u.lc) ctx.auth.logout(s);
      return { status: 204 };
    },
  };
}

function duplicatedList(ctx, { principal }) {
  if (!isAdmin(principal.user)) throw new HttpError(403, 'You do not have permission to complete this operation.');
  return { body: {} }; // names are unique across directories in the sandbox
}

function duplicatedCount(ctx, { principal }) {
  if (!isAdmin(principal.user)) throw new HttpError(403, 'You do not have permission to complete this operation.');
  return { body: { count: 0 } };
}

export const userRoutes = [
  { method: 'GET', path: '/rest/api/2/myself', auth: true, handler: myself },
  { method: 'GET', path: '/rest/api/2/user', auth: true, handler: getUser },
  { method: 'PUT', path: '/rest/api/2/user', auth: true, admin: true, mutation: true, handler: putUser },
  { method: 'GET', path: '/rest/api/2/user/search', auth: true, handler: searchUsers },
  { method: 'GET', path: '/rest/api/2/user/list', auth: true, when: (mode) => mode.userList, handler: listUsers },
  { method: 'DELETE', path: /^\/rest\/api\/2\/user\/session\/([^/]+)$/, auth: true, admin: true, mutation: true, handler: killSessions },
  { method: 'GET', path: '/rest/api/2/user/duplicated/list', auth: true, handler: duplicatedList },
  { method: 'GET', path: '/rest/api/2/user/duplicated/count', auth: true, handler: duplicatedCount },
];
