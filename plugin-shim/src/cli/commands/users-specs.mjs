// The option specs of users, bulk and review (args.mjs COMMANDS entries). Imports only the shared
// option specs (themselves import-free) so args.mjs can import this without a cycle.
import { text, flag, many, help, jira, yes, audit, auditKeyFile, concurrency, storageUser } from '../option-specs.mjs';

export const BULK_OPERATIONS_LIST = ['deactivate', 'reactivate', 'addToGroups', 'removeFromGroups'];


export const FILTER_OPTIONS = {
  search: text('TEXT', 'username, display name or email contains TEXT (case-insensitive)'),
  'include-group': many('PATTERN', 'member of at least one of these groups (repeat; `*` patterns)'),
  'exclude-group': many('PATTERN', 'member of none of these groups (repeat)'),
  'exclude-user': many('NAME', 'not this user (repeat)'),
  external: flag('email domain not internal (the policy\'s internalDomains)'),
  internal: flag('email domain internal'),
  domain: many('DOMAIN', 'email in this domain (repeat)'),
  'inactive-days': text('N', 'last login at least N days ago'),
  'never-logged-in': flag('never logged in (with --inactive-days: either)'),
  'created-more-than-days': text('N', 'with --never-logged-in: created at least N days ago'),
  'created-before': text('DATE', 'created before DATE (YYYY-MM-DD or an instant)'),
  'created-after': text('DATE', 'created on or after DATE'),
  bucket: many('BUCKET', 'activity bucket: active, lowUsage, inactive, neverLoggedIn, unknown, deactivated, protected (repeat)'),
  role: many('KEY', 'holds this application role (repeat)'),
  directory: many('NAME', 'in this user directory (repeat)'),
  active: flag('active users only'),
  inactive: flag('deactivated users only'),
  protected: flag('protected by the policy only'),
  'not-protected': flag('not protected only'),
  review: flag('listed for review by a review rule only'),
  'not-review': flag('not listed for review only'),
};

export const usersCommand = {
  summary: 'list the users a filter matches (groups, email, activity, roles, protection, review), as a table, JSON or CSV',
  synopsis: 'users (--snapshot FILE | --jira URL) [--policy FILE] [filters] [--as-of INSTANT] [--json | --csv [--out FILE]]',
  options: {
    snapshot: text('FILE', 'the users snapshot (JSON); "-" reads stdin'),
    jira: text('URL', 'read every user and group from Jira DC instead (token in USER_CLEANUP_TOKEN)'),
    policy: text('FILE', 'the policy: internal domains, protection, review rules (without it nothing is protected but --actor)'),
    'as-of': text('INSTANT', 'evaluation instant, RFC 3339 (default: now)'),
    actor: text('NAME', 'the acting admin (protected)'),
    ...FILTER_OPTIONS,
    json: flag('print the engine\'s answer (users, total, counts) as JSON'),
    csv: flag('print the users as CSV (cells a spreadsheet would run as formulas are neutralised)'),
    out: text('FILE', 'with --json or --csv: write to FILE (created 0600) instead of stdout'),
    limit: text('N', 'list at most N rows (default 50)'),
    all: flag('list every row'),
    help,
  },
  examples: [
    'users --snapshot snapshot.json --policy policy.json --inactive-days 90 --external',
    'users --snapshot snapshot.json --include-group "ext-*" --never-logged-in --csv --out ext.csv',
    'users --jira https://jira.example.com --policy policy.json --review --json',
  ],
};

export const bulkCommand = {
  summary: 'deactivate, reactivate, add to or remove from groups chosen users in Jira DC, with the limit, confirmation and audit trail of a run',
  synopsis: 'bulk --jira URL --policy FILE --operation OP [--group G ...] (--user NAME ... | --matching [filters]) [--yes] [--audit FILE]',
  options: {
    jira,
    policy: text('FILE', 'the policy: protection (never deactivated or removed from groups), the limit per run'),
    operation: text('OP', `one of ${BULK_OPERATIONS_LIST.join(', ')}`),
    group: many('GROUP', 'addToGroups / removeFromGroups: the group (repeat)'),
    user: many('NAME', 'a user to change (repeat)'),
    matching: flag('every user the filters match (the users command\'s filters)'),
    ...FILTER_OPTIONS,
    yes,
    audit,
    'audit-key-file': { ...auditKeyFile, help: 'the secret that MACs every audit record (default: $USER_CLEANUP_AUDIT_KEY)' },
    actor: text('NAME', 'the acting admin, never changed (default: the token\'s user)'),
    'readonly-fallback': text('MODE', 'deactivate of read-only (LDAP) users: remove-licence-groups (default) or skip'),
    concurrency,
    json: flag('print the result (run id, totals, outcomes) as JSON'),
    help,
  },
  examples: [
    'bulk --jira https://jira.example.com --policy policy.json --operation deactivate --user fred --user wilma',
    'bulk --jira https://jira.example.com --policy policy.json --operation removeFromGroups --group jira-software-users --matching --inactive-days 180',
  ],
};

export const reviewCommand = {
  summary: 'the review list (users review rules list) and the decisions about them: approve, keep, postpone',
  synopsis: 'review list (--snapshot FILE --policy FILE | --jira URL) [--json | --csv] | review approve|keep|postpone --jira URL --user NAME [...]',
  options: {
    snapshot: text('FILE', 'list: the users snapshot (no decisions without --jira)'),
    jira: text('URL', 'the Jira base URL (token in USER_CLEANUP_TOKEN); the policy and the decisions are read from its store'),
    policy: text('FILE', 'the policy (default with --jira: the one saved in Jira)'),
    'storage-user': storageUser,
    'as-of': text('INSTANT', 'evaluation instant (default: now)'),
    user: text('NAME', 'approve / keep / postpone: the user decided about'),
    operation: text('OP', `approve: what to carry out (${BULK_OPERATIONS_LIST.join(', ')})`),
    group: many('GROUP', 'approve with addToGroups / removeFromGroups: the group (repeat)'),
    reason: text('TEXT', 'keep (required) / postpone: why'),
    until: text('DATE', 'keep (required): the exception expires then (YYYY-MM-DD); postpone: until (default 30 days)'),
    yes: { ...yes, help: 'approve: confirm without the prompt' },
    json: flag('print the result as JSON'),
    csv: flag('list: print CSV (neutralised)'),
    help,
  },
  positionals: true,
  examples: [
    'review list --jira https://jira.example.com',
    'review keep --jira https://jira.example.com --user fred --reason "runs the quarterly import" --until 2027-03-31',
    'review approve --jira https://jira.example.com --user wilma --operation deactivate',
  ],
};

