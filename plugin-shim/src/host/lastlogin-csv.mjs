// The last-login export: CSV produced by the SQL in docs/last-login-export.md.
// A small RFC 4180 parser (quoted fields, "" escapes, commas and line breaks inside quotes,
// CRLF / LF / CR line ends, a UTF-8 BOM), and the column mapping.
import { HostError } from './errors.mjs';
import { parseJiraTime, toIso } from './detect.mjs';

/**
 * Parses CSV text into rows of strings. The delimiter is ',' unless the header line (outside
 * quotes) has more ';' or tabs than commas (spreadsheet exports in some locales).
 * Each row carries its 1-based starting line number as `row.line`.
 * @param {string} text
 * @param {{delimiter?: string}} [o]
 * @returns {string[][]}
 */
export function parseCsv(text, o = {}) {
  let s = String(text);
  if (s.charCodeAt(0) === 0xfeff) s = s.slice(1);
  const delim = o.delimiter || sniffDelimiter(s);
  const rows = [];
  let row = [];
  let field = '';
  let i = 0;
  let line = 1;
  let rowLine = 1;
  let quoted = false; // the current field started with a quote
  let inQuotes = false;
  let fieldStarted = false;
  const n = s.length;
  const endField = () => {
    row.push(field);
    field = '';
    quoted = false;
    fieldStarted = false;
  };
  const endRow = () => {
    endField();
    // skip blank lines (a single empty field)
    if (!(row.length === 1 && row[0] === '' )) {
      /** @type {any} */ (row).line = rowLine;
      rows.push(row);
    }
    row = [];
  };
  while (i < n) {
    const c = s[i];
    if (inQuotes) {
      if (c === '"') {
        if (s[i + 1] === '"') { field += '"'; i += 2; continue; }
        inQuotes = false;
        i++;
        continue;
      }
      if (c === '\r' || c === '\n') {
        // a line break inside a quoted field is kept as \n
        if (c === '\r' && s[i + 1] === '\n') i++;
        field += '\n';
        line++;
        i++;
        continue;
      }
      field += c;
      i++;
      continue;
    }
    if (c === '"' && !fieldStarted) {
      inQuotes = true;
      quoted = true;
      fieldStarted = true;
      i++;
      continue;
    }
    if (c === delim) { endField(); i++; continue; }
    if (c === '\r' || c === '\n') {
      if (c === '\r' && s[i + 1] === '\n') i++;
      i++;
      endRow();
      line++;
      rowLine = line;
      continue;
    }
    if (quoted) {
      // text after a closing quote: tolerate spaces, refuse anything else
      if (c === ' ' || c === '\t') { i++; continue; }
      throw new HostError('host.csv', `CSV line ${line}: unexpected character after a closing quote`, { reason: `CSV line ${line}: unexpected text after a closing quote` });
    }
    field += c;
    fieldStarted = true;
    i++;
  }
  if (inQuotes) throw new HostError('host.csv', `CSV line ${rowLine}: a quoted field is not closed`, { reason: `CSV line ${rowLine}: a quoted field is not closed` });
  if (field !== '' || row.length || fieldStarted) endRow();
  return rows;
}

function sniffDelimiter(s) {
  let inQ = false;
  const count = { ',': 0, ';': 0, '\t': 0 };
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '"') inQ = !inQ;
    else if (!inQ && (c === '\n' || c === '\r')) break;
    else if (!inQ && c in count) count[c]++;
  }
  if (count[';'] > count[','] && count[';'] >= count['\t']) return ';';
  if (count['\t'] > count[','] && count['\t'] > count[';']) return '\t';
  return ',';
}

const norm = (h) => h.toLowerCase().replace(/[^a-z0-9]/g, '');
const COLUMNS = {
  username: ['username', 'name', 'user', 'login', 'lowerusername'],
  lastLogin: ['lastlogin', 'lastloginmillis', 'lastlogintime', 'loginlastloginmillis', 'lastloginat', 'lastlogindate'],
  // The login before the last one (login.previousLoginMillis): tells one login after a warning
  // from several (docs/warnings.md). Optional: exports without it are read as before.
  previousLogin: ['previouslogin', 'previousloginmillis', 'previouslogintime', 'loginpreviousloginmillis', 'previousloginat', 'previouslogindate'],
  created: ['created', 'createddate', 'createdat', 'creationdate', 'created_date'],
  directory: ['directory', 'directoryname'],
};

const NULLS = new Set(['', 'null', '\\n', 'nil', 'none', 'never', 'n/a']);

/**
 * A time cell: epoch millis (digits; values below 1e11 are read as epoch seconds), or an ISO /
 * Jira / SQL timestamp ('2026-10-01T08:12:00Z', '2026-10-01 08:12:00+02', '…+1000'; no offset =
 * UTC). Empty, NULL, \N -> null. Throws on anything else.
 */
export function parseTimeCell(v, where) {
  const s = String(v).trim();
  if (NULLS.has(s.toLowerCase())) return null;
  if (/^-?\d+(\.\d+)?$/.test(s)) {
    const num = Number(s);
    if (num === 0) return null; // 0 is what some exports write for "no value"
    const ms = Math.abs(num) < 1e11 ? num * 1000 : num;
    return toIso(Math.round(ms));
  }
  const t = parseJiraTime(s);
  if (Number.isNaN(t)) throw new HostError('host.csv', `${where}: '${s.slice(0, 40)}' is not a date`, { reason: `${where}: '${s.slice(0, 40)}' is neither epoch milliseconds nor an ISO date` });
  return toIso(t);
}

