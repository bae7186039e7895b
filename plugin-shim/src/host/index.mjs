// The Jira DC host adapter: one ES module set for the browser (same-origin session) and Node
// (PAT). See docs/last-login-export.md for last-login sources and the CSV format.
import { createHttp } from './http.mjs';
import { HostError } from './errors.mjs';
import { detect as detectHost, normaliseTime, toIso } from './detect.mjs';
import { createUserTable, listViaUserList, listViaUserSearch, sweepViaUserSearch } from './users.mjs';
import { listGroups, walkGroupMembers, GROUP_PAGE_ASK } from './groups.mjs';
import { chooseGroups, mergeMemberships } from './scope.mjs';
import { applicationRoles, licences } from './roles.mjs';
import { parseLastLoginCsv, previousLoginFor, laterLogin } from './lastlogin-csv.mjs';
import { createMutations, getUser } from './mutations.mjs';
import { readAuditEvents } from './audit.mjs';
import { projectLeads, componentLeads, leadsByUser, setProjectLead } from './projects.mjs';
import { openAssignedCounts } from './issues.mjs';
import { creationDates } from './created.mjs';
import { addImpact, addOpenAssigned } from './impact.mjs';
import { planWithOpenAssigned } from './plan-impact.mjs';

export { HostError } from './errors.mjs';
export { chooseGroups, mergeMemberships } from './scope.mjs';
export { parseCsv, parseLastLoginCsv } from './lastlogin-csv.mjs';
export { parseJiraTime, normaliseTime, parseVersion, modeFor } from './detect.mjs';
export { readAuditEvents, normaliseEvent } from './audit.mjs';
export { jqlString, openAssignedJql } from './issues.mjs';

const byName = (a, b) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * @typedef {object} JiraHostOptions
 * @property {string} baseUrl  Jira base URL with any context path ('https://jira.acme.com/jira')
 * @property {string} [token]  PAT (Node); sent as a Bearer header only, never logged
 * @property {RequestCredentials} [credentials]  'same-origin' in the browser when there is no token
 * @property {typeof fetch} [fetch]
 * @property {number} [concurrency]  requests in flight at most (4)
 * @property {number} [retries]  retries of an idempotent request (4); 429s have their own budget
 * @property {(p:{phase:string, done:number, total:number|null})=>void} [onProgress]
 *   phases: 'roles', 'users' (total null: user/list has no total), 'groups', 'members', 'done'
 * @property {AbortSignal} [signal]
 * @property {number} [timeoutMs]  per attempt (60 000)
 * @property {number} [retryBaseMs]  first backoff (300), doubled per retry, equal jitter
 * @property {number} [retryMaxMs]  backoff ceiling (10 000)
 * @property {number} [maxRetryAfterMs]  longest Retry-After honoured (120 000)
 * @property {number} [rateLimitRetries]  429 answers tolerated per request (20)
 * @property {(ms:number, signal?:AbortSignal)=>Promise<void>} [sleep]  tests
 * @property {()=>number} [random]  tests
 * @property {()=>number} [now]  tests
 * @property {(e:object)=>void} [onRetry]  ({endpoint, attempt, status, code, delayMs})
 * @property {number} [userListPageSize]  2000
 * @property {number} [userSearchPageSize]  1000 (9.x)
 * @property {number} [groupPageSize]  what group/member pages ask for (1000); the walk follows the
 *   page size the server answers with (Jira is said to cut pages to 50) and asks for 50 after a refusal
 * @property {number} [pickerMaxResults]  10 000 (groups/picker)
 * @property {boolean} [licence]  read the private licence endpoint per role (true)
 * @property {boolean} [findUsersWithoutGroups]  10.0–10.2 only: prefix sweep of user/search to
 *   find users in no group (false; costs ~N/100 × tokens per user requests)
 */

/**
 * @param {JiraHostOptions} o
 */
