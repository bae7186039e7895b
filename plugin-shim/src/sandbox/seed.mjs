// Where the sandbox's users come from: the built-in sample (samples/snapshot.json), N generated
// users (samples/generate.mjs), or a Snapshot-contract object; plus the two accounts every sandbox
// has: `admin` (password admin, jira-administrators) and `viewer` (password viewer, not an admin).
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { SandboxState, INTERNAL_DIRECTORY } from './state.mjs';
import { authorOf, userObject } from './audit.mjs';
import { parseInstant } from './time.mjs';
import { seedProjects, fnv1a } from './projects.mjs';

const SAMPLE = new URL('../../../samples/snapshot.json', import.meta.url);
const GENERATOR = new URL('../../../samples/generate.mjs', import.meta.url);
const WORK = new URL('../../../samples/work.mjs', import.meta.url);

export const ADMIN_GROUPS = ['jira-administrators', 'jira-system-administrators'];

const DEFAULT_ROLES = [
  { key: 'jira-software', name: 'Jira Software', groups: ['jira-software-users', 'jira-administrators'], numberOfSeats: 2000, hasUnlimitedSeats: false },
  { key: 'jira-servicedesk', name: 'Jira Service Management', groups: ['jira-servicemanagement-users'], numberOfSeats: 250, hasUnlimitedSeats: false },
  { key: 'jira-core', name: 'Jira Core', groups: ['jira-core-users'], numberOfSeats: -1, hasUnlimitedSeats: true },
];

/** The Snapshot-contract object to seed from. */
export async function sourceSnapshot({ users, snapshot, sample, seed }) {
  if (snapshot) return typeof snapshot === 'string' ? JSON.parse(readFileSync(snapshot, 'utf8')) : snapshot;
  if (users !== undefined && !sample) {
    const { generateSnapshot } = await import(GENERATOR.href);
    const snap = generateSnapshot({ kind: 'synthetic', users: Number(users), seed: seed ?? 1 });
    // Generated users get projects, components and assigned issues too (the synthetic snapshot
    // file itself carries none, so benchmarks are unchanged).
    const { jiraWork } = await import(WORK.href);
    const work = jiraWork(snap.users, { capturedAt: snap.capturedAt, seed: seed ?? 1 });
    snap.users.forEach((u, i) => {
      if (work[i].leads) u.leads = work[i].leads;
      u.openAssigned = work[i].openAssigned;
    });
    return snap;
  }
  return JSON.parse(readFileSync(SAMPLE, 'utf8'));
}

/** A token shaped like a Jira PAT (base64 of "id:secret", 44 characters). */
export function makeToken() {
  const id = String(100000000000 + (randomBytes(4).readUInt32BE(0) % 900000000000)).slice(0, 12);
  return Buffer.concat([Buffer.from(`${id}:`), randomBytes(20)]).toString('base64').slice(0, 44);
}

/**
 * Builds the state. Returns { state, passwords, tokens } where passwords and tokens map lowercase
 * usernames to secrets.
 */
