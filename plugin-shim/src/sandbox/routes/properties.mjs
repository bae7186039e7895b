// User properties (JSON entity properties on a user), the storage User Cleanup uses for its
// policy and audit trail (plugin-shim/app/store.mjs), and creating the storage account.
//
//   GET    /rest/api/2/user/properties?username=|userKey=            {keys: [{self, key}]}
//   GET    /rest/api/2/user/properties/{key}?username=|userKey=      {key, value}  | 404
//   PUT    /rest/api/2/user/properties/{key}?username=|userKey=      JSON value -> 201 created | 200 updated
//   DELETE /rest/api/2/user/properties/{key}?username=|userKey=      204 | 404
//   POST   /rest/api/2/user                                          create a user (admin) -> 201 user bean (a new key)
//
// Rules as Jira's entity-property service applies them (JsonEntityPropertyManagerImpl): the key
// is at most 255 characters, the value is valid JSON of at most 32,768 characters
// (EntityConstants.EXTREMELY_LONG_MAXIMUM_LENGTH). Administrators may read and write the properties
// of any user; other users only their own. Error wording is realistic, not verified.
// State: state.userProperties, Map(lowercase username -> Map(key -> JSON text)); kept when a user
// is deactivated (Jira deletes them only with the user).
import { HttpError } from '../http.mjs';
import { userBean } from '../beans.mjs';
import { isAdmin } from '../permissions.mjs';

export const MAX_KEY_LENGTH = 255;
export const MAX_VALUE_LENGTH = 32768;

function store(state) {
  if (!state.userProperties) Object.defineProperty(state, 'userProperties', { value: new Map(), enumerable: false });
  return state.userProperties;
}

/** The properties of a user (Map key -> parsed value); for tests. */
export function userPropertiesOf(state, name) {
  const m = store(state).get(String(name).toLowerCase());
  return new Map([...(m ?? new Map())].map(([k, v]) => [k, JSON.parse(v)]));
}

function targetUser(ctx, url, principal, write) {
  const q = url.searchParams;
  const username = q.get('username');
  const key = q.get('userKey');
  if (!username && !key) throw new HttpError(400, 'Either the userKey or the username has to be provided.');
  const u = username ? ctx.state.user(username) : ctx.state.userByKey(key);
  if (!u) throw new HttpError(404, username ? `The user with username '${username}' does not exist.` : `The user with key '${key}' does not exist.`);
  if (u !== principal.user && !isAdmin(principal.user)) {
    throw new HttpError(403, write
      ? `You do not have permission to edit the properties of the user '${u.name}'.`
      : `You do not have permission to view the properties of the user '${u.name}'.`);
  }
  return u;
}

function checkKey(key) {
  if (!key || !key.trim()) throw new HttpError(400, 'The property key cannot be empty.');
  if (key.length > MAX_KEY_LENGTH) throw new HttpError(400, `The property key is too long. The maximum allowed length is ${MAX_KEY_LENGTH} characters.`);
}

const selfOf = (ctx, u, key) => `${ctx.baseUrl}/rest/api/2/user/properties/${encodeURIComponent(key)}?username=${encodeURIComponent(u.name)}`;

function listKeys(ctx, { url, principal }) {
  const u = targetUser(ctx, url, principal, false);
  const m = store(ctx.state).get(u.lc) ?? new Map();
  return { body: { keys: [...m.keys()].sort().map((key) => ({ self: selfOf(ctx, u, key), key })) } };
}

function getProperty(ctx, { url, principal, params }) {
  const u = targetUser(ctx, url, principal, false);
  const key = params[0];
  checkKey(key);
  const text = store(ctx.state).get(u.lc)?.get(key);
  if (text === undefined) throw new HttpError(404, `The property with key '${key}' does not exist.`);
  return { body: { key, value: JSON.parse(text) } };
}

function putProperty(ctx, { url, principal, params, json }) {
  const u = targetUser(ctx, url, principal, true);
  const key = params[0];
  checkKey(key);
  if (json === undefined) throw new HttpError(400, 'The property value must be a valid, non-empty JSON.');
  const text = JSON.stringify(json);
  if (text.length > MAX_VALUE_LENGTH) {
    throw new HttpError(400, `The property value is too long. The maximum allowed length is ${MAX_VALUE_LENGTH} characters.`);
  }
  return {
    commit() {
      const all = store(ctx.state);
      if (!all.has(u.lc)) all.set(u.lc, new Map());
      const m = all.get(u.lc);
      const created = !m.has(key);
      m.set(key, text);
      return { status: created ? 201 : 200, body: undefined };
    },
  };
}

function deleteProperty(ctx, { url, principal, params }) {
  const u = targetUser(ctx, url, principal, true);
  const key = params[0];
  checkKey(key);
  const m = store(ctx.state).get(u.lc);
  if (!m?.has(key)) throw new HttpError(404, `The property with key '${key}' does not exist.`);
  return {
    commit() {
      m.delete(key);
      return { status: 204 };
    },
  };
}

/**
 * POST /rest/api/2/user {name, emailAddress, displayName, password?, applicationKeys?}. Without
 * `applicationKeys` Jira adds the user to the default groups of the default application (a
 * licence); `applicationKeys: []` creates it without application access.
 */
function createUser(ctx, { principal, json }) {
  if (!isAdmin(principal.user)) throw new HttpError(403, 'You do not have the permission to create users.');
  const b = json && typeof json === 'object' && !Array.isArray(json) ? json : {};
  const errors = {};
  if (typeof b.name !== 'string' || !b.name.trim()) errors.username = 'You must specify a username.';
  if (typeof b.emailAddress !== 'string' || !/@/.test(b.emailAddress)) errors.email = 'You must specify a valid email address.';
  if (typeof b.displayName !== 'string' || !b.displayName.trim()) errors.fullName = 'You must specify a full name.';
  if (Object.keys(errors).length) throw new HttpError(400, [], errors);
  if (ctx.state.user(b.name)) throw new HttpError(400, [], { username: 'A user with that username already exists.' });
  let groups = [];
  if (!Array.isArray(b.applicationKeys)) {
    const role = ctx.state.roles[0];
    groups = role ? [role.groups[0]] : [];
  } else {
    for (const k of b.applicationKeys) {
      const role = ctx.state.roles.find((r) => r.key === k);
      if (!role) throw new HttpError(400, [], { applicationKeys: `Application '${k}' is not installed.` });
      groups.push(role.groups[0]);
    }
  }
  return {
    commit() {
      const u = ctx.state.addUser({
        name: b.name, displayName: b.displayName, email: b.emailAddress, active: true, groups,
        directory: 'Jira Internal Directory', created: new Date(ctx.state.now()).toISOString(), lastLogin: null,
      }, { by: principal.user.name });
      if (typeof b.password === 'string' && b.password) ctx.auth.passwords.set(u.lc, b.password);
      return { status: 201, body: userBean(ctx, u, { groupsSize: true }) };
    },
  };
}

const PROP = /^\/rest\/api\/2\/user\/properties\/([^/]+)$/;

export const propertyRoutes = [
  { method: 'GET', path: '/rest/api/2/user/properties', auth: true, handler: listKeys },
  { method: 'GET', path: PROP, auth: true, handler: getProperty },
  { method: 'PUT', path: PROP, auth: true, mutation: true, handler: putProperty },
  { method: 'DELETE', path: PROP, auth: true, mutation: true, handler: deleteProperty },
  { method: 'POST', path: '/rest/api/2/user', auth: true, admin: true, mutation: true, handler: createUser },
];
