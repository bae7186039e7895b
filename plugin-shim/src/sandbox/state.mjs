// The sandbox's live data: users, groups (indexed both ways), directories, application roles, and
// the mutation counters. Every change goes through the methods here, which bump `version` so the
// derived views (sorted lists, group member pages, seat counts) are rebuilt lazily.
import { jiraTime, parseInstant } from './time.mjs';
import { AuditLog, authorOf, userObject, groupObject } from './audit.mjs';
import { ProjectStore } from './projects.mjs';

export const INTERNAL_DIRECTORY = 'Jira Internal Directory';

export class SandboxUser {
  constructor(fields) {
    Object.assign(this, fields);
    /** @type {Set<SandboxGroup>} */
    this.groupSet = new Set();
    this._tokens = undefined;
  }
  get lc() {
    return this.name.toLowerCase();
  }
  /** Effective groups (direct, plus the groups those are nested in). */
  get effectiveGroups() {
    const st = this._state;
    if (!st || st.parents.size === 0) return this.groupSet;
    const out = new Set();
    const visit = (g) => {
      if (out.has(g)) return;
      out.add(g);
      for (const p of st.parents.get(g.lc) ?? []) visit(p);
    };
    for (const g of this.groupSet) visit(g);
    return out;
  }
  /** Effective group names, sorted case-insensitively. */
  get groups() {
    return [...this.effectiveGroups].map((g) => g.name).sort(byLc);
  }
  /** Direct group names (what group/user DELETE can remove). */
  get directGroups() {
    return [...this.groupSet].map((g) => g.name).sort(byLc);
  }
  inGroup(name) {
    const lc = name.toLowerCase();
    for (const g of this.effectiveGroups) if (g.lc === lc) return true;
    return false;
  }
  /** Lowercased search tokens: username, email and display name, whole and split on separators. */
  get tokens() {
    if (!this._tokens) {
      const out = new Set();
      for (const field of [this.name, this.email, this.displayName]) {
        if (!field) continue;
        const f = field.toLowerCase();
        out.add(f);
        for (const t of f.split(/[\s@.\-_,()]+/)) if (t) out.add(t);
      }
      this._tokens = [...out];
    }
    return this._tokens;
  }
}

export class SandboxGroup {
  constructor(name) {
    this.name = name;
    this.lc = name.toLowerCase();
    /** @type {Set<SandboxUser>} */
    this.members = new Set();
    this._cache = null;
  }
  get size() {
    return this.members.size;
  }
  /** Direct members plus the members of nested (child) groups. */
  effectiveMembers(state) {
    if (!state || state.children.size === 0) return this.members;
    const out = new Set();
    const seen = new Set();
    const visit = (g) => {
      if (seen.has(g)) return;
      seen.add(g);
      for (const u of g.members) out.add(u);
      for (const c of state.children.get(g.lc) ?? []) visit(c);
    };
    visit(this);
    return out;
  }
  /** Effective members sorted by username; without includeInactive only the active ones. Cached per state version. */
  sortedMembers(version, includeInactive, state) {
    if (!this._cache || this._cache.version !== version) {
      const all = [...this.effectiveMembers(state)].sort((a, b) => byLc(a.name, b.name));
      this._cache = { version, all, active: null };
    }
    if (includeInactive) return this._cache.all;
    this._cache.active ??= this._cache.all.filter((u) => u.active);
    return this._cache.active;
  }
}

