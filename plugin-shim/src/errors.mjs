// The ways a command or a run ends on purpose, shared by every layer (cli → runner → host): the
// runner throws them, the CLI turns them into exit codes and messages. No layer here prints.

export const EXIT_OK = 0;
export const EXIT_UNEXPECTED = 1;
export const EXIT_BAD_INPUT = 2;
export const EXIT_REFUSED = 3; // over the limit, not confirmed, not an administrator, plan expired, trail tampered
export const EXIT_ACTIONS_FAILED = 4; // the run finished and at least one action failed

/** An input that cannot be used (missing file, invalid policy, no such run, ...): exit 2. */
export class InputError extends Error {
  constructor(message) {
    super(message);
    this.name = 'InputError';
  }
}

/** The run is refused on purpose (over limit, no confirmation, not an admin, expired plan): exit 3. */
export class RefusedError extends Error {
  constructor(message, code) {
    super(message);
    this.name = 'RefusedError';
    if (code !== undefined) this.code = code;
  }
}

/** The engine did not accept the policy or snapshot; `result` holds the problems. */
export class PlanFailed extends Error {
  constructor(result) {
    super('the policy or snapshot does not validate');
    this.name = 'PlanFailed';
    this.result = result;
  }
}

/** True for a refusal from any layer: a RefusedError, or a browser-safe error coded `refused.*`. */
export function isRefusal(e) {
  return e instanceof RefusedError || (typeof e?.code === 'string' && e.code.startsWith('refused.'));
}