/**
 * Parses the last-login export.
 * Header (case, spaces and '_' ignored): username (or user_name), and at least one of
 * last_login (or lastLoginMillis), created (or created_date); previous_login (with last_login)
 * and directory optional.
 * @returns {Map<string, {name:string, lastLogin?:string|null, previousLogin?:string|null, created?:string|null, directory?:string}>}
 *   keyed by lower-cased username. lastLogin null = never logged in; previousLogin null = no login
 *   before the last one. The first row for a username wins (the SQL orders duplicates by
 *   directory position).
 */
export function parseLastLoginCsv(text) {
  const rows = parseCsv(text);
  if (!rows.length) throw new HostError('host.csv', 'the last-login CSV is empty', { reason: 'The last-login CSV is empty' });
  const header = rows[0].map(norm);
  const col = {};
  for (const [k, aliases] of Object.entries(COLUMNS)) {
    const idx = header.findIndex((h) => aliases.includes(h));
    if (idx >= 0) col[k] = idx;
  }
  if (col.username === undefined) {
    throw new HostError('host.csv', 'the last-login CSV has no username column', { reason: `The last-login CSV needs a header with a "username" column (found: ${rows[0].join(', ').slice(0, 200)})` });
  }
  if (col.lastLogin === undefined && col.created === undefined) {
    throw new HostError('host.csv', 'the last-login CSV has neither last_login nor created', { reason: 'The last-login CSV needs a "last_login" and/or a "created" column' });
  }
  if (col.previousLogin !== undefined && col.lastLogin === undefined) {
    // A previous login means nothing without the last one it came before.
    throw new HostError('host.csv', 'the last-login CSV has previous_login without last_login', { reason: 'The last-login CSV has a "previous_login" column but no "last_login" column' });
  }
  const out = new Map();
  for (let r = 1; r < rows.length; r++) {
    const row = rows[r];
    const line = /** @type {any} */ (row).line;
    const name = (row[col.username] ?? '').trim();
    if (!name) continue;
    const k = name.toLowerCase();
    if (out.has(k)) continue;
    const rec = { name };
    if (col.lastLogin !== undefined) rec.lastLogin = parseTimeCell(row[col.lastLogin] ?? '', `CSV line ${line}, last_login`);
    if (col.previousLogin !== undefined) {
      const where = `CSV line ${line}, previous_login`;
      const prev = parseTimeCell(row[col.previousLogin] ?? '', where);
      // The engine refuses such a snapshot too; say it here, with the line, before any request.
      if (prev && rec.lastLogin === null) throw new HostError('host.csv', `${where}: a previous login but no last login`, { reason: `${where}: '${prev}' but last_login is empty (never logged in)` });
      if (prev && Date.parse(prev) > Date.parse(rec.lastLogin)) throw new HostError('host.csv', `${where}: after last_login`, { reason: `${where}: '${prev}' is after last_login '${rec.lastLogin}'` });
      rec.previousLogin = prev;
    }
    if (col.created !== undefined) rec.created = parseTimeCell(row[col.created] ?? '', `CSV line ${line}, created`);
    if (col.directory !== undefined) {
      const d = (row[col.directory] ?? '').trim();
      if (d) rec.directory = d;
    }
    out.set(k, rec);
  }
  return out;
}

/**
 * The snapshot's `previousLogin` for a user from their export row, given the `lastLogin` the
 * snapshot settled on (REST and CSV merged, later wins). The row's previous login belongs to the
 * row's last login only: when REST saw a later login than the export, the user logged in after
 * the export and the login before that one is not known.
 * @param {{lastLogin?: string|null, previousLogin?: string|null}|undefined} row
 * @param {string|null|undefined} lastLogin
 * @returns {string|null|undefined} an ISO instant, null (no login before the last), or undefined (not known)
 */
export function previousLoginFor(row, lastLogin) {
  if (!row || row.previousLogin === undefined || row.lastLogin === undefined) return undefined;
  if (row.lastLogin === null) return lastLogin === null ? null : undefined;
  if (lastLogin == null || parseJiraTime(lastLogin) !== parseJiraTime(row.lastLogin)) return undefined;
  return row.previousLogin;
}

/** Of two last logins (instant, null = never, undefined = not known): a date beats null and
 *  not known, the later of two dates wins (`a` on a tie), null beats not known. The host adapter
 *  (index.mjs) merges REST's and the export's with it too. */
export function laterLogin(a, b) {
  if (a && b) return parseJiraTime(b) > parseJiraTime(a) ? b : a;
  if (a || b) return a || b;
  return a === null || b === null ? null : undefined;
}

/**
 * A snapshot already read, with the last-login export merged in as the host adapter merges it
 * (`lastLogin`: later wins; `previousLogin`: previousLoginFor). For the admin page, which reads
 * Jira over REST and takes the export as a file afterwards. The snapshot is not changed; users
 * not in the export are kept as they are. `source.lastLogin` gains "+csv".
 * @param {{users: object[], source?: object}} snapshot
 * @param {string} csvText
 */
export function withLoginExport(snapshot, csvText) {
  const rows = parseLastLoginCsv(csvText);
  const users = (snapshot.users ?? []).map((u) => {
    const row = rows.get(String(u.name).trim().toLowerCase());
    if (!row || row.lastLogin === undefined) return u;
    const out = { ...u };
    const last = laterLogin(u.lastLogin, row.lastLogin);
    if (last === undefined) delete out.lastLogin;
    else out.lastLogin = last;
    const prev = previousLoginFor(row, last);
    if (prev !== undefined) out.previousLogin = prev;
    // A previous login the snapshot had belongs to its own last login only.
    else if (last !== u.lastLogin) delete out.previousLogin;
    return out;
  });
  const had = snapshot.source?.lastLogin;
  const source = { ...(snapshot.source ?? {}), lastLogin: !had || had === 'none' ? 'csv' : had.endsWith('csv') ? had : `${had}+csv` };
  return { ...snapshot, users, source };
}
