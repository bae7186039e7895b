// Types for plugin-shim/src/engine.mjs (the Node wrapper over pkg/node), following
// docs/engine-api.md and the data contracts in docs/policy.md, docs/snapshot.md and docs/plan.md. Named .d.mts so that TypeScript with
// `moduleResolution: "nodenext"` finds it beside engine.mjs on its own.

// ---------------------------------------------------------------------------------------------
// Result envelope

/** Which input a problem is about (`input`: decide's input, the user read just now and the planned action). */
export type ProblemSource = 'policy' | 'snapshot' | 'options' | 'input';
export type Severity = 'error' | 'warning';

// BEGIN GENERATED CODES (from crates/engine/src/code.rs; `cargo test -p user-cleanup-engine generated` checks it)
/** Problem codes (errors and warnings). Codes are stable; new ones may be added. */
export type KnownProblemCode =
  | 'json.syntax'
  | 'json.invalid'
  | 'policy.unknownField'
  | 'policy.invalidType'
  | 'policy.missingField'
  | 'policy.emptyValue'
  | 'policy.outOfRange'
  | 'policy.unsupportedVersion'
  | 'policy.unknownAction'
  | 'policy.unexpectedField'
  | 'policy.invalidDomain'
  | 'policy.invalidDate'
  | 'policy.emailConflict'
  | 'policy.duplicateRuleId'
  | 'policy.duplicateScheduleId'
  | 'policy.invalidScheduleId'
  | 'policy.duplicateServiceAccount'
  | 'policy.noActivityCondition'
  | 'policy.tooMany'
  | 'policy.tooLong'
  | 'policy.invalidEmail'
  | 'policy.unknownScheduleMode'
  | 'policy.unknownTemplate'
  | 'policy.duplicateTemplateId'
  | 'policy.invalidTemplateId'
  | 'policy.unknownPlaceholder'
  | 'policy.missingContact'
  | 'policy.reservedRuleId'
  | 'policy.noRules'
  | 'policy.noLimit'
  | 'policy.serviceAccountNoExpiry'
  | 'policy.groupNotInSnapshot'
  | 'policy.userNotInSnapshot'
  | 'policy.duplicateEntry'
  | 'rule.neverSelects'
  | 'rule.everyDomainExternal'
  | 'serviceAccount.expired'
  | 'exception.expired'
  | 'schedule.unknownRule'
  | 'schedule.noRules'
  | 'policy.handoverUnknownUser'
  | 'policy.handoverInactiveUser'
  | 'cron.invalid'
  | 'timezone.unknown'
  | 'snapshot.invalid'
  | 'snapshot.duplicateUser'
  | 'snapshot.duplicateRole'
  | 'snapshot.emptyName'
  | 'snapshot.invalidTimestamp'
  | 'snapshot.tooManyRoles'
  | 'snapshot.invalidCount'
  | 'snapshot.emptyValue'
  | 'snapshot.noLastLogin'
  | 'options.invalid'
  | 'options.missing'
  | 'options.invalidTimestamp'
  | 'options.invalidThresholds'
  | 'options.target'
  | 'options.unknownRole'
  | 'options.noSeatLimit'
  | 'options.noLowerTier'
  | 'options.unknownSchedule'
  | 'options.groupNotRead'
  | 'options.sentInFuture'
  | 'input.invalid'
  | 'input.invalidTimestamp'
  | 'query.unknownRole'
  | 'internal.missingInput'
  | 'internal.serialize';
/** Why a user may not be actioned. */
export type ProtectionCode =
  | 'protect.actor'
  | 'protect.user'
  | 'protect.group'
  | 'protect.serviceAccount'
  | 'protect.handover'
  | 'protect.exception';
/** What `decide` answers. */
export type DecisionCode =
  | 'decide.proceed'
  | 'decide.planExpired'
  | 'decide.planInFuture'
  | 'decide.identityChanged'
  | 'decide.inactive'
  | 'decide.protected'
  | 'decide.notSelected'
  | 'decide.otherRule'
  | 'decide.otherAction'
  | 'decide.nothingLeft'
  | 'decide.blocked'
  | 'decide.leadChanged'
  | 'decide.awaitingWarning';
/** The `code` of a thrown UserCleanupError. */
export type ThrownErrorCode =
  | 'argument.invalid'
  | 'internal.json'
  | 'engine.notBuilt';
/** Why a planned action cannot be carried out. */
export type BlockedCode =
  | 'blocked.projectLead';
/** Why a rule passed over a user it would otherwise select. */
export type SkippedCode =
  | 'skipped.openAssigned'
  | 'skipped.openAssignedUnknown';
// END GENERATED CODES
/** A problem code: one of the known ones, or one added later (still a string). */
export type ProblemCode = KnownProblemCode | (string & {});

