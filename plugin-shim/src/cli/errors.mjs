// The two ways a command ends early on purpose. Both exit 2 (bad input); anything else that is
// thrown is unexpected and ends as "error: ..." with exit 1 (see main.mjs).

/** Wrong command line: the message plus a hint to the command's --help. */
export class UsageError extends Error {
  constructor(message, command) {
    super(message);
    this.name = 'UsageError';
    this.command = command;
  }
}

/** An input that cannot be used (missing file, invalid policy, ...); the lines are already printed or in `lines`. */
export class InputError extends Error {
  constructor(message) {
    super(message);
    this.name = 'InputError';
  }
}

export const EXIT_OK = 0;
export const EXIT_UNEXPECTED = 1;
export const EXIT_BAD_INPUT = 2;
