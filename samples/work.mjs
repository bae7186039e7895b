// What the users of a snapshot lead and have assigned in Jira, generated deterministically for the
// built-in sample (samples/generate.mjs writes it into samples/snapshot.json as the per-user
// `leads` and `openAssigned` fields) and for the sandbox's generated users (`--users N`):
//
//   - projects, most led by people who use Jira, some by long-idle staff (one of them leads two)
//     and one by an idle contractor: the accounts a cleanup rule selects and Jira refuses to
//     deactivate;
//   - 2-4 components per project, some led by idle users (no refusal: facts only), some by nobody;
//   - unresolved issues assigned to users: most active users have a few, some idle and some
//     already deactivated users still hold work.
//
// A pure function of the users (their order, names, activity) and the seed. No clock, no
// Math.random.

const DAY = 86_400_000;

const PROJECT_NAMES = [
  'Payments', 'Checkout', 'Platform', 'Mobile App', 'Data Lake', 'Search', 'Identity', 'Billing', 'Web Shop', 'API Gateway',
  'Infrastructure', 'Site Reliability', 'Security', 'Analytics', 'Growth', 'Onboarding', 'Catalog', 'Pricing', 'Logistics',
  'Warehouse', 'CRM', 'ERP', 'Integrations', 'Reporting', 'Quality Assurance', 'Developer Experience', 'Observability',
  'Network', 'Storage', 'Machine Learning', 'IT Service Desk', 'HR Systems', 'Legacy Intranet', 'Migration 2019',
];
const COMPONENT_NAMES = ['Backend', 'Frontend', 'API', 'Documentation', 'Database', 'Mobile', 'Reporting', 'Integrations', 'UX'];
const PROTECTED = new Set(['jira-administrators', 'jira-system-administrators', 'team-legal-hold', 'keep-forever', 'service-accounts']);

/** mulberry32: small, seeded, deterministic. */
function rngOf(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)), chance: (p) => next() < p };
}