export interface Problem {
  /** Stable, e.g. "policy.unknownField", "snapshot.duplicateUser", "cron.invalid". */
  code: ProblemCode;
  /** JSON path into the document: "rules[2].include.groups[0]", "users[17].lastLogin"; "" = the whole document. */
  path: string;
  /** A readable sentence naming the value. */
  message: string;
  source: ProblemSource;
  severity: Severity;
}
export interface ErrorProblem extends Problem { severity: 'error' }
export interface WarningProblem extends Problem { severity: 'warning' }

export interface Success<T> {
  type: 'success';
  value: T;
  warnings: WarningProblem[];
}
export interface Failure {
  type: 'failure';
  errors: ErrorProblem[];
  warnings: WarningProblem[];
}
/** Every engine answer: narrow on `type`. */
export type Result<T> = Success<T> | Failure;

/** What the engine throws when called wrongly (an argument that is neither JSON text nor an object). */
export interface UserCleanupError extends Error {
  name: 'UserCleanupError';
  code: ThrownErrorCode | (string & {});
}

// ---------------------------------------------------------------------------------------------
// Inputs (docs/policy.md, docs/snapshot.md). Every function also takes the same documents as JSON text.

/** An RFC 3339 instant ("2026-11-27T00:00:00Z"); snapshots also accept Jira's "+1000" offsets. */
export type Instant = string;

export interface SnapshotUser {
  /** Jira username, unique (case-insensitive). */
  name: string;
  key?: string;
  displayName?: string;
  /** May be empty. */
  email?: string;
  active: boolean;
  /** Effective memberships. */
  groups: string[];
  directory?: string;
  /** Absent = not known. */
  created?: Instant;
  /** An instant; `null` = never logged in; absent = not known. */
  lastLogin?: Instant | null;
  /** The login before the last one (Jira's login.previousLoginMillis, from the last-login export): `null` = none (the last was the first); absent = not known. Not after `lastLogin`. */
  previousLogin?: Instant | null;
  /** Upper bound of the creation instant when `created` is not known (the start of Jira's audit log). */
  createdBefore?: Instant | null;
  /** What the user leads; absent = not known. */
  leads?: Leads | null;
  /** Unresolved issues assigned (a whole number ≥ 0); absent = not known. */
  openAssigned?: number | null;
}
export interface Leads {
  projects?: { key: string; name?: string | null }[];
  components?: { project: string; name: string; id?: string | number | null }[];
}
export interface ApplicationRole {
  key: string;
  name: string;
  groups: string[];
  numberOfSeats?: number | null;
  userCount?: number | null;
  hasUnlimitedSeats?: boolean;
}
export interface Snapshot {
  capturedAt?: Instant;
  users: SnapshotUser[];
  applicationRoles?: ApplicationRole[];
  /** The snapshot holds complete memberships only for these groups (see `policyGroups`); absent = every group. */
  completeGroups?: string[];
}

export type ActionType = 'deactivate' | 'removeFromGroups' | 'review';
export type RuleAction =
  | { type: 'deactivate' }
  | { type: 'review' }
  | { type: 'removeFromGroups'; groups: string[] };
