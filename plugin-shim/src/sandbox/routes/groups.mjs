// Group resources: groups/picker, group/member (paged, nested members none in the sandbox),
// group (legacy), and membership changes: DELETE / POST group/user.
import { HttpError, intParam, boolParam, escapeHtml } from '../http.mjs';
import { userBean, groupRef } from '../beans.mjs';
import { isAdmin } from '../permissions.mjs';

function requireGroup(ctx, q) {
  const name = q.get('groupname');
  if (name === null || name === '') throw new HttpError(400, 'Group name is required.');
  const g = ctx.state.group(name);
  if (!g) throw new HttpError(404, `Group with name '${name}' does not exist.`);
  return g;
}

function requireAdmin(principal) {
  if (!isAdmin(principal.user)) throw new HttpError(403, 'You do not have permission to complete this operation.');
}

function picker(ctx, { url }) {
  const q = url.searchParams;
  const query = (q.get('query') ?? '').toLowerCase();
  const exclude = new Set(q.getAll('exclude').map((s) => s.toLowerCase()));
  const asked = intParam(q, 'maxResults', undefined);
  const limit = ctx.opts.autocompleteLimit;
  let max = asked === undefined ? limit : ctx.opts.pickerHonoursMaxResults ? asked : Math.min(asked, limit);
  if (max < 0) max = limit;
  const matching = [...ctx.state.groups.values()]
    .filter((g) => !exclude.has(g.lc) && g.lc.includes(query))
    .sort((a, b) => (a.lc < b.lc ? -1 : a.lc > b.lc ? 1 : 0));
  const shown = matching.slice(0, max);
  const html = (name) => {
    if (!query) return escapeHtml(name);
    const i = name.toLowerCase().indexOf(query);
    return `${escapeHtml(name.slice(0, i))}<b>${escapeHtml(name.slice(i, i + query.length))}</b>${escapeHtml(name.slice(i + query.length))}`;
  };
  return {
    body: {
      header: `Showing ${shown.length} of ${matching.length} matching groups`,
      total: matching.length,
      groups: shown.map((g) => ({ name: g.name, html: html(g.name), labels: [] })),
    },
  };
}

function members(ctx, { url, principal }) {
  requireAdmin(principal);
  const q = url.searchParams;
  const g = requireGroup(ctx, q);
  const includeInactive = boolParam(q, 'includeInactiveUsers', false);
  const startAt = Math.max(0, intParam(q, 'startAt', 0));
  let maxResults = intParam(q, 'maxResults', 50);
  if (maxResults <= 0) maxResults = 50;
  maxResults = Math.min(maxResults, ctx.opts.groupMemberMax);
  const list = g.sortedMembers(ctx.state.version, includeInactive, ctx.state);
  const page = list.slice(startAt, startAt + maxResults);
  const link = (s) =>
    `${ctx.baseUrl}/rest/api/2/group/member?groupname=${encodeURIComponent(g.name)}&includeInactiveUsers=${includeInactive}&startAt=${s}&maxResults=${maxResults}`;
  const isLast = startAt + page.length >= list.length;
  const body = { self: link(startAt) };
  if (!isLast) body.nextPage = link(startAt + maxResults);
  Object.assign(body, {
    maxResults,
    startAt,
    total: list.length,
    isLast,
    values: page.map((u) => userBean(ctx, u, { lastLogin: ctx.opts.lastLoginIn.has('member') })),
  });
  return { body };
}

function groupBean(ctx, g, expandUsers) {
  const items = expandUsers ? g.sortedMembers(ctx.state.version, true, ctx.state).slice(0, 50) : [];
  return {
    name: g.name,
    self: groupRef(ctx, g.name).self,
    users: { size: g.effectiveMembers(ctx.state).size, items: items.map((u) => userBean(ctx, u)), 'max-results': 50, 'start-index': 0, 'end-index': Math.max(0, items.length - 1) },
    expand: 'users',
  };
}

function getGroup(ctx, { url, principal }) {
  requireAdmin(principal);
  const g = requireGroup(ctx, url.searchParams);
  return { body: groupBean(ctx, g, (url.searchParams.get('expand') ?? '').includes('users')) };
}

function removeMember(ctx, { url, principal }) {
  requireAdmin(principal);
  const q = url.searchParams;
  const g = requireGroup(ctx, q);
  const name = q.get('username');
  if (name === null || name === '') throw new HttpError(400, 'User name is required.');
  const u = ctx.state.user(name);
  if (!u) throw new HttpError(404, `The user named '${name}' does not exist`);
  if (!ctx.state.canChangeMembership(u, g)) {
    ctx.state.counters.refused++;
    throw new HttpError(400, `Cannot remove user '${u.name}' from group '${g.name}' as the directory '${u.directory}' is read-only.`);
  }
  if (!g.members.has(u)) {
    ctx.state.removeFromGroup(u, g, principal.user.name); // records the repeat
    throw new HttpError(400, `Cannot remove user '${u.name}' from group '${g.name}' since user is not a member of '${g.name}'`);
  }
  return {
    commit() {
      ctx.state.removeFromGroup(u, g, principal.user.name);
      return { status: ctx.opts.groupRemoveStatus, body: undefined };
    },
  };
}

function addMember(ctx, { url, principal, json }) {
  requireAdmin(principal);
  const g = requireGroup(ctx, url.searchParams);
  const name = json && typeof json === 'object' ? json.name : undefined;
  if (typeof name !== 'string' || !name) throw new HttpError(400, [], { name: 'User name is required.' });
  const u = ctx.state.user(name);
  if (!u) throw new HttpError(404, `The user named '${name}' does not exist`);
  if (!ctx.state.canChangeMembership(u, g)) {
    ctx.state.counters.refused++;
    throw new HttpError(400, `Cannot add user '${u.name}' to group '${g.name}' as the directory '${u.directory}' is read-only.`);
  }
  if (g.members.has(u)) {
    ctx.state.addToGroup(u, g, principal.user.name); // records the repeat
    throw new HttpError(400, `Cannot add user. '${u.name}' is already a member of '${g.name}'`);
  }
  return {
    commit() {
      ctx.state.addToGroup(u, g, principal.user.name);
      return { status: 201, body: groupBean(ctx, g, false) };
    },
  };
}

export const groupRoutes = [
  { method: 'GET', path: '/rest/api/2/groups/picker', auth: true, handler: picker },
  { method: 'GET', path: '/rest/api/2/group/member', auth: true, admin: true, handler: members },
  { method: 'GET', path: '/rest/api/2/group', auth: true, admin: true, handler: getGroup },
  { method: 'DELETE', path: '/rest/api/2/group/user', auth: true, admin: true, mutation: true, handler: removeMember },
  { method: 'POST', path: '/rest/api/2/group/user', auth: true, admin: true, mutation: true, handler: addMember },
];