function byLc(a, b) {
  const x = a.toLowerCase(), y = b.toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

export class SandboxState {
  constructor({ mode, timeZone = 'UTC', readOnlyDirectories, neverLoginAs = 'null', now = Date.now, localGroups = [], auditRetentionDays = 365, auditNames = {} }) {
    this.mode = mode;
    /** Jira's own audit log (audit.mjs): written by the mutations below once the seed is built. */
    this.audit = new AuditLog({ now: () => this.now(), retentionDays: auditRetentionDays, names: auditNames });
    /** The server's base URL (set when it listens), for the absolute URIs of audit events. */
    this.baseUrl = '';
    /**
     * "Read only, with local groups" LDAP: memberships of these groups (names or `*` patterns,
     * case-insensitive) live in Jira and can change even for read-only directory users; every
     * other membership of such a user is refused. Empty = a plain read-only directory.
     */
    this.localGroups = localGroups.map((p) => new RegExp(`^${p.toLowerCase().replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`));
    this.timeZone = timeZone;
    this.neverLoginAs = neverLoginAs;
    this.now = now;
    /** @type {Map<string, SandboxUser>} lowercase username -> user */
    this.users = new Map();
    /** @type {Map<string, SandboxGroup>} lowercase group name -> group */
    this.groups = new Map();
    /** directory name -> { name, readOnly } */
    this.directories = new Map();
    this.readOnlyDirectories = readOnlyDirectories; // null = "names containing read-only"
    this.roles = []; // { key, name, groups, numberOfSeats, hasUnlimitedSeats }
    /** Nested groups: lc parent -> Set<child group>, lc child -> Set<parent group>. */
    this.children = new Map();
    this.parents = new Map();
    this.byId = []; // users in id order (user/list)
    this.nextId = 10000;
    this.version = 0;
    this.counters = { deactivated: 0, reactivated: 0, removedFromGroup: 0, addedToGroup: 0, refused: 0, unchanged: 0, logins: 0 };
    /** Applied changes. @type {{op: string, user: string, group?: string, at: number, by: string}[]} */
    this.mutations = [];
    /** Requests that asked for a change already in place (a repeated action). Same shape. */
    this.repeats = [];
    this._sorted = null;
    this._roleCache = null;
    this._tokenIndex = null;
    /** Projects (with leads), components and issues (projects.mjs). */
    this.projects = new ProjectStore(this);
  }

  touch() {
    this.version++;
    this._roleCache = null;
  }

  directory(name) {
    if (name === undefined) return undefined;
    let d = this.directories.get(name);
    if (!d) {
      const readOnly = this.readOnlyDirectories ? this.readOnlyDirectories.includes(name) : /read-only|read only|readonly/i.test(name);
      d = { name, readOnly };
      this.directories.set(name, d);
    }
    return d;
  }

  group(name, create = false) {
    const lc = String(name).toLowerCase();
    let g = this.groups.get(lc);
    if (!g && create) {
      g = new SandboxGroup(String(name));
      this.groups.set(lc, g);
    }
    return g;
  }

  user(name) {
    return this.users.get(String(name).toLowerCase());
  }

  /** A user object from a user or a username (test helpers take either); throws when unknown. */
  _userArg(u) {
    if (u instanceof SandboxUser) return u;
    const found = this.user(u);
    if (!found) throw new Error(`no user named ${JSON.stringify(u)} in the sandbox`);
    return found;
  }

  /** A group object from a group or a group name (created when missing). */
  _groupArg(g) {
    return g instanceof SandboxGroup ? g : this.group(g, true);
  }

  /**
   * A change made (by `by`): listed in `mutations`, the derived views rebuilt, and written to the
   * audit log as Jira writes it — one place, so no change listed goes unaudited.
   */
  _applied(mutation, by, kind, audit) {
    this.mutations.push({ ...mutation, at: this.now(), by });
    this.touch();
    this._audit(kind, by, audit);
  }

  _audit(kind, by, fields) {
    if (!this.audit.recording) return;
    const author = authorOf(this, by);
    this.audit.record(kind, { author, method: author.type === 'user' ? 'Rest API' : 'System', ...fields });
  }

  /**
   * The audit log's events inside the retention window, in the REST shape of
   * GET /rest/auditing/1.0/events, OLDEST first (the REST resource answers newest first).
   */
  auditEvents() {
    return this.audit.visible().reverse().map((e) => AuditLog.entity(e, this.baseUrl));
  }

  /** Nests `child` in `parent`: members of child are (effective) members of parent. */
  nestGroup(parentName, childName) {
    const p = this.group(parentName, true), c = this.group(childName, true);
    if (!this.children.has(p.lc)) this.children.set(p.lc, new Set());
    if (!this.parents.has(c.lc)) this.parents.set(c.lc, new Set());
    this.children.get(p.lc).add(c);
    this.parents.get(c.lc).add(p);
    this.touch();
  }

  userByKey(key) {
    if (!this._keyIndex) {
      this._keyIndex = new Map();
      for (const u of this.byId) this._keyIndex.set(u.key.toLowerCase(), u);
    }
    return this._keyIndex.get(String(key).toLowerCase());
  }

  /**
   * Adds a user from a Snapshot-contract record. Throws on a duplicate name. With `by` (the acting
   * username) it is a user created now, and the audit log says so.
   */
  addUser(rec, { by } = {}) {
    const lc = String(rec.name).toLowerCase();
    if (this.users.has(lc)) throw new Error(`duplicate user ${rec.name}`);
    let id = this.nextId++;
    // A generated key must not be one a seeded user already carries (keys outlive renames).
    // (Nor one a user still to be seeded carries: buildState reserves those first.)
    while (rec.key === undefined && (this.userByKey(`JIRAUSER${id}`) || this.reservedKeys?.has(`jirauser${id}`))) id = this.nextId++;
    const dir = this.directory(rec.directory);
    let lastLogin;
    if (rec.lastLogin === null) lastLogin = null;
    else if (rec.lastLogin !== undefined) lastLogin = parseInstant(rec.lastLogin);
    const u = new SandboxUser({
      id,
      name: String(rec.name),
      key: rec.key ?? `JIRAUSER${id}`,
      displayName: rec.displayName ?? rec.name,
      email: rec.email ?? '',
      active: rec.active !== false,
      directory: dir?.name,
      readOnly: dir?.readOnly ?? false,
      lastLogin,
      created: rec.created,
    });
    Object.defineProperty(u, '_state', { value: this, enumerable: false });
    // The login before the last (login.previousLoginMillis): only in the last-login export.
    if (typeof rec.previousLogin === 'string') u.previousLogin = parseInstant(rec.previousLogin);
    this.users.set(lc, u);
    this.byId.push(u);
    for (const g of rec.groups ?? []) this._link(u, this.group(g, true));
    this._keyIndex?.set(u.key.toLowerCase(), u); // kept up to date rather than rebuilt: seeding adds 100k users
    this._tokenIndex = null;
    this.touch();
    if (by !== undefined) this._audit('created', by, { objects: [userObject(u)] });
    return u;
  }

  /**
   * Renames a user as Jira does: the key stays, the old name becomes free (a new user created with
   * it gets a new key). The caller checks that `newName` is not taken.
   */
  renameUser(user, newName, by = 'test') {
    const u = this._userArg(user);
    const oldName = u.name;
    const lc = String(newName).toLowerCase();
    if (lc !== u.lc && this.users.has(lc)) throw new Error(`a user named ${newName} already exists`);
    this.users.delete(u.lc);
    u.name = String(newName);
    this.users.set(u.lc, u);
    this._sorted = null; // the order by name changed (sortedUsers reuses the order while the count is the same)
    this.textChanged(u);
    this._applied({ op: 'rename', user: u.name, from: oldName }, by, 'renamed', { objects: [userObject(u)], changes: [{ key: 'username', from: oldName, to: u.name }] });
    return u;
  }

  /** Display name and email changes (PUT user), recorded as "User updated". */
  updateDetails(user, { displayName, email }, by = 'test') {
    const u = this._userArg(user);
    const changes = [];
    if (typeof displayName === 'string' && displayName !== u.displayName) {
      changes.push({ key: 'displayName', from: u.displayName, to: displayName });
      u.displayName = displayName;
    }
    if (typeof email === 'string' && email !== u.email) {
      changes.push({ key: 'emailAddress', from: u.email, to: email });
      u.email = email;
    }
    if (!changes.length) return false;
    this.textChanged(u);
    this._audit('updated', by, { objects: [userObject(u)], changes });
    return true;
  }

  /** A user's name, email or display name changed: drop the search index. */
  textChanged(u) {
    u._tokens = undefined;
    this._tokenIndex = null;
    this.touch();
  }

  /** Users with a search token starting with `prefix` (lowercase), sorted by lowercase name. */
  usersWithPrefix(prefix) {
    if (!prefix) return this.sortedUsers();
    this.sortedUsers(); // assigns _rank
    // Tokens bucketed by first character; a bucket is sorted on first use, then binary-searched.
    if (!this._tokenIndex) {
      const buckets = new Map();
      for (const u of this.byId) {
        for (const t of u.tokens) {
          let b = buckets.get(t[0]);
          if (!b) buckets.set(t[0], (b = { sorted: false, entries: [] }));
          b.entries.push({ t, u });
        }
      }
      this._tokenIndex = buckets;
    }
    const b = this._tokenIndex.get(prefix[0]);
    if (!b) return [];
    if (!b.sorted) {
      b.entries.sort((x, y) => (x.t < y.t ? -1 : x.t > y.t ? 1 : 0));
      b.sorted = true;
    }
    const e = b.entries;
    let lo = 0, hi = e.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (e[mid].t < prefix) lo = mid + 1;
      else hi = mid;
    }
    const found = new Set();
    for (let i = lo; i < e.length && e[i].t.startsWith(prefix); i++) found.add(e[i].u);
    return [...found].sort((a, c) => a._rank - c._rank);
  }

  isReadOnly(u) {
    return u.readOnly;
  }

  /** May this user's membership of group `g` change? (Read-only users: local groups only.) */
  canChangeMembership(u, g) {
    return !u.readOnly || this.localGroups.some((re) => re.test(g.name.toLowerCase()));
  }

  _link(u, g) {
    u.groupSet.add(g);
    g.members.add(u);
  }

  /** Users sorted by lowercase name (user/search). */
  sortedUsers() {
    if (!this._sorted || this._sorted.version !== this.version) {
      let all = this._sorted?.count === this.byId.length ? this._sorted.all : null;
      if (!all) {
        all = [...this.byId].sort((a, b) => byLc(a.name, b.name));
        for (let i = 0; i < all.length; i++) all[i]._rank = i;
      }
      this._sorted = { version: this.version, count: this.byId.length, all };
    }
    return this._sorted.all;
  }

  // ---- mutations (the routes call these after their checks) ----

  setActive(user, active, by = 'test') {
    const u = this._userArg(user);
    if (u.active === active) {
      this.counters.unchanged++;
      this.repeats.push({ op: active ? 'reactivate' : 'deactivate', user: u.name, at: this.now(), by });
      return false;
    }
    u.active = active;
    this.counters[active ? 'reactivated' : 'deactivated']++;
    this._applied({ op: active ? 'reactivate' : 'deactivate', user: u.name }, by, active ? 'reactivated' : 'deactivated', { objects: [userObject(u)], changes: [{ key: 'active', from: String(!active), to: String(active) }] });
    return true;
  }

  removeFromGroup(user, group, by = 'test') {
    const u = this._userArg(user), g = this._groupArg(group);
    if (!g.members.has(u)) {
      this.repeats.push({ op: 'removeFromGroup', user: u.name, group: g.name, at: this.now(), by });
      return false;
    }
    g.members.delete(u);
    u.groupSet.delete(g);
    this.counters.removedFromGroup++;
    this._applied({ op: 'removeFromGroup', user: u.name, group: g.name }, by, 'removedFromGroup', { objects: [userObject(u), groupObject(g)] });
    return true;
  }

  addToGroup(user, group, by = 'test') {
    const u = this._userArg(user), g = this._groupArg(group);
    if (g.members.has(u)) {
      this.repeats.push({ op: 'addToGroup', user: u.name, group: g.name, at: this.now(), by });
      return false;
    }
    this._link(u, g);
    this.counters.addedToGroup++;
    this._applied({ op: 'addToGroup', user: u.name, group: g.name }, by, 'addedToGroup', { objects: [userObject(u), groupObject(g)] });
    return true;
  }

  /**
   * A login now (a user or a username): lastLoginTime (10.x/11) and loginInfo follow. Tests use it
   * to make a user active between a plan and its run.
   */
  recordLogin(user) {
    const u = this._userArg(user);
    u.previousLogin = u.lastLogin ?? undefined;
    u.lastLogin = this.now();
    u.loginCount = (u.loginCount ?? 0) + 1;
    this.counters.logins++;
    this.touch();
  }

  /**
   * The last-login export as the SQL in docs/last-login-export.md gives it from this Jira's
   * database (psql --csv): `username,last_login,previous_login,created,directory`, epoch
   * milliseconds, an empty cell for NULL (never logged in; no login before the last). Users whose
   * last login the sandbox does not know are left out. `previousLogin: false` leaves that column
   * out (the export before it had one).
   */
  loginExportCsv({ previousLogin = true } = {}) {
    const q = (v) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
    const ms = (t) => (typeof t === 'number' ? String(t) : '');
    const lines = [previousLogin ? 'username,last_login,previous_login,created,directory' : 'username,last_login,created,directory'];
    for (const u of this.sortedUsers()) {
      if (u.lastLogin === undefined) continue;
      const created = u.created === undefined ? '' : ms(parseInstant(u.created));
      lines.push([q(u.name), ms(u.lastLogin), ...(previousLogin ? [ms(u.previousLogin)] : []), created, q(u.directory ?? '')].join(','));
    }
    return `${lines.join('\r\n')}\r\n`;
  }

  // ---- derived views ----

  /** Application roles with live seat counts: userCount = distinct active users in the role's groups. */
  roleStats() {
    if (this._roleCache) return this._roleCache;
    this._roleCache = this.roles.map((r) => {
      const seen = new Set();
      for (const gname of r.groups) {
        const g = this.group(gname);
        if (!g) continue;
        for (const u of g.effectiveMembers(this)) if (u.active) seen.add(u);
      }
      return { ...r, userCount: seen.size, users: seen };
    });
    return this._roleCache;
  }

  /** Roles a user holds by group membership (regardless of active). */
  rolesOf(u) {
    return this.roleStats().filter((r) => r.groups.some((g) => u.inGroup(g)));
  }

  /** lastLoginTime as the mode serves it: a Jira timestamp, null (never), or undefined (not emitted). */
  lastLoginTimeOf(u) {
    if (!this.mode.lastLoginTime || u.lastLogin === undefined) return undefined;
    if (u.lastLogin === null) return this.neverLoginAs === 'null' ? null : undefined;
    return jiraTime(u.lastLogin, this.timeZone);
  }

  /**
   * The ground truth in the snapshot contract's shape (docs/snapshot.md). lastLogin is what the mode lets a
   * host adapter know: absent on 9.x, else the same string the REST API serves (or null = never).
   * Groups are sorted case-insensitively; users by lowercase name. With `includeWork`, each user
   * also has `leads` ({projects, components}, only when any) and `openAssigned`.
   */
  snapshotTruth({ includeDirectory = true, includeCreated = true, includeWork = false, capturedAt } = {}) {
    const users = this.sortedUsers().map((u) => {
      const out = { name: u.name, key: u.key, displayName: u.displayName, email: u.email, active: u.active, groups: u.groups };
      if (includeDirectory && u.directory !== undefined) out.directory = u.directory;
      if (includeCreated && u.created !== undefined) out.created = u.created;
      const ll = this.lastLoginTimeOf(u);
      if (ll !== undefined) out.lastLogin = ll;
      // includeWork: `leads` (only when the user leads something) and `openAssigned`, live.
      if (includeWork) Object.assign(out, this.projects.userWork(u));
      return out;
    });
    const applicationRoles = this.roleStats().map((r) => ({
      key: r.key,
      name: r.name,
      groups: [...r.groups],
      numberOfSeats: r.hasUnlimitedSeats ? -1 : r.numberOfSeats,
      userCount: r.userCount,
      hasUnlimitedSeats: r.hasUnlimitedSeats,
    }));
    return { capturedAt: capturedAt ?? new Date(this.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'), users, applicationRoles };
  }
}