export type EmailCondition = { external: boolean } | { domains: string[] };
export interface Rule {
  id: string;
  description?: string;
  include?: { groups?: string[] };
  exclude?: { groups?: string[]; users?: string[] };
  email?: EmailCondition;
  inactiveDays?: number;
  neverLoggedIn?: { createdMoreThanDays: number };
  /** Pass over users with unresolved issues assigned (or not known how many). Default false. */
  skipIfOpenAssignedIssues?: boolean;
  action: RuleAction;
  /** Warn each user `daysBefore` days before acting, with the policy's template `template` (M16). Not on review rules. */
  warn?: RuleWarn;
}
export interface RuleWarn {
  /** 1 to 365. */
  daysBefore: number;
  /** The id of one of the policy's `templates` (case-insensitive). */
  template: string;
}
/** A warning email: plain text with placeholders {{displayName}} {{username}} {{actionDate}} {{actionWords}} {{ruleDescription}} {{contact}}. */
export interface WarningTemplate {
  /** 1 to 64 of A-Z a-z 0-9 . _ - ; unique (case-insensitive). */
  id: string;
  /** At most 256 characters. */
  subject: string;
  /** At most 20,000 characters. */
  body: string;
}
export interface ServiceAccount {
  user: string;
  owner: string;
  purpose?: string;
  /** "2027-06-30" (00:00 UTC that day) or an instant; absent = protected until removed. */
  expires?: string;
}
export interface Schedule {
  id: string;
  /** Classic five fields (minute hour day-of-month month day-of-week). */
  cron: string;
  /** IANA time zone, e.g. "Europe/Oslo". */
  timezone: string;
  /** Rule ids to run; absent = every rule. */
  rules?: string[];
  /** Default true; a disabled schedule keeps its settings but is not run. */
  enabled?: boolean;
  /** Default "run"; "preview" only records the plan. */
  mode?: ScheduleMode;
}
export type ScheduleMode = 'run' | 'preview';
/** Who is told about runs; changes no decision. */
export interface Notify {
  /** Administrators' email addresses. */
  admins: string[];
  /** The contact shown to affected users. */
  contact?: string;
}
export interface Policy {
  version: 1;
  internalDomains?: string[];
  protect?: { groups?: string[]; users?: string[] };
  serviceAccounts?: ServiceAccount[];
  limits?: {
    maxActionsPerRun?: number;
    /** Minutes after the snapshot was read that its plan may still be carried out: 1 to 525,600, default 60. */
    maxSnapshotAgeMinutes?: number;
  };
  rules: Rule[];
  schedules?: Schedule[];
  /** The active user who becomes lead of the projects a deactivated project lead leads. */
  handover?: { projectLead: string };
  notify?: Notify;
  /** Users kept by an administrator's decision: protected (`protect.exception`) until `until`. */
  exceptions?: PolicyException[];
  /** The warning emails rules' `warn` names. */
  templates?: WarningTemplate[];
}
/** A decision to keep a user (e.g. from the review list). */
export interface PolicyException {
  user: string;
  /** Why the user is kept (at most 1,024 characters). */
  reason: string;
  /** The administrator who decided. */
  by: string;
  /** "2027-01-31" (00:00 UTC that day) or an instant: protected while `until` is after `asOf`. */
  until: string;
  /** When the decision was made (an instant). */
  decidedAt?: Instant;
}

/** A document as JSON text or as a plain object. */
export type PolicyInput = string | Policy;
export type SnapshotInput = string | Snapshot;

export interface PlanOptions {
  /** The evaluation instant (never the clock). */
  asOf: Instant;
  /** The acting admin: protected. */
  actor?: string | null;
}
export interface PlanRunOptions extends PlanOptions {
  /** Plan as this schedule runs: only the rules it names (every rule when it names none). */
  schedule?: string;
  /** The warnings already sent (M16). Absent: nobody counts as warned, every action of a warn rule awaits its warning. */
  sent?: SentWarning[] | null;
}
/** A warning known to have been sent (user and rule compared case-insensitively; the latest per pair counts). */
export interface SentWarning {
  user: string;
  rule: string;
  sentAt: Instant;
}
export interface ValidateOptions {
  asOf?: Instant;
  actor?: string | null;
}
export interface DashboardOptions extends PlanOptions {
  /** Default 15. */
  lowUsageDays?: number;
  /** Default 30. */
  inactiveDays?: number;
}
interface TierOptionsBase extends PlanOptions {
  /** Application role key, e.g. "jira-software". */
  role: string;
}
/** Exactly one target: a seat count, a headroom under the licence limit, or the next lower tier. */
export type TierOptions =
  | (TierOptionsBase & { targetSeats: number; headroom?: undefined; nextLowerTier?: false })
  | (TierOptionsBase & { headroom: number; targetSeats?: undefined; nextLowerTier?: false })
  | (TierOptionsBase & { nextLowerTier: true; targetSeats?: undefined; headroom?: undefined });
export interface NextRunsOptions {
  from: Instant;
  count?: number;
}

// ---------------------------------------------------------------------------------------------
// Plan

/** Output instants are UTC: "YYYY-MM-DDTHH:MM:SSZ". */
export type UtcInstant = string;

