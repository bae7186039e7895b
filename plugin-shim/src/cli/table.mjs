// Aligned text tables that fit the terminal: the widest shrinkable columns give way first, and
// cut values end with "…". Every cell is sanitized here, so callers may pass host data as is.
import { sanitize, displayWidth, truncate, pad } from './text.mjs';

/**
 * @param {object} t
 * @param {Array<{header: string, align?: 'left'|'right', min?: number, max?: number, shrink?: boolean, give?: number,
 *                style?: (text: string, row: any[]) => string}>} t.columns
 * @param {any[][]} t.rows       cell values (anything; null/undefined print as empty)
 * @param {number} t.width       total columns available
 * @param {object} t.c           colours (colour.mjs)
 * @param {string} [t.indent]    prefix of every line
 * @returns {string[]} lines
 */
export function table({ columns, rows, width, c, indent = '  ', gap = '  ' }) {
  const cells = rows.map((row) => columns.map((_, i) => sanitize(row[i])));
  const headers = columns.map((col) => col.header);
  const widths = columns.map((col, i) => {
    let w = displayWidth(headers[i]);
    for (const row of cells) w = Math.max(w, displayWidth(row[i]));
    return col.max ? Math.min(w, col.max) : w;
  });
  const mins = columns.map((col, i) =>
    col.shrink === false ? widths[i] : Math.min(widths[i], col.min ?? Math.max(4, Math.min(displayWidth(headers[i]), 10))),
  );
  const available = width - displayWidth(indent) - gap.length * (columns.length - 1);
  let excess = widths.reduce((a, b) => a + b, 0) - available;
  // Columns with a higher `give` shrink first (down to their min), the widest of them first.
  const gives = [...new Set(columns.map((col) => col.give ?? 1))].sort((a, b) => b - a);
  for (const give of gives) {
    const group = columns.map((col, i) => ((col.give ?? 1) === give ? i : -1)).filter((i) => i >= 0);
    while (excess > 0) {
      let widest = -1;
      for (const i of group) {
        if (widths[i] > mins[i] && (widest < 0 || widths[i] > widths[widest])) widest = i;
      }
      if (widest < 0) break;
      const next = Math.max(mins[widest], ...group.filter((i) => i !== widest).map((i) => widths[i]));
      const step = Math.min(excess, widths[widest] - mins[widest], Math.max(1, widths[widest] - next));
      widths[widest] -= step;
      excess -= step;
    }
  }
  // Still too wide: every shrinkable column gives way, widest first, down to 4 columns.
  while (excess > 0) {
    let widest = -1;
    for (let i = 0; i < widths.length; i++) {
      const floor = Math.min(mins[i], 4);
      if (columns[i].shrink !== false && widths[i] > floor && (widest < 0 || widths[i] > widths[widest])) widest = i;
    }
    if (widest < 0) break; // what is left is for the terminal to wrap
    widths[widest] -= 1;
    excess -= 1;
  }
  const line = (values, style) =>
    (indent +
      values
        .map((v, i) => {
          const last = i === values.length - 1;
          const text = truncate(v, widths[i]);
          const padded = last && (columns[i].align ?? 'left') === 'left' ? text : pad(text, widths[i], columns[i].align);
          return style ? style(padded, i) : padded;
        })
        .join(gap)).trimEnd();
  const out = [line(headers, (s) => c.dim(s))];
  cells.forEach((row, r) => {
    out.push(line(row, (s, i) => (columns[i].style ? columns[i].style(s, rows[r]) : s)));
  });
  return out;
}
