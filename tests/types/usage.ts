// Type-level usage of plugin-shim/src/engine.mjs (checked by `tsc -p tests/types/tsconfig.json`,
// never run). It exercises the declarations in plugin-shim/src/engine.d.ts against
// docs/engine-api.md, including narrowing on `result.type` and `action.action`.
import * as engine from '../../plugin-shim/src/engine.mjs';
import type {
  Dashboard, ExecutableAction, Failure, NextRuns, Plan, PlannedAction, Policy, Problem,
  ProtectionCode, Result, Snapshot, TierOptions, TierPlan, UserCleanupError,
  Decision, DecisionCode, DecideInput, KnownProblemCode, ThrownErrorCode,
} from '../../plugin-shim/src/engine.mjs';

declare function show(...xs: unknown[]): void;

// `@ts-expect-error` lines are checked too: each must be an error.
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;
function assertType<T extends true>(_: T): void {}

const policy: Policy = {
  version: 1,
  internalDomains: ['acme.com'],
  protect: { groups: ['jira-administrators'], users: ['svc-backup'] },
  serviceAccounts: [{ user: 'svc-ci', owner: 'ops@acme.com', purpose: 'CI', expires: '2027-06-30' }],
  limits: { maxActionsPerRun: 100, maxSnapshotAgeMinutes: 60 },
  rules: [
    {
      id: 'contractors-90d',
      include: { groups: ['contractors', 'ext-*'] },
      exclude: { groups: ['keep-forever'], users: ['alice'] },
      email: { external: true },
      inactiveDays: 90,
      neverLoggedIn: { createdMoreThanDays: 30 },
      action: { type: 'deactivate' },
    },
    { id: 'licence', inactiveDays: 180, action: { type: 'removeFromGroups', groups: ['jira-*-users'] } },
    { id: 'review', inactiveDays: 60, email: { domains: ['partner.io'] }, action: { type: 'review' } },
  ],
  schedules: [{ id: 'weekly', cron: '0 3 * * MON', timezone: 'Europe/Oslo', rules: ['contractors-90d'] }],
};

const snapshot: Snapshot = {
  capturedAt: '2026-11-27T10:00:00Z',
  users: [
    { name: 'fred', displayName: 'Fred', email: 'fred@partner.io', active: true, groups: ['contractors'], lastLogin: '2026-08-01T09:00:00Z' },
    { name: 'never', active: true, groups: [], lastLogin: null, created: '2026-01-01T00:00:00Z' },
    { name: 'unknown', active: true, groups: [] },
  ],
  applicationRoles: [{ key: 'jira-software', name: 'Jira Software', groups: ['jira-software-users'], numberOfSeats: 500, userCount: 480, hasUnlimitedSeats: false }],
};

// @ts-expect-error removeFromGroups needs groups
const badAction: Policy['rules'][number]['action'] = { type: 'removeFromGroups' };
// @ts-expect-error unknown action type
const badType: Policy['rules'][number]['action'] = { type: 'delete' };
show(badAction, badType);

// ---- version / validate ----------------------------------------------------------------------
const v: string = engine.version();
show(v);

const validation = engine.validate(policy, snapshot);
if (validation.type === 'failure') {
  for (const e of validation.errors) {
    const severity: 'error' = e.severity;
    show(e.code, e.path, e.message, e.source, severity);
  }
} else {
  // @ts-expect-error a success has no errors
  show(validation.errors);
}
engine.validate(JSON.stringify(policy));
engine.validate('{"version":1,"rules":[]}', null);

// ---- plan --------------------------------------------------------------------------------------
function describeProblem(p: Problem): string {
  const where = p.path === '' ? 'the whole document' : p.path;
  switch (p.source) {
    case 'policy':
    case 'snapshot':
    case 'options':
    case 'input':
      return `${p.severity} ${p.code} at ${where}: ${p.message}`;
  }
}

function handle(result: Result<Plan>): Plan | undefined {
  if (result.type === 'success') {
    const plan: Plan = result.value;
    for (const w of result.warnings) show(w.code === 'policy.groupNotInSnapshot', describeProblem(w));
    return plan;
  }
  const failure: Failure = result;
  // @ts-expect-error a failure has no value
  show(result.value);
  failure.errors.forEach((e) => show(describeProblem(e)));
  return undefined;
}

