// The option specs of users, bulk and review (args.mjs COMMANDS entries). Kept free of imports so
// args.mjs can import them without a cycle.

export const BULK_OPERATIONS_LIST = ['deactivate', 'reactivate', 'addToGroups', 'removeFromGroups'];

const many = (arg, help) => ({ type: 'string', arg, multiple: true, help });

export const FILTER_OPTIONS = {
  search: { type: 'string', arg: 'TEXT', help: 'username, display name or email contains TEXT (case-insensitive)' },
  'include-group': many('PATTERN', 'member of at least one of these groups (repeat; `*` patterns)'),
  'exclude-group': many('PATTERN', 'member of none of these groups (repeat)'),
  'exclude-user': many('NAME', 'not this user (repeat)'),
  external: { type: 'boolean', help: 'email domain not internal (the policy\'s internalDomains)' },
  internal: { type: 'boolean', help: 'email domain internal' },
  domain: many('DOMAIN', 'email in this domain (repeat)'),
  'inactive-days': { type: 'string', arg: 'N', help: 'last login at least N days ago' },
  'never-logged-in': { type: 'boolean', help: 'never logged in (with --inactive-days: either)' },
  'created-more-than-days': { type: 'string', arg: 'N', help: 'with --never-logged-in: created at least N days ago' },
  'created-before': { type: 'string', arg: 'DATE', help: 'created before DATE (YYYY-MM-DD or an instant)' },
  'created-after': { type: 'string', arg: 'DATE', help: 'created on or after DATE' },
  bucket: many('BUCKET', 'activity bucket: active, lowUsage, inactive, neverLoggedIn, unknown, deactivated, protected (repeat)'),
  role: many('KEY', 'holds this application role (repeat)'),
  directory: many('NAME', 'in this user directory (repeat)'),
  active: { type: 'boolean', help: 'active users only' },
  inactive: { type: 'boolean', help: 'deactivated users only' },
  protected: { type: 'boolean', help: 'protected by the policy only' },
  'not-protected': { type: 'boolean', help: 'not protected only' },
  review: { type: 'boolean', help: 'listed for review by a review rule only' },
  'not-review': { type: 'boolean', help: 'not listed for review only' },
};

const help = { type: 'boolean', short: 'h', help: 'show this help' };
export const usersCommand = {
  summary: 'list the users a filter matches (groups, email, activity, roles, protection, review), as a table, JSON or CSV',
  synopsis: 'users (--snapshot FILE | --jira URL) [--policy FILE] [filters] [--as-of INSTANT] [--json | --csv [--out FILE]]',
  options: {
    snapshot: { type: 'string', arg: 'FILE', help: 'the users snapshot (JSON); "-" reads stdin' },
    jira: { type: 'string', arg: 'URL', help: 'read every user and group from Jira DC instead (token in USER_CLEANUP_TOKEN)' },
    policy: { type: 'string', arg: 'FILE', help: 'the policy: internal domains, protection, review rules (without it nothing is protected but --actor)' },
    'as-of': { type: 'string', arg: 'INSTANT', help: 'evaluation instant, RFC 3339 (default: now)' },
    actor: { type: 'string', arg: 'NAME', help: 'the acting admin (protected)' },
    ...FILTER_OPTIONS,
    json: { type: 'boolean', help: 'print the engine\'s answer (users, total, counts) as JSON' },
    csv: { type: 'boolean', help: 'print the users as CSV (cells a spreadsheet would run as formulas are neutralised)' },
    out: { type: 'string', arg: 'FILE', help: 'with --json or --csv: write to FILE (created 0600) instead of stdout' },
    limit: { type: 'string', arg: 'N', help: 'list at most N rows (default 50)' },
    all: { type: 'boolean', help: 'list every row' },
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
    jira: { type: 'string', arg: 'URL', help: 'the Jira base URL (token in USER_CLEANUP_TOKEN)' },
    policy: { type: 'string', arg: 'FILE', help: 'the policy: protection (never deactivated or removed from groups), the limit per run' },
    operation: { type: 'string', arg: 'OP', help: `one of ${BULK_OPERATIONS_LIST.join(', ')}` },
    group: { type: 'string', arg: 'GROUP', multiple: true, help: 'addToGroups / removeFromGroups: the group (repeat)' },
    user: { type: 'string', arg: 'NAME', multiple: true, help: 'a user to change (repeat)' },
    matching: { type: 'boolean', help: 'every user the filters match (the users command\'s filters)' },
    ...FILTER_OPTIONS,
    yes: { type: 'boolean', short: 'y', help: 'confirm without the prompt (needed when not on a terminal)' },
    audit: { type: 'string', arg: 'FILE', help: 'the audit trail to append to (default user-cleanup-audit.jsonl)' },
    'audit-key-file': { type: 'string', arg: 'FILE', help: 'the secret that MACs every audit record (default: $USER_CLEANUP_AUDIT_KEY)' },
    actor: { type: 'string', arg: 'NAME', help: 'the acting admin, never changed (default: the token\'s user)' },
    'readonly-fallback': { type: 'string', arg: 'MODE', help: 'deactivate of read-only (LDAP) users: remove-licence-groups (default) or skip' },
    concurrency: { type: 'string', arg: 'N', help: 'actions in flight at once, 1 to 32 (default 4)' },
    json: { type: 'boolean', help: 'print the result (run id, totals, outcomes) as JSON' },
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
    snapshot: { type: 'string', arg: 'FILE', help: 'list: the users snapshot (no decisions without --jira)' },
    jira: { type: 'string', arg: 'URL', help: 'the Jira base URL (token in USER_CLEANUP_TOKEN); the policy and the decisions are read from its store' },
    policy: { type: 'string', arg: 'FILE', help: 'the policy (default with --jira: the one saved in Jira)' },
    'storage-user': { type: 'string', arg: 'NAME', help: 'the account holding the store (default user-cleanup)' },
    'as-of': { type: 'string', arg: 'INSTANT', help: 'evaluation instant (default: now)' },
    user: { type: 'string', arg: 'NAME', help: 'approve / keep / postpone: the user decided about' },
    operation: { type: 'string', arg: 'OP', help: `approve: what to carry out (${BULK_OPERATIONS_LIST.join(', ')})` },
    group: { type: 'string', arg: 'GROUP', multiple: true, help: 'approve with addToGroups / removeFromGroups: the group (repeat)' },
    reason: { type: 'string', arg: 'TEXT', help: 'keep (required) / postpone: why' },
    until: { type: 'string', arg: 'DATE', help: 'keep (required): the exception expires then (YYYY-MM-DD); postpone: until (default 30 days)' },
    yes: { type: 'boolean', short: 'y', help: 'approve: confirm without the prompt' },
    json: { type: 'boolean', help: 'print the result as JSON' },
    csv: { type: 'boolean', help: 'list: print CSV (neutralised)' },
    help,
  },
  positionals: true,
  examples: [
    'review list --jira https://jira.example.com',
    'review keep --jira https://jira.example.com --user fred --reason "runs the quarterly import" --until 2027-03-31',
    'review approve --jira https://jira.example.com --user wilma --operation deactivate',
  ],
};