export function createJiraHost(o) {
  const http = createHttp(o);
  const progress = (phase, done, total = null) => {
    try { o.onProgress?.({ phase, done, total }); } catch { /* a progress callback never breaks a snapshot */ }
  };
  let detected = null;
  let adminChecked = false;
  // group/member: what a first page asks for (lowered for good when Jira refuses it, groups.mjs).
  let groupAsk = o.groupPageSize ?? GROUP_PAGE_ASK;
  const mutations = createMutations(http);

  async function detect() {
    if (!detected) detected = await detectHost(http);
    return detected;
  }

  async function whoami() {
    const me = await http.getJson('/rest/api/2/myself');
    return { name: me?.name, displayName: me?.displayName ?? me?.name, ...(me?.key != null ? { key: me.key } : {}) };
  }

  async function assertAdmin() {
    if (adminChecked) return;
    const r = await http.getJson('/rest/api/2/mypermissions', { permissions: 'ADMINISTER,SYSTEM_ADMIN' });
    const p = r && r.permissions ? r.permissions : {};
    const has = (k) => !!(p[k] && p[k].havePermission === true);
    if (!(has('ADMINISTER') || has('SYSTEM_ADMIN'))) {
      throw new HostError('host.notAdmin', 'the caller is not a Jira administrator', {
        status: 403,
        reason: 'This account does not have the Jira Administrators global permission (ADMINISTER); User Cleanup needs it',
      });
    }
    adminChecked = true;
  }

  /**
   * Builds the snapshot (docs/snapshot.md). Order: admin check, version, roles, users, memberships,
   * last-login CSV. Extra fields: `source` (how the data was read) and `licences` when the private
   * endpoint answers.
   */
  /**
   * Impact options (impact.mjs): `leads` (default true: project and component leads — one
   * request per project for its components; 'projects': project leads only, one request; false),
   * `openAssigned` (true = every user, or a list of usernames; default none), `creationDates`
   * (default false: "User created" events of the audit log → `created`, else `createdBefore`),
   * `auditWindowDays` (read only the last N days of the audit log).
   * `scope` (scope.mjs): read the members of only the groups the policy needs (the engine's
   * `policyGroups`), list them in `completeGroups`, and the other group names in
   * `source.groupsNotRead` (for a later `readGroups`); absent: every group.
   * @param {{lastLoginCsv?: string, leads?: boolean|'projects', openAssigned?: boolean|string[], creationDates?: boolean, auditWindowDays?: number, scope?: import('./scope.mjs').Scope}} [arg]
   */
  async function snapshot({ lastLoginCsv, leads, openAssigned, creationDates: withCreation, auditWindowDays, scope } = {}) {
    // Parse the CSV first: a bad file fails before any request.
    const csv = lastLoginCsv ? parseLastLoginCsv(lastLoginCsv) : null;
    await assertAdmin();
    const started = Date.now();
    // Fresh each time: serverTime is the snapshot's capturedAt.
    const info = (detected = await detectHost(http));
    progress('roles', 0, 1);
    const roles = await applicationRoles(http);
    progress('roles', 1, 1);

    const table = createUserTable();
    const source = { mode: info.mode, users: null, groups: null, lastLogin: null };
    let needWalk = true;
    let listed = false;
    /** @type {string[]|null} the groups read when only the policy's were */
    let scopedComplete = null;

    // Groups and memberships (group -> members), run alongside the user listing: on 9.x and
    // 10.0–10.2 it is always needed; on 10.3+ as soon as a user/list page lacks complete groups.
    /** @type {Promise<any>|null} */
    let walk = null;
    const startWalk = () => {
      if (walk) return walk;
      walk = (async () => {
        progress('groups', 0, null);
        const extra = roles.flatMap((r) => [...r.groups, ...(r.defaultGroups || [])]);
        const g = await listGroups(http, { maxResults: o.pickerMaxResults ?? 10000, extra });
        progress('groups', g.groups.length, g.groups.length);
        // On 10.0–10.2 users are found only through their groups: a scoped read would lose some.
        const usersFromGroups = !info.capabilities.userList && info.capabilities.userSearchCap !== 1000;
        const pick = await chooseGroups(usersFromGroups ? null : scope, g.groups, roles);
        const onMember = (group, bean) => {
          const u = table.addBean(bean, 'group/member');
          if (u) u.groups.add(group);
        };
        const walkOpts = { pageSize: groupAsk, onProgress: (d, t) => progress('members', d, t) };
        const gw = await walkGroupMembers(http, pick.walk, onMember, walkOpts);
        groupAsk = gw.ask;
        walkOpts.pageSize = groupAsk;
        const missing = new Set(gw.missingGroups);
        return {
          groupCount: pick.walk.length - gw.missingGroups.length,
          capped: g.capped,
          pick,
          complete: pick.walk.filter((x) => !missing.has(x)),
          pageSize: gw.pageSize,
          // 9.x whose user/search turned out capped: the users too come from groups, read the rest.
          readRest: async () => {
            const rest = await walkGroupMembers(http, pick.notRead, onMember, walkOpts);
            return pick.notRead.length - rest.missingGroups.length;
          },
        };
      })();
      walk.catch(() => {}); // awaited below; this only keeps an early listing failure from leaving it unhandled
      return walk;
    };
    if (!info.capabilities.userList) startWalk();

    if (info.capabilities.userList) {
      const r = await listViaUserList(http, table, {
        pageSize: o.userListPageSize ?? 2000,
        onPage: (n, groupsComplete) => {
          progress('users', n, null);
          if (!groupsComplete) startWalk();
        },
      });
      if (r.ok) {
        listed = true;
        source.users = 'user/list';
        // Complete groups on the beans make the walk unnecessary, unless the listing looks like
        // it left inactive users out (unknown per the reference): then the walk finds them.
        if (r.groupsComplete && [...table.map.values()].some((u) => u.active === false)) needWalk = false;
      }
    }
    if (!listed && info.capabilities.userSearchCap === 1000) {
      const r = await listViaUserSearch(http, table, {
        pageSize: o.userSearchPageSize ?? 1000,
        onPage: (n) => progress('users', n, null),
      });
      source.users = r.ok ? 'user/search' : 'user/search(capped)+group/member';
    }
    if (!source.users) source.users = 'group/member';

    if (needWalk) startWalk();
    if (walk) {
      const w = await walk;
      source.groups = 'group/member';
      source.groupCount = w.groupCount;
      // The members per page Jira served (asked for more: groups.mjs); null when every group fit in one.
      source.groupPageSize = w.pageSize;
      if (w.capped) source.groupPickerCapped = true;
      if (w.pick.scoped && source.users !== 'user/list' && source.users !== 'user/search') {
        source.groupCount += await w.readRest();
      } else if (w.pick.scoped) {
        source.scope = { groupsRead: w.complete.length, groupsNotRead: w.pick.notRead.length };
        source.groupsNotRead = w.pick.notRead;
        scopedComplete = w.complete;
      }
    } else {
      source.groups = 'user/list';
    }
    if (source.users === 'group/member' && o.findUsersWithoutGroups) {
      await sweepViaUserSearch(http, table, { onPage: (n) => progress('users', n, null) });
      source.users = 'group/member+user/search';
    }

    let licenceInfo = [];
    if (o.licence !== false && roles.length) licenceInfo = await licences(http, roles.map((r) => r.key));

    // Assemble.
    const restHasLastLogin = info.capabilities.lastLoginTime && table.lastLoginSources.size > 0;
    source.lastLogin = restHasLastLogin ? 'rest' : csv ? 'csv' : 'none';
    if (restHasLastLogin && csv) source.lastLogin = 'rest+csv';
    const users = [];
    for (const [k, u] of table.map) {
      /** @type {Record<string, any>} */
      const out = {
        name: u.name,
        ...(u.key != null ? { key: u.key } : {}),
        displayName: u.displayName ?? u.name,
        email: u.email ?? '',
        active: u.active !== false,
        groups: [...u.groups].sort(byName),
      };
      const row = csv?.get(k);
      if (row?.directory) out.directory = row.directory;
      if (row && row.created) out.created = row.created;
      // lastLogin: REST date > CSV date > null (CSV row without a date, or a REST source that
      // carries the field and has none for this user) > absent (not known).
      let ll;
      let llSet = false;
      if (restHasLastLogin && u.llValue != null) {
        const iso = normaliseTime(u.llValue);
        if (iso) { ll = iso; llSet = true; }
      }
      if (row && row.lastLogin !== undefined) {
        ll = laterLogin(llSet ? ll : undefined, row.lastLogin);
        llSet = ll !== undefined;
      }
      if (!llSet && restHasLastLogin && u.llSeen) { ll = null; llSet = true; }
      if (llSet) out.lastLogin = ll;
      // previousLogin (the export's previous_login): only with the export's own last login.
      const prev = previousLoginFor(row, llSet ? ll : undefined);
      if (prev !== undefined) out.previousLogin = prev;
      users.push(out);
    }
    users.sort((a, b) => byName(a.name, b.name));
    progress('done', users.length, users.length);

    const snap = {
      capturedAt: info.serverTime || toIso(started),
      users,
      applicationRoles: roles,
      source: { ...source, jiraVersion: info.version, requests: http.stats().requests },
    };
    if (licenceInfo.length) snap.licences = licenceInfo;
    if (scopedComplete) snap.completeGroups = [...scopedComplete].sort(byName);
    await addImpact(http, snap, { leads, openAssigned, creationDates: withCreation, auditWindowDays, csvCreated: Boolean(csv) });
    snap.source.requests = http.stats().requests;
    return snap;
  }

  return {
    detect,
    /** Jira's clock now (serverInfo's serverTime, read fresh; null when Jira does not say): the runner decides on it (runner/clock.mjs jiraClock). */
    serverTime: async () => (await detectHost(http)).serverTime ?? null,
    whoami,
    assertAdmin,
    snapshot,
    getUser: (name, opt) => getUser(http, name, opt),
    deactivate: mutations.deactivate,
    reactivate: mutations.reactivate,
    removeFromGroup: mutations.removeFromGroup,
    addToGroup: mutations.addToGroup,
    /** Jira's audit log between two instants, normalised (audit.mjs): `{from, to, limit?, maxPages?}`. */
    auditEvents: (opts) => readAuditEvents(http, opts),
    /** Projects with their leads: `[{key, name, id?, lead, leadKey?}]` (projects.mjs). */
    projectLeads: () => projectLeads(http),
    /** Components with their leads: `[{project, name, id?, lead}]`, of `projects` (keys) or all. */
    componentLeads: (projects) => componentLeads(http, projects),
    /**
     * What each user leads now, as the snapshot's `leads`: Map lowercase username →
     * {projects: [{key, name}], components: [{project, name, id?}]} (only leads are in it). For a
     * fresh look just before a change; `{components: false}` reads the project leads only.
     */
    userLeads: async ({ components = true } = {}) => {
      const projects = await projectLeads(http);
      return leadsByUser(projects, components ? await componentLeads(http, projects) : []);
    },
    /** Unresolved issues assigned per username: Map name → count, ⌈n/200⌉ searches (issues.mjs). */
    openAssignedCounts: (usernames) => openAssignedCounts(http, usernames),
    /** Sets `openAssigned` on those users of a snapshot (mutates it): `{users, requests}`. */
    addOpenAssigned: (snap, usernames) => addOpenAssigned(http, snap, usernames),
    /** Audit-log creation dates: `{created: Map(lc name|key → ISO), windowStart, from, to, events}` (created.mjs). */
    creationDates: ({ windowDays, now } = {}) => creationDates(http, { now: now ?? Date.now(), windowDays }),
    /** Makes `user` the lead of project `key`: `{ok:true}` | `{ok:false, status, code, reason}`. */
    setProjectLead: (key, user) => setProjectLead(http, key, user),
    /**
     * Plans with `engine` over `snapshot`, counting open assigned issues for the users the plan
     * selects, then plans again (plan-impact.mjs): `{result, passes, counted, requests}`. The page
     * uses it (it reaches the host only through this object).
     */
    planWithOpenAssigned: ({ engine, policyText, snapshot: snap, text, options }) =>
      planWithOpenAssigned({ host: { addOpenAssigned: (s, names) => addOpenAssigned(http, s, names) }, engine, policyText, snapshot: snap, text, options }),
    /**
     * The impact reads of `snapshot()` (impact.mjs), for a snapshot read without them
     * (`{leads: false}`): leads (default true), `creationDates`, `auditWindowDays`, `openAssigned`.
     * Mutates `snap` (its users and `source`) and resolves it. The page draws its Dashboard from
     * the users first and adds these after.
     */
    addImpact: async (snap, opts = {}) => {
      await addImpact(http, snap, opts);
      (snap.source ??= {}).requests = http.stats().requests;
      return snap;
    },
    /**
     * Reads the members of `groups` (the page's background fill of a scoped snapshot's
     * `source.groupsNotRead`) on a lane of its own, so that a run's requests never queue behind
     * it. `onGroup(group, usernames)` as each group completes; `onProgress({done, total, pages,
     * concurrency})`. Resolves `{read: Map(group → usernames), missing, requests, concurrency}`.
     * @param {string[]} groups
     * `maxConcurrency` caps this lane's adaptive limit (the host's own cap by default).
     * @param {{onGroup?: (group:string, names:string[])=>void, onProgress?: (p:object)=>void, signal?: AbortSignal, maxConcurrency?: number}} [opt]
     */
    async readGroups(groups, { onGroup, onProgress, signal, maxConcurrency } = {}) {
      const cap = maxConcurrency ?? o.maxConcurrency;
      const lane = createHttp({ ...o, signal: signal ?? o.signal, ...(cap != null ? { maxConcurrency: cap, concurrency: Math.min(cap, o.concurrency ?? 4) } : {}) });
      const read = new Map();
      const pending = new Map();
      const w = await walkGroupMembers(lane, groups, (group, bean) => {
        if (!bean || typeof bean.name !== 'string') return;
        if (!pending.has(group)) pending.set(group, []);
        pending.get(group).push(bean.name);
      }, {
        pageSize: groupAsk,
        onGroupDone: (group) => {
          const names = pending.get(group) ?? [];
          pending.delete(group);
          read.set(group, names);
          try { onGroup?.(group, names); } catch { /* a listener never breaks the walk */ }
        },
        onProgress: (done, total) => {
          try { onProgress?.({ done, total, requests: lane.stats().requests, concurrency: lane.stats().concurrency.settled }); } catch { /* as above */ }
        },
      });
      groupAsk = w.ask;
      const s = lane.stats();
      return { read, missing: w.missingGroups, requests: s.requests, concurrency: s.concurrency, pageSize: w.pageSize };
    },
    /** Adds groups read later to a scoped snapshot (scope.mjs): `{snapshot, unknownMembers}`. */
    mergeMemberships,
    stats: () => http.stats(),
  };
}