function instant(v) {
  if (typeof v !== 'string') return NaN;
  return Date.parse(v.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
}

/** A project key from a name: its initials (or first letters), made unique with a digit. */
function keyFor(name, taken) {
  const words = name.toUpperCase().replace(/[^A-Z0-9 ]/g, '').split(/\s+/).filter(Boolean);
  let base = words.length > 1 ? words.map((w) => w[0]).join('') : words[0].slice(0, 3);
  if (base.length < 2) base = words[0].slice(0, 3);
  if (!/^[A-Z]/.test(base)) base = `P${base}`;
  base = base.slice(0, 8);
  let key = base;
  for (let i = 2; taken.has(key); i++) key = `${base}${i}`;
  taken.add(key);
  return key;
}

/**
 * The work of each user: an array aligned with `users`, each `{leads?: {projects: [{key, name}],
 * components: [{project, name}]}, openAssigned: N}`. `users` are Snapshot-contract objects.
 * @param {any[]} users
 * @param {{capturedAt: string, seed?: number, projects?: number}} o
 */
export function jiraWork(users, { capturedAt, seed = 1, projects } = /** @type {any} */ ({})) {
  const now = instant(capturedAt);
  if (!Number.isFinite(now)) throw new Error(`jiraWork: capturedAt is not an instant: ${capturedAt}`);
  const rng = rngOf(seed ^ 0x6a697261);
  const idleDays = (u) => {
    if (u.lastLogin === null) return Infinity;
    const t = instant(u.lastLogin);
    return Number.isFinite(t) ? (now - t) / DAY : NaN;
  };
  const groupsLc = (u) => (u.groups ?? []).map((g) => String(g).toLowerCase());
  const isProtected = (u) => groupsLc(u).some((g) => PROTECTED.has(g));
  const internal = (u) => /@([a-z0-9-]+\.)*acme\.com$/i.test(u.email ?? '');
  const staff = (u) => groupsLc(u).includes('acme-all-staff');
  const contractor = (u) => groupsLc(u).includes('contractors');
  const writable = (u) => !/read-only|read only|readonly/i.test(u.directory ?? '');

  const idx = users.map((u, i) => i);
  const recent = idx.filter((i) => users[i].active && idleDays(users[i]) < 30 && !isProtected(users[i]));
  // Long-idle staff in a writable directory: a rule deactivates them and Jira says no (the lead).
  const idleStaff = idx.filter((i) => {
    const u = users[i];
    const d = idleDays(u);
    return u.active && Number.isFinite(d) && d > 400 && internal(u) && staff(u) && writable(u) && !isProtected(u);
  });
  const idleContractors = idx.filter((i) => {
    const u = users[i];
    const d = idleDays(u);
    return u.active && Number.isFinite(d) && d > 120 && contractor(u) && writable(u) && !isProtected(u);
  });
  const out = users.map(() => ({ openAssigned: 0 }));
  if (!recent.length) return out;
  const pickFrom = (pool) => pool[Math.floor(rng.next() * pool.length)];

  const count = projects ?? Math.max(3, Math.min(PROJECT_NAMES.length + 400, Math.round(users.length / 90)));
  // The legacy projects come last: their lead is the long-idle one.
  const names = count <= PROJECT_NAMES.length
    ? [...PROJECT_NAMES.slice(0, count - 2), ...PROJECT_NAMES.slice(-2)]
    : [...PROJECT_NAMES.slice(0, -2), ...Array.from({ length: count - PROJECT_NAMES.length }, (_, k) => `Project ${k + 1}`), ...PROJECT_NAMES.slice(-2)];
  const taken = new Set();
  const list = names.map((name) => ({ key: keyFor(name, taken), name }));
  // Leads: the last two projects (legacy ones) go to one idle person; a few more to other idle
  // staff and one to an idle contractor; the rest to people who use Jira.
  const idleShare = Math.max(2, Math.round(count / 8));
  const idleLeads = [];
  const usedIdle = new Set();
  for (let k = 0; k < idleShare && idleStaff.length; k++) {
    let i = pickFrom(idleStaff);
    for (let tries = 0; usedIdle.has(i) && tries < 10; tries++) i = pickFrom(idleStaff);
    usedIdle.add(i);
    idleLeads.push(i);
  }
  const lead = new Array(count);
  for (let p = 0; p < count; p++) lead[p] = pickFrom(recent);
  if (idleLeads.length) {
    lead[count - 1] = idleLeads[0];
    if (count > 1) lead[count - 2] = idleLeads[0];
    for (let k = 1; k < idleLeads.length && 2 * k < count - 2; k++) lead[2 * k] = idleLeads[k];
  }
  if (idleContractors.length && count > 3) lead[1] = pickFrom(idleContractors);
  const leadsOf = (i) => (out[i].leads ??= { projects: [], components: [] });
  list.forEach((p, k) => leadsOf(lead[k]).projects.push({ key: p.key, name: p.name }));

  // Components: 2-4 per project; leads: mostly active people, some idle staff, some none.
  const idleAny = idx.filter((i) => users[i].active && idleDays(users[i]) > 180 && !isProtected(users[i]));
  list.forEach((p) => {
    const n = rng.int(2, 4);
    const start = rng.int(0, COMPONENT_NAMES.length - 1);
    for (let c = 0; c < n; c++) {
      const name = COMPONENT_NAMES[(start + c) % COMPONENT_NAMES.length];
      const r = rng.next();
      const who = r < 0.6 ? pickFrom(recent) : r < 0.8 && idleAny.length ? pickFrom(idleAny) : null;
      if (who !== null) leadsOf(who).components.push({ project: p.key, name });
    }
  });

  // Open assigned issues.
  users.forEach((u, i) => {
    const d = idleDays(u);
    let n = 0;
    if (!u.active) n = rng.chance(0.15) ? rng.int(1, 3) : 0; // left with work still assigned
    else if (d < 90) n = rng.chance(0.7) ? rng.int(1, 9) : 0;
    else n = rng.chance(0.3) ? rng.int(1, 5) : 0; // idle, still holding issues
    out[i].openAssigned = n;
  });
  // Every idle project lead holds some of their project's work.
  for (const i of idleLeads) out[i].openAssigned = Math.max(out[i].openAssigned, 2);
  return out;
}