export interface ServiceAccountFacts {
  owner: string;
  purpose: string | null;
  expires: string;
  expired: true;
}
export interface Facts {
  /** `null` = never logged in. */
  lastLogin: UtcInstant | null;
  /** Whole days since last login (or since created when never logged in). */
  daysInactive: number;
  /** `null` when not known. */
  created: UtcInstant | null;
  /** The user's groups that matched include.groups (empty when include is absent). */
  matchedGroups: string[];
  emailDomain: string | null;
  directory: string | null;
  /** Only for expired service accounts. */
  serviceAccount?: ServiceAccountFacts;
  /** The snapshot's createdBefore, when `created` is not known. */
  createdBefore?: UtcInstant;
  /** What the user leads, when the snapshot says (projects sorted by key). */
  leads?: { projects: { key: string; name?: string }[]; components: { project: string; name: string; id?: string | number }[] };
  /** Unresolved issues assigned, when the snapshot says. */
  openAssigned?: number;
}
/** A deactivation of a project lead with handover.projectLead: the runner first makes `projectLead` lead of `projects`. */
export interface Handover {
  projectLead: string;
  projects: string[];
}
/** The user a plan action, a bulk action or a warned user is about (the engine's `plan::Who`). */
export interface Who {
  user: string;
  /** Jira's user key, when the snapshot has one (hand it back to `decide` as `planned.key`). */
  key?: string;
  displayName: string;
  /** null: the user has no email address. */
  email: string | null;
}
interface PlannedActionBase extends Who {
  /** Id of the rule that decided. */
  rule: string;
  /** The reasons in words. */
  reasons: string[];
  facts: Facts;
  /** `'blocked'`: cannot be carried out; `'awaitingWarning'`: its rule warns first and the user was not
   *  warned long enough ago (M16). Either never runs and never counts against the limit; absent = runs. */
  status?: 'blocked' | 'awaitingWarning';
  blockedCode?: BlockedCode;
  blockedReason?: string;
  /** Only for an action of a rule with `warn`: where the user stands (state `act` = may run now). */
  warning?: WarningLifecycle;
}
export type WarningState = 'warn' | 'wait' | 'act';
export interface WarningLifecycle {
  /** `warn`: send the warning now; `wait`: warned, not long enough ago (or not selected yet); `act`: the action may happen. */
  state: WarningState;
  template: string;
  daysBefore: number;
  /** The warning that counts (latest, sent no earlier than the last login); null when none. */
  warnedAt: UtcInstant | null;
  /** The latest warning, when a login after it voided it. */
  voidedWarning?: UtcInstant;
  /** The first instant the action may happen (for {{actionDate}}). */
  actionDate: UtcInstant;
  /** "warned 2026-11-01, no login since: deactivate" / "not warned yet: warning now, action on or after 2026-12-13". */
  reason: string;
}
export interface DeactivateAction extends PlannedActionBase {
  action: 'deactivate';
  /** Present when the user leads projects and the policy names handover.projectLead. */
  handover?: Handover;
}
export interface ReviewAction extends PlannedActionBase { action: 'review' }
export interface RemoveFromGroupsAction extends PlannedActionBase {
  action: 'removeFromGroups';
  /** The groups the user is actually in. */
  groups: string[];
}
/** Narrow on `action`. */
export type PlannedAction = DeactivateAction | RemoveFromGroupsAction | ReviewAction;
/** The actions a runner carries out (review is listed only). */
export type ExecutableAction = DeactivateAction | RemoveFromGroupsAction;

export interface ProtectedUser {
  user: string;
  /** The rule that would have selected the user. */
  rule: string;
  code: ProtectionCode;
  reason: string;
}
/** A user a rule (skipIfOpenAssignedIssues) passed over only because of open assigned issues, and no rule actions. */
export interface SkippedUser {
  user: string;
  /** The first rule that passed over the user. */
  rule: string;
  code: SkippedCode;
  reason: string;
  /** `null` when not known. */
  openAssigned: number | null;
}
export interface ExpiredServiceAccount {
  user: string;
  owner: string;
  purpose: string | null;
  expires: string;
  /** Whether a rule actions the account in this plan. */
  actioned: boolean;
  /** Whether the account is in the snapshot. */
  present?: boolean;
}
export interface ExpiredException {
  user: string;
  by: string;
  /** As written in the policy. */
  until: string;
  reason: string;
  /** Whether the user is in the snapshot. */
  present: boolean;
  /** Whether a rule actions the user in this plan. */
  actioned: boolean;
}
export interface PlanCounts {
  users: number;
  activeUsers: number;
  actions: number;
  /** deactivate + removeFromGroups, not blocked. */
  executable: number;
  /** Every listed action by type (blocked ones included). */
  byAction: Record<ActionType, number>;
  byRule: Record<string, number>;
  protected: number;
  /** Actions with status 'blocked'; absent = 0. */
  blocked?: number;
  /** Entries in `skipped`; absent = 0. */
  skipped?: number;
  /** Actions with status 'awaitingWarning'; absent = 0. */
  awaitingWarning?: number;
}
export interface LicenceImpact {
  role: string;
  name: string;
  numberOfSeats: number | null;
  hasUnlimitedSeats: boolean;
  seatsBefore: number;
  seatsAfter: number;
  seatsFreed: number;
  /** `null` when unlimited. */
  remainingBefore: number | null;
  remainingAfter: number | null;
}
export interface Plan {
  asOf: UtcInstant;
  actor: string | null;
  /** Sorted by username (case-insensitive, then exact). */
  actions: PlannedAction[];
  protected: ProtectedUser[];
  /** Absent when empty. */
  skipped?: SkippedUser[];
  expiredServiceAccounts: ExpiredServiceAccount[];
  /** Exceptions past their `until` (no longer protecting their user), in policy order; absent when none. */
  expiredExceptions?: ExpiredException[];
  counts: PlanCounts;
  /** maxActionsPerRun is `null` when the policy sets none; maxSnapshotAgeMinutes is the effective value (default 60). */
  limit: { maxActionsPerRun: number | null; maxSnapshotAgeMinutes: number };
  /** Executable actions > maxActionsPerRun: the runner and the UI refuse to execute. */
  overLimit: boolean;
  licence: LicenceImpact[];
}

