// CSV for spreadsheets (browser-safe): RFC 4180 (CRLF rows, quoted when needed, quotes doubled),
// with spreadsheet-formula injection neutralised as the OWASP "CSV Injection" guidance says.
// Every CSV the project writes (the CLI's audit export, the admin page's preview and history
// exports) goes through csvCell, so no export neutralises on its own.
//
// A cell is dangerous when its first character that is not a space is one a spreadsheet starts a
// formula (or a DDE command) with: = + - @, TAB or CR — Excel and LibreOffice skip leading spaces
// before deciding — or the full-width forms of the first four (＝ ＋ － ＠) and their small forms
// (﹦ ﹢ ﹣ ﹫), which some spreadsheets fold to ASCII. Such a cell gets a leading apostrophe, which
// spreadsheets read as "this is text" and do not show. Arrays are joined into one cell first and
// the joined text is what is checked (a cell is evaluated as a whole, not per element).
const FORMULA_LEAD = /^\s*[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20\uFE66\uFE62\uFE63\uFE6B]/u;

/** The text, with a leading apostrophe when a spreadsheet would evaluate it as a formula. */
export function neutralise(text) {
  const s = String(text ?? '');
  return FORMULA_LEAD.test(s) ? `'${s}` : s;
}

/** One CSV cell: null/undefined empty, arrays joined with "; ", neutralised, quoted when needed. */
export function csvCell(value) {
  let s;
  if (value === null || value === undefined) s = '';
  // A finite number is written by JavaScript as digits, a sign, "." and "e": it cannot be a
  // formula, and a negative number must stay a number for the auditor's sums.
  else if (typeof value === 'number' && Number.isFinite(value)) s = String(value);
  else s = neutralise(Array.isArray(value) ? value.map((v) => (v === null || v === undefined ? '' : String(v))).join('; ') : String(value));
  if (/[",\r\n]/.test(s) || /^\s|\s$/.test(s)) s = `"${s.replace(/"/g, '""')}"`;
  return s;
}

export function csvLine(cells) {
  return cells.map(csvCell).join(',');
}

export function toCsv(header, rows) {
  return [csvLine(header), ...rows.map(csvLine)].join('\r\n') + '\r\n';
}
