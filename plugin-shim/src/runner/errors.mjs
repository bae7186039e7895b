// Exit codes of the runner commands (beyond 0 / 1 / 2 of errors.mjs in the CLI).
export const EXIT_REFUSED = 3; // over the limit, not confirmed, not an administrator
export const EXIT_ACTIONS_FAILED = 4; // the run finished and at least one action failed

/** The run is refused on purpose (over limit, no confirmation, not an admin): exit 3. */
export class RefusedError extends Error {
  constructor(message) {
    super(message);
    this.name = 'RefusedError';
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