const planned = handle(engine.plan(policy, snapshot, { asOf: '2026-11-27T00:00:00Z', actor: 'admin' }));
handle(engine.plan(JSON.stringify(policy), JSON.stringify(snapshot), JSON.stringify({ asOf: '2026-11-27T00:00:00Z' })));
const text: string = engine.planJson(JSON.stringify(policy), JSON.stringify(snapshot), '{"asOf":"2026-11-27T00:00:00Z"}');
handle(JSON.parse(text) as Result<Plan>);

// @ts-expect-error asOf is required
engine.plan(policy, snapshot, { actor: 'admin' });
// @ts-expect-error the policy must be text or a policy object
engine.plan(42, snapshot, { asOf: '2026-11-27T00:00:00Z' });

function describeAction(a: PlannedAction): string {
  switch (a.action) {
    case 'deactivate':
      return `deactivate ${a.user} (${a.rule})`;
    case 'removeFromGroups':
      return `remove ${a.user} from ${a.groups.join(', ')}`;
    case 'review':
      // @ts-expect-error only removeFromGroups actions carry groups
      return `review ${a.user} ${a.groups}`;
  }
}

if (planned) {
  const executable: ExecutableAction[] = planned.actions.filter(
    (a): a is ExecutableAction => a.action === 'deactivate' || a.action === 'removeFromGroups',
  );
  const maxAge: number = planned.limit.maxSnapshotAgeMinutes;
  show(executable.length === planned.counts.executable, planned.overLimit, planned.limit.maxActionsPerRun, maxAge);
  for (const a of planned.actions) {
    const userKey: string | undefined = a.key;
    show(describeAction(a), a.reasons.join('; '), a.email ?? '(no email)', userKey);
    const f = a.facts;
    const last: string | null = f.lastLogin;
    const days: number = f.daysInactive;
    show(last, days, f.created, f.matchedGroups, f.emailDomain, f.directory);
    if (f.serviceAccount) {
      const expired: true = f.serviceAccount.expired;
      show(f.serviceAccount.owner, f.serviceAccount.expires, expired);
    }
  }
  for (const p of planned.protected) {
    const code: ProtectionCode = p.code;
    // @ts-expect-error not a protection code
    const wrong: ProtectionCode = 'protect.everyone';
    show(p.user, p.rule, p.reason, code, wrong);
  }
  for (const e of planned.expiredServiceAccounts) show(e.user, e.owner, e.expires, e.actioned);
  const byAction: number = planned.counts.byAction.deactivate + planned.counts.byAction.removeFromGroups + planned.counts.byAction.review;
  const byRule: number | undefined = planned.counts.byRule['contractors-90d'];
  show(byAction, byRule, planned.counts.protected, planned.counts.users, planned.counts.activeUsers);
  for (const l of planned.licence) {
    const remaining: number | null = l.remainingAfter;
    show(l.role, l.name, l.seatsBefore - l.seatsAfter === l.seatsFreed, remaining, l.hasUnlimitedSeats);
  }
  const actor: string | null = planned.actor;
  show(actor, planned.asOf);
}

// ---- dashboard -------------------------------------------------------------------------------
const dash = engine.dashboard(null, snapshot, { asOf: '2026-11-27T00:00:00Z', lowUsageDays: 15, inactiveDays: 30 });
if (dash.type === 'success') {
  const d: Dashboard = dash.value;
  const total: number = Object.values(d.buckets).reduce((a, b) => a + b, 0);
  show(total === d.total, d.thresholds.lowUsageDays, d.buckets.neverLoggedIn, d.buckets.protected);
  for (const r of d.roles) show(r.key, r.seatsUsed, r.userCount ?? 'n/a', r.remaining, r.usedShare, r.idleSeats, r.tier.nextLower);
  for (const g of d.groups) show(g.group, g.inactiveShare);
  for (const x of d.externalDomains) show(x.domain, x.firstLogin ?? 'never', x.lastLogin);
  // @ts-expect-error no such bucket
  show(d.buckets.dormant);
}
engine.dashboard(policy, JSON.stringify(snapshot), { asOf: '2026-11-27T00:00:00Z', actor: 'admin' });

