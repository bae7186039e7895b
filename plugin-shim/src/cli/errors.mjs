// How a command ends early on purpose. UsageError is the CLI's own (exit 2 with a hint to --help);
// the others are shared by every layer (../errors.mjs). Anything else that is thrown is
// unexpected and ends as "error: ..." with exit 1 (see main.mjs).
export { InputError, EXIT_OK, EXIT_UNEXPECTED, EXIT_BAD_INPUT } from '../errors.mjs';

/** Wrong command line: the message plus a hint to the command's --help. */
export class UsageError extends Error {
  constructor(message, command) {
    super(message);
    this.name = 'UsageError';
    this.command = command;
  }
}
