// CSV for auditors (RFC 4180: CRLF rows, quoted when needed, quotes doubled), with
// spreadsheet-formula injection neutralised: a cell starting with = + - @ TAB or CR gets a leading
// apostrophe so Excel / LibreOffice / Sheets show it as text instead of evaluating it.
const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(value) {
  let s = value === null || value === undefined ? '' : Array.isArray(value) ? value.join('; ') : String(value);
  if (FORMULA_START.test(s)) s = `'${s}`;
  if (/[",\r\n]/.test(s) || /^\s|\s$/.test(s)) s = `"${s.replace(/"/g, '""')}"`;
  return s;
}

export function csvLine(cells) {
  return cells.map(csvCell).join(',');
}

export function toCsv(header, rows) {
  return [csvLine(header), ...rows.map(csvLine)].join('\r\n') + '\r\n';
}