// ---------------------------------------------------------------------------------------------
// warnings (M16)

export type WarningsOptions = PlanRunOptions;
/** `email` null: a warning cannot reach the user (report it). */
export interface WarnedUser extends WarningLifecycle, Who {
  rule: string;
  /** The rule's description, or its id ({{ruleDescription}}). */
  ruleDescription: string;
  action: 'deactivate' | 'removeFromGroups';
  /** removeFromGroups: the groups it removes. */
  groups?: string[];
  /** Does the rule select the user at asOf? false: it will at `selectedFrom` (within daysBefore days). */
  selected: boolean;
  /** When the rule's threshold is (or was) crossed. */
  selectedFrom: UtcInstant;
}
export interface Warnings {
  asOf: UtcInstant;
  /** Sorted by username (case-insensitive, then exact). */
  users: WarnedUser[];
  /** By state; `upcoming` = entries not selected yet (any state). */
  counts: { warn: number; wait: number; act: number; upcoming: number };
}

export type WarningOutcomesOptions = PlanRunOptions;
/** One warn rule: loggedInAfter = onlyOnce + moreThanOnce + notKnown. */
export interface RuleWarningOutcome {
  rule: string;
  /** Users with a warning sent for the rule (each once, by the latest). */
  warned: number;
  /** Warned users whose last login is after their latest warning. */
  loggedInAfter: number;
  /** Of those, that login is the only one since (previous login before the warning, or none). */
  onlyOnce: number;
  /** Of those, logged in more than once since. */
  moreThanOnce: number;
  /** Of those, the snapshot has no previousLogin: once or more is not known. */
  notKnown: number;
  /** Warned users whose last login is not known (or not in the snapshot). */
  lastLoginNotKnown: number;
}
export interface WarningOutcomes {
  asOf: UtcInstant;
  /** One per rule with `warn`, in policy order. */
  rules: RuleWarningOutcome[];
}

// ---------------------------------------------------------------------------------------------
// Dashboard

export type BucketName = 'active' | 'lowUsage' | 'inactive' | 'neverLoggedIn' | 'unknown' | 'deactivated' | 'protected';
export type Buckets = Record<BucketName, number>;
export interface DashboardRole {
  key: string;
  name: string;
  groups: string[];
  numberOfSeats: number | null;
  hasUnlimitedSeats: boolean;
  /** Active users in any of the role's groups (computed from the snapshot). */
  seatsUsed: number;
  /** What the host reported, or null. */
  userCount: number | null;
  remaining: number | null;
  usedShare: number | null;
  /** Seats held by inactive / never-logged-in users. */
  idleSeats: number;
  tier: { current: number | null; nextLower: number | null };
}
export interface GroupUse {
  group: string;
  members: number;
  activeMembers: number;
  inactive: number;
  neverLoggedIn: number;
  unknown: number;
  inactiveShare: number;
}
export interface DomainUse {
  domain: string;
  users: number;
  activeUsers: number;
  inactive: number;
  neverLoggedIn: number;
  /** Oldest last login; null when none. */
  firstLogin: UtcInstant | null;
  /** Newest last login; null when none. */
  lastLogin: UtcInstant | null;
}
export interface Dashboard {
  asOf: UtcInstant;
  thresholds: { lowUsageDays: number; inactiveDays: number };
  total: number;
  /** Each user in exactly one bucket. */
  buckets: Buckets;
  roles: DashboardRole[];
  /** Sorted by inactive + neverLoggedIn, descending. */
  groups: GroupUse[];
  externalDomains: DomainUse[];
  /** Only for a snapshot with `completeGroups`: the groups `groups` covers, and those the snapshot
   *  mentions without all their members (left out of `groups`). */
  groupsRead?: { complete: string[]; notRead: string[] };
}

// ---------------------------------------------------------------------------------------------
// TierPlan

