// Writes: (de)activate, remove from / add to a group. Every call resolves to
// {ok:true} or {ok:false, status, code, reason, detail?}; nothing throws except bad arguments.
// All mutations send X-Atlassian-Token: no-check (http.mjs) and JSON bodies where there is a body.
import { HostError, toFailure } from './errors.mjs';
import { normaliseTime } from './detect.mjs';

const eqi = (a, b) => String(a).toLowerCase() === String(b).toLowerCase();

/**
 * GET /rest/api/2/user?username=&expand=groups -> {name, key, displayName, email, active, groups,
 * lastLogin?} | null (no such user). `lastLogin` only where the version reports it (the bean's
 * `lastLoginTime`, 10.x/11): a time, or null when the key is there without one (never logged in);
 * absent when the bean has no such key (Jira 9: not known). Jira's REST user bean has no directory
 * and no creation date, so neither is here.
 * @param {{signal?: AbortSignal}} [opt]  ends the read (and its retries) early, e.g. a run's Stop
 */
export async function getUser(http, name, { signal } = {}) {
  try {
    const b = await http.getJson('/rest/api/2/user', { username: name, expand: 'groups' }, { signal });
    if (!b || typeof b.name !== 'string') return null;
    const items = b.groups && Array.isArray(b.groups.items) ? b.groups.items : [];
    const out = {
      name: b.name,
      active: b.active !== false,
      groups: items.map((g) => (typeof g === 'string' ? g : g && g.name)).filter(Boolean),
    };
    if (b.key != null) out.key = b.key;
    if (b.displayName != null) out.displayName = b.displayName;
    if (b.emailAddress != null) out.email = b.emailAddress;
    if (Object.prototype.hasOwnProperty.call(b, 'lastLoginTime')) {
      const v = b.lastLoginTime;
      // An unreadable time is not known (absent), never "never".
      if (v === null || v === '') out.lastLogin = null;
      else {
        const iso = normaliseTime(v);
        if (iso) out.lastLogin = iso;
      }
    }
    return out;
  } catch (e) {
    if (e instanceof HostError && e.status === 404) return null;
    throw e;
  }
}

function need(v, what) {
  if (typeof v !== 'string' || !v) throw new TypeError(`${what} must be a non-empty string`);
}

export function createMutations(http) {
  async function setActive(name, active) {
    need(name, 'name');
    try {
      await http.request('PUT', '/rest/api/2/user', { query: { username: name }, body: { active }, json: false });
      return { ok: true };
    } catch (e) {
      if (e instanceof HostError && e.code === 'host.aborted') return toFailure(e);
      if (e instanceof HostError && e.status === 400) {
        // Jira may refuse a no-op change ("no value found to be changed"): check the state.
        const state = await safeGet(name);
        if (state && state.active === active) return { ok: true, already: true };
      }
      return toFailure(e);
    }
  }

  async function safeGet(name) {
    try { return await getUser(http, name); } catch { return undefined; }
  }

  async function removeFromGroup(name, group) {
    need(name, 'name');
    need(group, 'group');
    try {
      await http.request('DELETE', '/rest/api/2/group/user', { query: { groupname: group, username: name }, json: false });
      return { ok: true };
    } catch (e) {
      if (e instanceof HostError && (e.status === 400 || e.status === 404)) {
        // "not a member" (also after a retry whose first attempt did the work): verify.
        const state = await safeGet(name);
        if (state === null) return toFailure(e); // the user is gone: notFound
        if (state && !state.groups.some((g) => eqi(g, group))) {
          return e.status === 404 && !(e.attempts > 1) && /group/i.test(e.reason) && /not (found|exist)|does not exist/i.test(e.reason) && !/member/i.test(e.reason)
            ? toFailure(e) // the group itself does not exist
            : { ok: true, already: true };
        }
      }
      return toFailure(e);
    }
  }

  async function addToGroup(name, group) {
    need(name, 'name');
    need(group, 'group');
    try {
      // POST is repeated after a network failure or 429 only; an "already a member" answer to the
      // repeat is then checked below.
      await http.request('POST', '/rest/api/2/group/user', { query: { groupname: group }, body: { name }, idempotent: true, json: false });
      return { ok: true };
    } catch (e) {
      if (e instanceof HostError && (e.status === 400 || e.status === 409)) {
        const state = await safeGet(name);
        if (state && state.groups.some((g) => eqi(g, group))) return { ok: true, already: true };
      }
      return toFailure(e);
    }
  }

  return {
    deactivate: (name) => setActive(name, false),
    reactivate: (name) => setActive(name, true),
    removeFromGroup,
    addToGroup,
  };
}
