// The confirmation before a run changes anything: --yes, or typing the number of actions on a terminal.
import { createInterface } from 'node:readline';
import { RefusedError } from '../errors.mjs';

/**
 * Resolves when confirmed; throws RefusedError otherwise (no terminal and no --yes, or a wrong answer).
 * @param {{count: number, yes?: boolean, stdin?: any, prompt?: any, what?: string}} o
 */
export async function confirmCount({ count, yes = false, stdin = process.stdin, prompt = process.stderr, what = 'actions' }) {
  if (yes) return;
  if (!stdin.isTTY) {
    throw new RefusedError(`refused: nothing was changed. ${count} ${what} need a confirmation and there is no terminal to ask on; pass --yes to confirm`);
  }
  // The terminal echoes the answer itself (cooked mode); readline only collects the line.
  const rl = createInterface({ input: stdin, terminal: false });
  try {
    prompt.write(`Type ${count} to carry out these ${count} ${what} in Jira (anything else cancels): `);
    const answer = await new Promise((resolve) => {
      rl.once('line', resolve);
      rl.once('close', () => resolve(null));
    });
    if (answer === null || answer.trim() !== String(count)) {
      throw new RefusedError(`cancelled: the answer was not ${count}; nothing was changed`);
    }
  } finally {
    rl.close();
  }
}
