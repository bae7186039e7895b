// ANSI colours for stdout, only when stdout is a terminal and NO_COLOR is not set.

const CODES = { bold: [1, 22], dim: [2, 22], red: [31, 39], green: [32, 39], yellow: [33, 39], cyan: [36, 39] };

export function colourEnabled(stream = process.stdout, env = process.env) {
  return Boolean(stream.isTTY) && env.NO_COLOR === undefined;
}

/** { bold, dim, red, ... }: functions that wrap text, or return it unchanged when disabled. */
export function colours(enabled) {
  const c = {};
  for (const [name, [on, off]] of Object.entries(CODES)) {
    c[name] = enabled ? (s) => `\x1b[${on}m${s}\x1b[${off}m` : (s) => s;
  }
  c.enabled = enabled;
  return c;
}
