// Jira's timestamp form: "2023-08-30T16:37:01+1000" (no millis, +hhmm offset), in a given IANA zone.

const offsetFormatters = new Map();
const offsetCache = new Map(); // `${zone}|${hour}` -> minutes

function offsetMinutes(ms, timeZone) {
  if (timeZone === 'UTC' || timeZone === 'Etc/UTC') return 0;
  const hour = Math.floor(ms / 3_600_000);
  const k = `${timeZone}|${hour}`;
  let off = offsetCache.get(k);
  if (off === undefined) {
    let f = offsetFormatters.get(timeZone);
    if (!f) {
      f = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' });
      offsetFormatters.set(timeZone, f);
    }
    const name = f.formatToParts(new Date(ms)).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
    const m = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
    off = m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
    if (offsetCache.size > 200_000) offsetCache.clear();
    offsetCache.set(k, off);
  }
  return off;
}

const two = (n) => (n < 10 ? '0' : '') + n;

/** ms since the epoch -> "YYYY-MM-DDTHH:MM:SS+hhmm" in timeZone. */
export function jiraTime(ms, timeZone = 'UTC') {
  const off = offsetMinutes(ms, timeZone);
  const d = new Date(Math.floor(ms / 1000) * 1000 + off * 60_000);
  const a = Math.abs(off);
  return `${d.getUTCFullYear()}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())}T${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}${off < 0 ? '-' : '+'}${two(Math.floor(a / 60))}${two(a % 60)}`;
}

/** Jira's serverTime form: "2026-11-27T10:00:00.000+0100". */
export function jiraTimeMillis(ms, timeZone = 'UTC') {
  const s = jiraTime(ms, timeZone);
  return `${s.slice(0, 19)}.${String(Math.floor(ms) % 1000).padStart(3, '0')}${s.slice(19)}`;
}

/** Parses RFC 3339 or Jira's "+hhmm" form to ms; undefined when it cannot. */
export function parseInstant(s) {
  if (typeof s !== 'string') return undefined;
  const fixed = s.replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
  const ms = Date.parse(fixed);
  return Number.isFinite(ms) ? ms : undefined;
}
