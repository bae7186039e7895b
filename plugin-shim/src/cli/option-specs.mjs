// Option specs more than one subcommand takes (the shape of args.mjs COMMANDS options), and the two
// builders every spec uses. One definition each, so `--jira`, `--yes`, `--audit`… read and are
// explained alike in every command; a command that means something narrower overrides `help` only.
// Free of imports so args.mjs, commands/users-specs.mjs and commands/sandbox.mjs can all use it.

/** A string option taking a value shown as `arg` in the usage text. */
export const text = (arg, help) => ({ type: 'string', arg, help });
/** A string option that may be repeated (its values come as an array). */
export const many = (arg, help) => ({ type: 'string', arg, multiple: true, help });
/** A boolean flag. */
export const flag = (help) => ({ type: 'boolean', help });

export const help = { type: 'boolean', short: 'h', help: 'show this help' };
export const json = flag('print the result as JSON on stdout');
export const policy = text('FILE', 'the cleanup policy (JSON); "-" reads stdin');
export const snapshot = text('FILE', 'the users snapshot (JSON); "-" reads stdin');
export const asOf = text('INSTANT', 'evaluation instant, RFC 3339 (default: now), e.g. 2026-11-27T00:00:00Z');
export const actor = text('NAME', 'the acting admin (never actioned)');
export const limit = text('N', 'list at most N rows per table (default 50)');
export const all = flag('list every row');
export const jira = text('URL', 'the Jira base URL (token in USER_CLEANUP_TOKEN)');
export const yes = { type: 'boolean', short: 'y', help: 'confirm without the prompt (needed when not on a terminal)' };
export const audit = text('FILE', 'the audit trail to append to (default user-cleanup-audit.jsonl)');
export const auditKeyFile = text('FILE', 'the secret that MACs every audit record (default: $USER_CLEANUP_AUDIT_KEY; none = no MACs)');
export const concurrency = text('N', 'actions in flight at once, 1 to 32 (default 4)');
export const storageUser = text('NAME', 'the account holding the store (default user-cleanup)');