// ---- planTier --------------------------------------------------------------------------------
const tierOptions: TierOptions[] = [
  { asOf: '2026-11-27T00:00:00Z', role: 'jira-software', nextLowerTier: true },
  { asOf: '2026-11-27T00:00:00Z', role: 'jira-software', targetSeats: 250 },
  { asOf: '2026-11-27T00:00:00Z', role: 'jira-software', headroom: 10, actor: 'admin' },
];
// @ts-expect-error exactly one target
const twoTargets: TierOptions = { asOf: '2026-11-27T00:00:00Z', role: 'jira-software', targetSeats: 250, headroom: 10 };
show(twoTargets);
for (const o of tierOptions) {
  const r: Result<TierPlan> = engine.planTier(policy, snapshot, o);
  if (r.type === 'failure') {
    show(r.errors.some((e) => e.code === 'options.unknownRole'));
    continue;
  }
  const t = r.value;
  show(t.target, t.targetSource === 'nextLowerTier', t.needed, t.reachable, t.shortfall, t.excluded.protected);
  for (const c of t.candidates) show(c.user, c.displayName, c.lastLogin ?? 'never', c.daysInactive, c.groups, c.reason);
}

// ---- nextRuns --------------------------------------------------------------------------------
const runs: Result<NextRuns> = engine.nextRuns(policy, { from: '2026-11-27T00:00:00Z', count: 5 });
if (runs.type === 'success') {
  for (const s of runs.value.schedules) show(s.id, s.next[0], s.enabled ? 'on' : 'off', s.mode === 'preview');
  // @ts-expect-error — a schedule's runs carry only id and next (the runner contract)
  show(runs.value.schedules[0]?.timezone);
}

// ---- decide ---------------------------------------------------------------------------------
const decideInput: DecideInput = {
  user: { name: 'fred', key: 'JIRAUSER10', active: true, groups: ['jira-software-users'] },
  previous: { lastLogin: null, created: '2024-01-01T00:00:00Z' },
  planned: { user: 'fred', key: 'JIRAUSER10', action: 'removeFromGroups', groups: ['jira-software-users'], rule: 'r' },
  capturedAt: '2026-11-27T00:00:00Z',
};
const decided: Result<Decision> = engine.decide(policy, decideInput, { asOf: '2026-11-27T00:10:00Z', schedule: 'weekly' });
if (decided.type === 'success') {
  const d = decided.value;
  if (d.decision === 'proceed') {
    const groups: string[] | undefined = d.action.groups;
    show(d.action.action, d.action.rule, groups, d.reason);
  } else {
    const code: DecisionCode = d.code;
    // @ts-expect-error a skip carries no action
    show(code, d.action.action);
  }
}
// @ts-expect-error removeFromGroups needs its planned groups
const noGroups: DecideInput = { user: decideInput.user, planned: { user: 'fred', action: 'removeFromGroups', rule: 'r' } };
// @ts-expect-error review is never carried out, so never decided
const review: DecideInput = { user: decideInput.user, planned: { user: 'fred', action: 'review', rule: 'r' } };
show(noGroups, review);
engine.decide(JSON.stringify(policy), JSON.stringify(decideInput), JSON.stringify({ asOf: '2026-11-27T00:10:00Z' }));

const operated: Policy = { ...policy, schedules: [{ id: 'w', cron: '0 3 * * MON', timezone: 'UTC', enabled: false, mode: 'preview' }], notify: { admins: ['ops@acme.com'], contact: 'help@acme.com' } };
// @ts-expect-error a schedule mode is run or preview
const badMode: Policy = { ...policy, schedules: [{ id: 'w', cron: '0 3 * * MON', timezone: 'UTC', mode: 'dry-run' }] };
show(operated, badMode);

