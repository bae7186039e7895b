// Projects, components and issues as the sandbox keeps them: enough of Jira for "what does
// deactivating this user break?" — project leads (Jira refuses to deactivate one), component leads
// (no refusal) and unresolved issues assigned to a user. Changes go through the methods here so
// the audit log records them (a lead change is a "Project updated" event, category "projects";
// the strings are assumptions like the other audit names).

export class ProjectStore {
  /** @param {import('./state.mjs').SandboxState} state */
  constructor(state) {
    this.state = state;
    /** @type {Map<string, {id: number, key: string, name: string, lead: any, components: any[]}>} lowercase key -> project */
    this.byKey = new Map();
    /** @type {{id: number, key: string, project: any, assignee: any, resolution: string|null, summary: string}[]} */
    this.issues = [];
    this.nextProjectId = 10000;
    this.nextComponentId = 10100;
    this.nextIssueId = 10000;
  }

  get list() {
    return [...this.byKey.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  project(keyOrId) {
    if (keyOrId && typeof keyOrId === 'object') return this.byKey.get(String(keyOrId.key).toLowerCase()) === keyOrId ? keyOrId : undefined;
    const s = String(keyOrId);
    if (/^\d+$/.test(s)) return [...this.byKey.values()].find((p) => p.id === Number(s));
    return this.byKey.get(s.toLowerCase());
  }

  /** Adds a project (key: letters, digits and _, starting with a letter, as Jira allows). Throws on a bad or taken key. */
  addProject({ key, name, lead }) {
    if (typeof key !== 'string' || !/^[A-Za-z][A-Za-z0-9_]{0,254}$/.test(key)) throw new Error(`a project key must be letters, digits or _ starting with a letter, not ${JSON.stringify(key)}`);
    if (this.byKey.has(key.toLowerCase())) throw new Error(`duplicate project ${key}`);
    const p = { id: this.nextProjectId++, key, name: name ?? key, lead: this.state._userArg(lead), components: [] };
    this.byKey.set(key.toLowerCase(), p);
    return p;
  }

  /** Adds a component to a project; `lead` optional (a user or a username). */
  addComponent(projectKey, { name, lead }) {
    const p = this.project(projectKey);
    if (!p) throw new Error(`no project ${projectKey} in the sandbox`);
    const c = { id: this.nextComponentId++, name: String(name), lead: lead === undefined || lead === null ? null : this.state._userArg(lead), project: p };
    p.components.push(c);
    return c;
  }

  /** Adds an issue: `assignee` a user, a username or null; `resolution` null = unresolved. */
  addIssue(projectKey, { assignee = null, resolution = null, summary } = {}) {
    const p = this.project(projectKey);
    if (!p) throw new Error(`no project ${projectKey} in the sandbox`);
    const n = (p.issueCount = (p.issueCount ?? 0) + 1);
    const issue = {
      id: this.nextIssueId++,
      key: `${p.key}-${n}`,
      project: p,
      assignee: assignee === null ? null : this.state._userArg(assignee),
      resolution,
      summary: summary ?? `Issue ${n} of ${p.name}`,
    };
    this.issues.push(issue);
    return issue;
  }

  /** Resolves (or, with null, reopens) an issue. */
  resolveIssue(issue, resolution = 'Done') {
    issue.resolution = resolution;
    this._open = null;
  }

  /** Projects a user leads, by key. */
  ledBy(user) {
    const u = this.state._userArg(user);
    return this.list.filter((p) => p.lead === u);
  }

  /** Components a user leads. */
  componentsLedBy(user) {
    const u = this.state._userArg(user);
    return this.list.flatMap((p) => p.components.filter((c) => c.lead === u));
  }

  /** Unresolved issues assigned to the user (the truth the host's JQL count must equal). */
  openAssigned(user) {
    const u = this.state._userArg(user);
    return this.openIndex().get(u) ?? 0;
  }

  /** user -> unresolved assigned issues; rebuilt when the issues changed (issues only grow here). */
  openIndex() {
    if (!this._open || this._open.n !== this.issues.length) {
      const m = new Map();
      for (const i of this.issues) if (i.assignee && i.resolution === null) m.set(i.assignee, (m.get(i.assignee) ?? 0) + 1);
      this._open = { n: this.issues.length, m };
    }
    return this._open.m;
  }

  /** Changes a project's lead (the route checks permission and the user); audited. */
  setLead(projectKey, user, by = 'test') {
    const p = this.project(projectKey);
    if (!p) throw new Error(`no project ${projectKey} in the sandbox`);
    const u = this.state._userArg(user);
    if (p.lead === u) return false;
    const from = p.lead;
    p.lead = u;
    this.state._applied({ op: 'projectLead', project: p.key, user: u.name, from: from.name }, by, 'projectUpdated', {
      objects: [{ id: String(p.id), name: p.name, type: 'PROJECT', path: `/plugins/servlet/project-config/${encodeURIComponent(p.key)}/summary` }],
      changes: [{ key: 'lead', from: from.name, to: u.name }],
    });
    return true;
  }

  /** The per-user snapshot fields this sandbox knows: {leads?, openAssigned} (leads only when any). */
  userWork(user) {
    const projects = this.ledBy(user).map((p) => ({ key: p.key, name: p.name }));
    const components = this.componentsLedBy(user).map((c) => ({ project: c.project.key, name: c.name, id: String(c.id) }));
    const out = {};
    if (projects.length || components.length) out.leads = { projects, components };
    out.openAssigned = this.openAssigned(user);
    return out;
  }
}

/**
 * Seeds projects, components and issues from the per-user snapshot fields (`leads`,
 * `openAssigned`): every project and component some user leads, and `openAssigned` unresolved
 * issues per user, plus resolved and unassigned ones so that the JQL's resolution clause matters.
 * Deterministic: issue placement depends only on the users' order and names.
 */
export function seedProjects(store, users) {
  const projects = new Map(); // key -> {name, lead}
  const components = []; // {project, name, lead}
  for (const rec of users) {
    const leads = rec.leads;
    if (!leads || typeof leads !== 'object') continue;
    for (const p of Array.isArray(leads.projects) ? leads.projects : []) {
      // A snapshot exported from a real Jira may hold anything: keys Jira would not take are skipped.
      if (p && typeof p.key === 'string' && /^[A-Za-z][A-Za-z0-9_]{0,254}$/.test(p.key) && ![...projects.keys()].some((k) => k.toLowerCase() === p.key.toLowerCase())) {
        projects.set(p.key, { name: typeof p.name === 'string' ? p.name : p.key, lead: rec.name });
      }
    }
    for (const c of Array.isArray(leads.components) ? leads.components : []) {
      if (c && typeof c.project === 'string' && typeof c.name === 'string') components.push({ project: c.project, name: c.name, lead: rec.name });
    }
  }
  for (const [key, p] of [...projects].sort((a, b) => (a[0] < b[0] ? -1 : 1))) store.addProject({ key, name: p.name, lead: p.lead });
  for (const c of components) if (store.project(c.project)) store.addComponent(c.project, { name: c.name, lead: c.lead });
  // Components nobody leads are not in any user's `leads`: every other project gets one.
  store.list.forEach((p, i) => {
    if (i % 2 === 0 && !p.components.some((c) => c.name === 'General')) store.addComponent(p.key, { name: 'General' });
  });
  const keys = store.list.map((p) => p.key);
  if (!keys.length) return;
  // Each assigned issue goes to a project the user leads, else one chosen by a hash of the name.
  const home = (rec) => rec.leads?.projects?.[0]?.key ?? keys[fnv1a(rec.name) % keys.length];
  for (const rec of users) {
    const n = Number.isInteger(rec.openAssigned) && rec.openAssigned > 0 ? Math.min(rec.openAssigned, 10_000) : 0;
    const h = fnv1a(rec.name);
    for (let i = 0; i < n; i++) store.addIssue(home(rec), { assignee: rec.name });
    // Resolved work: a third of the users have some; never counted by "resolution = Unresolved".
    for (let i = 0; i < h % 3; i++) store.addIssue(home(rec), { assignee: rec.name, resolution: i % 2 ? "Won't Do" : 'Done' });
  }
  // Unassigned open issues in every project.
  keys.forEach((k, i) => {
    for (let j = 0; j < 1 + (i % 3); j++) store.addIssue(k, { assignee: null });
  });
}

/** FNV-1a of a string (32 bits): a stable choice that does not depend on any PRNG state (the seed uses it too). */
export function fnv1a(s) {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}