export type TargetSource = 'targetSeats' | 'headroom' | 'nextLowerTier';
export interface TierCandidate {
  user: string;
  displayName: string;
  lastLogin: UtcInstant | null;
  daysInactive: number;
  /** The role's groups the user is in. */
  groups: string[];
  reason: string;
}
export interface TierPlan {
  role: string;
  name: string;
  numberOfSeats: number | null;
  seatsUsed: number;
  target: number;
  targetSource: TargetSource;
  needed: number;
  reachable: boolean;
  shortfall: number;
  /** Longest inactive first; ties by username. */
  candidates: TierCandidate[];
  excluded: { protected: number; unknownLastLogin: number; unknownCreated: number };
}

// ---------------------------------------------------------------------------------------------
// nextRuns

/** Exactly the runner contract's shape: `{id, next, enabled, mode}`. */
export interface ScheduleRuns {
  id: string;
  /** UTC instants (listed for a disabled schedule too). */
  next: UtcInstant[];
  /** `false`: switched off; the daemon does not run it. */
  enabled: boolean;
  /** `preview`: a scheduled run only records its plan. */
  mode: ScheduleMode;
}
export interface NextRuns {
  schedules: ScheduleRuns[];
}

/** What validate returns on success. */
export interface Validation {
  rules: number;
  schedules: number;
  /** Users in the snapshot, when one was given. */
  users: number | null;
}

// ---------------------------------------------------------------------------------------------
// decide

/** The planned action as the plan listed it (executable actions only). */
export type PlannedForDecide =
  | { user: string; key?: string | null; action: 'deactivate'; rule: string; groups?: undefined; handover?: Handover | null }
  | { user: string; key?: string | null; action: 'removeFromGroups'; groups: string[]; rule: string }
  /** Bulk items (planBulk actions) carry rule 'bulk' and may also reactivate or add to groups. */
  | { user: string; key?: string | null; action: 'reactivate'; rule: 'bulk'; groups?: undefined }
  | { user: string; key?: string | null; action: 'addToGroups'; groups: string[]; rule: 'bulk' };
export interface DecideInput {
  /** The user as read from Jira just now, in the snapshot's shape. */
  user: SnapshotUser;
  /** The snapshot's values, used when the fresh user lacks a field (absent = not known). */
  previous?: { lastLogin?: Instant | null; created?: Instant; createdBefore?: Instant; leads?: Leads | null; openAssigned?: number | null };
  planned: PlannedForDecide;
  applicationRoles?: ApplicationRole[];
  /** When the plan's snapshot was read: with it, a plan older than limits.maxSnapshotAgeMinutes is refused. */
  capturedAt?: Instant;
}
/** `asOf` is the current instant; `actor` and `schedule` as the plan had them. */
export type DecideOptions = PlanRunOptions;
export interface DecidedAction {
  /** reactivate and addToGroups only for bulk items (rule 'bulk'). */
  action: 'deactivate' | 'removeFromGroups' | BulkOperationType;
  /** removeFromGroups: groups the user is in now, that the rule removes, and that the plan listed;
   *  bulk addToGroups: the planned groups the user is not in now. */
  groups?: string[];
  rule: string;
  /** deactivate of a project lead: the hand-over to make first (the projects led now, never more than planned). */
  handover?: Handover;
}
export type Decision =
  | { decision: 'proceed'; code: 'decide.proceed'; reason: string; action: DecidedAction }
  | { decision: 'skip'; code: Exclude<DecisionCode, 'decide.proceed'>; reason: string; action?: undefined };

// ---------------------------------------------------------------------------------------------
// planBulk

export type BulkOperationType = 'deactivate' | 'reactivate' | 'addToGroups' | 'removeFromGroups';
export type BulkOperation =
  | { type: 'deactivate' | 'reactivate'; groups?: undefined }
  | { type: 'addToGroups' | 'removeFromGroups'; groups: string[] };
export interface BulkOptions {
  asOf: Instant;
  /** The acting administrator: protected from destructive operations. */
  actor?: string | null;
  /** Usernames (case-insensitive; each once); at least one, at most 1,000,000. */
  users: string[];
  operation: BulkOperation;
}
export interface BulkAction extends Who {
  action: BulkOperationType;
  /** addToGroups: the groups the user is not in; removeFromGroups: the groups the user is in (spelled as the operation spells them). */
  groups?: string[];
  rule: 'bulk';
  /** A deactivation Jira would refuse (a project lead, no handover.projectLead): never carried out. */
  status?: 'blocked';
  blockedCode?: BlockedCode;
  blockedReason?: string;
  /** A deactivation of a project lead with handover.projectLead: hand these projects over first. */
  handover?: Handover;
  reasons: string[];
}
export interface BulkPlan {
  asOf: UtcInstant;
  actor: string | null;
  /** The operation as carried out (groups trimmed, each once). */
  operation: BulkOperation;
  /** Sorted by username, as plan actions. Only users for whom the operation changes something. */
  actions: BulkAction[];
  /** Left out of a destructive operation (deactivate, removeFromGroups). */
  protected: Array<{ user: string; code: ProtectionCode; reason: string }>;
  /** Nothing to change ("already inactive", "already active", "already a member of g", "not a member of g"). */
  unchanged: Array<{ user: string; reason: string }>;
  /** Names the snapshot does not have, as given. */
  unknown: string[];
  counts: { requested: number; actions: number; executable: number; blocked?: number; protected: number; unchanged: number; unknown: number };
  limit: { maxActionsPerRun: number | null; maxSnapshotAgeMinutes: number };
  /** counts.executable > limit.maxActionsPerRun: never carried out. */
  overLimit: boolean;
}