export function buildState(snap, { mode, timeZone, readOnlyDirectories, neverLoginAs, now, passwords = {}, tokens = {}, nestedGroups = {}, localGroups = [], auditRetentionDays, auditNames, projects = true, history = false }) {
  const state = new SandboxState({ mode, timeZone, readOnlyDirectories, neverLoginAs, now, localGroups, auditRetentionDays, auditNames });
  state.directory(INTERNAL_DIRECTORY);
  // Keys given in the snapshot are taken before any is generated, so no two users share one.
  state.reservedKeys = new Set((snap.users ?? []).filter((u) => typeof u.key === 'string').map((u) => u.key.toLowerCase()));
  for (const rec of snap.users ?? []) state.addUser(rec);
  const roles = Array.isArray(snap.applicationRoles) && snap.applicationRoles.length ? snap.applicationRoles : DEFAULT_ROLES;
  state.roles = roles.map((r) => ({
    key: r.key,
    name: r.name ?? r.key,
    groups: [...(r.groups ?? [])],
    numberOfSeats: r.hasUnlimitedSeats ? -1 : r.numberOfSeats ?? -1,
    hasUnlimitedSeats: Boolean(r.hasUnlimitedSeats),
  }));
  for (const r of state.roles) for (const g of r.groups) state.group(g, true);
  for (const g of ADMIN_GROUPS) state.group(g, true);
  for (const [parent, kids] of Object.entries(nestedGroups)) for (const c of kids) state.nestGroup(parent, c);

  const captured = Date.parse(snap.capturedAt ?? '') || Date.UTC(2026, 10, 27, 10);
  const day = 86_400_000;
  let admin = state.user('admin');
  if (!admin) {
    admin = state.addUser({
      name: 'admin', displayName: 'Jira Administrator', email: 'admin@example.com', active: true,
      groups: ['jira-administrators', 'jira-system-administrators', 'jira-software-users'],
      directory: INTERNAL_DIRECTORY, created: '2014-03-03T08:00:00Z', lastLogin: new Date(captured - day).toISOString(),
    });
  }
  if (!admin.inGroup('jira-administrators')) state.addToGroup(admin, state.group('jira-administrators', true), 'seed');
  if (!admin.active) state.setActive(admin, true, 'seed');
  let viewer = state.user('viewer');
  if (!viewer) {
    const role = state.roles[0]?.groups.find((g) => !ADMIN_GROUPS.includes(g)) ?? 'jira-software-users';
    viewer = state.addUser({
      name: 'viewer', displayName: 'Read-only Viewer', email: 'viewer@example.com', active: true,
      groups: [role], directory: INTERNAL_DIRECTORY, created: '2024-01-15T09:00:00Z', lastLogin: new Date(captured - 2 * day).toISOString(),
    });
  }
  for (const g of ADMIN_GROUPS) if (viewer.inGroup(g)) state.removeFromGroup(viewer, state.group(g), 'seed');
  // Projects, components and issues from the users' `leads` / `openAssigned` (projects.mjs).
  if (projects !== false) seedProjects(state.projects, snap.users ?? []);
  // The seed's own adjustments are not mutations anyone made.
  for (const k of Object.keys(state.counters)) state.counters[k] = 0;
  state.mutations.length = 0;
  state.repeats.length = 0;
  seedAudit(state, { history });

  const pw = new Map([['admin', 'admin'], ['viewer', 'viewer']]);
  for (const [k, v] of Object.entries(passwords)) pw.set(k.toLowerCase(), v);
  const tok = new Map();
  tok.set('admin', tokens.admin ?? makeToken());
  tok.set('viewer', tokens.viewer ?? makeToken());
  for (const [k, v] of Object.entries(tokens)) tok.set(k.toLowerCase(), v);
  return { state, passwords: pw, tokens: tok };
}

/**
 * The audit log a Jira of this age would hold: "User created" for the seeded users created inside
 * the retention window (older records are gone, and users without a creation date have none),
 * authored by the system. With `history` (the built-in sample), also "User deactivated" by `admin`
 * for the inactive users, 1-20 days after their last login when that falls inside the window.
 * From here on every change is recorded as it happens.
 */
function seedAudit(state, { history = false } = {}) {
  const oldest = state.audit.oldest, now = state.now();
  const events = [];
  for (const u of state.byId) {
    if (u.created === undefined || u.created === null) continue;
    const at = parseInstant(u.created);
    if (Number.isFinite(at) && at >= oldest && at <= now) events.push({ at, u, kind: 'created' });
  }
  if (history) {
    for (const u of state.byId) {
      if (u.active || typeof u.lastLogin !== 'number') continue;
      const at = u.lastLogin + (1 + (fnv1a(u.name) % 20)) * 86_400_000;
      if (at >= oldest && at < now) events.push({ at, u, kind: 'deactivated' });
    }
  }
  events.sort((a, b) => a.at - b.at || a.u.id - b.u.id);
  for (const { at, u, kind } of events) {
    if (kind === 'created') state.audit.record('created', { at, author: authorOf(state, 'system'), objects: [userObject(u)] });
    else state.audit.record('deactivated', { at, author: authorOf(state, 'admin'), method: 'Browser', objects: [userObject(u)], changes: [{ key: 'active', from: 'true', to: 'false' }] });
  }
  state.audit.recording = true;
}