// ---- policyGroups ---------------------------------------------------------------------------
const scoped = engine.policyGroups(policy, { groups: ['staff', 'ext-acme'], applicationRoles: [{ key: 'jira-software', groups: ['jira-software-users'] }] });
if (scoped.type === 'success') {
  const partial: Snapshot = { users: [], completeGroups: scoped.value.groups };
  for (const r of scoped.value.reasons) show(r.group, r.by.join('; '), partial);
}

// ---- removableGroups -------------------------------------------------------------------------
const removableAnswer = engine.removableGroups(policy, { groups: ['jira-software-users'], roleGroups: ['jira-users'] });
if (removableAnswer.type === 'success') {
  for (const g of removableAnswer.value.groups) show(g.group, g.allowed, g.by ?? 'not allowed');
}
// @ts-expect-error groups is required
engine.removableGroups(policy, { roleGroups: [] });

// ---- warnings (M16) --------------------------------------------------------------------------
const warnPolicy: Policy = {
  ...policy,
  notify: { admins: ['ops@acme.com'], contact: 'help@acme.com' },
  rules: [{ id: 'idle', inactiveDays: 90, action: { type: 'deactivate' }, warn: { daysBefore: 14, template: 'idle' } }],
  templates: [{ id: 'idle', subject: 'Account {{username}}', body: 'On {{actionDate}}: {{contact}}' }],
};
const sent = [{ user: 'fred', rule: 'idle', sentAt: '2026-11-01T00:00:00Z' }];
const warned = engine.warnings(warnPolicy, snapshot, { asOf: '2026-11-27T00:00:00Z', sent });
if (warned.type === 'success') {
  for (const w of warned.value.users) {
    const state: 'warn' | 'wait' | 'act' = w.state;
    show(state, w.actionDate, w.email ?? 'no email', w.selected ? w.reason : w.selectedFrom, w.warnedAt ?? 'never', warned.value.counts.upcoming);
  }
}
const warnPlan = engine.plan(warnPolicy, snapshot, { asOf: '2026-11-27T00:00:00Z', sent: null });
if (warnPlan.type === 'success') {
  const held = warnPlan.value.actions.filter((a) => a.status === 'awaitingWarning');
  show(held.map((a) => a.warning?.reason), warnPlan.value.counts.awaitingWarning ?? 0);
}
const outcomes = engine.warningOutcomes(warnPolicy, { ...snapshot, users: snapshot.users.map((u) => ({ ...u, previousLogin: null })) }, { asOf: '2026-11-27T00:00:00Z', sent });
if (outcomes.type === 'success') {
  for (const r of outcomes.value.rules) show(r.rule, r.warned, r.loggedInAfter, r.onlyOnce + r.moreThanOnce + r.notKnown, r.lastLoginNotKnown);
}
// @ts-expect-error sentAt is required
engine.warnings(warnPolicy, snapshot, { asOf: '2026-11-27T00:00:00Z', sent: [{ user: 'fred', rule: 'idle' }] });
const awaitingCode: DecisionCode = 'decide.awaitingWarning';
show(awaitingCode);

// ---- errors ----------------------------------------------------------------------------------
try {
  engine.validate(JSON.stringify(policy));
} catch (e) {
  const err = e as UserCleanupError;
  if (err.name === 'UserCleanupError' && err.code === 'argument.invalid') show(err.message);
}

// ---- type equalities -------------------------------------------------------------------------
assertType<Equal<PlannedAction['action'], 'deactivate' | 'removeFromGroups' | 'review'>>(true);
// The four protections of the matching contract are ProtectionCodes (the union, generated from the
// engine's code registry, may grow).
type CoreProtection = 'protect.actor' | 'protect.user' | 'protect.group' | 'protect.serviceAccount';
assertType<Equal<Extract<ProtectionCode, CoreProtection>, CoreProtection>>(true);
assertType<Equal<Problem['source'], 'policy' | 'snapshot' | 'options' | 'input'>>(true);
assertType<Equal<DecisionCode, Decision['code']>>(true);
assertType<Equal<ThrownErrorCode, 'argument.invalid' | 'internal.json' | 'engine.notBuilt'>>(true);
const codeCheck: KnownProblemCode = 'policy.invalidScheduleId';
// @ts-expect-error a decision code is not a problem code
const notAProblem: KnownProblemCode = 'decide.proceed';
show(codeCheck, notAProblem);
assertType<Equal<Result<Plan>['type'], 'success' | 'failure'>>(true);