// ---------------------------------------------------------------------------------------------
// policyGroups

export interface PolicyGroupsInput {
  /** Every group name Jira has. */
  groups: string[];
  /** As in a snapshot: their groups are always included (seats). */
  applicationRoles?: Array<Pick<ApplicationRole, 'key' | 'groups'> & Partial<ApplicationRole>>;
}
export interface PolicyGroups {
  /** The groups whose memberships can change a plan: sorted case-insensitively, spelled as given. */
  groups: string[];
  /** Why each is there (same order): `rules[0].include.groups[1] "ext-*"`, `application role jira-software` ... */
  reasons: Array<{ group: string; by: string[] }>;
}

// ---------------------------------------------------------------------------------------------
// removableGroups

export interface RemovableGroupsInput {
  /** The group names to ask about (e.g. the groups an undo would add back). */
  groups: string[];
  /** The run's application-role groups: the read-only fallback removes them. */
  roleGroups?: string[];
}
export interface GroupAllowance {
  /** As given. */
  group: string;
  allowed: boolean;
  /** Why, when allowed: `rule licence-180d removes "jira-*-users"` (the first rule and pattern that match),
   *  or "application-role group (read-only fallback)". */
  by?: string;
}
export interface RemovableGroups {
  /** One entry per group asked about, in the order given. */
  groups: GroupAllowance[];
}

// ---------------------------------------------------------------------------------------------
// query

/** A filter for `query`: every field optional, all given fields must hold (docs/query.md). */
export interface QueryFilter {
  /** Case-insensitive substring of the username, display name or email. */
  search?: string;
  /** Member of at least one (patterns with `*`, as in rules). */
  include?: { groups?: string[] };
  /** Member of none / not one of these users (as in rules). */
  exclude?: { groups?: string[]; users?: string[] };
  /** As in rules; internal domains come from the policy (none without one). */
  email?: EmailCondition;
  /** As in rules: last login at least this many days before asOf. With neverLoggedIn, either. */
  inactiveDays?: number;
  /** As in rules; without createdMoreThanDays, any user who never logged in. */
  neverLoggedIn?: { createdMoreThanDays?: number };
  /** Creation date range: `after` inclusive, `before` exclusive (dates are 00:00 UTC). */
  created?: { before?: string; after?: string };
  /** The dashboard's buckets (any of). */
  buckets?: BucketName[];
  /** Application role keys (any of): in one of the role's groups. */
  roles?: string[];
  /** Directory names (any of, case-insensitive). */
  directories?: string[];
  active?: boolean;
  /** Protected by the policy (or the actor) or not. */
  protected?: boolean;
  /** Listed for review (a review rule is the user's first selecting rule) or not. */
  review?: boolean;
  /** Not a condition: "brief" answers each user as a `BriefUser` (a grid row); default "full". */
  view?: 'full' | 'brief';
}
/** A user in a `view: "brief"` answer. */
export type BriefUser = Pick<QueryUser, 'name' | 'displayName' | 'email' | 'active' | 'lastLogin' | 'daysInactive' | 'bucket' | 'protected' | 'review'>;
export type QueryOptions = DashboardOptions;
export interface QueryUser {
  name: string;
  key?: string;
  displayName: string;
  email?: string;
  emailDomain?: string;
  active: boolean;
  /** Every group of the user, sorted. */
  groups: string[];
  directory?: string;
  /** An instant; `null` = never logged in; absent = not known. */
  lastLogin?: UtcInstant | null;
  created?: UtcInstant;
  /** Upper bound of creation when `created` is not known. */
  createdBefore?: UtcInstant;
  /** Whole days since last login (or creation for never logged in); absent when not known. */
  daysInactive?: number;
  bucket: BucketName;
  /** Keys of the roles whose groups the user is in. */
  roles: string[];
  protected?: { code: ProtectionCode; reason: string };
  /** The review rule that lists the user. */
  review?: string;
  openAssigned?: number;
  leads?: Leads;
  /** One sentence per filter condition the user meets. */
  reasons: string[];
}
export interface YesNo { yes: number; no: number }
/** Per facet, the users meeting every other part of the filter, by this facet's value. */
export interface QueryCounts {
  buckets: Buckets;
  active: YesNo;
  protected: YesNo;
  review: YesNo;
  /** Every role of the snapshot, by key. */
  roles: Record<string, number>;
  /** By directory; users without one under "". */
  directories: Record<string, number>;
  email: { internal: number; external: number; none: number };
}
export interface QueryResult {
  asOf: UtcInstant;
  thresholds: { lowUsageDays: number; inactiveDays: number };
  /** Matching users in the snapshot's order (username, case-insensitive); `BriefUser`s for `view: "brief"`. */
  users: QueryUser[] | BriefUser[];
  total: number;
  counts: QueryCounts;
}
/** `session.matches(filter)`: the users `query` answers, as positions in the session's user order (no users). */
export interface QueryMatches {
  asOf: UtcInstant;
  thresholds: { lowUsageDays: number; inactiveDays: number };
  /** Ascending positions: `rows[k]` is the index of a matching user in `session.query({view: "brief"})`'s users. */
  rows: Uint32Array;
  total: number;
  counts: QueryCounts;
}

// ---------------------------------------------------------------------------------------------
// Functions

export function version(): string;
export function validate(policy: PolicyInput, snapshot?: SnapshotInput | null, options?: string | ValidateOptions | null): Result<Validation>;
export function plan(policy: PolicyInput, snapshot: SnapshotInput, options: string | PlanRunOptions): Result<Plan>;
/** The same Result<Plan> as `plan`, as JSON text (big payloads). */
export function planJson(policyText: PolicyInput, snapshotText: SnapshotInput, optionsText: string | PlanRunOptions): string;
export function dashboard(policy: PolicyInput | null | undefined, snapshot: SnapshotInput, options: string | DashboardOptions): Result<Dashboard>;
export function planTier(policy: PolicyInput, snapshot: SnapshotInput, options: string | TierOptions): Result<TierPlan>;
export function nextRuns(policy: PolicyInput, options: string | NextRunsOptions): Result<NextRuns>;
/** Per user of a rule with `warn`: warn now, wait, or act; and who such a rule will select within its daysBefore days. */
export function warnings(policy: PolicyInput, snapshot: SnapshotInput, options: string | WarningsOptions): Result<Warnings>;
/** Per warn rule: warned users, logged in after, and of those only once / more than once / not known. */
export function warningOutcomes(policy: PolicyInput, snapshot: SnapshotInput, options: string | WarningOutcomesOptions): Result<WarningOutcomes>;
/** Decides again for one user just before the change: proceed (with exactly what to do) or skip, and why. */
export function decide(policy: PolicyInput, input: string | DecideInput, options: string | DecideOptions): Result<Decision>;
/** An administrator's bulk operation on named users: protected users left out of destructive ones, only real changes listed. */
export function planBulk(policy: PolicyInput, snapshot: SnapshotInput, options: string | BulkOptions): Result<BulkPlan>;
/** Which of `groups` a run under this policy was allowed to remove (a rule's removeFromGroups pattern, or the read-only fallback's role groups). */
/** The groups whose memberships can change a plan under this policy: read only those, and list them in the snapshot's `completeGroups`. */
export function policyGroups(policy: PolicyInput, input: string | PolicyGroupsInput): Result<PolicyGroups>;
export function removableGroups(policy: PolicyInput, input: string | RemovableGroupsInput): Result<RemovableGroups>;
/** The users matching a filter built from the rules' conditions, with facts, reasons and facet counts. */
export function query(policy: PolicyInput | null | undefined, snapshot: SnapshotInput, filter: string | QueryFilter | null | undefined, options: string | QueryOptions): Result<QueryResult>;
/** A policy and snapshot parsed once (`openQuery`), answering filter after filter. Call `free()` when done. */
export interface QuerySession {
  query(filter?: string | QueryFilter | null): Result<QueryResult>;
  queryJson(filter?: string | QueryFilter | null): string;
  /** The matching users' positions (into the empty filter's answer) and the counts; `view` is ignored. */
  matches(filter?: string | QueryFilter | null): Result<QueryMatches>;
  /** Users in the snapshot. */
  users(): number;
  free(): void;
}
/** Parses once for many queries: a filter change then costs one pass over the users (no snapshot parsing). */
export function openQuery(policy: PolicyInput | null | undefined, snapshot: SnapshotInput, options: string | QueryOptions): Result<QuerySession>;
/** The same Result<QueryResult> as `query`, as JSON text. */
export function queryJson(policy: PolicyInput | null | undefined, snapshot: SnapshotInput, filter: string | QueryFilter | null | undefined, options: string | QueryOptions): string;