// ---- query, openQuery, exceptions (docs/query.md) ----------------------------------------------
{
  const snap: Snapshot = { users: [] };
  const withException: Policy = { ...policy, exceptions: [{ user: 'ann', reason: 'on leave', by: 'admin', until: '2027-01-31' }] };
  const r = engine.query(withException, snap, { include: { groups: ['ext-*'] }, inactiveDays: 90, buckets: ['inactive'], review: false }, { asOf: '2026-11-27T00:00:00Z' });
  if (r.type === 'success') {
    const first = r.value.users[0];
    const code: ProtectionCode | undefined = first?.protected?.code;
    show(r.value.total, r.value.counts.buckets.inactive, r.value.counts.roles['jira-software'], first?.bucket, code);
  }
  // @ts-expect-error an unknown bucket name
  engine.query(null, snap, { buckets: ['idle'] }, { asOf: '2026-11-27T00:00:00Z' });
  const opened = engine.openQuery(null, snap, { asOf: '2026-11-27T00:00:00Z' });
  if (opened.type === 'success') {
    const s = opened.value;
    const brief = s.query({ view: 'brief', search: 'ann' });
    show(s.users(), brief.type === 'success' ? brief.value.users.length : 0, s.queryJson(null));
    const m = s.matches({ search: 'ann', active: true });
    if (m.type === 'success') {
      const rows: Uint32Array = m.value.rows;
      show(rows[0], m.value.total, m.value.counts.buckets.active);
    }
    // @ts-expect-error positions are numbers, not users
    if (m.type === 'success') show(m.value.rows[0]?.name);
    s.free();
  }
  const expired = engine.plan(withException, snap, { asOf: '2026-11-27T00:00:00Z' });
  if (expired.type === 'success') show(expired.value.expiredExceptions?.[0]?.until);
  assertType<Equal<Extract<ProtectionCode, 'protect.exception'>, 'protect.exception'>>(true);
}

// ---- planBulk and decide for bulk items -------------------------------------------------------
const bulkSnapshot: Snapshot = { users: [{ name: 'fred', active: true, groups: [] }] };
const bulked = engine.planBulk(policy, bulkSnapshot, { asOf: '2026-11-27T00:00:00Z', actor: 'admin', users: ['fred'], operation: { type: 'addToGroups', groups: ['staff'] } });
if (bulked.type === 'success') {
  const b = bulked.value;
  for (const a of b.actions) {
    const rule: 'bulk' = a.rule;
    show(rule, a.action, a.groups, a.status, a.handover, a.reasons);
  }
  const code: ProtectionCode | undefined = b.protected[0]?.code;
  show(code, b.unchanged, b.unknown, b.counts.executable, b.counts.blocked ?? 0, b.overLimit, b.limit.maxActionsPerRun, b.operation.type);
}
// @ts-expect-error a group operation needs its groups
engine.planBulk(policy, bulkSnapshot, { asOf: '2026-11-27T00:00:00Z', users: ['fred'], operation: { type: 'removeFromGroups' } });
// @ts-expect-error there are four bulk operations
engine.planBulk(policy, bulkSnapshot, { asOf: '2026-11-27T00:00:00Z', users: ['fred'], operation: { type: 'delete' } });
const bulkItem: DecideInput = { user: decideInput.user, planned: { user: 'fred', action: 'addToGroups', groups: ['staff'], rule: 'bulk' } };
const reactivated: DecideInput = { user: decideInput.user, planned: { user: 'fred', action: 'reactivate', rule: 'bulk' } };
// @ts-expect-error reactivate is a bulk operation only
const ruleReactivate: DecideInput = { user: decideInput.user, planned: { user: 'fred', action: 'reactivate', rule: 'idle' } };
show(bulkItem, reactivated, ruleReactivate);
